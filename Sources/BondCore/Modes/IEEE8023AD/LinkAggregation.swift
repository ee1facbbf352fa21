/// 802.3ad's protocol for one bond, as the kernel's bond_3ad.c runs it: per port the
/// receive, periodic, mux, transmit and churn machines, aggregator selection across
/// ports, all on 100 ms ticks of the caller's clock. It knows nothing of sockets: the
/// frames it wants sent and the changes worth reporting wait in `outbox` and
/// `reports` for the mode to hand to the engine.
struct LinkAggregation: Sendable {
    var settings: LACPSettings
    /// Ports and aggregators by member slot (nil: an empty slot).
    var ports: [LACPPort?] = []
    var aggregators: [Aggregator?] = []
    /// The bond's MAC: our system when ad_actor_system is not set.
    var bondMAC = MACAddress.zero
    /// Ticks until the active aggregator is first chosen (the kernel's agg_select_timer).
    var selectionTimer = 1
    var lastAggregatorID = 0
    var outbox: [(member: Int, frame: [UInt8])] = []
    var reports: [(member: Int?, message: String)] = []
    /// Which ports may carry frames changed (the kernel's update_slave_arr).
    var transmittersChanged = false
    var now = Instant(nanoseconds: 0)

    init(settings: LACPSettings) { self.settings = settings }

    /// Our system identifier in every LACPDU.
    var system: MACAddress { settings.system ?? bondMAC }

    var activeAggregator: Int? { aggregators.firstIndex { $0?.isActive == true } }

    // MARK: Ports

    /// A member joined (bond_3ad_bind_slave): its port starts at BEGIN, disabled until
    /// its link is up, with an aggregator of its own.
    mutating func addPort(slot: Int, name: String, mac: MACAddress, speed: Int, fullDuplex: Bool = true, linkUp: Bool) {
        while ports.count <= slot { ports.append(nil); aggregators.append(nil) }
        var port = LACPPort(name: name, mac: mac, slot: slot, priority: settings.portPriority(of: name), speed: speed, settings: settings)
        port.enabled = linkUp
        port.fullDuplex = fullDuplex
        ports[slot] = port
        updateKeys(slot, reset: !linkUp)
        lastAggregatorID += 1
        aggregators[slot] = Aggregator(id: lastAggregatorID)
    }

    /// A member left (bond_3ad_unbind_slave): its port leaves its aggregator; the
    /// ports attached to the aggregator it owned move, selected and active as they
    /// were, to a free one; the active aggregator is chosen again only when it has no
    /// port up left (as the kernel's unbind: one holding only ports whose link is down
    /// would keep carrier with nothing to send on, and nothing else would select again).
    mutating func removePort(slot: Int, farewell sayGoodbye: Bool = true) {
        guard ports.indices.contains(slot), ports[slot] != nil else { return }
        if sayGoodbye { farewell(slot) }
        let wasActive = ports[slot]!.aggregator.flatMap { aggregators[$0]?.isActive } ?? false
        detach(slot)
        if var owned = aggregators[slot], !owned.ports.isEmpty {
            if let free = aggregators.indices.first(where: { $0 != slot && aggregators[$0]?.ports.isEmpty == true }) {
                owned.id = aggregators[free]!.id
                aggregators[free] = owned
                for p in owned.ports { ports[p]?.aggregator = free }
            } else {
                // No free aggregator: its ports choose again.
                for p in owned.ports {
                    ports[p]?.selected = .unselected
                    ports[p]?.aggregator = nil
                }
            }
        }
        let ownedActive = aggregators[slot]?.isActive ?? false
        ports[slot] = nil
        aggregators[slot] = nil
        if (wasActive || ownedActive) && activeAggregator.map({ activePorts($0) == 0 }) != false {
            selectAggregator()
        }
        transmittersChanged = true
    }

    /// The link speed of `slot` changed while up (bond_3ad_adapter_speed_duplex_changed):
    /// a new key, which restarts the port.
    mutating func speedChanged(slot: Int, speed: Int, fullDuplex: Bool = true) {
        guard ports.indices.contains(slot), ports[slot] != nil,
            ports[slot]!.speed != speed || ports[slot]!.fullDuplex != fullDuplex
        else { return }
        ports[slot]!.speed = speed
        ports[slot]!.fullDuplex = fullDuplex
        updateKeys(slot, reset: !ports[slot]!.enabled)
    }

    /// The link of `slot` came up or went down (bond_3ad_handle_link_change).
    mutating func linkChanged(slot: Int, up: Bool, speed: Int, fullDuplex: Bool = true) {
        guard ports.indices.contains(slot), ports[slot] != nil else { return }
        ports[slot]!.enabled = up
        // Out of use until the machines (or a partnerless aggregator) enable it again.
        ports[slot]!.carriesTraffic = false
        if up {
            ports[slot]!.speed = speed
            ports[slot]!.fullDuplex = fullDuplex
            ports[slot]!.firstPDUAt = nil
            ports[slot]!.convergenceMilliseconds = nil
        }
        updateKeys(slot, reset: !up)
        selectAggregator()
        transmittersChanged = true
    }

