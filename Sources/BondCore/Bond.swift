/// A bond's state: its members' links, the active member, failover and peer
/// notification. Pure: events in (carrier reports, time, admin requests), events out.
public struct Bond: Sendable {
    public let name: String
    public internal(set) var options: BondOptions
    public internal(set) var members: [Member]
    public private(set) var activeIndex: Int?
    public private(set) var lastFailoverReason: String?
    /// When the active member last changed (nil: never).
    public private(set) var lastFailoverAt: Instant?
    public private(set) var hasCarrier: Bool = false
    /// Members that may transmit now, in enslave order (rebuilt on change, read per frame).
    public private(set) var usable: [Int] = []

    /// The ARP/NS monitor, when arp_interval is set.
    public internal(set) var probe: ProbeMonitor?
    /// The bond device's state and addresses as last reported (nil: never reported,
    /// as in tests that drive the monitor directly: it judges from the start).
    var probeSource: ProbeSource?

    private var peerNotificationsLeft = 0
    private var nextPeerNotification: Instant?
    /// resend_igmp: membership reports still to send, and when the next is due.
    private var multicastResendsLeft = 0
    private var nextMulticastResend: Instant?
    /// The kernel's spacing of repeated reports (bond_resend_igmp_join_requests_delayed).
    public static let multicastResendInterval = 200

    public init(name: String, options: BondOptions, members: [Member]) {
        self.name = name
        self.options = options
        self.members = members
        for i in self.members.indices { self.members[i].prio = options.prio[self.members[i].name] ?? 0 }
        if options.miimon == 0 && !options.probesLinks {
            // No link monitoring: the kernel takes every member as up for good.
            for i in self.members.indices {
                self.members[i].monitor = CarrierMonitor(carrier: true)
            }
        }
    }

    public func index(of name: String) -> Int? { members.firstIndex { $0.name == name && !$0.isRemoved } }

    public var primaryIndex: Int? { options.primary.flatMap(index(of:)) }

    /// First decision, when the bond comes up.
    public mutating func start(at now: Instant) -> [BondEvent] {
        var events: [BondEvent] = []
        if options.probesLinks {
            probe = ProbeMonitor(options: options, carriers: members.map(\.monitor.carrier), at: now)
            for i in members.indices { members[i].probeVerdict = members[i].monitor.carrier ? .up : .down }
        }
        var preferred: Int?
        if let a = options.activeSlave, let i = index(of: a), members[i].link == .up { preferred = i }
        reselect(at: now, reason: "bond started", preferring: preferred, into: &events)
        refresh(into: &events)
        return events
    }

    /// The kernel reported a member's carrier.
    public mutating func carrierChanged(member i: Int, up: Bool, at now: Instant) -> [BondEvent] {
        guard options.miimon > 0 || options.probesLinks else { return [] }
        var events: [BondEvent] = []
        let ignoreUpdelay = noMemberUp
        let before = members[i].link
        guard let t = members[i].monitor.carrier(up, at: now, ignoreUpdelay: ignoreUpdelay) else { return events }
        // A disabled or removed member's monitor follows its carrier silently: enabling
        // it later starts from the truth.
        guard members[i].isEligible else { return events }
        if probe == nil {
            apply(t, member: i, at: now, into: &events)
        } else if !up {
            // Unlike the kernel's ARP monitor, which waits for missed probes, carrier
            // loss is final at once; the member returns only when probes answer again.
            members[i].probeVerdict = .down
            probe!.records[i].reason = "carrier lost"
            if probe!.candidate == i { probe!.candidate = nil }
            if before != .down {
                apply(LinkTransition(from: before, to: .down, message: "carrier lost, disabling member"), member: i, at: now, into: &events)
            }
        }
        return events
    }

    /// A frame (or a batch: `.traffic`) arrived on member `i`, for the ARP/NS monitor.
    /// Events only when a probe candidate's answer ends a time without an active member.
    @discardableResult
    public mutating func received(_ evidence: ProbeEvidence, on i: Int, at now: Instant) -> [BondEvent] {
        guard probe != nil else { return [] }
        let isCandidate = i == probe!.candidate
        let active = i == activeIndex || isCandidate || !options.mode.usesActiveMember
        let before = isCandidate ? probe!.lastRx(of: i, active: true) : .zero
        probe!.observe(evidence, on: i, active: active, activeMember: activeIndex, at: now)
        guard isCandidate, probe!.lastRx(of: i, active: true) != before else { return [] }
        return promoteAnsweringCandidate(i, at: now)
    }

    /// The engine sent the probes a `.probe` event asked for on member `i`.
    public mutating func probed(member i: Int, at now: Instant) {
        probe?.sent(on: i, at: now)
    }

