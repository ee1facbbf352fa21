/// Cuts a control request out of the bytes a client sends: one line of at most
/// `limit` bytes. Pure state (no I/O), so the server's reading is tested and fuzzed
/// without a socket.
public struct RequestFramer: Sendable {
    public enum Outcome: Equatable, Sendable {
        /// No newline yet and still within the limit.
        case needMore
        /// The request line, without its newline.
        case line([UInt8])
        /// More than `limit` bytes before a newline.
        case tooLarge
    }

    public let limit: Int
    private var pending: [UInt8] = []
    /// Whether an outcome other than `needMore` was given: nothing more is read then.
    public private(set) var isDone = false

    public init(limit: Int = ControlPaths.maximumRequest) { self.limit = limit }

    /// Takes bytes as they arrive.
    public mutating func append<Bytes: Collection>(_ bytes: Bytes) -> Outcome where Bytes.Element == UInt8 {
        guard !isDone else { return .needMore }
        pending.append(contentsOf: bytes)
        let nl = pending.firstIndex(of: UInt8(ascii: "\n"))
        if let nl, nl <= limit { return finish(.line(Array(pending[..<nl]))) }
        if nl != nil || pending.count > limit { return finish(.tooLarge) }
        return .needMore
    }

    /// The client ended its side: what it sent without a newline is still a request;
    /// nil when it sent nothing.
    public mutating func end() -> Outcome? {
        guard !isDone, !pending.isEmpty else { return nil }
        return finish(.line(pending))
    }

    private mutating func finish(_ o: Outcome) -> Outcome {
        isDone = true
        pending = []
        return o
    }
}
