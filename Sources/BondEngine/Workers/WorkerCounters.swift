import Synchronization

/// What one forwarding thread moved on one socket. The thread writes its running totals
/// once per batch (it is the only writer); the engine reads them for `bondctl show`,
/// `stats` and the metrics, where they are added to its own.
final class SocketFlowCounters: Sendable {
    /// Frames read from the socket's ring, and their bytes.
    let received = Atomic<Int>(0)
    let receivedBytes = Atomic<Int>(0)
    /// Frames read and not passed on (a backup's, a disabled member's, unparsable).
    let refused = Atomic<Int>(0)
    /// Frames sent on the socket, their bytes, and those the kernel refused.
    let sent = Atomic<Int>(0)
    let sentBytes = Atomic<Int>(0)
    let sendErrors = Atomic<Int>(0)
    /// When a frame was last read (monotonic ns), for the ARP/NS monitor.
    let lastReceive = Atomic<UInt64>(0)
}

/// What one forwarding thread refused for the bond as a whole (`BondCounters`).
final class WorkerTotals: Sendable {
    let runt = Atomic<Int>(0)
    let truncated = Atomic<Int>(0)
    let oversize = Atomic<Int>(0)
    let noMember = Atomic<Int>(0)
    /// Every frame the thread read.
    let frames = Atomic<Int>(0)
    /// Frames it handed to the host, their bytes, and those the bond device refused.
    let delivered = Atomic<Int>(0)
    let deliveredBytes = Atomic<Int>(0)
    let deliveryErrors = Atomic<Int>(0)
}
