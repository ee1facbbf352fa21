import BondCore
import PacketIO

/// Frames the engine builds itself: announcements of moved MACs, balance-alb's client
/// updates, learning packets, ARP/NS probes, peer notifications and multicast reports.
extension Engine {
    /// Per-VIF buckets moved: one RARP per MAC on its new member, so switches re-learn.
    func announce(_ moves: [VIFTable.Move]) {
        guard !moves.isEmpty else { return }
        for m in moves where ports[m.member].isLive {
            send(FrameBuilder.reverseARP(mac: m.mac, vlan: m.vlan), on: ports[m.member], what: "MAC announcement")
        }
        logger.info("\(name): announced \(moves.count) MACs on their new members")
    }

    /// balance-alb: two ARP replies teaching a client its member's MAC for our address.
    func sendClientUpdate(_ c: ClientTable.Client) {
        let port = ports[c.member]
        guard port.isLive else { return }
        let frame: [UInt8]
        switch (c.ourIP, c.clientIP) {
        case (.v4(let ours), .v4(let client)):
            frame = FrameBuilder.arpReply(from: port.mac, ourIP: ours, to: c.clientMAC, clientIP: client, vlan: c.vlan)
        case (.v6(let ours), .v6(let client)):
            frame = FrameBuilder.neighborAdvertisement(from: port.mac, ourIP: ours, to: c.clientMAC, clientIP: client, vlan: c.vlan)
        default:
            return
        }
        for _ in 0..<ClientTable.burst { send(frame, on: port, what: "client update") }
    }

    func sendLearningPackets(on port: MemberPort) {
        guard port.isLive else { return }
        send(FrameBuilder.learningPacket(mac: port.mac), on: port, what: "learning packet")
    }

    /// Sends a frame the engine built; a refusal is counted (`control_frames_unsent`)
    /// and logged once per kind of frame and member, not once per frame.
    @discardableResult
    func send(_ frame: [UInt8], on port: MemberPort, what: String) -> Bool {
        do {
            try port.send(frame)
            return true
        } catch {
            counters.controlFramesUnsent &+= 1
            if unsentLogged.insert("\(what) \(port.index)").inserted {
                logger.warning("\(name): cannot send a \(what) on \(port.name): \(error) (counted in control_frames_unsent; said once)")
            }
            return false
        }
    }

    /// One ARP request per arp_ip_target and one NS per ns_ip6_target on `port`, from
    /// the bond's address nearest each target.
    func sendProbes(on port: MemberPort) {
        guard let p = bond.probe, port.isLive else { return }
        let now = system.now()
        var sent = false
        for t in p.arpTargets {
            let source = ProbeSourceAddress.forTarget(t, among: ownIPv4)
            if send(FrameBuilder.arpRequest(from: port.mac, senderIP: source, target: t), on: port, what: "probe") { sent = true }
        }
        for t in p.nsTargets {
            let source = ProbeSourceAddress.forTarget(t, among: ownIPv6)
            if send(FrameBuilder.neighborSolicitation(from: port.mac, source: source, target: t), on: port, what: "probe") { sent = true }
        }
        if sent { bond.probed(member: port.index, at: now) }
    }

    /// An ARP or ND frame a member received, for the ARP/NS monitor. Frames for other
    /// hosts' unicast MACs prove nothing about our path (the kernel skips OTHERHOST).
    func observeProbeReply(_ parsed: ParsedFrame, on port: MemberPort) {
        let d = parsed.destination
        guard d.isMulticast || d == bondMAC || ports.contains(where: { $0.mac == d }) else { return }
        switch parsed.network {
        case .arp(let a):
            pendingEvents += bond.received(.arp(operation: a.operation, sender: a.senderIP, target: a.targetIP), on: port.index, at: system.now())
        case .ipv6(let h):
            guard let nd = parsed.neighborDiscovery else { return }
            pendingEvents += bond.received(
                .neighbor(isAdvertisement: nd.isAdvertisement, source: h.source, destination: h.destination, target: nd.target),
                on: port.index, at: system.now())
        default:
            return
        }
    }

    /// resend_igmp: the host's IGMP and MLD reports for the groups joined on the bond
    /// device, built from /proc as the kernel's rejoin would send them, on `port`.
    func resendMulticastReports(on port: MemberPort) {
        guard port.isLive else { return }
        func read(_ path: String) -> String { system.readText(path) ?? "" }
        let groups = MulticastMemberships.parse(
            index: device.hostIndex, igmp: read("/proc/net/igmp"), igmp6: read("/proc/net/igmp6"),
            mcfilter: read("/proc/net/mcfilter"), mcfilter6: read("/proc/net/mcfilter6"))
        guard !groups.isEmpty else { return }
        let addresses = try? links.addresses(index: device.hostIndex)
        var frames: [[UInt8]] = []
        if !groups.ipv4.isEmpty {
            let source = addresses?.ipv4.first.map(IPv4Address.init(rawValue:)) ?? IPv4Address(rawValue: 0)
            frames += FrameBuilder.igmpReports(groups, mac: bondMAC, source: source, mtu: mtu)
        }
        if !groups.ipv6.isEmpty {
            let linkLocal = addresses?.ipv6.map { IPv6Address(high: $0.0, low: $0.1) }.first { $0.isLinkLocal }
            let forced = Int(read("/proc/sys/net/ipv6/conf/\(name)/force_mld_version").filter(\.isNumber)) ?? 0
            frames += FrameBuilder.mldReports(
                groups, mac: bondMAC, source: linkLocal ?? IPv6Address(high: 0, low: 0),
                version: forced == 1 ? 1 : 2, mtu: mtu)
        }
        var sent = 0
        for f in frames where send(f, on: port, what: "membership report") { sent += 1 }
        logger.debug("\(name): re-sent \(sent) membership reports for \(groups.ipv4.count + groups.ipv6.count) groups on \(port.name)")
    }

    /// Gratuitous ARP and unsolicited NA for each of the bond's addresses on `port`.
    func notifyPeers(on port: MemberPort) {
        guard let addresses = try? links.addresses(index: device.hostIndex) else { return }
        var sent = 0
        for a in addresses.ipv4 {
            if send(FrameBuilder.gratuitousARP(mac: bondMAC, ip: IPv4Address(rawValue: a)), on: port, what: "peer notification") { sent += 1 }
        }
        for (hi, lo) in addresses.ipv6 {
            if send(FrameBuilder.unsolicitedNA(mac: bondMAC, ip: IPv6Address(high: hi, low: lo)), on: port, what: "peer notification") { sent += 1 }
        }
        if sent > 0 { logger.debug("\(name): sent \(sent) peer notifications on \(port.name)") }
    }
}
