import CLinuxNet
import Glibc
import SystemIO

/// epoll over the engine's descriptors; each registration carries a small token that
/// says what became ready, so dispatch needs no lookup by descriptor.
///
/// The sockets can be left out for a while (`watchSockets(false)`), the control
/// descriptors (notifications, wakeups) staying: frames then arrive without waking the
/// engine, and without their senders paying for a wakeup or an epoll callback each,
/// while the engine polls the rings on a timer (`WakeupModeration`).
public final class Poller {
    private let fd: Int32
    private let events: UnsafeMutablePointer<epoll_event>
    private let capacity = 64
    /// The sockets' registrations, to leave out and put back.
    private var sockets: [(descriptor: Int32, token: UInt64)] = []
    public private(set) var watchesSockets = true

    public init() throws(SystemError) {
        fd = try check(epoll_create1(Int32(EPOLL_CLOEXEC)), "epoll_create1")
        events = .allocate(capacity: capacity)
    }

    deinit {
        events.deallocate()
        close(fd)
    }

    /// Registers `descriptor`; a `control` one is watched even while the sockets are not.
    public func add(_ descriptor: Int32, token: UInt64, control: Bool = false) throws(SystemError) {
        if !control {
            sockets.append((descriptor, token))
            guard watchesSockets else { return }
        }
        do {
            try register(descriptor, token: token)
        } catch {
            if !control { sockets.removeLast() }
            throw error
        }
    }

    public func remove(_ descriptor: Int32) {
        sockets.removeAll { $0.descriptor == descriptor }
        epoll_ctl(fd, EPOLL_CTL_DEL, descriptor, nil)
    }

    /// Puts the sockets in the wait, or leaves them out: one epoll_ctl per socket, so for
    /// changes of regime, not per turn.
    public func watchSockets(_ watch: Bool) {
        guard watch != watchesSockets else { return }
        watchesSockets = watch
        for s in sockets {
            if watch {
                try? register(s.descriptor, token: s.token)
            } else {
                epoll_ctl(fd, EPOLL_CTL_DEL, s.descriptor, nil)
            }
        }
    }

    private func register(_ descriptor: Int32, token: UInt64) throws(SystemError) {
        var e = epoll_event()
        e.events = EPOLLIN.rawValue
        e.data.u64 = token
        _ = try check(epoll_ctl(fd, EPOLL_CTL_ADD, descriptor, &e), "epoll_ctl(ADD)")
    }

    /// Waits up to `nanoseconds` (nil: forever) and calls `ready` with each token.
    public func wait(nanoseconds: Int64?, _ ready: (UInt64) -> Void) {
        let n = cln_epoll_wait_ns(fd, events, Int32(capacity), nanoseconds ?? -1)
        guard n > 0 else { return }
        for i in 0..<Int(n) { ready(events[i].data.u64) }
    }

    /// Lets the calling thread's timed waits end within `nanoseconds` of their time,
    /// rather than the default 50 µs: a polling tick is that short.
    public static func setTimerSlack(nanoseconds: UInt) {
        _ = cln_set_timer_slack(nanoseconds)
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
