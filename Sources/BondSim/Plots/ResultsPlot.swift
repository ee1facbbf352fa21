import Foundation

/// Benchmark results as pictures: for each group (a bench's test), a grouped bar chart
/// with a bar per figure for each row (untagged and VLAN, say, per backend), and the
/// ratios beside it against a line at 1.
public enum ResultsPlot {
    public static func svg(_ results: ResultRows) -> String {
        let groups = results.groups
        let left = 260.0, width = 560.0, rowHeight = 16.0
        var panels: [(title: String, labels: [String], series: [String], values: [[Double?]], ratio: Bool)] = []
        for g in groups {
            let numeric = ResultRows(rows: g.rows).keys.filter { k in
                !ResultRows.bookkeeping.contains(k) && g.rows.contains { r in r.first { $0.key == k }?.value.number != nil }
            }
            let labels = g.rows.map(ResultRows.label)
            for ratio in [false, true] {
                let series = numeric.filter { $0.contains("ratio") == ratio }
                guard !series.isEmpty else { continue }
                let values = g.rows.map { r in series.map { k in r.first { $0.key == k }?.value.number } }
                panels.append((g.title + (ratio ? ", ratios" : ""), labels, series, values, ratio))
            }
        }
        let heights = panels.map { Double($0.labels.count * $0.series.count) * rowHeight + Double($0.labels.count) * 6 + 70 }
        var svg = SVGDocument(width: left + width + 180, height: max(heights.reduce(0, +) + 20, 80))
        var top = 30.0
        for (p, h) in zip(panels, heights) {
            panel(&svg, p, left: left, top: top, width: width, rowHeight: rowHeight)
            top += h
        }
        if panels.isEmpty { svg.text("no results to plot", x: 20, y: 40, size: 14) }
        return svg.rendered
    }

    static func panel(
        _ svg: inout SVGDocument, _ p: (title: String, labels: [String], series: [String], values: [[Double?]], ratio: Bool),
        left: Double, top: Double, width: Double, rowHeight: Double
    ) {
        svg.text(p.title, x: 20, y: top, size: 14)
        let peak = max(p.values.flatMap { $0.compactMap { $0 } }.max() ?? 1, p.ratio ? 1.1 : 1e-9)
        let step = SVGDocument.step(for: peak)
        let xMax = ceil(peak / step) * step
        func x(_ v: Double) -> Double { left + width * v / xMax }
        let bodyTop = top + 14
        let bodyHeight = Double(p.labels.count * p.series.count) * rowHeight + Double(p.labels.count) * 6
        var v = 0.0
        while v <= xMax + step / 2 {
            svg.line(x1: x(v), y1: bodyTop, x2: x(v), y2: bodyTop + bodyHeight, stroke: "#e4e4e4")
            svg.text(RunPlot.label(v), x: x(v), y: bodyTop + bodyHeight + 14, size: 10, anchor: .middle)
            v += step
        }
        if p.ratio { svg.line(x1: x(1), y1: bodyTop, x2: x(1), y2: bodyTop + bodyHeight, stroke: "#444", dashed: true) }
        var y = bodyTop
        for (row, label) in p.labels.enumerated() {
            svg.text(label, x: left - 8, y: y + Double(p.series.count) * rowHeight / 2 + 4, size: 11, anchor: .end)
            for (k, value) in p.values[row].enumerated() {
                if let value {
                    svg.rect(x: left, y: y + 1, width: max(x(value) - left, 0.5), height: rowHeight - 2, fill: SVGDocument.colour(k))
                    svg.text(RunPlot.label(value), x: x(value) + 4, y: y + rowHeight - 4, size: 10)
                }
                y += rowHeight
            }
            y += 6
        }
        for (k, name) in p.series.enumerated() {
            svg.rect(x: left + width + 40, y: bodyTop + Double(k) * 18, width: 12, height: 12, fill: SVGDocument.colour(k))
            svg.text(name, x: left + width + 58, y: bodyTop + 11 + Double(k) * 18, size: 11)
        }
    }
}
