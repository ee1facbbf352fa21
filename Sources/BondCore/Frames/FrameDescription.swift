/// A frame described in words, for `bondctl hash`: `src=MAC dst=MAC vlan=N
/// src_ip=IP dst_ip=IP proto=tcp|udp|icmp sport=N dport=N`. Missing fields take neutral
/// defaults (the source: `source`, the bond's MAC when the engine asks, so a frame is
/// the host's own unless `src=` says otherwise); the result is a real frame, so it is
/// parsed and hashed like any other.
public enum FrameDescription {
    public static func build(_ words: [String], source: MACAddress = MACAddress("02:00:00:00:00:01")!) throws(OptionError) -> [UInt8] {
        var src = source, dst = MACAddress("02:00:00:00:00:02")!
        var vlan: UInt16?
        var srcIP: String?, dstIP: String?
        var proto: UInt8 = IPProtocolNumber.udp
        var sport: UInt16 = 0, dport: UInt16 = 0
        for w in words {
            guard let eq = w.firstIndex(of: "=") else { throw OptionError("'\(w)' is not of the form field=value") }
            let key = String(w[..<eq]), value = String(w[w.index(after: eq)...])
            func bad() -> OptionError { OptionError("\(key): invalid value '\(value)'") }
            switch key {
            case "src", "src_mac": guard let m = MACAddress(value) else { throw bad() }; src = m
            case "dst", "dst_mac": guard let m = MACAddress(value) else { throw bad() }; dst = m
            case "vlan": guard let v = UInt16(value), v < 4095 else { throw bad() }; vlan = v
            case "src_ip": srcIP = value
            case "dst_ip": dstIP = value
            case "sport": guard let p = UInt16(value) else { throw bad() }; sport = p
            case "dport": guard let p = UInt16(value) else { throw bad() }; dport = p
            case "proto":
                switch value {
                case "tcp": proto = IPProtocolNumber.tcp
                case "udp": proto = IPProtocolNumber.udp
                case "icmp": proto = IPProtocolNumber.icmp
                default: throw bad()
                }
            default:
                throw OptionError("unknown field '\(key)' (src dst vlan src_ip dst_ip proto sport dport)")
            }
        }
        let l4: [UInt8]
        switch proto {
        case IPProtocolNumber.tcp: l4 = be16(sport) + be16(dport) + [UInt8](repeating: 0, count: 8) + [0x50, 0x10] + [UInt8](repeating: 0, count: 6)
        case IPProtocolNumber.udp: l4 = be16(sport) + be16(dport) + [0, 8, 0, 0]
        default: l4 = [8, 0, 0, 0, UInt8(sport >> 8), UInt8(sport & 0xFF), 0, 1]  // echo, sport as identifier
        }
        switch (srcIP, dstIP) {
        case (nil, nil):
            return FrameBuilder.ethernetHeader(destination: dst, source: src, vlan: vlan, etherType: 0x88B5) + [UInt8](repeating: 0, count: 46)
        case (let s?, let d?):
            if let a = IPv4Address(s), let b = IPv4Address(d) {
                let total = 20 + l4.count
                let ip: [UInt8] =
                    [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0, 0, 64, proto, 0, 0] + be32(a.rawValue) + be32(b.rawValue)
                return FrameBuilder.ethernetHeader(destination: dst, source: src, vlan: vlan, etherType: EtherType.ipv4) + ip + l4
            }
            if let a = IPv6Address(s), let b = IPv6Address(d) {
                let next = proto == IPProtocolNumber.icmp ? IPProtocolNumber.icmpv6 : proto
                var l6 = l4
                if next == IPProtocolNumber.icmpv6 { l6[0] = 128 }
                let ip: [UInt8] = [0x60, 0, 0, 0] + be16(UInt16(l6.count)) + [next, 64] + be64(a.high) + be64(a.low) + be64(b.high) + be64(b.low)
                return FrameBuilder.ethernetHeader(destination: dst, source: src, vlan: vlan, etherType: EtherType.ipv6) + ip + l6
            }
            throw OptionError("src_ip/dst_ip: two IPv4 or two IPv6 addresses expected")
        default:
            throw OptionError("src_ip and dst_ip go together")
        }
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
    static func be64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }
}
