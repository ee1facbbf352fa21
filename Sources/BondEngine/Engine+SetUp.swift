import BondCore
import PacketIO

/// Creating (or taking over) the bond device and taking the members over, each step
/// with its undo; the recovery record is written before each change.
extension Engine {
    func setUp(infos: [LinkInfo], leftover: (host: LinkInfo, engine: LinkInfo)?) throws(EngineError) {
        let engineEnd = BondDevice.engineEndName(for: name)
        let hostIndex: Int32, engineIndex: Int32
        do {
            if let leftover {
                (hostIndex, engineIndex) = try takeOver(leftover)
            } else {
                try links.createVethPair(name: name, peer: engineEnd, mac: bondMAC.bytes, mtu: mtu)
                guard let host = try links.link(named: name), let inner = try links.link(named: engineEnd) else {
                    throw EngineError("the bond device vanished while it was being created")
                }
                hostIndex = host.index
                engineIndex = inner.index
            }
            // By the engine end, which stays here when the bond device is moved to
            // another namespace; deleting either end deletes both. A device taken over
            // carries the host's configuration: a start that fails keeps it, without
            // carrier, for the next start to take over.
            undo.push("delete \(name)") { [weak self, links, name, logger] in
                if let self, self.keepsDevicesOnStop || (self.deviceTakenOver && !self.hasRun) {
                    try? links.change(index: engineIndex, LinkChange(up: false))
                    logger.notice(
                        "\(name): keeping the bond device for \(self.keepsDevicesOnStop ? "the rebuilt bond" : "a later start (taken over, never run)")"
                    )
                    return
                }
                do { try links.deleteLink(index: engineIndex) } catch { try links.deleteLink(index: hostIndex) }
            }
            try links.change(index: engineIndex, LinkChange(alias: BondDevice.engineEndMarker(for: name)))
        } catch let e as EngineError { throw e } catch { throw EngineError("cannot create \(name): \(error)") }

        for (i, info) in infos.enumerated() {
            ports.append(try enslave(info, index: i))
        }
        do {
            let bypass = try system.bypassStack(interfaceIndex: engineIndex)
            undo.push("tc on \(engineEnd)") { bypass.remove() }
            device = BondDevicePort(
                hostIndex: hostIndex, engineIndex: engineIndex,
                socket: try system.packetSocket(interfaceIndex: engineIndex))
            try poller.add(device.socket.fd, token: Token.bondDevice)
            try poller.add(linkEvents.fd, token: Token.linkEvents, control: true)
            try poller.add(wakeup.fd, token: Token.wakeup, control: true)
        } catch { throw EngineError("cannot open \(engineEnd): \(error)") }
        try applyVLANs(bond.options.vlans)
        let kinds = Dictionary(uniqueKeysWithValues: infos.enumerated().map { ($0.offset, $0.element.kind) })
        startFastPath(kinds: kinds)
        startSocketPath(kinds: kinds)
        try startForwardingThreads()
    }

