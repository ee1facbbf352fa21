/// The one way a `MemberView` is made from the bond's state and the mode's choice of
/// transmitters: the daemon's engine and bondsim build it here, so that a simulated
/// decision is the daemon's decision.
extension MemberView {
    public init(bond: Bond, mode: AnyBondingMode, bondMAC: MACAddress, hostMACs: [MACAddress] = [], draining: DrainingWindow?, at now: Instant) {
        self.init(
            usable: mode.transmitters(among: bond.usable), active: bond.activeIndex,
            speeds: bond.members.map(\.speed), bondMAC: bondMAC, linkUp: bond.usable)
        names = bond.members.map { $0.isRemoved ? "" : $0.name }
        self.hostMACs = hostMACs.filter { $0 != bondMAC }
        permanentMACs = bond.members.map(\.permanentMAC)
        halfDuplex = Set(bond.members.indices.filter { bond.members[$0].fullDuplex == false })
        self.now = now
        // Only while that member is still up and the mode has an active member.
        if let d = draining, bond.options.mode.usesActiveMember, d.member != bond.activeIndex, bond.members[d.member].link == .up {
            self.draining = d.member
        }
    }
}

extension Bond {
    /// The bond has carrier while a member is up (the bond's monitors) and the mode
    /// permits it (802.3ad: an aggregator with min_links ports).
    public func carrierWanted(mode: AnyBondingMode, view: MemberView) -> Bool {
        hasCarrier && mode.permitsCarrier(transmitters: view.usable)
    }
}

extension AnyBondingMode {
    /// What a member's link transition means to the mode, asked with the view rebuilt
    /// after it: a member that stops carrying traffic gives its share away now, one
    /// that is up again may take some back.
    public mutating func linkChanged(member i: Int, _ t: LinkTransition, members view: MemberView) -> [ModeAction] {
        if !t.to.carriesTraffic { return memberDown(i, members: view) }
        if t.to == .up { return memberUp(i, members: view) }
        return []
    }
}
