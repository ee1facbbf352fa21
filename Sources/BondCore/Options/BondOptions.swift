/// A bond's configuration, with the kernel's option names, defaults and ranges.
public struct BondOptions: Sendable, Equatable {
    public var mode: BondMode = .balanceRR
    /// Link monitor interval in ms; 0 disables link monitoring, as in the kernel.
    public var miimon: Int = 0
    public var updelay: Int = 0
    public var downdelay: Int = 0
    public var primary: String?
    public var primaryReselect: PrimaryReselect = .always
    public var activeSlave: String?
    public var allSlavesActive: Bool = false
    public var packetsPerSlave: Int = 1
    /// num_grat_arp and num_unsol_na are one setting in the kernel.
    public var numPeerNotif: Int = 1
    public var peerNotifDelay: Int = 0
    public var failOverMAC: FailOverMAC = .none
    public var xmitHashPolicy: TransmitHashPolicy = .layer2
    public var tlbDynamicLB: Bool = true
    /// Seconds between learning packets (balance-tlb/alb).
    public var lpInterval: Int = 1
    /// Milliseconds between rebalances in balance-tlb (the kernel's fixed 10 s) and of
    /// per-VIF buckets (Open vSwitch's bond-rebalance-interval); 0 turns it off.
    public var rebalanceInterval: Int = 10_000
    /// balance-alb: clients the receive-balancing table holds (beyond: counted, unbalanced).
    public var albClients: Int = 1024
    /// ARP/NS monitor interval in ms; 0 disables it. Excludes miimon, as in the kernel.
    public var arpInterval: Int = 0
    public var arpTargets: [IPv4Address] = []
    public var nsTargets: [IPv6Address] = []
    public var arpValidate: ARPValidate = .none
    public var arpAllTargets: ARPAllTargets = .any
    public var arpMissedMax: Int = 2
    /// IGMP membership reports re-sent after a failover, 200 ms apart.
    public var resendIGMP: Int = 1
    /// Per-member priority (the kernel's `ip link set M type bond_slave prio N`): without
    /// a usable primary, the up member with the highest prio is preferred.
    public var prio: [String: Int] = [:]
    /// How frames move (bondd's own option); nil: the fastest that works here.
    public var backend: Backend?
    /// How the engine waits for frames (bondd's own option).
    public var coalesce: Coalesce = .adaptive
    /// µs the engine keeps polling its rings after a frame instead of sleeping (bondd's
    /// own option, as the kernel's net.core.busy_poll); 0: off.
    public var busyPoll: Int = 0
    /// CPUs the engine's thread may run on (bondd's own option, as Open vSwitch's
    /// pmd-cpu-mask); nil: wherever the scheduler puts it, among bondd's own.
    public var engineCPUs: CPUList?
    /// Threads that move the engine's frames, the engine's own included (bondd's own
    /// option, as Open vSwitch's PMD threads): above 1, a PACKET_FANOUT group per
    /// device spreads frames over them by flow (`backend=afpacket`).
    public var workers = 1
    /// How the threads share the frames (`WorkersSteer`): by flow, or by the CPU that
    /// received each frame.
    public var workersSteer: WorkersSteer = .flow
    /// On the engine's backends (afpacket, afxdp), tc programs in the kernel carry
    /// TCP, every frame of it, and the engine decides the rest (bondd's own option);
    /// false: the engine decides every frame. No effect on xdp.
    public var tcpInKernel = true
    /// How afxdp attaches its steering program (bondd's own option). No effect on the
    /// other backends.
    public var xdpMode: XDPAttachMode = .auto
    /// VLAN devices the engine makes over the bond (bondd's own option; `VLANSpec`).
    public var vlans: [VLANSpec] = []
    /// Options of one mode alone (`ModeOption`), checked, by kernel name.
    public var modeSettings: [String: String] = [:]

    public init() {}

