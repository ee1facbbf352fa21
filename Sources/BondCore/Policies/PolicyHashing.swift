/// What policies share: a flow's hash spread over all its bits, and members' loads
/// that fade with time, for choosing the least-loaded member.
public enum PolicyHashing {
    /// The layer3+4 hash (the kernel's, as balance-xor computes it) mixed so that its
    /// low bits index tables evenly (the kernel's fold leaves structure in them).
    @inlinable public static func flowHash(_ frame: ParsedFrame) -> UInt64 {
        mix(UInt64(TransmitHashPolicy.layer34.hash(frame)) | UInt64(frame.vlanID ?? 0) << 32)
    }

    /// SplitMix64's finalizer: every input bit reaches every output bit.
    @inlinable public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Bytes sent per member, halved every `halfLife`: recent load, decayed only when
/// read (when a new flow or flowlet is placed), so the per-frame cost is one add.
public struct FadingLoad: Sendable {
    public private(set) var bytes: [Double]
    var stamp: UInt64 = 0
    public let halfLife: UInt64

    public init(members: Int, halfLifeNanoseconds: UInt64 = 100_000_000) {
        bytes = Array(repeating: 0, count: max(members, 1))
        halfLife = halfLifeNanoseconds
    }

    public mutating func add(_ n: Int, to m: Int) {
        if m < bytes.count { bytes[m] += Double(n) }
    }

    /// Brings loads to `now` and returns the usable member with the least (the first on a tie).
    public mutating func leastLoaded(among usable: [Int], speeds: [Int], at now: UInt64) -> Int? {
        fade(to: now)
        var best: Int?
        var bestLoad = Double.infinity
        for m in usable {
            grow(to: m + 1)
            // Weighed by speed: a 10G member takes ten times a 1G member's bytes.
            let speed = m < speeds.count && speeds[m] > 0 ? Double(speeds[m]) : 1000
            let l = bytes[m] / speed
            if l < bestLoad {
                best = m
                bestLoad = l
            }
        }
        return best
    }

    /// Halves the loads once per whole half-life passed since the last fade.
    public mutating func fade(to now: UInt64) {
        guard now > stamp else { return }
        let halvings = (now - stamp) / halfLife
        guard halvings > 0 else { return }
        let divisor = Double(UInt64(1) << min(halvings, 62))
        for i in bytes.indices { bytes[i] /= divisor }
        stamp += halvings * halfLife
    }

    public mutating func grow(to n: Int) {
        if bytes.count < n { bytes += Array(repeating: 0, count: n - bytes.count) }
    }
}
