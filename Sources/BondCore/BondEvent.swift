/// What changed in a bond, for the engine to act on and for the log.
public enum BondEvent: Equatable, Sendable {
    case link(member: Int, LinkTransition)
    /// A new active member (nil: none left). `reason` says why, for logs and `show`.
    case activeChanged(from: Int?, to: Int?, reason: String)
    /// The bond device's carrier: up while at least one member is up.
    case carrier(up: Bool)
    /// Send gratuitous ARPs and unsolicited NAs for the bond's addresses on `member`.
    case notifyPeers(member: Int)
    /// Send an ARP request or Neighbor Solicitation to every monitor target on `member`
    /// (and report it with `Bond.probed`).
    case probe(member: Int)
    /// Re-send IGMP/MLD membership reports for the groups joined on the bond (resend_igmp),
    /// on the active member, or any usable one in modes without.
    case resendMulticastReports
    /// The ARP/NS monitor starts judging members, or stops until probes can be
    /// answered again (`reason`), for the log.
    case probeMonitor(judging: Bool, reason: String)
}
