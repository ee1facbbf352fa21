/// RFC 4737's reordered-packet ratio, per flow: a packet is reordered when its sequence
/// number is below the next one expected (the highest seen plus one); an in-order packet
/// raises the expectation. Sequence numbers are the order the sender sent the flow's
/// packets in; packets are recorded in the order they arrive.
public struct ReorderingCounter<Flow: Hashable>: Sendable where Flow: Sendable {
    private var nextExpected: [Flow: UInt64] = [:]
    public private(set) var packets = 0
    public private(set) var reordered = 0
    /// Flows with at least one reordered packet.
    public private(set) var reorderedFlows: Set<Flow> = []

    public init() {}

    public mutating func arrived(flow: Flow, sequence: UInt64) {
        packets += 1
        let expected = nextExpected[flow] ?? 0
        if sequence >= expected {
            nextExpected[flow] = sequence + 1
        } else {
            reordered += 1
            reorderedFlows.insert(flow)
        }
    }

    /// Reordered packets over all packets (0 when there were none).
    public var ratio: Double { packets == 0 ? 0 : Double(reordered) / Double(packets) }
}
