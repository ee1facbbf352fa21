/// One member as LACP sees it (the kernel's struct port): our values for it (actor),
/// what we know of the switch port at its other end (partner), and the variables and
/// timers of its state machines. Timers count 100 ms ticks, as the kernel's do.
struct LACPPort: Sendable {
    // Each machine starts in `begin` (the kernel's state 0), so that BEGIN's first
    // state is a change and its entry actions run.
    enum ReceiveState: String, Sendable { case begin, initialize, portDisabled, lacpDisabled, expired, defaulted, current }
    enum PeriodicState: String, Sendable { case begin, none, fast, slow, periodicTransmit }
    enum MuxState: String, Sendable { case begin, detached, waiting, attached, collectingDistributing }
    /// Named as /proc/net/bonding names them.
    enum ChurnState: String, Sendable { case monitoring, churned, none }
    enum Selected: Sendable { case unselected, selected, standby }

    var name: String
    /// The member's permanent MAC: our LACPDUs' source.
    var mac: MACAddress
    /// actor_port_number: the member's slot plus one.
    var number: UInt16
    var priority: UInt16
    /// Mbit/s and duplex, for the port key.
    var speed: Int
    var fullDuplex = true

    var actorAdminKey: UInt16 = 0
    var actorKey: UInt16 = 0
    var actorState: LACPState
    var partnerAdmin = LACPPortInfo.administrativeDefaults
    var partner = LACPPortInfo.administrativeDefaults

    /// The link carries traffic (the kernel's is_enabled).
    var enabled = false
    var lacpEnabled = true
    var begin = true
    var selected = Selected.unselected
    var matched = false
    var readyN = false
    var ready = false
    /// Need to transmit: an LACPDU goes out on the next transmit opportunity.
    var ntt = false
    var churned = false
    /// Our own LACPDUs came back on it (reported once).
    var loopback = false
    /// The bond lets it carry frames (__enable_port): collecting and distributing in
    /// the active aggregator, or in an active aggregator without a partner.
    var carriesTraffic = false

    var receiveState = ReceiveState.begin
    var periodicState = PeriodicState.begin
    var muxState = MuxState.begin
    var actorChurn = ChurnState.monitoring
    var partnerChurn = ChurnState.monitoring
    var actorChurnCount = 0
    var partnerChurnCount = 0

    var receiveTimer = 0
    var periodicTimer = 0
    var waitWhileTimer = 0
    var transmitTimer = 0
    var actorChurnTimer = 0
    var partnerChurnTimer = 0

    /// The index of the aggregator it is attached to (aggregators are by member slot).
    var aggregator: Int?
    var counters = LACPCounters()
    /// The buffer our LACPDUs are written into, reused (in place once the engine has
    /// sent the last one and let go of it).
    var pduBuffer: [UInt8] = []
    /// When the first LACPDU arrived since the port last came up, and how long it then
    /// took to reach collecting-distributing (convergence).
    var firstPDUAt: Instant?
    var convergenceMilliseconds: Int?

    init(name: String, mac: MACAddress, slot: Int, priority: UInt16, speed: Int, settings: LACPSettings) {
        self.name = name
        self.mac = mac
        number = UInt16(truncatingIfNeeded: slot + 1)
        self.priority = priority
        self.speed = speed
        actorState = settings.active ? [.aggregation, .activity] : [.aggregation]
        if settings.rate == .fast { actorState.insert(.shortTimeout) }
        transmitTimer = LACPTiming.transmitIntervalTicks
        actorAdminKey = settings.userPortKey << 6
    }

    var isCollectingDistributing: Bool { muxState == .collectingDistributing }
}

/// The kernel's timer values (bond_3ad.h), in ticks of 100 ms.
enum LACPTiming {
    static let tickMilliseconds = 100
    static let ticksPerSecond = 10
    static let fastPeriodic = 1 * ticksPerSecond
    static let slowPeriodic = 30 * ticksPerSecond
    static let shortTimeout = 3 * ticksPerSecond
    static let longTimeout = 90 * ticksPerSecond
    static let churnDetection = 60 * ticksPerSecond
    static let aggregateWait = 2 * ticksPerSecond
    /// LACPDUs at least this many ticks apart (3 of 100 ms), as the kernel's
    /// AD_MAX_TX_IN_SECOND: with a PDU due on every tick that is four in a second (at
    /// 0, 300, 600 and 900 ms), one more than 802.1AX allows, as in the kernel.
    static let transmitIntervalTicks = ticksPerSecond / 3
}
