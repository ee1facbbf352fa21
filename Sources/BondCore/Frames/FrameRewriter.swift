/// In-place edits of frames the bond sends for the host.
public enum FrameRewriter {
    /// Makes an ARP reply or Neighbor Advertisement announce `mac` instead of the bond's:
    /// Ethernet source, and the ARP sender address or the NA's target link-layer option
    /// (with the ICMPv6 checksum made right again).
    public static func announce(_ mac: MACAddress, in frame: MutableFrameBytes, parsed: ParsedFrame) {
        frame.setMAC(6, mac)
        switch parsed.network {
        case .arp:
            frame.setMAC(parsed.networkOffset + 8, mac)
        case .ipv6(let ip):
            guard let nd = parsed.neighborDiscovery, let at = nd.linkLayerOffset, let t = parsed.transport else { return }
            frame.setMAC(at, mac)
            let length = parsed.length - t.offset
            frame.setU16(t.offset + 2, 0)
            let pseudo = InternetChecksum.ipv6PseudoHeader(
                source: ip.source, destination: ip.destination,
                length: length, nextHeader: IPProtocolNumber.icmpv6)
            let sum = InternetChecksum.sum(frame.readOnly, from: t.offset, count: length, initial: pseudo)
            frame.setU16(t.offset + 2, InternetChecksum.finish(sum))
        default:
            break
        }
    }
}
