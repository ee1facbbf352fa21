import BondControl
import BondCore
import Foundation
import Testing

/// A real 802.3ad partner on the switch side of a topology 5 testbed
/// (tools/lacp-partner): Open vSwitch's user-space datapath, dpdk-testpmd's bonding
/// PMD, or a second bondd. Stopped on close.
final class LACPPartner {
    let testbed: Testbed
    let kind: String

    init(_ testbed: Testbed, _ kind: String, _ args: [String] = []) throws {
        self.testbed = testbed
        self.kind = kind
        let r = Self.tool("start \(testbed.prefix) \(kind) \(args.joined(separator: " "))")
        guard r.ok else { throw TestbedError(message: "lacp-partner start \(kind) failed: \(r.error)") }
    }

    deinit { Self.tool("stop \(testbed.prefix)") }

    @discardableResult
    static func tool(_ args: String) -> Shell.Result {
        let path = Shell.packageRoot.appendingPathComponent("tools/lacp-partner").path
        return Shell.run("BONDD_BIN_DIR=\(Shell.binDirectory) \(path) \(args)", timeout: 60)
    }

    /// The partner's own view of the negotiation (ovs-appctl lacp/show, testpmd's
    /// show bonding lacp info, bondctl show).
    func show() -> String { Self.tool("show \(testbed.prefix)").output }

    func set(_ setting: String) { Self.tool("set \(testbed.prefix) \(setting)") }

    /// Open vSwitch: negotiated, and every member current and attached.
    func ovsNegotiated(members: Int = 2) -> Bool {
        let s = show()
        return s.contains("negotiated") && s.components(separatedBy: ": current attached").count - 1 == members
    }
}

/// 802.3ad against real LACP peers nobody here wrote, on every backend.
@Suite(.serialized) struct LACPTests {
    static let options = ["mode=802.3ad", "miimon=100", "lacp_rate=fast", "xmit_hash_policy=layer3+4"]

    func collectingDistributing(_ bond: BondDaemon, members: Int = 2) -> Bool {
        guard let s = bond.status() else { return false }
        return s.members.count == members && s.members.allSatisfy { $0.lacp?.muxState == "collecting_distributing" }
    }

