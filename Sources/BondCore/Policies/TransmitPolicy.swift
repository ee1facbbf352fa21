/// A transmit policy written once and run by both the daemon (`mode=policy:NAME`) and
/// bondsim: given a frame and the members that may transmit, it names one. It knows
/// nothing of sockets and keeps its state in itself (a class, so the per-frame call
/// writes nothing back). docs/writing-a-policy.md shows how to write, test and
/// benchmark one; `PolicyRegistry` lists them.
///
/// Rules of the hot path hold here: `member(for:members:)` runs per frame and must not
/// allocate or lock. `members.now` is the time of the batch being decided (the
/// engine's loop turn, bondsim's virtual clock), for policies with time in them.
public protocol TransmitPolicy: AnyObject {
    /// The NAME of `mode=policy:NAME`.
    static var name: String { get }
    /// One line on what it does, for `bondsim policies` and errors.
    static var summary: String { get }
    /// Options of its own, given with the bond's (NAME=VALUE); values in `options.modeSettings`.
    static var options: [ModeOption] { get }
    init(options: BondOptions, members: Int)

    /// Per frame: the member (an element of `members.usable`) to send on; nil drops it.
    func member(for frame: ParsedFrame, members: MemberView) -> Int?
    /// The usable members changed (a member down, up, added, removed).
    func membersChanged(_ members: MemberView)
    /// Options changed at runtime.
    func reconfigure(_ options: BondOptions)
    /// `bondctl hash`: where a frame would go and why, without changing any state.
    func explain(_ frame: ParsedFrame, members: MemberView) -> (member: Int?, reason: String)
}

extension TransmitPolicy {
    public static var options: [ModeOption] { [] }
    public func membersChanged(_ members: MemberView) {}
    public func reconfigure(_ options: BondOptions) {}
}
