import Foundation
import BondCore

/// `bondctl stats`: per-member and per-bond counters as a table, with rates when an
/// earlier snapshot of the same bond is given.
public enum StatsText {
    /// Per-second rates between two snapshots of one member's counters.
    public struct Rates: Equatable, Sendable, Codable {
        public var rxPPS: Double, rxBitsPerSecond: Double, txPPS: Double, txBitsPerSecond: Double
        public init(rxPPS: Double, rxBitsPerSecond: Double, txPPS: Double, txBitsPerSecond: Double) {
            self.rxPPS = rxPPS; self.rxBitsPerSecond = rxBitsPerSecond; self.txPPS = txPPS; self.txBitsPerSecond = txBitsPerSecond
        }
        enum CodingKeys: String, CodingKey {
            case rxPPS = "rx_pps", rxBitsPerSecond = "rx_bps", txPPS = "tx_pps", txBitsPerSecond = "tx_bps"
        }
    }

    public static func rates(_ now: MemberStatus, since before: MemberStatus?, seconds: Double) -> Rates? {
        guard let before, seconds > 0, before.name == now.name,
            now.rxPackets >= before.rxPackets, now.txPackets >= before.txPackets
        else { return nil }
        return Rates(
            rxPPS: Double(now.rxPackets - before.rxPackets) / seconds,
            rxBitsPerSecond: Double(now.rxBytes - before.rxBytes) * 8 / seconds,
            txPPS: Double(now.txPackets - before.txPackets) / seconds,
            txBitsPerSecond: Double(now.txBytes - before.txBytes) * 8 / seconds)
    }

    /// One bond's table. With `previous` (the same bond `seconds` earlier) rate columns
    /// are added.
    public static func render(_ s: BondStatus, previous: BondStatus? = nil, seconds: Double = 0) -> String {
        var out = "\(s.name)  \(s.mode.kernelName)  carrier \(s.carrier)"
        if let a = s.activeMember { out += "  active \(a)" }
        out += "  failovers \(s.failovers)\n"
        let watching = previous != nil
        var header = ["MEMBER", "STATE", "LINK", "RX PKTS", "RX BYTES", "RX DROPS", "RX MISSED", "TX PKTS", "TX BYTES", "TX DROPS"]
        if watching { header += ["RX PPS", "RX RATE", "TX PPS", "TX RATE"] }
        var rows: [[String]] = []
        var total = MemberStatus.zero(named: "total")
        var totalBefore = MemberStatus.zero(named: "total")
        for m in s.members {
            var row = [
                m.name, m.state, m.link, "\(m.rxPackets)", "\(m.rxBytes)", "\(m.rxDrops)", "\(m.rxMissed)", "\(m.txPackets)", "\(m.txBytes)",
                "\(m.txDrops)",
            ]
            let old = previous?.members.first { $0.name == m.name }
            if watching { row += rateColumns(rates(m, since: old, seconds: seconds)) }
            rows.append(row)
            total.add(m)
            if let old { totalBefore.add(old) } else { totalBefore.add(m) }
        }
        var totalRow = [
            "total", "", "", "\(total.rxPackets)", "\(total.rxBytes)", "\(total.rxDrops)", "\(total.rxMissed)", "\(total.txPackets)",
            "\(total.txBytes)",
            "\(total.txDrops)",
        ]
        if watching { totalRow += rateColumns(rates(total, since: totalBefore, seconds: seconds)) }
        rows.append(totalRow)
        out += table(header, rows)
        if s.lacp != nil {
            let lacpHeader = ["MEMBER", "AGG", "MUX", "PARTNER", "LACPDU RX", "TX", "UNKNOWN", "ILLEGAL", "MARKER RX", "RESP TX", "CONVERGED"]
            let lacpRows = s.members.compactMap { m -> [String]? in
                guard let l = m.lacp else { return nil }
                let c = l.counters
                return [
                    m.name, l.aggregatorID.map(String.init) ?? "-", l.muxState, l.receiveState, "\(c.lacpduRx)", "\(c.lacpduTx)",
                    "\(c.lacpduUnknownRx)", "\(c.lacpduIllegalRx)", "\(c.markerRx)", "\(c.markerResponseTx)",
                    l.convergenceMilliseconds.map { "\($0) ms" } ?? "-",
                ]
            }
            out += "802.3ad:\n" + table(lacpHeader, lacpRows)
        }
        let c = s.counters
        out +=
            "refused: runt \(c.runt), truncated \(c.truncated), oversize \(c.oversize), no member \(c.noMember); not taken by the bond device \(c.deliveryDrops); missed from the host \(c.deviceMissed)\n"
        return out
    }

    private static func rateColumns(_ r: Rates?) -> [String] {
        guard let r else { return ["-", "-", "-", "-"] }
        return [String(format: "%.0f", r.rxPPS), bits(r.rxBitsPerSecond), String(format: "%.0f", r.txPPS), bits(r.txBitsPerSecond)]
    }

    /// 1234567 -> "1.23 Mbit/s", as iftop and friends print.
    public static func bits(_ v: Double) -> String {
        switch v {
        case 1e9...: return String(format: "%.2f Gbit/s", v / 1e9)
        case 1e6...: return String(format: "%.2f Mbit/s", v / 1e6)
        case 1e3...: return String(format: "%.2f kbit/s", v / 1e3)
        default: return String(format: "%.0f bit/s", v)
        }
    }

    /// Left-aligned names, right-aligned numbers.
    private static func table(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { i in max(header[i].count, rows.map { $0[i].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i < 3 ? c + pad : pad + c
            }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}

extension MemberStatus {
    static func zero(named name: String) -> MemberStatus {
        MemberStatus(
            name: name, link: "", linkState: "", state: "", linkFailures: 0, permanentMAC: "", speed: 0,
            lastChangeMillisecondsAgo: 0, txPackets: 0, txBytes: 0, txDrops: 0, rxPackets: 0, rxBytes: 0, rxDrops: 0)
    }

    mutating func add(_ m: MemberStatus) {
        txPackets += m.txPackets; txBytes += m.txBytes; txDrops += m.txDrops
        rxPackets += m.rxPackets; rxBytes += m.rxBytes; rxDrops += m.rxDrops; rxMissed += m.rxMissed
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
