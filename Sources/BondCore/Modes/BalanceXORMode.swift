/// balance-xor (mode 2): a frame's `xmit_hash_policy` hash picks the member, modulo the
/// number of usable members, as the kernel's bond_xmit_3ad_xor_slave_get.
public struct BalanceXORMode: BondingModePolicy, Sendable {
    public var policy: TransmitHashPolicy
    public init(policy: TransmitHashPolicy) { self.policy = policy }

    @inlinable
    public mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        let usable = members.usable
        guard !usable.isEmpty else { return .drop }
        return .member(usable[Int(policy.hash(frame) % UInt32(usable.count))])
    }

    @inlinable
    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool { true }
}
