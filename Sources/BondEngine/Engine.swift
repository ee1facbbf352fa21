import BondCore
import CoreMetrics
import Dispatch
import Glibc
import Logging
import PacketIO

/// One bond's data plane: it owns the bond device and the members while it runs,
/// moves frames between them as the mode decides, follows carrier events and acts on
/// the bond's state changes. Everything runs on the thread that calls `run()`; other
/// threads reach it only through `perform`.
public final class Engine: @unchecked Sendable {
    public let name: String
    var bond: Bond
    var policy: ModePolicy
    var view: MemberView
    let links: LinkControl
    private let linkEvents: LinkEvents
    let poller: Poller
    private let wakeup: WakeupEvent
    private let mailbox = Mailbox()
    let undo = UndoStack()
    let logger: Logger
    var ports: [MemberPort] = []
    var device: BondDevicePort!
    /// The host end of the bond device.
    var hostIndex: Int32 { device.hostIndex }
    var bondMAC: MACAddress
    var mtu: Int
    private var bondPromiscuous = false
    /// The bond device's administrative state as last seen (it starts down: the
    /// administrator brings it up), so that a change by hand is said once.
    var bondDeviceUp = false
    /// The bond device was a dead bondd's, taken over (its configuration is the host's).
    var deviceTakenOver = false
    /// The loop has run: from then on a stop removes even a device taken over.
    private var hasRun = false
    /// Carrier is followed by netlink events, which arrive within microseconds for veth
    /// but may be batched by the kernel's linkwatch for up to a second on other
    /// devices; a poll every miimon ms bounds detection as the kernel's own monitor does.
    var nextCarrierPoll: Instant?
    /// balance-tlb: when buckets are next rebalanced, and learning packets next sent.
    var nextRebalance: Instant?
    var nextLearning: Instant?
    /// balance-alb: the 100 ms monitor tick that sends client updates.
    var nextClientTick: Instant?
    /// balance-slb, tlb and alb: the once-a-second aging of per-VIF MACs.
    var nextVIFAging: Instant?
    /// This bond's name, held for the engine's life (see `ProcessClaim`).
    private var nameClaim: ProcessClaim?
    /// Members that left the namespace, with what they had before the bond took them:
    /// given back if they return.
    var departed: [RecoveryRecord.Member] = []
    /// The ARP/NS monitor runs: received ARP and ND frames are shown to it.
    var probing: Bool
    /// The bond device's addresses, which probes speak from; read again every second.
    var ownIPv4: [IPv4Address] = []
    var ownIPv6: [IPv6Address] = []
    var nextAddressRead = Instant.zero
    /// Bond events raised while a receive batch is walked, handled after it.
    var pendingEvents: [BondEvent] = []
    var counters = BondCounters()
    var failovers = 0
    private var stopping = false
    private var fatal: EngineError?
    /// State changes for `bondctl events`.
    public let journal: EventJournal
    /// Failover durations (a no-op unless bondd serves metrics).
    let failoverTimer: CoreMetrics.Timer
    /// The options as given (name=value words): `bondctl set` adds to them.
    var optionWords: [String]
    /// The previous active member and until when its unicast is still taken.
    var draining: (member: Int, until: Instant)?
    static let drainingMilliseconds = 500
    /// Captures running (`bondctl capture`), published once per loop turn.
    var taps: [FrameTap] = []
    /// The XDP fast path, when it is attached (`backend=xdp`, the default where it works).
    var fastPath: FastPath?
    /// The AF_XDP sockets, when they are open (`backend=afxdp`).
    var socketPath: SocketPath?
    /// Why the bond runs without it, when it was wanted.
    var backendDetail: String?
    /// Which member sockets epoll reported ready, by slot.
    private var socketReady: [Bool] = []
    /// What this bond changed on the host, on disk before each change (crash recovery).
    var recovery: RecoveryRecord

    enum Token {
        static let bondDevice: UInt64 = 1 << 32
        static let linkEvents: UInt64 = 2 << 32
        static let wakeup: UInt64 = 3 << 32
        /// Any AF_XDP socket: every socket's rings are looked at on every turn.
        static let sockets: UInt64 = 4 << 32
    }

    /// Validates everything, then creates the bond device and takes the members over.
    /// On any failure every step already taken is undone before the error is thrown.
    /// `controlSocket`: removed by a later repair if this bondd dies without removing it.
    public init(name: String, members memberNames: [String], options: BondOptions, optionWords: [String],
                logger: Logger, controlSocket: String? = nil) throws(EngineError) {
        self.name = name
        self.optionWords = optionWords
        journal = EventJournal(bond: name)
        failoverTimer = CoreMetrics.Timer(label: "bondd_failover_seconds", dimensions: [("bond", name)])
        self.logger = logger
        probing = options.probesLinks
        do {
            links = try LinkControl()
            linkEvents = try LinkEvents()
            poller = try Poller()
            wakeup = try WakeupEvent()
        } catch { throw EngineError("cannot open kernel interfaces: \(error)") }

        let (infos, leftover) = try Self.validate(name: name, members: memberNames, options: options, links: links)
        // Checked above, claimed here: of two bondd started at once for one bond, the
        // second stops before it touches anything.
        do {
            guard let claim = try ProcessClaim(Self.claimKey("bond", name)) else {
                throw EngineError("\(name) is being started by another bondd")
            }
            nameClaim = claim
        } catch let e as EngineError { throw e } catch { throw EngineError("cannot claim \(name): \(error)") }
        undo.push("claim of \(name)") { [nameClaim] in nameClaim?.release() }
        bondMAC = MACAddress(bytes: infos[0].mac)
        mtu = 1500   // the kernel's bond default; members follow the bond's MTU
        let now = MonotonicClock.now()
        var members: [Member] = []
        for info in infos {
            members.append(Member(name: info.name, permanentMAC: MACAddress(bytes: info.mac),
                                  speed: links.speed(of: info.name) ?? 0, carrier: info.hasCarrier,
                                  updelay: options.updelay, downdelay: options.downdelay, at: now))
        }
        bond = Bond(name: name, options: options, members: members)
        policy = ModePolicy(options: options, members: memberNames.count)
        view = MemberView(usable: [], active: nil)
        recovery = RecoveryRecord(bond: name, pid: getpid(), namespace: RecoveryRecord.currentNamespace(),
                                  engineEnd: BondDevice.engineEndName(for: name), socket: controlSocket)
        do {
            // Before the first change, and gone after the last undo: a bondd killed at
            // any moment in between leaves a record of everything it touched.
            try recovery.save()
            undo.push("recovery record") { RecoveryRecord.remove(bond: name) }
            try setUp(infos: infos, leftover: leftover)
        } catch {
            let failures = undo.unwind()
            for f in failures { logger.error("\(name): while undoing set-up: \(f)") }
            throw error
        }
        handle(bond.start(at: MonotonicClock.now()))
        if deviceTakenOver { adoptDeviceState() }
        refreshProbeSource()
        refreshCarriers()
        if options.miimon > 0 { nextCarrierPoll = MonotonicClock.now().adding(milliseconds: options.miimon) }
        if options.mode.isTransmitLoadBalancing {
            let now = MonotonicClock.now()
            nextLearning = now.adding(milliseconds: options.lpInterval * 1000)
        }
        if options.mode.teachesClients { nextClientTick = MonotonicClock.now().adding(milliseconds: 100) }
        if policy.vifTable != nil {
            ageVIFTable(at: MonotonicClock.now())
            nextVIFAging = MonotonicClock.now().adding(milliseconds: 1000)
        }
        if options.mode.rebalances && options.rebalanceInterval > 0 {
            nextRebalance = MonotonicClock.now().adding(milliseconds: options.rebalanceInterval)
        }
        logger.info("\(name): up in mode \(options.mode.kernelName) over \(memberNames.joined(separator: ", "))")
    }

