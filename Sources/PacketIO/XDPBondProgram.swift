import CLibBPF
import Glibc

/// The bond's XDP fast path (bpf/bond_xdp.c), loaded with libbpf: `bondd_tx` for the
/// engine's end of the bond device, `bondd_rx` for members, and the maps the engine
/// keeps current. Detaches everything it attached when released.
public final class XDPBondProgram {
    /// The modes the fast path decides; others pass every frame up to the engine.
    public enum Mode: UInt32, Sendable {
        case none = 0, roundRobin = 1, activeBackup = 2, xor = 3, broadcast = 4
        case transmitLoadBalancing = 5, adaptiveLoadBalancing = 6, sourceLoadBalancing = 7
    }

    /// tlb hash buckets, and per-VIF buckets.
    public static let bucketCount = 256

    /// Mirrors `struct bondd_xdp_config`.
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
        /// Longer frames (GSO, GRO) go up to the engine: MTU + Ethernet header.
        public var maximumFrame = 1514
        /// Note when each member last received (the ARP/NS monitor reads it).
        public var stampReceive = true
        public init(mode: Mode, active: Int?, usable: [Int], allMembersActive: Bool = false, packetsPerMember: Int = 1,
                    hashPolicy: Int = 0) {
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
        var flag: UInt32 { self == .native ? XDPBondProgram.driverMode : XDPBondProgram.genericMode }
    }

    public static let maximumMembers = 32
    static let noMember: UInt32 = 0xFFFF_FFFF
    /// linux/if_link.h's XDP_FLAGS_UPDATE_IF_NOEXIST, _SKB_MODE, _DRV_MODE.
    static let onlyIfNone: UInt32 = 1 << 0, genericMode: UInt32 = 1 << 1, driverMode: UInt32 = 1 << 2

    private let object: OpaquePointer
    public let transmitProgram: Int32
    public let receiveProgram: Int32
    /// The AF_XDP backend's program: every frame to the interface's socket.
    public let socketProgram: Int32
    /// The slot of the bond device's socket in the socket map.
    public static let deviceSlot = 32
    private let configMap: Int32, membersMap: Int32, broadcastMap: Int32, slotsMap: Int32, deviceMap: Int32
    private let countersMap: Int32, memberStatsMap: Int32, socketsMap: Int32
    private let memberMACsMap: Int32, macSlotsMap: Int32
    private let tlbBucketsMap: Int32, tlbBytesMap: Int32, vifsMap: Int32, vifBucketsMap: Int32, vifBytesMap: Int32
    /// Bucket byte totals as last read, so each read returns what was sent since.
    private var tlbBytesSeen = [UInt64](repeating: 0, count: XDPBondProgram.bucketCount)
    private var vifBytesSeen = [UInt64](repeating: 0, count: XDPBondProgram.bucketCount)
    private var memberMACs: [Int: UInt64] = [:]
    private var attached: [(ifindex: Int32, flags: UInt32)] = []
    /// slot -> ifindex, as given to `setMember`, for the broadcast map.
    private var members: [Int: Int32] = [:]
    private var broadcasting: Set<Int> = []

