import BondCore
import PacketIO

/// What an administrator (or another program) changes by hand under a running bond: the
/// engine notices it in the link notifications, says so in one log line and puts the
/// bond in the right state, so that `show` keeps agreeing with the kernel.
extension Engine {
    /// A member's MAC or MTU changed, and not by us: the data plane depends on both (the
    /// switch learns the bond's MAC on it; frames of the bond's MTU must pass), so they
    /// are set back. The kernel lets the change stand and the bond quietly breaks.
    func memberChanged(_ port: MemberPort, _ notice: LinkInfo) {
        let macDiffers = notice.mac.count == 6 && MACAddress(bytes: notice.mac) != port.mac
        guard macDiffers || (notice.mtu > 0 && notice.mtu != mtu) else { return }
        // A notice may describe a moment already past (our own changes come in pairs):
        // judge the interface as it is now.
        guard let now = try? links.link(index: port.interfaceIndex) else { return }
        if now.mac.count == 6, MACAddress(bytes: now.mac) != port.mac {
            logger.warning("\(name): the MAC of \(port.name) was changed by hand to \(MACAddress(bytes: now.mac)); setting it back to \(port.mac)")
            journal.record(.member, member: port.name, "MAC changed by hand; set back to \(port.mac)")
            do { try links.change(index: port.interfaceIndex, LinkChange(mac: port.mac.bytes)) } catch {
                logger.error("\(name): cannot set the MAC of \(port.name) back: \(error)")
            }
        }
        if now.mtu > 0, now.mtu != mtu {
            logger.warning(
                "\(name): the MTU of \(port.name) was changed by hand to \(now.mtu); setting it back to the bond's \(mtu) (change the bond's MTU instead)"
            )
            journal.record(.member, member: port.name, "MTU changed by hand; set back to \(mtu)")
            do { try links.change(index: port.interfaceIndex, LinkChange(mtu: mtu)) } catch {
                logger.error("\(name): cannot set the MTU of \(port.name) back: \(error)")
            }
        }
    }

    /// A member vanished from the namespace: deleted, or moved to another one. As the
    /// kernel does (NETDEV_UNREGISTER releases the slave), it is no longer a member; what
    /// it would get back is kept, for the day it returns.
    func memberLeft(_ port: MemberPort) {
        port.gone = true
        if let record = recovery.members.first(where: { $0.index == port.interfaceIndex }) { departed.append(record) }
        guard bond.memberCount > 1 else {
            logger.warning(
                "\(name): \(port.name), the last member, is gone (deleted or moved to another namespace); no carrier until a member is added")
            journal.record(.member, member: port.name, "gone (deleted or moved to another namespace)")
            handle(bond.carrierChanged(member: port.index, up: false, at: system.now()))
            return
        }
        release(port)
        logger.warning("\(name): \(port.name) is gone (deleted or moved to another namespace); no longer a member")
        journal.record(.member, member: port.name, "gone (deleted or moved to another namespace); released")
    }

    /// An interface appeared under the name of a member that left: if it still carries
    /// our marks (it was moved away and back), it gets back what it had before it was
    /// enslaved. It does not rejoin, as with the kernel; add-member takes it again.
    func departedMemberReturned(_ notice: LinkInfo) {
        guard let i = departed.firstIndex(where: { $0.name == notice.name }) else { return }
        let record = departed.remove(at: i)
        guard notice.alias == MemberMarker.prefix + name else { return }
        switch Recovery.restore(record, index: notice.index, links: links) {
        case .success(let line):
            logger.notice(
                "\(name): \(notice.name) is back; \(line.dropFirst(notice.name.count + 2)); not a member (bondctl add-member \(name) \(notice.name) takes it again)"
            )
        case .failure(let problem):
            logger.warning("\(name): \(notice.name) is back but could not be restored: \(problem.line)")
        }
    }

    /// The engine end is the bond's carrier (down, the bond device has none) and never
    /// the administrator's to set (the bond device is): set by hand, it is put back to
    /// what the bond's carrier says.
    func engineEndChanged(_ notice: LinkInfo) {
        let wanted = carrierWanted
        guard notice.isAdminUp != wanted, let now = try? links.link(index: device.engineIndex), now.isAdminUp != wanted else { return }
        logger.warning(
            "\(name): \(now.name), the bond's engine end, was set \(now.isAdminUp ? "up" : "down") by hand; setting it \(wanted ? "up" : "down") as the bond's carrier is (ip link set \(name) down stops the bond's traffic)"
        )
        do { try links.change(index: device.engineIndex, LinkChange(up: wanted)) } catch {
            logger.error("\(name): cannot set \(now.name) \(wanted ? "up" : "down"): \(error)")
        }
    }

    /// The bond device set down (or up) by the administrator: as with the kernel's bond,
    /// its traffic stops and members stay members, untouched and still monitored for
    /// carrier (the ARP/NS monitor waits: probes cannot be answered). Said once each way,
    /// since a bond that silently passes nothing looks like a data-plane fault.
    func bondDeviceAdminChanged(_ info: LinkInfo) {
        guard info.isAdminUp != bondDeviceUp else { return }
        bondDeviceUp = info.isAdminUp
        applyVLANCarriers()
        let message =
            bondDeviceUp
            ? "the bond device is up"
            : "the bond device was set down; no traffic until it is set up (members stay members)"
        logger.notice("\(name): \(message)")
        journal.record(.device, member: nil, message)
    }
}
