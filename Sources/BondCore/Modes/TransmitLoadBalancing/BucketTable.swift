/// balance-tlb's 256 hash buckets, each placed on a member by load (bond_alb.c's
/// tx_hashtbl). Reference storage: the per-frame byte counts are updated in place,
/// never copied.
public final class BucketTable: @unchecked Sendable {
    public struct Bucket: Equatable, Sendable {
        public var member: Int?
        public var txBytes: Int = 0
        public var loadHistory: Int = 0
    }
    public internal(set) var buckets: [Bucket]
    /// Per member: the sum of the load history of its buckets (bytes per second).
    public internal(set) var load: [Int]
    /// Buckets moved off a member that stopped, or by hand (not the periodic
    /// unassignment, which is the kernel's way of rebalancing every bucket).
    public internal(set) var moves = 0

    init(members: Int) {
        buckets = Array(repeating: Bucket(), count: TransmitLoadBalancingMode.bucketCount)
        load = Array(repeating: 0, count: members)
    }

    /// Bytes bucket `i` sent outside the engine (the XDP fast path), counted
    /// towards its load at the next rebalance as the engine's own are.
    public func addTransmitted(bucket i: Int, bytes: Int) {
        buckets[i].txBytes &+= bytes
    }

    /// Bucket `i` leaves on `member` from now on (until the next rebalance), its
    /// load history going along.
    public func move(bucket i: Int, to member: Int) {
        if let old = buckets[i].member, old < load.count { load[old] -= buckets[i].loadHistory }
        if load.count <= member { load += Array(repeating: 0, count: member + 1 - load.count) }
        buckets[i].member = member
        load[member] += buckets[i].loadHistory
        moves += 1
    }
}
