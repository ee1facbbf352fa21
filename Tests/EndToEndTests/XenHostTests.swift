import Foundation
import Testing

/// Topology 3: the bond is a port of bridge xenbr0 in the host, guests ("domUs") sit
/// behind it on VIFs, and per-VIF MAC hashing must pin each guest to one member.
@Suite(.serialized) struct XenHostTests {
    /// Switch-side forwarding database: guest MAC -> the member-facing ports it is on.
    func fdb(_ tb: Testbed, _ macs: [String]) -> [String: [String]] {
        let out = tb.inSwitch("bridge fdb show br \(tb["BRIDGE"])").output
        var ports: [String: [String]] = [:]
        for line in out.split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            guard f.count >= 3, macs.contains(f[0]), let dev = f.firstIndex(of: "dev").map({ f[$0 + 1] }),
                tb.peers.contains(dev)
            else { continue }
            ports[f[0], default: []].append(dev)
        }
        return ports
    }

    func bringUp(_ tb: Testbed, _ bond: BondDaemon) {
        tb.inHost("ip link set \(tb.bond) master \(tb["XBR"])")
        tb.inHost("ip link set \(tb.bond) up")
        tb.inHost("ip link set \(tb["XBR"]) up")
    }

    /// Xen's network-bridge moves the host's address to xenbr0, over the bond: its ARP
    /// replies leave with the bridge's MAC, and are still the host's own. balance-alb
    /// spreads the clients over the members' MACs for that address.
    @Test func theHostsAddressOnTheBridgeIsBalancedOverMembersInBalanceALB() throws {
        let tb = try Testbed(topology: 3, clients: 4)
        let bond = try BondDaemon(tb, options: ["mode=balance-alb"])
        bringUp(tb, bond)
        tb.inHost("ip addr add \(tb["BOND_CIDR4"]) dev \(tb["XBR"])")
        let clients = tb["CLIENTS_NS"].split(separator: " ").map(String.init)
        #expect(clients.count == 4)
        for c in clients { #expect(Shell.run("ip netns exec \(c) ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok, "\(c)") }
        let macs = Set(
            clients.compactMap { c in
                Shell.run("ip netns exec \(c) ip neigh show \(tb["BOND_IP4"])").output.firstMatch(of: #/lladdr ([0-9a-f:]{17})/#).map { String($0.1) }
            })
        let memberMACs = Set(try #require(bond.status()).members.compactMap(\.mac))
        #expect(macs.count >= 2 && macs.isSubset(of: memberMACs), "clients resolved the host to \(macs); members \(memberMACs)")
        #expect((bond.status()?.clients ?? []).count >= 4, "\(String(describing: bond.status()?.clients))")
    }

    /// The host's address on xenbr0: after the active member fails, the client keeps
    /// reaching the host and every guest; in active-backup it hears the address announced
    /// from the bridge's MAC.
    @Test(arguments: ["active-backup", "balance-tlb", "balance-alb", "balance-slb"])
    func theHostsAddressOnTheBridgeSurvivesAFailover(mode: String) throws {
        let tb = try Testbed(topology: 3)
        let bond = try BondDaemon(tb, options: ["mode=\(mode)", "miimon=100"])
        bringUp(tb, bond)
        tb.inHost("ip addr add \(tb["BOND_CIDR4"]) dev \(tb["XBR"])")
        #expect(Shell.waitFor(5) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok })
        let bridgeMAC = try #require(tb.hostLink(tb["XBR"])?["address"] as? String)
        let listener = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) timeout 5 tcpdump -l -n -e -i \(tb["CLIENT_IF"]) arp")
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.05 -c 60 -W 1 \(tb["BOND_IP4"])")
        usleep(700_000)
        let active = try #require(bond.status()?.activeMember)
        tb.fail(member: try #require(tb.members.firstIndex(of: active)))
        listener.wait(timeout: 10)
        // Peers are notified in active-backup, as the kernel does; tlb and alb move MACs
        // instead (learning packets, client updates), slb its VIFs.
        #expect(
            mode != "active-backup"
                || listener.output.split(separator: "\n").contains {
                    $0.contains("\(bridgeMAC) >") && $0.contains("who-has \(tb["BOND_IP4"]) tell \(tb["BOND_IP4"])")
                },
            "\(mode): no gratuitous ARP from the bridge's MAC: \(listener.output)")
        pinger.wait(timeout: 20)
        let received = pinger.output.firstMatch(of: #/(\d+) received/#).flatMap { Int($0.1) } ?? 0
        #expect(received >= 54, "\(mode): \(pinger.output)")
        for g in tb["GUEST_NS"].split(separator: " ") {
            #expect(Shell.run("ip netns exec \(g) ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok, "\(mode): \(g)")
        }
    }

    @Test(arguments: ["balance-slb", "balance-tlb", "balance-alb"])
    func guestsArePinnedToOneMemberAndMoveWhenItFails(mode: String) throws {
        let tb = try Testbed(topology: 3)
        let bond = try BondDaemon(tb, options: ["mode=\(mode)"])
        bringUp(tb, bond)
        let guests = tb["GUEST_NS"].split(separator: " ").map(String.init)
        let macs = tb["GUEST_MACS"].split(separator: " ").map(String.init)
        #expect(guests.count == 4)
        for g in guests {
            #expect(Shell.run("ip netns exec \(g) ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok, "\(g) cannot reach the client")
        }
        var table = fdb(tb, macs)
        #expect(macs.allSatisfy { table[$0]?.count == 1 }, "fdb: \(table)")
        #expect(Set(table.values.flatMap { $0 }).count >= 2, "guests all on one member: \(table)")
        // As /proc/net/bonding does, show names the active member of every mode that has one.
        let active = try #require(bond.status()?.activeMember)
        #expect(tb.bondctl("show \(tb.bond)").output.contains("Currently Active Slave: \(active)"), "\(mode)")
        // bondctl shows the same assignment the switch learned.
        let vifs = try #require(bond.status()?.vifs)
        for (i, mac) in macs.enumerated() {
            let member = vifs.first { $0.mac == mac }?.member
            #expect(member.map { tb.peers[tb.members.firstIndex(of: $0)!] } == table[mac]?.first, "guest \(i + 1)")
        }

        // Guests ping the client throughout; the member carrying guests[0] fails.
        let pingers = try guests.map { try Shell.start("ip netns exec \($0) ping -q -i 0.05 -c 80 -W 1 \(tb["CLIENT_IP4"])") }
        usleep(1_000_000)
        let failedPort = try #require(table[macs[0]]?.first)
        let failed = try #require(tb.peers.firstIndex(of: failedPort))
        let survivor = tb.peers[1 - failed]
        tb.fail(member: failed)
        let moved = Shell.waitFor(1.0, every: 0.02) {
            table = fdb(tb, macs)
            return macs.allSatisfy { table[$0] == [survivor] }
        }
        #expect(moved, "guest MACs not re-learned on \(survivor) within 1 s: \(table)")
        for p in pingers {
            p.wait(timeout: 20)
            let received = p.output.firstMatch(of: #/(\d+) received/#).flatMap { Int($0.1) } ?? 0
            #expect(received >= 70, "\(p.output)")
        }
    }
}
