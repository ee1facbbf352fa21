import BondCore
import Testing

/// Two simulated 802.3ad actors on a virtual clock: negotiation, timeouts, churn,
/// passive ends, min_links and link loss, with the kernel's timers.
@Suite struct LACPNegotiationTests {
    func collectingDistributing(_ side: LACPTestLink.Side, _ names: [String] = ["m0", "m1"]) -> Bool {
        side.status(names).members.allSatisfy { $0.lacp?.muxState == "collecting_distributing" }
    }

    @Test func twoActiveActorsNegotiateWithinTheKernelsTimers() throws {
        let link = try LACPTestLink(["lacp_rate=fast"], ["lacp_rate=fast"])
        // Selection on the first tick, 2 s wait_while, then the partner's sync.
        let t = link.run(until: { collectingDistributing(link.a) && collectingDistributing(link.b) }, within: 10_000)
        #expect(t != nil && t! >= 2000 && t! <= 4000, "took \(t.map(String.init) ?? "forever") ms")
        #expect(link.a.transmitters == [0, 1] && link.b.transmitters == [0, 1])
        #expect(link.a.carrier && link.b.carrier)
        let s = link.a.status(["m0", "m1"])
        let lacp = try #require(s.lacp)
        let aggregator = try #require(lacp.activeAggregator)
        #expect(aggregator.ports == 2)
        // 10 Gbit/s full duplex: speed code 7, duplex bit: key 15.
        #expect(aggregator.actorKey == 15 && aggregator.partnerKey == 15)
        #expect(aggregator.partnerMAC == "02:00:00:00:f0:02")
        #expect(s.members.map { $0.lacp?.aggregatorID } == [aggregator.id, aggregator.id])
        let m0 = try #require(s.members[0].lacp)
        // activity, timeout, aggregation, sync, collecting, distributing: 63.
        #expect(m0.actor.portState == 63 && m0.partner.portState == 63)
        #expect(m0.actor.portNumber == 1 && m0.partner.portNumber == 1)
        #expect(m0.actor.systemPriority == 65535 && m0.actor.portPriority == 255)
        #expect(m0.convergenceMilliseconds != nil)
        #expect(link.a.records.contains { $0.message.hasPrefix("LACP collecting-distributing") })
    }

    @Test func fastPeriodicIsOneLACPDUASecondAndSlowIsThirty() throws {
        let fast = try LACPTestLink(["lacp_rate=fast"], ["lacp_rate=fast"])
        fast.run(ms: 10_000)
        fast.sent.removeAll()
        fast.run(ms: 10_000)
        // Each side asks the other for fast: a PDU per second per port.
        #expect(fast.sent.filter { $0.side == 1 && $0.member == 0 }.count == 10)
        let slow = try LACPTestLink([], [])
        slow.run(ms: 10_000)
        slow.sent.removeAll()
        slow.run(ms: 60_000)
        #expect(slow.sent.filter { $0.side == 1 && $0.member == 0 }.count == 2)
        #expect(collectingDistributing(slow.a))
    }

    @Test func aSilentPartnerExpiresThenDefaults() throws {
        let link = try LACPTestLink(["lacp_rate=fast"], ["lacp_rate=fast"])
        _ = link.run(until: { collectingDistributing(link.a) }, within: 10_000)
        link.b.silenced = true
        // current_while is 3 s at our fast rate, then 3 s more in EXPIRED.
        let expired = link.run(until: { link.a.status(["m0", "m1"]).members[0].lacp?.receiveState == "expired" }, within: 5000)
        #expect(expired != nil && expired! >= 2000)
        let m0 = try #require(link.a.status(["m0", "m1"]).members[0].lacp)
        #expect(m0.actor.stateBits.contains("expired"))
        #expect(!m0.partner.stateBits.contains("synchronized"))
        #expect(m0.muxState == "attached")
        let defaulted = link.run(until: { link.a.status(["m0", "m1"]).members[0].lacp?.receiveState == "defaulted" }, within: 5000)
        #expect(defaulted != nil && defaulted! >= 2000)
        let after = try #require(link.a.status(["m0", "m1"]).members[0].lacp)
        #expect(after.partner.systemMAC == "00:00:00:00:00:00" && after.partner.key == 1 && after.partner.portPriority == 255)
        #expect(after.actor.stateBits.contains("defaulted"))
        #expect(link.a.records.contains { $0.member == 0 && $0.message == "LACP partner expired" })
        #expect(link.a.records.contains { $0.member == 0 && $0.message == "LACP partner defaulted" })
        // Without a partner the ports stand alone; as the kernel, the active
        // aggregator's one port still carries traffic.
        link.run(ms: 1000)
        #expect(link.a.transmitters.count == 1 && link.a.carrier)
        #expect(link.a.records.contains { $0.message.contains("no 802.3ad response") })
    }

