/// The Internet checksum (RFC 1071), over frame views and byte arrays.
public enum InternetChecksum {
    /// One's-complement sum of `count` bytes from `offset`, not yet folded or inverted.
    public static func sum(_ frame: FrameBytes, from offset: Int, count: Int, initial: UInt32 = 0) -> UInt32 {
        var acc = UInt64(initial)
        var i = offset
        let end = offset + count
        while i + 4 <= end { acc &+= UInt64(frame.u32(i)); i += 4 }
        if i + 2 <= end { acc &+= UInt64(frame.u16(i)); i += 2 }
        if i < end { acc &+= UInt64(frame.u8(i)) << 8 }
        while acc >> 32 != 0 { acc = (acc & 0xFFFF_FFFF) &+ (acc >> 32) }
        return UInt32(acc)
    }

    public static func sum(_ bytes: [UInt8], from offset: Int = 0, count: Int? = nil, initial: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { sum(FrameBytes($0), from: offset, count: count ?? bytes.count - offset, initial: initial) }
    }

    /// Folds a sum to 16 bits and inverts it: the value that goes in the header.
    public static func finish(_ sum: UInt32) -> UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xFFFF) &+ (s >> 16) }
        return ~UInt16(truncatingIfNeeded: s)
    }

    /// The IPv6 pseudo-header sum for an upper-layer checksum.
    public static func ipv6PseudoHeader(source: IPv6Address, destination: IPv6Address, length: Int, nextHeader: UInt8) -> UInt32 {
        var acc: UInt64 = 0
        for word in [source.high, source.low, destination.high, destination.low] {
            acc &+= word >> 32
            acc &+= word & 0xFFFF_FFFF
        }
        acc &+= UInt64(length) &+ UInt64(nextHeader)
        while acc >> 32 != 0 { acc = (acc & 0xFFFF_FFFF) &+ (acc >> 32) }
        return UInt32(acc)
    }
}
