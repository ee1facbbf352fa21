import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves `GET /metrics` over HTTP/1.1 (keep-alive as Prometheus uses it).
///
/// Connections are served concurrently on one event loop: idle ones cost nothing and
/// are closed after `idleTimeout`; beyond `maximumConnections` a new one is closed at
/// once. Rendering reads every bond's status, which waits on the engines, so it runs on
/// a thread pool and never on the event loop.
public final class MetricsServer: @unchecked Sendable {
    public let address: String
    private let channel: Channel
    public static let maximumConnections = 64
    public static let idleTimeout: TimeAmount = .seconds(30)

    public struct SetupError: Error, CustomStringConvertible { public var description: String }

    static let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    static let pool: NIOThreadPool = {
        let p = NIOThreadPool(numberOfThreads: 2)
        p.start()
        return p
    }()

    /// `address` is HOST:PORT, with an IPv4 or a bracketed IPv6 host ("[::1]:9469").
    /// The port is bound here; nothing is accepted before `start()`.
    public init(address: String, render: @escaping @Sendable () -> [UInt8]) throws {
        self.address = address
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw SetupError(description: "--metrics: '\(address)' is not HOST:PORT (e.g. 127.0.0.1:9469)")
        }
        var host = String(address[..<colon])
        let v6 = host.hasPrefix("[") && host.hasSuffix("]")
        if v6 { host = String(host.dropFirst().dropLast()) }
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(ipAddress: host, port: port)
        } catch {
            throw SetupError(
                description: v6
                    ? "--metrics: '\(host)' is not an IPv6 address"
                    : "--metrics: '\(host)' is not an IPv4 address (IPv6 goes in brackets: [::1]:9469)")
        }
        if v6 != (socketAddress.protocol == .inet6) {
            throw SetupError(description: "--metrics: '\(host)' is not an IPv4 address (IPv6 goes in brackets: [::1]:9469)")
        }
        let open = ConnectionCount()
        let bootstrap = ServerBootstrap(group: Self.loop)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: false)
            .childChannelInitializer { channel in
                guard open.admit() else { return channel.close() }
                channel.closeFuture.whenComplete { _ in open.leave() }
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: Self.idleTimeout),
                        MetricsHandler(render: render, pool: Self.pool),
                    ])
                }
            }
        do { channel = try bootstrap.bind(to: socketAddress).wait() } catch {
            throw SetupError(description: "--metrics: cannot listen on \(address): \(Self.reason(error))")
        }
    }

    /// "Address already in use" rather than NIO's description of the call.
    private static func reason(_ error: Error) -> String {
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        return "\(error)"
    }

    public func start() {
        channel.setOption(.autoRead, value: true).whenComplete { _ in }
    }

    public func stop() {
        try? channel.close().wait()
    }
}

/// Connections open now, against `MetricsServer.maximumConnections`.
private final class ConnectionCount: @unchecked Sendable {
    private let lock = NSLock()
    private var open = 0
    func admit() -> Bool {
        lock.withLock {
            guard open < MetricsServer.maximumConnections else { return false }
            open += 1
            return true
        }
    }
    func leave() { lock.withLock { open -= 1 } }
}

/// Answers each request of one connection in turn.
private final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let render: @Sendable () -> [UInt8]
    private let pool: NIOThreadPool
    private var head: HTTPRequestHead?

    init(render: @escaping @Sendable () -> [UInt8], pool: NIOThreadPool) { self.render = render; self.pool = pool }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let h = head else { return }
            head = nil
            respond(to: h, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    private func respond(to h: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = h.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? h.uri
        let channel = context.channel
        let send = { [self] (status: HTTPResponseStatus, type: String, body: [UInt8]) in
            write(status, type, body, head: h, on: channel)
        }
        guard h.method == .GET || h.method == .HEAD else {
            return send(.methodNotAllowed, "text/plain", Array("only GET\n".utf8))
        }
        switch path {
        case "/metrics":
            pool.runIfActive(eventLoop: context.eventLoop, render).whenComplete { result in
                switch result {
                case .success(let body): send(.ok, "text/plain; version=0.0.4; charset=utf-8", body)
                case .failure: send(.serviceUnavailable, "text/plain", Array("bondd is stopping\n".utf8))
                }
            }
        case "/": send(.ok, "text/plain", Array("bondd: metrics at /metrics\n".utf8))
        default: send(.notFound, "text/plain", Array("not found; metrics are at /metrics\n".utf8))
        }
    }

    private func write(_ status: HTTPResponseStatus, _ type: String, _ body: [UInt8], head h: HTTPRequestHead, on channel: Channel) {
        var headers = HTTPHeaders([("Content-Type", type), ("Content-Length", String(body.count))])
        if !h.isKeepAlive { headers.add(name: "Connection", value: "close") }
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: h.version, status: status, headers: headers)), promise: nil)
        if h.method != .HEAD {
            var buffer = channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        }
        let keepAlive = h.isKeepAlive
        channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
