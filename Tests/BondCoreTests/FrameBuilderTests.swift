import BondCore
import Testing

@Suite struct FrameBuilderTests {
    let mac = MACAddress("02:00:00:00:00:0a")!

    @Test func gratuitousARPIsABroadcastRequestForOurOwnAddress() {
        let f = FrameBuilder.gratuitousARP(mac: mac, ip: IPv4Address("192.0.2.1")!, vlan: 7)
        #expect(f.count == 46)
        #expect(Array(f[0..<6]) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Array(f[6..<12]) == mac.bytes)
        #expect(Array(f[12..<16]) == [0x81, 0x00, 0x00, 0x07])
        let p = Fixtures.parsed(f)
        #expect(p.vlanID == 7)
        guard case .arp(let a) = p.network else { Issue.record("not ARP"); return }
        #expect(a.targetMAC == .zero)
        #expect(a.senderIP == a.targetIP)
    }

    @Test func unsolicitedNAHasValidChecksumAndOverrideFlag() {
        let ip = IPv6Address("2001:db8::1")!
        let f = FrameBuilder.unsolicitedNA(mac: mac, ip: ip)
        let p = Fixtures.parsed(f)
        #expect(p.destination == MACAddress("33:33:00:00:00:01"))
        guard case .ipv6(let h) = p.network else { Issue.record("not IPv6"); return }
        #expect(h.source == ip)
        #expect(h.destination == IPv6Address("ff02::1"))
        #expect(p.transport?.icmpType == 136)
        #expect(f[54 + 4] == 0x20)  // override, not solicited
        // Summing the ICMPv6 message with its checksum and the pseudo-header gives 0xFFFF.
        let icmp = Array(f[54...])
        let pseudo = InternetChecksum.ipv6PseudoHeader(source: ip, destination: h.destination, length: icmp.count, nextHeader: 58)
        #expect(InternetChecksum.finish(InternetChecksum.sum(icmp, initial: pseudo)) == 0)
        #expect(Array(f[(f.count - 6)...]) == mac.bytes)
    }

    @Test func arpProbeIsABroadcastRequestForTheTarget() {
        let f = FrameBuilder.arpRequest(from: mac, senderIP: IPv4Address("192.0.2.1")!, target: IPv4Address("192.0.2.2")!)
        let p = Fixtures.parsed(f)
        #expect(p.destination == .broadcast)
        guard case .arp(let a) = p.network else { Issue.record("not ARP"); return }
        #expect(a.operation == ARPHeader.request)
        #expect(a.senderMAC == mac && a.senderIP == IPv4Address("192.0.2.1"))
        #expect(a.targetIP == IPv4Address("192.0.2.2") && a.targetMAC == .zero)
    }

    @Test func nsProbeGoesToTheSolicitedNodeGroupWithAValidChecksum() {
        let source = IPv6Address("2001:db8::1")!, target = IPv6Address("2001:db8::12:3456")!
        let f = FrameBuilder.neighborSolicitation(from: mac, source: source, target: target)
        let p = Fixtures.parsed(f)
        #expect(p.destination == MACAddress("33:33:ff:12:34:56"))
        guard case .ipv6(let h) = p.network else { Issue.record("not IPv6"); return }
        #expect(h.destination == IPv6Address("ff02::1:ff12:3456"))
        #expect(p.neighborDiscovery?.isAdvertisement == false)
        #expect(p.neighborDiscovery?.target == target)
        #expect(p.neighborDiscovery?.linkLayerAddress == mac)
        let icmp = Array(f[54...])
        let pseudo = InternetChecksum.ipv6PseudoHeader(source: source, destination: h.destination, length: icmp.count, nextHeader: 58)
        #expect(InternetChecksum.finish(InternetChecksum.sum(icmp, initial: pseudo)) == 0)
    }

    @Test func checksumOfRFC1071Example() {
        // RFC 1071 section 3 example: sum 0xddf2 → checksum 0x220d.
        let bytes: [UInt8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]
        #expect(InternetChecksum.finish(InternetChecksum.sum(bytes)) == 0x220D)
        #expect(InternetChecksum.finish(InternetChecksum.sum([0x01])) == ~UInt16(0x0100))
    }
}
