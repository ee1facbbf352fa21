import BondCore
import Testing

/// resend_igmp: when reports are due, which groups /proc lists, and the frames built.
@Suite struct MulticastResendScheduleTests {
    private func resends(_ events: [BondEvent]) -> Int {
        events.filter { $0 == .resendMulticastReports }.count
    }

    @Test(arguments: [1, 3, 5])
    func failoverResendsReportsResendIGMPTimes200msApart(times: Int) throws {
        var h = try BondHarness(["mode=active-backup", "miimon=100", "resend_igmp=\(times)"])
        h.carrier("m0", false)
        #expect(h.active == "m1")
        var sent = resends(h.events)
        var gaps: [Int] = []
        var last = 0
        for ms in stride(from: 10, through: 2000, by: 10) {
            h.advance(10)
            if resends(h.events) > 0 { gaps.append(ms - last); last = ms }
            sent += resends(h.events)
        }
        #expect(sent == times)
        #expect(gaps == Array(repeating: 200, count: times - 1))
    }

    @Test func resendIGMPZeroSendsNothing() throws {
        var h = try BondHarness(["mode=active-backup", "miimon=100", "resend_igmp=0"])
        h.carrier("m0", false)
        var sent = resends(h.events)
        for _ in 0..<20 { h.advance(100); sent += resends(h.events) }
        #expect(h.active == "m1")
        #expect(sent == 0)
    }

    @Test func backupLossDoesNotResend() throws {
        var h = try BondHarness(["mode=active-backup", "miimon=100"])
        for _ in 0..<5 { h.advance(100) }
        h.carrier("m1", false)
        #expect(resends(h.events) == 0)
    }

    @Test func roundRobinResendsWhenItsCurrentMemberIsLost() throws {
        var h = try BondHarness(["mode=balance-rr", "miimon=100", "resend_igmp=2"], members: ["m0", "m1", "m2"])
        for _ in 0..<5 { h.advance(100) }
        h.carrier("m1", false)
        #expect(resends(h.events) == 0)
        h.carrier("m0", false)
        #expect(resends(h.events) == 1)
        h.advance(200)
        #expect(resends(h.events) == 1)
        h.advance(200)
        #expect(resends(h.events) == 0)
        h.carrier("m2", false)
        #expect(resends(h.events) == 0)
        h.carrier("m2", true)
        #expect(resends(h.events) == 1)
    }

    @Test func balanceXORSendsNoReports() throws {
        var h = try BondHarness(["mode=balance-xor", "miimon=100"])
        h.carrier("m0", false)
        #expect(resends(h.events) == 0)
    }

    @Test func resendsStopWhenNoMemberIsLeft() throws {
        var h = try BondHarness(["mode=active-backup", "miimon=100", "resend_igmp=10"])
        h.carrier("m0", false)
        #expect(resends(h.events) == 1)
        h.carrier("m1", false)
        var sent = 0
        for _ in 0..<20 { h.advance(100); sent += resends(h.events) }
        #expect(sent == 0)
    }
}

@Suite struct MulticastMembershipsTests {
    // As /proc/net/igmp prints them: groups are network-order words printed as host integers.
    let igmp = """
        Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter
        1\tlo        :     1      V3
        \t\t\t\t010000E0     1 0:00000000\t\t0
        7\tbond0     :     3      V2
        \t\t\t\t0A0A0AEF     1 0:00000000\t\t0
        \t\t\t\t050000E8     1 0:00000000\t\t0
        \t\t\t\t010000E0     1 0:00000000\t\t0
        9\teth1      :     1      V3
        \t\t\t\t020202EF     1 0:00000000\t\t0

        """
    let igmp6 = """
        1    lo              ff020000000000000000000000000001     1 0000000C 0
        7    bond0           ff0200000000000000000001ff001234     1 00000004 0
        7    bond0           ff020000000000000000000000000001     1 0000000C 0
        7    bond0           ff3e0000000000000000000000001234     1 00000004 0
        9    eth1            ff050000000000000000000000000002     1 00000004 0

        """
    let mcfilter = """
        Idx Device        MCA        SRC    INC    EXC
          7  bond0 0xe8000005 0xc0000201      1      0
          7  bond0 0xef0a0a0a 0xc0000202      1      0

        """
    let mcfilter6 = """
        Idx Device                Multicast Address                   Source Address    INC    EXC
          7  bond0 ff3e0000000000000000000000001234 20010db8000000000000000000000001      1      0

        """

    @Test func readsOnlyTheBondsReportableGroups() {
        let m = MulticastMemberships.parse(index: 7, igmp: igmp, igmp6: igmp6, mcfilter: mcfilter, mcfilter6: mcfilter6)
        #expect(m.igmpVersion == .v2)
        #expect(m.ipv4.map(\.address.description) == ["239.10.10.10", "232.0.0.5"])
        // Sources count only in the source-specific range; 239/8 stays any-source.
        #expect(m.ipv4.map { $0.includedSources.map(\.description) } == [[], ["192.0.2.1"]])
        #expect(m.ipv6.map(\.address.description) == ["ff02::1:ff00:1234", "ff3e::1234"])
        #expect(m.ipv6[1].includedSources.map(\.description) == ["2001:db8::1"])
        #expect(MulticastMemberships.parse(index: 8, igmp: igmp, igmp6: igmp6).isEmpty)
    }

