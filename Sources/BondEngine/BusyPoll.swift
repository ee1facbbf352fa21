import BondCore

/// `busy_poll=N` (µs): after each turn that moved frames, the engine keeps looking at
/// its rings without sleeping for N µs, as the kernel's net.core.busy_poll does for a
/// socket's reader. A frame that arrives meanwhile is taken at once: no wakeup, which
/// on a virtual machine costs tens of µs (a cross-CPU wakeup and an idle exit) and is
/// most of a round trip's time through the engine. The price is the engine's core,
/// busy for N µs after every frame, so it is off unless asked for.
///
/// Pure logic on the engine's clock: `turnEnded` is told what each turn moved.
struct BusyPoll {
    /// How long after the last frame the engine keeps polling; 0: never.
    let window: UInt64
    private var lastFrame: Instant?
    /// Turns of the loop while it is on (each after a wakeup or none), those that came
    /// without a sleep before them, and the frames those took.
    private(set) var turns = 0
    private(set) var polledTurns = 0
    private(set) var polledFrames = 0

    init(microseconds: Int) { window = UInt64(max(0, microseconds)) * 1000 }

    var isOn: Bool { window > 0 }

    /// A turn ended at `now` having moved `frames`.
    mutating func turnEnded(at now: Instant, frames: Int, polled: Bool) {
        if frames > 0 { lastFrame = now }
        turns &+= 1
        if polled {
            polledTurns &+= 1
            polledFrames &+= frames
        }
    }

    /// Whether the engine should look again at `now` without sleeping.
    func polls(at now: Instant) -> Bool {
        guard isOn, let last = lastFrame else { return false }
        return now.nanoseconds &- last.nanoseconds < window
    }
}
