/// 802.3ad (mode 4): dynamic link aggregation with LACP, as the kernel's bond_3ad.c.
/// Frames are spread by `xmit_hash_policy` over the active aggregator's ports that are
/// collecting and distributing, and only those ports' frames are taken; LACPDUs and
/// Markers (slow protocols) are the mode's own. `LinkAggregation` runs the protocol;
/// this type hands it the members and ticks, and turns what it wants into actions.
public final class IEEE8023ADMode: BondingMode {
    public var policy: TransmitHashPolicy
    var lag: LinkAggregation
    /// The machines' 100 ms tick.
    var ticker = PeriodicTimer(interval: LACPTiming.tickMilliseconds)
    var carrierSaid: Bool?
    /// lacp_fallback_ab: the port carrying the bond's traffic while no partner speaks.
    var fallbackPort: Int?

    public init(options: BondOptions, members: Int) {
        policy = options.xmitHashPolicy
        lag = LinkAggregation(settings: LACPSettings(options))
    }

    public static var capabilities: ModeCapabilities {
        var c = ModeCapabilities()
        c.usesProbeMonitor = false
        c.needsLinkMonitor = true
        c.balancesByHash = true
        // LACPDUs go to the engine's thread alone (`PacketFanout`); frames are hashed
        // over the view's distributing ports.
        c.decidesFromView = true
        return c
    }

    public static var options: [ModeOption] { LACPSettings.options }

    // MARK: Per frame

