/// `backend=`: how frames move between the bond device and the members.
public enum Backend: String, Sendable, CaseIterable, Codable {
    /// The engine reads and writes every frame through AF_PACKET rings.
    case afpacket
    /// AF_XDP sockets (not built yet).
    case afxdp
    /// XDP programs redirect frames between the bond device and members in the kernel,
    /// deciding from maps the engine keeps current; the engine sees only the frames the
    /// programs pass up (ARP, neighbour discovery, LACP, modes without a fast path).
    case xdp

    public var name: String { rawValue }
}
