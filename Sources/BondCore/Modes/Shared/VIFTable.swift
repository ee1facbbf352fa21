/// Per-VIF MAC hashing, as XenServer's active-active bonds and Open vSwitch's
/// balance-slb do it: every (source MAC, VLAN) hashes to one of 256 buckets and each
/// bucket is pinned to one member, so one guest interface never splits across members
/// and the physical switch learns it on one port. Buckets are rebalanced by load with
/// Open vSwitch's rules, and every move is announced by one learning frame per MAC.
public final class VIFTable: @unchecked Sendable {
    public static let bucketCount = 256
    /// MACs remembered (for learning frames and to recognise our own frames reflected).
    public static let macCapacity = 4096
    /// A MAC not seen leaving for this long is forgotten, as switches and Open vSwitch
    /// age their tables (mac-aging-time, 300 s by default).
    public static let macAgingSeconds: UInt32 = 300

    public struct Bucket: Equatable, Sendable {
        public var member: Int?
        public var txBytes: Int = 0
    }

    /// A MAC (with its VLAN) that now leaves on another member: announce it there.
    public struct Move: Equatable, Sendable {
        public var mac: MACAddress
        public var vlan: UInt16?
        public var member: Int
        public init(mac: MACAddress, vlan: UInt16?, member: Int) {
            self.mac = mac; self.vlan = vlan; self.member = member
        }
    }

    public internal(set) var buckets = Array(repeating: Bucket(), count: VIFTable.bucketCount)
    /// One source MAC seen from the host side: its bucket and the second it was last seen.
    public struct Entry: Equatable, Sendable {
        public var bucket: Int
        public var lastSeen: UInt32
    }

    /// Source MACs seen from the host side, keyed by MAC | VLAN << 48.
    public internal(set) var entries: [UInt64: Entry] = [:]
    /// New MACs not remembered: the table was full of MACs all seen within the second
    /// (a flood). Their frames still leave by their bucket, which is a pure hash.
    public internal(set) var macOverflow = 0
    /// MACs forgotten: aged out, or evicted as the stalest when the table was full.
    public internal(set) var macsForgotten = 0
    public internal(set) var moves = 0
    private var nextMember = 0
    /// The engine's clock in whole seconds, as last given to `age(at:)`.
    private var second: UInt32 = 0
    /// The second of the last eviction sweep: at most one per second.
    private var lastSweep: UInt32 = .max
    /// Keys forgotten since the last `takeForgotten()` (the fast path's map follows).
    private var forgotten: [UInt64] = []

    /// The MACs and their buckets (status, tests).
    public var macs: [UInt64: Int] { entries.mapValues(\.bucket) }
    public var macCount: Int { entries.count }

    public init() {}

    @inlinable
    static func key(_ mac: MACAddress, _ vlan: UInt16?) -> UInt64 { mac.rawValue | UInt64(vlan ?? 0) << 48 }

    /// A 64-bit finalizer (MurmurHash3's): all MAC and VLAN bits reach the bucket index.
    @inlinable
    public static func bucket(mac: MACAddress, vlan: UInt16?) -> Int {
        var k = key(mac, vlan)
        k ^= k >> 33; k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33; k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return Int(k & 0xFF)
    }

    /// The member for a frame from the host side (nil: no member usable).
    public func member(for frame: ParsedFrame, usable: [Int]) -> Int? {
        let k = Self.key(frame.source, frame.vlanID)
        let b: Int
        if let known = entries[k] {
            b = known.bucket
            if known.lastSeen != second { entries[k]!.lastSeen = second }
        } else {
            b = Self.bucket(mac: frame.source, vlan: frame.vlanID)
            remember(k, bucket: b)
        }
        if let m = buckets[b].member, usable.contains(m) {
            buckets[b].txBytes &+= frame.length
            return m
        }
        guard let m = nextUsable(usable) else { return nil }
        buckets[b].member = m
        buckets[b].txBytes &+= frame.length
        return m
    }

    /// A new MAC. A full table first forgets the MACs not seen this second (at most one
    /// sweep a second, so a flood of new MACs costs a sweep per second, not per frame):
    /// forgetting is harmless, since a MAC seen again gets the same bucket.
    private func remember(_ k: UInt64, bucket b: Int) {
        if entries.count >= Self.macCapacity && lastSweep != second {
            lastSweep = second
            forget { $0.lastSeen != second }
        }
        if entries.count < Self.macCapacity { entries[k] = Entry(bucket: b, lastSeen: second) } else { macOverflow += 1 }
    }

    private func forget(where stale: (Entry) -> Bool) {
        for (k, e) in entries where stale(e) {
            entries[k] = nil
            forgotten.append(k)
            macsForgotten += 1
        }
    }

