import BondCore
import Foundation
import Testing

/// No silent loss: every frame offered to the bond leaves it, or is counted as dropped
/// where a user sees it (bondd's counters, or the kernel's own drop counters of the
/// devices on the way). A paced load below saturation loses nothing; a burst beyond
/// what the rings hold may lose frames, but each one is counted. On every backend
/// (BONDD_TEST_BACKEND), in both directions.
@Suite(.serialized) struct FrameAccountingTests {
    enum Direction: String, CaseIterable, CustomTestStringConvertible {
        case fromHost = "host to members", toHost = "members to host"
        var testDescription: String { rawValue }
    }

    /// About 13 000 frames a second for a quarter of a second (trafgen's paced send,
    /// one frame per 50 µs): far below what any backend moves, even in a debug build
    /// on a busy machine, and the rings hold many times more.
    @Test(arguments: Direction.allCases)
    func aPacedLoadBelowSaturationLosesNothing(_ direction: Direction) throws {
        let tb = try Testbed()
        let (bond, mac) = try quietBond(tb)
        let result = try offer(3000, gap: "50us", direction, tb, bond, mac)
        #expect(result.sent == 3000, "\(result)")
        #expect(result.received == result.sent && result.counted == 0, "\(result)")
    }

    /// 50 000 frames at the sender's full speed: more than an AF_XDP ring holds. What
    /// is lost must be counted, frame for frame.
    @Test(arguments: Direction.allCases)
    func whatABurstLosesIsCountedFrameForFrame(_ direction: Direction) throws {
        let tb = try Testbed()
        let (bond, mac) = try quietBond(tb)
        let result = try offer(50_000, gap: nil, direction, tb, bond, mac)
        #expect(result.sent == 50_000, "\(result)")
        #expect(result.received + result.counted == result.sent, "\(result)")
    }

    /// A steady load of small bursts: the engine polls its rings on a tick instead of
    /// waking for each (`coalesce=adaptive`, the default), and still loses nothing;
    /// with `coalesce=off` it never polls. (With backend=xdp the programs move these
    /// frames and the engine sees none.)
    @Test(arguments: ["adaptive", "off"])
    func aSteadyLoadIsPolledUnlessCoalescingIsOff(_ coalesce: String) throws {
        let tb = try Testbed()
        let (bond, mac) = try quietBond(tb, options: ["coalesce=\(coalesce)"])
        // One frame per 20 µs asked (trafgen's pacing gives up to 35 000 a second): a
        // wakeup per frame on the sockets, several frames per tick when polled.
        let result = try offer(20_000, gap: "20us", .toHost, tb, bond, mac)
        #expect(result.sent == 20_000 && result.received == result.sent && result.counted == 0, "\(result)")
        let w = try #require(bond.status()?.wakeups)
        #expect(w.coalesce == coalesce)
        if coalesce == "off" || BondDaemon.backend == "xdp" {
            #expect(w.probes == 0 && w.polledTurns == 0, "\(w)")
        } else {
            #expect(w.probes >= 1 && w.polledTurns > 0, "\(w)")
        }
    }

    /// `busy_poll=`: for its window after each frame the engine looks at its rings
    /// without sleeping, and frames that come meanwhile are taken by those turns; it
    /// still loses nothing, and says so in its status.
    @Test func busyPollingTakesFramesWithoutSleepingAndLosesNothing() throws {
        let tb = try Testbed()
        let (bond, mac) = try quietBond(tb, options: ["busy_poll=200000"])
        let result = try offer(5_000, gap: "50us", .toHost, tb, bond, mac)
        #expect(result.sent == 5_000 && result.received == result.sent && result.counted == 0, "\(result)")
        let w = try #require(bond.status()?.wakeups)
        #expect(w.busyPollMicroseconds == 200_000, "\(w)")
        if BondDaemon.backend != "xdp" {
            // Frames 50 µs apart, 200 ms of polling after each: all but the first are
            // taken without a wakeup. (On xdp the programs move them.)
            #expect(w.busyPolledFrames ?? 0 >= 4_900, "\(w)")
        }
        let text = tb.bondctl("show \(tb.bond) --verbose").output
        #expect(text.contains("busy_poll=200000"), "\(text)")
    }

