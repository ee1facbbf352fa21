import BondCore
import PacketIO

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

/// The engine's end of the bond device: frames the host sends on the bond arrive here,
/// frames for the host are written here.
final class BondDevicePort {
    /// The device the host sees (the bond).
    let hostIndex: Int32
    let engineIndex: Int32
    let socket: PacketSocket
    let queue: TransmitQueue
    var rxPackets = 0
    var rxBytes = 0

    init(hostIndex: Int32, engineIndex: Int32, socket: PacketSocket) {
        self.hostIndex = hostIndex
        self.engineIndex = engineIndex
        self.socket = socket
        queue = TransmitQueue(socket: socket)
    }
}
