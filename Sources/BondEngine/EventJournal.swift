import BondCore
import Foundation
import SystemIO

/// The recent state changes of one bond, for followers on other threads. The engine
/// appends (a few times per failover, never per frame); followers wait for what comes
/// after the last change they saw.
public final class EventJournal: @unchecked Sendable {
    private static let capacity = 1024
    private let condition = NSCondition()
    private var changes: [StateChange] = []
    private var nextSequence: UInt64 = 1
    private var closed = false
    private let bond: String

    init(bond: String) { self.bond = bond }

    func record(_ kind: StateChange.Kind, member: String?, _ message: String) {
        let real = SystemClock.realtimeNanoseconds(), mono = SystemClock.monotonicNanoseconds()
        condition.lock()
        changes.append(
            StateChange(
                sequence: nextSequence, unixNanoseconds: real, monotonicNanoseconds: mono,
                bond: bond, kind: kind, member: member, message: message))
        nextSequence += 1
        if changes.count > Self.capacity { changes.removeFirst(changes.count - Self.capacity) }
        condition.broadcast()
        condition.unlock()
    }

    /// The sequence number of the latest change (0: none yet): follow from there.
    public var latest: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return nextSequence - 1
    }

    /// Changes after `sequence`, waiting up to `timeout` seconds for one. nil once the
    /// bond has stopped and everything was read.
    public func changes(after sequence: UInt64, timeout: TimeInterval) -> [StateChange]? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while nextSequence - 1 <= sequence && !closed {
            if !condition.wait(until: deadline) { break }
        }
        let fresh = changes.filter { $0.sequence > sequence }
        if fresh.isEmpty && closed { return nil }
        return fresh
    }

    /// The bond has stopped.
    public var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// The bond stopped: followers are released.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
