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
    let mask: UInt64
    var bucketMember: [Int32]
    var lastSeen: [UInt64]
    var load: FadingLoad
    /// Flowlets started (a bucket placed again after a gap or a member's loss).
    public private(set) var flowlets = 0

    public init(options: BondOptions, members: Int) {
        gap = UInt64(Int(options.modeSettings["flowlet_gap"] ?? "") ?? Self.defaultGapMicroseconds) * 1000
        let wanted = Int(options.modeSettings["flowlet_buckets"] ?? "") ?? Self.defaultBuckets
        var n = 64
        while n < wanted { n <<= 1 }
        mask = UInt64(n - 1)
        bucketMember = Array(repeating: -1, count: n)
        lastSeen = Array(repeating: 0, count: n)
        load = FadingLoad(members: max(members, 2))
    }

    public func member(for frame: ParsedFrame, members: MemberView) -> Int? {
        let b = Int(PolicyHashing.flowHash(frame) & mask)
        let now = members.now.nanoseconds
        var m = Int(bucketMember[b])
        if m < 0 || now &- lastSeen[b] > gap || !members.usable.contains(m) {
            guard let chosen = load.leastLoaded(among: members.usable, speeds: members.speeds, at: now) else { return nil }
            m = chosen
            bucketMember[b] = Int32(m)
            flowlets &+= 1
        }
        lastSeen[b] = now
        load.add(frame.length, to: m)
        return m
    }

    public func reconfigure(_ options: BondOptions) {
        gap = UInt64(Int(options.modeSettings["flowlet_gap"] ?? "") ?? Self.defaultGapMicroseconds) * 1000
    }

    public func explain(_ frame: ParsedFrame, members: MemberView) -> (member: Int?, reason: String) {
        let b = Int(PolicyHashing.flowHash(frame) & mask)
        let m = Int(bucketMember[b])
        let idle = members.now.nanoseconds &- lastSeen[b]
        if m >= 0 && idle <= gap && members.usable.contains(m) {
            return (m, "flowlet bucket \(b): in a flowlet (idle \(idle / 1000) µs, gap \(gap / 1000) µs)")
        }
        var copy = load
        return (
            copy.leastLoaded(among: members.usable, speeds: members.speeds, at: members.now.nanoseconds),
            "flowlet bucket \(b): a new flowlet goes to the least-loaded member"
        )
    }
}
