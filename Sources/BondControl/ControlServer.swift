import Foundation
import Glibc

/// Serves a bond's control socket on its own thread: one JSON request per connection,
/// from root only (mode 0600 and the peer's credentials checked).
public final class ControlServer: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let handler: @Sendable (ControlRequest) -> ControlReply
    private let stream: Stream?
    private var thread: Thread?

    /// Serves a request that keeps its connection (`events`) on a thread of its own,
    /// writing lines until the peer goes or it has nothing more to say.
    public typealias Stream = @Sendable (ControlRequest, LineWriter) -> Void
    /// The commands answered by `stream` rather than `handler`.
    private static let streamingCommands: Set<String> = ["events", "capture"]

    public struct SetupError: Error, CustomStringConvertible { public var description: String }

    public init(path: String, handler: @escaping @Sendable (ControlRequest) -> ControlReply, stream: Stream? = nil) throws {
        self.path = path
        self.handler = handler
        self.stream = stream
        let dir = (path as NSString).deletingLastPathComponent
        if mkdir(dir, 0o755) < 0 && errno != EEXIST {
            throw SetupError(description: "cannot create \(dir): \(String(cString: strerror(errno)))")
        }
        // A socket file with nobody behind it is left over from a crash; a live one
        // means another daemon owns this bond.
        var st = stat()
        if lstat(path, &st) == 0 {
            // Never remove what is not a socket: a mistyped --socket must not cost a file.
            guard st.st_mode & S_IFMT == S_IFSOCK else {
                throw SetupError(description: "\(path) exists and is not a socket; choose another --socket path")
            }
            if let other = try? UnixSocket.connect(to: path) {
                close(other)
                throw SetupError(description: "another bondd already serves \(path)")
            }
            unlink(path)
        }
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SetupError(description: "socket: \(String(cString: strerror(errno)))") }
        var a = try UnixSocket.address(path)
        let old = umask(0o177)
        let r = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(old)
        guard r == 0, chmod(path, 0o600) == 0, listen(fd, 16) == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw SetupError(description: "cannot listen on \(path): \(e)")
        }
    }

    public func start() {
        let t = Thread { [self] in acceptLoop() }
        t.name = "bondd-control"
        t.start()
        thread = t
    }

    /// Stops accepting and removes the socket file.
    public func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }

    private func acceptLoop() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            if !serve(c) { close(c) }
        }
    }

    /// Answers one connection. Returns true when a stream took it over (and closes it).
    private func serve(_ c: Int32) -> Bool {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var cred = PeerCredentials()
        var len = socklen_t(MemoryLayout<PeerCredentials>.size)
        let reply: ControlReply
        // The request is read before anything is judged, so that a refused client has
        // finished writing when the answer comes, and reads it rather than EPIPE.
        let line = UnixSocket.readLine(c, limit: ControlPaths.maximumRequest)
        if getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != 0 {
            reply = .failure("permission denied: the control socket accepts root only")
        } else if let line {
            if let request = try? JSONDecoder().decode(ControlRequest.self, from: Data(line)) {
                if Self.streamingCommands.contains(request.command), let stream {
                    let writer = LineWriter(fd: c)
                    let t = Thread {
                        stream(request, writer)
                        close(c)
                    }
                    t.name = "bondd-stream"
                    t.start()
                    return true
                }
                reply = handler(request)
            } else {
                reply = .failure("malformed request: expected one JSON object with a \"command\"")
            }
        } else {
            reply = .failure("request too large (limit \(ControlPaths.maximumRequest) bytes)")
        }
        _ = LineWriter(fd: c).send(reply)
        return false
    }
}

/// Writes JSON lines to a streaming client and notices when it goes away.
public final class LineWriter: @unchecked Sendable {
    private let fd: Int32
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    init(fd: Int32) { self.fd = fd }

    /// One value as a JSON line; false when the peer is gone.
    public func send<T: Encodable>(_ value: T) -> Bool {
        guard let data = try? encoder.encode(value) else { return false }
        return UnixSocket.writeLine(fd, data)
    }

    /// The peer closed its end (checked between writes, when there is nothing to send).
    public var peerClosed: Bool {
        // POLLRDHUP (glibc hides it without _GNU_SOURCE): the peer shut its side.
        let readHangUp: Int16 = 0x2000
        var p = pollfd(fd: fd, events: Int16(POLLIN) | readHangUp, revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        if p.revents & (readHangUp | Int16(POLLHUP) | Int16(POLLERR)) != 0 { return true }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) == 0
    }
}

/// struct ucred (glibc hides it without _GNU_SOURCE): what SO_PEERCRED returns.
private struct PeerCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = .max
    var gid: UInt32 = .max
}
