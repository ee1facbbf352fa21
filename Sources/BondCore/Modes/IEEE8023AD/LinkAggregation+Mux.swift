/// The mux machine with coupled control (802.1AX 5.4.15, ad_mux_machine): a selected
/// port waits 2 s for its aggregator's other ports, attaches, and collects and
/// distributes once the partner is in sync; our own sync bit says "attached to the
/// active aggregator".
extension LinkAggregation {
    mutating func muxMachine(_ p: Int) {
        guard var port = ports[p] else { return }
        let last = port.muxState
        if port.begin {
            port.muxState = .detached
        } else {
            switch port.muxState {
            case .begin:
                break
            case .detached:
                if port.selected != .unselected { port.muxState = .waiting }
            case .waiting:
                if port.selected == .unselected {
                    port.readyN = false
                    ports[p] = port
                    updateReady(port.aggregator)
                    port = ports[p]!
                    port.muxState = .detached
                    break
                }
                if port.waitWhileTimer > 0 {
                    port.waitWhileTimer -= 1
                    if port.waitWhileTimer == 0 { port.readyN = true }
                }
                ports[p] = port
                updateReady(port.aggregator)
                port = ports[p]!
                if port.ready && port.waitWhileTimer == 0 { port.muxState = .attached }
            case .attached:
                let aggregatorActive = port.aggregator.flatMap { aggregators[$0]?.isActive } ?? false
                if port.selected == .selected && port.partner.state.contains(.synchronization) && selectionTimer == 0 {
                    if aggregatorActive { port.muxState = .collectingDistributing }
                } else if port.selected != .selected {
                    port.readyN = false
                    ports[p] = port
                    updateReady(port.aggregator)
                    port = ports[p]!
                    port.muxState = .detached
                } else if aggregatorActive {
                    port.actorState.insert(.synchronization)
                }
            case .collectingDistributing:
                if port.selected != .selected || !port.partner.state.contains(.synchronization)
                    || !port.actorState.contains(.synchronization)
                {
                    port.muxState = .attached
                } else if let a = port.aggregator, aggregators[a]?.isActive == true, !port.carriesTraffic, port.enabled {
                    // Still collecting and distributing in the active aggregator: make
                    // sure the bond uses it (it may have been disabled by a reselection).
                    port.carriesTraffic = true
                    transmittersChanged = true
                }
            }
        }
        ports[p] = port
        guard port.muxState != last else { return }
        enterMuxState(p, from: last)
    }

    private mutating func enterMuxState(_ p: Int, from last: LACPPort.MuxState) {
        var port = ports[p]!
        let aggregatorActive = port.aggregator.flatMap { aggregators[$0]?.isActive } ?? false
        switch port.muxState {
        case .begin:
            break
        case .detached:
            port.actorState.subtract([.synchronization, .collecting, .distributing])
            disableCollectingDistributing(&port)
            port.ntt = true
            if last != .begin { report(p, "LACP detached") }
        case .waiting:
            port.waitWhileTimer = LACPTiming.aggregateWait
        case .attached:
            if aggregatorActive {
                port.actorState.insert(.synchronization)
            } else {
                port.actorState.remove(.synchronization)
            }
            port.actorState.subtract([.collecting, .distributing])
            disableCollectingDistributing(&port)
            port.ntt = true
            report(p, "LACP attached to aggregator \(port.aggregator.flatMap { aggregators[$0]?.id } ?? 0)")
        case .collectingDistributing:
            port.actorState.formUnion([.collecting, .distributing, .synchronization])
            if aggregatorActive {
                port.carriesTraffic = port.enabled
                transmittersChanged = true
            }
            port.ntt = true
            if let first = port.firstPDUAt, port.convergenceMilliseconds == nil {
                port.convergenceMilliseconds = now.milliseconds(since: first)
            }
            let converged = port.convergenceMilliseconds.map { " (\($0) ms after the partner's first LACPDU)" } ?? ""
            report(p, "LACP collecting-distributing\(converged)")
        }
        ports[p] = port
    }

    /// ad_disable_collecting_distributing: the bond stops using the port, unless its
    /// aggregator has no partner (then the selection logic keeps its ports in use).
    private mutating func disableCollectingDistributing(_ port: inout LACPPort) {
        guard let a = port.aggregator, aggregators[a]?.hasPartner == true else { return }
        port.carriesTraffic = false
        transmittersChanged = true
    }

    /// __set_agg_ports_ready(__agg_ports_are_ready): every port of the aggregator is
    /// ready once each has waited its wait_while.
    mutating func updateReady(_ aggregator: Int?) {
        guard let a = aggregator, let agg = aggregators[a] else { return }
        let ready = agg.ports.allSatisfy { ports[$0]?.readyN == true }
        for q in agg.ports { ports[q]?.ready = ready }
    }
}
