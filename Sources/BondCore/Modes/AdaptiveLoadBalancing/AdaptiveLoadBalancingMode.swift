/// balance-alb (mode 6): balance-tlb for what we send, plus receive load balancing
/// (`ClientTable`): our ARP replies and Neighbor Advertisements leave on the client's
/// member carrying that member's MAC. Unicast is received on every member, broadcast and multicast on
/// the active one. Bridged guests' frames are placed per VIF, as in balance-tlb, so
/// the mode keeps working when the bond is a bridge port.
public final class AdaptiveLoadBalancingMode: BondingMode {
    public let tlb: TransmitLoadBalancingMode
    public let clients: ClientTable
    /// The kernel's 100 ms ALB monitor tick, which sends client updates.
    var clientTick = PeriodicTimer(interval: 100)

    public init(tlb: TransmitLoadBalancingMode, clientCapacity: Int) {
        self.tlb = tlb
        clients = ClientTable(capacity: clientCapacity)
    }

    public convenience init(options o: BondOptions, members: Int) {
        // tlb_dynamic_lb=0 here, as in the kernel's alb: what balance-tlb would place by
        // load goes by hash modulo the usable members.
        let tlb = TransmitLoadBalancingMode(options: o, members: members)
        self.init(tlb: tlb, clientCapacity: o.albClients)
    }

    public func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        if members.isHost(frame.source), let r = ClientTable.Resolution(frame) {
            guard let m = clients.outgoing(r, vlan: frame.vlanID, usable: members.usable) else {
                return members.active.map { .member($0) } ?? .drop
            }
            // The active member carries the bond's MAC; an answer from another of the
            // host's MACs (a bridge's above the bond) is given it too, so every client
            // learns a member's MAC, as the kernel's RLB does for the bond's own.
            return m == members.active && frame.source == members.bondMAC ? .member(m) : .memberAnnouncingOwnMAC(m)
        }
        return tlb.transmitTarget(for: frame, members: members)
    }

    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool {
        if let r = ClientTable.Resolution(frame) { clients.incoming(r, vlan: frame.vlanID) }
        if tlb.vifs.isReflected(frame) { return false }
        if frame.destination.isMulticast { return member == members.active || tlb.allSlavesActive }
        return true
    }

    public func start(at now: Instant) -> [ModeAction] {
        clientTick.arm(at: now)
        return tlb.start(at: now)
    }

    public func reconfigure(_ options: BondOptions, at now: Instant) { tlb.reconfigure(options, at: now) }
    public func memberAdded(slot: Int) { tlb.memberAdded(slot: slot) }

    /// A member came back: every client is spread again (rlb_rebalance).
    public func memberUp(_ member: Int, members: MemberView) -> [ModeAction] {
        clients.respread(usable: members.usable)
        return []
    }

    /// Its buckets and clients move; the switch is taught to deliver its MAC to the
    /// active member meanwhile, since peers still send there until updated.
    public func memberDown(_ member: Int, members: MemberView) -> [ModeAction] {
        var actions = tlb.memberDown(member, members: members)
        clients.release(member: member, usable: members.usable)
        if let a = members.active, a != member { actions.append(.learningPacket(macOf: member, on: a)) }
        return actions
    }

    /// Its clients must learn the new MAC (rlb_req_update_slave_clients).
    public func memberMACChanged(_ member: Int) -> [ModeAction] {
        clients.renew(member: member)
        return []
    }

    public var nextDeadline: Instant? { tlb.nextDeadline.earliest(clientTick.next) }
    public func needsTransmitBytes(at now: Instant) -> Bool { tlb.needsTransmitBytes(at: now) }

    public func tick(at now: Instant, members: MemberView) -> [ModeAction] {
        var actions = tlb.tick(at: now, members: members)
        if clientTick.fire(at: now) { actions += clients.tick(at: now).map { .teachClient($0.client) } }
        return actions
    }

    public func explain(_ frame: ParsedFrame, members: MemberView) -> HashExplanation { tlb.explain(frame, members: members) }

    public func migrate(bucket: Int, to member: Int, vif: Bool, members: MemberView) throws(OptionError) -> [ModeAction] {
        try tlb.migrate(bucket: bucket, to: member, vif: vif, members: members)
    }

    public var bucketTable: BucketTable? { tlb.table }
    public var vifTable: VIFTable? { tlb.vifs }
    public var clientTable: ClientTable? { clients }
    public var fastPathKind: FastPathKind { tlb.policy.isComputedByFastPath ? .adaptiveLoadBalancing : .none }

    public static var capabilities: ModeCapabilities {
        var c = TransmitLoadBalancingMode.capabilities
        c.teachesClients = true
        return c
    }
}
