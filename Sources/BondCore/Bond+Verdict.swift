/// The link monitor's conclusion for a member, in the words `bondctl show` prints.
extension Bond {
    public func verdict(of i: Int, at now: Instant) -> String {
        let m = members[i]
        if m.adminDisabled { return "disabled by administrator" }
        // Within downdelay the carrier is already gone: say when the member goes down.
        if m.link == .fail && probe == nil {
            return "carrier lost, down in \(m.monitor.deadline.map { $0.milliseconds(since: now) } ?? 0) ms (downdelay)"
        }
        if !m.monitor.carrier { return "down: no carrier" }
        if let probe {
            return "\(m.link == .back ? "probing" : m.link.rawValue): \(probe.records[i].reason)"
        }
        switch m.link {
        case .back: return "carrier back, up in \(m.monitor.deadline.map { $0.milliseconds(since: now) } ?? 0) ms (updelay)"
        default: return options.miimon > 0 ? "carrier up" : "up (no link monitoring)"
        }
    }
}
