import Foundation
import Glibc

/// Copies of the frames a port sends and receives, handed from the engine's thread to
/// a capture writer. Three buffers, allocated once per capture, change hands: the
/// engine copies into its own and publishes it once per loop turn (if the writer has
/// taken the previous one); the writer swaps the published one for its emptied one
/// under a lock held for the swap only. Nothing is ever waited for: a full buffer
/// drops, and counts it.
public final class FrameTap: @unchecked Sendable {
    public enum Direction: UInt8 { case received = 0, sent = 1 }

    /// Bytes per buffer.
    public let capacity: Int
    private var staging: [UInt8]
    private var ready: [UInt8]
    private var writing: [UInt8]
    private let lock = NSLock()
    private var stagedDrops = 0
    private var publishedDrops = 0

    static let recordHeader = 8 + 4 + 4 + 1

    public init(capacity: Int = 16 << 20) {
        self.capacity = capacity
        staging = []
        staging.reserveCapacity(capacity)
        ready = []
        ready.reserveCapacity(capacity)
        writing = []
        writing.reserveCapacity(capacity)
    }

    /// Engine thread, per frame while capturing.
    @inline(__always)
    public func record(_ frame: ReceivedFrame, _ direction: Direction) {
        record(UnsafeRawBufferPointer(frame.bytes), wireLength: frame.wireLength, direction)
    }

    public func record(_ bytes: [UInt8], _ direction: Direction) {
        bytes.withUnsafeBytes { record($0, wireLength: bytes.count, direction) }
    }

    public func record(_ bytes: UnsafeRawBufferPointer, wireLength: Int, _ direction: Direction) {
        guard staging.count + Self.recordHeader + bytes.count <= capacity else {
            stagedDrops += 1
            return
        }
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        // Laid out as recordHeader says: 8 + 4 + 4 + 1 bytes, no padding before the last.
        var header = (
            UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec), UInt32(bytes.count), UInt32(wireLength),
            direction.rawValue
        )
        withUnsafeBytes(of: &header) { staging.append(contentsOf: $0.prefix(Self.recordHeader)) }
        staging.append(contentsOf: bytes)
    }

    /// Engine thread, once per loop turn: makes what was copied visible to the writer.
    public func publish() {
        guard !staging.isEmpty || stagedDrops > 0, lock.try() else { return }
        // Not yet taken: keep copying into staging, published next turn.
        if ready.isEmpty { swap(&staging, &ready) }
        publishedDrops += stagedDrops
        stagedDrops = 0
        lock.unlock()
    }

    /// Writer thread: the frames published so far, each with its time, wire length and
    /// direction; returns the drops counted so far.
    public func drain(_ body: (UInt64, Int, Direction, UnsafeRawBufferPointer) -> Void) -> Int {
        lock.lock()
        swap(&writing, &ready)
        let drops = publishedDrops
        lock.unlock()
        writing.withUnsafeBytes { raw in
            var at = 0
            while at + Self.recordHeader <= raw.count {
                let time = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                let length = Int(raw.loadUnaligned(fromByteOffset: at + 8, as: UInt32.self))
                let wire = Int(raw.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self))
                let direction = Direction(rawValue: raw[at + 16]) ?? .received
                let start = at + Self.recordHeader
                body(time, wire, direction, UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]))
                at = start + length
            }
        }
        writing.removeAll(keepingCapacity: true)
        return drops
    }
}
