import Foundation
import Testing

/// tools/soak, short: members flapping every 50-200 ms, members removed and added, the
/// active member set by hand, options changed and the file reloaded, under a UDP stream.
/// Two minutes on the first backend, 45 s on the others (tools/soak --duration 3600 for
/// the long run).
@Suite(.serialized) struct SoakEndToEndTests {
    @Test func aStormOfChangesLosesNothingBeyondWhatEachCostsAndLeaksNothing() throws {
        let seconds = BondDaemon.backend == "xdp" ? 120 : 45
        let prefix = "s" + String(UInt32.random(in: 0..<(36 * 36 * 36 * 36)), radix: 36)
        let tool = Shell.packageRoot.appendingPathComponent("tools/soak").path
        let r = Shell.run(
            "BONDD_BIN_DIR=\(Shell.binDirectory) \(tool) --duration \(seconds) --backend \(BondDaemon.backend) --prefix \(prefix) --json",
            timeout: TimeInterval(seconds + 180))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.output) \(r.error)")
        let changes = report["changes"] as? [String: Int] ?? [:]
        #expect((changes["flap"] ?? 0) > seconds * 3, "\(changes)")
        #expect((changes["reload"] ?? 0) >= 1 && (changes["remove"] ?? 0) >= 1 && (changes["set-active"] ?? 0) >= 5, "\(changes)")
        #expect((report["frames_sent"] as? Int ?? 0) >= seconds * 190)
        #expect((report["loss_beyond_windows_percent"] as? Double ?? 100) <= 0.2, "\(report)")
        #expect((report["state_mismatches"] as? [String])?.isEmpty == true, "\(report)")
        #expect((report["failed_commands"] as? [String])?.isEmpty == true, "\(report)")
        #expect((report["error_lines"] as? [String])?.isEmpty == true, "\(report)")
        let fds = report["fds"] as? [Int] ?? [0, 99]
        #expect(fds.count == 2 && fds[1] <= fds[0] + 2, "\(report)")
        #expect(report["bondd_alive"] as? Bool == true)
        #expect(r.status == 0, "\(r.output)")
    }
}
