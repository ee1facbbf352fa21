import Foundation
import Glibc

/// A request whose connection stays open (`capture`): replies arrive as lines, and the
/// client may end it early by closing its sending side.
public final class ControlStream {
    public let fd: Int32
    public let path: String

    public init(_ request: ControlRequest, to path: String) throws {
        self.path = path
        fd = try UnixSocket.openRequest(request, to: path)
    }

    deinit { close(fd) }

    /// The next reply line, waiting as long as it takes; nil when the daemon closed.
    public func nextReply() -> ControlReply? {
        guard let line = UnixSocket.readLineExactly(fd) else { return nil }
        return try? JSONDecoder().decode(ControlReply.self, from: Data(line))
    }

    /// Tells the daemon to wrap up (async-signal-safe: a signal handler may call it).
    public static func finish(_ fd: Int32) { shutdown(fd, Int32(SHUT_WR)) }
}
