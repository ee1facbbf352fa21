import BondCore
import PacketIO

/// Making and removing the bond's VLAN devices (`vlans=`, `bondctl add-vlan`), and
/// their carrier, which follows the bond's as an 8021q device's follows its real device.
extension Engine {
    /// A VLAN device's receive ring: 1024 slots (2 MiB), a quarter of a
    /// member's, since what the host sends on it leaves through the members' rings.
    static let vlanRing: PacketRingConfiguration = {
        var r = PacketRingConfiguration()
        r.slotCount = 1024
        return r
    }()

    /// The device of VLAN `vid`, if the bond has one (per frame: one array read).
    @inline(__always)
    func vlanDevice(_ vid: UInt16) -> BondDevicePort? {
        let slot = vlanSlots[Int(vid & 0x0FFF)]
        return slot < 0 ? nil : vlanDevices[Int(slot)]
    }

    /// Makes and removes VLAN devices until the bond has exactly `specs`. Devices are
    /// made first (a renamed VLAN's under its new name): one that cannot be made undoes
    /// the others and throws, with nothing removed. Then the old ones go, and devices of
    /// VLANs the bond no longer has that a dead or rebuilt bondd left.
    func applyVLANs(_ specs: [VLANSpec]) throws(EngineError) {
        let existing: [VLANDevice.Ends]
        do { existing = VLANDevice.leftovers(of: name, in: try links.links()) } catch {
            throw EngineError("cannot read interfaces: \(error)")
        }
        let current = vlanDevices
        let keep = specs.filter { s in current.contains { $0.vlan?.vid == s.vid && $0.name == s.deviceName(bond: name) } }
        var made: [BondDevicePort] = []
        for spec in specs where !keep.contains(spec) {
            do throws(EngineError) {
                made.append(
                    try addVLAN(spec, leftover: existing.first { $0.vid == spec.vid && $0.host.name == spec.deviceName(bond: name) }))
            } catch {
                for d in made { removeVLAN(d) }
                throw error
            }
        }
        for d in current where !keep.contains(where: { $0.vid == d.vlan?.vid }) { removeVLAN(d) }
        for e in existing where !vlanDevices.contains(where: { $0.engineIndex == e.engine.index || $0.hostIndex == e.host.index }) {
            logger.notice("\(name): removing \(e.host.name) (VLAN \(e.vid)), which the bond no longer has")
            try? links.deleteLink(index: e.engine.index)
        }
    }

    /// Makes (or takes over) the device of one VLAN, with the bond's MAC and MTU.
    private func addVLAN(_ spec: VLANSpec, leftover: VLANDevice.Ends?) throws(EngineError) -> BondDevicePort {
        let deviceName = spec.deviceName(bond: name)
        guard VLANSpec.isValidDeviceName(deviceName) else {
            throw EngineError("vlans: \(deviceName) is too long for an interface name; name it: vlans=\(spec.vid):NAME")
        }
        let engineEnd = BondDevice.engineEndName(for: deviceName)
        let steps = UndoStack()
        do {
            let hostIndex: Int32, engineIndex: Int32
            if let leftover {
                // The host's addresses and bridge port on it stay; our leftovers go.
                _ = Leftovers.detachXDPPrograms(from: leftover.engine.index)
                _ = Leftovers.removeStackBypass(from: leftover.engine.index, destroyHook: true)
                (hostIndex, engineIndex) = (leftover.host.index, leftover.engine.index)
                logger.notice("\(name): taking over VLAN device \(deviceName) (VLAN \(spec.vid)); its addresses and bridge port stay")
            } else {
                if try links.link(named: deviceName) != nil {
                    throw EngineError("vlans: \(deviceName) already exists; remove it or name the VLAN device: vlans=\(spec.vid):NAME")
                }
                try links.createVethPair(name: deviceName, peer: engineEnd, mac: bondMAC.bytes, mtu: mtu)
                guard let host = try links.link(named: deviceName), let inner = try links.link(named: engineEnd) else {
                    throw EngineError("the VLAN device \(deviceName) vanished while it was being created")
                }
                (hostIndex, engineIndex) = (host.index, inner.index)
            }
            let takenOver = leftover != nil
            steps.push("delete \(deviceName)") { [weak self, links] in
                // Kept, without carrier, for a rebuild to take over, or when a start that
                // never ran took it over (as the bond device).
                if let self, self.keepsDevicesOnStop || (takenOver && !self.hasRun) {
                    try? links.change(index: engineIndex, LinkChange(up: false))
                    return
                }
                do { try links.deleteLink(index: engineIndex) } catch { try links.deleteLink(index: hostIndex) }
            }
            try links.change(index: engineIndex, LinkChange(alias: VLANDevice.engineEndMarker(bond: name, vid: spec.vid)))
            let bypass = try system.bypassStack(interfaceIndex: engineIndex)
            steps.push("tc on \(engineEnd)") { bypass.remove() }
            let socket = try system.packetSocket(interfaceIndex: engineIndex, ring: Self.vlanRing)
            let port = BondDevicePort(hostIndex: hostIndex, engineIndex: engineIndex, socket: socket, vlan: spec, name: deviceName)
            try poller.add(socket.fd, token: Token.vlanDevice)
            steps.push("close \(engineEnd)") { [poller] in
                poller.remove(socket.fd)
                socket.close()
            }
            port.undo.push("VLAN \(spec.vid)") {
                let failures = steps.unwind(); if !failures.isEmpty { throw EngineError(failures.joined(separator: "; ")) }
            }
            undo.push("remove \(deviceName)") { [weak port] in
                guard let port, !port.removed else { return }
                port.removed = true
                let failures = port.undo.unwind()
                if !failures.isEmpty { throw EngineError(failures.joined(separator: "; ")) }
            }
            vlanSlots[Int(spec.vid)] = Int16(vlanDevices.count)
            vlanDevices.append(port)
            // Tagged frames are the engine's from now on (it alone serves VLAN devices).
            syncForwardingThreads()
            openSocket(for: port)
            attachFastPath(to: port)
            applyVLANCarrier(port)
            logger.info("\(name): VLAN \(spec.vid) on \(deviceName)")
            journal.record(.device, member: nil, "VLAN \(spec.vid) on \(deviceName) added")
            return port
        } catch {
            for f in steps.unwind() { logger.error("\(name): while undoing \(deviceName): \(f)") }
            if let e = error as? EngineError { throw e }
            throw EngineError("cannot make VLAN device \(deviceName): \(error)")
        }
    }

