import BondCore
import PacketIO
import SystemIO

/// One bond's AF_XDP backend (`backend=afxdp`): a socket on the bond device's engine
/// end and one per member, all on one shared memory, and `bondd_xsk` steering every
/// frame into them. The engine decides every frame as on AF_PACKET; a frame moves from
/// one socket to another by its address in the shared memory. Super-frames, which no
/// socket frame holds, still reach the engine's AF_PACKET sockets.
final class SocketPath {
    let program: XDPSteeringProgram
    let memory: XDPSocketMemory
    let device: XDPSocket
    /// `xdp_mode`: how the steering program is attached.
    let attachMode: XDPAttachMode
    /// How the programs are attached and whether the kernel copies, for `bondctl show`.
    private(set) var modes: [Int: String] = [:]
    private var deviceMode = ""

    /// `maximumFrame`, `tcpToTC`: the steering's setting (`XDPSteeringProgram.configure`),
    /// in place before the program sees a frame, so that no flow starts on one path and
    /// moves to the other.
    init(engineName: String, engineIndex: Int32, maximumFrame: Int, tcpToTC: Bool, attachMode: XDPAttachMode) throws(SystemError) {
        self.attachMode = attachMode
        program = try XDPSteeringProgram()
        memory = try XDPSocketMemory()
        // The program allows 8 bytes more for tags: a tagged frame fits a socket frame too.
        try program.configure(maximumFrame: min(maximumFrame, memory.largestFrame - 8), tcpToTC: tcpToTC)
        device = try XDPSocket(interface: engineName, index: engineIndex, memory: memory, copy: true)
        try program.setSocket(slot: XDPSteeringProgram.deviceSlot, ifindex: engineIndex, fd: device.fd)
        deviceMode = try attach(to: engineIndex, veth: true)
    }

    deinit { detachAll() }

    /// A socket for member `slot`, and the steering program on it (`attach`), with
    /// zero-copy where the driver has it and the program is native; copying on veth.
    func openMember(slot: Int, name: String, ifindex: Int32, kind: String?) throws(SystemError) -> XDPSocket {
        let veth = kind == "veth"
        let socket = try XDPSocket(interface: name, index: ifindex, memory: memory, copy: veth || attachMode == .generic)
        try program.setSocket(slot: slot, ifindex: ifindex, fd: socket.fd)
        modes[slot] = try attach(to: ifindex, veth: veth)
        return socket
    }

    /// Attaches the steering program to `ifindex` as `xdp_mode` says: by default
    /// natively where the driver has XDP, and generic on veth, whose native XDP copies
    /// each frame all the same (it lacks the headroom XDP needs), measured no faster
    /// here, and takes TSO away from the veth's peer. Returns how, for `bondctl show`.
    private func attach(to ifindex: Int32, veth: Bool) throws(SystemError) -> String {
        switch attachMode {
        case .native:
            try program.attach(to: ifindex, mode: .native)
            return veth ? "native, copy" : "native"
        case .generic:
            try program.attach(to: ifindex, mode: .generic)
            return "generic, copy"
        case .auto:
            if !veth, (try? program.attach(to: ifindex, mode: .native)) != nil { return "native" }
            try program.attach(to: ifindex, mode: .generic)
            return "generic, copy"
        }
    }

    /// A socket for a VLAN device's engine end (its slot among the VLAN slots), with
    /// the program on it, copying and attached as the bond device's.
    func openVLAN(slot: Int, name: String, ifindex: Int32) throws(SystemError) -> XDPSocket {
        let socket = try XDPSocket(interface: name, index: ifindex, memory: memory, copy: true, fillLimit: Self.vlanFillLimit)
        try program.setSocket(slot: XDPSteeringProgram.vlanSlotBase + slot, ifindex: ifindex, fd: socket.fd)
        _ = try attach(to: ifindex, veth: true)
        return socket
    }

    /// Frames a VLAN device's socket holds for receiving: what the host sends on one
    /// VLAN device is one flow among the members', and 64 VLANs must not take the
    /// memory the members receive into.
    static let vlanFillLimit = 64

    func closeMember(slot: Int, ifindex: Int32) {
        program.detach(from: ifindex)
        program.forget(ifindex: ifindex)
        modes[slot] = nil
    }

    func detachAll() {
        for ix in program.attachedInterfaces { program.detach(from: ix) }
    }

    func describe(memberNames: [Int: String]) -> String {
        let members = modes.keys.sorted().map { "\(memberNames[$0] ?? "slot \($0)") \(modes[$0]!)" }
        return "\(memory.frameCount) shared frames of \(memory.frameSize) B; bond device \(deviceMode); members \(members.joined(separator: ", "))"
    }
}
