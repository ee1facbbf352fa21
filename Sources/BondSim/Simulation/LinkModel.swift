/// Each member as a link the frames cross: a FIFO that serializes at the member's
/// speed (with Ethernet's 20 bytes of preamble and gap per frame), a fixed latency
/// beyond, and a transmit queue of `queueFrames` full-size frames, past which frames
/// are dropped as a qdisc would. Arrival order across members is what reorders a flow.
public struct LinkModel: Sendable {
    public var speedsMbps: [Int]
    public var latencyNanoseconds: UInt64
    public var queueFrames: Int
    /// When each member's queue is empty again.
    var busyUntil: [UInt64]
    public private(set) var queueDrops: [Int]

    public init(speedsMbps: [Int], latencyNanoseconds: UInt64 = 10_000, queueFrames: Int = 1000) {
        self.speedsMbps = speedsMbps.map { max($0, 1) }
        self.latencyNanoseconds = latencyNanoseconds
        self.queueFrames = queueFrames
        busyUntil = Array(repeating: 0, count: speedsMbps.count)
        queueDrops = Array(repeating: 0, count: speedsMbps.count)
    }

    mutating func grow(to n: Int) {
        while speedsMbps.count < n {
            speedsMbps.append(1000)
            busyUntil.append(0)
            queueDrops.append(0)
        }
    }

    func serialization(_ bytes: Int, on m: Int) -> UInt64 {
        UInt64(bytes + 20) * 8_000 / UInt64(speedsMbps[m])
    }

    /// A frame of `bytes` enters member `m`'s queue at `t`: when it reaches the far
    /// end, or nil when the queue was full.
    public mutating func send(_ bytes: Int, on m: Int, at t: UInt64) -> UInt64? {
        grow(to: m + 1)
        let start = max(t, busyUntil[m])
        if start - t > UInt64(queueFrames) * serialization(1514, on: m) {
            queueDrops[m] += 1
            return nil
        }
        busyUntil[m] = start + serialization(bytes, on: m)
        return busyUntil[m] + latencyNanoseconds
    }
}
