import BondCore

/// Shell commands of `pre-up`/`up` lines that older set-ups build a bond with
/// (ifenslave, `ip link set M master B`, sysfs writes), read for what they mean.
enum Commands {
    private static func words(_ command: String) -> [String] {
        var w = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if let first = w.first, let slash = first.lastIndex(of: "/") { w[0] = String(first[first.index(after: slash)...]) }
        return w
    }

    /// The bond and the members a command enslaves, if it does.
    static func enslaved(_ command: String) -> (bond: String, members: [String])? {
        let w = words(command)
        guard let tool = w.first else { return nil }
        if tool == "ifenslave" {
            let flags = w.dropFirst().filter { $0.hasPrefix("-") }
            if flags.contains(where: { ["-d", "--detach", "-c", "--change-active"].contains($0) }) { return nil }
            let rest = w.dropFirst().filter { !$0.hasPrefix("-") }
            guard let bond = rest.first, rest.count > 1 else { return nil }
            return (bond, Array(rest.dropFirst()))
        }
        if tool == "ip", let (member, master) = linkMaster(w), master.hasPrefix("bond") { return (master, [member]) }
        // echo +eth0 > /sys/class/net/bond0/bonding/slaves
        if let (bond, file, value) = sysfsWrite(command), file == "slaves", value.hasPrefix("+") {
            return (bond, [String(value.dropFirst())])
        }
        return nil
    }

    /// `ip link set [dev] M master B`: (M, B).
    private static func linkMaster(_ w: [String]) -> (String, String)? {
        guard w.count >= 5, w[1] == "link" || w[1] == "l", w[2] == "set", let m = w.firstIndex(of: "master"), m + 1 < w.count else { return nil }
        let dev = w[3] == "dev" ? (w.count > 4 ? w[4] : "") : w[3]
        return (dev, w[m + 1])
    }

    /// `echo VALUE > /sys/class/net/BOND/bonding/FILE`: (BOND, FILE, VALUE).
    static func sysfsWrite(_ command: String) -> (bond: String, file: String, value: String)? {
        let parts = command.split(separator: ">", maxSplits: 1).map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
        guard parts.count == 2, parts[0].first == "echo", parts[0].count >= 2, let target = parts[1].first else { return nil }
        let path = target.split(separator: "/").map(String.init)
        guard path.count == 6, path[0] == "sys", path[1] == "class", path[2] == "net", path[4] == "bonding" else { return nil }
        return (path[3], path[5], parts[0].dropFirst().joined(separator: " ").trimmingCharacters(in: "\"'"))
    }

    /// Ports a command adds to bridge `bridge` (`brctl addif BR P...`, `ip link set P master BR`).
    static func bridgePorts(_ command: String, bridge: String) -> [String] {
        let w = words(command)
        if w.first == "brctl", w.count >= 4, w[1] == "addif", w[2] == bridge { return Array(w[3...]) }
        if w.first == "ip", let (port, master) = linkMaster(w), master == bridge { return [port] }
        return []
    }

    /// Whether a command only does what bondd does itself when it runs `bond`: load
    /// modules, enslave and release, bring interfaces up and down, run ifup/ifdown.
    static func isBondHousekeeping(_ command: String, bond: String) -> Bool {
        let w = words(command)
        guard let tool = w.first else { return true }
        switch tool {
        case "ifenslave", "modprobe", "ifup", "ifdown": return true
        case "ifconfig": return w.count == 3 && ["up", "down"].contains(w[2])
        case "ip":
            if linkMaster(w) != nil { return true }
            guard w.count >= 4, ["link", "l"].contains(w[1]) else { return false }
            if w[2] == "set" { return w.count <= 6 && (w.last == "up" || w.last == "down") }
            return ["add", "del", "delete"].contains(w[2]) && w.contains("bond")
        case "echo": return sysfsWrite(command) != nil
        default: return false
        }
    }
}

/// `255.255.255.0` or `24`: the prefix length.
enum Netmask {
    static func prefixLength(_ mask: String) -> Int? {
        if let n = Int(mask) { return (0...128).contains(n) ? n : nil }
        guard let bits = IPv4Address(mask)?.rawValue else { return nil }
        let ones = bits.nonzeroBitCount
        // A mask is contiguous ones from the top.
        return bits == (ones == 0 ? 0 : ~UInt32(0) << (32 - ones)) ? ones : nil
    }
}
