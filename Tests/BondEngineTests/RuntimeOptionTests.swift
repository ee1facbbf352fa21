import BondCore
@testable import BondEngine
import Testing

/// `bondctl set` on a running bond, where the kernel's rules decide what a change
/// means: active_slave written again, priorities of members that left.
@Suite struct RuntimeOptionTests {
    func active(_ b: EmbeddedBond) -> String? { b.engine.status().activeMember }

    /// The kernel switches whenever active_slave is written, even to the member it was
    /// set to last time: traffic may have moved since (a failover, set-active).
    @Test func activeSlaveWrittenAgainSwitchesBack() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        try b.advance(milliseconds: 200)
        _ = try b.engine.setOptions(["active_slave=eth1"])
        #expect(active(b) == "eth1")
        try b.engine.setActive("eth0")
        #expect(active(b) == "eth0")
        _ = try b.engine.setOptions(["active_slave=eth1"])
        #expect(active(b) == "eth1")
        // active_member is the same option.
        try b.engine.setActive("eth0")
        _ = try b.engine.setOptions(["active_member=eth1"])
        #expect(active(b) == "eth1")
        // Other changes leave the active member where it is.
        try b.engine.setActive("eth0")
        _ = try b.engine.setOptions(["miimon=50"])
        #expect(active(b) == "eth0")
    }

    /// As the kernel's sysfs: miimon=0 written while delays are set is taken (the delays
    /// stay, unused, and apply again with miimon); a delay written while miimon is 0 is
    /// refused, with nothing changed.
    @Test func miimonZeroIsTakenWhileDelaysAreSetButADelayWithoutMiimonIsNot() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "updelay=200", "downdelay=100"])
        let warnings = try b.engine.setOptions(["miimon=0"])
        #expect(b.engine.bond.options.miimon == 0 && b.engine.bond.options.updelay == 200 && b.engine.bond.options.downdelay == 100)
        #expect(warnings.contains("updelay has no effect while miimon is 0"), "\(warnings)")
        #expect(throws: OptionError("updelay: requires miimon > 0 (link monitoring is disabled)")) {
            try b.engine.setOptions(["updelay=300"])
        }
        #expect(b.engine.bond.options.updelay == 200)
        _ = try b.engine.setOptions(["miimon=50"])
        #expect(b.engine.bond.options.miimon == 50 && b.engine.bond.options.updelay == 200)
    }

    /// A member's priority goes with it, as the kernel's per-slave prio: once it has
    /// left, later changes are not refused for it; a priority for a non-member still is.
    @Test func aPriorityOfAMemberThatLeftBlocksNoLaterChange() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "prio=eth1:5,eth2:2"], members: ["eth0", "eth1", "eth2"])
        try b.advance(milliseconds: 200)
        try b.engine.removeMember("eth1")
        _ = try b.engine.setOptions(["miimon=50"])
        #expect(b.engine.bond.options.miimon == 50)
        #expect(b.engine.bond.options.prio == ["eth2": 2])
        #expect(b.engine.optionWords.contains("prio=eth2:2"), "\(b.engine.optionWords)")
        // Added again, it starts at 0, as a slave the kernel enslaves anew.
        try b.engine.addMember("eth1")
        #expect(b.engine.bond.members.first { $0.name == "eth1" }?.prio == 0)
        _ = try b.engine.setOptions(["prio=eth2:3"])
        #expect(throws: OptionError("prio: eth9 is not a member of bond0")) { try b.engine.setOptions(["prio=eth9:1"]) }
    }

    /// active_member, the kernel's newer name for active_slave, has its mode
    /// dependency too: refused before anything changes.
    @Test func activeMemberInAModeWithoutOneIsRefusedWithNothingChanged() throws {
        #expect(throws: OptionError("option active_member: mode dependency failed, not supported in mode balance-rr(0)")) {
            try BondOptions.parse(["mode=balance-rr", "active_member=eth0"])
        }
        let b = try EmbeddedBond(["mode=balance-xor", "miimon=100"])
        #expect(throws: OptionError.self) { try b.engine.setOptions(["miimon=50", "active_member=eth1"]) }
        #expect(b.engine.bond.options.miimon == 100)
    }

    /// `primary=` with nothing after it clears the primary, as an empty write does in
    /// the kernel: the active member no longer returns to it.
    @Test func anEmptyPrimaryClearsIt() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "primary=eth1"])
        try b.advance(milliseconds: 200)
        #expect(active(b) == "eth1")
        _ = try b.engine.setOptions(["primary="])
        #expect(b.engine.bond.options.primary == nil)
        // eth1 fails and comes back: a primary would take over again; none does.
        b.kernel.setCarrier("eth1", false)
        try b.advance(milliseconds: 300)
        #expect(active(b) == "eth0")
        b.kernel.setCarrier("eth1", true)
        try b.advance(milliseconds: 300)
        #expect(active(b) == "eth0")
        #expect(try BondOptions.parse(["mode=active-backup", "primary=eth1", "primary="]).0.primary == nil)
    }

    /// active_slave written with the member already active is nothing to do, as in the
    /// kernel, even while that member's link is going down (within downdelay).
    @Test func theActiveMemberWrittenAgainIsNothingToDo() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "downdelay=300"])
        try b.advance(milliseconds: 200)
        #expect(active(b) == "eth0")
        b.kernel.setCarrier("eth0", false)
        try b.advance(milliseconds: 100)
        #expect(active(b) == "eth0", "still within downdelay")
        _ = try b.engine.setOptions(["active_slave=eth0"])
        #expect(active(b) == "eth0")
    }

    /// `active_slave=` with nothing after it, as the kernel's empty write: the active
    /// member is given up and one chosen afresh as if none were active, so the highest
    /// prio takes over even under primary_reselect=failure; refused where the mode has
    /// no active member, with nothing changed.
    @Test func anEmptyActiveSlaveChoosesTheActiveMemberAfresh() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "primary_reselect=failure", "prio=eth1:5"])
        try b.advance(milliseconds: 200)
        #expect(active(b) == "eth1", "the higher prio")
        try b.engine.setActive("eth0")
        #expect(active(b) == "eth0")
        _ = try b.engine.setOptions(["active_slave="])
        #expect(active(b) == "eth1", "chosen afresh: the higher prio, whatever primary_reselect says")
        // After active_slave=eth0 was written, clearing it chooses afresh too.
        _ = try b.engine.setOptions(["active_slave=eth0"])
        #expect(active(b) == "eth0")
        _ = try b.engine.setOptions(["active_slave="])
        #expect(active(b) == "eth1")
        #expect(b.engine.bond.options.activeSlave == nil)

        let xor = try EmbeddedBond(["mode=balance-xor", "miimon=100"])
        #expect(throws: OptionError.self) { try xor.engine.setOptions(["miimon=50", "active_slave="]) }
        #expect(xor.engine.bond.options.miimon == 100)
    }

    /// `arp_ip_target=` with nothing after it: no targets (as an empty netlink list
    /// clears the kernel's); refused while the ARP monitor needs one.
    @Test func anEmptyARPTargetListClearsIt() throws {
        #expect(try BondOptions.parse(["mode=1", "arp_ip_target=192.0.2.9", "arp_ip_target="]).0.arpTargets.isEmpty)
        #expect(try BondOptions.parse(["mode=1", "ns_ip6_target="]).0.nsTargets.isEmpty)
        #expect(throws: OptionError("arp_interval: needs at least one arp_ip_target or ns_ip6_target to probe")) {
            try BondOptions.parse(["mode=1", "arp_interval=100", "arp_ip_target=192.0.2.9", "arp_ip_target="])
        }
    }
}
