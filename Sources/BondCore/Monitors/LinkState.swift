/// A member's link as the bond sees it: the kernel's BOND_LINK_UP/FAIL/DOWN/BACK.
/// FAIL and BACK are the waits of downdelay and updelay.
public enum LinkState: String, Sendable, Codable {
    case up, fail, down, back

    /// FAIL still carries traffic until downdelay says otherwise, as in the kernel.
    public var carriesTraffic: Bool { self == .up || self == .fail }
}
