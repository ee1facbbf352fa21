import CLibXDP
import Glibc
import SystemIO

/// A frame in the memory AF_XDP sockets share: its address there and its length.
public struct XDPFrame: Sendable {
    public let address: UInt64
    public let length: Int
    public init(address: UInt64, length: Int) {
        self.address = address
        self.length = length
    }
}

/// The memory AF_XDP sockets share (UMEM): `frameCount` frames of `frameSize` bytes in
/// one mapping, registered with the kernel once, so that a frame received on one socket
/// leaves on another by its address alone. Frames that are in no ring wait on a free
/// stack; nothing is allocated per frame.
public final class XDPSocketMemory {
    public let frameSize: Int
    public let frameCount: Int
    let ringSize: UInt32
    let area: UnsafeMutableRawPointer
    let umem: UnsafeMutablePointer<OpaquePointer?>
    /// The fill and completion rings made with the memory: the first socket's.
    let fill: UnsafeMutablePointer<xsk_ring_prod>
    let completion: UnsafeMutablePointer<xsk_ring_cons>
    var firstRingsTaken = false
    private let free: UnsafeMutablePointer<UInt64>
    public private(set) var freeCount: Int

    /// The defaults (32 MiB, rings of 4096) absorb a burst of 20 000 frames at the
    /// sender's full speed without loss, as an AF_PACKET ring of 8 MiB does; rings of 1024
    /// lost 1 896 frames of a 5 000-frame burst. The memory is about what the AF_PACKET
    /// rings of a two-member bond take.
    public init(frameCount: Int = 16384, frameSize: Int = 2048, ringSize: Int = 4096) throws(SystemError) {
        self.frameSize = frameSize
        self.frameCount = frameCount
        self.ringSize = UInt32(ringSize)
        let size = frameCount * frameSize
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0)
        guard let p, p != MAP_FAILED else { throw SystemError("mmap(AF_XDP memory, \(size) bytes)") }
        area = p
        umem = .allocate(capacity: 1)
        umem.initialize(to: nil)
        fill = .allocate(capacity: 1)
        fill.initialize(to: xsk_ring_prod())
        completion = .allocate(capacity: 1)
        completion.initialize(to: xsk_ring_cons())
        free = .allocate(capacity: frameCount)
        freeCount = 0
        let r = bondd_xsk_umem_create(umem, p, UInt64(size), fill, completion, UInt32(frameSize), UInt32(ringSize))
        guard r == 0 else {
            munmap(p, size)
            umem.deallocate(); fill.deallocate(); completion.deallocate(); free.deallocate()
            throw SystemError("xsk_umem__create", errno: -r)
        }
        for i in 0..<frameCount { give(UInt64(i * frameSize)) }
    }

    deinit {
        if let u = umem.pointee { _ = xsk_umem__delete(u) }
        munmap(area, frameCount * frameSize)
        umem.deallocate(); fill.deallocate(); completion.deallocate(); free.deallocate()
    }

    /// A free frame's address, nil when every frame is in use.
    @inline(__always)
    func take() -> UInt64? {
        guard freeCount > 0 else { return nil }
        freeCount -= 1
        return free[freeCount]
    }

    /// A frame back on the free stack (sent, or not wanted).
    @inline(__always)
    public func give(_ address: UInt64) {
        // Addresses may carry an offset into their frame; the stack keeps frame starts.
        free[freeCount] = address - address % UInt64(frameSize)
        freeCount += 1
    }

    /// The longest frame a socket receives into one frame of this memory: the kernel
    /// keeps XDP_PACKET_HEADROOM (256 bytes) of each in copy mode.
    public var largestFrame: Int { frameSize - 256 }

    /// `frame` with an 802.1Q tag between its MACs and its type, in place: the MACs move
    /// into the headroom in front of the frame (the kernel leaves 256 bytes).
    @inline(__always)
    public func pushingTag(_ tci: UInt16, on frame: XDPFrame) -> XDPFrame {
        let start = area + Int(frame.address)
        memmove(start - 4, start, 12)
        (start + 8).storeBytes(of: UInt16(0x8100).bigEndian, as: UInt16.self)
        (start + 10).storeBytes(of: tci.bigEndian, as: UInt16.self)
        return XDPFrame(address: frame.address - 4, length: frame.length + 4)
    }

    /// `frame` without its outermost tag, in place (the caller knows it has one).
    @inline(__always)
    public func poppingTag(from frame: XDPFrame) -> XDPFrame {
        let start = area + Int(frame.address)
        memmove(start + 4, start, 12)
        return XDPFrame(address: frame.address + 4, length: frame.length - 4)
    }

    /// A copy of `frame` in a free frame of its own; nil when none is free.
    public func copy(_ frame: XDPFrame) -> XDPFrame? {
        guard let address = take() else { return nil }
        (area + Int(address)).copyMemory(from: area + Int(frame.address), byteCount: frame.length)
        return XDPFrame(address: address, length: frame.length)
    }

    /// The bytes of `frame`, valid while the frame is the caller's.
    @inline(__always)
    public func bytes(of frame: XDPFrame) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: area + Int(frame.address), count: frame.length)
    }
}
