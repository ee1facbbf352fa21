/// A snapshot of one bond for `bondctl show`, in the shape of its JSON output: the
/// control protocol's one schema (docs/bond-status.schema.json), which `list`,
/// `show` and `stats` share. Every key is present; what is unset is null.
public struct BondStatus: Codable, Sendable, Equatable {
    /// The schema's version: it grows when a key changes meaning or goes away.
    public static let schemaVersion = 1
    public var version = BondStatus.schemaVersion
    public var name: String
    public var mode: BondMode
    public var modeDescription: String
    public var activeMember: String?
    public var carrier: String
    public var mac: String
    public var mtu: Int
    public var miimon: Int
    public var updelay: Int
    public var downdelay: Int
    public var peerNotifDelay: Int
    public var numGratARP: Int
    public var primary: String?
    public var primaryReselect: PrimaryReselect
    public var packetsPerSlave: Int
    public var xmitHashPolicy: TransmitHashPolicy
    public var allSlavesActive: Bool
    public var lastFailoverReason: String?
    public var failovers: Int
    public var members: [MemberStatus]
    public var counters: BondCounters
    /// Assigned transmit buckets (balance-tlb), and per-VIF buckets and MACs.
    public var buckets: [BucketStatus]?
    public var vifBuckets: [BucketStatus]?
    public var vifs: [VIFStatus]?
    /// balance-alb: the clients receive balancing has spread over members.
    public var clients: [ClientStatus]?
    /// The ARP/NS monitor's settings, when it runs.
    public var arpMonitor: ARPMonitorStatus?
    public var failOverMAC: FailOverMAC = .none
    /// Every option by its kernel name, as sysfs prints it; null when unset.
    public var options: [String: String?] = [:]
    /// CLOCK_MONOTONIC of the last change of active member, for tools that time failovers.
    public var lastFailoverMonotonicNanoseconds: UInt64?
    public var lastFailoverMillisecondsAgo: Int?
    /// Buckets (hash or per-VIF) moved to another member: failures, rebalancing, by hand.
    public var bucketMoves: Int?
    /// How frames move: "afpacket" or "xdp", and in words how and why.
    public var backend: String?
    public var backendDetail: String?
    /// Frames the XDP fast path redirected, passed up to the engine, dropped.
    public var fastPath: FastPathCounters?
    /// 802.3ad: the kernel's "802.3ad info" block.
    public var lacp: LACPBondStatus?
    /// The VLAN devices the engine made (`vlans=`); empty when none.
    public var vlans: [VLANStatus]?
    /// The devices stacked on the bond whose addresses the engine speaks for (the bond
    /// device first, then VLAN devices and bridges over either).
    public var uppers: [UpperStatus]?
    /// How the engine waits for frames (`coalesce=`), and how often it woke.
    public var wakeups: WakeupStatus?
    /// Where the engine's thread runs (`engine_cpus=`); nil before its loop runs.
    public var engineThread: EngineThreadStatus?
    /// Members the bond started without, which join when they appear (--wait-members).
    public var awaitedMembers: [String]?
    /// With `workers` above 1: each forwarding thread, the engine's first.
    public var forwardingThreads: [ForwardingThreadStatus]?

    enum CodingKeys: String, CodingKey {
        case version, name, mode, carrier, mac, mtu, miimon, updelay, downdelay, primary, members, counters, failovers, buckets, vifs, clients
        case options
        case vifBuckets = "vif_buckets"
        case modeDescription = "mode_description"
        case activeMember = "active_member"
        case peerNotifDelay = "peer_notif_delay"
        case numGratARP = "num_grat_arp"
        case primaryReselect = "primary_reselect"
        case packetsPerSlave = "packets_per_slave"
        case xmitHashPolicy = "xmit_hash_policy"
        case allSlavesActive = "all_slaves_active"
        case lastFailoverReason = "last_failover_reason"
        case arpMonitor = "arp_monitor"
        case failOverMAC = "fail_over_mac"
        case lastFailoverMonotonicNanoseconds = "last_failover_monotonic_ns"
        case lastFailoverMillisecondsAgo = "last_failover_ms_ago"
        case bucketMoves = "bucket_moves"
        case backend
        case backendDetail = "backend_detail"
        case fastPath = "fast_path"
        case lacp, vlans, uppers, wakeups
        case engineThread = "engine_thread"
        case awaitedMembers = "awaited_members"
        case forwardingThreads = "forwarding_threads"
    }

