import BondCore

/// Bonds of Debian's /etc/network/interfaces: ifenslave's `bond-*` keys on the bond's
/// stanza (and `bond-master` on its members'), or `ifenslave BOND IF...` run from
/// `pre-up` lines as older set-ups did; VLAN stanzas over the bond (`vlan-raw-device`,
/// `BOND.VID`, `vlanVID`) become its `vlans`; a bridge stanza with the bond as a port
/// its `bridge`. Module options from modprobe files apply to every bond first.
enum InterfacesImporter {
    static func bonds(files: [InterfacesFile], modprobe: [ModprobeOptions]) -> [ImportedBond] {
        let stanzas = files.flatMap { f in f.stanzas.map { (file: f.path, stanza: $0) } }
        func where_(_ file: String, _ line: Int) -> String { "\(file) line \(line)" }

        // Which names are bonds, and their members, in the order the file gives them.
        var order: [String] = []
        var members: [String: [String]] = [:]
        func bond(_ name: String) { if !order.contains(name) { order.append(name) } }
        for (_, s) in stanzas {
            if s.options.contains(where: { $0.key.hasPrefix("bond-") && $0.key != "bond-master" && $0.key != "bond-queue-id" }) {
                bond(s.name)
            }
            if let list = s.value("bond-slaves") {
                for m in list.split(separator: " ").map(String.init) where m != "none" { members[s.name, default: []].append(m) }
            }
            for (key, value, _) in s.options where ["pre-up", "up", "post-up"].contains(key) {
                if let (b, ms) = Commands.enslaved(value) {
                    bond(b)
                    members[b, default: []] += ms
                }
            }
        }
        for (_, s) in stanzas {
            if let master = s.value("bond-master") {
                bond(master)
                members[master, default: []].append(s.name)
            }
        }

        let moduleWords = modprobe.flatMap { m in m.words.map { (m.path, $0.word, $0.line) } }
        var result: [ImportedBond] = []
        for name in order {
            let own = stanzas.filter { $0.stanza.name == name }
            let origin = own.first.map { where_($0.file, $0.stanza.line) } ?? "member stanzas naming it in bond-master"
            var b = ImportedBond(name: name, origin: origin)
            for m in members[name] ?? [] { b.addMember(m) }
            for (file, word, line) in moduleWords {
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                apply(OptionVocabulary.canonical(parts[0]), parts[1], at: where_(file, line), to: &b)
            }
            for (file, s) in own {
                for (key, value, line) in s.options {
                    let at = where_(file, line)
                    switch key {
                    case "bond-slaves", "bond-master": break
                    case let k where k.hasPrefix("bond-"):
                        let option = OptionVocabulary.kernelName(ifupdownKey: k)
                        // ifenslave took a list for bond-primary; the kernel one member.
                        let v = option == "primary" ? String(value.split(separator: " ").first ?? "") : value
                        apply(option, v, at: at, to: &b)
                    default:
                        attachment(key, value, at: at, stanza: s, to: &b)
                    }
                }
                if s.method == "dhcp" {
                    b.note(
                        "\(where_(file, s.line)): 'iface \(name) \(s.family) dhcp': bondd sets no address by DHCP; run the DHCP client on \(name) once it is up"
                    )
                }
                if s.method == "static", s.value("address") == nil {
                    b.note("\(where_(file, s.line)): 'iface \(name) \(s.family) static' without an address")
                }
            }
            // Options of the members' own stanzas: what bondd has no per-member key for.
            for (file, s) in stanzas where b.members.contains(s.name) {
                for (key, value, line) in s.options where key.hasPrefix("bond-") && key != "bond-master" {
                    b.note("\(where_(file, line)): '\(key) \(value)' on member \(s.name): no per-member key in bondd")
                }
            }
            vlans(of: &b, stanzas: stanzas)
            bridges(of: &b, stanzas: stanzas)
            if b.members.isEmpty { b.note("\(origin): no members (bond-slaves, bond-master or ifenslave lines)") }
            result.append(b)
        }
        return result
    }

    /// A kernel option from ifenslave or modprobe, or a note when bondd does without it.
    static func apply(_ option: String, _ raw: String, at: String, to b: inout ImportedBond) {
        if let why = OptionVocabulary.unneeded[option] {
            b.note("\(at): '\(option) \(raw)' is not needed: \(why)")
            return
        }
        if option == "queue_id" {
            b.note("\(at): 'queue_id \(raw)': bondd has no per-member queue ids")
            return
        }
        b.set(option, OptionVocabulary.value(of: option, raw))
    }

