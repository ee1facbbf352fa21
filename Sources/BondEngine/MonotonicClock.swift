import BondCore
import Glibc

/// The engine's one clock: CLOCK_MONOTONIC as a BondCore `Instant`.
enum MonotonicClock {
    static func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }
}
