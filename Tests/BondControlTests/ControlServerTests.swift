@testable import BondControl
import Dispatch
import Foundation
import Glibc
import SystemIO
import Testing

/// The control server with stand-in handlers: no bond, no engine, real Unix sockets.
/// Each test has its own socket path. Needs root (the server answers root peers only).
@Suite struct ControlServerTests {
    static func path(_ name: String) -> String { "/tmp/bondd-test-\(getpid())-\(name).sock" }

    /// A server answering every request with its member (the tests' tag for a request),
    /// or its command, after `work` (a stand-in for waiting on an engine).
    static func server(
        _ name: String, limits: ControlServer.Limits = .init(),
        work: @escaping @Sendable (ControlRequest) -> Void = { _ in },
        stream: ControlServer.Stream? = nil
    ) throws -> ControlServer {
        let s = try ControlServer(
            path: path(name), limits: limits,
            handler: { r in
                work(r)
                return ControlReply(ok: true, message: r.member ?? r.command.rawValue)
            }, stream: stream)
        s.start()
        return s
    }

    /// A raw connection that says what it is told to, when it is told to.
    final class RawClient: Sendable {
        let stream: UnixStream
        var fd: Int32 { stream.fd }
        init(_ path: String) throws { stream = try UnixStream.connect(to: path) }
        /// Ends the connection without closing the descriptor (deinit does, once).
        func hangUp() { shutdown(fd, Int32(SHUT_RDWR)) }
        func write(_ s: String) -> Bool { (try? stream.write(Array(s.utf8))) != nil }
        /// What the server sent before it closed, waiting at most `seconds`; nil if the
        /// connection is still open then.
        func untilClosed(within seconds: Double) -> String? {
            stream.setTimeout(seconds: seconds)
            var out: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { return nil }
                if n == 0 { return String(decoding: out, as: UTF8.self) }
                out += chunk[0..<n]
            }
        }
    }

    @Test func idleAndTricklingClientsDelayNobody() throws {
        let s = try Self.server("idle")
        defer { s.stop() }
        let idle = try (0..<40).map { _ in try RawClient(s.path) }
        let trickle = try RawClient(s.path)
        let writer = Thread { for b in "{\"command\":\"show\"".utf8 { _ = trickle.write(String(UnicodeScalar(b))); usleep(100_000) } }
        writer.start()
        for _ in 0..<5 {
            let reply = try ControlClient.send(ControlRequest(command: .show), to: s.path, timeout: 1)
            #expect(reply.ok && reply.message == "show")
        }
        _ = idle
    }

    @Test func aClientThatNeverEndsItsLineIsClosedAtTheDeadline() throws {
        var limits = ControlServer.Limits()
        limits.requestDeadline = 0.3
        let s = try Self.server("deadline", limits: limits)
        defer { s.stop() }
        let silent = try RawClient(s.path)
        let partial = try RawClient(s.path)
        #expect(partial.write("{\"command\":"))
        #expect(silent.untilClosed(within: 3) == "")
        #expect(partial.untilClosed(within: 3) == "")
        #expect(try ControlClient.send(ControlRequest(command: .show), to: s.path, timeout: 2).ok)
    }

    @Test func aRequestWaitingOnItsEngineDoesNotHoldOthers() throws {
        let release = DispatchSemaphore(value: 0)
        let s = try Self.server("slow", work: { r in if r.member == "slow" { _ = release.wait(timeout: .now() + 10) } })
        defer { s.stop() }
        let slow = Thread { _ = try? ControlClient.send(ControlRequest(command: .show, member: "slow"), to: s.path) }
        slow.start()
        usleep(100_000)
        #expect(try ControlClient.send(ControlRequest(command: .show, member: "fast"), to: s.path, timeout: 1).message == "fast")
        release.signal()
    }

    @Test func aHundredConcurrentClientsAreAllAnswered() throws {
        let s = try Self.server("many", work: { _ in usleep(20_000) })
        defer { s.stop() }
        let answered = NSLock()
        nonisolated(unsafe) var ok = 0
        DispatchQueue.concurrentPerform(iterations: 100) { i in
            if let r = try? ControlClient.send(ControlRequest(command: .show, member: "c\(i)"), to: s.path, timeout: 10), r.message == "c\(i)" {
                answered.withLock { ok += 1 }
            }
        }
        #expect(ok == 100)
    }

    @Test func beyondTheConnectionLimitANewClientIsToldSo() throws {
        var limits = ControlServer.Limits()
        limits.connections = 4
        let s = try Self.server("limit", limits: limits)
        defer { s.stop() }
        let held = try (0..<4).map { _ in try RawClient(s.path) }
        usleep(100_000)
        let reply = try ControlClient.send(ControlRequest(command: .show), to: s.path, timeout: 2)
        #expect(!reply.ok && reply.error?.contains("4 control connections are open") == true, "\(reply)")
        held.forEach { $0.hangUp() }
        usleep(200_000)
        #expect(try ControlClient.send(ControlRequest(command: .show), to: s.path, timeout: 2).ok)
    }

    @Test func aFollowerThatStopsReadingIsDroppedAndOthersGoOn() throws {
        var limits = ControlServer.Limits()
        limits.writeDeadline = 0.3
        let ended = DispatchSemaphore(value: 0)
        let s = try Self.server(
            "stream", limits: limits,
            stream: { _, out in
                let line = String(repeating: "x", count: 4096)
                while out.send(ControlReply(ok: true, message: line)) {}
                ended.signal()
            })
        defer { s.stop() }
        let follower = try RawClient(s.path)
        #expect(follower.write("{\"command\":\"events\"}\n"))
        // It never reads: the server's socket buffer fills, the write deadline passes.
        #expect(ended.wait(timeout: .now() + 10) == .success, "the stream still waits on a reader that is gone")
        #expect(try ControlClient.send(ControlRequest(command: .show), to: s.path, timeout: 2).ok)
    }

    @Test func anEarlyEndOfTheClientsSideIsSeenByItsStream() throws {
        let ended = DispatchSemaphore(value: 0)
        let s = try Self.server(
            "halfclose",
            stream: { _, out in
                _ = out.send(ControlReply(ok: true))
                while !out.peerClosed { usleep(10_000) }
                _ = out.send(ControlReply(ok: true, message: "bye"))
                ended.signal()
            })
        defer { s.stop() }
        let c = try RawClient(s.path)
        #expect(c.write("{\"command\":\"capture\"}\n"))
        usleep(100_000)
        shutdown(c.fd, Int32(SHUT_WR))
        #expect(ended.wait(timeout: .now() + 5) == .success)
        let lines = c.untilClosed(within: 5)?.split(separator: "\n") ?? []
        #expect(lines.count == 2 && lines.last?.contains("bye") == true, "\(lines)")
    }

    @Test func stopRemovesOnlyItsOwnSocketFile() throws {
        let s = try Self.server("own")
        // Another server took the path since (a reload rebuilt the bond): it stays.
        unlink(s.path)
        let next = try Self.server("own")
        #expect(access(next.path, F_OK) == 0, "next bound no file")
        s.stop()
        #expect(access(next.path, F_OK) == 0, "the old server's stop removed the new file")
        #expect(try ControlClient.send(ControlRequest(command: .show), to: next.path, timeout: 2).ok)
        next.stop()
        #expect(access(next.path, F_OK) != 0)
    }
}

