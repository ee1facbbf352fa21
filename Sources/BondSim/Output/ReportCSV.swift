import Foundation

/// Time series and comparisons as CSV, for plotting elsewhere.
public enum ReportCSV {
    /// One row per interval and member: `policy,time_s,member,frames,bytes,byte_share`.
    public static func series(_ runs: [RunReport]) -> String {
        var out = "policy,time_s,member,frames,bytes,byte_share\n"
        for r in runs {
            for (b, row) in r.series.bytes.enumerated() {
                let total = row.reduce(0, +)
                for (i, bytes) in row.enumerated() where i < r.members.count {
                    let t = Double(b) * r.series.intervalSeconds
                    out += "\(quoted(r.policy)),\(String(format: "%.6f", t)),\(quoted(r.members[i].name)),\(r.series.frames[b][i]),\(bytes),"
                    out += String(format: "%.6f", total > 0 ? Double(bytes) / Double(total) : 0) + "\n"
                }
            }
        }
        return out
    }

    static func quoted(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
