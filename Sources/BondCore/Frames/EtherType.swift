/// Ethernet type codes the engine looks at.
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let rarp: UInt16 = 0x8035
    public static let vlan: UInt16 = 0x8100
    public static let qinq: UInt16 = 0x88A8
    public static let ipv6: UInt16 = 0x86DD
    public static let slowProtocols: UInt16 = 0x8809
    /// Loopback test frames; the kernel's balance-tlb learning packets use it.
    public static let loopback: UInt16 = 0x9000
}

public enum IPProtocolNumber {
    public static let icmp: UInt8 = 1
    public static let igmp: UInt8 = 2
    public static let ipip: UInt8 = 4
    public static let dccp: UInt8 = 33
    public static let ipv6: UInt8 = 41
    public static let esp: UInt8 = 50
    public static let ah: UInt8 = 51
    public static let udplite: UInt8 = 136
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let icmpv6: UInt8 = 58
    public static let sctp: UInt8 = 132
}
