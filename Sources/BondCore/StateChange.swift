/// One state change of a bond as a user follows it (`bondctl events`): a member's link,
/// the active member, carrier, membership, options, the bond device set up or down.
/// One JSON object per line.
public struct StateChange: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case link, active, carrier, member, options, migrate, monitor, device
        /// 802.3ad: selected, attached, collecting-distributing, expired, defaulted, churn.
        case lacp
    }
    /// Numbered from 1 per bond, so a follower sees whether it missed any.
    public var sequence: UInt64
    /// CLOCK_REALTIME and CLOCK_MONOTONIC, in nanoseconds.
    public var unixNanoseconds: UInt64
    public var monotonicNanoseconds: UInt64
    public var bond: String
    public var kind: Kind
    public var member: String?
    public var message: String

    enum CodingKeys: String, CodingKey {
        case sequence, bond, kind, member, message
        case unixNanoseconds = "time_ns"
        case monotonicNanoseconds = "monotonic_ns"
    }

    public init(
        sequence: UInt64, unixNanoseconds: UInt64, monotonicNanoseconds: UInt64, bond: String,
        kind: Kind, member: String?, message: String
    ) {
        self.sequence = sequence; self.unixNanoseconds = unixNanoseconds
        self.monotonicNanoseconds = monotonicNanoseconds; self.bond = bond
        self.kind = kind; self.member = member; self.message = message
    }
}
