/// Parses Ethernet, 802.1Q/802.1ad, ARP, IPv4, IPv6, one level of IP-in-IP tunnel, and
/// the transport ports of TCP/UDP/SCTP/DCCP/UDP-Lite/ESP/AH and ICMP identifiers, without
/// allocating. Frames whose headers lie about their length are refused rather than
/// half-parsed, so no policy ever sees a field past the frame's end.
public enum FrameParser {
    public static let ethernetHeaderLength = 14

    /// - Parameters:
    ///   - frame: the frame's bytes from the destination MAC on.
    ///   - maxLength: the longest acceptable frame (MTU + link headers); pass `Int.max`
    ///     for segmentation-offload frames, which are larger by design.
    public static func parse(_ frame: FrameBytes, maxLength: Int = .max) -> Result<ParsedFrame, FrameDefectError> {
        var p = ParsedFrame()
        let n = frame.count
        guard n >= ethernetHeaderLength else { return .failure(.init(.runt)) }
        p.length = n
        p.destination = frame.mac(0)
        p.source = frame.mac(6)
        var offset = 12
        var type = frame.u16(offset)
        offset += 2
        var tags = 0
        while type == EtherType.vlan || type == EtherType.qinq {
            guard offset + 4 <= n else { return .failure(.init(.truncated)) }
            if p.vlanID == nil {
                p.vlanID = frame.u16(offset) & 0x0FFF
                p.vlanTPID = type
            }
            type = frame.u16(offset + 2)
            offset += 4
            tags += 1
            if tags > 2 { break }  // more than QinQ: leave the rest opaque
        }
        if n - 4 * tags > maxLength { return .failure(.init(.oversize)) }
        p.etherType = type
        p.networkOffset = offset

        switch type {
        case EtherType.arp:
            // Only Ethernet/IPv4 ARP is parsed; other hardware types stay opaque.
            guard offset + 8 <= n else { return .failure(.init(.truncated)) }
            guard frame.u16(offset) == 1, frame.u16(offset + 2) == EtherType.ipv4,
                frame.u8(offset + 4) == 6, frame.u8(offset + 5) == 4
            else { return .success(p) }
            guard offset + 28 <= n else { return .failure(.init(.truncated)) }
            p.network = .arp(
                ARPHeader(
                    operation: frame.u16(offset + 6),
                    senderMAC: frame.mac(offset + 8),
                    senderIP: IPv4Address(rawValue: frame.u32(offset + 14)),
                    targetMAC: frame.mac(offset + 18),
                    targetIP: IPv4Address(rawValue: frame.u32(offset + 24))))
        case EtherType.ipv4, EtherType.ipv6:
            let outer: IPPacket
            switch parseIP(frame, version: type == EtherType.ipv4 ? 4 : 6, at: offset, end: n) {
            case .success(let ip): outer = ip
            case .failure(let e): return .failure(e)
            }
            p.network = outer.header
            p.transport = outer.transport
            if let t = outer.transport, t.protocolNumber == IPProtocolNumber.icmpv6, t.icmpType == 135 || t.icmpType == 136 {
                p.neighborDiscovery = parseNeighborDiscovery(frame, at: t.offset, end: outer.end, advertisement: t.icmpType == 136)
            }
            // One level of IP-in-IP / IPv6-in-IP, for the encap hash policies.
            if outer.transport == nil, outer.payloadProtocol == IPProtocolNumber.ipip || outer.payloadProtocol == IPProtocolNumber.ipv6,
                case .success(let inner) = parseIP(
                    frame, version: outer.payloadProtocol == IPProtocolNumber.ipip ? 4 : 6,
                    at: outer.payloadOffset, end: outer.end)
            {
                p.innerNetwork = inner.header
                p.innerTransport = inner.transport
            }
        default:
            break
        }
        return .success(p)
    }

