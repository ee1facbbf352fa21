/// A bond's state: its members' links, the active member, failover and peer
/// notification. Pure: events in (carrier reports, time, admin requests), events out.
public struct Bond: Sendable {
    public let name: String
    public private(set) var options: BondOptions
    public private(set) var members: [Member]
    public private(set) var activeIndex: Int?
    public private(set) var lastFailoverReason: String?
    public private(set) var hasCarrier: Bool = false
    /// Members that may transmit now, in enslave order (rebuilt on change, read per frame).
    public private(set) var usable: [Int] = []

    private var peerNotificationsLeft = 0
    private var nextPeerNotification: Instant?

    public init(name: String, options: BondOptions, members: [Member]) {
        self.name = name
        self.options = options
        self.members = members
        if options.miimon == 0 {
            // No link monitoring: the kernel takes every member as up for good.
            for i in self.members.indices {
                self.members[i].monitor = CarrierMonitor(carrier: true)
            }
        }
    }

    public func index(of name: String) -> Int? { members.firstIndex { $0.name == name } }

    public var primaryIndex: Int? { options.primary.flatMap(index(of:)) }

    /// First decision, when the bond comes up.
    public mutating func start(at now: Instant) -> [BondEvent] {
        var events: [BondEvent] = []
        var preferred: Int?
        if let a = options.activeSlave, let i = index(of: a), members[i].link == .up { preferred = i }
        reselect(at: now, reason: "bond started", preferring: preferred, into: &events)
        refresh(into: &events)
        return events
    }

    /// The kernel reported a member's carrier.
    public mutating func carrierChanged(member i: Int, up: Bool, at now: Instant) -> [BondEvent] {
        guard options.miimon > 0 else { return [] }
        var events: [BondEvent] = []
        let ignoreUpdelay = noMemberUp
        if let t = members[i].monitor.carrier(up, at: now, ignoreUpdelay: ignoreUpdelay) {
            apply(t, member: i, at: now, into: &events)
        }
        return events
    }

    /// Time passed: delays may expire, peer notifications may be due.
    public mutating func tick(at now: Instant) -> [BondEvent] {
        var events: [BondEvent] = []
        for i in members.indices {
            let ignoreUpdelay = noMemberUp
            if let t = members[i].monitor.tick(at: now, ignoreUpdelay: ignoreUpdelay) {
                apply(t, member: i, at: now, into: &events)
            }
        }
        if let due = nextPeerNotification, now >= due {
            sendPeerNotification(at: now, into: &events)
        }
        return events
    }

    /// The earliest time `tick` has something to do.
    public var nextDeadline: Instant? {
        var d = nextPeerNotification
        for m in members { if let x = m.monitor.deadline { d = min(d ?? x, x) } }
        return d
    }

    /// `bondctl set-active` / active_slave: only an up member, only in active-member modes.
    public mutating func setActive(_ name: String, at now: Instant) throws(OptionError) -> [BondEvent] {
        guard options.mode.usesActiveMember else {
            throw OptionError("active_slave: not supported in mode \(options.mode.kernelName)(\(options.mode.rawValue))")
        }
        guard let i = index(of: name) else { throw OptionError("active_slave: \(name) is not a member of \(self.name)") }
        guard members[i].link == .up else { throw OptionError("active_slave: \(name) is not up") }
        var events: [BondEvent] = []
        if activeIndex != i { changeActive(to: i, at: now, reason: "set by administrator", into: &events) }
        return events
    }

    // MARK: - Internals

    private var noMemberUp: Bool { !members.contains { $0.link.carriesTraffic } }

    private mutating func apply(_ t: CarrierMonitor.Transition, member i: Int, at now: Instant, into events: inout [BondEvent]) {
        members[i].lastLinkChange = now
        if t.to == .down && t.from != .back { members[i].linkFailureCount += 1 }
        events.append(.link(member: i, t))
        switch t.to {
        case .down where i == activeIndex:
            reselect(at: now, reason: "link failure on \(members[i].name)", into: &events)
        case .up:
            // As bond_miimon_commit: reconsider when there is no active member or the
            // returning one is the primary.
            if activeIndex == nil || i == primaryIndex {
                reselect(at: now, reason: activeIndex == nil ? "\(members[i].name) came up" : "primary \(members[i].name) came back", into: &events)
            }
        default:
            break
        }
        refresh(into: &events)
    }

    /// bond_select_active_slave with bond_choose_primary_or_current.
    private mutating func reselect(at now: Instant, reason: String, preferring preferred: Int? = nil, into events: inout [BondEvent]) {
        let best = preferred ?? chooseBest()
        if best != activeIndex { changeActive(to: best, at: now, reason: reason, into: &events) }
    }

    private func chooseBest() -> Int? {
        let current = activeIndex.flatMap { members[$0].link == .up ? $0 : nil }
        if let p = primaryIndex, members[p].link == .up {
            guard let c = current, c != p else { return p }
            switch options.primaryReselect {
            case .always: return p
            case .better: return members[p].speed > members[c].speed ? p : c
            case .failure: return c
            }
        }
        if let c = current { return c }
        return members.firstIndex { $0.link == .up }
    }

    private mutating func changeActive(to new: Int?, at now: Instant, reason: String, into events: inout [BondEvent]) {
        let old = activeIndex
        activeIndex = new
        lastFailoverReason = reason
        events.append(.activeChanged(from: old, to: new, reason: reason))
        if let n = new, options.mode == .activeBackup, options.numPeerNotif > 0 {
            peerNotificationsLeft = options.numPeerNotif
            _ = n
            sendPeerNotification(at: now, into: &events)
        } else {
            peerNotificationsLeft = 0
            nextPeerNotification = nil
        }
    }

    private mutating func sendPeerNotification(at now: Instant, into events: inout [BondEvent]) {
        guard let a = activeIndex, peerNotificationsLeft > 0 else {
            nextPeerNotification = nil
            return
        }
        events.append(.notifyPeers(member: a))
        peerNotificationsLeft -= 1
        nextPeerNotification = peerNotificationsLeft > 0 ? now.adding(milliseconds: options.peerNotifInterval) : nil
    }

    private mutating func refresh(into events: inout [BondEvent]) {
        usable = members.indices.filter { members[$0].link.carriesTraffic }
        let carrier = !usable.isEmpty
        if carrier != hasCarrier {
            hasCarrier = carrier
            events.append(.carrier(up: carrier))
        }
    }
}
