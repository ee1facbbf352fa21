import BondCore

/// Frames built byte by byte for the parser and policy tests.
enum Fixtures {
    static let hostMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]
    static let peerMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x02]

    static func ethernet(dst: [UInt8] = peerMAC, src: [UInt8] = hostMAC, vlan: UInt16? = nil, type: UInt16) -> [UInt8] {
        var f = dst + src
        if let vlan { f += [0x81, 0x00, UInt8(vlan >> 8), UInt8(vlan & 0xFF)] }
        return f + [UInt8(type >> 8), UInt8(type & 0xFF)]
    }

    static func ipv4(src: [UInt8] = [192, 0, 2, 1], dst: [UInt8] = [192, 0, 2, 2], proto: UInt8, payload: [UInt8], fragment: UInt16 = 0) -> [UInt8] {
        let total = 20 + payload.count
        var h: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, UInt8(fragment >> 8), UInt8(fragment & 0xFF), 64, proto, 0, 0]
        h += src + dst
        return h + payload
    }

    static func udp(src: UInt16, dst: UInt16, payload: Int = 4) -> [UInt8] {
        let len = 8 + payload
        return [UInt8(src >> 8), UInt8(src & 0xFF), UInt8(dst >> 8), UInt8(dst & 0xFF), UInt8(len >> 8), UInt8(len & 0xFF), 0, 0]
            + [UInt8](repeating: 0xAB, count: payload)
    }

    static func tcp(src: UInt16, dst: UInt16) -> [UInt8] {
        [UInt8(src >> 8), UInt8(src & 0xFF), UInt8(dst >> 8), UInt8(dst & 0xFF)] + [UInt8](repeating: 0, count: 8) + [0x50, 0x10]
            + [UInt8](repeating: 0, count: 6)
    }

    static func udpFrame(srcPort: UInt16 = 1000, dstPort: UInt16 = 2000, vlan: UInt16? = nil) -> [UInt8] {
        ethernet(vlan: vlan, type: EtherType.ipv4) + ipv4(proto: IPProtocolNumber.udp, payload: udp(src: srcPort, dst: dstPort))
    }

    static func be(_ a: IPv6Address) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: a.high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: a.low >> (56 - 8 * $0)) }
    }

    static func parse(_ bytes: [UInt8], maxLength: Int = .max) -> Result<ParsedFrame, FrameDefectError> {
        bytes.withUnsafeBytes { FrameParser.parse(FrameBytes($0), maxLength: maxLength) }
    }

    static func parsed(_ bytes: [UInt8]) -> ParsedFrame {
        guard case .success(let p) = parse(bytes) else { fatalError("fixture does not parse") }
        return p
    }
}
