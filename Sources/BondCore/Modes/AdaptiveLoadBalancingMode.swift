/// balance-alb (mode 6): balance-tlb for what we send, plus receive load balancing
/// (`ClientTable`): our ARP replies and Neighbor Advertisements leave on the client's
/// member carrying that member's MAC. Unicast is received on every member, broadcast and multicast on
/// the active one. Bridged guests' frames are placed per VIF, as in balance-tlb, so
/// the mode keeps working when the bond is a bridge port.
public struct AdaptiveLoadBalancingMode: BondingModePolicy {
    public var tlb: TransmitLoadBalancingMode
    public let clients: ClientTable

    public init(tlb: TransmitLoadBalancingMode, clientCapacity: Int) {
        self.tlb = tlb
        clients = ClientTable(capacity: clientCapacity)
    }

    public mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        if frame.source == members.bondMAC, let r = ClientTable.Resolution(frame) {
            guard let m = clients.outgoing(r, vlan: frame.vlanID, usable: members.usable) else {
                return members.active.map { .member($0) } ?? .drop
            }
            return m == members.active ? .member(m) : .memberAnnouncingOwnMAC(m)
        }
        return tlb.transmitTarget(for: frame, members: members)
    }

    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool {
        if let r = ClientTable.Resolution(frame) { clients.incoming(r) }
        if SourceLoadBalancingMode.isReflected(frame, table: tlb.vifs) { return false }
        if frame.destination.isMulticast { return member == members.active || tlb.allSlavesActive }
        return true
    }
}
