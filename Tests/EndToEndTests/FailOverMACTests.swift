import BondCore
import Foundation
import Testing

/// fail_over_mac on topology 1: who carries which MAC before and after a failover, and
/// that the client keeps reaching the bond.
@Suite(.serialized) struct FailOverMACTests {
    private func mac(_ tb: Testbed, _ device: String) -> String {
        (tb.hostLink(device)?["address"] as? String) ?? "?"
    }

    private func clientNeighbour(_ tb: Testbed) -> String {
        tb.inClient("ip -4 neigh show \(tb["BOND_IP4"])").output
    }

    @Test func activeMovesTheBondMACToTheActiveMembers() throws {
        let tb = try Testbed()
        let own = tb.members.map { mac(tb, $0) }
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "fail_over_mac=active"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        // Members keep their own MACs; the bond device carries the active one's.
        #expect(tb.members.map { mac(tb, $0) } == own)
        #expect(mac(tb, tb.bond) == own[0])
        #expect(clientNeighbour(tb).contains(own[0]))

        tb.fail(member: 0)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == tb.members[1] })
        #expect(Shell.waitFor(2) { mac(tb, tb.bond) == own[1] }, "bond MAC \(mac(tb, tb.bond)): \(bond.log())")
        #expect(tb.members.map { mac(tb, $0) } == own)
        // The gratuitous ARP after failover carries the new MAC to the client.
        #expect(Shell.waitFor(3) { clientNeighbour(tb).contains(own[1]) }, "client: \(clientNeighbour(tb))")
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        let s = try #require(bond.status())
        #expect(s.failOverMAC == .active && s.mac == own[1])

        // An administrator's change does not take while the MAC follows the active member.
        tb.inHost("ip link set \(tb.bond) address 02:00:00:00:aa:01")
        #expect(Shell.waitFor(2) { mac(tb, tb.bond) == own[1] })
        #expect(bond.stop() == 0)
        #expect(tb.members.map { mac(tb, $0) } == own)
    }

    @Test func followSwapsTheBondMACIntoTheNewActiveMember() throws {
        let tb = try Testbed()
        let own = tb.members.map { mac(tb, $0) }
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "fail_over_mac=follow"])
        bond.configureAddresses()
        let bondMAC = mac(tb, tb.bond)
        #expect(bondMAC == own[0])
        #expect(tb.members.map { mac(tb, $0) } == own)

        tb.fail(member: 0)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == tb.members[1] })
        // The new active member takes the bond's MAC, the old one the new one's former MAC.
        #expect(Shell.waitFor(2) { mac(tb, tb.members[1]) == bondMAC })
        #expect(mac(tb, tb.members[0]) == own[1])
        #expect(mac(tb, tb.bond) == bondMAC)
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        let s = try #require(bond.status())
        #expect(s.members.map(\.mac) == [own[1], bondMAC])

        // And back: member 0 returns, member 1 fails.
        tb.restore(member: 0)
        #expect(Shell.waitFor(5) { bond.status()?.members[0].link == "up" })
        tb.fail(member: 1)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == tb.members[0] })
        #expect(Shell.waitFor(2) { mac(tb, tb.members[0]) == bondMAC })
        #expect(mac(tb, tb.members[1]) == own[1])
        #expect(bond.stop() == 0)
        #expect(tb.members.map { mac(tb, $0) } == own)
    }

    @Test func noneGivesEveryMemberTheBondMAC() throws {
        let tb = try Testbed()
        let own = tb.members.map { mac(tb, $0) }
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        #expect(tb.members.map { mac(tb, $0) } == [own[0], own[0]])
        tb.fail(member: 0)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == tb.members[1] })
        #expect(mac(tb, tb.bond) == own[0])
        #expect(bond.stop() == 0)
        #expect(tb.members.map { mac(tb, $0) } == own)
    }
}
