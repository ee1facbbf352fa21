/// What a mode would do with a frame, without doing it (no bucket gets assigned):
/// the answer to `bondctl hash`.
public struct HashExplanation: Codable, Sendable, Equatable {
    /// The hash the mode uses, if it hashes.
    public var hash: UInt32?
    public var bucket: Int?
    /// The member index, or nil when the frame would be dropped.
    public var member: Int?
    public var reason: String
}