    /// The bond stanza's other lines: addresses and MTU are bondd keys; commands
    /// that only bring the bond up are what bondd does itself; the rest is a note.
    static func attachment(_ key: String, _ value: String, at: String, stanza s: InterfacesFile.Stanza, to b: inout ImportedBond) {
        switch key {
        case "address":
            if value.contains("/") {
                b.addresses.append(value)
            } else if let mask = s.value("netmask"), let prefix = Netmask.prefixLength(mask) {
                b.addresses.append("\(value)/\(prefix)")
            } else {
                b.note("\(at): 'address \(value)' without a netmask")
            }
        case "netmask": break
        case "mtu":
            if let m = Int(value) { b.mtu = m } else { b.note("\(at): 'mtu \(value)' is not a number") }
        case "pre-up", "up", "post-up", "down", "pre-down", "post-down":
            // echo 100 > /sys/class/net/BOND/bonding/miimon: the option itself.
            if ["pre-up", "up"].contains(key), let w = Commands.sysfsWrite(value), w.bond == b.name, w.file != "slaves" {
                apply(OptionVocabulary.canonical(w.file), w.value, at: at, to: &b)
            } else if !Commands.isBondHousekeeping(value, bond: b.name) {
                b.note("\(at): '\(key) \(value)' is not carried over")
            }
        default:
            b.note("\(at): '\(key) \(value)' is not carried over: \(OptionVocabulary.hostSetting(key) ?? "not a bond setting")")
        }
    }

    /// VLAN stanzas over the bond: its `vlans`, named as the stanza is.
    static func vlans(of b: inout ImportedBond, stanzas: [(file: String, stanza: InterfacesFile.Stanza)]) {
        for (file, s) in stanzas {
            let raw = s.value("vlan-raw-device") ?? (s.name.hasPrefix(b.name + ".") ? b.name : nil)
            guard raw == b.name, s.name != b.name else { continue }
            guard let vid = vlanID(of: s), (1...4094).contains(vid) else {
                b.note("\(file) line \(s.line): VLAN \(s.name) over \(b.name): no VLAN id (vlan-id, or a name BOND.VID or vlanVID)")
                continue
            }
            if b.vlans.contains(where: { $0.vid == vid }) { continue }
            b.vlans.append(VLANSpec(vid: vid, name: s.name == "\(b.name).\(vid)" ? nil : s.name))
            for (key, value, line) in s.options where !["vlan-raw-device", "vlan-id"].contains(key) {
                if ["pre-up", "up", "post-up", "down", "pre-down", "post-down"].contains(key),
                    Commands.isBondHousekeeping(value, bond: s.name) || Commands.isBondHousekeeping(value, bond: b.name)
                {
                    continue
                }
                b.note(
                    "\(file) line \(line): '\(key) \(value)' on VLAN \(s.name): bondd makes \(s.name) but sets nothing on it; keep this in the VLAN's stanza"
                )
            }
        }
    }

    static func vlanID(of s: InterfacesFile.Stanza) -> UInt16? {
        if let v = s.value("vlan-id") { return UInt16(v) }
        if let dot = s.name.lastIndex(of: ".") { return UInt16(s.name[s.name.index(after: dot)...]) }
        if s.name.hasPrefix("vlan") { return UInt16(s.name.dropFirst(4)) }
        return nil
    }

    /// A bridge with the bond as a port: its `bridge`. A bridge over one of the bond's
    /// VLANs is said as a note: bondd makes the VLAN device, the bridge stanza adds it.
    static func bridges(of b: inout ImportedBond, stanzas: [(file: String, stanza: InterfacesFile.Stanza)]) {
        let vlanNames = Set(b.vlans.map { $0.deviceName(bond: b.name) })
        for (file, s) in stanzas {
            var ports = (s.value("bridge_ports") ?? s.value("bridge-ports") ?? "").split(separator: " ").map(String.init)
            for c in s.values("pre-up") + s.values("up") { ports += Commands.bridgePorts(c, bridge: s.name) }
            if ports.contains(b.name) {
                if let other = b.bridge, other != s.name {
                    b.note("\(file) line \(s.line): \(b.name) is also a port of \(s.name); bondd joins one bridge (\(other))")
                } else {
                    b.bridge = s.name
                }
            }
            for v in ports where vlanNames.contains(v) {
                b.note(
                    "\(file) line \(s.line): bridge \(s.name) over VLAN \(v): make \(v) its port once bondd made it (the bridge's stanza does; bondd keeps the port across restarts)"
                )
            }
        }
    }
}
