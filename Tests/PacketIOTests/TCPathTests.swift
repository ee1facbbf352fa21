import CLibBPF
import Foundation
import BondCore
import Glibc
import PacketIO
import Testing

/// The fast path's tc programs (bpf/tc_path.h), run by the kernel (BPF_PROG_TEST_RUN)
/// on frames built here, with the loopback device standing in for members and the
/// bond device. Needs root.
@Suite(.serialized) struct TCPathTests {
    /// linux/pkt_cls.h's TC_ACT_*.
    static let unspec: Int32 = -1, ok: Int32 = 0, shot: Int32 = 2, stolen: Int32 = 4, redirect: Int32 = 7
    let lo: Int32 = 1
    /// A GSO frame's segment size, as TCP over a 1500-byte MTU has it.
    let gso = 1448

    private func frame(type: UInt16 = 0x0800, dst: UInt8 = 0x02) -> [UInt8] {
        var f: [UInt8] = [0x02, 0, 0, 0, 0, dst, 0x02, 0, 0, 0, 0, 0x01, UInt8(type >> 8), UInt8(type & 0xFF)]
        f += [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, 0x03, 0xE8, 0x07, 0xD0, 0, 8, 0, 0]
        return f + [UInt8](repeating: 0, count: 64 - f.count)
    }

    private func program(_ c: XDPBondProgram.Configuration) throws -> XDPBondProgram {
        let p = try XDPBondProgram()
        try p.setDevice(ifindex: lo)
        try p.setMember(slot: 0, ifindex: lo)
        try p.configure(inTC(c))
        return p
    }

    /// `c` with the tc path on, and on member slot 0.
    private func inTC(_ c: XDPBondProgram.Configuration, members: Set<Int> = [0]) -> XDPBondProgram.Configuration {
        var c = c
        c.superFramesInTC = true
        c.tcMembers = members
        return c
    }

    @Test func aSuperFrameTheBondTakesGoesToItsDeviceAndOthersToTheEngine() throws {
        let p = try program(.init(mode: .activeBackup, active: 0, usable: [0]))
        #expect(try p.runTC(.receive, frame: frame(), gsoSize: gso) == Self.redirect)
        #expect(p.memberCounters(slot: 0).rxPackets == 1 && p.memberCounters(slot: 0).rxBytes == 64)
        #expect(p.counters().redirected == 1)
        // Not a super-frame: bondd_rx decided it, or the engine has it; the drop filter
        // after this program ends it.
        #expect(try p.runTC(.receive, frame: frame()) == Self.unspec)
        // A backup's super-frame is dropped, and counted, as bondd_rx drops its frames.
        try p.configure(inTC(.init(mode: .activeBackup, active: 4, usable: [4])))
        #expect(try p.runTC(.receive, frame: frame(), gsoSize: gso) == Self.shot)
        #expect(p.memberCounters(slot: 0).rxDropped == 1)
    }

    @Test func theEnginesSocketsTurnAwayExactlyWhatTheReceiveProgramTakes() throws {
        let p = try program(.init(mode: .activeBackup, active: 0, usable: [0]))
        #expect(try p.runTC(.memberFilter, frame: frame(), gsoSize: gso) == 0, "a super-frame is tc's")
        #expect(try p.runTC(.memberFilter, frame: frame()) != 0, "any other frame is the engine's")
        // Without the tc path, on a member whose programs are not both in place yet,
        // or in mode none (a capture), every frame is the engine's, and the receive
        // program leaves every frame alone.
        for c in [
            XDPBondProgram.Configuration(mode: .activeBackup, active: 0, usable: [0]),
            inTC(.init(mode: .activeBackup, active: 0, usable: [0]), members: [1]),
            inTC(.init(mode: .none, active: nil, usable: [])),
        ] {
            try p.configure(c)
            #expect(try p.runTC(.memberFilter, frame: frame(), gsoSize: gso) != 0, "\(c)")
            #expect(try p.runTC(.receive, frame: frame(), gsoSize: gso) == Self.unspec, "\(c)")
        }
    }

