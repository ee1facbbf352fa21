import BondCore

/// The switch the members plug into, as far as bonding cares: it learns which port
/// each source MAC is behind, forwards known unicast there and floods the rest. A MAC
/// learned on another port than before is a MAC move (what per-VIF rebalancing,
/// balance-tlb's learning frames and failovers cost the switch). For modes that need
/// the members' ports aggregated (`needsSwitchAggregation`) the ports are one: the
/// switch's own hash picks the member of the aggregate.
public struct LearningSwitch: Sendable {
    var table: [MACAddress: Int] = [:]
    public private(set) var moves = 0
    public let aggregated: Bool
    /// The aggregate's port number in the table.
    static let aggregate = -1

    public init(aggregated: Bool = false) { self.aggregated = aggregated }

    /// A frame from `mac` arrived from member `port`.
    public mutating func learn(_ mac: MACAddress, on member: Int) {
        guard !mac.isMulticast else { return }
        let port = aggregated ? Self.aggregate : member
        if let old = table.updateValue(port, forKey: mac), old != port { moves += 1 }
    }

    /// The member a frame to `mac` of flow `flow` goes out on, among `members`
    /// (those with link); nil: flooded to every member (unknown or multicast, where an
    /// aggregate also sends one copy, on the member its hash picks).
    public func member(for mac: MACAddress, flow: UInt64, among members: [Int]) -> [Int] {
        guard !members.isEmpty else { return [] }
        if aggregated { return [members[Int(flow % UInt64(members.count))]] }
        guard !mac.isMulticast, let m = table[mac] else { return members }
        return members.contains(m) ? [m] : []
    }
}
