import Foundation

/// Work other threads hand to the engine's loop: the loop owns all bond state, so the
/// control server never touches it directly. Checked once per loop turn, not per frame.
final class Mailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [() -> Void] = []
    private var closed = false

    /// False once the loop has ended: nobody would run `work`.
    @discardableResult
    func post(_ work: @escaping () -> Void) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if closed { return false }
        pending.append(work)
        return true
    }

    /// The loop has ended.
    var isClosed: Bool { lock.withLock { closed } }

    /// The loop ends: work already posted still runs, later posts are refused.
    func close() {
        lock.lock()
        closed = true
        lock.unlock()
        drain()
    }

    func drain() {
        lock.lock()
        let work = pending
        pending.removeAll()
        lock.unlock()
        for w in work { w() }
    }
}
