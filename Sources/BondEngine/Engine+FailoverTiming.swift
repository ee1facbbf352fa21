import BondCore
import CoreMetrics

/// How long failovers take, for the metrics endpoint's histogram.
extension Engine {
    /// `bondd_failover_seconds`: from the last sign of life of the member that failed
    /// (the carrier loss being read, or the last frame the ARP/NS monitor saw on it) to
    /// the new active member carrying traffic (MACs moved, peers notified). Changes made
    /// by hand (set-active, primary, removal, disabling) are not failures and not timed.
    func recordFailover(from: Int, handlingStarted: Instant) {
        let old = bond.members[from]
        guard old.isEligible, old.link != .up else { return }
        let lastSign = bond.probe.map { $0.records[from].lastRx } ?? handlingStarted
        let now = system.now()
        guard now >= lastSign else { return }
        failoverTimer.recordNanoseconds(Int64(now.nanoseconds - lastSign.nanoseconds))
    }
}
