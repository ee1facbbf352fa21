import BondCore

/// Scripted events applied as the daemon applies the same changes: carrier reports
/// through the bond's monitors, members added and removed by slot, options through
/// the same parser and runtime-change rules as `bondctl set`.
extension SimulatedBond {
    /// Applies `event` at `now`. A change the daemon would refuse is refused with its message.
    public func apply(_ event: ScriptedEvent) throws(OptionError) {
        switch event.action {
        case .down(let m):
            let i = try member(m)
            passes[i] = false
            handle(bond.carrierChanged(member: i, up: false, at: now))
        case .up(let m):
            let i = try member(m)
            passes[i] = true
            handle(bond.carrierChanged(member: i, up: true, at: now))
        case .fail(let m): passes[try member(m)] = false
        case .recover(let m): passes[try member(m)] = true
        case .add(let m): try add(m)
        case .remove(let m):
            let i = try member(m)
            guard bond.memberCount > 1 else { throw OptionError("\(m) is the last member of \(name); stop the bond instead") }
            handle(bond.remove(member: i, at: now))
        case .setActive(let m): handle(try bond.setActive(m, at: now))
        case .enable(let m): handle(try bond.setEnabled(m, true, at: now))
        case .disable(let m): handle(try bond.setEnabled(m, false, at: now))
        case .set(let words): try setOptions(words)
        }
        rebuildView()
    }

    func member(_ name: String) throws(OptionError) -> Int {
        guard let i = bond.index(of: name) else { throw OptionError("\(name) is not a member of \(self.name)") }
        return i
    }

    func add(_ name: String) throws(OptionError) {
        guard bond.index(of: name) == nil else { throw OptionError("\(name) is already a member of \(self.name)") }
        let slot = bond.nextSlot
        let own = Self.permanentMAC(of: max(slot, macs.count), bond: bondMAC)
        let live = macs.indices.filter { !bond.members[$0].isRemoved }.map { macs[$0] }
        let mac = macPolicy.macForNewMember(own: own, bond: bondMAC, inUse: live)
        if slot < macs.count {
            macs[slot] = mac
            passes[slot] = true
        } else {
            macs.append(mac)
            passes.append(true)
        }
        mode.memberAdded(slot: slot)
        let o = bond.options
        var m = Member(name: name, permanentMAC: own, speed: 1000, carrier: true, updelay: o.updelay, downdelay: o.downdelay, at: now)
        m.fullDuplex = true
        let (_, events) = bond.add(m, at: now)
        handle(events)
        note(.announced(mac, on: slot))
    }

    /// As `Engine.setOptions`: the words go on top of the bond's, the daemon's checks apply.
    func setOptions(_ words: [String]) throws(OptionError) {
        try bond.options.fixedOptionChange(in: words, bond: name)
        let all = optionWords + words
        let (new, _) = try BondOptions.parse(all)
        let old = bond.options
        try old.checkRuntimeChange(to: new, bond: name, deviceUp: true)
        let names = Set(bond.members.filter { !$0.isRemoved }.map(\.name))
        if let p = new.primary, p != old.primary, !names.contains(p) { throw OptionError("primary: \(p) is not a member of \(name)") }
        guard !old.changedOptions(to: new).isEmpty else { return }
        optionWords = BondOptions.compact(all)
        handle(bond.reconfigure(new, at: now))
        mode.reconfigure(new, at: now)
        if let a = new.activeSlave, a != old.activeSlave { handle(try bond.setActive(a, at: now)) }
    }
}
