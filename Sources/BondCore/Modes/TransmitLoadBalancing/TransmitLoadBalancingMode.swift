/// balance-tlb (mode 5), as the kernel's bond_alb.c does it: IP traffic to unicast
/// destinations is hashed into 256 buckets; an unassigned bucket goes to the usable member
/// with the largest gap between its speed and its load; every rebalance interval each
/// bucket's load history becomes 1 + bytes/10 and the bucket is unassigned, so flows are
/// placed again on their next frame. Everything else leaves on the active member. Frames
/// that leave on another member carry that member's own MAC as source; only the active
/// member receives.
public final class TransmitLoadBalancingMode: BondingMode {
    public static let bucketCount = 256
    /// Seconds between rebalances in the kernel's formula for load history.
    public static let rebalanceInterval = 10

    public var dynamic: Bool
    public var policy: TransmitHashPolicy
    public var allSlavesActive: Bool
    public let table: BucketTable
    /// Bridged guests' frames (source MAC not the bond's) are placed per VIF instead:
    /// unlike Linux, tlb keeps working, and stays correct, as a bridge port.
    public let vifs = VIFTable()
    /// Buckets unassigned and guests' MACs moved by load (rebalance_interval).
    var rebalancing = PeriodicTimer(interval: 0)
    /// Learning packets from every member's MAC (lp_interval).
    var learning = PeriodicTimer(interval: 1000)
    var vifAging = PeriodicTimer(interval: VIFTable.agingTickMilliseconds)

    public init(dynamic: Bool, policy: TransmitHashPolicy, allSlavesActive: Bool = false, members: Int) {
        self.dynamic = dynamic
        self.policy = policy
        self.allSlavesActive = allSlavesActive
        table = BucketTable(members: members)
    }

    public convenience init(options o: BondOptions, members: Int) {
        self.init(dynamic: o.tlbDynamicLB, policy: o.xmitHashPolicy, allSlavesActive: o.allSlavesActive, members: members)
        rebalancing.interval = o.rebalanceInterval
        learning.interval = o.lpInterval * 1000
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

    public func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        if !members.isHost(frame.source) {
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
        if vifs.isReflected(frame) { return false }
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

    public static var capabilities: ModeCapabilities {
        var c = ModeCapabilities.activeMember
        c.needsLinkMonitor = true
        c.isTransmitLoadBalancing = true
        c.rebalances = true
        return c
    }
}
