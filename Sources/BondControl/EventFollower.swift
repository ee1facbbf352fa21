import BondCore
import Foundation
import Glibc

/// `bondctl events`: a connection to one bond that streams its state changes.
public final class EventFollower {
    public let path: String
    public let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects and asks for events; throws the daemon's refusal or why it cannot connect.
    public init(path: String) throws {
        self.path = path
        fd = try UnixSocket.openRequest(ControlRequest(command: .events), to: path)
        // The daemon answers at once; a silent one is not waited for forever.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let first = UnixSocket.readLineExactly(fd),
              let reply = try? JSONDecoder().decode(ControlReply.self, from: Data(first)) else {
            close(fd)
            throw ControlClient.Failure(description: "no reply from \(path)")
        }
        guard reply.ok else {
            close(fd)
            throw ControlClient.Failure(description: reply.error ?? "events refused")
        }
        var none = timeval()
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// The changes that arrived (call when poll says `fd` is readable); nil at the end
    /// of the stream (the bond stopped).
    public func read() -> [StateChange]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return n < 0 && errno == EINTR ? [] : nil }
        buffer += chunk[0..<n]
        var out: [StateChange] = []
        while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(buffer[..<nl])
            buffer.removeSubrange(...nl)
            if let c = try? JSONDecoder().decode(StateChange.self, from: Data(line)) { out.append(c) }
        }
        return out
    }
}
