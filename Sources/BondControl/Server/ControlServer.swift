import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SystemIO

/// Serves a bond's control socket: one JSON request per connection, from root only
/// (mode 0600 and the peer's credentials checked).
///
/// Connections are served concurrently on one shared event loop: a client that is idle,
/// slow or never finishes its line costs only its own connection, and is closed at its
/// deadline. Work that waits on a bond's engine runs on a thread pool, a stream
/// (`events`, `capture`) on a thread of its own, so the event loop never waits and the
/// engine never waits on a client. Accept errors such as EMFILE back off and retry
/// (NIO's accept backoff) instead of ending the server.
public final class ControlServer: @unchecked Sendable {
    public let path: String
    let handler: @Sendable (ControlRequest) -> ControlReply
    let stream: Stream?
    let limits: Limits
    private let channel: Channel
    /// The socket file this server bound: stop removes it only if it is still that one.
    private let identity: [Int]
    /// Connections open now, and how many of them are streams.
    let census = NIOLockedValueBox(Census())

    /// Serves a request that keeps its connection (`events`) on a thread of its own,
    /// writing lines until the peer goes or it has nothing more to say.
    public typealias Stream = @Sendable (ControlRequest, LineWriter) -> Void
    /// The commands answered by `stream` rather than `handler`.
    public struct SetupError: Error, CustomStringConvertible { public var description: String }

    /// Bounds on what one client, and all of them together, may hold.
    public struct Limits: Sendable {
        /// From connection to a complete request line: a client that trickles bytes or
        /// sends nothing is closed then.
        public var requestDeadline: Double = 5
        /// For a reply (or one streamed line) to leave: a client that does not read is
        /// closed then.
        public var writeDeadline: Double = 10
        /// Connections open at once; beyond, a new one is told so and closed.
        public var connections = 64
        /// Streams (`events`, `capture`) open at once.
        public var streams = 16
        public init() {}

        static func amount(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(seconds * 1e9)) }
    }

    struct Census { var connections = 0; var streams = 0 }

    public init(
        path: String, limits: Limits = Limits(), handler: @escaping @Sendable (ControlRequest) -> ControlReply,
        stream: Stream? = nil
    ) throws {
        self.path = path
        self.handler = handler
        self.stream = stream
        self.limits = limits
        let dir = (path as NSString).deletingLastPathComponent
        do { try UnixSocketFile.makeDirectory(dir) } catch { throw SetupError(description: error.description) }
        // A socket file with nobody behind it is left over from a crash; a live one
        // means another daemon owns this bond.
        switch UnixSocketFile.entry(at: path) {
        case .none: break
        case .other:
            // Never remove what is not a socket: a mistyped --socket must not cost a file.
            throw SetupError(description: "\(path) exists and is not a socket; choose another --socket path")
        case .socket:
            if UnixSocketFile.answers(path) { throw SetupError(description: "another bondd already serves \(path)") }
            UnixSocketFile.remove(path)
        }
        let box = ServerBox()
        let bootstrap = ServerBootstrap(group: ServerThreads.loop)
            .serverChannelOption(.backlog, value: 64)
            // Nothing is accepted before start(): until then the bond does not exist.
            .serverChannelOption(.autoRead, value: false)
            // A client may end its side after the request (capture ends early so).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                guard let server = box.server else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ControlConnection(server: server))
                }
            }
        // Bound here rather than by NIO, whose close removes whatever file is at the path
        // by then: after a reload that is the next server's socket.
        let fd: Int32
        do { fd = try UnixSocketFile.bind(path) } catch { throw SetupError(description: error.description) }
        do {
            channel = try bootstrap.withBoundSocket(fd).wait()
        } catch {
            UnixSocketFile.release(fd)
            UnixSocketFile.remove(path)
            throw SetupError(description: "cannot listen on \(path): \(error)")
        }
        identity = UnixSocketFile.identity(of: path)
        box.server = self
    }

    public func start() {
        channel.setOption(.autoRead, value: true).whenComplete { _ in }
    }

    /// Stops accepting and removes the socket file. Requests already read are still
    /// answered; streams end with their bond.
    public func stop() {
        try? channel.close().wait()
        guard UnixSocketFile.identity(of: path) == identity else { return }
        // Same inode and change time can still be a new file (both are reused within a
        // clock tick): one that answers is another server's.
        if UnixSocketFile.answers(path) { return }
        UnixSocketFile.remove(path)
    }
}

/// Lets the child initializer reach the server once init has finished.
private final class ServerBox: @unchecked Sendable {
    private let lock = NIOLock()
    private var _server: ControlServer?
    var server: ControlServer? {
        get { lock.withLock { _server } }
        set { lock.withLock { _server = newValue } }
    }
}

/// The threads every control server of this process shares: one event loop for all
/// connections, and a pool for the work that waits on an engine (a `show` waits for the
/// engine's next loop turn, a `reload` for bonds to stop and start).
enum ServerThreads {
    static let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    static let pool: NIOThreadPool = {
        let p = NIOThreadPool(numberOfThreads: 8)
        p.start()
        return p
    }()
}
