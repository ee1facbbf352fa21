import Foundation
import Testing

/// `tcp_in_kernel` on the engine's backends (afpacket, afxdp): the tc programs carry
/// TCP, every frame of it both ways, and the engine decides the rest; with
/// `tcp_in_kernel=0` the engine decides TCP too.
@Suite(.serialized) struct TCPInKernelTests {
    /// Sends `megabytes` each way with iperf3.
    private func iperf(_ tb: Testbed, megabytes: Int) throws {
        let server = try Shell.start("ip netns exec \(tb["NS_HOST"]) iperf3 -s -p 5302 -B \(tb["BOND_IP4"])")
        defer { server.signal(SIGTERM); _ = server.wait(timeout: 5) }
        #expect(Shell.waitFor(5) { tb.inHost("ss -ltn").output.contains(":5302") })
        for direction in ["", " -R"] {
            let r = tb.inClient("iperf3 -c \(tb["BOND_IP4"]) -p 5302 -n \(megabytes)M\(direction)", timeout: 60)
            #expect(r.ok, "iperf3\(direction): \(r.output) \(r.error)")
        }
    }

    @Test(arguments: ["afpacket", "afxdp"])
    func tcpIsCarriedInTheKernelAndTheRestByTheEngine(backend: String) throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-xor", "xmit_hash_policy=layer3+4", "miimon=100", "backend=\(backend)"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 3 -i 0.1 -W 2 \(tb["BOND_IP4"])").ok)
        let start = try #require(bond.status())
        #expect(start.backend == backend, "\(start.backendDetail ?? "")")
        #expect(start.backendDetail?.contains("TCP in tc on \(tb.members[0]), \(tb.members[1])") == true, "\(start.backendDetail ?? "")")
        #expect(tb.tcFilters(tb.bond).contains("bondd_tc_tx"), "\(tb.tcFilters(tb.bond))")
        // ICMP is the engine's: the programs move none of it.
        #expect(tb.inClient("ping -c 20 -i 0.02 -W 2 \(tb["BOND_IP4"])").ok)
        let pinged = try #require(bond.status())
        let fastStart = try #require(start.fastPath), fastPinged = try #require(pinged.fastPath)
        #expect(fastPinged.redirected == fastStart.redirected, "ping went through tc: \(fastStart) -> \(fastPinged)")
        let engineReceived = pinged.members.map(\.rxPackets).reduce(0, +) - start.members.map(\.rxPackets).reduce(0, +)
        #expect(engineReceived >= 20, "the engine received \(engineReceived) of 20 requests")

        let megabytes = 30
        try iperf(tb, megabytes: megabytes)
        let after = try #require(bond.status())
        let fast = try #require(after.fastPath)
        // Every TCP frame, the flows' small ones too (ACKs, the handshake): thousands.
        #expect(fast.redirected - fastPinged.redirected > 1000, "\(fastPinged) -> \(fast)")
        #expect(fast.passed - fastPinged.passed < 100, "TCP went up to the engine: \(fastPinged) -> \(fast)")
        // The members' counters hold every byte tc moved (most of what iperf3 wrote:
        // it ends a test with data still in its sockets' buffers).
        let received = zip(after.members, pinged.members).map { $0.rxBytes - $1.rxBytes }.reduce(0, +)
        let sent = zip(after.members, pinged.members).map { $0.txBytes - $1.txBytes }.reduce(0, +)
        let most = (megabytes << 20) * 8 / 10
        #expect(received >= most && sent >= most, "received \(received), sent \(sent)")
        #expect(bond.stop() == 0)
        for d in tb.members + [tb.bond] {
            #expect(!tb.tcFilters(d).contains("bondd_tc"), "\(d) keeps a filter: \(tb.tcFilters(d))")
        }
    }

    @Test(arguments: ["afpacket", "afxdp"])
    func withTCPInKernelOffTheEngineDecidesEveryFrame(backend: String) throws {
        let tb = try Testbed()
        let bond = try BondDaemon(
            tb, options: ["mode=balance-xor", "xmit_hash_policy=layer3+4", "miimon=100", "backend=\(backend)", "tcp_in_kernel=0"])
        bond.configureAddresses()
        let start = try #require(bond.status())
        #expect(start.backendDetail?.contains("TCP in tc") != true, "\(start.backendDetail ?? "")")
        #expect(start.fastPath == nil)
        #expect(!tb.tcFilters(tb.bond).contains("bondd_tc_tx"), "\(tb.tcFilters(tb.bond))")
        let megabytes = 30
        try iperf(tb, megabytes: megabytes)
        let after = try #require(bond.status())
        // The engine's own counters: every super-frame went through its sockets.
        let received = zip(after.members, start.members).map { $0.rxBytes - $1.rxBytes }.reduce(0, +)
        #expect(received >= (megabytes << 20) * 8 / 10, "received \(received)")
        // Not an option to change while the bond runs: it would rebuild the bond.
        let r = tb.bondctl("set \(tb.bond) tcp_in_kernel=1")
        #expect(r.status == 1 && r.error.contains("tcp_in_kernel: cannot change while \(tb.bond) runs"), "\(r.error)")
        #expect(bond.stop() == 0)
    }
}