    /// Interval between peer notifications after a failover: peer_notif_delay, or one
    /// monitor interval when it is 0 (the kernel sends one per miimon tick).
    public var peerNotifInterval: Int {
        peerNotifDelay > 0 ? peerNotifDelay : (miimon > 0 ? miimon : (arpInterval > 0 ? arpInterval : 100))
    }

    /// The ARP/NS monitor runs (arp_interval with at least one target).
    public var probesLinks: Bool { arpInterval > 0 }

    /// Under `workers_steer=cpu`, each thread's CPU, the engine's first: the first
    /// `workers` of `engine_cpus` (checked to be there). Empty: frames go by flow.
    public var steeringCPUs: [Int] {
        guard workersSteer == .cpu, let list = engineCPUs?.cpus else { return [] }
        return Array(list.prefix(workers))
    }

    /// The most forwarding threads a bond runs (`workers`).
    public static let maxWorkers = 16

    /// The most targets the kernel takes per family.
    public static let maxTargets = 16
}

/// A refused option: `message` is the one line a user sees.
public struct OptionError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension BondOptions {
    /// Known kernel options this engine does not implement yet: named so that a user
    /// gets "not supported" rather than "unknown".
    static let notYetSupported: Set<String> = [
        "tx_queues", "coupled_control", "broadcast_neighbor",
    ]

    /// Options set per member (`MEMBER:VALUE,...`): a later word changes only the
    /// members it names.
    static let perMemberOptions: Set<String> = ["prio", "actor_port_prio"]

    /// `words` without any `prio` entry for `member` (a word left with none goes).
    public static func forgettingPriority(of member: String, in words: [String]) -> [String] {
        words.compactMap { w in
            guard w.hasPrefix("prio=") else { return w }
            let kept = w.dropFirst(5).split(separator: ",", omittingEmptySubsequences: false)
                .filter { $0.split(separator: ":", maxSplits: 1).first.map(String.init) != member }
            return kept.isEmpty ? nil : "prio=" + kept.joined(separator: ",")
        }
    }

