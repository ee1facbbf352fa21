import CPcapFile
import Glibc
import SystemIO

/// A pcap file written with libpcap (Ethernet link type), readable by tcpdump and
/// Wireshark. Not thread-safe: one writer thread.
public final class PcapWriter {
    private let file: OpaquePointer
    public let path: String
    public static let snapshotLength = 65535

    public init(path: String) throws(SystemError) {
        self.path = path
        guard let f = bondd_pcap_open(path, Int32(Self.snapshotLength)) else { throw SystemError("cannot write \(path)") }
        file = f
    }

    deinit { bondd_pcap_close(file) }

    /// One frame: its captured bytes, its length on the wire, its time.
    public func write(_ bytes: UnsafeRawBufferPointer, wireLength: Int, unixNanoseconds: UInt64) {
        guard let base = bytes.baseAddress else { return }
        bondd_pcap_write(
            file, base, UInt32(min(bytes.count, Self.snapshotLength)), UInt32(wireLength),
            Int(unixNanoseconds / 1_000_000_000), Int(unixNanoseconds % 1_000_000_000 / 1000))
    }

    public func flush() { bondd_pcap_flush(file) }
}
