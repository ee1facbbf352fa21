/// A table of flow buckets, as flowlet and per-flow policies keep one: flows hash into
/// a power-of-two number of buckets, each with the member its flows go to and when it
/// last saw a frame. Preallocated: the per-frame work reads and writes in place.
public struct FlowBuckets: Sendable {
    let mask: UInt64
    var member: [Int32]
    var lastSeen: [UInt64]

    /// At least `wanted` buckets (64 at the least), rounded up to a power of two.
    public init(atLeast wanted: Int) {
        var n = 64
        while n < wanted { n <<= 1 }
        mask = UInt64(n - 1)
        member = Array(repeating: -1, count: n)
        lastSeen = Array(repeating: 0, count: n)
    }

    /// The bucket of a flow's hash.
    public func bucket(of hash: UInt64) -> Int { Int(hash & mask) }

    /// The bucket's member, if it has one that may transmit and the bucket has not been
    /// idle longer than `idle` at `now`.
    public func current(_ b: Int, at now: UInt64, idle: UInt64, usable: [Int]) -> Int? {
        let m = Int(member[b])
        guard m >= 0, now &- lastSeen[b] <= idle, usable.contains(m) else { return nil }
        return m
    }

    /// How long the bucket has been idle at `now`.
    public func idle(_ b: Int, at now: UInt64) -> UInt64 { now &- lastSeen[b] }

    public mutating func place(_ b: Int, on m: Int) { member[b] = Int32(m) }

    public mutating func touch(_ b: Int, at now: UInt64) { lastSeen[b] = now }
}
