import Foundation
import Glibc

/// Sends one request to a bond's control socket and returns the reply.
public enum ControlClient {
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// The default time a request may take, connection to reply: a daemon that stalls
    /// must not hang the caller (a script, a monitoring probe) for ever.
    public static let defaultTimeout: Double = 10

    public static func send(_ request: ControlRequest, to path: String, timeout: Double = defaultTimeout) throws -> ControlReply {
        let fd: Int32
        do { fd = try UnixSocket.connect(to: path) } catch { throw Failure(description: "\(error)") }
        defer { close(fd) }
        UnixSocket.setTimeout(fd, seconds: timeout)
        let written = UnixSocket.writeLine(fd, try JSONEncoder().encode(request))
        let writeError = errno
        // Even a refused write may have an answer waiting (the daemon says why it closed).
        let line = UnixSocket.readLine(fd, limit: 16 << 20)
        let readError = errno
        guard let line, !line.isEmpty else {
            if !written && (writeError == EAGAIN || writeError == EWOULDBLOCK) || readError == EAGAIN || readError == EWOULDBLOCK {
                throw Failure(description: "bondd did not answer on \(path) within \(timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)) s (see --timeout)")
            }
            if !written { throw Failure(description: "cannot write to \(path): \(String(cString: strerror(writeError)))") }
            throw Failure(description: "no reply from \(path)")
        }
        do { return try JSONDecoder().decode(ControlReply.self, from: Data(line)) }
        catch { throw Failure(description: "unreadable reply from \(path)") }
    }
}
