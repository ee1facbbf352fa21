import PacketIO

/// Naming of the device the host sees as the bond and of the engine's end of it.
///
/// The bond is a veth pair: the host uses `name` like any netdev (addresses, MTU,
/// bridge port), while the engine reads and writes the peer end. A veth rather than a
/// tap, because the XDP fast path redirects frames between veth and members without
/// leaving the kernel, and a veth's carrier follows its peer's admin state, which is
/// how the bond's carrier tracks its members.
enum BondDevice {
    static func engineEndName(for bond: String) -> String {
        if bond.utf8.count <= 11 { return bond + "-eng" }
        // FNV-1a keeps long names unique within the 15-character limit.
        var h: UInt32 = 2_166_136_261
        for b in bond.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        let hex = String(h, radix: 16)
        return "bde" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The alias the engine end carries: it tells a bond device of ours that a dead
    /// bondd left (and a new one may take over) from any other veth pair.
    static func engineEndMarker(for bond: String) -> String { "bondd engine end of " + bond }

    /// Both ends of `bond`'s device as a bondd that died left them, when they are there
    /// and no live bondd runs the bond (its claim is free): a restart takes them over,
    /// with the addresses, routes, bridge port and upper devices the host gave them.
    /// `claimHeld`: the caller holds the bond's claim (and so knows no bondd runs it).
    static func leftover(
        of bond: String, in all: [LinkInfo], claimHeld: Bool = false,
        stateDirectory: String = ProcessClaim.stateDirectory
    ) -> (host: LinkInfo, engine: LinkInfo)? {
        let end = engineEndName(for: bond)
        guard let host = all.first(where: { $0.name == bond && $0.kind == "veth" }),
            let engine = all.first(where: { $0.name == end && $0.kind == "veth" && $0.alias == engineEndMarker(for: bond) })
        else { return nil }
        if !claimHeld {
            guard let probe = try? ProcessClaim(Engine.claimKey("bond", bond), stateDirectory: stateDirectory) else { return nil }
            probe.release()
        }
        return (host, engine)
    }

    /// Interface names the kernel accepts: 1-15 bytes, no '/', ':' or white space.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 15 && name != "." && name != ".."
            && !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
    }
}