    @Test func aPartnerThatNeverSyncsChurnsAfterSixtySeconds() throws {
        let link = try LACPTestLink(["lacp_rate=fast"], [])
        link.b.silenced = true
        link.run(ms: 59_000)
        #expect(link.a.status(["m0", "m1"]).members[0].lacp?.partnerChurnState == "monitoring")
        link.run(ms: 2000)
        let m0 = try #require(link.a.status(["m0", "m1"]).members[0].lacp)
        #expect(m0.partnerChurnState == "churned" && m0.partnerChurnedCount == 1)
        #expect(link.a.records.contains { $0.message.hasPrefix("partner churned") })
        let b0 = try #require(link.b.status(["m0", "m1"]).members[0].lacp)
        // The other side hears us and is in sync itself; but we never heard it, so our
        // PDUs do not match it and it never counts our sync either.
        #expect(b0.actorChurnState == "none" && b0.partnerChurnState == "churned")
    }

    @Test func twoPassiveEndsNeverSpeak() throws {
        let link = try LACPTestLink(["lacp_active=off"], ["lacp_active=off"])
        link.run(ms: 20_000)
        #expect(link.sent.isEmpty)
        #expect(!collectingDistributing(link.a))
        #expect(link.a.status(["m0", "m1"]).members[0].lacp?.receiveState == "defaulted")
    }

    @Test func aPassiveEndAnswersAnActiveOne() throws {
        let link = try LACPTestLink(["lacp_active=off"], ["lacp_rate=fast"])
        let t = link.run(until: { collectingDistributing(link.a) && collectingDistributing(link.b) }, within: 10_000)
        #expect(t != nil)
        let m0 = try #require(link.a.status(["m0", "m1"]).members[0].lacp)
        #expect(!m0.actor.stateBits.contains("activity") && m0.partner.stateBits.contains("activity"))
        // The passive end sends at the rate the active one asks for.
        link.sent.removeAll()
        link.run(ms: 10_000)
        #expect((10...11).contains(link.sent.filter { $0.side == 0 && $0.member == 0 }.count))
    }

    @Test func minLinksHoldsCarrierDownUntilEnoughPortsAreUp() throws {
        let link = try LACPTestLink(["min_links=2", "lacp_rate=fast"], ["lacp_rate=fast"])
        _ = link.run(until: { collectingDistributing(link.a) }, within: 10_000)
        #expect(link.a.carrier)
        link.setCable(1, up: false)
        #expect(!link.a.carrier)
        #expect(link.a.transmitters == [0])
        #expect(link.b.carrier, "min_links is ours alone")
        link.setCable(1, up: true)
        // The port restarts (its key lost its speed while down) and rejoins.
        let t = link.run(until: { link.a.transmitters == [0, 1] }, within: 10_000)
        #expect(t != nil)
        #expect(link.a.carrier)
    }

    @Test func aLostPortLeavesDistributionAtOnceAndComesBack() throws {
        let link = try LACPTestLink(["lacp_rate=fast"], ["lacp_rate=fast"])
        _ = link.run(until: { collectingDistributing(link.a) && collectingDistributing(link.b) }, within: 10_000)
        link.setCable(0, up: false)
        #expect(link.a.transmitters == [1] && link.b.transmitters == [1])
        #expect(link.a.carrier)
        link.setCable(0, up: true)
        let t = link.run(until: { link.a.transmitters == [0, 1] && link.b.transmitters == [0, 1] }, within: 10_000)
        #expect(t != nil && t! <= 5000, "rejoined after \(t.map(String.init) ?? "never") ms")
    }

    @Test func ourOwnLACPDUsComingBackAreALoopback() throws {
        // Both members of one bond cabled to each other.
        let link = try LACPTestLink(["lacp_rate=fast"], [], cable: [nil, nil])
        link.cable[0] = [1, 0]
        link.looped = true
        link.run(ms: 5000)
        #expect(link.a.records.filter { $0.message.hasPrefix("illegal loopback") }.count == 2, "once per port")
        #expect(!collectingDistributing(link.a))
    }

    @Test func fallbackMakesDefaultedPortsAnActiveBackupBond() throws {
        let link = try LACPTestLink(["lacp_rate=fast", "lacp_fallback_ab=1"], [])
        link.b.silenced = true
        link.run(ms: 2000)
        #expect(link.a.transmitters.count == 1 && link.a.carrier)
        let first = try #require(link.a.transmitters.first)
        #expect(link.notified.map(\.member) == [first], "the switch hears of the port at once")
        link.setCable(first, up: false)
        link.run(ms: 300)
        #expect(link.a.transmitters == [1 - first])
        #expect(link.notified.map(\.member) == [first, 1 - first])
        #expect(link.a.records.contains { $0.message.hasPrefix("LACP fallback: active-backup") })
        // A partner that starts speaking ends it.
        link.b.silenced = false
        link.setCable(first, up: true)
        #expect(link.run(until: { link.a.transmitters == [0, 1] }, within: 10_000) != nil, "\(link.a.records)")
        #expect(link.a.records.contains { $0.message == "LACP fallback ended" })
    }