    /// tc takes super-frames on member slot 0; a capture (mode none) leaves every frame
    /// to the engine.
    static let taking: XDPBondProgram.Configuration = {
        var c = XDPBondProgram.Configuration(mode: .activeBackup, active: 0, usable: [0])
        c.superFramesInTC = true
        c.tcMembers = [0]
        return c
    }()
    static let capturing: XDPBondProgram.Configuration = {
        var c = XDPBondProgram.Configuration(mode: .none, active: nil, usable: [])
        c.superFramesInTC = true
        c.tcMembers = [0]
        return c
    }()

    /// A program on `taking`, and the control block its filter left on a super-frame it
    /// turned away as tc's.
    private func superFrameTurnedAway() throws -> (XDPBondProgram, [UInt32]) {
        let p = try program(Self.taking)
        let run = try p.runTCSeeingSKB(.memberFilter, frame: frame(), gsoSize: gso)
        #expect(run.verdict == 0)
        return (p, run.cb)
    }

    /// The engine's socket filter sees a frame a moment before `bondd_tc_rx`; a change
    /// of configuration in between (a capture starting or ending, here) must not have
    /// neither take it, or both: the filter says in the skb's control block what it
    /// decided, and tc decides with the configuration the filter read.
    @Test func theReceiveProgramFollowsTheFiltersWordAcrossAChange() throws {
        // The filter turned a super-frame away as tc's; then a capture began.
        let (p, turnedAway) = try superFrameTurnedAway()
        try p.configure(Self.capturing)
        #expect(try p.runTC(.receive, frame: frame(), gsoSize: gso) == Self.unspec, "alone, tc would leave it: lost")
        let taken = try p.runTCSeeingSKB(.receive, frame: frame(), gsoSize: gso, cb: turnedAway)
        #expect(taken.verdict == Self.redirect, "tc takes what the engine turned away")
        #expect(taken.cb[2] == 0, "the word is used once")
        // The filter kept a super-frame for the capture; then the capture ended.
        let kept = try p.runTCSeeingSKB(.memberFilter, frame: frame(), gsoSize: gso)
        #expect(kept.verdict != 0)
        try p.configure(Self.taking)
        #expect(try p.runTC(.receive, frame: frame(), gsoSize: gso) == Self.redirect, "alone, tc would take it: twice")
        #expect(try p.runTC(.receive, frame: frame(), gsoSize: gso, cb: kept.cb) == Self.unspec, "the engine has it")
        // A word for another interface is stale bytes, not the filter's.
        var elsewhere = kept.cb
        elsewhere[3] = 7
        #expect(try p.runTC(.receive, frame: frame(), gsoSize: gso, cb: elsewhere) == Self.redirect)
    }

    /// The filter left a frame to the engine, and a member joined the tc path before tc
    /// saw it: tc would take it now, but the engine has it already.
    @Test func whatTheFilterLeftToTheEngineStaysTheEngines() throws {
        var c = inTC(.init(mode: .activeBackup, active: 0, usable: [0]))
        c.tcReceivers = [0]
        let p = try XDPBondProgram()
        try p.setDevice(ifindex: lo)
        try p.configure(c)
        let kept = try p.runTCSeeingSKB(.memberFilter, frame: frame())
        #expect(kept.verdict != 0, "not a member yet: the engine's")
        try p.setMember(slot: 0, ifindex: lo)
        #expect(try p.runTC(.receive, frame: frame()) == Self.redirect, "alone, tc would take it: twice")
        let passed = p.counters().passed
        #expect(try p.runTC(.receive, frame: frame(), cb: kept.cb) == Self.unspec)
        #expect(p.counters().passed == passed + 1, "counted passed, as the engine's")
    }

    /// The configuration entry the filter read was written over since (the entries are
    /// used in turn; as many changes as there are entries, then one more): tc does not
    /// take the new contents for the filter's, and decides with the entry in use.
    @Test func anEntryRewrittenSinceTheFilterReadItIsNotTakenForIt() throws {
        let (p, turnedAway) = try superFrameTurnedAway()
        let overwrite = [XDPBondProgram.Configuration](repeating: Self.capturing, count: Int(BONDD_CONFIG_ENTRIES))
        for c in overwrite + [Self.taking] { try p.configure(c) }
        #expect(try p.runTC(.receive, frame: frame(), gsoSize: gso, cb: turnedAway) == Self.redirect)
    }

