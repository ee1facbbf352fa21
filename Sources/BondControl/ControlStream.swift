import Foundation
import SystemIO

/// A request whose connection stays open (`capture`): replies arrive as lines, and the
/// client may end it early by closing its sending side.
public final class ControlStream {
    private let stream: UnixStream
    public let path: String
    /// For `finish(_:)` from a signal handler.
    public var fd: Int32 { stream.fd }

    public init(_ request: ControlRequest, to path: String) throws {
        self.path = path
        stream = try ControlClient.open(request, to: path)
    }

    /// The next reply line, waiting as long as it takes; nil when the daemon closed.
    public func nextReply() -> ControlReply? {
        guard let line = stream.readLineExactly() else { return nil }
        return try? JSONDecoder().decode(ControlReply.self, from: Data(line))
    }

    /// Tells the daemon to wrap up (async-signal-safe: a signal handler may call it).
    public static func finish(_ fd: Int32) { UnixStream.shutdownWriting(fd) }
}
