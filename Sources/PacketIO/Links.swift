import CLinuxNet
import Glibc
import SystemIO

/// Interface flag bits from <linux/if.h> (which clashes with <net/if.h> in one module).
public enum InterfaceFlags {
    public static let up: UInt32 = 0x1
    public static let loopback: UInt32 = 0x8
    public static let promiscuous: UInt32 = 0x100
    public static let allMulticast: UInt32 = 0x200
    public static let lowerUp: UInt32 = 0x10000
    public static let slave: UInt32 = 0x800
}

/// What rtnetlink says about one interface.
public struct LinkInfo: Equatable {
    public var index: Int32
    public var name: String
    public var flags: UInt32
    public var mac: [UInt8]
    public var mtu: Int
    public var master: Int32?
    public var alias: String?
    public var kind: String?
    /// How many users want the device promiscuous (a bridge port counts one); the
    /// IFF_PROMISC flag only shows the administrator's own setting.
    public var promiscuity: Int
    /// A bridge's own notification about its port (AF_BRIDGE): not the device's state.
    public var isBridgePortNotice: Bool

    public var isAdminUp: Bool { flags & InterfaceFlags.up != 0 }
    /// Carrier as the bond counts it: administratively up and the lower layer up.
    public var hasCarrier: Bool { isAdminUp && flags & InterfaceFlags.lowerUp != 0 }

    public init(
        index: Int32, name: String, flags: UInt32, mac: [UInt8], mtu: Int, master: Int32? = nil,
        alias: String? = nil, kind: String? = nil, promiscuity: Int = 0
    ) {
        self.index = index; self.name = name; self.flags = flags; self.mac = mac; self.mtu = mtu
        self.master = master; self.alias = alias; self.kind = kind; self.promiscuity = promiscuity
        isBridgePortNotice = false
    }

    init?(message: NetlinkMessage) {
        guard message.type == RTM_NEWLINK || message.type == RTM_DELLINK,
            message.payload.count >= MemoryLayout<ifinfomsg>.size
        else { return nil }
        let header = message.payload.withUnsafeBytes { $0.loadUnaligned(as: ifinfomsg.self) }
        let attributes = NetlinkAttributes(message.payload[MemoryLayout<ifinfomsg>.size...])
        index = header.ifi_index
        isBridgePortNotice = Int32(header.ifi_family) == AF_BRIDGE
        flags = header.ifi_flags
        name = attributes.string(Int32(IFLA_IFNAME)) ?? ""
        mac = attributes[Int32(IFLA_ADDRESS)].map(Array.init) ?? []
        mtu = Int(attributes.u32(Int32(IFLA_MTU)) ?? 0)
        master = attributes.u32(Int32(IFLA_MASTER)).map { Int32(bitPattern: $0) }
        alias = attributes.string(Int32(IFLA_IFALIAS))
        promiscuity = Int(attributes.u32(Int32(IFLA_PROMISCUITY)) ?? 0)
        if let info = attributes[Int32(IFLA_LINKINFO)] {
            kind = NetlinkAttributes(info).string(Int32(IFLA_INFO_KIND))
        }
    }
}

/// Changes to one link, applied in one RTM_NEWLINK request.
public struct LinkChange {
    public var up: Bool?
    public var allMulticast: Bool?
    public var promiscuous: Bool?
    public var mac: [UInt8]?
    public var mtu: Int?
    /// An empty string clears the alias.
    public var alias: String?
    /// The index of a master device (a bridge) to join; 0 leaves the current master.
    public var master: Int32?
    public init(
        up: Bool? = nil, allMulticast: Bool? = nil, promiscuous: Bool? = nil,
        mac: [UInt8]? = nil, mtu: Int? = nil, alias: String? = nil, master: Int32? = nil
    ) {
        self.up = up; self.allMulticast = allMulticast; self.promiscuous = promiscuous
        self.mac = mac; self.mtu = mtu; self.alias = alias; self.master = master
    }
}

/// Link and address operations over rtnetlink, in the calling thread's namespace.
public final class LinkControl {
    let socket: NetlinkSocket

    public init() throws(SystemError) { socket = try NetlinkSocket() }

    public func links() throws(SystemError) -> [LinkInfo] {
        var r = NetlinkRequest(type: Int32(RTM_GETLINK), flags: NLM_F_DUMP)
        r.append(fixed: ifinfomsg())
        return try socket.transact(r, what: "dump links").compactMap(LinkInfo.init(message:))
    }

    /// Creates a veth pair; both ends start down.
    public func createVethPair(name: String, peer: String, mac: [UInt8]?, mtu: Int?) throws(SystemError) {
        var r = NetlinkRequest(type: Int32(RTM_NEWLINK), flags: NLM_F_CREATE | NLM_F_EXCL)
        r.append(fixed: ifinfomsg())
        r.attribute(Int32(IFLA_IFNAME), string: name)
        if let mac { r.attribute(Int32(IFLA_ADDRESS), mac) }
        if let mtu { r.attribute(Int32(IFLA_MTU), u32: UInt32(mtu)) }
        r.nested(Int32(IFLA_LINKINFO)) { info in
            info.attribute(Int32(IFLA_INFO_KIND), string: "veth")
            info.nested(Int32(IFLA_INFO_DATA)) { data in
                data.nested(Int32(VETH_INFO_PEER)) { p in
                    p.append(fixed: ifinfomsg())
                    p.attribute(Int32(IFLA_IFNAME), string: peer)
                    if let mtu { p.attribute(Int32(IFLA_MTU), u32: UInt32(mtu)) }
                }
            }
        }
        _ = try socket.transact(r, what: "create veth \(name)")
    }

