import BondCore
import PacketIO

/// Members joining and leaving while frames flow. Everything runs on the engine's
/// thread between two batches, so members that stay lose nothing.
extension Engine {
    /// Takes `member` over as at start (MAC, MTU, alias, socket) and lets the bond use
    /// it. On failure nothing of it is left changed.
    public func addMember(_ member: String) throws(EngineError) {
        guard BondDevice.isValidName(member) else { throw EngineError("invalid member name '\(member)'") }
        guard member != name else { throw EngineError("\(member) cannot be a member of itself") }
        if bond.index(of: member) != nil { throw EngineError("\(member) is already a member of \(name)") }
        let all: [LinkInfo]
        do { all = try links.links() } catch { throw EngineError("cannot list interfaces: \(error)") }
        let info = try Self.freeInterface(member, in: all, stateDirectory: system.stateDirectory)
        let slot = bond.nextSlot
        let port = try enslave(info, index: slot)
        do {
            try attachFastPath(to: port, kind: info.kind)
            try openSocket(for: port, kind: info.kind)
            try addForwardingSockets(for: port)
        } catch {
            port.removed = true
            for f in port.undo.unwind() { logger.error("\(name): while undoing \(member): \(f)") }
            throw error
        }
        if slot < ports.count { ports[slot] = port } else { ports.append(port) }
        mode.memberAdded(slot: slot)
        let now = system.now()
        let o = bond.options
        var m = Member(
            name: member, permanentMAC: MACAddress(bytes: info.mac), speed: links.speed(of: member) ?? 0,
            carrier: info.hasCarrier, updelay: o.updelay, downdelay: o.downdelay, at: now)
        m.fullDuplex = links.fullDuplex(of: member)
        let (_, events) = bond.add(m, at: now)
        logger.notice("\(name): \(member) added (\(m.link.rawValue))")
        journal.record(.member, member: member, "added (link \(m.link.rawValue))")
        handle(events)
        rebuildView()
        // A member with a MAC of its own (tlb, alb, follow) makes switches learn it; one
        // that carries the bond's MAC must not, or the switch would send the bond's
        // traffic to a backup: the active member says where the bond's MAC is instead.
        if port.mac != bondMAC { sendLearningPackets(on: port) } else { relearnBondMAC() }
    }

    /// Stops using `member` (failing over first if it was active) and gives it back as
    /// it was. The last member cannot go: stop the bond instead.
    public func removeMember(_ member: String) throws(EngineError) {
        guard let i = bond.index(of: member) else { throw EngineError("\(member) is not a member of \(name)") }
        guard bond.memberCount > 1 else {
            throw EngineError("\(member) is the last member of \(name); stop the bond instead")
        }
        release(ports[i])
        // Its priority goes with it, as the kernel's per-slave prio: added again, it
        // starts at 0 rather than at what it had.
        optionWords = BondOptions.forgettingPriority(of: member, in: optionWords)
        bond.forgetPriority(of: member)
        logger.notice("\(name): \(member) removed; its MAC, MTU and flags restored")
        journal.record(.member, member: member, "removed")
        if bond.members[i].permanentMAC == bondMAC && !bondFollowsActive {
            // As the kernel warns: two interfaces on the segment now share a MAC.
            logger.warning(
                "\(name): the permanent MAC of \(member) (\(bondMAC)) is still the bond's; give the bond another (ip link set \(name) address ...) to avoid conflicts"
            )
        }
    }

    /// Takes `port` out of the bond and gives its interface back as it was (what went
    /// with an interface that is gone fails quietly).
    func release(_ port: MemberPort) {
        handle(bond.remove(member: port.index, at: system.now()))
        rebuildView()
        relearnBondMAC()
        if !port.queue.isEmpty { port.queue.flush() }
        port.removed = true
        for f in port.undo.unwind() where !f.contains("No such device") && !port.gone {
            logger.warning("\(name): restoring \(port.name): \(f)")
        }
    }

    /// `bondctl enable-member` / `disable-member` (Open vSwitch's bond/enable-member):
    /// a disabled member neither sends nor delivers until enabled again.
    public func setEnabled(_ member: String, _ enabled: Bool) throws(OptionError) {
        handle(try bond.setEnabled(member, enabled, at: system.now()))
        rebuildView()
        if !enabled { relearnBondMAC() }
        logger.notice("\(name): \(member) \(enabled ? "enabled" : "disabled") by administrator")
        journal.record(.member, member: member, enabled ? "enabled by administrator" : "disabled by administrator")
    }

    /// A member taken out of use by hand keeps its carrier, so the switch keeps sending
    /// the bond's frames to its port until it learns otherwise: teach it now, on the
    /// member that carries the bond's MAC.
    private func relearnBondMAC() {
        guard let a = bond.activeIndex ?? bond.usable.first else { return }
        sendLearningPackets(on: ports[a])
    }

    /// Member names by slot, for descriptions of the backends.
    var liveMemberNames: [Int: String] {
        Dictionary(uniqueKeysWithValues: ports.filter(\.isLive).map { ($0.index, $0.name) })
    }

    func rebuildView() {
        view = MemberView(bond: bond, mode: mode, bondMAC: bondMAC, hostMACs: uppers.hostMACs, draining: draining, at: system.now())
        syncFastPath()
    }

    /// The bond has carrier while a member is up (the bond's monitors) and the mode
    /// permits it; the engine end's admin state is that carrier.
    var carrierWanted: Bool { bond.carrierWanted(mode: mode, view: view) }

    /// Sets the engine end to `carrierWanted` when it changed, and says so once: after
    /// the events that changed it are handled (so the journal reads link, active
    /// member, then carrier, as the kernel's order of notifications does).
    func applyCarrier() {
        defer { applyVLANCarriers() }
        let up = carrierWanted
        guard up != carrierApplied, device != nil else { return }
        carrierApplied = up
        logger.info("\(name): carrier \(up ? "up" : "down")")
        journal.record(.carrier, member: nil, "carrier \(up ? "up" : "down")")
        do { try links.change(index: device.engineIndex, LinkChange(up: up)) } catch { logger.error("\(name): cannot set carrier: \(error)") }
        if up { spreadBondDevice(at: system.now()) }
    }
}
