/// Builds the frames the bond originates itself: gratuitous ARP and unsolicited
/// Neighbor Advertisements after a failover. Control-plane rate, so they are arrays.
public enum FrameBuilder {
    /// A gratuitous ARP request as the kernel's NETDEV_NOTIFY_PEERS sends it: broadcast,
    /// sender and target IP both the bond's address, target MAC zero.
    public static func gratuitousARP(mac: MACAddress, ip: IPv4Address, vlan: UInt16? = nil) -> [UInt8] {
        var f = ethernetHeader(destination: .broadcast, source: mac, vlan: vlan, etherType: EtherType.arp)
        f += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]  // Ethernet, IPv4, request
        f += mac.bytes + be32(ip.rawValue)
        f += MACAddress.zero.bytes + be32(ip.rawValue)
        return f
    }

    /// An unsolicited Neighbor Advertisement to all-nodes with the override flag and our
    /// link-layer address, as ndisc_send_unsol_na sends it.
    public static func unsolicitedNA(mac: MACAddress, ip: IPv6Address, vlan: UInt16? = nil) -> [UInt8] {
        let allNodes = IPv6Address(high: 0xFF02_0000_0000_0000, low: 1)
        var icmp: [UInt8] = [136, 0, 0, 0, 0x20, 0, 0, 0]  // NA, override
        icmp += be64(ip.high) + be64(ip.low)
        icmp += [2, 1] + mac.bytes  // target link-layer address option
        let pseudo = InternetChecksum.ipv6PseudoHeader(source: ip, destination: allNodes, length: icmp.count, nextHeader: IPProtocolNumber.icmpv6)
        let c = InternetChecksum.finish(InternetChecksum.sum(icmp, initial: pseudo))
        icmp[2] = UInt8(c >> 8); icmp[3] = UInt8(c & 0xFF)
        var f = ethernetHeader(destination: MACAddress(rawValue: 0x3333_0000_0001), source: mac, vlan: vlan, etherType: EtherType.ipv6)
        f += [0x60, 0, 0, 0] + be16(UInt16(icmp.count)) + [IPProtocolNumber.icmpv6, 255]
        f += be64(ip.high) + be64(ip.low) + be64(allNodes.high) + be64(allNodes.low)
        return f + icmp
    }

    /// balance-tlb/alb learning packet: 60 bytes from and to the member's own MAC
    /// (ETH_P_LOOPBACK), so that switches learn the port each MAC lives on.
    public static func learningPacket(mac: MACAddress, vlan: UInt16? = nil) -> [UInt8] {
        let header = ethernetHeader(destination: mac, source: mac, vlan: vlan, etherType: EtherType.loopback)
        return header + [UInt8](repeating: 0, count: 60 - 14)
    }

    /// balance-alb's client update: a unicast ARP reply telling `clientIP` that `ourIP`
    /// is at `memberMAC`.
    public static func arpReply(
        from memberMAC: MACAddress, ourIP: IPv4Address, to clientMAC: MACAddress,
        clientIP: IPv4Address, vlan: UInt16? = nil
    ) -> [UInt8] {
        var f = ethernetHeader(destination: clientMAC, source: memberMAC, vlan: vlan, etherType: EtherType.arp)
        f += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02]
        f += memberMAC.bytes + be32(ourIP.rawValue) + clientMAC.bytes + be32(clientIP.rawValue)
        return f
    }

    /// balance-alb's IPv6 client update: a unicast Neighbor Advertisement (override set)
    /// telling `clientIP` that `ourIP` is at `memberMAC`.
    public static func neighborAdvertisement(
        from memberMAC: MACAddress, ourIP: IPv6Address, to clientMAC: MACAddress,
        clientIP: IPv6Address, vlan: UInt16? = nil
    ) -> [UInt8] {
        var icmp: [UInt8] = [136, 0, 0, 0, 0x20, 0, 0, 0]
        icmp += be64(ourIP.high) + be64(ourIP.low) + [2, 1] + memberMAC.bytes
        let pseudo = InternetChecksum.ipv6PseudoHeader(source: ourIP, destination: clientIP, length: icmp.count, nextHeader: IPProtocolNumber.icmpv6)
        let c = InternetChecksum.finish(InternetChecksum.sum(icmp, initial: pseudo))
        icmp[2] = UInt8(c >> 8); icmp[3] = UInt8(c & 0xFF)
        var f = ethernetHeader(destination: clientMAC, source: memberMAC, vlan: vlan, etherType: EtherType.ipv6)
        f += [0x60, 0, 0, 0] + be16(UInt16(icmp.count)) + [IPProtocolNumber.icmpv6, 255]
        f += be64(ourIP.high) + be64(ourIP.low) + be64(clientIP.high) + be64(clientIP.low)
        return f + icmp
    }

    /// The ARP monitor's probe: a broadcast request for `target` from `senderIP` (0.0.0.0
    /// when the bond has no address to speak from, as the kernel does without a route).
    public static func arpRequest(from mac: MACAddress, senderIP: IPv4Address, target: IPv4Address, vlan: UInt16? = nil) -> [UInt8] {
        var f = ethernetHeader(destination: .broadcast, source: mac, vlan: vlan, etherType: EtherType.arp)
        f += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]
        f += mac.bytes + be32(senderIP.rawValue) + MACAddress.zero.bytes + be32(target.rawValue)
        return f
    }

    /// The NS monitor's probe: a Neighbor Solicitation for `target` to its solicited-node
    /// multicast group, with our link-layer address.
    public static func neighborSolicitation(from mac: MACAddress, source: IPv6Address, target: IPv6Address, vlan: UInt16? = nil) -> [UInt8] {
        let group = IPv6Address(high: 0xFF02_0000_0000_0000, low: 0x0000_0001_FF00_0000 | (target.low & 0xFF_FFFF))
        var icmp: [UInt8] = [135, 0, 0, 0, 0, 0, 0, 0]
        icmp += be64(target.high) + be64(target.low)
        if source != IPv6Address(high: 0, low: 0) { icmp += [1, 1] + mac.bytes }  // source link-layer address
        let pseudo = InternetChecksum.ipv6PseudoHeader(source: source, destination: group, length: icmp.count, nextHeader: IPProtocolNumber.icmpv6)
        let c = InternetChecksum.finish(InternetChecksum.sum(icmp, initial: pseudo))
        icmp[2] = UInt8(c >> 8); icmp[3] = UInt8(c & 0xFF)
        let groupMAC = MACAddress(rawValue: 0x3333_FF00_0000 | (target.low & 0xFF_FFFF))
        var f = ethernetHeader(destination: groupMAC, source: mac, vlan: vlan, etherType: EtherType.ipv6)
        f += [0x60, 0, 0, 0] + be16(UInt16(icmp.count)) + [IPProtocolNumber.icmpv6, 255]
        f += be64(source.high) + be64(source.low) + be64(group.high) + be64(group.low)
        return f + icmp
    }

    /// The learning frame Open vSwitch sends for a MAC that moved: a broadcast RARP
    /// request from that MAC.
    public static func reverseARP(mac: MACAddress, vlan: UInt16? = nil) -> [UInt8] {
        var f = ethernetHeader(destination: .broadcast, source: mac, vlan: vlan, etherType: EtherType.rarp)
        f += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x03]  // Ethernet, IPv4, reverse request
        f += mac.bytes + [0, 0, 0, 0] + mac.bytes + [0, 0, 0, 0]
        return f
    }

    public static func ethernetHeader(destination: MACAddress, source: MACAddress, vlan: UInt16?, etherType: UInt16) -> [UInt8] {
        var h = destination.bytes + source.bytes
        if let v = vlan { h += be16(EtherType.vlan) + be16(v & 0x0FFF) }
        return h + be16(etherType)
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
    static func be64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }
}
