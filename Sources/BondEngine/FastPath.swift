import BondCore
import Glibc
import PacketIO
import SystemIO

/// One bond's XDP fast path (`backend=xdp`): `bondd_tx` on the engine's end of the
/// bond device, the receive programs on every member (`MemberPath`), and the maps they
/// decide from. The engine keeps its AF_PACKET sockets: what the programs pass up
/// reaches it as before. tc programs (bpf/tc_path.h) carry TCP's super-frames whole,
/// and decide all a member receives where XDP would only be generic.
///
/// On the engine's backends (`Scope.tcp`) only the tc programs go on, and carry TCP.
final class FastPath {
    /// What the programs decide: every frame they can (`backend=xdp`), or TCP alone
    /// (afpacket, afxdp), in tc, which takes TCP's super-frames whole where the engine
    /// would copy each twice, and in the softirq of each flow's core where the engine
    /// is one thread; all else is the engine's, as the backend says.
    enum Scope: Sendable { case allFrames, tcp }
    let scope: Scope
    let program: XDPBondProgram
    private let engineIndex: Int32
    /// The tc programs are on the bond device (and so go on every member): super-frames
    /// stay in the kernel. Without them they go up to the engine, as on AF_PACKET.
    let carriesSuperFrames: Bool
    /// Members' engine sockets with the member filter, by slot.
    private var filteredSockets: [Int: PacketSocket] = [:]
    /// Members whose tc program and socket filter are both in place.
    var tcMembers: Set<Int> { Set(filteredSockets.keys) }
    /// How each member receives, by slot.
    private(set) var memberPaths: [Int: MemberPath] = [:]
    /// Members decided in tc alone (no `bondd_rx`); with `Scope.tcp`, none: the engine
    /// decides all but TCP there.
    var tcReceivers: Set<Int> { scope == .tcp ? [] : Set(memberPaths.filter { $0.value == .tc }.keys) }

    /// Where a member's frames are decided: by `bondd_rx` in its driver (native) or in
    /// the generic path, or by `bondd_tc_rx` alone. Generic XDP copies every frame
    /// that lacks its headroom, every super-frame among them, before the program runs;
    /// tc takes the skb as it is. So a member without native XDP is decided in tc, and
    /// generically only where the tc programs are not to be had.
    enum MemberPath: String, Sendable { case native, generic, tc }
    /// The configuration as last written, and whether members changed since (the next
    /// `update` writes even an equal one).
    private var written: XDPBondProgram.Configuration?
    private var membersChanged = false
    /// The last frame each slot received, as last fed to the ARP/NS monitor.
    var lastReceiveSeen: [Int: UInt64] = [:]
    /// What the maps hold, as last written: only changes are written.
    var memberMACs: [Int: UInt64] = [:]
    var hashBucketMembers = [Int?](repeating: nil, count: XDPBondProgram.bucketCount)
    var vifBucketMembers = [Int?](repeating: nil, count: XDPBondProgram.bucketCount)
    var vifKeys: Set<UInt64> = []

    /// Loads the programs and attaches `bondd_tx` to the bond device's engine end.
    ///
    /// A veth is always driven in generic mode: its native XDP converts every skb the
    /// host sends into an xdp_frame and back, and a native redirect into a veth is
    /// dropped unless its peer runs NAPI (GRO or XDP there). Measured on this testbed,
    /// bond -> member at 64 B: native 0.04 Mpps, generic 0.33 Mpps.
    /// `log` hears why the tc programs could not be had, if so.
    /// With `Scope.tcp` no XDP program goes on, and without the tc programs there is
    /// nothing to be had: it throws.
    init(
        engineIndex: Int32, hostIndex: Int32, scope: Scope = .allFrames, log: (String) -> Void = { _ in }
    )
        throws(SystemError)
    {
        program = try XDPBondProgram()
        self.engineIndex = engineIndex
        self.scope = scope
        try program.setDevice(ifindex: engineIndex)
        if scope == .allFrames { try program.attach(transmit: true, to: engineIndex, mode: .generic) }
        do throws(SystemError) {
            try program.attachTC(.engineEnd, to: engineIndex)
            try program.attachTC(.bondDevice, to: hostIndex)
            carriesSuperFrames = true
        } catch {
            program.detachTC(from: engineIndex)
            if scope == .tcp {
                program.detach(from: engineIndex)
                throw error
            }
            log("tc programs unavailable (\(error)): super-frames go through the engine")
            carriesSuperFrames = false
        }
    }

    deinit { detachAll() }

