/// balance-xor (mode 2): a frame's `xmit_hash_policy` hash picks the member, modulo the
/// number of usable members, as the kernel's bond_xmit_3ad_xor_slave_get.
public struct BalanceXORMode: BondingMode, Sendable {
    public var policy: TransmitHashPolicy
    public init(policy: TransmitHashPolicy) { self.policy = policy }
    public init(options: BondOptions, members: Int) { self.init(policy: options.xmitHashPolicy) }

    @inlinable
    public mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        let usable = members.usable
        guard !usable.isEmpty else { return .drop }
        return .member(usable[Int(policy.hash(frame) % UInt32(usable.count))])
    }

    @inlinable
    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool { true }

    public mutating func reconfigure(_ options: BondOptions, at now: Instant) { policy = options.xmitHashPolicy }

    public func explain(_ frame: ParsedFrame, members v: MemberView) -> HashExplanation {
        let h = policy.hash(frame)
        let member = v.usable.isEmpty ? nil : v.usable[Int(h % UInt32(v.usable.count))]
        return HashExplanation(hash: h, bucket: nil, member: member, reason: "\(policy.kernelName) hash modulo \(v.usable.count) usable members")
    }

    /// The programs compute layer2, layer2+3 and layer3+4 bit for bit as the kernel does.
    public var fastPathKind: FastPathKind { policy.isComputedByFastPath ? .xor : .none }

    public static var capabilities: ModeCapabilities {
        var c = ModeCapabilities()
        c.balancesByHash = true
        c.decidesFromView = true
        return c
    }
}
