import BondCore
import Testing

@Suite struct VIFTableTests {
    func frame(mac: UInt64, vlan: UInt16? = nil, length: Int = 0) -> ParsedFrame {
        var p = Fixtures.parsed(Fixtures.udpFrame(vlan: vlan))
        p.source = MACAddress(rawValue: 0x0200_0000_0100 + mac)
        if length > 0 { p.length = length }
        return p
    }

    /// MACs that fall in distinct buckets, so tests can place them one per bucket.
    func distinctBucketMACs(_ n: Int) -> [UInt64] {
        var seen = Set<Int>(), out: [UInt64] = []
        var m: UInt64 = 1
        while out.count < n {
            if seen.insert(VIFTable.bucket(mac: MACAddress(rawValue: 0x0200_0000_0100 + m), vlan: nil)).inserted { out.append(m) }
            m += 1
        }
        return out
    }

    @Test func oneVIFStaysOnOneMemberAndVIFsSpreadRoundRobin() {
        let t = VIFTable()
        let macs = distinctBucketMACs(4)
        let first = macs.map { t.member(for: frame(mac: $0), usable: [0, 1]) }
        #expect(Set(first.compactMap { $0 }) == [0, 1])
        for _ in 0..<10 {
            #expect(macs.map { t.member(for: frame(mac: $0), usable: [0, 1]) } == first)
        }
    }

    @Test func vlanIsPartOfTheKey() {
        let t = VIFTable()
        _ = t.member(for: frame(mac: 1, vlan: 2), usable: [0, 1])
        #expect(t.isHostSide(MACAddress(rawValue: 0x0200_0000_0101), vlan: 2))
        #expect(!t.isHostSide(MACAddress(rawValue: 0x0200_0000_0101), vlan: 3))
    }

    @Test func aFailedMembersVIFsMoveAndAreAnnounced() {
        let t = VIFTable()
        let macs = distinctBucketMACs(4)
        let placed = macs.map { t.member(for: frame(mac: $0), usable: [0, 1])! }
        let moves = t.release(member: 0, usable: [1])
        let moved = Set(zip(macs, placed).filter { $0.1 == 0 }.map { MACAddress(rawValue: 0x0200_0000_0100 + $0.0) })
        #expect(Set(moves.map(\.mac)) == moved)
        #expect(moves.allSatisfy { $0.member == 1 })
        #expect(macs.allSatisfy { t.member(for: frame(mac: $0), usable: [1]) == 1 })
    }

    @Test func rebalanceMovesLoadTowardTheMeanWithOpenVSwitchRules() {
        let t = VIFTable()
        let macs = distinctBucketMACs(4)
        // Put all four VIFs on member 0 (member 1 not usable yet), 1 MB each.
        for m in macs { _ = t.member(for: frame(mac: m, length: 1_000_000), usable: [0]) }
        let moves = t.rebalance(usable: [0, 1])
        // 4 MB against 0: two buckets move, which evens the load exactly.
        #expect(moves.count == 2)
        #expect(moves.allSatisfy { $0.member == 1 })
        #expect(t.buckets.filter { $0.member == 0 }.count == 2)
        #expect(t.buckets.filter { $0.member == 1 }.count == 2)
        // Byte counts halve after every run.
        #expect(t.buckets.filter { $0.member != nil }.allSatisfy { $0.txBytes == 500_000 })
    }

    @Test func smallGapsAndSingleBucketMembersStay() {
        let t = VIFTable()
        let macs = distinctBucketMACs(2)
        // Under 100 kB of imbalance: nothing moves.
        _ = t.member(for: frame(mac: macs[0], length: 50_000), usable: [0])
        _ = t.member(for: frame(mac: macs[1], length: 50_000), usable: [0])
        #expect(t.rebalance(usable: [0, 1]).isEmpty)
        // One heavy bucket alone on a member is never shifted.
        let u = VIFTable()
        _ = u.member(for: frame(mac: macs[0], length: 5_000_000), usable: [0])
        #expect(u.rebalance(usable: [0, 1]).isEmpty)
    }

    @Test func slbReceiveRules() {
        var mode = SourceLoadBalancingMode()
        let view = MemberView(usable: [0, 1], active: 0)
        let out = frame(mac: 7)
        _ = mode.transmitTarget(for: out, members: view)
        // Our own frame reflected back: dropped on any member.
        #expect(!mode.admits(out, on: 0, members: view))
        // Unicast from elsewhere: any member. Broadcast: the active member only.
        let inbound = Fixtures.parsed(Fixtures.udpFrame())
        #expect(mode.admits(inbound, on: 1, members: view))
        let bcast = Fixtures.parsed(FrameBuilder.gratuitousARP(mac: MACAddress("02:00:00:00:00:99")!, ip: IPv4Address("192.0.2.9")!))
        #expect(mode.admits(bcast, on: 0, members: view))
        #expect(!mode.admits(bcast, on: 1, members: view))
    }

    @Test func tlbPlacesBridgedGuestsPerVIFWithoutRewritingThem() {
        var mode = TransmitLoadBalancingMode(dynamic: true, policy: .layer34, members: 2)
        let bondMAC = MACAddress(bytes: Fixtures.hostMAC)
        let view = MemberView(usable: [0, 1], active: 0, speeds: [10000, 10000], bondMAC: bondMAC)
        let targets = distinctBucketMACs(4).map { mode.transmitTarget(for: frame(mac: $0), members: view) }
        #expect(targets.allSatisfy { if case .member = $0 { true } else { false } })
        #expect(Set(targets).count == 2)
    }

    @Test func reverseARPLearningFrame() {
        let mac = MACAddress("02:00:00:00:01:01")!
        let f = FrameBuilder.reverseARP(mac: mac, vlan: 3)
        let p = Fixtures.parsed(f)
        #expect(p.destination.isBroadcast && p.source == mac && p.etherType == EtherType.rarp && p.vlanID == 3)
    }
}