    // MARK: - Set-up and restore

    /// Everything `init` checks before it changes anything, for callers that start
    /// several bonds and want every refusal before the first bond exists.
    /// `stoppingFirst`: bonds of this daemon that are stopped before this one starts (a
    /// reload rebuilds or removes them), so their devices and members count as free.
    public static func check(name: String, members: [String], options: BondOptions, stoppingFirst: Set<String> = []) throws(EngineError) {
        let links: LinkControl
        do { links = try LinkControl() } catch { throw EngineError("cannot open kernel interfaces: \(error)") }
        _ = try validate(name: name, members: members, options: options, links: links, stoppingFirst: stoppingFirst)
    }

    /// Returns the members, and the bond device a dead bondd of this bond left, which
    /// this one takes over.
    private static func validate(name: String, members: [String], options: BondOptions, links: LinkControl,
                                 stoppingFirst: Set<String> = []) throws(EngineError) -> ([LinkInfo], (host: LinkInfo, engine: LinkInfo)?) {
        guard BondDevice.isValidName(name) else { throw EngineError("invalid bond name '\(name)'") }
        guard !members.isEmpty else { throw EngineError("no members given") }
        var seen: Set<String> = []
        for m in members {
            guard BondDevice.isValidName(m) else { throw EngineError("invalid member name '\(m)'") }
            guard m != name else { throw EngineError("\(m) cannot be a member of itself") }
            guard seen.insert(m).inserted else { throw EngineError("member \(m) is given twice") }
        }
        let all: [LinkInfo]
        do { all = try links.links() } catch { throw EngineError("cannot list interfaces: \(error)") }
        let engineEnd = BondDevice.engineEndName(for: name)
        if !stoppingFirst.contains(name) && Recovery.hasLeftovers(of: name) {
            throw EngineError("\(name) was left by a bondd that did not stop cleanly; bondd --cleanup \(name) repairs it")
        }
        let leftover = stoppingFirst.contains(name) ? nil : BondDevice.leftover(of: name, in: all)
        if !stoppingFirst.contains(name) && leftover == nil {
            if all.contains(where: { $0.name == name }) { throw EngineError("an interface named \(name) already exists") }
            if all.contains(where: { $0.name == engineEnd }) { throw EngineError("an interface named \(engineEnd) already exists") }
        }
        // Members still marked as this bond's, under a device it takes over, are its own.
        let freeOwners = leftover == nil ? stoppingFirst : stoppingFirst.union([name])
        var infos: [LinkInfo] = []
        for m in members {
            let info = try freeInterface(m, in: all, freeOwners: freeOwners)
            if let p = options.primary, !members.contains(p) { throw EngineError("primary: \(p) is not a member") }
            if let a = options.activeSlave, !members.contains(a) { throw EngineError("active_slave: \(a) is not a member") }
            if let p = options.prio.keys.sorted().first(where: { !members.contains($0) }) { throw EngineError("prio: \(p) is not a member") }
            infos.append(info)
        }
        return (infos, leftover)
    }

    /// The interface `m`, if it exists, is Ethernet and belongs to no bond or bridge.
    static func freeInterface(_ m: String, in all: [LinkInfo], freeOwners: Set<String> = []) throws(EngineError) -> LinkInfo {
        guard let info = all.first(where: { $0.name == m }) else { throw EngineError("member \(m) does not exist") }
        if let alias = info.alias, alias.hasPrefix(MemberMarker.prefix) {
            // A marker whose bond device is gone was left by a daemon that died
            // without restoring (SIGKILL): the member is free again.
            let owner = String(alias.dropFirst(MemberMarker.prefix.count))
            if !freeOwners.contains(owner) && all.contains(where: { $0.name == owner }) {
                throw EngineError("\(m) is already a member of \(owner)")
            }
        }
        if info.flags & InterfaceFlags.slave != 0 || info.master != nil {
            throw EngineError("\(m) is already enslaved to another device (bond or bridge)")
        }
        if info.flags & InterfaceFlags.loopback != 0 { throw EngineError("\(m) is the loopback device, not an Ethernet interface") }
        if info.kind == "bridge" { throw EngineError("\(m) is a bridge; give the bridge's ports or make the bond its port (bridge=)") }
        guard info.mac.count == 6, info.kind != "bond" else { throw EngineError("\(m) is not an Ethernet interface") }
        // Another bond's own device, either end of it: enslaving it would loop frames.
        if info.kind == "veth" {
            if let bond = all.first(where: { $0.kind == "veth" && BondDevice.engineEndName(for: $0.name) == m }) {
                throw EngineError("\(m) is the engine end of bond \(bond.name), not an interface of its own")
            }
            if all.contains(where: { $0.kind == "veth" && $0.name == BondDevice.engineEndName(for: m) }) {
                throw EngineError("\(m) is a bond run by bondd; bonds of bonds are not supported")
            }
        }
        return info
    }

