/// `coalesce=`: how the engine waits for frames (bondd's own option, as ethtool's
/// adaptive-rx for a NIC's interrupts).
public enum Coalesce: String, Sendable, CaseIterable, Codable {
    /// On the sockets while that costs little; under a steady load of small bursts,
    /// polling every ring on a short timer, as long as that does not slow the traffic.
    case adaptive
    /// Always on the sockets: woken for every burst, the lowest latency at any load.
    case off
}

/// `xdp_mode=`: how the afxdp backend's steering program is attached (bondd's own
/// option, as Open vSwitch's `xdp-mode` for its AF_XDP ports).
public enum XDPAttachMode: String, Sendable, CaseIterable, Codable {
    /// Natively where the driver has XDP, generic on veth and where it has not: veth's
    /// native XDP measured no faster here, and takes TSO from the veth's peer.
    case auto
    /// Natively on every interface, the bond device's veth included; a driver that
    /// refuses has the bond run on AF_PACKET and say why.
    case native
    /// Generic everywhere, copying: for drivers whose native XDP misbehaves.
    case generic
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
