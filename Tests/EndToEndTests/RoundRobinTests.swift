import Foundation
import Testing

@Suite(.serialized) struct RoundRobinTests {
    @Test func thousandUDPFramesLeaveEvenlyOverBothMembers() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-rr", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        let before = tb.peers.map(tb.switchPortReceived)
        #expect(tb.sendUDP(count: 1000).ok)
        #expect(Shell.waitFor(3) { zip(tb.peers.map(tb.switchPortReceived), before).map { $0 - $1 }.reduce(0, +) >= 1000 })
        let sent = zip(tb.peers.map(tb.switchPortReceived), before).map { $0 - $1 }
        // Even within a few frames (ARP or neighbour traffic may add one or two).
        for n in sent { #expect(abs(n - 500) <= 5, "per-member frames: \(sent)") }
        let s = try #require(bond.status())
        #expect(s.members.allSatisfy { $0.txPackets >= 500 })
    }

    @Test(arguments: [3, 5])
    func packetsPerSlaveSendsRunsOfN(n: Int) throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-rr", "miimon=100", "packets_per_slave=\(n)"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 1 -W 2 \(tb["CLIENT_IP4"])").ok)
        // Record which member carried each datagram, by its source port, on the switch side.
        let captures = try tb.peers.map { peer in
            try Shell.start("ip netns exec \(tb["NS_SWITCH"]) timeout 5 tcpdump -nn -l -q -i \(peer) 'udp and dst port 9'")
        }
        usleep(1_500_000)
        #expect(tb.sendUDP(count: 60).ok)
        var memberOf: [Int: Int] = [:]
        for (m, p) in captures.enumerated() {
            p.wait(timeout: 10)
            let text = p.output
            for match in text.matches(of: #/\.(\d+) > [\d.]+\.9:/#) {
                if let port = Int(match.1) { memberOf[port - 20000] = m }
            }
        }
        #expect(memberOf.count == 60, "captured \(memberOf.count) of 60")
        let sequence = (0..<60).compactMap { memberOf[$0] }
        var runs: [Int] = []
        var length = 1
        for i in 1..<sequence.count {
            if sequence[i] == sequence[i - 1] { length += 1 } else { runs.append(length); length = 1 }
        }
        // The first and last runs may be partial; every run between is exactly N.
        #expect(runs.count > 3)
        #expect(runs.dropFirst().allSatisfy { $0 == n }, "runs: \(runs)")
    }
}
