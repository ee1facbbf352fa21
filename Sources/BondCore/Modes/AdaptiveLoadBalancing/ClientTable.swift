/// balance-alb's receive load balancing (the kernel's RLB, bond_alb.c): each client
/// that resolves one of our addresses is given a member, and is taught that member's MAC
/// for our address, so clients' traffic arrives spread over members. IPv4 through ARP
/// as Linux does; beyond Linux, IPv6 through the target link-layer address of our
/// Neighbor Advertisements.
///
/// Unlike the kernel's 256-slot table, where two clients hashing alike evict each other
/// without a word, this table keeps every client up to `capacity` and counts the rest.
public final class ClientTable: @unchecked Sendable {
    public struct Client: Equatable, Sendable {
        public var ourIP: IPAddress
        public var clientIP: IPAddress
        /// Zero until the client's own MAC is known.
        public var clientMAC: MACAddress
        public var member: Int
        public var vlan: UInt16?
        /// Ticks left in the client's update schedule (0: nothing to send).
        public var updatesLeft: Int
    }

    /// An ARP reply or NA that teaches `client` the MAC of its member for our address.
    public struct Update: Equatable, Sendable {
        public var client: Client
    }

    /// An ARP or Neighbor Discovery message, reduced to what the table needs.
    public struct Resolution: Equatable, Sendable {
        /// ARP request or NS: asks; ARP reply or NA: answers.
        public var isAnswer: Bool
        public var senderIP: IPAddress
        public var senderMAC: MACAddress
        public var targetIP: IPAddress
        public var targetMAC: MACAddress

        /// For frames the host sends (ours) or receives from a client.
        public init?(_ frame: ParsedFrame) {
            switch frame.network {
            case .arp(let a):
                guard a.operation == ARPHeader.request || a.operation == ARPHeader.reply else { return nil }
                self.init(
                    isAnswer: a.operation == ARPHeader.reply, senderIP: .v4(a.senderIP), senderMAC: a.senderMAC,
                    targetIP: .v4(a.targetIP), targetMAC: a.targetMAC)
            case .ipv6(let ip):
                guard let nd = frame.neighborDiscovery else { return nil }
                if nd.isAdvertisement {
                    // The answerer's address is the target; it answers the IPv6 destination.
                    self.init(
                        isAnswer: true, senderIP: .v6(nd.target), senderMAC: nd.linkLayerAddress ?? frame.source,
                        targetIP: .v6(ip.destination), targetMAC: frame.destination)
                } else {
                    self.init(
                        isAnswer: false, senderIP: .v6(ip.source), senderMAC: nd.linkLayerAddress ?? frame.source,
                        targetIP: .v6(nd.target), targetMAC: .zero)
                }
            default:
                return nil
            }
        }

        init(isAnswer: Bool, senderIP: IPAddress, senderMAC: MACAddress, targetIP: IPAddress, targetMAC: MACAddress) {
            self.isAnswer = isAnswer; self.senderIP = senderIP; self.senderMAC = senderMAC
            self.targetIP = targetIP; self.targetMAC = targetMAC
        }
    }

    public static let burst = 2  // RLB_ARP_BURST_SIZE
    public static let retries = 3  // RLB_UPDATE_RETRY: ticks an update is repeated
    /// Beyond the kernel: one more burst 1.1 s later. A Linux client ignores a reply that
    /// arrives within its neighbour locktime (1 s) of its last update, so a client that
    /// had just resolved us would otherwise keep a dead member's MAC until its entry
    /// goes stale (about 5 s).
    public static let lateRetryTicks = 11
    /// The schedule's length in ticks: bursts on the first `retries` ticks and the last.
    static let schedule = lateRetryTicks + 1
    public static let requestDelay = 2000  // RLB_UPDATE_DELAY: ms after our own ARP request

    /// Per VLAN: the same addresses on two VLANs are two clients (overlapping subnets).
    struct Key: Hashable { var ours: IPAddress; var client: IPAddress; var vlan: UInt16? }

    public let capacity: Int
    private var table: [Key: Client] = [:]
    public private(set) var overflow = 0
    private var nextMember = -1
    private var holdUpdatesUntil: Instant?
    /// Our own request went out since the last tick: hold updates for a while.
    private var requestSeen = false

    public init(capacity: Int) { self.capacity = capacity }

    public var clients: [Client] { table.values.sorted { ($0.clientIP, $0.ourIP, $0.vlan ?? 0) < ($1.clientIP, $1.ourIP, $1.vlan ?? 0) } }

