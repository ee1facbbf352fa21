/// The multicast groups the host joined on one interface, read from the kernel's
/// /proc/net/igmp, igmp6, mcfilter and mcfilter6 texts, for re-sending membership
/// reports after a failover (resend_igmp). Pure: the engine reads the files.
public struct MulticastMemberships: Equatable, Sendable {
    public enum IGMPVersion: Int, Sendable { case v1 = 1, v2, v3 }

    public struct Group<Address: Hashable & Sendable>: Equatable, Sendable {
        public var address: Address
        /// Source-specific joins (include mode). Empty: any source (exclude nothing).
        public var includedSources: [Address]
        public init(address: Address, includedSources: [Address] = []) {
            self.address = address; self.includedSources = includedSources
        }
    }

    public var igmpVersion: IGMPVersion = .v3
    public var ipv4: [Group<IPv4Address>] = []
    public var ipv6: [Group<IPv6Address>] = []

    public init() {}

    public var isEmpty: Bool { ipv4.isEmpty && ipv6.isEmpty }

    /// Parses the files' texts for interface index `index`. Groups the kernel never
    /// reports (224.0.0.1, and IPv6 groups flagged no-report such as ff02::1) are left out.
    /// Sources are kept only in the source-specific ranges (232/8, ff3x::/32), where a
    /// join is always include-mode; elsewhere a group is reported as any-source, which
    /// can over-deliver but never cuts a receiver off.
    public static func parse(index: Int32, igmp: String, igmp6: String, mcfilter: String = "", mcfilter6: String = "") -> MulticastMemberships {
        var m = MulticastMemberships()
        var inDevice = false
        for line in igmp.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = fields.first else { continue }
            if !line.hasPrefix("\t") {
                // "Idx\tDevice    : Count Querier..." header, or "3\tbond0     :     2      V3".
                guard let ix = Int32(first) else { inDevice = false; continue }
                inDevice = ix == index
                if inDevice, let q = fields.last {
                    m.igmpVersion = q == "V1" ? .v1 : q == "V2" ? .v2 : .v3
                }
            } else if inDevice, let raw = UInt32(first, radix: 16) {
                // The kernel prints the network-order address as a host integer.
                let a = IPv4Address(rawValue: UInt32(bigEndian: raw))
                if a.rawValue != 0xE000_0001 { m.ipv4.append(Group(address: a)) }
            }
        }
        for line in igmp6.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 5, Int32(f[0]) == index, let a = ipv6(hex: f[2]), let flags = UInt32(f[4], radix: 16) else { continue }
            if flags & 0x08 == 0 { m.ipv6.append(Group(address: a)) }  // MAF_NOREPORT
        }
        for line in mcfilter.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 6, Int32(f[0]) == index,
                let g = UInt32(f[2].dropFirst(2), radix: 16), let s = UInt32(f[3].dropFirst(2), radix: 16),
                let inc = Int(f[4]), inc > 0, g >> 24 == 232,
                let k = m.ipv4.firstIndex(where: { $0.address.rawValue == g })
            else { continue }
            m.ipv4[k].includedSources.append(IPv4Address(rawValue: s))
        }
        for line in mcfilter6.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 6, Int32(f[0]) == index, let g = ipv6(hex: f[2]), let s = ipv6(hex: f[3]),
                let inc = Int(f[4]), inc > 0, g.high >> 52 == 0xFF3,
                let k = m.ipv6.firstIndex(where: { $0.address == g })
            else { continue }
            m.ipv6[k].includedSources.append(s)
        }
        return m
    }

    private static func ipv6(hex: Substring) -> IPv6Address? {
        guard hex.count == 32, let hi = UInt64(hex.prefix(16), radix: 16), let lo = UInt64(hex.suffix(16), radix: 16) else { return nil }
        return IPv6Address(high: hi, low: lo)
    }
}