    /// The engine's clock moved on to `now` (whole seconds, once a second or so): MACs
    /// not seen for `macAgingSeconds` are forgotten.
    public func age(at now: UInt32) {
        second = now
        guard now >= Self.macAgingSeconds else { return }
        let oldest = now - Self.macAgingSeconds
        forget { $0.lastSeen < oldest }
    }

    /// Keys forgotten since the last call, for the fast path to forget too.
    public func takeForgotten() -> [UInt64] {
        defer { forgotten.removeAll(keepingCapacity: true) }
        return forgotten
    }

    /// Bytes bucket `b` sent outside the engine (the XDP fast path), for rebalancing.
    public func addTransmitted(bucket b: Int, bytes: Int) {
        buckets[b].txBytes &+= bytes
    }

    /// Was this source MAC seen leaving from the host side? (A frame coming back from
    /// the network with it is our own, reflected.)
    public func isHostSide(_ mac: MACAddress, vlan: UInt16?) -> Bool { entries[Self.key(mac, vlan)] != nil }

    /// A member went down: its buckets move now, round-robin over the usable members, and
    /// each of their MACs is announced on its new member.
    public func release(member: Int, usable: [Int]) -> [Move] {
        var out: [Move] = []
        for b in buckets.indices where buckets[b].member == member {
            guard let m = nextUsable(usable) else { buckets[b].member = nil; continue }
            buckets[b].member = m
            out += macs(inBucket: b, to: m)
        }
        return out
    }

    /// `bondctl migrate` (Open vSwitch's bond/migrate): bucket `b` leaves on `member`
    /// from now on, until a rebalance moves it; its MACs are announced there.
    public func migrate(bucket b: Int, to member: Int) -> [Move] {
        guard buckets[b].member != member else { return [] }
        buckets[b].member = member
        return macs(inBucket: b, to: member)
    }

    /// Open vSwitch's bond_rebalance: repeatedly shift one bucket from the most to the
    /// least loaded member while the gap is at least ~3% and 100 kB and the move brings
    /// the lighter side at least 10% closer to the mean; a member with one bucket keeps it.
    /// Byte counts then halve (a moving average).
    public func rebalance(usable: [Int]) -> [Move] {
        var load: [Int: Int] = [:]
        var entries: [Int: [Int]] = [:]
        for m in usable { load[m] = 0; entries[m] = [] }
        for b in buckets.indices {
            guard let m = buckets[b].member, load[m] != nil, buckets[b].txBytes > 0 else { continue }
            load[m]! += buckets[b].txBytes
            entries[m]!.append(b)
        }
        var candidates = Set(usable)
        var out: [Move] = []
        while candidates.count >= 2 {
            let sorted = candidates.sorted { load[$0]! != load[$1]! ? load[$0]! > load[$1]! : $0 < $1 }
            let from = sorted.first!, to = sorted.last!
            let overload = (load[from]! - load[to]!) / 2
            if overload < load[to]! >> 5 || overload < 100_000 { break }
            guard let b = chooseBucket(entries[from]!, fromLoad: load[from]!, toLoad: load[to]!) else {
                candidates.remove(from)
                continue
            }
            entries[from]!.removeAll { $0 == b }
            load[from]! -= buckets[b].txBytes
            load[to]! += buckets[b].txBytes
            buckets[b].member = to
            out += macs(inBucket: b, to: to)
        }
        for b in buckets.indices { buckets[b].txBytes /= 2 }
        return out
    }

    private func chooseBucket(_ list: [Int], fromLoad: Int, toLoad: Int) -> Int? {
        guard list.count > 1 else { return nil }
        let ideal = (fromLoad + toLoad) / 2
        for b in list.sorted(by: { buckets[$0].txBytes > buckets[$1].txBytes }) {
            let delta = buckets[b].txBytes
            let newLow = min(fromLoad - delta, toLoad + delta)
            if newLow > toLoad && newLow - toLoad >= (ideal - toLoad) / 10 { return b }
        }
        return nil
    }

    private func macs(inBucket b: Int, to member: Int) -> [Move] {
        moves += 1
        return entries.filter { $0.value.bucket == b }.keys.sorted().map {
            Move(
                mac: MACAddress(rawValue: $0 & 0xFFFF_FFFF_FFFF),
                vlan: $0 >> 48 == 0 ? nil : UInt16($0 >> 48), member: member)
        }
    }

    private func nextUsable(_ usable: [Int]) -> Int? {
        guard !usable.isEmpty else { return nil }
        nextMember = (nextMember + 1) % usable.count
        return usable[nextMember]
    }
}
