/// The bonding modes, with the kernel's numbers and names.
public enum BondMode: Int, Sendable, CaseIterable, Codable {
    case balanceRR = 0
    case activeBackup = 1
    case balanceXOR = 2
    case broadcast = 3
    case ieee8023ad = 4
    case balanceTLB = 5
    case balanceALB = 6
    /// Not a kernel mode: Open vSwitch's balance-slb (XenServer active-active). Only by name.
    case balanceSLB = 100
    /// Not a kernel mode: a registered `TransmitPolicy` (`mode=policy:NAME`).
    case policy = 200

    /// The name `/sys/class/net/bond0/bonding/mode` prints.
    public var kernelName: String {
        switch self {
        case .balanceRR: "balance-rr"
        case .activeBackup: "active-backup"
        case .balanceXOR: "balance-xor"
        case .broadcast: "broadcast"
        case .ieee8023ad: "802.3ad"
        case .balanceTLB: "balance-tlb"
        case .balanceALB: "balance-alb"
        case .balanceSLB: "balance-slb"
        case .policy: "policy"
        }
    }

    /// The heading `/proc/net/bonding/bond0` prints after "Bonding Mode: ".
    public var procDescription: String {
        switch self {
        case .balanceRR: "load balancing (round-robin)"
        case .activeBackup: "fault-tolerance (active-backup)"
        case .balanceXOR: "load balancing (xor)"
        case .broadcast: "fault-tolerance (broadcast)"
        case .ieee8023ad: "IEEE 802.3ad Dynamic link aggregation"
        case .balanceTLB: "transmit load balancing"
        case .balanceALB: "adaptive load balancing"
        case .balanceSLB: "source load balancing (per-VIF MAC hashing)"
        case .policy: "transmit policy"
        }
    }

    /// Accepts the name or the number, as the kernel does.
    public init?(option value: String) {
        if let n = Int(value), n <= 6, let m = BondMode(rawValue: n) { self = m; return }
        guard let m = BondMode.allCases.first(where: { $0.kernelName == value }) else { return nil }
        self = m
    }
}

public enum PrimaryReselect: Int, Sendable, CaseIterable, Codable {
    case always = 0, better = 1, failure = 2
    public var kernelName: String {
        switch self {
        case .always: "always"
        case .better: "better"
        case .failure: "failure"
        }
    }
}

public enum FailOverMAC: Int, Sendable, CaseIterable, Codable {
    case none = 0, active = 1, follow = 2
    public var kernelName: String {
        switch self {
        case .none: "none"
        case .active: "active"
        case .follow: "follow"
        }
    }
}
