import CLibBPF
import Glibc
import SystemIO

/// The bond's XDP fast path (bpf/bond_xdp.c), loaded with libbpf: `bondd_tx` for the
/// engine's end of the bond device, `bondd_rx` for members, and the maps the engine
/// keeps current. Detaches everything it attached when released. The layouts it writes
/// and reads are bpf/bond_xdp.h's own, through CLibBPF.
public final class XDPBondProgram {
    /// The modes the fast path decides; others pass every frame up to the engine.
    public enum Mode: Sendable {
        case none, roundRobin, activeBackup, xor, broadcast
        case transmitLoadBalancing, adaptiveLoadBalancing, sourceLoadBalancing

        var value: UInt32 {
            switch self {
            case .none: BONDD_XDP_MODE_NONE.rawValue
            case .roundRobin: BONDD_XDP_MODE_ROUND_ROBIN.rawValue
            case .activeBackup: BONDD_XDP_MODE_ACTIVE_BACKUP.rawValue
            case .xor: BONDD_XDP_MODE_XOR.rawValue
            case .broadcast: BONDD_XDP_MODE_BROADCAST.rawValue
            case .transmitLoadBalancing: BONDD_XDP_MODE_TLB.rawValue
            case .adaptiveLoadBalancing: BONDD_XDP_MODE_ALB.rawValue
            case .sourceLoadBalancing: BONDD_XDP_MODE_SLB.rawValue
            }
        }
    }

    /// tlb hash buckets, and per-VIF buckets.
    public static let bucketCount = Int(BONDD_BUCKETS)

    /// What the engine says of the bond, written as one `struct bondd_xdp_config`.
    public struct Configuration: Equatable, Sendable {
        public var mode: Mode
        public var active: Int?
        public var usable: [Int]
        public var allMembersActive = false
        public var packetsPerMember = 1
        /// balance-xor's xmit_hash_policy, the kernel's value (0, 1 and 2 are computed).
        public var hashPolicy = 0
        /// Slots whose frames may reach the bond (not disabled by hand); nil: all.
        public var receiving: Set<Int>?
        /// The former active member whose unicast is still taken (make before break).
        public var draining: Int?
        /// Members carry MACs of their own: unicast for any other MAC than the bond's
        /// goes up, for the engine to rewrite.
        public var ownMACs = false
        public var bondMAC: [UInt8] = [0, 0, 0, 0, 0, 0]
        /// tlb_dynamic_lb: tlb places hash buckets (else hash modulo usable members).
        public var tlbDynamic = true
        /// Longer frames (GSO, GRO) go to the tc programs or up to the engine: MTU +
        /// Ethernet header.
        public var maximumFrame = 1514
        /// Note when each member last received (the ARP/NS monitor reads it).
        public var stampReceive = true
        /// The tc programs carry super-frames (`XDPBondProgram+TC`).
        public var superFramesInTC = false
        /// Slots whose receive tc program and socket filter are both in place: only
        /// there does tc take frames from the engine's sockets.
        public var tcMembers: Set<Int> = []
        /// Of `tcMembers`, those without `bondd_rx`: tc decides every frame they receive.
        public var tcReceivers: Set<Int> = []
        /// The engine decides all but TCP (backends afpacket and afxdp): the tc programs
        /// carry every TCP frame, and nothing else.
        public var tcTakesTCPOnly = false
        public init(
            mode: Mode, active: Int?, usable: [Int], allMembersActive: Bool = false, packetsPerMember: Int = 1,
            hashPolicy: Int = 0
        ) {
            self.mode = mode; self.active = active; self.usable = usable
            self.allMembersActive = allMembersActive; self.packetsPerMember = packetsPerMember
            self.hashPolicy = hashPolicy
        }
    }

    public struct Counters: Equatable, Sendable {
        public var redirected: UInt64 = 0, passed: UInt64 = 0, dropped: UInt64 = 0
    }

    /// What the fast path moved for one member, summed over CPUs.
    public struct MemberCounters: Equatable, Sendable {
        public var rxPackets = 0, rxBytes = 0, rxDropped = 0, txPackets = 0, txBytes = 0
        /// CLOCK_MONOTONIC nanoseconds of the last frame received, 0 if none.
        public var lastReceive: UInt64 = 0
        public init() {}
    }

    /// How a program is attached: in the driver, or in the generic (skb) path.
    public enum AttachMode: String, Sendable {
        case native, generic
        var flag: UInt32 { self == .native ? LoadedBPFObject.driverMode : LoadedBPFObject.genericMode }
    }

    public static let maximumMembers = Int(BONDD_MAX_MEMBERS)
    static let noMember: UInt32 = BONDD_NO_MEMBER
    static let genericMode = LoadedBPFObject.genericMode, driverMode = LoadedBPFObject.driverMode

