import BondCore

/// A flow, as the load-balancing literature counts them: the transport 5-tuple of IP
/// frames (the inner one through tunnels), the addresses of other frames, within a VLAN.
/// A 64-bit FNV-1a digest: stable across runs and processes, so reports reproduce.
public enum FlowKey {
    public static func of(_ f: ParsedFrame) -> UInt64 {
        var h = FNV()
        h.add(UInt64(f.vlanID ?? 0xFFFF))
        switch f.innermostNetwork {
        case .ipv4(let ip):
            h.add(UInt64(ip.source.rawValue) << 32 | UInt64(ip.destination.rawValue))
            h.add(UInt64(ip.protocolNumber))
        case .ipv6(let ip):
            h.add(ip.source.high)
            h.add(ip.source.low)
            h.add(ip.destination.high)
            h.add(ip.destination.low)
            h.add(UInt64(ip.nextHeader))
        case .arp, .other:
            h.add(f.source.rawValue)
            h.add(f.destination.rawValue)
            h.add(UInt64(f.etherType))
            return h.value
        }
        if let t = f.innermostTransport {
            h.add(UInt64(t.sourcePort) << 16 | UInt64(t.destinationPort))
            h.add(UInt64(t.echoIdentifier))
        }
        return h.value
    }

    struct FNV {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add(_ word: UInt64) {
            var w = word
            for _ in 0..<8 {
                value ^= w & 0xFF
                value &*= 0x0000_0100_0000_01B3
                w >>= 8
            }
        }
    }
}
