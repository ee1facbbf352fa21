import CLibXDP
import Glibc
import SystemIO

/// An AF_XDP socket on queue 0 of one interface, on memory shared with the bond's
/// other sockets: frames arrive by descriptor in its RX ring and leave by descriptor in
/// its TX ring, without a copy in user space. Its fill and completion rings are its
/// own (each device queue needs its own); their frames come from and go back to the
/// shared memory's free stack. need_wakeup is on: the kernel is kicked only when it
/// says it sleeps.
public final class XDPSocket {
    public let interfaceIndex: Int32
    public let fd: Int32
    public let memory: XDPSocketMemory
    private let xsk: UnsafeMutablePointer<OpaquePointer?>
    private let rx: UnsafeMutablePointer<xsk_ring_cons>
    private let tx: UnsafeMutablePointer<xsk_ring_prod>
    private let fill: UnsafeMutablePointer<xsk_ring_prod>
    private let completion: UnsafeMutablePointer<xsk_ring_cons>
    private let ownsRings: Bool
    private var queued: UInt32 = 0
    /// The most frames this socket keeps in its fill ring, and how many are there now.
    private let fillLimit: Int
    private var filled = 0
    /// Which frames of the memory the kernel holds for this socket (its fill ring, its
    /// TX ring until completed), one bit each: given back when the socket closes, or a
    /// member removed at runtime would take them from the memory for good.
    private let held: UnsafeMutablePointer<UInt64>
    private let heldWords: Int
    public private(set) var transmitted = 0
    public private(set) var transmittedBytes = 0
    /// Frames that found the TX ring full and were given back.
    public private(set) var transmitDrops = 0

    /// What the kernel counted on this socket (XDP_STATISTICS), for its lifetime.
    public struct KernelStatistics: Equatable, Sendable {
        /// Frames the kernel dropped before they reached the RX ring: no free frame in
        /// the fill ring, the RX ring full, or a frame too big for a memory frame.
        public var receiveDrops = 0
        /// Descriptors the kernel refused as invalid, both rings: a bug of ours.
        public var invalidDescriptors = 0
        public init() {}
    }

    /// The kernel's counters for this socket, or zeros where it has none to give.
    public func kernelStatistics() -> KernelStatistics {
        var st = xdp_statistics()
        var s = KernelStatistics()
        guard bondd_xsk_statistics(fd, &st) == 0 else { return s }
        s.receiveDrops = Int(st.rx_dropped + st.rx_ring_full)
        s.invalidDescriptors = Int(st.rx_invalid_descs + st.tx_invalid_descs)
        return s
    }

    /// - Parameters:
    ///   - copy: force copy mode; otherwise zero-copy where the driver has it.
    ///   - fillLimit: the most free frames it holds for receiving (nil: a ring's worth).
    ///     Sockets that receive little (VLAN devices') hold fewer, so that many of
    ///     them do not take the shared memory from the members.
    public init(interface name: String, index: Int32, memory: XDPSocketMemory, copy: Bool, fillLimit: Int? = nil) throws(SystemError) {
        interfaceIndex = index
        self.fillLimit = min(fillLimit ?? Int(memory.ringSize), Int(memory.ringSize))
        heldWords = (memory.frameCount + 63) / 64
        held = .allocate(capacity: heldWords)
        held.initialize(repeating: 0, count: heldWords)
        self.memory = memory
        xsk = .allocate(capacity: 1)
        xsk.initialize(to: nil)
        rx = .allocate(capacity: 1)
        rx.initialize(to: xsk_ring_cons())
        tx = .allocate(capacity: 1)
        tx.initialize(to: xsk_ring_prod())
        if memory.firstRingsTaken {
            fill = .allocate(capacity: 1)
            fill.initialize(to: xsk_ring_prod())
            completion = .allocate(capacity: 1)
            completion.initialize(to: xsk_ring_cons())
            ownsRings = true
        } else {
            fill = memory.fill
            completion = memory.completion
            ownsRings = false
        }
        let (handle, rxRing, txRing, fillRing, completionRing) = (xsk, rx, tx, fill, completion)
        let r = name.withCString {
            bondd_xsk_socket_create(
                handle, $0, memory.umem.pointee, rxRing, txRing, fillRing, completionRing,
                memory.ringSize, copy ? 1 : 0)
        }
        guard r == 0, let socket = xsk.pointee else {
            xsk.deallocate(); rx.deallocate(); tx.deallocate(); held.deallocate()
            if ownsRings { fill.deallocate(); completion.deallocate() }
            throw SystemError("AF_XDP socket on \(name)", errno: -r)
        }
        if !ownsRings { memory.firstRingsTaken = true }
        fd = xsk_socket__fd(socket)
        refill()
    }

