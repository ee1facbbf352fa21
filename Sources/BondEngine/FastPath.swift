import BondCore
import Glibc
import PacketIO
import SystemIO

/// One bond's XDP fast path (`backend=xdp`): `bondd_tx` on the engine's end of the
/// bond device, `bondd_rx` on every member, and the maps they decide from. The engine
/// keeps its AF_PACKET sockets: what the programs pass up reaches it as before.
/// Beside them, tc programs carry TCP's super-frames whole (bpf/tc_path.h).
final class FastPath {
    let program: XDPBondProgram
    private let engineIndex: Int32
    /// The tc programs are on the bond device (and so go on every member): super-frames
    /// stay in the kernel. Without them they go up to the engine, as on AF_PACKET.
    let carriesSuperFrames: Bool
    /// Members' engine sockets with the super-frame filter, by slot.
    private var filteredSockets: [Int: PacketSocket] = [:]
    /// Members whose tc program and socket filter are both in place.
    var tcMembers: Set<Int> { Set(filteredSockets.keys) }
    /// How each member's program is attached, by slot.
    private(set) var memberModes: [Int: XDPBondProgram.AttachMode] = [:]
    private var configured: XDPBondProgram.Configuration?
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
    init(engineIndex: Int32, hostIndex: Int32, log: (String) -> Void = { _ in }) throws(SystemError) {
        program = try XDPBondProgram()
        self.engineIndex = engineIndex
        try program.setDevice(ifindex: engineIndex)
        try program.attach(transmit: true, to: engineIndex, mode: .generic)
        do throws(SystemError) {
            try program.attachTC(.engineEnd, to: engineIndex)
            try program.attachTC(.bondDevice, to: hostIndex)
            carriesSuperFrames = true
        } catch {
            program.detachTC(from: engineIndex)
            log("tc programs unavailable (\(error)): super-frames go through the engine")
            carriesSuperFrames = false
        }
    }

    deinit { detachAll() }

    /// Attaches `bondd_rx` to a member: natively where its driver has XDP (not veth),
    /// generically otherwise or when native attach is refused.
    /// - Returns: the mode used.
    @discardableResult
    func attachMember(
        slot: Int, ifindex: Int32, kind: String?, socket: PacketSocket
    ) throws(SystemError) -> XDPBondProgram.AttachMode {
        try program.setMember(slot: slot, ifindex: ifindex)
        var mode = XDPBondProgram.AttachMode.generic
        if kind != "veth" {
            do { try program.attach(transmit: false, to: ifindex, mode: .native); mode = .native } catch {}
        }
        if mode == .generic {
            do throws(SystemError) {
                try program.attach(transmit: false, to: ifindex, mode: .generic)
            } catch { try? program.setMember(slot: slot, ifindex: nil, previous: ifindex); throw error }
        }
        if carriesSuperFrames {
            do throws(SystemError) {
                try program.attachTC(.member, to: ifindex)
                try program.filterSuperFrames(on: socket)
                filteredSockets[slot] = socket
            } catch {
                program.detachTC(from: ifindex)
                program.detach(from: ifindex)
                try? program.setMember(slot: slot, ifindex: nil, previous: ifindex)
                throw error
            }
        }
        memberModes[slot] = mode
        lastReceiveSeen[slot] = program.memberCounters(slot: slot).lastReceive
        configured = nil
        return mode
    }

    func detachMember(slot: Int, ifindex: Int32) {
        // tc gives the member's super-frames back to its socket before either goes.
        if var c = configured, c.tcMembers.remove(slot) != nil { try? update(c) }
        program.detachTC(from: ifindex)
        filteredSockets.removeValue(forKey: slot)?.removeFilter()
        program.detach(from: ifindex)
        try? program.setMember(slot: slot, ifindex: nil, previous: ifindex)
        memberModes[slot] = nil
        lastReceiveSeen[slot] = nil
        if memberMACs.removeValue(forKey: slot) != nil { try? program.setMemberMAC(slot: slot, mac: nil) }
        configured = nil
    }

    /// `bondd_tx` on a VLAN device's engine end, and the maps that tell its frames apart.
    func attachVLAN(vid: UInt16, engineIndex: Int32) throws(SystemError) {
        try program.setVLAN(vid: vid, ifindex: engineIndex)
        do { try program.attach(transmit: true, to: engineIndex, mode: .generic) } catch {
            program.removeVLAN(vid: vid, ifindex: engineIndex)
            throw error
        }
    }

    func detachVLAN(vid: UInt16, engineIndex: Int32) {
        program.removeVLAN(vid: vid, ifindex: engineIndex)
        program.detach(from: engineIndex)
    }

    /// Every program off every interface (idempotent).
    func detachAll() {
        if var c = configured, !c.tcMembers.isEmpty {
            c.tcMembers = []
            try? update(c)
        }
        for ix in program.tcInterfaces { program.detachTC(from: ix) }
        for socket in filteredSockets.values { socket.removeFilter() }
        filteredSockets = [:]
        for ix in program.attachedInterfaces { program.detach(from: ix) }
    }

    /// Writes the configuration if it changed since the last write.
    func update(_ c: XDPBondProgram.Configuration) throws(SystemError) {
        guard c != configured else { return }
        try program.configure(c)
        configured = c
    }

    /// Some member is attached natively: its redirects into the bond device (a veth)
    /// need NAPI on the host end.
    var needsNAPIOnBondDevice: Bool { memberModes.values.contains(.native) }

    /// How each program is attached, for `bondctl show`.
    func describe(memberNames: [Int: String]) -> String {
        let members = memberModes.keys.sorted().map { "\(memberNames[$0] ?? "slot \($0)") \(memberModes[$0]!.rawValue)" }
        let tc = carriesSuperFrames ? "; super-frames in tc" : ""
        return "bond device generic; members \(members.joined(separator: ", "))\(tc)"
    }
}
