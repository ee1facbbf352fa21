import BondCore
import Foundation
import Testing

/// Topology 2, the BladeCenter seed: bond0 over m0 (ESM1) and m2 (ESM2), bond1 over m1
/// (ESM1) and m3 (ESM2), both ESMs uplinked to an external switch with the clients.
/// A dead ESM uplink leaves every member's carrier up.
@Suite(.serialized) struct BladeCenterTests {
    /// Both bonds up, addressed, and answering the client through ESM1.
    func bonds(_ tb: Testbed, _ options: [String]) throws -> (BondDaemon, BondDaemon) {
        let b0 = try BondDaemon(tb, options: options, members: tb["BOND_MEMBERS"].split(separator: " ").map(String.init))
        let b1 = try BondDaemon(tb, options: options, members: tb["BOND1_MEMBERS"].split(separator: " ").map(String.init), name: tb["BOND1"])
        b0.configureAddresses()
        b1.configureAddresses(ip4: tb["BOND1_IP4"], ip6: tb["BOND1_IP6"])
        for (b, ip) in [(b0, tb["BOND_IP4"]), (b1, tb["BOND1_IP4"])] {
            #expect(Shell.waitFor(10) { tb.inClient("ping -c 1 -W 1 \(ip)").ok }, "no path to \(b.name): \(b.log())")
        }
        return (b0, b1)
    }

    @Test func withCarrierMonitoringAloneTheBondStaysOnTheDeadPath() throws {
        let tb = try Testbed(topology: 2)
        let (b0, _) = try bonds(tb, ["mode=active-backup", "miimon=100"])
        let esm1Member = tb["BOND_MEMBERS"].split(separator: " ").map(String.init)[0]
        #expect(b0.status()?.activeMember == esm1Member)
        tb.uplink("esm1", up: false)
        // Carrier stays up on every member, so nothing is noticed in a second...
        usleep(1_000_000)
        let s = try #require(b0.status())
        #expect(s.activeMember == esm1Member)
        #expect(s.members.allSatisfy { $0.link == "up" })
        // ...and the client cannot reach the bond.
        #expect(!tb.inClient("ping -c 3 -i 0.2 -W 1 \(tb["BOND_IP4"])").ok)
    }

    /// `ns_ip6_target=client-link-local`: the client's link-local address (a router's
    /// fe80::1, say), which current kernels take as a target.
    @Test(arguments: ["arp_ip_target=192.0.2.2", "ns_ip6_target=2001:db8::2", "ns_ip6_target=client-link-local"])
    func theProbeMonitorFailsOverWhenTheUplinkDies(target asked: String) throws {
        let tb = try Testbed(topology: 2)
        var target = asked
        if asked.hasSuffix("client-link-local") {
            let shown = tb.inClient("ip -6 -o addr show scope link").output
            let address = try #require(shown.firstMatch(of: #/inet6 (fe80::[0-9a-f:]+)/#).map { String($0.1) }, "\(shown)")
            target = "ns_ip6_target=\(address)"
        }
        // arp_validate=all: bond1's probes flood the dead ESM1 segment and must not
        // count as life for bond0's member there.
        let interval = 100, missedMax = 2
        let (b0, b1) = try bonds(tb, ["mode=active-backup", "arp_interval=\(interval)", target, "arp_validate=all", "arp_missed_max=\(missedMax)"])
        let members0 = tb["BOND_MEMBERS"].split(separator: " ").map(String.init)
        let members1 = tb["BOND1_MEMBERS"].split(separator: " ").map(String.init)
        // Settled: both members validated by probes, not merely up from the start.
        #expect(
            Shell.waitFor(5) {
                guard let s = b0.status() else { return false }
                return s.activeMember == members0[0] && s.members[1].link == "up"
                    && s.members.allSatisfy { ($0.repliesValidated ?? 0) > 0 }
            }, "\(b0.log())")
        // ...and never judged down on the way: the monitor waited for the address.
        #expect(b0.status()?.members.allSatisfy { $0.linkFailures == 0 } == true, "\(b0.log())")
        #expect(b0.status()?.failovers == 0, "\(b0.log())")
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.01 -c 500 -W 1 \(tb["BOND_IP4"])")
        usleep(1_000_000)
        let start = Date()
        tb.uplink("esm1", up: false)
        #expect(Shell.waitFor(5, every: 0.005) { b0.status()?.activeMember == members0[1] }, "no failover: \(b0.log())")
        let took = Date().timeIntervalSince(start) * 1000
        // Detection within arp_interval × (arp_missed_max + 1), plus a margin for a busy machine.
        #expect(took < Double(interval * (missedMax + 1) + 700), "failover took \(Int(took)) ms")
        #expect(Shell.waitFor(5) { b1.status()?.activeMember == members1[1] })
        let s = try #require(b0.status())
        #expect(s.members[0].link == "down")
        #expect(s.members[0].linkFailures >= 1)
        #expect(s.lastFailoverReason?.contains("ARP monitor") == true)
        #expect(s.members[0].verdict.hasPrefix("down"), "verdict: \(s.members[0].verdict)")
        pinger.wait(timeout: 30)
        let received = pinger.output.firstMatch(of: #/(\d+) received/#).flatMap { Int($0.1) } ?? 0
        // Pings resume: only the detection window is lost (about 30 of 500 at 100 pps).
        #expect(received >= 400, "ping: \(pinger.output)")
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 1 \(tb["BOND1_IP4"])").ok)
        // The uplink returns: the ESM1 member is heard again and comes back as a backup.
        tb.uplink("esm1", up: true)
        #expect(Shell.waitFor(5) { b0.status()?.members[0].link == "up" }, "\(b0.log())")
        #expect(b0.status()?.activeMember == members0[1])
    }

