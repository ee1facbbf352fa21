import BondCore
import CoreMetrics
import Dispatch
import SystemIO
import Logging
import PacketIO

/// One bond's data plane: it owns the bond device and the members while it runs,
/// moves frames between them as the mode decides, follows carrier events and acts on
/// the bond's state changes. Everything runs on the thread that calls `run()`; other
/// threads reach it only through `perform`.
public final class Engine: @unchecked Sendable {
    public let name: String
    var bond: Bond
    /// The mode's decisions and tables (`AnyBondingMode`).
    var mode: AnyBondingMode
    /// The EtherType of the mode's own control frames, if it has any (read per frame).
    var controlEtherType: UInt16?
    var view: MemberView
    /// The host: links, sockets, files and the clock (`EngineSystem`).
    let system: any EngineSystem
    let links: any LinkControlling
    let linkEvents: any LinkEventSource
    let poller: Poller
    let wakeup: WakeupEvent
    let mailbox = Mailbox()
    let undo = UndoStack()
    let logger: Logger
    var ports: [MemberPort] = []
    var device: BondDevicePort!
    /// The VLAN devices (`vlans=`), in the order they were made.
    var vlanDevices: [BondDevicePort] = []
    /// Per VLAN id, the index of its device in `vlanDevices` (-1: none): one read per frame.
    var vlanSlots = [Int16](repeating: -1, count: 4096)
    /// epoll reported a VLAN device's socket ready.
    var vlanDeviceReady = false
    /// The host end of the bond device.
    var hostIndex: Int32 { device.hostIndex }
    var bondMAC: MACAddress
    /// Which MAC each member carries (by mode and fail_over_mac), read per frame.
    var macPolicy: MACPolicy
    var mtu: Int
    var bondPromiscuous = false
    /// A VLAN device is promiscuous (a bridge port): members must be too.
    var vlanPromiscuous = false
    /// The bond device's administrative state as last seen (it starts down: the
    /// administrator brings it up), so that a change by hand is said once.
    var bondDeviceUp = false
    public var bondDeviceIsUp: Bool { bondDeviceUp }
    /// The carrier last set on the engine end (nil: not set yet).
    var carrierApplied: Bool?
    /// The bond device was a dead bondd's, taken over (its configuration is the host's).
    var deviceTakenOver = false
    /// The loop has run: from then on a stop removes even a device taken over.
    var hasRun = false
    /// The loop's thread (its kernel id, from `run`), which `engine_cpus` pins; 0 before
    /// it runs: the calling thread.
    var engineThread: Int32 = 0
    /// The stop is a rebuild's: the bond device and VLAN devices stay, without carrier.
    var keepsDevicesOnStop = false
    /// Carrier is followed by netlink events, which arrive within microseconds for veth
    /// but may be batched by the kernel's linkwatch for up to a second on other
    /// devices; a poll every miimon ms bounds detection as the kernel's own monitor does.
    var carrierPoll = PeriodicTimer(interval: 0)
    /// This bond's name, held for the engine's life (see `ProcessClaim`).
    var nameClaim: ProcessClaim?
    /// Members that left the namespace, with what they had before the bond took them:
    /// given back if they return.
    var departed: [RecoveryRecord.Member] = []
    /// Members the bond started without, which join when they appear (`awaitMembers`).
    var awaited: [String] = []
    /// The ARP/NS monitor runs: received ARP and ND frames are shown to it.
    var probing: Bool
    /// The devices stacked on the bond (itself, VLAN devices, bridges) and their
    /// addresses, which the engine speaks for; read again every second.
    var uppers = UpperStack()
    /// A notification touched one of them: read again at the end of the turn.
    var uppersDirty = false
    /// Every address on them, which probes speak from and replies are matched against.
    var ownIPv4: [IPv4Address] = []
    var ownIPv6: [IPv6Address] = []
    var nextAddressRead = Instant.zero
    /// The link notifications' socket and the wakeup event were ready at the last wait.
    var linkEventsReady = true
    var wakeupReady = true
    /// When the AF_PACKET rings' drop counters are read next (every second).
    var nextRingStatisticsRead = Instant.zero
    /// Per arp_ip_target and ns_ip6_target, the way its probes go.
    var arpProbePaths: [ProbePath<IPv4Address>] = []
    var nsProbePaths: [ProbePath<IPv6Address>] = []
    /// Bond events raised while a receive batch is walked, handled after it.
    var pendingEvents: [BondEvent] = []
    var counters = BondCounters()
    /// Kinds of built frame (by member) whose refusal was logged: each is said once.
    var unsentLogged: Set<String> = []
    var failovers = 0
    var stopping = false
    var fatal: EngineError?
    /// State changes for `bondctl events`.
    public let journal: EventJournal
    /// Failover durations (a no-op unless bondd serves metrics).
    let failoverTimer: CoreMetrics.Timer
    /// The options as given (name=value words): `bondctl set` adds to them.
    var optionWords: [String]
    /// The previous active member and until when its unicast is still taken.
    var draining: DrainingWindow?
    /// Captures running (`bondctl capture`), published once per loop turn.
    var taps: [FrameTap] = []
    /// The XDP fast path, when it is attached (`backend=xdp`, the default where it works).
    var fastPath: FastPath?
    /// The AF_XDP sockets, when they are open (`backend=afxdp`).
    var socketPath: SocketPath?
    /// Why the bond runs without it, when it was wanted.
    var backendDetail: String?
    /// Why the engine's backends carry TCP themselves, when the tc programs could not
    /// be had (`startFastPath`).
    var tcpInTCUnavailable: String?
    /// Which member sockets epoll reported ready, by slot.
    var socketReady: [Bool] = []
    /// epoll reported the bond device's socket ready.
    var deviceReady = false
    /// How the loop waits: on the sockets, or polling on a tick under load.
    var moderation = WakeupModeration()
    var busyPoll = BusyPoll(microseconds: 0)
    /// Frames received in the current turn, for `moderation`, and since the start.
    var framesThisTurn = 0
    var framesRead = 0
    /// The forwarding threads beside the engine's (`workers=`), when it has any.
    var forwarding: ForwardingThreads?
    /// By member slot, the last frame time from the threads the ARP/NS monitor was told.
    var forwardedTrafficSeen: [Int: UInt64] = [:]
    /// What this bond changed on the host, on disk before each change (crash recovery).
    var recovery: RecoveryRecord

