/// broadcast (mode 3): every frame leaves on every usable member.
public struct BroadcastMode: BondingMode, Sendable {
    public init() {}
    public init(options: BondOptions, members: Int) {}

    @inlinable
    public mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        members.usable.isEmpty ? .drop : .allMembers
    }

    @inlinable
    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool { true }

    public func explain(_ frame: ParsedFrame, members: MemberView) -> HashExplanation {
        HashExplanation(hash: nil, bucket: nil, member: nil, reason: "broadcast: every usable member")
    }

    public var fastPathKind: FastPathKind { .broadcast }

    public static var capabilities: ModeCapabilities {
        var c = ModeCapabilities()
        c.decidesFromView = true
        return c
    }
}
