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
    private var nextSlot = 0

    public init(interfaceIndex: Int32) throws(SystemError) {
        var configuration = PacketRingConfiguration()
        configuration.slotCount = 1024
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
        let bytes = configuration.byteCount
        let ring = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
        ring.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        socket = PacketSocket(embeddedFD: pair[0], interfaceIndex: interfaceIndex, ring: ring, configuration: configuration)
        peer = pair[1]
    }

    deinit { close(peer) }

    /// Puts `frames` (Ethernet, from the destination MAC) in the receive ring, a slot
    /// each; one too big for a slot is cut there and queued whole on the socket, as
    /// the kernel does. Returns false if the ring is full (the engine has not read it)
    /// or the socket was closed.
    @discardableResult
    public func inject(_ frames: [[UInt8]]) -> Bool {
        guard !socket.isClosed else { return false }
        for frame in frames {
            let slot = socket.slot(nextSlot)
            guard cln_slot_status(slot) & UInt32(TP_STATUS_USER) == 0 else { return false }
            // The whole frame first: the engine may read the slot as soon as it is filled.
            if frame.count > socket.configuration.slotSize - Int(cln_slot_mac_offset()) {
                let whole = [UInt8](repeating: 0, count: VirtioNetHeader.size) + frame
                guard whole.withUnsafeBytes({ Glibc.send(peer, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) == whole.count else {
                    return false
                }
            }
            _ = frame.withUnsafeBufferPointer { cln_slot_fill(slot, UInt32(socket.configuration.slotSize), $0.baseAddress, UInt32(frame.count)) }
            nextSlot = (nextSlot + 1) % socket.configuration.slotCount
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
}
