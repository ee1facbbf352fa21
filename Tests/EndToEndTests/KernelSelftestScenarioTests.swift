import BondCore
import Foundation
import Testing

/// The kernel's bonding selftests (tools/testing/selftests/drivers/net/bonding:
/// bond_options.sh, mode-1-recovery-updelay.sh) re-expressed with bondd and bondctl on
/// the same shape: a bond over three members, a gateway bridge (192.0.2.254,
/// 2001:db8::254) over their peers, and a client behind it.
@Suite(.serialized) struct KernelSelftestScenarioTests {
    static let gateway4 = "192.0.2.254", gateway6 = "2001:db8::254"

    func threeMemberTestbed() throws -> Testbed {
        let tb = try Testbed(members: 3)
        // The testbed's switch is mute (no IPv6); the selftests' gateway answers.
        tb.inSwitch("sysctl -qw net.ipv6.conf.\(tb["BRIDGE"]).disable_ipv6=0")
        let v4 = tb.inSwitch("ip addr add \(Self.gateway4)/24 dev \(tb["BRIDGE"])")
        let v6 = tb.inSwitch("ip addr add \(Self.gateway6)/64 dev \(tb["BRIDGE"]) nodad")
        guard v4.ok, v6.ok else { throw TestbedError(message: "gateway addresses: \(v4.error) \(v6.error)") }
        return tb
    }

    func start(_ tb: Testbed, _ options: [String]) throws -> BondDaemon {
        let b = try BondDaemon(tb, options: options)
        b.configureAddresses()
        #expect(Shell.waitFor(10) { tb.inHost("ping -c 1 -W 1 \(tb["CLIENT_IP4"])").ok }, "no connection with \(options): \(b.log())")
        return b
    }

    /// Waits for `member` to be the active one (the selftests' check_active_slave).
    func expectActive(_ b: BondDaemon, _ member: String, _ comment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let ok = Shell.waitFor(5) { b.status()?.activeMember == member }
        #expect(ok, "\(comment): active is \(b.status()?.activeMember ?? "none"), expected \(member)", sourceLocation: sourceLocation)
    }

    /// bond_options.sh prio: primary eth1, prio eth0=0 eth1=10 eth2=11, for each
    /// primary_reselect; members are downed and raised on the bond's side.
    @Test(arguments: [
        ("active-backup", "miimon=100"), ("balance-tlb", "miimon=100"), ("balance-alb", "miimon=100"),
        ("active-backup", "arp_ip_target=\(gateway4)"), ("active-backup", "ns_ip6_target=\(gateway6)"),
    ])
    func prio(mode: String, monitor: String) throws {
        let tb = try threeMemberTestbed()
        let m = tb.members
        let monitorWords = monitor.hasPrefix("miimon") ? [monitor] : ["arp_interval=100", monitor]
        for reselect in 0...2 {
            let b = try start(
                tb,
                [
                    "mode=\(mode)", "primary=\(m[1])", "primary_reselect=\(reselect)",
                    "prio=\(m[0]):0,\(m[1]):10,\(m[2]):11",
                ] + monitorWords)
            let label = "\(mode) \(monitor) primary_reselect \(reselect)"
            expectActive(b, m[1], "\(label): the primary")
            tb.inHost("ip link set \(m[1]) down")
            expectActive(b, m[2], "\(label): the higher prio member")
            tb.inHost("ip link set \(m[2]) down")
            expectActive(b, m[0], "\(label): the only member up")
            tb.inHost("ip link set \(m[2]) up")
            #expect(Shell.waitFor(5) { b.status()?.members[2].link == "up" }, "\(label): \(m[2]) did not return")
            expectActive(b, reselect == 0 ? m[2] : m[0], "\(label): a higher prio member returns")
            let before = b.status()?.activeMember ?? ""
            tb.inHost("ip link set \(m[1]) up")
            #expect(Shell.waitFor(5) { b.status()?.members[1].link == "up" }, "\(label): \(m[1]) did not return")
            expectActive(b, reselect == 0 ? m[1] : before, "\(label): the primary returns")
            #expect(Shell.waitFor(5) { tb.inHost("ping -c 1 -W 1 \(tb["CLIENT_IP4"])").ok }, "\(label): no connection")
            // Settled: six monitor intervals later every member is still up and the
            // choice stands (the probes keep them up, not just carrier).
            let settled = b.status()?.activeMember
            usleep(600_000)
            let s = try #require(b.status())
            #expect(s.activeMember == settled, "\(label): active moved to \(s.activeMember ?? "none")")
            #expect(s.members.allSatisfy { $0.link == "up" }, "\(label): \(s.members.map { "\($0.name) \($0.verdict)" })")
            #expect(b.stop() == 0)
        }
    }

