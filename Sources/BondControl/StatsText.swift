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
    /// are added. Within `width` columns (a terminal's), when the whole table is wider:
    /// the compact table (`renderCompact`).
    public static func render(_ s: BondStatus, previous: BondStatus? = nil, seconds: Double = 0, width: Int? = nil) -> String {
        let whole = renderWhole(s, previous: previous, seconds: seconds)
        guard let width, whole.split(separator: "\n").contains(where: { $0.count > width }) else { return whole }
        return renderCompact(s, previous: previous, seconds: seconds)
    }

    private static func title(_ s: BondStatus) -> String {
        var out = "\(s.name)  \(s.mode.kernelName)  carrier \(s.carrier)"
        if let a = s.activeMember { out += "  active \(a)" }
        return out + "  failovers \(s.failovers)\n"
    }

    /// For 80 columns: rates when watching, totals otherwise (bytes in units), and the
    /// member's drops of every kind in one column; the bond's refusals on two lines.
    public static func renderCompact(_ s: BondStatus, previous: BondStatus? = nil, seconds: Double = 0) -> String {
        var out = title(s)
        let watching = previous != nil
        let header =
            watching
            ? ["MEMBER", "STATE", "LINK", "RX PPS", "RX RATE", "TX PPS", "TX RATE", "DROPS"]
            : ["MEMBER", "STATE", "LINK", "RX PKTS", "RX BYTES", "TX PKTS", "TX BYTES", "DROPS"]
        var total = MemberStatus.zero(named: "total")
        var totalBefore = MemberStatus.zero(named: "total")
        func row(_ m: MemberStatus, state: String, link: String, since old: MemberStatus?) -> [String] {
            let drops = "\(m.rxDrops + m.rxMissed + m.txDrops)"
            if watching {
                let r = rateColumns(rates(m, since: old, seconds: seconds))
                return [m.name, state, link, r[0], r[1], r[2], r[3], drops]
            }
            return [m.name, state, link, "\(m.rxPackets)", bytes(m.rxBytes), "\(m.txPackets)", bytes(m.txBytes), drops]
        }
        var rows: [[String]] = []
        for m in s.members {
            let old = previous?.members.first { $0.name == m.name }
            rows.append(row(m, state: m.state, link: m.link, since: old))
            total.add(m)
            totalBefore.add(old ?? m)
        }
        rows.append(row(total, state: "", link: "", since: totalBefore))
        out += table(header, rows)
        if s.lacp != nil {
            let lacpRows = s.members.compactMap { m -> [String]? in
                guard let l = m.lacp else { return nil }
                return [
                    m.name, l.aggregatorID.map(String.init) ?? "-", l.muxState, l.receiveState, "\(l.counters.lacpduRx)",
                    "\(l.counters.lacpduTx)", l.convergenceMilliseconds.map { "\($0) ms" } ?? "-",
                ]
            }
            out += "802.3ad:\n" + table(["MEMBER", "AGG", "MUX", "PARTNER", "LACPDU RX", "TX", "CONVERGED"], lacpRows)
        }
        let c = s.counters
        out += "refused: runt \(c.runt), truncated \(c.truncated), oversize \(c.oversize), no member \(c.noMember)\n"
        out += "not taken by the bond device \(c.deliveryDrops); missed from the host \(c.deviceMissed)\n"
        return out
    }

    /// 1234567 -> "1.23 MB".
    public static func bytes(_ v: Int) -> String {
        let d = Double(v)
        switch d {
        case 1e12...: return String(format: "%.2f TB", d / 1e12)
        case 1e9...: return String(format: "%.2f GB", d / 1e9)
        case 1e6...: return String(format: "%.2f MB", d / 1e6)
        case 1e3...: return String(format: "%.2f kB", d / 1e3)
        default: return "\(v) B"
        }
    }

    private static func renderWhole(_ s: BondStatus, previous: BondStatus?, seconds: Double) -> String {
        var out = title(s)
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

    /// `text` cut to a terminal of `rows` lines, so that redrawing in place never
    /// scrolls: the last line says how many were left out.
    public static func fitting(_ text: String, rows: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0)
        guard lines.count > rows - 1, rows >= 3 else { return text }
        let kept = lines.prefix(rows - 2)
        return kept.joined(separator: "\n") + "\n… \(lines.count - kept.count) more lines (a taller terminal shows them)\n"
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
