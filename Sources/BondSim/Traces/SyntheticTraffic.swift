import Foundation
import BondCore

/// A seeded synthetic workload, as the load-balancing literature models one: flows
/// that start as a Poisson process, with heavy-tailed sizes (Pareto, in frames) and
/// rates (log-uniform), from the host or from guests bridged over the bond (each with a
/// MAC of its own) to peers on the far side, over VLANs, with a share of IPv6. The same
/// recipe and seed give the same frames, byte for byte.
public struct TrafficRecipe: Sendable, Equatable {
    public var flows = 1000
    public var durationNanoseconds: UInt64 = 10_000_000_000
    public var seed: UInt64 = 1
    /// Hosts on the switch's side that flows go to.
    public var peers = 16
    /// Guests behind the bond (a bridge over it): flows from them carry their MACs.
    /// 0: every flow is the host's own.
    public var vifs = 0
    /// VLANs flows are spread over (untagged when empty).
    public var vlans: [UInt16] = []
    public var ipv6Share = 0.0
    public var meanFlowFrames = 100.0
    /// The Pareto shape of flow sizes (smaller: heavier tail; must exceed 1).
    public var paretoShape = 1.2
    public var minRateMbps = 1.0
    public var maxRateMbps = 100.0
    public var frameBytes = 1514
    /// Frames a flow sends back to back (at 10 Gbit/s spacing) before pausing, as a TCP
    /// window goes out; the pauses keep the flow's rate. 1: evenly spaced frames.
    public var burstFrames = 1
    public var hostMAC = MACAddress(rawValue: 0x0200_5e00_0001)
    /// Where frames start on the clock (nanoseconds since the epoch).
    public var origin: UInt64 = 1_750_000_000_000_000_000

    public init() {}

    public func validate() throws(OptionError) {
        guard flows > 0 else { throw OptionError("flows: give at least one") }
        guard durationNanoseconds > 0 else { throw OptionError("duration: must be more than 0") }
        guard peers > 0, peers <= 65_000 else { throw OptionError("peers: 1 to 65000") }
        guard vifs >= 0, vifs <= 65_000 else { throw OptionError("vifs: 0 to 65000") }
        guard (0...1).contains(ipv6Share) else { throw OptionError("ipv6 share: between 0 and 1") }
        guard paretoShape > 1 else { throw OptionError("pareto shape: must exceed 1 (the mean is infinite otherwise)") }
        guard meanFlowFrames >= 1 else { throw OptionError("mean flow frames: at least 1") }
        guard minRateMbps > 0, maxRateMbps >= minRateMbps else { throw OptionError("rates: 0 < min <= max") }
        guard (64...9018).contains(frameBytes) else { throw OptionError("frame bytes: 64 to 9018") }
        guard (1...10_000).contains(burstFrames) else { throw OptionError("burst: 1 to 10000 frames") }
        if let v = vlans.first(where: { !(1...4094).contains($0) }) { throw OptionError("vlan \(v): 1 to 4094") }
    }
}

/// The frames of a recipe, in time order.
public struct SyntheticTraffic: Sequence, IteratorProtocol {
    public struct Flow: Sendable {
        public var frame: SyntheticFrame
        public var start: UInt64
        public var frames: Int
        public var gap: UInt64
    }

    public let recipe: TrafficRecipe
    public private(set) var flows: [Flow] = []
    var due = MinHeap<Due>()

    struct Due: Comparable {
        var at: UInt64
        var flow: Int
        var sent: Int
        static func < (a: Due, b: Due) -> Bool { (a.at, a.flow) < (b.at, b.flow) }
    }

    public init(_ recipe: TrafficRecipe) {
        self.recipe = recipe
        var rng = SplitMix64(seed: recipe.seed)
        let r = recipe
        let meanGap = Double(r.durationNanoseconds) / Double(r.flows)
        var t = 0.0
        let scale = r.meanFlowFrames * (r.paretoShape - 1) / r.paretoShape
        for n in 0..<r.flows {
            t += -meanGap * log(1 - rng.unit())
            let start = UInt64(Swift.min(t, Double(r.durationNanoseconds - 1)))
            let size = Swift.min(scale * pow(1 - rng.unit(), -1 / r.paretoShape), 1e7)
            let rate = r.minRateMbps * pow(r.maxRateMbps / r.minRateMbps, rng.unit())
            let gap = UInt64(Double(r.frameBytes + 20) * 8_000 / rate)
            let v6 = rng.unit() < r.ipv6Share
            let peer = Int(rng.next() % UInt64(r.peers))
            let vif = r.vifs > 0 ? Int(rng.next() % UInt64(r.vifs + 1)) : 0
            let vlan = r.vlans.isEmpty ? nil : r.vlans[Int(rng.next() % UInt64(r.vlans.count))]
            let source = vif == 0 ? r.hostMAC : MACAddress(rawValue: 0x0200_5e30_0000 | UInt64(vif))
            let frame = SyntheticFrame(
                source: source, destination: MACAddress(rawValue: 0x0200_5e20_0000 | UInt64(peer)), vlan: vlan,
                sourceIP: Self.address(side: 1, index: vif, v6: v6), destinationIP: Self.address(side: 2, index: peer, v6: v6),
                protocolNumber: rng.unit() < 0.8 ? 6 : 17, sourcePort: UInt16(32_768 + n % 28_000),
                destinationPort: [80, 443, 5001, 53][Int(rng.next() % 4)])
            flows.append(Flow(frame: frame, start: start, frames: Swift.max(1, Int(size.rounded())), gap: Swift.max(gap, 1)))
            due.push(Due(at: start, flow: n, sent: 0))
        }
    }

    /// 10.<side>.x.y or 2001:db8:<side>::x: side 1 is the bond's (host 0, guests 1...), 2 the peers'.
    static func address(side: UInt32, index: Int, v6: Bool) -> IPAddress {
        if v6 { return .v6(IPv6Address(high: 0x2001_0db8_0000_0000 | UInt64(side) << 16, low: UInt64(index + 1))) }
        return .v4(IPv4Address(rawValue: 10 << 24 | side << 16 | UInt32(index + 1)))
    }

    public mutating func next() -> (nanoseconds: UInt64, bytes: [UInt8])? {
        guard let d = due.pop() else { return nil }
        let f = flows[d.flow]
        let sent = d.sent + 1
        let burst = recipe.burstFrames
        // Within a burst frames follow at 10 Gbit/s; each burst starts where the flow's rate puts it.
        let lineGap = UInt64(recipe.frameBytes + 20) * 8 / 10
        let next = sent % burst == 0 ? f.start + UInt64(sent) * f.gap : d.at + lineGap
        if d.sent + 1 < f.frames && next < recipe.durationNanoseconds { due.push(Due(at: next, flow: d.flow, sent: d.sent + 1)) }
        return (
            recipe.origin + d.at,
            f.frame.bytes(length: recipe.frameBytes, sequence: UInt32(truncatingIfNeeded: d.sent * f.frame.payloadLength(recipe.frameBytes)))
        )
    }
}

/// A small seeded generator (SplitMix64): the same seed, the same workload everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
