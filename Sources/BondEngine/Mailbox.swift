import Foundation

/// Work other threads hand to the engine's loop: the loop owns all bond state, so the
/// control server never touches it directly. Checked once per loop turn, not per frame.
final class Mailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [() -> Void] = []

    func post(_ work: @escaping () -> Void) {
        lock.lock()
        pending.append(work)
        lock.unlock()
    }

    func drain() {
        lock.lock()
        let work = pending
        pending.removeAll()
        lock.unlock()
        for w in work { w() }
    }
}
