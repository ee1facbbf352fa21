/// The configured mode: every mode bondd runs is registered here, once, as a case.
/// Dispatch is a switch rather than an existential so the per-frame calls stay direct
/// and allocation-free; the cold hooks forward the same way.
public enum AnyBondingMode {
    case roundRobin(RoundRobinMode)
    case activeBackup(ActiveBackupMode)
    case balanceXOR(BalanceXORMode)
    case broadcast(BroadcastMode)
    case transmitLoadBalancing(TransmitLoadBalancingMode)
    case sourceLoadBalancing(SourceLoadBalancingMode)
    case adaptiveLoadBalancing(AdaptiveLoadBalancingMode)
    case ieee8023ad(IEEE8023ADMode)
    case policy(PolicyMode)

    /// The mode `options.mode` names.
    public init(options: BondOptions, members: Int = 0) {
        switch options.mode {
        case .balanceRR: self = .roundRobin(RoundRobinMode(options: options, members: members))
        case .balanceXOR: self = .balanceXOR(BalanceXORMode(options: options, members: members))
        case .broadcast: self = .broadcast(BroadcastMode(options: options, members: members))
        case .balanceTLB: self = .transmitLoadBalancing(TransmitLoadBalancingMode(options: options, members: members))
        case .balanceSLB: self = .sourceLoadBalancing(SourceLoadBalancingMode(options: options, members: members))
        case .balanceALB: self = .adaptiveLoadBalancing(AdaptiveLoadBalancingMode(options: options, members: members))
        case .ieee8023ad: self = .ieee8023ad(IEEE8023ADMode(options: options, members: members))
        case .activeBackup: self = .activeBackup(ActiveBackupMode(options: options, members: members))
        case .policy: self = .policy(PolicyMode(options: options, members: members))
        }
    }

    /// The type registered for `mode`, nil for a mode bondd does not run.
    public static func type(of mode: BondMode) -> (any BondingMode.Type)? {
        switch mode {
        case .balanceRR: RoundRobinMode.self
        case .activeBackup: ActiveBackupMode.self
        case .balanceXOR: BalanceXORMode.self
        case .broadcast: BroadcastMode.self
        case .balanceTLB: TransmitLoadBalancingMode.self
        case .balanceALB: AdaptiveLoadBalancingMode.self
        case .balanceSLB: SourceLoadBalancingMode.self
        case .ieee8023ad: IEEE8023ADMode.self
        case .policy: PolicyMode.self
        }
    }

    /// The mode itself, for the cold hooks (a copy: hooks that change it go through `update`).
    @usableFromInline var mode: any BondingMode {
        switch self {
        case .roundRobin(let m): m
        case .activeBackup(let m): m
        case .balanceXOR(let m): m
        case .broadcast(let m): m
        case .transmitLoadBalancing(let m): m
        case .sourceLoadBalancing(let m): m
        case .adaptiveLoadBalancing(let m): m
        case .ieee8023ad(let m): m
        case .policy(let m): m
        }
    }

    /// Runs a mutating hook on the mode and stores the result back.
    @usableFromInline mutating func update<R, E: Error>(_ body: (inout any BondingMode) throws(E) -> R) throws(E) -> R {
        var m = mode
        let r = try body(&m)
        switch m {
        case let m as RoundRobinMode: self = .roundRobin(m)
        case let m as ActiveBackupMode: self = .activeBackup(m)
        case let m as BalanceXORMode: self = .balanceXOR(m)
        case let m as BroadcastMode: self = .broadcast(m)
        case let m as TransmitLoadBalancingMode: self = .transmitLoadBalancing(m)
        case let m as SourceLoadBalancingMode: self = .sourceLoadBalancing(m)
        case let m as AdaptiveLoadBalancingMode: self = .adaptiveLoadBalancing(m)
        case let m as IEEE8023ADMode: self = .ieee8023ad(m)
        case let m as PolicyMode: self = .policy(m)
        default: preconditionFailure("a mode changed its type")
        }
        return r
    }

    // MARK: Per frame

