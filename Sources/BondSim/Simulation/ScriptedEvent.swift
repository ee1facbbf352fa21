import BondCore

/// A change scripted at a time of the run (`--event 'down m1 @2.5s'`): what an
/// administrator or the network does to a running bond.
public struct ScriptedEvent: Sendable, Equatable, CustomStringConvertible {
    public enum Action: Sendable, Equatable {
        /// The member loses carrier (the daemon hears it at once) and passes nothing.
        case down(String)
        /// Carrier and frames come back.
        case up(String)
        /// The link passes nothing but keeps carrier: only the ARP/NS monitor sees it.
        case fail(String)
        /// A failed link passes frames again.
        case recover(String)
        case add(String)
        case remove(String)
        case setActive(String)
        case enable(String)
        case disable(String)
        /// Options changed as `bondctl set` changes them.
        case set([String])
    }

    public var action: Action
    /// Nanoseconds from the start of the run.
    public var at: UInt64
    /// The words as given without the time, for reports.
    public var text: String

    public var description: String { text }

    public static let usage =
        "down|up|fail|recover|add|remove|set-active|enable|disable MEMBER @TIME, or set NAME=VALUE... @TIME (TIME: 2.5s, 300ms, 10us)"

    /// Parses `VERB ARGUMENT... @TIME`.
    public init(parsing text: String) throws(OptionError) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let last = words.last, last.hasPrefix("@"), words.count >= 2 else {
            throw OptionError("event '\(text)': expected \(Self.usage)")
        }
        guard let t = Self.parseTime(String(last.dropFirst())) else {
            throw OptionError("event '\(text)': '\(last.dropFirst())' is not a time (2.5s, 300ms, 10us)")
        }
        let verb = words[0]
        let args = Array(words[1..<(words.count - 1)])
        func one() throws(OptionError) -> String {
            guard args.count == 1 else { throw OptionError("event '\(text)': \(verb) takes one member") }
            return args[0]
        }
        switch verb {
        case "down": action = .down(try one())
        case "up": action = .up(try one())
        case "fail": action = .fail(try one())
        case "recover": action = .recover(try one())
        case "add": action = .add(try one())
        case "remove": action = .remove(try one())
        case "set-active": action = .setActive(try one())
        case "enable": action = .enable(try one())
        case "disable": action = .disable(try one())
        case "set":
            guard !args.isEmpty, args.allSatisfy({ $0.contains("=") }) else {
                throw OptionError("event '\(text)': set takes NAME=VALUE words")
            }
            action = .set(args)
        default:
            throw OptionError("event '\(text)': unknown verb '\(verb)' (\(Self.usage))")
        }
        at = t
        self.text = words.dropLast().joined(separator: " ")
    }

    /// `2.5s`, `300ms`, `10us`, `5ns`; a bare number is seconds.
    public static func parseTime(_ s: String) -> UInt64? {
        let units: [(String, Double)] = [("ms", 1e6), ("us", 1e3), ("ns", 1), ("s", 1e9)]
        var number = Substring(s)
        var scale = 1e9
        for (suffix, factor) in units where s.hasSuffix(suffix) {
            number = s.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let v = Double(number), v >= 0, v.isFinite, v * scale < 1.8e19 else { return nil }
        return UInt64((v * scale).rounded())
    }
}
