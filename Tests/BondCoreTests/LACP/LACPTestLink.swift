import BondCore

/// Two 802.3ad bonds wired back to back on a virtual clock, as `IEEE8023ADMode`s the
/// way the engine drives them: ticks, member views, control frames handed over as
/// bytes. Member `i` of one side is cabled to member `cable[i]` of the other; a cable
/// can be cut (both ends lose carrier) and a side can be silenced (it stops sending
/// LACP, as a switch whose LACP was turned off).
final class LACPTestLink {
    final class Side {
        let mode: IEEE8023ADMode
        var view: MemberView
        var records: [(member: Int?, message: String)] = []
        var silenced = false
        init(_ mode: IEEE8023ADMode, view: MemberView) {
            self.mode = mode
            self.view = view
        }
        func status(_ names: [String]) -> BondStatus {
            var s = BondStatus(
                name: "bond", mode: .ieee8023ad, modeDescription: "", activeMember: nil, carrier: "up", mac: "",
                mtu: 1500, miimon: 100, updelay: 0, downdelay: 0, peerNotifDelay: 0, numGratARP: 1, primary: nil,
                primaryReselect: .always, packetsPerSlave: 1, xmitHashPolicy: .layer2, allSlavesActive: false,
                lastFailoverReason: nil, failovers: 0,
                members: names.map {
                    MemberStatus(
                        name: $0, link: "up", linkState: "up", state: "active", linkFailures: 0, permanentMAC: "", speed: 0,
                        lastChangeMillisecondsAgo: 0, txPackets: 0, txBytes: 0, txDrops: 0, rxPackets: 0, rxBytes: 0, rxDrops: 0)
                }, counters: BondCounters())
            mode.describe(into: &s)
            return s
        }
        var carrier: Bool { mode.permitsCarrier(transmitters: view.usable) }
        var transmitters: [Int] { view.usable }
    }

    var sides: [Side]
    /// cable[s][i]: the member of the other side that member i of side s is cabled to.
    var cable: [[Int?]]
    var cut: Set<Int> = []
    /// Side 0's members are cabled to each other (a loop), not to side 1.
    var looped = false
    var now = Instant.milliseconds(1_000_000)
    /// Changes a frame on the wire (side, member, frame) -> frame: a second partner.
    var rewrite: (Int, Int, [UInt8]) -> [UInt8] = { $2 }
    /// Peer notifications either side asked for, as (side, member).
    var notified: [(side: Int, member: Int)] = []
    /// Every frame either side sent, as (side, member, bytes).
    var sent: [(side: Int, member: Int, frame: [UInt8])] = []

    static func mac(_ side: Int, _ i: Int) -> MACAddress { MACAddress(rawValue: 0x0200_0000_0000 | UInt64(side) << 16 | UInt64(i + 1)) }

    init(_ a: [String], _ b: [String], members: Int = 2, speeds: [Int]? = nil, cable: [Int?]? = nil) throws {
        let wiring = cable ?? Array(0..<members)
        var back: [Int?] = Array(repeating: nil, count: members)
        for (i, j) in wiring.enumerated() { if let j { back[j] = i } }
        self.cable = [wiring, back]
        sides = []
        for (s, words) in [a, b].enumerated() {
            let o = try BondOptions.parse(["mode=802.3ad"] + words).0
            var v = MemberView(
                usable: [], active: nil, speeds: speeds ?? Array(repeating: 10000, count: members),
                bondMAC: MACAddress(rawValue: 0x0200_0000_F000 | UInt64(s + 1)), linkUp: Array(0..<members))
            v.names = (0..<members).map { "m\($0)" }
            v.permanentMACs = (0..<members).map { Self.mac(s, $0) }
            let side = Side(IEEE8023ADMode(options: o, members: members), view: v)
            sides.append(side)
            carryOut(side.mode.start(at: now), from: s)
        }
    }

    var a: Side { sides[0] }
    var b: Side { sides[1] }

    /// Runs both sides for `ms` milliseconds in 100 ms ticks.
    func run(ms: Int) {
        for _ in 0..<(ms / 100) {
            now = now.adding(milliseconds: 100)
            for s in sides.indices {
                carryOut(sides[s].mode.tick(at: now, members: sides[s].view), from: s)
            }
        }
    }

    /// Runs until `done` holds, at most `ms`; the milliseconds it took, nil if it never did.
    func run(until done: () -> Bool, within ms: Int) -> Int? {
        var t = 0
        while t <= ms {
            if done() { return t }
            run(ms: 100)
            t += 100
        }
        return nil
    }

    /// Cuts or mends the cable at member `i` of side 0: both ends lose or regain carrier.
    func setCable(_ i: Int, up: Bool) {
        if up { cut.remove(i) } else { cut.insert(i) }
        let ends = [(0, i), (1, cable[0][i])]
        for (s, m) in ends {
            guard let m else { continue }
            var v = sides[s].view
            v.linkUp = up ? (v.linkUp + [m]).sorted() : v.linkUp.filter { $0 != m }
            sides[s].view = v
            let actions = up ? sides[s].mode.memberUp(m, members: v) : sides[s].mode.memberDown(m, members: v)
            carryOut(actions, from: s)
        }
    }

    /// Hands a frame to side `s` as received on member `m`.
    func deliver(_ frame: [UInt8], to s: Int, on m: Int) {
        let parsed = try! FrameParser.parse(frame.withUnsafeBytes { FrameBytes($0) }).get()
        let actions = frame.withUnsafeBytes { raw in
            sides[s].mode.receiveControl(parsed, bytes: FrameBytes(raw), on: m, members: sides[s].view, at: now)
        }
        carryOut(actions, from: s)
    }

    func carryOut(_ actions: [ModeAction], from s: Int) {
        for action in actions {
            switch action {
            case .send(let frame, let m):
                sent.append((s, m, frame))
                guard !sides[s].silenced, let peer = cable[s][m], !cut.contains(s == 0 ? m : peer) else { continue }
                deliver(rewrite(s, m, frame), to: looped ? s : 1 - s, on: peer)
            case .notifyPeers(let m):
                notified.append((s, m))
            case .record(_, let m, let message):
                sides[s].records.append((m, message))
            case .membersChanged:
                sides[s].view.usable = sides[s].mode.transmitters(among: sides[s].view.linkUp)
            default:
                break
            }
        }
    }
}
