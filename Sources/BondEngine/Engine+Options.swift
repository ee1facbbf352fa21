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
        // Members still awaited (`wait_members`) may be named: they apply once it joins.
        let names = Set(bond.members.filter { !$0.isRemoved }.map(\.name)).union(awaited)
        if let p = new.primary, p != old.primary, !names.contains(p) { throw OptionError("primary: \(p) is not a member of \(name)") }
        // The priorities this change gives: one kept from before for a member that has
        // left since (the kernel's goes with its slave) is no reason to refuse the next.
        let prioGiven = replacing ? new.prio : ((try? BondOptions.parse(words.filter { $0.hasPrefix("prio=") }))?.0.prio ?? [:])
        if let p = prioGiven.keys.sorted().first(where: { !names.contains($0) }) { throw OptionError("prio: \(p) is not a member of \(name)") }
        // As the kernel, which switches whenever active_slave is written, even to the
        // member written last time (traffic may have moved since); a reload, when the
        // file's changed.
        let activeGiven = words.contains { $0.hasPrefix("active_slave=") || $0.hasPrefix("active_member=") }
        // (Refused by the options' mode dependency where the mode has no active member.)
        let activeCleared = !replacing && words.contains { $0 == "active_slave=" || $0 == "active_member=" }
        var switchTo = replacing || !activeGiven ? (new.activeSlave != old.activeSlave ? new.activeSlave : nil) : new.activeSlave
        // The active member already: nothing to do, even while its link is going down.
        if let a = switchTo, bond.activeIndex.map({ bond.members[$0].name }) == a { switchTo = nil }
        if let a = switchTo {
            guard new.mode.usesActiveMember else {
                throw OptionError("active_slave: not supported in mode \(new.mode.kernelName)(\(new.mode.rawValue))")
            }
            guard let i = bond.index(of: a) else { throw OptionError("active_slave: \(a) is not a member of \(name)") }
            guard bond.members[i].link == .up else { throw OptionError("active_slave: \(a) is not up") }
        }
        let changed = old.changedOptions(to: new)
        guard !changed.isEmpty else {
            if activeCleared {
                handle(try bond.clearActive(at: system.now()))
                rebuildView()
                let now = bond.activeIndex.map { bond.members[$0].name } ?? "none"
                journal.record(.options, member: nil, "\(words.joined(separator: " ")) (active member chosen again: \(now))")
                logger.notice("\(name): active member cleared and chosen again: \(now) (\(words.joined(separator: " ")))")
            }
            if let a = switchTo {
                handle(try bond.setActive(a, at: system.now()))
                rebuildView()
                journal.record(.options, member: nil, "\(words.joined(separator: " ")) (switched to \(a))")
                logger.notice("\(name): active member set to \(a) (\(words.joined(separator: " ")))")
            }
            return []
        }
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
        if let a = switchTo { handle(try bond.setActive(a, at: now)) }
        if activeCleared { handle(try bond.clearActive(at: now)) }
        rebuildView()
        journal.record(.options, member: nil, "\(words.joined(separator: " ")) (changed: \(changed.joined(separator: ", ")))")
        logger.notice("\(name): options changed: \(changed.joined(separator: ", ")) (\(words.joined(separator: " ")))")
        return warnings.filter { !before.contains($0) }
    }
}
