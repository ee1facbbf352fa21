import BondCore
import Testing

@Suite struct AdaptiveLoadBalancingTests {
    static let bond = MACAddress("02:00:00:00:00:01")!
    let view = MemberView(usable: [0, 1], active: 0, speeds: [10000, 10000], bondMAC: bond)
    let ours = IPv4Address("192.0.2.1")!

    func client(_ n: UInt32) -> (IPv4Address, MACAddress) {
        (IPv4Address(rawValue: 0xC000_0214 + n), MACAddress(rawValue: 0x0200_0000_0A00 + UInt64(n)))
    }

    /// Our host's ARP reply to a client, as the bond device hands it to the engine.
    func reply(to n: UInt32) -> ParsedFrame {
        let (ip, mac) = client(n)
        return Fixtures.parsed(FrameBuilder.arpReply(from: Self.bond, ourIP: ours, to: mac, clientIP: ip))
    }

    func mode(capacity: Int = 64) -> AdaptiveLoadBalancingMode {
        AdaptiveLoadBalancingMode(tlb: TransmitLoadBalancingMode(dynamic: true, policy: .layer2, members: 2), clientCapacity: capacity)
    }

    @Test func repliesToClientsAreSpreadAndCarryTheMembersMAC() {
        var m = mode()
        let targets = (1...4).map { m.transmitTarget(for: reply(to: $0), members: view) }
        #expect(targets == [.member(0), .memberAnnouncingOwnMAC(1), .member(0), .memberAnnouncingOwnMAC(1)])
        // The same client keeps its member.
        #expect(m.transmitTarget(for: reply(to: 2), members: view) == .memberAnnouncingOwnMAC(1))
        #expect(m.clients.clients.count == 4)
    }

    @Test func theTableNeverEvictsAndCountsOverflow() {
        var m = mode(capacity: 16)
        for n in 1...20 { _ = m.transmitTarget(for: reply(to: UInt32(n)), members: view) }
        #expect(m.clients.clients.count == 16)
        #expect(m.clients.overflow == 4)
        // An overflowing client is answered from the active member, unbalanced.
        #expect(m.transmitTarget(for: reply(to: 20), members: view) == .member(0))
    }

    @Test func aFailedMembersClientsMoveAndAreUpdatedInBursts() {
        var m = mode()
        for n in 1...4 { _ = m.transmitTarget(for: reply(to: UInt32(n)), members: view) }
        m.clients.release(member: 1, usable: [0])
        #expect(m.clients.clients.values.allSatisfy { $0.member == 0 })
        var now = Instant.milliseconds(1000)
        var sent = 0
        for _ in 0..<5 { sent += m.clients.tick(at: now).count; now = now.adding(milliseconds: 100) }
        // Two clients moved, each updated on 3 ticks.
        #expect(sent == 2 * ClientTable.retries)
    }

    @Test func ourARPRequestDelaysAndRenewsUpdates() {
        var m = mode()
        for n in 1...2 { _ = m.transmitTarget(for: reply(to: UInt32(n)), members: view) }
        let request = Fixtures.parsed(FrameBuilder.gratuitousARP(mac: Self.bond, ip: ours))
        #expect(m.transmitTarget(for: request, members: view) == .member(0))
        let t0 = Instant.milliseconds(5000)
        #expect(m.clients.tick(at: t0).isEmpty)
        #expect(m.clients.tick(at: t0.adding(milliseconds: 1900)).isEmpty)
        #expect(m.clients.tick(at: t0.adding(milliseconds: 2000)).count == 2)
    }

    @Test func aClientsNewMACIsLearnedFromItsReply() {
        var m = mode()
        _ = m.transmitTarget(for: reply(to: 1), members: view)
        let (ip, _) = client(1)
        let newMAC = MACAddress("02:00:00:00:0b:01")!
        let fromClient = Fixtures.parsed(FrameBuilder.arpReply(from: newMAC, ourIP: ip, to: Self.bond, clientIP: ours))
        #expect(m.admits(fromClient, on: 0, members: view))
        #expect(m.clients.clients.values.first?.clientMAC == newMAC)
        #expect(m.clients.tick(at: .milliseconds(1)).count == 1)
    }

    @Test func unicastOnEveryMemberBroadcastOnTheActiveOnly() {
        let m = mode()
        let unicast = Fixtures.parsed(Fixtures.udpFrame())
        #expect(m.admits(unicast, on: 1, members: view))
        let bcast = Fixtures.parsed(FrameBuilder.gratuitousARP(mac: MACAddress("02:00:00:00:00:99")!, ip: IPv4Address("192.0.2.99")!))
        #expect(m.admits(bcast, on: 0, members: view))
        #expect(!m.admits(bcast, on: 1, members: view))
    }
}
