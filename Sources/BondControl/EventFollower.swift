import BondCore
import Foundation
import SystemIO

/// `bondctl events`: a connection to one bond that streams its state changes.
public final class EventFollower {
    public let path: String
    /// For `UnixStream.waitReadable`.
    public let stream: UnixStream
    private var buffer: [UInt8] = []

    /// Connects and asks for events; throws the daemon's refusal or why it cannot connect.
    public init(path: String) throws {
        self.path = path
        stream = try ControlClient.open(ControlRequest(command: .events), to: path)
        // The daemon answers at once; a silent one is not waited for forever.
        stream.setTimeout(seconds: 5)
        guard let first = stream.readLineExactly(),
            let reply = try? JSONDecoder().decode(ControlReply.self, from: Data(first))
        else {
            throw ControlClient.Failure(description: "no reply from \(path)")
        }
        guard reply.ok else { throw ControlClient.Failure(description: reply.error ?? "events refused") }
        stream.setTimeout(seconds: nil)
    }

    /// The changes that arrived (call when the stream is readable); nil at the end of
    /// the stream (the bond stopped).
    public func read() -> [StateChange]? {
        guard let bytes = stream.read() else { return nil }
        buffer += bytes
        var out: [StateChange] = []
        while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(buffer[..<nl])
            buffer.removeSubrange(...nl)
            if let c = try? JSONDecoder().decode(StateChange.self, from: Data(line)) { out.append(c) }
        }
        return out
    }
}
