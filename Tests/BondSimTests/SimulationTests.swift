import BondCore
import BondSim
import Testing

/// The pieces a replay is made of: scripted events, the switch, the links.
@Suite struct SimulationTests {
    @Test func eventsParseWithTheirTimes() throws {
        let down = try ScriptedEvent(parsing: "down m1 @2.5s")
        #expect(down.action == .down("m1") && down.at == 2_500_000_000 && down.text == "down m1")
        let set = try ScriptedEvent(parsing: "set xmit_hash_policy=layer3+4 miimon=50 @300ms")
        #expect(set.action == .set(["xmit_hash_policy=layer3+4", "miimon=50"]) && set.at == 300_000_000)
        #expect(try ScriptedEvent(parsing: "set-active eth1 @10us").at == 10_000)
        #expect(try ScriptedEvent(parsing: "fail eth0 @1").at == 1_000_000_000)
    }

    @Test func badEventsAreRefusedInOneLine() {
        for (spec, says) in [
            ("down m1", "expected"), ("explode m1 @1s", "unknown verb"), ("down m1 @soon", "is not a time"),
            ("down m1 m2 @1s", "takes one member"), ("set miimon @1s", "NAME=VALUE"),
        ] {
            #expect(throws: OptionError.self) { try ScriptedEvent(parsing: spec) }
            do { _ = try ScriptedEvent(parsing: spec) } catch {
                #expect(error.message.contains(says) && !error.message.contains("\n"), "\(spec): \(error.message)")
            }
        }
    }

    @Test func theSwitchCountsAMACLearnedOnAnotherPort() {
        var s = LearningSwitch()
        let a = MACAddress("02:00:00:00:00:0a")!
        s.learn(a, on: 0)
        s.learn(a, on: 0)
        #expect(s.moves == 0)
        s.learn(a, on: 1)
        s.learn(a, on: 0)
        #expect(s.moves == 2)
        #expect(s.member(for: a, flow: 9, among: [0, 1]) == [0])
        #expect(s.member(for: MACAddress("02:00:00:00:00:0b")!, flow: 9, among: [0, 1]) == [0, 1], "unknown unicast floods")
        var lag = LearningSwitch(aggregated: true)
        lag.learn(a, on: 0)
        lag.learn(a, on: 1)
        #expect(lag.moves == 0, "an aggregate is one port")
        #expect(lag.member(for: a, flow: 3, among: [0, 1]) == [1], "the aggregate's hash picks one member")
    }

    @Test func aSlowerLinkDelaysAndAFullQueueDrops() {
        var l = LinkModel(speedsMbps: [1000, 100], latencyNanoseconds: 0, queueFrames: 2)
        // 1000 bytes + 20 of preamble and gap: 8.16 µs at 1 Gbit/s, 81.6 µs at 100 Mbit/s.
        #expect(l.send(1000, on: 0, at: 0) == 8_160)
        #expect(l.send(1000, on: 1, at: 0) == 81_600)
        #expect(l.send(1000, on: 1, at: 0) == 163_200, "queued behind the first")
        #expect(l.send(1000, on: 1, at: 0) == 244_800)
        // 244.8 µs queued is still within two full-size frames (2 × 122.72 µs); then it is not.
        #expect(l.send(1000, on: 1, at: 0) == 326_400)
        #expect(l.send(1000, on: 1, at: 0) == nil)
        #expect(l.queueDrops == [0, 1])
    }

    @Test func theSameSeedMakesTheSameBytesAndPcapKeepsThem() throws {
        var r = TrafficRecipe()
        r.flows = 50
        r.durationNanoseconds = 500_000_000
        r.vlans = [2, 3]
        r.ipv6Share = 0.5
        r.vifs = 3
        let a = Array(SyntheticTraffic(r)), b = Array(SyntheticTraffic(r))
        #expect(a.count > 50 && a.map(\.bytes) == b.map(\.bytes) && a.map(\.nanoseconds) == b.map(\.nanoseconds))
        #expect(zip(a, a.dropFirst()).allSatisfy { $0.nanoseconds <= $1.nanoseconds }, "in time order")
        r.seed = 2
        #expect(Array(SyntheticTraffic(r)).map(\.bytes) != a.map(\.bytes))
        var w = PcapWriter()
        for f in a { w.append(f.bytes, at: f.nanoseconds) }
        let back = try PcapTrace(bytes: w.bytes)
        #expect(back.frames.map(\.bytes) == a.map(\.bytes) && back.frames.map(\.nanoseconds) == a.map(\.nanoseconds))
        // Every frame parses, tagged as asked, and v4 and v6 both occur.
        let parsed = a.map { f in f.bytes.withUnsafeBytes { try? FrameParser.parse(FrameBytes($0)).get() } }
        #expect(parsed.allSatisfy { $0 != nil && [2, 3].contains($0!.vlanID) && $0!.transport != nil })
        #expect(Set(parsed.map { $0!.etherType }) == [EtherType.ipv4, EtherType.ipv6])
    }

    @Test func recipesOutOfRangeAreRefused() {
        var r = TrafficRecipe()
        r.paretoShape = 1
        #expect(throws: OptionError.self) { try r.validate() }
        r = TrafficRecipe()
        r.vlans = [4095]
        #expect(throws: OptionError.self) { try r.validate() }
    }
}
