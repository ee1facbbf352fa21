/// balance-slb: every frame from the host side is placed by its source MAC and VLAN
/// (`VIFTable`); unicast is received on every member, broadcast and multicast only on
/// the active one, and a frame that comes back with one of our own source MACs is our
/// own reflected by the switch and dropped (gratuitous ARP excepted).
public final class SourceLoadBalancingMode: BondingMode {
    public let table = VIFTable()
    /// Guests' MACs moved by load (Open vSwitch's bond-rebalance-interval).
    var rebalancing = PeriodicTimer(interval: 0)
    var aging = PeriodicTimer(interval: VIFTable.agingTickMilliseconds)

    public init() {}
    public init(options: BondOptions, members: Int) { rebalancing.interval = options.rebalanceInterval }

    public func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        guard let m = table.member(for: frame, usable: members.usable) else { return .drop }
        return .member(m)
    }

    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool {
        if frame.destination.isMulticast && member != members.active { return false }
        return !table.isReflected(frame)
    }

    public func start(at now: Instant) -> [ModeAction] {
        rebalancing.arm(at: now)
        aging.arm(at: now)
        return table.age(at: now)
    }

    public func reconfigure(_ options: BondOptions, at now: Instant) {
        guard rebalancing.interval != options.rebalanceInterval else { return }
        rebalancing.interval = options.rebalanceInterval
        rebalancing.arm(at: now)
    }

    public func memberDown(_ member: Int, members: MemberView) -> [ModeAction] {
        [.announce(table.release(member: member, usable: members.usable))]
    }

    public var nextDeadline: Instant? { rebalancing.next.earliest(aging.next) }
    public func needsTransmitBytes(at now: Instant) -> Bool { rebalancing.isDue(at: now) }

    public func tick(at now: Instant, members: MemberView) -> [ModeAction] {
        var actions: [ModeAction] = []
        if aging.fire(at: now) { actions += table.age(at: now) }
        if rebalancing.fire(at: now) { actions.append(.announce(table.rebalance(usable: members.usable))) }
        return actions
    }

    public func explain(_ frame: ParsedFrame, members: MemberView) -> HashExplanation { table.explain(frame, members: members) }

    /// Its only buckets are per VIF, with or without `--vif`.
    public func migrate(bucket: Int, to member: Int, vif: Bool, members: MemberView) throws(OptionError) -> [ModeAction] {
        [.announce(try table.migrate(bucket: bucket, to: member, members: members))]
    }

    public var vifTable: VIFTable? { table }
    public var fastPathKind: FastPathKind { .sourceLoadBalancing }

    public static var capabilities: ModeCapabilities {
        var c = ModeCapabilities.activeMember
        c.needsLinkMonitor = true
        c.rebalances = true
        return c
    }
}
