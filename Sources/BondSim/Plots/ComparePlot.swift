/// Several policies over one trace: each member's share of the bytes, grouped by
/// policy, with the even share marked, and Jain's index over each group.
public enum ComparePlot {
    public static func svg(_ runs: [RunReport]) -> String {
        let left = 70.0, top = 50.0, height = 300.0, groupWidth = 130.0
        let w = left + Double(max(runs.count, 1)) * groupWidth + 160
        var svg = SVGDocument(width: w, height: top + height + 110)
        svg.text("share of bytes per member, by policy", x: left, y: 24, size: 15)
        let maxShare = min(1, (runs.flatMap { $0.members.map(\.byteShare) }.max() ?? 1) * 1.15)
        let step = SVGDocument.step(for: maxShare)
        func y(_ v: Double) -> Double { top + height - height * v / maxShare }
        svg.line(x1: left, y1: top + height, x2: w - 150, y2: top + height)
        var v = 0.0
        while v <= maxShare + 1e-9 {
            svg.line(x1: left - 4, y1: y(v), x2: w - 150, y2: y(v), stroke: "#ddd")
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
            svg.rect(x: w - 140, y: top + Double(i) * 18, width: 12, height: 12, fill: SVGDocument.colour(i))
            svg.text(name, x: w - 122, y: top + 11 + Double(i) * 18)
        }
        return svg.rendered
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
