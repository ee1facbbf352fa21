import BondCore
@testable import BondEngine
import Testing

/// The engine's choice between waiting on its sockets and polling on a tick, against
/// simulated loads on a virtual clock: an open-loop load (frames come whatever the
/// engine does) and a closed loop (one request in flight: the next frame comes a round
/// trip after the engine moved the last).
@Suite struct WakeupModerationTests {
    enum Load {
        /// `burst` frames every `period` ns, until `until` ns.
        case open(burst: Int, period: UInt64, until: UInt64 = .max)
        /// One frame in flight; the answer comes `roundTrip` ns after the engine moved it.
        case closed(roundTrip: UInt64)
    }

    struct Run {
        var frames = 0
        var turns = 0
        var polledTurns = 0
        var polledTime: UInt64 = 0
    }

    /// Runs the engine's loop for `seconds` of virtual time against `load`.
    func simulate(_ m: inout WakeupModeration, _ load: Load, seconds: Double, from start: UInt64 = 1_000_000_000) -> Run {
        var run = Run()
        var now = start
        let end = start + UInt64(seconds * 1e9)
        var next = start
        while now < end {
            let wait = m.wait
            switch wait {
            case .onSockets:
                // Asleep until a frame comes; the engine's timers turn it every 100 ms.
                now = min(max(now, next), now + 100_000_000)
            case .tick(let t):
                now += t
                run.polledTurns += 1
                run.polledTime += t
            }
            var frames = 0
            switch load {
            case .open(let burst, let period, let until):
                while next <= now && next < until {
                    frames += burst
                    next += period
                }
                if next >= until { next = .max }
            case .closed(let roundTrip):
                if next <= now {
                    frames = 1
                    next = now + roundTrip
                }
            }
            run.frames += frames
            run.turns += 1
            m.turnEnded(at: Instant(nanoseconds: now), frames: frames)
        }
        return run
    }

    @Test func steadySmallBurstsArePolledWithFewerWakeups() {
        var m = WakeupModeration()
        // 300 000 frames/s in bursts of 16, as tools/bench-cost sends them.
        let run = simulate(&m, .open(burst: 16, period: 53_333), seconds: 0.5)
        guard case .polled = m.phase, case .tick(let tick) = m.wait else {
            Issue.record("not polled: \(m.phase)")
            return
        }
        #expect((150_000...250_000).contains(tick), "about 64 frames per tick")
        #expect(m.failedProbes == 0)
        // 9 375 bursts: the sockets would have woken the engine for each.
        #expect(run.turns < 9_375 / 3)
        #expect(run.frames >= 149_000)
    }

    @Test func aPolledLoadThatIsUnevenOverMillisecondsStaysPolled() {
        var m = WakeupModeration()
        _ = simulate(&m, .open(burst: 16, period: 80_000), seconds: 0.3)
        guard case .polled = m.phase else {
            Issue.record("not polled: \(m.phase)")
            return
        }
        // The same 200 000 frames/s from a generator that shares its core with the
        // kernel's receive work: held up, then catching up, so that 4 ms windows of
        // turns see 300 000, 84 000 and 270 000 frames/s (as an engine measured them
        // at bench-cost's 200 000; it left polling for 200 ms each time, 7 times in 3 s).
        // From a millisecond after the simulation's last turn, one turn per tick.
        var now: UInt64 = 1_301_000_000
        let framesPerTurn = [75, 21, 67, 55]
        for turn in 0..<2_000 {
            guard case .tick(let tick) = m.wait else {
                Issue.record("on the sockets at turn \(turn): \(m.phase)")
                return
            }
            now += tick
            m.turnEnded(at: Instant(nanoseconds: now), frames: framesPerTurn[(turn / 16) % framesPerTurn.count])
            guard case .polled = m.phase else {
                Issue.record("left polling at turn \(turn): \(m.phase)")
                return
            }
        }
    }