    public func deleteLink(index: Int32) throws(SystemError) {
        var r = NetlinkRequest(type: Int32(RTM_DELLINK), flags: 0)
        var h = ifinfomsg()
        h.ifi_index = index
        r.append(fixed: h)
        _ = try socket.transact(r, what: "delete link \(index)")
    }

    public func change(index: Int32, _ c: LinkChange) throws(SystemError) {
        var r = NetlinkRequest(type: Int32(RTM_NEWLINK), flags: 0)
        var h = ifinfomsg()
        h.ifi_index = index
        func flag(_ bit: UInt32, _ on: Bool?) {
            guard let on else { return }
            h.ifi_change |= bit
            if on { h.ifi_flags |= bit }
        }
        flag(InterfaceFlags.up, c.up)
        flag(InterfaceFlags.allMulticast, c.allMulticast)
        flag(InterfaceFlags.promiscuous, c.promiscuous)
        r.append(fixed: h)
        if let mac = c.mac { r.attribute(Int32(IFLA_ADDRESS), mac) }
        if let mtu = c.mtu { r.attribute(Int32(IFLA_MTU), u32: UInt32(mtu)) }
        if let alias = c.alias { r.attribute(Int32(IFLA_IFALIAS), Array(alias.utf8)) }
        if let master = c.master { r.attribute(Int32(IFLA_MASTER), u32: UInt32(bitPattern: master)) }
        _ = try socket.transact(r, what: "change link \(index)")
    }

    /// Adds an address (4 or 16 bytes, network order) to an interface, as `ip addr add`;
    /// `noDAD` skips IPv6 duplicate address detection.
    public func addAddress(index: Int32, _ address: [UInt8], prefixLength: Int, noDAD: Bool) throws(SystemError) {
        var r = NetlinkRequest(type: Int32(RTM_NEWADDR), flags: NLM_F_CREATE | NLM_F_EXCL)
        var h = ifaddrmsg()
        h.ifa_family = UInt8(address.count == 4 ? AF_INET : AF_INET6)
        h.ifa_prefixlen = UInt8(prefixLength)
        h.ifa_index = UInt32(bitPattern: index)
        if noDAD { h.ifa_flags = UInt8(IFA_F_NODAD) }
        r.append(fixed: h)
        if address.count == 4 { r.attribute(Int32(IFA_LOCAL), address) }
        r.attribute(Int32(IFA_ADDRESS), address)
        _ = try socket.transact(r, what: "add address to link \(index)")
    }

    /// The IPv4 and IPv6 addresses on an interface (host byte order / two halves).
    public func addresses(index: Int32) throws(SystemError) -> (ipv4: [UInt32], ipv6: [(UInt64, UInt64)]) {
        try allAddresses()[index] ?? ([], [])
    }

    /// Link speed in Mbit/s from ethtool, or nil when the driver does not say.
    public func speed(of name: String) -> Int? {
        let fd = socket_fd_for_ioctl()
        defer { close(fd) }
        let s = name.withCString { cln_ethtool_speed(fd, $0, nil) }
        return s < 0 ? nil : Int(s)
    }

    /// Full duplex (true) or half, from ethtool; nil when the driver does not say.
    public func fullDuplex(of name: String) -> Bool? {
        let fd = socket_fd_for_ioctl()
        defer { close(fd) }
        var duplex: Int32 = -1
        _ = name.withCString { cln_ethtool_speed(fd, $0, &duplex) }
        switch duplex {
        case 1: return true  // DUPLEX_FULL
        case 0: return false  // DUPLEX_HALF
        default: return nil
        }
    }

    /// Generic receive offload of `name` on or off (on a veth it also starts NAPI,
    /// which native XDP redirects into the veth need).
    public func setGenericReceiveOffload(name: String, on: Bool) throws(SystemError) {
        let fd = socket_fd_for_ioctl()
        defer { close(fd) }
        let r = name.withCString { cln_ethtool_set_gro(fd, $0, on ? 1 : 0) }
        if r < 0 { throw SystemError("GRO on \(name)", errno: -r) }
    }

    private func socket_fd_for_ioctl() -> Int32 { Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
}

/// Link and address notifications from the kernel (RTMGRP_LINK, RTMGRP_IPV4_IFADDR,
/// RTMGRP_IPV6_IFADDR): carrier, flags, MTU, removal, addresses added or removed.
public final class LinkEvents {
    let socket: NetlinkSocket
    public var fd: Int32 { socket.fd }

    public init() throws(SystemError) {
        socket = try NetlinkSocket(groups: UInt32(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR))
    }

    /// Reads queued notifications without blocking. `addressChanged` gets the index of
    /// an interface whose addresses changed (a DAD that ends is a change too).
    /// - Returns: false when some were lost; the caller re-reads the link table.
    public func drain(
        _ handle: (_ link: LinkInfo, _ removed: Bool) -> Void,
        addressChanged: (_ index: Int32) -> Void
    ) -> Bool {
        socket.drainNotifications { message in
            if let info = LinkInfo(message: message) {
                handle(info, message.type == RTM_DELLINK)
            } else if message.type == RTM_NEWADDR || message.type == RTM_DELADDR,
                message.payload.count >= MemoryLayout<ifaddrmsg>.size
            {
                let h = message.payload.withUnsafeBytes { $0.loadUnaligned(as: ifaddrmsg.self) }
                addressChanged(Int32(bitPattern: h.ifa_index))
            }
        }
    }
}
