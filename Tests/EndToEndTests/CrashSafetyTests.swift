import BondControl
import Foundation
import Testing

/// bondd outlives what goes wrong around it.
@Suite(.serialized) struct CrashSafetyTests {
    /// A log reader that went away (stderr a closed pipe, as with `bondd ... | head`)
    /// must not kill the data plane with SIGPIPE: the bond keeps carrying traffic and
    /// answering, logs or not, and still restores its members on SIGTERM.
    @Test func aClosedStderrDoesNotKillTheBond() throws {
        let tb = try Testbed()
        let m = tb.members
        let socket = "/run/bondd/\(tb.bond).sock"
        let pidFile = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).pid"
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        // head reads one byte and exits: every later log line meets a closed pipe.
        let pipeline = try Shell.start(
            "ip netns exec \(tb["NS_HOST"]) sh -c "
                + Shell.quote(
                    "(exec \(Shell.binDirectory)/bondd \(tb.bond) --members \(m[0]),\(m[1]) --log-level debug mode=active-backup miimon=100 & echo $! > \(pidFile); wait) 2>&1 | head -c 1 >/dev/null"
                ))
        defer { pipeline.signal(SIGKILL); _ = pipeline.wait(timeout: 5) }
        #expect(Shell.waitFor(10) { (try? ControlClient.send(ControlRequest(command: .show), to: socket))?.ok == true })
        let pid = try #require(Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        defer { kill(pid, SIGKILL) }
        tb.inHost("ip addr add \(tb["BOND_IP4"])/24 dev \(tb.bond)")
        tb.inHost("ip link set \(tb.bond) up")
        // Failovers and runtime changes log lines, each a write into the closed pipe.
        for _ in 0..<3 {
            #expect(tb.inSwitch("ip link set \(tb.peers[0]) down").ok)
            #expect(tb.inSwitch("ip link set \(tb.peers[0]) up").ok)
            #expect(tb.bondctl("set \(tb.bond) miimon=50").ok)
            #expect(tb.bondctl("set \(tb.bond) miimon=100").ok)
        }
        #expect(kill(pid, 0) == 0, "bondd died writing to a closed stderr")
        #expect(Shell.waitFor(5) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok })
        #expect(kill(pid, SIGTERM) == 0)
        #expect(Shell.waitFor(10) { kill(pid, 0) != 0 })
        #expect(tb.hostLink(tb.bond) == nil)
        #expect(tb.hostLink(m[0])?["ifalias"] == nil)
    }

    /// Everything about a member that a bond changes and must give back, and whether
    /// anything of ours (tc filters, XDP programs) is attached to it.
    func memberState(_ tb: Testbed, _ name: String) -> String {
        let l = tb.hostLink(name) ?? [:]
        let flags = (l["flags"] as? [String] ?? []).filter { ["UP", "PROMISC", "ALLMULTI"].contains($0) }.sorted()
        let tc = tb.tcFilters(name)
        let xdp = tb.inHost("ip -d link show dev \(name)").output.contains("prog/xdp")
        return
            "mac=\(l["address"] ?? "") mtu=\(l["mtu"] ?? "") alias=\(l["ifalias"] ?? "none") flags=\(flags) tc=\(tc.contains("bondd") ? "bondd" : "none") xdp=\(xdp)"
    }

    /// SIGKILL under ping: the host is left as the dead bondd had it (bond device,
    /// bond MAC on the members, filters, programs). Starting the same command again
    /// repairs the members, takes the bond device over with everything the host put on
    /// it (addresses, a device stacked on it), comes up on the backend asked for and carries
    /// traffic with nothing configured again; the administrator's own tc filters on the
    /// bond device and a member stay through all of it (only the bond's are removed); a
    /// clean stop then gives every member back exactly as it was before the first start.
    @Test func aKilledBondStartsAgainAndRestoresTheMembersAsTheyWereAtFirst() throws {
        let tb = try Testbed()
        let m = tb.members
        tb.inHost("ip link set \(m[1]) mtu 1400")
        let before = m.map { memberState(tb, $0) }
        let options = ["mode=active-backup", "miimon=100", "fail_over_mac=none"]
        let first = try BondDaemon(tb, options: options)
        first.configureAddresses()
        // An upper device (this kernel has macvlan, not 8021q): the host's, not the bond's.
        let upper = tb.prefix + "mv"
        #expect(tb.inHost("ip link add link \(tb.bond) name \(upper) type macvlan").ok)
        let index = tb.hostLink(tb.bond)?["ifindex"] as? Int
        // The administrator's own tc filters beside the bond's (a classic BPF program
        // that matches nothing): on the bond device and on a member.
        let adminFilter = "bpf bytecode '1,6 0 0 0,'"
        #expect(tb.inHost("tc filter add dev \(tb.bond) ingress pref 100 \(adminFilter)").ok)
        #expect(tb.inHost("tc filter add dev \(m[0]) egress pref 100 \(adminFilter)").ok)
        func adminFilterOn(_ device: String) -> Bool { tb.tcFilters(device).contains("bytecode '1,6 0 0 0'") }
        #expect(Shell.waitFor(5) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok })
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.01 -c 1000 -W 1 \(tb["BOND_IP4"])")
        usleep(500_000)
        first.process.signal(SIGKILL)
        _ = first.process.wait(timeout: 10)
        // What a killed bondd leaves: the bond device, and members that are not as they were.
        #expect(tb.hostLink(tb.bond) != nil)
        #expect(m.map { memberState(tb, $0) } != before)
        #expect(FileManager.default.fileExists(atPath: "/run/bondd/\(tb.bond).state"))

        let killed = Date()
        let second = try BondDaemon(tb, options: options)
        #expect(Shell.waitFor(10) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok }, "\(second.log())")
        let outage = Date().timeIntervalSince(killed)
        #expect(second.log().contains("repairing what a bondd that did not stop cleanly left"), "\(second.log())")
        #expect(second.log().contains("kept the bond device \(tb.bond) for the new start"), "\(second.log())")
        #expect(second.log().contains("taking over the bond device a bondd that did not stop cleanly left (up,"), "\(second.log())")
        #expect(tb.hostLink(tb.bond)?["ifindex"] as? Int == index)
        #expect(tb.hostLink(upper) != nil)
        // Only the dead bondd's filters went: the administrator's stay where they were.
        #expect(adminFilterOn(tb.bond) && adminFilterOn(m[0]), "\(tb.tcFilters(tb.bond))\(tb.tcFilters(m[0]))")
        #expect(second.status()?.backend == BondDaemon.backend)
        pinger.wait(timeout: 30)
        let received = pinger.output.firstMatch(of: #/(\d+) received/#).flatMap { Int($0.1) } ?? 0
        // 1000 pings over 10 s: the kill and the restart cost well under 2 s of them.
        #expect(received >= 800, "\(pinger.output)")
        print("CrashSafetyTests: restart after SIGKILL, traffic back after \(Int(outage * 1000)) ms (\(BondDaemon.backend))")
        // The taken-over device is the bond's like a new one: a clean stop removes it.
        #expect(second.stop() == 0)
        #expect(m.map { memberState(tb, $0) } == before)
        #expect(adminFilterOn(m[0]))
        // The clsact qdisc bondd made stays only under the administrator's filter.
        #expect(tb.inHost("tc qdisc show dev \(m[0])").output.contains("clsact"))
        #expect(!tb.inHost("tc qdisc show dev \(m[1])").output.contains("clsact"), "\(tb.inHost("tc qdisc show dev \(m[1])").output)")
        #expect(tb.hostLink(tb.bond) == nil && tb.hostLink(upper) == nil)
        #expect(!FileManager.default.fileExists(atPath: "/run/bondd/\(tb.bond).state"))
    }

    /// A bond that is a bridge port, from a configuration file, killed: a start that
    /// fails after taking the device over (a bridge that is gone) keeps it for the next
    /// one and gives the members back; the next start takes it over, still the bridge's
    /// port, with members that take every frame (promiscuous) as a bridge port needs.
    @Test func aKilledBridgePortIsTakenOverEvenAfterAFailedStart() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let br = tb.prefix + "xbr"
        #expect(tb.inHost("ip link add \(br) type bridge").ok)
        #expect(tb.inHost("ip addr add \(tb["BOND_IP4"])/24 dev \(br)").ok)
        #expect(tb.inHost("ip link set \(br) up").ok)
        defer { tb.inHost("ip link del \(br)") }
        let before = m.map { memberState(tb, $0) }
        func config(bridge: String) throws -> String {
            let path = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).conf"
            try "[\(tb.bond)]\nmembers = \(m[0]) \(m[1])\nmode = active-backup\nmiimon = 100\nbackend = \(BondDaemon.backend)\nbridge = \(bridge)\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let good = try config(bridge: br), bad = try config(bridge: tb.prefix + "gone")
        defer { for p in [good, bad] { try? FileManager.default.removeItem(atPath: p) } }
        func start(_ path: String) throws -> Spawned {
            try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path, "--log-level", "info"])
        }
        func promiscuous(_ member: String) -> Bool { (tb.hostLink(member)?["promiscuity"] as? Int ?? 0) > 0 }
        // Pinged before the bond takes the members, the host would answer ARP from a
        // member's own MAC (the address is the bridge's), and the client keep it.
        func serving() -> Bool { (try? ControlClient.send(ControlRequest(command: .show), to: "/run/bondd/\(tb.bond).sock"))?.ok == true }
        let first = try start(good)
        defer { if first.isRunning { first.signal(SIGKILL) } }
        #expect(Shell.waitFor(10, serving), "\(first.errorOutput)")
        #expect(Shell.waitFor(10) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok }, "\(first.errorOutput)")
        #expect(m.allSatisfy(promiscuous))
        first.signal(SIGKILL)
        _ = first.wait(timeout: 10)

        let failed = tb.inHost("\(Shell.binDirectory)/bondd --config \(bad) --log-level info", timeout: 20)
        #expect(failed.status != 0)
        #expect(failed.error.contains("bridge \(tb.prefix)gone does not exist"), "\(failed.error)")
        #expect(failed.error.contains("keeping the bond device for a later start"), "\(failed.error)")
        #expect(tb.hostLink(tb.bond)?["master"] as? String == br)
        #expect(m.map { memberState(tb, $0) } == before)

        let second = try start(good)
        defer { if second.isRunning { second.signal(SIGTERM); _ = second.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok }, "\(second.errorOutput)")
        #expect(second.errorOutput.contains("taking over the bond device"), "\(second.errorOutput)")
        #expect(tb.hostLink(tb.bond)?["master"] as? String == br)
        #expect(m.allSatisfy(promiscuous), "\(m.map { tb.hostLink($0)?["promiscuity"] ?? "?" })")
        second.signal(SIGTERM)
        #expect(second.wait(timeout: 15) == 0, "\(second.errorOutput)")
        #expect(tb.hostLink(tb.bond) == nil)
        #expect(m.map { memberState(tb, $0) } == before)
    }

    /// A start after SIGKILL that fails before taking the bond device over (a member
    /// that does not exist): the members are given back, and the device the repair kept
    /// for the start is left as a failed start after a takeover leaves it, without
    /// carrier and without the dead bondd's programs and filters, which would go on
    /// sending the host's frames out of members no longer the bond's. The next start
    /// takes it over and carries traffic.
    @Test func aStartThatFailsBeforeTakingOverLeavesTheKeptDeviceQuiet() throws {
        let tb = try Testbed()
        let m = tb.members
        let before = m.map { memberState(tb, $0) }
        let options = ["mode=active-backup", "miimon=100"]
        let first = try BondDaemon(tb, options: options)
        first.configureAddresses()
        #expect(Shell.waitFor(5) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok })
        first.process.signal(SIGKILL)
        _ = first.process.wait(timeout: 10)
        let engineEnd = tb.bond + "-eng"
        func attached(_ device: String) -> String { bondProgramsOn(tb, device) }
        func engineEndUp() -> Bool { (tb.hostLink(engineEnd)?["flags"] as? [String] ?? []).contains("UP") }
        // What the dead bondd left on the device: its programs or filters, and carrier.
        #expect([tb.bond, engineEnd].map(attached) != ["xdp=false tc=none", "xdp=false tc=none"])
        #expect(engineEndUp())

        let failed = tb.inHost(
            "\(Shell.binDirectory)/bondd \(tb.bond) --members \(m[0]),\(tb.prefix)nosuch --log-level info "
                + (options + ["backend=\(BondDaemon.backend)"]).joined(separator: " "), timeout: 20)
        #expect(failed.status == 2, "\(failed.error)")
        #expect(failed.error.contains("kept the bond device \(tb.bond) for the new start"), "\(failed.error)")
        #expect(failed.error.contains("keeping \(tb.bond) for a later start, without carrier"), "\(failed.error)")
        #expect(m.map { memberState(tb, $0) } == before)
        #expect(tb.hostLink(tb.bond) != nil)
        #expect(!engineEndUp())
        #expect([tb.bond, engineEnd].map(attached) == ["xdp=false tc=none", "xdp=false tc=none"])

        let second = try BondDaemon(tb, options: options)
        #expect(Shell.waitFor(10) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok }, "\(second.log())")
        #expect(second.log().contains("taking over the bond device"), "\(second.log())")
        #expect(second.stop() == 0)
        #expect(tb.hostLink(tb.bond) == nil)
        #expect(m.map { memberState(tb, $0) } == before)
    }

    /// What of bondd's is attached to `device`: an XDP program, tc filters.
    func bondProgramsOn(_ tb: Testbed, _ device: String) -> String {
        let xdp = tb.inHost("ip -d link show dev \(device)").output.contains("prog/xdp")
        return "xdp=\(xdp) tc=\(tb.tcFilters(device).contains("bondd") ? "bondd" : "none")"
    }

    /// After SIGKILL, a start that waits for a member (`--wait-members`) takes the dead
    /// bondd's programs off the bond device it keeps at once, carrier left on (its
    /// programs would go on sending the host's frames out of members already given
    /// back, for as long as the wait lasts); stopped while it waits, it leaves the
    /// device without carrier, and the next start takes it over.
    @Test func aStartThatWaitsAfterACrashLeavesNoProgramOfTheDeadOneRunning() throws {
        let tb = try Testbed()
        let m = tb.members
        let first = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        first.configureAddresses()
        first.process.signal(SIGKILL)
        _ = first.process.wait(timeout: 10)
        let engineEnd = tb.bond + "-eng"
        func engineEndUp() -> Bool { (tb.hostLink(engineEnd)?["flags"] as? [String] ?? []).contains("UP") }
        let late = tb.prefix + "late"
        let waiting = try Spawned([
            "ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", tb.bond, "--members", "\(m[0]),\(m[1]),\(late)",
            "--wait-members", "30", "--log-level", "info", "mode=active-backup", "miimon=100", "backend=\(BondDaemon.backend)",
        ])
        defer { if waiting.isRunning { waiting.signal(SIGKILL) } }
        #expect(Shell.waitFor(10) { waiting.errorOutput.contains("waiting up to 30 s for \(late)") }, "\(waiting.errorOutput)")
        #expect([tb.bond, engineEnd].map { bondProgramsOn(tb, $0) } == ["xdp=false tc=none", "xdp=false tc=none"])
        #expect(engineEndUp())
        waiting.signal(SIGTERM)
        #expect(waiting.wait(timeout: 10) == 0, "\(waiting.errorOutput)")
        #expect(waiting.errorOutput.contains("keeping \(tb.bond) for a later start, without carrier"), "\(waiting.errorOutput)")
        #expect(!engineEndUp())

        let second = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        #expect(Shell.waitFor(10) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok }, "\(second.log())")
        #expect(second.stop() == 0)
        #expect(tb.hostLink(tb.bond) == nil)
    }

    /// A bond killed and its device deleted by hand: another bond may not take one of
    /// its members while the record of what the member had is there (`--cleanup` says
    /// so: taking it would record the bond's MAC as the member's own). One cleared by
    /// hand and taken all the same is left alone by a later `--cleanup`, which gives
    /// back the member nobody took instead of undoing the running bond on the other.
    @Test func aMemberADeadBondLeftIsNotTakenAndACleanupLeavesOneTakenAnyway() throws {
        let tb = try Testbed()
        let m = tb.members
        let first = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        first.process.signal(SIGKILL)
        _ = first.process.wait(timeout: 10)
        #expect(tb.inHost("ip link del \(tb.bond)").ok)
        let other = tb.prefix + "o0"
        let refused = tb.inHost("\(Shell.binDirectory)/bondd \(other) --members \(m[1]) mode=active-backup", timeout: 20)
        #expect(refused.status == 2, "\(refused.error)")
        #expect(
            refused.error.hasSuffix(
                "bondd: \(m[1]) was left changed by a bondd of \(tb.bond) that did not stop cleanly; bondd --cleanup \(tb.bond) restores it\n"),
            "\(refused.error)")
        // By hand, as a user who would reuse one member at once.
        tb.inHost("tc qdisc del dev \(m[1]) clsact")
        tb.inHost("ip link set dev \(m[1]) xdpgeneric off")
        tb.inHost("ip link set dev \(m[1]) alias ''")
        let second = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"], members: [m[1]], name: other)
        defer { _ = second.stop() }
        let taken = memberState(tb, m[1])
        #expect(taken.contains("alias=bondd member of \(other)"), "\(taken)")

        let r = tb.inHost("\(Shell.binDirectory)/bondd --cleanup \(tb.bond)")
        #expect(r.output.contains("\(m[0]): restored"), "\(r.output)\(r.error)")
        #expect((r.output + r.error).contains("\(m[1]): now a member of \(other); left as it is"), "\(r.output)\(r.error)")
        #expect(memberState(tb, m[1]) == taken)
        #expect(second.status()?.members.map(\.name) == [m[1]])
        #expect(second.stop() == 0)
    }

    /// `bondd --cleanup BOND` restores without starting anything; run again, it has
    /// nothing left to do. While the bond's bondd runs it refuses.
    @Test func cleanupRestoresWithoutStarting() throws {
        let tb = try Testbed()
        let m = tb.members
        let before = m.map { memberState(tb, $0) }
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        let busy = tb.inHost("\(Shell.binDirectory)/bondd --cleanup \(tb.bond)")
        #expect(busy.status == 1 && busy.error.contains("is run by bondd (pid "), "\(busy.error)")
        bond.process.signal(SIGKILL)
        _ = bond.process.wait(timeout: 10)
        let r = tb.inHost("\(Shell.binDirectory)/bondd --cleanup \(tb.bond)")
        #expect(r.status == 0, "\(r.error)")
        #expect(r.output.contains("\(tb.bond): removed the bond device \(tb.bond)"), "\(r.output)")
        #expect(r.output.contains("\(tb.bond): \(m[0]): restored"), "\(r.output)")
        #expect(m.map { memberState(tb, $0) } == before)
        #expect(tb.hostLink(tb.bond) == nil)
        #expect(!FileManager.default.fileExists(atPath: "/run/bondd/\(tb.bond).sock"))
        let again = tb.inHost("\(Shell.binDirectory)/bondd --cleanup \(tb.bond)")
        #expect(again.status == 0 && again.output == "\(tb.bond): nothing to clean up (no record of a bondd that did not stop cleanly)\n")
    }

    /// After a SIGKILL, a member renamed meanwhile is found by its index and our mark
    /// and restored under its new name, which the cleanup says.
    @Test func cleanupRestoresAMemberRenamedWhileBonddWasDead() throws {
        let tb = try Testbed()
        let m = tb.members
        tb.inHost("ip link set \(m[1]) mtu 1400")
        let before = m.map { memberState(tb, $0) }
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.process.signal(SIGKILL)
        _ = bond.process.wait(timeout: 10)
        let renamed = tb.prefix + "rn"
        #expect(tb.inHost("sh -c 'ip link set \(m[1]) down && ip link set \(m[1]) name \(renamed) && ip link set \(renamed) up'").ok)
        let r = tb.inHost("\(Shell.binDirectory)/bondd --cleanup \(tb.bond)")
        #expect(r.status == 0, "\(r.output)\(r.error)")
        #expect(r.output.contains("\(tb.bond): \(m[0]): restored"), "\(r.output)")
        #expect(r.output.contains("\(tb.bond): \(m[1]) (now \(renamed)): restored"), "\(r.output)")
        #expect(memberState(tb, m[0]) == before[0])
        #expect(memberState(tb, renamed) == before[1])
        #expect(tb.hostLink(tb.bond) == nil)
        #expect(!FileManager.default.fileExists(atPath: "/run/bondd/\(tb.bond).state"))
    }

    /// --socket naming a file that is not a socket is refused and the file kept.
    @Test func aSocketPathThatIsAFileIsRefusedAndKept() throws {
        let tb = try Testbed()
        let path = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).txt"
        try "keep me\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = tb.inHost(
            "\(Shell.binDirectory)/bondd \(tb.bond) --members \(tb.members.joined(separator: ",")) --socket \(path) mode=1", timeout: 20)
        #expect(r.status == 2 && r.error == "bondd: \(path) exists and is not a socket; choose another --socket path\n", "\(r.error)")
        #expect((try? String(contentsOfFile: path, encoding: .utf8)) == "keep me\n")
        #expect(tb.hostLink(tb.bond) == nil)
    }
}
