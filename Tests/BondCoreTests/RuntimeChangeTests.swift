import BondCore
import Testing

/// Members added, removed, disabled and options changed while the bond runs.
@Suite struct RuntimeMembershipTests {
    private func member(_ name: String, carrier: Bool = true) -> Member {
        Member(name: name, permanentMAC: MACAddress(rawValue: 0x0200_0000_0099), speed: 10000, carrier: carrier, at: .milliseconds(0))
    }

    @Test func anAddedMemberTakesOverWhenNoneIsActive() throws {
        var h = try BondHarness(["mode=1", "miimon=100"], members: ["m0"], carriers: [false])
        #expect(h.active == nil)
        let (i, events) = h.bond.add(member("m1"), at: h.now)
        #expect(i == 1)
        #expect(h.active == "m1")
        #expect(events.contains(.carrier(up: true)))
        #expect(h.bond.usable == [1])
    }

    @Test func anAddedPrimaryBecomesActive() throws {
        var h = try BondHarness(["mode=1", "miimon=100", "primary=m2"])
        #expect(h.active == "m0")
        _ = h.bond.add(member("m2"), at: h.now)
        #expect(h.active == "m2")
        #expect(h.bond.lastFailoverReason == "primary m2 came back")
    }

    @Test func removingTheActiveMemberFailsOverAndItsSlotIsReused() throws {
        var h = try BondHarness(["mode=1", "miimon=100"], members: ["m0", "m1", "m2"])
        let events = h.bond.remove(member: 0, at: h.now)
        #expect(h.active == "m1")
        #expect(events.contains(.activeChanged(from: 0, to: 1, reason: "m0 removed from the bond")))
        #expect(h.bond.members[0].linkFailureCount == 0, "a removal is not a link failure")
        #expect(h.bond.index(of: "m0") == nil)
        #expect(h.bond.memberCount == 2)
        #expect(h.bond.usable == [1, 2])
        // A removed member's carrier no longer matters.
        #expect(h.bond.carrierChanged(member: 0, up: false, at: h.now).isEmpty)
        let (slot, _) = h.bond.add(member("m3"), at: h.now)
        #expect(slot == 0)
        #expect(h.bond.usable == [0, 1, 2])
        #expect(h.active == "m1")
    }

    @Test func aDisabledMemberCarriesNothingUntilEnabled() throws {
        var h = try BondHarness(["mode=0", "miimon=100"], members: ["m0", "m1"])
        h.events = try h.bond.setEnabled("m1", false, at: h.now)
        #expect(h.bond.usable == [0])
        #expect(h.bond.members[1].link == .down)
        // Carrier flaps while disabled are followed silently.
        h.carrier("m1", false)
        #expect(h.events.isEmpty)
        h.carrier("m1", true)
        #expect(h.events.isEmpty)
        h.events = try h.bond.setEnabled("m1", true, at: h.now)
        #expect(h.bond.usable == [0, 1])
        #expect(throws: OptionError("m9 is not a member of bond0")) { try h.bond.setEnabled("m9", false, at: h.now) }
    }

    @Test func disablingTheLastMemberDropsCarrier() throws {
        var h = try BondHarness(["mode=1", "miimon=100"], members: ["m0"])
        let events = try h.bond.setEnabled("m0", false, at: h.now)
        #expect(events.contains(.carrier(up: false)))
        #expect(h.active == nil)
    }

    @Test func aMemberEnabledUnderTheARPMonitorGetsItsGraceAgain() throws {
        var h = try BondHarness(["mode=1", "arp_interval=100", "arp_ip_target=192.0.2.254"])
        _ = try h.bond.setEnabled("m1", false, at: h.now)
        h.advance(1000)
        #expect(h.bond.members[1].link == .down)
        #expect(h.bond.probe?.records[1].reason == "disabled by administrator")
        _ = try h.bond.setEnabled("m1", true, at: h.now)
        #expect(h.bond.members[1].link == .up)
        #expect(h.bond.probe?.records[1].lastLinkUp == h.now)
    }
}

@Suite struct RuntimeOptionTests {
    private func options(_ words: [String]) throws -> BondOptions { try BondOptions.parse(words).0 }