    struct Accounting: CustomStringConvertible {
        var sent = 0, received = 0, counted = 0
        var detail = ""
        var description: String { "sent \(sent), received \(received), counted as dropped \(counted) (\(detail)) on \(BondDaemon.backend)" }
    }

    /// A balance-xor bond on a quiet device (no address, no IPv6) and a quiet client
    /// (no IPv6: its router solicitations and MLD reports, flooded to the members,
    /// were counted among a burst's drops when they came as a ring was full): nothing
    /// but the offered frames crosses the bond. And the bond's MAC.
    func quietBond(_ tb: Testbed, options: [String] = []) throws -> (BondDaemon, String) {
        let bond = try BondDaemon(tb, options: ["mode=balance-xor", "miimon=100"] + options)
        tb.inClient("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
        tb.inHost("sysctl -qw net.ipv6.conf.\(tb.bond).disable_ipv6=1")
        tb.inHost("ip link set \(tb.bond) up")
        #expect(Shell.waitFor(5) { bond.log().contains("\(tb.bond): the bond device is up") })
        return (bond, try #require(tb.hostLink(tb.bond)?["address"] as? String))
    }

    /// Sends `count` frames of an experimental EtherType (0x88b5) with trafgen, one per
    /// `gap` or as fast as it goes: from the host on the bond device, or from the switch
    /// into member 0. Counts them where they arrive (the switch ports, or the bond
    /// device) and the drops counted on the way. `flows` above 1: UDP frames to port 9
    /// instead, from as many source ports in turn.
    func offer(
        _ count: Int, gap: String?, _ direction: Direction, _ tb: Testbed, _ bond: BondDaemon, _ bondMAC: String, flows: Int = 1
    ) throws -> Accounting {
        let config = NSTemporaryDirectory() + "\(tb.prefix)-frames.cfg"
        defer { try? FileManager.default.removeItem(atPath: config) }
        let (source, destination) = direction == .fromHost ? (bondMAC, "02:00:00:00:00:99") : ("02:00:00:00:00:98", bondMAC)
        let frame =
            flows > 1
            ? "{ eth(da=\(destination), sa=\(source), type=0x0800), ipv4(sa=198.51.100.1, da=198.51.100.2, ttl=64), udp(sp=dinc(1000, \(999 + flows)), dp=9), fill(0x00, 22) }\n"
            : "{ eth(da=\(destination), sa=\(source), type=0x88b5), fill(0x00, 50) }\n"
        try frame.write(toFile: config, atomically: true, encoding: .utf8)
        let filter = flows > 1 ? "udp dst port 9" : "ether proto 0x88b5"
        // The destination of frames from the host is the client's port, not flooded
        // back to the other member.
        tb.inSwitch("bridge fdb replace 02:00:00:00:00:99 dev \(tb["CLIENT_PEER"]) master static")
        let receivers: [(namespace: String, device: String)] =
            direction == .fromHost ? tb.peers.map { (tb["NS_SWITCH"], $0) } : [(tb["NS_HOST"], tb.bond)]
        let captures = try receivers.map { r in
            try Shell.start("ip netns exec \(r.namespace) tcpdump -nn -B 65536 -Q in -i \(r.device) -w /dev/null '\(filter)'")
        }
        defer { for c in captures where c.isRunning { c.signal(SIGKILL) } }
        #expect(Shell.waitFor(5) { captures.allSatisfy { $0.errorOutput.contains("listening on") } })
        let kernelBefore = kernelDrops(tb)
        let arrivedBefore = arrived(tb, receivers)
        let statusBefore = try #require(bond.status())

        let pacing = gap.map { "-t \($0)" } ?? ""
        let (namespace, device) = direction == .fromHost ? (tb["NS_HOST"], tb.bond) : (tb["NS_SWITCH"], tb.peers[0])
        let sent = Shell.run("ip netns exec \(namespace) trafgen -o \(device) -i \(config) -P 1 --no-sock-mem -n \(count) \(pacing)", timeout: 60)
        #expect(sent.ok, "\(sent.error)")
        var result = Accounting()
        // "\r   3000 packets outgoing"
        let line = sent.output.split(whereSeparator: \.isNewline).first { $0.hasSuffix("packets outgoing") } ?? ""
        result.sent = Int(line.split(whereSeparator: \.isWhitespace).first ?? "") ?? -1

        // Until every frame is either received or counted (or 5 s went by).
        _ = Shell.waitFor(5, every: 0.2) {
            result.counted = counted(
                before: statusBefore, after: bond.status(), kernelBefore: kernelBefore, kernelAfter: kernelDrops(tb), &result.detail)
            return result.counted >= 0 && result.counted + arrived(tb, receivers) - arrivedBefore >= result.sent
        }
        let received = captures.map { c -> Int in
            c.signal(SIGINT)
            _ = c.wait(timeout: 5)
            let text = c.errorOutput
            // The kernel's count of the frames that matched, which includes those the
            // capture's own ring had no room for: they arrived all the same.
            let line = text.split(separator: "\n").first { $0.hasSuffix("packets received by filter") } ?? ""
            return Int(line.split(separator: " ").first ?? "") ?? -1
        }
        result.received = received.reduce(0, +)
        result.counted = counted(before: statusBefore, after: bond.status(), kernelBefore: kernelBefore, kernelAfter: kernelDrops(tb), &result.detail)
        return result
    }

    /// What has arrived so far, from the receiving devices' kernel counters (only to
    /// know when to stop waiting; the captures give the exact figure).
    func arrived(_ tb: Testbed, _ receivers: [(namespace: String, device: String)]) -> Int {
        receivers.reduce(0) { sum, r in
            let out = Shell.run("ip netns exec \(r.namespace) cat /sys/class/net/\(r.device)/statistics/rx_packets").output
            return sum + (Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
        }
    }

    /// Drops bondd counted between two snapshots: the members' (missed in the ring,
    /// refused, not sent) and the bond's (missed from the host, no member, not taken
    /// by the bond device, defects). -1 when a snapshot is missing.
    func counted(before: BondStatus, after: BondStatus?, kernelBefore: Int, kernelAfter: Int, _ detail: inout String) -> Int {
        guard let after else { return -1 }
        func memberDrops(_ s: BondStatus) -> Int { s.members.reduce(0) { $0 + $1.rxMissed + $1.rxDrops + $1.txDrops } }
        func bondDrops(_ s: BondStatus) -> Int {
            let c = s.counters
            return c.deviceMissed + c.noMember + c.deliveryDrops + c.runt + c.truncated + c.oversize
        }
        let members = memberDrops(after) - memberDrops(before)
        let bond = bondDrops(after) - bondDrops(before)
        let kernel = kernelAfter - kernelBefore
        detail = "members \(members), bond \(bond), kernel devices \(kernel)"
        return members + bond + kernel
    }

    /// The kernel's own transmit drops (`ip -s link`'s TX dropped) over every device of
    /// the host and switch namespaces: a veth counts there what its peer could not take.
    /// (Receive drops are left out: they include frames the stack discards after bondd
    /// took its copy, which are not losses.)
    func kernelDrops(_ tb: Testbed) -> Int {
        [tb["NS_HOST"], tb["NS_SWITCH"]].reduce(0) { sum, ns in
            let r = Shell.run("ip -n \(ns) -s -j link show")
            guard let data = r.output.data(using: .utf8),
                let links = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
            else { return sum }
            return sum
                + links.reduce(0) { s, link in
                    let tx = (link["stats64"] as? [String: Any])?["tx"] as? [String: Any]
                    return s + ((tx?["dropped"] as? Int) ?? 0)
                }
        }
    }
}
