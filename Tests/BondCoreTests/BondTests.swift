import BondCore
import Testing

/// A bond of named members under a virtual clock.
struct BondHarness {
    var bond: Bond
    var now = Instant.milliseconds(10_000)
    var events: [BondEvent] = []

    init(_ words: [String], members: [String] = ["m0", "m1"], speeds: [Int]? = nil, carriers: [Bool]? = nil) throws {
        let (options, _) = try BondOptions.parse(words)
        let ms = members.enumerated().map { i, name in
            Member(
                name: name, permanentMAC: MACAddress(rawValue: 0x0200_0000_0000 + UInt64(i)),
                speed: speeds?[i] ?? 10000, carrier: carriers?[i] ?? true,
                updelay: options.updelay, downdelay: options.downdelay, at: .milliseconds(0))
        }
        bond = Bond(name: "bond0", options: options, members: ms)
        events = bond.start(at: now)
    }

    var active: String? { bond.activeIndex.map { bond.members[$0].name } }

    mutating func carrier(_ member: String, _ up: Bool) {
        events = bond.carrierChanged(member: bond.index(of: member)!, up: up, at: now)
    }

    mutating func advance(_ ms: Int) {
        now = now.adding(milliseconds: ms)
        events = bond.tick(at: now)
    }

    var notifications: Int { events.filter { if case .notifyPeers = $0 { true } else { false } }.count }
}

@Suite struct ActiveBackupFailoverTests {
    @Test func firstUpMemberBecomesActive() throws {
        let h = try BondHarness(["mode=1", "miimon=100"])
        #expect(h.active == "m0")
        #expect(h.events.contains(.carrier(up: true)))
        #expect(h.bond.usable == [0, 1])
    }

