/// The modes the XDP programs decide in the kernel themselves (bpf/bond_xdp.c); a mode
/// whose decisions they cannot make says `.none` and every frame goes through the
/// engine.
public enum FastPathKind: Sendable, Equatable {
    case none, activeBackup, roundRobin, xor, broadcast, transmitLoadBalancing, adaptiveLoadBalancing, sourceLoadBalancing
    /// 802.3ad: the programs' xor over the members the mode lets transmit, and only
    /// those members' frames taken (the active aggregator's distributing ports).
    case aggregation
}
