import Foundation
import Testing

@Suite(.serialized) struct TransmitLoadBalancingTests {
    func mac(_ tb: Testbed, _ dev: String) -> String? { tb.hostLink(dev)?["address"] as? String }

    @Test func flowsSpreadAfterARebalanceWithEachMembersOwnMAC() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-tlb", "xmit_hash_policy=layer3+4", "rebalance_interval=1000"])
        bond.configureAddresses()
        let bondMAC = try #require(mac(tb, tb.bond))
        // The active member carries the bond's MAC, the other keeps its own.
        #expect(mac(tb, tb.members[0]) == bondMAC)
        #expect(mac(tb, tb.members[1]) != bondMAC)
        #expect(bond.status()?.miimon == 100)
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        #expect(tb.inClient("ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        // Before any rebalance every bucket has the same (zero) history: one member.
        tb.sendUDP(count: 100)
        usleep(1_500_000)  // past the 1 s rebalance: buckets now carry load history
        let capture = try Shell.start("ip netns exec \(tb["NS_SWITCH"]) timeout 4 tcpdump -nn -e -l -Q in -i \(tb.peers[1]) 'udp and dst port 9'")
        usleep(1_000_000)
        let sent = tb.framesPerMember(during: { tb.sendUDP(count: 100) }, expectedTotal: 100)
        #expect(sent.allSatisfy { $0 >= 20 }, "per-member frames after rebalance: \(sent)")
        capture.wait(timeout: 10)
        let lines = capture.output.split(separator: "\n")
        let ownMAC = try #require(mac(tb, tb.members[1]))
        #expect(!lines.isEmpty && lines.allSatisfy { $0.contains("\(ownMAC) >") }, "source MACs on \(tb.members[1]): \(lines.prefix(3))")
    }

    @Test func theNewActiveMemberTakesTheBondMAC() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-tlb"])
        bond.configureAddresses()
        let bondMAC = try #require(mac(tb, tb.bond))
        let other = try #require(mac(tb, tb.members[1]))
        tb.fail(member: 0)
        #expect(Shell.waitFor(3) { bond.status()?.activeMember == tb.members[1] })
        #expect(mac(tb, tb.members[1]) == bondMAC)
        #expect(mac(tb, tb.members[0]) == other)
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        #expect(bond.stop() == 0)
        #expect(mac(tb, tb.members[1]) == other)
    }
}
