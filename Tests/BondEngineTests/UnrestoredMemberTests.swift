import BondCore
@testable import BondEngine
import Logging
import PacketIO
import Testing

/// A repair that could not give a member back keeps its record (`Recovery.repair`):
/// the next start takes that record as the member's state before the first start, so
/// that a clean stop restores what the member had before any bond took it, not what the
/// failed repair left; a kept member this bond does not take stays in the record.
@Suite struct UnrestoredMemberTests {
    /// No process has this pid: the bondd that wrote the record is gone.
    static let deadPID = Int32.max

    @Test func aStartTakesWhatARepairCouldNotGiveBackAsTheMembersOwn() throws {
        let kernel = EmbeddedKernel()
        // eth0 still has the dead bond's MAC and MTU, and is up; before the first start
        // it had its own MAC, MTU 1400, an alias, and was down.
        let eth0 = kernel.addInterface("eth0", mac: "02:00:00:00:00:a0")
        try kernel.change(index: eth0, LinkChange(mtu: 9000))
        kernel.addInterface("eth1", mac: "52:54:00:00:00:02")
        let eth2 = kernel.addInterface("eth2", mac: "02:00:00:00:00:a0")
        let before0 = RecoveryRecord.Member(
            name: "eth0", index: eth0, mac: [0x52, 0x54, 0, 0, 0, 0x01], mtu: 1400, up: false,
            promiscuous: false, allMulticast: false, alias: "uplink")
        let before2 = RecoveryRecord.Member(
            name: "eth2", index: eth2, mac: [0x52, 0x54, 0, 0, 0, 0x03], mtu: 9000, up: true,
            promiscuous: false, allMulticast: false, alias: nil)
        var kept = RecoveryRecord(
            bond: "bond0", pid: Self.deadPID, namespace: RecoveryRecord.currentNamespace(),
            engineEnd: BondDevice.engineEndName(for: "bond0"), socket: nil)
        kept.members = [before0, before2]
        kept.unrestoredOnly = true
        try kept.save(in: kernel.stateDirectory)

        let (options, _) = try BondOptions.parse(["mode=active-backup", "miimon=100", "backend=afpacket"])
        let engine = try Engine(
            name: "bond0", members: ["eth0", "eth1"], options: options, optionWords: ["mode=active-backup", "miimon=100"],
            logger: Logger(label: "bond0") { _ in LogRecorder() }, system: kernel)
        #expect(engine.status().mac == "52:54:00:00:00:01", "the bond's MAC is the first member's own, not the one it was left with")
        let running = try #require(RecoveryRecord.read(bond: "bond0", in: kernel.stateDirectory))
        #expect(running.members.first { $0.index == eth0 } == before0, "recorded as before the first start")
        #expect(running.members.contains(before2), "the member this bond did not take stays recorded")
        // Enslaved as it is now: the bond's MAC and MTU set over what the repair left.
        #expect(kernel.info("eth0").mac == before0.mac && kernel.info("eth0").mtu == 1500 && kernel.info("eth0").isAdminUp)

        engine.shutdown()
        let e0 = kernel.info("eth0")
        #expect(e0.mac == before0.mac && e0.mtu == 1400 && e0.alias == "uplink" && !e0.isAdminUp)
        let left = RecoveryRecord.read(bond: "bond0", in: kernel.stateDirectory)
        #expect(left?.members == [before2], "what is still not given back stays for the next repair")
        #expect(left?.socket == nil && left?.unrestoredOnly == true)
    }

    @Test func withNothingKeptAStopLeavesNoRecord() throws {
        let bond = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        #expect(RecoveryRecord.read(bond: "bond0", in: bond.kernel.stateDirectory) != nil)
        bond.engine.shutdown()
        #expect(RecoveryRecord.read(bond: "bond0", in: bond.kernel.stateDirectory) == nil)
    }

    /// A clean stop that cannot give a member back (the device refuses its old MTU)
    /// keeps that member's record, without a pid, for `bondd --cleanup` and the next
    /// start; the next start in the same process (a rebuild) takes it over and, the
    /// device willing again, its stop gives it back and removes the record.
    @Test func aStopThatCannotGiveAMemberBackKeepsItsRecordForTheNextStart() throws {
        let kernel = EmbeddedKernel()
        kernel.addInterface("eth0", mac: "52:54:00:00:00:01")
        let eth1 = kernel.addInterface("eth1", mac: "52:54:00:00:00:02")
        try kernel.change(index: eth1, LinkChange(mtu: 9000))
        let (options, _) = try BondOptions.parse(["mode=active-backup", "miimon=100", "backend=afpacket"])
        func start() throws -> Engine {
            try Engine(
                name: "bond0", members: ["eth0", "eth1"], options: options, optionWords: ["mode=active-backup", "miimon=100"],
                logger: Logger(label: "bond0") { _ in LogRecorder() }, system: kernel)
        }
        let first = try start()
        #expect(kernel.info("eth1").mtu == 1500)
        kernel.refuses = { name, change in name == "eth1" && change.mtu == 9000 }
        first.shutdown()
        let kept = try #require(RecoveryRecord.read(bond: "bond0", in: kernel.stateDirectory))
        #expect(kept.members.map(\.name) == ["eth1"] && kept.members[0].mtu == 9000)
        #expect(kept.pid == 0 && kept.unrestoredOnly == true && !kept.writerIsAlive)
        #expect(kernel.info("eth0").mac == [0x52, 0x54, 0, 0, 0, 0x01], "the other member was given back")

        kernel.refuses = nil
        let second = try start()
        let running = try #require(RecoveryRecord.read(bond: "bond0", in: kernel.stateDirectory))
        #expect(running.members.first { $0.index == eth1 }?.mtu == 9000, "eth1 recorded as before the first start")
        second.shutdown()
        #expect(kernel.info("eth1").mtu == 9000)
        #expect(RecoveryRecord.read(bond: "bond0", in: kernel.stateDirectory) == nil)
    }
}
