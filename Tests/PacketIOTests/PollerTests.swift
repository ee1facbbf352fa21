import Glibc
import PacketIO
import Testing

/// The engine's epoll: sockets left out of the wait while the engine polls on a tick,
/// the control descriptors never.
@Suite struct PollerTests {
    /// Tokens reported by one wait of at most 1 ms.
    func ready(_ p: Poller) -> Set<UInt64> {
        var tokens: Set<UInt64> = []
        p.wait(nanoseconds: 1_000_000) { tokens.insert($0) }
        return tokens
    }

    @Test func socketsLeftOutOfTheWaitAreNotReportedUntilPutBack() throws {
        let p = try Poller()
        let socket = try WakeupEvent(), control = try WakeupEvent(), later = try WakeupEvent()
        try p.add(socket.fd, token: 1)
        try p.add(control.fd, token: 2, control: true)
        socket.signal()
        control.signal()
        #expect(ready(p) == [1, 2])

        p.watchSockets(false)
        #expect(!p.watchesSockets)
        // Registered while left out: it joins when the sockets are put back.
        try p.add(later.fd, token: 3)
        later.signal()
        #expect(ready(p) == [2], "only the control descriptor")

        p.watchSockets(true)
        #expect(ready(p) == [1, 2, 3], "the sockets are back, with what became ready meanwhile")

        p.remove(socket.fd)
        p.watchSockets(false)
        p.watchSockets(true)
        #expect(ready(p) == [2, 3], "a removed socket stays out")
    }

    @Test func aTimedWaitEndsWithinItsTimeout() throws {
        let p = try Poller()
        Poller.setTimerSlack(nanoseconds: 2_000)
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        p.wait(nanoseconds: 200_000) { _ in }
        clock_gettime(CLOCK_MONOTONIC, &end)
        let elapsed = (end.tv_sec - start.tv_sec) * 1_000_000_000 + (end.tv_nsec - start.tv_nsec)
        // Sub-millisecond (epoll_pwait2): never early; late only by scheduling.
        #expect(elapsed >= 200_000)
    }
}