    @Test func theKernelsRefusalsWithWhatToDoInstead() throws {
        let old = try options(["mode=1", "miimon=100"])
        #expect(
            throws: OptionError(
                "mode: cannot change while bond0 has members (the kernel refuses it too); change it in the configuration file and run bondctl reload, which rebuilds the bond"
            )
        ) {
            try old.checkRuntimeChange(to: options(["mode=0", "miimon=100"]), bond: "bond0", deviceUp: false)
        }
        let tlb = try options(["mode=5", "miimon=100"])
        #expect(throws: OptionError("tlb_dynamic_lb: cannot change while bond0 is up (the kernel refuses it too); run ip link set bond0 down first"))
        {
            try tlb.checkRuntimeChange(to: options(["mode=5", "miimon=100", "tlb_dynamic_lb=0"]), bond: "bond0", deviceUp: true)
        }
        try tlb.checkRuntimeChange(to: options(["mode=5", "miimon=100", "tlb_dynamic_lb=0"]), bond: "bond0", deviceUp: false)
        try old.checkRuntimeChange(to: options(["mode=1", "miimon=200", "updelay=400", "primary=m1"]), bond: "bond0", deviceUp: true)
        #expect(old.changedOptions(to: try options(["mode=1", "miimon=200", "primary=m1"])) == ["miimon", "primary"])
    }

    @Test func settingAPrimaryReselectsAtOnce() throws {
        var h = try BondHarness(["mode=1", "miimon=100"])
        #expect(h.active == "m0")
        h.events = h.bond.reconfigure(try options(["mode=1", "miimon=100", "primary=m1"]), at: h.now)
        #expect(h.active == "m1")
        // primary_reselect=failure keeps a current member that is up.
        h.events = h.bond.reconfigure(try options(["mode=1", "miimon=100", "primary=m0", "primary_reselect=failure"]), at: h.now)
        #expect(h.active == "m1")
    }

    @Test func newDelaysApplyToTheNextCarrierChange() throws {
        var h = try BondHarness(["mode=1", "miimon=100"])
        _ = h.bond.reconfigure(try options(["mode=1", "miimon=100", "downdelay=300"]), at: h.now)
        h.carrier("m0", false)
        #expect(h.active == "m0", "downdelay holds the failover back")
        h.advance(300)
        #expect(h.active == "m1")
    }

    @Test func switchingFromMIIToTheARPMonitorAndBack() throws {
        var h = try BondHarness(["mode=1", "miimon=100"])
        h.events = h.bond.reconfigure(try options(["mode=1", "miimon=100", "arp_interval=100", "arp_ip_target=192.0.2.254"]), at: h.now)
        #expect(h.bond.probe != nil)
        #expect(h.bond.options.miimon == 0)
        #expect(h.active == "m0")
        // Nothing answers: after the grace and missed_max intervals, the active member is down.
        for _ in 0..<6 { h.advance(100) }
        #expect(h.bond.members[0].link != .up)
        #expect(h.bond.lastFailoverReason?.hasPrefix("ARP monitor: m0") == true)
        h.events = h.bond.reconfigure(try options(["mode=1", "miimon=100"]), at: h.now)
        #expect(h.bond.probe == nil)
        #expect(h.bond.members.allSatisfy { $0.link == .up })
        #expect(h.active != nil)
    }

    @Test func turningMonitoringOffMakesEveryMemberUp() throws {
        var h = try BondHarness(["mode=0", "miimon=100"])
        h.carrier("m1", false)
        #expect(h.bond.usable == [0])
        h.events = h.bond.reconfigure(try options(["mode=0"]), at: h.now)
        #expect(h.bond.usable == [0, 1])
        #expect(h.events.contains(.link(member: 1, LinkTransition(from: .down, to: .up, message: "link monitor reconfigured"))))
    }
}

@Suite struct FixedOptionTests {
    @Test func aModeChangeIsRefusedBeforeItsDependenciesAreChecked() throws {
        let current = try BondOptions.parse(["mode=1", "miimon=100", "primary=m1"]).0
        #expect(
            throws: OptionError(
                "mode: cannot change while bond0 has members (the kernel refuses it too); change it in the configuration file and run bondctl reload, which rebuilds the bond"
            )
        ) {
            try current.fixedOptionChange(in: ["mode=balance-rr"], bond: "bond0")
        }
        #expect(
            throws: OptionError(
                "fail_over_mac: cannot change while bond0 has members (the kernel refuses it too); change it in the configuration file and run bondctl reload, which rebuilds the bond"
            )
        ) {
            try current.fixedOptionChange(in: ["fail_over_mac=active"], bond: "bond0")
        }
        // The same value again is no change.
        try current.fixedOptionChange(in: ["mode=active-backup", "miimon=50"], bond: "bond0")
    }
}