    @Test func readsTheVersionOfEachInterface() {
        #expect(MulticastMemberships.parse(index: 9, igmp: igmp, igmp6: "").igmpVersion == .v3)
        #expect(MulticastMemberships.parse(index: 9, igmp: igmp, igmp6: "").ipv4.map(\.address.description) == ["239.2.2.2"])
    }
}

@Suite struct MembershipReportTests {
    let mac = MACAddress(rawValue: 0x0200_0000_0001)
    let source = IPv4Address("192.0.2.1")!

    private func groups(_ v: MulticastMemberships.IGMPVersion, _ addresses: [String]) -> MulticastMemberships {
        var m = MulticastMemberships()
        m.igmpVersion = v
        m.ipv4 = addresses.map { .init(address: IPv4Address($0)!) }
        return m
    }

    private func checksumHolds(_ f: [UInt8], from: Int, count: Int, initial: UInt32 = 0) -> Bool {
        InternetChecksum.finish(InternetChecksum.sum(f, from: from, count: count, initial: initial)) == 0
    }

    @Test func igmpV3ReportCarriesEveryGroupWithRouterAlert() {
        let frames = FrameBuilder.igmpReports(groups(.v3, ["239.1.1.1", "239.2.2.2"]), mac: mac, source: source)
        #expect(frames.count == 1)
        let f = frames[0]
        #expect(Array(f[0..<6]) == [0x01, 0x00, 0x5E, 0x00, 0x00, 0x16])  // 224.0.0.22
        #expect(f[14] == 0x46 && f[22] == 1 && f[23] == 2)  // IHL 6, TTL 1, IGMP
        #expect(Array(f[34..<38]) == [0x94, 0x04, 0, 0])  // router alert
        #expect(checksumHolds(f, from: 14, count: 24))
        #expect(f[38] == 0x22 && f[45] == 2)  // v3 report, 2 records
        #expect(checksumHolds(f, from: 38, count: f.count - 38))
        #expect(Array(f[46..<54]) == [2, 0, 0, 0, 239, 1, 1, 1])  // MODE_IS_EXCLUDE {}
        #expect(Array(f[54..<62]) == [2, 0, 0, 0, 239, 2, 2, 2])
        if case .success(let p) = f.withUnsafeBytes({ FrameParser.parse(FrameBytes($0)) }) {
            #expect(p.etherType == EtherType.ipv4)
        } else {
            Issue.record("the report does not parse")
        }
    }

    @Test func igmpV3ReportsSplitToFitTheMTU() {
        let many = (0..<400).map { "239.0.\($0 / 256).\($0 % 256)" }
        let frames = FrameBuilder.igmpReports(groups(.v3, many), mac: mac, source: source, mtu: 1500)
        #expect(frames.count == 3)
        #expect(frames.allSatisfy { $0.count <= 1514 })
        let records = frames.map { Int($0[44]) << 8 | Int($0[45]) }
        #expect(records.reduce(0, +) == 400)
    }

    @Test(arguments: [(MulticastMemberships.IGMPVersion.v2, UInt8(0x16)), (.v1, UInt8(0x12))])
    func olderVersionsSendOneReportPerGroupToTheGroup(version: MulticastMemberships.IGMPVersion, type: UInt8) {
        let frames = FrameBuilder.igmpReports(groups(version, ["239.1.1.1", "239.129.2.3"]), mac: mac, source: source)
        #expect(frames.count == 2)
        #expect(frames.map { $0[38] } == [type, type])
        #expect(Array(frames[1][0..<6]) == [0x01, 0x00, 0x5E, 0x01, 0x02, 0x03])  // low 23 bits
        #expect(Array(frames[1][30..<34]) == [239, 129, 2, 3])
        #expect(frames.allSatisfy { checksumHolds($0, from: 38, count: 8) })
    }

    @Test func mldV2ReportHasHopByHopRouterAlertAndAValidChecksum() {
        var m = MulticastMemberships()
        let group = IPv6Address("ff3e::1234")!
        m.ipv6 = [.init(address: group, includedSources: [IPv6Address("2001:db8::1")!])]
        let src = IPv6Address("fe80::1")!
        let frames = FrameBuilder.mldReports(m, mac: mac, source: src)
        #expect(frames.count == 1)
        let f = frames[0]
        #expect(Array(f[0..<6]) == [0x33, 0x33, 0, 0, 0, 0x16])
        #expect(f[20] == 0 && f[21] == 1)  // hop-by-hop, hop limit 1
        #expect(Array(f[54..<58]) == [58, 0, 5, 2])  // router alert
        let icmp = 62
        #expect(f[icmp] == 143 && f[icmp + 7] == 1)
        #expect(f[icmp + 8] == 1 && f[icmp + 11] == 1)  // MODE_IS_INCLUDE, 1 source
        let pseudo = InternetChecksum.ipv6PseudoHeader(
            source: src, destination: IPv6Address("ff02::16")!,
            length: f.count - icmp, nextHeader: IPProtocolNumber.icmpv6)
        #expect(checksumHolds(f, from: icmp, count: f.count - icmp, initial: pseudo))
    }

    @Test func mldV1SendsOneReportPerGroup() {
        var m = MulticastMemberships()
        m.ipv6 = [.init(address: IPv6Address("ff05::2")!), .init(address: IPv6Address("ff02::1:ff00:1234")!)]
        let frames = FrameBuilder.mldReports(m, mac: mac, source: IPv6Address("fe80::1")!, version: 1)
        #expect(frames.map { $0[62] } == [131, 131])
        #expect(Array(frames[1][0..<6]) == [0x33, 0x33, 0xFF, 0x00, 0x12, 0x34])
    }
}
