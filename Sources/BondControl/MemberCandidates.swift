import Foundation

/// Interfaces a shell offers where a member is asked for: Ethernet devices that can be
/// enslaved, not the loopback, a bridge, a kernel bond, a VLAN device, or a bond device
/// or engine end of bondd.
public enum MemberCandidates {
    public static func names(sysfs: String = "/sys/class/net", bonds: Set<String> = []) -> [String] {
        let fm = FileManager.default
        let all = (try? fm.contentsOfDirectory(atPath: sysfs)) ?? []
        return all.filter { name in
            let dir = sysfs + "/" + name
            // ARPHRD_ETHER: the loopback (772), tunnels and the like are not members.
            guard (try? String(contentsOfFile: dir + "/type", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
            else { return false }
            if fm.fileExists(atPath: dir + "/bridge") || fm.fileExists(atPath: dir + "/bonding") { return false }
            if fm.fileExists(atPath: "/proc/net/vlan/" + name) { return false }
            // bondd's own: a running bond's device; its engine ends and its members, which
            // bondd marks in their alias ("bondd engine end of bond0", "bondd VLAN 3 of
            // bond0", "bondd member of bond0"), whatever their names.
            if bonds.contains(name) { return false }
            if let alias = try? String(contentsOfFile: dir + "/ifalias", encoding: .utf8), alias.hasPrefix("bondd ") { return false }
            return true
        }.sorted()
    }
}
