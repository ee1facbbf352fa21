import Benchmark
import BondCore
import BondSim

// bondsim's speed: frames replayed per second through each mode, with everything a
// replay counts (flows, series, link model, switch). One iteration is one frame, so
// the time per iteration compares with FrameDecisions' per-frame decision cost.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000)

    // 2000 flows over 10 s (about 150 000 frames), the host's and 8 guests', a third over IPv6.
    var recipe = TrafficRecipe()
    recipe.flows = 2000
    recipe.vifs = 8
    recipe.ipv6Share = 0.3
    recipe.frameBytes = 300
    let frames = Array(SyntheticTraffic(recipe))

    for (name, words) in [
        ("balance-xor layer3+4", ["mode=balance-xor", "xmit_hash_policy=layer3+4"]),
        ("balance-rr", ["mode=balance-rr"]),
        ("active-backup", ["mode=active-backup"]),
        ("balance-tlb", ["mode=balance-tlb"]),
        ("balance-alb", ["mode=balance-alb"]),
        ("balance-slb", ["mode=balance-slb"]),
        ("policy:flowlet", ["mode=policy:flowlet"]),
        ("policy:consistent-hash", ["mode=policy:consistent-hash"]),
    ] {
        Benchmark("bondsim replay, \(name)") { benchmark in
            var settings = ReplaySettings(members: ["a", "b", "c", "d"], options: words + ["miimon=100"])
            settings.events = [try! ScriptedEvent(parsing: "down b @5s")]
            let replay = try! Replay(settings, span: recipe.durationNanoseconds)
            var k = 0
            // Frames past the trace's end go on at its pace, so time never runs back.
            var lap: UInt64 = 0
            for _ in benchmark.scaledIterations {
                let f = frames[k]
                try! replay.feed(f.bytes, at: f.nanoseconds + lap)
                k += 1
                if k == frames.count {
                    k = 0
                    lap += recipe.durationNanoseconds
                }
            }
            blackHole(replay.finish())
        }
    }
}
