/// One bonding mode: the per-frame decisions, and the hooks a mode needs around them.
/// A mode knows nothing of sockets. Given a parsed frame and the member view it names
/// the member(s); given a received frame it says whether the bond accepts it. Whatever
/// it wants done beyond that (frames sent, MACs announced, clients taught) it returns
/// as `ModeAction`s for the engine to carry out, so every mode runs in tests on a
/// virtual clock without an interface.
///
/// Every hook but the two per-frame ones has a default that does nothing: a mode
/// implements what it uses. A new mode is a folder of its own plus one case in
/// `AnyBondingMode` (its registration) and its names in `BondMode`.
public protocol BondingMode {
    /// What the mode does, for the code that depends on it (`ModeCapabilities`).
    static var capabilities: ModeCapabilities { get }
    /// Options this mode alone has (`ModeOption`); their values are in `options.modeSettings`.
    static var options: [ModeOption] { get }
    init(options: BondOptions, members: Int)

    // MARK: Per frame (hot path: no allocation, no locks)

    /// Where a frame the host sent on the bond device goes.
    mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget
    /// Whether the bond accepts a frame member `member` received.
    func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool
    /// Frames of this EtherType are the mode's own (802.3ad's slow protocols): they go
    /// to `receiveControl` and never to the host.
    var controlEtherType: UInt16? { get }

    // MARK: Cold hooks (state changes, timers, control)

    /// The bond starts (or the mode was rebuilt): arm timers, act on the empty tables.
    mutating func start(at now: Instant) -> [ModeAction]
    /// The bond stops: last words to the switch (802.3ad's final LACPDUs).
    mutating func stop() -> [ModeAction]
    /// Options changed at runtime: the mode keeps its tables and takes the new values.
    mutating func reconfigure(_ options: BondOptions, at now: Instant)
    /// A member was added in slot `slot`.
    mutating func memberAdded(slot: Int)
    /// Member `member` carries traffic again.
    mutating func memberUp(_ member: Int, members: MemberView) -> [ModeAction]
    /// Member `member` can no longer carry traffic: its share moves now.
    mutating func memberDown(_ member: Int, members: MemberView) -> [ModeAction]
    /// Member `member` now carries another MAC (swapped with the active member's).
    mutating func memberMACChanged(_ member: Int) -> [ModeAction]
    /// A frame of `controlEtherType` received on `member`, with its bytes (read only
    /// during the call).
    mutating func receiveControl(_ frame: ParsedFrame, bytes: FrameBytes, on member: Int, members: MemberView, at now: Instant) -> [ModeAction]
    /// Of the members whose link carries traffic, those the mode lets transmit (802.3ad:
    /// the active aggregator's distributing ports). Asked whenever the view is rebuilt;
    /// a mode whose answer changes on its own returns `.membersChanged`.
    func transmitters(among usable: [Int]) -> [Int]
    /// The mode's own condition for the bond to have carrier, on top of a member being
    /// up (802.3ad: an active aggregator with at least min_links ports).
    func permitsCarrier(transmitters: [Int]) -> Bool
    /// When `tick` is next due (nil: the mode has no timers).
    var nextDeadline: Instant? { get }
    /// Whether the tick due at `now` needs the bytes each bucket sent outside the
    /// engine (the XDP fast path) folded into the mode's tables first.
    func needsTransmitBytes(at now: Instant) -> Bool
    /// The mode's timers that are due at `now`.
    mutating func tick(at now: Instant, members: MemberView) -> [ModeAction]
    /// `bondctl hash`: what the mode would do with a frame, without doing it.
    func explain(_ frame: ParsedFrame, members: MemberView) -> HashExplanation
    /// `bondctl show`: the mode adds its own keys (802.3ad's LACP details).
    func describe(into status: inout BondStatus)
    /// `bondctl migrate`: bucket `bucket` (with `vif`, the per-VIF bucket) leaves on `member`.
    mutating func migrate(bucket: Int, to member: Int, vif: Bool, members: MemberView) throws(OptionError) -> [ModeAction]

    // MARK: Tables, for status and for the XDP programs

    /// Hash buckets placed by load (balance-tlb, balance-alb).
    var bucketTable: BucketTable? { get }
    /// Per-VIF buckets of guests' source MACs.
    var vifTable: VIFTable? { get }
    /// balance-alb's clients.
    var clientTable: ClientTable? { get }
    /// Which of the XDP programs' built-in modes carries this mode's decisions.
    var fastPathKind: FastPathKind { get }
}

extension BondingMode {
    public static var options: [ModeOption] { [] }
    public var controlEtherType: UInt16? { nil }
    public mutating func start(at now: Instant) -> [ModeAction] { [] }
    public mutating func stop() -> [ModeAction] { [] }
    public mutating func reconfigure(_ options: BondOptions, at now: Instant) {}
    public mutating func memberAdded(slot: Int) {}
    public mutating func memberUp(_ member: Int, members: MemberView) -> [ModeAction] { [] }
    public mutating func memberDown(_ member: Int, members: MemberView) -> [ModeAction] { [] }
    public mutating func memberMACChanged(_ member: Int) -> [ModeAction] { [] }
    public mutating func receiveControl(_ frame: ParsedFrame, bytes: FrameBytes, on member: Int, members: MemberView, at now: Instant) -> [ModeAction]
    {
        []
    }
    public func describe(into status: inout BondStatus) {}
    public func transmitters(among usable: [Int]) -> [Int] { usable }
    public func permitsCarrier(transmitters: [Int]) -> Bool { true }
    public var nextDeadline: Instant? { nil }
    public func needsTransmitBytes(at now: Instant) -> Bool { false }
    public mutating func tick(at now: Instant, members: MemberView) -> [ModeAction] { [] }
    public mutating func migrate(bucket: Int, to member: Int, vif: Bool, members: MemberView) throws(OptionError) -> [ModeAction] {
        throw OptionError("migrate: only balance-tlb, balance-alb and balance-slb have buckets")
    }
    public var bucketTable: BucketTable? { nil }
    public var vifTable: VIFTable? { nil }
    public var clientTable: ClientTable? { nil }
    public var fastPathKind: FastPathKind { .none }
}
