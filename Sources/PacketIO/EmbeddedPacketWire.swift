import CLinuxNet
import Glibc
import SystemIO

/// A `PacketSocket` with no interface behind it, for running the engine without a
/// kernel (as SwiftNIO's EmbeddedChannel runs a pipeline without a network): frames
/// given to `inject` appear in its receive ring as the kernel would write them, and
/// what the engine sends (one frame at a time or batched with sendmmsg) is read back
/// with `takeSent`. Needs no privilege: the ring is plain memory, the descriptor one
/// end of a Unix socket pair.
public final class EmbeddedPacketWire {
    public let socket: PacketSocket
    /// The other end of the socket pair: what the engine sends arrives here.
    private let peer: Int32
    private var nextBlock = 0

    public init(interfaceIndex: Int32) throws(SystemError) {
        var configuration = PacketRingConfiguration()
        configuration.blockSize = 1 << 16
        configuration.blockCount = 8
        var pair: [Int32] = [0, 0]
        // SOCK_SEQPACKET keeps frames apart, and unlike datagram pairs is not limited
        // to ten queued frames (net.unix.max_dgram_qlen).
        _ = try check(
            socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &pair),
            "socketpair")
        var size: Int32 = 4 << 20
        for fd in pair {
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let bytes = configuration.blockSize * configuration.blockCount
        let ring = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
        ring.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        socket = PacketSocket(embeddedFD: pair[0], interfaceIndex: interfaceIndex, ring: ring, configuration: configuration)
        peer = pair[1]
    }

    deinit { close(peer) }

    /// Puts `frames` (Ethernet, from the destination MAC) in the receive ring, one block
    /// each batch. Returns false if the ring is full (the engine has not read it) or the
    /// socket was closed.
    @discardableResult
    public func inject(_ frames: [[UInt8]]) -> Bool {
        guard !socket.isClosed else { return false }
        var pending = frames[...]
        while !pending.isEmpty {
            let block = socket.block(nextBlock)
            guard cln_block_status(block) & UInt32(TP_STATUS_USER) == 0 else { return false }
            let batch = Array(pending)
            let written = withPointers(batch) { pointers, lengths in
                cln_block_fill(block, UInt32(socket.configuration.blockSize), pointers, lengths, UInt32(batch.count))
            }
            guard written > 0 else { return false }
            pending = pending.dropFirst(Int(written))
            nextBlock = (nextBlock + 1) % socket.configuration.blockCount
        }
        return true
    }

    /// The frames the engine sent since the last call, oldest first, without their
    /// virtio-net header.
    public func takeSent() -> [[UInt8]] {
        var out: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16 + VirtioNetHeader.size)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(peer, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard n > VirtioNetHeader.size else { break }
            out.append(Array(buffer[VirtioNetHeader.size..<n]))
        }
        return out
    }

    private func withPointers<R>(_ frames: [[UInt8]], _ body: (UnsafePointer<UnsafePointer<UInt8>?>, UnsafePointer<UInt32>) -> R) -> R {
        let lengths = frames.map { UInt32($0.count) }
        let storage = frames.map { f -> UnsafeMutablePointer<UInt8> in
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(f.count, 1))
            p.initialize(from: f, count: f.count)
            return p
        }
        defer { for p in storage { p.deallocate() } }
        let pointers: [UnsafePointer<UInt8>?] = storage.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { p in lengths.withUnsafeBufferPointer { l in body(p.baseAddress!, l.baseAddress!) } }
    }
}
