/// An LACPDU (IEEE 802.1AX-2008 5.4.2, the kernel's struct lacpdu): version 1, actor
/// and partner TLVs of 20 bytes, a collector TLV and a terminator, 110 bytes in all.
/// Parsed into a value on the stack; written into a reused buffer.
public struct LACPDU: Sendable, Equatable {
    public var actor: LACPPortInfo
    public var partner: LACPPortInfo
    public var collectorMaxDelay: UInt16

    public init(actor: LACPPortInfo, partner: LACPPortInfo, collectorMaxDelay: UInt16 = 0) {
        self.actor = actor
        self.partner = partner
        self.collectorMaxDelay = collectorMaxDelay
    }

    /// Reads the PDU at `o` (the caller checked its length). As the kernel, the TLV
    /// types and lengths are not checked: the fields sit at fixed offsets.
    init(_ f: FrameBytes, at o: Int) {
        actor = Self.portInfo(f, at: o + 4)
        partner = Self.portInfo(f, at: o + 24)
        collectorMaxDelay = f.u16(o + 44)
    }

    private static func portInfo(_ f: FrameBytes, at o: Int) -> LACPPortInfo {
        LACPPortInfo(
            systemPriority: f.u16(o), system: f.mac(o + 2), key: f.u16(o + 8),
            portPriority: f.u16(o + 10), port: f.u16(o + 12), state: LACPState(rawValue: f.u8(o + 14)))
    }

    /// The whole frame from `source` (the member's permanent MAC), written over
    /// `bytes` (in place when the buffer is the caller's alone).
    public func write(into bytes: inout [UInt8], source: MACAddress) {
        PDUWriter.header(&bytes, source: source)
        let o = 14
        bytes[o] = SlowProtocols.lacpSubtype
        bytes[o + 1] = 1  // version
        write(actor, tlv: 1, into: &bytes, at: o + 2)
        write(partner, tlv: 2, into: &bytes, at: o + 22)
        bytes[o + 42] = 3  // collector information
        bytes[o + 43] = 16
        PDUWriter.u16(&bytes, o + 44, collectorMaxDelay)
        // Terminator TLV (0, 0) and 50 reserved bytes stay zero.
    }

    public func frame(source: MACAddress) -> [UInt8] {
        var bytes: [UInt8] = []
        write(into: &bytes, source: source)
        return bytes
    }

    private func write(_ p: LACPPortInfo, tlv: UInt8, into bytes: inout [UInt8], at o: Int) {
        bytes[o] = tlv
        bytes[o + 1] = 20
        PDUWriter.u16(&bytes, o + 2, p.systemPriority)
        PDUWriter.mac(&bytes, o + 4, p.system)
        PDUWriter.u16(&bytes, o + 10, p.key)
        PDUWriter.u16(&bytes, o + 12, p.portPriority)
        PDUWriter.u16(&bytes, o + 14, p.port)
        bytes[o + 16] = p.state.rawValue
    }
}