    /// Validates everything, then creates the bond device and takes the members over.
    /// On any failure every step already taken is undone before the error is thrown.
    /// `controlSocket`: removed by a later repair if this bondd dies without removing it.
    /// `awaiting`: declared members not there yet, which the options may name (`check`).
    public init(
        name: String, members memberNames: [String], options: BondOptions, optionWords: [String],
        logger: Logger, controlSocket: String? = nil, awaiting: [String] = [], system: any EngineSystem = LinuxSystem()
    ) throws(EngineError) {
        self.name = name
        self.system = system
        self.optionWords = optionWords
        journal = EventJournal(bond: name)
        failoverTimer = CoreMetrics.Timer(label: "bondd_failover_seconds", dimensions: [("bond", name)])
        self.logger = logger
        probing = options.probesLinks
        moderation = WakeupModeration(enabled: options.coalesce == .adaptive)
        busyPoll = BusyPoll(microseconds: options.busyPoll)
        do { try Self.checkEngineCPUs(options.engineCPUs, on: system) } catch { throw EngineError(error.message) }
        do {
            links = try system.linkControl()
            linkEvents = try system.linkEvents()
            poller = try Poller()
            wakeup = try WakeupEvent()
        } catch { throw EngineError("cannot open kernel interfaces: \(error)") }

        let (infos, leftover) = try Self.validate(
            name: name, members: memberNames, options: options, links: links,
            stateDirectory: system.stateDirectory, awaiting: awaiting)
        // Checked above, claimed here: of two bondd started at once for one bond, the
        // second stops before it touches anything.
        do {
            guard let claim = try ProcessClaim(Self.claimKey("bond", name), stateDirectory: system.stateDirectory) else {
                throw EngineError("\(name) is being started by another bondd")
            }
            nameClaim = claim
        } catch let e as EngineError { throw e } catch { throw EngineError("cannot claim \(name): \(error)") }
        undo.push("claim of \(name)") { [nameClaim] in nameClaim?.release() }
        bondMAC = MACAddress(bytes: infos[0].mac)
        mtu = 1500  // the kernel's bond default; members follow the bond's MTU
        let now = system.now()
        var members: [Member] = []
        for info in infos {
            var m = Member(
                name: info.name, permanentMAC: MACAddress(bytes: info.mac),
                speed: links.speed(of: info.name) ?? 0, carrier: info.hasCarrier,
                updelay: options.updelay, downdelay: options.downdelay, at: now)
            m.fullDuplex = links.fullDuplex(of: info.name)
            members.append(m)
        }
        bond = Bond(name: name, options: options, members: members)
        macPolicy = MACPolicy(options)
        mode = AnyBondingMode(options: options, members: memberNames.count)
        controlEtherType = mode.controlEtherType
        view = MemberView(usable: [], active: nil)
        recovery = RecoveryRecord(
            bond: name, pid: ProcessFacts.currentPID, namespace: RecoveryRecord.currentNamespace(),
            engineEnd: BondDevice.engineEndName(for: name), socket: controlSocket)
        do {
            // Before the first change, and gone after the last undo: a bondd killed at
            // any moment in between leaves a record of everything it touched.
            try recovery.save(in: system.stateDirectory)
            undo.push("recovery record") { [directory = system.stateDirectory] in RecoveryRecord.remove(bond: name, in: directory) }
            try setUp(infos: infos, leftover: leftover)
        } catch {
            let failures = undo.unwind()
            for f in failures { logger.error("\(name): while undoing set-up: \(f)") }
            throw error
        }
        handle(bond.start(at: system.now()))
        if deviceTakenOver { adoptDeviceState() }
        refreshUppers()
        refreshCarriers()
        let started = system.now()
        carrierPoll.interval = options.miimon
        carrierPoll.arm(at: started)
        carryOut(mode.start(at: started))
        logger.info("\(name): up in mode \(options.mode.kernelName) over \(memberNames.joined(separator: ", "))")
    }

