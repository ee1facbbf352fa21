import BondSim
import Testing

/// Capture files built byte by byte: both formats, both byte orders, both resolutions.
@Suite struct PcapTraceTests {
    static let frame: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xB5] + [UInt8](repeating: 7, count: 46)

    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    func be32(_ v: UInt32) -> [UInt8] { le32(v).reversed() }
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }

    @Test func classicMicrosecondsLittleEndian() throws {
        var f = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(65535) + le32(1)
        f += le32(10) + le32(250) + le32(UInt32(Self.frame.count)) + le32(UInt32(Self.frame.count)) + Self.frame
        f += le32(11) + le32(0) + le32(20) + le32(60) + Array(Self.frame.prefix(20))
        let t = try PcapTrace(bytes: f)
        #expect(t.frames.map(\.nanoseconds) == [10_000_250_000, 11_000_000_000])
        #expect(t.frames[0].bytes == Self.frame && t.frames[1].bytes.count == 20 && t.frames[1].wireLength == 60)
    }

    @Test func classicNanosecondsBigEndian() throws {
        var f = be32(0xA1B2_3C4D) + [0, 2, 0, 4] + be32(0) + be32(0) + be32(65535) + be32(1)
        f += be32(3) + be32(7) + be32(UInt32(Self.frame.count)) + be32(UInt32(Self.frame.count)) + Self.frame
        #expect(try PcapTrace(bytes: f).frames.map(\.nanoseconds) == [3_000_000_007])
    }

    @Test func pcapngWithItsInterfacesResolution() throws {
        // Section header, interface (Ethernet, if_tsresol 9: nanoseconds), one enhanced packet.
        var f = le32(0x0A0D_0D0A) + le32(28) + le32(0x1A2B_3C4D) + le16(1) + le16(0) + [UInt8](repeating: 0xFF, count: 8) + le32(28)
        f += le32(1) + le32(28) + le16(1) + le16(0) + le32(0) + le16(9) + le16(1) + [9, 0, 0, 0] + le32(28)
        let padded = Self.frame + [UInt8](repeating: 0, count: (4 - Self.frame.count % 4) % 4)
        let length = UInt32(32 + padded.count)
        f += le32(6) + le32(length) + le32(0) + le32(0) + le32(1_500) + le32(UInt32(Self.frame.count)) + le32(UInt32(Self.frame.count))
        f += padded + le32(length)
        let t = try PcapTrace(bytes: f)
        #expect(t.frames.count == 1 && t.frames[0].nanoseconds == 1_500 && t.frames[0].bytes == Self.frame)
    }

    @Test func whatIsNotAnEthernetCaptureIsRefusedInOneLine() {
        #expect(throws: PcapTrace.Refusal(message: "not a pcap or pcapng file")) { try PcapTrace(bytes: Array("hello, world".utf8)) }
        let linux = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(65535) + le32(113)
        #expect(throws: PcapTrace.Refusal(message: "not an Ethernet capture (link type)")) { try PcapTrace(bytes: linux) }
    }
}
