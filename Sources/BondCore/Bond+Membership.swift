/// Members joining, leaving and being disabled while the bond runs. Indices never
/// shift: a removed member leaves an empty slot that the next member added fills, so
/// what modes and monitors hold by index stays right.
extension Bond {
    /// Members in the bond now (removed slots excluded).
    public var memberCount: Int { members.lazy.filter { !$0.isRemoved }.count }

    /// The slot a new member takes: the first emptied by a removal, else a new one.
    public var nextSlot: Int { members.firstIndex(where: \.isRemoved) ?? members.count }

    /// A member joins: it is judged as at enslave (up with carrier, or when there is no
    /// link monitoring) and may become active (no active member, primary, higher prio).
    /// Returns its index and the events of its arrival.
    public mutating func add(_ member: Member, at now: Instant) -> (index: Int, events: [BondEvent]) {
        var m = member
        m.prio = options.prio[m.name] ?? 0
        m.monitor.updelay = options.updelay
        m.monitor.downdelay = options.downdelay
        if options.miimon == 0 && !options.probesLinks { m.monitor = CarrierMonitor(carrier: true) }
        let i = nextSlot
        if probe != nil {
            m.probeVerdict = m.monitor.carrier ? .up : .down
            probe!.restart(member: i, at: now, reason: m.monitor.carrier ? "carrier up when added" : "no carrier when added")
        }
        if i < members.count { members[i] = m } else { members.append(m) }
        var events: [BondEvent] = []
        arrive(i, message: "added to the bond", at: now, into: &events)
        return (i, events)
    }

    /// A member leaves: the bond stops using it at once; a new active member is chosen
    /// if it was the active one.
    /// Member `i`'s link now runs at `speed` Mbit/s, full duplex or not (nil: unknown).
    public mutating func setSpeed(member i: Int, _ speed: Int, fullDuplex: Bool?) {
        guard members.indices.contains(i) else { return }
        members[i].speed = speed
        members[i].fullDuplex = fullDuplex
    }

    public mutating func remove(member i: Int, at now: Instant) -> [BondEvent] {
        var events: [BondEvent] = []
        leave(i, message: "removed from the bond", at: now, into: &events) { $0.isRemoved = true }
        if probe != nil { probe!.records[i].reason = "removed" }
        return events
    }

    /// `bondctl enable-member` / `disable-member`. Disabling the last usable member is
    /// allowed (the bond loses carrier), as in Open vSwitch.
    public mutating func setEnabled(_ name: String, _ enabled: Bool, at now: Instant) throws(OptionError) -> [BondEvent] {
        guard let i = index(of: name) else { throw OptionError("\(name) is not a member of \(self.name)") }
        guard members[i].adminDisabled == enabled else { return [] }
        var events: [BondEvent] = []
        if enabled {
            members[i].adminDisabled = false
            if probe != nil {
                members[i].probeVerdict = members[i].monitor.carrier ? .up : .down
                probe!.restart(member: i, at: now, reason: "enabled by administrator")
            }
            arrive(i, message: "enabled by administrator", at: now, into: &events)
        } else {
            leave(i, message: "disabled by administrator", at: now, into: &events) { $0.adminDisabled = true }
            if probe != nil { probe!.records[i].reason = "disabled by administrator" }
        }
        return events
    }

    private mutating func arrive(_ i: Int, message: String, at now: Instant, into events: inout [BondEvent]) {
        let after = members[i].link
        members[i].lastLinkChange = now
        if after.carriesTraffic {
            apply(LinkTransition(from: .down, to: after, message: message), member: i, at: now, into: &events)
        } else {
            refresh(into: &events)
        }
    }

    private mutating func leave(_ i: Int, message: String, at now: Instant, into events: inout [BondEvent], _ change: (inout Member) -> Void) {
        let before = members[i].link
        change(&members[i])
        if probe?.candidate == i { probe!.candidate = nil }
        // Reselect first, so that the failover gives the real reason.
        if activeIndex == i { reselect(at: now, reason: "\(members[i].name) \(message)", into: &events) }
        if before != .down {
            apply(LinkTransition(from: before, to: .down, message: message), member: i, at: now, countsAsFailure: false, into: &events)
        } else {
            members[i].lastLinkChange = now
        }
        refresh(into: &events)
    }

    /// A member's priority is dropped when it leaves (`prio`), as the kernel's goes with
    /// its slave.
    public mutating func forgetPriority(of name: String) { options.prio[name] = nil }
}
