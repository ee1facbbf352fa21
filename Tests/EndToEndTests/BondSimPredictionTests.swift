import Foundation
import Testing

/// bondsim predicts the running daemon: the same pcap is replayed by `bondsim replay`
/// and injected into a real bond's device, and the switch counts, per member, the
/// frames the prediction names. Deterministic policies must agree exactly.
@Suite(.serialized) struct BondSimPredictionTests {
    static let deterministic: [[String]] = [
        ["mode=balance-xor", "xmit_hash_policy=layer2"],
        ["mode=balance-xor", "xmit_hash_policy=layer2+3"],
        ["mode=balance-xor", "xmit_hash_policy=layer3+4"],
        ["mode=balance-xor", "xmit_hash_policy=encap3+4"],
        ["mode=balance-xor", "xmit_hash_policy=vlan+srcmac"],
        ["mode=broadcast"],
        ["mode=active-backup"],
        ["mode=balance-rr"],
        ["mode=policy:consistent-hash", "ch_load_bound=0"],
    ]

    @Test(arguments: deterministic)
    func theSwitchCountsWhatBondsimPredicts(_ words: [String]) throws {
        let tb = try Testbed()
        let (bond, mac) = try quietBond(tb, words)
        // bondd runs until the end of the test, past the last use of `bond`.
        defer { withExtendedLifetime(bond) {} }
        let trace = try generate(
            tb, "--flows 400 --duration 2s --mean-flow-frames 6 --peers 8 --vifs 3 --ipv6-share 0.3 --frame-bytes 200 --seed 11", hostMAC: mac)
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let predicted = try prediction(trace: trace, members: tb.members, words: words, bondMAC: mac)
        let counted = try countAtTheSwitch(tb) { inject(trace, tb) }
        #expect(predicted.reduce(0, +) > 1000, "the trace has frames enough: \(predicted)")
        #expect(
            counted == predicted,
            "\(words.joined(separator: " ")) on \(BondDaemon.backend): the switch counted \(counted), bondsim predicted \(predicted)")
    }

    /// 802.3ad against Open vSwitch: once both ends distribute, the prediction of a bond
    /// that has been up long enough to negotiate (--warmup) is exact too.
    @Test func lacpWithOpenVSwitchIsPredictedExactly() throws {
        let tb = try Testbed(topology: 5)
        let ovs = try LACPPartner(tb, "ovs")
        let words = ["mode=802.3ad", "lacp_rate=fast", "xmit_hash_policy=layer3+4"]
        let (bond, mac) = try quietBond(tb, words)
        let negotiated = Shell.waitFor(15) {
            bond.status()?.members.allSatisfy { $0.lacp?.muxState == "collecting_distributing" } == true && ovs.ovsNegotiated()
        }
        #expect(negotiated, "\(ovs.show())")
        let trace = try generate(
            tb, "--flows 300 --duration 1s --mean-flow-frames 6 --peers 8 --ipv6-share 0.3 --frame-bytes 200 --seed 3", hostMAC: mac)
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let predicted = try prediction(trace: trace, members: tb.members, words: words, bondMAC: mac, extra: "--warmup 10s")
        let counted = try countAtTheSwitch(tb) { inject(trace, tb) }
        #expect(predicted.min()! > 100, "both ports carry some: \(predicted)")
        #expect(
            counted == predicted, "802.3ad with Open vSwitch on \(BondDaemon.backend): the switch counted \(counted), bondsim predicted \(predicted)")
    }

    static let timed: [[String]] = [
        ["mode=balance-tlb", "rebalance_interval=1000"],
        ["mode=balance-alb", "rebalance_interval=1000"],
        ["mode=balance-slb", "rebalance_interval=1000"],
        ["mode=policy:flowlet", "flowlet_gap=20000"],
    ]

    /// Policies whose decisions depend on time agree within 10 points of share per
    /// member: the trace is sent at its own pace, but the daemon's timers (rebalancing,
    /// load fading) run in a phase the simulated bond, started at the first frame,
    /// cannot know, and Python's pacing adds a millisecond or so of jitter per frame.
    @Test(arguments: timed)
    func policiesWithTimersAgreeWithinTheStatedTolerance(_ words: [String]) throws {
        let tb = try Testbed()
        let (bond, mac) = try quietBond(tb, words)
        // bondd runs until the end of the test, past the last use of `bond`.
        defer { withExtendedLifetime(bond) {} }
        let trace = try generate(
            tb, "--flows 120 --duration 2500ms --mean-flow-frames 12 --rates 0.2-2 --peers 8 --vifs 3 --frame-bytes 300 --seed 5", hostMAC: mac)
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let predicted = try prediction(trace: trace, members: tb.members, words: words, bondMAC: mac)
        let counted = try countAtTheSwitch(tb) {
            let paced = tb.inHost(
                """
                /usr/bin/python3 -c "
                import time
                from scapy.all import rdpcap, conf
                frames = rdpcap('\(trace)')
                s = conf.L2socket(iface='\(tb.bond)')
                t0, start = float(frames[0].time), time.monotonic()
                for f in frames:
                    d = float(f.time) - t0 - (time.monotonic() - start)
                    if d > 0: time.sleep(d)
                    s.send(f)
                "
                """, timeout: 120)
            #expect(paced.ok, "\(paced.error)")
        }
        let total = max(predicted.reduce(0, +), 1)
        #expect(counted.reduce(0, +) == total, "every frame reached the switch once: \(counted) against \(predicted)")
        for (c, p) in zip(counted, predicted) {
            #expect(
                abs(Double(c - p)) / Double(total) <= 0.10,
                "\(words.joined(separator: " ")) on \(BondDaemon.backend): counted \(counted), predicted \(predicted)")
        }
    }

    static let bondsim = Shell.binDirectory + "/bondsim"

    /// A bond on a quiet device (no address, no IPv6), so that only the trace goes
    /// through the mode; and its MAC.
    func quietBond(_ tb: Testbed, _ words: [String]) throws -> (BondDaemon, String) {
        let bond = try BondDaemon(tb, options: words + ["miimon=100"])
        tb.inHost("sysctl -qw net.ipv6.conf.\(tb.bond).disable_ipv6=1")
        tb.inHost("ip link set \(tb.bond) up")
        _ = Shell.waitFor(5) { bond.log().contains("\(tb.bond): the bond device is up") }
        return (bond, try #require(tb.hostLink(tb.bond)?["address"] as? String))
    }

    /// A trace `bondsim generate` writes with `arguments`, from the bond's MAC.
    func generate(_ tb: Testbed, _ arguments: String, hostMAC: String) throws -> String {
        let trace = NSTemporaryDirectory() + "\(tb.prefix)-\(UInt32.random(in: 0..<1_000_000)).pcap"
        let made = Shell.run("\(Self.bondsim) generate \(arguments) --host-mac \(hostMAC) -o \(trace)")
        #expect(made.ok, "\(made.error)")
        return trace
    }

    /// Sends every frame of `trace` on the bond device, as fast as scapy goes, from one
    /// CPU: with backend=xdp, balance-rr's counter is per CPU (as the kernel's
    /// rr_tx_counter is), and a sender that moved between CPUs would split the alternation
    /// that bondsim's one counter predicts.
    func inject(_ trace: String, _ tb: Testbed) {
        let sent = tb.inHost(
            "taskset -c 0 /usr/bin/python3 -c \"from scapy.all import rdpcap, sendp; sendp(rdpcap('\(trace)'), iface='\(tb.bond)', verbose=0)\"",
            timeout: 120)
        #expect(sent.ok, "\(sent.error)")
    }

    /// Per member, the frames `bondsim replay` says leave on it.
    func prediction(trace: String, members: [String], words: [String], bondMAC: String, extra: String = "") throws -> [Int] {
        let r = Shell.run(
            "\(Self.bondsim) replay \(trace) --members \(members.joined(separator: ",")) --bond-mac \(bondMAC) \(words.joined(separator: " ")) miimon=100 \(extra) --json"
        )
        #expect(r.ok, "\(r.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        let list = try #require(json["members"] as? [[String: Any]])
        return list.map { ($0["tx_frames"] as? Int) ?? -1 }
    }

    /// The trace's frames (sources 10.1/16 and 2001:db8:1::/48) each switch port received from its member while `body` ran.
    func countAtTheSwitch(_ tb: Testbed, during body: () throws -> Void) throws -> [Int] {
        let filter = "src net 10.1.0.0/16 or src net 2001:db8:1::/48"
        let captures = try tb.peers.map { peer in
            // Immediate mode: each frame is read as it comes, not with its ring block a
            // second later, so that all of them are counted when tcpdump is stopped; a
            // ring of 64 MB holds them meanwhile.
            try Shell.start("ip netns exec \(tb["NS_SWITCH"]) tcpdump -nn --immediate-mode -B 65536 -Q in -i \(peer) -w /dev/null '\(filter)'")
        }
        defer { for c in captures where c.isRunning { c.signal(SIGKILL) } }
        #expect(Shell.waitFor(5) { captures.allSatisfy { $0.errorOutput.contains("listening on") } })
        try body()
        Thread.sleep(forTimeInterval: 0.5)
        return captures.map { c -> Int in
            c.signal(SIGINT)
            _ = c.wait(timeout: 5)
            let text = c.errorOutput
            #expect(text.split(separator: "\n").contains("0 packets dropped by kernel"), "tcpdump dropped frames: \(text)")
            let line = text.split(separator: "\n").first { $0.hasSuffix("packets captured") } ?? ""
            return Int(line.split(separator: " ").first ?? "") ?? -1
        }
    }
}
