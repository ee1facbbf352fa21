import Dispatch
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Writes JSON lines to a streaming client (`events`, `capture`) from the stream's own
/// thread, and notices when the client goes away. A line that cannot leave within the
/// write deadline (the client stopped reading) closes the connection: a stalled
/// follower costs only itself.
public final class LineWriter: @unchecked Sendable {
    private let channel: Channel
    private let peerGone: NIOLockedValueBox<Bool>
    private let deadline: TimeAmount

    init(channel: Channel, peerGone: NIOLockedValueBox<Bool>, deadline: TimeAmount) {
        self.channel = channel; self.peerGone = peerGone; self.deadline = deadline
    }

    /// `value` as one protocol line: sorted-key JSON and a newline.
    static func line<T: Encodable>(_ value: T) -> [UInt8]? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return nil }
        return Array(data) + [UInt8(ascii: "\n")]
    }

    /// One value as a JSON line, waiting until it has left; false when the peer is gone
    /// or did not take it within the deadline.
    public func send<T: Encodable>(_ value: T) -> Bool {
        guard channel.isActive, let bytes = Self.line(value) else { return false }
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let done = DispatchSemaphore(value: 0)
        let sent = NIOLockedValueBox(false)
        channel.writeAndFlush(buffer).whenComplete { result in
            if case .success = result { sent.withLockedValue { $0 = true } }
            done.signal()
        }
        if done.wait(timeout: .now() + .nanoseconds(Int(deadline.nanoseconds))) == .timedOut {
            channel.close(promise: nil)
            return false
        }
        return sent.withLockedValue { $0 }
    }

    /// The peer closed its end (checked between writes, when there is nothing to send).
    public var peerClosed: Bool { peerGone.withLockedValue { $0 } || !channel.isActive }
}
