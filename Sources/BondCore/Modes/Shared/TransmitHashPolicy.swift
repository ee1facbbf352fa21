/// `xmit_hash_policy`: which header fields choose a member in balance-xor, 802.3ad and
/// balance-tlb. The values and names are the kernel's.
public enum TransmitHashPolicy: Int, Sendable, CaseIterable, Codable {
    case layer2 = 0
    case layer34 = 1
    case layer23 = 2
    case encap23 = 3
    case encap34 = 4
    case vlanSourceMAC = 5

    /// The XDP programs compute this hash themselves, bit for bit as the kernel does
    /// (bpf/hash.h): layer2, layer2+3 and layer3+4.
    public var isComputedByFastPath: Bool { self == .layer2 || self == .layer23 || self == .layer34 }

    public var kernelName: String {
        switch self {
        case .layer2: "layer2"
        case .layer34: "layer3+4"
        case .layer23: "layer2+3"
        case .encap23: "encap2+3"
        case .encap34: "encap3+4"
        case .vlanSourceMAC: "vlan+srcmac"
        }
    }

    /// The hash of the kernel's bond_xmit_hash for the same frame, bit for bit, so that
    /// a frame takes the member the Linux driver would give it (`hash % members`).
    ///
    /// The kernel copies big-endian header words into host integers on little-endian
    /// machines; the byte swaps below reproduce exactly those values.
    @inlinable
    public func hash(_ frame: ParsedFrame) -> UInt32 {
        if self == .vlanSourceMAC {
            let s = frame.source.rawValue
            return UInt32(frame.vlanID ?? 0) ^ UInt32(truncatingIfNeeded: s >> 24) ^ UInt32(truncatingIfNeeded: s & 0xFF_FFFF)
        }
        let ethernet = UInt32(frame.destination.byte(5) ^ frame.source.byte(5)) ^ UInt32(frame.etherType)
        if self == .layer2 { return ethernet }

        let encapsulated = self == .encap23 || self == .encap34
        let network = encapsulated ? frame.innermostNetwork : frame.network
        let addresses: UInt32
        // Which packets the kernel takes ports from: never from fragments; without
        // encap it reads the protocol right after the fixed IPv6 header.
        var portsUsable: Bool
        switch network {
        case .ipv4(let ip):
            addresses = ip.source.rawValue.byteSwapped ^ ip.destination.rawValue.byteSwapped
            portsUsable = !ip.isFragment
        case .ipv6(let ip):
            addresses = Self.fold(ip.source) ^ Self.fold(ip.destination)
            portsUsable = !ip.isFragment && (encapsulated || !ip.hasExtensionHeaders)
        default:
            // Not IP: the kernel's flow dissection fails and it falls back to layer2.
            return ethernet
        }
        var h: UInt32
        if self == .layer23 || self == .encap23 {
            h = ethernet
        } else {
            h = portsUsable ? Self.transportWord(encapsulated ? frame.innermostTransport : frame.transport) : 0
        }
        h ^= addresses
        h ^= h >> 16
        h ^= h >> 8
        // The kernel drops the lowest bit for 3+4: ports are often all even.
        return self == .layer34 || self == .encap34 ? h >> 1 : h
    }

    /// An IPv6 address as the kernel's ipv6_addr_hash sees it on a little-endian host.
    @inlinable
    static func fold(_ a: IPv6Address) -> UInt32 {
        let x =
            UInt32(truncatingIfNeeded: a.high >> 32) ^ UInt32(truncatingIfNeeded: a.high)
            ^ UInt32(truncatingIfNeeded: a.low >> 32) ^ UInt32(truncatingIfNeeded: a.low)
        return x.byteSwapped
    }

    /// Ports (or the ICMP echo identifier) as the 32-bit word layer3+4 starts from.
    @inlinable
    static func transportWord(_ transport: TransportHeader?) -> UInt32 {
        guard let t = transport else { return 0 }
        switch t.protocolNumber {
        case IPProtocolNumber.icmp, IPProtocolNumber.icmpv6:
            // type, code, identifier in memory order; only echo messages carry an id.
            guard t.echoIdentifier != 0 else { return 0 }
            return UInt32(t.icmpType) | UInt32(t.icmpCode) << 8 | UInt32(t.echoIdentifier.byteSwapped) << 16
        default:
            return UInt32(t.sourcePort.byteSwapped) | UInt32(t.destinationPort.byteSwapped) << 16
        }
    }
}
