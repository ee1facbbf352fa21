/// Churn detection (802.1AX 5.4.17, ad_churn_machine): a port whose actor or partner
/// is still out of sync 60 s after a change has churned, which the kernel counts and
/// /proc/net/bonding shows.
extension LinkAggregation {
    mutating func churnMachine(_ p: Int) {
        guard var port = ports[p] else { return }
        if port.churned {
            port.churned = false
            port.actorChurn = .monitoring
            port.partnerChurn = .monitoring
            port.actorChurnTimer = LACPTiming.churnDetection
            port.partnerChurnTimer = LACPTiming.churnDetection
            ports[p] = port
            return
        }
        if port.actorChurnTimer > 0 {
            port.actorChurnTimer -= 1
            if port.actorChurnTimer == 0 && port.actorChurn == .monitoring {
                if port.actorState.contains(.synchronization) {
                    port.actorChurn = .none
                } else {
                    port.actorChurnCount += 1
                    port.actorChurn = .churned
                    report(p, "actor churned: not in sync 60 s after a change")
                }
            }
        }
        if port.partnerChurnTimer > 0 {
            port.partnerChurnTimer -= 1
            if port.partnerChurnTimer == 0 && port.partnerChurn == .monitoring {
                if port.partner.state.contains(.synchronization) {
                    port.partnerChurn = .none
                } else {
                    port.partnerChurnCount += 1
                    port.partnerChurn = .churned
                    report(p, "partner churned: not in sync 60 s after a change")
                }
            }
        }
        ports[p] = port
    }
}
