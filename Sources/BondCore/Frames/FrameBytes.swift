/// A read-only, bounds-checked view over one frame's bytes.
///
/// The I/O layer creates it over ring or buffer memory that outlives the call; policy
/// code only reads through it, and every read is checked against `count`, so a short or
/// lying frame can make a parse fail but can never make it read outside the frame.
public struct FrameBytes {
    @usableFromInline let base: UnsafeRawPointer?
    public let count: Int

    @inlinable public init(_ buffer: UnsafeRawBufferPointer) {
        base = buffer.baseAddress
        count = buffer.count
    }

    @inlinable public func u8(_ offset: Int) -> UInt8 {
        precondition(offset >= 0 && offset < count, "frame read out of bounds")
        return base.unsafelyUnwrapped.load(fromByteOffset: offset, as: UInt8.self)
    }

    @inlinable public func u16(_ offset: Int) -> UInt16 {
        precondition(offset >= 0 && offset + 2 <= count, "frame read out of bounds")
        return UInt16(bigEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable public func u32(_ offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= count, "frame read out of bounds")
        return UInt32(bigEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable public func mac(_ offset: Int) -> MACAddress {
        MACAddress(rawValue: UInt64(u16(offset)) << 32 | UInt64(u32(offset + 2)))
    }
}

/// A writable view over one frame, for the few in-place edits the engine makes
/// (source MAC rewrite, checksum fields). Same bounds rules as `FrameBytes`.
public struct MutableFrameBytes {
    @usableFromInline let base: UnsafeMutableRawPointer?
    public let count: Int

    @inlinable public init(_ buffer: UnsafeMutableRawBufferPointer) {
        base = buffer.baseAddress
        count = buffer.count
    }

    @inlinable public var readOnly: FrameBytes {
        FrameBytes(UnsafeRawBufferPointer(start: base, count: count))
    }

    @inlinable public func setU8(_ offset: Int, _ value: UInt8) {
        precondition(offset >= 0 && offset < count, "frame write out of bounds")
        base.unsafelyUnwrapped.storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
    }

    @inlinable public func setU16(_ offset: Int, _ value: UInt16) {
        precondition(offset >= 0 && offset + 2 <= count, "frame write out of bounds")
        base.unsafelyUnwrapped.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
    }

    @inlinable public func setU32(_ offset: Int, _ value: UInt32) {
        precondition(offset >= 0 && offset + 4 <= count, "frame write out of bounds")
        base.unsafelyUnwrapped.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    @inlinable public func setMAC(_ offset: Int, _ mac: MACAddress) {
        setU16(offset, UInt16(truncatingIfNeeded: mac.rawValue >> 32))
        setU32(offset + 2, UInt32(truncatingIfNeeded: mac.rawValue))
    }
}
