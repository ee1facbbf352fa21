import BondCore

/// Scripted events at their times, and what the simulated daemon reported doing.
extension Replay {
    /// Applies every scripted event due by `t` (run time), each at its own instant.
    func runEvents(upTo t: UInt64) {
        guard let sim else { return }
        while let e = pending.first, e.at <= t {
            pending.removeFirst()
            sim.advance(to: simulated(e.at))
            absorbNotes()
            closeWindow()
            let before = Dictionary(uniqueKeysWithValues: flows.map { ($0.key, Int($0.value.last)) }.filter { $0.1 >= 0 })
            var figures = RunReport.EventFigures(atSeconds: Double(e.at) / 1e9, event: e.text)
            // A failing member the bond sends to opens a failover window.
            var failing: Int?
            switch e.action {
            case .down(let m), .fail(let m):
                if let i = sim.bond.index(of: m) {
                    if sends(to: i, sim) { failing = i } else { figures.failoverWindowMs = 0 }
                }
            default: break
            }
            do {
                try sim.apply(e)
            } catch {
                figures.refused = error.message
                failing = nil
            }
            report.events.append(figures)
            if let i = failing { failures.append((i, e.at, report.events.count - 1)) }
            report.timeline.append(.init(atSeconds: Double(e.at) / 1e9, what: e.text + (figures.refused.map { " (refused: \($0))" } ?? "")))
            absorbNotes()
            window = RemapWindow(event: report.events.count - 1, before: before, gone: unusable(sim))
        }
    }

    /// Whether the bond sends to member `i` now: the active member where backups are
    /// idle (active-backup), else any member the mode may transmit on.
    func sends(to i: Int, _ sim: SimulatedBond) -> Bool {
        sim.bond.options.mode.hasBackupMembers ? sim.view.active == i : sim.view.usable.contains(i)
    }

    /// The bond stopped sending to member `i` at `at`: its failover windows close.
    func failoverEnded(on i: Int, at: Instant) {
        let t = at.nanoseconds >= settings.warmupNanoseconds ? at.nanoseconds - settings.warmupNanoseconds : 0
        for f in failures where f.member == i {
            let ms = Double(t >= f.since ? t - f.since : 0) / 1e6
            report.events[f.event].failoverWindowMs = ms
            if let rate = settings.lossRate { report.events[f.event].lostAtRate = Int((ms / 1000 * rate).rounded()) }
        }
        failures.removeAll { $0.member == i }
    }

    /// Members that carry nothing now (down, failed, removed, disabled).
    func unusable(_ sim: SimulatedBond) -> Set<Int> {
        Set(sim.bond.members.indices.filter { !sim.view.usable.contains($0) || !sim.passes[$0] })
    }

    /// The flows seen since the last event are compared with where they were before it.
    func closeWindow() {
        guard let w = window else { return }
        let r = FlowRemapping(before: w.before, after: w.after, gone: w.gone)
        report.events[w.event].flowsCompared = r.flows
        report.events[w.event].flowsMoved = r.moved
        report.events[w.event].flowsForced = r.forced
        report.events[w.event].flowsNeedlesslyMoved = r.needless
        window = nil
    }

    /// What the simulated daemon did besides forwarding: the switch learns from what
    /// left the members; state changes go on the timeline.
    func absorbNotes() {
        guard let sim else { return }
        for (at, note) in sim.takeNotes() {
            let when = (Double(at.nanoseconds) - Double(settings.warmupNanoseconds)) / 1e9
            func name(_ i: Int?) -> String { i.map { sim.bond.members.indices.contains($0) ? sim.bond.members[$0].name : "#\($0)" } ?? "none" }
            switch note {
            case .announced(let mac, let i):
                grow(to: i + 1)
                guard sim.passes.indices.contains(i), sim.passes[i] else { continue }
                network.learn(mac, on: i)
                report.members[i].announcements += 1
            case .controlFrame(let i):
                grow(to: i + 1)
                report.members[i].controlFrames += 1
            case .activeChanged(let from, let to, let reason):
                if let from, sim.bond.options.mode.hasBackupMembers { failoverEnded(on: from, at: at) }
                // A change from one member to another, even through a time with none.
                if let to, let last = lastActive, last != to || from == nil { report.failovers += 1 }
                if let to { lastActive = to }
                report.timeline.append(.init(atSeconds: when, what: "active \(name(from)) -> \(name(to)) (\(reason))"))
            case .link(let i, let t):
                if !t.to.carriesTraffic { failoverEnded(on: i, at: at) }
                // The ARP monitor's candidate rotation is not a state change worth a line.
                if (t.from == .back && t.to == .down) || (t.from == .down && t.to == .back) { continue }
                report.timeline.append(.init(atSeconds: when, what: "\(name(i)): \(t.from.rawValue) -> \(t.to.rawValue) (\(t.message))"))
            case .carrier(let up):
                report.timeline.append(.init(atSeconds: when, what: "carrier \(up ? "up" : "down")"))
            case .record(let message):
                report.timeline.append(.init(atSeconds: when, what: message))
            case .taughtClient:
                break
            }
        }
    }
}
