/// Which options may change while a bond runs: the kernel's rules (bond_opt_check_deps),
/// so that scripts written for sysfs or `ip link set … type bond` meet the same refusals.
extension BondOptions {
    /// Refused while the bond has members (the kernel's BOND_OPTFLAG_NOSLAVES).
    public static let fixedWhileMembers: [String] = ["mode", "fail_over_mac"]
    /// Refused while the bond device is up (BOND_OPTFLAG_IFDOWN); alb_clients, ours,
    /// sizes the table that tlb_dynamic_lb's sibling state lives in, so it follows suit.
    public static let fixedWhileUp: [String] = ["tlb_dynamic_lb", "alb_clients"]
    /// bondd's own options that only a rebuild changes (how frames move, and by which
    /// threads): `bondctl reload` of a changed file rebuilds the bond.
    public static let fixedWhileRunning: [String] = ["backend", "tcp_in_kernel", "xdp_mode", "workers", "workers_steer"]

    /// Whether option `name` (a mode's own included) is refused while the device is up.
    public static func isFixedWhileUp(_ name: String) -> Bool {
        fixedWhileUp.contains(name) || ModeOption.named(name)?.option.fixedWhileUp == true
    }

    /// A word among `words` that changes an option fixed while the bond has members,
    /// found before the words are read together (whose mode checks would otherwise
    /// speak first, of options that depend on the new mode).
    public func fixedOptionChange(in words: [String], bond: String) throws(OptionError) {
        for w in words {
            guard let eq = w.firstIndex(of: "="), Self.fixedWhileMembers.contains(String(w[..<eq])) else { continue }
            let parsed = try Self.parse([w]).0
            var alone = self
            if w.hasPrefix("mode=") { alone.mode = parsed.mode } else { alone.failOverMAC = parsed.failOverMAC }
            if alone != self {
                try checkRuntimeChange(to: alone, bond: bond, deviceUp: true)
            }
        }
    }

    /// The kernel names of the options that differ between `self` and `new`.
    public func changedOptions(to new: BondOptions) -> [String] {
        var names: [String] = []
        func check<T: Equatable>(_ name: String, _ key: KeyPath<BondOptions, T>) {
            if self[keyPath: key] != new[keyPath: key] { names.append(name) }
        }
        check("mode", \.mode); check("miimon", \.miimon); check("updelay", \.updelay)
        check("downdelay", \.downdelay); check("primary", \.primary); check("primary_reselect", \.primaryReselect)
        check("active_slave", \.activeSlave); check("all_slaves_active", \.allSlavesActive)
        check("packets_per_slave", \.packetsPerSlave); check("num_grat_arp", \.numPeerNotif)
        check("peer_notif_delay", \.peerNotifDelay); check("fail_over_mac", \.failOverMAC)
        check("xmit_hash_policy", \.xmitHashPolicy); check("tlb_dynamic_lb", \.tlbDynamicLB)
        check("lp_interval", \.lpInterval); check("rebalance_interval", \.rebalanceInterval)
        check("alb_clients", \.albClients); check("arp_interval", \.arpInterval)
        check("arp_ip_target", \.arpTargets); check("ns_ip6_target", \.nsTargets)
        check("arp_validate", \.arpValidate); check("arp_all_targets", \.arpAllTargets)
        check("arp_missed_max", \.arpMissedMax); check("resend_igmp", \.resendIGMP); check("prio", \.prio)
        check("backend", \.backend); check("coalesce", \.coalesce); check("busy_poll", \.busyPoll)
        check("engine_cpus", \.engineCPUs); check("workers", \.workers); check("workers_steer", \.workersSteer)
        check("tcp_in_kernel", \.tcpInKernel); check("xdp_mode", \.xdpMode); check("vlans", \.vlans)
        for name in Set(modeSettings.keys).union(new.modeSettings.keys).sorted() where modeSettings[name] != new.modeSettings[name] {
            names.append(name)
        }
        return names
    }

    /// Throws the kernel's refusal, worded with what to do instead, when `new` changes
    /// an option that cannot change now.
    public func checkRuntimeChange(to new: BondOptions, bond: String, deviceUp: Bool) throws(OptionError) {
        let changed = changedOptions(to: new)
        if let o = changed.first(where: Self.fixedWhileRunning.contains) {
            throw OptionError(
                "\(o): cannot change while \(bond) runs; change it in the configuration file and run bondctl reload, which rebuilds the bond")
        }
        // Steered by CPU, each thread's CPU is in the fanout groups' programs.
        if changed.contains("engine_cpus") && (workersSteer == .cpu || new.workersSteer == .cpu) {
            throw OptionError(
                "engine_cpus: with workers_steer=cpu each thread keeps its CPU while \(bond) runs; change it in the configuration file and run bondctl reload, which rebuilds the bond"
            )
        }
        if let o = changed.first(where: Self.fixedWhileMembers.contains) {
            throw OptionError(
                "\(o): cannot change while \(bond) has members (the kernel refuses it too); change it in the configuration file and run bondctl reload, which rebuilds the bond"
            )
        }
        if deviceUp, let o = changed.first(where: Self.isFixedWhileUp) {
            throw OptionError("\(o): cannot change while \(bond) is up (the kernel refuses it too); run ip link set \(bond) down first")
        }
    }

    /// The monitor settings that make a new ARP/NS monitor when they change.
    func probeSettingsDiffer(from new: BondOptions) -> Bool {
        arpInterval != new.arpInterval || arpTargets != new.arpTargets || nsTargets != new.nsTargets
            || arpValidate != new.arpValidate || arpAllTargets != new.arpAllTargets || arpMissedMax != new.arpMissedMax
    }
}
