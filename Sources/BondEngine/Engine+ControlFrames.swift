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

    /// One untagged, and one per VLAN device tagged with its id, as the kernel's
    /// alb_send_learning_packets: a switch learns a MAC per VLAN.
    func sendLearningPackets(on port: MemberPort) {
        guard port.isLive else { return }
        send(FrameBuilder.learningPacket(mac: port.mac), on: port, what: "learning packet")
        for d in vlanDevices where !d.removed {
            send(FrameBuilder.learningPacket(mac: port.mac, vlan: d.vlan!.vid), on: port, what: "learning packet")
        }
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

    /// One ARP request per arp_ip_target and one NS per ns_ip6_target on `port`, each
    /// the way the route to its target goes (`refreshProbePaths`): tagged for a VLAN
    /// device on the way, from that device's address.
    func sendProbes(on port: MemberPort) {
        guard let p = bond.probe, port.isLive else { return }
        if arpProbePaths.count != p.arpTargets.count || nsProbePaths.count != p.nsTargets.count { refreshProbePaths() }
        let now = system.now()
        var sent = false
        for (i, t) in p.arpTargets.enumerated() {
            let way = arpProbePaths[i]
            let frame = FrameBuilder.arpRequest(from: port.mac, senderIP: way.source, target: t, vlan: way.vlan)
            if send(frame, on: port, what: "probe") { sent = true }
        }
        for (i, t) in p.nsTargets.enumerated() {
            let way = nsProbePaths[i]
            let frame = FrameBuilder.neighborSolicitation(from: port.mac, source: way.source, target: t, vlan: way.vlan)
            if send(frame, on: port, what: "probe") { sent = true }
        }
        if sent { bond.probed(member: port.index, at: now) }
    }

    /// An ARP or ND frame a member received, for the ARP/NS monitor. Frames for other
    /// hosts' unicast MACs prove nothing about our path (the kernel skips OTHERHOST).
    func observeProbeReply(_ parsed: ParsedFrame, on port: MemberPort) {
        let d = parsed.destination
        guard d.isMulticast || d == bondMAC || ports.contains(where: { $0.mac == d }) || view.hostMACs.contains(d) else { return }
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
    /// device and every device above it, built from /proc as the kernel's rejoin would
    /// send them, on `port`, tagged for those above a VLAN device.
    func resendMulticastReports(on port: MemberPort) {
        guard port.isLive else { return }
        func read(_ path: String) -> String { system.readText(path) ?? "" }
        let igmp = read("/proc/net/igmp"), igmp6 = read("/proc/net/igmp6")
        let mcfilter = read("/proc/net/mcfilter"), mcfilter6 = read("/proc/net/mcfilter6")
        var frames: [[UInt8]] = []
        var groupCount = 0
        for d in upperDevicesNow() {
            let groups = MulticastMemberships.parse(index: d.index, igmp: igmp, igmp6: igmp6, mcfilter: mcfilter, mcfilter6: mcfilter6)
            guard !groups.isEmpty else { continue }
            groupCount += groups.ipv4.count + groups.ipv6.count
            if !groups.ipv4.isEmpty {
                frames += FrameBuilder.igmpReports(groups, mac: d.mac, source: d.ipv4.first ?? IPv4Address(rawValue: 0), mtu: mtu, vlan: d.vlan)
            }
            if !groups.ipv6.isEmpty {
                let forced = Int(read("/proc/sys/net/ipv6/conf/\(d.name)/force_mld_version").filter(\.isNumber)) ?? 0
                frames += FrameBuilder.mldReports(
                    groups, mac: d.mac, source: d.ipv6.first { $0.isLinkLocal } ?? IPv6Address(high: 0, low: 0),
                    version: forced == 1 ? 1 : 2, mtu: mtu, vlan: d.vlan)
            }
        }
        guard !frames.isEmpty else { return }
        var sent = 0
        for f in frames where send(f, on: port, what: "membership report") { sent += 1 }
        logger.debug("\(name): re-sent \(sent) membership reports for \(groupCount) groups on \(port.name)")
    }

    /// Gratuitous ARP and unsolicited NA for every address on the bond device and the
    /// devices above it, from that device's MAC and tagged for its VLAN, as the kernel's
    /// NETDEV_NOTIFY_PEERS reaches them.
    func notifyPeers(on port: MemberPort) {
        var sent = 0
        for d in upperDevicesNow() {
            for a in d.ipv4 where send(FrameBuilder.gratuitousARP(mac: d.mac, ip: a, vlan: d.vlan), on: port, what: "peer notification") {
                sent += 1
            }
            for a in d.ipv6 where send(FrameBuilder.unsolicitedNA(mac: d.mac, ip: a, vlan: d.vlan), on: port, what: "peer notification") {
                sent += 1
            }
        }
        if sent > 0 { logger.debug("\(name): sent \(sent) peer notifications on \(port.name)") }
    }

    /// The devices above the bond as they are now (a failover is when addresses matter
    /// most, so they are read again rather than taken from the last second's read).
    func upperDevicesNow() -> [UpperDevice] {
        readUppers()
        return uppers.devices
    }
}
