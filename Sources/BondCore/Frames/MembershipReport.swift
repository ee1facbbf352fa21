/// IGMP and MLD membership reports, as the host stack sends them when it rejoins its
/// groups: after a failover switches with snooping must learn the new port.
extension FrameBuilder {
    /// Reports for every IPv4 group: one IGMPv3 report (split to fit `mtu`) or one
    /// IGMPv1/v2 report per group, in the version the interface runs.
    public static func igmpReports(_ m: MulticastMemberships, mac: MACAddress, source: IPv4Address, mtu: Int = 1500, vlan: UInt16? = nil) -> [[UInt8]]
    {
        switch m.igmpVersion {
        case .v1, .v2:
            return m.ipv4.map { g in
                var igmp: [UInt8] = [m.igmpVersion == .v1 ? 0x12 : 0x16, 0, 0, 0] + be32(g.address.rawValue)
                setChecksum(&igmp, at: 2, sum: InternetChecksum.sum(igmp))
                return ipv4Frame(mac: mac, source: source, destination: g.address, payload: igmp, vlan: vlan)
            }
        case .v3:
            let reportGroup = IPv4Address(rawValue: 0xE000_0016)  // 224.0.0.22
            var records: [[UInt8]] = []
            for g in m.ipv4 {
                // MODE_IS_INCLUDE with the sources, or MODE_IS_EXCLUDE of nothing.
                var r: [UInt8] = [g.includedSources.isEmpty ? 2 : 1, 0] + be16(UInt16(g.includedSources.count))
                r += be32(g.address.rawValue)
                for s in g.includedSources { r += be32(s.rawValue) }
                records.append(r)
            }
            return packed(records, room: mtu - 24 - 8).map { batch in
                var igmp: [UInt8] = [0x22, 0, 0, 0, 0, 0] + be16(UInt16(batch.count))
                for r in batch { igmp += r }
                setChecksum(&igmp, at: 2, sum: InternetChecksum.sum(igmp))
                return ipv4Frame(mac: mac, source: source, destination: reportGroup, payload: igmp, vlan: vlan)
            }
        }
    }

    /// Reports for every IPv6 group: MLDv2 (split to fit `mtu`), or one MLDv1 report per group.
    public static func mldReports(
        _ m: MulticastMemberships, mac: MACAddress, source: IPv6Address, version: Int = 2, mtu: Int = 1500, vlan: UInt16? = nil
    ) -> [[UInt8]] {
        if version == 1 {
            return m.ipv6.map { g in
                let icmp: [UInt8] = [131, 0, 0, 0, 0, 0, 0, 0] + be64(g.address.high) + be64(g.address.low)
                return ipv6HopByHopFrame(mac: mac, source: source, destination: g.address, icmp: icmp, vlan: vlan)
            }
        }
        let reportGroup = IPv6Address(high: 0xFF02_0000_0000_0000, low: 0x16)
        var records: [[UInt8]] = []
        for g in m.ipv6 {
            var r: [UInt8] = [g.includedSources.isEmpty ? 2 : 1, 0] + be16(UInt16(g.includedSources.count))
            r += be64(g.address.high) + be64(g.address.low)
            for s in g.includedSources { r += be64(s.high) + be64(s.low) }
            records.append(r)
        }
        return packed(records, room: mtu - 40 - 8 - 8).map { batch in
            var icmp: [UInt8] = [143, 0, 0, 0, 0, 0] + be16(UInt16(batch.count))
            for r in batch { icmp += r }
            return ipv6HopByHopFrame(mac: mac, source: source, destination: reportGroup, icmp: icmp, vlan: vlan)
        }
    }

    /// Groups records into reports of at most `room` bytes each.
    private static func packed(_ records: [[UInt8]], room: Int) -> [[[UInt8]]] {
        var out: [[[UInt8]]] = []
        var batch: [[UInt8]] = [], size = 0
        for r in records {
            if !batch.isEmpty && size + r.count > room { out.append(batch); batch = []; size = 0 }
            batch.append(r); size += r.count
        }
        if !batch.isEmpty { out.append(batch) }
        return out
    }

    /// IPv4 with the Router Alert option, TTL 1, TOS internetwork control, as IGMP requires.
    private static func ipv4Frame(mac: MACAddress, source: IPv4Address, destination: IPv4Address, payload: [UInt8], vlan: UInt16?) -> [UInt8] {
        var ip: [UInt8] = [0x46, 0xC0] + be16(UInt16(24 + payload.count)) + [0, 0, 0x40, 0, 1, IPProtocolNumber.igmp, 0, 0]
        ip += be32(source.rawValue) + be32(destination.rawValue) + [0x94, 0x04, 0, 0]
        setChecksum(&ip, at: 10, sum: InternetChecksum.sum(ip))
        let groupMAC = MACAddress(rawValue: 0x0100_5E00_0000 | UInt64(destination.rawValue & 0x7F_FFFF))
        return ethernetHeader(destination: groupMAC, source: mac, vlan: vlan, etherType: EtherType.ipv4) + ip + payload
    }

    /// IPv6 with a Hop-by-Hop Router Alert (MLD), hop limit 1; fills the ICMPv6 checksum.
    private static func ipv6HopByHopFrame(
        mac: MACAddress, source: IPv6Address, destination: IPv6Address, icmp: [UInt8], vlan: UInt16?
    ) -> [UInt8] {
        var icmp = icmp
        let pseudo = InternetChecksum.ipv6PseudoHeader(
            source: source, destination: destination, length: icmp.count, nextHeader: IPProtocolNumber.icmpv6)
        setChecksum(&icmp, at: 2, sum: InternetChecksum.sum(icmp, initial: pseudo))
        let hopByHop: [UInt8] = [IPProtocolNumber.icmpv6, 0, 5, 2, 0, 0, 1, 0]  // router alert (MLD), PadN
        let groupMAC = MACAddress(rawValue: 0x3333_0000_0000 | (destination.low & 0xFFFF_FFFF))
        var f = ethernetHeader(destination: groupMAC, source: mac, vlan: vlan, etherType: EtherType.ipv6)
        f += [0x60, 0, 0, 0] + be16(UInt16(hopByHop.count + icmp.count)) + [0, 1]
        f += be64(source.high) + be64(source.low) + be64(destination.high) + be64(destination.low)
        return f + hopByHop + icmp
    }

    private static func setChecksum(_ bytes: inout [UInt8], at offset: Int, sum: UInt32) {
        let c = InternetChecksum.finish(sum)
        bytes[offset] = UInt8(c >> 8); bytes[offset + 1] = UInt8(c & 0xFF)
    }
}
