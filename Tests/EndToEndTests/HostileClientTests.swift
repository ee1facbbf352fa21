import BondControl
import BondCore
import Foundation
import Testing

/// Clients that hold connections, trickle bytes or exhaust the daemon's descriptors:
/// each costs only itself; bondctl, scrapes and traffic go on.
@Suite(.serialized) struct HostileClientEndToEndTests {
    /// A python process holding `count` connections to a Unix `path` (or a TCP port
    /// when `port` is given) open and silent, plus one that sends a byte every 100 ms.
    func holder(_ tb: Testbed, unix path: String? = nil, port: Int? = nil, count: Int, seconds: Int = 30) throws -> Spawned {
        let connect =
            path.map { "s=socket.socket(socket.AF_UNIX); s.connect(\"\($0)\")" }
            ?? "s=socket.socket(); s.connect((\"127.0.0.1\", \(port ?? 0)))"
        let script = """
            import socket,time,sys
            held=[]
            for i in range(\(count)):
                try:
                    \(connect); held.append(s)
                except OSError: pass
            \(connect)
            print(len(held), flush=True)
            end=time.time()+\(seconds)
            while time.time()<end:
                try: s.send(b"{")
                except OSError: pass
                time.sleep(0.1)
            """
        return try Spawned(["ip", "netns", "exec", tb["NS_HOST"], "python3", "-c", script])
    }

    @Test func idleTricklingAndDescriptorStarvingClientsCostOnlyThemselves() throws {
        let tb = try Testbed(members: 2)
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.02 -c 250 -W 1 \(tb["BOND_IP4"])")

        // 40 silent connections and a trickling one: every bondctl is answered at once.
        let idle = try holder(tb, unix: bond.socketPath, count: 40)
        #expect(Shell.waitFor(5) { !idle.output.isEmpty }, "\(idle.errorOutput)")
        for _ in 0..<5 {
            let show = tb.bondctl("show \(tb.bond) --json --timeout 2")
            #expect(show.ok, "\(show.error)")
        }
        idle.signal(SIGTERM)
        _ = idle.wait(timeout: 5)

        // The daemon runs out of descriptors while a client holds 50 connections: accept
        // backs off instead of ending; once they go, bondctl is answered again.
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(bond.process.pid)/fd").count) ?? 0
        #expect(fds > 0)
        let soft = Shell.run("prlimit --pid \(bond.process.pid) --nofile --raw --noheadings -o SOFT").output.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(Int(soft) != nil, "\(soft)")
        #expect(Shell.run("prlimit --pid \(bond.process.pid) --nofile=\(fds + 4):").ok)
        let starving = try holder(tb, unix: bond.socketPath, count: 50, seconds: 3)
        #expect(Shell.waitFor(5) { !starving.output.isEmpty })
        usleep(500_000)
        _ = starving.wait(timeout: 10)
        #expect(Shell.run("prlimit --pid \(bond.process.pid) --nofile=\(soft):").ok)
        #expect(Shell.waitFor(5) { tb.bondctl("show \(tb.bond) --timeout 1").ok }, "\(bond.log().suffix(800))")
        pinger.wait(timeout: 20)
        #expect(pinger.output.contains(" 0% packet loss"), "\(pinger.output)")
        #expect(bond.process.isRunning)
    }

    @Test func idleConnectionsDoNotStallAMetricsScrape() throws {
        let tb = try Testbed(members: 2)
        let port = 9480 + Int(getpid() % 100)
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "--metrics", "127.0.0.1:\(port)"])
        _ = bond
        let idle = try holder(tb, port: port, count: 40)
        defer { idle.signal(SIGTERM); _ = idle.wait(timeout: 5) }
        #expect(Shell.waitFor(5) { !idle.output.isEmpty }, "\(idle.errorOutput)")
        for _ in 0..<3 {
            let scrape = tb.inHost("curl -sf --max-time 2 http://127.0.0.1:\(port)/metrics")
            #expect(scrape.ok && scrape.output.contains("bondd_bond_members"), "\(scrape.status) \(scrape.error)")
        }
    }
}
