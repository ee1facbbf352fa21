import BondCore

/// A bond run offline: the daemon's own `Bond` and mode, driven on a virtual clock by
/// the rules the engine follows between them (`BondCore/Runtime`), with no socket.
/// Whatever the daemon would do on the wire (announcements, learning frames, client
/// updates, probes) is reported as `Note`s for the replay to measure.
public final class SimulatedBond {
    /// What the daemon would have done beyond forwarding, at `now`.
    public enum Note: Equatable, Sendable {
        case link(member: Int, LinkTransition)
        case activeChanged(from: Int?, to: Int?, reason: String)
        case carrier(up: Bool)
        /// A frame from `mac` leaves on `member` to teach switches (learning packets,
        /// RARPs for moved guests, gratuitous ARPs and NAs).
        case announced(MACAddress, on: Int)
        /// balance-alb taught a client the MAC of `member`.
        case taughtClient(member: Int)
        /// A frame the mode built (802.3ad's LACPDUs) left on `member`.
        case controlFrame(on: Int)
        case record(String)
    }

    public let name: String
    public internal(set) var bond: Bond
    public internal(set) var mode: AnyBondingMode
    public private(set) var view: MemberView
    public private(set) var now: Instant
    public private(set) var draining: DrainingWindow?
    public let bondMAC: MACAddress
    /// The MAC each member carries, by the daemon's `MACPolicy`.
    public internal(set) var macs: [MACAddress]
    let macPolicy: MACPolicy
    /// Whether each member's link passes frames. `fail` keeps the carrier while the
    /// link passes nothing: only the ARP/NS monitor finds that out.
    public internal(set) var passes: [Bool]
    /// The options as words, as `bondctl set` adds to them.
    public internal(set) var optionWords: [String]
    /// Notes since the caller last took them.
    public private(set) var notes: [(at: Instant, note: Note)] = []
    /// Probe replies in flight: the ARP/NS monitor's targets answer on a member that
    /// passes frames, `probeRoundTrip` after the probe.
    var pendingReplies: [(at: Instant, member: Int)] = []
    public var probeRoundTrip = 1
    /// 802.3ad: the switch's end of LACP.
    public private(set) var partner: LACPPartner?
    /// The address the bond's probes speak from (arp_validate checks replies to it).
    public static let ownIPv4 = IPv4Address("192.0.2.1")!
    public static let ownIPv6 = IPv6Address("2001:db8::1")!

    /// - Parameters:
    ///   - members: names in enslave order; the first one's MAC is the bond's, as in the daemon.
    ///   - speeds: Mbit/s by member (balance-tlb weighs by it), 1000 when not given.
    public init(
        name: String = "bond0", options words: [String], members: [String], speeds: [Int] = [], bondMAC: MACAddress, at start: Instant = .zero
    )
        throws(OptionError)
    {
        let (options, _) = try BondOptions.parse(words)
        guard !members.isEmpty else { throw OptionError("give at least one member") }
        if let d = Self.firstDuplicate(members) { throw OptionError("member \(d) is given twice") }
        self.name = name
        self.bondMAC = bondMAC
        optionWords = BondOptions.compact(words)
        now = start
        macPolicy = MACPolicy(options)
        var macs: [MACAddress] = []
        var list: [Member] = []
        for (i, m) in members.enumerated() {
            let own = Self.permanentMAC(of: i, bond: bondMAC)
            var member = Member(
                name: m, permanentMAC: own, speed: i < speeds.count ? speeds[i] : 1000, carrier: true,
                updelay: options.updelay, downdelay: options.downdelay, at: start)
            member.fullDuplex = true
            list.append(member)
            macs.append(macPolicy.macForNewMember(own: own, bond: bondMAC, inUse: macs))
        }
        self.macs = macs
        passes = Array(repeating: true, count: members.count)
        bond = Bond(name: name, options: options, members: list)
        mode = AnyBondingMode(options: options, members: members.count)
        view = MemberView(usable: [], active: nil)
        if options.mode == .ieee8023ad {
            let rate = options.modeSettings["lacp_rate"].map { ["lacp_rate=\($0)"] } ?? []
            partner = try LACPPartner(members: members.count, words: rate, at: start)
        }
        // The engine's order: the bond's first decision, the device's addresses, then the mode.
        handle(bond.start(at: start))
        handle(bond.probeSourceChanged(ipv4: [Self.ownIPv4], ipv6: [Self.ownIPv6], deviceUp: true, at: start))
        carryOut(mode.start(at: start))
    }

