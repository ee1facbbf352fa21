import Foundation
import Testing

/// The XDP fast path (`backend=xdp`) as a user meets it: frames decided in the kernel,
/// programs following members in and out, a fallback that says why, and nothing left
/// behind. (The rest of the suite runs on every backend: see BondDaemon.backend.)
@Suite(.serialized) struct FastPathTests {
    /// "xdpgeneric" or "xdp" in `ip -d link show` output for `device`.
    private func hasXDP(_ tb: Testbed, _ device: String) -> Bool {
        let out = tb.inHost("ip -d link show dev \(device)").output
        return out.contains("prog/xdp")
    }

    /// A receive program of ours on `device`: `bondd_rx` (XDP) or `bondd_tc_rx` (tc).
    private func hasReceiveProgram(_ tb: Testbed, _ device: String) -> Bool {
        hasXDP(tb, device) || tb.tcFilters(device).contains("bondd_tc_rx")
    }

    /// The ids of the programs of ours (XDP and tc) attached to `devices` and of the
    /// maps they use.
    private func programsAndMaps(_ tb: Testbed, _ devices: [String]) -> (programs: Set<Int>, maps: Set<Int>) {
        var programs: Set<Int> = [], maps: Set<Int> = []
        for d in devices {
            let out = tb.inHost("ip -d link show dev \(d)").output
            for m in out.matches(of: #/prog/xdp id (\d+)/#) { programs.insert(Int(m.1)!) }
            // Not the stack bypass's drop programs (one per interface, made without maps).
            for line in tb.tcFilters(d).split(separator: "\n") where line.contains("bondd_") && !line.contains("bondd_drop") {
                if let m = line.firstMatch(of: #/ id (\d+)/#) { programs.insert(Int(m.1)!) }
            }
        }
        for p in programs {
            let out = Shell.run("bpftool prog show id \(p)").output
            if let ids = out.firstMatch(of: #/map_ids ([\d,]+)/#) {
                for id in ids.1.split(separator: ",") { maps.insert(Int(id)!) }
            }
        }
        return (programs, maps)
    }

    /// Which of these programs and maps still exist anywhere.
    private func stillLoaded(_ ids: (programs: Set<Int>, maps: Set<Int>)) -> [String] {
        ids.programs.filter { Shell.run("bpftool prog show id \($0)").ok }.map { "program \($0)" }
            + ids.maps.filter { Shell.run("bpftool map show id \($0)").ok }.map { "map \($0)" }
    }

    @Test func framesAreDecidedInTheKernelAndCountedPerMember() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "backend=xdp"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 100 -i 0.01 -W 2 \(tb["BOND_IP4"])").ok)
        // Each frame has one owner: none reaches the host twice (the engine's socket
        // filter and tc decide alike), ICMPv6 included.
        for ip in [tb["BOND_IP4"], tb["BOND_IP6"]] {
            let ping = tb.inClient("ping -c 20 -i 0.01 -W 2 \(ip)")
            #expect(ping.ok && !ping.output.contains("DUP"), "\(ping.output)")
        }
        let s = try #require(bond.status())
        #expect(s.backend == "xdp", "\(s.backendDetail ?? "")")
        #expect(s.backendDetail?.contains("\(tb.members[0]) tc") == true, "\(s.backendDetail ?? "")")
        let fast = try #require(s.fastPath)
        // 100 requests in, 100 replies out, through the programs; ARP went up to the engine.
        #expect(fast.redirected >= 200, "\(fast)")
        #expect(fast.passed >= 1, "\(fast)")
        #expect(s.members[0].rxPackets >= 100 && s.members[0].txPackets >= 100, "\(s.members[0])")
        #expect(s.members[1].txPackets == 0)
        #expect(hasReceiveProgram(tb, tb.members[0]) && hasReceiveProgram(tb, tb.members[1]))
        #expect(bond.stop() == 0)
    }

    /// Every mode's frames take the fast path once the engine has placed what needs
    /// placing (tlb buckets, learned MACs); ARP still goes up.
    @Test(arguments: ["balance-rr", "active-backup", "balance-xor", "broadcast", "balance-tlb", "balance-alb", "balance-slb"])
    func everyModeHasAFastPath(mode: String) throws {
        let tb = try Testbed()
        let bond = try BondDaemon(
            tb,
            options: ["mode=\(mode)", "miimon=100", "xmit_hash_policy=layer3+4", "backend=xdp"].filter {
                mode != "balance-slb" || !$0.hasPrefix("xmit_hash_policy")
            })
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 100 -i 0.01 -W 2 \(tb["BOND_IP4"])").ok)
        let s = try #require(bond.status())
        let fast = try #require(s.fastPath)
        // 100 requests in and 100 replies out; a few go up while the engine places them.
        #expect(fast.redirected >= 190, "\(mode): \(fast)")
        #expect(fast.passed >= 1, "\(mode): ARP goes up: \(fast)")
        let sent = s.members.map(\.txPackets).reduce(0, +), received = s.members.map(\.rxPackets).reduce(0, +)
        #expect(sent >= 100 && received >= 100, "\(mode): per-member counters include the fast path: \(s.members)")
        #expect(bond.stop() == 0)
    }

    /// TCP's super-frames (GSO from the host's stack, GSO and GRO from the peer's) are
    /// carried whole by the tc programs beside XDP: none goes up to the engine, and the
    /// members' counters hold every byte either way.
    @Test func tcpSuperFramesAreCarriedInTheKernel() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-xor", "xmit_hash_policy=layer3+4", "miimon=100", "backend=xdp"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 3 -i 0.1 -W 2 \(tb["BOND_IP4"])").ok)
        let before = try #require(bond.status())
        #expect(before.backendDetail?.contains("super-frames in tc") == true, "\(before.backendDetail ?? "")")
        #expect(tb.tcFilters(tb.bond).contains("bondd_tc_tx"), "\(tb.tcFilters(tb.bond))")
        #expect(tb.tcFilters(tb.members[0]).contains("bondd_tc_rx"), "\(tb.tcFilters(tb.members[0]))")
        let server = try Shell.start("ip netns exec \(tb["NS_HOST"]) iperf3 -s -p 5301 -B \(tb["BOND_IP4"])")
        defer { server.signal(SIGTERM); _ = server.wait(timeout: 5) }
        #expect(Shell.waitFor(5) { tb.inHost("ss -ltn").output.contains(":5301") })
        let megabytes = 50
        for direction in ["", " -R"] {
            let r = tb.inClient("iperf3 -c \(tb["BOND_IP4"]) -p 5301 -n \(megabytes)M\(direction)", timeout: 60)
            #expect(r.ok, "iperf3\(direction): \(r.output) \(r.error)")
        }
        let after = try #require(bond.status())
        let fast = try #require(after.fastPath), fastBefore = try #require(before.fastPath)
        let received = zip(after.members, before.members).map { $0.rxBytes - $1.rxBytes }.reduce(0, +)
        let sent = zip(after.members, before.members).map { $0.txBytes - $1.txBytes }.reduce(0, +)
        // Most of what iperf3 wrote: it ends a test with data still in its sockets'
        // buffers, which never crosses (2% of it, once). Without the tc path's counts
        // the members would show only what its small frames carried.
        let most = (megabytes << 20) * 8 / 10
        #expect(received >= most && sent >= most, "received \(received), sent \(sent)")
        // The engine would see thousands: every super-frame, and the rest of its flow.
        #expect(fast.passed - fastBefore.passed < 100, "frames went up to the engine: \(fastBefore) -> \(fast)")
        #expect(bond.stop() == 0)
        for m in tb.members { #expect(!tb.tcFilters(m).contains("bondd"), "\(m) keeps a filter: \(tb.tcFilters(m))") }
    }

    @Test func aCleanExitLeavesNoProgramMapOrSocketBehind() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-rr", "miimon=100", "backend=xdp"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 5 -i 0.05 -W 2 \(tb["BOND_IP4"])").ok)
        let ids = programsAndMaps(tb, tb.members + [tb.bond, tb.bond + "-eng"])
        // bondd_tx, and tc's transmit, receive and out programs (veth members are
        // decided in tc), with their maps.
        #expect(ids.programs.count == 4 && ids.maps.count >= 10, "the programs and their maps while the bond runs: \(ids)")
        #expect(tb.inHost("cat /proc/net/packet").output.split(separator: "\n").count > 1)
        #expect(bond.stop() == 0)
        for m in tb.members { #expect(!hasReceiveProgram(tb, m), "\(m) keeps a program") }
        #expect(stillLoaded(ids).isEmpty, "left behind: \(stillLoaded(ids))")
        #expect(tb.inHost("cat /proc/net/packet").output.split(separator: "\n").count == 1, "packet sockets left open")
    }

    @Test func membersAddedAtRuntimeGetTheProgramAndLoseItOnRemoval() throws {
        let tb = try Testbed(members: 3)
        let m = tb.members
        let bond = try BondDaemon(
            tb, options: ["mode=balance-xor", "xmit_hash_policy=layer3+4", "miimon=100", "backend=xdp"],
            members: [m[0], m[1]])
        bond.configureAddresses()
        #expect(!hasReceiveProgram(tb, m[2]))
        #expect(tb.bondctl("add-member \(tb.bond) \(m[2])").ok)
        #expect(hasReceiveProgram(tb, m[2]))
        #expect(tb.inClient("ping -c 3 -i 0.1 -W 2 \(tb["BOND_IP4"])").ok)
        #expect(tb.bondctl("remove-member \(tb.bond) \(m[2])").ok)
        #expect(!hasReceiveProgram(tb, m[2]), "the removed member keeps the program")
        #expect(tb.inClient("ping -c 3 -i 0.1 -W 2 \(tb["BOND_IP4"])").ok)
        #expect(bond.stop() == 0)
    }

    @Test func fallsBackToAFPacketWithOneLineSayingWhy() throws {
        let tb = try Testbed()
        // Another XDP program on a member: the bond must decide its frames first.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bondd-xdp-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("pass.c").path
        try
            "#include <linux/bpf.h>\n__attribute__((section(\"xdp\"), used)) int pass(struct xdp_md *c) { return XDP_PASS; }\nchar LICENSE[] __attribute__((section(\"license\"), used)) = \"GPL\";\n"
            .write(toFile: source, atomically: true, encoding: .utf8)
        let object = dir.appendingPathComponent("pass.o").path
        let cc = Shell.run("clang -O2 -target bpf -I/usr/include/x86_64-linux-gnu -I/usr/include/aarch64-linux-gnu -c \(source) -o \(object)")
        try #require(cc.ok, "\(cc.error)")
        try #require(tb.inHost("ip link set dev \(tb.members[1]) xdpgeneric obj \(object) sec xdp").ok)

        let before = Set(Shell.run("bpftool prog show").output.matches(of: #/(\d+): xdp\s+name bondd_/#).map { Int($0.1)! })
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "backend=xdp"])
        bond.configureAddresses()
        let s = try #require(bond.status())
        #expect(s.backend == "afpacket")
        #expect(s.backendDetail?.contains("xdp unavailable") == true, "\(s.backendDetail ?? "")")
        #expect(tb.inClient("ping -c 3 -i 0.1 -W 2 \(tb["BOND_IP4"])").ok, "the bond works on AF_PACKET")
        let lines = bond.log().split(separator: "\n").filter { $0.contains("XDP fast path unavailable") }
        #expect(lines.count == 1, "\(bond.log())")
        #expect(lines.first?.contains("AF_PACKET") == true)
        // Nothing of ours stays attached after the failed attempt; theirs is untouched.
        #expect(!hasReceiveProgram(tb, tb.members[0]))
        #expect(bond.stop() == 0)
        #expect(hasXDP(tb, tb.members[1]), "the other program was removed")
        let after = Set(Shell.run("bpftool prog show").output.matches(of: #/(\d+): xdp\s+name bondd_/#).map { Int($0.1)! })
        #expect(after.subtracting(before).isEmpty, "programs of the failed attempt left loaded: \(after.subtracting(before))")
    }

    /// Without backend=, the fast path is taken wherever its programs attach: on veth
    /// members in tc, super-frames and all (it measured fastest there for TCP,
    /// latency and CPU per frame).
    @Test func byDefaultTheFastPathIsTakenOnVethMembersToo() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"], automaticBackend: true)
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 3 -i 0.1 -W 2 \(tb["BOND_IP4"])").ok)
        let s = try #require(bond.status())
        #expect(s.backend == "xdp", "\(s.backendDetail ?? "")")
        #expect(s.backendDetail?.contains("\(tb.members[0]) tc") == true, "\(s.backendDetail ?? "")")
        #expect(s.backendDetail?.contains("super-frames in tc") == true, "\(s.backendDetail ?? "")")
        #expect(bond.log().split(separator: "\n").filter { $0.contains("backend xdp (") }.count == 1, "\(bond.log())")
        #expect(hasReceiveProgram(tb, tb.members[0]) && hasReceiveProgram(tb, tb.members[1]))
        #expect(bond.stop() == 0)
        #expect(!hasReceiveProgram(tb, tb.members[0]))
    }

    /// backend=afxdp: every frame through AF_XDP sockets on shared memory, steered by
    /// bondd_xsk; TCP's checksums, owed by the host, completed on the way (TCP left to
    /// the engine: tcp_in_kernel=0).
    @Test func afxdpMovesFramesThroughSocketsAndLeavesNothingBehind() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(
            tb, options: ["mode=balance-xor", "xmit_hash_policy=layer3+4", "miimon=100", "backend=afxdp", "tcp_in_kernel=0"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 100 -i 0.01 -W 2 \(tb["BOND_IP4"])").ok)
        // A TCP connection (checksums owed by both stacks) carries a request and a reply.
        let server = try Shell.start(
            "ip netns exec \(tb["NS_HOST"]) python3 -c 'import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\"\(tb["BOND_IP4"])\", 7777)); s.listen(); c,_=s.accept(); c.sendall(c.recv(100).upper()); c.close()'"
        )
        usleep(300_000)
        let reply = tb.inClient(
            "python3 -c 'import socket; c=socket.create_connection((\"\(tb["BOND_IP4"])\", 7777), timeout=3); c.sendall(b\"bonded\"); print(c.recv(100).decode())'"
        )
        server.wait(timeout: 5)
        #expect(reply.output.contains("BONDED"), "\(reply.output) \(reply.error)")
        let s = try #require(bond.status())
        #expect(s.backend == "afxdp")
        #expect(s.backendDetail?.contains("shared frames") == true, "\(s.backendDetail ?? "")")
        let sent = s.members.map(\.txPackets).reduce(0, +), received = s.members.map(\.rxPackets).reduce(0, +)
        #expect(sent >= 100 && received >= 100, "\(s.members)")
        let ids = programsAndMaps(tb, tb.members + [tb.bond + "-eng"])
        #expect(ids.programs.count == 1, "one steering program on every interface: \(ids)")
        #expect(bond.stop() == 0)
        for m in tb.members { #expect(!hasXDP(tb, m), "\(m) keeps an XDP program") }
        #expect(stillLoaded(ids).isEmpty, "left behind: \(stillLoaded(ids))")
    }

    /// xdp_mode: the steering program natively on veth too (as Open vSwitch's AF_XDP
    /// ports do), or generic; by default generic on veth. Frames flow either way, the
    /// kernel shows the mode asked for on every interface, and show says it.
    @Test(arguments: [("native", "native, copy"), ("generic", "generic, copy"), ("auto", "generic, copy")])
    func afxdpAttachesAsXDPModeSays(mode: String, shown: String) throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "backend=afxdp", "xdp_mode=\(mode)"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 50 -i 0.01 -W 2 \(tb["BOND_IP4"])").ok)
        let s = try #require(bond.status())
        #expect(s.backend == "afxdp", "\(s.backendDetail ?? "")")
        let detail = s.backendDetail ?? ""
        #expect(detail.contains("bond device \(shown); members \(tb.members[0]) \(shown), \(tb.members[1]) \(shown)"), "\(detail)")
        // `ip link` names the mode on the interface's line: "xdp" (driver) or "xdpgeneric".
        let flag = mode == "native" ? " xdp " : " xdpgeneric "
        for d in tb.members + [tb.bond + "-eng"] {
            #expect(tb.inHost("ip link show dev \(d)").output.contains(flag), "\(d): \(tb.inHost("ip link show dev \(d)").output)")
        }
        #expect(s.members.map(\.rxPackets).reduce(0, +) >= 50, "\(s.members)")
        #expect(bond.stop() == 0)
        for m in tb.members { #expect(!hasXDP(tb, m), "\(m) keeps an XDP program") }
    }

    @Test func anUnknownBackendIsRefusedInOneLine() throws {
        let tb = try Testbed()
        let r = tb.inHost("\(Shell.binDirectory)/bondd \(tb.bond) --members \(tb.members.joined(separator: ",")) backend=dpdk")
        #expect(r.status == 2 || r.status == 1)
        #expect(r.error.contains("backend: invalid value 'dpdk' (afpacket|afxdp|xdp)"), "\(r.error)")
        #expect(r.error.split(separator: "\n").count == 1)
        #expect(tb.hostLink(tb.bond) == nil, "nothing created")
    }
}
