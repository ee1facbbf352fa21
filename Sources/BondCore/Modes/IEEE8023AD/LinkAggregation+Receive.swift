/// The receive machine (IEEE 802.1AX 5.4.12, the kernel's ad_rx_machine): what a
/// partner's LACPDU, or its silence, does to what we know of it.
extension LinkAggregation {
    mutating func receiveMachine(_ p: Int, pdu: LACPDU?) {
        guard var port = ports[p] else { return }
        let last = port.receiveState
        if port.begin {
            port.receiveState = .initialize
            port.churned = true
        } else if !port.enabled {
            port.receiveState = .portDisabled
        } else if pdu != nil, [.expired, .defaulted, .current].contains(port.receiveState) {
            if port.receiveState != .current { port.churned = true }
            port.receiveTimer = 0
            port.receiveState = .current
        } else if port.receiveTimer > 0 && port.receiveTimer - 1 == 0 {
            port.receiveTimer = 0
            if port.receiveState == .expired {
                port.receiveState = .defaulted
            } else if port.receiveState == .current {
                port.receiveState = .expired
            }
        } else {
            // A timer still running (current_while from before the link went down)
            // does not hold a port that comes back: as the kernel, it only counts down.
            if port.receiveTimer > 0 { port.receiveTimer -= 1 }
            if port.receiveState == .portDisabled && port.enabled {
                port.receiveState = port.lacpEnabled ? .expired : .lacpDisabled
            }
        }
        ports[p] = port
        guard port.receiveState != last || pdu != nil else { return }
        // Worth a line: a partner lost (expired from current, defaulted) or back.
        if port.receiveState != last {
            switch (last, port.receiveState) {
            case (.current, .expired), (_, .defaulted): report(p, "LACP partner \(port.receiveState.rawValue)")
            case (.expired, .current), (.defaulted, .current): report(p, "LACP partner current")
            default: break
            }
        }
        enterReceiveState(p, pdu: pdu)
    }

    private mutating func enterReceiveState(_ p: Int, pdu: LACPDU?) {
        var port = ports[p]!
        switch port.receiveState {
        case .begin:
            break
        case .initialize, .portDisabled:
            if port.receiveState == .initialize {
                port.lacpEnabled = port.actorKey & PortKey.duplexMask != 0
                port.selected = .unselected
                recordDefault(&port)
                port.actorState.remove(.expired)
                port.receiveState = .portDisabled
            }
            port.matched = false
        case .lacpDisabled:
            port.selected = .unselected
            recordDefault(&port)
            port.partner.state.remove(.aggregation)
            port.matched = true
            port.actorState.remove(.expired)
        case .expired:
            // The partner's sync goes (802.1AX 5.4.12): a port collecting and
            // distributing stops even before its link is known to be down.
            port.partner.state.remove(.synchronization)
            port.matched = false
            port.partner.state.insert(.shortTimeout)
            port.receiveTimer = LACPTiming.shortTimeout
            port.actorState.insert(.expired)
            port.churned = true
        case .defaulted:
            updateDefaultSelected(&port)
            recordDefault(&port)
            port.matched = true
            port.actorState.remove(.expired)
        case .current:
            guard let pdu else { break }
            if pdu.actor.system == system {
                // Said once until a partner's PDU comes instead: loops repeat every second.
                if !port.loopback {
                    report(p, "illegal loopback: our own LACPDU came back (system \(system)); is every member connected to an 802.3ad switch port?")
                }
                port.loopback = true
                ports[p] = port
                return
            }
            port.loopback = false
            updateSelected(&port, pdu)
            updateNeedToTransmit(&port, pdu)
            recordPDU(&port, pdu)
            port.receiveTimer = port.actorState.contains(.shortTimeout) ? LACPTiming.shortTimeout : LACPTiming.longTimeout
            port.actorState.remove(.expired)
        }
        ports[p] = port
    }

    /// __record_pdu: the partner is the PDU's actor; its sync counts only when the PDU
    /// shows it sees us as we are (matched).
    private func recordPDU(_ port: inout LACPPort, _ pdu: LACPDU) {
        chooseMatched(&port, pdu)
        port.partner = pdu.actor
        port.actorState.remove(.defaulted)
        if port.matched && pdu.actor.state.contains(.synchronization) {
            port.partner.state.insert(.synchronization)
        } else {
            port.partner.state.remove(.synchronization)
        }
    }

    /// __record_default: the partner's administrative values.
    private func recordDefault(_ port: inout LACPPort) {
        port.partner = port.partnerAdmin
        port.actorState.insert(.defaulted)
    }

    /// __choose_matched: the PDU's view of us is ours, or the partner is an individual link.
    private func chooseMatched(_ port: inout LACPPort, _ pdu: LACPDU) {
        let seen = pdu.partner
        let seesUs =
            seen.port == port.number && seen.portPriority == port.priority && seen.system == system
            && seen.systemPriority == settings.systemPriority && seen.key == port.actorKey
            && seen.state.contains(.aggregation) == port.actorState.contains(.aggregation)
        port.matched = seesUs || !pdu.actor.state.contains(.aggregation)
    }

    /// __update_selected: a partner other than the one we knew unselects the port.
    private func updateSelected(_ port: inout LACPPort, _ pdu: LACPDU) {
        if !pdu.actor.sameIdentity(as: port.partner) || pdu.actor.state.contains(.aggregation) != port.partner.state.contains(.aggregation) {
            port.selected = .unselected
        }
    }

    /// __update_default_selected: the same when the partner becomes the defaults.
    private func updateDefaultSelected(_ port: inout LACPPort) {
        let admin = port.partnerAdmin
        if !admin.sameIdentity(as: port.partner) || admin.state.contains(.aggregation) != port.partner.state.contains(.aggregation) {
            port.selected = .unselected
        }
    }

    /// __update_ntt: the partner's view of us is stale, so we must speak.
    private func updateNeedToTransmit(_ port: inout LACPPort, _ pdu: LACPDU) {
        let seen = pdu.partner
        let bits: LACPState = [.activity, .shortTimeout, .synchronization, .aggregation]
        if seen.port != port.number || seen.portPriority != port.priority || seen.system != system
            || seen.systemPriority != settings.systemPriority || seen.key != port.actorKey
            || seen.state.intersection(bits) != port.actorState.intersection(bits)
        {
            port.ntt = true
        }
    }
}
