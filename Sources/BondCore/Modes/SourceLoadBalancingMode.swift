/// balance-slb: every frame from the host side is placed by its source MAC and VLAN
/// (`VIFTable`); unicast is received on every member, broadcast and multicast only on
/// the active one, and a frame that comes back with one of our own source MACs is our
/// own reflected by the switch and dropped (gratuitous ARP excepted).
public struct SourceLoadBalancingMode: BondingModePolicy {
    public let table = VIFTable()
    public init() {}

    public mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        guard let m = table.member(for: frame, usable: members.usable) else { return .drop }
        return .member(m)
    }

    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool {
        Self.admits(frame, on: member, members: members, table: table)
    }

    static func admits(_ frame: ParsedFrame, on member: Int, members: MemberView, table: VIFTable) -> Bool {
        if frame.destination.isMulticast && member != members.active { return false }
        return !isReflected(frame, table: table)
    }

    /// One of our own frames coming back (a switch flooding it to another member).
    static func isReflected(_ frame: ParsedFrame, table: VIFTable) -> Bool {
        guard table.isHostSide(frame.source, vlan: frame.vlanID) else { return false }
        if case .arp(let a) = frame.network, a.senderIP == a.targetIP { return false }
        return true
    }
}
