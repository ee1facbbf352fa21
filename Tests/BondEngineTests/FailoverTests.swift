import BondCore
@testable import BondEngine
import Testing

/// Failover as the engine sequences it, on the embedded kernel and a virtual clock:
/// carrier events, delays, the new active member, traffic moving with it.
@Suite struct FailoverTests {
    static let peer = MACAddress("52:54:00:99:00:01")!
    static let bond = MACAddress(EmbeddedBond.bondMAC)!

    /// A frame the host sends to a peer (an experimental EtherType: no mode looks inside).
    func outgoing(_ n: UInt8 = 0) -> [UInt8] {
        FrameBuilder.ethernetHeader(destination: Self.peer, source: MACAddress("52:54:00:00:00:01")!, vlan: nil, etherType: 0x88B5)
            + [UInt8](repeating: n, count: 46)
    }

    /// A frame from the peer to the bond's MAC.
    func incoming(to mac: MACAddress) -> [UInt8] {
        FrameBuilder.ethernetHeader(destination: mac, source: Self.peer, vlan: nil, etherType: 0x88B5) + [UInt8](repeating: 7, count: 46)
    }

    @Test func activeBackupSendsOnTheActiveMemberOnly() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        #expect(b.status.activeMember == "eth0")
        _ = b.sent(on: "eth0"); _ = b.sent(on: "eth1")
        try b.hostSends(outgoing())
        #expect(b.sent(on: "eth0").count == 1)
        #expect(b.sent(on: "eth1").isEmpty)
    }

    @Test func carrierLossFailsOverAtOnceWithoutDowndelay() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        _ = b.sent(on: "eth1")
        b.kernel.setCarrier("eth0", false)
        try b.turn()
        #expect(b.status.activeMember == "eth1")
        #expect(b.status.failovers == 1)
        // The new active member announces the bond's address at once.
        let garps = b.sent(on: "eth1").filter { if case .arp(let a) = $0.network { a.senderIP == a.targetIP } else { false } }
        #expect(garps.count == 1)
        #expect(garps.first?.source == MACAddress(b.status.mac))
        _ = b.sent(on: "eth0")
        try b.hostSends(outgoing())
        #expect(b.sent(on: "eth1").count == 1, "traffic follows the new active member")
        #expect(b.sent(on: "eth0").isEmpty)
    }

    @Test func downdelayHoldsTheActiveMemberUntilItEnds() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "downdelay=300"])
        b.kernel.setCarrier("eth0", false)
        try b.advance(milliseconds: 200)
        #expect(b.status.activeMember == "eth0", "still within downdelay")
        #expect(b.status.members[0].verdict.contains("downdelay"))
        try b.advance(milliseconds: 200)
        #expect(b.status.activeMember == "eth1")
    }

    @Test func peerNotificationsAreRepeatedNumGratARPTimesPeerNotifDelayApart() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "num_grat_arp=3", "peer_notif_delay=200"])
        _ = b.sent(on: "eth1")
        b.kernel.setCarrier("eth0", false)
        var times: [Int] = []
        for ms in stride(from: 0, through: 600, by: 10) {
            if ms > 0 { try b.advance(milliseconds: 10) } else { try b.turn() }
            let garps = b.sent(on: "eth1").filter { if case .arp = $0.network { true } else { false } }
            times += Array(repeating: ms, count: garps.count)
        }
        #expect(times == [0, 200, 400])
    }

    @Test func theOldMemberIsUsedAgainWhenItComesBackAsPrimary() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "primary=eth0", "updelay=200"])
        b.kernel.setCarrier("eth0", false)
        try b.turn()
        #expect(b.status.activeMember == "eth1")
        b.kernel.setCarrier("eth0", true)
        try b.advance(milliseconds: 100)
        #expect(b.status.activeMember == "eth1", "updelay")
        try b.advance(milliseconds: 200)
        #expect(b.status.activeMember == "eth0")
        #expect(b.logs.lines.contains { $0.contains("making interface eth0 the new active one") })
    }

    @Test func withoutAnyMemberTheBondLosesCarrier() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        #expect(b.kernel.info("bond0").hasCarrier)
        b.kernel.setCarrier("eth0", false)
        b.kernel.setCarrier("eth1", false)
        try b.turn()
        #expect(b.status.carrier == "down")
        #expect(!b.kernel.info("bond0").hasCarrier, "the engine end went down, and the bond device lost carrier")
        try b.hostSends(outgoing())
        #expect(b.status.counters.noMember == 1, "a frame no member can take is counted")
    }

    @Test func aChangeByChoiceKeepsReceivingOnTheOldMemberForAWhile() throws {
        // Make before break: switches still send the bond's unicast to the old port
        // until the new one's announcement reaches them.
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        _ = b.delivered()
        try b.engine.setActive("eth1")
        try b.turn()
        #expect(b.status.activeMember == "eth1")
        try b.receive(incoming(to: Self.bond), on: "eth0")
        #expect(b.delivered().count == 1, "the old member's unicast is still taken")
        try b.advance(milliseconds: DrainingWindow.milliseconds + 50)
        try b.receive(incoming(to: Self.bond), on: "eth0")
        #expect(b.delivered().isEmpty, "after the window, a backup's frames are dropped")
        #expect(b.status.members[0].rxDrops == 1)
    }

    @Test func aFailureDoesNotKeepReceivingOnTheDeadMember() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        _ = b.delivered()
        b.kernel.setCarrier("eth0", false)
        try b.turn()
        try b.receive(incoming(to: Self.bond), on: "eth0")
        #expect(b.delivered().isEmpty)
    }

    @Test func theJournalSaysLinksThenActiveMemberThenCarrier() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        let before = b.engine.journal.latest
        b.kernel.setCarrier("eth0", false)
        b.kernel.setCarrier("eth1", false)
        try b.turn()
        let kinds = (b.engine.journal.changes(after: before, timeout: 0) ?? []).map(\.kind)
        // As the old order and the kernel's notifications: the carrier after the rest.
        #expect(kinds == [.link, .active, .link, .active, .carrier], "\(kinds)")
    }
}
