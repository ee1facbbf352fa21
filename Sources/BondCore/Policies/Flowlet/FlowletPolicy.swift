/// Flowlet switching (Kandula et al., FLARE, 2007; CONGA, 2014): a flow's frames stay
/// on one member while they come close together; after an idle gap longer than
/// `flowlet_gap` the next burst (a new flowlet) goes to the least-loaded member. If the
/// gap exceeds the difference in delay between members, the flowlet cannot overtake
/// its predecessor, so load is balanced finer than per flow without reordering.
///
/// Flows are hashed (layer3+4) into `flowlet_buckets` buckets; flows sharing a bucket
/// share its flowlets, as in the papers' hardware tables.
public final class FlowletPolicy: TransmitPolicy {
    public static let name = "flowlet"
    public static let summary = "a flow moves to the least-loaded member after an idle gap over flowlet_gap µs (balance without reordering)"
    public static var options: [ModeOption] {
        [.integer("flowlet_gap", 1...10_000_000), .integer("flowlet_buckets", 64...1_048_576, fixedWhileUp: true)]
    }
    /// 500 µs: above the queueing delay a 1 Gbit/s member adds under moderate load.
    public static let defaultGapMicroseconds = 500
    public static let defaultBuckets = 4096

    var gap: UInt64
    var buckets: FlowBuckets
    var load: FadingLoad
    /// Flowlets started (a bucket placed again after a gap or a member's loss).
    public private(set) var flowlets = 0

    public init(options: BondOptions, members: Int) {
        gap = UInt64(Int(options.modeSettings["flowlet_gap"] ?? "") ?? Self.defaultGapMicroseconds) * 1000
        buckets = FlowBuckets(atLeast: Int(options.modeSettings["flowlet_buckets"] ?? "") ?? Self.defaultBuckets)
        load = FadingLoad(members: max(members, 2))
    }

    public func member(for frame: ParsedFrame, members: MemberView) -> Int? {
        let b = buckets.bucket(of: PolicyHashing.flowHash(frame))
        let now = members.now.nanoseconds
        let m: Int
        if let current = buckets.current(b, at: now, idle: gap, usable: members.usable) {
            m = current
        } else {
            guard let chosen = load.leastLoaded(among: members.usable, speeds: members.speeds, at: now) else { return nil }
            m = chosen
            buckets.place(b, on: m)
            flowlets &+= 1
        }
        buckets.touch(b, at: now)
        load.add(frame.length, to: m)
        return m
    }

    public func reconfigure(_ options: BondOptions) {
        gap = UInt64(Int(options.modeSettings["flowlet_gap"] ?? "") ?? Self.defaultGapMicroseconds) * 1000
    }

    public func explain(_ frame: ParsedFrame, members: MemberView) -> (member: Int?, reason: String) {
        let b = buckets.bucket(of: PolicyHashing.flowHash(frame))
        let now = members.now.nanoseconds
        if let m = buckets.current(b, at: now, idle: gap, usable: members.usable) {
            return (m, "flowlet bucket \(b): in a flowlet (idle \(buckets.idle(b, at: now) / 1000) µs, gap \(gap / 1000) µs)")
        }
        var copy = load
        return (
            copy.leastLoaded(among: members.usable, speeds: members.speeds, at: now),
            "flowlet bucket \(b): a new flowlet goes to the least-loaded member"
        )
    }
}
