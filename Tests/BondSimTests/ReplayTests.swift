import BondCore
import BondSim
import Testing

/// Replays of small hand-made traces whose figures can be worked out by hand.
@Suite struct ReplayTests {
    static let host = MACAddress("02:00:00:00:00:01")!

    /// Flow `n`'s frame (UDP from port 40000+n), 100 bytes.
    static func frame(flow n: Int) -> [UInt8] {
        SyntheticFrame(
            source: host, destination: MACAddress("02:00:00:00:00:99")!, sourceIP: .v4(IPv4Address("10.0.0.1")!),
            destinationIP: .v4(IPv4Address("10.0.0.2")!), protocolNumber: 17, sourcePort: UInt16(40_000 + n), destinationPort: 9
        ).bytes(length: 100)
    }

    func replay(_ options: [String], members: [String] = ["a", "b"], events: [String] = [], frames: [(ms: UInt64, flow: Int)]) throws -> RunReport {
        var s = ReplaySettings(members: members, options: options)
        s.events = try events.map { try ScriptedEvent(parsing: $0) }
        s.intervalNanoseconds = 100_000_000
        let r = try Replay(s, span: 1_000_000_000)
        for f in frames { try r.feed(Self.frame(flow: f.flow), at: f.ms * 1_000_000) }
        return r.finish()
    }

    @Test func roundRobinAlternatesAndEvenLoadIsPerfect() throws {
        let r = try replay(["mode=balance-rr"], frames: (0..<10).map { (UInt64($0), 1) })
        #expect(r.members.map(\.txFrames) == [5, 5] && r.members.map(\.txBytes) == [500, 500])
        #expect(r.imbalance.peakToMean == 1 && r.imbalance.jainIndex == 1)
        // One flow on both members: 9 changes of member.
        #expect(r.flows.count == 1 && r.flows.memberChanges == 9 && r.flows.flowsOnSeveralMembers == 1)
        #expect(r.frames == 10 && r.bytes == 1000 && r.dropped == 0)
    }

    @Test func activeBackupMovesEveryFlowOnFailoverAndOnlyThoseItMust() throws {
        // Four flows on a, then a fails at 50 ms: each flow's next frame goes on b.
        let frames = (0..<4).map { (UInt64(10), $0) } + (0..<4).map { (UInt64(60), $0) }
        let r = try replay(["mode=active-backup", "miimon=100"], events: ["down a @50ms"], frames: frames)
        #expect(r.members.map(\.txFrames) == [4, 4])
        #expect(r.failovers == 1)
        let e = try #require(r.events.first)
        #expect(e.flowsCompared == 4 && e.flowsMoved == 4 && e.flowsForced == 4 && e.flowsNeedlesslyMoved == 0)
        #expect(r.timeline.contains { $0.what.contains("active a -> b") })
    }

    @Test func framesSentIntoTheDowndelayAreLost() throws {
        // With downdelay 200 the bond keeps using a for 200 ms after its carrier went.
        let frames = [(UInt64(10), 1), (UInt64(120), 1), (UInt64(180), 1), (UInt64(260), 1)]
        var s = ReplaySettings(members: ["a", "b", "c"], options: ["mode=active-backup", "miimon=100", "downdelay=200"])
        s.events = [try ScriptedEvent(parsing: "down a @50ms"), try ScriptedEvent(parsing: "down c @60ms")]
        s.lossRate = 10_000
        let replay = try Replay(s, span: 300_000_000)
        for f in frames { try replay.feed(Self.frame(flow: f.1), at: f.0 * 1_000_000) }
        let r = replay.finish()
        #expect(r.members[0].lostFrames == 2, "the frames at 120 and 180 ms went to a dead link")
        #expect(r.members[1].txFrames == 1 && r.events[0].lostFrames == 2 && r.events[1].lostFrames == 0, "a's failure pays for them")
        #expect(r.events[0].failoverWindowMs == 200 && r.events[0].lostAtRate == 2000, "the downdelay is the window: 2000 frames at 10 000/s")
        #expect(r.events[1].failoverWindowMs == 0, "a backup's failure opens no window")
    }

    @Test func aSilentFailureIsFoundByTheARPMonitorAlone() throws {
        // fail keeps carrier: the ARP monitor (100 ms, 2 missed) finds it; the carrier monitor never would.
        let frames = (0..<20).map { (UInt64($0 * 50), 1) }
        let arp = try replay(["mode=active-backup", "arp_interval=100", "arp_ip_target=192.0.2.9"], events: ["fail a @200ms"], frames: frames)
        #expect(arp.failovers == 1 && arp.members[1].txFrames > 0)
        #expect(arp.members[0].lostFrames >= 3 && arp.members[0].lostFrames <= 8, "lost until the monitor gave up on a: \(arp.members[0].lostFrames)")
        let mii = try replay(["mode=active-backup", "miimon=100"], events: ["fail a @200ms"], frames: frames)
        #expect(mii.failovers == 0 && mii.members[0].lostFrames == 16)
    }

