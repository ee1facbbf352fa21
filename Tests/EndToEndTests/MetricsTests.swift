import BondControl
import Foundation
import Testing

/// `bondd --metrics HOST:PORT`: Prometheus text scraped with curl while traffic flows.
@Suite(.serialized) struct MetricsEndToEndTests {
    /// name{labels} -> value, from the text exposition format.
    private func scrape(_ tb: Testbed, port: Int) -> [String: Double] {
        let r = tb.inHost("curl -sf http://127.0.0.1:\(port)/metrics")
        var values: [String: Double] = [:]
        for line in r.output.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = v
        }
        return values
    }

    @Test func countersLinkStateAndFailoverHistogramDuringTraffic() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let port = 9469
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "--metrics", "127.0.0.1:\(port)"])
        bond.configureAddresses()
        let b = tb.bond
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.02 -c 100 -W 1 \(tb["BOND_IP4"])")
        usleep(500_000)
        let first = scrape(tb, port: port)
        #expect(first["bondd_bond_carrier{bond=\"\(b)\"}"] == 1)
        #expect(first["bondd_member_active{bond=\"\(b)\",member=\"\(m[0])\"}"] == 1)
        #expect((first["bondd_member_rx_packets_total{bond=\"\(b)\",member=\"\(m[0])\"}"] ?? 0) > 5, "\(first)")
        #expect(first["bondd_failover_seconds_count{bond=\"\(b)\"}"] == 0, "no failover yet")
        // Kernel ring drops are exported, at 0 on a quiet bond.
        #expect(first["bondd_member_rx_missed_total{bond=\"\(b)\",member=\"\(m[0])\"}"] == 0, "\(first)")
        #expect(first["bondd_bond_frames_refused_total{bond=\"\(b)\",reason=\"device_ring_full\"}"] == 0, "\(first)")

        #expect(tb.inSwitch("ip link set \(tb.peers[0]) down").ok)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == m[1] })
        usleep(500_000)
        let second = scrape(tb, port: port)
        pinger.wait(timeout: 20)
        #expect(second["bondd_member_up{bond=\"\(b)\",member=\"\(m[0])\"}"] == 0)
        #expect(second["bondd_member_active{bond=\"\(b)\",member=\"\(m[1])\"}"] == 1)
        #expect(second["bondd_bond_failovers_total{bond=\"\(b)\"}"] == 1)
        #expect(second["bondd_member_link_failures_total{bond=\"\(b)\",member=\"\(m[0])\"}"] == 1)
        #expect((second["bondd_member_tx_packets_total{bond=\"\(b)\",member=\"\(m[1])\"}"] ?? 0) > 5, "traffic moved to \(m[1])")
        #expect(second["bondd_failover_seconds_count{bond=\"\(b)\"}"] == 1)
        // A carrier failover takes well under 50 ms from the carrier loss being read.
        #expect(second["bondd_failover_seconds_bucket{bond=\"\(b)\",le=\"0.05\"}"] == 1)
        #expect(
            (second["bondd_member_rx_packets_total{bond=\"\(b)\",member=\"\(m[0])\"}"] ?? 0)
                >= (first["bondd_member_rx_packets_total{bond=\"\(b)\",member=\"\(m[0])\"}"] ?? 0))
        // Anything else than /metrics is answered, not served.
        #expect(tb.inHost("curl -s -o /dev/null -w %{http_code} http://127.0.0.1:\(port)/other").output == "404")
    }

    @Test func aBadOrTakenAddressChangesNothing() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let before = tb.inHost("ip -br link").output
        let bad = tb.inHost("\(Shell.binDirectory)/bondd \(tb.bond) --members \(m[0]),\(m[1]) --metrics localhost:http mode=1")
        #expect(bad.status == 2 && bad.error == "bondd: --metrics: 'localhost:http' is not HOST:PORT (e.g. 127.0.0.1:9469)\n")
        let blocker = try Shell.start(
            "ip netns exec \(tb["NS_HOST"]) python3 -c 'import socket,time; s=socket.socket(); s.bind((\"127.0.0.1\", 9470)); s.listen(); time.sleep(30)'"
        )
        defer { blocker.signal(SIGTERM) }
        #expect(Shell.waitFor(5) { tb.inHost("ss -ltn").output.contains("127.0.0.1:9470") })
        let taken = tb.inHost("\(Shell.binDirectory)/bondd \(tb.bond) --members \(m[0]),\(m[1]) --metrics 127.0.0.1:9470 mode=1")
        #expect(taken.status == 2 && taken.error == "bondd: --metrics: cannot listen on 127.0.0.1:9470: Address already in use\n")
        #expect(tb.inHost("ip -br link").output == before)
    }
}
