/// What a mode needs to know about a frame, parsed once per frame into a value on the
/// stack: addresses, VLAN, the network header fields and transport ports.
public struct ParsedFrame: Sendable, Equatable {
    /// The frame's length in bytes (a GSO frame's whole length).
    public var length: Int = 0
    public var destination: MACAddress = .zero
    public var source: MACAddress = .zero
    /// Outermost 802.1Q/802.1ad tag's VLAN id, or nil when untagged.
    public var vlanID: UInt16?
    /// The outermost tag's TPID (0x8100 or 0x88a8), 0 when untagged.
    public var vlanTPID: UInt16 = 0
    /// Ethernet type after any VLAN tags.
    public var etherType: UInt16 = 0
    /// Offset of the network header (after the Ethernet header and tags).
    public var networkOffset: Int = 14
    public var network: NetworkHeader = .other
    public var transport: TransportHeader?
    /// Neighbor Solicitations and Advertisements (ICMPv6 135/136).
    public var neighborDiscovery: NeighborDiscovery?
    /// For IP-in-IP and IPv6-in-IP tunnels: the encapsulated packet's headers.
    public var innerNetwork: NetworkHeader?
    public var innerTransport: TransportHeader?

    public init() {}

    /// The VLAN id of an outermost 802.1Q (customer) tag: the tag a VLAN device of the
    /// bond takes off. An 802.1ad outer tag belongs to a trunk, not to one device.
    @inlinable public var customerVLAN: UInt16? { vlanTPID == EtherType.vlan ? vlanID : nil }

    /// The headers a hash that looks through tunnels (encap2+3, encap3+4) uses.
    @inlinable public var innermostNetwork: NetworkHeader { innerNetwork ?? network }
    @inlinable public var innermostTransport: TransportHeader? { innerNetwork == nil ? transport : innerTransport }
}

public enum NetworkHeader: Sendable, Equatable {
    case arp(ARPHeader)
    case ipv4(IPv4Header)
    case ipv6(IPv6Header)
    /// Anything else: not parsed further, still forwarded.
    case other
}

public struct ARPHeader: Sendable, Equatable {
    public var operation: UInt16
    public var senderMAC: MACAddress
    public var senderIP: IPv4Address
    public var targetMAC: MACAddress
    public var targetIP: IPv4Address
    public static let request: UInt16 = 1
    public static let reply: UInt16 = 2
}

public struct IPv4Header: Sendable, Equatable {
    public var source: IPv4Address
    public var destination: IPv4Address
    public var protocolNumber: UInt8
    /// True for every fragment but the first: those carry no transport header.
    public var isLaterFragment: Bool
    public var isFragment: Bool
}

public struct IPv6Header: Sendable, Equatable {
    public var source: IPv6Address
    public var destination: IPv6Address
    /// The upper-layer protocol after the extension headers the parser skips.
    public var nextHeader: UInt8
    public var flowLabel: UInt32
    public var isLaterFragment: Bool
    /// A fragment header was present (first fragment included).
    public var isFragment: Bool
    /// Extension headers stood between the fixed header and `nextHeader`.
    public var hasExtensionHeaders: Bool
}

public struct TransportHeader: Sendable, Equatable {
    public var protocolNumber: UInt8
    public var offset: Int
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// ICMP/ICMPv6 type and code (ports are zero then).
    public var icmpType: UInt8
    public var icmpCode: UInt8
    /// The identifier of ICMP messages that carry one (echo, timestamp), else 0.
    public var echoIdentifier: UInt16

    public init(
        protocolNumber: UInt8, offset: Int, sourcePort: UInt16, destinationPort: UInt16,
        icmpType: UInt8, icmpCode: UInt8 = 0, echoIdentifier: UInt16 = 0
    ) {
        self.protocolNumber = protocolNumber
        self.offset = offset
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.icmpType = icmpType
        self.icmpCode = icmpCode
        self.echoIdentifier = echoIdentifier
    }
}

/// Why a frame was refused. Each has its own counter.
public enum FrameDefect: Sendable, Equatable, CaseIterable {
    /// Shorter than an Ethernet header.
    case runt
    /// A header claims more bytes than the frame holds.
    case truncated
    /// Longer than the MTU allows (and not a GSO frame).
    case oversize
}

/// The fields of an NS or NA that receive balancing reads and rewrites.
public struct NeighborDiscovery: Sendable, Equatable {
    public var isAdvertisement: Bool
    public var target: IPv6Address
    /// The source (NS) or target (NA) link-layer address option, and where its address sits.
    public var linkLayerAddress: MACAddress?
    public var linkLayerOffset: Int?
}
