import BondCore

/// ifcfg files: SUSE's /etc/sysconfig/network/ifcfg-bond0 (BONDING_MASTER=yes,
/// BONDING_SLAVE0=eth0, BONDING_MODULE_OPTS='mode=... miimon=...') and Red Hat's
/// network-scripts (BONDING_OPTS="mode=1 miimon=100", members naming the bond in
/// their own files with MASTER=bond0 SLAVE=yes). Variables are shell assignments.
enum IfcfgFiles {
    struct File {
        var path: String
        var name: String
        var vars: [(key: String, value: String, line: Int)] = []
        func value(_ key: String) -> String? { vars.last { $0.key == key }?.value }

        init(path: String, text: String) {
            self.path = path
            for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.drop(while: { $0 == " " || $0 == "\t" })
                guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
                let key = String(line[..<eq])
                guard key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !key.isEmpty else { continue }
                vars.append((key, Self.unquoted(line[line.index(after: eq)...]), n + 1))
            }
            let base = path.split(separator: "/").last.map(String.init) ?? path
            let fromFile = base.hasPrefix("ifcfg-") ? String(base.dropFirst(6)) : base
            name = vars.last { $0.key == "DEVICE" }?.value ?? fromFile
        }

        /// A shell word: quotes removed, a trailing comment dropped.
        static func unquoted(_ s: Substring) -> String {
            var out = "", quote: Character?
            for c in s {
                if let q = quote {
                    if c == q { quote = nil } else { out.append(c) }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == "#" && (out.isEmpty || out.last == " ") {
                    break
                } else {
                    out.append(c)
                }
            }
            return out.trimmingCharacters(in: " \t")
        }

        var isBond: Bool {
            value("BONDING_MASTER")?.lowercased() == "yes" || value("TYPE")?.lowercased() == "bond"
                || value("BONDING_OPTS") != nil || value("BONDING_MODULE_OPTS") != nil
        }
        func at(_ line: Int) -> String { "\(path) line \(line)" }
    }

    /// Keys that say how an interface is managed, not what the bond is: nothing to carry.
    static let bookkeeping: Set<String> = [
        "DEVICE", "NAME", "UUID", "TYPE", "ONBOOT", "STARTMODE", "BOOTPROTO", "NM_CONTROLLED", "USERCTL",
        "BONDING_MASTER", "BONDING_OPTS", "BONDING_MODULE_OPTS", "MASTER", "SLAVE", "IPV6INIT", "IPV6_AUTOCONF",
        "DEFROUTE", "IPV4_FAILURE_FATAL", "IPV6_FAILURE_FATAL", "ZONE", "PREFIX", "NETMASK", "PREFIXLEN",
        "BROADCAST", "NETWORK", "HWADDR", "MACADDR", "BRIDGE", "MTU", "LLADDR", "ETHTOOL_OPTIONS",
    ]

