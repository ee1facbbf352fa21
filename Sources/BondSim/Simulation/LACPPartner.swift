import BondCore

/// The switch's end of 802.3ad: BondCore's own 802.3ad mode, with a system MAC and
/// ports of its own, answering the bond's LACPDUs and sending its own on its timers,
/// each PDU crossing the link in `delay`. Ports whose link is down neither send nor hear.
public final class LACPPartner {
    let mode: IEEE8023ADMode
    var view: MemberView
    /// PDUs on the wire: to the bond (true) or to the partner, on a member's link.
    var inFlight: [(at: Instant, frame: [UInt8], toBond: Bool, member: Int)] = []
    public var delayMilliseconds = 1
    public static let system = MACAddress(rawValue: 0x0200_5e99_0000)

    /// - Parameter words: the partner's options (its lacp_rate, say); 802.3ad is implied.
    public init(members: Int, words: [String] = [], at now: Instant) throws(OptionError) {
        mode = IEEE8023ADMode(options: try BondOptions.parse(["mode=802.3ad"] + words).0, members: members)
        view = MemberView(usable: [], active: nil, speeds: Array(repeating: 1000, count: members), bondMAC: Self.system, linkUp: Array(0..<members))
        view.names = (0..<members).map { "sw\($0)" }
        view.permanentMACs = (0..<members).map { MACAddress(rawValue: Self.system.rawValue | UInt64($0 + 1)) }
        _ = mode.start(at: now)
    }

    /// Ports with link, as the bond's members' carriers say.
    public func setLinks(_ up: [Bool], at now: Instant) {
        while view.names.count < up.count {
            view.names.append("sw\(view.names.count)")
            view.permanentMACs.append(MACAddress(rawValue: Self.system.rawValue | UInt64(view.permanentMACs.count + 1)))
            view.speeds.append(1000)
        }
        let linked = up.indices.filter { up[$0] }
        guard linked != view.linkUp else { return }
        let before = Set(view.linkUp)
        view.linkUp = linked
        view.usable = mode.transmitters(among: linked)
        for i in linked where !before.contains(i) { send(mode.memberUp(i, members: view), at: now) }
        for i in before where !linked.contains(i) { send(mode.memberDown(i, members: view), at: now) }
    }

    /// A frame the bond sent on member `i` (its LACPDUs and Markers).
    public func fromBond(_ frame: [UInt8], on i: Int, at now: Instant) {
        guard view.linkUp.contains(i) else { return }
        inFlight.append((now.adding(milliseconds: delayMilliseconds), frame, false, i))
    }

    public var nextDeadline: Instant? {
        var d = mode.nextDeadline
        if let x = inFlight.map(\.at).min() { d = min(d ?? x, x) }
        return d
    }

    /// Runs what is due at `now`; returns the PDUs that reach the bond now, by member.
    public func run(at now: Instant) -> [(frame: [UInt8], member: Int)] {
        var toBond: [(frame: [UInt8], member: Int)] = []
        let due = inFlight.filter { $0.at <= now }
        inFlight.removeAll { $0.at <= now }
        for d in due {
            guard view.linkUp.contains(d.member) else { continue }
            if d.toBond {
                toBond.append((d.frame, d.member))
            } else {
                let parsed = d.frame.withUnsafeBytes { FrameParser.parse(FrameBytes($0)) }
                guard case .success(let p) = parsed else { continue }
                let actions = d.frame.withUnsafeBytes { mode.receiveControl(p, bytes: FrameBytes($0), on: d.member, members: view, at: now) }
                send(actions, at: now)
            }
        }
        if let t = mode.nextDeadline, now >= t { send(mode.tick(at: now, members: view), at: now) }
        view.usable = mode.transmitters(among: view.linkUp)
        return toBond
    }

    func send(_ actions: [ModeAction], at now: Instant) {
        for case .send(let frame, let on) in actions where view.linkUp.contains(on) {
            inFlight.append((now.adding(milliseconds: delayMilliseconds), frame, true, on))
        }
    }
}
