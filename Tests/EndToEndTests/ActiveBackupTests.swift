import BondCore
import Foundation
import Testing

/// End to end on topology 1: bond over two members to a switch, a client behind it.
@Suite(.serialized) struct ActiveBackupTests {
    /// (Pings in both directions and both IP versions, per mode: BondDeviceTests.)
    @Test func trafficUsesOnlyTheActiveMember() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 3 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        let s = try #require(bond.status())
        #expect(s.mode == .activeBackup)
        #expect(s.activeMember == tb.members[0])
        #expect(s.members[0].txPackets >= 6)
        #expect(s.members[0].rxPackets >= 6)
        #expect(s.members[1].txPackets == 0)
        // The bond device looks like the kernel's: first member's MAC, carrier up.
        let link = try #require(tb.hostLink(tb.bond))
        #expect(link["address"] as? String == s.members[0].permanentMAC)
        #expect((link["flags"] as? [String])?.contains("LOWER_UP") == true)
        #expect(bond.stop() == 0)
    }

    @Test func failsOverWhileTheClientPingsAt100PerSecond() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 2 -W 2 \(tb["BOND_IP4"])").ok)
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.01 -c 400 -W 1 \(tb["BOND_IP4"])")
        usleep(1_000_000)
        tb.fail(member: 0)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == tb.members[1] }, "no failover: \(bond.log())")
        pinger.wait(timeout: 20)
        let summary = pinger.output
        let received = summary.firstMatch(of: #/(\d+) received/#).flatMap { Int($0.1) } ?? 0
        // Traffic continues on the other member: a failover costs a few frames at most.
        #expect(received >= 390, "ping: \(summary)")
        let s = try #require(bond.status())
        #expect(s.members[0].link == "down")
        #expect(s.members[0].linkFailures == 1)
        #expect(s.members[1].state == "active")
        #expect(s.members[1].rxPackets > 0)
        #expect(s.lastFailoverReason == "link failure on \(tb.members[0])")
    }

    @Test func framesArrivingOnTheBackupAreNotDelivered() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        let before = try #require(bond.status())
        let rxBefore =
            Int(tb.inHost("cat /sys/class/net/\(tb.bond)/statistics/rx_packets").output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        // 50 broadcast frames from the client: the switch floods them to both members.
        // (with the client's own source MAC: a bridge drops frames from 00:00:00:00:00:00)
        let mac = tb.inClient("cat /sys/class/net/\(tb["CLIENT_IF"])/address").output.trimmingCharacters(in: .whitespacesAndNewlines)
        let send = tb.inClient(
            "/usr/bin/python3 -c \"from scapy.all import *; sendp([Ether(src='\(mac)', dst='ff:ff:ff:ff:ff:ff', type=0x88b5)/Raw(b'x'*50)]*50, iface='\(tb["CLIENT_IF"])', verbose=0)\""
        )
        #expect(send.ok, "\(send.error)")
        #expect(Shell.waitFor(3) { (bond.status()?.members[1].rxDrops ?? 0) - before.members[1].rxDrops >= 50 })
        let after = try #require(bond.status())
        #expect(after.members[1].rxPackets == before.members[1].rxPackets)
        let rxAfter =
            Int(tb.inHost("cat /sys/class/net/\(tb.bond)/statistics/rx_packets").output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        // Each broadcast is delivered once (from the active member), not twice.
        #expect(rxAfter - rxBefore >= 50 && rxAfter - rxBefore < 100, "bond received \(rxAfter - rxBefore)")
    }

    @Test(arguments: [("always", 0), ("failure", 1)])
    func primaryReselectWhenThePrimaryReturns(policy: String, expectedActive: Int) throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "primary=\(tb.members[0])", "primary_reselect=\(policy)"])
        bond.configureAddresses()
        tb.fail(member: 0)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == tb.members[1] })
        tb.restore(member: 0)
        #expect(Shell.waitFor(5) { bond.status()?.members[0].link == "up" })
        #expect(Shell.waitFor(2) { bond.status()?.activeMember == tb.members[expectedActive] })
        #expect(tb.inClient("ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
    }

    @Test func setActiveFromTheCLI() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        let r = tb.inHost("\(Shell.binDirectory)/bondctl set-active \(tb.bond) \(tb.members[1])")
        #expect(r.ok, "\(r.error)")
        #expect(bond.status()?.activeMember == tb.members[1])
        #expect(tb.inClient("ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        let bad = tb.inHost("\(Shell.binDirectory)/bondctl set-active \(tb.bond) nosuch0")
        #expect(bad.status == 1)
        #expect(bad.error.contains("is not a member"))
        let json = tb.inHost("\(Shell.binDirectory)/bondctl show \(tb.bond) --json")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(obj["active_member"] as? String == tb.members[1])
        #expect((obj["members"] as? [[String: Any]])?.count == 2)
        let text = tb.inHost("\(Shell.binDirectory)/bondctl show \(tb.bond)").output
        #expect(text.contains("Bonding Mode: fault-tolerance (active-backup)"))
        #expect(text.contains("Currently Active Slave: \(tb.members[1])"))
        #expect(text.contains("Slave Interface: \(tb.members[0])"))
        // Written empty, as the kernel's: the active member is chosen afresh (the first,
        // with equal prios), traffic follows.
        let cleared = tb.bondctl("set \(tb.bond) active_slave=")
        #expect(cleared.ok, "\(cleared.error)")
        #expect(bond.status()?.activeMember == tb.members[0])
        #expect(tb.inClient("ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
    }

    @Test func gratuitousARPsFollowAFailover() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "num_grat_arp=3", "peer_notif_delay=100"])
        bond.configureAddresses()
        // Let the start's own notifications (3 x 100 ms, on the first member) pass.
        usleep(500_000)
        // Capture what the new active member sends (inbound on its switch port).
        let capture = try Shell.start("ip netns exec \(tb["NS_SWITCH"]) timeout 4 tcpdump -nn -l -Q in -i \(tb.peers[1]) 'arp or icmp6'")
        usleep(1_000_000)
        tb.fail(member: 0)
        capture.wait(timeout: 10)
        let lines = capture.output.split(separator: "\n")
        let garps = lines.filter { $0.contains("Request who-has \(tb["BOND_IP4"]) tell \(tb["BOND_IP4"])") }
        let nas = lines.filter { $0.contains("neighbor advertisement") && $0.contains("tgt is \(tb["BOND_IP6"])") }
        #expect(garps.count == 3, "\(lines)")
        #expect(nas.count == 3, "\(lines)")
    }
}
