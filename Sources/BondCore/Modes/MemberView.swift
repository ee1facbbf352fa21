/// What a mode may look at when it decides: which members may transmit, and the
/// active member. The engine rebuilds it on state changes, never per frame.
public struct MemberView: Sendable {
    public var usable: [Int]
    public var active: Int?
    /// Link speed in Mbit/s by member index (balance-tlb weighs members by it).
    public var speeds: [Int]
    /// The bond's own MAC: frames from any other source are bridged guests' (per-VIF
    /// hashing), unless from `hostMACs`.
    public var bondMAC: MACAddress
    /// The MACs of the host's devices above the bond besides the bond's (a bridge over
    /// it, where Xen's scripts put the host's address): the host's own frames leave with them.
    public var hostMACs: [MACAddress] = []
    /// The member that was active until a change made by choice (not a failure), while
    /// switches may still send to it: its unicast is still taken (make before break).
    public var draining: Int?
    /// Members whose link carries traffic, before the mode chose its transmitters.
    public var linkUp: [Int]
    /// Member names and permanent MACs by index; a removed member's name is empty.
    public var names: [String] = []
    public var permanentMACs: [MACAddress] = []
    /// Members whose link runs half duplex (802.3ad leaves them out of LACP).
    public var halfDuplex: Set<Int> = []
    /// The time of the batch being decided (the engine's loop turn, bondsim's clock),
    /// for transmit policies with time in them (flowlets).
    public var now: Instant = .zero
    public init(usable: [Int], active: Int?, speeds: [Int] = [], bondMAC: MACAddress = .zero, linkUp: [Int]? = nil) {
        self.usable = usable
        self.active = active
        self.speeds = speeds
        self.bondMAC = bondMAC
        self.linkUp = linkUp ?? usable
    }

    /// A frame with this source is the host's own, not a bridged guest's.
    @inlinable public func isHost(_ mac: MACAddress) -> Bool { mac == bondMAC || (!hostMACs.isEmpty && hostMACs.contains(mac)) }
}
