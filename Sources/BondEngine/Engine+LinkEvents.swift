import BondCore
import PacketIO

/// Carrier and state changes the kernel announces over rtnetlink, for members and for
/// the bond device, and the bond events they lead to.
extension Engine {
    func readLinkEvents() {
        var deviceChanged = false
        var awaitedAppeared = false
        let complete = linkEvents.drain(
            { info, deleted in
                if info.index == device.hostIndex || info.index == device.engineIndex {
                    if deleted {
                        fatal = EngineError("the bond device \(name) was removed or moved to another namespace")
                    } else if info.index == device.engineIndex {
                        engineEndChanged(info)
                    } else {
                        // Notifications do not carry everything (a bridge's promiscuity
                        // reference is not announced): read the device's state afresh.
                        if let fresh = try? links.link(index: info.index) { followBondDevice(fresh) }
                        deviceChanged = true
                    }
                    return
                }
                if info.isBridgePortNotice { return }
                if !deleted && !awaited.isEmpty && awaited.contains(info.name) { awaitedAppeared = true }
                // A device above the bond changed (addresses come separately), or a link
                // joined or left one of them (a bridge port notice carries its master).
                if uppers.contains(index: info.index) || info.master.map(uppers.contains(index:)) == true {
                    uppersDirty = true
                }
                if let d = vlanDevices.first(where: { $0.hostIndex == info.index || $0.engineIndex == info.index }) {
                    return vlanDeviceChanged(d, info, deleted: deleted)
                }
                guard let port = ports.first(where: { $0.interfaceIndex == info.index && !$0.removed }) else {
                    if !deleted && !departed.isEmpty { departedMemberReturned(info) }
                    return
                }
                if port.gone { return }
                if deleted { return memberLeft(port) }
                memberChanged(port, info)
                if info.hasCarrier { refreshSpeed(of: port) }
                handle(bond.carrierChanged(member: port.index, up: info.hasCarrier, at: system.now()))
            },
            addressChanged: { index in
                if uppers.contains(index: index) { uppersDirty = true }
            })
        // Joined once the notifications are read: a join changes the ports.
        if awaitedAppeared || (!complete && !awaited.isEmpty) { addAwaitedMembersPresent() }
        // The kernel dropped notifications: read the whole state again.
        if !complete { refreshCarriers() }
        if (deviceChanged || !complete || uppersDirty) && fatal == nil { refreshUppers() }
    }

    /// A link that comes up may come up at another speed (802.3ad's port keys and
    /// primary_reselect=better read it): read again, as the kernel does on NETDEV_UP.
    func refreshSpeed(of port: MemberPort) {
        let speed = links.speed(of: port.name) ?? bond.members[port.index].speed
        let duplex = links.fullDuplex(of: port.name)
        guard speed != bond.members[port.index].speed || duplex != bond.members[port.index].fullDuplex else { return }
        bond.setSpeed(member: port.index, speed, fullDuplex: duplex)
        rebuildView()
    }

    func refreshCarriers() {
        guard let all = try? links.links() else { return }
        for p in ports where p.isLive {
            let info = all.first { $0.index == p.interfaceIndex }
            handle(bond.carrierChanged(member: p.index, up: info?.hasCarrier ?? false, at: system.now()))
        }
    }

    /// A device taken over says nothing new of itself (no notification comes): members
    /// follow its promiscuity now (a bridge port, uppers), and its carrier is the bond's,
    /// which may be none, whatever the dead bondd left on the engine end.
    func adoptDeviceState() {
        if let fresh = try? links.link(index: device.hostIndex) { followBondDevice(fresh) }
        if let end = try? links.link(index: device.engineIndex), end.isAdminUp != carrierWanted {
            carrierApplied = carrierWanted
            do { try links.change(index: device.engineIndex, LinkChange(up: carrierWanted)) } catch {
                logger.error("\(name): cannot set carrier: \(error)")
            }
        }
    }

    /// The host changed the bond device: members follow its MTU, MAC and promiscuity
    /// (a bridge port is promiscuous), as the kernel's slaves do.
    func followBondDevice(_ info: LinkInfo) {
        defer { syncFastPath(); syncSocketPath() }
        bondDeviceAdminChanged(info)
        var change = LinkChange()
        var previousMAC: MACAddress?
        if info.mtu > 0 && info.mtu != mtu {
            logger.info("\(name): MTU \(mtu) -> \(info.mtu), applying to members")
            mtu = info.mtu
            change.mtu = mtu
            do { try links.change(index: device.engineIndex, LinkChange(mtu: mtu)) } catch {
                logger.error("\(name): cannot set the MTU of the engine end: \(error)")
            }
        }
        if info.mac.count == 6 && MACAddress(bytes: info.mac) != bondMAC && bondFollowsActive {
            // As the kernel: with fail_over_mac=active the bond's MAC is the active
            // member's and an administrator's change does not take.
            logger.warning("\(name): the MAC follows the active member (fail_over_mac=active); restoring \(bondMAC)")
            do { try links.change(index: device.hostIndex, LinkChange(mac: bondMAC.bytes)) } catch {
                logger.error("\(name): cannot restore the bond's MAC: \(error)")
            }
        } else if info.mac.count == 6 && MACAddress(bytes: info.mac) != bondMAC {
            let old = bondMAC
            previousMAC = old
            bondMAC = MACAddress(bytes: info.mac)
            logger.info("\(name): MAC changed to \(bondMAC), applying to members")
            if macPolicy == .ownMACs {
                // Only the member that carried the bond's MAC follows.
                for p in ports where p.mac == old && p.isLive {
                    p.mac = bondMAC
                    do { try links.change(index: p.interfaceIndex, LinkChange(mac: info.mac)) } catch {
                        logger.error("\(name): cannot give \(p.name) the bond's MAC: \(error)")
                    }
                }
            } else {
                change.mac = info.mac
                for p in ports { p.mac = bondMAC }
            }
        }
        let promiscuous = info.promiscuity > 0
        if promiscuous != bondPromiscuous {
            bondPromiscuous = promiscuous
            logger.info("\(name): promiscuous mode \(promiscuous ? "on" : "off"), applying to members")
            change.promiscuous = promiscuous || vlanPromiscuous
        }
        followBondDeviceOnVLANs(mtuChanged: change.mtu != nil, oldMAC: previousMAC)
        guard change.mtu != nil || change.mac != nil || change.promiscuous != nil else { return }
        for p in ports where p.isLive {
            do { try links.change(index: p.interfaceIndex, change) } catch { logger.error("\(name): cannot update \(p.name): \(error)") }
        }
    }
}
