/// A timer that fires every `interval` milliseconds once armed (a mode's rebalance,
/// learning packets, aging), on the caller's clock.
public struct PeriodicTimer: Sendable, Equatable {
    public var interval: Int
    public private(set) var next: Instant?

    public init(interval: Int) { self.interval = interval }

    /// First due one interval after `now`; an interval of 0 leaves it off.
    public mutating func arm(at now: Instant) {
        next = interval > 0 ? now.adding(milliseconds: interval) : nil
    }

    public func isDue(at now: Instant) -> Bool { next.map { now >= $0 } ?? false }

    /// True once per period: when due, it is armed again from `now`.
    public mutating func fire(at now: Instant) -> Bool {
        guard isDue(at: now) else { return false }
        arm(at: now)
        return true
    }
}

extension Optional where Wrapped == Instant {
    /// The earlier of two optional deadlines.
    public func earliest(_ other: Instant?) -> Instant? {
        guard let self else { return other }
        guard let other else { return self }
        return Swift.min(self, other)
    }
}