    /// The bond device's addresses changed: the ARP/NS monitor validates against them.
    public mutating func setOwnAddresses(ipv4: [IPv4Address], ipv6: [IPv6Address]) {
        probe?.ownIPv4 = ipv4
        probe?.ownIPv6 = ipv6
    }

    /// The bond device's state and usable addresses, as the engine reads them when the
    /// bond starts and whenever they change. The ARP/NS monitor waits, judging no
    /// member, until probes can prove something (the device up, with an address when
    /// replies are validated); then every member gets its grace from that moment. The
    /// kernel's monitor only runs while the bond is up but counts a member's grace from
    /// enslave, so a bond addressed later than two intervals after start fails every
    /// member once: this rule is why bondd does not.
    public mutating func probeSourceChanged(
        ipv4: [IPv4Address], ipv6: [IPv6Address], deviceUp: Bool,
        at now: Instant
    ) -> [BondEvent] {
        probeSource = ProbeSource(ipv4: ipv4, ipv6: ipv6, deviceUp: deviceUp)
        return applyProbeSource(at: now)
    }

    /// Gives the monitor (a new one too, after a runtime change) the last reported source.
    mutating func applyProbeSource(at now: Instant) -> [BondEvent] {
        guard probe != nil, let source = probeSource else { return [] }
        setOwnAddresses(ipv4: source.ipv4, ipv6: source.ipv6)
        let why = probe!.waitReason(deviceUp: source.deviceUp)
        guard why != probe!.waiting else { return [] }
        probe!.waiting = why
        if let why {
            for i in probe!.records.indices { probe!.records[i].reason = "not judged: \(why)" }
            return [.probeMonitor(judging: false, reason: why)]
        }
        probe!.begin(at: now, reason: "probing started")
        return [.probeMonitor(judging: true, reason: "probes can be answered")]
    }

    /// Time passed: delays may expire, peer notifications may be due.
    public mutating func tick(at now: Instant) -> [BondEvent] {
        var events: [BondEvent] = []
        for i in members.indices {
            let ignoreUpdelay = noMemberUp
            if let t = members[i].monitor.tick(at: now, ignoreUpdelay: ignoreUpdelay), members[i].isEligible {
                apply(t, member: i, at: now, into: &events)
            }
        }
        if let p = probe, now >= p.nextTick {
            probe!.nextTick = now.adding(milliseconds: p.interval)
            if options.mode.usesActiveMember { activeBackupProbeRound(at: now, into: &events) } else { loadBalanceProbeRound(at: now, into: &events) }
        }
        if let due = nextPeerNotification, now >= due {
            sendPeerNotification(at: now, into: &events)
        }
        if let due = nextMulticastResend, now >= due {
            resendMulticastReports(at: now, into: &events)
        }
        return events
    }

