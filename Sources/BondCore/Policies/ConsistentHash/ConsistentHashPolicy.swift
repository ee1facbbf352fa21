/// Consistent hashing with bounded loads, per flow (rendezvous hashing, Thaler and
/// Ravishankar 1998; bounded loads, Mirrokni et al. 2018): each flow ranks the members
/// by a hash of (flow, member) and takes the first whose recent load is under
/// `ch_load_bound`% of the mean; the flow keeps its member while it is usable and not
/// idle for `ch_flow_timeout` ms. RFC 2992's argument against modulo-N hashing is that
/// a member change moves almost every flow; here a member's loss moves its flows alone,
/// and its return moves none.
public final class ConsistentHashPolicy: TransmitPolicy {
    public static let name = "consistent-hash"
    public static let summary =
        "each flow on its first-ranked member under ch_load_bound% of the mean load; a member change moves only the flows it must"
    public static var options: [ModeOption] {
        [
            .integer("ch_load_bound", 0...1000), .integer("ch_flow_timeout", 1...3_600_000),
            .integer("ch_buckets", 64...4_194_304, fixedWhileUp: true),
        ]
    }
    public static let defaultLoadBound = 125
    public static let defaultTimeoutMilliseconds = 10_000
    public static let defaultBuckets = 65_536

    /// 0: pure rendezvous hashing; else the bound over the mean, in percent.
    var bound: Int
    var timeout: UInt64
    var buckets: FlowBuckets
    var load: FadingLoad

    public init(options: BondOptions, members: Int) {
        bound = Self.defaultLoadBound
        timeout = 0
        buckets = FlowBuckets(atLeast: Int(options.modeSettings["ch_buckets"] ?? "") ?? Self.defaultBuckets)
        load = FadingLoad(members: max(members, 2))
        reconfigure(options)
    }

    public func reconfigure(_ options: BondOptions) {
        bound = Int(options.modeSettings["ch_load_bound"] ?? "") ?? Self.defaultLoadBound
        timeout = UInt64(Int(options.modeSettings["ch_flow_timeout"] ?? "") ?? Self.defaultTimeoutMilliseconds) * 1_000_000
    }

    public func member(for frame: ParsedFrame, members: MemberView) -> Int? {
        let h = PolicyHashing.flowHash(frame)
        let b = buckets.bucket(of: h)
        let now = members.now.nanoseconds
        let m: Int
        if let current = buckets.current(b, at: now, idle: timeout, usable: members.usable) {
            m = current
        } else {
            guard let chosen = choose(h, members, at: now) else { return nil }
            m = chosen
            buckets.place(b, on: m)
        }
        buckets.touch(b, at: now)
        load.add(frame.length, to: m)
        return m
    }

    /// The highest-ranked usable member for `h` whose load (per Mbit/s) is within the bound.
    func choose(_ h: UInt64, _ members: MemberView, at now: UInt64) -> Int? {
        let usable = members.usable
        guard !usable.isEmpty else { return nil }
        var limit = Double.infinity
        if bound > 0 {
            load.fade(to: now)
            var total = 0.0
            for m in usable {
                load.grow(to: m + 1)
                total += load.bytes[m] / Self.speed(m, members)
            }
            // The flow's own frame counts as one more byte: an idle bond places by rank alone.
            limit = max(Double(bound) / 100 * total / Double(usable.count), 1)
        }
        var best: Int?
        var bestScore: UInt64 = 0
        var fallback: Int?
        var fallbackScore: UInt64 = 0
        for m in usable {
            let score = PolicyHashing.mix(h ^ (UInt64(m) &* 0x9E37_79B9_7F4A_7C15))
            if fallback == nil || score > fallbackScore {
                fallback = m
                fallbackScore = score
            }
            if load.bytes[m] / Self.speed(m, members) <= limit && (best == nil || score > bestScore) {
                best = m
                bestScore = score
            }
        }
        return best ?? fallback
    }

    static func speed(_ m: Int, _ members: MemberView) -> Double {
        m < members.speeds.count && members.speeds[m] > 0 ? Double(members.speeds[m]) : 1000
    }

    public func explain(_ frame: ParsedFrame, members: MemberView) -> (member: Int?, reason: String) {
        let h = PolicyHashing.flowHash(frame)
        let b = buckets.bucket(of: h)
        if let m = buckets.current(b, at: members.now.nanoseconds, idle: timeout, usable: members.usable) {
            return (m, "consistent-hash bucket \(b): the flow keeps its member")
        }
        return (choose(h, members, at: members.now.nanoseconds), "consistent-hash bucket \(b): first-ranked member within \(bound)% of the mean load")
    }
}
