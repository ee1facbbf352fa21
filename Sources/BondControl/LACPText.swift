import BondCore

/// 802.3ad's blocks of `bondctl show`, as /proc/net/bonding prints them (bond_procfs.c),
/// with bondd's machine states, convergence time and slow-protocols counters after.
enum LACPText {
    static func bond(_ l: LACPBondStatus, name: String) -> String {
        var out = "\n802.3ad info\n"
        out += "LACP active: \(l.lacpActive ? "on" : "off")\n"
        out += "LACP rate: \(l.lacpRate)\n"
        out += "Min links: \(l.minLinks)\n"
        out += "Aggregator selection policy (ad_select): \(l.adSelect)\n"
        out += "System priority: \(l.systemPriority)\n"
        out += "System MAC address: \(l.systemMAC)\n"
        if let a = l.activeAggregator {
            out += "Active Aggregator Info:\n"
            out += "\tAggregator ID: \(a.id)\n"
            out += "\tNumber of ports: \(a.ports)\n"
            out += "\tActor Key: \(a.actorKey)\n"
            out += "\tPartner Key: \(a.partnerKey)\n"
            out += "\tPartner Mac Address: \(a.partnerMAC)\n"
        } else {
            out += "bond \(name) has no active aggregator\n"
        }
        if l.fallbackActiveBackup { out += "LACP fallback: active-backup\n" }
        return out
    }

    static func member(_ m: LACPMemberStatus) -> String {
        guard let id = m.aggregatorID else { return "Aggregator ID: N/A\n" + machines(m) }
        var out = "Aggregator ID: \(id)\n"
        out += "Actor Churn State: \(m.actorChurnState)\n"
        out += "Partner Churn State: \(m.partnerChurnState)\n"
        out += "Actor Churned Count: \(m.actorChurnedCount)\n"
        out += "Partner Churned Count: \(m.partnerChurnedCount)\n"
        out += "details actor lacp pdu:\n" + details(m.actor, key: "port key")
        out += "details partner lacp pdu:\n" + details(m.partner, key: "oper key")
        return out + machines(m)
    }

    private static func details(_ d: LACPPortDetails, key: String) -> String {
        "    system priority: \(d.systemPriority)\n" + "    system mac address: \(d.systemMAC)\n" + "    \(key): \(d.key)\n"
            + "    port priority: \(d.portPriority)\n" + "    port number: \(d.portNumber)\n"
            + "    port state: \(d.portState) (\(d.stateBits.joined(separator: " ")))\n"
    }

    /// bondd's own lines: the machines, convergence and the kernel's 802.3ad counters.
    private static func machines(_ m: LACPMemberStatus) -> String {
        let converged = m.convergenceMilliseconds.map { ", converged in \($0) ms" } ?? ""
        var out = "LACP: rx \(m.receiveState), mux \(m.muxState)\(m.selected ? ", selected" : "")\(converged)\n"
        let c = m.counters
        out += "LACPDUs rx \(c.lacpduRx) tx \(c.lacpduTx) unknown \(c.lacpduUnknownRx) illegal \(c.lacpduIllegalRx); "
        out +=
            "markers rx \(c.markerRx) tx \(c.markerTx), responses rx \(c.markerResponseRx) tx \(c.markerResponseTx), unknown \(c.markerUnknownRx)\n"
        return out
    }
}