    /// Removes a VLAN device (the host's addresses and bridge port on it go with it, as
    /// with `ip link del` of an 8021q device).
    func removeVLAN(_ port: BondDevicePort) {
        guard let vid = port.vlan?.vid, !port.removed else { return }
        port.removed = true
        for f in port.undo.unwind() where !f.contains("No such device") { logger.warning("\(name): removing \(port.name): \(f)") }
        vlanDevices.removeAll { $0 === port }
        syncForwardingThreads()
        vlanSlots[Int(vid)] = -1
        for (i, d) in vlanDevices.enumerated() { vlanSlots[Int(d.vlan!.vid)] = Int16(i) }
        logger.info("\(name): VLAN \(vid) removed with \(port.name)")
        journal.record(.device, member: nil, "VLAN \(vid) on \(port.name) removed")
    }

    /// A VLAN device has carrier while the bond has and its device is up, as the
    /// kernel's VLAN devices follow their real device's state.
    func applyVLANCarrier(_ port: BondDevicePort) {
        let up = carrierWanted && bondDeviceUp
        guard up != port.carrierApplied, !port.removed else { return }
        port.carrierApplied = up
        do { try links.change(index: port.engineIndex, LinkChange(up: up)) } catch {
            logger.error("\(name): cannot set the carrier of \(port.name): \(error)")
        }
    }

    func applyVLANCarriers() {
        for d in vlanDevices { applyVLANCarrier(d) }
    }
}

extension Engine {
    /// `bondctl show`'s VLAN devices.
    var vlanStatus: [VLANStatus] {
        vlanDevices.map { d in
            let fast = d.onFastPath ? fastPath?.program.vlanCounters(vid: d.vlan!.vid) : nil
            let sockets = d.$xsk
            return VLANStatus(
                name: d.name, vid: Int(d.vlan?.vid ?? 0),
                state: (try? links.link(index: d.hostIndex))?.isAdminUp == true ? "up" : "down",
                carrier: d.carrierApplied == true ? "up" : "down", path: d.xsk != nil ? "afxdp" : d.onFastPath ? "xdp" : "afpacket",
                rxPackets: d.queue.packets + sockets.transmitted + (fast?.rxPackets ?? 0),
                rxBytes: d.queue.bytes + sockets.transmittedBytes + (fast?.rxBytes ?? 0),
                rxDrops: d.queue.errors + sockets.transmitDrops, txPackets: d.rxPackets + (fast?.txPackets ?? 0),
                txBytes: d.rxBytes + (fast?.txBytes ?? 0))
        }
    }
}