    /// Member `i`'s own MAC: the first member's is the bond's, as the daemon takes it.
    static func permanentMAC(of i: Int, bond: MACAddress) -> MACAddress {
        i == 0 ? bond : MACAddress(rawValue: 0x0200_5e10_0000 | UInt64(i))
    }

    static func firstDuplicate(_ names: [String]) -> String? {
        var seen: Set<String> = []
        return names.first { !seen.insert($0).inserted }
    }

    public func takeNotes() -> [(at: Instant, note: Note)] {
        defer { notes.removeAll(keepingCapacity: true) }
        return notes
    }

    // MARK: Time

    /// The earliest of what is due: the bond's monitors, the mode's timers, the end of
    /// a make-before-break window, a probe reply.
    public var nextDeadline: Instant? {
        var d = bond.nextDeadline
        for x in [mode.nextDeadline, draining?.until, pendingReplies.first?.at, partner?.nextDeadline] { if let x { d = min(d ?? x, x) } }
        return d
    }

    /// Runs everything due up to `t`, in order, then stands at `t`.
    public func advance(to t: Instant) {
        var turns = 0
        while let d = nextDeadline, d <= t {
            now = max(now, d)
            runTimers()
            turns += 1
            // A deadline that does not move would stop time: step past it.
            if turns > 10_000 { break }
        }
        now = max(now, t)
        view.now = now
    }

    /// What is due at `now`, in the engine's order (`Engine.runTimers`).
    func runTimers() {
        while let r = pendingReplies.first, r.at <= now {
            pendingReplies.removeFirst()
            answerProbes(on: r.member)
        }
        if let partner {
            partner.setLinks(bond.members.indices.map { passes[$0] && bond.members[$0].monitor.carrier && !bond.members[$0].isRemoved }, at: now)
            for (frame, member) in partner.run(at: now) { receiveControl(frame, on: member) }
        }
        if let d = mode.nextDeadline, now >= d { carryOut(mode.tick(at: now, members: view)) }
        handle(bond.tick(at: now))
        if let d = draining, now >= d.until {
            draining = nil
            rebuildView()
        }
    }

    // MARK: Frames

    /// A frame the host sent on the bond device: the member(s) the daemon would send it on.
    @inline(__always)
    public func transmit(_ frame: FrameBytes) -> (TransmitTarget, ParsedFrame)? {
        guard case .success(let parsed) = FrameParser.parse(frame) else { return nil }
        return (mode.transmitTarget(for: parsed, members: view), parsed)
    }

    /// A frame member `i` received: whether the bond accepts it (the mode's rule, and a
    /// member disabled by hand delivers nothing). Probe replies count for the monitor.
    public func receive(_ frame: FrameBytes, on i: Int) -> (admitted: Bool, ParsedFrame)? {
        guard case .success(let parsed) = FrameParser.parse(frame) else { return nil }
        if bond.probe != nil { handle(bond.received(.traffic, on: i, at: now)) }
        let enabled = !bond.members[i].adminDisabled
        return (enabled && mode.admits(parsed, on: i, members: view), parsed)
    }

    /// The source MAC a frame leaves with for `target` (the rewrite the engine's
    /// `prepare` makes).
    @inline(__always)
    public func source(of parsed: ParsedFrame, for target: TransmitTarget) -> MACAddress {
        switch target {
        case .memberWithOwnSource(let i), .memberAnnouncingOwnMAC(let i): macs[i]
        case .member, .allMembers, .drop: parsed.source
        }
    }

    // MARK: What the bond and the mode concluded (`Engine.handle`, `Engine.carryOut`)

    func handle(_ events: [BondEvent]) {
        guard !events.isEmpty else { return }
        for event in events {
            switch event {
            case .link(let i, let t):
                note(.link(member: i, t))
                rebuildView()
                carryOut(mode.linkChanged(member: i, t, members: view))
            case .activeChanged(let from, let to, let reason):
                draining = DrainingWindow.after(activeChange: from, to: to, bond: bond, at: now)
                rebuildView()
                note(.activeChanged(from: from, to: to, reason: reason))
                if let to { swapBondMAC(to: to) }
            case .carrier:
                // Said once every event is handled (below): the mode may withhold it.
                break
            case .notifyPeers(let i):
                note(.announced(macPolicy == .bondFollowsActive ? macs[i] : bondMAC, on: i))
            case .probe(let i):
                bond.probed(member: i, at: now)
                guard passes[i] else { continue }
                pendingReplies.append((now.adding(milliseconds: probeRoundTrip), i))
                hearOwnProbes(sentOn: i)
            case .resendMulticastReports, .probeMonitor:
                break
            }
        }
        rebuildView()
        applyCarrier()
    }

