/// balance-tlb (mode 5), as the kernel's bond_alb.c does it: IP traffic to unicast
/// destinations is hashed into 256 buckets; an unassigned bucket goes to the usable member
/// with the largest gap between its speed and its load; every rebalance interval each
/// bucket's load history becomes 1 + bytes/10 and the bucket is unassigned, so flows are
/// placed again on their next frame. Everything else leaves on the active member. Frames
/// that leave on another member carry that member's own MAC as source; only the active
/// member receives.
public struct TransmitLoadBalancingMode: BondingModePolicy {
    public static let bucketCount = 256
    /// Seconds between rebalances in the kernel's formula for load history.
    public static let rebalanceInterval = 10

    public var dynamic: Bool
    public var policy: TransmitHashPolicy
    public var allSlavesActive: Bool
    /// Reference storage: the per-frame byte counts are updated in place, never copied.
    public let table: BucketTable
    /// Bridged guests' frames (source MAC not the bond's) are placed per VIF instead:
    /// unlike Linux, tlb keeps working, and stays correct, as a bridge port.
    public let vifs = VIFTable()

    public init(dynamic: Bool, policy: TransmitHashPolicy, allSlavesActive: Bool = false, members: Int) {
        self.dynamic = dynamic
        self.policy = policy
        self.allSlavesActive = allSlavesActive
        table = BucketTable(members: members)
    }

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

    /// Does this frame take part in balancing? Unicast IPv4 and IPv6 except neighbour
    /// discovery, as bond_xmit_tlb_slave_get.
    static func isBalanced(_ frame: ParsedFrame) -> Bool {
        guard !frame.destination.isMulticast else { return false }
        switch frame.network {
        case .ipv4: return true
        case .ipv6:
            if let t = frame.transport, t.protocolNumber == IPProtocolNumber.icmpv6, (133...137).contains(t.icmpType) { return false }
            return true
        default: return false
        }
    }

    public mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        if frame.source != members.bondMAC {
            guard let m = vifs.member(for: frame, usable: members.usable) else { return .drop }
            return .member(m)
        }
        var chosen: Int?
        if Self.isBalanced(frame) {
            let h = policy.hash(frame)
            if dynamic {
                chosen = choose(bucket: Int(h & 0xFF), length: frame.length, members: members)
            } else if !members.usable.isEmpty {
                chosen = members.usable[Int(h % UInt32(members.usable.count))]
            }
        }
        guard let member = chosen ?? members.active else { return .drop }
        return member == members.active ? .member(member) : .memberWithOwnSource(member)
    }

    /// tlb_choose_channel: the bucket's member, or the least loaded one for a new bucket.
    func choose(bucket i: Int, length: Int, members: MemberView) -> Int? {
        if let m = table.buckets[i].member {
            table.buckets[i].txBytes &+= length
            return m
        }
        var best: Int?
        var bestGap = Int.min
        for m in members.usable {
            let speed = m < members.speeds.count ? members.speeds[m] : 0
            let gap = (speed << 20) - (table.load[m] << 3)
            if gap > bestGap { best = m; bestGap = gap }
        }
        guard let best else { return nil }
        table.buckets[i].member = best
        table.load[best] += table.buckets[i].loadHistory
        table.buckets[i].txBytes &+= length
        return best
    }

    /// The bond's own traffic arrives on the active member (peers know the bond's MAC
    /// there); bridged guests' unicast arrives where their VIF transmits.
    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool {
        if SourceLoadBalancingMode.isReflected(frame, table: vifs) { return false }
        if member == members.active { return true }
        if frame.destination.isMulticast || frame.destination == members.bondMAC { return allSlavesActive }
        return true
    }

    /// Every rebalance interval: load history from the bytes sent, buckets unassigned.
    public func rebalance() {
        for i in table.buckets.indices {
            table.buckets[i].loadHistory = 1 + table.buckets[i].txBytes / Self.rebalanceInterval
            table.buckets[i].txBytes = 0
            table.buckets[i].member = nil
        }
        for m in table.load.indices { table.load[m] = 0 }
    }

    /// Room for member index `i` (a member added at runtime).
    public func makeRoom(forMember i: Int) {
        if table.load.count <= i { table.load += Array(repeating: 0, count: i + 1 - table.load.count) }
    }

    /// A member stopped transmitting: its buckets are placed again on their next frame.
    public func release(member: Int) {
        for i in table.buckets.indices where table.buckets[i].member == member {
            table.buckets[i].member = nil
            table.moves += 1
        }
        table.load[member] = 0
    }
}
