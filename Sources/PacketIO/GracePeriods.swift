import CLibBPF
import Foundation
import Synchronization
import SystemIO

/// What the configuration's writer needs of RCU grace periods (`ConfigurationEntries`);
/// tests give it one they end by hand.
protocol GracePeriodSource: AnyObject {
    /// Asks for a grace period that begins after this call; returns its ticket.
    func begin() -> UInt64
    /// Returns once the grace period of `ticket` (and every one before it) has ended.
    func wait(for ticket: UInt64)
}

/// RCU grace periods, waited out on a thread of their own. A BPF program runs within one
/// RCU read-side section, so once a grace period that began after a change has ended, no
/// program still reads what was there before it. User space has no call that waits for
/// one, but the kernel waits for one whenever the entry of a map of maps is replaced (so
/// that no program still uses the inner map it held): the thread replaces the entry of a
/// one-entry map of maps, about 10 ms a time here. Asking never blocks; requests made
/// while one is waited out share the next.
final class GracePeriods: GracePeriodSource, @unchecked Sendable {
    private let inner: Int32, outer: Int32
    private let condition = NSCondition()
    /// Tickets handed out, and the last one whose grace period has ended (both under
    /// `condition`).
    private var asked: UInt64 = 0, ended: UInt64 = 0

    private static let instance = Mutex<GracePeriods?>(nil)

    /// The process's one (its thread and two small maps), made on first use.
    static func shared() throws(SystemError) -> GracePeriods {
        try instance.withLock { (made: inout GracePeriods?) throws(SystemError) -> GracePeriods in
            if let made { return made }
            let new = try GracePeriods()
            made = new
            return new
        }
    }

    private init() throws(SystemError) {
        let inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bondd_grace_in", 4, 4, 1, nil)
        guard inner >= 0 else { throw SystemError("grace periods: map create", errno: -inner) }
        let outer = bondd_map_of_maps_create(inner)
        guard outer >= 0 else {
            close(inner)
            throw SystemError("grace periods: map of maps create", errno: -outer)
        }
        self.inner = inner
        self.outer = outer
        let thread = Thread { [self] in run() }
        thread.name = "bondd-grace"
        thread.start()
    }

    func begin() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        asked += 1
        condition.broadcast()
        return asked
    }

    func wait(for ticket: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        while ended < ticket { condition.wait() }
    }

    private func run() {
        condition.lock()
        while true {
            while ended == asked { condition.wait() }
            let target = asked
            condition.unlock()
            // Begins after every ticket up to `target` was asked for.
            waitOutOne()
            condition.lock()
            ended = target
            condition.broadcast()
        }
    }

    /// Updates the kernel refused (`waitOutOne`), for tests: a grace period is marked
    /// ended only once an update went through.
    var refusals: Int {
        condition.lock()
        defer { condition.unlock() }
        return refused
    }
    private var refused = 0

    /// Whether the grace period of `ticket` has ended.
    func hasEnded(_ ticket: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return ended >= ticket
    }

    private func waitOutOne() {
        var key: UInt32 = 0
        var value = UInt32(bitPattern: inner)
        var pause: UInt32 = 1_000
        // Refused (out of memory, never seen): no grace period was waited out, so
        // none is said to have ended; again, less and less often.
        while bpf_map_update_elem(outer, &key, &value, UInt64(BPF_ANY)) != 0 {
            condition.lock()
            refused += 1
            condition.unlock()
            usleep(pause)
            pause = min(pause * 2, 1_000_000)
        }
    }
}
