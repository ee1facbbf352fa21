import CLinuxNet
import Glibc
import SystemIO

/// Ring geometry for a member's receive ring. 256 KiB blocks hold a whole 64 KiB GSO
/// frame with room to spare; 32 of them (8 MiB) absorb bursts at full rate.
public struct PacketRingConfiguration: Sendable {
    public var blockSize: Int = 1 << 18
    public var blockCount: Int = 32
    /// How long the kernel may hold a partly filled block before handing it over (ms).
    public var retireTimeout: Int = 1
    public init() {}
}

/// The virtio-net header that travels in front of every frame on our sockets
/// (PACKET_VNET_HDR): it carries GSO and checksum-offload state across user space, so
/// a 64 KiB TCP segment crosses the engine as one frame with its checksum still owed.
public enum VirtioNetHeader {
    public static let size = 10
    public static let needsChecksum: UInt8 = 1  // VIRTIO_NET_HDR_F_NEEDS_CSUM
}

/// One received frame, in ring memory that stays valid until its block is released.
public struct ReceivedFrame {
    /// From the destination MAC; `snapLength` bytes.
    public let bytes: UnsafeMutableRawBufferPointer
    /// The frame's length on the wire (larger than `bytes.count` if it was cut).
    public let wireLength: Int
    /// Where the virtio-net header sits, just in front of `bytes`.
    let header: UnsafeMutableRawPointer

    public var isCut: Bool { bytes.count < wireLength }
    /// A GSO super-frame, larger than the MTU by design.
    public var isSegmentationOffload: Bool { header.load(fromByteOffset: 1, as: UInt8.self) != 0 }
}

/// An AF_PACKET socket bound to one interface: a TPACKET_V3 mmap receive ring,
/// batched transmit with sendmmsg that bypasses the qdisc layer, and virtio-net
/// headers in both directions.
public final class PacketSocket {
    public let fd: Int32
    public let interfaceIndex: Int32
    private let ring: UnsafeMutableRawPointer
    /// The ring is the kernel's (mmap) or, in an `EmbeddedPacketWire`, plain memory.
    private let ringIsMapped: Bool
    let configuration: PacketRingConfiguration
    private var currentBlock = 0
    /// Closed before its owner let go of it (a member removed at runtime).
    public private(set) var isClosed = false
    /// Frames the kernel dropped because the ring had no room (the engine never saw
    /// them), and the times the ring stopped for want of a free block: summed from
    /// PACKET_STATISTICS by `collectStatistics`.
    public private(set) var ringDrops = 0
    public private(set) var ringFreezes = 0

