import Foundation
import Testing

@Suite(.serialized) struct RoundRobinTests {
    /// Sends `count` UDP datagrams from the host through the bond, one source port each.
    func sendUDP(_ tb: Testbed, count: Int) -> Shell.Result {
        tb.inHost("""
        /usr/bin/python3 -c "
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(\(count)):
            s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s2.bind(('\(tb["BOND_IP4"])', 20000 + i))
            s2.sendto(b'x' * 18, ('\(tb["CLIENT_IP4"])', 9))
            s2.close()
        "
        """)
    }

    @Test func thousandUDPFramesLeaveEvenlyOverBothMembers() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-rr", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        let before = tb.peers.map(tb.switchPortReceived)
        #expect(sendUDP(tb, count: 1000).ok)
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
        #expect(sendUDP(tb, count: 60).ok)
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
