import BondCore
import PacketIO

/// One device stacked on the bond: the bond device, one of its VLAN devices, or a
/// bridge over either, with the tag its frames carry on the members and the addresses
/// the host gave it.
struct UpperDevice: Equatable {
    var index: Int32
    var name: String
    var mac: MACAddress
    /// The tag on the members (nil: untagged, the bond device and bridges over it).
    var vlan: UInt16?
    var isUp: Bool
    var ipv4: [IPv4Address] = []
    var ipv6: [IPv6Address] = []
}

/// The devices stacked on the bond as the host made them: what the kernel's bonding
/// walks (its upper-device list) to speak for every address above it with the right
/// tag. Xen's scripts put the host's address on a bridge over the bond; the Debian
/// seed on bridges over VLAN devices.
struct UpperStack: Equatable {
    private(set) var devices: [UpperDevice] = []

    init() {}

    /// The bond device and its VLAN devices, then every bridge (master) above any of
    /// them, as deep as the host stacked them. Macvlans over the bond are not followed.
    init(
        bond: Int32, vlans: [(index: Int32, vid: UInt16)], links: [LinkInfo],
        addresses: [Int32: (ipv4: [UInt32], ipv6: [(UInt64, UInt64)])]
    ) {
        let byIndex = Dictionary(links.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        func add(_ index: Int32, vlan: UInt16?) {
            guard let l = byIndex[index], !devices.contains(where: { $0.index == index }), l.mac.count == 6 else { return }
            let a = addresses[index]
            devices.append(
                UpperDevice(
                    index: index, name: l.name, mac: MACAddress(bytes: l.mac), vlan: vlan, isUp: l.isAdminUp,
                    ipv4: (a?.ipv4 ?? []).map(IPv4Address.init(rawValue:)),
                    ipv6: (a?.ipv6 ?? []).map { IPv6Address(high: $0.0, low: $0.1) }))
        }
        add(bond, vlan: nil)
        for v in vlans { add(v.index, vlan: v.vid) }
        var i = 0
        while i < devices.count {
            if let master = byIndex[devices[i].index]?.master { add(master, vlan: devices[i].vlan) }
            i += 1
        }
    }

    func contains(index: Int32) -> Bool { devices.contains { $0.index == index } }
    func device(index: Int32) -> UpperDevice? { devices.first { $0.index == index } }

    /// The MACs the host's own frames leave with (the bond's, bridges' above it):
    /// frames from any other source are guests' (a VIF behind a bridge).
    var hostMACs: [MACAddress] {
        var out: [MACAddress] = []
        for d in devices where !out.contains(d.mac) { out.append(d.mac) }
        return out
    }

    var ipv4: [IPv4Address] { devices.flatMap(\.ipv4) }
    var ipv6: [IPv6Address] { devices.flatMap(\.ipv6) }

    /// The device with the address nearest `target` and that address: where a probe to a
    /// target without a known route speaks from.
    func nearest(to target: IPv4Address) -> (UpperDevice, IPv4Address)? {
        let all = devices.flatMap { d in d.ipv4.map { (d, $0) } }
        guard let best = ProbeSourceAddress.forTarget(target, among: all.map(\.1)) as IPv4Address?, best.rawValue != 0 else { return nil }
        return all.first { $0.1 == best }
    }

    func nearest(to target: IPv6Address) -> (UpperDevice, IPv6Address)? {
        let all = devices.flatMap { d in d.ipv6.map { (d, $0) } }
        let best = ProbeSourceAddress.forTarget(target, among: all.map(\.1))
        return all.first { $0.1 == best }
    }
}
