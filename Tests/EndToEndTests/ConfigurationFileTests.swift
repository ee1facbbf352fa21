import BondControl
import BondCore
import Foundation
import Testing

/// `bondd --config FILE`: several bonds in one process, placed in the host as declared.
@Suite(.serialized) struct ConfigurationFileEndToEndTests {
    private func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func status(_ bond: String) -> BondStatus? {
        try? ControlClient.send(ControlRequest(command: "show"), to: "/run/bondd/\(bond).sock").status
    }

    @Test func runsEveryBondOfTheFileWithAddressesMTUAndBridge() throws {
        let tb = try Testbed(members: 4)
        let m = tb.members
        let (a, b, br) = (tb.prefix + "b0", tb.prefix + "b1", tb.prefix + "xbr")
        #expect(tb.inHost("ip link add \(br) type bridge").ok)
        #expect(tb.inHost("ip addr add 192.0.2.11/24 dev \(br)").ok)
        #expect(tb.inHost("ip link set \(br) up").ok)
        let path = try write("""
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

        #expect(status(a)?.mode == "active-backup" && status(b)?.mode == "balance-rr")
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
        let path = try write("""
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
}
