import BondCore
import Testing

/// The ARP/NS monitor at start-up: no member is judged until probes can be answered
/// (the bond device up, with an address when replies are validated), and then every
/// member gets its grace from that moment, however late it comes.
@Suite struct ProbeStartTests {
    let words = ["mode=active-backup", "arp_interval=100", "arp_ip_target=192.0.2.2", "arp_validate=all", "arp_missed_max=2"]
    let own = IPv4Address("192.0.2.1")!

    /// A world whose bond starts with no address and the device down, as bondd creates it.
    func unaddressed(_ words: [String]) throws -> ProbeWorld {
        var w = try ProbeWorld(words)
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [], ipv6: [], deviceUp: false, at: w.h.now)
        return w
    }

    func linkChanges(_ events: [BondEvent]) -> [BondEvent] {
        events.filter { if case .link = $0 { true } else { false } }
    }

    @Test func aBondAddressedLateStartsOnItsFirstMemberWithoutAFlap() throws {
        var w = try unaddressed(words)
        #expect(w.h.events == [.probeMonitor(judging: false, reason: "the bond device is down")])
        #expect(w.h.bond.probe?.waiting == "the bond device is down")
        // Two seconds pass before the administrator brings the bond up, then one more
        // before it gets its address: twenty times the kernel's grace.
        var events = w.rounds(20)
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [], ipv6: [], deviceUp: true, at: w.h.now)
        #expect(w.h.bond.probe?.waiting == "the bond has no IPv4 address to probe from")
        events += w.rounds(10)
        #expect(linkChanges(events).isEmpty, "\(events)")
        #expect(w.h.active == "m0")
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [own], ipv6: [], deviceUp: true, at: w.h.now)
        #expect(w.h.events == [.probeMonitor(judging: true, reason: "probes can be answered")])
        events = w.rounds(30)
        #expect(linkChanges(events).isEmpty, "\(events)")
        #expect(w.h.active == "m0")
        #expect(w.link("m0") == .up && w.link("m1") == .up)
        #expect(w.h.bond.probe!.records[0].repliesValidated > 0)
    }

    @Test func whileWaitingNoProbeIsAskedFor() throws {
        var w = try unaddressed(words)
        let events = w.rounds(10)
        #expect(!events.contains { if case .probe = $0 { true } else { false } })
    }

    @Test func afterTheAddressComesAnUnansweredMemberFailsOnlyAfterItsGrace() throws {
        var w = try unaddressed(words)
        _ = w.rounds(30)
        w.pathUp[0] = false
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [own], ipv6: [], deviceUp: true, at: w.h.now)
        var elapsed = 0
        while w.h.active == "m0" && elapsed < 2000 {
            w.round()
            elapsed += w.interval
        }
        #expect(w.h.active == "m1")
        // Grace of two intervals, then arp_missed_max intervals without an answer, all
        // counted from the moment probes could be answered, not from the start.
        #expect(elapsed >= 300 && elapsed <= 400, "failed after \(elapsed) ms")
    }

    @Test func losingTheAddressSuspendsJudgementAndRegainingItStartsAfresh() throws {
        var w = try ProbeWorld(words)
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [own], ipv6: [], deviceUp: true, at: w.h.now)
        #expect(w.h.events.isEmpty)
        _ = w.rounds(5)
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [], ipv6: [], deviceUp: true, at: w.h.now)
        #expect(w.h.bond.probe?.waiting != nil)
        var events = w.rounds(20)
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [own], ipv6: [], deviceUp: true, at: w.h.now)
        events += w.rounds(20)
        #expect(linkChanges(events).isEmpty, "\(events)")
        #expect(w.h.active == "m0")
    }

    @Test func withoutValidationProbesNeedNoAddressOnlyAnUpDevice() throws {
        var w = try ProbeWorld(["mode=active-backup", "arp_interval=100", "arp_ip_target=192.0.2.2"])
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [], ipv6: [], deviceUp: true, at: w.h.now)
        #expect(w.h.bond.probe?.waiting == nil)
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [], ipv6: [], deviceUp: false, at: w.h.now)
        #expect(w.h.bond.probe?.waiting == "the bond device is down")
    }

    @Test func nsTargetsWaitForAnIPv6Address() throws {
        var w = try ProbeWorld(["mode=active-backup", "arp_interval=100", "ns_ip6_target=2001:db8::2", "arp_validate=all"])
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [own], ipv6: [], deviceUp: true, at: w.h.now)
        #expect(w.h.bond.probe?.waiting == "the bond has no usable IPv6 address to probe from")
        w.h.events = w.h.bond.probeSourceChanged(ipv4: [own], ipv6: [IPv6Address("2001:db8::1")!], deviceUp: true, at: w.h.now)
        #expect(w.h.bond.probe?.waiting == nil)
    }

    @Test func aMonitorTurnedOnAtRuntimeWaitsForAnAddressToo() throws {
        var h = try BondHarness(["mode=active-backup", "miimon=100"])
        h.events = h.bond.probeSourceChanged(ipv4: [], ipv6: [], deviceUp: true, at: h.now)
        let (options, _) = try BondOptions.parse(words)
        h.events = h.bond.reconfigure(options, at: h.now)
        #expect(h.bond.probe?.waiting == "the bond has no IPv4 address to probe from")
        var events: [BondEvent] = []
        for _ in 0..<20 { h.advance(100); events += h.events }
        #expect(linkChanges(events).isEmpty, "\(events)")
        #expect(h.active == "m0")
    }
}

@Suite struct ProbeSourceAddressTests {
    @Test func theAddressNearestTheTargetSpeaks() {
        let own = [IPv4Address("10.0.0.5")!, IPv4Address("192.0.2.7")!]
        #expect(ProbeSourceAddress.forTarget(IPv4Address("192.0.2.1")!, among: own) == IPv4Address("192.0.2.7")!)
        #expect(ProbeSourceAddress.forTarget(IPv4Address("10.9.9.9")!, among: own) == IPv4Address("10.0.0.5")!)
        #expect(ProbeSourceAddress.forTarget(IPv4Address("10.9.9.9")!, among: []) == IPv4Address(rawValue: 0), "no address yet: 0.0.0.0")
    }

    @Test func anIPv6ProbePrefersAGlobalAddress() {
        let linkLocal = IPv6Address("fe80::1")!, global = IPv6Address("2001:db8::7")!
        #expect(ProbeSourceAddress.forTarget(IPv6Address("2001:db8::1")!, among: [linkLocal, global]) == global)
        #expect(ProbeSourceAddress.forTarget(IPv6Address("2001:db8::1")!, among: [linkLocal]) == linkLocal)
    }

    /// A link-local target (a router's fe80::1) is taken, as current kernels take it;
    /// the engine asks it on the bond's link (`refreshProbePaths`).
    @Test func aLinkLocalTargetIsTaken() throws {
        #expect(try BondOptions.parse(["mode=1", "arp_interval=100", "ns_ip6_target=fe80::1"]).0.nsTargets == [IPv6Address("fe80::1")!])
    }
}
