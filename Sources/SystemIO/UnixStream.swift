import Glibc

/// A connected Unix stream socket (the control channel's client side), closed when
/// released. Reads and writes are line-oriented, as the control protocol is.
public final class UnixStream: Sendable {
    /// Why a connection or a transfer failed, in one line for the user.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        /// A send or receive timeout passed (`setTimeout`).
        public var timedOut = false
        public init(_ description: String, timedOut: Bool = false) {
            self.description = description
            self.timedOut = timedOut
        }
    }

    /// For poll(2) and for `shutdownWriting(_:)` from a signal handler.
    public let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Connects to the socket at `path`; the failure says whether anybody serves it.
    public static func connect(to path: String) throws(Failure) -> UnixStream {
        var a = try UnixSocketFile.address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        let r = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if r < 0 {
            let e = errno
            close(fd)
            switch e {
            case ENOENT, ECONNREFUSED: throw Failure("no bondd is running for \(path) (\(String(cString: strerror(e))))")
            case EACCES, EPERM: throw Failure("permission denied on \(path): run as root")
            default: throw Failure("cannot connect to \(path): \(String(cString: strerror(e)))")
            }
        }
        return UnixStream(fd: fd)
    }

    /// Send and receive timeouts: a blocked call fails after `seconds` (nil: none).
    public func setTimeout(seconds: Double?) {
        let s = seconds ?? 0
        var t = timeval(tv_sec: Int(s), tv_usec: Int((s - s.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes all of `bytes` (MSG_NOSIGNAL: a peer that went away raises no SIGPIPE).
    public func write(_ bytes: [UInt8]) throws(Failure) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                throw Failure(String(cString: strerror(e)), timedOut: e == EAGAIN || e == EWOULDBLOCK)
            }
            off += n
        }
    }

    /// `bytes` and a newline: one line of the protocol.
    public func writeLine(_ bytes: [UInt8]) throws(Failure) { try write(bytes + [UInt8(ascii: "\n")]) }

    /// Reads until a newline or the end of the stream, at most `limit` bytes: the line
    /// without its newline ([] at once at the end), nil past the limit.
    public func readLine(limit: Int) throws(Failure) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                if out.isEmpty { throw Failure(String(cString: strerror(e)), timedOut: e == EAGAIN || e == EWOULDBLOCK) }
                return out
            }
            if n == 0 { return out }
            out += chunk[0..<n]
            if out.count > limit { return nil }
            if let nl = out.firstIndex(of: UInt8(ascii: "\n")) { return Array(out[..<nl]) }
        }
    }

    /// One line read a byte at a time, so that nothing after it leaves the socket (the
    /// rest of a stream stays for `read()`); nil when the stream ended or a receive
    /// timeout passed before any byte.
    public func readLineExactly() -> [UInt8]? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = Glibc.read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 || byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        return line.isEmpty ? nil : line
    }

    /// What arrived (call when `waitReadable` says so): [] if interrupted, nil at the
    /// end of the stream.
    public func read() -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n < 0 { return errno == EINTR ? [] : nil }
        return n == 0 ? nil : Array(chunk[0..<n])
    }

    /// Ends our sending side: the peer reads the end of the stream and wraps up.
    /// Async-signal-safe, so a signal handler may call it with the descriptor.
    public static func shutdownWriting(_ fd: Int32) { shutdown(fd, Int32(SHUT_WR)) }

    /// Waits until some of `streams` can be read, or `milliseconds` pass (nil: no
    /// limit); which ones can.
    public static func waitReadable(_ streams: [UnixStream], milliseconds: Int32?) throws(Failure) -> [Bool] {
        var fds = streams.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let n = poll(&fds, nfds_t(fds.count), milliseconds ?? -1)
        if n < 0 && errno != EINTR { throw Failure("poll: \(String(cString: strerror(errno)))") }
        return fds.map { $0.revents != 0 }
    }
}
