import BondCore
import Glibc
import PacketIO
import Testing

/// The XDP fast path's decisions, run by the kernel itself (BPF_PROG_TEST_RUN) on
/// frames built here, with the loopback device standing in for members. Needs root.
@Suite(.serialized) struct XDPBondProgramTests {
    static let pass: UInt32 = 2, drop: UInt32 = 1, redirect: UInt32 = 4
    let lo: Int32 = 1

    private func frame(dst: UInt8 = 0x02, type: UInt16 = 0x0800) -> [UInt8] {
        var f: [UInt8] = [0x02, 0, 0, 0, 0, dst, 0x02, 0, 0, 0, 0, 0x01, UInt8(type >> 8), UInt8(type & 0xFF)]
        // IPv4/UDP 192.0.2.1 -> 192.0.2.2, enough for the program's look at the protocol.
        f += [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, 0x03, 0xE8, 0x07, 0xD0, 0, 8, 0, 0]
        f += [UInt8](repeating: 0, count: 64 - f.count)
        return f
    }

    @Test func activeBackupSendsOnTheActiveMemberAndLeavesARPToTheEngine() throws {
        let p = try XDPBondProgram()
        try p.setMember(slot: 0, ifindex: lo)
        try p.configure(.init(mode: .activeBackup, active: 0, usable: [0, 1]))
        #expect(try p.verdict(transmit: true, frame: frame()) == Self.redirect)
        #expect(try p.verdict(transmit: true, frame: frame(type: 0x0806)) == Self.pass, "ARP: the monitors must see it")
        // The active member's slot has no interface: nothing to redirect to.
        try p.configure(.init(mode: .activeBackup, active: 1, usable: [0, 1]))
        #expect(try p.verdict(transmit: true, frame: frame()) == Self.drop)
        try p.configure(.init(mode: .activeBackup, active: nil, usable: []))
        #expect(try p.verdict(transmit: true, frame: frame()) == Self.drop)
        try p.configure(.init(mode: .none, active: nil, usable: []))
        #expect(try p.verdict(transmit: true, frame: frame()) == Self.pass, "mode none: the engine decides")
        #expect(p.counters().redirected == 1 && p.counters().dropped == 2 && p.counters().passed == 2)
    }

    @Test func receiveAdmissionDropsWhatBackupsReceive() throws {
        let p = try XDPBondProgram()
        try p.setDevice(ifindex: lo)
        try p.setMember(slot: 0, ifindex: lo)
        try p.configure(.init(mode: .activeBackup, active: 0, usable: [0]))
        #expect(try p.verdict(transmit: false, frame: frame(), ingress: lo) == Self.redirect)
        try p.configure(.init(mode: .activeBackup, active: 3, usable: [3]))
        #expect(try p.verdict(transmit: false, frame: frame(), ingress: lo) == Self.drop, "a backup's frame")
        try p.configure(.init(mode: .activeBackup, active: 3, usable: [3], allMembersActive: true))
        #expect(try p.verdict(transmit: false, frame: frame(), ingress: lo) == Self.redirect, "all_slaves_active")
        try p.configure(.init(mode: .roundRobin, active: 0, usable: [0]))
        #expect(try p.verdict(transmit: false, frame: frame(type: 0x86DD), ingress: lo) == Self.pass, "a truncated IPv6 header goes up")
        try p.setMember(slot: 0, ifindex: nil, previous: lo)
        #expect(try p.verdict(transmit: false, frame: frame(), ingress: lo) == Self.pass, "not a member: the engine decides")
    }

