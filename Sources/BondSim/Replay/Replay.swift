import BondCore

/// One run: frames fed in time order to a `SimulatedBond`, scripted events applied at
/// their times, and every figure of `RunReport` counted on the way.
public final class Replay {
    public let settings: ReplaySettings
    let interval: UInt64
    var sim: SimulatedBond?
    var origin: UInt64?
    var clock: UInt64 = 0
    var pending: [ScriptedEvent]
    var report: RunReport
    var links: LinkModel
    var network = LearningSwitch()
    var flows: [UInt64: FlowState] = [:]
    var inFlight = MinHeap<Arrival>()
    var sent: UInt64 = 0
    var reordering = ReorderingCounter<UInt64>()
    var window: RemapWindow?
    /// Per interval of the series, the members usable in it (a bit each).
    var usableMasks: [UInt64] = []
    /// Members that failed while carrying traffic, until the bond stops sending to them.
    var failures: [(member: Int, since: UInt64, event: Int)] = []
    /// The last member that was active, for counting failovers.
    var lastActive: Int?

    struct FlowState {
        var order: Int
        var frames: UInt64 = 0
        var bytes = 0
        var last: Int32 = -1
        var several = false
        var lastInterval: UInt32 = 0
        /// (interval, member) whenever the member changed, for the flow map (bounded).
        var changes: [(UInt32, Int32)] = []
    }

    struct Arrival: Comparable {
        var at: UInt64
        var order: UInt64
        var flow: UInt64
        var sequence: UInt64
        static func < (a: Arrival, b: Arrival) -> Bool { (a.at, a.order) < (b.at, b.order) }
        static func == (a: Arrival, b: Arrival) -> Bool { a.order == b.order }
    }

    /// Flows' members before a scripted event and where they are by the next.
    struct RemapWindow {
        var event: Int
        var before: [UInt64: Int]
        var after: [UInt64: Int] = [:]
        var gone: Set<Int>
    }

    /// - Parameter span: the trace's length in nanoseconds (for the series' interval).
    public init(_ settings: ReplaySettings, span: UInt64) throws(OptionError) {
        // Refused before any frame: the daemon's parser and the events' syntax.
        _ = try BondOptions.parse(settings.options)
        guard !settings.members.isEmpty else { throw OptionError("give the bond's members (--members NAME,NAME,...)") }
        self.settings = settings
        interval = settings.intervalNanoseconds ?? ReplaySettings.interval(for: span)
        pending = settings.events.sorted { $0.at < $1.at }
        links = LinkModel(
            speedsMbps: settings.members.indices.map { $0 < settings.speeds.count ? settings.speeds[$0] : 1000 },
            latencyNanoseconds: settings.latencyNanoseconds, queueFrames: settings.queueFrames)
        report = RunReport(
            policy: settings.name, options: settings.options, direction: settings.direction.rawValue, durationSeconds: 0,
            members: settings.members.map { RunReport.MemberFigures(name: $0) },
            series: RunReport.Series(intervalSeconds: Double(interval) / 1e9))
    }

    /// The simulated bond's time for `t` of the trace: it started `warmup` before the first frame.
    func simulated(_ t: UInt64) -> Instant { Instant(nanoseconds: t + settings.warmupNanoseconds) }

    /// The bond, made at the first frame (its MAC may come from it).
    func bond(for frame: UnsafeRawBufferPointer, at ns: UInt64) throws(OptionError) -> SimulatedBond {
        if let sim { return sim }
        var mac = settings.bondMAC
        if mac == nil, frame.count >= 12 {
            let f = FrameBytes(frame)
            mac = settings.direction == .rx ? f.mac(0) : f.mac(6)
        }
        let s = try SimulatedBond(
            options: settings.options, members: settings.members, speeds: settings.speeds, bondMAC: mac ?? MACAddress(rawValue: 0x0200_5e00_0001))
        sim = s
        origin = ns
        network = LearningSwitch(aggregated: s.bond.options.mode.needsSwitchAggregation)
        absorbNotes()
        return s
    }

    /// The next frame of the trace, captured at `ns` (trace time).
    public func feed(_ frame: UnsafeRawBufferPointer, at ns: UInt64, wireLength: Int) throws(OptionError) {
        let sim = try bond(for: frame, at: ns)
        // Time never runs back, even in a trace merged out of order.
        clock = max(clock, ns &- origin!)
        runEvents(upTo: clock)
        sim.advance(to: simulated(clock))
        absorbNotes()
        let bytes = FrameBytes(frame)
        switch settings.direction {
        case .tx: transmit(bytes, wireLength: wireLength, sim)
        case .rx: receive(bytes, wireLength: wireLength, sim)
        case .auto:
            if bytes.count >= 12 && bytes.mac(6) == sim.bondMAC {
                transmit(bytes, wireLength: wireLength, sim)
            } else {
                receive(bytes, wireLength: wireLength, sim)
            }
        }
        absorbNotes()
        flushArrivals(upTo: clock + links.latencyNanoseconds)
    }

    public func feed(_ frame: [UInt8], at ns: UInt64, wireLength: Int? = nil) throws(OptionError) {
        let failure: OptionError? = frame.withUnsafeBytes { b in
            do throws(OptionError) {
                try feed(b, at: ns, wireLength: wireLength ?? frame.count)
                return nil
            } catch { return error }
        }
        if let failure { throw failure }
    }

