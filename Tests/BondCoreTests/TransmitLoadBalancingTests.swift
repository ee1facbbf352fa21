import BondCore
import Testing

@Suite struct TransmitLoadBalancingTests {
    static let bond = MACAddress(bytes: Fixtures.hostMAC)
    let view = MemberView(usable: [0, 1], active: 0, speeds: [10000, 10000], bondMAC: bond)

    func flow(_ port: UInt16) -> ParsedFrame { Fixtures.parsed(Fixtures.udpFrame(srcPort: port, dstPort: 9)) }

    func target(_ mode: inout TransmitLoadBalancingMode, _ frame: ParsedFrame) -> Int? {
        switch mode.transmitTarget(for: frame, members: view) {
        case .member(let m), .memberWithOwnSource(let m): m
        default: nil
        }
    }

    @Test func newBucketsGoToTheLargestGapAndStay() {
        var mode = TransmitLoadBalancingMode(dynamic: true, policy: .layer34, members: 2)
        // No load history yet: equal gaps, so the first usable member takes the bucket.
        let f = flow(1000)
        #expect(target(&mode, f) == 0)
        let bucket = Int(TransmitHashPolicy.layer34.hash(f) & 0xFF)
        #expect(mode.table.buckets[bucket].member == 0)
        #expect(mode.table.buckets[bucket].txBytes == f.length)
        #expect(target(&mode, f) == 0)
        #expect(mode.table.buckets[bucket].txBytes == 2 * f.length)
    }

    @Test func rebalanceTurnsBytesIntoLoadHistoryAndSpreadsFlows() {
        var mode = TransmitLoadBalancingMode(dynamic: true, policy: .layer34, members: 2)
        let flows = (0..<64).map { flow(UInt16(20000 + $0)) }
        for f in flows { _ = target(&mode, f) }
        mode.rebalance()
        let used = mode.table.buckets.filter { $0.loadHistory > 1 }
        #expect(!used.isEmpty)
        #expect(used.allSatisfy { $0.member == nil })
        #expect(mode.table.load == [0, 0])
        // Placed again by load: both members now get flows.
        var counts = [0, 0]
        for f in flows { if let m = target(&mode, f) { counts[m] += 1 } }
        #expect(counts[0] > 10 && counts[1] > 10, "\(counts)")
    }

    @Test func aFasterMemberTakesNewBuckets() {
        var mode = TransmitLoadBalancingMode(dynamic: true, policy: .layer34, members: 2)
        let fast = MemberView(usable: [0, 1], active: 0, speeds: [1000, 25000], bondMAC: Self.bond)
        let f = flow(4242)
        #expect(mode.transmitTarget(for: f, members: fast) == .memberWithOwnSource(1))
    }

    @Test func unbalancedTrafficLeavesOnTheActiveMember() {
        var mode = TransmitLoadBalancingMode(dynamic: true, policy: .layer34, members: 2)
        let arp = Fixtures.parsed(FrameBuilder.gratuitousARP(mac: MACAddress(bytes: Fixtures.hostMAC), ip: IPv4Address("192.0.2.1")!))
        let v = MemberView(usable: [0, 1], active: 1, speeds: [10000, 10000], bondMAC: Self.bond)
        #expect(mode.transmitTarget(for: arp, members: v) == .member(1))
        let ns = FrameBuilder.unsolicitedNA(mac: MACAddress(bytes: Fixtures.hostMAC), ip: IPv6Address("2001:db8::1")!)
        #expect(mode.transmitTarget(for: Fixtures.parsed(ns), members: v) == .member(1))
    }

    @Test func releasedMemberLosesItsBuckets() {
        var mode = TransmitLoadBalancingMode(dynamic: true, policy: .layer34, members: 2)
        let f = flow(1000)
        #expect(target(&mode, f) == 0)
        mode.release(member: 0)
        let v = MemberView(usable: [1], active: 1, speeds: [10000, 10000], bondMAC: Self.bond)
        #expect(mode.transmitTarget(for: f, members: v) == .member(1))
    }

    @Test func staticHashingWithoutDynamicLB() {
        var mode = TransmitLoadBalancingMode(dynamic: false, policy: .layer34, members: 2)
        let f = flow(1000)
        let expected = Int(TransmitHashPolicy.layer34.hash(f) % 2)
        let t = mode.transmitTarget(for: f, members: view)
        #expect(t == (expected == 0 ? .member(0) : .memberWithOwnSource(1)))
        #expect(mode.table.buckets.allSatisfy { $0.member == nil })
    }

    @Test func theBondsOwnTrafficIsReceivedOnTheActiveMemberOnly() {
        let mode = TransmitLoadBalancingMode(dynamic: true, policy: .layer2, members: 2)
        let toBond = Fixtures.parsed(
            Fixtures.ethernet(dst: Fixtures.hostMAC, src: Fixtures.peerMAC, type: EtherType.ipv4)
                + Fixtures.ipv4(proto: IPProtocolNumber.udp, payload: Fixtures.udp(src: 9, dst: 1)))
        #expect(mode.admits(toBond, on: 0, members: view))
        #expect(!mode.admits(toBond, on: 1, members: view))
        // Unicast for a bridged guest arrives where the guest's VIF transmits.
        #expect(mode.admits(flow(1), on: 1, members: view))
    }

    @Test func options() throws {
        let (o, warnings) = try BondOptions.parse(["mode=balance-tlb", "tlb_dynamic_lb=0", "lp_interval=2"])
        #expect(o.mode == .balanceTLB && !o.tlbDynamicLB && o.lpInterval == 2)
        #expect(o.miimon == 100)
        #expect(warnings.contains { $0.contains("using 100 ms") })
        #expect(throws: OptionError.self) { try BondOptions.parse(["mode=1", "tlb_dynamic_lb=0"]) }
        #expect(throws: OptionError.self) { try BondOptions.parse(["mode=balance-xor", "tlb_dynamic_lb=0"]) }
    }

    @Test func learningPacket() {
        let mac = MACAddress("02:00:00:00:00:07")!
        let f = FrameBuilder.learningPacket(mac: mac)
        #expect(f.count == 60)
        let p = Fixtures.parsed(f)
        #expect(p.destination == mac && p.source == mac && p.etherType == 0x9000)
    }
}
