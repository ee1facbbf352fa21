/// 802.3ad's part of `bondctl show` and its JSON: the kernel's "802.3ad info" block
/// and, per member, what /proc/net/bonding prints plus bondd's own counters, machine
/// states and convergence time.
public struct LACPBondStatus: Codable, Sendable, Equatable {
    public var lacpActive: Bool
    public var lacpRate: String
    public var minLinks: Int
    public var adSelect: String
    public var systemPriority: Int
    public var systemMAC: String
    /// nil: "bond has no active aggregator".
    public var activeAggregator: LACPAggregatorStatus?
    public var fallbackActiveBackup: Bool

    enum CodingKeys: String, CodingKey {
        case lacpActive = "lacp_active"
        case lacpRate = "lacp_rate"
        case minLinks = "min_links"
        case adSelect = "ad_select"
        case systemPriority = "system_priority"
        case systemMAC = "system_mac"
        case activeAggregator = "active_aggregator"
        case fallbackActiveBackup = "lacp_fallback_ab"
    }

    // Unset keys are written as null, as in the rest of the status.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lacpActive, forKey: .lacpActive)
        try c.encode(lacpRate, forKey: .lacpRate)
        try c.encode(minLinks, forKey: .minLinks)
        try c.encode(adSelect, forKey: .adSelect)
        try c.encode(systemPriority, forKey: .systemPriority)
        try c.encode(systemMAC, forKey: .systemMAC)
        try c.encode(activeAggregator, forKey: .activeAggregator)
        try c.encode(fallbackActiveBackup, forKey: .fallbackActiveBackup)
    }
}

public struct LACPAggregatorStatus: Codable, Sendable, Equatable {
    public var id: Int
    /// Ports whose link is up, as the kernel counts them.
    public var ports: Int
    public var actorKey: Int
    public var partnerKey: Int
    public var partnerMAC: String

    enum CodingKeys: String, CodingKey {
        case id, ports
        case actorKey = "actor_key"
        case partnerKey = "partner_key"
        case partnerMAC = "partner_mac"
    }
}

/// One side of a port, as the "details actor/partner lacp pdu" blocks print it.
public struct LACPPortDetails: Codable, Sendable, Equatable {
    public var systemPriority: Int
    public var systemMAC: String
    /// The actor's port key, or the partner's oper key.
    public var key: Int
    public var portPriority: Int
    public var portNumber: Int
    public var portState: Int
    /// The state bits by name (activity, timeout, aggregation, synchronized, ...).
    public var stateBits: [String]

    enum CodingKeys: String, CodingKey {
        case key
        case systemPriority = "system_priority"
        case systemMAC = "system_mac"
        case portPriority = "port_priority"
        case portNumber = "port_number"
        case portState = "port_state"
        case stateBits = "state_bits"
    }

    init(_ p: LACPPortInfo) {
        systemPriority = Int(p.systemPriority)
        systemMAC = p.system.description
        key = Int(p.key)
        portPriority = Int(p.portPriority)
        portNumber = Int(p.port)
        portState = Int(p.state.rawValue)
        stateBits = p.state.names
    }
}

public struct LACPMemberStatus: Codable, Sendable, Equatable {
    /// nil: "Aggregator ID: N/A".
    public var aggregatorID: Int?
    public var actorChurnState: String
    public var partnerChurnState: String
    public var actorChurnedCount: Int
    public var partnerChurnedCount: Int
    public var actor: LACPPortDetails
    public var partner: LACPPortDetails
    /// The machines' states: receive (current, expired, defaulted, ...), mux (detached,
    /// waiting, attached, collecting_distributing), and whether the port is selected.
    public var receiveState: String
    public var muxState: String
    public var selected: Bool
    /// Milliseconds from the partner's first LACPDU to collecting-distributing, once reached.
    public var convergenceMilliseconds: Int?
    public var counters: LACPCounters

    enum CodingKeys: String, CodingKey {
        case actor, partner, selected, counters
        case aggregatorID = "aggregator_id"
        case actorChurnState = "actor_churn_state"
        case partnerChurnState = "partner_churn_state"
        case actorChurnedCount = "actor_churned_count"
        case partnerChurnedCount = "partner_churned_count"
        case receiveState = "rx_state"
        case muxState = "mux_state"
        case convergenceMilliseconds = "convergence_ms"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(aggregatorID, forKey: .aggregatorID)
        try c.encode(actorChurnState, forKey: .actorChurnState)
        try c.encode(partnerChurnState, forKey: .partnerChurnState)
        try c.encode(actorChurnedCount, forKey: .actorChurnedCount)
        try c.encode(partnerChurnedCount, forKey: .partnerChurnedCount)
        try c.encode(actor, forKey: .actor)
        try c.encode(partner, forKey: .partner)
        try c.encode(receiveState, forKey: .receiveState)
        try c.encode(muxState, forKey: .muxState)
        try c.encode(selected, forKey: .selected)
        try c.encode(convergenceMilliseconds, forKey: .convergenceMilliseconds)
        try c.encode(counters, forKey: .counters)
    }
}

extension LinkAggregation {
    var bondStatus: LACPBondStatus {
        let active = activeAggregator.flatMap { a in
            aggregators[a].map {
                LACPAggregatorStatus(
                    id: $0.id, ports: activePorts(a), actorKey: Int($0.actorKey), partnerKey: Int($0.partnerKey),
                    partnerMAC: $0.partnerSystem.description)
            }
        }
        return LACPBondStatus(
            lacpActive: settings.active, lacpRate: settings.rate.rawValue, minLinks: settings.minLinks,
            adSelect: settings.selection.rawValue, systemPriority: Int(settings.systemPriority),
            systemMAC: system.description, activeAggregator: active, fallbackActiveBackup: settings.fallbackActiveBackup)
    }

    func memberStatus(_ p: Int) -> LACPMemberStatus? {
        guard ports.indices.contains(p), let port = ports[p] else { return nil }
        let muxNames: [LACPPort.MuxState: String] = [
            .begin: "detached", .detached: "detached", .waiting: "waiting", .attached: "attached", .collectingDistributing: "collecting_distributing",
        ]
        let rxNames: [LACPPort.ReceiveState: String] = [
            .begin: "initialize", .initialize: "initialize", .portDisabled: "port_disabled", .lacpDisabled: "lacp_disabled",
            .expired: "expired", .defaulted: "defaulted", .current: "current",
        ]
        return LACPMemberStatus(
            aggregatorID: port.aggregator.flatMap { aggregators[$0]?.id }, actorChurnState: port.actorChurn.rawValue,
            partnerChurnState: port.partnerChurn.rawValue, actorChurnedCount: port.actorChurnCount,
            partnerChurnedCount: port.partnerChurnCount, actor: LACPPortDetails(lacpdu(for: port).actor),
            partner: LACPPortDetails(port.partner), receiveState: rxNames[port.receiveState] ?? "",
            muxState: muxNames[port.muxState] ?? "", selected: port.selected == .selected,
            convergenceMilliseconds: port.convergenceMilliseconds, counters: port.counters)
    }
}