    /// One IP header and what follows it.
    struct IPPacket {
        var header: NetworkHeader
        var transport: TransportHeader?
        /// The upper-layer protocol, or nil for a later fragment.
        var payloadProtocol: UInt8?
        var payloadOffset: Int
        var end: Int
    }

    static func parseIP(_ frame: FrameBytes, version: Int, at offset: Int, end n: Int) -> Result<IPPacket, FrameDefectError> {
        if version == 4 {
            guard offset + 20 <= n else { return .failure(.init(.truncated)) }
            let versionIHL = frame.u8(offset)
            let headerLength = Int(versionIHL & 0x0F) * 4
            let totalLength = Int(frame.u16(offset + 2))
            guard versionIHL >> 4 == 4, headerLength >= 20, totalLength >= headerLength,
                offset + totalLength <= n
            else { return .failure(.init(.truncated)) }
            let fragment = frame.u16(offset + 6)
            let later = fragment & 0x1FFF != 0
            let header = IPv4Header(
                source: IPv4Address(rawValue: frame.u32(offset + 12)),
                destination: IPv4Address(rawValue: frame.u32(offset + 16)),
                protocolNumber: frame.u8(offset + 9),
                isLaterFragment: later,
                isFragment: later || fragment & 0x2000 != 0)
            var packet = IPPacket(
                header: .ipv4(header), transport: nil, payloadProtocol: later ? nil : header.protocolNumber,
                payloadOffset: offset + headerLength, end: offset + totalLength)
            if !later {
                switch parseTransport(frame, protocolNumber: header.protocolNumber, at: packet.payloadOffset, end: packet.end) {
                case .success(let t): packet.transport = t
                case .failure(let e): return .failure(e)
                }
            }
            return .success(packet)
        }
        guard offset + 40 <= n else { return .failure(.init(.truncated)) }
        let first = frame.u32(offset)
        guard first >> 28 == 6 else { return .failure(.init(.truncated)) }
        let payloadLength = Int(frame.u16(offset + 4))
        // A zero payload length is a jumbogram (BIG TCP): the frame's own length rules.
        let end = payloadLength == 0 ? n : offset + 40 + payloadLength
        guard end <= n else { return .failure(.init(.truncated)) }
        var next = frame.u8(offset + 6)
        var cursor = offset + 40
        var later = false
        var fragment = false
        var extensions = false
        // Skip the extension headers a flow hash looks past (as the kernel's dissector does).
        extensionLoop: for _ in 0..<8 {
            switch next {
            case 0, 43, 60:  // hop-by-hop, routing, destination options
                guard cursor + 8 <= end else { return .failure(.init(.truncated)) }
                next = frame.u8(cursor)
                cursor += (Int(frame.u8(cursor + 1)) + 1) * 8
                extensions = true
            case 44:  // fragment
                guard cursor + 8 <= end else { return .failure(.init(.truncated)) }
                next = frame.u8(cursor)
                later = frame.u16(cursor + 2) & 0xFFF8 != 0
                fragment = true
                cursor += 8
                extensions = true
            default:
                break extensionLoop
            }
        }
        guard cursor <= end else { return .failure(.init(.truncated)) }
        let header = IPv6Header(
            source: IPv6Address(
                high: UInt64(frame.u32(offset + 8)) << 32 | UInt64(frame.u32(offset + 12)),
                low: UInt64(frame.u32(offset + 16)) << 32 | UInt64(frame.u32(offset + 20))),
            destination: IPv6Address(
                high: UInt64(frame.u32(offset + 24)) << 32 | UInt64(frame.u32(offset + 28)),
                low: UInt64(frame.u32(offset + 32)) << 32 | UInt64(frame.u32(offset + 36))),
            nextHeader: next,
            flowLabel: first & 0xFFFFF,
            isLaterFragment: later,
            isFragment: fragment,
            hasExtensionHeaders: extensions)
        var packet = IPPacket(
            header: .ipv6(header), transport: nil, payloadProtocol: later ? nil : next,
            payloadOffset: cursor, end: end)
        if !later {
            switch parseTransport(frame, protocolNumber: next, at: cursor, end: end) {
            case .success(let t): packet.transport = t
            case .failure(let e): return .failure(e)
            }
        }
        return .success(packet)
    }

