/// One VLAN device the bond carries (`vlans=VID[:NAME],...`). The host uses the device
/// as it would a kernel 8021q device: frames it sends there leave the members tagged
/// with `vid`, and frames the members receive tagged with `vid` reach it untagged.
public struct VLANSpec: Sendable, Hashable, CustomStringConvertible {
    /// 1-4094 (0 is a priority tag, 4095 reserved).
    public var vid: UInt16
    /// The device's name; nil: `BOND.VID`, as `ip link add link BOND name BOND.VID` is
    /// usually named.
    public var name: String?

    public init(vid: UInt16, name: String? = nil) {
        self.vid = vid
        self.name = name
    }

    /// The device's name on bond `bond`.
    public func deviceName(bond: String) -> String { name ?? "\(bond).\(vid)" }

    /// As the option writes it.
    public var description: String { name.map { "\(vid):\($0)" } ?? String(vid) }

    /// The most VLAN devices one bond makes: each one is a device pair, a socket and
    /// its ring, so the count is bounded rather than left to memory.
    public static let maxCount = 64

    /// `VID[:NAME]` words, comma-separated; an empty value is no VLAN at all.
    static func parseList(_ value: String) throws(OptionError) -> [VLANSpec] {
        guard !value.isEmpty else { return [] }
        var list: [VLANSpec] = []
        for entry in value.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let vid = UInt16(parts[0].trimmingSpaces), (1...4094).contains(vid) else {
                throw OptionError("vlans: invalid VLAN id in '\(entry)' (VID[:NAME] with VID 1-4094, comma-separated)")
            }
            var spec = VLANSpec(vid: vid)
            if parts.count == 2 {
                let name = String(parts[1].trimmingSpaces)
                guard isValidDeviceName(name) else {
                    throw OptionError("vlans: invalid device name '\(name)' (1-15 characters, no '/', ':', ',' or spaces)")
                }
                spec.name = name
            }
            if list.contains(where: { $0.vid == vid }) { throw OptionError("vlans: VLAN \(vid) is given twice") }
            if let name = spec.name, list.contains(where: { $0.name == name }) {
                throw OptionError("vlans: device name '\(name)' is given twice")
            }
            list.append(spec)
        }
        guard list.count <= maxCount else { throw OptionError("vlans: too many VLANs (at most \(maxCount) per bond)") }
        return list
    }

    /// Interface names the kernel accepts: 1-15 bytes, no '/', ':' or white space.
    public static func isValidDeviceName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 15 && name != "." && name != ".."
            && !name.contains(where: { $0 == "/" || $0 == ":" || $0 == "," || $0 == "=" || $0.isWhitespace })
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
