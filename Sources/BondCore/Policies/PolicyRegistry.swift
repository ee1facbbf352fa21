/// The transmit policies bondd and bondsim know: one line per policy. A new policy is
/// a file (or folder) under Policies/ and its type added here.
public enum PolicyRegistry {
    public static var all: [any TransmitPolicy.Type] {
        [
            FlowletPolicy.self,
            ConsistentHashPolicy.self,
        ]
    }

    public static func type(named name: String) -> (any TransmitPolicy.Type)? {
        all.first { $0.name == name }
    }

    public static var names: String { all.map { $0.name }.joined(separator: ", ") }

    /// The `policy` option: a registered name.
    static let policyOption = ModeOption("policy", fixedWhileUp: true) { value throws(OptionError) in
        guard type(named: value) != nil else { throw OptionError("policy: no policy named '\(value)' (registered: \(names))") }
        return value
    }

    /// Checks, once options are parsed, that mode=policy names its policy and that
    /// the policy options given are that policy's.
    static func check(_ o: BondOptions) throws(OptionError) {
        guard o.mode == .policy else { return }
        guard let name = o.modeSettings["policy"], let t = type(named: name) else {
            throw OptionError("mode policy: name the policy, as mode=policy:NAME (registered: \(names))")
        }
        let own = Set(t.options.map(\.name))
        for key in o.modeSettings.keys.sorted() where key != "policy" && !own.contains(key) {
            let owner = all.first { $0.options.contains { $0.name == key } }
            throw OptionError("option \(key): belongs to policy \(owner.map { $0.name } ?? "?"), not \(name)")
        }
    }
}
