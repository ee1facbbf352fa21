import BondCore
@testable import BondEngine
import Testing

/// 802.3ad as the engine carries it out, on the embedded kernel: a partner (the same
/// mode, played by the test) on the other end of both wires, LACPDUs taken by the mode
/// and never delivered, carrier from the active aggregator, last words at shutdown.
@Suite struct LACPEngineTests {
    /// The switch's end: an 802.3ad mode of its own, ticked with the engine's clock.
    final class Partner {
        let mode: IEEE8023ADMode
        var view: MemberView
        var speaking = true
        init() throws {
            mode = IEEE8023ADMode(options: try BondOptions.parse(["mode=802.3ad", "lacp_rate=fast"]).0, members: 2)
            view = MemberView(usable: [], active: nil, speeds: [1000, 1000], bondMAC: MACAddress("52:54:00:aa:00:01")!, linkUp: [0, 1])
            view.names = ["sw0", "sw1"]
            view.permanentMACs = [MACAddress("52:54:00:aa:00:10")!, MACAddress("52:54:00:aa:00:11")!]
        }
    }

    let members = ["eth0", "eth1"]

    /// Runs bond and partner for `ms`, handing LACPDUs across both wires.
    func run(_ b: EmbeddedBond, _ p: Partner, ms: Int, start: Instant) throws {
        var now = start
        for _ in 0..<(ms / 10) {
            try b.advance(milliseconds: 10)
            now = now.adding(milliseconds: 10)
            var toBond: [(Int, [UInt8])] = []
            for (i, m) in members.enumerated() {
                for frame in b.kernel.wire(m).takeSent() {
                    let parsed = EmbeddedBond.parse(frame)
                    guard parsed.etherType == SlowProtocols.etherType else { continue }
                    let actions = frame.withUnsafeBytes { raw in
                        p.mode.receiveControl(parsed, bytes: FrameBytes(raw), on: i, members: p.view, at: now)
                    }
                    toBond += actions.compactMap { if case .send(let f, let on) = $0 { (on, f) } else { nil } }
                }
            }
            if (now.nanoseconds / 1_000_000) % 100 == 0 {
                toBond += p.mode.tick(at: now, members: p.view).compactMap { if case .send(let f, let on) = $0 { (on, f) } else { nil } }
            }
            for (on, f) in toBond where p.speaking { try b.receive(f, on: members[on]) }
        }
    }

    @Test func negotiatesAndNeverDeliversSlowProtocolFrames() throws {
        let b = try EmbeddedBond(["mode=802.3ad", "miimon=100", "lacp_rate=fast"])
        let p = try Partner()
        let start = Instant(nanoseconds: (b.kernel.clock.nanoseconds / 100_000_000) * 100_000_000)
        _ = p.mode.start(at: start)
        try run(b, p, ms: 5000, start: start)
        let s = b.status
        #expect(s.members.allSatisfy { $0.lacp?.muxState == "collecting_distributing" }, "\(s.members.map { $0.lacp?.muxState ?? "-" })")
        #expect(s.carrier == "up")
        #expect(s.members.allSatisfy { $0.rxControl > 0 && $0.rxControl == $0.lacp?.counters.lacpduRx })
        #expect(b.delivered().allSatisfy { $0.etherType != SlowProtocols.etherType })
        #expect(s.lacp?.activeAggregator?.partnerMAC == "52:54:00:aa:00:01")
    }

    @Test func lacpdusLeaveFromEachMembersPermanentMAC() throws {
        let b = try EmbeddedBond(["mode=802.3ad", "miimon=100", "lacp_rate=fast"])
        try b.advance(milliseconds: 1000)
        for (i, m) in members.enumerated() {
            let pdus = b.sent(on: m).filter { $0.etherType == SlowProtocols.etherType }
            #expect(!pdus.isEmpty)
            #expect(pdus.allSatisfy { $0.source == MACAddress("52:54:00:00:00:0\(i + 1)")! && $0.destination == SlowProtocols.destination })
        }
    }

    @Test func minLinksWithholdsTheBondsCarrier() throws {
        let b = try EmbeddedBond(["mode=802.3ad", "miimon=100", "lacp_rate=fast", "min_links=2"])
        let p = try Partner()
        let start = Instant(nanoseconds: (b.kernel.clock.nanoseconds / 100_000_000) * 100_000_000)
        _ = p.mode.start(at: start)
        try run(b, p, ms: 5000, start: start)
        #expect(b.status.carrier == "up")
        b.kernel.setCarrier("eth1", false)
        try b.turn()
        #expect(b.status.carrier == "down")
        #expect(b.logs.lines.contains { $0.contains("carrier down") })
    }

    @Test func shutdownSaysGoodbyeOnEveryMember() throws {
        let b = try EmbeddedBond(["mode=802.3ad", "miimon=100", "lacp_rate=fast"])
        try b.advance(milliseconds: 1000)
        for m in members { _ = b.sent(on: m) }
        b.engine.shutdown()
        for m in members {
            let last = try #require(b.kernel.wire(m).takeSent().last)
            guard case .lacpdu(let pdu) = last.withUnsafeBytes({ SlowProtocolPDU.parse(FrameBytes($0)) }) else {
                Issue.record("no LACPDU on \(m) at shutdown")
                continue
            }
            #expect(!pdu.actor.state.contains(.synchronization) && !pdu.actor.state.contains(.aggregation))
        }
    }
}
