import PacketIO

/// Naming and finding the VLAN devices the engine makes. Like the bond device, each is
/// a veth pair (this kernel may have no 8021q, and bondd needs none): the host uses
/// the VLAN's name like any netdev, the engine tags and untags on the other end.
enum VLANDevice {
    /// The alias on a VLAN device's engine end: it tells the devices a dead bondd left
    /// (which a new start takes over, with the host's addresses and bridge ports) from
    /// any other veth pair.
    static func engineEndMarker(bond: String, vid: UInt16) -> String { "bondd VLAN \(vid) of \(bond)" }

    /// A VLAN device's ends, found on the host.
    struct Ends {
        var vid: UInt16
        var host: LinkInfo
        var engine: LinkInfo
    }

    /// Every VLAN device of `bond` on the host (left by a bondd that died, or kept for
    /// a rebuild): engine ends with the bond's marker, and the host end they pair with.
    static func leftovers(of bond: String, in all: [LinkInfo]) -> [Ends] {
        let prefix = "bondd VLAN "
        let suffix = " of \(bond)"
        var found: [Ends] = []
        for engine in all where engine.kind == "veth" {
            guard let alias = engine.alias, alias.hasPrefix(prefix), alias.hasSuffix(suffix),
                let vid = UInt16(alias.dropFirst(prefix.count).dropLast(suffix.count)),
                let host = all.first(where: { $0.kind == "veth" && BondDevice.engineEndName(for: $0.name) == engine.name })
            else { continue }
            found.append(Ends(vid: vid, host: host, engine: engine))
        }
        return found
    }
}
