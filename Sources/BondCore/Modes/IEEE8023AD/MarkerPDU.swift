/// A Marker PDU (IEEE 802.3 43.5.3, the kernel's struct bond_marker): a partner asks
/// whether frames sent before it are through; we answer an Information with a Response
/// carrying the same fields, on the same port. bondd never asks.
public struct MarkerPDU: Sendable, Equatable {
    public static let informationTLV: UInt8 = 1
    public static let responseTLV: UInt8 = 2

    public var tlvType: UInt8
    public var requesterPort: UInt16
    public var requesterSystem: MACAddress
    public var transactionID: UInt32

    public init(tlvType: UInt8, requesterPort: UInt16, requesterSystem: MACAddress, transactionID: UInt32) {
        self.tlvType = tlvType
        self.requesterPort = requesterPort
        self.requesterSystem = requesterSystem
        self.transactionID = transactionID
    }

    init(_ f: FrameBytes, at o: Int) {
        tlvType = f.u8(o + 2)
        requesterPort = f.u16(o + 4)
        requesterSystem = f.mac(o + 6)
        transactionID = f.u32(o + 12)
    }

    /// The same marker as a Response (ad_marker_info_received).
    public var response: MarkerPDU {
        var r = self
        r.tlvType = Self.responseTLV
        return r
    }

    /// The Marker Response to the Information PDU at `offset` of `frame` (length checked
    /// by the caller): its 110 bytes as they came, the TLV type changed, from `source`.
    public static func response(echoing frame: FrameBytes, at offset: Int, source: MACAddress) -> [UInt8] {
        var bytes: [UInt8] = []
        PDUWriter.header(&bytes, source: source)
        for i in 0..<SlowProtocols.pduLength { bytes[14 + i] = frame.u8(offset + i) }
        bytes[16] = responseTLV
        return bytes
    }

    public func write(into bytes: inout [UInt8], source: MACAddress) {
        PDUWriter.header(&bytes, source: source)
        let o = 14
        bytes[o] = SlowProtocols.markerSubtype
        bytes[o + 1] = 1  // version
        bytes[o + 2] = tlvType
        bytes[o + 3] = 16
        PDUWriter.u16(&bytes, o + 4, requesterPort)
        PDUWriter.mac(&bytes, o + 6, requesterSystem)
        PDUWriter.u32(&bytes, o + 12, transactionID)
        // Pad, terminator and 90 reserved bytes stay zero.
    }

    public func frame(source: MACAddress) -> [UInt8] {
        var bytes: [UInt8] = []
        write(into: &bytes, source: source)
        return bytes
    }
}