    public init(
        name: String, mode: BondMode, modeDescription: String, activeMember: String?, carrier: String,
        mac: String, mtu: Int, miimon: Int, updelay: Int, downdelay: Int, peerNotifDelay: Int,
        numGratARP: Int, primary: String?, primaryReselect: PrimaryReselect, packetsPerSlave: Int,
        xmitHashPolicy: TransmitHashPolicy, allSlavesActive: Bool, lastFailoverReason: String?, failovers: Int,
        members: [MemberStatus], counters: BondCounters,
        buckets: [BucketStatus]? = nil, vifBuckets: [BucketStatus]? = nil, vifs: [VIFStatus]? = nil,
        clients: [ClientStatus]? = nil
    ) {
        self.buckets = buckets; self.vifBuckets = vifBuckets; self.vifs = vifs; self.clients = clients
        self.name = name; self.mode = mode; self.modeDescription = modeDescription
        self.activeMember = activeMember; self.carrier = carrier; self.mac = mac; self.mtu = mtu
        self.miimon = miimon; self.updelay = updelay; self.downdelay = downdelay
        self.peerNotifDelay = peerNotifDelay; self.numGratARP = numGratARP; self.primary = primary
        self.primaryReselect = primaryReselect; self.packetsPerSlave = packetsPerSlave
        self.xmitHashPolicy = xmitHashPolicy
        self.allSlavesActive = allSlavesActive; self.lastFailoverReason = lastFailoverReason
        self.failovers = failovers; self.members = members; self.counters = counters
    }
}

public struct MemberStatus: Codable, Sendable, Equatable {
    public var name: String
    /// "up" or "down" as /proc shows MII Status; `linkState` has the exact monitor state.
    public var link: String
    public var linkState: String
    /// "active" or "backup".
    public var state: String
    public var linkFailures: Int
    public var permanentMAC: String
    public var speed: Int
    public var lastChangeMillisecondsAgo: Int
    public var txPackets: Int
    public var txBytes: Int
    public var txDrops: Int
    public var rxPackets: Int
    public var rxBytes: Int
    public var rxDrops: Int
    /// The mode's control frames received (802.3ad's LACPDUs), taken by the mode.
    public var rxControl: Int = 0
    /// Frames the kernel dropped because the engine's receive ring on this member had
    /// no room: the engine never saw them (AF_PACKET and AF_XDP ring statistics).
    public var rxMissed: Int = 0
    public var prio: Int = 0
    /// The MAC the member carries now (the bond's, its own, or a swapped one).
    public var mac: String?
    /// CLOCK_MONOTONIC of the last link state change.
    public var lastChangeMonotonicNanoseconds: UInt64?
    /// What the link monitor concluded and why, e.g. "carrier up" or "down: no answer for 302 ms".
    public var verdict: String = ""
    /// ARP/NS monitor: when each target was last heard on this member, probes sent, replies that counted.
    public var targets: [TargetStatus]?
    public var lastReceiveMillisecondsAgo: Int?
    public var probesSent: Int?
    public var repliesValidated: Int?
    /// 802.3ad: the member's aggregator, actor and partner, churn, machines, counters.
    public var lacp: LACPMemberStatus?
    /// "full" or "half", as ethtool reports it; null when the driver does not say.
    public var duplex: String?

