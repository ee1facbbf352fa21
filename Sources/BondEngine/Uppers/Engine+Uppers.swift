import BondCore
import PacketIO

/// The devices stacked on the bond and their addresses (`UpperStack`), which the
/// engine speaks for: probes, peer notifications, balance-alb's host frames. Read at
/// start, when a notification touches one of them, and once a second in case one was
/// lost.
extension Engine {
    /// A probe's way out: the tag of the device the route to its target leaves by, and
    /// that device's address.
    struct ProbePath<Address> {
        var vlan: UInt16?
        var source: Address
    }

    /// Reads the stack again and tells the ARP/NS monitor what it may speak from.
    func refreshUppers() {
        let now = system.now()
        nextAddressRead = now.adding(milliseconds: 1000)
        uppersDirty = false
        guard let up = readUppers() else { return }
        if probing { refreshProbePaths() }
        handle(bond.probeSourceChanged(ipv4: ownIPv4, ipv6: ownIPv6, deviceUp: up, at: now))
    }

    /// Reads the stack and its addresses; the bond device's admin state, nil when the
    /// host could not be read.
    @discardableResult
    func readUppers() -> Bool? {
        guard let all = try? links.links(), let addresses = try? links.allAddresses() else { return nil }
        let stack = UpperStack(
            bond: device.hostIndex, vlans: vlanDevices.map { ($0.hostIndex, $0.vlan!.vid) }, links: all, addresses: addresses)
        if stack != uppers {
            let macsChanged = stack.hostMACs != uppers.hostMACs
            uppers = stack
            logger.debug(
                "\(name): devices over the bond: \(stack.devices.map { "\($0.name)\($0.vlan.map { " (VLAN \($0))" } ?? "")" }.joined(separator: ", "))"
            )
            if macsChanged { rebuildView() }
        }
        ownIPv4 = stack.ipv4
        ownIPv6 = stack.ipv6
        return all.first { $0.index == device.hostIndex }?.isAdminUp ?? false
    }

    /// Where each target's probes go, as the kernel's bond_verify_device_path finds it:
    /// when the route to the target leaves by the bond or a device above it, the probe
    /// carries that device's tag and speaks from its address. Otherwise (no route, or a
    /// route by another device, as when two bonds share a subnet and the kernel routes
    /// it by the other) from the address above the bond nearest the target, with its
    /// device's tag: the kernel would not probe at all, and the bond would go down for
    /// want of replies.
    func refreshProbePaths() {
        guard let p = bond.probe else { return }
        arpProbePaths = p.arpTargets.map { t in
            path(to: t.bytes, fallback: uppers.nearest(to: t).map { ($0.0.vlan, $0.1) } ?? (nil, IPv4Address(rawValue: 0))) { d, preferred in
                preferred.flatMap(IPv4Address.init(bytes:)) ?? ProbeSourceAddress.forTarget(t, among: d.ipv4.isEmpty ? ownIPv4 : d.ipv4)
            }
        }
        nsProbePaths = p.nsTargets.map { t in
            // A link-local target is on the bond's own link, as the kernel's route with
            // the bond as the outgoing device finds it: untagged, from the link-local
            // address of the bond or of a bridge over it (a route lookup without the
            // device could name any interface).
            if t.isLinkLocal {
                let untagged = uppers.devices.filter { $0.vlan == nil }
                return ProbePath(
                    vlan: nil, source: untagged.lazy.compactMap { $0.ipv6.first(where: \.isLinkLocal) }.first ?? IPv6Address(high: 0, low: 0))
            }
            return path(to: t.bytes, fallback: uppers.nearest(to: t).map { ($0.0.vlan, $0.1) } ?? (nil, IPv6Address(high: 0, low: 0))) {
                d, preferred in
                preferred.flatMap(IPv6Address.init(bytes:)) ?? ProbeSourceAddress.forTarget(t, among: d.ipv6.isEmpty ? ownIPv6 : d.ipv6)
            }
        }
    }

    private func path<A>(
        to target: [UInt8], fallback: (vlan: UInt16?, source: A), source: (UpperDevice, [UInt8]?) -> A
    ) -> ProbePath<A> {
        if let route = try? links.route(to: target), let d = uppers.device(index: route.interfaceIndex) {
            return ProbePath(vlan: d.vlan, source: source(d, route.preferredSource))
        }
        // Without any address the monitor waits (ProbeMonitor.waitReason); a probe from
        // 0.0.0.0 or :: still shows the member's path to a target that answers it.
        return ProbePath(vlan: fallback.vlan, source: fallback.source)
    }
}
