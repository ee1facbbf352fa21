import Foundation
import Glibc

/// Minimal Unix stream socket helpers for the control channel.
enum UnixSocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func address(_ path: String) throws -> sockaddr_un {
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: a.sun_path) else { throw Failure(description: "socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &a.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return a
    }

    static func connect(to path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var a = try address(path)
        let r = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if r < 0 {
            let e = errno
            close(fd)
            switch e {
            case ENOENT, ECONNREFUSED: throw Failure(description: "no bondd is running for \(path) (\(String(cString: strerror(e))))")
            case EACCES, EPERM: throw Failure(description: "permission denied on \(path): run as root")
            default: throw Failure(description: "cannot connect to \(path): \(String(cString: strerror(e)))")
            }
        }
        return fd
    }

    /// A stream socket bound to `path`, created 0600 (root only from its first moment),
    /// not yet listening.
    static func bind(_ path: String) throws -> Int32 {
        var a = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        let old = umask(0o177)
        let r = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(old)
        guard r == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "cannot listen on \(path): \(e)")
        }
        return fd
    }

    /// Send and receive timeouts: a blocked call fails with EAGAIN after `seconds`.
    static func setTimeout(_ fd: Int32, seconds: Double) {
        var t = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
    }

    static func writeAll(_ fd: Int32, _ data: [UInt8]) -> Bool {
        var off = 0
        while off < data.count {
            // MSG_NOSIGNAL: a peer that went away must not kill the daemon with SIGPIPE.
            let n = data[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; return false }
            off += n
        }
        return true
    }

    /// `data` and a newline: one line of the protocol.
    static func writeLine(_ fd: Int32, _ data: Data) -> Bool {
        writeAll(fd, Array(data) + [UInt8(ascii: "\n")])
    }

    /// Connects to `path` and sends `request`, for a connection that stays open.
    static func openRequest(_ request: ControlRequest, to path: String) throws -> Int32 {
        let fd: Int32
        do { fd = try connect(to: path) } catch { throw ControlClient.Failure(description: "\(error)") }
        guard writeLine(fd, try JSONEncoder().encode(request)) else {
            let e = errno
            close(fd)
            throw ControlClient.Failure(description: "cannot write to \(path): \(String(cString: strerror(e)))")
        }
        return fd
    }

    /// One line read a byte at a time, so that nothing after it leaves the socket;
    /// nil when the stream ended (or a receive timeout passed) before any byte.
    static func readLineExactly(_ fd: Int32) -> [UInt8]? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 || byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        return line.isEmpty ? nil : line
    }

    /// Reads until a newline or end of stream, at most `limit` bytes; nil past the limit.
    static func readLine(_ fd: Int32, limit: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return out }
            if n == 0 { errno = 0; return out }
            out += chunk[0..<n]
            if out.count > limit { return nil }
            if let nl = out.firstIndex(of: UInt8(ascii: "\n")) { return Array(out[..<nl]) }
        }
    }
}
