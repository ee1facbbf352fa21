import BondCore
import Prometheus

/// The Prometheus view of running bonds. Counters are read from the engines' own
/// counters when scraped (the data plane keeps no extra state for metrics); failover
/// durations arrive through swift-metrics as they happen.
public final class MetricsExporter: @unchecked Sendable {
    public let registry: PrometheusCollectorRegistry
    private var counters: [String: Counter] = [:]
    private var gauges: [String: Gauge] = [:]

    /// Buckets of `bondd_failover_seconds`: from carrier failovers (well under a
    /// millisecond) to slow ARP monitors (seconds).
    public static let failoverBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(5),
        .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) { self.registry = registry }

    /// A factory for `MetricsSystem.bootstrap`, sharing this exporter's registry.
    public var factory: PrometheusMetricsFactory {
        var f = PrometheusMetricsFactory(registry: registry)
        f.durationHistogramBuckets["bondd_failover_seconds"] = Self.failoverBuckets
        return f
    }

    /// Sets every metric from the bonds' status; metrics of bonds and members that are
    /// gone are dropped. Call from one thread at a time (the scrape).
    public func update(_ statuses: [BondStatus]) {
        var seen: Set<String> = []
        func seenKey(_ name: String, _ labels: [(String, String)]) -> String {
            let k = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
            seen.insert(k)
            return k
        }
        func counter(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Int) {
            let key = seenKey(name, labels)
            let c = counters[key] ?? registry.makeCounter(name: name, labels: labels, help: help)
            counters[key] = c
            c.reset()
            c.increment(by: Int64(max(value, 0)))
        }
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            let key = seenKey(name, labels)
            let g = gauges[key] ?? registry.makeGauge(name: name, labels: labels, help: help)
            gauges[key] = g
            g.set(value)
        }
        gauge("bondd_build_info", "bondd's release (1)", [("version", BondVersion.string)], 1)
        for s in statuses {
            let b = [("bond", s.name)]
            gauge("bondd_bond_info", "The bond's mode and backend (1)", b + [("mode", s.mode.kernelName), ("backend", s.backend ?? "none")], 1)
            gauge("bondd_bond_carrier", "1 while at least one member carries traffic", b, s.carrier == "up" ? 1 : 0)
            gauge("bondd_bond_members", "Members in the bond", b, Double(s.members.count))
            counter("bondd_bond_failovers_total", "Changes of active member", b, s.failovers)
            if let w = s.wakeups {
                let turns =
                    "Turns of the engine's loop, by what ended the wait: a socket or notification, a polling tick, or none (busy_poll)"
                let busy = w.busyPolledTurns ?? 0
                counter("bondd_engine_turns_total", turns, b + [("wait", "sockets")], w.turns - w.polledTurns - busy)
                counter("bondd_engine_turns_total", turns, b + [("wait", "tick")], w.polledTurns)
                counter("bondd_engine_turns_total", turns, b + [("wait", "busy_poll")], busy)
                counter(
                    "bondd_engine_busy_polled_frames_total", "Frames taken by turns that came without a sleep (busy_poll)", b,
                    w.busyPolledFrames ?? 0)
                gauge(
                    "bondd_engine_poll_tick_seconds", "The polling tick under load (coalesce=adaptive); 0 while woken by the sockets", b,
                    Double(w.tickMicroseconds ?? 0) / 1e6)
                counter("bondd_engine_poll_probes_total", "Times polling was tried under load", b, w.probes)
                counter("bondd_engine_poll_probes_slowed_total", "Polling tries given up because the traffic slowed", b, w.probesSlowed)
            }
            if let moves = s.bucketMoves {
                counter("bondd_bond_bucket_moves_total", "Hash or per-VIF buckets moved to another member", b, moves)
            }
            if let clients = s.clients {
                gauge("bondd_bond_alb_clients", "Clients balance-alb spreads over members", b, Double(clients.count))
            }
            let c = s.counters
            for (reason, value) in [
                ("runt", c.runt), ("truncated", c.truncated), ("oversize", c.oversize),
                ("no_member", c.noMember), ("not_delivered", c.deliveryDrops), ("device_ring_full", c.deviceMissed),
            ] {
                counter("bondd_bond_frames_refused_total", "Frames the engine could not move, by reason", b + [("reason", reason)], value)
            }
            counter(
                "bondd_bond_invalid_descriptors_total", "AF_XDP descriptors the kernel refused as invalid (a bondd bug if above 0)", b,
                c.invalidDescriptors)
            for m in s.members {
                let l = b + [("member", m.name)]
                counter("bondd_member_rx_packets_total", "Frames a member received for the bond", l, m.rxPackets)
                counter("bondd_member_rx_bytes_total", "Bytes a member received for the bond", l, m.rxBytes)
                counter("bondd_member_rx_drops_total", "Frames a member received that the bond refused", l, m.rxDrops)
                counter(
                    "bondd_member_rx_missed_total", "Frames the kernel dropped for want of room in the engine's receive ring on a member", l,
                    m.rxMissed)
                counter("bondd_member_tx_packets_total", "Frames the bond sent on a member", l, m.txPackets)
                counter("bondd_member_tx_bytes_total", "Bytes the bond sent on a member", l, m.txBytes)
                counter("bondd_member_tx_drops_total", "Frames a member's socket refused", l, m.txDrops)
                counter("bondd_member_link_failures_total", "Times the member's link went down", l, m.linkFailures)
                gauge("bondd_member_up", "1 while the member's link carries traffic", l, m.link == "up" ? 1 : 0)
                gauge("bondd_member_active", "1 for the active member (every usable one in load-balancing modes)", l, m.state == "active" ? 1 : 0)
                gauge("bondd_member_enabled", "0 while disabled by hand", l, m.state == "disabled" ? 0 : 1)
                if let lacp = m.lacp {
                    // The kernel's 802.3ad counters, one family each, as ip -s shows them.
                    for (name, value) in lacp.counters.named {
                        counter("bondd_member_lacp_\(name)_total", "802.3ad: \(name.replacingOccurrences(of: "_", with: " ")) frames", l, value)
                    }
                    gauge(
                        "bondd_member_lacp_distributing", "802.3ad: 1 while the port is collecting and distributing", l,
                        lacp.muxState == "collecting_distributing" ? 1 : 0)
                    gauge("bondd_member_lacp_aggregator_id", "802.3ad: the port's aggregator (0: none)", l, Double(lacp.aggregatorID ?? 0))
                    counter("bondd_member_lacp_partner_churned_total", "802.3ad: times the partner churned", l, lacp.partnerChurnedCount)
                    counter("bondd_member_lacp_actor_churned_total", "802.3ad: times our side churned", l, lacp.actorChurnedCount)
                    if let ms = lacp.convergenceMilliseconds {
                        gauge(
                            "bondd_member_lacp_convergence_seconds", "802.3ad: partner's first LACPDU to collecting-distributing", l,
                            Double(ms) / 1000)
                    }
                }
                if let sent = m.probesSent {
                    counter("bondd_member_probes_sent_total", "ARP/NS monitor probes sent on the member", l, sent)
                    counter(
                        "bondd_member_probes_answered_total", "Probe replies the ARP/NS monitor counted on the member", l, m.repliesValidated ?? 0)
                }
            }
            for v in s.vlans ?? [] {
                let l = b + [("device", v.name), ("vlan", String(v.vid))]
                counter("bondd_vlan_rx_packets_total", "Frames the bond delivered to a VLAN device", l, v.rxPackets)
                counter("bondd_vlan_rx_bytes_total", "Bytes the bond delivered to a VLAN device", l, v.rxBytes)
                counter("bondd_vlan_rx_drops_total", "Frames for a VLAN device the kernel refused", l, v.rxDrops)
                counter("bondd_vlan_tx_packets_total", "Frames the host sent on a VLAN device", l, v.txPackets)
                counter("bondd_vlan_tx_bytes_total", "Bytes the host sent on a VLAN device", l, v.txBytes)
                gauge("bondd_vlan_carrier", "1 while a VLAN device has carrier", l, v.carrier == "up" ? 1 : 0)
            }
        }
        for (key, c) in counters where !seen.contains(key) {
            registry.unregisterCounter(c)
            counters[key] = nil
        }
        for (key, g) in gauges where !seen.contains(key) {
            registry.unregisterGauge(g)
            gauges[key] = nil
        }
    }

    /// The text exposition format.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
