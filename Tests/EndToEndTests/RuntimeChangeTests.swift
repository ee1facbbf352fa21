import BondControl
import BondCore
import Foundation
import Testing

/// `bondctl add-member/remove-member/disable-member/enable-member/set/migrate` on a
/// running bond while a client pings through it every 20 ms.
@Suite(.serialized) struct RuntimeChangeEndToEndTests {
    /// Pings the bond from the client every 20 ms while `body` runs; returns ping's summary.
    private func whilePinging(_ tb: Testbed, count: Int = 150, _ body: () throws -> Void) throws -> String {
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.02 -c \(count) -W 1 \(tb["BOND_IP4"])")
        usleep(300_000)
        try body()
        pinger.wait(timeout: 30)
        return pinger.output
    }

    /// Requests without a reply in ping's summary ("150 packets transmitted, 149 received").
    private func lostEchoes(_ summary: String) -> Int {
        let numbers =
            summary.split(separator: "\n").first { $0.contains("packets transmitted") }?
            .split(separator: " ").compactMap { Int($0) } ?? []
        return numbers.count >= 2 ? numbers[0] - numbers[1] : Int.max
    }

    @Test func membersJoinAndLeaveWithoutLosingFramesOnTheOthers() throws {
        let tb = try Testbed(members: 3)
        let m = tb.members
        let m1Before = try #require(tb.hostLink(m[1]))
        let m2Before = try #require(tb.hostLink(m[2]))
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"], members: [m[0], m[1]])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 2 -W 2 \(tb["BOND_IP4"])").ok)

        let summary = try whilePinging(tb) {
            let add = tb.bondctl("add-member \(tb.bond) \(m[2])")
            #expect(add.ok, "\(add.error)")
            #expect(add.output == "\(tb.bond): \(m[2]) added (link up, backup)\n")
            #expect(bond.status()?.members.map(\.name) == [m[0], m[1], m[2]])
            #expect(tb.hostLink(m[2])?["address"] as? String == bond.status()?.mac, "fail_over_mac=none: the bond's MAC")
            #expect((tb.hostLink(m[2])?["ifalias"] as? String)?.hasPrefix("bondd member of") == true)
            let remove = tb.bondctl("remove-member \(tb.bond) \(m[1])")
            #expect(remove.ok, "\(remove.error)")
            #expect(remove.output == "\(tb.bond): \(m[1]) removed; active member \(m[0])\n")
            usleep(300_000)
        }
        #expect(summary.contains(" 0% packet loss"), "\(summary)")
        // The removed member is as it was, and free for anyone.
        let m1After = try #require(tb.hostLink(m[1]))
        #expect(m1After["address"] as? String == m1Before["address"] as? String)
        #expect(m1After["mtu"] as? Int == m1Before["mtu"] as? Int)
        #expect(m1After["ifalias"] as? String == m1Before["ifalias"] as? String)
        #expect(bond.status()?.members.map(\.name) == [m[0], m[2]])

        // The active member leaves: the other takes over, and says why.
        let remove = tb.bondctl("remove-member \(tb.bond) \(m[0])")
        #expect(remove.output == "\(tb.bond): \(m[0]) removed; active member \(m[2])\n", "\(remove.error)")
        #expect(bond.status()?.lastFailoverReason == "\(m[0]) removed from the bond")
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)

        // Refusals: one line each, exit 1, nothing changed.
        let last = tb.bondctl("remove-member \(tb.bond) \(m[2])")
        #expect(last.status == 1 && last.error == "bondctl: \(m[2]) is the last member of \(tb.bond); stop the bond instead\n")
        let twice = tb.bondctl("add-member \(tb.bond) \(m[2])")
        #expect(twice.status == 1 && twice.error == "bondctl: \(m[2]) is already a member of \(tb.bond)\n")
        let none = tb.bondctl("add-member \(tb.bond) nosuch9")
        #expect(none.status == 1 && none.error == "bondctl: member nosuch9 does not exist\n")
        #expect(bond.status()?.members.map(\.name) == [m[2]])

        // A slot emptied by a removal is taken again.
        #expect(tb.bondctl("add-member \(tb.bond) \(m[0])").ok)
        #expect(bond.status()?.members.map(\.name) == [m[0], m[2]])
        #expect(bond.stop() == 0)
        #expect(tb.hostLink(m[2])?["address"] as? String == m2Before["address"] as? String)
    }

    @Test func aDisabledMemberCarriesNothingUntilEnabled() throws {
        let tb = try Testbed(members: 3)
        let m = tb.members
        let bond = try BondDaemon(tb, options: ["mode=balance-rr", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 2 -W 2 \(tb["BOND_IP4"])").ok)
        func tx(_ name: String) -> Int { bond.status()?.members.first { $0.name == name }?.txPackets ?? -1 }
        var frozen = 0
        let summary = try whilePinging(tb) {
            let r = tb.bondctl("disable-member \(tb.bond) \(m[1])")
            #expect(r.ok, "\(r.error)")
            frozen = tx(m[1])
            #expect(bond.status()?.members.first { $0.name == m[1] }?.state == "disabled")
            usleep(1_000_000)
            #expect(tx(m[1]) == frozen, "a disabled member sends nothing")
            #expect(tb.bondctl("enable-member \(tb.bond) \(m[1])").ok)
        }
        // An echo request the switch had already sent to m1 when it stopped delivering
        // is lost (the switch is a learning bridge, not a LAG, and learned the bond's
        // MAC on m1 from a reply it sent just before); none after it.
        #expect(lostEchoes(summary) <= 1, "\(summary)")
        #expect(tx(m[1]) > frozen, "enabled again, it takes its share")
        let unknown = tb.bondctl("disable-member \(tb.bond) nosuch9")
        #expect(unknown.status == 1 && unknown.error == "bondctl: nosuch9 is not a member of \(tb.bond)\n")
    }

    @Test func optionsChangeAtRuntimeAsTheKernelAllows() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 2 -W 2 \(tb["BOND_IP4"])").ok)
        let summary = try whilePinging(tb) {
            let r = tb.bondctl("set \(tb.bond) miimon=50 updelay=200 downdelay=100")
            #expect(r.ok && r.output == "\(tb.bond): miimon=50 updelay=200 downdelay=100\n", "\(r.error)")
            let s = bond.status()
            #expect(s?.miimon == 50 && s?.updelay == 200 && s?.downdelay == 100)
            // The ARP monitor replaces the MII monitor; the client answers its probes.
            let arp = tb.bondctl("set \(tb.bond) arp_interval=100 arp_ip_target=\(tb["CLIENT_IP4"])")
            #expect(arp.ok, "\(arp.error)")
            #expect(arp.error.contains("ARP monitoring cannot be used with MII monitoring"))
            #expect(bond.status()?.arpMonitor?.interval == 100 && bond.status()?.miimon == 0)
            usleep(800_000)
            #expect(bond.status()?.members.allSatisfy { $0.link == "up" } == true, "\(bond.log().suffix(400))")
        }
        #expect(summary.contains(" 0% packet loss"), "\(summary)")
        #expect((bond.status()?.members.first?.repliesValidated ?? 0) + (bond.status()?.members.first?.probesSent ?? 0) > 0)

        // primary reselects at once.
        #expect(tb.bondctl("set \(tb.bond) primary=\(m[1])").ok)
        #expect(bond.status()?.activeMember == m[1])
        // What the kernel refuses, with what to do instead; nothing changes.
        let mode = tb.bondctl("set \(tb.bond) mode=balance-rr")
        #expect(mode.status == 1)
        #expect(
            mode.error
                == "bondctl: mode: cannot change while \(tb.bond) has members (the kernel refuses it too); change it in the configuration file and run bondctl reload, which rebuilds the bond\n"
        )
        let bad = tb.bondctl("set \(tb.bond) miimon=often")
        #expect(bad.error == "bondctl: miimon: invalid value 'often' (allowed range 0-2147483647)\n")
        let notMember = tb.bondctl("set \(tb.bond) primary=nosuch9")
        #expect(notMember.error == "bondctl: primary: nosuch9 is not a member of \(tb.bond)\n")
        #expect(bond.status()?.mode == .activeBackup && bond.status()?.activeMember == m[1])
    }

    @Test func aBucketMigratesToAnotherMember() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let bond = try BondDaemon(tb, options: ["mode=balance-tlb", "miimon=100", "xmit_hash_policy=layer2+3"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        // The echo replies fill one bucket (layer2+3: every ping process hashes alike);
        // move it to the member it is not on.
        let bucket = try #require(bond.status()?.buckets?.first { $0.txBytes > 0 })
        let other = bucket.member == m[0] ? m[1] : m[0]
        func tx(_ name: String) -> Int { bond.status()?.members.first { $0.name == name }?.txPackets ?? -1 }
        let before = tx(other)
        let summary = try whilePinging(tb, count: 80) {
            let r = tb.bondctl("migrate \(tb.bond) \(bucket.bucket) \(other)")
            #expect(r.ok && r.output == "\(tb.bond): bucket \(bucket.bucket) now leaves on \(other)\n", "\(r.error)")
        }
        #expect(summary.contains(" 0% packet loss"), "\(summary)")
        #expect(tx(other) >= before + 50, "the replies now leave on \(other)")
        #expect(bond.status()?.buckets?.first { $0.bucket == bucket.bucket }?.member == other)
        let range = tb.bondctl("migrate \(tb.bond) 256 \(other)")
        #expect(range.status == 1 && range.error == "bondctl: migrate: bucket 256 out of range (0-255)\n")
    }
}