    public let transmitProgram: Int32
    public let receiveProgram: Int32
    /// The tc programs and the socket filter (`XDPBondProgram+TC`).
    let tcTransmitProgram: Int32, tcReceiveProgram: Int32, tcOutProgram: Int32
    let memberFilter: Int32
    let object: LoadedBPFObject
    /// `bondd_config` and the entry in use.
    private var configEntries: ConfigurationEntries
    private let membersMap: Int32, broadcastMap: Int32, slotsMap: Int32, deviceMap: Int32
    private let countersMap: Int32, memberStatsMap: Int32, ifindexesMap: Int32
    private let memberMACsMap: Int32, macSlotsMap: Int32
    private let tlbBucketsMap: Int32, tlbBytesMap: Int32, vifsMap: Int32, vifBucketsMap: Int32, vifBytesMap: Int32
    /// The VLAN devices' maps (`XDPBondProgram+VLANs`).
    let vlanDevicesMap: Int32, vlansMap: Int32, vlanOfMap: Int32, vlanStatsMap: Int32
    /// Bucket byte totals as last read, so each read returns what was sent since.
    private var tlbBytesSeen = [UInt64](repeating: 0, count: XDPBondProgram.bucketCount)
    private var vifBytesSeen = [UInt64](repeating: 0, count: XDPBondProgram.bucketCount)
    private var memberMACs: [Int: UInt64] = [:]
    /// slot -> ifindex, as given to `setMember`, for the broadcast map.
    private var members: [Int: Int32] = [:]
    private var broadcasting: Set<Int> = []

    public init() throws(SystemError) {
        object = try LoadedBPFObject(.bond_xdp)
        transmitProgram = try object.program("bondd_tx")
        receiveProgram = try object.program("bondd_rx")
        tcTransmitProgram = try object.program("bondd_tc_tx"); tcReceiveProgram = try object.program("bondd_tc_rx")
        tcOutProgram = try object.program("bondd_tc_out"); memberFilter = try object.program("bondd_member_filter")
        ifindexesMap = try object.map("bondd_ifindexes")
        configEntries = try ConfigurationEntries(object); membersMap = try object.map("bondd_members")
        broadcastMap = try object.map("bondd_broadcast"); slotsMap = try object.map("bondd_slots")
        deviceMap = try object.map("bondd_device"); countersMap = try object.map("bondd_counters")
        memberStatsMap = try object.map("bondd_member_stats")
        memberMACsMap = try object.map("bondd_member_macs"); macSlotsMap = try object.map("bondd_mac_slots")
        tlbBucketsMap = try object.map("bondd_tlb_buckets"); tlbBytesMap = try object.map("bondd_tlb_bytes")
        vifsMap = try object.map("bondd_vifs"); vifBucketsMap = try object.map("bondd_vif_buckets")
        vifBytesMap = try object.map("bondd_vif_bytes")
        vlanDevicesMap = try object.map("bondd_vlan_devices"); vlansMap = try object.map("bondd_vlans")
        vlanOfMap = try object.map("bondd_vlan_of"); vlanStatsMap = try object.map("bondd_vlan_stats")
        // Array entries start at 0, which is a member slot: every bucket starts unplaced.
        for b in 0..<Self.bucketCount {
            try object.update(tlbBucketsMap, key: UInt32(b), value: Self.noMember)
            try object.update(vifBucketsMap, key: UInt32(b), value: Self.noMember)
        }
    }

    /// Attaches `bondd_tx` (the bond device's engine end) or `bondd_rx` (a member) to
    /// an interface. Refuses an interface that already has an XDP program.
    public func attach(transmit: Bool, to ifindex: Int32, mode: AttachMode) throws(SystemError) {
        try object.attach(program: transmit ? transmitProgram : receiveProgram, to: ifindex, native: mode == .native)
    }

    /// The interfaces a program of ours is attached to.
    public var attachedInterfaces: [Int32] { object.attached.map(\.ifindex) }

    public func detach(from ifindex: Int32) { object.detach(from: ifindex) }

    /// The engine's end of the bond device, where members' frames are redirected.
    public func setDevice(ifindex: Int32) throws(SystemError) {
        try update(deviceMap, key: UInt32(0), value: UInt32(ifindex))
        try update(ifindexesMap, key: UInt32(BONDD_DEVICE_SLOT), value: UInt32(ifindex))
    }

