/// Frames of a capture file, in file order, with their capture time: the classic pcap
/// format (either byte order, micro- or nanosecond timestamps) and pcapng (enhanced and
/// simple packet blocks, per-interface timestamp resolution). Ethernet link types only:
/// those are the frames a bond sees.
public struct PcapTrace: Sendable {
    public struct Frame: Sendable, Equatable {
        /// Nanoseconds since the Unix epoch (0 where the format has no time).
        public var nanoseconds: UInt64
        public var bytes: [UInt8]
        /// The frame's length on the wire (more than `bytes.count` when the capture cut it).
        public var wireLength: Int
    }

    public private(set) var frames: [Frame] = []

    /// A file that is not a capture, or not Ethernet: one line for the user.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public var message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    public init(bytes: [UInt8]) throws(Refusal) {
        var out: [Frame] = []
        let failure: Refusal? = bytes.withUnsafeBytes { b in
            do throws(Refusal) {
                try Self.forEachFrame(in: b) { ns, frame, wire in
                    out.append(Frame(nanoseconds: ns, bytes: Array(frame), wireLength: wire))
                    return true
                }
                return nil
            } catch { return error }
        }
        if let failure { throw failure }
        frames = out
    }

    /// Reads `buffer` (a whole capture file, mapped or in memory) frame by frame without
    /// copying: `body` gets each frame's time, bytes (valid during the call) and wire
    /// length, and returns false to stop.
    public static func forEachFrame(
        in buffer: UnsafeRawBufferPointer, _ body: (UInt64, UnsafeRawBufferPointer, Int) -> Bool
    ) throws(Refusal) {
        guard buffer.count >= 4 else { throw Refusal(message: "not a capture file (too short)") }
        let r = Reader(bytes: buffer)
        switch r.u32(at: 0, little: true) {
        case 0xA1B2_C3D4, 0xA1B2_3C4D, 0xD4C3_B2A1, 0x4D3C_B2A1: try classic(r, body)
        case 0x0A0D_0D0A: try pcapng(r, body)
        default: throw Refusal(message: "not a pcap or pcapng file")
        }
    }

    private static func classic(_ r: Reader, _ body: (UInt64, UnsafeRawBufferPointer, Int) -> Bool) throws(Refusal) {
        guard r.bytes.count >= 24 else { throw Refusal(message: "truncated pcap header") }
        let magic = r.u32(at: 0, little: true)
        let little = magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D
        let nano = magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1
        guard r.u32(at: 20, little: little) & 0x0FFF_FFFF == 1 else { throw Refusal(message: "not an Ethernet capture (link type)") }
        var at = 24
        while at + 16 <= r.bytes.count {
            let seconds = UInt64(r.u32(at: at, little: little)), fraction = UInt64(r.u32(at: at + 4, little: little))
            let captured = Int(r.u32(at: at + 8, little: little)), wire = Int(r.u32(at: at + 12, little: little))
            guard at + 16 + captured <= r.bytes.count else { throw Refusal(message: "truncated frame at byte \(at)") }
            let ns = seconds * 1_000_000_000 + (nano ? fraction : fraction * 1000)
            guard body(ns, UnsafeRawBufferPointer(rebasing: r.bytes[(at + 16)..<(at + 16 + captured)]), wire) else { return }
            at += 16 + captured
        }
    }

    private static func pcapng(_ r: Reader, _ body: (UInt64, UnsafeRawBufferPointer, Int) -> Bool) throws(Refusal) {
        var little = true
        // Per interface: its link type and its timestamp unit in nanoseconds.
        var interfaces: [(link: UInt16, unit: UInt64)] = []
        var at = 0
        while at + 12 <= r.bytes.count {
            let type = r.u32(at: at, little: little)
            if type == 0x0A0D_0D0A {
                little = r.u32(at: at + 8, little: true) == 0x1A2B_3C4D
                interfaces = []
            }
            let length = Int(r.u32(at: at + 4, little: little))
            guard length >= 12, length % 4 == 0, at + length <= r.bytes.count else { throw Refusal(message: "truncated pcapng block at byte \(at)") }
            switch type {
            case 1:  // interface description
                var unit: UInt64 = 1000
                var o = at + 16
                while o + 4 <= at + length - 4 {
                    let code = r.u16(at: o, little: little), size = Int(r.u16(at: o + 2, little: little))
                    if code == 0 { break }
                    if code == 9, size >= 1 {  // if_tsresol
                        let v = r.bytes[o + 4]
                        if v & 0x80 == 0 { var p: UInt64 = 1; for _ in 0..<Int(v) { p *= 10 }; unit = p >= 1_000_000_000 ? 1 : 1_000_000_000 / p }
                    }
                    o += 4 + (size + 3) / 4 * 4
                }
                interfaces.append((r.u16(at: at + 8, little: little), unit))
            case 6:  // enhanced packet
                let i = Int(r.u32(at: at + 8, little: little))
                guard i < interfaces.count else { throw Refusal(message: "packet of an undeclared interface at byte \(at)") }
                guard interfaces[i].link == 1 else { throw Refusal(message: "not an Ethernet capture (link type)") }
                let stamp = UInt64(r.u32(at: at + 12, little: little)) << 32 | UInt64(r.u32(at: at + 16, little: little))
                let captured = Int(r.u32(at: at + 20, little: little)), wire = Int(r.u32(at: at + 24, little: little))
                guard at + 28 + captured <= at + length else { throw Refusal(message: "truncated frame at byte \(at)") }
                guard body(stamp &* interfaces[i].unit, UnsafeRawBufferPointer(rebasing: r.bytes[(at + 28)..<(at + 28 + captured)]), wire) else {
                    return
                }
            case 3:  // simple packet: no time
                guard interfaces.first?.link == 1 else { throw Refusal(message: "not an Ethernet capture (link type)") }
                let wire = Int(r.u32(at: at + 8, little: little))
                let captured = min(wire, length - 16)
                guard body(0, UnsafeRawBufferPointer(rebasing: r.bytes[(at + 12)..<(at + 12 + captured)]), wire) else { return }
            default:
                break
            }
            at += length
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        func u32(at i: Int, little: Bool) -> UInt32 {
            let v = bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)
            return little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
        }
        func u16(at i: Int, little: Bool) -> UInt16 {
            let v = bytes.loadUnaligned(fromByteOffset: i, as: UInt16.self)
            return little ? UInt16(littleEndian: v) : UInt16(bigEndian: v)
        }
    }
}
