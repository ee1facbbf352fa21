/// What a shell offers for a bonding option word (`bondd ... mode=`, `bondctl set`):
/// the option names as `name=`, and for a name already typed, its values where the
/// option has a fixed set.
public enum OptionCompletion {
    /// Every option by its kernel name (the modes' own included), as `name=`.
    public static var names: [String] { BondOptions.names.map { $0 + "=" } }

    /// The values of option `name` that a user picks from; empty for numbers, members
    /// and addresses.
    public static func values(of name: String) -> [String] {
        switch name {
        // A research policy is named with its mode: mode=policy:NAME.
        case "mode": BondMode.allCases.filter { $0 != .policy }.map(\.kernelName) + PolicyRegistry.all.map { "policy:" + $0.name }
        case "policy": PolicyRegistry.all.map { $0.name }
        case "xmit_hash_policy": TransmitHashPolicy.allCases.map(\.kernelName)
        case "primary_reselect": PrimaryReselect.allCases.map(\.kernelName)
        case "fail_over_mac": FailOverMAC.allCases.map(\.kernelName)
        case "arp_validate": ARPValidate.allCases.map(\.kernelName)
        case "arp_all_targets": ARPAllTargets.allCases.map(\.kernelName)
        case "backend": Backend.allCases.map(\.rawValue)
        case "coalesce": Coalesce.allCases.map(\.rawValue)
        case "engine_cpus": ["all"]
        case "xdp_mode": XDPAttachMode.allCases.map(\.rawValue)
        case "workers_steer": WorkersSteer.allCases.map(\.rawValue)
        case "all_slaves_active", "tlb_dynamic_lb", "use_carrier": ["0", "1"]
        default: ModeOption.named(name)?.option.values ?? []
        }
    }

    /// The candidates for `word` as typed so far: `name=` for a partial name, and
    /// `name=value` once the name is there.
    public static func candidates(for word: String) -> [String] {
        guard let eq = word.firstIndex(of: "=") else { return names.filter { $0.hasPrefix(word) } }
        let name = String(word[..<eq])
        return values(of: name).map { "\(name)=\($0)" }.filter { $0.hasPrefix(word) }
    }
}
