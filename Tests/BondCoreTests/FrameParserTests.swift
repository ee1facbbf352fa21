import BondCore
import Testing

@Suite struct FrameParserTests {
    @Test func parsesUDPOverIPv4() throws {
        let p = try Fixtures.parse(Fixtures.udpFrame(srcPort: 4242, dstPort: 53)).get()
        #expect(p.destination == MACAddress(bytes: Fixtures.peerMAC))
        #expect(p.source == MACAddress(bytes: Fixtures.hostMAC))
        #expect(p.vlanID == nil)
        #expect(p.etherType == EtherType.ipv4)
        guard case .ipv4(let ip) = p.network else { Issue.record("not IPv4"); return }
        #expect(ip.source == IPv4Address("192.0.2.1"))
        #expect(ip.destination == IPv4Address("192.0.2.2"))
        #expect(p.transport?.sourcePort == 4242)
        #expect(p.transport?.destinationPort == 53)
    }

    @Test func parsesVLANTaggedTCP() throws {
        let f =
            Fixtures.ethernet(vlan: 3, type: EtherType.ipv4) + Fixtures.ipv4(proto: IPProtocolNumber.tcp, payload: Fixtures.tcp(src: 80, dst: 5000))
        let p = try Fixtures.parse(f).get()
        #expect(p.vlanID == 3)
        #expect(p.networkOffset == 18)
        #expect(p.transport == TransportHeader(protocolNumber: 6, offset: 38, sourcePort: 80, destinationPort: 5000, icmpType: 0))
    }

    @Test func parsesARP() throws {
        let f = FrameBuilder.gratuitousARP(mac: MACAddress("02:00:00:00:00:01")!, ip: IPv4Address("192.0.2.1")!)
        let p = try Fixtures.parse(f).get()
        #expect(p.destination.isBroadcast)
        guard case .arp(let arp) = p.network else { Issue.record("not ARP"); return }
        #expect(arp.operation == ARPHeader.request)
        #expect(arp.senderIP == IPv4Address("192.0.2.1"))
        #expect(arp.targetIP == arp.senderIP)
        #expect(arp.senderMAC == MACAddress("02:00:00:00:00:01"))
    }

    @Test func parsesIPv6PastExtensionHeaders() throws {
        // hop-by-hop (8 bytes) then UDP
        let udp = Fixtures.udp(src: 7, dst: 9)
        let hop: [UInt8] = [17, 0, 1, 4, 0, 0, 0, 0]
        let payload = hop + udp
        var ip6: [UInt8] = [0x60, 0x0A, 0xBC, 0xDE, 0, UInt8(payload.count), 0, 64]
        ip6 += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        ip6 += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
        let p = try Fixtures.parse(Fixtures.ethernet(type: EtherType.ipv6) + ip6 + payload).get()
        guard case .ipv6(let h) = p.network else { Issue.record("not IPv6"); return }
        #expect(h.nextHeader == 17)
        #expect(h.flowLabel == 0xABCDE)
        #expect(h.source == IPv6Address("2001:db8::1"))
        #expect(p.transport?.sourcePort == 7)
        #expect(p.transport?.destinationPort == 9)
    }

    @Test func laterFragmentsCarryNoPorts() throws {
        let f =
            Fixtures.ethernet(type: EtherType.ipv4) + Fixtures.ipv4(proto: IPProtocolNumber.udp, payload: [1, 2, 3, 4, 5, 6, 7, 8], fragment: 0x0010)
        let p = try Fixtures.parse(f).get()
        #expect(p.transport == nil)
        guard case .ipv4(let ip) = p.network else { Issue.record("not IPv4"); return }
        #expect(ip.isLaterFragment)
    }

    @Test func refusesRuntFrames() {
        for n in 0..<14 {
            #expect(Fixtures.parse([UInt8](repeating: 0xFF, count: n)) == .failure(FrameDefectError(.runt)))
        }
    }

    @Test func refusesTruncatedHeaders() {
        let good = Fixtures.udpFrame()
        // Every cut inside the IPv4 or UDP header (or the IPv4 total length) is truncation.
        for cut in 15..<good.count {
            #expect(Fixtures.parse(Array(good.prefix(cut))) == .failure(FrameDefectError(.truncated)), "cut at \(cut)")
        }
        // A VLAN tag cut in half.
        #expect(Fixtures.parse(Fixtures.ethernet(type: 0x8100) + [0]) == .failure(FrameDefectError(.truncated)))
        // An IPv4 header whose IHL points past the frame.
        var bad = good
        bad[14] = 0x4F
        #expect(Fixtures.parse(bad) == .failure(FrameDefectError(.truncated)))
    }

    @Test func refusesOversizeUnlessSegmentationOffload() {
        let big =
            Fixtures.ethernet(type: EtherType.ipv4) + Fixtures.ipv4(proto: IPProtocolNumber.udp, payload: Fixtures.udp(src: 1, dst: 2, payload: 1600))
        #expect(Fixtures.parse(big, maxLength: 1514) == .failure(FrameDefectError(.oversize)))
        #expect((try? Fixtures.parse(big, maxLength: .max).get()) != nil)
        // A tag's 4 bytes do not count against the MTU.
        let tagged =
            Fixtures.ethernet(vlan: 5, type: EtherType.ipv4)
            + Fixtures.ipv4(proto: IPProtocolNumber.udp, payload: Fixtures.udp(src: 1, dst: 2, payload: 1472))
        #expect((try? Fixtures.parse(tagged, maxLength: 1514).get()) != nil)
    }

    @Test func neverReadsPastTheEndOfRandomBytes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let n = Int.random(in: 0..<120, using: &rng)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Steer some toward interesting ether types.
            if n >= 14 { bytes[12] = [0x08, 0x86, 0x81][Int.random(in: 0..<3)]; bytes[13] = [0x00, 0xDD, 0x06][Int.random(in: 0..<3)] }
            _ = Fixtures.parse(bytes)  // must not trap
        }
    }
}

@Suite struct AddressTests {
    @Test func macTextRoundTrip() {
        let m = MACAddress("0a:1B:2c:3d:4e:5f")
        #expect(m?.description == "0a:1b:2c:3d:4e:5f")
        #expect(MACAddress("0a:1b:2c") == nil)
        #expect(MACAddress.broadcast.isMulticast)
        #expect(!MACAddress("02:00:00:00:00:01")!.isMulticast)
    }

    @Test func ipv6TextRoundTrip() {
        #expect(IPv6Address("2001:db8::1")?.description == "2001:db8::1")
        #expect(IPv6Address("fe80::1:2")?.isLinkLocal == true)
        #expect(IPv6Address("::")?.description == "::")
        #expect(IPv6Address("1:2:3:4:5:6:7:8")?.description == "1:2:3:4:5:6:7:8")
        #expect(IPv6Address("1::2::3") == nil)
        #expect(IPv4Address("192.0.2.300") == nil)
        #expect(IPv4Address("198.51.100.7")?.description == "198.51.100.7")
    }
}
