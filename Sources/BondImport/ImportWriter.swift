import BondCore

/// Imported bonds written as a bondd configuration file. Every key is checked the way
/// bondd will check it, so the file starts as written; what bondd would refuse is a
/// comment with the reason, never a line that makes the whole file fail.
public enum ImportWriter {
    public struct Output: Sendable {
        public var text: String
        /// Bonds written as sections.
        public var written: [String]
        /// Bonds left as comments (no members).
        public var skipped: [String]
        /// `(bond, line)`: everything that was not carried over.
        public var notes: [(bond: String, line: String)]
    }

    public static func render(_ bonds: [ImportedBond], sources: [String]) throws(ImportError) -> Output {
        var out = Output(text: "", written: [], skipped: [], notes: [])
        var text = "# bondd configuration imported by bondctl import from \(sources.joined(separator: ", ")).\n"
        text += "# Check it, then run it: bondd --config FILE (or copy it to /etc/bondd.conf).\n"
        for var b in bonds {
            let lines = section(&b)
            text += "\n# \(b.name), from \(b.origin)\n"
            if b.members.isEmpty {
                text += lines.map { "# " + $0 }.joined(separator: "\n") + "\n"
                out.skipped.append(b.name)
            } else {
                text += lines.joined(separator: "\n") + "\n"
                out.written.append(b.name)
            }
            if !b.notes.isEmpty {
                text += "# Not carried over:\n" + b.notes.map { "#   \($0)\n" }.joined()
            }
            out.notes += b.notes.map { (b.name, $0) }
        }
        // What bondd will read: parsed here first, so a mistake of the import is caught
        // here and not at the user's bondd start.
        do { _ = try ConfigurationFile.parse(text, file: "imported configuration") } catch {
            throw ImportError("the imported configuration does not parse (\(error)); please report this with the input")
        }
        out.text = text
        return out
    }

    /// The section's lines; what bondd would refuse moves to `b.notes`.
    static func section(_ b: inout ImportedBond) -> [String] {
        var lines = ["[\(b.name)]"]
        let invalid = b.members.filter { !VLANSpec.isValidDeviceName($0) }
        for m in invalid { b.note("member '\(m)' is not a valid interface name") }
        b.members.removeAll { invalid.contains($0) }
        if b.members.isEmpty { b.note("no members: the section is left as a comment") }
        lines.append("members = " + b.members.joined(separator: ", "))
        var accepted: [String] = []
        var settings = b.options
        if !b.vlans.isEmpty { settings.append(.init("vlans", b.vlans.map(\.description).joined(separator: ", "))) }
        for s in settings {
            do {
                _ = try BondOptions.parse(accepted + [s.word])
                accepted.append(s.word)
                lines.append("\(s.name) = \(s.value)")
            } catch {
                b.note("\(s.name) = \(s.value): \(error.message)")
            }
        }
        for a in b.addresses {
            if InterfaceAddress(a) != nil { lines.append("address = \(a)") } else { b.note("address \(a) is not ADDRESS/PREFIX") }
        }
        if let mtu = b.mtu {
            if (68...65535).contains(mtu) { lines.append("mtu = \(mtu)") } else { b.note("mtu \(mtu) is not in 68-65535") }
        }
        if let br = b.bridge {
            if VLANSpec.isValidDeviceName(br) && br != b.name && !b.members.contains(br) {
                lines.append("bridge = \(br)")
            } else {
                b.note("bridge '\(br)' is not a bridge bondd can join")
            }
        }
        return lines
    }
}
