import BondCore
import Foundation
import Testing

/// `workers=2`: a fanout group per device spreads the engine's frames over its own
/// thread and a second one by flow, in both directions. Nothing is lost, each thread
/// carries a share, control frames stay with the engine (LACP negotiates), a capture
/// still sees every frame, and members come and go under load. The option is
/// afpacket's, so the suite runs in the afpacket pass of the end-to-end tests.
@Suite(.serialized, .enabled(if: BondDaemon.backend == "afpacket"))
struct ForwardingThreadsTests: ConfigurationFileFixture {
    let accounting = FrameAccountingTests()
    static let options = ["backend=afpacket", "workers=2", "xmit_hash_policy=layer3+4"]

    /// Frames each thread has read so far, the engine's first.
    func threadFrames(_ bond: BondDaemon) throws -> [Int] {
        try #require(bond.status()?.forwardingThreads).map(\.frames)
    }

    /// 64 flows, 3000 frames paced below saturation: all arrive, none is counted as
    /// dropped, and each thread read at least a fifth of them.
    @Test(arguments: FrameAccountingTests.Direction.allCases)
    func framesSpreadOverBothThreadsByFlowAndNoneIsLost(_ direction: FrameAccountingTests.Direction) throws {
        let tb = try Testbed()
        let (bond, mac) = try accounting.quietBond(tb, options: Self.options)
        let before = try threadFrames(bond)
        #expect(before.count == 2)
        let result = try accounting.offer(3000, gap: "50us", direction, tb, bond, mac, flows: 64)
        #expect(result.sent == 3000 && result.received == result.sent && result.counted == 0, "\(result)")
        let read = zip(try threadFrames(bond), before).map { $0 - $1 }
        #expect(read.reduce(0, +) >= 3000 && read.allSatisfy { $0 >= 600 }, "frames read by each thread: \(read)")
        let text = tb.bondctl("show \(tb.bond) --verbose").output
        #expect(text.contains("Forwarding threads: 2, frames read: engine "), "\(text)")
        // Each thread has a name of its own, as top -H shows it (15 bytes at most).
        let ids = try #require(bond.status()?.forwardingThreads).map(\.id)
        let names = ids.map { tb.inHost("cat /proc/\(bond.process.pid)/task/\($0)/comm").output.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(names == ["bondd \(tb.bond)", "bondd \(tb.bond)/1"].map { String($0.prefix(15)) }, "\(names)")
    }

    /// `workers_steer=cpu`: each thread takes what its own CPU received, whatever the
    /// flow. A veth receives on its sender's CPU (as a NIC queue on its IRQ's), so pings
    /// from the client pinned to CPU 1, and the host's replies, are read by thread #1,
    /// pinned there, and those from CPU 0 by the engine's, pinned to CPU 0.
    @Test func steeredByCPUEachThreadReadsWhatItsCPUReceived() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(
            tb, options: ["mode=balance-xor", "miimon=100", "workers_steer=cpu", "engine_cpus=0-1"] + Self.options)
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        let ids = try #require(bond.status()?.forwardingThreads).map(\.id)
        let allowed = ids.map {
            tb.inHost("grep Cpus_allowed_list /proc/\(bond.process.pid)/task/\($0)/status").output.split(separator: "\t").last.map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        #expect(allowed == ["0", "1"], "each thread on its own CPU: \(allowed)")
        for (cpu, reader) in [(1, 1), (0, 0)] {
            let before = try threadFrames(bond)
            let ping = tb.inClient("taskset -c \(cpu) ping -q -c 50 -i 0.005 -W 1 \(tb["BOND_IP4"])")
            #expect(ping.ok, "\(ping.output)")
            let read = zip(try threadFrames(bond), before).map { $0 - $1 }
            // 50 requests and 50 replies; a few strays allowed for (the host's own).
            #expect(read[reader] >= 95 && read[1 - reader] < 10, "pinging from CPU \(cpu), frames read by each thread: \(read)")
        }
        let text = tb.bondctl("show \(tb.bond) --verbose").output
        #expect(
            text.contains("Forwarding threads: 2 by the CPU that received them (engine on CPU 0, #1 on CPU 1), frames read: engine "),
            "\(text)")
        #expect(bond.status()?.options["workers_steer"] == "cpu")
    }

