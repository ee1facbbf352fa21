/// The carrier (MII) monitor for one member, driven by carrier events rather than by
/// polling: a change is seen when the kernel reports it, not at the next miimon tick.
/// `updelay`/`downdelay` hold a change back as the kernel's bond_miimon_inspect does.
public struct CarrierMonitor: Sendable {
    public var updelay: Int
    public var downdelay: Int
    public private(set) var state: LinkState
    public private(set) var carrier: Bool
    /// When the pending FAIL→DOWN or BACK→UP takes effect.
    public private(set) var deadline: Instant?

    public init(carrier: Bool, updelay: Int = 0, downdelay: Int = 0) {
        self.carrier = carrier
        self.updelay = updelay
        self.downdelay = downdelay
        state = carrier ? .up : .down
    }

    public typealias Transition = LinkTransition

    /// A carrier report. `ignoreUpdelay` is true when the bond has no usable member:
    /// then waiting would only prolong the outage, so the kernel skips updelay.
    public mutating func carrier(_ up: Bool, at now: Instant, ignoreUpdelay: Bool) -> Transition? {
        carrier = up
        switch (state, up) {
        case (.up, false):
            if downdelay == 0 { return move(to: .down, "link status definitely down, disabling member") }
            deadline = now.adding(milliseconds: downdelay)
            return move(to: .fail, "link status down, disabling it in \(downdelay) ms")
        case (.fail, true):
            return move(to: .up, "link status up again")
        case (.down, true):
            if updelay == 0 || ignoreUpdelay { return move(to: .up, "link status definitely up") }
            deadline = now.adding(milliseconds: updelay)
            return move(to: .back, "link status up, enabling it in \(updelay) ms")
        case (.back, false):
            return move(to: .down, "link status down again")
        default:
            return nil
        }
    }

    /// Time passes: a pending delay may expire.
    public mutating func tick(at now: Instant, ignoreUpdelay: Bool) -> Transition? {
        switch state {
        case .fail where deadline.map({ now >= $0 }) ?? true:
            return move(to: .down, "link status definitely down, disabling member")
        case .back where ignoreUpdelay:
            return move(to: .up, "link status definitely up (updelay ignored: no member was up)")
        case .back where deadline.map({ now >= $0 }) ?? true:
            return move(to: .up, "link status definitely up")
        default:
            return nil
        }
    }

    /// bond_change_active_slave on a member still in its updelay: the bond has no member
    /// up, so the one closest to the end of its updelay is taken at once.
    public mutating func endUpdelayEarly(at now: Instant) -> Transition? {
        guard state == .back else { return nil }
        let early = deadline.map { $0.milliseconds(since: now) } ?? 0
        return move(to: .up, "link status definitely up, \(early) ms before its updelay ended (no other member was up)")
    }

    private mutating func move(to next: LinkState, _ message: String) -> Transition {
        let t = Transition(from: state, to: next, message: message)
        state = next
        if next == .up || next == .down { deadline = nil }
        return t
    }
}
