import BondControl
import BondCore
import Foundation
import Testing

/// bondctl as a user meets it: list, stats, events, and the control socket's refusals.
@Suite(.serialized) struct ControlSurfaceEndToEndTests {
    @Test func listAndStatsWithRatesDuringTraffic() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let bond = try BondDaemon(tb, options: ["mode=balance-rr", "miimon=100"])
        bond.configureAddresses()
        let list = tb.bondctl("list \(tb.bond)")
        #expect(list.output == "\(tb.bond)  balance-rr  carrier up  active \(m[0])  \(m[0]),\(m[1])\n", "\(list.error)")

        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.01 -c 300 -W 1 \(tb["BOND_IP4"])")
        usleep(500_000)
        let watch = tb.bondctl("stats \(tb.bond) --watch --interval 1 --count 2")
        pinger.wait(timeout: 30)
        #expect(watch.ok, "\(watch.error)")
        let tables = watch.output.components(separatedBy: "\n\n")
        #expect(tables.count == 2)
        // The second table has rates: both members carry about half of ~100 pps each way.
        let rows = tables.last!.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        let header = try #require(rows.first { $0.first == "MEMBER" })
        #expect(header.suffix(6) == ["RX", "PPS", "RX", "RATE", "TX", "PPS"] || header.contains("PPS"))
        let total = try #require(rows.first { $0.first == "total" })
        // total RX PKTS RX BYTES RX DROPS RX MISSED TX PKTS TX BYTES TX DROPS RX-PPS RX-RATE(2 words) TX-PPS TX-RATE
        let rxPPS = try #require(Double(total[8]))
        #expect(rxPPS > 30 && rxPPS < 200, "\(tables.last!)")

        let json = tb.bondctl("stats \(tb.bond) --json")
        let records = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        let members = try #require(records.first?["members"] as? [[String: Any]])
        #expect(members.count == 2)
        #expect(members.allSatisfy { ($0["rx_packets"] as? Int ?? 0) > 50 })
        #expect(members.allSatisfy { $0["rx_missed"] as? Int == 0 }, "\(members)")

