import Foundation

/// A namespace testbed from tools/testbed, with a prefix of its own, removed on close.
final class Testbed {
    let prefix: String
    let env: [String: String]

    init(topology: Int = 1, members: Int = 2, clients: Int = 1) throws {
        // Unique per test: interface names carry the prefix, 15 characters at most.
        prefix = "e" + String(UInt32.random(in: 0..<(36 * 36 * 36 * 36)), radix: 36)
        let tool = Shell.packageRoot.appendingPathComponent("tools/testbed").path
        let memberOption = topology == 2 ? "" : " --members \(members)"
        let clientOption = clients == 1 ? "" : " --clients \(clients)"
        let up = Shell.run("\(tool) up \(prefix) --topology \(topology)\(memberOption)\(clientOption)", timeout: 120)
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

    /// Topology 2: an ESM's uplink to the external switch (members keep carrier), or
    /// with `trunk` the ESM's blade-facing ports too.
    func uplink(_ esm: String, up: Bool, trunk: Bool = false) {
        Shell.run(
            "\(Shell.packageRoot.appendingPathComponent("tools/testbed").path) \(trunk ? "trunk-failover" : "uplink") \(prefix) \(esm) \(up ? "up" : "down")"
        )
    }

    func fail(member i: Int) { Shell.run("\(Shell.packageRoot.appendingPathComponent("tools/testbed").path) fail \(prefix) \(i)") }
    func restore(member i: Int) { Shell.run("\(Shell.packageRoot.appendingPathComponent("tools/testbed").path) restore \(prefix) \(i)") }

    /// Sends `count` UDP datagrams from the bond's address to the client, each from its
    /// own source port (20000 + i): `count` distinct flows.
    @discardableResult
    func sendUDP(count: Int) -> Shell.Result {
        inHost(
            """
            /usr/bin/python3 -c "
            import socket
            for i in range(\(count)):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(('\(self["BOND_IP4"])', 20000 + i))
                s.sendto(b'x' * 18, ('\(self["CLIENT_IP4"])', 9))
                s.close()
            "
            """)
    }

    /// Frames each switch-side peer received while `body` ran.
    func framesPerMember(during body: () -> Void, expectedTotal: Int) -> [Int] {
        let before = peers.map(switchPortReceived)
        body()
        _ = Shell.waitFor(3) { zip(peers.map(switchPortReceived), before).map { $0 - $1 }.reduce(0, +) >= expectedTotal }
        return zip(peers.map(switchPortReceived), before).map { $0 - $1 }
    }

    /// Packets a switch port has received (what the member sent), from the kernel's counters.
    func switchPortReceived(_ port: String) -> Int {
        let r = inSwitch("cat /sys/class/net/\(port)/statistics/rx_packets")
        return Int(r.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// The tc filters on a host-namespace interface, ingress and egress.
    func tcFilters(_ device: String) -> String {
        ["ingress", "egress"].map { inHost("tc filter show dev \(device) \($0)").output }.joined()
    }

    /// bondctl in the host namespace, as a user would run it there.
    func bondctl(_ args: String, timeout: TimeInterval = 60) -> Shell.Result {
        inHost("\(Shell.binDirectory)/bondctl \(args)", timeout: timeout)
    }

    /// bondctl in the host namespace, left running (captures, event streams).
    func startBondctl(_ args: String) throws -> Spawned {
        try Shell.start("ip netns exec \(self["NS_HOST"]) \(Shell.binDirectory)/bondctl \(args)")
    }

    /// One interface's state in the host namespace, as `ip -j link` reports it.
    func hostLink(_ name: String) -> [String: Any]? {
        let r = inHost("ip -j -d link show dev \(name)")
        guard r.ok, let data = r.output.data(using: .utf8),
            let arr = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return nil }
        return arr.first
    }
}

struct TestbedError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
