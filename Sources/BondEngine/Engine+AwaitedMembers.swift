import BondCore
import PacketIO

/// Members a bond was started without (`--wait-members`: not present at boot, a USB
/// NIC, a driver loaded late): each joins when an interface of its name appears, as
/// the members of an ifenslave bond do when hotplug brings them.
extension Engine {
    /// Which of `members` no interface of this network namespace carries now.
    public static func absentMembers(_ members: [String]) -> [String] {
        guard let links = try? LinkControl(), let all = try? links.links() else { return [] }
        let names = Set(all.map(\.name))
        return members.filter { !names.contains($0) }
    }

    /// Waits for `names`; any already present joins now.
    public func awaitMembers(_ names: [String]) {
        awaited = names.filter { bond.index(of: $0) == nil }
        addAwaitedMembersPresent()
    }

    /// The awaited members that exist now join the bond; one that cannot (taken by
    /// another bond, say) is no longer awaited, and a log line says why.
    func addAwaitedMembersPresent() {
        guard !awaited.isEmpty, let all = try? links.links() else { return }
        for n in awaited where all.contains(where: { $0.name == n }) {
            awaited.removeAll { $0 == n }
            do {
                try addMember(n)
                logger.notice("\(name): \(n) appeared; it is a member now")
            } catch {
                logger.warning("\(name): \(n) appeared but cannot join: \(error.message)")
            }
        }
    }
}
