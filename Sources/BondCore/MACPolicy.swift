/// Which MAC each member carries while enslaved, by mode and `fail_over_mac` (the
/// kernel's bond_alb.c for balance-tlb/alb, bond_do_fail_over_mac for active-backup).
public enum MACPolicy: Sendable, Equatable {
    /// Every member carries the bond's MAC (fail_over_mac=none, the default).
    case bondMAC
    /// Every member keeps a MAC of its own and the active one carries the bond's:
    /// balance-tlb and balance-alb, and fail_over_mac=follow in active-backup.
    case ownMACs
    /// Members keep theirs untouched and the bond device takes the active member's
    /// (fail_over_mac=active).
    case bondFollowsActive

    public init(_ o: BondOptions) {
        if o.mode.isTransmitLoadBalancing || (o.mode == .activeBackup && o.failOverMAC == .follow) {
            self = .ownMACs
        } else if o.mode == .activeBackup && o.failOverMAC == .active {
            self = .bondFollowsActive
        } else {
            self = .bondMAC
        }
    }

    /// Whether a frame the bond admitted for `destination` must be readdressed to the
    /// bond's MAC: peers taught a member's own MAC (balance-alb, fail_over_mac=follow)
    /// address frames to it, and the bond device only takes its own.
    @inlinable
    public func readdressesToBond(_ destination: MACAddress, bondMAC: MACAddress, isMemberMAC: (MACAddress) -> Bool) -> Bool {
        self == .ownMACs && destination != bondMAC && !destination.isMulticast && isMemberMAC(destination)
    }

    /// The MAC a member joining the bond gets. Under `.ownMACs` a member whose MAC
    /// another already uses gets a locally administered one, so that a later swap can
    /// never put one MAC on two members.
    /// - Parameters:
    ///   - own: the member's own MAC.
    ///   - inUse: the MACs the bond's live members carry now.
    public func macForNewMember(own: MACAddress, bond: MACAddress, inUse: [MACAddress]) -> MACAddress {
        switch self {
        case .bondFollowsActive: return own
        case .bondMAC: return bond
        case .ownMACs:
            // The first member takes the bond's MAC: it is the active one.
            guard inUse.contains(bond) else { return bond }
            var mac = own
            var n: UInt64 = 0
            while mac == bond || inUse.contains(mac) {
                n += 1
                mac = MACAddress(rawValue: (bond.rawValue ^ (n << 8)) | 0x0200_0000_0000)
            }
            return mac
        }
    }
}