    @Test func failsOverOnCarrierLossAndCountsTheFailure() throws {
        var h = try BondHarness(["mode=1", "miimon=100"])
        h.carrier("m0", false)
        #expect(h.active == "m1")
        #expect(h.bond.members[0].linkFailureCount == 1)
        #expect(
            h.events.filter { if case .activeChanged = $0 { true } else { false } } == [.activeChanged(from: 0, to: 1, reason: "link failure on m0")])
        #expect(h.bond.lastFailoverReason == "link failure on m0")
        // m0 returns: without a primary the current active member stays.
        h.carrier("m0", true)
        #expect(h.active == "m1")
        #expect(h.bond.usable == [0, 1])
    }

    @Test func losingTheLastMemberDropsCarrier() throws {
        var h = try BondHarness(["mode=1", "miimon=100"])
        h.carrier("m1", false)
        h.carrier("m0", false)
        #expect(h.active == nil)
        #expect(h.events.contains(.carrier(up: false)))
        h.carrier("m1", true)
        #expect(h.active == "m1")
        #expect(h.events.contains(.carrier(up: true)))
    }

    @Test(arguments: [("always", "m0"), ("better", "m1"), ("failure", "m1")])
    func primaryReselectWhenPrimaryReturnsAtEqualSpeed(policy: String, expected: String) throws {
        var h = try BondHarness(["mode=1", "miimon=100", "primary=m0", "primary_reselect=\(policy)"])
        #expect(h.active == "m0")
        h.carrier("m0", false)
        #expect(h.active == "m1")
        h.carrier("m0", true)
        #expect(h.active == expected)
    }

    @Test func primaryReselectBetterTakesAFasterPrimary() throws {
        var h = try BondHarness(["mode=1", "miimon=100", "primary=m0", "primary_reselect=better"], speeds: [25000, 10000])
        h.carrier("m0", false)
        h.carrier("m0", true)
        #expect(h.active == "m0")
    }

    @Test func primaryIsPreferredAtStart() throws {
        let h = try BondHarness(["mode=1", "miimon=100", "primary=m1"])
        #expect(h.active == "m1")
    }

    @Test func downdelayKeepsTheActiveMemberUntilItExpires() throws {
        var h = try BondHarness(["mode=1", "miimon=100", "downdelay=200"])
        h.carrier("m0", false)
        #expect(h.active == "m0")
        #expect(h.bond.nextDeadline == h.now.adding(milliseconds: 200))
        h.advance(100)
        #expect(h.active == "m0")
        h.advance(100)
        #expect(h.active == "m1")
    }

    @Test func updelayHoldsAReturningMemberButNotWhenItIsTheOnlyOne() throws {
        var h = try BondHarness(["mode=1", "miimon=100", "updelay=500", "primary=m0"])
        h.carrier("m0", false)
        h.carrier("m0", true)
        #expect(h.bond.members[0].link == .back)
        #expect(h.active == "m1")
        h.advance(500)
        #expect(h.active == "m0")
        // Everything down, then one returns: updelay is ignored.
        h.carrier("m0", false)
        h.carrier("m1", false)
        h.carrier("m1", true)
        #expect(h.active == "m1")
    }

    /// bond_find_best_slave: the last up member fails while others wait out their
    /// updelay; the one whose delay ends first is taken at once, not when it ends.
    @Test func whenTheLastUpMemberFailsTheOneClosestToTheEndOfItsUpdelayIsTakenAtOnce() throws {
        for mode in ["mode=1", "mode=0"] {
            var h = try BondHarness([mode, "miimon=50", "updelay=100"], members: ["m0", "m1", "m2"])
            h.carrier("m1", false)
            h.carrier("m2", false)
            h.carrier("m2", true)
            h.advance(30)
            h.carrier("m1", true)
            #expect(h.bond.members[1].link == .back && h.bond.members[2].link == .back)
            h.advance(20)
            h.carrier("m0", false)
            #expect(h.bond.members[2].link == .up, "\(mode)")
            #expect(h.bond.members[1].link == .back, "\(mode): m1 keeps its updelay")
            #expect(h.active == "m2", "\(mode)")
            #expect(h.bond.usable == [2], "\(mode)")
            #expect(!h.events.contains(.carrier(up: false)), "\(mode): the bond never lost its carrier")
            #expect(!h.events.contains(.activeChanged(from: 0, to: nil, reason: "link failure on m0")), "\(mode)")
            h.advance(80)
            #expect(h.bond.members[1].link == .up, "\(mode)")
        }
    }

    @Test func peerNotificationsAreSentNumGratARPTimesSpacedByPeerNotifDelay() throws {
        var h = try BondHarness(["mode=1", "miimon=100", "num_grat_arp=3", "peer_notif_delay=200"])
        h.carrier("m0", false)
        #expect(h.events.contains(.notifyPeers(member: 1)))
        var total = h.notifications
        for _ in 0..<10 {
            h.advance(100)
            total += h.notifications
        }
        #expect(total == 3)
    }

    @Test func noPeerNotificationWhenNumGratARPIsZero() throws {
        var h = try BondHarness(["mode=1", "miimon=100", "num_grat_arp=0"])
        h.carrier("m0", false)
        #expect(h.notifications == 0)
        #expect(h.bond.nextDeadline == nil)
    }

    @Test func setActiveRefusesDownOrUnknownMembers() throws {
        var h = try BondHarness(["mode=1", "miimon=100"])
        h.carrier("m1", false)
        #expect(throws: OptionError.self) { try h.bond.setActive("m1", at: h.now) }
        #expect(throws: OptionError.self) { try h.bond.setActive("eth9", at: h.now) }
        h.carrier("m1", true)
        let events = try h.bond.setActive("m1", at: h.now)
        #expect(events.contains(.activeChanged(from: 0, to: 1, reason: "set by administrator")))
    }

    @Test func withoutMiimonCarrierIsNotFollowed() throws {
        var h = try BondHarness(["mode=1"])
        h.carrier("m0", false)
        #expect(h.events.isEmpty)
        #expect(h.active == "m0")
    }

    @Test func membersDownAtStart() throws {
        let h = try BondHarness(["mode=1", "miimon=100"], carriers: [false, true])
        #expect(h.active == "m1")
        #expect(h.bond.usable == [1])
    }
}
