import BondCore
import Testing

@Suite struct AdaptiveLoadBalancingTests {
    static let bond = MACAddress("02:00:00:00:00:01")!
    let view = MemberView(usable: [0, 1], active: 0, speeds: [10000, 10000], bondMAC: bond)
    let ours = IPv4Address("192.0.2.1")!

    func client(_ n: UInt32) -> (IPv4Address, MACAddress) {
        (IPv4Address(rawValue: 0xC000_0214 + n), MACAddress(rawValue: 0x0200_0000_0A00 + UInt64(n)))
    }

    /// Our host's ARP reply to a client, as the bond device hands it to the engine.
    func reply(to n: UInt32) -> ParsedFrame {
        let (ip, mac) = client(n)
        return Fixtures.parsed(FrameBuilder.arpReply(from: Self.bond, ourIP: ours, to: mac, clientIP: ip))
    }

    func mode(capacity: Int = 64) -> AdaptiveLoadBalancingMode {
        AdaptiveLoadBalancingMode(tlb: TransmitLoadBalancingMode(dynamic: true, policy: .layer2, members: 2), clientCapacity: capacity)
    }

    /// As the kernel's alb (bond_xmit_alb_slave_get): tlb_dynamic_lb=0 places what
    /// balance-tlb would by hash modulo the usable members; the default places by load.
    @Test func tlbDynamicLBZeroHashesModuloMembers() throws {
        let (fixed, warnings) = try BondOptions.parse(["mode=balance-alb", "miimon=100", "tlb_dynamic_lb=0"])
        #expect(!fixed.tlbDynamicLB && warnings.isEmpty)
        let unicast = Fixtures.parsed(
            Fixtures.ethernet(src: [0x02, 0, 0, 0, 0, 0x01], type: EtherType.ipv4)
                + Fixtures.ipv4(proto: IPProtocolNumber.udp, payload: Fixtures.udp(src: 1000, dst: 53)))
        let f = AdaptiveLoadBalancingMode(options: fixed, members: 2)
        #expect(f.explain(unicast, members: view).reason == "tlb_dynamic_lb=0: hash modulo usable members")
        let dynamic = AdaptiveLoadBalancingMode(options: try BondOptions.parse(["mode=balance-alb", "miimon=100"]).0, members: 2)
        #expect(dynamic.explain(unicast, members: view).bucket != nil, "placed by its hash bucket's load")
    }

    @Test func repliesToClientsAreSpreadAndCarryTheMembersMAC() {
        var m = mode()
        let targets = (1...4).map { m.transmitTarget(for: reply(to: $0), members: view) }
        #expect(targets == [.member(0), .memberAnnouncingOwnMAC(1), .member(0), .memberAnnouncingOwnMAC(1)])
        // The same client keeps its member.
        #expect(m.transmitTarget(for: reply(to: 2), members: view) == .memberAnnouncingOwnMAC(1))
        #expect(m.clients.clients.count == 4)
    }

    @Test func answersFromABridgeOverTheBondAreTheHostsAndAlwaysCarryAMembersMAC() {
        var m = mode()
        let bridge = MACAddress("02:00:00:00:0b:01")!
        var v = view
        v.hostMACs = [bridge]
        func reply(_ n: UInt32) -> ParsedFrame {
            let (ip, mac) = client(n)
            return Fixtures.parsed(FrameBuilder.arpReply(from: bridge, ourIP: ours, to: mac, clientIP: ip))
        }
        #expect((1...2).map { m.transmitTarget(for: reply($0), members: v) } == [.memberAnnouncingOwnMAC(0), .memberAnnouncingOwnMAC(1)])
        #expect(m.clients.clients.count == 2)
        // Without it among the host's MACs, the bridge's frames are a guest's: not the table's.
        var other = mode()
        _ = other.transmitTarget(for: reply(3), members: view)
        #expect(other.clients.clients.isEmpty)
    }

