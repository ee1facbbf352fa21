/// What a mode does, asked by name rather than by listing modes (the kernel's
/// `bond_mode_uses_arp`, `bond_uses_primary`, `BOND_MODE_IS_LB` in bonding.h): code
/// that depends on a capability asks for it, and a new mode answers here once.
extension BondMode {
    /// bondd runs it (802.3ad is on its way).
    public var isImplemented: Bool { self != .ieee8023ad }

    /// `primary`, `primary_reselect` and `active_slave` apply (bond_uses_primary, plus
    /// balance-slb, whose active member takes broadcast and multicast).
    public var usesPrimary: Bool { usesActiveMember }

    /// The ARP/NS monitor may run (bond_mode_uses_arp): not in 802.3ad, where LACP
    /// tells members' state.
    public var usesProbeMonitor: Bool { self != .ieee8023ad }

    /// Cannot work without link monitoring: miimon is forced when none is set.
    public var needsLinkMonitor: Bool {
        self == .balanceTLB || self == .balanceALB || self == .ieee8023ad || self == .balanceSLB
    }

    /// balance-tlb and balance-alb (BOND_MODE_IS_LB): transmit load balanced by
    /// buckets, each member with a MAC of its own, learning packets to switches.
    public var isTransmitLoadBalancing: Bool { self == .balanceTLB || self == .balanceALB }

    /// Moves hash buckets or guest MACs between members every `rebalance_interval`.
    public var rebalances: Bool { isTransmitLoadBalancing || self == .balanceSLB }

    /// Teaches peers a member's MAC for the bond's address (ARP/NA replies).
    public var teachesClients: Bool { self == .balanceALB }

    /// Backups are idle: one member alone carries traffic (peer notifications after a
    /// change of active member, "active"/"backup" states).
    public var hasBackupMembers: Bool { self == .activeBackup }

    /// The member is chosen by `xmit_hash_policy` alone (balance-xor, 802.3ad), which
    /// /proc/net/bonding prints.
    public var balancesByHash: Bool { self == .balanceXOR || self == .ieee8023ad }

    /// Keeps a current member, reselected when options or links change: the active
    /// one, or in balance-rr the one multicast reports go out on, reported again after
    /// a change (as the kernel keeps curr_active_slave for bond_resend_igmp_join_requests).
    public var keepsCurrentMember: Bool { usesActiveMember || self == .balanceRR }
}
