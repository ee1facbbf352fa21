import BondControl
import BondCore
import Foundation

/// A bondd process in a testbed's host namespace, stopped (SIGTERM) on close.
final class BondDaemon {
    let process: Spawned
    let socketPath: String
    let testbed: Testbed
    let name: String

    /// The backend every test runs on: BONDD_TEST_BACKEND (tools/test runs the
    /// end-to-end suite once per backend), xdp by default.
    static var backend: String { ProcessInfo.processInfo.environment["BONDD_TEST_BACKEND"] ?? "xdp" }

    /// Starts bondd with `options`, on the test backend unless `options` names one; a
    /// bond that fell back to another backend than the one asked for is an error.
    /// `automaticBackend`: no backend= at all, bondd chooses.
    init(
        _ testbed: Testbed, options: [String], members: [String]? = nil, name: String? = nil,
        automaticBackend: Bool = false
    ) throws {
        self.testbed = testbed
        self.name = name ?? testbed.bond
        socketPath = "/run/bondd/\(self.name).sock"
        let chosen = automaticBackend || options.contains { $0.hasPrefix("backend=") }
        let backend = chosen ? [] : ["backend=" + Self.backend]
        process = try Spawned(
            [
                "ip", "netns", "exec", testbed["NS_HOST"], Shell.binDirectory + "/bondd", self.name,
                "--members", (members ?? testbed.members).joined(separator: ","), "--log-level", "debug",
            ] + options + backend)
        let ready = Shell.waitFor(10) { (try? ControlClient.send(ControlRequest(command: .show), to: socketPath))?.ok == true }
        guard ready else {
            stop()
            throw TestbedError(message: "bondd did not come up: \(log())")
        }
        if !chosen, let s = status(), s.backend != Self.backend {
            stop()
            throw TestbedError(message: "bondd runs on \(s.backend ?? "?") instead of \(Self.backend): \(s.backendDetail ?? "")")
        }
    }

    deinit { stop() }

    func status() -> BondStatus? {
        try? ControlClient.send(ControlRequest(command: .show), to: socketPath).status
    }

    func log() -> String { process.errorOutput }

    /// SIGTERM, then wait for a clean exit. Returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.signal(SIGTERM) }
        return process.wait(timeout: 10)
    }
    /// Addresses the bond and brings it up, as a user would.
    func configureAddresses(ip4: String? = nil, ip6: String? = nil) {
        let b = name
        testbed.inHost("ip addr add \(ip4 ?? testbed["BOND_IP4"])/24 dev \(b)")
        testbed.inHost("ip addr add \(ip6 ?? testbed["BOND_IP6"])/64 dev \(b) nodad")
        testbed.inHost("ip link set \(b) up")
        // Once the engine has seen it up, no later event stream starts with that change.
        _ = Shell.waitFor(5) { log().contains("\(b): the bond device is up") }
    }
}
