import PacketIO

/// One socket of a forwarding thread, in a device's fanout group: its ring, its send
/// queue and what it moved. The engine opens and closes it (and reads its ring's
/// drop counter, as it does its own); the thread alone reads and sends on it.
final class WorkerSocket {
    /// The member's slot, or nil for the bond device.
    let slot: Int?
    let socket: PacketSocket
    let queue: TransmitQueue
    let counters = SocketFlowCounters()
    // The thread's running totals, written to `counters` once per batch.
    var received = 0
    var receivedBytes = 0
    var refused = 0

    init(slot: Int?, socket: PacketSocket) {
        self.slot = slot
        self.socket = socket
        queue = TransmitQueue(socket: socket)
    }

    /// Sends what is queued, then makes the totals visible to the engine.
    @inline(__always)
    func flushAndPublish() {
        if !queue.isEmpty { queue.flush() }
        counters.received.store(received, ordering: .relaxed)
        counters.receivedBytes.store(receivedBytes, ordering: .relaxed)
        counters.refused.store(refused, ordering: .relaxed)
        counters.sent.store(queue.packets, ordering: .relaxed)
        counters.sentBytes.store(queue.bytes, ordering: .relaxed)
        counters.sendErrors.store(queue.errors, ordering: .relaxed)
    }
}