    private func setUp(infos: [LinkInfo], leftover: (host: LinkInfo, engine: LinkInfo)?) throws(EngineError) {
        let engineEnd = BondDevice.engineEndName(for: name)
        let hostIndex: Int32, engineIndex: Int32
        do {
            if let leftover {
                (hostIndex, engineIndex) = try takeOver(leftover)
            } else {
                try links.createVethPair(name: name, peer: engineEnd, mac: bondMAC.bytes, mtu: mtu)
                guard let host = try links.link(named: name), let inner = try links.link(named: engineEnd) else {
                    throw EngineError("the bond device vanished while it was being created")
                }
                hostIndex = host.index
                engineIndex = inner.index
            }
            // By the engine end, which stays here when the bond device is moved to
            // another namespace; deleting either end deletes both. A device taken over
            // carries the host's configuration: a start that fails keeps it, without
            // carrier, for the next start to take over.
            undo.push("delete \(name)") { [weak self, links, name, logger] in
                if let self, self.deviceTakenOver, !self.hasRun {
                    try? links.change(index: engineIndex, LinkChange(up: false))
                    logger.notice("\(name): keeping the bond device for a later start (taken over, never run)")
                    return
                }
                do { try links.deleteLink(index: engineIndex) } catch { try links.deleteLink(index: hostIndex) }
            }
            try links.change(index: engineIndex, LinkChange(alias: BondDevice.engineEndMarker(for: name)))
        } catch let e as EngineError { throw e } catch { throw EngineError("cannot create \(name): \(error)") }

        for (i, info) in infos.enumerated() {
            ports.append(try enslave(info, index: i))
        }
        do {
            let bypass = try StackBypass(interfaceIndex: engineIndex)
            undo.push("tc on \(engineEnd)") { bypass.remove() }
            device = BondDevicePort(hostIndex: hostIndex, engineIndex: engineIndex,
                                    socket: try PacketSocket(interfaceIndex: engineIndex))
            try poller.add(device.socket.fd, token: Token.bondDevice)
            try poller.add(linkEvents.fd, token: Token.linkEvents)
            try poller.add(wakeup.fd, token: Token.wakeup)
        } catch { throw EngineError("cannot open \(engineEnd): \(error)") }
        let kinds = Dictionary(uniqueKeysWithValues: infos.enumerated().map { ($0.offset, $0.element.kind) })
        startFastPath(kinds: kinds)
        startSocketPath(kinds: kinds)
    }

    /// Takes one member over: marks it ours, gives it the bond's MAC and MTU, keeps the
    /// host stack off it, opens its socket. Each step registers its own undo.
    func enslave(_ info: LinkInfo, index: Int) throws(EngineError) -> MemberPort {
        let m = info.name, ix = info.index
        let steps = UndoStack()
        // Held while it is a member: another bondd that checked it free at the same moment
        // is refused here, before it changes (or undoes) anything on it.
        let claim: ProcessClaim
        do {
            guard let c = try ProcessClaim(Self.claimKey("member", String(ix))) else {
                throw EngineError("\(m) is being taken by another bondd")
            }
            claim = c
        } catch let e as EngineError { throw e } catch { throw EngineError("cannot claim \(m): \(error)") }
        steps.push("claim of \(m)") { claim.release() }
        do {
            try remember(info)
            steps.push("record of \(m)") { [weak self] in self?.forget(memberIndex: ix) }
            try links.change(index: ix, LinkChange(alias: MemberMarker.prefix + name))
            steps.push("alias of \(m)") { [links] in try links.change(index: ix, LinkChange(alias: info.alias ?? "")) }
            // The host stack goes quiet first: a MAC change makes it announce itself (IPv6
            // neighbour and MLD frames), and with the bond's MAC that would teach switches
            // to send the bond's traffic to this member. Undone last, for the same reason.
            let bypass = try StackBypass(interfaceIndex: ix)
            steps.push("tc on \(m)") { bypass.remove() }
            if bypass.createdHook { try remember(info, createdTCHook: true) }
            // MAC and MTU are restored unconditionally: they follow the bond device's
            // while enslaved, whatever they were at the start.
            steps.push("MAC of \(m)") { [links] in try links.change(index: ix, LinkChange(mac: info.mac)) }
            let mac = macForNewMember(index: index, own: MACAddress(bytes: info.mac))
            if info.mac != mac.bytes { try links.change(index: ix, LinkChange(mac: mac.bytes)) }
            steps.push("MTU of \(m)") { [links] in try links.change(index: ix, LinkChange(mtu: info.mtu)) }
            if info.mtu != mtu { try links.change(index: ix, LinkChange(mtu: mtu)) }
            if info.flags & InterfaceFlags.promiscuous == 0 {
                steps.push("promiscuity of \(m)") { [links] in try links.change(index: ix, LinkChange(promiscuous: false)) }
                // A bridge port (or a device with uppers) wants every frame, as members do.
                if bondPromiscuous { try links.change(index: ix, LinkChange(promiscuous: true)) }
            }
            // Multicast must reach the engine whatever the NIC's filter holds.
            if info.flags & InterfaceFlags.allMulticast == 0 {
                try links.change(index: ix, LinkChange(allMulticast: true))
                steps.push("allmulti of \(m)") { [links] in try links.change(index: ix, LinkChange(allMulticast: false)) }
            }
            let socket = try PacketSocket(interfaceIndex: ix)
            if !info.isAdminUp {
                try links.change(index: ix, LinkChange(up: true))
                steps.push("admin state of \(m)") { [links] in try links.change(index: ix, LinkChange(up: false)) }
            }
            let port = MemberPort(index: index, name: m, interfaceIndex: ix, socket: socket, mac: mac, undo: steps)
            try poller.add(socket.fd, token: UInt64(index))
            steps.push("close \(m)") { [poller] in
                poller.remove(socket.fd)
                socket.close()
            }
            undo.push("restore \(m)") { [weak port] in
                guard let port, !port.removed else { return }
                let failures = port.undo.unwind()
                if !failures.isEmpty { throw EngineError(failures.joined(separator: "; ")) }
            }
            return port
        } catch {
            for f in steps.unwind() { logger.error("\(name): while undoing \(m): \(f)") }
            throw EngineError("cannot take over \(m): \(error)")
        }
    }

    /// Which MAC a member carries while enslaved. Normally the bond's (fail_over_mac=none).
    /// In balance-tlb/alb and with fail_over_mac=follow every member keeps a MAC of its
    /// own and the active one carries the bond's; a member whose MAC another already
    /// uses gets a locally administered one, so a later swap cannot duplicate a MAC.
    /// With fail_over_mac=active members keep theirs untouched and the bond follows.
    func macForNewMember(index: Int, own: MACAddress) -> MACAddress {
        if bondFollowsActive { return own }
        let live = ports.filter(\.isLive)
        guard usesOwnMACs, live.contains(where: { $0.mac == bondMAC }) else { return bondMAC }
        var mac = own
        var n: UInt64 = 0
        while mac == bondMAC || live.contains(where: { $0.mac == mac }) {
            n += 1
            mac = MACAddress(rawValue: (bondMAC.rawValue ^ (n << 8)) | 0x0200_0000_0000)
        }
        return mac
    }

    /// balance-tlb and balance-alb give every member a MAC of its own, and so does
    /// fail_over_mac=follow in active-backup; the active member carries the bond's.
    var usesOwnMACs: Bool {
        let o = bond.options
        return o.mode.isTransmitLoadBalancing || (o.mode == .activeBackup && o.failOverMAC == .follow)
    }

