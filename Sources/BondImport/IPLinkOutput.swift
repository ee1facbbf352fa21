import BondCore
import Foundation

/// A running kernel bond as `ip -d link show` (or `ip -d addr show`, which adds the
/// addresses) prints it, in text or with `-j`: the bond's options from its `bond ...`
/// line, members from `master BOND`, per-member `prio`, VLAN devices over it, the
/// bridge it is a port of. Every option the kernel prints is there, set or not: only
/// those that differ from bondd's defaults are written.
enum IPLinkOutput {
    struct Link {
        var name: String
        var mtu: Int?
        var master: String?
        var kind: String?
        var bond: [(key: String, value: String)] = []
        var member: [(key: String, value: String)] = []
        var vlanID: UInt16?
        var vlanLink: String?
        var addresses: [String] = []
    }

    /// The bond line's words that name options (the rest is run-time state: ad_info,
    /// active_slave, the aggregator).
    static let optionKeys: Set<String> = [
        "mode", "miimon", "updelay", "downdelay", "peer_notify_delay", "use_carrier", "arp_interval", "arp_missed_max",
        "arp_ip_target", "ns_ip6_target", "arp_validate", "arp_all_targets", "primary", "primary_reselect", "fail_over_mac",
        "xmit_hash_policy", "resend_igmp", "num_grat_arp", "all_slaves_active", "min_links", "lp_interval",
        "packets_per_slave", "lacp_active", "lacp_rate", "ad_select", "ad_actor_sys_prio", "ad_user_port_key",
        "ad_actor_system", "tlb_dynamic_lb", "coupled_control", "broadcast_neighbor", "lacp_strict",
    ]
    /// Member words worth a key: the rest (state, mii_status, counters) is state.
    static let memberKeys: Set<String> = ["queue_id", "prio", "actor_port_prio"]

    static func looksLikeText(_ text: String) -> Bool {
        text.split(separator: "\n").first.map { $0.range(of: #"^\d+: [^:]+: <"#, options: .regularExpression) != nil } ?? false
    }

    static func parseText(_ text: String) -> [Link] {
        var links: [Link] = []
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = words.first else { continue }
            if line.first?.isNumber == true, first.hasSuffix(":"), words.count > 1 {
                // 5: bond0.10@bond0: <...> mtu 1500 ... master br0 state UP ...
                var name = String(words[1].dropLast())
                if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
                var l = Link(name: name)
                l.mtu = value(after: "mtu", in: words).flatMap { Int($0) }
                l.master = value(after: "master", in: words)
                links.append(l)
                continue
            }
            guard !links.isEmpty else { continue }
            switch first {
            case "bond":
                links[links.count - 1].kind = "bond"
                links[links.count - 1].bond = pairs(words.dropFirst(), keys: optionKeys)
            case "bond_slave":
                links[links.count - 1].member = pairs(words.dropFirst(), keys: memberKeys)
            case "vlan":
                links[links.count - 1].kind = "vlan"
                links[links.count - 1].vlanID = value(after: "id", in: words).flatMap { UInt16($0) }
            case "inet", "inet6":
                // Link-local addresses (scope link) are the kernel's own, not configured.
                if words.count > 1, value(after: "scope", in: words) != "link" { links[links.count - 1].addresses.append(words[1]) }
            default: break
            }
        }
        // A VLAN's link is the part after '@' in the header; text output names it there only.
        for line in text.split(separator: "\n") where line.first?.isNumber == true {
            let words = line.split(separator: " ")
            guard words.count > 1, let at = words[1].firstIndex(of: "@") else { continue }
            let name = String(words[1][..<at])
            let link = String(words[1][words[1].index(after: at)...].dropLast())
            if let i = links.firstIndex(where: { $0.name == name }) { links[i].vlanLink = link }
        }
        return links
    }

    static func value(after key: String, in words: [String]) -> String? {
        words.firstIndex(of: key).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }
    }

    static func pairs(_ words: ArraySlice<String>, keys: Set<String>) -> [(key: String, value: String)] {
        var out: [(String, String)] = []
        var i = words.startIndex
        while i < words.endIndex {
            if keys.contains(words[i]), i + 1 < words.endIndex {
                out.append((words[i], words[i + 1]))
                i += 2
            } else {
                i += 1
            }
        }
        return out
    }