    /// LACPDUs go to the engine's thread alone: the bond negotiates with Open vSwitch
    /// and its flows still spread over both members.
    @Test func controlFramesStayWithTheEngineAndLACPNegotiates() throws {
        let tb = try Testbed(topology: 5)
        let ovs = try LACPPartner(tb, "ovs")
        let bond = try BondDaemon(tb, options: ["mode=802.3ad", "miimon=100", "lacp_rate=fast"] + Self.options)
        bond.configureAddresses()
        #expect(
            Shell.waitFor(15) {
                ovs.ovsNegotiated()
                    && bond.status()?.members.allSatisfy { $0.lacp?.muxState == "collecting_distributing" } == true
            }, "\(ovs.show())")
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        let sent = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 100).ok) }, expectedTotal: 100)
        for n in sent { #expect(n >= 25, "per-member frames of 100 flows: \(sent)") }
        // The engine took LACPDUs on every member (a thread would have refused them).
        let s = try #require(bond.status())
        #expect(s.members.allSatisfy { $0.rxControl > 0 }, "\(s.members.map(\.rxControl))")
    }

    /// Tagged frames stay the engine's while it has VLAN devices (it alone serves them):
    /// each VLAN's client reaches the host and its guest there, over IPv4 and IPv6.
    @Test func taggedFramesReachTheVLANDevices() throws {
        let tb = try Testbed(topology: 4)
        let vlan = VLANTests()
        let bond = try vlan.bringUp(tb, ["mode=active-backup", "miimon=100"] + Self.options)
        let clients = VLANTests.list(tb, "VLAN_CLIENT_NS"), hosts = VLANTests.list(tb, "VLAN_HOST_IP4S")
        let guests = VLANTests.list(tb, "VLAN_GUEST_IP4S"), hosts6 = VLANTests.list(tb, "VLAN_HOST_IP6S")
        let before = try threadFrames(bond)
        for (i, c) in clients.enumerated() {
            #expect(vlan.replies(c, hosts[i]) >= 2, "\(c) to the host on VLAN \(i + 2)")
            #expect(vlan.replies(c, guests[i]) >= 2, "\(c) to its guest")
            #expect(vlan.replies(c, hosts6[i]) >= 2, "\(c) to the host over IPv6")
        }
        // Every tagged frame was the engine's: the other thread read none of them (a
        // few strays allowed for: untagged frames of the switch's own, if any).
        let read = zip(try threadFrames(bond), before).map { $0 - $1 }
        #expect(read[0] >= 24 && read[1] < 5, "frames read by each thread during the VLANs' pings: \(read)")
        #expect(vlan.replies(tb["NS_CLIENT"], tb["BOND_IP4"]) >= 2, "the untagged client to the bond")
        let vlans = try #require(bond.status()?.vlans)
        #expect(vlans.allSatisfy { $0.rxPackets >= 6 && $0.txPackets >= 6 }, "\(vlans)")
    }

    /// While a capture runs the engine takes every frame (it alone records them): a
    /// capture of 500 frames of 64 flows holds all 500.
    @Test func aCaptureSeesTheFramesOfEveryFlow() throws {
        let tb = try Testbed()
        let (bond, mac) = try accounting.quietBond(tb, options: Self.options)
        let dir = NSTemporaryDirectory() + "bondd-workers-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let capture = try tb.startBondctl("capture \(tb.bond) \(tb.members[0]) -w \(dir)/m0.pcap -c 500 --duration 20")
        #expect(Shell.waitFor(5) { bond.log().contains("capture started on \(tb.members[0])") })
        let result = try accounting.offer(500, gap: "100us", .toHost, tb, bond, mac, flows: 64)
        #expect(result.received == 500, "\(result)")
        #expect(capture.wait(timeout: 10) == 0)
        #expect(capture.output.hasPrefix("500 frames captured on \(tb.bond) member \(tb.members[0])"), "\(capture.output) \(capture.errorOutput)")
    }

    /// A flood the threads cannot keep up with: the engine's requests to them (a member
    /// leaving and coming back) and a stop are still served, each within seconds, since
    /// a thread's turn reads a bounded number of batches per ring.
    @Test func changesAndAStopAreServedUnderAFlood() throws {
        let tb = try Testbed()
        let (bond, mac) = try accounting.quietBond(tb, options: Self.options)
        let m = tb.members
        let config = NSTemporaryDirectory() + "\(tb.prefix)-flood.cfg"
        defer { try? FileManager.default.removeItem(atPath: config) }
        try
            "{ eth(da=\(mac), sa=02:00:00:00:00:98, type=0x0800), ipv4(sa=198.51.100.1, da=198.51.100.2, ttl=64), udp(sp=dinc(1000, 1063), dp=9), fill(0x00, 22) }\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let flood = try Shell.start("ip netns exec \(tb["NS_SWITCH"]) timeout 20 trafgen -o \(tb.peers[0]) -i \(config) -P 1 --no-sock-mem -q")
        defer { if flood.isRunning { flood.signal(SIGKILL) } }
        #expect(Shell.waitFor(5) { (bond.status()?.forwardingThreads?.last?.frames ?? 0) > 10_000 }, "the flood reaches the second thread")
        for command in ["remove-member \(tb.bond) \(m[1])", "add-member \(tb.bond) \(m[1])"] {
            let started = Date()
            #expect(tb.bondctl(command, timeout: 15).ok, "\(command)")
            #expect(Date().timeIntervalSince(started) < 5, "\(command) took \(Date().timeIntervalSince(started)) s under the flood")
        }
        let started = Date()
        #expect(bond.stop() == 0)
        #expect(Date().timeIntervalSince(started) < 5, "the stop took \(Date().timeIntervalSince(started)) s under the flood")
    }

    /// workers= changes by a reload, which rebuilds the bond over the same devices, as
    /// for the backend; `bondctl set` refuses it in one line.
    @Test func aReloadChangesTheThreads() throws {
        let tb = try Testbed()
        let m = tb.members
        let a = tb.prefix + "b0"
        func file(_ workers: Int) -> String {
            "[\(a)]\nmembers = \(m[0]) \(m[1])\nmode = balance-xor\nmiimon = 100\nbackend = afpacket\nworkers = \(workers)\n"
        }
        let path = try write(file(2))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", path])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { status(a) != nil }, "\(daemon.errorOutput)")
        #expect(status(a)?.forwardingThreads?.count == 2)
        let set = tb.bondctl("set \(a) workers=3")
        #expect(
            set.status == 1
                && set.error.contains("workers: cannot change while \(a) runs; change it in the configuration file and run bondctl reload"),
            "\(set.error)")
        for workers in [3, 1] {
            try file(workers).write(toFile: path, atomically: true, encoding: .utf8)
            let r = tb.inHost("\(Shell.binDirectory)/bondctl reload \(a)")
            #expect(r.ok && r.output == "\(a): rebuilt (changed), its devices kept\n", "\(r.output) \(r.error)")
            #expect(status(a)?.forwardingThreads?.count == (workers == 1 ? nil : workers), "workers=\(workers)")
            #expect(status(a)?.options["workers"] == .some("\(workers)"))
        }
    }

    /// A member removed and added again under a steady load: it gets a socket per
    /// thread again, and nothing is lost before or after.
    @Test func membersComeAndGoWhileThreadsRun() throws {
        let tb = try Testbed()
        let (bond, mac) = try accounting.quietBond(tb, options: Self.options)
        let m = tb.members
        #expect(tb.bondctl("remove-member \(tb.bond) \(m[1])").ok)
        var result = try accounting.offer(2000, gap: "50us", .fromHost, tb, bond, mac, flows: 64)
        #expect(result.sent == 2000 && result.received == result.sent && result.counted == 0, "\(result)")
        #expect(tb.bondctl("add-member \(tb.bond) \(m[1])").ok)
        #expect(Shell.waitFor(5) { bond.status()?.members.count == 2 && bond.status()?.members.allSatisfy { $0.link == "up" } == true })
        let before = try #require(bond.status()).members.map(\.txPackets)
        result = try accounting.offer(2000, gap: "50us", .fromHost, tb, bond, mac, flows: 64)
        #expect(result.sent == 2000 && result.received == result.sent && result.counted == 0, "\(result)")
        let after = try #require(bond.status()).members.map(\.txPackets)
        // Both members carry their share of the flows again.
        #expect(zip(after, before).allSatisfy { $0 - $1 >= 400 }, "\(before) -> \(after)")
        #expect(!bond.log().contains(" error "), "\(bond.log().suffix(800))")
    }
}