    /// fail_over_mac=active: the bond device takes the active member's MAC.
    var bondFollowsActive: Bool { bond.options.mode == .activeBackup && bond.options.failOverMAC == .active }

    /// fail_over_mac=active: the bond device takes the new active member's MAC; the
    /// peer notifications that follow teach neighbours the new one.
    private func takeMAC(of port: MemberPort) {
        guard port.mac != bondMAC else { return }
        let old = bondMAC
        bondMAC = port.mac
        do {
            try links.change(index: device.hostIndex, LinkChange(mac: bondMAC.bytes))
            logger.info("\(name): MAC \(old) -> \(bondMAC), following \(port.name) (fail_over_mac=active)")
        } catch {
            logger.error("\(name): cannot take the MAC of \(port.name): \(error)")
        }
    }

    /// The new active member takes the bond's MAC from whoever has it, which takes the
    /// new one's (the kernel's alb_swap_mac_addr, and bond_do_fail_over_mac for
    /// fail_over_mac=follow), then both announce themselves.
    private func swapBondMAC(to new: Int) {
        guard usesOwnMACs, ports[new].mac != bondMAC,
              let holder = ports.first(where: { $0.mac == bondMAC && $0.isLive }) else { return }
        let newPort = ports[new]
        let previous = newPort.mac
        do {
            try links.change(index: holder.interfaceIndex, LinkChange(mac: previous.bytes))
            holder.mac = previous
            try links.change(index: newPort.interfaceIndex, LinkChange(mac: bondMAC.bytes))
            newPort.mac = bondMAC
        } catch {
            logger.error("\(name): cannot swap MACs of \(holder.name) and \(newPort.name): \(error)")
        }
        sendLearningPackets(on: holder)
        sendLearningPackets(on: newPort)
        policy.clientTable?.renew(member: holder.index)
        policy.clientTable?.renew(member: newPort.index)
    }

    /// Per-VIF buckets moved: one RARP per MAC on its new member, so switches re-learn.
    func announce(_ moves: [VIFTable.Move]) {
        guard !moves.isEmpty else { return }
        for m in moves where ports[m.member].isLive {
            try? ports[m.member].send(FrameBuilder.reverseARP(mac: m.mac, vlan: m.vlan))
        }
        logger.info("\(name): announced \(moves.count) MACs on their new members")
    }

    /// balance-alb: two ARP replies teaching a client its member's MAC for our address.
    private func sendClientUpdate(_ c: ClientTable.Client) {
        let port = ports[c.member]
        guard port.isLive else { return }
        let frame: [UInt8]
        switch (c.ourIP, c.clientIP) {
        case (.v4(let ours), .v4(let client)):
            frame = FrameBuilder.arpReply(from: port.mac, ourIP: ours, to: c.clientMAC, clientIP: client, vlan: c.vlan)
        case (.v6(let ours), .v6(let client)):
            frame = FrameBuilder.neighborAdvertisement(from: port.mac, ourIP: ours, to: c.clientMAC, clientIP: client, vlan: c.vlan)
        default:
            return
        }
        for _ in 0..<ClientTable.burst { try? port.send(frame) }
    }

    func sendLearningPackets(on port: MemberPort) {
        guard port.isLive else { return }
        try? port.send(FrameBuilder.learningPacket(mac: port.mac))
    }

    /// Stops the loop from any thread (signal handlers included).
    public func requestStop() {
        mailbox.post { [weak self] in self?.stopping = true }
        wakeup.signal()
    }

    /// Gives every member back as it was and removes the bond device.
    public func shutdown() {
        journal.close()
        for p in ports where !p.removed && !p.queue.isEmpty { p.queue.flush() }
        for f in undo.unwind() where !f.contains("No such device") {
            logger.warning("\(name): restore step failed: \(f)")
        }
        logger.info("\(name): removed; members restored")
    }