    /// The bond is addressed long after start (as an administrator or ifupdown may):
    /// the ARP monitor waits and says why, then judges with its grace from that moment.
    @Test(arguments: ["arp_ip_target=192.0.2.2", "ns_ip6_target=2001:db8::2"])
    func aBondAddressedLateStartsOnItsFirstMemberWithoutAFlap(target: String) throws {
        let tb = try Testbed(topology: 2)
        let b0 = try BondDaemon(
            tb, options: ["mode=active-backup", "arp_interval=100", target, "arp_validate=all", "arp_missed_max=2"],
            members: tb["BOND_MEMBERS"].split(separator: " ").map(String.init))
        let members0 = tb["BOND_MEMBERS"].split(separator: " ").map(String.init)
        let waiting = try #require(b0.status()?.arpMonitor?.waiting)
        #expect(waiting == "the bond device is down")
        usleep(1_500_000)
        tb.inHost("ip link set \(b0.name) up")
        #expect(Shell.waitFor(5) { b0.status().map { $0.arpMonitor?.waiting != "the bond device is down" } == true }, "\(b0.log())")
        usleep(1_000_000)
        b0.configureAddresses()
        #expect(
            Shell.waitFor(5) {
                guard let s = b0.status(), s.arpMonitor?.waiting == nil else { return false }
                return s.members.allSatisfy { ($0.repliesValidated ?? 0) > 0 && $0.link == "up" }
            }, "\(b0.log())")
        let s = try #require(b0.status())
        #expect(s.activeMember == members0[0])
        #expect(s.failovers == 0 && s.members.allSatisfy { $0.linkFailures == 0 }, "\(b0.log())")
        #expect(!b0.log().contains("definitely down"), "\(b0.log())")
        #expect(b0.log().contains("ARP/NS monitor waits"), "\(b0.log())")
    }

    @Test func withTrunkFailoverTheCarrierMonitorAloneFailsOver() throws {
        let tb = try Testbed(topology: 2)
        let (b0, b1) = try bonds(tb, ["mode=active-backup", "miimon=100"])
        let members0 = tb["BOND_MEMBERS"].split(separator: " ").map(String.init)
        let members1 = tb["BOND1_MEMBERS"].split(separator: " ").map(String.init)
        tb.uplink("esm1", up: false, trunk: true)
        #expect(Shell.waitFor(3) { b0.status()?.activeMember == members0[1] })
        #expect(Shell.waitFor(3) { b1.status()?.activeMember == members1[1] })
        #expect(b0.status()?.lastFailoverReason == "link failure on \(members0[0])")
        #expect(Shell.waitFor(5) { tb.inClient("ping -c 1 -W 1 \(tb["BOND_IP4"])").ok })
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 1 \(tb["BOND1_IP4"])").ok)
    }
}
