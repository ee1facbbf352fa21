/// Where a frame from the bond device goes.
public enum TransmitTarget: Hashable, Sendable {
    case member(Int)
    /// On this member, with the member's own MAC written as the frame's source
    /// (balance-tlb/alb on a member that is not the active one).
    case memberWithOwnSource(Int)
    /// As `memberWithOwnSource`, and the ARP sender hardware address too (balance-alb's
    /// replies to a client, teaching it this member's MAC).
    case memberAnnouncingOwnMAC(Int)
    case allMembers
    /// No member can take it (none up): counted as a drop.
    case drop
}

/// What a mode may look at when it decides: which members may transmit, and the
/// active member. The engine rebuilds it on state changes, never per frame.
public struct MemberView: Sendable {
    public var usable: [Int]
    public var active: Int?
    /// Link speed in Mbit/s by member index (balance-tlb weighs members by it).
    public var speeds: [Int]
    /// The bond's own MAC: frames from any other source are bridged guests' (per-VIF hashing).
    public var bondMAC: MACAddress
    /// The member that was active until a change made by choice (not a failure), while
    /// switches may still send to it: its unicast is still taken (make before break).
    public var draining: Int?
    public init(usable: [Int], active: Int?, speeds: [Int] = [], bondMAC: MACAddress = .zero) {
        self.usable = usable
        self.active = active
        self.speeds = speeds
        self.bondMAC = bondMAC
    }
}

/// One bonding mode's per-frame decisions. A mode knows nothing of sockets: given a
/// parsed frame and the member view it names the member(s); given a received frame
/// and the member it came in on it says whether the bond accepts it.
public protocol BondingModePolicy {
    mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget
    func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool
}

/// The configured mode, dispatched by a switch rather than an existential so the
/// per-frame call stays direct and allocation-free.
public enum ModePolicy {
    case roundRobin(RoundRobinMode)
    case activeBackup(ActiveBackupMode)
    case balanceXOR(BalanceXORMode)
    case broadcast(BroadcastMode)
    case transmitLoadBalancing(TransmitLoadBalancingMode)
    case sourceLoadBalancing(SourceLoadBalancingMode)
    case adaptiveLoadBalancing(AdaptiveLoadBalancingMode)

    public init(options: BondOptions, members: Int = 0) {
        switch options.mode {
        case .balanceRR: self = .roundRobin(RoundRobinMode(packetsPerSlave: options.packetsPerSlave))
        case .balanceXOR: self = .balanceXOR(BalanceXORMode(policy: options.xmitHashPolicy))
        case .broadcast: self = .broadcast(BroadcastMode())
        case .balanceTLB:
            self = .transmitLoadBalancing(TransmitLoadBalancingMode(
                dynamic: options.tlbDynamicLB, policy: options.xmitHashPolicy,
                allSlavesActive: options.allSlavesActive, members: members))
        case .balanceSLB: self = .sourceLoadBalancing(SourceLoadBalancingMode())
        case .balanceALB:
            self = .adaptiveLoadBalancing(AdaptiveLoadBalancingMode(
                tlb: TransmitLoadBalancingMode(dynamic: true, policy: options.xmitHashPolicy,
                                               allSlavesActive: options.allSlavesActive, members: members),
                clientCapacity: options.albClients))
        default: self = .activeBackup(ActiveBackupMode(allSlavesActive: options.allSlavesActive))
        }
    }

