import Foundation
import Glibc

/// A request whose connection stays open (`capture`): replies arrive as lines, and the
/// client may end it early by closing its sending side.
public final class ControlStream {
    public let fd: Int32
    public let path: String

    public init(_ request: ControlRequest, to path: String) throws {
        self.path = path
        do { fd = try UnixSocket.connect(to: path) } catch { throw ControlClient.Failure(description: "\(error)") }
        let data = try JSONEncoder().encode(request)
        guard UnixSocket.writeAll(fd, Array(data) + [UInt8(ascii: "\n")]) else {
            close(fd)
            throw ControlClient.Failure(description: "cannot write to \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// The next reply line, waiting as long as it takes; nil when the daemon closed.
    public func nextReply() -> ControlReply? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = Glibc.read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        guard !line.isEmpty else { return nil }
        return try? JSONDecoder().decode(ControlReply.self, from: Data(line))
    }

    /// Tells the daemon to wrap up (async-signal-safe: a signal handler may call it).
    public static func finish(_ fd: Int32) { shutdown(fd, Int32(SHUT_WR)) }
}