    @Test func theSameAddressesOnTwoVLANsAreTwoClients() {
        var m = mode()
        let (ip, mac) = client(1)
        func reply(vlan: UInt16) -> ParsedFrame {
            Fixtures.parsed(FrameBuilder.arpReply(from: Self.bond, ourIP: ours, to: mac, clientIP: ip, vlan: vlan))
        }
        #expect(m.transmitTarget(for: reply(vlan: 2), members: view) == .member(0))
        #expect(m.transmitTarget(for: reply(vlan: 3), members: view) == .memberAnnouncingOwnMAC(1))
        #expect(m.clients.clients.map(\.vlan) == [2, 3])
        // Each keeps its own member.
        #expect(m.transmitTarget(for: reply(vlan: 2), members: view) == .member(0))
    }

    @Test func theTableNeverEvictsAndCountsOverflow() {
        var m = mode(capacity: 16)
        for n in 1...20 { _ = m.transmitTarget(for: reply(to: UInt32(n)), members: view) }
        #expect(m.clients.clients.count == 16)
        #expect(m.clients.overflow == 4)
        // An overflowing client is answered from the active member, unbalanced.
        #expect(m.transmitTarget(for: reply(to: 20), members: view) == .member(0))
    }

    @Test func aFailedMembersClientsMoveAndAreUpdatedInBursts() {
        var m = mode()
        for n in 1...4 { _ = m.transmitTarget(for: reply(to: UInt32(n)), members: view) }
        m.clients.release(member: 1, usable: [0])
        #expect(m.clients.clients.allSatisfy { $0.member == 0 })
        var now = Instant.milliseconds(1000)
        var sentPerTick: [Int] = []
        for _ in 0..<14 { sentPerTick.append(m.clients.tick(at: now).count); now = now.adding(milliseconds: 100) }
        // Two clients moved: updated on the first 3 ticks (the kernel's retries) and once
        // more 1.1 s after the first, past a Linux client's locktime.
        #expect(sentPerTick == [2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0])
    }

    @Test func ourARPRequestDelaysAndRenewsUpdates() {
        var m = mode()
        for n in 1...2 { _ = m.transmitTarget(for: reply(to: UInt32(n)), members: view) }
        let request = Fixtures.parsed(FrameBuilder.gratuitousARP(mac: Self.bond, ip: ours))
        #expect(m.transmitTarget(for: request, members: view) == .member(0))
        let t0 = Instant.milliseconds(5000)
        #expect(m.clients.tick(at: t0).isEmpty)
        #expect(m.clients.tick(at: t0.adding(milliseconds: 1900)).isEmpty)
        #expect(m.clients.tick(at: t0.adding(milliseconds: 2000)).count == 2)
    }

    @Test func aClientsNewMACIsLearnedFromItsReply() {
        var m = mode()
        _ = m.transmitTarget(for: reply(to: 1), members: view)
        let (ip, _) = client(1)
        let newMAC = MACAddress("02:00:00:00:0b:01")!
        let fromClient = Fixtures.parsed(FrameBuilder.arpReply(from: newMAC, ourIP: ip, to: Self.bond, clientIP: ours))
        #expect(m.admits(fromClient, on: 0, members: view))
        #expect(m.clients.clients.first?.clientMAC == newMAC)
        #expect(m.clients.tick(at: .milliseconds(1)).count == 1)
    }

    @Test func unicastOnEveryMemberBroadcastOnTheActiveOnly() {
        let m = mode()
        let unicast = Fixtures.parsed(Fixtures.udpFrame())
        #expect(m.admits(unicast, on: 1, members: view))
        let bcast = Fixtures.parsed(FrameBuilder.gratuitousARP(mac: MACAddress("02:00:00:00:00:99")!, ip: IPv4Address("192.0.2.99")!))
        #expect(m.admits(bcast, on: 0, members: view))
        #expect(!m.admits(bcast, on: 1, members: view))
    }
}

@Suite struct AdaptiveLoadBalancingIPv6Tests {
    static let bond = MACAddress("02:00:00:00:00:01")!
    let view = MemberView(usable: [0, 1], active: 0, speeds: [10000, 10000], bondMAC: bond)
    let ours = IPv6Address("2001:db8::1")!

    /// Our solicited NA to client n (as the host stack sends it: TLLA = the bond's MAC).
    func advertisement(to n: UInt64) -> [UInt8] {
        FrameBuilder.neighborAdvertisement(
            from: Self.bond, ourIP: ours, to: MACAddress(rawValue: 0x0200_0000_0A00 + n),
            clientIP: IPv6Address(high: ours.high, low: 0x20 + n))
    }