    /// Stops the loop from any thread (signal handlers included). `keepingDevices`: the
    /// bond is rebuilt at once (a reload), and the next engine takes its device and
    /// VLAN devices over with what the host stacked on them (bridge ports, addresses).
    public func requestStop(keepingDevices: Bool = false) {
        mailbox.post { [weak self] in
            self?.stopping = true
            if keepingDevices { self?.keepsDevicesOnStop = true }
        }
        wakeup.signal()
    }

    /// Gives every member back as it was and removes the bond device.
    public func shutdown() {
        journal.close()
        carryOut(mode.stop())
        for p in ports where !p.removed && !p.queue.isEmpty { p.queue.flush() }
        for f in undo.unwind() where !f.contains("No such device") {
            logger.warning("\(name): restore step failed: \(f)")
        }
        logger.info("\(name): removed; members restored")
    }

    /// The loop has ended (stopped on request or on its own).
    public var hasStopped: Bool { mailbox.isClosed }

    /// Runs `work` on the engine's thread and returns its result (control requests);
    /// nil when the loop has ended, or has not come to it `within` that long (the
    /// service watchdog's question: is the loop turning?).
    public func perform<T>(within timeout: DispatchTimeInterval? = nil, _ work: @escaping (Engine) -> T) -> T? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: T?
        let posted = mailbox.post { [unowned self] in
            result = work(self)
            done.signal()
        }
        guard posted else { return nil }
        wakeup.signal()
        if let timeout {
            guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        } else {
            done.wait()
        }
        return result
    }
}
