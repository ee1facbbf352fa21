/// broadcast (mode 3): every frame leaves on every usable member.
public struct BroadcastMode: BondingModePolicy, Sendable {
    public init() {}

    @inlinable
    public mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        members.usable.isEmpty ? .drop : .allMembers
    }

    @inlinable
    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool { true }
}
