import BondCore
@testable import BondEngine
import PacketIO
import Testing

/// A forwarding thread's decisions (`workers=`), without a kernel: its sockets are
/// embedded wires, the engine's snapshot is published by hand and the test turns the
/// worker, as EmbeddedBond turns the engine.
@Suite struct ForwardingWorkerTests {
    static let bondMAC = MACAddress("02:00:00:00:00:a0")!
    static let memberMACs = [MACAddress("52:54:00:00:00:01")!, MACAddress("52:54:00:00:00:02")!]
    static let peer = MACAddress("02:00:00:00:00:99")!

    /// A worker with the bond device's socket and two members', and what it decides from.
    final class Rig {
        let device: EmbeddedPacketWire
        let members: [EmbeddedPacketWire]
        let exchange: SnapshotExchange
        let worker: ForwardingWorker
        let sockets: [WorkerSocket]

        init(_ snapshot: ForwardingSnapshot, batchesPerTurn: Int = 16) throws {
            let device = try EmbeddedPacketWire(interfaceIndex: 10)
            let members = [try EmbeddedPacketWire(interfaceIndex: 11), try EmbeddedPacketWire(interfaceIndex: 12)]
            self.device = device
            self.members = members
            exchange = SnapshotExchange(snapshot)
            worker = try ForwardingWorker(number: 1, bond: "bond0", exchange: exchange, deliveringOn: device.socket, batchesPerTurn: batchesPerTurn)
            sockets = [WorkerSocket(slot: nil, socket: device.socket)] + members.indices.map { WorkerSocket(slot: $0, socket: members[$0].socket) }
            for s in sockets { try worker.attach(s) }
        }

        func member(_ i: Int) -> WorkerSocket { sockets[i + 1] }
    }

    static func snapshot(
        _ words: [String], usable: [Int] = [0, 1], active: Int? = 0, receiving: [Bool] = [true, true], memberMACs: [MACAddress] = memberMACs
    ) throws -> ForwardingSnapshot {
        let (options, _) = try BondOptions.parse(words + ["backend=afpacket", "workers=2"])
        return ForwardingSnapshot(
            options: options, view: MemberView(usable: usable, active: active, bondMAC: bondMAC), receiving: receiving,
            maximumFrame: 1514, notesTraffic: false, macPolicy: MACPolicy(options), bondMAC: bondMAC, memberMACs: memberMACs)
    }

    static func frame(to destination: MACAddress, from source: MACAddress, type: UInt16 = 0x88B5) -> [UInt8] {
        FrameBuilder.ethernetHeader(destination: destination, source: source, vlan: nil, etherType: type) + [UInt8](repeating: 7, count: 46)
    }

    @Test func theHostsFramesGoToTheActiveMemberAndFollowEachNewSnapshot() throws {
        let rig = try Rig(try Self.snapshot(["mode=active-backup", "miimon=100"]))
        rig.device.inject([Self.frame(to: Self.peer, from: Self.bondMAC)])
        rig.worker.turn()
        #expect(rig.members[0].takeSent().count == 1 && rig.members[1].takeSent().isEmpty)
        // The engine fails over: the next turn decides from the new view.
        rig.exchange.publish(try Self.snapshot(["mode=active-backup", "miimon=100"], usable: [1], active: 1))
        rig.device.inject([Self.frame(to: Self.peer, from: Self.bondMAC)])
        rig.worker.turn()
        #expect(rig.members[0].takeSent().isEmpty && rig.members[1].takeSent().count == 1)
        #expect(rig.sockets[0].counters.received.load(ordering: .relaxed) == 2)
        #expect(rig.member(1).counters.sent.load(ordering: .relaxed) == 1)
        // No member left: counted, not sent.
        rig.exchange.publish(try Self.snapshot(["mode=active-backup", "miimon=100"], usable: [], active: nil))
        rig.device.inject([Self.frame(to: Self.peer, from: Self.bondMAC)])
        rig.worker.turn()
        #expect(rig.worker.totals.noMember.load(ordering: .relaxed) == 1)
    }