    public init(interfaceIndex: Int32, configuration: PacketRingConfiguration = .init()) throws(SystemError) {
        self.interfaceIndex = interfaceIndex
        self.configuration = configuration
        // Protocol 0 until bind: a socket created with ETH_P_ALL would already capture
        // every interface's frames before it is bound to ours.
        let fd = try check(
            socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0), "socket(AF_PACKET)")
        var mapped: UnsafeMutableRawPointer?
        do throws(SystemError) {
            try Self.set(fd, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR")
            try Self.set(fd, PACKET_VERSION, Int32(TPACKET_V3.rawValue), "PACKET_VERSION")
            // Headroom in front of each frame so a VLAN tag the kernel took out of the
            // frame (VLAN offload) can be put back in place, and a VLAN device's tag
            // pushed (`pushingTag`).
            try Self.set(fd, PACKET_RESERVE, CLN_PACKET_RESERVE, "PACKET_RESERVE")
            var request = tpacket_req3()
            request.tp_block_size = UInt32(configuration.blockSize)
            request.tp_block_nr = UInt32(configuration.blockCount)
            request.tp_frame_size = 2048
            request.tp_frame_nr = UInt32(configuration.blockSize / 2048 * configuration.blockCount)
            request.tp_retire_blk_tov = UInt32(configuration.retireTimeout)
            _ = try check(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &request, socklen_t(MemoryLayout<tpacket_req3>.size)), "PACKET_RX_RING")
            let size = configuration.blockSize * configuration.blockCount
            let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0)
            guard let p, p != MAP_FAILED else { throw SystemError("mmap(packet ring)") }
            mapped = p
            try Self.set(fd, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS")
            // Our own transmissions (and the kernel's) would otherwise come back as input.
            try Self.set(fd, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING")
            // Sent frames are charged to the socket until the receiving side has processed
            // them; a large budget (FORCE: root may exceed wmem_max) absorbs bursts.
            var sndbuf: Int32 = 32 << 20
            if setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, socklen_t(MemoryLayout<Int32>.size)) < 0 {
                setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, socklen_t(MemoryLayout<Int32>.size))
            }
            var address = sockaddr_ll()
            address.sll_family = UInt16(AF_PACKET)
            address.sll_protocol = UInt16(ETH_P_ALL).bigEndian
            address.sll_ifindex = interfaceIndex
            _ = try check(
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_ll>.size)) }
                }, "bind(AF_PACKET, ifindex \(interfaceIndex))")
        } catch {
            if let mapped { munmap(mapped, configuration.blockSize * configuration.blockCount) }
            Glibc.close(fd)
            throw error
        }
        self.fd = fd
        ring = mapped!
        ringIsMapped = true
    }

    /// A socket over a ring in plain memory and any descriptor (`EmbeddedPacketWire`).
    init(embeddedFD fd: Int32, interfaceIndex: Int32, ring: UnsafeMutableRawPointer, configuration: PacketRingConfiguration) {
        self.fd = fd
        self.interfaceIndex = interfaceIndex
        self.ring = ring
        self.configuration = configuration
        ringIsMapped = false
    }

    /// Block `i` of the ring (for `EmbeddedPacketWire`, which fills blocks as the kernel does).
    func block(_ i: Int) -> UnsafeMutableRawPointer { ring + i * configuration.blockSize }

    deinit { close() }

    /// Releases the ring and the descriptor now; the socket receives and sends nothing more.
    public func close() {
        guard !isClosed else { return }
        collectStatistics()
        isClosed = true
        if ringIsMapped { munmap(ring, configuration.blockSize * configuration.blockCount) } else { ring.deallocate() }
        Glibc.close(fd)
    }

    private static func set(_ fd: Int32, _ option: Int32, _ value: Int32, _ name: String) throws(SystemError) {
        var v = value
        _ = try check(setsockopt(fd, SOL_PACKET, option, &v, socklen_t(MemoryLayout<Int32>.size)), "setsockopt(\(name))")
    }

    /// Hands the frames of the next filled block to `body`, then gives the block back to
    /// the kernel. Frames may be queued for transmit inside `body` (they point into the
    /// block), but every queue must be flushed before `body` returns.
    /// - Returns: false when no block was ready.
    @inline(__always)
    public func receiveBlock(_ body: (inout BlockFrames) -> Void) -> Bool {
        if isClosed { return false }
        let block = ring + currentBlock * configuration.blockSize
        guard cln_block_status(block) & UInt32(TP_STATUS_USER) != 0 else { return false }
        var frames = BlockFrames(block: block)
        body(&frames)
        cln_block_release(block)
        currentBlock = (currentBlock + 1) % configuration.blockCount
        return true
    }

    /// Adds the kernel's ring counters to `ringDrops` and `ringFreezes`. The kernel
    /// zeroes them as it hands them over, so this must be their only reader, and it
    /// must be called often enough that a 32-bit counter cannot wrap (once a second).
    public func collectStatistics() {
        guard !isClosed, ringIsMapped else { return }
        var drops: UInt32 = 0
        var freezes: UInt32 = 0
        guard cln_packet_statistics(fd, &drops, &freezes) == 0 else { return }
        ringDrops += Int(drops)
        ringFreezes += Int(freezes)
    }

    /// A pending socket error (ENETDOWN when the interface went down) makes epoll report
    /// the socket forever until it is read; this reads and clears it.
    public func clearError() -> Int32 {
        var e: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len)
        return e
    }

    /// Sends one frame the engine built itself (rare: peer notifications and the like).
    public func send(_ frame: [UInt8]) throws(SystemError) {
        if isClosed { throw SystemError("send on ifindex \(interfaceIndex)", errno: EBADF) }
        var packet = [UInt8](repeating: 0, count: VirtioNetHeader.size) + frame
        let n = packet.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw SystemError("send on ifindex \(interfaceIndex)") }
    }
}