    /// The bond's carrier as the engine sets it: a member up and the mode's consent.
    public private(set) var carrier = false

    func applyCarrier() {
        let up = bond.carrierWanted(mode: mode, view: view)
        guard up != carrier else { return }
        carrier = up
        note(.carrier(up: up))
    }

    func carryOut(_ actions: [ModeAction]) {
        for action in actions {
            switch action {
            case .announce(let moves): for m in moves { note(.announced(m.mac, on: m.member)) }
            case .learningPackets: for i in macs.indices where !bond.members[i].isRemoved { note(.announced(macs[i], on: i)) }
            case .learningPacket(let of, let on): note(.announced(macs[of], on: on))
            case .teachClient(let c): note(.taughtClient(member: c.member))
            case .send(let frame, let on):
                note(.controlFrame(on: on))
                if passes.indices.contains(on) && passes[on] { partner?.fromBond(frame, on: on, at: now) }
            case .notifyPeers(let i): note(.announced(bondMAC, on: i))
            case .record(_, let member, let message):
                let who = member.flatMap { bond.members.indices.contains($0) ? bond.members[$0].name + ": " : nil } ?? ""
                note(.record(who + message))
            case .forget: break
            case .membersChanged:
                rebuildView()
                applyCarrier()
            }
        }
    }

    /// A control frame (an LACPDU) the partner sent reaches member `i`.
    func receiveControl(_ frame: [UInt8], on i: Int) {
        guard bond.members.indices.contains(i), passes[i] else { return }
        let actions: [ModeAction] = frame.withUnsafeBytes { raw in
            guard case .success(let p) = FrameParser.parse(FrameBytes(raw)) else { return [] }
            return mode.receiveControl(p, bytes: FrameBytes(raw), on: i, members: view, at: now)
        }
        carryOut(actions)
    }

    func rebuildView() {
        view = MemberView(bond: bond, mode: mode, bondMAC: bondMAC, draining: draining, at: now)
    }

    func note(_ n: Note) { notes.append((now, n)) }

    /// The ARP/NS monitor's targets answer the probes that reached them on member `i`.
    func answerProbes(on i: Int) {
        guard passes[i], bond.members.indices.contains(i) else { return }
        let o = bond.options
        for target in o.arpTargets {
            handle(bond.received(.arp(operation: ARPHeader.reply, sender: target, target: Self.ownIPv4), on: i, at: now))
        }
        for target in o.nsTargets {
            let evidence = ProbeEvidence.neighbor(isAdvertisement: true, source: target, destination: Self.ownIPv6, target: target)
            handle(bond.received(evidence, on: i, at: now))
        }
    }

    /// A switch floods the probes (broadcast ARP requests, multicast NS) to its other
    /// ports, so members with ports of their own hear them: the kernel's arp_validate
    /// for backups counts on it.
    func hearOwnProbes(sentOn i: Int) {
        guard !bond.options.mode.needsSwitchAggregation else { return }
        let o = bond.options
        for j in passes.indices where j != i && passes[j] && !bond.members[j].isRemoved {
            for target in o.arpTargets {
                handle(bond.received(.arp(operation: ARPHeader.request, sender: Self.ownIPv4, target: target), on: j, at: now))
            }
            for target in o.nsTargets {
                let evidence = ProbeEvidence.neighbor(isAdvertisement: false, source: Self.ownIPv6, destination: target, target: target)
                handle(bond.received(evidence, on: j, at: now))
            }
        }
    }

    /// The new active member takes the bond's MAC from whoever carries it (the daemon's
    /// `swapBondMAC`), and both announce themselves.
    func swapBondMAC(to new: Int) {
        guard macPolicy == .ownMACs, macs[new] != bondMAC, let holder = macs.firstIndex(of: bondMAC), !bond.members[holder].isRemoved else { return }
        macs[holder] = macs[new]
        macs[new] = bondMAC
        note(.announced(macs[holder], on: holder))
        note(.announced(macs[new], on: new))
        carryOut(mode.memberMACChanged(holder) + mode.memberMACChanged(new))
    }
}
