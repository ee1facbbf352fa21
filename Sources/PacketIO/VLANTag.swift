import Glibc

/// An 802.1Q tag put on or taken off a frame where it lies, in its ring: the MACs (and
/// the virtio-net header in front of them) slide by the tag's 4 bytes, nothing else
/// moves, nothing is copied elsewhere.
extension ReceivedFrame {
    /// The frame with a tag between the MACs and the type. Uses 4 bytes of the headroom
    /// the ring keeps in front of every frame (`CLN_PACKET_RESERVE`): a frame may be
    /// pushed onto twice (a tag the device lifted out, then a VLAN device's).
    @inline(__always)
    public func pushingTag(_ tci: UInt16, tpid: UInt16 = 0x8100) -> ReceivedFrame {
        memmove(header - 4, header, VirtioNetHeader.size + 12)
        let mac = bytes.baseAddress! - 4
        mac.storeBytes(of: tpid.bigEndian, toByteOffset: 12, as: UInt16.self)
        mac.storeBytes(of: tci.bigEndian, toByteOffset: 14, as: UInt16.self)
        let moved = ReceivedFrame(
            bytes: UnsafeMutableRawBufferPointer(start: mac, count: bytes.count + 4),
            wireLength: wireLength + 4, header: header - 4)
        moved.shiftOffloadOffsets(by: 4)
        return moved
    }

    /// The frame without its outermost tag (the caller knows it has one).
    @inline(__always)
    public func poppingTag() -> ReceivedFrame {
        memmove(header + 4, header, VirtioNetHeader.size + 12)
        let moved = ReceivedFrame(
            bytes: UnsafeMutableRawBufferPointer(start: bytes.baseAddress! + 4, count: bytes.count - 4),
            wireLength: wireLength - 4, header: header + 4)
        moved.shiftOffloadOffsets(by: -4)
        return moved
    }

    /// Where the checksum still owed starts, and the headers' length of a GSO frame,
    /// are counted from the MAC: they move with the tag.
    @inline(__always)
    private func shiftOffloadOffsets(by delta: Int16) {
        if header.load(as: UInt8.self) & VirtioNetHeader.needsChecksum != 0 {
            let start = header.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
            header.storeBytes(of: UInt16(bitPattern: Int16(bitPattern: start) &+ delta), toByteOffset: 6, as: UInt16.self)
        }
        let hdrLen = header.loadUnaligned(fromByteOffset: 2, as: UInt16.self)
        if hdrLen != 0 { header.storeBytes(of: UInt16(bitPattern: Int16(bitPattern: hdrLen) &+ delta), toByteOffset: 2, as: UInt16.self) }
    }
}
