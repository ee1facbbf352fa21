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
    /// How the programs are attached and whether the kernel copies, for `bondctl show`.
    private(set) var modes: [Int: String] = [:]

    /// `maximumFrame`, `tcpToTC`: the steering's setting (`XDPSteeringProgram.configure`),
    /// in place before the program sees a frame, so that no flow starts on one path and
    /// moves to the other.
    init(engineName: String, engineIndex: Int32, maximumFrame: Int, tcpToTC: Bool) throws(SystemError) {
        program = try XDPSteeringProgram()
        memory = try XDPSocketMemory()
        // The program allows 8 bytes more for tags: a tagged frame fits a socket frame too.
        try program.configure(maximumFrame: min(maximumFrame, memory.largestFrame - 8), tcpToTC: tcpToTC)
        device = try XDPSocket(interface: engineName, index: engineIndex, memory: memory, copy: true)
        try program.setSocket(slot: XDPSteeringProgram.deviceSlot, ifindex: engineIndex, fd: device.fd)
        try program.attach(to: engineIndex, mode: .generic)
    }

    deinit { detachAll() }

    /// A socket for member `slot`, and the steering program on it: natively, with
    /// zero-copy where the driver has both; generic and copying on veth.
    func openMember(slot: Int, name: String, ifindex: Int32, kind: String?) throws(SystemError) -> XDPSocket {
        let veth = kind == "veth"
        let socket = try XDPSocket(interface: name, index: ifindex, memory: memory, copy: veth)
        try program.setSocket(slot: slot, ifindex: ifindex, fd: socket.fd)
        if !veth, (try? program.attach(to: ifindex, mode: .native)) != nil {
            modes[slot] = "native"
        } else {
            try program.attach(to: ifindex, mode: .generic)
            modes[slot] = "generic, copy"
        }
        return socket
    }

    /// A socket for a VLAN device's engine end (its slot among the VLAN slots), with
    /// the program on it, generic and copying as the bond device's.
    func openVLAN(slot: Int, name: String, ifindex: Int32) throws(SystemError) -> XDPSocket {
        let socket = try XDPSocket(interface: name, index: ifindex, memory: memory, copy: true, fillLimit: Self.vlanFillLimit)
        try program.setSocket(slot: XDPSteeringProgram.vlanSlotBase + slot, ifindex: ifindex, fd: socket.fd)
        try program.attach(to: ifindex, mode: .generic)
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
        return "\(memory.frameCount) shared frames of \(memory.frameSize) B; bond device generic, copy; members \(members.joined(separator: ", "))"
    }
}
