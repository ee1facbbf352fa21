import BondCore
import Testing

/// Aggregator selection when members reach two partners (two switches): which
/// aggregator becomes active under each ad_select policy, as the kernel chooses.
@Suite struct LACPSelectionTests {
    /// Side 0 has three members: m0 and m1 to partner 1 (members 0 and 1 there), m2 to
    /// a second partner, played by side 1's member 2 under another system. Both sides
    /// run the same policy, so that the partners' choices agree with ours.
    func threeMembersTwoPartners(_ words: [String], speeds: [Int] = [10000, 10000, 10000]) throws -> LACPTestLink {
        let link = try LACPTestLink(words + ["lacp_rate=fast"], words + ["lacp_rate=fast"], members: 3, speeds: speeds)
        return link
    }

    /// Partner frames for member 2 rewritten to come from another system and key.
    func secondPartner(_ link: LACPTestLink) {
        link.rewrite = { side, member, frame in
            guard side == 1, member == 2 else { return frame }
            var f = frame
            // Actor system (offset 14+6) and key (14+12) of the LACPDU.
            for (i, b) in [0x02, 0x00, 0x00, 0x00, 0xEE, 0x02].enumerated() { f[20 + i] = UInt8(b) }
            f[26] = 0
            f[27] = 77
            return f
        }
    }

    func activeAggregatorPorts(_ link: LACPTestLink) -> [String] {
        let s = link.a.status(["m0", "m1", "m2"])
        guard let id = s.lacp?.activeAggregator?.id else { return [] }
        return s.members.filter { $0.lacp?.aggregatorID == id }.map(\.name)
    }

    @Test func countPicksTheAggregatorWithMorePorts() throws {
        let link = try threeMembersTwoPartners(["ad_select=count"])
        secondPartner(link)
        link.run(ms: 8000)
        #expect(activeAggregatorPorts(link) == ["m0", "m1"])
        #expect(link.a.transmitters == [0, 1])
        let m2 = try #require(link.a.status(["m0", "m1", "m2"]).members[2].lacp)
        #expect(m2.partner.key == 77 && m2.muxState == "attached")
    }

    /// m0 and m1 aggregate with partner 1 and stay active (ad_select=stable) once m2's
    /// aggregator forms and after m1's link goes down; removing m0 leaves the active
    /// aggregator with no port up. Selection runs again, as the kernel's unbind does for
    /// an aggregator with no active port: m2's aggregator takes over, and the bond never
    /// keeps carrier with nothing to send on.
    @Test func removingTheLastPortUpOfTheActiveAggregatorSelectsAnother() throws {
        let link = try threeMembersTwoPartners(["ad_select=stable"])
        secondPartner(link)
        link.setCable(2, up: false)
        link.run(ms: 8000)
        link.setCable(2, up: true)
        link.run(ms: 8000)
        #expect(activeAggregatorPorts(link) == ["m0", "m1"])
        link.setCable(1, up: false)
        link.run(ms: 500)
        #expect(link.a.transmitters == [0])
        var v = link.a.view
        v.names[0] = ""
        v.linkUp = [2]
        link.a.view = v
        link.carryOut(link.a.mode.memberDown(0, members: v), from: 0)
        #expect(activeAggregatorPorts(link) == ["m2"])
        // m2 distributes from the mux machine's next turn, as in the kernel.
        link.run(ms: 200)
        #expect(link.a.transmitters == [2] && link.a.carrier)
    }

    @Test func bandwidthPicksTheFasterAggregator() throws {
        // One 100 Gbit/s port beats two of 10.
        let link = try threeMembersTwoPartners(["ad_select=bandwidth"], speeds: [10000, 10000, 100_000])
        secondPartner(link)
        link.run(ms: 8000)
        #expect(activeAggregatorPorts(link) == ["m2"])
        #expect(link.a.transmitters == [2])
    }

    @Test func stableKeepsTheActiveAggregatorWhileItHasAPort() throws {
        let link = try threeMembersTwoPartners(["ad_select=stable"], speeds: [10000, 10000, 100_000])
        secondPartner(link)
        // m2 alone at first: its aggregator becomes active.
        link.setCable(0, up: false)
        link.setCable(1, up: false)
        link.run(ms: 8000)
        #expect(activeAggregatorPorts(link) == ["m2"])
        link.setCable(0, up: true)
        link.setCable(1, up: true)
        link.run(ms: 8000)
        #expect(activeAggregatorPorts(link) == ["m2"], "stable keeps it")
        link.setCable(2, up: false)
        link.run(ms: 1000)
        #expect(activeAggregatorPorts(link) == ["m0", "m1"])
    }

    @Test func countMovesToTheLargerAggregatorWhenItComes() throws {
        let link = try threeMembersTwoPartners(["ad_select=count"])
        secondPartner(link)
        link.setCable(0, up: false)
        link.setCable(1, up: false)
        link.run(ms: 8000)
        #expect(activeAggregatorPorts(link) == ["m2"])
        link.setCable(0, up: true)
        link.setCable(1, up: true)
        let t = link.run(until: { link.a.transmitters == [0, 1] }, within: 10_000)
        #expect(t != nil)
        #expect(link.a.records.contains { $0.message.hasPrefix("LACP active aggregator") })
    }

    @Test func actorPortPrioPrefersTheLargerSumOfPriorities() throws {
        let link = try threeMembersTwoPartners(["ad_select=actor_port_prio", "actor_port_prio=m2:1000"])
        secondPartner(link)
        link.run(ms: 8000)
        // As the kernel codes it: 1000 against 255 + 255.
        #expect(activeAggregatorPorts(link) == ["m2"])
        #expect(link.a.status(["m0", "m1", "m2"]).members[2].lacp?.actor.portPriority == 1000)
    }
}