    /// Member `slot` is interface `ifindex` (or is gone, with nil).
    public func setMember(slot: Int, ifindex: Int32?, previous: Int32? = nil) throws(SystemError) {
        var key = UInt32(slot)
        if let ifindex {
            try update(membersMap, key: key, value: UInt32(ifindex))
            try update(ifindexesMap, key: key, value: UInt32(ifindex))
            try update(slotsMap, key: UInt32(ifindex), value: key)
            members[slot] = ifindex
        } else {
            _ = bpf_map_delete_elem(membersMap, &key)
            _ = try? update(ifindexesMap, key: key, value: 0)
            _ = bpf_map_delete_elem(broadcastMap, &key)
            broadcasting.remove(slot)
            if var old = (previous ?? members[slot]).map(UInt32.init) { _ = bpf_map_delete_elem(slotsMap, &old) }
            members[slot] = nil
        }
    }

    /// Replaces the whole configuration: a frame sees the old one or the new one, never
    /// a mix (bpf/maps.h). Broadcast's member map is brought in line first.
    public func configure(_ c: Configuration) throws(SystemError) {
        let usable = Array(c.usable.prefix(Self.maximumMembers))
        let wanted = c.mode == .broadcast ? Set(usable.filter { members[$0] != nil }) : []
        for slot in broadcasting.subtracting(wanted) {
            var key = UInt32(slot)
            _ = bpf_map_delete_elem(broadcastMap, &key)
        }
        for slot in wanted.subtracting(broadcasting) {
            try update(broadcastMap, key: UInt32(slot), value: UInt32(members[slot]!))
        }
        broadcasting = wanted
        var config = bondd_xdp_config()
        config.mode = c.mode.value
        config.active = c.active.map(UInt32.init) ?? Self.noMember
        config.usable_count = UInt32(usable.count)
        config.all_members_active = c.allMembersActive ? 1 : 0
        config.packets_per_member = UInt32(c.packetsPerMember)
        config.hash_policy = UInt32(c.hashPolicy)
        config.receiving = c.receiving.map { Self.mask($0) } ?? .max
        config.draining = c.draining.map(UInt32.init) ?? Self.noMember
        config.own_macs = c.ownMACs ? 1 : 0
        config.usable_mask = Self.mask(usable)
        config.tlb_dynamic = c.tlbDynamic ? 1 : 0
        config.max_frame = UInt32(c.maximumFrame)
        config.stamp_receive = c.stampReceive ? 1 : 0
        config.super_frames_in_tc = c.superFramesInTC ? 1 : 0
        config.tc_members = Self.mask(c.tcMembers)
        config.tc_receivers = Self.mask(c.tcReceivers.intersection(c.tcMembers))
        config.tc_tcp_only = c.tcTakesTCPOnly ? 1 : 0
        let mac = c.bondMAC.count == 6 ? c.bondMAC : [0, 0, 0, 0, 0, 0]
        withUnsafeMutableBytes(of: &config.bond_mac) { for i in 0..<6 { $0[i] = mac[i] } }
        withUnsafeMutableBytes(of: &config.usable) { raw in
            let slots = raw.bindMemory(to: UInt32.self)
            for (i, m) in usable.enumerated() { slots[i] = UInt32(m) }
        }
        try configEntries.write(config)
    }

    private static func mask<S: Sequence<Int>>(_ slots: S) -> UInt32 {
        slots.reduce(UInt32(0)) { $1 >= 0 && $1 < maximumMembers ? $0 | 1 << UInt32($1) : $0 }
    }

    /// The MAC member `slot` carries (nil: none), as a MACAddress's raw value: the
    /// source of frames that leave on it with its own MAC, and a destination that is
    /// the bond's.
    public func setMemberMAC(slot: Int, mac: UInt64?) throws(SystemError) {
        if let old = memberMACs[slot] {
            var k = old
            _ = bpf_map_delete_elem(macSlotsMap, &k)
        }
        memberMACs[slot] = mac
        var key = UInt32(slot)
        var value = mac ?? 0
        var r = bpf_map_update_elem(memberMACsMap, &key, &value, UInt64(BPF_ANY))
        if r == 0, var k = mac { r = bpf_map_update_elem(macSlotsMap, &k, &key, UInt64(BPF_ANY)) }
        guard r == 0 else { throw SystemError("bondd_member_macs update", errno: -r) }
    }

    /// tlb hash bucket `bucket` leaves on `member` (nil: unplaced, the engine places it).
    public func setHashBucket(_ bucket: Int, member: Int?) throws(SystemError) {
        try update(tlbBucketsMap, key: UInt32(bucket), value: member.map(UInt32.init) ?? Self.noMember)
    }

    /// Per-VIF bucket `bucket` leaves on `member` (nil: unplaced).
    public func setVIFBucket(_ bucket: Int, member: Int?) throws(SystemError) {
        try update(vifBucketsMap, key: UInt32(bucket), value: member.map(UInt32.init) ?? Self.noMember)
    }

