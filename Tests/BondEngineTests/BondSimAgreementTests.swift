import BondCore
@testable import BondEngine
import BondSim
import PacketIO
import Testing

/// bondsim runs the daemon's own code: for the same frames at the same times, with
/// the same failures, the simulated bond sends every frame on the member the real
/// engine sends it on. The engine here is the daemon's `Engine` on an in-memory kernel,
/// its loop turned at each of its deadlines as the daemon's loop wakes for them.
@Suite struct BondSimAgreementTests {
    static let policies: [[String]] = [
        ["mode=balance-xor", "miimon=100"],
        ["mode=balance-xor", "miimon=100", "xmit_hash_policy=layer2+3"],
        ["mode=balance-xor", "miimon=100", "xmit_hash_policy=layer3+4"],
        ["mode=balance-xor", "miimon=100", "xmit_hash_policy=encap3+4"],
        ["mode=balance-xor", "miimon=100", "xmit_hash_policy=vlan+srcmac"],
        ["mode=balance-rr", "miimon=100"],
        ["mode=balance-rr", "miimon=100", "packets_per_slave=3"],
        ["mode=broadcast", "miimon=100"],
        ["mode=active-backup", "miimon=100"],
        ["mode=active-backup", "miimon=100", "primary=eth2", "downdelay=200", "updelay=300"],
        ["mode=balance-tlb", "miimon=100", "rebalance_interval=1000"],
        ["mode=balance-tlb", "miimon=100", "tlb_dynamic_lb=0"],
        ["mode=balance-alb", "miimon=100", "rebalance_interval=1000"],
        ["mode=balance-slb", "miimon=100", "rebalance_interval=1000"],
        ["mode=policy:flowlet", "miimon=100", "flowlet_gap=2000"],
        ["mode=policy:consistent-hash", "miimon=100", "ch_flow_timeout=500"],
        ["mode=802.3ad", "miimon=100", "lacp_rate=fast", "xmit_hash_policy=layer3+4"],
        ["mode=802.3ad", "miimon=100", "xmit_hash_policy=layer2+3", "ad_select=count"],
    ]

    @Test(arguments: policies)
    func everyFrameLeavesOnTheMemberTheEngineChooses(_ words: [String]) throws {
        let members = ["eth0", "eth1", "eth2"]
        let b = try EmbeddedBond(words, members: members)
        let start = b.kernel.clock
        let sim = try SimulatedBond(options: words, members: members, bondMAC: MACAddress("52:54:00:00:00:01")!, at: start)
        // 802.3ad: the engine's switch is the same partner bondsim simulates, on its own.
        let lacpRate = words.first { $0.hasPrefix("lacp_rate=") }.map { [$0] } ?? []
        let partner = sim.partner == nil ? nil : try LACPPartner(members: members.count, words: lacpRate, at: start)
        var recipe = TrafficRecipe()
        recipe.flows = 120
        recipe.durationNanoseconds = 3_000_000_000
        recipe.vifs = 4
        recipe.vlans = [7]
        recipe.ipv6Share = 0.3
        recipe.meanFlowFrames = 12
        recipe.frameBytes = 200
        recipe.hostMAC = MACAddress("52:54:00:00:00:01")!
        // Traffic from 3 s: 802.3ad has negotiated by then (about 2.5 s with a fast partner).
        recipe.origin = 3_000_000_000
        let events = try ["down eth1 @3800ms", "up eth1 @4600ms", "down eth0 @5400ms"].map { try ScriptedEvent(parsing: $0) }
        var pending = events[...]
        var frames = 0, carried = 0, mismatches: [String] = []
        for (ns, bytes) in SyntheticTraffic(recipe) {
            let t = start.nanoseconds + ns
            while let e = pending.first, start.nanoseconds + e.at <= t {
                pending.removeFirst()
                let at = Instant(nanoseconds: start.nanoseconds + e.at)
                try runEngine(b, until: at, partner: partner)
                sim.advance(to: at)
                switch e.action {
                case .down(let m): b.kernel.setCarrier(m, false)
                case .up(let m): b.kernel.setCarrier(m, true)
                default: Issue.record("unexpected event")
                }
                try b.turn()
                try sim.apply(e)
            }
            try runEngine(b, until: Instant(nanoseconds: t), partner: partner)
            sim.advance(to: Instant(nanoseconds: t))
            try b.hostSends(bytes)
            let engineMembers = members.indices.filter { i in sentTraffic(b, on: i, partner: partner) }
            let simMembers: [Int]
            switch bytes.withUnsafeBytes({ sim.transmit(FrameBytes($0)) })?.0 {
            case .member(let i), .memberWithOwnSource(let i), .memberAnnouncingOwnMAC(let i): simMembers = [i]
            case .allMembers: simMembers = sim.view.usable
            case .drop, nil: simMembers = []
            }
            frames += 1
            if !engineMembers.isEmpty { carried += 1 }
            if engineMembers != simMembers && mismatches.count < 5 {
                mismatches.append("frame \(frames) at \(ns / 1_000_000) ms: engine \(engineMembers), bondsim \(simMembers)")
            }
        }
        #expect(
            frames > 500 && carried > frames * 3 / 4,
            "the workload has frames enough to mean something, and the bond carried them: \(carried) of \(frames)")
        #expect(mismatches.isEmpty, "\(words.joined(separator: " ")): \(mismatches.joined(separator: "; "))")
    }

    /// Turns the engine's loop at each deadline up to `t` (its own, and the LACP
    /// partner's PDUs arriving), as its poll would wake.
    func runEngine(_ b: EmbeddedBond, until t: Instant, partner: LACPPartner?) throws {
        var turns = 0
        while turns < 100_000 {
            guard let d = [b.engine.nextDeadline, partner?.nextDeadline].compactMap({ $0 }).min(), d <= t else { break }
            b.kernel.clock = max(b.kernel.clock, d)
            if let partner {
                partner.setLinks(b.members.map { b.kernel.info($0).flags & InterfaceFlags.lowerUp != 0 }, at: b.kernel.clock)
                for (frame, i) in partner.run(at: b.kernel.clock) { b.kernel.wire(b.members[i]).inject([frame]) }
            }
            try b.turn()
            for i in b.members.indices { _ = sentTraffic(b, on: i, partner: partner) }
            turns += 1
        }
        b.kernel.clock = max(b.kernel.clock, t)
    }

    /// Whether workload frames left on member `i` since the last look; LACPDUs go to the partner.
    func sentTraffic(_ b: EmbeddedBond, on i: Int, partner: LACPPartner?) -> Bool {
        var traffic = false
        for frame in b.kernel.wire(b.members[i]).takeSent() {
            let f = EmbeddedBond.parse(frame)
            if f.etherType == SlowProtocols.etherType {
                partner?.fromBond(frame, on: i, at: b.kernel.clock)
            } else if isTraffic(f) {
                traffic = true
            }
        }
        return traffic
    }

    /// The workload's own frames (not the engine's announcements and learning frames).
    func isTraffic(_ f: ParsedFrame) -> Bool {
        guard let t = f.transport else { return false }
        return t.sourcePort >= 32_768 && (t.protocolNumber == 6 || t.protocolNumber == 17)
    }
}
