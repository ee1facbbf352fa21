import BondCore
import PacketIO
import SystemIO

/// Starting over a bond device that a killed bondd left (see `Recovery`, which gives
/// the members back first, and `BondDevice.leftover`, which tells ours from others).
extension Engine {
    /// The bond device a bondd that died left, taken over rather than made anew: its
    /// index, addresses, routes, neighbours, bridge port and upper devices (VLANs) are
    /// the host's configuration, and stay. The bond keeps the device's MAC and MTU (the
    /// administrator's, if they set them); the dead bondd's programs and filters go.
    func takeOver(_ leftover: (host: LinkInfo, engine: LinkInfo)) throws(SystemError) -> (Int32, Int32) {
        let (host, engine) = leftover
        let programs = Leftovers.detachXDPPrograms(from: engine.index) + Leftovers.detachXDPPrograms(from: host.index)
        let filters = [engine.index, host.index].map { Leftovers.removeStackBypass(from: $0, destroyHook: true) }.contains(true)
        if host.mac.count == 6 { bondMAC = MACAddress(bytes: host.mac) }
        if host.mtu > 0 { mtu = host.mtu }
        if engine.mtu != mtu { try links.change(index: engine.index, LinkChange(mtu: mtu)) }
        bondDeviceUp = host.isAdminUp
        deviceTakenOver = true
        var removed = programs.map { "XDP \($0)" }
        if filters { removed.append("tc filters") }
        let line =
            "taking over the bond device a bondd that did not stop cleanly left (\(host.isAdminUp ? "up" : "down"), "
            + "MAC \(bondMAC), MTU \(mtu); its addresses, routes and upper devices stay"
            + (removed.isEmpty ? ")" : "; removed \(removed.joined(separator: ", ")))")
        logger.notice("\(name): \(line)")
        return (host.index, engine.index)
    }
}