    /// Takes one member over: marks it ours, gives it the bond's MAC and MTU, keeps the
    /// host stack off it, opens its socket. Each step registers its own undo.
    func enslave(_ info: LinkInfo, index: Int) throws(EngineError) -> MemberPort {
        let m = info.name, ix = info.index
        let steps = UndoStack()
        // Held while it is a member: another bondd that checked it free at the same moment
        // is refused here, before it changes (or undoes) anything on it.
        let claim: ProcessClaim
        do {
            guard let c = try ProcessClaim(Self.claimKey("member", String(ix)), stateDirectory: system.stateDirectory) else {
                throw EngineError("\(m) is being taken by another bondd")
            }
            claim = c
        } catch let e as EngineError { throw e } catch { throw EngineError("cannot claim \(m): \(error)") }
        steps.push("claim of \(m)") { claim.release() }
        do {
            try remember(info)
            steps.push("record of \(m)") { [weak self] in self?.forget(memberIndex: ix) }
            try links.change(index: ix, LinkChange(alias: MemberMarker.prefix + name))
            steps.push("alias of \(m)") { [links] in try links.change(index: ix, LinkChange(alias: info.alias ?? "")) }
            // The host stack goes quiet first: a MAC change makes it announce itself (IPv6
            // neighbour and MLD frames), and with the bond's MAC that would teach switches
            // to send the bond's traffic to this member. Undone last, for the same reason.
            let bypass = try system.bypassStack(interfaceIndex: ix)
            steps.push("tc on \(m)") { bypass.remove() }
            if bypass.createdHook { try remember(info, createdTCHook: true) }
            // MAC and MTU are restored unconditionally: they follow the bond device's
            // while enslaved, whatever they were at the start.
            steps.push("MAC of \(m)") { [links] in try links.change(index: ix, LinkChange(mac: info.mac)) }
            let mac = macForNewMember(own: MACAddress(bytes: info.mac))
            if info.mac != mac.bytes { try links.change(index: ix, LinkChange(mac: mac.bytes)) }
            steps.push("MTU of \(m)") { [links] in try links.change(index: ix, LinkChange(mtu: info.mtu)) }
            if info.mtu != mtu { try links.change(index: ix, LinkChange(mtu: mtu)) }
            if info.flags & InterfaceFlags.promiscuous == 0 {
                steps.push("promiscuity of \(m)") { [links] in try links.change(index: ix, LinkChange(promiscuous: false)) }
                // A bridge port (or a device with uppers) wants every frame, as members do.
                if bondPromiscuous || vlanPromiscuous { try links.change(index: ix, LinkChange(promiscuous: true)) }
            }
            // Multicast must reach the engine whatever the NIC's filter holds.
            if info.flags & InterfaceFlags.allMulticast == 0 {
                try links.change(index: ix, LinkChange(allMulticast: true))
                steps.push("allmulti of \(m)") { [links] in try links.change(index: ix, LinkChange(allMulticast: false)) }
            }
            let socket = try system.packetSocket(interfaceIndex: ix)
            if !info.isAdminUp {
                try links.change(index: ix, LinkChange(up: true))
                steps.push("admin state of \(m)") { [links] in try links.change(index: ix, LinkChange(up: false)) }
            }
            let port = MemberPort(index: index, name: m, interfaceIndex: ix, socket: socket, mac: mac, undo: steps)
            try poller.add(socket.fd, token: UInt64(index))
            steps.push("close \(m)") { [poller] in
                poller.remove(socket.fd)
                socket.close()
            }
            undo.push("restore \(m)") { [weak port] in
                guard let port, !port.removed else { return }
                let failures = port.undo.unwind()
                if !failures.isEmpty { throw EngineError(failures.joined(separator: "; ")) }
            }
            return port
        } catch {
            for f in steps.unwind() { logger.error("\(name): while undoing \(m): \(f)") }
            throw EngineError("cannot take over \(m): \(error)")
        }
    }

    /// A member's state before the bond touches it, in the recovery record.
    /// Claims are per network namespace: the same name or index elsewhere is another.
    static func claimKey(_ kind: String, _ name: String) -> String {
        "\(kind)-\(RecoveryRecord.currentNamespace())-\(name)"
    }

    func remember(_ info: LinkInfo, createdTCHook: Bool = false) throws(EngineError) {
        let m = RecoveryRecord.Member(
            name: info.name, index: info.index, mac: info.mac, mtu: info.mtu, up: info.isAdminUp,
            promiscuous: info.flags & InterfaceFlags.promiscuous != 0,
            allMulticast: info.flags & InterfaceFlags.allMulticast != 0, alias: info.alias, createdTCHook: createdTCHook)
        if let i = recovery.members.firstIndex(where: { $0.index == info.index }) { recovery.members[i] = m } else { recovery.members.append(m) }
        try recovery.save(in: system.stateDirectory)
    }

    /// A member given back: a later repair leaves it alone.
    func forget(memberIndex: Int32) {
        recovery.members.removeAll { $0.index == memberIndex }
        do { try recovery.save(in: system.stateDirectory) } catch { logger.warning("\(name): \(error.message)") }
    }
}

/// The interface alias that marks a member as taken, so a second bondd refuses it.
enum MemberMarker {
    static let prefix = "bondd member of "
}