/// The frames of one ring block, in arrival order.
public struct BlockFrames {
    private let block: UnsafeMutableRawPointer
    private var remaining: UInt32
    private var cursor: UnsafeMutableRawPointer

    init(block: UnsafeMutableRawPointer) {
        self.block = block
        remaining = cln_block_num_packets(block)
        cursor = block + Int(cln_block_first_offset(block))
    }

    @inline(__always)
    public mutating func next() -> ReceivedFrame? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        let frame = cursor
        let info = cln_frame_info(frame)
        cursor = frame + Int(info.next_offset)
        let received = ReceivedFrame(
            bytes: UnsafeMutableRawBufferPointer(start: frame + Int(info.mac), count: Int(info.snaplen)),
            wireLength: Int(info.len), header: frame + Int(info.mac) - VirtioNetHeader.size)
        guard info.status & UInt32(TP_STATUS_VLAN_VALID) != 0 else { return received }
        // Put the tag the device lifted out back between the MACs and the type.
        let tpid: UInt16 = info.status & UInt32(TP_STATUS_VLAN_TPID_VALID) != 0 && info.vlan_tpid != 0 ? info.vlan_tpid : 0x8100
        return received.pushingTag(info.vlan_tci, tpid: tpid)
    }
}

/// Frames waiting to leave on one socket, sent together with one sendmmsg. The queue
/// only holds pointers: frames are copied once, by the kernel, into the outgoing skb.
public final class TransmitQueue {
    public let capacity: Int
    private let fd: Int32
    private let messages: UnsafeMutablePointer<cln_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private var count = 0
    public private(set) var packets = 0
    public private(set) var bytes = 0
    /// Frames the kernel refused (queue full, device down).
    public private(set) var errors = 0

    public init(socket: PacketSocket, capacity: Int = 256) {
        fd = socket.fd
        self.capacity = capacity
        messages = .allocate(capacity: capacity)
        messages.initialize(repeating: cln_mmsghdr(), count: capacity)
        vectors = .allocate(capacity: capacity)
        vectors.initialize(repeating: iovec(), count: capacity)
        for i in 0..<capacity {
            messages[i].msg_hdr.msg_iov = vectors + i
            messages[i].msg_hdr.msg_iovlen = 1
        }
    }

    deinit {
        messages.deallocate()
        vectors.deallocate()
    }

    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    public func append(_ frame: ReceivedFrame) {
        if count == capacity { flush() }
        vectors[count].iov_base = frame.header
        vectors[count].iov_len = frame.bytes.count + VirtioNetHeader.size
        count += 1
    }

    public func flush() {
        var start = 0
        var waited = false
        while start < count {
            let n = Int(cln_sendmmsg(fd, messages + start, UInt32(count - start), Int32(MSG_DONTWAIT)))
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                // Send budget used up: the receiving side is behind. Wait for it once
                // (frames wait in our receive ring meanwhile) rather than drop the batch.
                if n < 0 && (errno == EAGAIN || errno == ENOBUFS) && !waited {
                    waited = true
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = Glibc.poll(&p, 1, 10)
                    continue
                }
                // The first frame of the rest was refused: count it and go on after it.
                errors += 1
                start += 1
                continue
            }
            waited = false
            for i in start..<(start + n) { bytes += vectors[i].iov_len - VirtioNetHeader.size }
            packets += n
            start += n
        }
        count = 0
    }
}
