/// Rows of benchmark results as the bench scripts record them (`record K=V ...`): each
/// a bench name, a time, fields that name what was measured (strings) and figures
/// (numbers). `tools/bench-report` turns them into a Markdown table and plots.
public struct ResultRows: Sendable {
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case number(Double)
        case text(String)

        public var description: String {
            switch self {
            case .number(let v): v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
            case .text(let s): s
            }
        }
        public var number: Double? { if case .number(let v) = self { v } else { nil } }
    }

    public typealias Row = [(key: String, value: Value)]
    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    /// Fields that say when, not what: left out of plots.
    static let bookkeeping: Set<String> = ["bench", "time", "elapsed_s", "unit"]

    /// Every key in the order first seen.
    public var keys: [String] {
        var out: [String] = []
        for r in rows { for (k, _) in r where !out.contains(k) { out.append(k) } }
        return out
    }

    /// Rows grouped by what they measure (bench and test), in the order first seen.
    public var groups: [(title: String, rows: [Row])] {
        var order: [String] = []
        var byTitle: [String: [Row]] = [:]
        for r in rows {
            let bench = r.first { $0.key == "bench" }?.value.description ?? "results"
            let test = r.first { $0.key == "test" }?.value.description
            let unit = r.first { $0.key == "unit" }?.value.description
            let title = [bench, test].compactMap { $0 }.joined(separator: ": ") + (unit.map { " (\($0))" } ?? "")
            if byTitle[title] == nil { order.append(title) }
            byTitle[title, default: []].append(r)
        }
        return order.map { ($0, byTitle[$0]!) }
    }

    /// What names a row in a plot: its text fields but the group's own.
    static func label(_ r: Row) -> String {
        r.filter { if case .text = $0.value { !bookkeeping.contains($0.key) && $0.key != "test" } else { false } }
            .map(\.value.description).joined(separator: " ")
    }

    /// A Markdown table of every row, a column per key.
    public var markdown: String {
        let k = keys.filter { $0 != "time" && $0 != "elapsed_s" }
        var out = "| " + k.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: k.count) + "\n"
        for r in rows {
            out += "| " + k.map { key in r.first { $0.key == key }?.value.description ?? "" }.joined(separator: " | ") + " |\n"
        }
        return out
    }
}
