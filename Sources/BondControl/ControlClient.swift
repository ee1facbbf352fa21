import Foundation
import Glibc

/// Sends one request to a bond's control socket and returns the reply.
public enum ControlClient {
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    public static func send(_ request: ControlRequest, to path: String) throws -> ControlReply {
        let fd: Int32
        do { fd = try UnixSocket.connect(to: path) } catch { throw Failure(description: "\(error)") }
        defer { close(fd) }
        let written = UnixSocket.writeLine(fd, try JSONEncoder().encode(request))
        let writeError = errno
        // Even a refused write may have an answer waiting (the daemon says why it closed).
        guard let line = UnixSocket.readLine(fd, limit: 16 << 20), !line.isEmpty else {
            if !written { throw Failure(description: "cannot write to \(path): \(String(cString: strerror(writeError)))") }
            throw Failure(description: "no reply from \(path)")
        }
        do { return try JSONDecoder().decode(ControlReply.self, from: Data(line)) }
        catch { throw Failure(description: "unreadable reply from \(path)") }
    }
}