    /// `ip -d -j link show` / `ip -d -j addr show`.
    static func parseJSON(_ text: String) throws(ImportError) -> [Link] {
        guard let array = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] else {
            throw ImportError("not the JSON of 'ip -j link show' (an array of links)")
        }
        // JSON names some options apart from the text's.
        let renamed = ["num_peer_notif": "num_grat_arp", "ad_lacp_rate": "lacp_rate", "ad_lacp_active": "lacp_active"]
        return array.compactMap { o in
            guard let name = o["ifname"] as? String else { return nil }
            var l = Link(name: name)
            l.mtu = o["mtu"] as? Int
            l.master = o["master"] as? String
            l.vlanLink = o["link"] as? String
            let info = (o["linkinfo"] as? [String: Any]) ?? [:]
            l.kind = info["info_kind"] as? String
            let data = (info["info_data"] as? [String: Any]) ?? [:]
            if l.kind == "bond" {
                for (k, v) in data.sorted(by: { $0.key < $1.key }) {
                    let key = renamed[k] ?? k
                    guard optionKeys.contains(key) else { continue }
                    let text: String
                    if let list = v as? [Any] {
                        text = list.map { "\($0)" }.joined(separator: ",")
                    } else if v is NSNull {
                        text = key == "arp_validate" ? "none" : ""
                    } else if let s = v as? String {
                        text = s
                    }
                    // Numbers and booleans are both NSNumber here: a boolean is on/off.
                    else if let n = v as? NSNumber {
                        text = ["coupled_control", "broadcast_neighbor", "lacp_strict"].contains(key) ? (n.boolValue ? "on" : "off") : n.stringValue
                    } else {
                        text = "\(v)"
                    }
                    l.bond.append((key, text))
                }
            }
            if l.kind == "vlan" { l.vlanID = (data["id"] as? Int).flatMap { UInt16(exactly: $0) } }
            for (k, v) in ((info["info_slave_data"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) where memberKeys.contains(k) {
                l.member.append((k, "\(v)"))
            }
            for a in (o["addr_info"] as? [[String: Any]]) ?? [] {
                guard let local = a["local"] as? String, let p = a["prefixlen"] as? Int, (a["scope"] as? String) != "link" else { continue }
                l.addresses.append("\(local)/\(p)")
            }
            return l
        }
    }

    static func bonds(links: [Link], source: String) -> [ImportedBond] {
        links.filter { $0.kind == "bond" }.map { bond in
            var b = ImportedBond(name: bond.name, origin: source)
            for l in links where l.master == bond.name { b.addMember(l.name) }
            let mode = bond.bond.first { $0.key == "mode" }.map { OptionVocabulary.value(of: "mode", $0.value) } ?? "balance-rr"
            b.set("mode", mode)
            for (key, raw) in bond.bond where key != "mode" {
                let option = OptionVocabulary.canonical(key)
                let value = OptionVocabulary.value(of: option, raw)
                // Set or not, the kernel prints every option: what it has by default
                // was not configured (miimon excepted: the kernel makes it 100 by itself
                // in some modes, and a bond without it is a different bond).
                if option != "miimon" || value == "0", kernelDefaults[option] == value { continue }
                InterfacesImporter.apply(option, value, at: "\(source): \(bond.name)", to: &b)
            }
            // The kernel's prio per member is bondd's prio=MEMBER:N.
            let prios = links.filter { $0.master == bond.name }.compactMap { l in
                l.member.first { $0.key == "prio" && $0.value != "0" }.map { "\(l.name):\($0.value)" }
            }
            if !prios.isEmpty { b.set("prio", prios.joined(separator: ",")) }
            for l in links where l.master == bond.name {
                if let q = l.member.first(where: { $0.key == "queue_id" && $0.value != "0" }) {
                    b.note("\(source): \(l.name): queue_id \(q.value): bondd has no per-member queue ids")
                }
            }
            b.addresses = bond.addresses
            if let mtu = bond.mtu, mtu != 1500 { b.mtu = mtu }
            if let master = bond.master { b.bridge = master }
            for l in links where l.kind == "vlan" && l.vlanLink == bond.name {
                guard let vid = l.vlanID else { continue }
                b.vlans.append(VLANSpec(vid: vid, name: l.name == "\(bond.name).\(vid)" ? nil : l.name))
                if !l.addresses.isEmpty { b.note("\(source): the addresses of VLAN \(l.name) are not set by bondd; set them once the bond is up") }
            }
            return b
        }
    }

    /// The kernel's value of each option nobody set (drivers/net/bonding/bond_main.c's
    /// defaults), as `ip -d link` prints it.
    static let kernelDefaults: [String: String] = [
        "miimon": "0", "updelay": "0", "downdelay": "0", "peer_notif_delay": "0", "use_carrier": "1",
        "arp_interval": "0", "arp_missed_max": "2", "arp_validate": "none", "arp_all_targets": "any",
        "primary_reselect": "always", "fail_over_mac": "none", "xmit_hash_policy": "layer2", "resend_igmp": "1",
        "num_grat_arp": "1", "all_slaves_active": "0", "min_links": "0", "lp_interval": "1", "packets_per_slave": "1",
        "lacp_active": "on", "lacp_rate": "slow", "ad_select": "stable", "ad_actor_sys_prio": "65535",
        "ad_user_port_key": "0", "ad_actor_system": "00:00:00:00:00:00", "tlb_dynamic_lb": "1",
        "coupled_control": "on", "broadcast_neighbor": "off", "lacp_strict": "off",
    ]
}