@Suite struct RequestFramerTests {
    @Test func aLineInPiecesIsOneRequest() {
        var f = RequestFramer(limit: 16)
        #expect(f.append(Array("{\"com".utf8)) == .needMore)
        #expect(f.append(Array("mand\"}\nextra".utf8)) == .line(Array("{\"command\"}".utf8)))
        #expect(f.isDone)
        #expect(f.append(Array("more\n".utf8)) == .needMore)
    }

    @Test func theLimitCountsBytesBeforeTheNewline() {
        var exact = RequestFramer(limit: 4)
        #expect(exact.append(Array("abcd\n".utf8)) == .line(Array("abcd".utf8)))
        var over = RequestFramer(limit: 4)
        #expect(over.append(Array("abcde\n".utf8)) == .tooLarge)
        var noNewline = RequestFramer(limit: 4)
        #expect(noNewline.append(Array("abc".utf8)) == .needMore)
        #expect(noNewline.append(Array("de".utf8)) == .tooLarge)
    }

    @Test func anEndWithoutNewlineStillCarriesTheRequest() {
        var f = RequestFramer()
        _ = f.append(Array("{}".utf8))
        #expect(f.end() == .line(Array("{}".utf8)))
        var empty = RequestFramer()
        #expect(empty.end() == nil)
    }
}
