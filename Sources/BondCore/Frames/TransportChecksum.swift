/// Completes the TCP or UDP checksum of a frame whose sender left it to the device
/// (checksum offload), as a NIC would before the wire. Over AF_XDP a frame carries no
/// note that its checksum is still owed, so the engine completes it where it can be
/// owed: frames from the host, and frames from a veth peer.
public enum TransportChecksum {
    /// Recomputes the checksum of an unfragmented TCP or UDP segment over IPv4 or IPv6
    /// in place when it is not already correct.
    /// - Returns: true when the checksum was rewritten.
    @discardableResult
    public static func complete(_ frame: MutableFrameBytes, parsed: ParsedFrame) -> Bool {
        guard let t = parsed.transport, t.protocolNumber == IPProtocolNumber.tcp || t.protocolNumber == IPProtocolNumber.udp else {
            return false
        }
        let view = frame.readOnly
        let ip = parsed.networkOffset
        let pseudo: UInt32, end: Int
        switch parsed.network {
        case .ipv4(let h):
            guard !h.isFragment else { return false }
            end = ip + Int(view.u16(ip + 2))
            let length = end - t.offset
            pseudo = InternetChecksum.sum(view, from: ip + 12, count: 8) &+ UInt32(h.protocolNumber) &+ UInt32(length)
        case .ipv6(let h):
            guard !h.isFragment else { return false }
            let payload = Int(view.u16(ip + 4))
            guard payload > 0 else { return false }  // jumbograms: never over a socket frame
            end = ip + 40 + payload
            pseudo = InternetChecksum.ipv6PseudoHeader(
                source: h.source, destination: h.destination,
                length: end - t.offset, nextHeader: t.protocolNumber)
        default:
            return false
        }
        guard end <= frame.count, end > t.offset else { return false }
        let field = t.offset + (t.protocolNumber == IPProtocolNumber.tcp ? 16 : 6)
        guard field + 2 <= end else { return false }
        // UDP over IPv4 may go without a checksum (zero): that is not one owed.
        if t.protocolNumber == IPProtocolNumber.udp, case .ipv4 = parsed.network, view.u16(field) == 0 { return false }
        // A correct checksum sums to all ones with the field in place.
        if InternetChecksum.finish(InternetChecksum.sum(view, from: t.offset, count: end - t.offset, initial: pseudo)) == 0 {
            return false
        }
        frame.setU16(field, 0)
        var value = InternetChecksum.finish(InternetChecksum.sum(view, from: t.offset, count: end - t.offset, initial: pseudo))
        // UDP sends a computed zero as all ones (zero means "no checksum").
        if value == 0 && t.protocolNumber == IPProtocolNumber.udp { value = 0xFFFF }
        frame.setU16(field, value)
        return true
    }
}
