import CLibBPF
import Glibc

/// The bond's XDP fast path (bpf/bond_xdp.c), loaded with libbpf: `bondd_tx` for the
/// engine's end of the bond device, `bondd_rx` for members, and the maps the engine
/// keeps current. Detaches everything it attached when released.
public final class XDPBondProgram {
    /// The modes the fast path decides; others pass every frame up to the engine.
    public enum Mode: UInt32, Sendable {
        case none = 0, roundRobin = 1, activeBackup = 2, xor = 3, broadcast = 4
    }

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
    private let configMap: Int32, membersMap: Int32, broadcastMap: Int32, slotsMap: Int32, deviceMap: Int32
    private let countersMap: Int32, memberStatsMap: Int32
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
        configMap = map("bondd_config"); membersMap = map("bondd_members"); broadcastMap = map("bondd_broadcast")
        slotsMap = map("bondd_slots"); deviceMap = map("bondd_device"); countersMap = map("bondd_counters")
        memberStatsMap = map("bondd_member_stats")
        guard transmitProgram >= 0, receiveProgram >= 0, configMap >= 0, membersMap >= 0, broadcastMap >= 0,
              slotsMap >= 0, deviceMap >= 0, countersMap >= 0, memberStatsMap >= 0 else {
            bpf_object__close(opened)
            throw SystemError("bond_xdp: a program or map is missing", errno: ENOENT)
        }
    }

    deinit {
        for a in attached { _ = bpf_xdp_detach(a.ifindex, a.flags, nil) }
        bpf_object__close(object)
    }

    /// Attaches `bondd_tx` (the bond device's engine end) or `bondd_rx` (a member) to
    /// an interface. Refuses an interface that already has an XDP program.
    public func attach(transmit: Bool, to ifindex: Int32, mode: AttachMode) throws(SystemError) {
        let r = bpf_xdp_attach(ifindex, transmit ? transmitProgram : receiveProgram, mode.flag | Self.onlyIfNone, nil)
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
        var words = [UInt32](repeating: 0, count: 11 + Self.maximumMembers)
        words[0] = c.mode.rawValue
        words[1] = c.active.map(UInt32.init) ?? Self.noMember
        words[2] = UInt32(usable.count)
        words[3] = c.allMembersActive ? 1 : 0
        words[4] = UInt32(c.packetsPerMember)
        words[5] = UInt32(c.hashPolicy)
        words[6] = c.receiving.map { $0.reduce(UInt32(0)) { $1 < Self.maximumMembers ? $0 | 1 << UInt32($1) : $0 } } ?? .max
        words[7] = c.draining.map(UInt32.init) ?? Self.noMember
        words[8] = c.ownMACs ? 1 : 0
        let mac = c.bondMAC.count == 6 ? c.bondMAC : [0, 0, 0, 0, 0, 0]
        words[9] = UInt32(mac[0]) | UInt32(mac[1]) << 8 | UInt32(mac[2]) << 16 | UInt32(mac[3]) << 24
        words[10] = UInt32(mac[4]) | UInt32(mac[5]) << 8
        for (i, m) in usable.enumerated() { words[11 + i] = UInt32(m) }
        var key: UInt32 = 0
        let r = words.withUnsafeBytes { bpf_map_update_elem(configMap, &key, $0.baseAddress, UInt64(BPF_ANY)) }
        guard r == 0 else { throw SystemError("bondd_config update", errno: -r) }
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
        var retval: UInt32 = 0
        let r = frame.withUnsafeBytes {
            bondd_xdp_test_run(transmit ? transmitProgram : receiveProgram, $0.baseAddress, UInt32($0.count), UInt32(ingress), &retval)
        }
        guard r == 0 else { throw SystemError("BPF_PROG_TEST_RUN", errno: -r) }
        return retval
    }

    private func update(_ map: Int32, key: UInt32, value: UInt32) throws(SystemError) {
        var k = key, v = value
        let r = bpf_map_update_elem(map, &k, &v, UInt64(BPF_ANY))
        guard r == 0 else { throw SystemError("BPF map update", errno: -r) }
    }
}