    /// A mode whose per-frame state is a value (balance-rr's counter) is written back;
    /// the others keep theirs in reference tables, and a write-back would cost a retain
    /// and a release per frame. Modes with tables and timers are classes, so that every
    /// case stays a few words and the enum is cheap to match and write back.
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
        case .transmitLoadBalancing(let m):
            return m.transmitTarget(for: frame, members: members)
        case .sourceLoadBalancing(let m):
            return m.transmitTarget(for: frame, members: members)
        case .adaptiveLoadBalancing(let m):
            return m.transmitTarget(for: frame, members: members)
        case .ieee8023ad(let m):
            return m.transmitTarget(for: frame, members: members)
        case .policy(let m):
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
        case .ieee8023ad(let m): m.admits(frame, on: member, members: members)
        case .policy(let m): m.admits(frame, on: member, members: members)
        }
    }

    @inlinable public var controlEtherType: UInt16? {
        switch self {
        case .roundRobin(let m): m.controlEtherType
        case .activeBackup(let m): m.controlEtherType
        case .balanceXOR(let m): m.controlEtherType
        case .broadcast(let m): m.controlEtherType
        case .transmitLoadBalancing(let m): m.controlEtherType
        case .sourceLoadBalancing(let m): m.controlEtherType
        case .adaptiveLoadBalancing(let m): m.controlEtherType
        case .ieee8023ad(let m): m.controlEtherType
        case .policy(let m): m.controlEtherType
        }
    }
}

// MARK: Cold hooks, forwarded through the existential (off the per-frame path).
extension AnyBondingMode {
    public mutating func start(at now: Instant) -> [ModeAction] { update { $0.start(at: now) } }
    public mutating func stop() -> [ModeAction] { update { $0.stop() } }
    public mutating func reconfigure(_ options: BondOptions, at now: Instant) { update { $0.reconfigure(options, at: now) } }
    public mutating func memberAdded(slot: Int) { update { $0.memberAdded(slot: slot) } }
    public mutating func memberUp(_ member: Int, members: MemberView) -> [ModeAction] { update { $0.memberUp(member, members: members) } }
    public mutating func memberDown(_ member: Int, members: MemberView) -> [ModeAction] { update { $0.memberDown(member, members: members) } }
    public mutating func memberMACChanged(_ member: Int) -> [ModeAction] { update { $0.memberMACChanged(member) } }
    public mutating func receiveControl(_ frame: ParsedFrame, bytes: FrameBytes, on member: Int, members: MemberView, at now: Instant) -> [ModeAction]
    {
        update { $0.receiveControl(frame, bytes: bytes, on: member, members: members, at: now) }
    }
    public func describe(into status: inout BondStatus) { mode.describe(into: &status) }
    public mutating func tick(at now: Instant, members: MemberView) -> [ModeAction] { update { $0.tick(at: now, members: members) } }
    public func explain(_ frame: ParsedFrame, members: MemberView) -> HashExplanation { mode.explain(frame, members: members) }
    public mutating func migrate(bucket: Int, to member: Int, vif: Bool, members: MemberView) throws(OptionError) -> [ModeAction] {
        try update { m throws(OptionError) in try m.migrate(bucket: bucket, to: member, vif: vif, members: members) }
    }
}

// MARK: Asked every loop turn or view rebuild: a switch, as the per-frame calls, since
// the existential of a mode with timers is boxed on the heap.
extension AnyBondingMode {
    public func transmitters(among usable: [Int]) -> [Int] {
        switch self {
        case .roundRobin(let m): m.transmitters(among: usable)
        case .activeBackup(let m): m.transmitters(among: usable)
        case .balanceXOR(let m): m.transmitters(among: usable)
        case .broadcast(let m): m.transmitters(among: usable)
        case .transmitLoadBalancing(let m): m.transmitters(among: usable)
        case .sourceLoadBalancing(let m): m.transmitters(among: usable)
        case .adaptiveLoadBalancing(let m): m.transmitters(among: usable)
        case .ieee8023ad(let m): m.transmitters(among: usable)
        case .policy(let m): m.transmitters(among: usable)
        }
    }