    /// A frame the filter turned away whose member left the maps before tc saw it: no
    /// one can take it, and it is counted.
    @Test func aFrameNoOneCanTakeIsCountedDropped() throws {
        let (p, turnedAway) = try superFrameTurnedAway()
        try p.setMember(slot: 0, ifindex: nil, previous: lo)
        let dropped = p.counters().dropped
        #expect(try p.runTC(.receive, frame: frame(), gsoSize: gso, cb: turnedAway) == Self.shot)
        #expect(p.counters().dropped == dropped + 1)
    }

    /// A member without `bondd_rx` (generic XDP would copy every frame there): tc
    /// decides all it receives, and the engine's socket gets exactly the rest.
    @Test func onAMemberWithoutXDPTheReceiveProgramDecidesEveryFrame() throws {
        var c = inTC(.init(mode: .activeBackup, active: 0, usable: [0]))
        c.tcReceivers = [0]
        let p = try program(c)
        let ipv6ND: [UInt8] =
            [0x33, 0x33, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xDD, 0x60, 0, 0, 0, 0, 8, 58, 255]
            + [UInt8](repeating: 0, count: 32) + [135, 0, 0, 0, 0, 0, 0, 0]
        // An echo request: ICMPv6, but no neighbour discovery, so the bond's; and the
        // same cut after 4 bytes of its header, which neither side can classify.
        var echo = ipv6ND
        echo[54] = 128
        var cut = Array(ipv6ND.prefix(58))
        cut[19] = 4
        let cases: [(name: String, frame: [UInt8], gso: Int, verdict: Int32)] = [
            ("a plain frame", frame(), 0, Self.redirect),
            ("a super-frame", frame(), gso, Self.redirect),
            ("ARP", frame(type: 0x0806), 0, Self.unspec),
            ("neighbour discovery", ipv6ND, 0, Self.unspec),
            ("an ICMPv6 echo request", echo, 0, Self.redirect),
            ("ICMPv6 cut short", cut, 0, Self.unspec),
            ("longer than the MTU", frame() + [UInt8](repeating: 0, count: 1500), 0, Self.unspec),
        ]
        for k in cases {
            let filtered = try p.runTC(.memberFilter, frame: k.frame, gsoSize: k.gso)
            #expect(try p.runTC(.receive, frame: k.frame, gsoSize: k.gso) == k.verdict, "\(k.name)")
            #expect((filtered == 0) == (k.verdict != Self.unspec), "\(k.name): one owner, filter kept \(filtered)")
        }
        // What went to the engine is counted passed here, as bondd_rx counts it.
        #expect(p.counters().redirected == 3 && p.counters().passed == 4, "\(p.counters())")
        #expect(p.memberCounters(slot: 0).rxPackets == 3)
        // A backup's frames are dropped, and counted: still tc's, not the engine's.
        var backup = c
        backup.active = 4
        backup.usable = [4]
        try p.configure(backup)
        #expect(try p.runTC(.receive, frame: frame()) == Self.shot)
        #expect(try p.runTC(.memberFilter, frame: frame()) == 0)
        #expect(p.memberCounters(slot: 0).rxDropped == 1)
    }

    @Test func theBondDeviceSendsWhatTheModeDecidesAndLeavesTheRestToTheEngine() throws {
        let p = try program(.init(mode: .activeBackup, active: 0, usable: [0]))
        #expect(try p.runTC(.transmit, frame: frame(), gsoSize: gso) == Self.redirect, "a super-frame")
        #expect(try p.runTC(.transmit, frame: frame()) == Self.redirect, "and the rest of its flow")
        #expect(p.memberCounters(slot: 0).txPackets == 2)
        #expect(try p.runTC(.transmit, frame: frame(type: 0x0806)) == Self.unspec, "ARP goes on to the engine")
        // No member to send on: dropped and counted, the sender told it went, as the
        // kernel's bond does.
        try p.configure(inTC(.init(mode: .activeBackup, active: nil, usable: [])))
        #expect(try p.runTC(.transmit, frame: frame()) == Self.stolen)
        #expect(p.counters().dropped == 1 && p.counters().redirected == 2 && p.counters().passed == 0)
    }

