import CLinuxNet
import Glibc
import SystemIO

/// Geometry of a receive ring: `slotCount` slots of `slotSize` bytes, one frame each.
/// A 2 KiB slot holds an Ethernet frame of MTU 1500 with its tags (up to 1964 B);
/// larger ones (GSO super-frames, jumbo frames) arrive whole on the socket's queue.
/// 4096 slots (8 MiB) absorb a burst of 4096 frames at the sender's full speed.
public struct PacketRingConfiguration: Sendable {
    public var slotSize: Int = 2048
    /// A multiple of `slotsPerBlock`.
    public var slotCount: Int = 4096
    public init() {}

    /// The kernel allocates the ring in blocks of whole pages; slots never cross them.
    static let blockSize = 1 << 17
    var slotsPerBlock: Int { Self.blockSize / slotSize }
    var byteCount: Int { slotSize * slotCount }
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

/// An AF_PACKET socket bound to one interface: a TPACKET_V2 mmap receive ring,
/// batched transmit with sendmmsg that bypasses the qdisc layer, and virtio-net
/// headers in both directions.
///
/// The ring is TPACKET_V2, a frame per slot, and not V3: V3 hands frames over a block
/// at a time, when the block is full or its timer (1 ms at least) runs out, which made
/// every frame at low rates wait up to a millisecond. V2 readies each frame as it
/// arrives, as libpcap's immediate mode and Open vSwitch do; under load the engine
/// drains the ring in batches all the same.
public final class PacketSocket {
    public let fd: Int32
    public let interfaceIndex: Int32
    private let ring: UnsafeMutableRawPointer
    /// The ring is the kernel's (mmap) or, in an `EmbeddedPacketWire`, plain memory.
    private let ringIsMapped: Bool
    let configuration: PacketRingConfiguration
    private var currentSlot = 0
    /// Where a frame too big for a slot is read whole (TP_STATUS_COPY): headroom, the
    /// virtio-net header, then the frame.
    private let bigFrame: UnsafeMutableRawPointer
    static let bigFrameCapacity = 1 << 17
    /// The most slots handed to the engine at once.
    static let batchLimit = 256
    /// Closed before its owner let go of it (a member removed at runtime).
    public private(set) var isClosed = false
    /// Frames the kernel dropped because the ring had no room (the engine never saw
    /// them): summed from PACKET_STATISTICS by `collectStatistics`.
    public private(set) var ringDrops = 0

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
            try Self.set(fd, PACKET_VERSION, Int32(TPACKET_V2.rawValue), "PACKET_VERSION")
            // Headroom in front of each frame so a VLAN tag the kernel took out of the
            // frame (VLAN offload) can be put back in place, and a VLAN device's tag
            // pushed (`pushingTag`).
            try Self.set(fd, PACKET_RESERVE, CLN_PACKET_RESERVE, "PACKET_RESERVE")
            // A frame too big for a slot is queued whole on the socket (and its slot
            // marked TP_STATUS_COPY) rather than cut.
            try Self.set(fd, PACKET_COPY_THRESH, 1, "PACKET_COPY_THRESH")
            var rcvbuf: Int32 = 16 << 20
            if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, socklen_t(MemoryLayout<Int32>.size)) < 0 {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, socklen_t(MemoryLayout<Int32>.size))
            }
            var request = tpacket_req()
            request.tp_block_size = UInt32(PacketRingConfiguration.blockSize)
            request.tp_block_nr = UInt32(configuration.slotCount / configuration.slotsPerBlock)
            request.tp_frame_size = UInt32(configuration.slotSize)
            request.tp_frame_nr = UInt32(configuration.slotCount)
            _ = try check(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &request, socklen_t(MemoryLayout<tpacket_req>.size)), "PACKET_RX_RING")
            let size = configuration.byteCount
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
            if let mapped { munmap(mapped, configuration.byteCount) }
            Glibc.close(fd)
            throw error
        }
        self.fd = fd
        ring = mapped!
        ringIsMapped = true
        bigFrame = .allocate(byteCount: Self.bigFrameCapacity, alignment: 16)
    }

    /// A socket over a ring in plain memory and any descriptor (`EmbeddedPacketWire`).
    init(embeddedFD fd: Int32, interfaceIndex: Int32, ring: UnsafeMutableRawPointer, configuration: PacketRingConfiguration) {
        self.fd = fd
        self.interfaceIndex = interfaceIndex
        self.ring = ring
        self.configuration = configuration
        ringIsMapped = false
        bigFrame = .allocate(byteCount: Self.bigFrameCapacity, alignment: 16)
    }

    /// Slot `i` of the ring (for `EmbeddedPacketWire`, which fills slots as the kernel does).
    func slot(_ i: Int) -> UnsafeMutableRawPointer { ring + (i % configuration.slotCount) * configuration.slotSize }

    deinit { close() }

    /// Releases the ring and the descriptor now; the socket receives and sends nothing more.
    public func close() {
        guard !isClosed else { return }
        collectStatistics()
        isClosed = true
        if ringIsMapped { munmap(ring, configuration.byteCount) } else { ring.deallocate() }
        bigFrame.deallocate()
        Glibc.close(fd)
    }

    /// Puts a BPF socket filter (`program`, a descriptor) in front of the socket: the
    /// frames it turns away never reach the ring. nil takes the filter off.
    func filter(with program: Int32?) throws(SystemError) {
        guard !isClosed else { return }
        if var fd = program {
            _ = try check(setsockopt(self.fd, SOL_SOCKET, SO_ATTACH_BPF, &fd, socklen_t(MemoryLayout<Int32>.size)), "SO_ATTACH_BPF")
        } else {
            var unused: Int32 = 0
            _ = setsockopt(self.fd, SOL_SOCKET, SO_DETACH_BPF, &unused, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Takes a socket filter off (`XDPBondProgram.filterMemberSocket`).
    public func removeFilter() { try? filter(with: nil) }

    private static func set(_ fd: Int32, _ option: Int32, _ value: Int32, _ name: String) throws(SystemError) {
        var v = value
        _ = try check(setsockopt(fd, SOL_PACKET, option, &v, socklen_t(MemoryLayout<Int32>.size)), "setsockopt(\(name))")
    }

    /// Hands the frames that are ready (a run of filled slots, up to `batchLimit`) to
    /// `body`, then gives their slots back to the kernel. Frames may be queued for
    /// transmit inside `body` (they point into the ring), but every queue must be
    /// flushed before `body` returns.
    /// - Returns: false when no frame was ready.
    @inline(__always)
    public func receiveBlock(_ body: (inout BlockFrames) -> Void) -> Bool {
        if isClosed { return false }
        var count = 0
        while count < Self.batchLimit {
            let status = cln_slot_status(slot(currentSlot + count))
            guard status & UInt32(TP_STATUS_USER) != 0 else { break }
            count += 1
            // Its whole copy is read into `bigFrame`, which holds one: it ends the batch.
            if status & UInt32(TP_STATUS_COPY) != 0 { break }
        }
        guard count > 0 else { return false }
        var frames = BlockFrames(socket: self, first: currentSlot, count: count)
        body(&frames)
        for i in 0..<count { cln_slot_release(slot(currentSlot + i)) }
        currentSlot = (currentSlot + count) % configuration.slotCount
        return true
    }

    /// `receiveBlock` until the ring is empty or `limit` batches were read: a loop that
    /// serves several rings (and requests, timers) keeps every one in turn under a flood.
    /// - Returns: how many batches were read; `limit` means frames may be left.
    @inline(__always)
    public func receiveBlocks(limit: Int, _ body: (inout BlockFrames) -> Void) -> Int {
        var batches = 0
        while batches < limit, receiveBlock(body) { batches += 1 }
        return batches
    }

    /// The whole of a frame its slot holds cut (TP_STATUS_COPY), from the socket's
    /// queue into `bigFrame`: the virtio-net header at `PACKET_RESERVE`, the frame
    /// after it. Nil if the queue held none (the kernel found the socket's budget used).
    fileprivate func readBigFrame() -> UnsafeMutableRawBufferPointer? {
        let start = bigFrame + Int(CLN_PACKET_RESERVE)
        let n = Glibc.recv(fd, start, Self.bigFrameCapacity - Int(CLN_PACKET_RESERVE), Int32(MSG_DONTWAIT))
        guard n > VirtioNetHeader.size else { return nil }
        return UnsafeMutableRawBufferPointer(start: start + VirtioNetHeader.size, count: n - VirtioNetHeader.size)
    }

    /// Adds the kernel's ring drop counter to `ringDrops`. The kernel
    /// zeroes them as it hands them over, so this must be their only reader, and it
    /// must be called often enough that a 32-bit counter cannot wrap (once a second).
    public func collectStatistics() {
        guard !isClosed, ringIsMapped else { return }
        var drops: UInt32 = 0
        guard cln_packet_statistics(fd, &drops) == 0 else { return }
        ringDrops += Int(drops)
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

/// The frames of one batch of ring slots, in arrival order.
public struct BlockFrames {
    private let socket: PacketSocket
    private var slot: Int
    private var remaining: Int
    /// How many frames the batch holds.
    public let count: Int

    init(socket: PacketSocket, first: Int, count: Int) {
        self.socket = socket
        slot = first
        remaining = count
        self.count = count
    }

    @inline(__always)
    public mutating func next() -> ReceivedFrame? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        let frame = socket.slot(slot)
        slot += 1
        let info = cln_frame_info(frame)
        var received = ReceivedFrame(
            bytes: UnsafeMutableRawBufferPointer(start: frame + Int(info.mac), count: Int(info.snaplen)),
            wireLength: Int(info.len), header: frame + Int(info.mac) - VirtioNetHeader.size)
        if info.status & UInt32(TP_STATUS_COPY) != 0, let whole = socket.readBigFrame() {
            received = ReceivedFrame(bytes: whole, wireLength: whole.count, header: whole.baseAddress! - VirtioNetHeader.size)
        }
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
