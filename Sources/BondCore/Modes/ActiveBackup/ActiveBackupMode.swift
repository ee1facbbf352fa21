/// active-backup (mode 1): everything leaves on the active member; frames that arrive
/// on a backup are dropped unless `all_slaves_active=1`.
public struct ActiveBackupMode: BondingMode, Sendable {
    public var allSlavesActive: Bool
    public init(allSlavesActive: Bool) { self.allSlavesActive = allSlavesActive }
    public init(options: BondOptions, members: Int) { self.init(allSlavesActive: options.allSlavesActive) }

    @inlinable
    public mutating func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        guard let a = members.active else { return .drop }
        return .member(a)
    }

    @inlinable
    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool {
        allSlavesActive || member == members.active
            // Unicast only: flooded frames arrive on the new active member as well.
            || (member == members.draining && !frame.destination.isMulticast)
    }

    public mutating func reconfigure(_ options: BondOptions, at now: Instant) { allSlavesActive = options.allSlavesActive }

    public func explain(_ frame: ParsedFrame, members: MemberView) -> HashExplanation {
        HashExplanation(hash: nil, bucket: nil, member: members.active, reason: "active-backup: the active member")
    }

    public var fastPathKind: FastPathKind { .activeBackup }

    public static var capabilities: ModeCapabilities {
        var c = ModeCapabilities.activeMember
        c.hasBackupMembers = true
        c.decidesFromView = true
        return c
    }
}
