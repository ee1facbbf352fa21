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
            #expect(v.path == BondDaemon.backend, "\(v)")
        }
        if BondDaemon.backend == "xdp" {
            // Both ways in the kernel: tagged and untagged by the programs, none up.
            let before = try #require(bond.status()?.fastPath)
            let ping = Shell.run("ip netns exec \(clients[0]) ping -c 50 -i 0.01 -W 1 \(guests[0])", timeout: 30)
            let n = ping.output.firstMatch(of: #/(\d+) received/#).flatMap { Int($0.1) } ?? 0
            let after = try #require(bond.status()?.fastPath)
            #expect(n >= 45 && after.redirected - before.redirected >= 2 * n, "\(mode): \(before) -> \(after)")
            #expect(after.passed - before.passed < 10, "\(mode): VLAN frames went up: \(before) -> \(after)")
        }
        let shown = tb.bondctl("show \(tb.bond)").output
        #expect(shown.contains("VLAN devices:") && shown.contains(tb.bond + ".3"), "\(shown)")
        // The bridges over the VLAN devices, with the host's addresses, are the bond's to speak for.
        let uppers = try #require(bond.status()?.uppers)
        for (i, bridge) in Self.list(tb, "VLAN_BRIDGES").enumerated() {
            let u = uppers.first { $0.name == bridge }
            #expect(u?.vlan == i + 2 && u?.addresses.contains(hosts[i]) == true, "\(uppers)")
        }
        #expect(uppers.first?.name == tb.bond && uppers.first?.vlan == nil)
    }

    @Test func afterAFailoverEachVLANHearsTheHostsAddressesOnItTaggedAndKeepsReachingEverything() throws {
        let tb = try Testbed(topology: 4)
        let bond = try bringUp(tb, ["mode=active-backup", "miimon=100", "num_grat_arp=2"])
        let clients = Self.list(tb, "VLAN_CLIENT_NS"), ifs = Self.list(tb, "VLAN_CLIENT_IFS")
        let hosts = Self.list(tb, "VLAN_HOST_IP4S"), hosts6 = Self.list(tb, "VLAN_HOST_IP6S"), guests = Self.list(tb, "VLAN_GUEST_IP4S")
        for (i, c) in clients.enumerated() { #expect(replies(c, guests[i]) >= 2) }
        // What each client hears of the host: its access port lets only its VLAN through, untagged.
        let listeners = try zip(clients, ifs).map { c, i in
            try Shell.start("ip netns exec \(c) timeout 6 tcpdump -l -n -i \(i) arp or icmp6")
        }
        // The untagged client's port is a plain one of this switch: it hears every VLAN's
        // broadcasts, tagged.
        let untagged = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) timeout 6 tcpdump -l -n -e -i \(tb["CLIENT_IF"]) arp")
        usleep(700_000)
        let active = try #require(bond.status()?.activeMember)
        tb.fail(member: try #require(tb.members.firstIndex(of: active)))
        #expect(Shell.waitFor(5) { bond.status()?.activeMember != active })
        let pingers = try clients.enumerated().map { i, c in
            try Shell.start("ip netns exec \(c) ping -q -i 0.1 -c 20 -W 1 \(guests[i])")
        }
        for (i, l) in listeners.enumerated() {
            l.wait(timeout: 10)
            #expect(l.output.contains("Request who-has \(hosts[i]) tell \(hosts[i])"), "VLAN \(i + 2) heard no gratuitous ARP: \(l.output)")
            #expect(l.output.contains("neighbor advertisement, tgt is \(hosts6[i])"), "VLAN \(i + 2) heard no NA: \(l.output)")
            #expect(!l.output.contains(hosts[1 - i] + " tell"), "VLAN \(i + 2) heard VLAN \(3 - i)'s address")
        }
        untagged.wait(timeout: 10)
        let lines = untagged.output.split(separator: "\n")
        #expect(lines.contains { $0.contains("who-has \(tb["BOND_IP4"]) tell \(tb["BOND_IP4"])") && !$0.contains("802.1Q") }, "\(untagged.output)")
        for (i, h) in hosts.enumerated() {
            let heard = lines.filter { $0.contains("tell \(h)") }
            #expect(!heard.isEmpty && heard.allSatisfy { $0.contains("vlan \(i + 2),") }, "\(h) untagged or on another VLAN: \(heard)")
        }
        for p in pingers {
            p.wait(timeout: 20)
            let received = p.output.firstMatch(of: #/(\d+) received/#).flatMap { Int($0.1) } ?? 0
            #expect(received >= 18, "\(p.output)")
        }
    }

    @Test func theARPMonitorProbesATargetOnAVLANTaggedFromTheAddressThere() throws {
        let tb = try Testbed(topology: 4)
        let target = Self.list(tb, "VLAN_CLIENT_IP4S")[0], client = Self.list(tb, "VLAN_CLIENT_NS")[0]
        let listener = try Shell.start(
            "ip netns exec \(client) timeout 8 tcpdump -l -n -i \(Self.list(tb, "VLAN_CLIENT_IFS")[0]) arp and dst host \(target)")
        let bond = try bringUp(tb, ["mode=active-backup", "arp_interval=100", "arp_ip_target=\(target)", "arp_validate=all"])
        let validated = Shell.waitFor(10) {
            guard let s = bond.status() else { return false }
            return s.members.allSatisfy { ($0.repliesValidated ?? 0) > 0 && $0.link == "up" }
        }
        #expect(validated, "\(String(describing: bond.status()?.members.map { ($0.name, $0.link, $0.repliesValidated ?? 0) }))")
        listener.wait(timeout: 12)
        // Through the VLAN 2 access port: so tagged 2 on the members, and from VLAN 2's address.
        #expect(listener.output.contains("Request who-has \(target) tell \(Self.list(tb, "VLAN_HOST_IP4S")[0])"), "\(listener.output)")
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
