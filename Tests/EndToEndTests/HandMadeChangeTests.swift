import BondControl
import BondCore
import Foundation
import Testing

/// Changes made by hand under a running bond: each is noticed with one log line and the
/// bond ends in the right state, which `show` and the kernel agree on.
@Suite(.serialized) struct HandMadeChangeEndToEndTests {
    func address(_ tb: Testbed, _ link: String) -> String? { tb.hostLink(link)?["address"] as? String }
    func engineEnd(_ tb: Testbed) -> String { tb.bond.count <= 11 ? tb.bond + "-eng" : "" }

    @Test func aMemberMACOrMTUChangedByHandIsSetBack() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        let bondMAC = try #require(address(tb, tb.bond))
        #expect(tb.inHost("ip link set \(m[1]) address 02:00:00:00:00:99").ok)
        #expect(Shell.waitFor(3) { address(tb, m[1]) == bondMAC }, "\(bond.log().suffix(500))")
        #expect(bond.log().contains("the MAC of \(m[1]) was changed by hand to 02:00:00:00:00:99; setting it back to \(bondMAC)"))
        #expect(tb.inHost("ip link set \(m[0]) mtu 1400").ok)
        #expect(Shell.waitFor(3) { tb.hostLink(m[0])?["mtu"] as? Int == 1500 }, "\(bond.log().suffix(500))")
        #expect(bond.log().contains("the MTU of \(m[0]) was changed by hand to 1400; setting it back to the bond's 1500"))
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        // The bond's own MTU change is no change by hand.
        #expect(tb.inHost("ip link set \(tb.bond) mtu 1400").ok)
        #expect(Shell.waitFor(3) { m.allSatisfy { tb.hostLink($0)?["mtu"] as? Int == 1400 } })
        usleep(300_000)
        #expect(!bond.log().contains("changed by hand to 1500"))
        #expect(bond.status()?.members.count == 2)
    }

    @Test func aDeletedMemberIsNoLongerAMemberAndTrafficMoves() throws {
        let tb = try Testbed(members: 3)
        let m = tb.members
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=50", "primary=\(m[0])"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 2 -W 2 \(tb["BOND_IP4"])").ok)
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.02 -c 100 -W 1 \(tb["BOND_IP4"])")
        usleep(500_000)
        #expect(tb.inHost("ip link del \(m[0])").ok)
        #expect(Shell.waitFor(3) { bond.status()?.members.count == 2 }, "\(bond.log().suffix(500))")
        let s = try #require(bond.status())
        #expect(s.members.map(\.name) == [m[1], m[2]])
        #expect(s.activeMember == m[1])
        #expect(bond.log().contains("\(m[0]) is gone (deleted or moved to another namespace); no longer a member"))
        pinger.wait(timeout: 20)
        // The failover costs what a carrier loss costs: a few pings at most.
        let received = pinger.output.split(separator: ",").first { $0.hasSuffix(" received") || $0.contains(" received") }
        let got = Int(received?.split(separator: " ").first ?? "") ?? 0
        #expect(got >= 90, "\(pinger.output)")
        #expect(tb.inClient("ping -c 2 -W 2 \(tb["BOND_IP4"])").ok)
        #expect(bond.process.isRunning)
    }

    @Test func aMemberMovedAwayAndBackIsGivenBackAsItWas() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let away = tb.prefix + "away"
        #expect(Shell.run("ip netns add \(away)").ok)
        defer { Shell.run("ip netns del \(away)") }
        let ownMAC = try #require(address(tb, m[1]))
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "primary=\(m[0])"])
        bond.configureAddresses()
        #expect(address(tb, m[1]) != ownMAC)
        #expect(tb.inHost("ip link set \(m[1]) netns \(away)").ok)
        #expect(Shell.waitFor(3) { bond.status()?.members.count == 1 }, "\(bond.log().suffix(500))")
        #expect(Shell.run("ip netns exec \(away) ip link set \(m[1]) netns \(tb["NS_HOST"])").ok)
        #expect(Shell.waitFor(3) { address(tb, m[1]) == ownMAC }, "\(bond.log().suffix(800))")
        #expect(tb.hostLink(m[1])?["ifalias"] == nil)
        #expect(bond.log().contains("\(m[1]) is back; restored MAC, MTU, flags and alias"), "\(bond.log().suffix(800))")
        let again = tb.bondctl("add-member \(tb.bond) \(m[1])")
        #expect(again.ok, "\(again.error)")
        #expect(bond.status()?.members.count == 2)
        #expect(tb.inClient("ping -c 2 -W 2 \(tb["BOND_IP4"])").ok)
    }

    @Test func theEngineEndSetDownByHandIsSetUpAgain() throws {
        let tb = try Testbed(members: 2)
        let end = engineEnd(tb)
        try #require(!end.isEmpty)
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inHost("ip link set \(end) down").ok)
        #expect(Shell.waitFor(3) { (tb.hostLink(end)?["flags"] as? [String])?.contains("UP") == true })
        #expect(bond.log().contains("\(end), the bond's engine end, was set down by hand; setting it up as the bond's carrier is"))
        #expect(Shell.waitFor(5) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok })
    }

    /// As with the kernel's bond: down, the bond passes nothing and its members stay
    /// members, none judged down (the ARP/NS monitor waits); up again, traffic is back
    /// at once, with no failover. One log line and one event each way.
    @Test func theBondDeviceSetDownByHandStopsTrafficAndSetUpPassesItAgain() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let bond = try BondDaemon(
            tb,
            options: [
                "mode=active-backup", "arp_interval=100", "arp_ip_target=\(tb["CLIENT_IP4"])",
                "primary=\(m[0])",
            ])
        bond.configureAddresses()
        #expect(Shell.waitFor(5) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok })
        #expect(Shell.waitFor(5) { bond.status()?.arpMonitor?.waiting == nil })
        let follower = try tb.startBondctl("events \(tb.bond) --json --count 4 --duration 20")
        #expect(Shell.waitFor(5) { follower.errorOutput.contains("following 1 bond") })

        #expect(tb.inHost("ip link set \(tb.bond) down").ok)
        #expect(
            Shell.waitFor(3) { bond.log().contains("\(tb.bond): the bond device was set down; no traffic until it is set up") },
            "\(bond.log().suffix(500))")
        #expect(!tb.inClient("ping -c 2 -i 0.2 -W 1 \(tb["BOND_IP4"])").ok)
        // Longer than the monitor's grace (2 intervals, then arp_missed_max): no member
        // is judged while nothing can answer.
        usleep(800_000)
        let down = try #require(bond.status())
        #expect(down.arpMonitor?.waiting == "the bond device is down", "\(String(describing: down.arpMonitor))")
        #expect(down.members.map(\.name) == m && down.members.allSatisfy { $0.linkFailures == 0 }, "\(down.members)")
        #expect(down.activeMember == m[0])

        #expect(tb.inHost("ip link set \(tb.bond) up").ok)
        #expect(Shell.waitFor(3) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok }, "\(bond.log().suffix(800))")
        #expect(follower.wait(timeout: 10) == 0, "\(follower.errorOutput)")
        let changes = follower.output.split(separator: "\n").compactMap {
            try? JSONDecoder().decode(StateChange.self, from: Data($0.utf8))
        }
        // The device each way, and the ARP/NS monitor waiting, then judging again.
        #expect(
            changes.filter { $0.kind == .device }.map(\.message) == [
                "the bond device was set down; no traffic until it is set up (members stay members)", "the bond device is up",
            ], "\(follower.output)")
        #expect(changes.filter { $0.kind == .monitor }.count == 2, "\(follower.output)")
        let after = try #require(bond.status())
        #expect(after.failovers == down.failovers && after.activeMember == m[0])
        #expect(after.members.allSatisfy { $0.linkFailures == 0 }, "\(after.members)")
        #expect(!bond.log().contains(" error "), "\(bond.log().suffix(800))")
    }

    @Test func aBondDeviceMovedToAnotherNamespaceLeavesNothingBehind() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let end = engineEnd(tb)
        try #require(!end.isEmpty)
        let away = tb.prefix + "away"
        #expect(Shell.run("ip netns add \(away)").ok)
        defer { Shell.run("ip netns del \(away)") }
        let macs = m.map { address(tb, $0) }
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        #expect(tb.inHost("ip link set \(tb.bond) netns \(away)").ok)
        #expect(bond.process.wait(timeout: 10) == 1)
        #expect(bond.log().contains("the bond device \(tb.bond) was removed or moved to another namespace"), "\(bond.log().suffix(500))")
        #expect(tb.hostLink(end) == nil)
        #expect(!Shell.run("ip -n \(away) link show \(tb.bond)").ok)
        #expect(m.map { address(tb, $0) } == macs)
    }
}
