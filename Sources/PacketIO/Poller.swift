import CLinuxNet
import Glibc
import SystemIO

/// epoll over the engine's descriptors; each registration carries a small token that
/// says what became ready, so dispatch needs no lookup by descriptor.
public final class Poller {
    private let fd: Int32
    private let events: UnsafeMutablePointer<epoll_event>
    private let capacity = 64

    public init() throws(SystemError) {
        fd = try check(epoll_create1(Int32(EPOLL_CLOEXEC)), "epoll_create1")
        events = .allocate(capacity: capacity)
    }

    deinit {
        events.deallocate()
        close(fd)
    }

    public func add(_ descriptor: Int32, token: UInt64) throws(SystemError) {
        var e = epoll_event()
        e.events = EPOLLIN.rawValue
        e.data.u64 = token
        _ = try check(epoll_ctl(fd, EPOLL_CTL_ADD, descriptor, &e), "epoll_ctl(ADD)")
    }

    public func remove(_ descriptor: Int32) {
        epoll_ctl(fd, EPOLL_CTL_DEL, descriptor, nil)
    }

    /// Waits up to `timeout` ms (-1: forever) and calls `ready` with each token.
    public func wait(timeout: Int32, _ ready: (UInt64) -> Void) {
        let n = epoll_wait(fd, events, Int32(capacity), timeout)
        guard n > 0 else { return }
        for i in 0..<Int(n) { ready(events[i].data.u64) }
    }
}

/// An eventfd: how other threads wake the engine's loop.
public final class WakeupEvent: @unchecked Sendable {
    public let fd: Int32

    public init() throws(SystemError) {
        fd = try check(eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK)), "eventfd")
    }

    deinit { close(fd) }

    public func signal() {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    public func drain() {
        var value: UInt64 = 0
        _ = read(fd, &value, 8)
    }
}