    public init() throws(SystemError) {
        let bytes = BPFObject.bond_xdp.bytes
        let opened = bytes.withUnsafeBytes { bpf_object__open_mem($0.baseAddress, $0.count, nil) }
        guard let opened, libbpf_get_error(UnsafeRawPointer(opened)) == 0 else {
            throw SystemError("bpf_object__open_mem(bond_xdp)", errno: EINVAL)
        }
        object = opened
        let loaded = bpf_object__load(opened)
        guard loaded == 0 else {
            bpf_object__close(opened)
            throw SystemError("bpf_object__load(bond_xdp)", errno: -loaded)
        }
        func program(_ name: String) -> Int32 {
            guard let p = bpf_object__find_program_by_name(opened, name) else { return -1 }
            return bpf_program__fd(p)
        }
        func map(_ name: String) -> Int32 { bpf_object__find_map_fd_by_name(opened, name) }
        transmitProgram = program("bondd_tx")
        receiveProgram = program("bondd_rx")
        socketProgram = program("bondd_xsk")
        configMap = map("bondd_config"); membersMap = map("bondd_members"); broadcastMap = map("bondd_broadcast")
        slotsMap = map("bondd_slots"); deviceMap = map("bondd_device"); countersMap = map("bondd_counters")
        memberStatsMap = map("bondd_member_stats")
        socketsMap = map("bondd_xsks")
        memberMACsMap = map("bondd_member_macs"); macSlotsMap = map("bondd_mac_slots")
        tlbBucketsMap = map("bondd_tlb_buckets"); tlbBytesMap = map("bondd_tlb_bytes")
        vifsMap = map("bondd_vifs"); vifBucketsMap = map("bondd_vif_buckets"); vifBytesMap = map("bondd_vif_bytes")
        guard transmitProgram >= 0, receiveProgram >= 0, socketProgram >= 0, socketsMap >= 0, configMap >= 0, membersMap >= 0, broadcastMap >= 0,
              slotsMap >= 0, deviceMap >= 0, countersMap >= 0, memberStatsMap >= 0, memberMACsMap >= 0, macSlotsMap >= 0,
              tlbBucketsMap >= 0, tlbBytesMap >= 0, vifsMap >= 0, vifBucketsMap >= 0, vifBytesMap >= 0 else {
            bpf_object__close(opened)
            throw SystemError("bond_xdp: a program or map is missing", errno: ENOENT)
        }
        // Array entries start at 0, which is a member slot: every bucket starts unplaced.
        for b in 0..<Self.bucketCount {
            var key = UInt32(b), none = Self.noMember
            guard bpf_map_update_elem(tlbBucketsMap, &key, &none, UInt64(BPF_ANY)) == 0,
                  bpf_map_update_elem(vifBucketsMap, &key, &none, UInt64(BPF_ANY)) == 0 else {
                bpf_object__close(opened)
                throw SystemError("bond_xdp: cannot clear the bucket maps", errno: EINVAL)
            }
        }
    }

    deinit {
        for a in attached { _ = bpf_xdp_detach(a.ifindex, a.flags, nil) }
        bpf_object__close(object)
    }

    /// Attaches `bondd_tx` (the bond device's engine end) or `bondd_rx` (a member) to
    /// an interface. Refuses an interface that already has an XDP program.
    public func attach(transmit: Bool, to ifindex: Int32, mode: AttachMode) throws(SystemError) {
        try attach(program: transmit ? transmitProgram : receiveProgram, to: ifindex, mode: mode)
    }

    /// Attaches `bondd_xsk` (the AF_XDP backend) to an interface.
    public func attachSocketProgram(to ifindex: Int32, mode: AttachMode) throws(SystemError) {
        try attach(program: socketProgram, to: ifindex, mode: mode)
    }

    /// Frames that `bondd_xsk` sees on `ifindex` go to socket `fd` (slot `slot`; the
    /// bond device's is `deviceSlot`).
    public func setSocket(slot: Int, ifindex: Int32, fd: Int32) throws(SystemError) {
        try update(slotsMap, key: UInt32(ifindex), value: UInt32(slot))
        try update(socketsMap, key: UInt32(slot), value: UInt32(bitPattern: fd))
    }

    private func attach(program: Int32, to ifindex: Int32, mode: AttachMode) throws(SystemError) {
        let r = bpf_xdp_attach(ifindex, program, mode.flag | Self.onlyIfNone, nil)
        guard r == 0 else { throw SystemError("XDP attach (\(mode.rawValue)) on ifindex \(ifindex)", errno: -r) }
        attached.append((ifindex, mode.flag))
    }

    /// The interfaces a program of ours is attached to.
    public var attachedInterfaces: [Int32] { attached.map(\.ifindex) }

    public func detach(from ifindex: Int32) {
        for a in attached where a.ifindex == ifindex { _ = bpf_xdp_detach(a.ifindex, a.flags, nil) }
        attached.removeAll { $0.ifindex == ifindex }
    }

    /// The engine's end of the bond device, where members' frames are redirected.
    public func setDevice(ifindex: Int32) throws(SystemError) {
        try update(deviceMap, key: UInt32(0), value: UInt32(ifindex))
    }

