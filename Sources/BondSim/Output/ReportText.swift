import Foundation

/// A run, and runs side by side, as people read them in a terminal.
public enum ReportText {
    public static func run(_ r: RunReport) -> String {
        var out = "\(r.policy): \(r.frames) frames (\(r.direction)), \(seconds(r.durationSeconds))\n"
        // tx and auto: what the bond sent; rx and auto: what it received and took.
        let sent = r.direction != "rx", received = r.direction != "tx"
        var rows = [
            ["member", sent ? "frames" : "admitted", "share", "bytes", "share", "lost", "announce"]
                + (received ? ["received", "admitted", "alb-clients"] : [])
        ]
        for m in r.members {
            rows.append(
                [
                    m.name, String(sent ? m.txFrames : m.rxAdmitted), percent(m.frameShare), String(sent ? m.txBytes : m.rxAdmittedBytes),
                    percent(m.byteShare), String(m.lostFrames), String(m.announcements),
                ] + (received ? [String(m.rxFrames), String(m.rxAdmitted), String(m.albClients)] : []))
        }
        out += table(rows)
        let i = r.imbalance
        out += "imbalance: peak/mean \(fixed(i.peakToMean, 3)), CoV \(fixed(i.coefficientOfVariation, 3)), Jain \(fixed(i.jainIndex, 4))"
        out +=
            " (per \(seconds(r.series.intervalSeconds)) interval among usable members: peak/mean \(fixed(i.meanIntervalPeakToMean, 3)), Jain \(fixed(i.meanIntervalJainIndex, 3)))\n"
        let f = r.flows
        out +=
            "flows: \(f.count), \(f.flowsOnSeveralMembers) on several members (\(f.memberChanges) changes); reordered \(percent(f.reorderedRatio, 3)) (\(f.reorderedPackets) packets in \(f.reorderedFlows) flows)\n"
        out +=
            "failovers \(r.failovers), MAC moves \(r.macMoves) (\(fixed(r.macMovesPerMinute, 1))/min), dropped \(r.dropped), unparsed \(r.unparsed)\n"
        if !r.events.isEmpty {
            out += "events:\n"
            for e in r.events {
                out += "  \(pad(seconds(e.atSeconds), 9)) \(e.event): "
                if let why = e.refused {
                    out += "refused: \(why)\n"
                } else {
                    out += "\(e.flowsMoved) of \(e.flowsCompared) flows moved, \(e.flowsForced) had to (\(e.flowsNeedlesslyMoved) needlessly); "
                    out += "\(e.lostFrames) frames lost"
                    if let w = e.failoverWindowMs {
                        out += String(format: "; failover window %.1f ms", w) + (e.lostAtRate.map { " (\($0) frames at the given rate)" } ?? "")
                    }
                    out += "\n"
                }
            }
        }
        if !r.timeline.isEmpty {
            out += "timeline:\n"
            for t in r.timeline.prefix(40) { out += "  \(pad(seconds(t.atSeconds), 9)) \(t.what)\n" }
            if r.timeline.count > 40 { out += "  ... \(r.timeline.count - 40) more (--json has them all)\n" }
        }
        return out
    }

    /// Runs of several policies over one trace: a row each.
    public static func compare(_ runs: [RunReport]) -> String {
        table([compareHeader] + runs.map(compareRow))
    }

    /// The same table in Markdown (for READMEs and studies).
    public static func compareMarkdown(_ runs: [RunReport]) -> String {
        let rows = [compareHeader] + runs.map(compareRow)
        var out = "| " + compareHeader.joined(separator: " | ") + " |\n"
        out += "|---" + String(repeating: "|---:", count: compareHeader.count - 1) + "|\n"
        for row in rows.dropFirst() { out += "| " + row.joined(separator: " | ") + " |\n" }
        return out
    }

    static let compareHeader = [
        "policy", "peak/mean per interval", "Jain per interval", "peak/mean, run", "Jain, run", "reordered", "flows moved at events",
        "needlessly", "frames lost", "MAC moves/min",
    ]

    static func compareRow(_ r: RunReport) -> [String] {
        let moved = r.events.reduce(0) { $0 + $1.flowsMoved }
        let compared = r.events.reduce(0) { $0 + $1.flowsCompared }
        let needless = r.events.reduce(0) { $0 + $1.flowsNeedlesslyMoved }
        let lost = r.members.reduce(0) { $0 + $1.lostFrames }
        let i = r.imbalance
        return [
            r.policy, fixed(i.meanIntervalPeakToMean, 3), fixed(i.meanIntervalJainIndex, 3), fixed(i.peakToMean, 3), fixed(i.jainIndex, 3),
            percent(r.flows.reorderedRatio, 3), "\(moved) of \(compared)", String(needless), String(lost), fixed(r.macMovesPerMinute, 1),
        ]
    }

    static func table(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = Array(repeating: 0, count: first.count)
        for row in rows { for (k, c) in row.enumerated() where k < widths.count { widths[k] = max(widths[k], c.count) } }
        return rows.map { row in
            row.enumerated().map { k, c in k == 0 ? c.padding(toLength: widths[k], withPad: " ", startingAt: 0) : pad(c, widths[k]) }.joined(
                separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
    static func fixed(_ v: Double?, _ digits: Int) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "-" }
    static func percent(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f%%", v * 100) }
    static func seconds(_ s: Double) -> String { s < 10 ? String(format: "%.3f s", s) : String(format: "%.1f s", s) }
}
