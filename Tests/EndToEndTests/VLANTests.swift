import BondControl
import BondCore
import Foundation
import Testing

/// Topology 4, the Debian seed's layout: VLAN 2 (DMZ) and VLAN 3 (LAN) devices made by
/// bondd over the bond, each a port of a bridge with a guest and the host's address on
/// the bridge; a client on each VLAN behind an access port of the switch, so every frame
/// between them and the host crosses the members tagged.
@Suite(.serialized) struct VLANTests {
    static func list(_ tb: Testbed, _ key: String) -> [String] { tb[key].split(separator: " ").map(String.init) }

    /// The bond with VLANs 2 and 3, its devices in their bridges, everything up.
    func bringUp(_ tb: Testbed, _ options: [String]) throws -> BondDaemon {
        let bond = try BondDaemon(tb, options: options + ["vlans=2,3"])
        tb.inHost("ip addr add \(tb["BOND_CIDR4"]) dev \(tb.bond)")
        tb.inHost("ip link set \(tb.bond) up")
        for (device, bridge) in zip(Self.list(tb, "VLAN_DEVICES"), Self.list(tb, "VLAN_BRIDGES")) {
            tb.inHost("ip link set \(device) master \(bridge)")
            tb.inHost("ip link set \(device) up")
        }
        return bond
    }