    /// Runs `work` on the engine's thread and returns its result (control requests);
    /// nil when the loop has ended.
    public func perform<T>(_ work: @escaping (Engine) -> T) -> T? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: T?
        let posted = mailbox.post { [unowned self] in
            result = work(self)
            done.signal()
        }
        guard posted else { return nil }
        wakeup.signal()
        done.wait()
        return result
    }

    // MARK: - The loop

    /// Moves frames until `requestStop` or a fatal error.
    public func run() throws(EngineError) {
        hasRun = true
        // Requests that arrive after the loop are refused rather than left waiting.
        defer { mailbox.close() }
        var deviceReady = false
        while !stopping {
            var timeout: Int32 = -1
            let timers = earliest(earliest(earliest(bond.nextDeadline, nextCarrierPoll), earliest(nextRebalance, nextLearning)), draining?.until)
            if let deadline = earliest(earliest(timers, nextClientTick), nextVIFAging) {
                let now = MonotonicClock.now()
                timeout = deadline <= now ? 0 : Int32(min((deadline.nanoseconds - now.nanoseconds) / 1_000_000 + 1, 60_000))
            }
            if socketReady.count < ports.count { socketReady += Array(repeating: false, count: ports.count - socketReady.count) }
            poller.wait(timeout: timeout) { token in
                switch token {
                case Token.bondDevice: deviceReady = true
                case Token.linkEvents, Token.wakeup, Token.sockets: break
                default: socketReady[Int(token)] = true
                }
            }
            if !forwardFromBondDevice() && deviceReady { _ = device.socket.clearError() }
            deviceReady = false
            for p in ports where !p.removed {
                if !forwardFromMember(p) && socketReady[p.index] { _ = p.socket.clearError() }
                socketReady[p.index] = false
            }
            if socketPath != nil { forwardSocketFrames() }
            readLinkEvents()
            let now = MonotonicClock.now()
            if probing && now >= nextAddressRead { refreshProbeSource() }
            if let poll = nextCarrierPoll, now >= poll {
                refreshCarriers()
                nextCarrierPoll = now.adding(milliseconds: bond.options.miimon)
            }
            if let due = nextRebalance, now >= due {
                foldFastPathBytes()
                announce(policy.rebalance(members: view))
                nextRebalance = now.adding(milliseconds: bond.options.rebalanceInterval)
            }
            if let due = nextClientTick, now >= due, let table = policy.clientTable {
                for u in table.tick(at: now) { sendClientUpdate(u.client) }
                nextClientTick = now.adding(milliseconds: 100)
            }
            if let due = nextVIFAging, now >= due {
                ageVIFTable(at: now)
                nextVIFAging = now.adding(milliseconds: 1000)
            }
            if let due = nextLearning, now >= due {
                for p in ports where !p.removed { sendLearningPackets(on: p) }
                nextLearning = now.adding(milliseconds: bond.options.lpInterval * 1000)
            }
            if fastPath != nil, let d = bond.nextDeadline, now >= d { feedFastPathTraffic() }
            handle(bond.tick(at: now))
            if let d = draining, now >= d.until {
                draining = nil
                rebuildView()
            }
            for t in taps { t.publish() }
            syncFastPathBuckets()
            wakeup.drain()
            mailbox.drain()
            if let fatal { throw fatal }
        }
    }

    /// Frames the host sent on the bond: the mode picks the member.
    @discardableResult
    private func forwardFromBondDevice() -> Bool {
        var any = false
        let maxFrame = mtu + FrameParser.ethernetHeaderLength
        let tap = device.tap
        while device.socket.receiveBlock({ frames in
            while let frame = frames.next() {
                if let tap { tap.record(frame, .sent) }
                device.rxPackets &+= 1
                device.rxBytes &+= frame.wireLength
                if frame.isCut { counters.count(.truncated); continue }
                let bytes = FrameBytes(UnsafeRawBufferPointer(frame.bytes))
                switch FrameParser.parse(bytes, maxLength: frame.isSegmentationOffload ? .max : maxFrame) {
                case .failure(let e):
                    counters.count(e.defect)
                case .success(let parsed):
                    let target = policy.transmitTarget(for: parsed, members: view)
                    prepare(MutableFrameBytes(frame.bytes), for: target, parsed: parsed)
                    switch target {
                    case .member(let i), .memberWithOwnSource(let i), .memberAnnouncingOwnMAC(let i): ports[i].transmit(frame)
                    case .allMembers: for i in view.usable { ports[i].transmit(frame) }
                    case .drop: counters.noMember &+= 1
                    }
                }
            }
            for p in ports where !p.queue.isEmpty { p.queue.flush() }
        }) { any = true }
        return any
    }

    /// Frames a member received: the mode decides whether the bond accepts them.
    @discardableResult
    private func forwardFromMember(_ port: MemberPort) -> Bool {
        var any = false
        // A member disabled by hand delivers nothing, as Open vSwitch's disabled members.
        let enabled = !bond.members[port.index].adminDisabled
        let maxFrame = mtu + FrameParser.ethernetHeaderLength
        let tap = port.tap
        while port.socket.receiveBlock({ frames in
            while let frame = frames.next() {
                if let tap { tap.record(frame, .received) }
                if frame.isCut { counters.count(.truncated); port.rxDrops &+= 1; continue }
                let bytes = FrameBytes(UnsafeRawBufferPointer(frame.bytes))
                switch FrameParser.parse(bytes, maxLength: frame.isSegmentationOffload ? .max : maxFrame) {
                case .failure(let e):
                    counters.count(e.defect)
                    port.rxDrops &+= 1
                case .success(let parsed):
                    if admit(parsed, MutableFrameBytes(frame.bytes), on: port, enabled: enabled) {
                        port.rxPackets &+= 1
                        port.rxBytes &+= frame.wireLength
                        device.deliver(frame)
                    } else {
                        port.rxDrops &+= 1
                    }
                }
            }
            if !device.queue.isEmpty { device.queue.flush() }
        }) { any = true }
        if any && probing { noteTraffic(on: port) }
        return any
    }

    /// What a transmit decision asks of the frame before it leaves, whichever backend
    /// carries it: the member's own MAC as source, and in balance-alb's ARP replies.
    @inline(__always)
    func prepare(_ bytes: MutableFrameBytes, for target: TransmitTarget, parsed: ParsedFrame) {
        switch target {
        case .memberWithOwnSource(let i): bytes.setMAC(6, ports[i].mac)
        case .memberAnnouncingOwnMAC(let i): FrameRewriter.announce(ports[i].mac, in: bytes, parsed: parsed)
        case .member, .allMembers, .drop: break
        }
    }

    /// Frames arrived on `port`: a sign of life for the ARP/NS monitor; what it
    /// concludes (and what probe replies concluded meanwhile) is acted on now.
    func noteTraffic(on port: MemberPort) {
        pendingEvents += bond.received(.traffic, on: port.index, at: MonotonicClock.now())
        guard !pendingEvents.isEmpty else { return }
        let events = pendingEvents
        pendingEvents.removeAll(keepingCapacity: true)
        handle(events)
    }

    /// A frame member `port` received, whichever backend it came through: shown to the
    /// ARP/NS monitor, then admitted or not by the mode; an admitted frame for a
    /// member's own MAC is readdressed to the bond.
    @inline(__always)
    func admit(_ parsed: ParsedFrame, _ bytes: MutableFrameBytes, on port: MemberPort, enabled: Bool) -> Bool {
        if probing, parsed.neighborDiscovery != nil || parsed.etherType == EtherType.arp {
            observeProbeReply(parsed, on: port)
        }
        guard enabled && policy.admits(parsed, on: port.index, members: view) else { return false }
        // Peers taught a member's own MAC (balance-alb) address frames to it; the bond
        // device only takes its own.
        if usesOwnMACs && parsed.destination != bondMAC && !parsed.destination.isMulticast
            && ports.contains(where: { $0.mac == parsed.destination }) {
            bytes.setMAC(0, bondMAC)
        }
        return true
    }

    // MARK: - Links and state changes

    private func readLinkEvents() {
        var deviceChanged = false
        let complete = linkEvents.drain({ info, deleted in
            if info.index == device.hostIndex || info.index == device.engineIndex {
                if deleted { fatal = EngineError("the bond device \(name) was removed or moved to another namespace") }
                else if info.index == device.engineIndex { engineEndChanged(info) }
                else {
                    // Notifications do not carry everything (a bridge's promiscuity
                    // reference is not announced): read the device's state afresh.
                    if let fresh = try? links.link(index: info.index) { followBondDevice(fresh) }
                    deviceChanged = true
                }
                return
            }
            if info.isBridgePortNotice { return }
            guard let port = ports.first(where: { $0.interfaceIndex == info.index && !$0.removed }) else {
                if !deleted && !departed.isEmpty { departedMemberReturned(info) }
                return
            }
            if port.gone { return }
            if deleted { return memberLeft(port) }
            memberChanged(port, info)
            handle(bond.carrierChanged(member: port.index, up: info.hasCarrier, at: MonotonicClock.now()))
        }, addressChanged: { index in
            if index == device.hostIndex { deviceChanged = true }
        })
        // The kernel dropped notifications: read the whole state again.
        if !complete { refreshCarriers() }
        if (deviceChanged || !complete) && fatal == nil { refreshProbeSource() }
    }

    func refreshCarriers() {
        guard let all = try? links.links() else { return }
        for p in ports where p.isLive {
            let info = all.first { $0.index == p.interfaceIndex }
            handle(bond.carrierChanged(member: p.index, up: info?.hasCarrier ?? false, at: MonotonicClock.now()))
        }
    }

    /// A device taken over says nothing new of itself (no notification comes): members
    /// follow its promiscuity now (a bridge port, uppers), and its carrier is the bond's,
    /// which may be none, whatever the dead bondd left on the engine end.
    private func adoptDeviceState() {
        if let fresh = try? links.link(index: device.hostIndex) { followBondDevice(fresh) }
        if let end = try? links.link(index: device.engineIndex), end.isAdminUp != bond.hasCarrier {
            do { try links.change(index: device.engineIndex, LinkChange(up: bond.hasCarrier)) }
            catch { logger.error("\(name): cannot set carrier: \(error)") }
        }
    }

    /// The host changed the bond device: members follow its MTU, MAC and promiscuity
    /// (a bridge port is promiscuous), as the kernel's slaves do.
    private func followBondDevice(_ info: LinkInfo) {
        defer { syncFastPath(); syncSocketPath() }
        bondDeviceAdminChanged(info)
        var change = LinkChange()
        if info.mtu > 0 && info.mtu != mtu {
            logger.info("\(name): MTU \(mtu) -> \(info.mtu), applying to members")
            mtu = info.mtu
            change.mtu = mtu
            try? links.change(index: device.engineIndex, LinkChange(mtu: mtu))
        }
        if info.mac.count == 6 && MACAddress(bytes: info.mac) != bondMAC && bondFollowsActive {
            // As the kernel: with fail_over_mac=active the bond's MAC is the active
            // member's and an administrator's change does not take.
            logger.warning("\(name): the MAC follows the active member (fail_over_mac=active); restoring \(bondMAC)")
            try? links.change(index: device.hostIndex, LinkChange(mac: bondMAC.bytes))
        } else if info.mac.count == 6 && MACAddress(bytes: info.mac) != bondMAC {
            let old = bondMAC
            bondMAC = MACAddress(bytes: info.mac)
            logger.info("\(name): MAC changed to \(bondMAC), applying to members")
            if usesOwnMACs {
                // Only the member that carried the bond's MAC follows.
                for p in ports where p.mac == old && p.isLive {
                    p.mac = bondMAC
                    try? links.change(index: p.interfaceIndex, LinkChange(mac: info.mac))
                }
            } else {
                change.mac = info.mac
                for p in ports { p.mac = bondMAC }
            }
        }
        let promiscuous = info.promiscuity > 0
        if promiscuous != bondPromiscuous {
            bondPromiscuous = promiscuous
            logger.info("\(name): promiscuous mode \(promiscuous ? "on" : "off"), applying to members")
            change.promiscuous = promiscuous
        }
        guard change.mtu != nil || change.mac != nil || change.promiscuous != nil else { return }
        for p in ports where p.isLive {
            do { try links.change(index: p.interfaceIndex, change) }
            catch { logger.error("\(name): cannot update \(p.name): \(error)") }
        }
    }

    func handle(_ events: [BondEvent]) {
        guard !events.isEmpty else { return }
        let handlingStarted = MonotonicClock.now()
        for event in events {
            switch event {
            case .link(let i, let t):
                // The ARP monitor's candidate rotation repeats every interval while no
                // member answers: only real ups and downs are worth the info level.
                let rotation = (t.from == .back && t.to == .down) || (t.from == .down && t.to == .back)
                logger.log(level: rotation ? .debug : .info, "\(name): \(ports[i].name): \(t.message)")
                if !rotation { journal.record(.link, member: ports[i].name, "\(t.from.rawValue) -> \(t.to.rawValue): \(t.message)") }
                rebuildView()
                if !t.to.carriesTraffic {
                    announce(policy.release(member: i, members: view))
                    // Peers still send to the dead member's MAC until updated: have the
                    // switch deliver it to the active member meanwhile (the kernel's
                    // rlb_teach_disabled_mac_on_primary).
                    if bond.options.mode.teachesClients, let a = bond.activeIndex, a != i {
                        try? ports[a].send(FrameBuilder.learningPacket(mac: ports[i].mac))
                    }
                } else if t.to == .up {
                    policy.memberUp(members: view)
                }
            case .activeChanged(let from, let to, let reason):
                if from != nil { failovers += 1 }
                // A change by choice leaves the old member up: switches still send the
                // bond's frames there until the new one's announcement reaches them.
                if let from, to != nil, bond.members[from].link == .up {
                    draining = (from, handlingStarted.adding(milliseconds: Self.drainingMilliseconds))
                } else {
                    draining = nil
                }
                // The fast path takes the new active member before anything announces
                // it: a switch that re-learns from the announcement sends there at once.
                rebuildView()
                if let to {
                    logger.notice("\(name): making interface \(ports[to].name) the new active one (\(reason))")
                    if bondFollowsActive { takeMAC(of: ports[to]) } else { swapBondMAC(to: to) }
                } else {
                    logger.error("\(name): now running without any active interface! (\(reason))")
                }
                let names = (from.map { ports[$0].name } ?? "none", to.map { ports[$0].name } ?? "none")
                journal.record(.active, member: to.map { ports[$0].name }, "active member \(names.0) -> \(names.1) (\(reason))")
                if let from, to != nil { recordFailover(from: from, handlingStarted: handlingStarted) }
            case .carrier(let up):
                logger.info("\(name): carrier \(up ? "up" : "down")")
                journal.record(.carrier, member: nil, "carrier \(up ? "up" : "down")")
                do { try links.change(index: device.engineIndex, LinkChange(up: up)) }
                catch { logger.error("\(name): cannot set carrier: \(error)") }
            case .notifyPeers(let i):
                notifyPeers(on: ports[i])
            case .probe(let i):
                sendProbes(on: ports[i])
            case .resendMulticastReports:
                if let i = bond.activeIndex ?? bond.usable.first { resendMulticastReports(on: ports[i]) }
            case .probeMonitor(let judging, let reason):
                let message = judging ? "ARP/NS monitor judges members from now (\(reason))"
                                      : "ARP/NS monitor waits, judging no member: \(reason)"
                logger.info("\(name): \(message)")
                journal.record(.monitor, member: nil, message)
            }
        }
        rebuildView()
    }

    /// One ARP request per arp_ip_target and one NS per ns_ip6_target on `port`, from
    /// the bond's address nearest each target.
    private func sendProbes(on port: MemberPort) {
        guard let p = bond.probe, port.isLive else { return }
        let now = MonotonicClock.now()
        var sent = false
        for t in p.arpTargets {
            let source = ownIPv4.max { ($0.rawValue ^ t.rawValue).leadingZeroBitCount < ($1.rawValue ^ t.rawValue).leadingZeroBitCount }
            let frame = FrameBuilder.arpRequest(from: port.mac, senderIP: source ?? IPv4Address(rawValue: 0), target: t)
            if (try? port.send(frame)) != nil { sent = true }
        }
        for t in p.nsTargets {
            func shared(_ a: IPv6Address) -> Int {
                a.high == t.high ? 64 + (a.low ^ t.low).leadingZeroBitCount : (a.high ^ t.high).leadingZeroBitCount
            }
            let source = ownIPv6.filter { !$0.isLinkLocal }.max { shared($0) < shared($1) } ?? ownIPv6.first
            let frame = FrameBuilder.neighborSolicitation(from: port.mac, source: source ?? IPv6Address(high: 0, low: 0), target: t)
            if (try? port.send(frame)) != nil { sent = true }
        }
        if sent { bond.probed(member: port.index, at: now) }
    }

    /// An ARP or ND frame a member received, for the ARP/NS monitor. Frames for other
    /// hosts' unicast MACs prove nothing about our path (the kernel skips OTHERHOST).
    func observeProbeReply(_ parsed: ParsedFrame, on port: MemberPort) {
        let d = parsed.destination
        guard d.isMulticast || d == bondMAC || ports.contains(where: { $0.mac == d }) else { return }
        switch parsed.network {
        case .arp(let a):
            pendingEvents += bond.received(.arp(operation: a.operation, sender: a.senderIP, target: a.targetIP), on: port.index, at: MonotonicClock.now())
        case .ipv6(let h):
            guard let nd = parsed.neighborDiscovery else { return }
            pendingEvents += bond.received(.neighbor(isAdvertisement: nd.isAdvertisement, source: h.source, destination: h.destination, target: nd.target),
                          on: port.index, at: MonotonicClock.now())
        default:
            return
        }
    }

    /// resend_igmp: the host's IGMP and MLD reports for the groups joined on the bond
    /// device, built from /proc as the kernel's rejoin would send them, on `port`.
    private func resendMulticastReports(on port: MemberPort) {
        guard port.isLive else { return }
        func read(_ path: String) -> String { KernelTextFile.read(path) ?? "" }
        let groups = MulticastMemberships.parse(
            index: device.hostIndex, igmp: read("/proc/net/igmp"), igmp6: read("/proc/net/igmp6"),
            mcfilter: read("/proc/net/mcfilter"), mcfilter6: read("/proc/net/mcfilter6"))
        guard !groups.isEmpty else { return }
        let addresses = try? links.addresses(index: device.hostIndex)
        var frames: [[UInt8]] = []
        if !groups.ipv4.isEmpty {
            let source = addresses?.ipv4.first.map(IPv4Address.init(rawValue:)) ?? IPv4Address(rawValue: 0)
            frames += FrameBuilder.igmpReports(groups, mac: bondMAC, source: source, mtu: mtu)
        }
        if !groups.ipv6.isEmpty {
            let linkLocal = addresses?.ipv6.map { IPv6Address(high: $0.0, low: $0.1) }.first { $0.isLinkLocal }
            let forced = Int(read("/proc/sys/net/ipv6/conf/\(name)/force_mld_version").filter(\.isNumber)) ?? 0
            frames += FrameBuilder.mldReports(groups, mac: bondMAC, source: linkLocal ?? IPv6Address(high: 0, low: 0),
                                              version: forced == 1 ? 1 : 2, mtu: mtu)
        }
        var sent = 0
        for f in frames where (try? port.send(f)) != nil { sent += 1 }
        logger.debug("\(name): re-sent \(sent) membership reports for \(groups.ipv4.count + groups.ipv6.count) groups on \(port.name)")
    }

    /// Gratuitous ARP and unsolicited NA for each of the bond's addresses on `port`.
    private func notifyPeers(on port: MemberPort) {
        guard let addresses = try? links.addresses(index: device.hostIndex) else { return }
        var sent = 0
        for a in addresses.ipv4 {
            if (try? port.send(FrameBuilder.gratuitousARP(mac: bondMAC, ip: IPv4Address(rawValue: a)))) != nil { sent += 1 }
        }
        for (hi, lo) in addresses.ipv6 {
            if (try? port.send(FrameBuilder.unsolicitedNA(mac: bondMAC, ip: IPv6Address(high: hi, low: lo)))) != nil { sent += 1 }
        }
        if sent > 0 { logger.debug("\(name): sent \(sent) peer notifications on \(port.name)") }
    }

    // MARK: - Control

    public func status() -> BondStatus {
        foldFastPathBytes()
        let now = MonotonicClock.now()
        let o = bond.options
        let members = bond.members.enumerated().filter { !$0.element.isRemoved }.map { (i, m) -> MemberStatus in
            let p = ports[i]
            let active = o.mode.hasBackupMembers ? i == bond.activeIndex : m.link.carriesTraffic
            // Frames the XDP programs moved never passed through the engine's queues.
            let fast = fastPathCounters(member: i) ?? XDPBondProgram.MemberCounters()
            var s = MemberStatus(
                name: m.name, link: m.link.carriesTraffic ? "up" : "down", linkState: m.link.rawValue,
                state: m.adminDisabled ? "disabled" : active ? "active" : "backup", linkFailures: m.linkFailureCount,
                permanentMAC: m.permanentMAC.description, speed: m.speed,
                lastChangeMillisecondsAgo: now.milliseconds(since: m.lastLinkChange),
                txPackets: p.queue.packets + fast.txPackets + (p.xsk?.transmitted ?? 0),
                txBytes: p.queue.bytes + fast.txBytes + (p.xsk?.transmittedBytes ?? 0),
                txDrops: p.queue.errors + (p.xsk?.transmitDrops ?? 0),
                rxPackets: p.rxPackets + fast.rxPackets, rxBytes: p.rxBytes + fast.rxBytes, rxDrops: p.rxDrops + fast.rxDropped)
            s.prio = m.prio
            s.mac = p.mac.description
            s.lastChangeMonotonicNanoseconds = m.lastLinkChange.nanoseconds
            s.verdict = verdict(of: i, at: now)
            if let probe = bond.probe {
                let r = probe.records[i]
                s.targets = r.targetLastRx.enumerated().map { t, seen in
                    TargetStatus(target: probe.targetDescription(t), lastSeenMillisecondsAgo: seen.map { now.milliseconds(since: $0) })
                }
                s.lastReceiveMillisecondsAgo = now.milliseconds(since: r.lastRx)
                s.probesSent = r.probesSent
                s.repliesValidated = r.repliesValidated
            }
            return s
        }
        var status = BondStatus(
            name: name, mode: o.mode.kernelName, modeDescription: o.mode.procDescription,
            activeMember: bond.activeIndex.map { bond.members[$0].name },
            carrier: bond.hasCarrier ? "up" : "down", mac: bondMAC.description, mtu: mtu,
            miimon: o.miimon, updelay: o.updelay, downdelay: o.downdelay,
            peerNotifDelay: o.peerNotifDelay, numGratARP: o.numPeerNotif, primary: o.primary,
            primaryReselect: o.primaryReselect.kernelName, packetsPerSlave: o.packetsPerSlave,
            xmitHashPolicy: "\(o.xmitHashPolicy.kernelName) (\(o.xmitHashPolicy.rawValue))",
            allSlavesActive: o.allSlavesActive, lastFailoverReason: bond.lastFailoverReason,
            failovers: failovers, members: members, counters: countersWithDevice,
            buckets: tlbBuckets, vifBuckets: vifBuckets, vifs: vifEntries, clients: albClients)
        status.failOverMAC = o.failOverMAC.kernelName
        (status.backend, status.backendDetail, status.fastPath) = backendStatus
        status.bucketMoves = bucketMoves
        status.lastFailoverMonotonicNanoseconds = bond.lastFailoverAt?.nanoseconds
        status.lastFailoverMillisecondsAgo = bond.lastFailoverAt.map { now.milliseconds(since: $0) }
        if o.probesLinks {
            status.arpMonitor = ARPMonitorStatus(
                interval: o.arpInterval, missedMax: o.arpMissedMax,
                validate: "\(o.arpValidate.kernelName) (\(o.arpValidate.rawValue))",
                allTargets: "\(o.arpAllTargets.kernelName) (\(o.arpAllTargets.rawValue))",
                arpTargets: o.arpTargets.map(\.description), nsTargets: o.nsTargets.map(\.description))
            status.arpMonitor?.waiting = bond.probe?.waiting
        }
        return status
    }

    /// The link monitor's conclusion for member `i`, in words.
    private func verdict(of i: Int, at now: Instant) -> String {
        let m = bond.members[i]
        if m.adminDisabled { return "disabled by administrator" }
        if !m.monitor.carrier { return "down: no carrier" }
        if let probe = bond.probe {
            return "\(m.link == .back ? "probing" : m.link.rawValue): \(probe.records[i].reason)"
        }
        switch m.link {
        case .fail: return "carrier lost, down in \(m.monitor.deadline.map { $0.milliseconds(since: now) } ?? 0) ms (downdelay)"
        case .back: return "carrier back, up in \(m.monitor.deadline.map { $0.milliseconds(since: now) } ?? 0) ms (updelay)"
        default: return bond.options.miimon > 0 ? "carrier up" : "up (no link monitoring)"
        }
    }

    private var albClients: [ClientStatus]? {
        guard let t = policy.clientTable else { return nil }
        return t.clients.map {
            ClientStatus(ip: $0.clientIP.description, mac: $0.clientMAC == .zero ? nil : $0.clientMAC.description,
                         ourIP: $0.ourIP.description, member: ports[$0.member].name, vlan: $0.vlan.map(Int.init))
        }
    }

    private var tlbBuckets: [BucketStatus]? {
        let table: TransmitLoadBalancingMode.BucketTable
        switch policy {
        case .transmitLoadBalancing(let m): table = m.table
        case .adaptiveLoadBalancing(let m): table = m.tlb.table
        default: return nil
        }
        return table.buckets.enumerated().compactMap { i, b in
            b.member.map { BucketStatus(bucket: i, member: ports[$0].name, txBytes: b.txBytes, loadHistory: b.loadHistory) }
        }
    }

    private var bucketMoves: Int? {
        var moves: Int?
        switch policy {
        case .transmitLoadBalancing(let m): moves = m.table.moves
        case .adaptiveLoadBalancing(let m): moves = m.tlb.table.moves
        default: break
        }
        if let v = policy.vifTable { moves = (moves ?? 0) + v.moves }
        return moves
    }

    private var vifBuckets: [BucketStatus]? {
        guard let t = policy.vifTable else { return nil }
        return t.buckets.enumerated().compactMap { i, b in
            b.member.map { BucketStatus(bucket: i, member: ports[$0].name, txBytes: b.txBytes) }
        }
    }

    private var vifEntries: [VIFStatus]? {
        guard let t = policy.vifTable else { return nil }
        return t.entries.sorted { $0.key < $1.key }.map { key, entry in
            let vlan = key >> 48
            return VIFStatus(mac: MACAddress(rawValue: key & 0xFFFF_FFFF_FFFF).description, vlan: vlan == 0 ? nil : Int(vlan),
                             bucket: entry.bucket, member: t.buckets[entry.bucket].member.map { ports[$0].name })
        }
    }

    /// `bondctl hash`: where a described frame would go, without sending anything.
    public func explain(_ description: [String]) throws(OptionError) -> (HashExplanation, String?) {
        let bytes = try FrameDescription.build(description)
        let parsed = bytes.withUnsafeBytes { FrameParser.parse(FrameBytes($0)) }
        guard case .success(let frame) = parsed else { throw OptionError("the described frame does not parse") }
        let e = policy.explain(frame, members: view)
        return (e, e.member.map { ports[$0].name })
    }

    private var countersWithDevice: BondCounters {
        var c = counters
        c.deliveryDrops = device.queue.errors
        return c
    }

}

