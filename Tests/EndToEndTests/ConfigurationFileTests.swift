import BondControl
import BondCore
import Foundation
import Testing

/// `bondd --config FILE`: several bonds in one process, placed in the host as declared.
@Suite(.serialized) struct ConfigurationFileEndToEndTests: ConfigurationFileFixture {
    @Test func runsEveryBondOfTheFileWithAddressesMTUAndBridge() throws {
        let tb = try Testbed(members: 4)
        let m = tb.members
        let (a, b, br) = (tb.prefix + "b0", tb.prefix + "b1", tb.prefix + "xbr")
        #expect(tb.inHost("ip link add \(br) type bridge").ok)
        #expect(tb.inHost("ip addr add 192.0.2.11/24 dev \(br)").ok)
        #expect(tb.inHost("ip link set \(br) up").ok)
        let path = try write(
            """
            # two bonds, as a lab host would declare them
            [\(a)]
            members = \(m[0]), \(m[1])
            mode = active-backup
            miimon = 100
            address = 192.0.2.1/24
            address = 2001:db8::1/64

            [\(b)]
            members = \(m[2]) \(m[3])
            mode = balance-rr
            miimon = 100
            mtu = 1400
            bridge = \(br)
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { status(a) != nil && status(b) != nil }, "\(daemon.errorOutput)")

        #expect(status(a)?.mode == .activeBackup && status(b)?.mode == .balanceRR)
        // Addresses, MTU and bridge port as declared; both bonds carry traffic at once.
        #expect(tb.inHost("ip -o addr show dev \(a)").output.contains("192.0.2.1/24"))
        #expect(tb.inHost("ip -o addr show dev \(a)").output.contains("2001:db8::1/64"))
        let bLink = try #require(tb.hostLink(b))
        #expect(bLink["mtu"] as? Int == 1400)
        #expect(bLink["master"] as? String == br)
        #expect(Shell.waitFor(5) { (tb.hostLink(m[2])?["mtu"] as? Int) == 1400 })
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 192.0.2.1").ok)
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 192.0.2.11").ok)
        #expect((status(b)?.members.map(\.rxPackets).reduce(0, +) ?? 0) > 0)

        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 15) == 0, "\(daemon.errorOutput)")
        #expect(tb.hostLink(a) == nil && tb.hostLink(b) == nil)
        #expect(tb.hostLink(m[2])?["mtu"] as? Int == 1500)
        #expect(!FileManager.default.fileExists(atPath: "/run/bondd/\(a).sock"))
    }

    @Test func aBondThatCannotStartLeavesNothingBehind() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let (a, b) = (tb.prefix + "b0", tb.prefix + "b1")
        let before = tb.inHost("ip -br link").output
        let path = try write(
            """
            [\(a)]
            members = \(m[0]), \(m[1])
            mode = 1
            address = 192.0.2.1/24
            [\(b)]
            members = nosuch7
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = tb.inHost("\(Shell.binDirectory)/bondd --config \(path)", timeout: 20)
        #expect(r.status == 2)
        #expect(r.error == "bondd: member nosuch7 does not exist\n")
        #expect(tb.inHost("ip -br link").output == before)
    }

    @Test func aBadFileIsRefusedWithItsLine() throws {
        let path = try write("[bond9]\nmembers = eth0\nmiimon = often\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = Shell.run("\(Shell.binDirectory)/bondd --config \(path)")
        #expect(r.status == 2)
        #expect(r.error == "bondd: \(path):3: [bond9]: miimon: invalid value 'often' (allowed range 0-2147483647)\n")
    }

    @Test func reloadTouchesOnlyWhatChangedWhileTrafficFlows() throws {
        let tb = try Testbed(members: 4)
        let m = tb.members
        let (a, b) = (tb.prefix + "b0", tb.prefix + "b1")
        func file(a aOptions: String?, bValid: Bool = true) -> String {
            var text = ""
            if let aOptions {
                text += "[\(a)]\nmembers = \(m[0]) \(m[1])\nmode = active-backup\n\(aOptions)\naddress = 192.0.2.1/24\n\n"
            }
            text += "[\(b)]\nmembers = \(m[2]) \(m[3])\nmode = active-backup\nmiimon = \(bValid ? "100" : "often")\naddress = 198.51.100.11/24\n"
            return text
        }
        // B in a subnet of its own, so that replies never route through A while it is rebuilt;
        // and ARP answered only by the device that owns the address: otherwise Linux answers
        // for B through A too, and the client may send B's traffic to A's MAC.
        #expect(tb.inHost("sysctl -qw net.ipv4.conf.all.arp_ignore=1").ok)
        #expect(tb.inClient("ip addr add 198.51.100.2/24 dev \(tb["CLIENT_IF"])").ok)
        let path = try write(file(a: "miimon = 100"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { status(a) != nil && status(b) != nil }, "\(daemon.errorOutput)")
        #expect(tb.inClient("ping -c 2 -W 2 198.51.100.11").ok)
        let bIndex = tb.hostLink(b)?["ifindex"] as? Int
        let neighbour = tb.inClient("ip neigh show 198.51.100.11").output
        #expect(neighbour.contains(tb.hostLink(b)?["address"] as? String ?? "?"), "client resolved B to \(neighbour)")
        let aIndex = tb.hostLink(a)?["ifindex"] as? Int
        func reload() -> Shell.Result { tb.inHost("\(Shell.binDirectory)/bondctl reload \(b)") }

        // A changes while the client pings B every 20 ms: B is not touched, nothing is lost;
        // A's change is one `bondctl set` could make, so A is changed in place.
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.02 -c 150 -W 1 198.51.100.11")
        usleep(500_000)
        try file(a: "miimon = 200").write(toFile: path, atomically: true, encoding: .utf8)
        let r1 = reload()
        #expect(r1.ok, "\(r1.error)")
        #expect(r1.output == "\(a): changed in place (options miimon)\n\(b): unchanged\n", "\(r1.output)")
        pinger.wait(timeout: 20)
        #expect(pinger.output.contains(" 0% packet loss"), "\(pinger.output.suffix(300)) \(daemon.errorOutput)")
        #expect(tb.hostLink(b)?["ifindex"] as? Int == bIndex)
        #expect(tb.hostLink(a)?["ifindex"] as? Int == aIndex)
        #expect(status(a)?.miimon == 200)
        #expect(tb.inClient("ping -c 2 -W 2 192.0.2.1").ok)

        // A file with an error changes nothing.
        try file(a: "miimon = 200", bValid: false).write(toFile: path, atomically: true, encoding: .utf8)
        let r2 = reload()
        #expect(r2.status == 1)
        #expect(r2.error.contains("\(path):10: [\(b)]: miimon: invalid value 'often'"), "\(r2.error)")
        #expect(status(a) != nil && status(b) != nil)

        // A leaves the file: it stops and gives its members back; SIGHUP brings it back.
        try file(a: nil).write(toFile: path, atomically: true, encoding: .utf8)
        let r3 = reload()
        #expect(r3.output == "\(a): stopped (no longer in the file)\n\(b): unchanged\n", "\(r3.error)")
        #expect(tb.hostLink(a) == nil)
        #expect(tb.hostLink(m[0])?["ifalias"] == nil)
        try file(a: "miimon = 100").write(toFile: path, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(Shell.waitFor(5) { status(a)?.miimon == 100 }, "\(daemon.errorOutput)")
        #expect(tb.hostLink(b)?["ifindex"] as? Int == bIndex)

        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 15) == 0, "\(daemon.errorOutput)")
        #expect(tb.hostLink(a) == nil && tb.hostLink(b) == nil)
    }

    /// Files that are too large, binary or written on Windows: read whole or refused
    /// with one bounded line, exit status 2, nothing created.
    @Test func aFileIsReadWholeOrRefusedInOneLine() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let a = tb.prefix + "b0"
        let before = tb.inHost("ip -br link").output
        func run(_ bytes: [UInt8]) throws -> Shell.Result {
            let path = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).conf"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            return tb.inHost("\(Shell.binDirectory)/bondd --config \(path)", timeout: 20)
        }
        // Over 1 MiB: a comment that pushes miimon = 1000 past the old 1 MiB cut.
        let big = Array("[\(a)]\nmembers = \(m[0]) \(m[1])\n# \(String(repeating: "x", count: 1 << 20))\nmiimon = 1000\n".utf8)
        let r1 = try run(big)
        #expect(r1.status == 2 && r1.error.hasSuffix("too large (\(big.count) bytes; a configuration file is at most 1 MiB)\n"), "\(r1.error)")
        // Binary: one line naming the line and the byte, not the bytes themselves.
        let r2 = try run(Array("[\(a)]\n".utf8) + (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        #expect(r2.status == 2 && r2.error.split(separator: "\n").count == 1 && r2.error.count < 300, "\(r2.error.prefix(400))")
        #expect(r2.error.contains(":2: not a text file (byte 0x"), "\(r2.error.prefix(400))")
        #expect(tb.inHost("ip -br link").output == before)
        // CRLF and a byte order mark: read as the same file.
        let windows = [0xEF, 0xBB, 0xBF] + Array("[\(a)]\r\nmembers = \(m[0]) \(m[1])\r\nmode = active-backup\r\nmiimon = 1000\r\n".utf8)
        let path = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).conf"
        try Data(windows).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { status(a)?.miimon == 1000 }, "\(daemon.errorOutput)")
    }

