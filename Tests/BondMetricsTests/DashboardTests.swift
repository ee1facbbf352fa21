import BondCore
import BondMetrics
import Foundation
import Testing

/// dist/grafana/bondd-dashboard.json asks only for metrics the exporter writes, under
/// the labels it writes them with.
@Suite struct DashboardTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")

    /// Every PromQL expression of the dashboard's panels.
    func expressions() throws -> [String] {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("dist/grafana/bondd-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        return panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
    }

    @Test func everyMetricItAsksForIsExported() throws {
        let source = try String(contentsOf: Self.root.appendingPathComponent("Sources/BondMetrics/MetricsExporter.swift"), encoding: .utf8)
        let exprs = try expressions()
        #expect(exprs.count >= 16)
        let names = Set(exprs.flatMap { e in e.matches(of: /bondd_[a-z0-9_]+/).map { String($0.output) } })
        #expect(names.count >= 15)
        for n in names.sorted() {
            #expect(source.contains("\"\(n)\""), "\(n) is not a metric of MetricsExporter")
        }
        // Labels, as the exporter writes them for a running bond.
        let e = MetricsExporter()
        var s = BondStatus(
            name: "bond0", mode: .activeBackup, modeDescription: "", activeMember: "eth0", carrier: "up", mac: "", mtu: 1500,
            miimon: 100, updelay: 0, downdelay: 0, peerNotifDelay: 0, numGratARP: 1, primary: nil, primaryReselect: .always,
            packetsPerSlave: 1, xmitHashPolicy: .layer2, allSlavesActive: false, lastFailoverReason: nil, failovers: 0,
            members: [
                MemberStatus(
                    name: "eth0", link: "up", linkState: "up", state: "active", linkFailures: 0, permanentMAC: "", speed: 0,
                    lastChangeMillisecondsAgo: 0, txPackets: 1, txBytes: 60, txDrops: 0, rxPackets: 1, rxBytes: 60, rxDrops: 0)
            ], counters: BondCounters())
        s.wakeups = WakeupStatus(coalesce: "adaptive", waiting: "tick", tickMicroseconds: 200, turns: 10, polledTurns: 5, probes: 1, probesSlowed: 0)
        e.update([s])
        let text = String(decoding: e.render(), as: UTF8.self)
        #expect(text.contains("bondd_member_rx_packets_total{bond=\"bond0\",member=\"eth0\"}"))
        #expect(text.contains("bondd_engine_turns_total{bond=\"bond0\",wait=\"tick\"} 5"))
        #expect(text.contains("bondd_engine_turns_total{bond=\"bond0\",wait=\"sockets\"} 5"))
        s.wakeups?.turns = 30
        s.wakeups?.busyPolledTurns = 20
        s.wakeups?.busyPolledFrames = 70
        e.update([s])
        let busy = String(decoding: e.render(), as: UTF8.self)
        #expect(busy.contains("bondd_engine_turns_total{bond=\"bond0\",wait=\"busy_poll\"} 20"), "\(busy)")
        #expect(busy.contains("bondd_engine_turns_total{bond=\"bond0\",wait=\"sockets\"} 5"))
        #expect(busy.contains("bondd_engine_busy_polled_frames_total{bond=\"bond0\"} 70"))
        #expect(text.contains("bondd_bond_frames_refused_total{bond=\"bond0\",reason=\"device_ring_full\"}"))
        // Every label a legend names is one the exporter sets.
        let dashboard = try String(contentsOf: Self.root.appendingPathComponent("dist/grafana/bondd-dashboard.json"), encoding: .utf8)
        let labels = Set(dashboard.matches(of: /\{\{([a-z_]+)\}\}/).map { String($0.output.1) })
        #expect(labels.isSuperset(of: ["bond", "member", "reason", "wait", "device"]))
        for l in labels.sorted() {
            #expect(source.contains("(\"\(l)\","), "legend label \(l) is not one the exporter sets")
        }
    }
}
