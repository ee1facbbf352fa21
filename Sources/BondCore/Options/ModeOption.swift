/// An option only one mode has (802.3ad's `lacp_rate`, say), declared in the mode's
/// folder (`BondingMode.options`) rather than in `BondOptions`: the parser finds it
/// through the registered modes, refuses it in another mode as the kernel does, and
/// keeps its checked value in `BondOptions.modeSettings` for the mode to read.
public struct ModeOption: Sendable {
    public var name: String
    /// The value as it is stored, or the one-line refusal.
    public var check: @Sendable (String) throws(OptionError) -> String
    /// Refused while the bond device is up (the kernel's BOND_OPTFLAG_IFDOWN).
    public var fixedWhileUp: Bool
    /// The values to pick from, for an option that has a fixed set (completion).
    public var values: [String] = []
    /// The kernel takes it in every mode (no `unsuppmodes`), where it has no effect
    /// outside its own: taken there with a warning rather than refused.
    public var takenInEveryMode = false

    public init(
        _ name: String, fixedWhileUp: Bool = false, takenInEveryMode: Bool = false,
        check: @escaping @Sendable (String) throws(OptionError) -> String
    ) {
        self.name = name
        self.check = check
        self.fixedWhileUp = fixedWhileUp
        self.takenInEveryMode = takenInEveryMode
    }

    /// An integer option within `range`.
    public static func integer(_ name: String, _ range: ClosedRange<Int>, fixedWhileUp: Bool = false) -> ModeOption {
        ModeOption(name, fixedWhileUp: fixedWhileUp) { value throws(OptionError) in
            guard let v = Int(value), range.contains(v) else {
                throw OptionError("\(name): invalid value '\(value)' (allowed range \(range.lowerBound)-\(range.upperBound))")
            }
            return String(v)
        }
    }

    /// One of `names`, or its number (its place in `names`), as the kernel takes both.
    public static func choice(_ name: String, _ names: [String], fixedWhileUp: Bool = false) -> ModeOption {
        var o = ModeOption(name, fixedWhileUp: fixedWhileUp) { value throws(OptionError) in
            if let n = Int(value), names.indices.contains(n) { return names[n] }
            guard names.contains(value) else {
                throw OptionError("\(name): invalid value '\(value)' (\(names.joined(separator: "|")) or 0-\(names.count - 1))")
            }
            return value
        }
        o.values = names
        return o
    }

    /// The option of a registered mode named `name`, and the modes that have it.
    static func named(_ name: String) -> (option: ModeOption, modes: [BondMode])? {
        var found: ModeOption?
        var modes: [BondMode] = []
        for m in BondMode.allCases {
            guard let o = AnyBondingMode.type(of: m)?.options.first(where: { $0.name == name }) else { continue }
            found = found ?? o
            modes.append(m)
        }
        return found.map { ($0, modes) }
    }
}
