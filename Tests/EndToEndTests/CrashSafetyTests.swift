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
        let pipeline = try Shell.start("ip netns exec \(tb["NS_HOST"]) sh -c " + Shell.quote(
            "(exec \(Shell.binDirectory)/bondd \(tb.bond) --members \(m[0]),\(m[1]) --log-level debug mode=active-backup miimon=100 & echo $! > \(pidFile); wait) 2>&1 | head -c 1 >/dev/null"))
        defer { pipeline.signal(SIGKILL); _ = pipeline.wait(timeout: 5) }
        #expect(Shell.waitFor(10) { (try? ControlClient.send(ControlRequest(command: "show"), to: socket))?.ok == true })
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
}
