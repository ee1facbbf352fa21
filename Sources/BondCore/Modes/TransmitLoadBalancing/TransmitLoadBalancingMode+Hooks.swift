/// balance-tlb's life around the frames: its timers, members coming and going,
/// `bondctl hash` and `migrate`.
extension TransmitLoadBalancingMode {
    public func start(at now: Instant) -> [ModeAction] {
        rebalancing.arm(at: now)
        learning.arm(at: now)
        vifAging.arm(at: now)
        return vifs.age(at: now)
    }

    public func reconfigure(_ o: BondOptions, at now: Instant) {
        policy = o.xmitHashPolicy
        allSlavesActive = o.allSlavesActive
        dynamic = o.tlbDynamicLB
        if rebalancing.interval != o.rebalanceInterval {
            rebalancing.interval = o.rebalanceInterval
            rebalancing.arm(at: now)
        }
        if learning.interval != o.lpInterval * 1000 {
            learning.interval = o.lpInterval * 1000
            learning.arm(at: now)
        }
    }

    public func memberAdded(slot: Int) { makeRoom(forMember: slot) }

    public func memberDown(_ member: Int, members: MemberView) -> [ModeAction] {
        release(member: member)
        return [.announce(vifs.release(member: member, usable: members.usable))]
    }

    public var nextDeadline: Instant? { rebalancing.next.earliest(learning.next).earliest(vifAging.next) }

    public func needsTransmitBytes(at now: Instant) -> Bool { rebalancing.isDue(at: now) }

    public func tick(at now: Instant, members: MemberView) -> [ModeAction] {
        var actions: [ModeAction] = []
        if vifAging.fire(at: now) { actions += vifs.age(at: now) }
        if rebalancing.fire(at: now) {
            rebalance()
            actions.append(.announce(vifs.rebalance(usable: members.usable)))
        }
        if learning.fire(at: now) { actions.append(.learningPackets) }
        return actions
    }

    public func explain(_ frame: ParsedFrame, members v: MemberView) -> HashExplanation {
        if !v.isHost(frame.source) { return vifs.explain(frame, members: v) }
        guard Self.isBalanced(frame) else {
            return HashExplanation(hash: nil, bucket: nil, member: v.active, reason: "not unicast IP: the active member")
        }
        let h = policy.hash(frame)
        if !dynamic {
            let member = v.usable.isEmpty ? nil : v.usable[Int(h % UInt32(v.usable.count))]
            return HashExplanation(hash: h, bucket: nil, member: member, reason: "tlb_dynamic_lb=0: hash modulo usable members")
        }
        let b = Int(h & 0xFF)
        if let assigned = table.buckets[b].member {
            return HashExplanation(hash: h, bucket: b, member: assigned, reason: "bucket assigned")
        }
        return HashExplanation(hash: h, bucket: b, member: nil, reason: "bucket unassigned: its next frame goes to the least loaded member")
    }

    public func migrate(bucket: Int, to member: Int, vif: Bool, members: MemberView) throws(OptionError) -> [ModeAction] {
        if vif { return [.announce(try vifs.migrate(bucket: bucket, to: member, members: members))] }
        guard members.usable.contains(member) else { throw OptionError("migrate: the member is not up") }
        guard table.buckets.indices.contains(bucket) else {
            throw OptionError("migrate: bucket \(bucket) out of range (0-\(table.buckets.count - 1))")
        }
        table.move(bucket: bucket, to: member)
        return []
    }

    public var bucketTable: BucketTable? { table }
    public var vifTable: VIFTable? { vifs }

    /// The programs hash layer2, layer2+3 and layer3+4 as the kernel does.
    public var fastPathKind: FastPathKind { policy.isComputedByFastPath ? .transmitLoadBalancing : .none }
}
