/// Writes frames as a classic pcap file with nanosecond timestamps (magic a1b23c4d,
/// little-endian, Ethernet), which tcpdump, Wireshark and tcpreplay read.
public struct PcapWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(snapLength: Int = 65_535) {
        put32(0xA1B2_3C4D)
        put16(2)
        put16(4)
        put32(0)
        put32(0)
        put32(UInt32(snapLength))
        put32(1)
    }

    public mutating func append(_ frame: [UInt8], at nanoseconds: UInt64, wireLength: Int? = nil) {
        put32(UInt32(truncatingIfNeeded: nanoseconds / 1_000_000_000))
        put32(UInt32(truncatingIfNeeded: nanoseconds % 1_000_000_000))
        put32(UInt32(frame.count))
        put32(UInt32(wireLength ?? frame.count))
        bytes += frame
    }

    /// Takes what is written so far (the file's next bytes), for writing a long trace
    /// to a file piece by piece.
    public mutating func takeBytes() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    private mutating func put32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    private mutating func put16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
}
