/// What a frame received on a member tells the ARP/NS monitor. The engine classifies
/// frames it already parsed; the monitor decides whether they prove the member's path.
public enum ProbeEvidence: Sendable, Equatable {
    /// Frames of any kind arrived (counted where arp_validate neither validates the
    /// member nor filters).
    case traffic
    /// An ARP frame addressed to us (broadcast or our MAC).
    case arp(operation: UInt16, sender: IPv4Address, target: IPv4Address)
    /// A Neighbor Solicitation or Advertisement addressed to us. `target` is the ND
    /// target address (what an NS asks for).
    case neighbor(isAdvertisement: Bool, source: IPv6Address, destination: IPv6Address, target: IPv6Address)

    var isNeighborProtocol: Bool { if case .traffic = self { false } else { true } }
}

/// The ARP/NS monitor's record of each member: when it last sent and received, when
/// each target last answered on it, and its verdict. Timing rules are the kernel's
/// (bond_ab_arp_inspect, bond_loadbalance_arp_mon); `Bond` acts on the verdicts.
public struct ProbeMonitor: Sendable {
    public struct Record: Sendable, Equatable {
        public var lastRx: Instant
        public var lastTx: Instant
        /// When each target (ARP targets, then NS targets) was last heard on this member.
        public var targetLastRx: [Instant?]
        /// When the member last came up or became the probe candidate: it gets two
        /// intervals of grace before it can be judged down.
        public var lastLinkUp: Instant
        public var probesSent = 0
        public var repliesValidated = 0
        /// Why the verdict is what it is, for `bondctl show`.
        public var reason: String
    }

    public let interval: Int
    public let arpTargets: [IPv4Address]
    public let nsTargets: [IPv6Address]
    public let validate: ARPValidate
    public let allTargets: ARPAllTargets
    public let missedMax: Int
    public internal(set) var records: [Record]
    /// The member probed while no member is active (the kernel's current_arp_slave).
    public internal(set) var candidate: Int?
    /// Where the next candidate search starts: after the member that failed last, so
    /// that the member just found dead is probed last (the kernel starts at the first).
    var rotationStart = 0
    public internal(set) var nextTick: Instant
    /// The bond's own addresses: only ARP and ND between a target and one of these prove
    /// anything when validating.
    public var ownIPv4: [IPv4Address] = []
    public var ownIPv6: [IPv6Address] = []
    /// Why no member is judged yet (nil: the monitor judges). Probes can prove nothing
    /// before the bond device is up and, when replies are validated, has an address to
    /// send them from; judging members meanwhile would fail every one of them.
    public internal(set) var waiting: String?

    public init(options: BondOptions, carriers: [Bool], at now: Instant) {
        interval = options.arpInterval
        arpTargets = options.arpTargets
        nsTargets = options.nsTargets
        validate = options.arpValidate
        allTargets = options.arpAllTargets
        missedMax = options.arpMissedMax
        // As bond_enslave: a member starts up if it has carrier, last heard one interval
        // ago, so it is judged only after its grace.
        records = carriers.map { carrier in
            Self.record(
                interval: options.arpInterval, targets: options.arpTargets.count + options.nsTargets.count,
                at: now, reason: carrier ? "carrier up at start" : "no carrier at start")
        }
        nextTick = now.adding(milliseconds: options.arpInterval)
    }

    private static func record(interval: Int, targets: Int, at now: Instant, reason: String) -> Record {
        let before = Instant(nanoseconds: now.nanoseconds &- UInt64(interval) * 1_000_000)
        return Record(
            lastRx: before, lastTx: before, targetLastRx: Array(repeating: nil, count: targets),
            lastLinkUp: now, reason: reason)
    }

    /// Member `i` joined (or came back from being disabled): judged afresh, after the
    /// same grace as at enslave.
    mutating func restart(member i: Int, at now: Instant, reason: String) {
        let r = Self.record(interval: interval, targets: targetCount, at: now, reason: reason)
        if i < records.count { records[i] = r } else { records.append(r) }
        if candidate == i { candidate = nil }
    }

    public var targetCount: Int { arpTargets.count + nsTargets.count }

    /// What keeps probes from proving anything, given the bond device's state and
    /// addresses (nil: nothing). Unvalidated probes may speak from 0.0.0.0, as the
    /// kernel's do without a route: any traffic they draw counts.
    func waitReason(deviceUp: Bool) -> String? {
        if !deviceUp { return "the bond device is down" }
        guard validate.validates(active: true) || validate.validates(active: false) else { return nil }
        if (!arpTargets.isEmpty && !ownIPv4.isEmpty) || (!nsTargets.isEmpty && !ownIPv6.isEmpty) { return nil }
        switch (arpTargets.isEmpty, nsTargets.isEmpty) {
        case (false, true): return "the bond has no IPv4 address to probe from"
        case (true, false): return "the bond has no usable IPv6 address to probe from"
        default: return "the bond has no address to probe from"
        }
    }

