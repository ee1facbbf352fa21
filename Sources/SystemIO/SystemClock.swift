import Glibc

/// The clock every timestamp of bondd is on: CLOCK_MONOTONIC, which bondd reports in
/// `show --json` and tools compare against.
public enum SystemClock {
    public static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

extension SystemClock {
    /// CLOCK_REALTIME in nanoseconds since 1970, for times people read.
    public static func realtimeNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