    @Test func withoutFallbackTheKernelsDefaultedPortIsUsedSilently() throws {
        let link = try LACPTestLink(["lacp_rate=fast"], [])
        link.b.silenced = true
        link.run(ms: 2000)
        #expect(link.a.transmitters.count == 1 && link.notified.isEmpty)
    }

    /// Regression: the 90 s current_while of a slow port kept a port that came back
    /// disabled until it ran out; the kernel only counts it down.
    @Test func aSlowPortComesBackWithoutWaitingOutItsTimeout() throws {
        let link = try LACPTestLink([], [])
        _ = link.run(until: { collectingDistributing(link.a) && collectingDistributing(link.b) }, within: 10_000)
        link.setCable(0, up: false)
        link.run(ms: 1000)
        link.setCable(0, up: true)
        let t = link.run(until: { link.a.transmitters == [0, 1] && link.b.transmitters == [0, 1] }, within: 20_000)
        #expect(t != nil && t! <= 5000, "rejoined after \(t.map(String.init) ?? "never") ms")
    }

    @Test func aStoppingBondSaysGoodbyeSoThePartnerStopsAtOnce() throws {
        let link = try LACPTestLink(["lacp_rate=fast"], ["lacp_rate=fast"])
        _ = link.run(until: { collectingDistributing(link.a) && collectingDistributing(link.b) }, within: 10_000)
        link.carryOut(link.a.mode.stop(), from: 0)
        #expect(link.sent.suffix(2).allSatisfy { $0.side == 0 })
        // The partner's next tick takes both ports out of distribution, 3 s before
        // its timeout would have.
        link.now = link.now.adding(milliseconds: 100)
        link.carryOut(link.b.mode.tick(at: link.now, members: link.b.view), from: 1)
        #expect(link.b.transmitters.isEmpty)
        #expect(link.b.status(["m0", "m1"]).members.allSatisfy { $0.lacp?.muxState == "attached" })
    }

    @Test func removingTheMemberThatOwnsTheActiveAggregatorKeepsTheOthersGoing() throws {
        let link = try LACPTestLink(["lacp_rate=fast"], ["lacp_rate=fast"], members: 3)
        let names = ["m0", "m1", "m2"]
        _ = link.run(until: { collectingDistributing(link.a, names) && collectingDistributing(link.b, names) }, within: 10_000)
        let before = try #require(link.a.status(names).lacp?.activeAggregator)
        // The first port took the first free aggregator, member 0's own.
        #expect(link.a.status(names).members[0].lacp?.aggregatorID == before.id)
        link.a.records.removeAll()
        var v = link.a.view
        v.names[0] = ""
        v.linkUp = [1, 2]
        link.a.view = v
        link.carryOut(link.a.mode.memberDown(0, members: v), from: 0)
        // No moment without an active aggregator: the ports moved with it, as the kernel's unbind.
        #expect(link.a.transmitters == [1, 2] && link.a.carrier)
        #expect(!link.a.records.contains { $0.message.contains("no active aggregator") })
        link.run(ms: 1000)
        #expect(link.a.transmitters == [1, 2])
        let after = try #require(link.a.status(names).lacp?.activeAggregator)
        #expect(after.ports == 2 && after.id != before.id)
    }

    @Test func aSpeedChangeGivesANewKeyAndRestartsThePort() throws {
        let link = try LACPTestLink(["lacp_rate=fast"], ["lacp_rate=fast"])
        _ = link.run(until: { collectingDistributing(link.a) && collectingDistributing(link.b) }, within: 10_000)
        link.a.view.speeds[1] = 1000
        link.run(ms: 200)
        let m1 = try #require(link.a.status(["m0", "m1"]).members[1].lacp)
        // 1 Gbit/s full duplex: speed code 4, key 9; no longer one aggregator with m0.
        #expect(m1.actor.key == 9)
        #expect(link.a.transmitters == [0])
    }

    @Test func aHalfDuplexPortStaysOutOfLACP() throws {
        let link = try LACPTestLink(["lacp_rate=fast"], ["lacp_rate=fast"])
        link.a.view.halfDuplex = [1]
        link.run(ms: 6000)
        let m1 = try #require(link.a.status(["m0", "m1"]).members[1].lacp)
        // No duplex bit in its key, LACP disabled: it never speaks, and stands alone.
        #expect(m1.actor.key == 14 && m1.receiveState == "lacp_disabled")
        #expect(m1.counters.lacpduTx == 0)
        #expect(link.a.transmitters == [0])
        #expect(m1.aggregatorID != link.a.status(["m0", "m1"]).members[0].lacp?.aggregatorID)
    }
}
