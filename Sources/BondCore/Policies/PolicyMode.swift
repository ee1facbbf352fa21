/// `mode=policy:NAME`: a registered `TransmitPolicy` run as a bonding mode. Every
/// member receives (the switch aggregates the ports, as for balance-xor); the policy
/// alone decides transmission. The XDP programs carry only built-in modes: with
/// backend=xdp a policy's frames take the engine's path, as with the afpacket backend.
public final class PolicyMode: BondingMode {
    public let policy: any TransmitPolicy

    public init(options: BondOptions, members: Int) {
        // The parser let only registered names through.
        let t = PolicyRegistry.type(named: options.modeSettings["policy"] ?? "") ?? PolicyRegistry.all[0]
        policy = t.init(options: options, members: members)
    }

    @inlinable
    public func transmitTarget(for frame: ParsedFrame, members: MemberView) -> TransmitTarget {
        guard let m = policy.member(for: frame, members: members) else { return .drop }
        return .member(m)
    }

    public func admits(_ frame: ParsedFrame, on member: Int, members: MemberView) -> Bool { true }

    public func reconfigure(_ options: BondOptions, at now: Instant) { policy.reconfigure(options) }

    public func memberUp(_ member: Int, members: MemberView) -> [ModeAction] {
        policy.membersChanged(members)
        return []
    }

    public func memberDown(_ member: Int, members: MemberView) -> [ModeAction] {
        policy.membersChanged(members)
        return []
    }

    public func explain(_ frame: ParsedFrame, members: MemberView) -> HashExplanation {
        let (member, reason) = policy.explain(frame, members: members)
        return HashExplanation(hash: nil, bucket: nil, member: member, reason: reason)
    }

    /// `bondctl show`: the policy's name and what it does after "Bonding Mode: ".
    public func describe(into status: inout BondStatus) {
        let t = type(of: policy)
        status.modeDescription = "transmit policy \(t.name) (\(t.summary))"
    }

    public static var options: [ModeOption] { [PolicyRegistry.policyOption] + PolicyRegistry.all.flatMap { $0.options } }

    public static var capabilities: ModeCapabilities { ModeCapabilities() }
}
