import BondCore

/// Renders a bond's status in the layout of /proc/net/bonding/BOND, which admins and
/// their scripts know; `verbose` adds the engine's own: backend, wakeups, monitor
/// detail, counters and tables.
public enum StatusText {
    /// "polling every 213 µs (coalesce=adaptive; 3 tries, 1 slowed the traffic)".
    static func wakeups(_ w: WakeupStatus) -> String {
        if let b = w.busyPollMicroseconds {
            let how = w.waiting == "busy-poll" ? "busy-polling" : "on the sockets"
            return "\(how) (busy_poll=\(b): \(b) µs without sleeping after each frame; \(w.busyPolledFrames ?? 0) frames taken so)"
        }
        let how = w.tickMicroseconds.map { "polling every \($0) µs" } ?? "on the sockets"
        guard w.coalesce == "adaptive" else { return "\(how) (coalesce=off)" }
        return "\(how) (coalesce=adaptive; \(w.probes) tries to poll, \(w.probesSlowed) slowed the traffic)"
    }

    public static func render(_ s: BondStatus, verbose: Bool = false) -> String {
        var out = "Ethernet Channel Bonding Driver: bondd \(BondVersion.string) (user space)\n\n"
        out += "Bonding Mode: \(s.modeDescription)\n"
        let mode = s.mode
        if mode.balancesByHash { out += "Transmit Hash Policy: \(s.xmitHashPolicy.kernelName) (\(s.xmitHashPolicy.rawValue))\n" }
        if mode.usesPrimary {
            if let p = s.primary {
                out += "Primary Slave: \(p) (primary_reselect \(s.primaryReselect.kernelName))\n"
            } else {
                out += "Primary Slave: None\n"
            }
            out += "Currently Active Slave: \(s.activeMember ?? "None")\n"
        }
        if verbose, let b = s.backend { out += "Backend: \(b)\(s.backendDetail.map { " (\($0))" } ?? "")\n" }
        if verbose, let w = s.wakeups { out += "Wakeups: \(wakeups(w))\n" }
        if verbose, let t = s.engineThread {
            out += "Engine thread: \(t.id) on CPU \(t.cpu) (may run on \(t.cpus); engine_cpus=\(s.options["engine_cpus"].flatMap { $0 } ?? "all"))\n"
        }
        if verbose, let threads = s.forwardingThreads {
            let each = threads.map { "\($0.number == 0 ? "engine" : "#\($0.number)") \($0.frames)" }.joined(separator: ", ")
            var steering = ""
            if s.options["workers_steer"].flatMap({ $0 }) == "cpu", let list = s.options["engine_cpus"].flatMap({ $0 }),
                let cpus = try? CPUList.parse(list, option: "engine_cpus")
            {
                let placed = threads.map { t in
                    "\(t.number == 0 ? "engine" : "#\(t.number)") on CPU \(t.number < cpus.cpus.count ? String(cpus.cpus[t.number]) : "?")"
                }
                steering = " by the CPU that received them (\(placed.joined(separator: ", ")))"
            }
            out += "Forwarding threads: \(threads.count)\(steering), frames read: \(each)\n"
        }
        if let a = s.awaitedMembers, !a.isEmpty { out += "Awaited members: \(a.joined(separator: ", ")) (each joins when it appears)\n" }
        out += "MII Status: \(s.carrier)\n"
        out += "MII Polling Interval (ms): \(s.miimon)\n"
        out += "Up Delay (ms): \(s.updelay)\n"
        out += "Down Delay (ms): \(s.downdelay)\n"
        out += "Peer Notification Delay (ms): \(s.peerNotifDelay)\n"
        if let a = s.arpMonitor {
            out += "ARP Polling Interval (ms): \(a.interval)\n"
            out += "ARP Missed Max: \(a.missedMax)\n"
            if !a.arpTargets.isEmpty { out += "ARP IP target/s (n.n.n.n form): \(a.arpTargets.joined(separator: ", "))\n" }
            if !a.nsTargets.isEmpty { out += "NS IPv6 target/s (xx::xx form): \(a.nsTargets.joined(separator: ", "))\n" }
            out += "ARP Validate: \(a.validate.kernelName) (\(a.validate.rawValue))\n"
            out += "ARP All Targets: \(a.allTargets.kernelName) (\(a.allTargets.rawValue))\n"
            if verbose, let w = a.waiting { out += "ARP Monitor: waiting, no member judged (\(w))\n" }
        }
        if let l = s.lacp { out += LACPText.bond(l, name: s.name) }
        if verbose {
            if s.failOverMAC != .none { out += "Fail Over MAC: \(s.failOverMAC.kernelName)\n" }
            if mode == .balanceRR { out += "Packets Per Slave: \(s.packetsPerSlave)\n" }
            out += "Failovers: \(s.failovers)"
            if let r = s.lastFailoverReason { out += " (last: \(r)\(s.lastFailoverMillisecondsAgo.map { ", \($0) ms ago" } ?? ""))" }
            out += "\n"
        }
        for m in s.members {
            // The kernel's lines, in its order; then the engine's, with --verbose.
            out += "\nSlave Interface: \(m.name)\n"
            out += "MII Status: \(m.link)\n"
            out += "Speed: \(m.speed > 0 ? "\(m.speed) Mbps" : "Unknown")\n"
            out += "Duplex: \(m.duplex ?? "Unknown")\n"
            out += "Link Failure Count: \(m.linkFailures)\n"
            out += "Permanent HW addr: \(m.permanentMAC)\n"
            // bondd steers no member by queue: every one is on the default queue, 0.
            out += "Slave queue ID: 0\n"
            if m.prio != 0 { out += "Prio: \(m.prio)\n" }
            if let l = m.lacp { out += LACPText.member(l) }
            guard verbose else { continue }
            out += "Monitor: \(m.verdict) (\(m.lastChangeMillisecondsAgo) ms ago)\n"
            if let t = m.targets {
                let seen = t.map { "\($0.target) " + ($0.lastSeenMillisecondsAgo.map { "\($0) ms ago" } ?? "never") }
                out += "Targets heard: \(seen.joined(separator: ", "))\n"
                out += "Probes sent: \(m.probesSent ?? 0)  replies counted: \(m.repliesValidated ?? 0)\n"
            }
            if let mac = m.mac, mac != s.mac || s.failOverMAC != .none { out += "Current HW addr: \(mac)\n" }
            out += "State: \(m.state)\n"
            out += "TX packets: \(m.txPackets)  bytes: \(m.txBytes)  drops: \(m.txDrops)\n"
            out += "RX packets: \(m.rxPackets)  bytes: \(m.rxBytes)  drops: \(m.rxDrops)  missed: \(m.rxMissed)\n"
        }
        if let v = s.vlans, !v.isEmpty { out += vlanTable(v) }
        guard verbose else { return out }
        if let u = s.uppers, u.count > 1 || u.contains(where: { !$0.addresses.isEmpty }) {
            out += "\nDevices above the bond (addresses announced after a failover, probes sent from):\n"
            for d in u {
                let addresses = d.addresses.isEmpty ? "no addresses" : d.addresses.joined(separator: ", ")
                out += "  \(d.name)\(d.vlan.map { " (VLAN \($0))" } ?? ""), \(d.mac): \(addresses)\n"
            }
        }
        if let b = s.buckets, !b.isEmpty {
            out += "\nTransmit buckets (bucket: member, bytes this interval, load history):\n"
            for x in b { out += "  \(x.bucket): \(x.member), \(x.txBytes) B, \(x.loadHistory ?? 0) B/s\n" }
        }
        if let v = s.vifs, !v.isEmpty {
            out += "\nVIF MACs (MAC [VLAN]: bucket -> member):\n"
            for x in v { out += "  \(x.mac)\(x.vlan.map { " vlan \($0)" } ?? ""): \(x.bucket) -> \(x.member ?? "unassigned")\n" }
        }
        if let b = s.vifBuckets, !b.isEmpty {
            out += "\nVIF buckets (bucket: member, bytes, halved each rebalance):\n"
            for x in b { out += "  \(x.bucket): \(x.member), \(x.txBytes) B\n" }
        }
        if let cl = s.clients, !cl.isEmpty {
            out += "\nALB clients (client IP, MAC -> member, for our IP):\n"
            for x in cl { out += "  \(x.ip) \(x.mac ?? "(unknown)") -> \(x.member), for \(x.ourIP)\(x.vlan.map { " vlan \($0)" } ?? "")\n" }
        }
        let c = s.counters
        out +=
            "\nFrames refused: runt \(c.runt), truncated \(c.truncated), oversize \(c.oversize), no member \(c.noMember); not taken by the bond device \(c.deliveryDrops)\n"
            + "Frames the host sent that the engine's rings had no room for: \(c.deviceMissed)\n"
        return out
    }

    /// The VLAN devices as a table: counters as `ip -s link` shows them on the device.
    static func vlanTable(_ vlans: [VLANStatus]) -> String {
        let rows = vlans.map { v in
            [
                v.name, String(v.vid), v.state, v.carrier, v.path, String(v.rxPackets), String(v.rxBytes), String(v.rxDrops), String(v.txPackets),
                String(v.txBytes),
            ]
        }
        let header = ["Device", "VID", "State", "Carrier", "Path", "RX pkts", "RX bytes", "RX drops", "TX pkts", "TX bytes"]
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        func line(_ cells: [String]) -> String {
            "  "
                + cells.enumerated().map { c, x in
                    c < 5 ? x.padding(toLength: widths[c], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[c] - x.count) + x
                }
                .joined(separator: "  ") + "\n"
        }
        return "\nVLAN devices:\n" + line(header) + rows.map(line).joined()
    }
}
