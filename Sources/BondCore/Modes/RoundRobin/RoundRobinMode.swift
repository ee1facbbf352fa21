/// balance-rr (mode 0): frames rotate over the usable members, `packetsPerSlave` in a
/// row (0: a random member per frame), as the kernel's bond_rr_gen_slave_id.
public struct RoundRobinMode: BondingMode, Sendable {
    public var packetsPerSlave: Int
    @usableFromInline var counter: UInt32 = 0
    @usableFromInline var random: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init(packetsPerSlave: Int) { self.packetsPerSlave = packetsPerSlave }
    public init(options: BondOptions, members: Int) { self.init(packetsPerSlave: options.packetsPerSlave) }

    @inlinable
    public mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        let usable = members.usable
        guard !usable.isEmpty else { return .drop }
        // IGMP goes to the active member so that a switch's snooping table sees one port.
        if case .ipv4(let ip) = frame.network, ip.protocolNumber == IPProtocolNumber.igmp {
            return .member(members.active ?? usable[0])
        }
        let id: UInt32
        switch packetsPerSlave {
        case 0:
            // xorshift64*: cheap and good enough to spread frames; not for security.
            random ^= random >> 12; random ^= random << 25; random ^= random >> 27
            id = UInt32(truncatingIfNeeded: (random &* 0x2545_F491_4F6C_DD1D) >> 32)
        case 1:
            counter &+= 1
            id = counter
        default:
            counter &+= 1
            id = counter / UInt32(packetsPerSlave)
        }
        return .member(usable[Int(id % UInt32(usable.count))])
    }

    @inlinable
    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool { true }

    public mutating func reconfigure(_ options: BondOptions, at now: Instant) { packetsPerSlave = options.packetsPerSlave }

    public func explain(_ frame: ParsedFrame, members: MemberView) -> HashExplanation {
        HashExplanation(hash: nil, bucket: nil, member: nil, reason: "balance-rr: no hash, frames rotate over all usable members")
    }

    public var fastPathKind: FastPathKind { .roundRobin }

    public static var capabilities: ModeCapabilities {
        var c = ModeCapabilities()
        c.keepsCurrentMember = true
        // Each thread turns a counter of its own, as the XDP programs' per-CPU one.
        c.decidesFromView = true
        return c
    }
}