    @Test func aBackupsFramesAndADisabledMembersAreRefusedAndCounted() throws {
        let rig = try Rig(try Self.snapshot(["mode=active-backup", "miimon=100"]))
        rig.members[1].inject([Self.frame(to: Self.bondMAC, from: Self.peer)])
        rig.members[0].inject([Self.frame(to: Self.bondMAC, from: Self.peer)])
        rig.worker.turn()
        #expect(rig.device.takeSent().count == 1)
        #expect(rig.member(0).counters.received.load(ordering: .relaxed) == 1)
        #expect(rig.member(1).counters.refused.load(ordering: .relaxed) == 1)
        rig.exchange.publish(try Self.snapshot(["mode=balance-xor", "miimon=100"], receiving: [false, true]))
        rig.members[0].inject([Self.frame(to: Self.bondMAC, from: Self.peer)])
        rig.members[1].inject([Self.frame(to: Self.bondMAC, from: Self.peer)])
        rig.worker.turn()
        #expect(rig.device.takeSent().count == 1)
        #expect(rig.member(0).counters.refused.load(ordering: .relaxed) == 1)
    }

    /// The fanout group sends these to the engine; one that reached a thread anyway
    /// (before the group's program was set) is refused, never handed to the host.
    @Test func aControlFrameIsNeverDelivered() throws {
        let rig = try Rig(try Self.snapshot(["mode=802.3ad", "miimon=100"]))
        rig.members[0].inject([Self.frame(to: MACAddress("01:80:c2:00:00:02")!, from: Self.peer, type: 0x8809)])
        rig.worker.turn()
        #expect(rig.device.takeSent().isEmpty)
        #expect(rig.member(0).counters.refused.load(ordering: .relaxed) == 1)
    }

    /// fail_over_mac=follow: a frame for a member's own MAC is the bond's.
    @Test func aFrameForAMembersOwnMACIsReaddressedToTheBond() throws {
        let macs = [Self.bondMAC, MACAddress("52:54:00:00:00:02")!]
        let rig = try Rig(try Self.snapshot(["mode=active-backup", "miimon=100", "fail_over_mac=follow"], memberMACs: macs))
        rig.members[0].inject([Self.frame(to: macs[1], from: Self.peer)])
        rig.worker.turn()
        let delivered = rig.device.takeSent()
        #expect(delivered.count == 1 && Array(delivered.first?.prefix(6) ?? []) == Self.bondMAC.bytes)
    }

    /// A turn reads a bounded number of batches per ring, so that the other rings and
    /// the engine's requests wait for one turn at most under any load; the next turn
    /// does not sleep.
    @Test func aTurnReadsABoundedShareOfAFullRing() throws {
        let rig = try Rig(try Self.snapshot(["mode=balance-xor", "miimon=100"]), batchesPerTurn: 1)
        rig.members[0].inject(Array(repeating: Self.frame(to: Self.bondMAC, from: Self.peer), count: 600))
        rig.members[1].inject([Self.frame(to: Self.bondMAC, from: Self.peer)])
        rig.worker.turn()
        // One batch (256 slots) from the flooded member, and the other's frame in the
        // same turn, not after the flood.
        #expect(rig.device.takeSent().count == 257 && rig.worker.behind)
        #expect(rig.member(1).counters.received.load(ordering: .relaxed) == 1)
        rig.worker.turn()
        rig.worker.turn()
        #expect(rig.device.takeSent().count == 344)
        // A turn that finds the ring empty lets the thread sleep again.
        rig.worker.turn()
        #expect(!rig.worker.behind)
    }

    @Test func framesThatDoNotParseAreCounted() throws {
        let rig = try Rig(try Self.snapshot(["mode=balance-xor", "miimon=100"]))
        rig.members[0].inject([[1, 2, 3]])
        rig.device.inject([Array(Self.frame(to: Self.peer, from: Self.bondMAC).prefix(10))])
        rig.worker.turn()
        #expect(rig.device.takeSent().isEmpty && rig.members.allSatisfy { $0.takeSent().isEmpty })
        #expect(rig.worker.totals.runt.load(ordering: .relaxed) == 2)
        #expect(rig.member(0).counters.refused.load(ordering: .relaxed) == 1)
    }
}
