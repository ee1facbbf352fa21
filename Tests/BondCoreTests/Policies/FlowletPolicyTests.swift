import BondCore
import Testing

/// Flowlet switching on a virtual clock. This suite is also the template for testing a
/// policy of your own (docs/writing-a-policy.md): make the policy from parsed options,
/// a `MemberView` with the time in `now`, and hand it parsed frames.
@Suite struct FlowletPolicyTests {
    func policy(_ words: [String] = []) throws -> FlowletPolicy {
        FlowletPolicy(options: try BondOptions.parse(["mode=policy:flowlet"] + words).0, members: 2)
    }

    func view(usable: [Int] = [0, 1], at microseconds: UInt64) -> MemberView {
        var v = MemberView(usable: usable, active: nil, speeds: [1000, 1000])
        v.now = Instant(nanoseconds: microseconds * 1000)
        return v
    }

    func frame(port: UInt16, bytes: Int = 1000) -> ParsedFrame {
        var f = Fixtures.parsed(Fixtures.udpFrame(srcPort: port))
        f.length = bytes
        return f
    }

    @Test func aFlowStaysOnItsMemberWhileItsFramesComeCloseTogether() throws {
        let p = try policy(["flowlet_gap=500"])
        let first = try #require(p.member(for: frame(port: 1), members: view(at: 0)))
        // 400 µs apart, less than the gap: one flowlet, one member, whatever the load.
        for k in 1...50 { #expect(p.member(for: frame(port: 1), members: view(at: UInt64(k) * 400)) == first) }
        #expect(p.flowlets == 1)
    }

    @Test func afterAGapTheNextFlowletGoesToTheLeastLoadedMember() throws {
        let p = try policy(["flowlet_gap=500"])
        // Flow 1 sends 50 kB in one flowlet; flow 2 starts on the other, lighter member.
        let a = try #require(p.member(for: frame(port: 1), members: view(at: 0)))
        for k in 1..<50 { #expect(p.member(for: frame(port: 1), members: view(at: UInt64(k) * 100)) == a) }
        let b = try #require(p.member(for: frame(port: 2, bytes: 100), members: view(at: 5_000)))
        #expect(a != b)
        // Flow 2, idle only 200 µs, stays in its flowlet.
        #expect(p.member(for: frame(port: 2), members: view(at: 5_200)) == b)
        // Flow 1 was idle 1 ms, more than the gap: its next flowlet goes to the lighter member.
        #expect(p.member(for: frame(port: 1), members: view(at: 6_000)) == b)
        #expect(p.flowlets == 3)
    }

    @Test func aFlowletOnAMemberThatWentDownMovesAtOnce() throws {
        let p = try policy()
        let m = try #require(p.member(for: frame(port: 7), members: view(at: 0)))
        let other = 1 - m
        #expect(p.member(for: frame(port: 7), members: view(usable: [other], at: 10)) == other)
        #expect(p.member(for: frame(port: 7), members: view(usable: [], at: 20)) == nil, "no member: dropped")
    }

    @Test func theModeExplainsWithoutChangingAnything() throws {
        let o = try BondOptions.parse(["mode=policy:flowlet"]).0
        var mode = AnyBondingMode(options: o, members: 2)
        let v = view(at: 0)
        let target = mode.transmitTarget(for: frame(port: 3), members: v)
        let e = mode.explain(frame(port: 3), members: view(at: 100))
        #expect(target == .member(e.member!) && e.reason.contains("in a flowlet"))
        guard case .policy(let m) = mode, let f = m.policy as? FlowletPolicy else { return }
        #expect(f.flowlets == 1)
    }
}
