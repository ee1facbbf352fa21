/// /etc/network/interfaces as Debian's ifupdown reads it (interfaces(5)): `iface`
/// stanzas with their option lines, `auto`/`allow-*` lines, `\` continuations;
/// comments only where a line starts with `#`.
struct InterfacesFile {
    struct Stanza {
        var name: String
        var family: String
        var method: String
        var line: Int
        /// `(option, value, line)` in file order; an option may repeat (`pre-up`, `address`).
        var options: [(key: String, value: String, line: Int)] = []

        func values(_ key: String) -> [String] { options.filter { $0.key == key }.map(\.value) }
        func value(_ key: String) -> String? { options.last { $0.key == key }?.value }
    }

    var path: String
    var stanzas: [Stanza] = []
    /// `source` and `source-directory` lines: files this one pulls in, not read here.
    var sources: [(path: String, line: Int)] = []

    init(path: String, text: String) {
        self.path = path
        var logical: [(text: String, line: Int)] = []
        var pending: (text: String, line: Int)?
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(raw)
            if pending == nil, line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") { continue }
            let continues = line.hasSuffix("\\")
            if continues { line.removeLast() }
            if var p = pending { p.text += " " + line; pending = p } else { pending = (line, n + 1) }
            if !continues, let p = pending { logical.append(p); pending = nil }
        }
        if let p = pending { logical.append(p) }

        var current: Stanza?
        for (text, line) in logical {
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = words.first else { continue }
            switch first {
            case "iface":
                if let c = current { stanzas.append(c) }
                current = Stanza(
                    name: words.count > 1 ? words[1] : "", family: words.count > 2 ? words[2] : "inet",
                    method: words.count > 3 ? words[3] : "manual", line: line)
            case "auto", "mapping", "rename", "no-auto-down", "no-scripts":
                if let c = current { stanzas.append(c) }
                current = nil
            case "source", "source-directory":
                if let c = current { stanzas.append(c) }
                current = nil
                if words.count > 1 { sources.append((words[1], line)) }
            default:
                if first.hasPrefix("allow-") {
                    if let c = current { stanzas.append(c) }
                    current = nil
                } else if current != nil {
                    let value = words.dropFirst().joined(separator: " ")
                    current!.options.append((first, value, line))
                }
            }
        }
        if let c = current { stanzas.append(c) }
    }
}