    enum CodingKeys: String, CodingKey {
        case name, link, state, speed, prio, verdict, targets, mac, lacp, duplex
        case lastReceiveMillisecondsAgo = "last_rx_ms_ago"
        case probesSent = "probes_sent"
        case repliesValidated = "replies_validated"
        case linkState = "link_state"
        case linkFailures = "link_failures"
        case permanentMAC = "permanent_mac"
        case lastChangeMillisecondsAgo = "last_change_ms_ago"
        case lastChangeMonotonicNanoseconds = "last_change_monotonic_ns"
        case txPackets = "tx_packets", txBytes = "tx_bytes", txDrops = "tx_drops"
        case rxPackets = "rx_packets", rxBytes = "rx_bytes", rxDrops = "rx_drops"
        case rxControl = "rx_control"
        case rxMissed = "rx_missed"
    }

    public init(
        name: String, link: String, linkState: String, state: String, linkFailures: Int,
        permanentMAC: String, speed: Int, lastChangeMillisecondsAgo: Int,
        txPackets: Int, txBytes: Int, txDrops: Int, rxPackets: Int, rxBytes: Int, rxDrops: Int
    ) {
        self.name = name; self.link = link; self.linkState = linkState; self.state = state
        self.linkFailures = linkFailures; self.permanentMAC = permanentMAC; self.speed = speed
        self.lastChangeMillisecondsAgo = lastChangeMillisecondsAgo
        self.txPackets = txPackets; self.txBytes = txBytes; self.txDrops = txDrops
        self.rxPackets = rxPackets; self.rxBytes = rxBytes; self.rxDrops = rxDrops
    }
}

/// Frames the bond itself refused, by reason.
public struct BondCounters: Codable, Sendable, Equatable {
    public var runt = 0
    public var truncated = 0
    public var oversize = 0
    /// Frames from the bond device that no member could take.
    public var noMember = 0
    /// Frames for the host that the bond device refused (its receive side was behind).
    public var deliveryDrops = 0
    /// Frames the engine built (notifications, probes, learning and control frames)
    /// that a member's socket refused.
    public var controlFramesUnsent = 0
    /// Frames the host sent on the bond or its VLAN devices that the engine's receive
    /// rings there had no room for (the kernel dropped them before the engine).
    public var deviceMissed = 0
    /// Descriptors the kernel refused on any AF_XDP ring: a bug of bondd's if above 0.
    public var invalidDescriptors = 0
    public init() {}

    public mutating func count(_ defect: FrameDefect) {
        switch defect {
        case .runt: runt += 1
        case .truncated: truncated += 1
        case .oversize: oversize += 1
        }
    }

    enum CodingKeys: String, CodingKey {
        case runt, truncated, oversize
        case noMember = "no_member"
        case deliveryDrops = "delivery_drops"
        case controlFramesUnsent = "control_frames_unsent"
        case deviceMissed = "device_missed"
        case invalidDescriptors = "invalid_descriptors"
    }
}

/// One hash bucket and the member it is pinned to.
public struct BucketStatus: Codable, Sendable, Equatable {
    public var bucket: Int
    public var member: String
    public var txBytes: Int
    /// balance-tlb: the bucket's load history (bytes per second, the kernel's formula).
    public var loadHistory: Int?
    public init(bucket: Int, member: String, txBytes: Int, loadHistory: Int? = nil) {
        self.bucket = bucket; self.member = member; self.txBytes = txBytes; self.loadHistory = loadHistory
    }
    enum CodingKeys: String, CodingKey {
        case bucket, member
        case txBytes = "tx_bytes"
        case loadHistory = "load_history"
    }
}

/// A guest interface's MAC (with VLAN) seen from the host side, and where it leaves.
public struct VIFStatus: Codable, Sendable, Equatable {
    public var mac: String
    public var vlan: Int?
    public var bucket: Int
    public var member: String?
    public init(mac: String, vlan: Int?, bucket: Int, member: String?) {
        self.mac = mac; self.vlan = vlan; self.bucket = bucket; self.member = member
    }
}

