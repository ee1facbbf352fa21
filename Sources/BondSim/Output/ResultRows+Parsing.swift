import Foundation

/// Reading results back: the JSON array or the CSV a bench script printed.
extension ResultRows {
    /// A file that is not results: one line for the user.
    public struct Refusal: Error, Equatable {
        public var message: String
    }

    /// A JSON array of objects, or CSV with a header line.
    public init(parsing data: Data) throws(Refusal) {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("[") {
            guard let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                throw Refusal(message: "not a JSON array of results")
            }
            // JSONSerialization forgets the keys' order: the bench scripts' order is bench, time, then fields.
            let order = Self.keyOrder(in: text)
            self.init(
                rows: array.map { object in
                    object.keys.sorted { (order[$0] ?? .max, $0) < (order[$1] ?? .max, $1) }.map { k in
                        let v = object[k]!
                        if let n = v as? NSNumber { return (k, .number(n.doubleValue)) }
                        return (k, .text("\(v)"))
                    }
                })
            return
        }
        let lines = text.split(separator: "\n").map { Self.csvFields(String($0)) }
        guard let header = lines.first, !header.isEmpty else { throw Refusal(message: "neither a JSON array nor CSV with a header") }
        self.init(
            rows: lines.dropFirst().map { fields in
                zip(header, fields).filter { !$0.1.isEmpty }.map { k, v in (k, Double(v).map { .number($0) } ?? .text(v)) }
            })
    }

    /// Where each key first appears in the text.
    static func keyOrder(in text: String) -> [String: Int] {
        var order: [String: Int] = [:]
        var n = 0
        var rest = Substring(text)
        while let q = rest.firstIndex(of: "\"") {
            let after = rest[rest.index(after: q)...]
            guard let end = after.firstIndex(of: "\"") else { break }
            let word = String(after[..<end])
            rest = after[after.index(after: end)...]
            if rest.drop(while: { $0 == " " }).first == ":" && order[word] == nil {
                order[word] = n
                n += 1
            }
        }
        return order
    }

    /// One CSV line's fields, with double-quoted fields.
    static func csvFields(_ line: String) -> [String] {
        var out: [String] = []
        var field = ""
        var quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            switch c {
            case "\"" where quoted: quoted = false
            case "\"" where field.isEmpty: quoted = true
            case "," where !quoted:
                out.append(field)
                field = ""
            default: field.append(c)
            }
        }
        out.append(field)
        return out
    }
}
