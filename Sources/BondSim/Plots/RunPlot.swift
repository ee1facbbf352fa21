import Foundation

/// One run as a picture: each member's load over time with the scripted events
/// marked, and below it the heaviest flows' member over time (a flow→member heat map:
/// a colour change in a row is a flow moved).
public enum RunPlot {
    public static func svg(_ r: RunReport) -> String {
        let w = 960.0, left = 70.0, right = 150.0, top = 40.0, loadHeight = 260.0
        let rows = r.flowMap.flows.count
        let rowHeight = rows > 0 ? max(3, min(10, 320 / Double(rows))) : 0
        let mapTop = top + loadHeight + 70
        let h = mapTop + Double(rows) * rowHeight + (rows > 0 ? 50 : 0)
        var svg = SVGDocument(width: w, height: h)
        let plotWidth = w - left - right
        let bins = max(r.series.bytes.count, 1)
        let span = Double(bins) * r.series.intervalSeconds
        svg.text("\(r.policy): load per member (\(r.direction))", x: left, y: 22, size: 15)

        // Load panel, in Mbit/s per interval.
        let mbps = r.series.bytes.map { row in row.map { Double($0) * 8 / r.series.intervalSeconds / 1e6 } }
        let peak = max(mbps.flatMap { $0 }.max() ?? 0, 1e-9)
        let step = SVGDocument.step(for: peak)
        let yMax = ceil(peak / step) * step
        func x(_ t: Double) -> Double { left + plotWidth * t / max(span, 1e-9) }
        func y(_ v: Double) -> Double { top + loadHeight - loadHeight * v / yMax }
        axes(&svg, left: left, top: top, width: plotWidth, height: loadHeight, span: span, yMax: yMax, yStep: step, yLabel: "Mbit/s")
        for i in r.members.indices {
            let points = mbps.enumerated().map { (b, row) in (x((Double(b) + 0.5) * r.series.intervalSeconds), y(i < row.count ? row[i] : 0)) }
            svg.polyline(points, stroke: SVGDocument.colour(i))
            svg.rect(x: w - right + 15, y: top + 10 + Double(i) * 18, width: 12, height: 12, fill: SVGDocument.colour(i))
            svg.text(r.members[i].name, x: w - right + 32, y: top + 21 + Double(i) * 18)
        }
        for (k, e) in r.events.enumerated() {
            let ex = x(e.atSeconds)
            svg.line(x1: ex, y1: top, x2: ex, y2: top + loadHeight, stroke: "#b00", dashed: true)
            svg.text(e.event, x: ex + 3, y: top + 12 + Double(k % 4) * 13, size: 11, fill: "#b00")
        }

        guard rows > 0 else { return svg.rendered }
        svg.text("the \(rows) heaviest flows: member per interval (grey: silent)", x: left, y: mapTop - 12, size: 13)
        let cell = plotWidth / Double(bins)
        for (row, members) in r.flowMap.members.enumerated() {
            // Runs of one member are drawn as one rectangle.
            var b = 0
            while b < members.count {
                var e = b
                while e + 1 < members.count && members[e + 1] == members[b] { e += 1 }
                svg.rect(
                    x: left + Double(b) * cell, y: mapTop + Double(row) * rowHeight, width: Double(e - b + 1) * cell, height: rowHeight,
                    fill: SVGDocument.colour(members[b]))
                b = e + 1
            }
        }
        for e in r.events {
            svg.line(x1: x(e.atSeconds), y1: mapTop, x2: x(e.atSeconds), y2: mapTop + Double(rows) * rowHeight, stroke: "#b00", dashed: true)
        }
        svg.text("time (s)", x: left + plotWidth / 2, y: h - 12, anchor: .middle)
        return svg.rendered
    }

    static func axes(
        _ svg: inout SVGDocument, left: Double, top: Double, width: Double, height: Double, span: Double, yMax: Double, yStep: Double, yLabel: String
    ) {
        svg.line(x1: left, y1: top + height, x2: left + width, y2: top + height)
        svg.line(x1: left, y1: top, x2: left, y2: top + height)
        var v = 0.0
        while v <= yMax + yStep / 2 {
            let yy = top + height - height * v / yMax
            svg.line(x1: left - 4, y1: yy, x2: left + width, y2: yy, stroke: "#ddd")
            svg.text(label(v), x: left - 7, y: yy + 4, size: 11, anchor: .end)
            v += yStep
        }
        let tStep = SVGDocument.step(for: span, ticks: 8)
        var t = 0.0
        while t <= span + tStep / 2 {
            let xx = left + width * t / max(span, 1e-9)
            svg.line(x1: xx, y1: top + height, x2: xx, y2: top + height + 4)
            svg.text(label(t), x: xx, y: top + height + 17, size: 11, anchor: .middle)
            t += tStep
        }
        svg.text(yLabel, x: left - 50, y: top + height / 2, size: 12, anchor: .middle, rotate: true)
        svg.text("time (s)", x: left + width / 2, y: top + height + 34, size: 12, anchor: .middle)
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        // Ratios and shares near 1 keep two decimals (0.95, 1.03); larger figures one.
        return String(format: abs(v) < 10 ? "%.2f" : "%.1f", v)
    }
}
