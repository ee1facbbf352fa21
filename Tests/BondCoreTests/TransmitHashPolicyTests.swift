import BondCore
import Testing

/// Expected hashes were worked out from the kernel's bond_xmit_hash formulas (bond_eth_hash,
/// bond_ip_hash, bond_vlan_srcmac_hash) on a little-endian host: header words are copied
/// from network order into host integers, so addresses and ports appear byte-swapped.
@Suite struct TransmitHashPolicyTests {
    func hash(_ policy: TransmitHashPolicy, _ bytes: [UInt8]) -> UInt32 { policy.hash(Fixtures.parsed(bytes)) }

    var udp: [UInt8] { Fixtures.udpFrame(srcPort: 1000, dstPort: 2000) }
    var tcp: [UInt8] {
        Fixtures.ethernet(type: EtherType.ipv4) + Fixtures.ipv4(proto: IPProtocolNumber.tcp, payload: Fixtures.tcp(src: 80, dst: 5000))
    }

    func ipv6TCP(vlan: UInt16?) -> [UInt8] {
        let tcp = Fixtures.tcp(src: 5000, dst: 80)
        var ip6: [UInt8] = [0x60, 0, 0, 0, 0, UInt8(tcp.count), IPProtocolNumber.tcp, 64]
        ip6 += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        ip6 += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
        return Fixtures.ethernet(vlan: vlan, type: EtherType.ipv6) + ip6 + tcp
    }

    @Test func layer2XorsLastMACBytesAndEtherType() {
        // 0x02 ^ 0x01 ^ 0x0800
        #expect(hash(.layer2, udp) == 2051)
        #expect(hash(.layer2, tcp) == hash(.layer2, udp))
    }

    @Test func layer23() {
        #expect(hash(.layer23, udp) == 50_531_080)
        #expect(hash(.layer23, ipv6TCP(vlan: nil)) == 50_562_395)
    }

    @Test func layer34() {
        #expect(hash(.layer34, udp) == 1_776_950_815)
        #expect(hash(.layer34, tcp) == 1_171_022_948)
        #expect(hash(.layer34, ipv6TCP(vlan: 3)) == 699_002_340)
    }

    @Test func layer34UsesTheICMPEchoIdentifier() {
        let echo: [UInt8] = [8, 0, 0, 0, 0x12, 0x34, 0, 1]
        let f = Fixtures.ethernet(type: EtherType.ipv4) + Fixtures.ipv4(proto: IPProtocolNumber.icmp, payload: echo)
        #expect(hash(.layer34, f) == 462_590_614)
    }

    @Test func fragmentsHashWithoutPorts() {
        let first =
            Fixtures.ethernet(type: EtherType.ipv4)
            + Fixtures.ipv4(proto: IPProtocolNumber.udp, payload: Fixtures.udp(src: 1000, dst: 2000), fragment: 0x2000)
        let otherPorts =
            Fixtures.ethernet(type: EtherType.ipv4)
            + Fixtures.ipv4(proto: IPProtocolNumber.udp, payload: Fixtures.udp(src: 7, dst: 9), fragment: 0x2000)
        #expect(hash(.layer34, first) == hash(.layer34, otherPorts))
        #expect(hash(.layer34, first) != hash(.layer34, udp))
    }

    @Test func vlanSourceMAC() {
        // vlan 3 ^ 0x020000 (vendor half) ^ 0x000001 (device half)
        #expect(hash(.vlanSourceMAC, Fixtures.udpFrame(vlan: 3)) == 131_074)
    }

    @Test func encapLooksInsideIPInIP() {
        let inner = Fixtures.ipv4(proto: IPProtocolNumber.udp, payload: Fixtures.udp(src: 1000, dst: 2000))
        let f =
            Fixtures.ethernet(type: EtherType.ipv4)
            + Fixtures.ipv4(src: [198, 51, 100, 1], dst: [198, 51, 100, 2], proto: IPProtocolNumber.ipip, payload: inner)
        #expect(hash(.encap34, f) == 1_776_950_815)
        // layer3+4 stops at the outer header, which has no ports.
        #expect(hash(.layer34, f) == 25_264_513)
    }

    @Test func nonIPFallsBackToLayer2() {
        let arp = FrameBuilder.gratuitousARP(mac: MACAddress(bytes: Fixtures.hostMAC), ip: IPv4Address("192.0.2.1")!)
        #expect(hash(.layer34, arp) == hash(.layer2, arp))
    }

    @Test func balanceXORPicksHashModuloUsableMembers() {
        var mode = BalanceXORMode(policy: .layer34)
        let view = MemberView(usable: [0, 2, 3], active: nil)
        let expected = [0, 2, 3][Int(1_776_950_815 % 3)]
        #expect(mode.transmitTarget(for: Fixtures.parsed(udp), members: view) == .member(expected))
        #expect(mode.transmitTarget(for: Fixtures.parsed(udp), members: MemberView(usable: [], active: nil)) == .drop)
    }

    @Test func hundredFlowsSpreadUnderLayer34AndNotUnderLayer2() {
        var l34 = BalanceXORMode(policy: .layer34)
        var l2 = BalanceXORMode(policy: .layer2)
        let view = MemberView(usable: [0, 1], active: nil)
        var counts34 = [0, 0], counts2 = [0, 0]
        for port in 0..<100 {
            let f = Fixtures.parsed(Fixtures.udpFrame(srcPort: UInt16(20000 + port), dstPort: 9))
            if case .member(let m) = l34.transmitTarget(for: f, members: view) { counts34[m] += 1 }
            if case .member(let m) = l2.transmitTarget(for: f, members: view) { counts2[m] += 1 }
        }
        #expect(counts34.allSatisfy { $0 >= 40 && $0 <= 60 }, "\(counts34)")
        #expect(counts2.contains(100))
    }

    @Test func broadcastSendsOnEveryUsableMember() {
        var mode = BroadcastMode()
        #expect(mode.transmitTarget(for: Fixtures.parsed(udp), members: MemberView(usable: [0, 1], active: 0)) == .allMembers)
        #expect(mode.transmitTarget(for: Fixtures.parsed(udp), members: MemberView(usable: [], active: nil)) == .drop)
    }

    @Test func optionNames() throws {
        #expect(try BondOptions.parse(["mode=balance-xor", "xmit_hash_policy=layer3+4"]).0.xmitHashPolicy == .layer34)
        #expect(try BondOptions.parse(["mode=2", "xmit_hash_policy=5"]).0.xmitHashPolicy == .vlanSourceMAC)
        #expect(try BondOptions.parse(["mode=3"]).0.mode == .broadcast)
        #expect(throws: OptionError.self) { try BondOptions.parse(["mode=2", "xmit_hash_policy=layer5"]) }
    }
}
