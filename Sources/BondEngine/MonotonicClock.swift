import BondCore
import SystemIO

/// The engine's one clock: CLOCK_MONOTONIC as a BondCore `Instant`.
enum MonotonicClock {
    static func now() -> Instant { Instant(nanoseconds: SystemClock.monotonicNanoseconds()) }
}
