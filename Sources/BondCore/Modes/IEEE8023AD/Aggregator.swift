/// An aggregator (the kernel's struct aggregator): every member owns one, identified
/// from 1 in the order members joined; ports with the same key and partner attach to
/// one of them, and one aggregator is the bond's active one.
struct Aggregator: Sendable {
    var id: Int
    var isIndividual = false
    var actorAdminKey: UInt16 = 0
    var actorKey: UInt16 = 0
    var partnerSystem = MACAddress.zero
    var partnerSystemPriority: UInt16 = 0
    var partnerKey: UInt16 = 0
    var isActive = false
    /// Attached ports, most recently attached first (the kernel's lag_ports list).
    var ports: [Int] = []

    init(id: Int) { self.id = id }

    /// A partner answers: its system is known (the kernel's __agg_has_partner).
    var hasPartner: Bool { partnerSystem != .zero }

    /// Empty again: its values cleared, ready for another port (ad_clear_agg).
    mutating func clear() {
        isIndividual = false
        actorAdminKey = 0
        actorKey = 0
        partnerSystem = .zero
        partnerSystemPriority = 0
        partnerKey = 0
        isActive = false
        ports = []
    }
}

/// A port's key (IEEE 802.1AX operational key), as the kernel makes it: the user key
/// in bits 15..6, a speed code in bits 5..1, full duplex in bit 0.
enum PortKey {
    /// The kernel's AD_LINK_SPEED_* codes, by Mbit/s; 0 for a speed it does not know.
    static func speedCode(megabits: Int) -> UInt16 {
        guard let i = speeds.firstIndex(of: megabits), i > 0 else { return 0 }
        return UInt16(i)
    }

    /// Mbit/s of a speed code (aggregator bandwidth for ad_select).
    static func megabits(code: UInt16) -> Int {
        Int(code) < speeds.count ? speeds[Int(code)] : 0
    }

    /// Mbit/s by code, as the newest kernels number them (older ones lack some speeds,
    /// so their codes for 10G and up are smaller).
    static let speeds = [
        0, 1, 10, 100, 1000, 2500, 5000, 10000, 14000, 20000, 25000, 40000, 50000, 56000, 80000, 100_000, 200_000,
        400_000, 800_000, 1_600_000,
    ]

    static let duplexMask: UInt16 = 0x01
    static let speedMask: UInt16 = 0x3E

    static func key(user: UInt16, megabits: Int, fullDuplex: Bool, linkUp: Bool) -> UInt16 {
        guard linkUp else { return user << 6 }
        return user << 6 | speedCode(megabits: megabits) << 1 | (fullDuplex ? 1 : 0)
    }
}
