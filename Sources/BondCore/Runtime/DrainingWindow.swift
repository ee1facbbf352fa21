/// Make before break: after the active member changed by choice (an administrator, a
/// primary that came back), the old one is still up and switches still send the
/// bond's frames to it until the new member's announcement reaches them, so its
/// unicast is still taken for a while. The daemon and bondsim both keep this window.
public struct DrainingWindow: Sendable, Equatable {
    public var member: Int
    public var until: Instant

    public static let milliseconds = 500

    public init(member: Int, until: Instant) {
        self.member = member
        self.until = until
    }

    /// The window an `activeChanged(from:to:)` opens, handled at `now`: only when an
    /// active member is replaced by another while its link is still up.
    public static func after(activeChange from: Int?, to: Int?, bond: Bond, at now: Instant) -> DrainingWindow? {
        guard let from, to != nil, bond.members[from].link == .up else { return nil }
        return DrainingWindow(member: from, until: now.adding(milliseconds: milliseconds))
    }
}
