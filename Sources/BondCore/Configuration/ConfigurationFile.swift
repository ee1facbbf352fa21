/// The configuration file: one `[NAME]` section per bond, `key = value` lines.
///
///     # two bonds in one bondd
///     [bond0]
///     members = eth0, eth1
///     mode = active-backup
///     miimon = 100
///     address = 192.0.2.1/24
///
///     [bond1]
///     members = eth2 eth3
///     mode = balance-slb
///     bridge = xenbr0
///
/// `members` (required), `address` (repeatable), `mtu` and `bridge` say how the bond
/// sits in the host; every other key is a bonding option with the kernel's name.
/// Comments start with `#` or `;`.
public enum ConfigurationFile {
    public static let attachmentKeys: Set<String> = ["members", "address", "mtu", "bridge", "wait_members"]

    /// The file's bytes as text: a UTF-8 byte order mark is dropped and CRLF line ends
    /// read as LF (files written on Windows); bytes that are not UTF-8 text (NUL,
    /// control characters, invalid sequences: a binary file given by mistake) are
    /// refused with the line they are on, never echoed.
    public static func text(of bytes: [UInt8], file: String = "config") throws(ConfigurationError) -> String {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        var line = 1
        for (i, b) in zip(body.indices, body) {
            if b == 0x0A { line += 1; continue }
            let carriageReturnAtLineEnd = b == 0x0D && (i + 1 == body.endIndex || body[i + 1] == 0x0A)
            if (b < 0x20 && b != 0x09 && !carriageReturnAtLineEnd) || b == 0x7F {
                throw ConfigurationError(file: file, line: line, message: "not a text file (byte 0x\(String(b, radix: 16, uppercase: true)))")
            }
        }
        var decoder = UTF8()
        var bytesIn = body.makeIterator()
        var at = 1
        decoding: while true {
            switch decoder.decode(&bytesIn) {
            case .scalarValue(let c): if c == "\n" { at += 1 }
            case .emptyInput: break decoding
            case .error: throw ConfigurationError(file: file, line: at, message: "not UTF-8 text")
            }
        }
        // Carriage returns are left only at line ends (checked above): drop them all.
        return String(decoding: body.filter { $0 != 0x0D }, as: UTF8.self)
    }

