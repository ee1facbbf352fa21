/// A 48-bit Ethernet address held in the low bits of a UInt64, so it compares,
/// hashes and copies as one machine word on the hot path.
public struct MACAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64

    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue & 0xFFFF_FFFF_FFFF }

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 6, "a MAC address has 6 bytes")
        var v: UInt64 = 0
        for b in bytes { v = (v << 8) | UInt64(b) }
        self.init(rawValue: v)
    }

    /// Parses "aa:bb:cc:dd:ee:ff" (also with '-'); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var v: UInt64 = 0
        for p in parts {
            guard p.count <= 2, let b = UInt8(p, radix: 16) else { return nil }
            v = (v << 8) | UInt64(b)
        }
        self.init(rawValue: v)
    }

    public static let broadcast = MACAddress(rawValue: 0xFFFF_FFFF_FFFF)
    public static let zero = MACAddress(rawValue: 0)

    @inlinable public func byte(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: rawValue >> (40 - 8 * i)) }
    public var bytes: [UInt8] { (0..<6).map { byte($0) } }

    /// Group bit: multicast and broadcast frames.
    @inlinable public var isMulticast: Bool { (rawValue >> 40) & 1 == 1 }
    @inlinable public var isBroadcast: Bool { rawValue == 0xFFFF_FFFF_FFFF }

    public var description: String {
        (0..<6).map { i -> String in
            let s = String(byte(i), radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: ":")
    }

    public static func < (a: MACAddress, b: MACAddress) -> Bool { a.rawValue < b.rawValue }
}
