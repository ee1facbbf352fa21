/// Monotonic time in nanoseconds. BondCore never reads a clock: callers pass the time
/// in, so state machines run the same under a virtual clock in tests.
public struct Instant: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64
    @inlinable public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    @inlinable public static func milliseconds(_ ms: Int) -> Instant { Instant(nanoseconds: UInt64(ms) * 1_000_000) }
    @inlinable public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public func adding(milliseconds ms: Int) -> Instant { Instant(nanoseconds: nanoseconds &+ UInt64(ms) * 1_000_000) }
    /// Whole milliseconds from `earlier` to self (0 if earlier is later).
    @inlinable public func milliseconds(since earlier: Instant) -> Int {
        nanoseconds > earlier.nanoseconds ? Int((nanoseconds - earlier.nanoseconds) / 1_000_000) : 0
    }
    public static let zero = Instant(nanoseconds: 0)
}