    // MARK: Frames

    func transmit(_ bytes: FrameBytes, wireLength: Int, _ sim: SimulatedBond) {
        guard let (target, parsed) = sim.transmit(bytes) else {
            report.unparsed += 1
            return
        }
        count(wireLength)
        let flow = FlowKey.of(parsed)
        switch target {
        case .drop: report.dropped += 1
        case .member(let i), .memberWithOwnSource(let i), .memberAnnouncingOwnMAC(let i):
            send(flow, wireLength, on: i, from: sim.source(of: parsed, for: target), first: true, sim)
        case .allMembers:
            for (k, i) in sim.view.usable.enumerated() { send(flow, wireLength, on: i, from: parsed.source, first: k == 0, sim) }
        }
    }

    func send(_ flow: UInt64, _ length: Int, on i: Int, from source: MACAddress, first: Bool, _ sim: SimulatedBond) {
        grow(to: i + 1)
        let sequence = first ? placed(flow, length, on: i) : 0
        guard sim.passes[i] else {
            report.members[i].lostFrames += 1
            lostInFailover(on: i)
            return
        }
        guard let arrival = links.send(length, on: i, at: clock) else { return }
        report.members[i].txFrames += 1
        report.members[i].txBytes += length
        addToSeries(i, length)
        network.learn(source, on: i)
        if first {
            sent += 1
            inFlight.push(Arrival(at: arrival, order: sent, flow: flow, sequence: sequence))
        }
    }

    func receive(_ bytes: FrameBytes, wireLength: Int, _ sim: SimulatedBond) {
        guard case .success(let parsed) = FrameParser.parse(bytes) else {
            report.unparsed += 1
            return
        }
        count(wireLength)
        let flow = FlowKey.of(parsed)
        // The switch sends on members it has link to: carrier, not whether frames pass.
        let linked = sim.bond.members.indices.filter { !sim.bond.members[$0].isRemoved && sim.bond.members[$0].monitor.carrier }
        for i in network.member(for: parsed.destination, flow: flow, among: linked) {
            grow(to: i + 1)
            guard sim.passes[i] else {
                report.members[i].lostFrames += 1
                lostInFailover(on: i)
                continue
            }
            report.members[i].rxFrames += 1
            if sim.receive(bytes, on: i)?.admitted == true {
                report.members[i].rxAdmitted += 1
                report.members[i].rxAdmittedBytes += wireLength
                addToSeries(i, wireLength)
                _ = placed(flow, wireLength, on: i)
            }
        }
    }

    /// A frame went to member `i` while its link passed nothing: the failure that
    /// opened its window pays for it (else the latest event).
    func lostInFailover(on i: Int) {
        if let f = failures.first(where: { $0.member == i }) {
            report.events[f.event].lostFrames += 1
        } else if let w = window {
            report.events[w.event].lostFrames += 1
        }
    }

    func count(_ length: Int) {
        report.frames += 1
        report.bytes += length
    }

    /// Flow `flow`'s frame goes (tx) or was taken (rx) on member `i`.
    /// - Returns: the frame's sequence number within its flow (from 0).
    func placed(_ flow: UInt64, _ length: Int, on i: Int) -> UInt64 {
        var s = flows[flow] ?? FlowState(order: flows.count)
        s.frames += 1
        s.bytes += length
        s.lastInterval = UInt32(clock / interval)
        if s.last != Int32(i) {
            if s.last >= 0 {
                report.flows.memberChanges += 1
                s.several = true
            }
            if s.changes.count < 4096 { s.changes.append((UInt32(clock / interval), Int32(i))) }
            s.last = Int32(i)
        }
        flows[flow] = s
        // Where the flow is by the end of the window (frames lost in a failover window
        // went to the old member; where the flow settles is what counts).
        if window != nil { window!.after[flow] = i }
        return s.frames - 1
    }

    func addToSeries(_ i: Int, _ length: Int) {
        let bin = Int(clock / interval)
        let n = report.members.count
        while report.series.frames.count <= bin {
            report.series.frames.append(Array(repeating: 0, count: n))
            report.series.bytes.append(Array(repeating: 0, count: n))
            usableMasks.append(0)
        }
        if let sim { for m in sim.view.usable where m < 64 && sim.passes[m] { usableMasks[bin] |= 1 << UInt64(m) } }
        report.series.frames[bin][i] += 1
        report.series.bytes[bin][i] += length
    }

    /// Room for `n` members in the figures and every interval so far (members are
    /// only ever added, so this is rare: nothing to do on the per-frame call).
    func grow(to n: Int) {
        guard report.members.count < n else { return }
        while report.members.count < n {
            report.members.append(RunReport.MemberFigures(name: sim?.bond.members[report.members.count].name ?? "?"))
        }
        for b in report.series.frames.indices where report.series.frames[b].count < n {
            report.series.frames[b] += Array(repeating: 0, count: n - report.series.frames[b].count)
            report.series.bytes[b] += Array(repeating: 0, count: n - report.series.bytes[b].count)
        }
    }

    func flushArrivals(upTo t: UInt64) {
        while let a = inFlight.min, a.at <= t {
            _ = inFlight.pop()
            reordering.arrived(flow: a.flow, sequence: a.sequence)
        }
    }
}
