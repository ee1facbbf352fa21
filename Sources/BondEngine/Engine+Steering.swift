import BondCore

/// An administrator steering traffic by hand: the active member, and where a bucket
/// of flows or guests leaves.
extension Engine {
    public func setActive(_ member: String) throws(OptionError) {
        handle(try bond.setActive(member, at: system.now()))
    }

    /// `bondctl migrate` (Open vSwitch's bond/migrate): bucket `bucket` leaves on
    /// `member` until the next rebalance; guests' MACs moved are announced there.
    public func migrate(bucket: Int, to member: String, vif: Bool) throws(OptionError) {
        guard let i = bond.index(of: member) else { throw OptionError("migrate: \(member) is not a member of \(name)") }
        carryOut(try mode.migrate(bucket: bucket, to: i, vif: vif, members: view))
        logger.notice("\(name): \(vif ? "VIF " : "")bucket \(bucket) migrated to \(member)")
        journal.record(.migrate, member: member, "\(vif ? "VIF " : "")bucket \(bucket) now leaves on \(member)")
    }
}
