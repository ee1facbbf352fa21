import BondCore
import Yams

/// netplan's `bonds:` (netplan.yaml(5)): `interfaces`, `addresses`, `mtu` and
/// `parameters` with netplan's own names for the kernel's options; `vlans:` with a
/// bond as `link` and `bridges:` with it among `interfaces` complete it.
enum NetplanFile {
    /// netplan's parameter names and the kernel's.
    static let parameters: [String: String] = [
        "mode": "mode", "lacp-rate": "lacp_rate", "mii-monitor-interval": "miimon", "min-links": "min_links",
        "transmit-hash-policy": "xmit_hash_policy", "ad-select": "ad_select",
        "all-members-active": "all_slaves_active", "all-slaves-active": "all_slaves_active",
        "arp-interval": "arp_interval", "arp-ip-targets": "arp_ip_target", "arp-validate": "arp_validate",
        "arp-all-targets": "arp_all_targets", "up-delay": "updelay", "down-delay": "downdelay",
        "fail-over-mac-policy": "fail_over_mac", "gratuitous-arp": "num_grat_arp", "gratuitious-arp": "num_grat_arp",
        "packets-per-member": "packets_per_slave", "packets-per-slave": "packets_per_slave",
        "primary-reselect-policy": "primary_reselect", "resend-igmp": "resend_igmp",
        "learn-packet-interval": "lp_interval", "primary": "primary",
    ]
    /// Parameters netplan takes as a time (`100`, `100ms`, `1s`) that the kernel takes in ms.
    static let milliseconds: Set<String> = ["miimon", "updelay", "downdelay", "arp_interval"]

    static func bonds(files: [(path: String, text: String)]) throws(ImportError) -> [ImportedBond] {
        var docs: [(path: String, network: [String: Any])] = []
        for (path, text) in files {
            let loaded: Any?
            do { loaded = try Yams.load(yaml: text) } catch {
                throw ImportError("\(path): not YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
            }
            guard let top = loaded as? [String: Any], let network = top["network"] as? [String: Any] else {
                throw ImportError("\(path): no 'network:' mapping (not a netplan file)")
            }
            docs.append((path, network))
        }
        func section(_ name: String) -> [(path: String, name: String, body: [String: Any])] {
            docs.flatMap { d in
                ((d.network[name] as? [String: Any]) ?? [:]).sorted { $0.key < $1.key }
                    .map { (d.path, $0.key, ($0.value as? [String: Any]) ?? [:]) }
            }
        }
        var kernelNames: [String: String] = [:]
        for (_, id, body) in section("ethernets") { if let n = body["set-name"] as? String { kernelNames[id] = n } }
        var result: [ImportedBond] = []
        for (path, name, body) in section("bonds") {
            var b = ImportedBond(name: name, origin: "\(path) (bonds: \(name))")
            // Members are netplan IDs: an ethernet renamed with set-name is that name.
            for m in strings(body["interfaces"]) { b.addMember(kernelNames[m] ?? m) }
            addresses(body, path: path, to: &b)
            if let mtu = body["mtu"] { if let m = Int("\(mtu)") { b.mtu = m } else { b.note("\(path): \(name): mtu \(mtu) is not a number") } }
            for (key, value) in ((body["parameters"] as? [String: Any]) ?? [:]).sorted(by: { order($0.key) < order($1.key) }) {
                guard let option = parameters[key] else {
                    b.note("\(path): \(name): parameter '\(key): \(value)' has no bondd equivalent")
                    continue
                }
                var v = value is [Any] ? strings(value).joined(separator: ",") : "\(value)"
                if v == "true" || v == "false" { v = v == "true" ? "1" : "0" }
                if milliseconds.contains(option), let ms = milliseconds(v) { v = String(ms) }
                if option == "primary" { v = kernelNames[v] ?? v }
                InterfacesImporter.apply(option, v, at: "\(path): \(name): \(key)", to: &b)
            }
            for key in body.keys.sorted() where !["interfaces", "addresses", "mtu", "parameters", "dhcp4", "dhcp6", "renderer"].contains(key) {
                b.note("\(path): \(name): '\(key)' is not carried over: \(OptionVocabulary.hostSetting(key) ?? "not a bond setting")")
            }
            for (path, vname, v) in section("vlans") where v["link"] as? String == name {
                guard let id = v["id"].flatMap({ UInt16("\($0)") }), (1...4094).contains(id) else {
                    b.note("\(path): VLAN \(vname) over \(name) without an id")
                    continue
                }
                b.vlans.append(VLANSpec(vid: id, name: vname == "\(name).\(id)" ? nil : vname))
                if v["addresses"] != nil || v["dhcp4"] != nil {
                    b.note("\(path): the addresses of VLAN \(vname) are not set by bondd; set them once the bond is up")
                }
            }
            let vlanNames = Set(b.vlans.map { $0.deviceName(bond: name) })
            for (path, br, v) in section("bridges") {
                let ports = strings(v["interfaces"])
                if ports.contains(name) { b.bridge = br }
                for p in ports where vlanNames.contains(p) {
                    b.note("\(path): bridge \(br) over VLAN \(p): make \(p) its port once bondd made it")
                }
            }
            result.append(b)
        }
        return result
    }

    /// `mode` first, as the kernel needs it before the options of a mode.
    static func order(_ key: String) -> String { key == "mode" ? "" : key }

    static func strings(_ v: Any?) -> [String] { (v as? [Any])?.map { "\($0)" } ?? [] }

    static func milliseconds(_ text: String) -> Int? {
        if let n = Int(text) { return n }
        if text.hasSuffix("ms"), let n = Int(text.dropLast(2)) { return n }
        if text.hasSuffix("s"), let n = Int(text.dropLast()) { return n * 1000 }
        return nil
    }

    static func addresses(_ body: [String: Any], path: String, to b: inout ImportedBond) {
        // An address is a string, or a mapping of one address to its settings (lifetime, label).
        for a in (body["addresses"] as? [Any]) ?? [] {
            if let s = a as? String { b.addresses.append(s) } else if let m = a as? [String: Any], let s = m.keys.first { b.addresses.append(s) }
        }
        for key in ["dhcp4", "dhcp6"] where "\(body[key] ?? "false")" == "true" {
            b.note("\(path): \(b.name): \(key): bondd sets no address by DHCP; run the DHCP client on \(b.name) once it is up")
        }
    }
}
