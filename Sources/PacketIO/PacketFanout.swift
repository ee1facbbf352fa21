import CLinuxNet
import SystemIO

/// A PACKET_FANOUT group: packet sockets bound to one device that share its frames,
/// each frame going to one of them, as a flow-hashing NIC spreads frames over its
/// queues. The group's first socket (index 0) is the engine's: a program in the kernel
/// sends it what only the engine handles (control frames) and spreads the rest by flow,
/// so each forwarding thread reads a ring of its own (`workers=`).
public struct PacketFanout: Sendable {
    /// The group's id in the network namespace, which the kernel chose unique.
    public let id: UInt16
    /// The most CPUs a program steers by (`spread(cpus:)`).
    public static let maximumCPUs = Int(CLN_FANOUT_CPUS_MAX)

    /// Starts a group on `first`, which becomes its index 0. Until `spread` runs, every
    /// frame goes to it.
    public init(first: PacketSocket) throws(SystemError) {
        let r = cln_fanout_create(first.fd)
        if r < 0 { throw SystemError("PACKET_FANOUT (new group on ifindex \(first.interfaceIndex))", errno: -r) }
        id = UInt16(r)
    }

    /// Adds `socket` (bound to the same device) at the next index.
    public func join(_ socket: PacketSocket) throws(SystemError) {
        let r = cln_fanout_join(socket.fd, id)
        if r < 0 { throw SystemError("PACKET_FANOUT (join group \(id) on ifindex \(socket.interfaceIndex))", errno: -r) }
    }

    /// Sets which socket takes a frame, through `member`, one of the group's sockets:
    /// over `sockets` sockets by flow (control frames, and tagged ones if
    /// `taggedToEngine`, to index 0), or every frame to index 0 (`allToEngine`).
    /// `cpus`: socket i takes what CPU `cpus[i]` received instead (what another CPU
    /// received goes by flow); at most `maximumCPUs`.
    public func spread(
        through member: PacketSocket, sockets: Int, taggedToEngine: Bool, allToEngine: Bool, cpus: [Int] = []
    ) throws(SystemError) {
        var program = [sock_filter](repeating: sock_filter(), count: Int(CLN_FANOUT_PROGRAM_MAX))
        let list = cpus.prefix(Self.maximumCPUs).map { UInt32($0) }
        let r = program.withUnsafeMutableBufferPointer { p in
            list.withUnsafeBufferPointer { c in
                let n = cln_fanout_program(
                    p.baseAddress, UInt32(sockets), Int32(taggedToEngine ? 1 : 0), Int32(allToEngine ? 1 : 0), c.baseAddress, UInt32(c.count))
                return cln_fanout_set_program(member.fd, p.baseAddress, n)
            }
        }
        if r < 0 { throw SystemError("PACKET_FANOUT_DATA (group \(id))", errno: -r) }
    }
}