    /// A host-side source MAC (MAC | VLAN << 48) hashes to per-VIF bucket `bucket`.
    public func addVIF(key: UInt64, bucket: Int) throws(SystemError) {
        var k = key, v = UInt32(bucket)
        let r = bpf_map_update_elem(vifsMap, &k, &v, UInt64(BPF_ANY))
        guard r == 0 else { throw SystemError("bondd_vifs update", errno: -r) }
    }

    /// A guest MAC forgotten: its frames go up to the engine again until it is re-learned.
    public func removeVIF(key: UInt64) {
        var k = key
        _ = bpf_map_delete_elem(vifsMap, &k)
    }

    /// Bytes each tlb hash bucket sent since the last call, summed over CPUs.
    public func takeHashBucketBytes() -> [Int] { take(tlbBytesMap, &tlbBytesSeen) }
    /// Bytes each per-VIF bucket sent since the last call.
    public func takeVIFBucketBytes() -> [Int] { take(vifBytesMap, &vifBytesSeen) }

    private func take(_ map: Int32, _ seen: inout [UInt64]) -> [Int] {
        let cpus = Int(libbpf_num_possible_cpus())
        var out = [Int](repeating: 0, count: Self.bucketCount)
        guard cpus > 0 else { return out }
        var values = [UInt64](repeating: 0, count: cpus)
        for b in 0..<Self.bucketCount {
            var key = UInt32(b)
            guard values.withUnsafeMutableBytes({ bpf_map_lookup_elem(map, &key, $0.baseAddress) }) == 0 else { continue }
            let total = values.reduce(0, &+)
            out[b] = Int(truncatingIfNeeded: total &- seen[b])
            seen[b] = total
        }
        return out
    }

    /// What the fast path moved for member `slot`, summed over CPUs.
    public func memberCounters(slot: Int) -> MemberCounters {
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 0 else { return MemberCounters() }
        var values = [bondd_xdp_member_stats](repeating: bondd_xdp_member_stats(), count: cpus)
        var key = UInt32(slot)
        guard values.withUnsafeMutableBytes({ bpf_map_lookup_elem(memberStatsMap, &key, $0.baseAddress) }) == 0 else {
            return MemberCounters()
        }
        var c = MemberCounters()
        for v in values {
            c.rxPackets += Int(truncatingIfNeeded: v.rx_packets); c.rxBytes += Int(truncatingIfNeeded: v.rx_bytes)
            c.rxDropped += Int(truncatingIfNeeded: v.rx_dropped)
            c.txPackets += Int(truncatingIfNeeded: v.tx_packets); c.txBytes += Int(truncatingIfNeeded: v.tx_bytes)
            c.lastReceive = max(c.lastReceive, UInt64(v.last_rx_ns))
        }
        return c
    }

    /// What the fast path did, summed over CPUs.
    public func counters() -> Counters {
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 0 else { return Counters() }
        var values = [bondd_xdp_counters](repeating: bondd_xdp_counters(), count: cpus)
        var key: UInt32 = 0
        guard values.withUnsafeMutableBytes({ bpf_map_lookup_elem(countersMap, &key, $0.baseAddress) }) == 0 else { return Counters() }
        var c = Counters()
        for v in values {
            c.redirected += UInt64(v.redirected); c.passed += UInt64(v.passed); c.dropped += UInt64(v.dropped)
        }
        return c
    }

    /// Runs a program once on `frame` as if it arrived on `ingress` (BPF_PROG_TEST_RUN):
    /// its verdict (XDP_PASS, XDP_DROP, XDP_REDIRECT...). For tests and diagnostics.
    public func verdict(transmit: Bool, frame: [UInt8], ingress: Int32 = 1) throws(SystemError) -> UInt32 {
        try run(transmit: transmit, frame: frame, ingress: ingress).verdict
    }

    /// As `verdict`, with the frame as the program left it (MACs rewritten, say).
    public func run(transmit: Bool, frame: [UInt8], ingress: Int32 = 1) throws(SystemError) -> (verdict: UInt32, frame: [UInt8]) {
        var retval: UInt32 = 0, length: UInt32 = 0
        var out = [UInt8](repeating: 0, count: frame.count + 256)
        let r = frame.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                bondd_xdp_test_run(
                    transmit ? transmitProgram : receiveProgram, input.baseAddress, UInt32(input.count),
                    UInt32(ingress), &retval, output.baseAddress, UInt32(output.count), &length)
            }
        }
        guard r == 0 else { throw SystemError("BPF_PROG_TEST_RUN", errno: -r) }
        return (retval, Array(out.prefix(Int(length))))
    }

    func update(_ map: Int32, key: UInt32, value: UInt32) throws(SystemError) {
        try object.update(map, key: key, value: value)
    }
}
