import BondCore
import PacketIO

/// Options changed while the bond runs (`bondctl set`), with the kernel's rules on
/// which may change: see `BondOptions.checkRuntimeChange`.
extension Engine {
    /// Applies `words` (name=value, as at start) on top of the current options, or
    /// `replacing` them (a reload: the file's words are the bond's options again).
    /// - Returns: warnings the change raised (values rounded, monitors switched).
    public func setOptions(_ words: [String], replacing: Bool = false) throws(OptionError) -> [String] {
        guard !words.isEmpty || replacing else { throw OptionError("set: give at least one option as name=value") }
        if !replacing { try bond.options.fixedOptionChange(in: words, bond: name) }
        let before = (try? BondOptions.parse(optionWords))?.1 ?? []
        let all = replacing ? words : optionWords + words
        let (new, warnings) = try BondOptions.parse(all)
        let old = bond.options
        let deviceUp = (try? links.link(index: device.hostIndex))?.isAdminUp ?? true
        try old.checkRuntimeChange(to: new, bond: name, deviceUp: deviceUp)
        let names = Set(bond.members.filter { !$0.isRemoved }.map(\.name))
        if let p = new.primary, p != old.primary, !names.contains(p) { throw OptionError("primary: \(p) is not a member of \(name)") }
        if let p = new.prio.keys.sorted().first(where: { !names.contains($0) }) { throw OptionError("prio: \(p) is not a member of \(name)") }
        if let a = new.activeSlave, a != old.activeSlave {
            guard let i = bond.index(of: a) else { throw OptionError("active_slave: \(a) is not a member of \(name)") }
            guard bond.members[i].link == .up else { throw OptionError("active_slave: \(a) is not up") }
        }
        let changed = old.changedOptions(to: new)
        guard !changed.isEmpty else { return [] }
        if changed.contains("engine_cpus") { try pinEngineThread(new.engineCPUs) }
        if changed.contains("vlans") {
            do { try applyVLANs(new.vlans) } catch {
                if changed.contains("engine_cpus") { try? pinEngineThread(old.engineCPUs) }
                throw OptionError(error.message)
            }
        }
        optionWords = BondOptions.compact(all)
        let now = system.now()
        handle(bond.reconfigure(new, at: now))
        macPolicy = MACPolicy(new)
        if changed.contains(where: BondOptions.isFixedWhileUp) {
            // Only while the bond is down (checked above): its tables start empty.
            mode = AnyBondingMode(options: new, members: ports.count)
            controlEtherType = mode.controlEtherType
            carryOut(mode.start(at: now))
        } else {
            mode.reconfigure(new, at: now)
        }
        probing = new.probesLinks
        // Either starts afresh: coalescing is not fed while busy polling is on.
        if new.coalesce != old.coalesce || new.busyPoll != old.busyPoll {
            moderation = WakeupModeration(enabled: new.coalesce == .adaptive)
            busyPoll = BusyPoll(microseconds: new.busyPoll)
        }
        carrierPoll.interval = new.miimon
        carrierPoll.arm(at: now)
        if old.miimon == 0 && !old.probesLinks && (new.miimon > 0 || new.probesLinks) { refreshCarriers() }
        if let a = new.activeSlave, a != old.activeSlave { handle(try bond.setActive(a, at: now)) }
        rebuildView()
        journal.record(.options, member: nil, "\(words.joined(separator: " ")) (changed: \(changed.joined(separator: ", ")))")
        logger.notice("\(name): options changed: \(changed.joined(separator: ", ")) (\(words.joined(separator: " ")))")
        return warnings.filter { !before.contains($0) }
    }
}