    @inlinable public mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        switch self {
        case .roundRobin(var m):
            let t = m.transmitTarget(for: frame, members: members)
            self = .roundRobin(m)
            return t
        case .activeBackup(var m):
            return m.transmitTarget(for: frame, members: members)
        case .balanceXOR(var m):
            return m.transmitTarget(for: frame, members: members)
        case .broadcast(var m):
            return m.transmitTarget(for: frame, members: members)
        case .transmitLoadBalancing(var m):
            return m.transmitTarget(for: frame, members: members)
        case .sourceLoadBalancing(var m):
            return m.transmitTarget(for: frame, members: members)
        case .adaptiveLoadBalancing(var m):
            return m.transmitTarget(for: frame, members: members)
        }
    }

    @inlinable public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool {
        switch self {
        case .roundRobin(let m): m.admits(frame, on: member, members: members)
        case .activeBackup(let m): m.admits(frame, on: member, members: members)
        case .balanceXOR(let m): m.admits(frame, on: member, members: members)
        case .broadcast(let m): m.admits(frame, on: member, members: members)
        case .transmitLoadBalancing(let m): m.admits(frame, on: member, members: members)
        case .sourceLoadBalancing(let m): m.admits(frame, on: member, members: members)
        case .adaptiveLoadBalancing(let m): m.admits(frame, on: member, members: members)
        }
    }

    /// balance-alb's client table.
    public var clientTable: ClientTable? {
        if case .adaptiveLoadBalancing(let m) = self { return m.clients }
        return nil
    }

    /// A member came back: balance-alb spreads its clients again.
    public func memberUp(members: MemberView) {
        clientTable?.respread(usable: members.usable)
    }

    /// The per-VIF table of the modes that have one.
    public var vifTable: VIFTable? {
        switch self {
        case .transmitLoadBalancing(let m): m.vifs
        case .sourceLoadBalancing(let m): m.table
        case .adaptiveLoadBalancing(let m): m.tlb.vifs
        default: nil
        }
    }

    /// Periodic rebalancing, for the modes that have it; returns MACs to announce.
    public func rebalance(members: MemberView) -> [VIFTable.Move] {
        if case .transmitLoadBalancing(let m) = self { m.rebalance() }
        if case .adaptiveLoadBalancing(let m) = self { m.tlb.rebalance() }
        return vifTable?.rebalance(usable: members.usable) ?? []
    }

    /// Settings changed at runtime: the mode keeps its tables (buckets, clients, VIFs)
    /// and takes the new parameters.
    public mutating func reconfigure(_ options: BondOptions) {
        switch self {
        case .roundRobin(var m): m.packetsPerSlave = options.packetsPerSlave; self = .roundRobin(m)
        case .activeBackup(var m): m.allSlavesActive = options.allSlavesActive; self = .activeBackup(m)
        case .balanceXOR(var m): m.policy = options.xmitHashPolicy; self = .balanceXOR(m)
        case .transmitLoadBalancing(var m):
            m.policy = options.xmitHashPolicy
            m.allSlavesActive = options.allSlavesActive
            m.dynamic = options.tlbDynamicLB
            self = .transmitLoadBalancing(m)
        case .adaptiveLoadBalancing(var m):
            m.tlb.policy = options.xmitHashPolicy
            m.tlb.allSlavesActive = options.allSlavesActive
            self = .adaptiveLoadBalancing(m)
        case .broadcast, .sourceLoadBalancing: break
        }
    }

    /// A member was added in slot `i`.
    public func makeRoom(forMember i: Int) {
        if case .transmitLoadBalancing(let m) = self { m.makeRoom(forMember: i) }
        if case .adaptiveLoadBalancing(let m) = self { m.tlb.makeRoom(forMember: i) }
    }

    /// `bondctl migrate`: hash bucket `bucket` (or, with `vif`, the per-VIF bucket) now
    /// leaves on `member`, until the next rebalance places it again. Returns MACs to
    /// announce on their new member.
    public func migrate(bucket: Int, to member: Int, vif: Bool, members: MemberView) throws(OptionError) -> [VIFTable.Move] {
        guard members.usable.contains(member) else { throw OptionError("migrate: the member is not up") }
        if vif {
            guard let t = vifTable else { throw OptionError("migrate: this mode has no per-VIF buckets") }
            guard t.buckets.indices.contains(bucket) else { throw OptionError("migrate: bucket \(bucket) out of range (0-\(t.buckets.count - 1))") }
            return t.migrate(bucket: bucket, to: member)
        }
        let table: TransmitLoadBalancingMode.BucketTable
        switch self {
        case .transmitLoadBalancing(let m): table = m.table
        case .adaptiveLoadBalancing(let m): table = m.tlb.table
        case .sourceLoadBalancing(let m):
            guard m.table.buckets.indices.contains(bucket) else { throw OptionError("migrate: bucket \(bucket) out of range (0-\(m.table.buckets.count - 1))") }
            return m.table.migrate(bucket: bucket, to: member)
        default:
            throw OptionError("migrate: only balance-tlb, balance-alb and balance-slb have buckets")
        }
        guard table.buckets.indices.contains(bucket) else { throw OptionError("migrate: bucket \(bucket) out of range (0-\(table.buckets.count - 1))") }
        table.move(bucket: bucket, to: member)
        return []
    }

    /// A member can no longer transmit: modes with assignments move its share now;
    /// returns MACs to announce on their new members.
    public func release(member: Int, members: MemberView) -> [VIFTable.Move] {
        if case .transmitLoadBalancing(let m) = self { m.release(member: member) }
        if case .adaptiveLoadBalancing(let m) = self {
            m.tlb.release(member: member)
            m.clients.release(member: member, usable: members.usable)
        }
        return vifTable?.release(member: member, usable: members.usable) ?? []
    }
}