    static func parseNeighborDiscovery(_ frame: FrameBytes, at offset: Int, end: Int, advertisement: Bool) -> NeighborDiscovery? {
        guard offset + 24 <= end else { return nil }
        var nd = NeighborDiscovery(
            isAdvertisement: advertisement,
            target: IPv6Address(
                high: UInt64(frame.u32(offset + 8)) << 32 | UInt64(frame.u32(offset + 12)),
                low: UInt64(frame.u32(offset + 16)) << 32 | UInt64(frame.u32(offset + 20))),
            linkLayerAddress: nil, linkLayerOffset: nil)
        var cursor = offset + 24
        let wanted: UInt8 = advertisement ? 2 : 1
        while cursor + 8 <= end {
            let type = frame.u8(cursor), length = Int(frame.u8(cursor + 1)) * 8
            guard length > 0, cursor + length <= end else { break }
            if type == wanted {
                nd.linkLayerAddress = frame.mac(cursor + 2)
                nd.linkLayerOffset = cursor + 2
                break
            }
            cursor += length
        }
        return nd
    }

    static func parseTransport(_ frame: FrameBytes, protocolNumber: UInt8, at offset: Int, end: Int) -> Result<TransportHeader?, FrameDefectError> {
        switch protocolNumber {
        case IPProtocolNumber.tcp, IPProtocolNumber.udp, IPProtocolNumber.sctp, IPProtocolNumber.dccp,
            IPProtocolNumber.udplite, IPProtocolNumber.esp:
            let minimum = protocolNumber == IPProtocolNumber.tcp ? 20 : protocolNumber == IPProtocolNumber.udp ? 8 : 4
            guard offset + minimum <= end else { return .failure(.init(.truncated)) }
            // (For ESP the "ports" are the two halves of the SPI, as the kernel hashes them.)
            return .success(
                TransportHeader(
                    protocolNumber: protocolNumber, offset: offset,
                    sourcePort: frame.u16(offset), destinationPort: frame.u16(offset + 2),
                    icmpType: 0))
        case IPProtocolNumber.ah:
            guard offset + 8 <= end else { return .failure(.init(.truncated)) }
            return .success(
                TransportHeader(
                    protocolNumber: protocolNumber, offset: offset,
                    sourcePort: frame.u16(offset + 4), destinationPort: frame.u16(offset + 6),
                    icmpType: 0))
        case IPProtocolNumber.icmp, IPProtocolNumber.icmpv6:
            guard offset + 4 <= end else { return .failure(.init(.truncated)) }
            let type = frame.u8(offset)
            let hasIdentifier: Bool
            if protocolNumber == IPProtocolNumber.icmp {
                switch type {
                case 0, 8, 13, 14, 15, 16, 17, 18: hasIdentifier = true  // echo, timestamp, info, mask
                default: hasIdentifier = false
                }
            } else {
                hasIdentifier = type == 128 || type == 129  // echo request, reply
            }
            let identifier = hasIdentifier && offset + 6 <= end ? frame.u16(offset + 4) : 0
            return .success(
                TransportHeader(
                    protocolNumber: protocolNumber, offset: offset,
                    sourcePort: 0, destinationPort: 0, icmpType: type,
                    icmpCode: frame.u8(offset + 1), echoIdentifier: identifier))
        default:
            return .success(nil)
        }
    }
}

/// `FrameDefect` as an Error, so parsing can return a `Result`.
public struct FrameDefectError: Error, Equatable {
    public var defect: FrameDefect
    public init(_ defect: FrameDefect) { self.defect = defect }
}
