import BondCore

/// How the tools bonds are configured with name the kernel's options, and what bondd
/// does without. Every format ends in the kernel's own names (`xmit_hash_policy`),
/// which are bondd's.
enum OptionVocabulary {
    /// ifenslave's `bond-xmit-hash-policy`, ifupdown's environment `IF_BOND_XMIT_HASH_POLICY`
    /// (lowercased): the kernel's `xmit_hash_policy`.
    static func kernelName(ifupdownKey key: String) -> String {
        var k = key.lowercased()
        if k.hasPrefix("bond-") || k.hasPrefix("bond_") { k.removeFirst(5) }
        return canonical(k.replacingOccurrences(of: "-", with: "_"))
    }

    /// Spellings that name the same option: what `ip -d link` prints, newer kernels'
    /// member words.
    static func canonical(_ name: String) -> String {
        switch name {
        case "peer_notify_delay": "peer_notif_delay"
        case "active_member": "active_slave"
        case "all_members_active": "all_slaves_active"
        case "packets_per_member": "packets_per_slave"
        default: name
        }
    }

    /// The value as bondd writes it: a mode by its name rather than its number, a list of
    /// targets comma-separated (ifenslave and sysfs take them one per word, or `+ADDR`).
    static func value(of name: String, _ raw: String) -> String {
        let v = raw.trimmingCharacters(in: " \t\"'")
        switch name {
        case "mode":
            if let n = Int(v), let m = BondMode.allCases.first(where: { $0.kernelNumber == n }) { return m.kernelName }
            return v
        case "arp_ip_target", "ns_ip6_target":
            return v.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" })
                .map { $0.hasPrefix("+") ? String($0.dropFirst()) : String($0) }
                .joined(separator: ",")
        case "lacp_rate":
            return v == "0" ? "slow" : v == "1" ? "fast" : v
        default:
            return v
        }
    }

    /// Options bondd takes no key for, and why: said as a note, not written as a key.
    static let unneeded: [String: String] = [
        "use_carrier": "bondd takes carrier from netlink link events",
        "max_bonds": "a module parameter; bondd makes one bond per section",
    ]

    /// Keys of the bond's stanza or file that belong to the host rather than to the bond.
    static func hostSetting(_ key: String) -> String? {
        let k = key.lowercased()
        if ["gateway", "gateway4", "gateway6", "routes", "up route", "post-up route"].contains(k) || k.hasPrefix("gateway") {
            return "bondd adds no routes; add them once the bond is up (or leave them to your network configuration)"
        }
        if k.hasPrefix("dns") || k == "nameservers" { return "name servers are the resolver's, not the bond's" }
        return nil
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