    /// All bonds of the file, checked: every error names the file and line.
    public static func parse(_ text: String, file: String = "config") throws(ConfigurationError) -> [BondConfiguration] {
        var bonds: [BondConfiguration] = []
        var current: BondConfiguration?
        var seenKeys: [String: Int] = [:]
        func fail(_ line: Int, _ message: String) -> ConfigurationError {
            ConfigurationError(file: file, line: line, message: message)
        }
        func finish() throws(ConfigurationError) {
            guard var b = current else { return }
            guard !b.members.isEmpty else { throw fail(b.line, "[\(b.name)]: no members (members = IF, IF ...)") }
            do {
                (b.options, b.warnings) = try BondOptions.parse(b.optionWords)
            } catch {
                // Point at the line of the option the message names first.
                let named = seenKeys.keys.filter { !attachmentKeys.contains($0) }
                    .compactMap { k in error.message.firstRange(of: k).map { (k, $0.lowerBound) } }
                    .min { $0.1 < $1.1 }
                throw fail(named.flatMap { seenKeys[$0.0] } ?? b.line, "[\(b.name)]: \(error.message)")
            }
            bonds.append(b)
        }

        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = n + 1
            var line = Substring(raw)
            if let c = line.firstIndex(where: { $0 == "#" || $0 == ";" }) { line = line[..<c] }
            let content = line.trimmingWhitespace
            if content.isEmpty { continue }
            if content.hasPrefix("[") {
                guard content.hasSuffix("]") else { throw fail(lineNumber, "a section header is [NAME]") }
                try finish()
                let name = String(content.dropFirst().dropLast()).trimmingWhitespace
                guard isValidInterfaceName(name) else { throw fail(lineNumber, "'\(excerpt(name))' is not a valid interface name") }
                if let other = bonds.first(where: { $0.name == name }) {
                    throw fail(lineNumber, "[\(name)] is declared twice (first on line \(other.line))")
                }
                current = BondConfiguration(name: name, members: [], line: lineNumber)
                seenKeys = [:]
                continue
            }
            guard current != nil else { throw fail(lineNumber, "'\(excerpt(content))' comes before any [BOND] section") }
            guard let eq = content.firstIndex(of: "=") else { throw fail(lineNumber, "expected key = value, got '\(excerpt(content))'") }
            let key = String(content[..<eq]).trimmingWhitespace
            let value = String(content[content.index(after: eq)...]).trimmingWhitespace
            guard !key.isEmpty else { throw fail(lineNumber, "a key is missing before '='") }
            guard !value.isEmpty else { throw fail(lineNumber, "\(key): no value") }
            if key != "address", let first = seenKeys[key] {
                throw fail(lineNumber, "\(key) is given twice in [\(current!.name)] (first on line \(first))")
            }
            seenKeys[key] = seenKeys[key] ?? lineNumber
            switch key {
            case "members":
                let names = value.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).map(String.init)
                for m in names where !isValidInterfaceName(m) { throw fail(lineNumber, "members: '\(excerpt(m))' is not a valid interface name") }
                if let dup = names.first(where: { m in names.filter { $0 == m }.count > 1 }) {
                    throw fail(lineNumber, "members: \(dup) is given twice")
                }
                current!.members = names
            case "address":
                guard let a = InterfaceAddress(value) else {
                    throw fail(lineNumber, "address: '\(excerpt(value))' is not ADDRESS/PREFIX (192.0.2.1/24, 2001:db8::1/64)")
                }
                current!.addresses.append(a)
            case "mtu":
                guard let m = Int(value), (68...65535).contains(m) else { throw fail(lineNumber, "mtu: '\(excerpt(value))' is not in 68-65535") }
                current!.mtu = m
            case "wait_members":
                guard let s = Int(value), (0...3600).contains(s) else {
                    throw fail(lineNumber, "wait_members: '\(excerpt(value))' is not a number of seconds in 0-3600")
                }
                current!.waitMembers = s
            case "bridge":
                guard isValidInterfaceName(value) else { throw fail(lineNumber, "bridge: '\(excerpt(value))' is not a valid interface name") }
                current!.bridge = value
            default:
                current!.optionWords.append("\(key)=\(value)")
            }
        }
        try finish()
        try checkAcrossBonds(bonds, fail: fail)
        return bonds
    }

    private static func checkAcrossBonds(_ bonds: [BondConfiguration], fail: (Int, String) -> ConfigurationError) throws(ConfigurationError) {
        var owner: [String: String] = [:]
        let names = Set(bonds.map(\.name))
        for b in bonds {
            for m in b.members {
                if names.contains(m) { throw fail(b.line, "[\(b.name)]: member \(m) is a bond of this file") }
                if let o = owner[m] { throw fail(b.line, "[\(b.name)]: member \(m) is already a member of \(o)") }
                owner[m] = b.name
            }
            if let br = b.bridge, names.contains(br) || b.members.contains(br) {
                throw fail(b.line, "[\(b.name)]: bridge \(br) is a bond or member of this file")
            }
        }
    }

    /// At most 40 characters of what the user wrote, for an error line of bounded length.
    static func excerpt(_ s: some StringProtocol) -> String {
        s.count <= 40 ? String(s) : String(s.prefix(40)) + "…"
    }

    static func isValidInterfaceName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 15 && name != "." && name != ".."
            && !name.contains(where: { $0 == "/" || $0 == ":" || $0 == "=" || $0 == "[" || $0 == "]" || $0.isWhitespace })
    }
}

/// A configuration file problem, as `FILE:LINE: message`.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    /// Messages are cut at 240 bytes of UTF-8, on a scalar's boundary: whatever a file
    /// holds, its error is one short line. (Not at 240 Characters: one Character may
    /// carry any number of combining marks, so that bound bounds nothing.)
    public init(file: String, line: Int, message: String) {
        self.file = file; self.line = line
        self.message = Self.bounded(message, bytes: 240)
    }

    static func bounded(_ text: String, bytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for u in text.unicodeScalars {
            bytes += UTF8.width(u)
            if bytes > limit { break }
            kept.append(u)
        }
        return String(kept) + "…"
    }
    public var description: String { "\(file):\(line): \(message)" }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