    @Test func aChangeTheDaemonWouldRefuseIsRefusedAndTheRunGoesOn() throws {
        let r = try replay(["mode=balance-xor"], events: ["set mode=balance-rr @10ms", "set-active a @20ms"], frames: [(5, 1), (30, 1)])
        #expect(r.events.count == 2 && r.events.allSatisfy { $0.refused != nil })
        #expect(r.frames == 2)
    }

    @Test func badOptionsAreRefusedBeforeAnyFrame() {
        #expect(throws: OptionError.self) { try Replay(ReplaySettings(members: ["a"], options: ["mode=nonsense"]), span: 0) }
        #expect(throws: OptionError.self) { try Replay(ReplaySettings(members: [], options: []), span: 0) }
    }

    @Test func theSeriesHoldsEachIntervalsLoadPerMember() throws {
        let r = try replay(["mode=balance-rr"], frames: [(10, 1), (20, 1), (150, 1), (350, 1)])
        #expect(r.series.intervalSeconds == 0.1)
        // The daemon's balance-rr starts on the second member, as its agreement test shows.
        #expect(r.series.frames == [[1, 1], [0, 1], [0, 0], [1, 0]])
        #expect(r.series.bytes[3] == [100, 0])
    }

    @Test func lacpNegotiatesWithTheSimulatedSwitchAndAWarmupSkipsIt() throws {
        // Fast LACP converges in about 2.5 s. Until then the first port's aggregator
        // carries alone (no partner yet, as the kernel's individual aggregator), and
        // before its first ticks nothing does.
        let frames = (0..<40).map { (UInt64($0 * 100), $0 % 8) }
        let options = ["mode=802.3ad", "lacp_rate=fast", "miimon=100", "xmit_hash_policy=layer3+4"]
        let cold = try replay(options, frames: frames)
        #expect(
            (1...3).contains(cold.dropped) && cold.members[0].txFrames >= 25 && cold.members[1].txFrames > 0,
            "\(cold.dropped) \(cold.members.map(\.txFrames))")
        #expect(cold.members.allSatisfy { $0.controlFrames > 5 }, "LACPDUs on every member")
        #expect(cold.timeline.filter { $0.what.contains("collecting-distributing") }.count == 2)
        var s = ReplaySettings(members: ["a", "b"], options: options)
        s.warmupNanoseconds = 5_000_000_000
        let r = try Replay(s, span: 4_000_000_000)
        for f in frames { try r.feed(Self.frame(flow: f.1), at: f.0 * 1_000_000) }
        let warm = r.finish()
        #expect(warm.dropped == 0 && warm.members.map(\.txFrames).reduce(0, +) == 40)
        #expect(warm.timeline.first!.atSeconds == -5, "what happened before the trace has negative times")
    }

    @Test func albSpreadsClientsFromACaptureOfBothDirections() throws {
        // Eight clients ask for our address and we answer each: balance-alb gives each
        // answer a member, and the client table keeps the spread.
        var s = ReplaySettings(members: ["a", "b"], options: ["mode=balance-alb", "miimon=100"])
        s.direction = .auto
        s.bondMAC = Self.host
        let r = try Replay(s, span: 1_000_000_000)
        let ours = IPv4Address("10.0.0.1")!
        for n in 0..<8 {
            let client = MACAddress(rawValue: 0x0200_0000_0100 | UInt64(n)), ip = IPv4Address(rawValue: ours.rawValue + 10 + UInt32(n))
            try r.feed(FrameBuilder.arpRequest(from: client, senderIP: ip, target: ours), at: UInt64(n) * 10_000_000)
            try r.feed(FrameBuilder.arpReply(from: Self.host, ourIP: ours, to: client, clientIP: ip), at: UInt64(n) * 10_000_000 + 1_000_000)
        }
        let report = r.finish()
        #expect(report.members.map(\.albClients) == [4, 4], "\(report.members.map(\.albClients))")
        #expect(report.members.map(\.rxFrames).reduce(0, +) >= 8, "the requests arrived (flooded: both members)")
        #expect(report.members.map(\.txFrames).reduce(0, +) == 8, "the answers left")
    }

    @Test func theBondsMACMovesWithTheActiveMemberInTLB() throws {
        let frames = (0..<10).map { (UInt64($0 * 20), $0) }
        let r = try replay(["mode=balance-tlb", "miimon=100"], events: ["down a @100ms"], frames: frames)
        // The switch learned the bond's MAC on a at start and on b after the failover.
        #expect(r.macMoves >= 1 && r.members[1].announcements >= 1)
    }
}