    /// Probing starts (or starts again): every member is judged afresh, after the same
    /// grace as at enslave, counted from now rather than from when it joined. What it
    /// sent, heard and counted so far stays for `show`.
    mutating func begin(at now: Instant, reason: String) {
        for i in records.indices {
            let fresh = Self.record(interval: interval, targets: targetCount, at: now, reason: reason)
            records[i].lastRx = fresh.lastRx
            records[i].lastTx = fresh.lastTx
            records[i].lastLinkUp = now
            records[i].reason = reason
        }
        candidate = nil
        nextTick = now
    }

    public func targetDescription(_ t: Int) -> String {
        t < arpTargets.count ? arpTargets[t].description : nsTargets[t - arpTargets.count].description
    }

    /// bond_time_in_interval: `last` lies within `intervals` monitor intervals of now
    /// (plus half an interval of slack, as the kernel allows for timer jitter).
    func within(_ last: Instant, _ intervals: Int, of now: Instant) -> Bool {
        let delta = UInt64(interval) * 1_000_000
        return now.nanoseconds <= last.nanoseconds &+ UInt64(intervals) &* delta &+ delta / 2
            && now.nanoseconds &+ delta >= last.nanoseconds
    }

    /// slave_last_rx: with arp_all_targets=all a validated member is as fresh as its
    /// stalest target.
    func lastRx(of i: Int, active: Bool) -> Instant {
        let r = records[i]
        guard allTargets == .all, validate.validates(active: active), !r.targetLastRx.isEmpty else { return r.lastRx }
        var oldest = r.lastRx
        for t in r.targetLastRx {
            guard let t else { return .zero }
            oldest = min(oldest, t)
        }
        return oldest
    }

    /// A frame arrived on member `i`. `active` says whether the member is the active
    /// one (or the probe candidate); `activeMember` is the active member, if any.
    mutating func observe(_ evidence: ProbeEvidence, on i: Int, active: Bool, activeMember: Int?, at now: Instant) {
        guard validate.validates(active: active) else {
            // Unvalidated: any frame counts, or with a filter only ARP/ND.
            if !validate.filters || evidence.isNeighborProtocol { records[i].lastRx = now }
            // Not evidence here, but `show` still tells which targets this member hears.
            if let t = targetIndex(of: evidence, reversed: false) { records[i].targetLastRx[t] = now }
            return
        }
        if active {
            accept(evidence, reversed: false, on: i, at: now)
        } else if let a = activeMember, records[a].lastRx > records[a].lastLinkUp {
            // A backup sees the active member's probes flooded back by the switch:
            // the probe's addresses, read the other way round.
            accept(evidence, reversed: true, on: i, at: now)
        } else if let c = candidate, case .arp(let op, _, _) = evidence, op == ARPHeader.reply,
            within(records[c].lastTx, 1, of: now)
        {
            accept(evidence, reversed: false, on: i, at: now)
        }
    }

    /// bond_validate_arp / bond_validate_na: a frame between a target and our address.
    private mutating func accept(_ evidence: ProbeEvidence, reversed: Bool, on i: Int, at now: Instant) {
        guard let t = targetIndex(of: evidence, reversed: reversed) else { return }
        records[i].lastRx = now
        records[i].targetLastRx[t] = now
        records[i].repliesValidated &+= 1
    }

    /// Which target (ARP targets first, then NS targets) a frame shows talking to our
    /// address; `reversed`: our own probe to that target, flooded back to a backup.
    private func targetIndex(of evidence: ProbeEvidence, reversed: Bool) -> Int? {
        switch evidence {
        case .traffic:
            return nil
        case .arp(_, let sender, let targetIP):
            let (from, to) = reversed ? (targetIP, sender) : (sender, targetIP)
            guard from.rawValue != 0, ownIPv4.contains(to), let t = arpTargets.firstIndex(of: from) else { return nil }
            return t
        case .neighbor(let isNA, let source, let destination, let ndTarget):
            if reversed {
                guard !isNA, ownIPv6.contains(source), let t = nsTargets.firstIndex(of: ndTarget) else { return nil }
                return arpTargets.count + t
            }
            let allNodes = IPv6Address(high: 0xFF02_0000_0000_0000, low: 1)
            guard source != IPv6Address(high: 0, low: 0),
                destination == allNodes || ownIPv6.contains(destination),
                let t = nsTargets.firstIndex(of: source)
            else { return nil }
            return arpTargets.count + t
        }
    }

    mutating func sent(on i: Int, at now: Instant) {
        records[i].lastTx = now
        records[i].probesSent &+= 1
    }
}