/// One balance-alb client: its address, its MAC once known, and the member it sends to.
/// One device above the bond, as the engine speaks for it: its MAC, the tag its frames
/// carry on the members, its addresses.
public struct UpperStatus: Codable, Sendable, Equatable {
    public var name: String
    public var mac: String
    public var vlan: Int?
    public var addresses: [String]
    public init(name: String, mac: String, vlan: Int?, addresses: [String]) {
        self.name = name; self.mac = mac; self.vlan = vlan; self.addresses = addresses
    }
}

/// One VLAN device, counted as `ip -s link` counts it on the host: received is what
/// the bond delivered to it, sent what the host sent on it.
public struct VLANStatus: Codable, Sendable, Equatable {
    public var name: String
    public var vid: Int
    /// The device's administrative state, as the host set it.
    public var state: String
    /// It has carrier while the bond has and the bond device is up.
    public var carrier: String
    /// How its frames reach the members: "afpacket", "afxdp" or "xdp" (tagged in the kernel).
    public var path: String
    public var rxPackets: Int
    public var rxBytes: Int
    /// Frames for it the kernel refused (its queue full).
    public var rxDrops: Int
    public var txPackets: Int
    public var txBytes: Int
    public init(
        name: String, vid: Int, state: String, carrier: String, path: String, rxPackets: Int, rxBytes: Int, rxDrops: Int,
        txPackets: Int, txBytes: Int
    ) {
        self.name = name; self.vid = vid; self.state = state; self.carrier = carrier; self.path = path
        self.rxPackets = rxPackets; self.rxBytes = rxBytes; self.rxDrops = rxDrops; self.txPackets = txPackets; self.txBytes = txBytes
    }
    enum CodingKeys: String, CodingKey {
        case name, vid, state, carrier, path
        case rxPackets = "rx_packets"
        case rxBytes = "rx_bytes"
        case rxDrops = "rx_drops"
        case txPackets = "tx_packets"
        case txBytes = "tx_bytes"
    }
}

public struct ClientStatus: Codable, Sendable, Equatable {
    public var ip: String
    public var mac: String?
    public var ourIP: String
    public var member: String
    public var vlan: Int?
    public init(ip: String, mac: String?, ourIP: String, member: String, vlan: Int?) {
        self.ip = ip; self.mac = mac; self.ourIP = ourIP; self.member = member; self.vlan = vlan
    }
    enum CodingKeys: String, CodingKey {
        case ip, mac, member, vlan
        case ourIP = "our_ip"
    }
}

/// The ARP/NS monitor's settings as `show` reports them.
public struct ARPMonitorStatus: Codable, Sendable, Equatable {
    public var interval: Int
    public var missedMax: Int
    public var validate: ARPValidate
    public var allTargets: ARPAllTargets
    public var arpTargets: [String]
    public var nsTargets: [String]
    /// Why the monitor judges no member yet (no address, device down); nil: it judges.
    public var waiting: String?
    public init(interval: Int, missedMax: Int, validate: ARPValidate, allTargets: ARPAllTargets, arpTargets: [String], nsTargets: [String]) {
        self.interval = interval; self.missedMax = missedMax; self.validate = validate
        self.allTargets = allTargets; self.arpTargets = arpTargets; self.nsTargets = nsTargets
    }
    enum CodingKeys: String, CodingKey {
        case interval
        case missedMax = "missed_max"
        case validate
        case allTargets = "all_targets"
        case arpTargets = "arp_ip_target"
        case nsTargets = "ns_ip6_target"
        case waiting
    }
}

/// One monitor target as seen on one member.
public struct TargetStatus: Codable, Sendable, Equatable {
    public var target: String
    /// nil: never heard on this member.
    public var lastSeenMillisecondsAgo: Int?
    public init(target: String, lastSeenMillisecondsAgo: Int?) {
        self.target = target; self.lastSeenMillisecondsAgo = lastSeenMillisecondsAgo
    }
    enum CodingKeys: String, CodingKey {
        case target
        case lastSeenMillisecondsAgo = "last_seen_ms_ago"
    }
}