        let badCount = tb.bondctl("stats \(tb.bond) --count 2")
        #expect(badCount.status == 64 && badCount.error.hasPrefix("Error: --count goes with --watch"))
    }

    @Test func eventsFollowStateChangesAsTheyHappen() throws {
        let tb = try Testbed(members: 3)
        let m = tb.members
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"], members: [m[0], m[1]])
        bond.configureAddresses()
        let follower = try tb.startBondctl("events \(tb.bond) --json --count 5 --duration 20")
        #expect(Shell.waitFor(5) { follower.errorOutput.contains("following 1 bond") })
        #expect(tb.inSwitch("ip link set \(tb.peers[0]) down").ok)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == m[1] })
        #expect(tb.bondctl("add-member \(tb.bond) \(m[2])").ok)
        #expect(tb.bondctl("set \(tb.bond) miimon=50").ok)
        #expect(follower.wait(timeout: 25) == 0, "\(follower.errorOutput)")
        let changes = follower.output.split(separator: "\n").compactMap {
            try? JSONDecoder().decode(StateChange.self, from: Data($0.utf8))
        }
        #expect(changes.map(\.kind) == [.link, .active, .member, .link, .options], "\(follower.output)")
        #expect(changes.first?.member == m[0] && changes.first?.message.hasPrefix("up -> down") == true)
        #expect(changes.dropFirst().first?.message == "active member \(m[0]) -> \(m[1]) (link failure on \(m[0]))")
        #expect(zip(changes, changes.dropFirst()).allSatisfy { $1.sequence == $0.sequence + 1 })

        // Text lines, and the end of the stream when the bond stops.
        let text = try tb.startBondctl("events \(tb.bond)")
        #expect(Shell.waitFor(5) { text.errorOutput.contains("following 1 bond") })
        #expect(tb.bondctl("disable-member \(tb.bond) \(m[2])").ok)
        #expect(Shell.waitFor(5) { text.output.contains("\(tb.bond) member \(m[2]): disabled by administrator") }, "\(text.output)")
        #expect(bond.stop() == 0)
        #expect(text.wait(timeout: 10) == 0)
        #expect(text.errorOutput.contains("the bond stopped"))
    }

    @Test func shellCompletionOffersRunningBondsAndInterfaces() throws {
        let tb = try Testbed(members: 3)
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"], members: [tb.members[0], tb.members[1]])
        let script = NSTemporaryDirectory() + "bondctl-\(UUID().uuidString).bash"
        defer { try? FileManager.default.removeItem(atPath: script) }
        #expect(Shell.run("\(Shell.binDirectory)/bondctl --generate-completion-script bash > \(script) && bash -n \(script)").ok)
        func complete(_ words: [String]) -> [String] {
            let line = words.joined(separator: " ")
            let program = """
                source \(script)
                COMP_WORDS=(\(words.map { Shell.quote($0) }.joined(separator: " "))); COMP_CWORD=\(words.count - 1)
                COMP_LINE=\(Shell.quote(line)); COMP_POINT=${#COMP_LINE}
                _bondctl bondctl \(Shell.quote(words.last!)) \(Shell.quote(words[words.count - 2]))
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            return tb.inHost("env PATH=\(Shell.binDirectory):/usr/sbin:/usr/bin:/sbin:/bin bash -c \(Shell.quote(program))")
                .output.split(separator: "\n").map(String.init)
        }
        #expect(complete(["bondctl", "show", ""]).contains(tb.bond))
        // add-member offers a free interface, not one a bond holds already.
        let free = complete(["bondctl", "add-member", tb.bond, ""])
        #expect(free.contains(tb.members[2]) && !free.contains(tb.members[0]), "\(free)")
        #expect(complete(["bondctl", "remove-member", tb.bond, ""]) == [tb.members[0], tb.members[1]])
        #expect(complete(["bondctl", "sta"]).contains("stats"))
        withExtendedLifetime(bond) {}
    }

    /// Other bonds on the host, and a socket a killed bondd left behind: commands over
    /// every bond show ours and name the dead one; a daemon that does not answer makes
    /// bondctl give up after --timeout with one line.
    @Test func aStaleOrSilentSocketNeitherHidesNorHangsTheOthers() throws {
        let tb = try Testbed(members: 2)
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        let stale = "\(tb.prefix)dead"
        let stalePath = "/run/bondd/\(stale).sock"
        // A bound socket whose process is gone: connect() is refused, as after SIGKILL.
        let made = Shell.run("python3 -c \(Shell.quote("import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])")) \(stalePath)")
        try #require(made.ok, "\(made.error)")
        defer { unlink(stalePath) }
        for command in ["list", "show", "stats", "show --json"] {
            let r = tb.bondctl(command)
            #expect(r.ok, "\(command): \(r.error)")
            #expect(r.output.contains(tb.bond), "\(command): \(r.output)")
            #expect(r.error.contains("bondctl: \(stale): not answering, skipped"), "\(command): \(r.error)")
        }
        // list, show and stats --json share one schema: the same keys, a version.
        for command in ["list --json", "show \(tb.bond) --json", "stats \(tb.bond) --json"] {
            let r = tb.bondctl(command)
            let parsed = try? JSONSerialization.jsonObject(with: Data(r.output.utf8))
            let object =
                (parsed as? [[String: Any]])?.first { $0["name"] as? String == tb.bond } ?? (parsed as? [[String: Any]])?.first
                ?? (parsed as? [String: Any])
            #expect(object?["version"] as? Int == 1, "\(command): \(r.output.prefix(300))")
            #expect(object?["name"] as? String == tb.bond, "\(command)")
            if !command.hasPrefix("stats") {
                #expect(object?["active_member"] as? String == tb.members[0], "\(command)")
                #expect(object?["mode"] as? String == "active-backup", "\(command)")
                #expect((object?["options"] as? [String: Any])?["miimon"] as? String == "100", "\(command)")
            }
        }
        let named = tb.bondctl("show \(stale)")
        #expect(named.status == 1 && named.error.hasPrefix("bondctl: no bondd is running for \(stalePath)"), "\(named.error)")

        // A listener that accepts and never answers.
        let silentPath = "/run/bondd/\(tb.prefix)mute.sock"
        let silent = try Shell.start(
            "python3 -c \(Shell.quote("import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); c=s.accept(); time.sleep(30)")) \(silentPath)"
        )
        defer { silent.signal(SIGKILL); _ = silent.wait(timeout: 5); unlink(silentPath) }
        #expect(Shell.waitFor(5) { FileManager.default.fileExists(atPath: silentPath) })
        let started = Date()
        let hung = tb.bondctl("show \(tb.prefix)mute --timeout 1")
        #expect(hung.status == 1 && hung.error == "bondctl: bondd did not answer on \(silentPath) within 1 s (see --timeout)\n", "\(hung.error)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(bond.status() != nil)
    }

    @Test func theControlSocketRefusesWhatItShould() throws {
        let tb = try Testbed(members: 2)
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        let path = bond.socketPath
        // No daemon, and not root: one line each, exit 1.
        let absent = tb.bondctl("show nosuch9")
        #expect(absent.status == 1 && absent.error == "bondctl: no bondd is running for /run/bondd/nosuch9.sock (No such file or directory)\n")
        let user = tb.inHost("setpriv --reuid=65534 --regid=65534 --clear-groups \(Shell.binDirectory)/bondctl show \(tb.bond)")
        #expect(user.status == 1 && user.error == "bondctl: permission denied on \(path): run as root\n")
        #expect(Shell.run("stat -c %a \(path)").output == "600\n")
        // A non-root peer that reaches the socket anyway is refused by its credentials.
        #expect(Shell.run("chmod 666 \(path)").ok)
        let peer = tb.inHost("setpriv --reuid=65534 --regid=65534 --clear-groups \(Shell.binDirectory)/bondctl show \(tb.bond)")
        #expect(peer.status == 1 && peer.error == "bondctl: permission denied: the control socket accepts root only\n", "\(peer.error)")
        #expect(Shell.run("chmod 600 \(path)").ok)

        // Malformed and oversized requests get an error; traffic goes on meanwhile.
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.02 -c 100 -W 1 \(tb["BOND_IP4"])")
        func raw(_ payload: String) -> String {
            let script = """
                import socket,sys
                s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode().replace(b'@BIG', b'x'*100000))
                s.shutdown(socket.SHUT_WR); print(s.makefile().readline().strip())
                """
            return Shell.run("python3 -c \(Shell.quote(script)) \(path) \(Shell.quote(payload))").output
        }
        #expect(
            raw("this is not json\n")
                == "{\"error\":\"malformed request: expected one JSON object with a \\\"command\\\"\",\"ok\":false,\"version\":1}\n")
        #expect(raw("{\"command\": 7}\n").contains("malformed request"))
        #expect(raw("{\"command\":\"@BIG\"}\n") == "{\"error\":\"request too large (limit 65536 bytes)\",\"ok\":false,\"version\":1}\n")
        #expect(raw("{\"command\":\"reboot\"}\n").hasPrefix("{\"error\":\"unknown command 'reboot' (show, set, set-active,"))
        #expect(raw("{\"command\":\"set\",\"options\":[\"miimon\"]}\n").contains("not of the form name=value"))
        pinger.wait(timeout: 20)
        #expect(pinger.output.contains(" 0% packet loss"), "\(pinger.output)")
        #expect(bond.status()?.miimon == 100)
    }
}
