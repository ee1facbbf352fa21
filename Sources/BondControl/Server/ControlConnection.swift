import Foundation
import Glibc
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One control connection, from its first byte to its close: reads one request line
/// (within the server's request deadline and size limit), checks the peer is root,
/// and hands the request to the server's handler on the thread pool or to its stream on
/// a thread of its own. Lives on the event loop; never blocks it.
final class ControlConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: ControlServer
    private var framer = RequestFramer()
    private var answered = false
    private var counted = false
    private var deadline: Scheduled<Void>?
    /// The peer's user id, read once at connection (SO_PEERCRED).
    private var peer: EventLoopFuture<PeerCredentials>?
    /// Set when the peer closes its side or goes: a stream checks it between lines.
    let peerGone = NIOLockedValueBox(false)

    init(server: ControlServer) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        let admitted = server.census.withLockedValue { c -> Bool in
            guard c.connections < server.limits.connections else { return false }
            c.connections += 1
            return true
        }
        counted = admitted
        guard admitted else {
            answer(.failure("bondd is busy: \(server.limits.connections) control connections are open; try again"), context: context)
            return
        }
        peer =
            (context.channel as? SocketOptionProvider)?.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)) as EventLoopFuture<PeerCredentials>?
        let limit = ControlServer.Limits.amount(server.limits.requestDeadline)
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: limit) { channel.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        peerGone.withLockedValue { $0 = true }
        deadline?.cancel()
        if counted { server.census.withLockedValue { $0.connections -= 1 } }
        counted = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard !answered else { return }  // past the request: nothing more is read
        switch framer.append(bytes.readableBytesView) {
        case .needMore: break
        case .line(let line): request(line, context: context)
        case .tooLarge: answer(.failure("request too large (limit \(ControlPaths.maximumRequest) bytes)"), context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let e = event as? ChannelEvent, e == .inputClosed else { return context.fireUserInboundEventTriggered(event) }
        peerGone.withLockedValue { $0 = true }
        // A request without its newline, then the end of the client's side: still a request.
        if !answered {
            if case .line(let line) = framer.end() { request(line, context: context) } else { context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    /// The request is read before anything is judged, so that a refused client has
    /// finished writing when the answer comes, and reads it rather than EPIPE.
    private func request(_ line: [UInt8], context: ChannelHandlerContext) {
        answered = true
        deadline?.cancel()
        let loop = context.eventLoop
        let channel = context.channel
        let peer = self.peer ?? loop.makeFailedFuture(ChannelError.operationUnsupported)
        peer.whenComplete { [self] result in
            guard case .success(let cred) = result, cred.uid == 0 else {
                return reply(.failure("permission denied: the control socket accepts root only"), on: channel)
            }
            let request: ControlRequest
            do { request = try JSONDecoder().decode(ControlRequest.self, from: Data(line)) } catch {
                if let unknown = UnknownCommand.within(error) { return reply(.failure(unknown.description), on: channel) }
                return reply(.failure("malformed request: expected one JSON object with a \"command\""), on: channel)
            }
            if request.command.isStreaming, let stream = server.stream {
                startStream(request, stream, on: channel)
                return
            }
            let handler = server.handler
            ServerThreads.pool.runIfActive(eventLoop: loop) { handler(request) }.whenComplete { [self] result in
                switch result {
                case .success(let r): reply(r, on: channel)
                case .failure: channel.close(promise: nil)
                }
            }
        }
    }

    private func startStream(_ request: ControlRequest, _ stream: @escaping ControlServer.Stream, on channel: Channel) {
        let admitted = server.census.withLockedValue { c -> Bool in
            guard c.streams < server.limits.streams else { return false }
            c.streams += 1
            return true
        }
        guard admitted else {
            return reply(.failure("bondd is busy: \(server.limits.streams) event or capture streams are open; try again"), on: channel)
        }
        let writer = LineWriter(channel: channel, peerGone: peerGone, deadline: ControlServer.Limits.amount(server.limits.writeDeadline))
        let census = server.census
        let t = Thread {
            stream(request, writer)
            census.withLockedValue { $0.streams -= 1 }
            channel.close(promise: nil)
        }
        t.name = "bondd-stream"
        t.start()
    }

    private func answer(_ r: ControlReply, context: ChannelHandlerContext) {
        answered = true
        deadline?.cancel()
        reply(r, on: context.channel)
    }

    /// One reply line, then the connection closes; a client that does not read it is
    /// closed at the write deadline all the same.
    private func reply(_ r: ControlReply, on channel: Channel) {
        var buffer = channel.allocator.buffer(capacity: 256)
        buffer.writeBytes(LineWriter.line(r) ?? [])
        let late = channel.eventLoop.scheduleTask(in: ControlServer.Limits.amount(server.limits.writeDeadline)) { channel.close(promise: nil) }
        channel.writeAndFlush(buffer).whenComplete { _ in
            late.cancel()
            channel.close(promise: nil)
        }
    }
}

/// struct ucred (glibc hides it without _GNU_SOURCE): what SO_PEERCRED returns.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = .max
    var gid: UInt32 = .max
}