    public func permitsCarrier(transmitters: [Int]) -> Bool {
        switch self {
        case .roundRobin(let m): m.permitsCarrier(transmitters: transmitters)
        case .activeBackup(let m): m.permitsCarrier(transmitters: transmitters)
        case .balanceXOR(let m): m.permitsCarrier(transmitters: transmitters)
        case .broadcast(let m): m.permitsCarrier(transmitters: transmitters)
        case .transmitLoadBalancing(let m): m.permitsCarrier(transmitters: transmitters)
        case .sourceLoadBalancing(let m): m.permitsCarrier(transmitters: transmitters)
        case .adaptiveLoadBalancing(let m): m.permitsCarrier(transmitters: transmitters)
        case .ieee8023ad(let m): m.permitsCarrier(transmitters: transmitters)
        case .policy(let m): m.permitsCarrier(transmitters: transmitters)
        }
    }

    public var nextDeadline: Instant? {
        switch self {
        case .roundRobin(let m): m.nextDeadline
        case .activeBackup(let m): m.nextDeadline
        case .balanceXOR(let m): m.nextDeadline
        case .broadcast(let m): m.nextDeadline
        case .transmitLoadBalancing(let m): m.nextDeadline
        case .sourceLoadBalancing(let m): m.nextDeadline
        case .adaptiveLoadBalancing(let m): m.nextDeadline
        case .ieee8023ad(let m): m.nextDeadline
        case .policy(let m): m.nextDeadline
        }
    }

    public func needsTransmitBytes(at now: Instant) -> Bool {
        switch self {
        case .roundRobin(let m): m.needsTransmitBytes(at: now)
        case .activeBackup(let m): m.needsTransmitBytes(at: now)
        case .balanceXOR(let m): m.needsTransmitBytes(at: now)
        case .broadcast(let m): m.needsTransmitBytes(at: now)
        case .transmitLoadBalancing(let m): m.needsTransmitBytes(at: now)
        case .sourceLoadBalancing(let m): m.needsTransmitBytes(at: now)
        case .adaptiveLoadBalancing(let m): m.needsTransmitBytes(at: now)
        case .ieee8023ad(let m): m.needsTransmitBytes(at: now)
        case .policy(let m): m.needsTransmitBytes(at: now)
        }
    }

    public var bucketTable: BucketTable? {
        switch self {
        case .roundRobin(let m): m.bucketTable
        case .activeBackup(let m): m.bucketTable
        case .balanceXOR(let m): m.bucketTable
        case .broadcast(let m): m.bucketTable
        case .transmitLoadBalancing(let m): m.bucketTable
        case .sourceLoadBalancing(let m): m.bucketTable
        case .adaptiveLoadBalancing(let m): m.bucketTable
        case .ieee8023ad(let m): m.bucketTable
        case .policy(let m): m.bucketTable
        }
    }

    public var vifTable: VIFTable? {
        switch self {
        case .roundRobin(let m): m.vifTable
        case .activeBackup(let m): m.vifTable
        case .balanceXOR(let m): m.vifTable
        case .broadcast(let m): m.vifTable
        case .transmitLoadBalancing(let m): m.vifTable
        case .sourceLoadBalancing(let m): m.vifTable
        case .adaptiveLoadBalancing(let m): m.vifTable
        case .ieee8023ad(let m): m.vifTable
        case .policy(let m): m.vifTable
        }
    }

    public var clientTable: ClientTable? {
        switch self {
        case .roundRobin(let m): m.clientTable
        case .activeBackup(let m): m.clientTable
        case .balanceXOR(let m): m.clientTable
        case .broadcast(let m): m.clientTable
        case .transmitLoadBalancing(let m): m.clientTable
        case .sourceLoadBalancing(let m): m.clientTable
        case .adaptiveLoadBalancing(let m): m.clientTable
        case .ieee8023ad(let m): m.clientTable
        case .policy(let m): m.clientTable
        }
    }

    public var fastPathKind: FastPathKind {
        switch self {
        case .roundRobin(let m): m.fastPathKind
        case .activeBackup(let m): m.fastPathKind
        case .balanceXOR(let m): m.fastPathKind
        case .broadcast(let m): m.fastPathKind
        case .transmitLoadBalancing(let m): m.fastPathKind
        case .sourceLoadBalancing(let m): m.fastPathKind
        case .adaptiveLoadBalancing(let m): m.fastPathKind
        case .ieee8023ad(let m): m.fastPathKind
        case .policy(let m): m.fastPathKind
        }
    }
}