    @Test func balanceXORLayer2PicksTheMemberTheEngineWould() throws {
        let p = try XDPBondProgram()
        // Only slot 0 has an interface: a redirect shows slot 0 was chosen, a drop slot 1.
        try p.setMember(slot: 0, ifindex: lo)
        try p.configure(.init(mode: .xor, active: 0, usable: [0, 1]))
        var seen: Set<Bool> = []
        for last in UInt8(0)..<32 {
            let bytes = frame(dst: last)
            let parsed = try #require(
                bytes.withUnsafeBytes { raw -> ParsedFrame? in
                    if case .success(let f) = FrameParser.parse(FrameBytes(raw)) { return f }
                    return nil
                })
            let expected = Int(TransmitHashPolicy.layer2.hash(parsed) % 2)
            let verdict = try p.verdict(transmit: true, frame: bytes)
            #expect(verdict == (expected == 0 ? Self.redirect : Self.drop), "destination ...:\(last)")
            seen.insert(expected == 0)
        }
        #expect(seen.count == 2, "both members chosen")
    }

    @Test func roundRobinSpreadsOverUsableMembers() throws {
        let p = try XDPBondProgram()
        try p.setMember(slot: 2, ifindex: lo)
        try p.configure(.init(mode: .roundRobin, active: 2, usable: [2, 5]))
        var verdicts: [UInt32] = []
        for _ in 0..<6 { verdicts.append(try p.verdict(transmit: true, frame: frame())) }
        #expect(verdicts.filter { $0 == Self.redirect }.count == 3, "\(verdicts)")
        #expect(zip(verdicts, verdicts.dropFirst()).allSatisfy { $0 != $1 }, "alternating: \(verdicts)")
    }

    private func parsed(_ bytes: [UInt8]) throws -> ParsedFrame {
        try #require(
            bytes.withUnsafeBytes { raw -> ParsedFrame? in
                if case .success(let f) = FrameParser.parse(FrameBytes(raw)) { return f }
                return nil
            })
    }

    /// Frames of every kind the hashes treat differently: TCP, UDP, ICMP echo, IPv4
    /// fragments, IPv6, and a protocol that is not IP.
    private func hashFrames() throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        for i in 0..<12 {
            let port = UInt16(1000 + 37 * i)
            frames.append(
                try FrameDescription.build([
                    "src_ip=192.0.2.\(i + 1)", "dst_ip=198.51.100.\(3 * i + 7)", "proto=tcp", "sport=\(port)", "dport=\(80 + i)",
                ]))
            frames.append(try FrameDescription.build(["src_ip=192.0.2.1", "dst_ip=192.0.2.2", "proto=udp", "sport=\(port)", "dport=53"]))
            frames.append(try FrameDescription.build(["src_ip=192.0.2.1", "dst_ip=192.0.2.\(i + 2)", "proto=icmp", "sport=\(port)"]))
            frames.append(
                try FrameDescription.build([
                    "src_ip=2001:db8::\(i + 1)", "dst_ip=2001:db8:1::\(2 * i + 5)", "proto=udp", "sport=\(port)", "dport=443",
                ]))
            frames.append(try FrameDescription.build(["src_ip=2001:db8::1", "dst_ip=2001:db8::2", "proto=icmp", "sport=\(port)"]))
            var fragment = try FrameDescription.build(["src_ip=192.0.2.\(i + 1)", "dst_ip=192.0.2.200", "proto=udp", "sport=\(port)", "dport=9"])
            fragment[14 + 6] = 0x20  // more fragments: the kernel takes no ports
            frames.append(fragment)
            frames.append(
                try FrameDescription.build(["src=02:00:00:00:00:\(String(format: "%02x", i))", "dst=02:00:00:00:01:\(String(format: "%02x", 3 * i))"])
            )
        }
        return frames
    }

    @Test(arguments: [TransmitHashPolicy.layer2, .layer23, .layer34])
    func balanceXORHashesAsTheEngineDoes(policy: TransmitHashPolicy) throws {
        let p = try XDPBondProgram()
        // Only slot 0 has an interface: a redirect shows slot 0 was chosen, a drop slot 1.
        try p.setMember(slot: 0, ifindex: lo)
        try p.configure(.init(mode: .xor, active: 0, usable: [0, 1], hashPolicy: policy.rawValue))
        var chosen: [Int: Int] = [:]
        for bytes in try hashFrames() {
            let expected = Int(policy.hash(try parsed(bytes)) % 2)
            let verdict = try p.verdict(transmit: true, frame: bytes)
            #expect(
                verdict == (expected == 0 ? Self.redirect : Self.drop),
                "\(policy.kernelName): \(bytes.prefix(48).map { String(format: "%02x", $0) }.joined())")
            chosen[expected, default: 0] += 1
        }
        #expect(chosen.count == 2, "both members chosen: \(chosen)")
    }

    @Test func balanceXORPassesUpWhatItCannotHash() throws {
        let p = try XDPBondProgram()
        try p.setMember(slot: 0, ifindex: lo)
        try p.configure(.init(mode: .xor, active: 0, usable: [0], hashPolicy: TransmitHashPolicy.layer34.rawValue))
        let tcp = try FrameDescription.build(["src_ip=192.0.2.1", "dst_ip=192.0.2.2", "proto=tcp", "sport=1", "dport=2"])
        #expect(
            try p.verdict(transmit: true, frame: Array(tcp.prefix(14 + 20 + 12))) == Self.pass,
            "a TCP header cut short: the engine drops it as a defect")
        try p.configure(.init(mode: .xor, active: 0, usable: [0], hashPolicy: TransmitHashPolicy.encap34.rawValue))
        #expect(try p.verdict(transmit: true, frame: tcp) == Self.pass, "encap3+4: the engine hashes")
    }

    @Test func broadcastSendsToEveryUsableMemberAndCountsEach() throws {
        let p = try XDPBondProgram()
        try p.setMember(slot: 0, ifindex: lo)
        try p.configure(.init(mode: .broadcast, active: 0, usable: [0]))
        #expect(try p.verdict(transmit: true, frame: frame()) == Self.redirect)
        #expect(p.memberCounters(slot: 0).txPackets == 1)
        #expect(p.memberCounters(slot: 0).txBytes == 64)
        try p.configure(.init(mode: .broadcast, active: nil, usable: []))
        #expect(try p.verdict(transmit: true, frame: frame()) == Self.drop, "no usable member")
    }

    @Test func receiveHonoursDisabledMembersDrainingAndOwnMACs() throws {
        let p = try XDPBondProgram()
        try p.setDevice(ifindex: lo)
        try p.setMember(slot: 0, ifindex: lo)
        var c = XDPBondProgram.Configuration(mode: .roundRobin, active: 0, usable: [0])
        c.receiving = []
        try p.configure(c)
        #expect(try p.verdict(transmit: false, frame: frame(), ingress: lo) == Self.drop, "disabled by hand: delivers nothing")
        #expect(p.memberCounters(slot: 0).rxDropped == 1)
        #expect(p.memberCounters(slot: 0).lastReceive > 0, "still a sign of life for the ARP monitor")

        c = .init(mode: .activeBackup, active: 3, usable: [3])
        c.draining = 0
        try p.configure(c)
        #expect(try p.verdict(transmit: false, frame: frame(), ingress: lo) == Self.redirect, "the former active member's unicast")
        var multicast = frame()
        multicast[0] = 0x01
        #expect(try p.verdict(transmit: false, frame: multicast, ingress: lo) == Self.drop, "flooded frames come in on the new one too")

        c = .init(mode: .activeBackup, active: 0, usable: [0])
        c.ownMACs = true
        c.bondMAC = [0x02, 0, 0, 0, 0, 0x02]
        try p.configure(c)
        #expect(try p.verdict(transmit: false, frame: frame(dst: 0x02), ingress: lo) == Self.redirect, "for the bond's MAC")
        let other = try p.run(transmit: false, frame: frame(dst: 0x07), ingress: lo)
        #expect(other.verdict == Self.redirect && other.frame[5] == 0x07, "another host's MAC: delivered as it is, as the engine does")
        #expect(p.memberCounters(slot: 0).rxPackets == 3)
        #expect(p.memberCounters(slot: 0).rxBytes == 192)
    }

    private static let bondMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0xB0]
    private static let memberMAC: UInt64 = 0x02_00_00_00_00_A1

    @Test func balanceTLBPlacedBucketsLeaveWithTheMembersOwnMAC() throws {
        let p = try XDPBondProgram()
        try p.setMember(slot: 0, ifindex: lo)
        try p.setMemberMAC(slot: 0, mac: Self.memberMAC)
        var c = XDPBondProgram.Configuration(mode: .transmitLoadBalancing, active: 1, usable: [0, 1])
        c.bondMAC = Self.bondMAC
        try p.configure(c)
        var bytes = try FrameDescription.build(["src_ip=192.0.2.1", "dst_ip=192.0.2.9", "proto=tcp", "sport=4000", "dport=80"])
        bytes.replaceSubrange(6..<12, with: Self.bondMAC)
        let bucket = Int(TransmitHashPolicy.layer2.hash(try parsed(bytes)) & 0xFF)
        #expect(try p.verdict(transmit: true, frame: bytes) == Self.pass, "an unplaced bucket: the engine places it")
        try p.setHashBucket(bucket, member: 0)
        let (verdict, out) = try p.run(transmit: true, frame: bytes)
        #expect(verdict == Self.redirect)
        #expect(Array(out[6..<12]) == [0x02, 0, 0, 0, 0, 0xA1], "the member's own MAC as source")
        #expect(p.takeHashBucketBytes()[bucket] == bytes.count)
        #expect(p.takeHashBucketBytes()[bucket] == 0, "counted once")
        // A member whose MAC is not known yet: the engine decides the frame, and counts
        // its bucket's bytes itself; the program must not have counted them first.
        try p.setMemberMAC(slot: 0, mac: nil)
        #expect(try p.verdict(transmit: true, frame: bytes) == Self.pass)
        #expect(p.takeHashBucketBytes()[bucket] == 0, "left to the engine: not counted here")
        try p.setMemberMAC(slot: 0, mac: Self.memberMAC)
        // A member without an interface here: dropped, and weighing on no member.
        try p.setHashBucket(bucket, member: 1)
        #expect(try p.verdict(transmit: true, frame: bytes) == Self.drop)
        #expect(p.takeHashBucketBytes()[bucket] == 0, "dropped: not counted")
        try p.setHashBucket(bucket, member: 0)
        // Not balanced (broadcast): the active member, whose slot has no interface here.
        var broadcast = bytes
        broadcast.replaceSubrange(0..<6, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try p.verdict(transmit: true, frame: broadcast) == Self.drop)
        // A bridged guest's frame goes per VIF: up until the engine learned its MAC.
        let guest = try FrameDescription.build(["src=02:00:00:00:00:77", "dst_ip=192.0.2.9", "src_ip=192.0.2.77"])
        #expect(try p.verdict(transmit: true, frame: guest) == Self.pass)
        try p.addVIF(key: 0x02_00_00_00_00_77, bucket: 9)
        try p.setVIFBucket(9, member: 0)
        let (v2, out2) = try p.run(transmit: true, frame: guest)
        #expect(v2 == Self.redirect)
        #expect(Array(out2[6..<12]) == [0x02, 0, 0, 0, 0, 0x77], "a guest keeps its own source")
        #expect(p.takeVIFBucketBytes()[9] == guest.count)
    }

    @Test func balanceSLBSendsPerVIFAndDropsReflectedFrames() throws {
        let p = try XDPBondProgram()
        try p.setDevice(ifindex: lo)
        try p.setMember(slot: 0, ifindex: lo)
        var c = XDPBondProgram.Configuration(mode: .sourceLoadBalancing, active: 0, usable: [0])
        c.bondMAC = Self.bondMAC
        try p.configure(c)
        let guest = try FrameDescription.build(["src=02:00:00:00:00:77", "dst=02:00:00:00:00:99"])
        #expect(try p.verdict(transmit: true, frame: guest) == Self.pass, "unknown MAC: the engine learns it")
        try p.addVIF(key: 0x02_00_00_00_00_77, bucket: 3)
        try p.setVIFBucket(3, member: 0)
        #expect(try p.verdict(transmit: true, frame: guest) == Self.redirect)
        try p.setVIFBucket(3, member: 5)
        #expect(try p.verdict(transmit: true, frame: guest) == Self.pass, "the bucket's member is not usable: the engine moves it")
        #expect(try p.verdict(transmit: false, frame: guest, ingress: lo) == Self.drop, "our own frame, flooded back")
        let peer = try FrameDescription.build(["src=02:00:00:00:00:99", "dst=02:00:00:00:00:77"])
        #expect(try p.verdict(transmit: false, frame: peer, ingress: lo) == Self.redirect)
    }

    @Test func balanceALBHandsFramesForAMembersMACToTheBond() throws {
        let p = try XDPBondProgram()
        try p.setDevice(ifindex: lo)
        try p.setMember(slot: 0, ifindex: lo)
        try p.setMemberMAC(slot: 0, mac: Self.memberMAC)
        var c = XDPBondProgram.Configuration(mode: .adaptiveLoadBalancing, active: 1, usable: [0, 1])
        c.bondMAC = Self.bondMAC
        c.ownMACs = true
        try p.configure(c)
        let toMember = try FrameDescription.build(["dst=02:00:00:00:00:a1", "src=02:00:00:00:00:99", "src_ip=192.0.2.9", "dst_ip=192.0.2.1"])
        let (verdict, out) = try p.run(transmit: false, frame: toMember, ingress: lo)
        #expect(verdict == Self.redirect, "unicast arrives on every member")
        #expect(Array(out[0..<6]) == Self.bondMAC, "for the bond device, addressed to the bond")
        var multicast = toMember
        multicast[0] = 0x01
        #expect(try p.verdict(transmit: false, frame: multicast, ingress: lo) == Self.drop, "multicast on the active member only")
    }
}
