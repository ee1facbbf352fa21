import Foundation
import Testing

/// balance-alb end to end: four clients behind the switch ARP for the bond's address.
@Suite(.serialized) struct AdaptiveLoadBalancingTests {
    /// Extra client namespaces on the switch, removed when the value goes away.
    final class Clients {
        let names: [String]
        let addresses: [String]
        let addresses6: [String]
        init(_ tb: Testbed, count: Int) {
            names = (1...count).map { "\(tb.prefix)-k\($0)" }
            addresses = (1...count).map { "192.0.2.\(20 + $0)" }
            addresses6 = (1...count).map { "2001:db8::\(20 + $0)" }
            for (i, ns) in names.enumerated() {
                let inner = "\(tb.prefix)k\(i + 1)", outer = "\(tb.prefix)q\(i + 1)"
                Shell.run(
                    """
                    ip netns add \(ns) && ip -n \(ns) link set lo up &&
                    ip link add \(inner) netns \(ns) type veth peer name \(outer) netns \(tb["NS_SWITCH"]) &&
                    ip -n \(tb["NS_SWITCH"]) link set \(outer) master \(tb["BRIDGE"]) up &&
                    ip -n \(ns) addr add \(addresses[i])/24 dev \(inner) &&
                    ip -n \(ns) addr add \(addresses6[i])/64 dev \(inner) nodad && ip -n \(ns) link set \(inner) up
                    """)
            }
        }
        deinit { for ns in names { Shell.run("ip netns pids \(ns) | xargs -r kill -9; ip netns del \(ns)") } }

        func neighbourMAC(_ i: Int, of ip: String) -> String? {
            let out = Shell.run("ip -n \(names[i]) -j neigh show \(ip)").output
            let arr = (try? JSONSerialization.jsonObject(with: Data(out.utf8))) as? [[String: Any]]
            return arr?.first?["lladdr"] as? String
        }
    }

    func memberMACs(_ tb: Testbed) -> [String] { tb.members.map { tb.hostLink($0)?["address"] as? String ?? "" } }

    /// IPv4 (ARP) and IPv6 (NA rewriting), failing the other member (1) or the active one (0).
    @Test(arguments: [4, 6], [1, 0])
    func clientsAreSpreadOverMembersAndFollowAFailure(family: Int, failing: Int) throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-alb"])
        bond.configureAddresses()
        let clients = Clients(tb, count: 4)
        let ours = family == 4 ? tb["BOND_IP4"] : tb["BOND_IP6"]
        for ns in clients.names {
            #expect(Shell.run("ip netns exec \(ns) ping -\(family) -c 2 -i 0.2 -W 2 \(ours)").ok, "\(ns) cannot reach the bond")
        }
        let macs = memberMACs(tb)
        #expect(Set(macs).count == 2, "members must carry distinct MACs: \(macs)")
        let learned = (0..<4).compactMap { clients.neighbourMAC($0, of: ours) }
        #expect(learned.count == 4 && learned.allSatisfy(macs.contains), "clients learned \(learned), members have \(macs)")
        #expect(Set(learned).count >= 2, "every client on one member: \(learned)")
        // Receive counters: clients' traffic arrives on both members.
        let before = bond.status()?.members.map(\.rxPackets) ?? []
        for ns in clients.names { Shell.run("ip netns exec \(ns) ping -\(family) -c 5 -i 0.05 -W 1 \(ours)") }
        let after = bond.status()?.members.map(\.rxPackets) ?? []
        #expect(zip(after, before).allSatisfy { $0 - $1 >= 5 }, "rx before \(before) after \(after)")
        let table = try #require(bond.status()?.clients)
        #expect(table.filter { $0.mac != nil && $0.ip != tb["CLIENT_IP4"] && $0.ip != tb["CLIENT_IP6"] }.count >= 4, "\(table)")

        // A member fails: every client is taught the survivor's MAC and keeps pinging.
        let pingers = try clients.names.map { try Shell.start("ip netns exec \($0) ping -\(family) -q -i 0.05 -c 60 -W 1 \(ours)") }
        usleep(500_000)
        tb.fail(member: failing)
        let survivor = 1 - failing
        let live = Shell.waitFor(3) {
            (0..<4).allSatisfy { clients.neighbourMAC($0, of: ours) == memberMACs(tb)[survivor] }
        }
        #expect(live, "neighbour entries: \((0..<4).map { clients.neighbourMAC($0, of: ours) ?? "-" })")
        for p in pingers {
            p.wait(timeout: 20)
            let received = p.output.firstMatch(of: #/(\d+) received/#).flatMap { Int($0.1) } ?? 0
            #expect(received >= 50, "\(p.output)")
        }
    }

    /// Options the kernel takes here: tlb_dynamic_lb=0 (what balance-tlb would place by
    /// load goes by hash modulo the members, here by port over both), and ad_select,
    /// which does nothing in this mode and is taken with a warning.
    @Test func tlbDynamicLBZeroSpreadsByHashAndKernelOptionsOfOtherModesStart() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(
            tb, options: ["mode=balance-alb", "miimon=100", "tlb_dynamic_lb=0", "xmit_hash_policy=layer3+4", "ad_select=count"])
        bond.configureAddresses()
        #expect(bond.log().contains("ad_select acts in mode 802.3ad only"), "\(bond.log())")
        #expect(bond.status()?.options["tlb_dynamic_lb"] == "0")
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        let hash = tb.bondctl("hash \(tb.bond) src_ip=\(tb["BOND_IP4"]) dst_ip=\(tb["CLIENT_IP4"]) proto=udp sport=20000 dport=9")
        #expect(hash.ok && hash.output.contains("tlb_dynamic_lb=0: hash modulo usable members"), "\(hash.output) \(hash.error)")
        // 100 flows to one client, one datagram each: by port, over both members.
        let sent = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 100).ok) }, expectedTotal: 100)
        for n in sent { #expect(n >= 25, "per-member frames: \(sent)") }
    }
}
