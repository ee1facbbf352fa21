/// Bonding options given to the module rather than to a bond, as older Debian set-ups
/// do (`options bonding mode=802.3ad miimon=100` in /etc/modprobe.d, or `alias bond0
/// bonding` then `options bond0 ...`): the kernel applies them to every bond the
/// module creates, so the import applies them to every bond, before the bond's own.
struct ModprobeOptions {
    var words: [(word: String, line: Int)] = []
    var path: String

    /// Whether `text` holds bonding module lines at all.
    static func mentionsBonding(_ text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let w = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return w.count >= 3 && w[0] == "alias" && w[2] == "bonding" || w.count >= 2 && w[0] == "options" && w[1] == "bonding"
        }
    }

    init(path: String, text: String) {
        self.path = path
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { ($0.offset + 1, $0.element) }
        var names: Set<Substring> = ["bonding"]
        for (_, line) in lines {
            let w = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if w.count >= 3, w[0] == "alias", w[2] == "bonding" { names.insert(w[1]) }
        }
        for (n, line) in lines {
            let w = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard w.count >= 3, w[0] == "options", names.contains(w[1]) else { continue }
            words += w.dropFirst(2).map { (String($0), n) }
        }
    }
}