    /// Reloads of a bond that waits for a member (`wait_members`): a change is made in
    /// place while the member is still awaited; a member the file adds and names primary
    /// in the same change joins in place too, and takes over; the awaited one joins when
    /// it appears. (The first was refused, as if the member were missing for good; the
    /// second rebuilt the bond.)
    @Test func reloadsChangeInPlaceABondThatAwaitsAMember() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let late = tb.prefix + "late", latePeer = tb.prefix + "latp"
        defer { tb.inHost("ip link del \(late)") }
        func file(_ members: String, _ extra: String) -> String {
            "[\(tb.bond)]\nmembers = \(members)\nwait_members = 1\nmode = active-backup\n\(extra)\naddress = 192.0.2.1/24\n"
        }
        let path = try write(file("\(m[0]) \(late)", "miimon = 100"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { status(tb.bond) != nil }, "\(daemon.errorOutput)")
        #expect(status(tb.bond)?.awaitedMembers == [late])
        let index = tb.hostLink(tb.bond)?["ifindex"] as? Int
        func reload() -> Shell.Result { tb.inHost("\(Shell.binDirectory)/bondctl reload \(tb.bond)") }

        try file("\(m[0]) \(late)", "miimon = 50").write(toFile: path, atomically: true, encoding: .utf8)
        let r1 = reload()
        #expect(r1.ok && r1.output == "\(tb.bond): changed in place (options miimon)\n", "\(r1.output)\(r1.error)")
        #expect(status(tb.bond)?.miimon == 50 && status(tb.bond)?.awaitedMembers == [late])

        try file("\(m[0]) \(m[1]) \(late)", "miimon = 50\nprimary = \(m[1])").write(toFile: path, atomically: true, encoding: .utf8)
        let r2 = reload()
        #expect(r2.ok && r2.output.hasPrefix("\(tb.bond): changed in place ("), "\(r2.output)\(r2.error)")
        #expect(r2.output.contains("\(m[1]) added"), "\(r2.output)")
        #expect(Shell.waitFor(5) { status(tb.bond)?.activeMember == m[1] }, "\(daemon.errorOutput)")
        #expect(tb.hostLink(tb.bond)?["ifindex"] as? Int == index)

        #expect(tb.inHost("ip link add \(late) type veth peer name \(latePeer) netns \(tb["NS_SWITCH"])").ok)
        #expect(tb.inSwitch("ip link set \(latePeer) master \(tb.prefix)br up").ok)
        #expect(tb.inHost("ip link set \(late) up").ok)
        #expect(Shell.waitFor(5) { status(tb.bond)?.members.map(\.name) == [m[0], m[1], late] }, "\(daemon.errorOutput)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 10) == 0, "\(daemon.errorOutput)")
    }

