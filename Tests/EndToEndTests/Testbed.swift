import Foundation

/// A namespace testbed from tools/testbed, with a prefix of its own, removed on close.
final class Testbed {
    let prefix: String
    let env: [String: String]

    init(topology: Int = 1, members: Int = 2) throws {
        // Unique per test: interface names carry the prefix, 15 characters at most.
        prefix = "e" + String(UInt32.random(in: 0..<(36 * 36 * 36 * 36)), radix: 36)
        let tool = Shell.packageRoot.appendingPathComponent("tools/testbed").path
        let up = Shell.run("\(tool) up \(prefix) --topology \(topology) --members \(members)", timeout: 120)
        guard up.ok else {
            Shell.run("\(tool) down \(prefix)")
            throw TestbedError(message: "testbed up failed: \(up.error)")
        }
        let e = Shell.run("\(tool) env \(prefix)")
        var vars: [String: String] = [:]
        for line in e.output.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: eq)...])
            if value.hasPrefix("'") || value.hasPrefix("\"") { value = String(value.dropFirst().dropLast()) }
            vars[String(line[..<eq])] = value
        }
        env = vars
    }

    deinit {
        Shell.run("\(Shell.packageRoot.appendingPathComponent("tools/testbed").path) down \(prefix)", timeout: 60)
    }

    subscript(_ key: String) -> String { env[key] ?? "" }
    var members: [String] { self["MEMBERS"].split(separator: " ").map(String.init) }
    var peers: [String] { self["PEERS"].split(separator: " ").map(String.init) }
    var bond: String { self["BOND"] }

    @discardableResult
    func inHost(_ command: String, timeout: TimeInterval = 60) -> Shell.Result {
        Shell.run("ip netns exec \(self["NS_HOST"]) \(command)", timeout: timeout)
    }
    @discardableResult
    func inClient(_ command: String, timeout: TimeInterval = 60) -> Shell.Result {
        Shell.run("ip netns exec \(self["NS_CLIENT"]) \(command)", timeout: timeout)
    }
    @discardableResult
    func inSwitch(_ command: String, timeout: TimeInterval = 60) -> Shell.Result {
        Shell.run("ip netns exec \(self["NS_SWITCH"]) \(command)", timeout: timeout)
    }

    func fail(member i: Int) { Shell.run("\(Shell.packageRoot.appendingPathComponent("tools/testbed").path) fail \(prefix) \(i)") }
    func restore(member i: Int) { Shell.run("\(Shell.packageRoot.appendingPathComponent("tools/testbed").path) restore \(prefix) \(i)") }

    /// Packets a switch port has received (what the member sent), from the kernel's counters.
    func switchPortReceived(_ port: String) -> Int {
        let r = inSwitch("cat /sys/class/net/\(port)/statistics/rx_packets")
        return Int(r.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// One interface's state in the host namespace, as `ip -j link` reports it.
    func hostLink(_ name: String) -> [String: Any]? {
        let r = inHost("ip -j -d link show dev \(name)")
        guard r.ok, let data = r.output.data(using: .utf8),
              let arr = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return nil }
        return arr.first
    }
}

struct TestbedError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