    /// Attaches the receive programs to a member: `bondd_rx` natively where its driver
    /// has XDP (not veth), else the tc programs alone (`MemberPath`); the tc programs
    /// beside `bondd_rx` for super-frames. A member running another XDP program is
    /// refused: the bond's decision must see every frame first.
    /// - Returns: the path its frames take.
    @discardableResult
    func attachMember(slot: Int, ifindex: Int32, kind: String?, socket: PacketSocket) throws(SystemError) -> MemberPath {
        // The engine's backends put their own XDP program (AF_XDP's steering) there.
        if scope == .allFrames && XDPBondProgram.hasXDPProgram(ifindex) {
            throw SystemError("ifindex \(ifindex) runs another XDP program", errno: EBUSY)
        }
        try program.setMember(slot: slot, ifindex: ifindex)
        var path = MemberPath.generic
        if scope == .tcp {
            path = .tc
        } else if kind != "veth" {
            do { try program.attach(transmit: false, to: ifindex, mode: .native); path = .native } catch {}
        }
        if path == .generic && carriesSuperFrames { path = .tc }
        do throws(SystemError) {
            if path == .generic { try program.attach(transmit: false, to: ifindex, mode: .generic) }
            if carriesSuperFrames {
                try program.attachTC(.member, to: ifindex)
                try program.filterMemberSocket(socket)
                filteredSockets[slot] = socket
            }
        } catch {
            program.detachTC(from: ifindex)
            program.detach(from: ifindex)
            try? program.setMember(slot: slot, ifindex: nil, previous: ifindex)
            throw error
        }
        memberPaths[slot] = path
        lastReceiveSeen[slot] = program.memberCounters(slot: slot).lastReceive
        membersChanged = true
        return path
    }

    /// Another socket on member `slot` (a forwarding thread's) turns away what tc takes,
    /// as the engine's does; nothing to do where tc takes nothing from the member.
    func filterAlso(_ socket: PacketSocket, slot: Int) throws(SystemError) {
        guard filteredSockets[slot] != nil else { return }
        try program.filterMemberSocket(socket)
    }

    func detachMember(slot: Int, ifindex: Int32) {
        // tc gives the member's frames back to its socket before either goes.
        if var c = written, c.tcMembers.remove(slot) != nil {
            c.tcReceivers.remove(slot)
            try? write(c)
        }
        program.detachTC(from: ifindex)
        filteredSockets.removeValue(forKey: slot)?.removeFilter()
        program.detach(from: ifindex)
        try? program.setMember(slot: slot, ifindex: nil, previous: ifindex)
        memberPaths[slot] = nil
        lastReceiveSeen[slot] = nil
        if memberMACs.removeValue(forKey: slot) != nil { try? program.setMemberMAC(slot: slot, mac: nil) }
        membersChanged = true
    }

    /// `bondd_tx` on a VLAN device's engine end, and the maps that tell its frames apart.
    /// With the tc programs, `bondd_tc_out` there lets in what `bondd_tc_rx` sends it.
    func attachVLAN(vid: UInt16, engineIndex: Int32) throws(SystemError) {
        do throws(SystemError) {
            if carriesSuperFrames { try program.attachTC(.engineEnd, to: engineIndex) }
            try program.setVLAN(vid: vid, ifindex: engineIndex)
            try program.attach(transmit: true, to: engineIndex, mode: .generic)
        } catch {
            program.removeVLAN(vid: vid, ifindex: engineIndex)
            program.detachTC(from: engineIndex)
            program.detach(from: engineIndex)
            throw error
        }
    }

    func detachVLAN(vid: UInt16, engineIndex: Int32) {
        program.removeVLAN(vid: vid, ifindex: engineIndex)
        program.detachTC(from: engineIndex)
        program.detach(from: engineIndex)
    }

    /// Every program off every interface (idempotent).
    func detachAll() {
        if var c = written, !c.tcMembers.isEmpty {
            c.tcMembers = []
            c.tcReceivers = []
            try? write(c)
        }
        for ix in program.tcInterfaces { program.detachTC(from: ix) }
        for socket in filteredSockets.values { socket.removeFilter() }
        filteredSockets = [:]
        for ix in program.attachedInterfaces { program.detach(from: ix) }
    }

    /// Writes the configuration if it changed since the last write, or members did.
    func update(_ c: XDPBondProgram.Configuration) throws(SystemError) {
        guard c != written || membersChanged else { return }
        try write(c)
        membersChanged = false
    }

    private func write(_ c: XDPBondProgram.Configuration) throws(SystemError) {
        try program.configure(c)
        written = c
    }

    /// Some member is attached natively: its redirects into the bond device (a veth)
    /// need NAPI on the host end.
    var needsNAPIOnBondDevice: Bool { memberPaths.values.contains(.native) }

    /// How each program is attached, for `bondctl show`.
    func describe(memberNames: [Int: String]) -> String {
        if scope == .tcp {
            let names = memberPaths.keys.sorted().map { memberNames[$0] ?? "slot \($0)" }
            return "TCP in tc on \(names.joined(separator: ", "))"
        }
        let members = memberPaths.keys.sorted().map { "\(memberNames[$0] ?? "slot \($0)") \(memberPaths[$0]!.rawValue)" }
        let tc = carriesSuperFrames ? "; super-frames in tc" : ""
        return "bond device generic; members \(members.joined(separator: ", "))\(tc)"
    }
}
