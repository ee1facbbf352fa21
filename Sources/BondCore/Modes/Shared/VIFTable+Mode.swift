/// What the modes that place guests per VIF (balance-tlb, balance-alb, balance-slb)
/// share around their `VIFTable`.
extension VIFTable {
    /// Milliseconds between two agings of the table (`age(at:)` works in seconds).
    public static let agingTickMilliseconds = 1000

    /// One of our own frames coming back (a switch flooding it to another member).
    /// A gratuitous ARP is not: it may be another host's announcement of our address.
    public func isReflected(_ frame: ParsedFrame) -> Bool {
        guard isHostSide(frame.source, vlan: frame.vlanID) else { return false }
        if case .arp(let a) = frame.network, a.senderIP == a.targetIP { return false }
        return true
    }

    /// Ages the table at `now`; what it forgot, the XDP programs forget too.
    func age(at now: Instant) -> [ModeAction] {
        age(at: UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000_000))
        let gone = takeForgotten()
        return gone.isEmpty ? [] : [.forget(vifKeys: gone)]
    }

    /// `bondctl migrate --vif`.
    func migrate(bucket: Int, to member: Int, members: MemberView) throws(OptionError) -> [Move] {
        guard members.usable.contains(member) else { throw OptionError("migrate: the member is not up") }
        guard buckets.indices.contains(bucket) else {
            throw OptionError("migrate: bucket \(bucket) out of range (0-\(buckets.count - 1))")
        }
        return migrate(bucket: bucket, to: member)
    }

    /// `bondctl hash` for a frame placed per VIF.
    func explain(_ frame: ParsedFrame, members v: MemberView) -> HashExplanation {
        let b = VIFTable.bucket(mac: frame.source, vlan: frame.vlanID)
        if let m = buckets[b].member, v.usable.contains(m) {
            return HashExplanation(hash: nil, bucket: b, member: m, reason: "per-VIF bucket of source MAC and VLAN")
        }
        return HashExplanation(hash: nil, bucket: b, member: nil, reason: "per-VIF bucket unassigned: its next frame takes the next member in turn")
    }
}