    /// Replies `ns` gets to `count` pings of `ip`.
    func replies(_ ns: String, _ ip: String, count: Int = 3) -> Int {
        let r = Shell.run("ip netns exec \(ns) ping -c \(count) -i 0.2 -W 1 \(ip)", timeout: 30)
        return r.output.firstMatch(of: #/(\d+) received/#).flatMap { Int($0.1) } ?? 0
    }

    // The modes a plain switch serves (balance-rr and balance-xor want the switch's ports
    // bundled: a plain bridge floods the guests' broadcasts back over the other member).
    @Test(arguments: ["active-backup", "balance-tlb", "balance-alb", "balance-slb"])
    func eachVLANReachesItsHostAddressAndGuestOnlyAndTheBondStaysUntagged(mode: String) throws {
        let tb = try Testbed(topology: 4)
        let bond = try bringUp(tb, ["mode=\(mode)", "miimon=100"])
        let clients = Self.list(tb, "VLAN_CLIENT_NS"), hosts = Self.list(tb, "VLAN_HOST_IP4S")
        let guests = Self.list(tb, "VLAN_GUEST_IP4S"), hosts6 = Self.list(tb, "VLAN_HOST_IP6S")
        for (i, c) in clients.enumerated() {
            #expect(replies(c, hosts[i]) >= 2, "\(mode): \(c) to the host on VLAN \(i + 2)")
            #expect(replies(c, guests[i]) >= 2, "\(mode): \(c) to its guest")
            #expect(replies(c, hosts6[i]) >= 2, "\(mode): \(c) to the host over IPv6")
        }
        #expect(replies(tb["NS_CLIENT"], tb["BOND_IP4"]) >= 2, "\(mode): the untagged client to the bond")
        // VLAN 3's guest also holds an address of VLAN 2's subnet: VLAN 2 must not reach it.
        #expect(replies(clients[0], tb["VLAN3_GUEST_IP4_ON_VLAN2_NET"], count: 2) == 0, "\(mode): VLAN 2 reached VLAN 3")

        let vlans = try #require(bond.status()?.vlans)
        #expect(vlans.map(\.name) == Self.list(tb, "VLAN_DEVICES"))
        #expect(vlans.map(\.vid) == [2, 3])
        for v in vlans {
            #expect(v.carrier == "up" && v.state == "up")
            #expect(v.rxPackets >= 6 && v.txPackets >= 6, "\(v)")
            #expect(v.path == (BondDaemon.backend == "afxdp" ? "afxdp" : "afpacket"), "\(v)")
        }
        let shown = tb.bondctl("show \(tb.bond)").output
        #expect(shown.contains("VLAN devices:") && shown.contains(tb.bond + ".3"), "\(shown)")
    }

    @Test func aTagWithoutADeviceReachesTheBondDeviceStillTagged() throws {
        let tb = try Testbed(topology: 4)
        let bond = try bringUp(tb, ["mode=balance-xor", "miimon=100"])
        let mac = try #require(bond.status()?.mac)
        let capture = try Shell.start("ip netns exec \(tb["NS_HOST"]) timeout 10 tcpdump -l -n -e -c 5 -i \(tb.bond) vlan 5")
        usleep(700_000)
        let sent = tb.inClient(
            "/usr/bin/python3 -c \"from scapy.all import *; i='\(tb["CLIENT_IF"])'; sendp([Ether(src=get_if_hwaddr(i), dst='\(mac)')/Dot1Q(vlan=5)/Raw(b'x'*50)]*5, iface=i, verbose=0)\""
        )
        #expect(sent.ok, "\(sent.output)")
        capture.wait(timeout: 15)
        let tagged = capture.output.split(separator: "\n").filter { $0.contains("vlan 5") }
        #expect(tagged.count == 5, "\(capture.output) \(capture.errorOutput)")
    }

    @Test func aKilledBondTakesItsVLANDevicesOverWithTheirBridgesAndACleanupRemovesThem() throws {
        let tb = try Testbed(topology: 4)
        let first = try bringUp(tb, ["mode=active-backup", "miimon=100"])
        let devices = Self.list(tb, "VLAN_DEVICES"), client = Self.list(tb, "VLAN_CLIENT_NS")[1]
        let guest = Self.list(tb, "VLAN_GUEST_IP4S")[1]
        #expect(replies(client, guest) >= 2)
        let indices = devices.map { tb.hostLink($0)?["ifindex"] as? Int }
        first.process.signal(SIGKILL)
        _ = first.process.wait(timeout: 10)
        let second = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "vlans=2,3"])
        #expect(second.log().contains("kept the VLAN device \(devices[1]) (VLAN 3) for the new start"), "\(second.log())")
        #expect(second.log().contains("taking over VLAN device \(devices[1]) (VLAN 3)"), "\(second.log())")
        #expect(devices.map { tb.hostLink($0)?["ifindex"] as? Int } == indices, "the same devices")
        #expect(devices.map { tb.hostLink($0)?["master"] as? String } == Self.list(tb, "VLAN_BRIDGES"), "still bridge ports")
        #expect(Shell.waitFor(10) { replies(client, guest, count: 1) == 1 }, "VLAN 3 back: \(second.log())")
        second.process.signal(SIGKILL)
        _ = second.process.wait(timeout: 10)
        let cleanup = tb.inHost("\(Shell.binDirectory)/bondd \(tb.bond) --cleanup")
        #expect(cleanup.ok, "\(cleanup.output) \(cleanup.error)")
        #expect(devices.allSatisfy { tb.hostLink($0) == nil }, "\(cleanup.output) \(cleanup.error)")
        #expect(tb.hostLink(tb.bond) == nil)
    }

    @Test func vlansAreAddedAndRemovedWhileTheBondRuns() throws {
        let tb = try Testbed(topology: 4)
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "vlans=2"])
        tb.inHost("ip link set \(tb.bond) up")
        let added = tb.bondctl("add-vlan \(tb.bond) 3 --name \(tb.prefix)lan3")
        #expect(added.ok && added.output.contains("VLAN 3 on \(tb.prefix)lan3 added"), "\(added.output)")
        tb.inHost("ip link set \(tb.prefix)lan3 master \(Self.list(tb, "VLAN_BRIDGES")[1])")
        tb.inHost("ip link set \(tb.prefix)lan3 up")
        #expect(replies(Self.list(tb, "VLAN_CLIENT_NS")[1], Self.list(tb, "VLAN_GUEST_IP4S")[1]) >= 2)
        let again = tb.bondctl("add-vlan \(tb.bond) 3")
        #expect(!again.ok && again.error.contains("VLAN 3 is already on \(tb.bond) (\(tb.prefix)lan3)"), "\(again.error)")
        let removed = tb.bondctl("remove-vlan \(tb.bond) \(tb.prefix)lan3")
        #expect(removed.ok, "\(removed.output)")
        #expect(!tb.inHost("ip link show \(tb.prefix)lan3").ok, "the device is gone")
        #expect(bond.status()?.vlans?.map(\.vid) == [2])
        #expect(bond.status()?.options["vlans"] == .some("2"))
        let missing = tb.bondctl("remove-vlan \(tb.bond) 7")
        #expect(!missing.ok && missing.error.contains("has no VLAN 7"), "\(missing.error)")
    }
}