    /// A reload that cannot apply (a member that does not exist) leaves every bond as it
    /// was, says so, and bondd goes on running.
    @Test func aReloadThatCannotApplyChangesNothing() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let a = tb.prefix + "b0"
        let path = try write("[\(a)]\nmembers = \(m[0]) \(m[1])\nmode = active-backup\nmiimon = 100\naddress = 192.0.2.1/24\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { status(a) != nil }, "\(daemon.errorOutput)")
        let index = tb.hostLink(a)?["ifindex"] as? Int
        try "[\(a)]\nmembers = \(m[0]) nosuch7\nmode = active-backup\nmiimon = 200\naddress = 192.0.2.1/24\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = tb.inHost("\(Shell.binDirectory)/bondctl reload \(a)")
        #expect(r.status == 1 && r.error == "bondctl: reload: \(a): member nosuch7 does not exist; nothing changed\n", "\(r.error)")
        #expect(daemon.isRunning)
        #expect(status(a)?.miimon == 100)
        #expect(tb.hostLink(a)?["ifindex"] as? Int == index)
        #expect(tb.inClient("ping -c 2 -W 2 192.0.2.1").ok)
        // An option the running bond could take, but with a CPU bondd may not run on:
        // refused before anything is touched, not found out halfway through.
        try "[\(a)]\nmembers = \(m[0]) \(m[1])\nmode = active-backup\nmiimon = 200\nengine_cpus = 4095\naddress = 192.0.2.1/24\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let cpus = tb.inHost("\(Shell.binDirectory)/bondctl reload \(a)")
        #expect(
            cpus.status == 1 && cpus.error.hasPrefix("bondctl: reload: \(a): engine_cpus: CPU 4095 is not one bondd may run on ("), "\(cpus.error)")
        #expect(cpus.error.hasSuffix("); nothing changed\n"), "\(cpus.error)")
        #expect(status(a)?.miimon == 100)
        #expect(tb.hostLink(a)?["ifindex"] as? Int == index)
    }

    /// A reload asked on the socket of the bond it rebuilds: the new bond's socket answers
    /// every request afterwards (the old server used to keep serving on a reused
    /// descriptor, failing every second request with "the bond is stopping").
    @Test func aBondRebuiltByAReloadOnItsOwnSocketAnswersEveryRequest() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let a = tb.prefix + "b0"
        // A mode change: only a rebuild can make it.
        func file(_ miimon: Int) -> String {
            "[\(a)]\nmembers = \(m[0]) \(m[1])\nmode = \(miimon == 200 ? "balance-xor" : "active-backup")\nmiimon = \(miimon)\n"
        }
        let path = try write(file(100))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { status(a) != nil }, "\(daemon.errorOutput)")
        for miimon in [200, 300] {
            try file(miimon).write(toFile: path, atomically: true, encoding: .utf8)
            let r = tb.inHost("\(Shell.binDirectory)/bondctl reload \(a)")
            #expect(r.ok && r.output == "\(a): rebuilt (changed), its devices kept\n", "\(r.output) \(r.error)")
            for i in 0..<10 {
                let show = tb.bondctl("show \(a) --json")
                #expect(
                    show.ok && show.output.contains("\"miimon\" : \(miimon)") || show.output.contains("\"miimon\":\(miimon)"),
                    "request \(i) after the reload: \(show.error)")
            }
        }
    }

    @Test func reloadWithoutAConfigurationFileIsRefused() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=1", "miimon=100"])
        let r = tb.inHost("\(Shell.binDirectory)/bondctl reload \(tb.bond)")
        #expect(r.status == 1)
        #expect(r.error == "bondctl: reload: this bondd runs no configuration file (start it with --config)\n")
        #expect(bond.status() != nil)
    }
}
