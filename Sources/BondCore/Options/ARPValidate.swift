/// arp_validate: which received frames prove a member's path works, by member role.
/// The kernel's encoding: bit 0 validates the active member, bit 1 the backups, bit 2
/// ("filter") makes unvalidated members count only ARP/ND frames rather than any frame.
public enum ARPValidate: Int, Sendable, CaseIterable, Codable {
    case none = 0, active = 1, backup = 2, all = 3, filter = 4, filterActive = 5, filterBackup = 6

    public var kernelName: String {
        switch self {
        case .none: "none"
        case .active: "active"
        case .backup: "backup"
        case .all: "all"
        case .filter: "filter"
        case .filterActive: "filter_active"
        case .filterBackup: "filter_backup"
        }
    }

    /// Frames on a member in this role must be probe replies (or probes seen) to count.
    public func validates(active: Bool) -> Bool {
        rawValue & (active ? 1 : 2) != 0
    }

    /// Members that are not validated still count only ARP and neighbour discovery.
    public var filters: Bool { rawValue & 4 != 0 }
}

/// arp_all_targets: a member is up when any target answers, or only when all do.
public enum ARPAllTargets: Int, Sendable, CaseIterable, Codable {
    case any = 0, all = 1
    public var kernelName: String { self == .any ? "any" : "all" }
}
