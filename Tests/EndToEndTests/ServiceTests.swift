import BondControl
import BondCore
import Foundation
import Glibc
import Testing

/// bondd as a systemd service runs it: the notify protocol seen on a socket of the
/// test's own (as systemd's NOTIFY_SOCKET), one section of a shared file, --version.
@Suite(.serialized) struct ServiceTests: ConfigurationFileFixture {
    /// A datagram socket in the service manager's place: what bondd sends to NOTIFY_SOCKET.
    final class NotifyListener {
        let path = NSTemporaryDirectory() + "bondd-notify-\(UUID().uuidString.prefix(8)).sock"
        private let fd: Int32

        init() throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var a = sockaddr_un()
            a.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &a.sun_path) { raw in
                for (i, b) in path.utf8.enumerated() { raw[i] = b }
            }
            let r = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard fd >= 0, r == 0 else { throw TestbedError(message: "notify socket: \(String(cString: strerror(errno)))") }
        }

        deinit {
            close(fd)
            unlink(path)
        }

        /// The next message, or nil after `timeout` seconds.
        func next(timeout: Double = 15) -> String? {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(timeout * 1000)) == 1 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
        }

        /// Messages until one satisfies `done` (included), watchdog pings counted apart.
        func until(_ done: (String) -> Bool) -> (messages: [String], pings: Int) {
            var messages: [String] = [], pings = 0
            while let m = next() {
                if m == "WATCHDOG=1" { pings += 1; continue }
                messages.append(m)
                if done(m) { break }
            }
            return (messages, pings)
        }
    }

    @Test func readyReloadingWatchdogAndStoppingInOrder() throws {
        let tb = try Testbed(members: 2)
        let bond = tb.prefix + "b0"
        let path = try write("[\(bond)]\nmembers = \(tb.members.joined(separator: ", "))\nmode = active-backup\nmiimon = 100\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let manager = try NotifyListener()
        let daemon = try Spawned([
            "env", "NOTIFY_SOCKET=\(manager.path)", "WATCHDOG_USEC=400000",
            "ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path,
        ])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }

        // READY only once the bond carries traffic: its carrier is up by then.
        let start = manager.until { $0.hasPrefix("READY=1") }
        #expect(start.messages.count == 1 && start.messages.first?.contains("STATUS=1 bond running") == true, "\(start) \(daemon.errorOutput)")
        #expect(status(bond)?.carrier == "up")

        // Pings every half interval (200 ms) while the bond's loop answers.
        var pings = 0
        let deadline = Date().addingTimeInterval(5)
        while pings < 3, Date() < deadline, let m = manager.next(timeout: 2), m == "WATCHDOG=1" { pings += 1 }
        #expect(pings == 3, "\(daemon.errorOutput)")

        // A reload: RELOADING (with the monotonic time systemd asks for), then READY.
        daemon.signal(SIGHUP)
        let reload = manager.until { $0.hasPrefix("READY=1") }
        #expect(reload.messages.count == 2, "\(reload)")
        #expect(reload.messages.first?.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") == true, "\(reload)")

        daemon.signal(SIGTERM)
        let stop = manager.until { $0.hasPrefix("STOPPING=1") }
        #expect(stop.messages.last?.hasPrefix("STOPPING=1") == true, "\(stop)")
        #expect(daemon.wait(timeout: 15) == 0, "\(daemon.errorOutput)")
    }

    @Test func oneSectionOfASharedFileAlone() throws {
        let tb = try Testbed(members: 4)
        let m = tb.members
        let (a, b) = (tb.prefix + "b0", tb.prefix + "b1")
        let path = try write(
            """
            [\(a)]
            members = \(m[0]), \(m[1])
            mode = active-backup
            [\(b)]
            members = \(m[2]), \(m[3])
            mode = balance-rr
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let missing = tb.inHost("\(Shell.binDirectory)/bondd --config \(path) nosuch0")
        #expect(missing.status == 2)
        #expect(missing.error == "bondd: \(path): no [nosuch0] section (it declares \(a), \(b))\n")

        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path, b])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { status(b) != nil }, "\(daemon.errorOutput)")
        #expect(status(b)?.mode == .balanceRR)
        #expect(tb.hostLink(a) == nil, "the other section is left to its own service")
        // A reload reads the same section again, and only it.
        daemon.signal(SIGHUP)
        #expect(Shell.waitFor(10) { daemon.errorOutput.contains("reload: \(b): unchanged") }, "\(daemon.errorOutput)")
        #expect(tb.hostLink(a) == nil)
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 15) == 0)
    }

    /// Boot order: a member that does not exist yet (a driver loaded late) is waited
    /// for, then the bond starts without it, and it joins when it appears 2 s later.
    @Test func aMemberCreatedAfterTheStartJoins() throws {
        let tb = try Testbed(members: 1)
        let late = tb.prefix + "late", latePeer = tb.prefix + "latp"
        defer { tb.inHost("ip link del \(late)") }
        let started = Date()
        let bond = try BondDaemon(
            tb, options: ["--wait-members", "1", "mode=active-backup", "miimon=100"], members: [tb.members[0], late])
        #expect(Date().timeIntervalSince(started) >= 1, "bondd waited for \(late)")
        #expect(bond.log().contains("\(tb.bond): waiting up to 1 s for \(late) (not present yet)"), "\(bond.log())")
        #expect(bond.log().contains("\(tb.bond): starting without \(late); each joins when it appears"))
        #expect(bond.status()?.awaitedMembers == [late])
        #expect(bond.status()?.members.map(\.name) == [tb.members[0]])
        bond.configureAddresses()

        usleep(2_000_000)
        #expect(tb.inHost("ip link add \(late) type veth peer name \(latePeer) netns \(tb["NS_SWITCH"])").ok)
        #expect(tb.inSwitch("ip link set \(latePeer) master \(tb.prefix)br up").ok)
        #expect(tb.inHost("ip link set \(late) up").ok)
        #expect(Shell.waitFor(5) { bond.status()?.members.map(\.name) == [tb.members[0], late] }, "\(bond.log())")
        #expect(bond.status()?.awaitedMembers == [])
        #expect(bond.log().contains("\(tb.bond): \(late) appeared; it is a member now"))
        // It carries the traffic once the first member fails.
        tb.fail(member: 0)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == late }, "\(bond.log())")
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        #expect(bond.stop() == 0)
    }

    /// SIGTERM while a boot waits for a member (`--wait-members`): bondd stops at once
    /// and cleanly (exit 0), with nothing made; SIGHUP then is refused, not fatal. (Both
    /// used to be handled only once every bond had started: until then either signal
    /// killed bondd, halfway through whatever it was making.)
    @Test func signalsWhileWaitingForMembersStopCleanlyOrAreRefused() throws {
        let tb = try Testbed(members: 1)
        let late = tb.prefix + "late"
        let member = tb.members[0]
        let mac = tb.hostLink(member)?["address"] as? String
        let config = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).conf"
        try "[\(tb.bond)]\nmembers = \(member) \(late)\nwait_members = 30\nmode = active-backup\nmiimon = 100\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let bondd = try Spawned([
            "ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", config, "--log-level", "info",
        ])
        defer { if bondd.isRunning { bondd.signal(SIGKILL) } }
        #expect(Shell.waitFor(10) { bondd.errorOutput.contains("waiting up to 30 s for \(late)") }, "\(bondd.errorOutput)")
        bondd.signal(SIGHUP)
        #expect(
            Shell.waitFor(5) { bondd.errorOutput.contains("SIGHUP: reload: bondd is still starting; nothing changed") },
            "\(bondd.errorOutput)")
        #expect(bondd.isRunning, "\(bondd.errorOutput)")
        let asked = Date()
        bondd.signal(SIGTERM)
        #expect(bondd.wait(timeout: 10) == 0, "\(bondd.errorOutput)")
        #expect(Date().timeIntervalSince(asked) < 5)
        #expect(bondd.errorOutput.contains("stopping"), "\(bondd.errorOutput)")
        #expect(tb.hostLink(tb.bond) == nil)
        #expect(tb.hostLink(member)?["address"] as? String == mac)
    }

    /// A member awaited at boot may be the primary: the bond starts without it, and it
    /// takes over once it appears (primary_reselect=always). The start used to be
    /// refused, as if the primary named no member at all.
    @Test func anAwaitedMemberMayBeThePrimary() throws {
        let tb = try Testbed(members: 1)
        let late = tb.prefix + "late", latePeer = tb.prefix + "latp"
        defer { tb.inHost("ip link del \(late)") }
        let bond = try BondDaemon(
            tb, options: ["--wait-members", "1", "mode=active-backup", "miimon=100", "primary=\(late)", "prio=\(late):3"],
            members: [tb.members[0], late])
        #expect(bond.status()?.awaitedMembers == [late], "\(bond.log())")
        #expect(bond.status()?.activeMember == tb.members[0])
        #expect(tb.inHost("ip link add \(late) type veth peer name \(latePeer) netns \(tb["NS_SWITCH"])").ok)
        #expect(tb.inSwitch("ip link set \(latePeer) master \(tb.prefix)br up").ok)
        #expect(tb.inHost("ip link set \(late) up").ok)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == late }, "\(bond.log())")
        #expect(bond.stop() == 0)
    }

    @Test func aBondNoneOfWhoseMembersAppearsDoesNotStart() throws {
        let tb = try Testbed(members: 1)
        let r = tb.inHost("\(Shell.binDirectory)/bondd \(tb.bond) --members \(tb.prefix)gone0,\(tb.prefix)gone1 --wait-members 1")
        #expect(r.status == 2)
        #expect(
            r.error.hasSuffix("bondd: \(tb.bond): none of its members (\(tb.prefix)gone0, \(tb.prefix)gone1) appeared within 1 s\n"), "\(r.error)")
        #expect(tb.hostLink(tb.bond) == nil)
    }

    @Test func everyToolSaysItsVersion() {
        for tool in ["bondd", "bondctl", "bondsim"] {
            let r = Shell.run("\(Shell.binDirectory)/\(tool) --version")
            #expect(r.ok && r.output == BondVersion.string + "\n", "\(tool): \(r.output) \(r.error)")
        }
    }
}
