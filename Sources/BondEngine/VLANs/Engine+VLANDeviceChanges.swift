import BondCore
import PacketIO

/// What the host does to a VLAN device, followed as the kernel's 8021q follows it: an
/// MTU above the bond's is set back, a device deleted is a VLAN removed, the engine end
/// is the device's carrier and set back when changed by hand.
extension Engine {
    func vlanDeviceChanged(_ d: BondDevicePort, _ info: LinkInfo, deleted: Bool) {
        guard !d.removed else { return }
        if deleted {
            logger.notice("\(name): \(d.name) was deleted by hand; VLAN \(d.vlan!.vid) removed from the bond")
            let vid = d.vlan!.vid
            removeVLAN(d)
            removeVLANFromOptions(vid)
            return
        }
        if info.index == d.engineIndex {
            if info.isAdminUp != d.carrierApplied {
                d.carrierApplied = nil
                applyVLANCarrier(d)
            }
            return
        }
        if info.mtu > mtu {
            // As the kernel: a VLAN device's MTU is at most its real device's (-ERANGE).
            logger.warning("\(name): \(d.name)'s MTU \(info.mtu) is above the bond's \(mtu); setting it back to \(mtu)")
            do { try links.change(index: d.hostIndex, LinkChange(mtu: mtu)) } catch {
                logger.error("\(name): cannot set the MTU of \(d.name): \(error)")
            }
        }
        followUpperPromiscuity()
    }

    /// A VLAN device that is a bridge port (or promiscuous) needs every frame the members
    /// receive, as the bond device does when it is one.
    func followUpperPromiscuity() {
        let wanted = vlanDevices.contains { d in ((try? links.link(index: d.hostIndex))?.promiscuity ?? 0) > 0 }
        guard wanted != vlanPromiscuous else { return }
        vlanPromiscuous = wanted
        let on = wanted || bondPromiscuous
        logger.info("\(name): a VLAN device is \(wanted ? "" : "no longer ")promiscuous; members \(on ? "promiscuous" : "back to their filters")")
        for p in ports where p.isLive {
            do { try links.change(index: p.interfaceIndex, LinkChange(promiscuous: on)) } catch {
                logger.error("\(name): cannot update \(p.name): \(error)")
            }
        }
    }

    /// The VLAN leaves the option too, so that show and a later reload agree.
    private func removeVLANFromOptions(_ vid: UInt16) {
        let rest = bond.options.vlans.filter { $0.vid != vid }
        do { _ = try setOptions(["vlans=" + rest.map(\.description).joined(separator: ",")]) } catch {
            logger.error("\(name): \(error.message)")
        }
    }
}

extension Engine {
    /// The bond device's MTU or MAC changed: VLAN devices follow as the kernel's do. A
    /// lower MTU lowers theirs (a higher one leaves them), and those that had the bond's
    /// old MAC take the new one (vlan_sync_address).
    func followBondDeviceOnVLANs(mtuChanged: Bool, oldMAC: MACAddress?) {
        for d in vlanDevices where !d.removed {
            guard let host = try? links.link(index: d.hostIndex) else { continue }
            var change = LinkChange()
            if mtuChanged {
                do { try links.change(index: d.engineIndex, LinkChange(mtu: mtu)) } catch {
                    logger.error("\(name): cannot set the MTU of \(d.name)'s engine end: \(error)")
                }
                if host.mtu > mtu { change.mtu = mtu }
            }
            if let oldMAC, host.mac == oldMAC.bytes { change.mac = bondMAC.bytes }
            guard change.mtu != nil || change.mac != nil else { continue }
            do { try links.change(index: d.hostIndex, change) } catch { logger.error("\(name): cannot update \(d.name): \(error)") }
        }
    }
}
