/// balance-alb's receive load balancing for IPv4 (the kernel's RLB, bond_alb.c): each
/// client that talks ARP with one of our addresses is given a member, and is taught
/// that member's MAC for our address, so clients' traffic arrives spread over members.
///
/// Unlike the kernel's 256-slot table, where two clients hashing alike evict each other
/// without a word, this table keeps every client up to `capacity` and counts the rest.
public final class ClientTable: @unchecked Sendable {
    public struct Client: Equatable, Sendable {
        public var ourIP: IPv4Address
        public var clientIP: IPv4Address
        /// Zero until the client's own MAC is known (from its ARP reply).
        public var clientMAC: MACAddress
        public var member: Int
        public var vlan: UInt16?
        /// Update bursts still to send (the kernel's ntt with its retries).
        public var updatesLeft: Int
    }

    /// An ARP reply that teaches `client` the MAC of `member` for `ourIP`.
    public struct Update: Equatable, Sendable {
        public var client: Client
    }

    public static let burst = 2          // RLB_ARP_BURST_SIZE
    public static let retries = 3        // RLB_UPDATE_RETRY: ticks an update is repeated
    public static let requestDelay = 2000 // RLB_UPDATE_DELAY: ms after our own ARP request

    public let capacity: Int
    public private(set) var clients: [UInt64: Client] = [:]
    public private(set) var overflow = 0
    private var nextMember = -1
    private var holdUpdatesUntil: Instant?
    /// Our own ARP request went out since the last tick: hold updates for a while.
    private var requestSeen = false

    public init(capacity: Int) { self.capacity = capacity }

    static func key(_ ours: IPv4Address, _ client: IPv4Address) -> UInt64 { UInt64(ours.rawValue) << 32 | UInt64(client.rawValue) }

    /// Our host sends an ARP frame. A reply goes out on the client's member, carrying that
    /// member's MAC; a request goes out as it is (on the active member) but, broadcast,
    /// it taught every peer the bond's MAC: every client of that address is updated
    /// again after a delay, as rlb_req_update_subnet_clients.
    /// - Returns: the member for a reply, nil to leave the frame to the active member.
    public func outgoing(_ arp: ARPHeader, vlan: UInt16?, usable: [Int]) -> Int? {
        if arp.operation == ARPHeader.request {
            for (k, c) in clients where c.ourIP == arp.senderIP { clients[k]!.updatesLeft = Self.retries }
            requestSeen = true
            return nil
        }
        guard arp.operation == ARPHeader.reply else { return nil }
        let k = Self.key(arp.senderIP, arp.targetIP)
        if var c = clients[k], usable.contains(c.member) {
            if c.clientMAC != arp.targetMAC && arp.targetMAC != .zero { c.clientMAC = arp.targetMAC; clients[k] = c }
            return c.member
        }
        guard let m = nextUsable(usable) else { return nil }
        if clients[k] == nil && clients.count >= capacity {
            overflow += 1
            return nil   // not balanced, but never evicting another client
        }
        clients[k] = Client(ourIP: arp.senderIP, clientIP: arp.targetIP, clientMAC: arp.targetMAC,
                            member: m, vlan: vlan, updatesLeft: 0)
        return m
    }

    /// A client's ARP reply to us: learn or correct its MAC, and update it if it changed.
    public func incoming(_ arp: ARPHeader) {
        guard arp.operation == ARPHeader.reply else { return }
        let k = Self.key(arp.targetIP, arp.senderIP)
        guard var c = clients[k], c.clientMAC != arp.senderMAC else { return }
        c.clientMAC = arp.senderMAC
        c.updatesLeft = Self.retries
        clients[k] = c
    }

    /// A member can no longer receive: its clients move to the others and are updated.
    public func release(member: Int, usable: [Int]) {
        for (k, c) in clients where c.member == member {
            guard let m = nextUsable(usable) else { continue }
            clients[k]!.member = m
            clients[k]!.updatesLeft = Self.retries
        }
    }

    /// A member's MAC changed (swapped with the active member's): its clients must
    /// learn the new one (rlb_req_update_slave_clients).
    public func renew(member: Int) {
        for (k, c) in clients where c.member == member { clients[k]!.updatesLeft = Self.retries }
    }

    /// A member came up: every client is spread again (rlb_rebalance).
    public func respread(usable: [Int]) {
        for k in clients.keys.sorted() {
            guard let m = nextUsable(usable) else { return }
            clients[k]!.member = m
            clients[k]!.updatesLeft = Self.retries
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
        for (k, c) in clients where c.updatesLeft > 0 {
            clients[k]!.updatesLeft -= 1
            if c.clientMAC != .zero { out.append(Update(client: c)) }
        }
        return out.sorted { $0.client.clientIP < $1.client.clientIP }
    }

    private func nextUsable(_ usable: [Int]) -> Int? {
        guard !usable.isEmpty else { return nil }
        nextMember = (nextMember + 1) % usable.count
        return usable[nextMember]
    }
}