    @Test func advertisementsToClientsAreSpreadAndRewrittenWithAValidChecksum() throws {
        var m = AdaptiveLoadBalancingMode(tlb: TransmitLoadBalancingMode(dynamic: true, policy: .layer2, members: 2), clientCapacity: 64)
        let targets = (1...4).map { m.transmitTarget(for: Fixtures.parsed(advertisement(to: $0)), members: view) }
        #expect(targets == [.member(0), .memberAnnouncingOwnMAC(1), .member(0), .memberAnnouncingOwnMAC(1)])
        #expect(m.clients.clients.allSatisfy { $0.clientMAC != .zero })

        var bytes = advertisement(to: 2)
        let memberMAC = MACAddress("02:00:00:00:00:22")!
        let parsed = Fixtures.parsed(bytes)
        bytes.withUnsafeMutableBytes { FrameRewriter.announce(memberMAC, in: MutableFrameBytes($0), parsed: parsed) }
        let after = Fixtures.parsed(bytes)
        #expect(after.source == memberMAC)
        #expect(after.neighborDiscovery?.linkLayerAddress == memberMAC)
        guard case .ipv6(let ip) = after.network, let t = after.transport else { Issue.record("not IPv6"); return }
        let icmp = Array(bytes[t.offset...])
        let pseudo = InternetChecksum.ipv6PseudoHeader(source: ip.source, destination: ip.destination, length: icmp.count, nextHeader: 58)
        #expect(InternetChecksum.finish(InternetChecksum.sum(icmp, initial: pseudo)) == 0)
    }

    @Test func unsolicitedAdvertisementsToAllNodesStayOnTheActiveMember() {
        var m = AdaptiveLoadBalancingMode(tlb: TransmitLoadBalancingMode(dynamic: true, policy: .layer2, members: 2), clientCapacity: 64)
        let na = Fixtures.parsed(FrameBuilder.unsolicitedNA(mac: Self.bond, ip: ours))
        #expect(m.transmitTarget(for: na, members: view) == .member(0))
        #expect(m.clients.clients.isEmpty)
    }

    @Test func clientUpdatesAreUnicastAdvertisements() {
        let f = FrameBuilder.neighborAdvertisement(
            from: MACAddress("02:00:00:00:00:22")!, ourIP: ours,
            to: MACAddress("02:00:00:00:0a:01")!, clientIP: IPv6Address("2001:db8::21")!)
        let p = Fixtures.parsed(f)
        #expect(p.destination == MACAddress("02:00:00:00:0a:01"))
        #expect(p.neighborDiscovery?.target == ours)
        #expect(f[54 + 4] == 0x20)  // override, not solicited
    }
}

extension AdaptiveLoadBalancingIPv6Tests {
    @Test func ourSolicitationsCarryTheClientsMemberMAC() {
        var m = AdaptiveLoadBalancingMode(tlb: TransmitLoadBalancingMode(dynamic: true, policy: .layer2, members: 2), clientCapacity: 64)
        // An NS from us for client ::22, as the stack sends it (SLLA = bond MAC).
        let client = IPv6Address("2001:db8::22")!
        let icmp: [UInt8] = [135, 0, 0, 0, 0, 0, 0, 0] + Fixtures.be(client) + [1, 1] + Self.bond.bytes
        let ip6: [UInt8] = [0x60, 0, 0, 0, 0, UInt8(icmp.count), 58, 255] + Fixtures.be(ours) + Fixtures.be(client)
        let ns = Fixtures.parsed(Fixtures.ethernet(dst: [0x33, 0x33, 0xff, 0, 0, 0x22], src: Self.bond.bytes, type: EtherType.ipv6) + ip6 + icmp)
        let first = m.transmitTarget(for: ns, members: view)
        let second = m.transmitTarget(for: ns, members: view)
        #expect(first == second)
        #expect(m.clients.clients.count == 1)
        #expect(ns.neighborDiscovery?.linkLayerAddress == Self.bond)
    }
}
