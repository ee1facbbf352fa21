/// IEEE 802.3 slow protocols (Annex 43B): LACP and the Marker protocol share one
/// EtherType and one multicast destination, and are told apart by the first byte.
public enum SlowProtocols {
    public static let etherType: UInt16 = 0x8809
    /// 01:80:c2:00:00:02, which bridges never forward.
    public static let destination = MACAddress(rawValue: 0x0180_C200_0002)
    public static let lacpSubtype: UInt8 = 1
    public static let markerSubtype: UInt8 = 2
    /// An LACPDU or Marker PDU after the Ethernet header (the kernel's sizeof(struct lacpdu)).
    public static let pduLength = 110
    /// Ethernet header and PDU: every frame we send is this long.
    public static let frameLength = 14 + pduLength
}

/// What a slow-protocols frame a member received turned out to be. The kernel's
/// bond_3ad_rx_indication sorts frames the same way, and counts each kind.
public enum SlowProtocolPDU: Sendable, Equatable {
    case lacpdu(LACPDU)
    case markerInformation(MarkerPDU)
    case markerResponse(MarkerPDU)
    /// A Marker PDU of a TLV type that is neither information nor response.
    case unknownMarker
    /// Another slow protocol (OAM, say): not ours.
    case unknownSubtype(UInt8)
    /// Shorter than a PDU, or not sent to the slow-protocols address.
    case illegal

    /// Sorts the frame whose slow-protocols PDU starts at `offset`.
    public static func parse(_ frame: FrameBytes, at offset: Int = 14) -> SlowProtocolPDU {
        guard frame.count >= offset + SlowProtocols.pduLength, frame.mac(0) == SlowProtocols.destination else { return .illegal }
        switch frame.u8(offset) {
        case SlowProtocols.lacpSubtype:
            return .lacpdu(LACPDU(frame, at: offset))
        case SlowProtocols.markerSubtype:
            let marker = MarkerPDU(frame, at: offset)
            switch marker.tlvType {
            case MarkerPDU.informationTLV: return .markerInformation(marker)
            case MarkerPDU.responseTLV: return .markerResponse(marker)
            default: return .unknownMarker
            }
        case let other:
            return .unknownSubtype(other)
        }
    }
}

/// Writes big-endian fields into a frame buffer the caller keeps: written in place
/// while nothing else holds it, so a PDU sent every second costs no allocation once
/// its buffer exists.
enum PDUWriter {
    /// Sized and zeroed for one slow-protocols frame, in place when it already is.
    static func reset(_ bytes: inout [UInt8]) {
        if bytes.count != SlowProtocols.frameLength {
            bytes = [UInt8](repeating: 0, count: SlowProtocols.frameLength)
        } else {
            for i in bytes.indices { bytes[i] = 0 }
        }
    }

    static func u16(_ bytes: inout [UInt8], _ offset: Int, _ v: UInt16) {
        bytes[offset] = UInt8(v >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: v)
    }

    static func u32(_ bytes: inout [UInt8], _ offset: Int, _ v: UInt32) {
        u16(&bytes, offset, UInt16(v >> 16))
        u16(&bytes, offset + 2, UInt16(truncatingIfNeeded: v))
    }

    static func mac(_ bytes: inout [UInt8], _ offset: Int, _ m: MACAddress) {
        for i in 0..<6 { bytes[offset + i] = m.byte(i) }
    }

    /// Zeroes the buffer and writes destination, source and EtherType.
    static func header(_ bytes: inout [UInt8], source: MACAddress) {
        reset(&bytes)
        mac(&bytes, 0, SlowProtocols.destination)
        mac(&bytes, 6, source)
        u16(&bytes, 12, SlowProtocols.etherType)
    }
}
