/// The eight state bits an LACP actor or partner reports (IEEE 802.1AX 6.4.2.3), as
/// bond_3ad.h numbers them; /proc/net/bonding prints the byte as a decimal.
public struct LACPState: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Active LACP: sends periodically rather than only when spoken to.
    public static let activity = LACPState(rawValue: 0x01)
    /// Short timeout: asks the partner to send every second (lacp_rate=fast).
    public static let shortTimeout = LACPState(rawValue: 0x02)
    /// The port may aggregate (it is not an individual link).
    public static let aggregation = LACPState(rawValue: 0x04)
    public static let synchronization = LACPState(rawValue: 0x08)
    public static let collecting = LACPState(rawValue: 0x10)
    public static let distributing = LACPState(rawValue: 0x20)
    /// The partner's values are the administrative defaults: no LACPDU came in time.
    public static let defaulted = LACPState(rawValue: 0x40)
    public static let expired = LACPState(rawValue: 0x80)

    /// The bits by name, lowest first, as Open vSwitch's lacp/show lists them.
    public var names: [String] {
        let all: [(LACPState, String)] = [
            (.activity, "activity"), (.shortTimeout, "timeout"), (.aggregation, "aggregation"),
            (.synchronization, "synchronized"), (.collecting, "collecting"), (.distributing, "distributing"),
            (.defaulted, "defaulted"), (.expired, "expired"),
        ]
        return all.filter { contains($0.0) }.map(\.1)
    }
}