    /// `words` reduced to the last word of each option name, in the order of those last
    /// words, with every `prio=` (and `actor_port_prio=`) word merged into one: parsed, it gives the same options,
    /// since a later word replaces an earlier one, options that exclude each other
    /// (miimon, arp_interval) go by which came last, and `prio` accumulates per member.
    /// Only words that parsed together may be given: the history of a running bond.
    /// Runtime changes keep their history this way, so a change costs the same after
    /// twenty thousand changes as after one.
    public static func compact(_ words: [String]) -> [String] {
        func name(_ w: String) -> Substring { w.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
        // A monitor switched on turns the other off, as if its `=0` followed.
        var expanded: [String] = []
        var running: [Substring: Bool] = ["miimon": false, "arp_interval": false]
        for w in words {
            expanded.append(w)
            let n = name(w)
            guard let other: Substring = n == "miimon" ? "arp_interval" : n == "arp_interval" ? "miimon" : nil else { continue }
            running[n] = (w.split(separator: "=", maxSplits: 1).last.flatMap { Int($0) } ?? 0) != 0
            if running[n] == true && running[other] == true {
                expanded.append("\(other)=0")
                running[other] = false
            }
        }
        let words = expanded
        var last: [Substring: Int] = [:]
        var lists: [Substring: [(member: Substring, word: Substring)]] = [:]
        for (i, w) in words.enumerated() {
            let n = name(w)
            last[n] = i
            guard perMemberOptions.contains(String(n)), let eq = w.firstIndex(of: "=") else { continue }
            for entry in w[w.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false) {
                let member = entry.split(separator: ":", maxSplits: 1).first ?? ""
                lists[n, default: []].removeAll { $0.member == member }
                lists[n, default: []].append((member, entry))
            }
        }
        return words.enumerated().compactMap { i, w in
            let n = name(w)
            guard last[n] == i else { return nil }
            guard let list = lists[n] else { return w }
            return "\(n)=" + list.map(\.word).joined(separator: ",")
        }
    }

    /// Parses `name=value` words as an admin writes them for the kernel
    /// (`mode=active-backup miimon=100 primary=eth0`). Later words win, except that
    /// mode-dependent checks run after all words are read, whatever their order.
    /// - Returns: the options and warnings (values the kernel would round, say).
    public static func parse(_ words: [String]) throws(OptionError) -> (BondOptions, [String]) {
        var o = BondOptions()
        var warnings: [String] = []
        var given: Set<String> = []
        // Where each option was last written, for what the kernel takes in order.
        var lastWritten: [String: Int] = [:]
        for (position, word) in words.enumerated() {
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                throw OptionError("option '\(word)' is not of the form name=value")
            }
            let name = String(word[..<eq])
            let value = String(word[word.index(after: eq)...])
            given.insert(name)
            lastWritten[name] = position
            switch name {
            case "mode":
                if value.hasPrefix("policy:") {
                    // mode=policy:NAME is mode=policy policy=NAME in one word.
                    o.mode = .policy
                    o.modeSettings["policy"] = String(value.dropFirst("policy:".count))
                    given.insert("policy")
                    continue
                }
                guard let m = BondMode(option: value) else {
                    throw OptionError(
                        "mode: invalid value '\(value)'\(Suggestion.hint(for: value, in: BondMode.allCases.map(\.kernelName))) (balance-rr|active-backup|balance-xor|broadcast|802.3ad|balance-tlb|balance-alb or 0-6, or balance-slb, or policy:NAME)"
                    )
                }
                o.mode = m
            case "miimon":
                o.miimon = try integer(name, value, 0...Int(Int32.max))
                if o.miimon > 0 && o.arpInterval > 0 {
                    warnings.append("MII monitoring cannot be used with ARP monitoring: disabling ARP monitoring")
                    o.arpInterval = 0
                }
            case "arp_interval":
                o.arpInterval = try integer(name, value, 0...Int(Int32.max))
                if o.arpInterval > 0 && o.miimon > 0 {
                    warnings.append("ARP monitoring cannot be used with MII monitoring: disabling MII monitoring")
                    o.miimon = 0
                }
            case "arp_ip_target":
                o.arpTargets = try targets(name, value) { text throws(OptionError) in
                    guard let a = IPv4Address(text), a.rawValue != 0, a.rawValue != 0xFFFF_FFFF, a.rawValue >> 28 != 0xE else {
                        throw OptionError("arp_ip_target: invalid ARP target '\(text)' (a unicast IPv4 address)")
                    }
                    return a
                }
            case "ns_ip6_target":
                o.nsTargets = try targets(name, value) { text throws(OptionError) in
                    // As the kernel's bond_is_ip6_target_ok: not ::, ::1 or multicast. A
                    // link-local target (a router's fe80::1) is probed on the bond's link.
                    guard let a = IPv6Address(text), a != IPv6Address(high: 0, low: 0), a != IPv6Address(high: 0, low: 1),
                        a.high >> 56 != 0xFF
                    else {
                        throw OptionError("ns_ip6_target: invalid NS target '\(text)' (a unicast IPv6 address)")
                    }
                    return a
                }
            case "arp_validate": o.arpValidate = try choice(name, value, ARPValidate.allCases, \.kernelName)
            case "arp_all_targets": o.arpAllTargets = try choice(name, value, ARPAllTargets.allCases, \.kernelName)
            case "arp_missed_max", "missed_max": o.arpMissedMax = try integer(name, value, 1...255)
            case "resend_igmp": o.resendIGMP = try integer(name, value, 0...255)
            case "prio":
                for entry in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let parts = entry.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 15,
                        let n = Int(parts[1]), (Int(Int32.min)...Int(Int32.max)).contains(n)
                    else {
                        throw OptionError("prio: invalid value '\(entry)' (MEMBER:PRIO with PRIO \(Int32.min)-\(Int32.max), comma-separated)")
                    }
                    o.prio[String(parts[0])] = n
                }
            case "updelay": o.updelay = try integer(name, value, 0...Int(Int32.max))
            case "downdelay": o.downdelay = try integer(name, value, 0...Int(Int32.max))
            case "primary":
                // Empty: no primary, as the kernel takes an empty write.
                guard value.utf8.count <= 15 else { throw OptionError("primary: invalid interface name '\(value)'") }
                o.primary = value.isEmpty ? nil : value
            case "active_slave", "active_member":
                // Empty: none asked for; written at runtime, the kernel's "clear the active
                // member and choose again" (`Bond.clearActive`).
                guard value.utf8.count <= 15 else { throw OptionError("\(name): invalid interface name '\(value)'") }
                o.activeSlave = value.isEmpty ? nil : value
            case "primary_reselect":
                o.primaryReselect = try choice(name, value, PrimaryReselect.allCases, \.kernelName)
            case "fail_over_mac":
                o.failOverMAC = try choice(name, value, FailOverMAC.allCases, \.kernelName)
            case "xmit_hash_policy":
                o.xmitHashPolicy = try choice(name, value, TransmitHashPolicy.allCases, \.kernelName)
            case "tlb_dynamic_lb": o.tlbDynamicLB = try integer(name, value, 0...1) == 1
            case "alb_clients": o.albClients = try integer(name, value, 16...1_048_576)
            case "rebalance_interval":
                o.rebalanceInterval = try integer(name, value, 0...3_600_000)
                if o.rebalanceInterval != 0 && o.rebalanceInterval < 1000 {
                    throw OptionError("rebalance_interval: invalid value '\(value)' (0, or 1000-3600000 ms)")
                }
            case "lp_interval": o.lpInterval = try integer(name, value, 1...0x7FFF_FFFF)
            case "all_slaves_active": o.allSlavesActive = try integer(name, value, 0...1) == 1
            case "packets_per_slave": o.packetsPerSlave = try integer(name, value, 0...65535)
            case "num_grat_arp", "num_unsol_na": o.numPeerNotif = try integer(name, value, 0...255)
            case "peer_notif_delay": o.peerNotifDelay = try integer(name, value, 0...300_000)
            case "use_carrier":
                // Still accepted by the kernel, and a no-op there since 6.x.
                _ = try integer(name, value, 0...1)
                warnings.append("use_carrier is ignored: bondd takes carrier from netlink link events")
            case "max_bonds":
                _ = try integer(name, value, 0...Int(Int32.max))
                warnings.append("max_bonds is ignored: it is a module parameter, and bondd runs one bond per configuration section")
            case "backend":
                guard let b = Backend(rawValue: value) else {
                    throw OptionError("backend: invalid value '\(value)' (\(Backend.allCases.map(\.rawValue).joined(separator: "|")))")
                }
                o.backend = b
            case "coalesce":
                guard let c = Coalesce(rawValue: value) else {
                    throw OptionError("coalesce: invalid value '\(value)' (\(Coalesce.allCases.map(\.rawValue).joined(separator: "|")))")
                }
                o.coalesce = c
            case "busy_poll": o.busyPoll = try integer(name, value, 0...1_000_000)
            case "engine_cpus": o.engineCPUs = value == "all" ? nil : try CPUList.parse(value, option: name)
            case "workers": o.workers = try integer(name, value, 1...maxWorkers)
            case "workers_steer":
                guard let s = WorkersSteer(rawValue: value) else {
                    throw OptionError("workers_steer: invalid value '\(value)' (\(WorkersSteer.allCases.map(\.rawValue).joined(separator: "|")))")
                }
                o.workersSteer = s
            case "tcp_in_kernel": o.tcpInKernel = try integer(name, value, 0...1) == 1
            case "xdp_mode":
                guard let m = XDPAttachMode(rawValue: value) else {
                    throw OptionError("xdp_mode: invalid value '\(value)' (\(XDPAttachMode.allCases.map(\.rawValue).joined(separator: "|")))")
                }
                o.xdpMode = m
            case "vlans": o.vlans = try VLANSpec.parseList(value)
            default:
                if ModeOption.named(name) != nil {
                    // Checked once the mode is known, whatever the order of the words.
                    if perMemberOptions.contains(name), let earlier = o.modeSettings[name] {
                        o.modeSettings[name] = earlier + "," + value
                    } else {
                        o.modeSettings[name] = value
                    }
                    continue
                }
                if notYetSupported.contains(name) { throw OptionError("option '\(name)' is not supported yet") }
                throw OptionError("unknown option '\(name)'\(Suggestion.hint(for: name, in: BondOptions.names))")
            }
        }
        if !o.mode.isImplemented {
            throw OptionError("mode \(o.mode.kernelName) is not supported yet")
        }
        // Mode dependencies, worded as the kernel words them.
        func requireModes(_ option: String, _ applies: (BondMode) -> Bool) throws(OptionError) {
            if given.contains(option) && !applies(o.mode) {
                throw OptionError("option \(option): mode dependency failed, not supported in mode \(o.mode.kernelName)(\(o.mode.rawValue))")
            }
        }
        try requireModes("packets_per_slave") { $0 == .balanceRR }
        try requireModes("primary", \.usesPrimary)
        // The kernel takes primary_reselect in every mode (no unsuppmodes); it acts
        // only where a primary does.
        if given.contains("primary_reselect") && !o.mode.usesPrimary {
            let modes = BondMode.allCases.filter { $0.isImplemented && $0.usesPrimary }.map(\.kernelName)
            warnings.append("primary_reselect acts in modes \(modes.joined(separator: ", ")) only")
        }
        try requireModes("active_slave", \.usesPrimary)
        try requireModes("active_member", \.usesPrimary)
        try requireModes("tlb_dynamic_lb") { $0 == .balanceTLB || $0 == .balanceALB }
        try requireModes("alb_clients", \.teachesClients)
        try requireModes("rebalance_interval", \.rebalances)
        try requireModes("arp_validate", \.usesProbeMonitor)
        try requireModes("arp_interval", \.usesProbeMonitor)
        try requireModes("arp_ip_target", \.usesProbeMonitor)
        try requireModes("ns_ip6_target", \.usesProbeMonitor)
        for name in o.modeSettings.keys.sorted() {
            guard let (option, modes) = ModeOption.named(name) else { continue }
            if option.takenInEveryMode {
                if !modes.contains(o.mode) {
                    warnings.append("\(name) acts in mode\(modes.count > 1 ? "s" : "") \(modes.map(\.kernelName).joined(separator: ", ")) only")
                }
            } else {
                try requireModes(name) { modes.contains($0) }
            }
            o.modeSettings[name] = try option.check(o.modeSettings[name]!)
        }
        try PolicyRegistry.check(o)
        if o.workers > 1 {
            // What the threads share is the member view: a mode that learns from every
            // frame (tables, loads) would need them to share its tables too.
            guard o.mode.decidesFromView else {
                throw OptionError("workers: mode \(o.mode.kernelName) learns from every frame, which one thread does; workers=1 there")
            }
            guard o.backend == .afpacket else {
                throw OptionError(
                    "workers: needs backend=afpacket (\(o.backend == .afxdp ? "afxdp runs one thread per bond" : "xdp decides every frame in the kernel, on the core that received it"))"
                )
            }
        }
        if o.workersSteer == .cpu {
            // Each thread has a CPU of its own: the i-th of engine_cpus.
            guard o.workers > 1 else { throw OptionError("workers_steer=cpu: needs workers above 1") }
            guard let cpus = o.engineCPUs?.cpus, cpus.count >= o.workers else {
                throw OptionError(
                    "workers_steer=cpu: needs engine_cpus with a CPU for each of the \(o.workers) threads (e.g. engine_cpus=0-\(o.workers - 1)), one thread on each"
                )
            }
        }
        if o.arpInterval > 0 && o.arpTargets.isEmpty && o.nsTargets.isEmpty {
            throw OptionError("arp_interval: needs at least one arp_ip_target or ns_ip6_target to probe")
        }
        if o.failOverMAC != .none && o.mode != .activeBackup {
            warnings.append("fail_over_mac=\(o.failOverMAC.kernelName) acts in active-backup mode only")
        }
        // As the kernel: these modes cannot work without link monitoring (unlike the
        // kernel, the ARP monitor counts as link monitoring in balance-tlb/alb here).
        if o.mode.needsLinkMonitor && o.miimon == 0 && o.arpInterval == 0 {
            o.miimon = 100
            warnings.append("miimon must be set in mode \(o.mode.kernelName): using 100 ms")
        }
        if o.miimon == 0 {
            for d in ["updelay", "downdelay"] where given.contains(d) && (d == "updelay" ? o.updelay : o.downdelay) > 0 {
                // As the kernel: the ARP monitor replacing miimon leaves the delays set, unused.
                if o.arpInterval > 0 {
                    warnings.append("\(d) has no effect under the ARP monitor (it needs miimon)")
                } else if let m = lastWritten["miimon"], let w = lastWritten[d], m > w {
                    // As the kernel: miimon=0 written after a delay keeps the delay, unused
                    // until miimon is set again; only a delay written without miimon is refused.
                    warnings.append("\(d) has no effect while miimon is 0")
                } else {
                    throw OptionError("\(d): requires miimon > 0 (link monitoring is disabled)")
                }
            }
        } else {
            let miimon = o.miimon
            func round(_ name: String, _ v: inout Int) {
                let r = v / miimon * miimon
                if r != v {
                    warnings.append("\(name) (\(v)) is not a multiple of miimon (\(miimon)), value rounded to \(r) ms")
                    v = r
                }
            }
            round("updelay", &o.updelay)
            round("downdelay", &o.downdelay)
            round("peer_notif_delay", &o.peerNotifDelay)
        }
        if o.miimon == 0 && o.arpInterval == 0 {
            warnings.append("miimon is 0: link failures will not be detected")
        }
        return (o, warnings)
    }

    /// A comma-separated target list, as iproute2 takes arp_ip_target.
    private static func targets<T: Equatable>(_ name: String, _ value: String, _ parse: (String) throws(OptionError) -> T) throws(OptionError) -> [T]
    {
        var list: [T] = []
        // Empty: no targets (as an empty IFLA_BOND_ARP_IP_TARGET nest clears the kernel's).
        if value.isEmpty { return list }
        for text in value.split(separator: ",", omittingEmptySubsequences: false) {
            let t = try parse(String(text))
            if !list.contains(t) { list.append(t) }
        }
        guard list.count <= maxTargets else {
            throw OptionError("\(name): too many targets (at most \(maxTargets))")
        }
        return list
    }

    private static func integer(_ name: String, _ value: String, _ range: ClosedRange<Int>) throws(OptionError) -> Int {
        guard let v = Int(value), range.contains(v) else {
            throw OptionError("\(name): invalid value '\(value)' (allowed range \(range.lowerBound)-\(range.upperBound))")
        }
        return v
    }

    private static func choice<T: RawRepresentable>(_ name: String, _ value: String, _ all: [T], _ label: KeyPath<T, String>) throws(OptionError) -> T
    where T.RawValue == Int {
        if let n = Int(value), let v = T(rawValue: n) { return v }
        if let v = all.first(where: { $0[keyPath: label] == value }) { return v }
        let names = all.map { $0[keyPath: label] }.joined(separator: "|")
        throw OptionError("\(name): invalid value '\(value)' (\(names) or 0-\(all.count - 1))")
    }
}
