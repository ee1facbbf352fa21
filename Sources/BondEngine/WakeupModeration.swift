import BondCore

/// How the engine waits between turns: on its sockets, or on a short timer.
///
/// Waiting on the sockets gives the lowest latency, but every burst of frames then costs
/// one sleep and one wakeup (a cross-CPU wakeup and an idle exit in the sender's path:
/// about 20 µs of machine time on a virtual machine). Under a steady load of small
/// bursts the engine instead polls every ring on a timer ("polled"): one wakeup per
/// tick for tens of frames, and the senders no longer wake anyone.
///
/// A tick slows a flow that keeps one request in flight: its rate falls as its round
/// trip grows. So, as the kernel's net_dim does for interrupt moderation, a tick is kept
/// only while it does not lower the frame rate: a probe that finds the rate fallen goes
/// back to the sockets, and waits twice as long before the next probe.
///
/// Pure logic on the engine's clock: `turnEnded` is told what each turn moved.
struct WakeupModeration {
    enum Wait: Equatable {
        /// Until a socket is ready (or the engine's next deadline).
        case onSockets
        /// This long on a timer, whatever the sockets do; then a turn over every ring.
        case tick(nanoseconds: UInt64)
    }

    struct Settings {
        /// Rates are measured over windows of at least this long...
        var window: UInt64 = 4_000_000
        /// ...and a polled load's over this long: a generator that shares its core with
        /// the kernel's receive work is held up and catches up over milliseconds, and in
        /// 4 ms windows its steady 200 000 frames/s read as 300 000, then 84 000, which
        /// took polling away for 200 ms at a time, 7 times in 3 s.
        var polledWindow: UInt64 = 16_000_000
        /// The tick aims at this many frames per turn.
        var framesPerTick = 64.0
        var shortestTick: UInt64 = 25_000
        /// The most a polled frame waits for its turn.
        var longestTick: UInt64 = 250_000
        /// Polling must cut wakeups at least this much to be tried...
        var wakeupsCut = 2.0
        /// ...over this many windows in a row.
        var windowsBeforeProbe = 5
        /// A probe's rate is judged after this many ticks, and at every turn after.
        var ticksBeforeJudging: UInt64 = 3
        /// A tick is kept while the rate stays above this share of the rate before.
        var keptRate = 0.7
        /// Below this many frames per tick polling saves nothing: back to the sockets.
        var fewestFramesPerTick = 2.0
        var firstBackoff: UInt64 = 200_000_000
        var longestBackoff: UInt64 = 10_000_000_000
    }

    enum Phase: Equatable {
        /// Waiting on the sockets; `qualifying` windows in a row would have gained.
        case onSockets(qualifying: Int)
        /// Polled for a trial: `rateBefore` is the frames/s measured on the sockets.
        case probing(rateBefore: Double)
        /// Polled; `rate` is the last window's frames/s.
        case polled(rate: Double)
    }

    let settings: Settings
    /// Off (`coalesce=off`): always on the sockets.
    let enabled: Bool
    private(set) var phase = Phase.onSockets(qualifying: 0)
    private(set) var wait = Wait.onSockets
    /// Probes made, and those that found the rate fallen.
    private(set) var probes = 0
    private(set) var failedProbes = 0
    /// Turns seen, and those after which the engine polled.
    private(set) var turns = 0
    private(set) var polledTurns = 0

    private var windowStart: Instant?
    private var windowFrames = 0
    private var windowTurns = 0
    private var backoff: UInt64
    private var noProbeBefore = Instant.zero

    init(enabled: Bool = true, settings: Settings = Settings()) {
        self.enabled = enabled
        self.settings = settings
        backoff = settings.firstBackoff
    }

    /// A turn ended at `now` having moved `frames`; `wait` says how to wait for the next.
    mutating func turnEnded(at now: Instant, frames: Int) {
        guard enabled else { return }
        turns &+= 1
        if case .tick = wait { polledTurns &+= 1 }
        guard let start = windowStart else {
            restartWindow(at: now)
            return
        }
        windowFrames += frames
        windowTurns += 1
        let elapsed = now.nanoseconds &- start.nanoseconds
        guard elapsed > 0 else { return }
        let rate = Double(windowFrames) * 1e9 / Double(elapsed)
        switch phase {
        case .onSockets(let qualifying):
            guard elapsed >= settings.window else { return }
            let tick = tickFor(rate)
            let wakeups = Double(windowTurns) * 1e9 / Double(elapsed)
            let gains =
                wakeups * Double(tick) / 1e9 >= settings.wakeupsCut
                && rate * Double(tick) / 1e9 >= settings.fewestFramesPerTick
            if gains && now >= noProbeBefore {
                if qualifying + 1 >= settings.windowsBeforeProbe {
                    probes += 1
                    phase = .probing(rateBefore: rate)
                    wait = .tick(nanoseconds: tick)
                } else {
                    phase = .onSockets(qualifying: qualifying + 1)
                }
            } else {
                phase = .onSockets(qualifying: 0)
            }
        case .probing(let before):
            guard case .tick(let tick) = wait, elapsed >= settings.ticksBeforeJudging * tick else { return }
            if rate < settings.keptRate * before {
                failedProbes += 1
                backOff(at: now)
            } else if elapsed >= settings.window {
                backoff = settings.firstBackoff
                phase = .polled(rate: rate)
                wait = .tick(nanoseconds: tickFor(rate))
            } else {
                return
            }
        case .polled(let before):
            guard elapsed >= settings.polledWindow else { return }
            let tick = tickFor(rate)
            if rate * Double(tick) / 1e9 < settings.fewestFramesPerTick {
                phase = .onSockets(qualifying: 0)
                wait = .onSockets
            } else if rate < settings.keptRate * before {
                // A fall while polled: the load changed, or a flow began that waits on
                // the engine. The sockets serve both; the next probe tells them apart.
                backOff(at: now)
            } else {
                phase = .polled(rate: rate)
                wait = .tick(nanoseconds: tick)
            }
        }
        restartWindow(at: now)
    }

    /// The tick that would carry `framesPerTick` at `rate` frames/s, within bounds.
    private func tickFor(_ rate: Double) -> UInt64 {
        guard rate > 0 else { return settings.longestTick }
        let ideal = settings.framesPerTick / rate * 1e9
        return UInt64(min(max(ideal, Double(settings.shortestTick)), Double(settings.longestTick)))
    }

    private mutating func backOff(at now: Instant) {
        phase = .onSockets(qualifying: 0)
        wait = .onSockets
        noProbeBefore = Instant(nanoseconds: now.nanoseconds &+ backoff)
        backoff = min(backoff * 2, settings.longestBackoff)
    }

    private mutating func restartWindow(at now: Instant) {
        windowStart = now
        windowFrames = 0
        windowTurns = 0
    }
}

extension WakeupModeration {
    func status(coalesce: Coalesce) -> WakeupStatus {
        var tick: Int?
        if case .tick(let t) = wait { tick = Int(t / 1000) }
        return WakeupStatus(
            coalesce: coalesce.rawValue, waiting: tick == nil ? "sockets" : "tick", tickMicroseconds: tick,
            turns: turns, polledTurns: polledTurns, probes: probes, probesSlowed: failedProbes)
    }
}
