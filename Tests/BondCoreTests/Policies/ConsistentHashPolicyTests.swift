import BondCore
import Testing

/// Consistent hashing: a member change moves the flows it must, and no others.
@Suite struct ConsistentHashPolicyTests {
    func policy(_ words: [String] = []) throws -> ConsistentHashPolicy {
        ConsistentHashPolicy(options: try BondOptions.parse(["mode=policy:consistent-hash"] + words).0, members: 4)
    }

    func view(_ usable: [Int], at ms: UInt64) -> MemberView {
        var v = MemberView(usable: usable, active: nil, speeds: [1000, 1000, 1000, 1000])
        v.now = Instant(nanoseconds: ms * 1_000_000)
        return v
    }

    func frame(_ n: Int) -> ParsedFrame {
        var f = Fixtures.parsed(Fixtures.udpFrame(srcPort: UInt16(1000 + n), dstPort: UInt16(2000 + n / 7)))
        f.length = 1000
        return f
    }

    func place(_ p: ConsistentHashPolicy, _ flows: Range<Int>, _ usable: [Int], at ms: UInt64) -> [Int: Int] {
        Dictionary(uniqueKeysWithValues: flows.map { ($0, p.member(for: frame($0), members: view(usable, at: ms))!) })
    }

    @Test func aMembersLossMovesItsFlowsAloneAndItsReturnMovesNone() throws {
        let p = try policy()
        let before = place(p, 0..<800, [0, 1, 2, 3], at: 0)
        let onTwo = before.filter { $0.value == 2 }.count
        #expect(onTwo > 100, "member 2 had a fair share: \(onTwo)")
        let after = place(p, 0..<800, [0, 1, 3], at: 1)
        let moved = before.filter { after[$0.key] != $0.value }
        #expect(moved.count == onTwo && moved.allSatisfy { $0.value == 2 }, "only member 2's flows moved")
        let back = place(p, 0..<800, [0, 1, 2, 3], at: 2)
        #expect(back == after, "a returning member takes new flows, not running ones")
    }

    @Test func moduloHashingWouldHaveMovedMostFlows() throws {
        // RFC 2992's point, in numbers: balance-xor over 4 then 3 members.
        var xor = AnyBondingMode(options: try BondOptions.parse(["mode=balance-xor", "xmit_hash_policy=layer3+4"]).0, members: 4)
        var moved = 0
        for n in 0..<800 {
            let a = xor.transmitTarget(for: frame(n), members: view([0, 1, 2, 3], at: 0))
            let b = xor.transmitTarget(for: frame(n), members: view([0, 1, 3], at: 0))
            if a != b && a != .member(2) { moved += 1 }
        }
        #expect(moved > 300, "modulo hashing moved \(moved) flows that were not on the lost member")
    }

    @Test func theBoundKeepsAHeavyMemberFromTakingNewFlows() throws {
        let p = try policy(["ch_load_bound=110"])
        // Flow 0 alone sends 10 MB: its member is far over 110% of the mean.
        let heavy = try #require(p.member(for: frame(0), members: view([0, 1, 2, 3], at: 0)))
        for _ in 0..<10_000 { _ = p.member(for: frame(0), members: view([0, 1, 2, 3], at: 1)) }
        let placed = place(p, 1..<400, [0, 1, 2, 3], at: 2)
        #expect(!placed.values.contains(heavy), "new flows avoid the member over the bound")
        // Pure rendezvous hashing (bound 0) ignores load.
        let pure = try policy(["ch_load_bound=0"])
        let h = try #require(pure.member(for: frame(0), members: view([0, 1, 2, 3], at: 0)))
        for _ in 0..<10_000 { _ = pure.member(for: frame(0), members: view([0, 1, 2, 3], at: 1)) }
        #expect(place(pure, 1..<400, [0, 1, 2, 3], at: 2).values.contains(h))
    }

    @Test func anIdleFlowIsPlacedAgainAfterTheTimeout() throws {
        let p = try policy(["ch_flow_timeout=1000", "ch_load_bound=0"])
        let a = place(p, 0..<50, [0, 1, 2, 3], at: 0)
        // After the timeout with member 3 gone and back, placement is by rank again: the same.
        let b = place(p, 0..<50, [0, 1, 2, 3], at: 5000)
        #expect(a == b, "rank alone decides for an idle bond")
    }
}
