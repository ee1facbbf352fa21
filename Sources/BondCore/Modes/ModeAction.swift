/// What a mode asks the engine to do beyond the per-frame decision: the mode decides,
/// the engine carries it out on the members' sockets (as SwiftNIO's state machines
/// return actions rather than perform I/O).
public enum ModeAction: Equatable, Sendable {
    /// Guests' MACs that now leave on another member: one RARP each there, so
    /// switches learn the new port.
    case announce([VIFTable.Move])
    /// Every member sends a learning frame from the MAC it carries (balance-tlb's
    /// lp_interval), so switches keep each member's MAC on its port.
    case learningPackets
    /// Member `on` sends a learning frame from the MAC member `macOf` carries (the
    /// kernel's rlb_teach_disabled_mac_on_primary: peers still send to a dead member's
    /// MAC until they are taught another).
    case learningPacket(macOf: Int, on: Int)
    /// balance-alb: teach a client its member's MAC for our address.
    case teachClient(ClientTable.Client)
    /// Send a frame the mode built (a control frame) on a member.
    case send([UInt8], on: Int)
    /// Per-VIF MACs the table forgot: the XDP programs' map forgets them too.
    case forget(vifKeys: [UInt64])
    /// Member `i` now carries the bond's traffic where another did: announce the
    /// bond's addresses from it (gratuitous ARP, unsolicited NA), as after a failover.
    case notifyPeers(Int)
    /// A state change of the mode's own worth a line in the log and `bondctl events`.
    case record(StateChange.Kind, member: Int?, String)
    /// The mode's `transmitters` or `permitsCarrier` answer changed: the engine asks again.
    case membersChanged
}
