import BondCore
import PacketIO
import SystemIO

/// A member as the engine drives it: its socket, transmit queue and counters.
final class MemberPort {
    let index: Int
    let name: String
    let interfaceIndex: Int32
    let socket: PacketSocket
    let queue: TransmitQueue
    var rxPackets = 0
    var rxBytes = 0
    /// Frames received but not delivered (on a backup in active-backup, say).
    var rxDrops = 0
    /// The mode's control frames received (LACPDUs), taken by the mode.
    var rxControl = 0
    /// The interface disappeared (deleted, moved away): nothing to restore.
    var gone = false
    /// The MAC the member carries now: the bond's, or (balance-tlb) its own.
    var mac: MACAddress
    /// How to give the interface back as it was: run at removal or shutdown.
    let undo: UndoStack
    /// Removed at runtime: its socket is closed and its slot waits for the next member.
    var removed = false
    /// Active in the data plane: neither removed nor vanished.
    var isLive: Bool { !removed && !gone }
    /// `bondctl capture` on this member: copies of what it sends and receives.
    var tap: FrameTap?
    /// Its AF_XDP socket (`backend=afxdp`); `$xsk` counts it and those closed before it.
    @KeepsClosedSocketCounts var xsk: XDPSocket? = nil
    /// A veth: its peer's frames may carry checksums still owed (AF_XDP completes them).
    var completesChecksums = false

    /// Queues a frame for this member (sent with the batch).
    @inline(__always)
    func transmit(_ frame: ReceivedFrame) {
        if let tap { tap.record(frame, .sent) }
        queue.append(frame)
    }

    /// Sends a frame the engine built itself (notifications, probes, learning frames).
    func send(_ frame: [UInt8]) throws(SystemError) {
        if let tap { tap.record(frame, .sent) }
        try socket.send(frame)
    }

    init(index: Int, name: String, interfaceIndex: Int32, socket: PacketSocket, mac: MACAddress, undo: UndoStack) {
        self.index = index
        self.undo = undo
        self.mac = mac
        self.name = name
        self.interfaceIndex = interfaceIndex
        self.socket = socket
        queue = TransmitQueue(socket: socket)
    }
}

/// The engine's end of the bond device, or of one of its VLAN devices: frames the host
/// sends on the device arrive here, frames for the host are written here.
final class BondDevicePort {
    /// The device the host sees (the bond, or a VLAN device).
    let hostIndex: Int32
    let engineIndex: Int32
    /// The VLAN the device carries; nil for the bond device itself.
    let vlan: VLANSpec?
    /// The host end's name (a VLAN device's; the bond's is the engine's name).
    let name: String
    /// How to remove the device (a VLAN device's, at its removal or shutdown).
    let undo = UndoStack()
    /// Removed at runtime: its socket is closed.
    var removed = false
    /// The carrier last set on its engine end (a VLAN device's follows the bond's).
    var carrierApplied: Bool?
    let socket: PacketSocket
    let queue: TransmitQueue
    var rxPackets = 0
    var rxBytes = 0
    /// `bondctl capture` on the bond: what the host sends on it ("sent") and what the
    /// engine delivers to it ("received"), as tcpdump on the bond would see them.
    var tap: FrameTap?
    /// Its AF_XDP socket (`backend=afxdp`), and a VLAN device's slot among the VLAN
    /// sockets (0..<XDPSteeringProgram.maxVLANs). `$xsk` counts it and those closed before it.
    @KeepsClosedSocketCounts var xsk: XDPSocket? = nil
    var socketSlot: Int?
    /// The XDP programs tag and untag its frames (`backend=xdp`).
    var onFastPath = false

    /// Hands a frame to the host.
    @inline(__always)
    func deliver(_ frame: ReceivedFrame) {
        if let tap { tap.record(frame, .received) }
        queue.append(frame)
    }

    init(hostIndex: Int32, engineIndex: Int32, socket: PacketSocket, vlan: VLANSpec? = nil, name: String = "") {
        self.hostIndex = hostIndex
        self.engineIndex = engineIndex
        self.vlan = vlan
        self.name = name
        self.socket = socket
        queue = TransmitQueue(socket: socket)
    }
}
