import CLibBPF
import Glibc
import SystemIO

/// The AF_XDP backend's program (bpf/bond_xsk.c): every frame of a member or of the
/// bond device goes to that interface's AF_XDP socket; super-frames, which no socket
/// frame holds, go up to the AF_PACKET socket instead.
public final class XDPSteeringProgram {
    private let object: LoadedBPFObject
    private let program: Int32
    private let slotsMap: Int32, socketsMap: Int32
    private var configEntries: ConfigurationEntries
    private var written: (maximumFrame: Int, tcpToTC: Bool)?

    /// The slot of the bond device's socket in the socket map.
    public static let deviceSlot = Int(BONDD_DEVICE_SLOT)
    /// The first VLAN device's slot; there are `maxVLANs`.
    public static let vlanSlotBase = Int(BONDD_DEVICE_SLOT) + 1  // BONDD_VLAN_SLOT_BASE
    public static let maxVLANs = Int(BONDD_MAX_VLANS)

    public init() throws(SystemError) {
        object = try LoadedBPFObject(.bond_xsk)
        program = try object.program("bondd_xsk")
        slotsMap = try object.map("bondd_slots")
        socketsMap = try object.map("bondd_xsks")
        configEntries = try ConfigurationEntries(object)
    }

    /// Attaches the program to an interface (refused if it has one already).
    public func attach(to ifindex: Int32, mode: XDPBondProgram.AttachMode) throws(SystemError) {
        try object.attach(program: program, to: ifindex, native: mode == .native)
    }

    public func detach(from ifindex: Int32) { object.detach(from: ifindex) }

    /// The interfaces the program is attached to.
    public var attachedInterfaces: [Int32] { object.attached.map(\.ifindex) }

    /// Frames the program sees on `ifindex` go to socket `fd` (slot `slot`; the bond
    /// device's is `deviceSlot`).
    public func setSocket(slot: Int, ifindex: Int32, fd: Int32) throws(SystemError) {
        try object.update(slotsMap, key: UInt32(ifindex), value: UInt32(slot))
        try object.update(socketsMap, key: UInt32(slot), value: UInt32(bitPattern: fd))
    }

    /// `ifindex` is steered no more: its entry goes, so that interfaces that come and go
    /// (VLAN devices, members) never fill the map.
    public func forget(ifindex: Int32) {
        var key = UInt32(bitPattern: ifindex)
        _ = bpf_map_delete_elem(slotsMap, &key)
    }

    /// Frames longer than `maximumFrame` (MTU + Ethernet header, or what a socket
    /// frame holds) go up to the AF_PACKET sockets; with `tcpToTC`, TCP frames too,
    /// for the tc programs that carry TCP (bpf/tc_path.h) to take.
    public func configure(maximumFrame: Int, tcpToTC: Bool) throws(SystemError) {
        // Asked at every link event: an unchanged setting is not written again, so
        // that it does not use up configuration entries (ConfigurationEntries).
        guard written?.maximumFrame != maximumFrame || written?.tcpToTC != tcpToTC else { return }
        var config = bondd_xdp_config()
        config.max_frame = UInt32(maximumFrame)
        config.tc_tcp_only = tcpToTC ? 1 : 0
        try configEntries.write(config)
        written = (maximumFrame, tcpToTC)
    }
}
