/// An IPv4 address in host byte order.
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, let b = UInt8(p) else { return nil }
            v = (v << 8) | UInt32(b)
        }
        rawValue = v
    }

    public var description: String {
        "\(rawValue >> 24).\((rawValue >> 16) & 0xFF).\((rawValue >> 8) & 0xFF).\(rawValue & 0xFF)"
    }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// An IPv6 address as two big-endian 64-bit halves.
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    @inlinable public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    public init?(_ text: String) {
        // RFC 4291 text form with at most one "::"; no embedded IPv4 form.
        let halves: [Substring]
        if let r = text.firstRange(of: "::") {
            let rest = text[r.upperBound...]
            if rest.contains("::") { return nil }
            halves = [text[..<r.lowerBound], rest]
        } else {
            halves = [text[...]]
        }
        func groups(_ s: Substring) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        var all: [UInt16]
        switch halves.count {
        case 1:
            guard let g = groups(halves[0]), g.count == 8 else { return nil }
            all = g
        case 2:
            guard let a = groups(halves[0]), let b = groups(halves[1]), a.count + b.count < 8 else { return nil }
            all = a + Array(repeating: 0, count: 8 - a.count - b.count) + b
        default:
            return nil
        }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 { hi = (hi << 16) | UInt64(all[i]) }
        for i in 4..<8 { lo = (lo << 16) | UInt64(all[i]) }
        self.init(high: hi, low: lo)
    }

    /// The eight 16-bit groups, most significant first.
    public var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
    }

    public var isLinkLocal: Bool { high >> 54 == 0x3FA }  // fe80::/10

    public var description: String {
        let g = groups
        // Longest run of zero groups (length >= 2) becomes "::".
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ r: Range<Int>) -> String { r.map { String(g[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLen)..<8)
    }
}

/// An IPv4 or IPv6 address, for tables that hold both.
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): x < y
        case (.v6(let x), .v6(let y)): (x.high, x.low) < (y.high, y.low)
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

extension IPv4Address {
    /// The 4 bytes on the wire (netlink, frames).
    public var bytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (24 - 8 * $0)) } }
    public init?(bytes b: [UInt8]) {
        guard b.count == 4 else { return nil }
        self.init(rawValue: b.reduce(0) { $0 << 8 | UInt32($1) })
    }
}

extension IPv6Address {
    /// The 16 bytes on the wire (netlink, frames).
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }
    public init?(bytes b: [UInt8]) {
        guard b.count == 16 else { return nil }
        self.init(high: b.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }, low: b.suffix(8).reduce(0) { $0 << 8 | UInt64($1) })
    }
}
