import SystemIO
/// The link operations the engine uses, as a protocol: `LinkControl` does them over
/// rtnetlink; an in-memory kernel does them in tests that need no root.
public protocol LinkControlling: AnyObject {
    func links() throws(SystemError) -> [LinkInfo]
    func link(named name: String) throws(SystemError) -> LinkInfo?
    func link(index: Int32) throws(SystemError) -> LinkInfo?
    /// Creates a veth pair; both ends start down.
    func createVethPair(name: String, peer: String, mac: [UInt8]?, mtu: Int?) throws(SystemError)
    func deleteLink(index: Int32) throws(SystemError)
    func change(index: Int32, _ c: LinkChange) throws(SystemError)
    func addAddress(index: Int32, _ address: [UInt8], prefixLength: Int, noDAD: Bool) throws(SystemError)
    /// The IPv4 and IPv6 addresses on an interface (host byte order / two halves).
    func addresses(index: Int32) throws(SystemError) -> (ipv4: [UInt32], ipv6: [(UInt64, UInt64)])
    func deleteAddress(index: Int32, _ address: [UInt8], prefixLength: Int) throws(SystemError)
    /// Every interface's addresses, by index, in one read.
    func allAddresses() throws(SystemError) -> [Int32: (ipv4: [UInt32], ipv6: [(UInt64, UInt64)])]
    /// The route the kernel takes to `address` (4 or 16 bytes); nil: none, or unknown.
    func route(to address: [UInt8]) throws(SystemError) -> Route?
    /// Link speed in Mbit/s, or nil when the driver does not say.
    func speed(of name: String) -> Int?
    /// Whether the link runs full duplex, or nil when the driver does not say.
    func fullDuplex(of name: String) -> Bool?
    func setGenericReceiveOffload(name: String, on: Bool) throws(SystemError)
}

extension LinkControlling {
    public func fullDuplex(of name: String) -> Bool? { nil }
    public func route(to address: [UInt8]) throws(SystemError) -> Route? { nil }
    public func allAddresses() throws(SystemError) -> [Int32: (ipv4: [UInt32], ipv6: [(UInt64, UInt64)])] {
        var all: [Int32: (ipv4: [UInt32], ipv6: [(UInt64, UInt64)])] = [:]
        for l in try links() { all[l.index] = try addresses(index: l.index) }
        return all
    }
}

extension LinkControlling {
    public func link(named name: String) throws(SystemError) -> LinkInfo? { try links().first { $0.name == name } }
    public func link(index: Int32) throws(SystemError) -> LinkInfo? { try links().first { $0.index == index } }
}

/// Link and address notifications (`LinkEvents` over rtnetlink).
public protocol LinkEventSource: AnyObject {
    /// A descriptor that is readable when notifications wait (for epoll).
    var fd: Int32 { get }
    /// Reads queued notifications without blocking.
    /// - Returns: false when some were lost; the caller re-reads the link table.
    func drain(_ handle: (_ link: LinkInfo, _ removed: Bool) -> Void, addressChanged: (_ index: Int32) -> Void) -> Bool
}

/// What keeps the host's stack off an interface the engine owns (`StackBypass`).
public protocol StackBypassing: AnyObject {
    /// Whether the hook was created for this (and so goes with it).
    var createdHook: Bool { get }
    func remove()
}

extension LinkControl: LinkControlling {}
extension LinkEvents: LinkEventSource {}
extension StackBypass: StackBypassing {}