    @Test func oneRequestInFlightStaysOnTheSockets() {
        var m = WakeupModeration()
        // A 20 µs round trip: 50 000 frames/s, one per wakeup, which alone looks like a
        // load worth polling; a probe's tick divides its rate.
        let run = simulate(&m, .closed(roundTrip: 20_000), seconds: 5)
        #expect(m.phase == .onSockets(qualifying: 0) || m.phase == .onSockets(qualifying: 1) || m.phase == .onSockets(qualifying: 2))
        #expect(m.probes >= 2)
        #expect(m.failedProbes == m.probes)
        // Probes back off: few, and a small share of the time.
        #expect(m.probes <= 9)
        #expect(Double(run.polledTime) < 0.01 * 5e9)
        #expect(Double(run.frames) > 0.97 * 5 * 50_000)
    }

    @Test func offNeverPolls() {
        var m = WakeupModeration(enabled: false)
        let run = simulate(&m, .open(burst: 16, period: 53_333), seconds: 0.5)
        #expect(run.polledTurns == 0 && m.probes == 0)
        #expect(
            m.status(coalesce: .off)
                == WakeupStatus(coalesce: "off", waiting: "sockets", tickMicroseconds: nil, turns: 0, polledTurns: 0, probes: 0, probesSlowed: 0))
    }

    @Test func statusSaysHowTheEngineWaits() {
        var m = WakeupModeration()
        _ = simulate(&m, .open(burst: 16, period: 53_333), seconds: 0.5)
        let s = m.status(coalesce: .adaptive)
        #expect(s.waiting == "tick" && (150...250).contains(s.tickMicroseconds ?? 0))
        #expect(s.probes == 1 && s.probesSlowed == 0 && s.polledTurns > 0 && s.turns > s.polledTurns)
    }

    @Test func theOptionTurnsItOffWhileTheBondRuns() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        #expect(b.status.wakeups?.coalesce == "adaptive")
        #expect(b.engine.moderation.enabled)
        _ = try b.engine.setOptions(["coalesce=off"])
        #expect(!b.engine.moderation.enabled)
        let w = try #require(b.status.wakeups)
        #expect(w.coalesce == "off" && w.waiting == "sockets")
    }

    @Test func lightLoadIsNeverPolled() {
        var m = WakeupModeration()
        _ = simulate(&m, .open(burst: 1, period: 1_000_000), seconds: 1)
        #expect(m.probes == 0)
        #expect(m.wait == .onSockets)
    }

    @Test func burstsTooFarApartForATickToGatherAreNotPolled() {
        var m = WakeupModeration()
        // 100 000 frames/s in bursts of 16: a burst every 160 µs, one wakeup each; the
        // longest tick (250 µs) would save fewer than half of them.
        _ = simulate(&m, .open(burst: 16, period: 160_000), seconds: 1)
        #expect(m.probes == 0)
    }

    @Test func theSocketsServeAgainWhenTheLoadStops() {
        var m = WakeupModeration()
        _ = simulate(&m, .open(burst: 16, period: 53_333, until: 1_200_000_000), seconds: 0.3)
        // Still polled while the load ran; a window of empty ticks later, on the sockets.
        #expect(m.wait == .onSockets)
        #expect(m.probes == 1)
        #expect(m.failedProbes == 0)
    }

    @Test func pollingStopsWhenTheRateFalls() {
        var m = WakeupModeration()
        _ = simulate(&m, .open(burst: 16, period: 53_333), seconds: 0.2)
        guard case .polled = m.phase else {
            Issue.record("not polled: \(m.phase)")
            return
        }
        // The bulk load gives way to a request/response flow: its rate under the tick is
        // a fraction of the bulk's, and the sockets serve it: within one polled window
        // (16 ms), then the probes' few ticks.
        let run = simulate(&m, .closed(roundTrip: 20_000), seconds: 1, from: 1_200_000_000)
        #expect(m.wait == .onSockets)
        #expect(Double(run.polledTime) < 0.025 * 1e9)
    }
}