    deinit {
        if let s = xsk.pointee { xsk_socket__delete(s) }
        // Nothing of the kernel's refers to them now: they are the memory's again.
        for w in 0..<heldWords where held[w] != 0 {
            var bits = held[w]
            while bits != 0 {
                let bit = bits.trailingZeroBitCount
                memory.give(UInt64((w * 64 + bit) * memory.frameSize))
                bits &= bits - 1
            }
        }
        held.deallocate()
        xsk.deallocate(); rx.deallocate(); tx.deallocate()
        if ownsRings { fill.deallocate(); completion.deallocate() }
    }

    @inline(__always)
    private func hold(_ address: UInt64) {
        let i = Int(address) / memory.frameSize
        held[i >> 6] |= 1 << UInt64(i & 63)
    }

    @inline(__always)
    private func release(_ address: UInt64) {
        let i = Int(address) / memory.frameSize
        held[i >> 6] &= ~(1 << UInt64(i & 63))
    }

    /// Gives the kernel free frames to receive into, as many as its fill ring takes.
    public func refill() {
        let wanted = UInt32(min(memory.freeCount, fillLimit - filled))
        guard wanted > 0 else { return }
        var index: UInt32 = 0
        let n = xsk_ring_prod__reserve(fill, wanted, &index)
        guard n > 0 else { return }
        for i in 0..<n {
            let address = memory.take()!
            hold(address)
            xsk_ring_prod__fill_addr(fill, index &+ i).pointee = address
        }
        xsk_ring_prod__submit(fill, n)
        filled += Int(n)
        if xsk_ring_prod__needs_wakeup(fill) != 0 {
            bondd_xsk_wake_receive(fd)
        }
    }

    /// Hands up to `limit` received frames to `body`. Each frame is then the caller's:
    /// it must be transmitted on some socket of the same memory, or given back.
    /// - Returns: how many frames there were.
    @discardableResult @inline(__always)
    public func receive(limit: Int = 64, _ body: (XDPFrame) -> Void) -> Int {
        var index: UInt32 = 0
        let n = xsk_ring_cons__peek(rx, UInt32(limit), &index)
        guard n > 0 else { return 0 }
        for i in 0..<n {
            let d = xsk_ring_cons__rx_desc(rx, index &+ i)!.pointee
            release(d.addr)
            body(XDPFrame(address: d.addr, length: Int(d.len)))
        }
        xsk_ring_cons__release(rx, n)
        filled -= Int(n)
        return Int(n)
    }

    /// Queues `frame` for sending (with the next `flush`). When the TX ring is full the
    /// frame is given back and counted.
    @inline(__always)
    public func transmit(_ frame: XDPFrame) {
        var index: UInt32 = 0
        guard xsk_ring_prod__reserve(tx, 1, &index) == 1 else {
            transmitDrops += 1
            memory.give(frame.address)
            return
        }
        let d = xsk_ring_prod__tx_desc(tx, index)!
        d.pointee.addr = frame.address
        d.pointee.len = UInt32(frame.length)
        d.pointee.options = 0
        hold(frame.address)
        queued += 1
        transmittedBytes &+= frame.length
    }

    /// Hands the queued frames to the kernel, waking it if it sleeps.
    public func flush() {
        guard queued > 0 else { return }
        xsk_ring_prod__submit(tx, queued)
        transmitted += Int(queued)
        queued = 0
        guard xsk_ring_prod__needs_wakeup(tx) != 0 else { return }
        // A copying socket sends at most 32 frames per kick and says so (EAGAIN): kick
        // until the ring is empty, or a batch would wait for the next flush and the ring
        // fill up meanwhile. Bounded: the device itself may be what is behind.
        var kicks = Int(memory.ringSize) / 32
        while bondd_xsk_kick(fd) == 1, kicks > 0 { kicks -= 1 }
    }

    /// Frames the kernel has finished sending go back to the free stack.
    public func reclaim() {
        var index: UInt32 = 0
        let n = xsk_ring_cons__peek(completion, memory.ringSize, &index)
        guard n > 0 else { return }
        for i in 0..<n {
            let address = xsk_ring_cons__comp_addr(completion, index &+ i)!.pointee
            release(address)
            memory.give(address)
        }
        xsk_ring_cons__release(completion, n)
    }
}