    /// ad_update_actor_keys: the key from speed and duplex (none while the link is
    /// down); a changed speed restarts the port's machines, and only full-duplex ports
    /// speak LACP.
    mutating func updateKeys(_ p: Int, reset: Bool) {
        guard var port = ports[p] else { return }
        let old = port.actorKey
        port.actorAdminKey = PortKey.key(user: settings.userPortKey, megabits: port.speed, fullDuplex: port.fullDuplex, linkUp: !reset)
        port.actorKey = port.actorAdminKey
        if old != port.actorKey {
            let duplex = !reset && port.fullDuplex
            port.lacpEnabled = duplex
            // A link that comes back had no speed in its key while down: it restarts too.
            if !reset && duplex && (old & PortKey.speedMask) != (port.actorKey & PortKey.speedMask) {
                port.begin = true
            }
        }
        ports[p] = port
    }

    // MARK: The 100 ms tick

    /// One tick of bond_3ad_state_machine_handler: the first aggregator selection when
    /// its timer runs out, then every port's machines in the kernel's order.
    mutating func tick(at now: Instant) {
        self.now = now
        if selectionTimer > 0 {
            selectionTimer -= 1
            if selectionTimer == 0 { selectAggregator() }
        }
        for p in ports.indices where ports[p] != nil {
            receiveMachine(p, pdu: nil)
            periodicMachine(p)
            portSelection(p)
            muxMachine(p)
            transmitMachine(p)
            churnMachine(p)
            ports[p]!.begin = false
        }
    }

    // MARK: Received frames

    /// A slow-protocols frame received on `slot`: counted, then handed to the machine it
    /// is for (bond_3ad_rx_indication).
    /// `frame` and `offset`: where the PDU's bytes are, for a Marker Response that
    /// echoes them.
    mutating func receive(_ pdu: SlowProtocolPDU, on slot: Int, at now: Instant, frame: FrameBytes, offset: Int) {
        guard ports.indices.contains(slot), ports[slot] != nil else { return }
        self.now = now
        switch pdu {
        case .lacpdu(let lacpdu):
            ports[slot]!.counters.lacpduRx += 1
            if ports[slot]!.firstPDUAt == nil { ports[slot]!.firstPDUAt = now }
            receiveMachine(slot, pdu: lacpdu)
        case .markerInformation:
            ports[slot]!.counters.markerRx += 1
            // As the kernel: the received PDU whole, its TLV type made a response.
            outbox.append((slot, MarkerPDU.response(echoing: frame, at: offset, source: ports[slot]!.mac)))
            ports[slot]!.counters.markerResponseTx += 1
        case .markerResponse:
            // We never send Marker Information: a response is counted and dropped.
            ports[slot]!.counters.markerResponseRx += 1
        case .unknownMarker:
            ports[slot]!.counters.markerUnknownRx += 1
        case .unknownSubtype:
            ports[slot]!.counters.lacpduUnknownRx += 1
        case .illegal:
            ports[slot]!.counters.lacpduIllegalRx += 1
        }
    }

    // MARK: What the bond does with it

    /// The members that may carry frames: the active aggregator's ports that the
    /// machines enabled and whose link is up (bond_update_slave_arr for 802.3ad).
    var transmitters: [Int] {
        guard let a = activeAggregator, let agg = aggregators[a] else { return [] }
        return agg.ports.filter { ports[$0]?.carriesTraffic == true && ports[$0]?.enabled == true }.sorted()
    }

    /// Ports of `aggregator` whose link is up (the kernel's __agg_active_ports).
    func activePorts(_ aggregator: Int) -> Int {
        aggregators[aggregator]?.ports.filter { ports[$0]?.enabled == true }.count ?? 0
    }

    /// bond_3ad_set_carrier: an active aggregator with at least min_links ports up.
    var carrier: Bool {
        guard let a = activeAggregator else { return false }
        return activePorts(a) >= settings.minLinks
    }

    mutating func report(_ slot: Int?, _ message: String) { reports.append((slot, message)) }
}

extension LinkAggregation {
    /// New option values at runtime: the bits they set change on every port, and every
    /// port tells its partner (the kernel's bond_3ad_update_lacp_rate and
    /// bond_3ad_update_ad_actor_settings; unlike the kernel, lacp_rate may change while up).
    mutating func apply(_ new: LACPSettings) {
        let old = settings
        settings = new
        let identity = new.systemPriority != old.systemPriority || new.system != old.system
        for p in ports.indices where ports[p] != nil {
            let before = ports[p]!
            if new.rate == .fast { ports[p]!.actorState.insert(.shortTimeout) } else { ports[p]!.actorState.remove(.shortTimeout) }
            if new.active { ports[p]!.actorState.insert(.activity) } else { ports[p]!.actorState.remove(.activity) }
            ports[p]!.priority = new.portPriority(of: ports[p]!.name)
            if new.userPortKey != old.userPortKey {
                // Keys are made at bind: a port with a new key starts over.
                updateKeys(p, reset: !ports[p]!.enabled)
                ports[p]!.begin = true
            }
            // Partners hear what they see of us: state bits, priorities, system.
            if identity || ports[p]!.actorState != before.actorState || ports[p]!.priority != before.priority { ports[p]!.ntt = true }
        }
        if new.selection != old.selection { selectAggregator() }
    }

    /// Our system (its MAC or priority) changed: every partner must hear it.
    mutating func systemChanged() {
        for p in ports.indices where ports[p] != nil { ports[p]!.ntt = true }
    }
}