    @Test func negotiatesWithOpenVSwitchAndSpreadsFlows() throws {
        let tb = try Testbed(topology: 5)
        let ovs = try LACPPartner(tb, "ovs")
        let port = Int.random(in: 20000..<30000)
        let bond = try BondDaemon(tb, options: Self.options + ["--metrics", "127.0.0.1:\(port)"])
        bond.configureAddresses()
        #expect(Shell.waitFor(15) { collectingDistributing(bond) && ovs.ovsNegotiated() }, "\(ovs.show())")
        let s = try #require(bond.status())
        let lacp = try #require(s.lacp)
        // OVS reports our system and one key on every port.
        let view = ovs.show()
        #expect(view.components(separatedBy: "partner sys_id: \(lacp.systemMAC)").count - 1 == 2, "\(view)")
        #expect(view.components(separatedBy: "partner key: 15").count - 1 == 2)
        let full = "partner state: activity timeout aggregation synchronized collecting distributing"
        #expect(Shell.waitFor(5) { ovs.show().components(separatedBy: full).count - 1 == 2 }, "\(ovs.show())")
        #expect(lacp.activeAggregator?.ports == 2)
        #expect(s.members.allSatisfy { ($0.lacp?.counters.lacpduRx ?? 0) > 0 && ($0.lacp?.counters.lacpduTx ?? 0) > 0 })
        #expect(s.members.allSatisfy { $0.lacp?.convergenceMilliseconds != nil })
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        let sent = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 100).ok) }, expectedTotal: 100)
        for n in sent { #expect(n >= 25, "per-member frames of 100 flows: \(sent)") }
        if BondDaemon.backend == "xdp" {
            // The programs spread them over the distributing ports themselves.
            #expect((bond.status()?.fastPath?.redirected ?? 0) >= 100)
        }
        let text = tb.bondctl("show \(tb.bond)").output
        #expect(text.contains("802.3ad info") && text.contains("Active Aggregator Info:") && text.contains("details partner lacp pdu:"))
        // veth says full duplex, as the LACP port key's duplex bit needs.
        #expect(text.components(separatedBy: "Duplex: full").count - 1 == 2)
        let stats = tb.bondctl("stats \(tb.bond)").output
        #expect(stats.contains("802.3ad:") && stats.contains("collecting_distributing"), "\(stats)")
        let metrics = tb.inHost("curl -sf http://127.0.0.1:\(port)/metrics").output
        #expect(metrics.contains("bondd_member_lacp_lacpdu_rx_total{"), "\(metrics.prefix(3000))")
        #expect(metrics.contains("bondd_member_lacp_distributing{"))
        // Slow-protocols frames never reach the bond device.
        let capture = tb.inHost("timeout 3 tcpdump -c 1 -i \(tb.bond) -nn ether proto 0x8809")
        #expect(!capture.output.contains("LACP"), "\(capture.output)")
    }

    @Test func aPortLostAndBackWithOpenVSwitch() throws {
        let tb = try Testbed(topology: 5)
        let ovs = try LACPPartner(tb, "ovs")
        let bond = try BondDaemon(tb, options: Self.options)
        bond.configureAddresses()
        #expect(Shell.waitFor(15) { collectingDistributing(bond) && ovs.ovsNegotiated() })
        let events = try tb.startBondctl("events \(tb.bond) --json")
        tb.fail(member: 0)
        #expect(Shell.waitFor(3) { bond.status()?.members[0].state == "backup" })
        let sent = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 50).ok) }, expectedTotal: 50)
        #expect(sent[0] == 0 && sent[1] >= 50, "per-member frames: \(sent)")
        #expect(bond.status()?.carrier == "up")
        tb.restore(member: 0)
        #expect(Shell.waitFor(10) { collectingDistributing(bond) && ovs.ovsNegotiated() }, "\(ovs.show())")
        let again = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 100).ok) }, expectedTotal: 100)
        for n in again { #expect(n >= 25, "per-member frames after the port came back: \(again)") }
        events.signal(SIGTERM)
        _ = events.wait(timeout: 5)
        #expect(events.output.contains("\"kind\":\"lacp\""), "\(events.output)")
        #expect(events.output.contains("LACP collecting-distributing"))
    }

    @Test func thePartnerStoppingLACPExpiresThenDefaults() throws {
        let tb = try Testbed(topology: 5)
        let ovs = try LACPPartner(tb, "ovs")
        let bond = try BondDaemon(tb, options: Self.options)
        bond.configureAddresses()
        #expect(Shell.waitFor(15) { collectingDistributing(bond) })
        ovs.set("ovs-lacp=off")
        #expect(Shell.waitFor(10) { bond.status()?.members.allSatisfy { $0.lacp?.receiveState == "defaulted" } == true })
        let s = try #require(bond.status())
        #expect(s.members.allSatisfy { $0.lacp?.partner.systemMAC == "00:00:00:00:00:00" })
        #expect(bond.log().contains("LACP partner expired") && bond.log().contains("LACP partner defaulted"))
        // As the kernel: the active aggregator has no partner, and its one port carries traffic.
        #expect(s.carrier == "up")
        #expect(s.members.filter { $0.state == "active" }.count == 1)
    }

    @Test func fallbackAnnouncesThePortWhenThePartnerStops() throws {
        let tb = try Testbed(topology: 5)
        let ovs = try LACPPartner(tb, "ovs")
        let bond = try BondDaemon(tb, options: Self.options + ["lacp_fallback_ab=1"])
        bond.configureAddresses()
        #expect(Shell.waitFor(15) { collectingDistributing(bond) })
        ovs.set("ovs-lacp=off")
        #expect(Shell.waitFor(10) { bond.log().contains("LACP fallback: active-backup on this port") })
        let active = try #require(bond.status()?.members.first { $0.state == "active" }?.name)
        // The switch hears at once where the bond's addresses now are.
        #expect(Shell.waitFor(3) { bond.log().contains("peer notifications on \(active)") }, "\(bond.log().suffix(2000))")
        #expect(bond.status()?.lacp?.fallbackActiveBackup == true)
        #expect(tb.bondctl("show \(tb.bond)").output.contains("LACP fallback: active-backup"))
    }

    @Test func stoppingTellsOpenVSwitchAtOnce() throws {
        let tb = try Testbed(topology: 5)
        let ovs = try LACPPartner(tb, "ovs")
        let bond = try BondDaemon(tb, options: Self.options)
        bond.configureAddresses()
        #expect(Shell.waitFor(15) { collectingDistributing(bond) && ovs.ovsNegotiated() })
        let stopping = Date()
        #expect(bond.stop() == 0)
        // Our last LACPDUs say we no longer aggregate: OVS stops using both ports at
        // once. Without them it would wait out its 3 s timeout from our last periodic
        // LACPDU, at most 1 s before the stop.
        #expect(Shell.waitFor(5) { ovs.show().components(separatedBy: "may_enable: false").count - 1 == 2 }, "\(ovs.show())")
        let took = Date().timeIntervalSince(stopping)
        #expect(took < 1.5, "OVS stopped using the ports \(took) s after the stop")
    }

    @Test func passiveOnOurSideAnswersOpenVSwitch() throws {
        let tb = try Testbed(topology: 5)
        let ovs = try LACPPartner(tb, "ovs")
        let bond = try BondDaemon(tb, options: Self.options + ["lacp_active=off"])
        bond.configureAddresses()
        #expect(Shell.waitFor(15) { collectingDistributing(bond) && ovs.ovsNegotiated() }, "\(ovs.show())")
        // Our state reaches OVS with our next LACPDU.
        #expect(Shell.waitFor(5) { ovs.show().contains("partner state: timeout aggregation synchronized collecting distributing") }, "\(ovs.show())")
        #expect(bond.status()?.lacp?.lacpActive == false)
    }

    @Test func slowRateOnBothSides() throws {
        let tb = try Testbed(topology: 5)
        let ovs = try LACPPartner(tb, "ovs", ["--slow"])
        let bond = try BondDaemon(tb, options: ["mode=802.3ad", "miimon=100"])
        bond.configureAddresses()
        #expect(Shell.waitFor(15) { collectingDistributing(bond) && ovs.ovsNegotiated() }, "\(ovs.show())")
        #expect(Shell.waitFor(5) { ovs.show().contains("partner state: activity aggregation synchronized collecting distributing") }, "\(ovs.show())")
        let m0 = try #require(bond.status()?.members[0].lacp)
        #expect(!m0.actor.stateBits.contains("timeout") && !m0.partner.stateBits.contains("timeout"))
        // Nobody asks for fast: after negotiation a PDU every 30 s at most.
        let before = m0.counters.lacpduTx
        Thread.sleep(forTimeInterval: 3)
        #expect((bond.status()?.members[0].lacp?.counters.lacpduTx ?? 0) - before <= 1)
    }

    @Test func theDebianSeedLineAgainstAnotherBondd() throws {
        let tb = try Testbed(topology: 5)
        let partner = try LACPPartner(tb, "bondd", ["miimon=100", "lacp_rate=fast"])
        let bond = try BondDaemon(tb, options: "mode=802.3ad miimon=100 use_carrier=0 lacp_rate=fast".split(separator: " ").map(String.init))
        #expect(bond.log().contains("use_carrier is ignored"))
        bond.configureAddresses()
        #expect(Shell.waitFor(15) { collectingDistributing(bond) }, "\(partner.show())")
        #expect(Shell.waitFor(5) { partner.show().components(separatedBy: "mux collecting_distributing").count - 1 == 2 })
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
    }

    @Test func negotiatesWithDPDKTestpmd() throws {
        let tb = try Testbed(topology: 5)
        let testpmd = try LACPPartner(tb, "testpmd")
        let bond = try BondDaemon(tb, options: Self.options)
        bond.configureAddresses()
        let both = "COLLECTING DISTRIBUTING"
        #expect(Shell.waitFor(20) { collectingDistributing(bond) }, "\(testpmd.show())")
        // testpmd's actor state for both its ports, and our system as its partner.
        #expect(Shell.waitFor(5) { testpmd.show().components(separatedBy: "port state: ACTIVE AGGREGATION SYNCHRONIZATION \(both)").count - 1 == 2 })
        let system = try #require(bond.status()?.lacp?.systemMAC).uppercased()
        #expect(testpmd.show().components(separatedBy: "system mac address: \(system)").count - 1 == 2, "\(testpmd.show())")
        // testpmd forwards nothing: the client's neighbour entry is set by hand.
        tb.inHost("ip neigh replace \(tb["CLIENT_IP4"]) lladdr 02:00:00:00:00:02 dev \(tb.bond)")
        let sent = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 100).ok) }, expectedTotal: 100)
        for n in sent { #expect(n >= 25, "per-member frames of 100 flows: \(sent)") }
        tb.fail(member: 1)
        #expect(Shell.waitFor(3) { bond.status()?.members[1].state == "backup" })
        tb.restore(member: 1)
        #expect(Shell.waitFor(15) { collectingDistributing(bond) }, "\(testpmd.show())")
        // testpmd stops sending LACPDUs: our fast rate expires them in 3 s, 3 s more to defaulted.
        testpmd.set("pump=off")
        #expect(Shell.waitFor(12) { bond.status()?.members.allSatisfy { $0.lacp?.receiveState == "defaulted" } == true })
        #expect(bond.log().contains("LACP partner expired"))
    }

    @Test func aPassiveSlowSideAnswersDPDKTestpmd() throws {
        let tb = try Testbed(topology: 5)
        let testpmd = try LACPPartner(tb, "testpmd")
        let bond = try BondDaemon(tb, options: ["mode=802.3ad", "miimon=100", "lacp_active=off", "lacp_rate=slow"])
        bond.configureAddresses()
        #expect(Shell.waitFor(20) { collectingDistributing(bond) }, "\(testpmd.show())")
        // testpmd's view of us: neither active nor asking for short timeouts.
        let ours = "port state: AGGREGATION SYNCHRONIZATION COLLECTING DISTRIBUTING"
        #expect(Shell.waitFor(5) { testpmd.show().components(separatedBy: ours).count - 1 == 2 }, "\(testpmd.show())")
    }

    @Test func runtimeChangesAsTheKernelAllowsThemFromAConfigurationFile() throws {
        let tb = try Testbed(topology: 5)
        let ovs = try LACPPartner(tb, "ovs")
        let m = tb.members
        let path = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).conf"
        try """
        [\(tb.bond)]
        members = \(m[0]) \(m[1])
        mode = 802.3ad
        lacp_rate = fast
        min_links = 1
        address = 192.0.2.1/24
        backend = \(BondDaemon.backend)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        func status() -> BondStatus? { try? ControlClient.send(ControlRequest(command: .show), to: "/run/bondd/\(tb.bond).sock").status }
        #expect(
            Shell.waitFor(15) { status()?.members.allSatisfy { $0.lacp?.muxState == "collecting_distributing" } == true }, "\(daemon.errorOutput)")
        #expect(status()?.miimon == 100, "miimon defaults to 100 in 802.3ad")
        // lacp_rate changes while up (unlike the kernel): OVS hears our slow rate.
        #expect(tb.bondctl("set \(tb.bond) lacp_rate=slow").ok)
        #expect(Shell.waitFor(5) { ovs.show().contains("partner state: activity aggregation synchronized collecting distributing") }, "\(ovs.show())")
        // min_links at runtime holds carrier down until enough ports are up.
        #expect(tb.bondctl("set \(tb.bond) min_links=3").ok)
        #expect(Shell.waitFor(3) { status()?.carrier == "down" })
        #expect(tb.bondctl("set \(tb.bond) min_links=2").ok)
        #expect(Shell.waitFor(3) { status()?.carrier == "up" })
        // ad_select only while the bond device is down, as the kernel.
        let refused = tb.bondctl("set \(tb.bond) ad_select=count")
        #expect(refused.status == 1 && refused.error.contains("ad_select: cannot change while \(tb.bond) is up"), "\(refused.error)")
        tb.inHost("ip link set \(tb.bond) down")
        #expect(Shell.waitFor(3) { tb.bondctl("set \(tb.bond) ad_select=count").ok })
        #expect(status()?.lacp?.adSelect == "count")
        let unknown = tb.bondctl("set \(tb.bond) lacp_rate=sometimes")
        #expect(unknown.status == 1 && unknown.error.contains("lacp_rate: invalid value 'sometimes' (slow|fast or 0-1)"))
    }

    @Test func membersAddedAndRemovedAtRuntimeAgainstAnotherBondd() throws {
        let tb = try Testbed(topology: 5, members: 3)
        let partner = try LACPPartner(tb, "bondd", ["miimon=100", "lacp_rate=fast"])
        let m = tb.members
        let bond = try BondDaemon(tb, options: Self.options, members: [m[0], m[1]])
        bond.configureAddresses()
        #expect(Shell.waitFor(15) { collectingDistributing(bond) }, "\(partner.show())")
        #expect(tb.bondctl("add-member \(tb.bond) \(m[2])").ok)
        #expect(Shell.waitFor(10) { collectingDistributing(bond, members: 3) }, "\(bond.status()?.members.map { $0.lacp?.muxState ?? "-" } ?? [])")
        #expect(bond.status()?.lacp?.activeAggregator?.ports == 3)
        let events = try tb.startBondctl("events \(tb.bond) --json")
        // The member that owns the active aggregator leaves: the others carry on.
        #expect(tb.bondctl("remove-member \(tb.bond) \(m[0])").ok)
        #expect(Shell.waitFor(5) { bond.status()?.members.count == 2 })
        #expect(collectingDistributing(bond) && bond.status()?.carrier == "up")
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        events.signal(SIGTERM)
        _ = events.wait(timeout: 5)
        #expect(!events.output.contains("carrier down"), "\(events.output)")
    }
}