    /// The engine's backends (afpacket, afxdp): tc carries TCP, every frame of it in
    /// both directions, and the engine's sockets get exactly the rest.
    @Test func onTheEnginesBackendsTCTakesTCPAlone() throws {
        var c = inTC(.init(mode: .activeBackup, active: 0, usable: [0]))
        c.tcTakesTCPOnly = true
        let p = try program(c)
        var tcp = frame()
        tcp[23] = 6  // IPv4's protocol
        var tcp6: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xDD, 0x60, 0, 0, 0, 0, 20, 6, 64]
        tcp6 += [UInt8](repeating: 0, count: 32) + [0x03, 0xE8, 0x07, 0xD0] + [UInt8](repeating: 0, count: 16)
        var tagged = Array(tcp.prefix(12)) + [0x81, 0x00, 0, 7] + Array(tcp.suffix(from: 12))
        tagged.removeLast(4)
        let cases: [(name: String, frame: [UInt8], gso: Int, tc: Bool)] = [
            ("a TCP segment", tcp, 0, true),
            ("a TCP super-frame", tcp, gso, true),
            ("TCP over IPv6", tcp6, 0, true),
            ("UDP", frame(), 0, false),
            ("a UDP super-frame", frame(), gso, false),
            ("ARP", frame(type: 0x0806), 0, false),
            ("TCP tagged for a VLAN", tagged, 0, false),
            ("TCP longer than the MTU and no super-frame", tcp + [UInt8](repeating: 0, count: 1500), 0, false),
        ]
        for k in cases {
            let filtered = try p.runTC(.memberFilter, frame: k.frame, gsoSize: k.gso)
            #expect(try p.runTC(.receive, frame: k.frame, gsoSize: k.gso) == (k.tc ? Self.redirect : Self.unspec), "\(k.name)")
            #expect((filtered == 0) == k.tc, "\(k.name): one owner, filter kept \(filtered)")
            // The host's frames: tc sends TCP (the tag aside, which the kernel holds
            // apart on a VLAN device's own path), the engine the rest.
            guard k.gso == 0 && k.frame.count < 100 else { continue }
            #expect(try p.runTC(.transmit, frame: k.frame) == (k.tc ? Self.redirect : Self.unspec), "sent: \(k.name)")
        }
        // The frame too long went up, counted passed as everywhere tc leaves it so.
        #expect(p.counters().redirected == 5 && p.counters().passed == 1, "\(p.counters())")
        #expect(p.memberCounters(slot: 0).rxPackets == 3 && p.memberCounters(slot: 0).txPackets == 2)
    }

    @Test func onlyOurRedirectsPassTheStackBypass() throws {
        let p = try program(.init(mode: .activeBackup, active: 0, usable: [0]))
        let tag = XDPBondProgram.tcTag
        #expect(try p.runTC(.out, frame: frame(), ifindex: lo, cb: [tag, UInt32(lo)]) == Self.ok)
        #expect(try p.runTC(.out, frame: frame(), ifindex: lo) == Self.unspec, "the host's own frame: the drop filter's")
        #expect(try p.runTC(.out, frame: frame(), ifindex: lo, cb: [tag, 7]) == Self.unspec, "tagged for another device")
        #expect(try p.runTC(.out, frame: frame(), ifindex: lo, mark: tag) == Self.unspec, "a mark is no tag")
    }

    /// The kernel's bond hands a frame to its slave with its skb->mark (SO_MARK, a
    /// firewall's), which the slave's qdisc may shape by: the tc path keeps it too.
    @Test func aRedirectedFrameKeepsTheHostsMark() throws {
        let p = try program(.init(mode: .activeBackup, active: 0, usable: [0]))
        let sent = try p.runTCSeeingSKB(.transmit, frame: frame(), ifindex: lo, mark: 42)
        #expect(sent.verdict == Self.redirect && sent.mark == 42)
        #expect(sent.tag == (XDPBondProgram.tcTag, UInt32(lo)), "\(sent.tag)")
        let out = try p.runTCSeeingSKB(.out, frame: frame(), ifindex: lo, mark: sent.mark, cb: [sent.tag.0, sent.tag.1])
        #expect(out.verdict == Self.ok && out.mark == 42 && out.tag.0 == 0, "\(out)")
        // And what a member receives and tc hands to the bond device.
        let received = try p.runTCSeeingSKB(.receive, frame: frame(), ifindex: lo, gsoSize: gso, mark: 42)
        #expect(received.verdict == Self.redirect && received.mark == 42 && received.tag == (XDPBondProgram.tcTag, UInt32(lo)))
    }

    /// balance-tlb's frames on a member other than the active one leave with that
    /// member's MAC as source, written in tc by a helper: a program that wrote the frame
    /// directly would have the kernel copy the headers of every cloned skb it sees
    /// (each TCP segment the host sends), whatever the mode.
    @Test func balanceTLBWritesTheMembersMACAndOnlyWhereItMust() throws {
        let p = try XDPBondProgram()
        try p.setDevice(ifindex: lo)
        try p.setMember(slot: 0, ifindex: lo)
        try p.setMemberMAC(slot: 0, mac: 0x02_00_00_00_00_A1)
        var c = XDPBondProgram.Configuration(mode: .transmitLoadBalancing, active: 1, usable: [0, 1])
        c.bondMAC = Array(frame()[6..<12])
        try p.configure(inTC(c))
        for bucket in 0..<XDPBondProgram.bucketCount { try p.setHashBucket(bucket, member: 0) }
        let sent = try p.runTCSeeingSKB(.transmit, frame: frame())
        #expect(sent.verdict == Self.redirect)
        #expect(Array(sent.frame[6..<12]) == [0x02, 0, 0, 0, 0, 0xA1], "the member's own MAC as source: \(sent.frame.prefix(14))")
        #expect(Array(sent.frame[12...]) == Array(frame()[12...]), "the rest as it was")
        #expect(p.takeHashBucketBytes().reduce(0, +) == frame().count, "its bucket weighed once")
        // A member whose MAC is not known yet: the engine decides (and weighs) it.
        try p.setMemberMAC(slot: 0, mac: nil)
        #expect(try p.runTC(.transmit, frame: frame()) == Self.unspec)
        #expect(p.takeHashBucketBytes().reduce(0, +) == 0)
        try p.setMemberMAC(slot: 0, mac: 0x02_00_00_00_00_A1)
        // On the active member the frame keeps the bond's MAC; while that member has no
        // interface here, it is dropped and weighs on no member.
        for bucket in 0..<XDPBondProgram.bucketCount { try p.setHashBucket(bucket, member: 1) }
        #expect(try p.runTC(.transmit, frame: frame()) == Self.stolen)
        #expect(p.takeHashBucketBytes().reduce(0, +) == 0)
        try p.setMember(slot: 1, ifindex: lo)
        let kept = try p.runTCSeeingSKB(.transmit, frame: frame())
        #expect(kept.verdict == Self.redirect && kept.frame == frame(), "\(kept.frame.prefix(14))")
    }

    /// A tc program that writes packet data directly gets a prologue from the kernel
    /// that copies the headers of every cloned skb before the program runs: each TCP
    /// segment the host sends, each a veth peer's TCP sends, every frame while a
    /// capture runs. Ours write with helpers, for the frames that need it alone, so
    /// none may have it.
    @Test func noTCProgramCopiesEveryClonedFramesHeaders() throws {
        let p = try XDPBondProgram()
        let ids = p.tcProgramIDs
        #expect(ids.count == 3)
        for (name, id) in ids {
            let dump = Process()
            dump.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            dump.arguments = ["bpftool", "prog", "dump", "xlated", "id", String(id)]
            let pipe = Pipe()
            dump.standardOutput = pipe
            try dump.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            dump.waitUntilExit()
            // The instructions (not bpftool's source lines), the first eight: where the
            // prologue would be (a test of the cloned bit, then bpf_skb_pull_data).
            let first = text.split(separator: "\n").filter { $0.first?.isNumber == true || $0.hasPrefix(" ") }.prefix(8)
            #expect(first.count == 8, "\(name): \(text.prefix(300))")
            #expect(!first.contains { $0.contains("bpf_skb_pull_data") }, "\(name) copies cloned frames' headers:\n\(first.joined(separator: "\n"))")
        }
    }
}