/// What the XDP programs did with the frames they saw, since the bond started.
public struct FastPathCounters: Codable, Sendable, Equatable {
    public var redirected: Int
    public var passed: Int
    public var dropped: Int
    public init(redirected: Int, passed: Int, dropped: Int) {
        self.redirected = redirected; self.passed = passed; self.dropped = dropped
    }
}

/// Synthesized Codable calls `encodeIfPresent` for optional properties, which leaves an
/// unset key out; the status types of this file name every key, an unset one as null,
/// so that a script can tell "unset" from "not reported by this version".
extension KeyedEncodingContainer {
    fileprivate mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try encode(value, forKey: key) }
    fileprivate mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encode(value, forKey: key) }
    fileprivate mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encode(value, forKey: key) }
    fileprivate mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encode(value, forKey: key) }
    fileprivate mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encode(value, forKey: key) }
    fileprivate mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encode(value, forKey: key) }
}

/// How the engine waits for frames: on its sockets, or polling every ring on a tick
/// under load (`coalesce=adaptive`), and what that decided so far.
public struct WakeupStatus: Codable, Sendable, Equatable {
    /// "adaptive" or "off", as the option.
    public var coalesce: String
    /// "sockets", "tick" or "busy-poll": how the engine waits now.
    public var waiting: String
    /// The polling tick in µs while `waiting` is "tick".
    public var tickMicroseconds: Int?
    /// Turns of the engine's loop (each after a wakeup), and those that ended a tick.
    public var turns: Int
    public var polledTurns: Int
    /// Times polling was tried, and tries given up because the traffic slowed.
    public var probes: Int
    public var probesSlowed: Int
    /// `busy_poll=` in µs (nil: off), the turns that came without a sleep before them,
    /// and the frames those took.
    public var busyPollMicroseconds: Int?
    public var busyPolledTurns: Int?
    public var busyPolledFrames: Int?

    public init(coalesce: String, waiting: String, tickMicroseconds: Int?, turns: Int, polledTurns: Int, probes: Int, probesSlowed: Int) {
        self.coalesce = coalesce; self.waiting = waiting; self.tickMicroseconds = tickMicroseconds
        self.turns = turns; self.polledTurns = polledTurns; self.probes = probes; self.probesSlowed = probesSlowed
    }

    enum CodingKeys: String, CodingKey {
        case coalesce, waiting, turns, probes
        case tickMicroseconds = "tick_us"
        case polledTurns = "polled_turns"
        case probesSlowed = "probes_slowed"
        case busyPollMicroseconds = "busy_poll_us"
        case busyPolledTurns = "busy_polled_turns"
        case busyPolledFrames = "busy_polled_frames"
    }
}

/// One thread that moves the bond's frames (`workers=`): the engine's (0) or one beside it.
public struct ForwardingThreadStatus: Codable, Sendable, Equatable {
    public var number: Int
    /// Its kernel thread id (/proc/PID/task/ID); 0 before it runs.
    public var id: Int
    /// Frames it read from its rings since the bond started.
    public var frames: Int

    public init(number: Int, id: Int, frames: Int) { self.number = number; self.id = id; self.frames = frames }
}

/// Where the engine's thread runs: the placement `engine_cpus=` asks for, as the kernel
/// has it.
public struct EngineThreadStatus: Codable, Sendable, Equatable {
    /// Its kernel thread id (/proc/PID/task/ID, `top -H`).
    public var id: Int
    /// The CPUs it may run on ("0-1").
    public var cpus: String
    /// The CPU it answered this status on.
    public var cpu: Int

    public init(id: Int, cpus: String, cpu: Int) { self.id = id; self.cpus = cpus; self.cpu = cpu }
}
