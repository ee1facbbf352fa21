/// 802.3ad's options, declared here (the mode's folder) with the kernel's names,
/// values and ranges, and read back from `BondOptions.modeSettings` as one value.
public struct LACPSettings: Sendable, Equatable {
    public enum Rate: String, Sendable { case slow, fast }
    /// ad_select: how the active aggregator is chosen among several.
    public enum Selection: String, Sendable { case stable, bandwidth, count, actorPortPrio = "actor_port_prio" }

    /// The rate we ask the partner to send at (our short-timeout bit).
    public var rate: Rate = .slow
    /// Off: speak only when spoken to (passive).
    public var active = true
    public var selection: Selection = .stable
    public var systemPriority: UInt16 = 0xFFFF
    /// ad_user_port_key: the upper ten bits of every port's key.
    public var userPortKey: UInt16 = 0
    /// ad_actor_system; nil: the bond's MAC.
    public var system: MACAddress?
    public var minLinks = 0
    /// actor_port_prio by member name (255 when not given).
    public var portPriority: [String: UInt16] = [:]
    /// bondd's own (Open vSwitch's lacp-fallback-ab): while the partner never spoke,
    /// the ports behave as one active-backup bond instead of each standing alone.
    public var fallbackActiveBackup = false

    public static let defaultPortPriority: UInt16 = 0xFF

    public init() {}

    public init(_ o: BondOptions) {
        let s = o.modeSettings
        if let v = s["lacp_rate"] { rate = Rate(rawValue: v) ?? .slow }
        if let v = s["lacp_active"] { active = v == "on" }
        if let v = s["ad_select"] { selection = Selection(rawValue: v) ?? .stable }
        if let v = s["ad_actor_sys_prio"], let n = UInt16(v) { systemPriority = n }
        if let v = s["ad_user_port_key"], let n = UInt16(v) { userPortKey = n }
        if let v = s["ad_actor_system"], let m = MACAddress(v), m != .zero { system = m }
        if let v = s["min_links"], let n = Int(v) { minLinks = n }
        if let v = s["actor_port_prio"] { portPriority = Self.portPriorities(v) }
        if let v = s["lacp_fallback_ab"] { fallbackActiveBackup = v == "1" }
    }

    public func portPriority(of member: String) -> UInt16 { portPriority[member] ?? Self.defaultPortPriority }

    static func portPriorities(_ value: String) -> [String: UInt16] {
        var m: [String: UInt16] = [:]
        for entry in value.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let n = UInt16(parts[1]) { m[String(parts[0])] = n }
        }
        return m
    }

    /// The options, as `BondingMode.options` declares them.
    static let options: [ModeOption] = [
        // Unlike the kernel, lacp_rate changes while up: every port tells its partner.
        .choice("lacp_rate", ["slow", "fast"]),
        .choice("lacp_active", ["off", "on"], fixedWhileUp: true),
        // The kernel takes ad_select in every mode (bond_opts has no unsuppmodes for it).
        ModeOption("ad_select", fixedWhileUp: true, takenInEveryMode: true) { value throws(OptionError) in
            // Kernels name the fourth policy "prio" or "actor_port_prio": both are taken.
            let names = ["stable", "bandwidth", "count", "actor_port_prio"]
            if value == "prio" { return "actor_port_prio" }
            if let n = Int(value), names.indices.contains(n) { return names[n] }
            guard names.contains(value) else {
                throw OptionError("ad_select: invalid value '\(value)' (stable|bandwidth|count|actor_port_prio or 0-3)")
            }
            return value
        },
        .integer("ad_actor_sys_prio", 1...65535),
        .integer("ad_user_port_key", 0...1023, fixedWhileUp: true),
        ModeOption("ad_actor_system") { value throws(OptionError) in
            guard let m = MACAddress(value), !m.isMulticast else {
                throw OptionError("ad_actor_system: invalid value '\(value)' (a unicast MAC address)")
            }
            return m.description
        },
        .integer("min_links", 0...Int(Int32.max)),
        ModeOption("actor_port_prio") { value throws(OptionError) in
            var entries: [String] = []
            for entry in value.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = entry.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 15, let n = Int(parts[1]), (1...65535).contains(n) else {
                    throw OptionError("actor_port_prio: invalid value '\(entry)' (MEMBER:PRIO with PRIO 1-65535, comma-separated)")
                }
                entries.append("\(parts[0]):\(n)")
            }
            return entries.joined(separator: ",")
        },
        .integer("lacp_fallback_ab", 0...1),
    ]
}
