/// Selection logic (802.1AX 5.4.14, the kernel's ad_port_selection_logic and
/// ad_agg_selection_logic): each unselected port attaches to the aggregator of ports
/// with the same key and partner, or to a free one; then one aggregator becomes the
/// bond's active one.
extension LinkAggregation {
    /// Removes `p` from the aggregator it is attached to; an aggregator left empty is cleared.
    mutating func detach(_ p: Int) {
        guard let a = ports[p]?.aggregator, aggregators.indices.contains(a), aggregators[a] != nil else { return }
        // Leaving the active aggregator is leaving the transmitters.
        if aggregators[a]!.isActive { transmittersChanged = true }
        aggregators[a]!.ports.removeAll { $0 == p }
        ports[p]!.aggregator = nil
        if aggregators[a]!.ports.isEmpty { aggregators[a]!.clear() }
    }

    mutating func portSelection(_ p: Int) {
        guard let port = ports[p], port.selected == .unselected else { return }
        let previous = port.aggregator.flatMap { aggregators[$0]?.id }
        detach(p)
        var chosen: Int?
        var free: Int?
        for a in aggregators.indices {
            guard let agg = aggregators[a] else { continue }
            if agg.ports.isEmpty {
                free = free ?? a
                continue
            }
            if agg.actorKey == port.actorKey && agg.partnerSystem == port.partner.system
                && agg.partnerSystemPriority == port.partner.systemPriority && agg.partnerKey == port.partner.key
                && agg.hasPartner && !agg.isIndividual
            {
                chosen = a
                break
            }
        }
        if chosen == nil, let f = free {
            chosen = f
            aggregators[f]!.isIndividual = port.actorKey & PortKey.duplexMask == 0
            aggregators[f]!.actorAdminKey = port.actorAdminKey
            aggregators[f]!.actorKey = port.actorKey
            aggregators[f]!.partnerSystem = port.partner.system
            aggregators[f]!.partnerSystemPriority = port.partner.systemPriority
            aggregators[f]!.partnerKey = port.partner.key
        }
        guard let a = chosen else {
            report(p, "port \(port.number) did not find a suitable aggregator")
            return
        }
        aggregators[a]!.ports.insert(p, at: 0)
        ports[p]!.aggregator = a
        ports[p]!.selected = .selected
        // Said when it changes: a partner whose identity flips would repeat it per PDU.
        if aggregators[a]!.id != previous { report(p, "LACP selected aggregator \(aggregators[a]!.id)") }
        updateReady(a)
        selectAggregator()
        if aggregators[a]?.isActive != true { ports[p]!.actorState.remove(.synchronization) }
    }

    /// ad_agg_selection_logic: the best aggregator with a port up becomes active, the
    /// current one kept under ad_select=stable; the ports of one replaced stop, and an
    /// active aggregator without a partner uses all its ports (the kernel's fallback).
    mutating func selectAggregator() {
        let previous = activeAggregator
        let active = previous.flatMap { aggregators[$0] }
        var best: Int? = previous.flatMap { isUp($0) ? $0 : nil }
        for a in aggregators.indices where aggregators[a] != nil {
            aggregators[a]!.isActive = false
            if activePorts(a) > 0 && isUp(a) { best = better(best, a) }
        }
        if let b = best, settings.selection == .stable, let prev = previous, let act = active,
            !act.ports.isEmpty, activePorts(prev) > 0, act.hasPartner || !aggregators[b]!.hasPartner,
            !(act.actorKey == 0 && aggregators[b]!.actorKey != 0)
        {
            best = nil
            aggregators[prev]!.isActive = true
        }
        if let b = best, b == previous {
            best = nil
            aggregators[b]!.isActive = true
        }
        if let b = best {
            aggregators[b]!.isActive = true
            if let prev = previous, let old = aggregators[prev] {
                for q in old.ports { ports[q]?.carriesTraffic = false }
            }
            transmittersChanged = true
            let agg = aggregators[b]!
            let partner =
                agg.hasPartner
                ? "partner \(agg.partnerSystem) key \(agg.partnerKey)" : "no 802.3ad response from the link partner on its ports"
            report(nil, "LACP active aggregator \(agg.id) (\(agg.ports.count) port\(agg.ports.count == 1 ? "" : "s"), \(partner))")
        } else if previous != nil && activeAggregator == nil {
            transmittersChanged = true
            report(nil, "LACP no active aggregator")
        }
        if let a = activeAggregator, !aggregators[a]!.hasPartner {
            for q in aggregators[a]!.ports {
                let up = ports[q]?.enabled == true
                ports[q]?.carriesTraffic = up
            }
            transmittersChanged = true
        }
    }

    /// agg_device_up: one of its ports has its link up.
    private func isUp(_ a: Int) -> Bool { aggregators[a]?.ports.contains { ports[$0]?.enabled == true } ?? false }

    /// ad_agg_selection_test: aggregating beats individual, a partner beats none, then
    /// ad_select decides (count: more ports up, then bandwidth; otherwise bandwidth).
    private func better(_ best: Int?, _ current: Int) -> Int {
        guard let best, let b = aggregators[best], let c = aggregators[current] else { return current }
        if !c.isIndividual && b.isIndividual { return current }
        if c.isIndividual && !b.isIndividual { return best }
        if c.hasPartner && !b.hasPartner { return current }
        if !c.hasPartner && b.hasPartner { return best }
        switch settings.selection {
        case .actorPortPrio:
            // As the kernel codes it: the larger sum of its up ports' priorities wins.
            if priority(current) > priority(best) { return current }
            if priority(current) < priority(best) { return best }
            fallthrough
        case .count:
            if activePorts(current) > activePorts(best) { return current }
            if activePorts(current) < activePorts(best) { return best }
        case .stable, .bandwidth:
            break
        }
        return bandwidth(current) > bandwidth(best) ? current : best
    }

    /// __get_agg_bandwidth: ports up times the speed in the first port's key.
    private func bandwidth(_ a: Int) -> Int {
        guard let agg = aggregators[a], let first = agg.ports.first, let port = ports[first] else { return 0 }
        return activePorts(a) * PortKey.megabits(code: (port.actorKey & PortKey.speedMask) >> 1)
    }

    /// ad_select=actor_port_prio: the sum of the actor port priorities of its up ports.
    private func priority(_ a: Int) -> Int {
        aggregators[a]?.ports.reduce(0) { sum, q in ports[q]?.enabled == true ? sum + Int(ports[q]!.priority) : sum } ?? 0
    }
}
