import Foundation
import Testing

/// The bond device behaves as a normal netdev: carrier, MTU, bridge port, both modes.
@Suite(.serialized) struct BondDeviceTests {
    func hasCarrier(_ tb: Testbed) -> Bool {
        (tb.hostLink(tb.bond)?["flags"] as? [String])?.contains("LOWER_UP") == true
    }

    @Test func carrierIsUpExactlyWhileAMemberIsUp() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        #expect(Shell.waitFor(2) { hasCarrier(tb) })
        tb.fail(member: 0)
        #expect(Shell.waitFor(2) { bond.status()?.activeMember == tb.members[1] })
        #expect(hasCarrier(tb))
        tb.fail(member: 1)
        #expect(Shell.waitFor(2) { !hasCarrier(tb) }, "carrier stayed up with no member up")
        #expect(bond.status()?.activeMember == nil)
        #expect(bond.status()?.carrier == "down")
        tb.restore(member: 1)
        #expect(Shell.waitFor(2) { hasCarrier(tb) })
        #expect(tb.inClient("ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
    }

    @Test(arguments: ["active-backup", "balance-rr"])
    func pingsBothWaysInEachMode(mode: String) throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=\(mode)", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 4 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        #expect(tb.inClient("ping -c 4 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        #expect(tb.inHost("ping -6 -c 4 -i 0.2 -W 2 \(tb["CLIENT_IP6"])").ok)
        #expect(tb.inClient("ping -6 -c 4 -i 0.2 -W 2 \(tb["BOND_IP6"])").ok)
    }

    @Test func membersFollowTheBondMTU() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        tb.inSwitch("sh -c 'for i in $(ls /sys/class/net); do ip link set $i mtu 9000; done'")
        tb.inClient("ip link set \(tb["CLIENT_IF"]) mtu 9000")
        #expect(tb.inHost("ip link set \(tb.bond) mtu 9000").ok)
        #expect(Shell.waitFor(2) { tb.members.allSatisfy { tb.hostLink($0)?["mtu"] as? Int == 9000 } })
        // A 8000-byte ping crosses unfragmented.
        #expect(tb.inHost("ping -M do -s 8000 -c 2 -W 2 \(tb["CLIENT_IP4"])").ok)
        #expect(bond.status()?.mtu == 9000)
        #expect(bond.stop() == 0)
        #expect(tb.members.allSatisfy { tb.hostLink($0)?["mtu"] as? Int == 1500 })
    }

    /// TCP with the offloads on: the host hands the bond 64 KiB segments (GSO), which
    /// cross the engine whole (fewer frames than MTU-sized segments would be), in both
    /// directions, and every byte arrives.
    @Test func tcpSegmentsCrossTheBondWholeAndIntact() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        // 40 MiB of a seeded pattern; the receiver prints its length and SHA-256.
        let pattern = "import random; data = random.Random(7).randbytes(40 << 20)"
        let server = try Shell.start(
            "ip netns exec \(tb["NS_CLIENT"]) python3 -c '\(pattern); import socket, hashlib; s = socket.socket(); "
                + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\"\(tb["CLIENT_IP4"])\", 5299)); s.listen(); "
                + "c, _ = s.accept(); h = hashlib.sha256(); n = 0\nwhile True:\n  b = c.recv(1 << 20)\n  if not b: break\n  h.update(b); n += len(b)\n"
                + "print(n, h.hexdigest() == hashlib.sha256(data).hexdigest())'")
        defer { if server.isRunning { server.signal(SIGKILL) } }
        #expect(Shell.waitFor(5) { tb.inClient("ss -ltn").output.contains(":5299") })
        let before = try #require(bond.status()?.members.first { $0.state == "active" })
        let bytes = 40 << 20
        let send = tb.inHost(
            "python3 -c '\(pattern); import socket; s = socket.create_connection((\"\(tb["CLIENT_IP4"])\", 5299)); s.sendall(data); s.close()'",
            timeout: 60)
        #expect(send.ok, "\(send.error)")
        _ = server.wait(timeout: 30)
        #expect(server.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(bytes) True", "\(server.output) \(server.errorOutput)")
        let after = try #require(bond.status()?.members.first { $0.name == before.name })
        let frames = after.txPackets - before.txPackets
        let sent = after.txBytes - before.txBytes
        #expect(sent >= bytes, "the bond sent \(sent) bytes")
        #expect(frames < bytes / 1448 / 2, "\(frames) frames for \(sent) bytes: segments were not carried whole")
        #expect(after.rxMissed == 0 && after.txDrops == 0, "\(after)")
    }

    @Test func worksAsABridgePort() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        let br = tb.prefix + "hb"
        tb.inHost("ip link add \(br) type bridge stp_state 0 forward_delay 0")
        #expect(tb.inHost("ip link set \(tb.bond) master \(br)").ok)
        tb.inHost("ip link set \(tb.bond) up")
        tb.inHost("ip addr add \(tb["BOND_IP4"])/24 dev \(br)")
        tb.inHost("ip link set \(br) up")
        #expect(tb.inHost("ping -c 3 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        // A bridge port is promiscuous; the members follow.
        #expect(Shell.waitFor(2) { tb.members.allSatisfy { (tb.hostLink($0)?["promiscuity"] as? Int ?? 0) > 0 } })
        #expect(bond.stop() == 0)
        #expect(tb.members.allSatisfy { (tb.hostLink($0)?["promiscuity"] as? Int) == 0 })
    }

    /// Counts the frames the host sends out of `members` carrying skb->mark `mark`, over
    /// `seconds` or until SIGINT; prints "ready" once listening, then the count. A packet
    /// socket's classic BPF filter reads the mark (SKF_AD_MARK), after tc egress has run;
    /// what it keeps waits in the socket's buffer, which is read at the end.
    static let markCounter = """
        import ctypes, signal, socket, struct, sys, time
        members, mark, seconds = sys.argv[1].split(","), int(sys.argv[2]), float(sys.argv[3])
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        code = [(0x20, 0, 0, 0xFFFFF014), (0x15, 0, 1, mark), (0x06, 0, 0, 0xFFFF), (0x06, 0, 0, 0)]
        program = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in code))
        s.setsockopt(socket.SOL_SOCKET, 26, struct.pack("HL", len(code), ctypes.addressof(program)))  # SO_ATTACH_FILTER
        s.setblocking(False)
        try:
            while True: s.recv(65535)
        except BlockingIOError: pass
        # SIGINT ends the wait, wherever it comes: never an exception mid-count.
        stop = []
        signal.signal(signal.SIGINT, lambda *_: stop.append(1))
        print("ready", flush=True)
        n, end = 0, time.time() + seconds
        while not stop and time.time() < end:
            time.sleep(0.02)
        try:
            while True:
                _, a = s.recvfrom(65535)
                n += a[0] in members and a[2] == socket.PACKET_OUTGOING
        except BlockingIOError:
            pass
        print(n)
        """

    /// The kernel's bond hands a frame to its slave with its mark (SO_MARK, a
    /// firewall's), which a member's qdisc or filters may shape by. So does bondd, for
    /// the frames its tc path carries (TCP on every backend; on xdp, what the mode
    /// decides in tc); what the engine sends it sends anew, unmarked.
    @Test func theHostsMarkReachesTheMember() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        let counter = try Shell.start(
            "ip netns exec \(tb["NS_HOST"]) python3 -c \(Shell.quote(Self.markCounter)) \(tb.members.joined(separator: ",")) 42 8")
        #expect(Shell.waitFor(5) { counter.output.hasPrefix("ready") }, "\(counter.errorOutput)")
        // 20 connection attempts to a closed port, marked 42 (SO_MARK): 20 SYNs, each refused.
        let connect = tb.inHost(
            "python3 -c 'import socket\nfor _ in range(20):\n  s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, 36, 42); s.settimeout(2)\n"
                + "  try: s.connect((\"\(tb["CLIENT_IP4"])\", 9))\n  except OSError: pass\n  s.close()'")
        #expect(connect.ok, "\(connect.error)")
        counter.signal(SIGINT)
        _ = counter.wait(timeout: 10)
        let lines = counter.output.split(separator: "\n")
        #expect(lines.count == 2 && Int(lines[1]) ?? 0 >= 20, "marked frames out of the members: \(counter.output) \(counter.errorOutput)")
    }
}
