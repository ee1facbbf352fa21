/// What a mode does, asked by name rather than by listing modes (the kernel's
/// `bond_mode_uses_arp`, `bond_uses_primary`, `BOND_MODE_IS_LB` in bonding.h). Each mode
/// declares its own (`BondingMode.capabilities`, in its folder); code that depends on a
/// capability asks `BondMode` for it.
public struct ModeCapabilities: Sendable, Equatable {
    /// One active member alone receives (and takes what is not balanced).
    public var usesActiveMember = false
    /// `primary`, `primary_reselect` and `active_slave` apply (bond_uses_primary, plus
    /// balance-slb, whose active member takes broadcast and multicast).
    public var usesPrimary = false
    /// The ARP/NS monitor may run (bond_mode_uses_arp): not in 802.3ad, where LACP
    /// tells members' state.
    public var usesProbeMonitor = true
    /// Cannot work without link monitoring: miimon is forced when none is set.
    public var needsLinkMonitor = false
    /// balance-tlb and balance-alb (BOND_MODE_IS_LB): transmit load balanced by
    /// buckets, each member with a MAC of its own, learning packets to switches.
    public var isTransmitLoadBalancing = false
    /// Moves hash buckets or guest MACs between members every `rebalance_interval`.
    public var rebalances = false
    /// Teaches peers a member's MAC for the bond's address (ARP/NA replies).
    public var teachesClients = false
    /// Backups are idle: one member alone carries traffic (peer notifications after a
    /// change of active member, "active"/"backup" states).
    public var hasBackupMembers = false
    /// The member is chosen by `xmit_hash_policy` alone (balance-xor, 802.3ad), which
    /// /proc/net/bonding prints.
    public var balancesByHash = false
    /// Keeps a current member, reselected when options or links change: the active
    /// one, or in balance-rr the one multicast reports go out on, reported again after
    /// a change (as the kernel keeps curr_active_slave for bond_resend_igmp_join_requests).
    public var keepsCurrentMember = false
    /// Its per-frame decisions read the options and the member view alone (a counter of
    /// its own at most): a copy made from them decides as the engine's does, so
    /// forwarding threads each run one (`workers`).
    public var decidesFromView = false

    public init() {}

    /// A mode with an active member that alone receives, as active-backup, tlb, alb
    /// and slb have: it uses `primary` and keeps a current member.
    public static var activeMember: ModeCapabilities {
        var c = ModeCapabilities()
        c.usesActiveMember = true
        c.usesPrimary = true
        c.keepsCurrentMember = true
        return c
    }
}

extension BondMode {
    /// What the registered mode declares (`AnyBondingMode.type(of:)`); a mode not
    /// registered has none.
    public var capabilities: ModeCapabilities { AnyBondingMode.type(of: self)?.capabilities ?? ModeCapabilities() }
    /// bondd runs it: a mode is registered in `AnyBondingMode`.
    public var isImplemented: Bool { AnyBondingMode.type(of: self) != nil }

    public var usesActiveMember: Bool { capabilities.usesActiveMember }
    public var usesPrimary: Bool { capabilities.usesPrimary }
    public var usesProbeMonitor: Bool { capabilities.usesProbeMonitor }
    public var needsLinkMonitor: Bool { capabilities.needsLinkMonitor }
    public var isTransmitLoadBalancing: Bool { capabilities.isTransmitLoadBalancing }
    public var rebalances: Bool { capabilities.rebalances }
    public var teachesClients: Bool { capabilities.teachesClients }
    public var hasBackupMembers: Bool { capabilities.hasBackupMembers }
    public var balancesByHash: Bool { capabilities.balancesByHash }
    public var keepsCurrentMember: Bool { capabilities.keepsCurrentMember }
    public var decidesFromView: Bool { capabilities.decidesFromView }
    /// The bond's MAC leaves on several members at once, so the switch must take the
    /// members' ports as one (a static EtherChannel, or LACP): every mode without an
    /// active member that alone receives.
    public var needsSwitchAggregation: Bool { !capabilities.usesActiveMember }
}
