import BondControl
import BondCore
import Foundation
import Testing

/// `bondctl reload` on the Debian seed's layout, with the stack made by hand as Xen's
/// scripts make it: the bond a port of a bridge that holds the host's address, its VLAN
/// devices ports of theirs. A change `bondctl set` could make is made in place; one only
/// a rebuild can make keeps every device, and what the host stacked on them.
@Suite(.serialized) struct VLANReloadTests {
    func status(_ bond: String) -> BondStatus? {
        try? ControlClient.send(ControlRequest(command: .show), to: "/run/bondd/\(bond).sock").status
    }

    func received(_ p: Spawned) -> Int { p.output.firstMatch(of: #/(\d+) received/#).flatMap { Int($0.1) } ?? 0 }

    @Test func reloadKeepsAHandMadeBridgePortAndTheVLANDevicesWithTheirBridges() throws {
        let tb = try Testbed(topology: 4)
        let list = { (key: String) in tb[key].split(separator: " ").map(String.init) }
        let (bond, bridge) = (tb.bond, tb.prefix + "hb")
        func file(_ mode: String, _ miimon: Int) -> String {
            "[\(bond)]\nmembers = \(tb.members.joined(separator: " "))\nmode = \(mode)\nmiimon = \(miimon)\nvlans = 2,3\n"
        }
        let path = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).conf"
        try file("active-backup", 100).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { status(bond) != nil }, "\(daemon.errorOutput)")
        // By hand, as Xen's network-bridge does: the host's address on a bridge over the bond.
        tb.inHost("ip link add \(bridge) type bridge stp_state 0 forward_delay 0")
        tb.inHost("ip link set \(bond) master \(bridge)")
        tb.inHost("ip addr add \(tb["BOND_CIDR4"]) dev \(bridge)")
        tb.inHost("ip link set \(bridge) up")
        tb.inHost("ip link set \(bond) up")
        for (device, br) in zip(list("VLAN_DEVICES"), list("VLAN_BRIDGES")) {
            tb.inHost("ip link set \(device) master \(br)")
            tb.inHost("ip link set \(device) up")
        }
        let devices = [bond] + list("VLAN_DEVICES")
        let indices = devices.map { tb.hostLink($0)?["ifindex"] as? Int }
        let masters = devices.map { tb.hostLink($0)?["master"] as? String }
        #expect(masters == [bridge] + list("VLAN_BRIDGES"))
        let clients = list("VLAN_CLIENT_NS"), guests = list("VLAN_GUEST_IP4S")
        #expect(Shell.waitFor(10) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok })
        for (c, g) in zip(clients, guests) { #expect(Shell.waitFor(10) { Shell.run("ip netns exec \(c) ping -c 1 -W 1 \(g)").ok }) }

        // A change `bondctl set` could make: in place, and not one ping lost anywhere.
        let pingers = try ["\(tb["NS_CLIENT"]) \(tb["BOND_IP4"])", "\(clients[0]) \(guests[0])", "\(clients[1]) \(guests[1])"].map {
            try Shell.start("ip netns exec \($0.split(separator: " ")[0]) ping -q -i 0.02 -c 100 -W 1 \($0.split(separator: " ")[1])")
        }
        usleep(300_000)
        try file("active-backup", 200).write(toFile: path, atomically: true, encoding: .utf8)
        let live = tb.bondctl("reload \(bond)")
        #expect(live.ok && live.output == "\(bond): changed in place (options miimon)\n", "\(live.output) \(live.error)")
        for p in pingers {
            p.wait(timeout: 20)
            #expect(received(p) == 100, "\(p.output)")
        }
        #expect(status(bond)?.miimon == 200)

        // A mode change needs a rebuild: the devices stay, with their bridges.
        try file("balance-tlb", 200).write(toFile: path, atomically: true, encoding: .utf8)
        let rebuilt = tb.bondctl("reload \(bond)")
        #expect(rebuilt.ok && rebuilt.output == "\(bond): rebuilt (changed), its devices kept\n", "\(rebuilt.output) \(rebuilt.error)")
        #expect(status(bond)?.mode == .balanceTLB)
        #expect(devices.map { tb.hostLink($0)?["ifindex"] as? Int } == indices, "the same devices")
        #expect(devices.map { tb.hostLink($0)?["master"] as? String } == masters, "still in their bridges")
        #expect(Shell.waitFor(10) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok }, "\(daemon.errorOutput)")
        for (c, g) in zip(clients, guests) { #expect(Shell.waitFor(10) { Shell.run("ip netns exec \(c) ping -c 1 -W 1 \(g)").ok }) }
    }
}
