/// An address with its prefix length, as `ip addr add` takes it: 192.0.2.1/24, 2001:db8::1/64.
public enum InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(IPv4Address, prefix: Int)
    case v6(IPv6Address, prefix: Int)

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]) else { return nil }
        if let a = IPv4Address(String(parts[0])), (0...32).contains(prefix) {
            self = .v4(a, prefix: prefix)
        } else if let a = IPv6Address(String(parts[0])), (0...128).contains(prefix) {
            self = .v6(a, prefix: prefix)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .v4(let a, let p): "\(a)/\(p)"
        case .v6(let a, let p): "\(a)/\(p)"
        }
    }
}

extension InterfaceAddress {
    /// The address's bytes on the wire and its prefix length, as netlink takes them.
    public var bytesAndPrefix: ([UInt8], Int) {
        switch self {
        case .v4(let a, let p): (a.bytes, p)
        case .v6(let a, let p): (a.bytes, p)
        }
    }
}