private func earliest(_ a: Instant?, _ b: Instant?) -> Instant? {
    guard let a else { return b }
    guard let b else { return a }
    return min(a, b)
}

extension Engine {
    /// A member's state before the bond touches it, in the recovery record.
    /// Claims are per network namespace: the same name or index elsewhere is another.
    static func claimKey(_ kind: String, _ name: String) -> String {
        "\(kind)-\(RecoveryRecord.currentNamespace())-\(name)"
    }

    func remember(_ info: LinkInfo, createdTCHook: Bool = false) throws(EngineError) {
        let m = RecoveryRecord.Member(
            name: info.name, index: info.index, mac: info.mac, mtu: info.mtu, up: info.isAdminUp,
            promiscuous: info.flags & InterfaceFlags.promiscuous != 0,
            allMulticast: info.flags & InterfaceFlags.allMulticast != 0, alias: info.alias, createdTCHook: createdTCHook)
        if let i = recovery.members.firstIndex(where: { $0.index == info.index }) { recovery.members[i] = m }
        else { recovery.members.append(m) }
        try recovery.save()
    }

    /// A member given back: a later repair leaves it alone.
    func forget(memberIndex: Int32) {
        recovery.members.removeAll { $0.index == memberIndex }
        do { try recovery.save() } catch { logger.warning("\(name): \(error.message)") }
    }
}

/// The interface alias that marks a member as taken, so a second bondd refuses it.
enum MemberMarker {
    static let prefix = "bondd member of "
}
