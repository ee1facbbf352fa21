import BondCore

/// One TCP or UDP frame of a synthetic flow, with valid IPv4 header checksums and
/// lengths: what `bondsim generate` writes and what tests feed.
public struct SyntheticFrame: Sendable, Hashable {
    public var source: MACAddress
    public var destination: MACAddress
    public var vlan: UInt16?
    public var sourceIP: IPAddress
    public var destinationIP: IPAddress
    /// 6 (TCP) or 17 (UDP).
    public var protocolNumber: UInt8 = 6
    public var sourcePort: UInt16
    public var destinationPort: UInt16

    public init(
        source: MACAddress, destination: MACAddress, vlan: UInt16? = nil, sourceIP: IPAddress, destinationIP: IPAddress,
        protocolNumber: UInt8 = 6, sourcePort: UInt16, destinationPort: UInt16
    ) {
        self.source = source
        self.destination = destination
        self.vlan = vlan
        self.sourceIP = sourceIP
        self.destinationIP = destinationIP
        self.protocolNumber = protocolNumber
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }

    /// The transport payload of a frame `length` long.
    public func payloadLength(_ length: Int) -> Int {
        let v6: Bool
        if case .v6 = sourceIP { v6 = true } else { v6 = false }
        return max(0, length - 14 - (vlan == nil ? 0 : 4) - (v6 ? 40 : 20) - (protocolNumber == 6 ? 20 : 8))
    }

    /// The frame's bytes, `length` long (Ethernet header included, no FCS), at least
    /// the headers' length; `sequence` is written as the TCP sequence number.
    public func bytes(length: Int, sequence: UInt32 = 0) -> [UInt8] {
        let v6: Bool
        switch sourceIP {
        case .v6: v6 = true
        case .v4: v6 = false
        }
        var f = FrameBuilder.ethernetHeader(destination: destination, source: source, vlan: vlan, etherType: v6 ? EtherType.ipv6 : EtherType.ipv4)
        let l4 = protocolNumber == 6 ? 20 : 8
        let l3 = v6 ? 40 : 20
        let total = max(length, f.count + l3 + l4)
        let ipLength = total - f.count
        let ipStart = f.count
        if case .v4(let s) = sourceIP, case .v4(let d) = destinationIP {
            f += [0x45, 0, UInt8(ipLength >> 8), UInt8(ipLength & 0xFF), 0, 0, 0x40, 0, 64, protocolNumber, 0, 0]
            f += s.bytes + d.bytes
            let c = InternetChecksum.finish(InternetChecksum.sum(f, from: ipStart, count: 20))
            f[ipStart + 10] = UInt8(c >> 8)
            f[ipStart + 11] = UInt8(c & 0xFF)
        } else if case .v6(let s) = sourceIP, case .v6(let d) = destinationIP {
            let payload = ipLength - 40
            f += [0x60, 0, 0, 0, UInt8(payload >> 8), UInt8(payload & 0xFF), protocolNumber, 64]
            f += s.bytes + d.bytes
        }
        f += [UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF), UInt8(destinationPort >> 8), UInt8(destinationPort & 0xFF)]
        if protocolNumber == 6 {
            f += [UInt8(sequence >> 24), UInt8((sequence >> 16) & 0xFF), UInt8((sequence >> 8) & 0xFF), UInt8(sequence & 0xFF)]
            f += [0, 0, 0, 0, 0x50, 0x10, 0xFF, 0xFF, 0, 0, 0, 0]
        } else {
            let udpLength = ipLength - l3
            f += [UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0]
        }
        f += Array(repeating: 0, count: total - f.count)
        return f
    }
}