    static func bonds(files: [File]) -> [ImportedBond] {
        var result: [ImportedBond] = []
        for f in files where f.isBond {
            var b = ImportedBond(name: f.name, origin: f.path)
            for (key, value, _) in f.vars where key.hasPrefix("BONDING_SLAVE") && key != "BONDING_SLAVE" || key == "BONDING_SLAVES" {
                for m in value.split(separator: " ") { b.addMember(String(m)) }
            }
            for other in files where other.value("MASTER") == f.name { b.addMember(other.name) }
            for (key, value, line) in f.vars where key == "BONDING_OPTS" || key == "BONDING_MODULE_OPTS" {
                for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                    let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else {
                        b.note("\(f.at(line)): '\(word)' in \(key) is not name=value")
                        continue
                    }
                    InterfacesImporter.apply(OptionVocabulary.canonical(parts[0]), parts[1], at: f.at(line), to: &b)
                }
            }
            addresses(of: f, to: &b)
            if let mtu = f.value("MTU") { if let m = Int(mtu) { b.mtu = m } else { b.note("MTU=\(mtu) is not a number") } }
            if let br = f.value("BRIDGE") { b.bridge = br }
            if let boot = f.value("BOOTPROTO")?.lowercased(), boot.hasPrefix("dhcp") {
                b.note("\(f.path): BOOTPROTO=\(boot): bondd sets no address by DHCP; run the DHCP client on \(f.name) once it is up")
            }
            for (key, value, line) in f.vars where !bookkeeping.contains(key) && !isAddressKey(key) && !key.hasPrefix("BONDING_SLAVE") {
                b.note("\(f.at(line)): \(key)=\(value) is not carried over: \(OptionVocabulary.hostSetting(key) ?? "not a bond setting")")
            }
            for other in files where b.members.contains(other.name) {
                for (key, value, line) in other.vars where key.hasPrefix("BONDING_") || key == "QUEUE_ID" {
                    b.note("\(other.at(line)): \(key)=\(value) on member \(other.name): no per-member key in bondd")
                }
            }
            vlans(of: &b, files: files)
            if b.members.isEmpty { b.note("\(f.path): no members (BONDING_SLAVEn, or MASTER=\(f.name) in a member's file)") }
            result.append(b)
        }
        return result
    }

    static func isAddressKey(_ key: String) -> Bool {
        ["IPADDR", "PREFIX", "PREFIXLEN", "NETMASK", "IPV6ADDR", "GATEWAY"].contains { key.hasPrefix($0) }
    }

    /// IPADDR[n|_x] with PREFIX/NETMASK/PREFIXLEN of the same suffix (or in the address), IPV6ADDR.
    static func addresses(of f: File, to b: inout ImportedBond) {
        for (key, value, line) in f.vars where key.hasPrefix("IPADDR") && !value.isEmpty {
            let suffix = String(key.dropFirst("IPADDR".count))
            if value.contains("/") {
                b.addresses.append(value)
            } else if let p = f.value("PREFIX" + suffix) ?? f.value("PREFIXLEN" + suffix) ?? (suffix.isEmpty ? nil : f.value("PREFIXLEN")),
                Int(p) != nil
            {
                b.addresses.append("\(value)/\(p)")
            } else if let m = f.value("NETMASK" + suffix), let p = Netmask.prefixLength(m) {
                b.addresses.append("\(value)/\(p)")
            } else {
                b.note("\(f.at(line)): \(key)=\(value) has no prefix (PREFIX\(suffix) or NETMASK\(suffix))")
            }
        }
        if let v6 = f.value("IPV6ADDR"), !v6.isEmpty { b.addresses.append(v6.contains("/") ? v6 : v6 + "/64") }
        for v6 in (f.value("IPV6ADDR_SECONDARIES") ?? "").split(separator: " ") { b.addresses.append(v6.contains("/") ? String(v6) : v6 + "/64") }
        if let g = f.value("GATEWAY") { b.note("\(f.path): GATEWAY=\(g) is not carried over: \(OptionVocabulary.hostSetting("gateway")!)") }
    }

    /// VLAN files over the bond: Red Hat's DEVICE=bond0.10 (VLAN=yes, PHYSDEV, VID)
    /// and SUSE's ETHERDEVICE=bond0 with VLAN_ID.
    static func vlans(of b: inout ImportedBond, files: [File]) {
        for f in files where f.name != b.name {
            let parent = f.value("ETHERDEVICE") ?? f.value("PHYSDEV") ?? (f.name.hasPrefix(b.name + ".") ? b.name : nil)
            guard parent == b.name else { continue }
            let id = f.value("VLAN_ID") ?? f.value("VID") ?? f.name.split(separator: ".").last.map(String.init)
            guard let vid = id.flatMap({ UInt16($0) }), (1...4094).contains(vid) else {
                b.note("\(f.path): VLAN \(f.name) over \(b.name) without a VLAN id")
                continue
            }
            b.vlans.append(VLANSpec(vid: vid, name: f.name == "\(b.name).\(vid)" ? nil : f.name))
            if f.value("IPADDR") != nil || f.value("BOOTPROTO")?.lowercased().hasPrefix("dhcp") == true {
                b.note("\(f.path): the address of VLAN \(f.name) is not set by bondd; set it once the bond is up")
            }
        }
    }
}
