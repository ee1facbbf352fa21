import BondCore
import PacketIO

/// The bond device's state and addresses, which the ARP/NS monitor needs before its
/// probes can prove anything: read at start, on every address or link notification
/// for the device, and once a second in case a notification was lost.
extension Engine {
    func refreshProbeSource() {
        let now = system.now()
        nextAddressRead = now.adding(milliseconds: 1000)
        guard let a = try? links.addresses(index: device.hostIndex),
            let info = try? links.link(index: device.hostIndex)
        else { return }
        ownIPv4 = a.ipv4.map(IPv4Address.init(rawValue:))
        ownIPv6 = a.ipv6.map { IPv6Address(high: $0.0, low: $0.1) }
        handle(bond.probeSourceChanged(ipv4: ownIPv4, ipv6: ownIPv6, deviceUp: info.isAdminUp, at: now))
    }
}
