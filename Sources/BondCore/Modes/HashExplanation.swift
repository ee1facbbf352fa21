/// What a mode would do with a frame, without doing it (no bucket gets assigned):
/// the answer to `bondctl hash`.
public struct HashExplanation: Codable, Sendable, Equatable {
    /// The hash the mode uses, if it hashes.
    public var hash: UInt32?
    public var bucket: Int?
    /// The member index, or nil when the frame would be dropped.
    public var member: Int?
    public var reason: String
}

extension ModePolicy {
    public func explain(_ frame: ParsedFrame, members v: MemberView) -> HashExplanation {
        func activeOrDrop(_ why: String) -> HashExplanation {
            HashExplanation(hash: nil, bucket: nil, member: v.active, reason: why)
        }
        switch self {
        case .activeBackup:
            return activeOrDrop("active-backup: the active member")
        case .roundRobin:
            return HashExplanation(hash: nil, bucket: nil, member: nil, reason: "balance-rr: no hash, frames rotate over all usable members")
        case .broadcast:
            return HashExplanation(hash: nil, bucket: nil, member: nil, reason: "broadcast: every usable member")
        case .balanceXOR(let m):
            let h = m.policy.hash(frame)
            let member = v.usable.isEmpty ? nil : v.usable[Int(h % UInt32(v.usable.count))]
            return HashExplanation(hash: h, bucket: nil, member: member, reason: "\(m.policy.kernelName) hash modulo \(v.usable.count) usable members")
        case .transmitLoadBalancing(let m):
            if frame.source != v.bondMAC { return explainVIF(m.vifs, frame, v) }
            guard TransmitLoadBalancingMode.isBalanced(frame) else { return activeOrDrop("not unicast IP: the active member") }
            let h = m.policy.hash(frame)
            if !m.dynamic {
                let member = v.usable.isEmpty ? nil : v.usable[Int(h % UInt32(v.usable.count))]
                return HashExplanation(hash: h, bucket: nil, member: member, reason: "tlb_dynamic_lb=0: hash modulo usable members")
            }
            let b = Int(h & 0xFF)
            if let assigned = m.table.buckets[b].member {
                return HashExplanation(hash: h, bucket: b, member: assigned, reason: "bucket assigned")
            }
            return HashExplanation(hash: h, bucket: b, member: nil, reason: "bucket unassigned: its next frame goes to the least loaded member")
        case .sourceLoadBalancing(let m):
            return explainVIF(m.table, frame, v)
        case .adaptiveLoadBalancing(let m):
            return ModePolicy.transmitLoadBalancing(m.tlb).explain(frame, members: v)
        }
    }

    private func explainVIF(_ t: VIFTable, _ frame: ParsedFrame, _ v: MemberView) -> HashExplanation {
        let b = VIFTable.bucket(mac: frame.source, vlan: frame.vlanID)
        if let m = t.buckets[b].member, v.usable.contains(m) {
            return HashExplanation(hash: nil, bucket: b, member: m, reason: "per-VIF bucket of source MAC and VLAN")
        }
        return HashExplanation(hash: nil, bucket: b, member: nil, reason: "per-VIF bucket unassigned: its next frame takes the next member in turn")
    }
}