    /// Member `slot` is interface `ifindex` (or is gone, with nil).
    public func setMember(slot: Int, ifindex: Int32?, previous: Int32? = nil) throws(SystemError) {
        var key = UInt32(slot)
        if let ifindex {
            try update(membersMap, key: key, value: UInt32(ifindex))
            try update(slotsMap, key: UInt32(ifindex), value: key)
            members[slot] = ifindex
        } else {
            _ = bpf_map_delete_elem(membersMap, &key)
            _ = bpf_map_delete_elem(broadcastMap, &key)
            broadcasting.remove(slot)
            if var old = (previous ?? members[slot]).map(UInt32.init) { _ = bpf_map_delete_elem(slotsMap, &old) }
            members[slot] = nil
        }
    }

    /// Replaces the whole configuration in one map update: a frame sees the old one or
    /// the new one, never a mix. (Broadcast's member map is brought in line first.)
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
        var words = [UInt32](repeating: 0, count: 15 + Self.maximumMembers)
        words[0] = c.mode.rawValue
        words[1] = c.active.map(UInt32.init) ?? Self.noMember
        words[2] = UInt32(usable.count)
        words[3] = c.allMembersActive ? 1 : 0
        words[4] = UInt32(c.packetsPerMember)
        words[5] = UInt32(c.hashPolicy)
        words[6] = c.receiving.map { Self.mask($0) } ?? .max
        words[7] = c.draining.map(UInt32.init) ?? Self.noMember
        words[8] = c.ownMACs ? 1 : 0
        words[9] = Self.mask(usable)
        words[10] = c.tlbDynamic ? 1 : 0
        words[11] = UInt32(c.maximumFrame)
        words[12] = c.stampReceive ? 1 : 0
        let mac = c.bondMAC.count == 6 ? c.bondMAC : [0, 0, 0, 0, 0, 0]
        words[13] = UInt32(mac[0]) | UInt32(mac[1]) << 8 | UInt32(mac[2]) << 16 | UInt32(mac[3]) << 24
        words[14] = UInt32(mac[4]) | UInt32(mac[5]) << 8
        for (i, m) in usable.enumerated() { words[15 + i] = UInt32(m) }
        var key: UInt32 = 0
        let r = words.withUnsafeBytes { bpf_map_update_elem(configMap, &key, $0.baseAddress, UInt64(BPF_ANY)) }
        guard r == 0 else { throw SystemError("bondd_config update", errno: -r) }
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
        let fields = 6
        var values = [UInt64](repeating: 0, count: cpus * fields)
        var key = UInt32(slot)
        guard values.withUnsafeMutableBytes({ bpf_map_lookup_elem(memberStatsMap, &key, $0.baseAddress) }) == 0 else {
            return MemberCounters()
        }
        var c = MemberCounters()
        for cpu in 0..<cpus {
            let v = values[(cpu * fields)..<(cpu * fields + fields)].map { Int(truncatingIfNeeded: $0) }
            c.rxPackets += v[0]; c.rxBytes += v[1]; c.rxDropped += v[2]; c.txPackets += v[3]; c.txBytes += v[4]
            c.lastReceive = max(c.lastReceive, values[cpu * fields + 5])
        }
        return c
    }

    /// What the fast path did, summed over CPUs.
    public func counters() -> Counters {
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 0 else { return Counters() }
        var values = [UInt64](repeating: 0, count: cpus * 3)
        var key: UInt32 = 0
        guard values.withUnsafeMutableBytes({ bpf_map_lookup_elem(countersMap, &key, $0.baseAddress) }) == 0 else { return Counters() }
        var c = Counters()
        for cpu in 0..<cpus {
            c.redirected += values[cpu * 3]; c.passed += values[cpu * 3 + 1]; c.dropped += values[cpu * 3 + 2]
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
                bondd_xdp_test_run(transmit ? transmitProgram : receiveProgram, input.baseAddress, UInt32(input.count),
                                   UInt32(ingress), &retval, output.baseAddress, UInt32(output.count), &length)
            }
        }
        guard r == 0 else { throw SystemError("BPF_PROG_TEST_RUN", errno: -r) }
        return (retval, Array(out.prefix(Int(length))))
    }

    private func update(_ map: Int32, key: UInt32, value: UInt32) throws(SystemError) {
        var k = key, v = value
        let r = bpf_map_update_elem(map, &k, &v, UInt64(BPF_ANY))
        guard r == 0 else { throw SystemError("BPF map update", errno: -r) }
    }
}