    /// bond_options.sh arp_validate: every value, with an ARP and with an NS target,
    /// leaves all three members up.
    @Test(arguments: ["arp_ip_target=\(gateway4)", "ns_ip6_target=\(gateway6)"])
    func arpValidate(target: String) throws {
        let tb = try threeMemberTestbed()
        for value in 0...6 {
            let b = try start(tb, ["mode=active-backup", "arp_interval=100", target, "arp_validate=\(value)"])
            // Fifteen intervals: a member that hears nothing valid is down after three.
            var allUp = true
            let deadline = Date().addingTimeInterval(1.5)
            while Date() < deadline {
                if let s = b.status(), !s.members.allSatisfy({ $0.link == "up" }) {
                    allUp = false
                    Issue.record("arp_validate \(value) \(target): \(s.members.map { "\($0.name) \($0.verdict)" })")
                    break
                }
                usleep(50_000)
            }
            #expect(allUp)
            #expect(b.stop() == 0)
        }
    }

    /// bond_options.sh num_grat_arp: after a failover exactly N gratuitous ARPs leave on
    /// the new active member (counted at its switch port), peer_notif_delay apart.
    @Test(arguments: [10, 20, 30])
    func numGratARP(count: Int) throws {
        let tb = try threeMemberTestbed()
        let b = try start(tb, ["mode=active-backup", "miimon=10", "num_grat_arp=\(count)", "peer_notif_delay=100"])
        // The bond's own start-up notifications are over before counting starts.
        usleep(UInt32(count * 100_000 + 300_000))
        let active = try #require(b.status()?.activeMember)
        let seconds = count / 10 + 3
        let captures = try tb.peers.map { peer in
            try Shell.start("ip netns exec \(tb["NS_SWITCH"]) timeout \(seconds) tcpdump -nn -l -Q in -i \(peer) arp")
        }
        usleep(700_000)
        tb.inHost("ip link set \(active) down")
        #expect(Shell.waitFor(2) { (b.status()?.activeMember).map { $0 != active } ?? false })
        let newActive = try #require(b.status()?.activeMember)
        let port = tb.peers[tb.members.firstIndex(of: newActive)!]
        for c in captures { c.wait(timeout: Double(seconds) + 5) }
        let lines = captures[tb.peers.firstIndex(of: port)!].output.split(separator: "\n")
        let garps = lines.filter { $0.contains("Request who-has \(tb["BOND_IP4"]) tell \(tb["BOND_IP4"])") }
        #expect(garps.count == count, "\(garps.count) gratuitous ARPs on \(newActive)")
    }

    /// mode-1-recovery-updelay.sh: flap one member, then down the other; with no member
    /// up, updelay is skipped and the flapped member carries traffic at once.
    @Test func updelayRecovery() throws {
        let tb = try Testbed()
        for updelay in [0, 200, 1000, 5000, 10000] {
            let b = try start(tb, ["mode=active-backup", "miimon=100", "updelay=\(updelay)"])
            tb.fail(member: 1)
            tb.restore(member: 1)
            tb.fail(member: 0)
            let began = Date()
            let recovered = Shell.waitFor(5) { tb.inHost("ping -c 1 -W 1 \(tb["CLIENT_IP4"])").ok }
            let took = Date().timeIntervalSince(began)
            #expect(recovered, "updelay \(updelay): no recovery: \(b.log())")
            // Far sooner than the longer updelays: the delay was skipped.
            #expect(took < 3, "updelay \(updelay): recovered after \(took) s")
            #expect(b.status()?.activeMember == tb.members[1])
            tb.restore(member: 0)
            #expect(b.stop() == 0)
        }
    }
}
