import BondCore
import SystemIO
import Testing

/// Checksums owed by the sender (offload) completed as a NIC would, and nothing else.
@Suite struct TransportChecksumTests {
    private func check(_ words: [String], _ body: (MutableFrameBytes, ParsedFrame) -> Void) throws {
        var bytes = try FrameDescription.build(words)
        bytes.withUnsafeMutableBytes { raw in
            guard case .success(let parsed) = FrameParser.parse(FrameBytes(UnsafeRawBufferPointer(raw))) else {
                Issue.record("does not parse")
                return
            }
            body(MutableFrameBytes(raw), parsed)
        }
    }

    /// The one's-complement sum over pseudo-header and segment, which is all ones
    /// (finishes to 0) when the checksum is right.
    private func verifies(_ f: MutableFrameBytes, _ p: ParsedFrame) -> Bool {
        let view = f.readOnly, t = p.transport!
        let end = f.count
        let pseudo: UInt32
        switch p.network {
        case .ipv4(let h):
            pseudo = InternetChecksum.sum(view, from: p.networkOffset + 12, count: 8) &+ UInt32(h.protocolNumber) &+ UInt32(end - t.offset)
        case .ipv6(let h):
            pseudo = InternetChecksum.ipv6PseudoHeader(
                source: h.source, destination: h.destination, length: end - t.offset, nextHeader: t.protocolNumber)
        default: return false
        }
        return InternetChecksum.finish(InternetChecksum.sum(view, from: t.offset, count: end - t.offset, initial: pseudo)) == 0
    }

    @Test(arguments: [
        ["src_ip=192.0.2.1", "dst_ip=192.0.2.2", "proto=tcp", "sport=40000", "dport=80"],
        ["src_ip=2001:db8::1", "dst_ip=2001:db8::2", "proto=tcp", "sport=40000", "dport=80"],
        ["src_ip=2001:db8::1", "dst_ip=2001:db8::2", "proto=udp", "sport=5000", "dport=53"],
    ])
    func anOwedChecksumIsCompletedOnce(words: [String]) throws {
        try check(words) { f, p in
            #expect(!verifies(f, p), "built without a checksum")
            #expect(TransportChecksum.complete(f, parsed: p))
            #expect(verifies(f, p))
            #expect(!TransportChecksum.complete(f, parsed: p), "a correct checksum is left alone")
        }
    }

    @Test func udpOverIPv4WithoutAChecksumStaysWithout() throws {
        try check(["src_ip=192.0.2.1", "dst_ip=192.0.2.2", "proto=udp", "sport=5000", "dport=53"]) { f, p in
            #expect(!TransportChecksum.complete(f, parsed: p))
            #expect(f.readOnly.u16(p.transport!.offset + 6) == 0)
        }
    }

    @Test func icmpIsNotTouched() throws {
        try check(["src_ip=192.0.2.1", "dst_ip=192.0.2.2", "proto=icmp"]) { f, p in
            #expect(!TransportChecksum.complete(f, parsed: p))
        }
    }
}
