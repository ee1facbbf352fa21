import BondCore

/// How a trace is replayed: the bond (members, the daemon's options), the direction
/// frames travel, scripted events and the link model.
public struct ReplaySettings: Sendable {
    public enum Direction: String, Sendable, CaseIterable {
        /// Frames the host sent on the bond device: the mode picks members.
        case tx
        /// Frames arriving from the switch: the switch picks the member by what it
        /// learned, the mode admits or drops (balance-alb learns its clients here).
        case rx
        /// A capture of both directions (taken on the bond device): frames from the
        /// bond's MAC were sent, the others arrived.
        case auto
    }

    public var members: [String]
    public var options: [String]
    /// A name for the run in tables and plots (default: the options).
    public var label: String?
    /// Mbit/s per member (1000 when not given).
    public var speeds: [Int] = []
    public var events: [ScriptedEvent] = []
    public var direction: Direction = .tx
    /// The bond's MAC; nil: the source of the first frame (tx) or its destination (rx).
    public var bondMAC: MACAddress?
    /// The series' interval; nil: about 60 intervals over the trace.
    public var intervalNanoseconds: UInt64?
    public var latencyNanoseconds: UInt64 = 10_000
    /// How long the bond has been up when the first frame comes (802.3ad negotiates,
    /// timers find their phase); notes of that time have negative times.
    public var warmupNanoseconds: UInt64 = 0
    /// Frames per second a failover window is priced at (`lostAtRate`).
    public var lossRate: Double?
    public var queueFrames = 1000

    public init(members: [String], options: [String]) {
        self.members = members
        self.options = options
    }

    public var name: String { label ?? (options.isEmpty ? "balance-rr" : options.joined(separator: " ")) }

    /// About 60 intervals over `span`, rounded to 1, 2 or 5 times a power of ten (at least 1 ms).
    public static func interval(for span: UInt64) -> UInt64 {
        let raw = max(span / 60, 1_000_000)
        var unit: UInt64 = 1_000_000
        while true {
            for k: UInt64 in [1, 2, 5] where unit * k >= raw { return unit * k }
            unit *= 10
        }
    }
}
