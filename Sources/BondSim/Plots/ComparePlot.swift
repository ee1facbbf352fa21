import Foundation

/// Several policies over one trace: above, each policy's imbalance over time (max/mean
/// of the usable members' load per interval; 1 is even), with the scripted events;
/// below, each member's share of the bytes, grouped by policy, the even share marked.
public enum ComparePlot {
    public static func svg(_ runs: [RunReport]) -> String {
        let left = 70.0, top = 50.0, lineHeight = 220.0, barsTop = top + lineHeight + 110, barHeight = 220.0, groupWidth = 130.0
        let w = max(left + Double(max(runs.count, 1)) * groupWidth, 760) + 170
        var svg = SVGDocument(width: w, height: barsTop + barHeight + 80)
        imbalanceOverTime(&svg, runs, left: left, top: top, width: w - left - 170, height: lineHeight)
        shares(&svg, runs, left: left, top: barsTop, width: w - left - 170, height: barHeight, groupWidth: groupWidth)
        return svg.rendered
    }

    /// Max/mean per interval among the members usable in it (nil: no traffic).
    static func imbalance(_ r: RunReport) -> [Double?] {
        zip(r.series.bytes, r.series.usableMembers).map { row, usable in
            BalanceFigures.peakToMean(usable.map { Double($0 < row.count ? row[$0] : 0) })
        }
    }

    static func imbalanceOverTime(_ svg: inout SVGDocument, _ runs: [RunReport], left: Double, top: Double, width: Double, height: Double) {
        svg.text("imbalance over time: max/mean load of the usable members per interval (1 is even)", x: left, y: top - 24, size: 15)
        let series = runs.map(imbalance)
        let bins = series.map(\.count).max() ?? 0
        guard bins > 0, let interval = runs.first?.series.intervalSeconds else { return }
        let span = Double(bins) * interval
        let peak = max(series.flatMap { $0.compactMap { $0 } }.max() ?? 1, 1.05)
        let step = SVGDocument.step(for: peak - 1, ticks: 4)
        let yMax = 1 + ceil((peak - 1) / step) * step
        func x(_ t: Double) -> Double { left + width * t / span }
        func y(_ v: Double) -> Double { top + height - height * (v - 1) / (yMax - 1) }
        svg.line(x1: left, y1: top + height, x2: left + width, y2: top + height)
        var v = 1.0
        while v <= yMax + step / 2 {
            svg.line(x1: left - 4, y1: y(v), x2: left + width, y2: y(v), stroke: "#ddd")
            svg.text(String(format: "%.2f", v), x: left - 7, y: y(v) + 4, size: 11, anchor: .end)
            v += step
        }
        let tStep = SVGDocument.step(for: span, ticks: 8)
        var t = 0.0
        while t <= span + tStep / 2 {
            svg.text(RunPlot.label(t), x: x(t), y: top + height + 16, size: 11, anchor: .middle)
            t += tStep
        }
        svg.text("time (s)", x: left + width / 2, y: top + height + 32, size: 12, anchor: .middle)
        for (k, s) in series.enumerated() {
            // A gap in the line where an interval had no traffic.
            var run: [(Double, Double)] = []
            for (b, value) in s.enumerated() {
                if let value {
                    run.append((x((Double(b) + 0.5) * interval), y(value)))
                } else {
                    svg.polyline(run, stroke: SVGDocument.colour(k), width: 1.2)
                    run = []
                }
            }
            svg.polyline(run, stroke: SVGDocument.colour(k), width: 1.2)
            svg.rect(x: left + width + 15, y: top + Double(k) * 18, width: 12, height: 12, fill: SVGDocument.colour(k))
            svg.text(runs[k].policy, x: left + width + 32, y: top + 11 + Double(k) * 18, size: 11)
        }
        for e in runs.first?.events ?? [] {
            svg.line(x1: x(e.atSeconds), y1: top, x2: x(e.atSeconds), y2: top + height, stroke: "#b00", dashed: true)
            svg.text(e.event, x: x(e.atSeconds) + 3, y: top + 12, size: 11, fill: "#b00")
        }
    }

    static func shares(_ svg: inout SVGDocument, _ runs: [RunReport], left: Double, top: Double, width: Double, height: Double, groupWidth: Double) {
        svg.text("share of bytes per member over the run, by policy (Jain's index above)", x: left, y: top - 28, size: 15)
        let maxShare = min(1, (runs.flatMap { $0.members.map(\.byteShare) }.max() ?? 1) * 1.15)
        let step = SVGDocument.step(for: maxShare)
        func y(_ v: Double) -> Double { top + height - height * v / maxShare }
        let right = left + Double(runs.count) * groupWidth
        svg.line(x1: left, y1: top + height, x2: right, y2: top + height)
        var v = 0.0
        while v <= maxShare + 1e-9 {
            svg.line(x1: left - 4, y1: y(v), x2: right, y2: y(v), stroke: "#ddd")
            svg.text(String(Int((v * 100).rounded())) + "%", x: left - 7, y: y(v) + 4, size: 11, anchor: .end)
            v += step
        }
        var names: [String] = []
        for (g, r) in runs.enumerated() {
            let n = max(r.members.count, 1)
            let x0 = left + Double(g) * groupWidth + 10
            let barWidth = (groupWidth - 30) / Double(n)
            for (i, m) in r.members.enumerated() {
                svg.rect(
                    x: x0 + Double(i) * barWidth, y: y(m.byteShare), width: barWidth - 2, height: top + height - y(m.byteShare),
                    fill: SVGDocument.colour(i))
                if !names.contains(m.name) { names.append(m.name) }
            }
            svg.line(x1: x0 - 3, y1: y(1 / Double(n)), x2: x0 + groupWidth - 17, y2: y(1 / Double(n)), stroke: "#444", dashed: true)
            svg.text(
                r.imbalance.jainIndex.map { "Jain " + String(format: "%.3f", $0) } ?? "", x: x0 + (groupWidth - 30) / 2, y: top - 6, size: 10,
                anchor: .middle)
            for (k, word) in wrap(r.policy, 18).prefix(4).enumerated() {
                svg.text(word, x: x0 + (groupWidth - 30) / 2, y: top + height + 16 + Double(k) * 13, size: 10, anchor: .middle)
            }
        }
        for (i, name) in names.enumerated() {
            svg.rect(x: left + width + 15, y: top + Double(i) * 18, width: 12, height: 12, fill: SVGDocument.colour(i))
            svg.text(name, x: left + width + 32, y: top + 11 + Double(i) * 18)
        }
    }

    static func wrap(_ s: String, _ width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in s.split(separator: " ") {
            if !line.isEmpty && line.count + word.count + 1 > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