    @inlinable
    public func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        let usable = members.usable
        guard !usable.isEmpty else { return .drop }
        return .member(usable[Int(policy.hash(frame) % UInt32(usable.count))])
    }

    /// Only ports the bond uses take frames (the kernel drops data on inactive slaves).
    @inlinable
    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool {
        members.usable.contains(member)
    }

    public var controlEtherType: UInt16? { SlowProtocols.etherType }

    // MARK: Hooks

    public func start(at now: Instant) -> [ModeAction] {
        ticker.arm(at: now)
        // As bond_open: the active aggregator is chosen on the first tick.
        lag.selectionTimer = 1
        return []
    }

    /// Every port says goodbye, as the kernel's unbind does for each member.
    public func stop() -> [ModeAction] {
        for p in lag.ports.indices where lag.ports[p] != nil { lag.farewell(p) }
        let out = lag.outbox.map { ModeAction.send($0.frame, on: $0.member) }
        lag.outbox.removeAll()
        return out
    }

    public func reconfigure(_ o: BondOptions, at now: Instant) {
        policy = o.xmitHashPolicy
        lag.apply(LACPSettings(o))
    }

    /// A member in a slot a removed one held binds a fresh port (new machines, new
    /// aggregator), even under the same name, when the view next shows it.
    public func memberAdded(slot: Int) {
        // The member that held the slot is gone: nothing to say on its behalf.
        if slot < lag.ports.count, lag.ports[slot] != nil { lag.removePort(slot: slot, farewell: false) }
    }

    public func memberUp(_ member: Int, members: MemberView) -> [ModeAction] {
        sync(members)
        return actions()
    }

    public func memberDown(_ member: Int, members: MemberView) -> [ModeAction] {
        sync(members)
        return actions()
    }

    public func receiveControl(_ frame: ParsedFrame, bytes: FrameBytes, on member: Int, members: MemberView, at now: Instant) -> [ModeAction] {
        sync(members)
        lag.receive(SlowProtocolPDU.parse(bytes, at: frame.networkOffset), on: member, at: now, frame: bytes, offset: frame.networkOffset)
        return actions()
    }

    public func transmitters(among usable: [Int]) -> [Int] {
        let ours = lag.transmitters
        return usable.filter { ours.contains($0) }
    }

    public func permitsCarrier(transmitters: [Int]) -> Bool { lag.carrier }

    public var nextDeadline: Instant? { ticker.next }

    public func tick(at now: Instant, members: MemberView) -> [ModeAction] {
        guard ticker.fire(at: now) else { return [] }
        sync(members)
        lag.tick(at: now)
        return actions()
    }

    public func explain(_ frame: ParsedFrame, members v: MemberView) -> HashExplanation {
        let h = policy.hash(frame)
        let member = v.usable.isEmpty ? nil : v.usable[Int(h % UInt32(v.usable.count))]
        return HashExplanation(
            hash: h, bucket: nil, member: member,
            reason: "\(policy.kernelName) hash modulo \(v.usable.count) distributing ports of the active aggregator")
    }

    /// The programs hash layer2, layer2+3 and layer3+4 as the kernel does; slow
    /// protocols always come up to the engine.
    public var fastPathKind: FastPathKind { policy.isComputedByFastPath ? .aggregation : .none }

    public func describe(into status: inout BondStatus) {
        status.lacp = lag.bondStatus
        let carrying = Set(lag.transmitters)
        for i in status.members.indices {
            guard let p = lag.ports.firstIndex(where: { $0?.name == status.members[i].name }) else { continue }
            status.members[i].lacp = lag.memberStatus(p)
            if status.members[i].state != "disabled" { status.members[i].state = carrying.contains(p) ? "active" : "backup" }
        }
    }

    // MARK: Members and actions

    /// Brings the ports in line with the members: new ones bound, removed ones let go,
    /// links that came up or went down told.
    func sync(_ v: MemberView) {
        if lag.bondMAC != v.bondMAC {
            lag.bondMAC = v.bondMAC
            lag.systemChanged()
        }
        for slot in v.names.indices {
            let name = v.names[slot]
            let known = slot < lag.ports.count ? lag.ports[slot] : nil
            let up = v.linkUp.contains(slot)
            let speed = slot < v.speeds.count ? v.speeds[slot] : 0
            let full = !v.halfDuplex.contains(slot)
            if name.isEmpty {
                if known != nil { lag.removePort(slot: slot) }
            } else if known?.name != name {
                if known != nil { lag.removePort(slot: slot) }
                let mac = slot < v.permanentMACs.count ? v.permanentMACs[slot] : .zero
                lag.addPort(slot: slot, name: name, mac: mac, speed: speed, fullDuplex: full, linkUp: up)
            } else if known?.enabled != up {
                lag.linkChanged(slot: slot, up: up, speed: speed, fullDuplex: full)
            } else if up, known?.speed != speed || known?.fullDuplex != full {
                lag.speedChanged(slot: slot, speed: speed, fullDuplex: full)
            }
        }
    }

    /// lacp_fallback_ab: while no partner speaks LACP, the active aggregator's port is
    /// an active-backup bond's active member: the switch hears of each change at once
    /// (the kernel uses that port too, but says nothing). Off: nothing beyond the kernel.
    func fallback() -> [ModeAction] {
        var port: Int?
        if lag.settings.fallbackActiveBackup, let a = lag.activeAggregator, lag.aggregators[a]?.hasPartner == false {
            port = lag.transmitters.first
        }
        guard port != fallbackPort else { return [] }
        let was = fallbackPort
        fallbackPort = port
        if let port {
            return [
                .record(.lacp, member: port, "LACP fallback: active-backup on this port (no partner speaks LACP)"),
                .notifyPeers(port),
            ]
        }
        return was == nil ? [] : [.record(.lacp, member: nil, "LACP fallback ended")]
    }

    /// What the protocol wants done: frames sent, changes journaled, and the bond's
    /// transmitters and carrier asked again when they changed.
    func actions() -> [ModeAction] {
        var out: [ModeAction] = []
        for (member, frame) in lag.outbox { out.append(.send(frame, on: member)) }
        lag.outbox.removeAll(keepingCapacity: true)
        for (member, message) in lag.reports { out.append(.record(.lacp, member: member, message)) }
        lag.reports.removeAll(keepingCapacity: true)
        out += fallback()
        let carrier = lag.carrier
        if lag.transmittersChanged || carrier != carrierSaid {
            lag.transmittersChanged = false
            carrierSaid = carrier
            out.append(.membersChanged)
        }
        return out
    }
}
