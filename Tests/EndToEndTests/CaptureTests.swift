import BondControl
import Foundation
import Testing

/// `bondctl capture`: pcap files written by bondd with libpcap, read back with tcpdump.
@Suite(.serialized) struct CaptureEndToEndTests {
    private func tcpdump(_ file: String) -> [String] {
        Shell.run("tcpdump -r \(file) -n -e 2>/dev/null").output.split(separator: "\n").map(String.init)
    }

    @Test func aMemberCaptureHoldsWhatTheEngineSentAndReceivedThere() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "num_grat_arp=1"])
        bond.configureAddresses()
        #expect(tb.inClient("ping -c 2 -W 2 \(tb["BOND_IP4"])").ok)
        let dir = NSTemporaryDirectory() + "bondd-capture-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        // On the active member: 10 frames, the echo requests and replies of a ping.
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.05 -c 60 -W 1 \(tb["BOND_IP4"])")
        // A relative file name is the caller's directory's.
        let active = tb.inHost(
            "bash -c \(Shell.quote("cd \(dir) && \(Shell.binDirectory)/bondctl capture \(tb.bond) \(m[0]) -w active.pcap -c 10"))", timeout: 20)
        #expect(
            active.ok && active.output == "10 frames captured on \(tb.bond) member \(m[0]) to \(dir)/active.pcap (count reached; 0 dropped)\n",
            "\(active.error)")
        let frames = tcpdump("\(dir)/active.pcap")
        #expect(frames.count == 10)
        #expect(frames.contains { $0.contains("\(tb["CLIENT_IP4"]) > \(tb["BOND_IP4"]): ICMP echo request") })
        #expect(frames.contains { $0.contains("\(tb["BOND_IP4"]) > \(tb["CLIENT_IP4"]): ICMP echo reply") })

        // On the backup, across a failover: the gratuitous ARP that announces it, then replies.
        let backup = try tb.startBondctl("capture \(tb.bond) \(m[1]) -w \(dir)/backup.pcap --duration 3")
        #expect(Shell.waitFor(5) { backup.errorOutput.contains("capturing on") })
        #expect(tb.inSwitch("ip link set \(tb.peers[0]) down").ok)
        #expect(backup.wait(timeout: 15) == 0, "\(backup.errorOutput)")
        pinger.wait(timeout: 20)
        let after = tcpdump("\(dir)/backup.pcap")
        let garp = after.firstIndex { $0.contains("Request who-has \(tb["BOND_IP4"]) tell \(tb["BOND_IP4"])") }
        let reply = after.firstIndex { $0.contains("ICMP echo reply") }
        #expect(garp != nil && reply != nil, "\(after.prefix(8))")
        if let garp, let reply { #expect(garp < reply, "announced before it carries replies") }
        #expect(backup.output.contains("frames captured on \(tb.bond) member \(m[1])") && backup.output.contains("(time is up; 0 dropped)"))
    }

    @Test func aBondCaptureAndItsRefusals() throws {
        let tb = try Testbed(members: 2)
        let bond = try BondDaemon(tb, options: ["mode=balance-rr", "miimon=100"])
        bond.configureAddresses()
        // Past the bond's first announcements (ND, MLD), so that the capture holds the ping.
        #expect(tb.inClient("ping -c 2 -i 0.5 -W 2 \(tb["BOND_IP4"])").ok)
        usleep(500_000)
        let file = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).pcap"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let pinger = try Shell.start("ip netns exec \(tb["NS_CLIENT"]) ping -q -i 0.02 -c 100 -W 1 \(tb["BOND_IP4"])")
        let r = tb.bondctl("capture \(tb.bond) -w \(file) -c 20", timeout: 20)
        #expect(r.ok, "\(r.error)")
        let frames = tcpdump(file)
        #expect(frames.count == 20)
        // The bond's view: requests delivered to the host and its replies, whatever member carried them.
        #expect(frames.filter { $0.contains("ICMP echo request") }.count >= 9)
        #expect(frames.filter { $0.contains("ICMP echo reply") }.count >= 9)
        // A second capture on the same port, a member of nothing, a file that cannot be written.
        let busy = try tb.startBondctl("capture \(tb.bond) -w \(file).2 --duration 2")
        #expect(Shell.waitFor(5) { busy.errorOutput.contains("capturing on") })
        let twice = tb.bondctl("capture \(tb.bond) -w \(file).3 -c 1")
        #expect(twice.status == 1 && twice.error == "bondctl: capture: a capture is already running on \(tb.bond)\n")
        #expect(!FileManager.default.fileExists(atPath: "\(file).3"), "nothing half-made is left")
        #expect(busy.wait(timeout: 10) == 0)
        try? FileManager.default.removeItem(atPath: "\(file).2")
        // A refused capture leaves an existing file of that name as it was.
        try "keep me\n".write(toFile: "\(file).4", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: "\(file).4") }
        let stranger = tb.bondctl("capture \(tb.bond) nosuch9 -w \(file).4 -c 1")
        #expect(stranger.status == 1 && stranger.error == "bondctl: capture: nosuch9 is not a member of \(tb.bond)\n")
        #expect((try? String(contentsOfFile: "\(file).4", encoding: .utf8)) == "keep me\n", "a refused capture cost the file")
        let twiceKept = tb.bondctl("capture \(tb.bond) -w \(file).4 -c 1 --duration 0.5")
        #expect(twiceKept.ok, "\(twiceKept.error)")
        let unwritable = tb.bondctl("capture \(tb.bond) -w /nonexistent-dir/x.pcap -c 1")
        #expect(unwritable.status == 1 && unwritable.error == "bondctl: capture: cannot write /nonexistent-dir/x.pcap: No such file or directory\n")
        pinger.wait(timeout: 20)
        #expect(pinger.output.contains(" 0% packet loss"), "capturing does not disturb traffic: \(pinger.output)")
    }
}
