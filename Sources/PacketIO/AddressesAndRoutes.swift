import CLinuxNet
import Glibc
import SystemIO

/// The addresses of every interface at once, and the route the kernel would take to an
/// address: what the engine needs to speak for the devices stacked on the bond.
extension LinkControl {
    /// Every interface's IPv4 and IPv6 addresses, by interface index, in one dump.
    /// Addresses still in (or failed) duplicate address detection are left out: the
    /// kernel's source selection skips them, and so do we.
    public func allAddresses() throws(SystemError) -> [Int32: (ipv4: [UInt32], ipv6: [(UInt64, UInt64)])] {
        var r = NetlinkRequest(type: Int32(RTM_GETADDR), flags: NLM_F_DUMP)
        r.append(fixed: ifaddrmsg())
        var all: [Int32: (ipv4: [UInt32], ipv6: [(UInt64, UInt64)])] = [:]
        for m in try socket.transact(r, what: "dump addresses") where m.type == RTM_NEWADDR {
            guard m.payload.count >= MemoryLayout<ifaddrmsg>.size else { continue }
            let h = m.payload.withUnsafeBytes { $0.loadUnaligned(as: ifaddrmsg.self) }
            let index = Int32(bitPattern: h.ifa_index)
            let a = NetlinkAttributes(m.payload[MemoryLayout<ifaddrmsg>.size...])
            let flags = a.u32(Int32(IFA_FLAGS)) ?? UInt32(h.ifa_flags)
            if flags & UInt32(IFA_F_TENTATIVE | IFA_F_DADFAILED) != 0 { continue }
            if Int32(h.ifa_family) == AF_INET, let b = a[Int32(IFA_LOCAL)] ?? a[Int32(IFA_ADDRESS)], b.count == 4 {
                all[index, default: ([], [])].ipv4.append(b.reduce(0) { $0 << 8 | UInt32($1) })
            } else if Int32(h.ifa_family) == AF_INET6, let b = a[Int32(IFA_ADDRESS)], b.count == 16 {
                let hi = b.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let lo = b.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                all[index, default: ([], [])].ipv6.append((hi, lo))
            }
        }
        return all
    }

    /// Removes an address (4 or 16 bytes) from an interface, as `ip addr del`.
    public func deleteAddress(index: Int32, _ address: [UInt8], prefixLength: Int) throws(SystemError) {
        var r = NetlinkRequest(type: Int32(RTM_DELADDR), flags: 0)
        var h = ifaddrmsg()
        h.ifa_family = UInt8(address.count == 4 ? AF_INET : AF_INET6)
        h.ifa_prefixlen = UInt8(prefixLength)
        h.ifa_index = UInt32(bitPattern: index)
        r.append(fixed: h)
        if address.count == 4 { r.attribute(Int32(IFA_LOCAL), address) }
        r.attribute(Int32(IFA_ADDRESS), address)
        _ = try socket.transact(r, what: "delete address from link \(index)")
    }

    /// The route the kernel picks to `address` (4 or 16 bytes): the interface it leaves
    /// by and, when the route names one, the source address it prefers. nil: no route.
    public func route(to address: [UInt8]) throws(SystemError) -> Route? {
        var r = NetlinkRequest(type: Int32(RTM_GETROUTE), flags: 0)
        var h = rtmsg()
        h.rtm_family = UInt8(address.count == 4 ? AF_INET : AF_INET6)
        h.rtm_dst_len = UInt8(address.count * 8)
        r.append(fixed: h)
        r.attribute(Int32(RTA_DST.rawValue), address)
        let replies: [NetlinkMessage]
        do { replies = try socket.transact(r, what: "route lookup") } catch {
            // No route (ENETUNREACH, EHOSTUNREACH): an answer, not a failure.
            if [ENETUNREACH, EHOSTUNREACH, ENETDOWN].contains(error.errno) { return nil }
            throw error
        }
        for m in replies where m.type == RTM_NEWROUTE && m.payload.count >= MemoryLayout<rtmsg>.size {
            let a = NetlinkAttributes(m.payload[MemoryLayout<rtmsg>.size...])
            guard let oif = a.u32(Int32(RTA_OIF.rawValue)) else { continue }
            return Route(interfaceIndex: Int32(bitPattern: oif), preferredSource: a[Int32(RTA_PREFSRC.rawValue)].map(Array.init))
        }
        return nil
    }
}

/// A route as the kernel would take it.
public struct Route: Sendable, Equatable {
    public var interfaceIndex: Int32
    /// The route's preferred source address (RTA_PREFSRC), when it has one.
    public var preferredSource: [UInt8]?
    public init(interfaceIndex: Int32, preferredSource: [UInt8]?) {
        self.interfaceIndex = interfaceIndex
        self.preferredSource = preferredSource
    }
}
