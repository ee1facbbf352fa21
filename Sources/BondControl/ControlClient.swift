import Foundation
import SystemIO

/// Sends one request to a bond's control socket and returns the reply.
public enum ControlClient {
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// The default time a request may take, connection to reply: a daemon that stalls
    /// must not hang the caller (a script, a monitoring probe) for ever.
    public static let defaultTimeout: Double = 10

    public static func send(_ request: ControlRequest, to path: String, timeout: Double = defaultTimeout) throws -> ControlReply {
        let stream: UnixStream
        do { stream = try UnixStream.connect(to: path) } catch { throw Failure(description: error.description) }
        stream.setTimeout(seconds: timeout)
        var writeFailure: UnixStream.Failure?
        do { try stream.writeLine(Array(try JSONEncoder().encode(request))) } catch let e as UnixStream.Failure { writeFailure = e }
        let seconds = timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)
        let tooLate = Failure(description: "bondd did not answer on \(path) within \(seconds) s (see --timeout)")
        // Even a refused write may have an answer waiting (the daemon says why it closed).
        let line: [UInt8]?
        do { line = try stream.readLine(limit: 16 << 20) } catch {
            if error.timedOut || writeFailure?.timedOut == true { throw tooLate }
            if let w = writeFailure { throw Failure(description: "cannot write to \(path): \(w)") }
            throw Failure(description: "no reply from \(path)")
        }
        guard let line, !line.isEmpty else {
            if writeFailure?.timedOut == true { throw tooLate }
            if let w = writeFailure { throw Failure(description: "cannot write to \(path): \(w)") }
            throw Failure(description: "no reply from \(path)")
        }
        do { return try JSONDecoder().decode(ControlReply.self, from: Data(line)) } catch { throw Failure(description: unreadable(line, from: path)) }
    }

    /// Why a reply does not decode, for the user: a bondd of another version (still
    /// running after an upgrade, say) is named as such.
    static func unreadable(_ line: [UInt8], from path: String) -> String {
        struct Versioned: Decodable { var version: Int? }
        let version = (try? JSONDecoder().decode(Versioned.self, from: Data(line)))?.version
        guard version != ControlProtocol.version else { return "unreadable reply from \(path)" }
        let theirs = version.map { "version \($0)" } ?? "an older version"
        return
            "bondd at \(path) speaks control protocol \(theirs), this bondctl version \(ControlProtocol.version): restart bondd, or use the bondctl that came with it"
    }

    /// Connects to `path` and sends `request`, for a connection that stays open.
    static func open(_ request: ControlRequest, to path: String) throws -> UnixStream {
        let stream: UnixStream
        do { stream = try UnixStream.connect(to: path) } catch { throw Failure(description: error.description) }
        do { try stream.writeLine(Array(try JSONEncoder().encode(request))) } catch let e as UnixStream.Failure {
            throw Failure(description: "cannot write to \(path): \(e)")
        }
        return stream
    }
}