    /// Our host resolves or answers. An answer goes out on the client's member, carrying
    /// that member's MAC; a request goes out as it is (on the active member) but,
    /// multicast, it taught peers the bond's MAC: every client of that address is
    /// updated again after a delay, as rlb_req_update_subnet_clients.
    /// - Returns: the member for an answer, nil to leave the frame to the active member.
    public func outgoing(_ r: Resolution, vlan: UInt16?, usable: [Int]) -> Int? {
        if !r.isAnswer, case .v6 = r.targetIP {
            // Beyond Linux: our Neighbor Solicitation names its client, so it carries the
            // client's member MAC too, and teaches nobody the bond's.
            return assign(Key(ours: r.senderIP, client: r.targetIP, vlan: vlan), clientMAC: .zero, vlan: vlan, usable: usable)
        }
        guard r.isAnswer else {
            for (k, c) in table where c.ourIP == r.senderIP { table[k]!.updatesLeft = Self.schedule }
            requestSeen = true
            return nil
        }
        // Announcements to everyone (gratuitous, unsolicited) are not a client's.
        guard !r.targetMAC.isMulticast else { return nil }
        return assign(Key(ours: r.senderIP, client: r.targetIP, vlan: vlan), clientMAC: r.targetMAC, vlan: vlan, usable: usable)
    }

    /// The client's member, given one if it has none (or its member is gone).
    private func assign(_ k: Key, clientMAC: MACAddress, vlan: UInt16?, usable: [Int]) -> Int? {
        if var c = table[k], usable.contains(c.member) {
            if c.clientMAC != clientMAC && clientMAC != .zero {
                c.clientMAC = clientMAC
                table[k] = c
            }
            return c.member
        }
        if table[k] == nil && table.count >= capacity {
            overflow += 1
            return nil  // not balanced, but never evicting another client
        }
        guard let m = nextUsable(usable) else { return nil }
        let known = table[k]?.clientMAC ?? .zero
        table[k] = Client(
            ourIP: k.ours, clientIP: k.client, clientMAC: clientMAC == .zero ? known : clientMAC,
            member: m, vlan: vlan, updatesLeft: 0)
        return m
    }

    /// A client answers us: learn or correct its MAC, and update it if it changed.
    public func incoming(_ r: Resolution, vlan: UInt16?) {
        guard r.isAnswer else { return }
        let k = Key(ours: r.targetIP, client: r.senderIP, vlan: vlan)
        guard var c = table[k], c.clientMAC != r.senderMAC else { return }
        c.clientMAC = r.senderMAC
        c.updatesLeft = Self.schedule
        table[k] = c
    }

    /// A member can no longer receive: its clients move to the others and are updated.
    public func release(member: Int, usable: [Int]) {
        for (k, c) in table where c.member == member {
            guard let m = nextUsable(usable) else { continue }
            table[k]!.member = m
            table[k]!.updatesLeft = Self.schedule
        }
    }

    /// A member's MAC changed (swapped with the active member's): its clients must
    /// learn the new one (rlb_req_update_slave_clients).
    public func renew(member: Int) {
        for (k, c) in table where c.member == member { table[k]!.updatesLeft = Self.schedule }
    }

    /// A member came up: every client is spread again (rlb_rebalance).
    public func respread(usable: [Int]) {
        for k in table.keys.sorted(by: { ($0.client, $0.ours, $0.vlan ?? 0) < ($1.client, $1.ours, $1.vlan ?? 0) }) {
            guard let m = nextUsable(usable) else { return }
            table[k]!.member = m
            table[k]!.updatesLeft = Self.schedule
        }
    }

    /// One monitor tick (100 ms): the updates to send now, `burst` frames each.
    public func tick(at now: Instant) -> [Update] {
        if requestSeen {
            requestSeen = false
            holdUpdatesUntil = now.adding(milliseconds: Self.requestDelay)
        }
        if let hold = holdUpdatesUntil {
            if now < hold { return [] }
            holdUpdatesUntil = nil
        }
        var out: [Update] = []
        for (k, c) in table where c.updatesLeft > 0 {
            table[k]!.updatesLeft -= 1
            let age = Self.schedule - c.updatesLeft
            let due = age < Self.retries || c.updatesLeft == 1
            if due && c.clientMAC != .zero { out.append(Update(client: c)) }
        }
        return out.sorted { $0.client.clientIP < $1.client.clientIP }
    }

    private func nextUsable(_ usable: [Int]) -> Int? {
        guard !usable.isEmpty else { return nil }
        nextMember = (nextMember + 1) % usable.count
        return usable[nextMember]
    }
}
