/// What one run of a policy over a trace came to: the figures the load-balancing
/// literature reports, per member and for the whole run. Encoded as bondsim's JSON
/// (keys in snake_case, members in member order).
public struct RunReport: Codable, Sendable {
    public struct MemberFigures: Codable, Sendable {
        public var name: String
        public var txFrames = 0
        public var txBytes = 0
        /// Shares of all frames and bytes sent (0 when nothing was sent).
        public var frameShare = 0.0
        public var byteShare = 0.0
        /// Frames sent to this member while its link passed nothing (a failover window).
        public var lostFrames = 0
        /// Frames dropped by the link model's full transmit queue.
        public var queueDrops = 0
        /// Received (rx direction): copies the switch delivered, and those the bond took.
        public var rxFrames = 0
        public var rxAdmitted = 0
        public var rxAdmittedBytes = 0
        /// Learning frames, RARPs and gratuitous ARPs/NAs that left on it.
        public var announcements = 0
        public var controlFrames = 0
        /// balance-alb clients taught this member's MAC (at the end of the run).
        public var albClients = 0
        public init(name: String) { self.name = name }
    }

    public struct Imbalance: Codable, Sendable {
        /// Of bytes per member over the run: max/mean, coefficient of variation, Jain's index.
        public var peakToMean: Double?
        public var coefficientOfVariation: Double?
        public var jainIndex: Double?
        /// Max/mean over each interval of the series among the members usable in it,
        /// averaged over intervals with traffic: how even the load is at each moment.
        public var meanIntervalPeakToMean: Double?
        public var meanIntervalJainIndex: Double?
    }

    public struct Flows: Codable, Sendable {
        public var count = 0
        /// Times a flow's frame left on another member than its previous frame.
        public var memberChanges = 0
        /// Flows that used more than one member.
        public var flowsOnSeveralMembers = 0
        /// RFC 4737: reordered packets over packets, at the far end of the link model.
        public var reorderedRatio = 0.0
        public var reorderedPackets = 0
        public var reorderedFlows = 0
    }

    public struct EventFigures: Codable, Sendable {
        public var atSeconds: Double
        public var event: String
        /// Refused by the daemon's rules: why (the run went on without it).
        public var refused: String?
        /// Flows seen before and after, how many moved, and how many had to.
        public var flowsCompared = 0
        public var flowsMoved = 0
        public var flowsForced = 0
        public var flowsNeedlesslyMoved = 0
        /// Frames sent to a member that passed nothing: in the failover window this
        /// event opened (or, for a failure it did not cause, after it).
        public var lostFrames = 0
        /// For `down` and `fail` of a member that carried traffic: how long the bond
        /// kept sending to it (0: it stopped at once; nil: not by the end of the run).
        public var failoverWindowMs: Double?
        /// What that window loses at `--rate` frames per second.
        public var lostAtRate: Int?
    }

    public struct Timeline: Codable, Sendable {
        public var atSeconds: Double
        public var what: String
    }

    public struct Series: Codable, Sendable {
        public var intervalSeconds: Double
        /// Per interval, per member (member order): frames and bytes sent (rx: admitted).
        public var frames: [[Int]] = []
        public var bytes: [[Int]] = []
        /// Per interval, the members that could transmit at some time in it.
        public var usableMembers: [[Int]] = []
    }

    /// Flows (the heaviest, at most 64) and the member each used per interval (-1: silent).
    public struct FlowMap: Codable, Sendable {
        public var flows: [String] = []
        public var members: [[Int]] = []
    }

    public var policy: String
    public var options: [String]
    public var direction: String
    public var durationSeconds: Double
    public var frames = 0
    public var bytes = 0
    /// Frames no member could take (none up), and frames the parser refused.
    public var dropped = 0
    public var unparsed = 0
    public var members: [MemberFigures]
    public var imbalance = Imbalance()
    public var flows = Flows()
    public var events: [EventFigures] = []
    public var timeline: [Timeline] = []
    public var failovers = 0
    /// MAC moves the switch saw (a MAC learned on another port than before).
    public var macMoves = 0
    public var macMovesPerMinute = 0.0
    public var series: Series
    public var flowMap = FlowMap()
}
