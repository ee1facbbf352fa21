import BondCore
import PacketIO

/// Which MAC each member carries (`MACPolicy`), and the moves a change of active member
/// makes: the bond device following the active member, or the bond's MAC swapped onto it.
extension Engine {
    /// The MAC a joining member carries (see `MACPolicy`).
    func macForNewMember(own: MACAddress) -> MACAddress {
        macPolicy.macForNewMember(own: own, bond: bondMAC, inUse: ports.filter(\.isLive).map(\.mac))
    }

    /// fail_over_mac=active: the bond device takes the active member's MAC.
    var bondFollowsActive: Bool { macPolicy == .bondFollowsActive }

    /// fail_over_mac=active: the bond device takes the new active member's MAC; the
    /// peer notifications that follow teach neighbours the new one.
    func takeMAC(of port: MemberPort) {
        guard port.mac != bondMAC else { return }
        let old = bondMAC
        bondMAC = port.mac
        do {
            try links.change(index: device.hostIndex, LinkChange(mac: bondMAC.bytes))
            logger.info("\(name): MAC \(old) -> \(bondMAC), following \(port.name) (fail_over_mac=active)")
        } catch {
            logger.error("\(name): cannot take the MAC of \(port.name): \(error)")
        }
        // The link notification that follows finds the bond's MAC already taken.
        followBondDeviceOnVLANs(mtuChanged: false, oldMAC: old)
        syncForwardingThreads()
    }

    /// The new active member takes the bond's MAC from whoever has it, which takes the
    /// new one's (the kernel's alb_swap_mac_addr, and bond_do_fail_over_mac for
    /// fail_over_mac=follow), then both announce themselves.
    func swapBondMAC(to new: Int) {
        guard macPolicy == .ownMACs, ports[new].mac != bondMAC,
            let holder = ports.first(where: { $0.mac == bondMAC && $0.isLive })
        else { return }
        let newPort = ports[new]
        let previous = newPort.mac
        do {
            try links.change(index: holder.interfaceIndex, LinkChange(mac: previous.bytes))
            holder.mac = previous
            try links.change(index: newPort.interfaceIndex, LinkChange(mac: bondMAC.bytes))
            newPort.mac = bondMAC
        } catch {
            logger.error("\(name): cannot swap MACs of \(holder.name) and \(newPort.name): \(error)")
        }
        syncForwardingThreads()
        sendLearningPackets(on: holder)
        sendLearningPackets(on: newPort)
        carryOut(mode.memberMACChanged(holder.index) + mode.memberMACChanged(newPort.index))
    }
}
