import BondCore
@testable import BondEngine
import Foundation
import Glibc
import PacketIO
import SystemIO

/// A kernel in memory for the engine: interfaces with flags, MACs and MTUs, veth pairs
/// whose carrier follows the peer, link notifications for every change (the engine's
/// own included, as rtnetlink sends them), packet sockets over `EmbeddedPacketWire`,
/// and a virtual clock. Runs as any user: nothing touches the host.
final class EmbeddedKernel: EngineSystem, LinkControlling, LinkEventSource {
    var clock = Instant.milliseconds(10_000_000)
    private(set) var interfaces: [Int32: LinkInfo] = [:]
    private var vethPeers: [Int32: Int32] = [:]
    private(set) var wires: [Int32: EmbeddedPacketWire] = [:]
    var ipv4: [Int32: [UInt32]] = [:]
    /// Every change the engine asked for, in order: (interface name, change).
    private(set) var changeLog: [(name: String, change: LinkChange)] = []
    private var notices: [(LinkInfo, Bool)] = []
    private var nextIndex: Int32 = 2
    let stateDirectory: String
    /// Never signalled: the test turns the loop itself.
    private let readiness = try! WakeupEvent()
    var fd: Int32 { readiness.fd }

    init() {
        var template = Array("/tmp/bondd-embedded-XXXXXX".utf8CString)
        stateDirectory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    // MARK: The test's hands

    /// An Ethernet interface, up, with carrier (a NIC, or a veth whose peer is up).
    @discardableResult
    func addInterface(_ name: String, mac: String, carrier: Bool = true, kind: String? = nil) -> Int32 {
        let index = nextIndex
        nextIndex += 1
        let flags = InterfaceFlags.up | (carrier ? InterfaceFlags.lowerUp : 0)
        interfaces[index] = LinkInfo(index: index, name: name, flags: flags, mac: MACAddress(mac)!.bytes, mtu: 1500, kind: kind)
        return index
    }

    func index(of name: String) -> Int32 { interfaces.values.first { $0.name == name }!.index }
    func info(_ name: String) -> LinkInfo { interfaces[index(of: name)]! }
    func wire(_ name: String) -> EmbeddedPacketWire { wires[index(of: name)]! }

    /// The cable of `name` is pulled or plugged back: carrier and a notification.
    func setCarrier(_ name: String, _ up: Bool) {
        let i = index(of: name)
        if up { interfaces[i]!.flags |= InterfaceFlags.lowerUp } else { interfaces[i]!.flags &= ~InterfaceFlags.lowerUp }
        notices.append((interfaces[i]!, false))
    }

    /// The administrator's `ip link set NAME up|down`.
    func setAdmin(_ name: String, up: Bool) { try? change(index: index(of: name), LinkChange(up: up)) }

    // MARK: LinkControlling

    func links() throws(SystemError) -> [LinkInfo] { interfaces.values.sorted { $0.index < $1.index } }

    func createVethPair(name: String, peer: String, mac: [UInt8]?, mtu: Int?) throws(SystemError) {
        guard !interfaces.values.contains(where: { $0.name == name || $0.name == peer }) else { throw SystemError("create veth", errno: EEXIST) }
        let a = addInterface(name, mac: MACAddress(bytes: mac ?? [0x02, 0, 0, 0, 0, 0xA0]).description, carrier: false, kind: "veth")
        let b = addInterface(peer, mac: "02:00:00:00:00:b0", carrier: false, kind: "veth")
        for i in [a, b] {
            interfaces[i]!.flags = 0
            interfaces[i]!.mtu = mtu ?? 1500
        }
        vethPeers[a] = b
        vethPeers[b] = a
    }

    func deleteLink(index: Int32) throws(SystemError) {
        guard let gone = interfaces.removeValue(forKey: index) else { throw SystemError("delete link", errno: ENODEV) }
        notices.append((gone, true))
        if let p = vethPeers.removeValue(forKey: index), let peer = interfaces.removeValue(forKey: p) {
            vethPeers[p] = nil
            notices.append((peer, true))
        }
    }

    func change(index: Int32, _ c: LinkChange) throws(SystemError) {
        guard var l = interfaces[index] else { throw SystemError("change link \(index)", errno: ENODEV) }
        changeLog.append((l.name, c))
        func flag(_ bit: UInt32, _ on: Bool?) {
            guard let on else { return }
            if on { l.flags |= bit } else { l.flags &= ~bit }
        }
        flag(InterfaceFlags.up, c.up)
        flag(InterfaceFlags.allMulticast, c.allMulticast)
        flag(InterfaceFlags.promiscuous, c.promiscuous)
        if let mac = c.mac { l.mac = mac }
        if let mtu = c.mtu { l.mtu = mtu }
        if let alias = c.alias { l.alias = alias.isEmpty ? nil : alias }
        if let master = c.master { l.master = master == 0 ? nil : master }
        interfaces[index] = l
        notices.append((l, false))
        // A veth has carrier while both ends are up.
        if let p = vethPeers[index], var peer = interfaces[p] {
            let both = l.isAdminUp && peer.isAdminUp
            for i in [index, p] {
                if both { interfaces[i]!.flags |= InterfaceFlags.lowerUp } else { interfaces[i]!.flags &= ~InterfaceFlags.lowerUp }
            }
            peer = interfaces[p]!
            notices.append((interfaces[index]!, false))
            notices.append((peer, false))
        }
    }

    func addAddress(index: Int32, _ address: [UInt8], prefixLength: Int, noDAD: Bool) throws(SystemError) {
        guard address.count == 4 else { return }
        ipv4[index, default: []].append(address.reduce(0) { $0 << 8 | UInt32($1) })
    }

    func addresses(index: Int32) throws(SystemError) -> (ipv4: [UInt32], ipv6: [(UInt64, UInt64)]) { (ipv4[index] ?? [], []) }
    func deleteAddress(index: Int32, _ address: [UInt8], prefixLength: Int) throws(SystemError) {
        ipv4[index]?.removeAll { $0 == address.reduce(0) { $0 << 8 | UInt32($1) } }
    }
    func speed(of name: String) -> Int? { 1000 }
    func setGenericReceiveOffload(name: String, on: Bool) throws(SystemError) {}

    // MARK: LinkEventSource

    func drain(_ handle: (_ link: LinkInfo, _ removed: Bool) -> Void, addressChanged: (_ index: Int32) -> Void) -> Bool {
        while !notices.isEmpty {
            let (info, removed) = notices.removeFirst()
            handle(info, removed)
        }
        return true
    }

    // MARK: EngineSystem

    func linkControl() throws(SystemError) -> any LinkControlling { self }
    func linkEvents() throws(SystemError) -> any LinkEventSource { self }
    func packetSocket(interfaceIndex: Int32) throws(SystemError) -> PacketSocket {
        let wire = try EmbeddedPacketWire(interfaceIndex: interfaceIndex)
        wires[interfaceIndex] = wire
        return wire.socket
    }
    func packetSocket(interfaceIndex: Int32, ring: PacketRingConfiguration) throws(SystemError) -> PacketSocket {
        try packetSocket(interfaceIndex: interfaceIndex)
    }
    func bypassStack(interfaceIndex: Int32) throws(SystemError) -> any StackBypassing { NoBypass() }
    func readText(_ path: String) -> String? { nil }
    func now() -> Instant { clock }
    var hasXDP: Bool { false }
    /// A two-CPU machine; where the engine's thread was pinned, each time.
    var cpus = [0, 1]
    var pinnings: [[Int]] = []
    func usableCPUs() throws(SystemError) -> [Int] { cpus }
    func pin(thread: Int32, to cpus: [Int]) throws(SystemError) { pinnings.append(cpus) }
    func placement() -> (cpus: [Int], cpu: Int)? { nil }
}

/// The host stack has nothing to keep off in memory.
final class NoBypass: StackBypassing {
    var createdHook: Bool { false }
    func remove() {}
}