    /// The earliest time `tick` has something to do.
    public var nextDeadline: Instant? {
        var d = nextPeerNotification
        if let x = nextMulticastResend { d = min(d ?? x, x) }
        if let p = probe { d = min(d ?? p.nextTick, p.nextTick) }
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

    /// active_slave written empty: as the kernel (bond_option_active_slave_set without a
    /// device), the active member is given up and one chosen afresh as if none were
    /// active: the primary, else the highest prio, whatever primary_reselect says.
    public mutating func clearActive(at now: Instant) throws(OptionError) -> [BondEvent] {
        guard options.mode.usesActiveMember else {
            throw OptionError("active_slave: not supported in mode \(options.mode.kernelName)(\(options.mode.rawValue))")
        }
        var events: [BondEvent] = []
        let best = chooseBest(keepingCurrent: false)
        if best != activeIndex { changeActive(to: best, at: now, reason: "active member cleared by administrator", into: &events) }
        return events
    }

    // MARK: - Internals

    var noMemberUp: Bool { !members.contains { $0.link.carriesTraffic } }

    mutating func apply(_ t: LinkTransition, member i: Int, at now: Instant, countsAsFailure: Bool = true, into events: inout [BondEvent]) {
        members[i].lastLinkChange = now
        if countsAsFailure && t.to == .down && t.from != .back { members[i].linkFailureCount += 1 }
        events.append(.link(member: i, t))
        switch t.to {
        case .down where i == activeIndex:
            reselect(at: now, reason: "link failure on \(members[i].name)", into: &events)
        case .up:
            // As bond_miimon_commit: reconsider when there is no active member, the
            // returning one is the primary, or it outranks the active one.
            if let a = activeIndex {
                if i == primaryIndex {
                    reselect(at: now, reason: "primary \(members[i].name) came back", into: &events)
                } else if members[i].prio > members[a].prio {
                    reselect(at: now, reason: "\(members[i].name) (prio \(members[i].prio)) came back", into: &events)
                }
            } else {
                reselect(at: now, reason: "\(members[i].name) came up", into: &events)
            }
        default:
            break
        }
        refresh(into: &events)
    }

    /// bond_select_active_slave with bond_choose_primary_or_current.
    mutating func reselect(at now: Instant, reason: String, preferring preferred: Int? = nil, into events: inout [BondEvent]) {
        var best = preferred ?? chooseBest()
        if best == nil, let j = closestToTheEndOfItsUpdelay() {
            // bond_find_best_slave: with no member up, one still in its updelay is
            // better than none (bonding.rst: the updelay is ignored when no link is up).
            if let t = members[j].monitor.endUpdelayEarly(at: now) { apply(t, member: j, at: now, into: &events) }
            best = chooseBest()
        }
        if best != activeIndex { changeActive(to: best, at: now, reason: reason, into: &events) }
    }

    /// The carrier-monitored member in its updelay whose delay ends first (the first in
    /// enslave order on a tie), as bond_find_best_slave's `slave->delay < mintime`.
    private func closestToTheEndOfItsUpdelay() -> Int? {
        guard probe == nil else { return nil }
        return members.indices.filter { members[$0].link == .back }
            .min { (members[$0].monitor.deadline ?? .zero) < (members[$1].monitor.deadline ?? .zero) }
    }

    /// bond_choose_primary_or_current: the primary if up, else the up member of highest
    /// prio (first in enslave order on a tie); primary_reselect decides against a
    /// current member that is still up, unless `keepingCurrent` is false (as if none were).
    private func chooseBest(keepingCurrent: Bool = true) -> Int? {
        let current = keepingCurrent ? activeIndex.flatMap { members[$0].link == .up ? $0 : nil } : nil
        var preferred: Int
        if let p = primaryIndex, members[p].link == .up {
            preferred = p
        } else {
            var best: Int?
            for i in members.indices where members[i].link == .up {
                if best == nil || members[i].prio > members[best!].prio { best = i }
            }
            guard let b = best, b != current else { return current }
            preferred = b
        }
        guard let c = current, c != preferred else { return preferred }
        switch options.primaryReselect {
        case .always: return preferred
        case .better: return members[preferred].speed > members[c].speed ? preferred : c
        case .failure: return c
        }
    }

    private mutating func changeActive(to new: Int?, at now: Instant, reason: String, into events: inout [BondEvent]) {
        let old = activeIndex
        activeIndex = new
        lastFailoverReason = reason
        lastFailoverAt = now
        if let n = new, probe != nil {
            // A new active member gets two intervals before probes can judge it.
            probe!.records[n].lastLinkUp = now
            probe!.candidate = nil
        }
        events.append(.activeChanged(from: old, to: new, reason: reason))
        if let n = new, options.mode.hasBackupMembers, options.numPeerNotif > 0 {
            peerNotificationsLeft = options.numPeerNotif
            _ = n
            sendPeerNotification(at: now, into: &events)
        } else {
            peerNotificationsLeft = 0
            nextPeerNotification = nil
        }
        if new != nil && options.mode.keepsCurrentMember {
            scheduleMulticastResends(at: now, into: &events)
        }
    }

    /// bond_change_active_slave: after a new active member the groups joined on the bond
    /// are reported again, resend_igmp times, 200 ms apart, so that snooping switches
    /// learn the new port. balance-rr keeps a current member for this, as the kernel does.
    mutating func scheduleMulticastResends(at now: Instant, into events: inout [BondEvent]) {
        guard options.resendIGMP > 0 else { return }
        multicastResendsLeft = options.resendIGMP
        resendMulticastReports(at: now, into: &events)
    }

    private mutating func resendMulticastReports(at now: Instant, into events: inout [BondEvent]) {
        guard multicastResendsLeft > 0, !usable.isEmpty || activeIndex != nil else {
            multicastResendsLeft = 0
            nextMulticastResend = nil
            return
        }
        events.append(.resendMulticastReports)
        multicastResendsLeft -= 1
        nextMulticastResend = multicastResendsLeft > 0 ? now.adding(milliseconds: Self.multicastResendInterval) : nil
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

    mutating func refresh(into events: inout [BondEvent]) {
        usable = members.indices.filter { members[$0].link.carriesTraffic }
        let carrier = !usable.isEmpty
        if carrier != hasCarrier {
            hasCarrier = carrier
            events.append(.carrier(up: carrier))
        }
    }
}

/// What the ARP/NS monitor needs to know of the bond device to send probes that prove something.
struct ProbeSource: Equatable {
    var ipv4: [IPv4Address]
    var ipv6: [IPv6Address]
    var deviceUp: Bool
}
