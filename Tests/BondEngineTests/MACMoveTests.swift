import BondCore
@testable import BondEngine
import PacketIO
import Testing

/// Which MACs members carry and how they move on failover, per mode and fail_over_mac.
@Suite struct MACMoveTests {
    func mac(_ b: EmbeddedBond, _ name: String) -> MACAddress { MACAddress(bytes: b.kernel.info(name).mac) }
    let bond = MACAddress(EmbeddedBond.bondMAC)!

    @Test func membersCarryTheBondsMACByDefault() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        let bondMAC = MACAddress(bytes: b.kernel.info("bond0").mac)
        #expect(bondMAC == MACAddress("52:54:00:00:00:01")!, "the bond takes its first member's MAC")
        #expect(mac(b, "eth0") == bondMAC && mac(b, "eth1") == bondMAC)
    }

    @Test func tlbSwapsTheBondsMACOntoTheNewActiveMember() throws {
        let b = try EmbeddedBond(["mode=balance-tlb", "miimon=100"])
        let bondMAC = MACAddress(bytes: b.kernel.info("bond0").mac)
        #expect(mac(b, "eth0") == bondMAC)
        let eth1Own = mac(b, "eth1")
        #expect(eth1Own == MACAddress("52:54:00:00:00:02")!, "a second member keeps its own MAC")
        _ = b.sent(on: "eth1")
        b.kernel.setCarrier("eth0", false)
        try b.turn()
        #expect(b.status.activeMember == "eth1")
        #expect(mac(b, "eth1") == bondMAC, "the new active member carries the bond's MAC")
        #expect(mac(b, "eth0") == eth1Own, "the old one takes the new one's")
        // Each announces the MAC it now carries, so switches learn the new ports.
        let learned = b.sent(on: "eth1").map(\.source)
        #expect(learned.contains(bondMAC))
    }

    @Test func failOverMACActiveMovesTheBondDevicesMAC() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "fail_over_mac=active"])
        #expect(mac(b, "eth1") == MACAddress("52:54:00:00:00:02")!, "members keep their MACs")
        b.kernel.setCarrier("eth0", false)
        try b.turn()
        #expect(MACAddress(bytes: b.kernel.info("bond0").mac) == MACAddress("52:54:00:00:00:02")!)
        #expect(b.logs.lines.contains { $0.contains("following eth1 (fail_over_mac=active)") })
    }

    @Test func aMACChangedByHandOnAMemberIsSetBack() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        let bondMAC = mac(b, "eth0")
        try b.kernel.change(index: b.kernel.index(of: "eth1"), LinkChange(mac: MACAddress("52:54:00:12:34:56")!.bytes))
        try b.turn()
        #expect(mac(b, "eth1") == bondMAC)
        #expect(b.logs.lines.contains { $0.contains("the MAC of eth1 was changed by hand") })
    }

    @Test func theBondsMACChangedByTheAdministratorReachesEveryMember() throws {
        let b = try EmbeddedBond(["mode=balance-xor", "miimon=100"])
        let new = MACAddress("02:11:22:33:44:55")!
        try b.kernel.change(index: b.kernel.index(of: "bond0"), LinkChange(mac: new.bytes))
        try b.turn()
        #expect(mac(b, "eth0") == new && mac(b, "eth1") == new)
    }

    @Test func shutdownGivesMembersBackTheirMACs() throws {
        var b: EmbeddedBond? = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        let kernel = b!.kernel
        b = nil
        #expect(MACAddress(bytes: kernel.info("eth1").mac) == MACAddress("52:54:00:00:00:02")!)
        #expect(kernel.info("eth1").alias == nil)
        #expect(!kernel.interfaces.values.contains { $0.name == "bond0" }, "the bond device is gone")
    }
}
