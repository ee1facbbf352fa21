/// Which of the bond's addresses an ARP/NS probe speaks from: the one sharing the
/// longest prefix with the target, as the kernel's source address selection would pick
/// for a target on the bond's subnet (an IPv6 probe prefers a global address).
public enum ProbeSourceAddress {
    public static func forTarget(_ t: IPv4Address, among own: [IPv4Address]) -> IPv4Address {
        own.max { ($0.rawValue ^ t.rawValue).leadingZeroBitCount < ($1.rawValue ^ t.rawValue).leadingZeroBitCount }
            ?? IPv4Address(rawValue: 0)
    }

    public static func forTarget(_ t: IPv6Address, among own: [IPv6Address]) -> IPv6Address {
        func shared(_ a: IPv6Address) -> Int {
            a.high == t.high ? 64 + (a.low ^ t.low).leadingZeroBitCount : (a.high ^ t.high).leadingZeroBitCount
        }
        return own.filter { !$0.isLinkLocal }.max { shared($0) < shared($1) } ?? own.first ?? IPv6Address(high: 0, low: 0)
    }
}
