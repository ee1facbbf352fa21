/// `coalesce=`: how the engine waits for frames (bondd's own option, as ethtool's
/// adaptive-rx for a NIC's interrupts).
public enum Coalesce: String, Sendable, CaseIterable, Codable {
    /// On the sockets while that costs little; under a steady load of small bursts,
    /// polling every ring on a short timer, as long as that does not slow the traffic.
    case adaptive
    /// Always on the sockets: woken for every burst, the lowest latency at any load.
    case off
}

/// `backend=`: how frames move between the bond device and the members.
public enum Backend: String, Sendable, CaseIterable, Codable {
    /// The engine reads and writes every frame through AF_PACKET rings.
    case afpacket
    /// The engine decides every frame, which comes and goes through AF_XDP sockets on
    /// memory shared by the bond device and members (moved by descriptor, in batches).
    case afxdp
    /// XDP programs redirect frames between the bond device and members in the kernel,
    /// deciding from maps the engine keeps current; the engine sees only the frames the
    /// programs pass up (ARP, neighbour discovery, LACP, modes without a fast path).
    case xdp
}
