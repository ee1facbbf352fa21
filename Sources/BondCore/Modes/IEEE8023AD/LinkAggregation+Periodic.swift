/// The periodic transmission machine (802.1AX 5.4.13, ad_periodic_machine): an LACPDU
/// every second while the partner asks for short timeouts, else every 30 s, and none
/// when both sides are passive.
extension LinkAggregation {
    mutating func periodicMachine(_ p: Int) {
        guard var port = ports[p] else { return }
        let last = port.periodicState
        let partnerFast = port.partner.state.contains(.shortTimeout)
        let bothPassive = !port.actorState.contains(.activity) && !port.partner.state.contains(.activity)
        if port.begin || !port.lacpEnabled || !port.enabled || bothPassive {
            port.periodicState = .none
        } else if port.periodicTimer > 0 {
            port.periodicTimer -= 1
            if port.periodicTimer == 0 {
                port.periodicState = .periodicTransmit
            } else if port.periodicState == .fast && !partnerFast {
                port.periodicState = .slow
            } else if port.periodicState == .slow && partnerFast {
                // The partner now wants fast: send at once rather than in up to 30 s.
                port.periodicTimer = 0
                port.periodicState = .periodicTransmit
            }
        } else if port.periodicState == .none || port.periodicState == .begin {
            port.periodicState = .fast
        } else if port.periodicState == .periodicTransmit {
            port.periodicState = partnerFast ? .fast : .slow
        }
        if port.periodicState != last {
            switch port.periodicState {
            case .begin, .none: port.periodicTimer = 0
            // One tick less: the kernel counts the tick spent in PERIODIC_TX.
            case .fast: port.periodicTimer = LACPTiming.fastPeriodic - 1
            case .slow: port.periodicTimer = LACPTiming.slowPeriodic - 1
            case .periodicTransmit: port.ntt = true
            }
        }
        ports[p] = port
    }
}
