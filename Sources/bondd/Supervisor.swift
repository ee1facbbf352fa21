import BondControl
import BondCore
import BondEngine
import Dispatch
import Foundation
import Logging
import PacketIO
import SystemIO

/// The bonds of one bondd: started together, stopped together, and with a
/// configuration file, reloaded: bonds that did not change are not touched.
final class Supervisor: @unchecked Sendable {
    private let configPath: String?
    /// The one section of the file this bondd runs (`bondd --config FILE BOND`).
    private let only: String?
    private let socket: String?
    private let logger: Logger
    private let lock = NSLock()
    private var running: [BondInstance] = []
    private var failures: [String] = []
    private var stopping = false
    /// Until `start` is done: a reload then (SIGHUP) would start the bonds a second time.
    private var starting = true
    /// A reload may stop every bond for a moment: the daemon is not done then.
    private var reloading = false
    /// Reloads run one at a time, on whatever thread asked.
    private let reloads = NSLock()
    private let wake = DispatchSemaphore(value: 0)
    /// The service manager, told of reloads and the stop (nil when none listens).
    weak var service: ServiceLifecycle?

    init(configPath: String?, only: String? = nil, socket: String?, logger: Logger) {
        self.configPath = configPath; self.only = only; self.socket = socket; self.logger = logger
    }

    /// Starts every plan, all or nothing: each is checked before the first is created,
    /// and one that still fails takes the others down. Throws the first refusal.
    /// A stop asked for meanwhile (SIGTERM while members are awaited) ends the start
    /// early: what was made is undone, and `waitUntilDone` returns.
    func start(_ plans: [BondConfiguration]) throws(EngineError) {
        defer { lock.withLock { starting = false } }
        var kept: [String] = []
        do throws(EngineError) {
            for plan in plans where try repairLeftovers(of: plan.name) { kept.append(plan.name) }
            let (present, awaited) = try waitForMembers(plans)
            if isStopping { throw EngineError("stopped before the bonds started") }
            for plan in present {
                try Engine.check(name: plan.name, members: plan.members, options: plan.options, awaiting: awaited[plan.name] ?? [])
            }
            var started: [BondInstance] = []
            for (plan, declared) in zip(present, plans) {
                do {
                    let b = try makeInstance(plan, awaiting: awaited[plan.name] ?? [])
                    // What the file declares, for reloads; the engine awaits the rest.
                    b.plan = declared
                    b.engine.awaitMembers(awaited[plan.name] ?? [])
                    started.append(b)
                } catch {
                    for b in started.reversed() { b.shutdown() }
                    throw error
                }
            }
            for b in started { launch(b) }
        } catch {
            quietKeptDevices(kept)
            if isStopping { return }
            throw error
        }
    }

    var isStopping: Bool { lock.withLock { stopping } }

    /// Why a reload cannot run now, if it cannot.
    private var refusal: String? { lock.withLock { refusalLocked } }
    private var refusalLocked: String? {
        stopping ? "bondd is stopping" : starting ? "bondd is still starting; nothing changed" : nil
    }

    /// Bond devices a repair kept for starts that did not take them over (a member
    /// missing, a check refused, a stop meanwhile): without carrier and without the dead
    /// bondd's programs, until a start takes them over (`Recovery.quietKeptDevice`).
    private func quietKeptDevices(_ bonds: [String]) {
        for bond in bonds {
            let report = Recovery.quietKeptDevice(of: bond)
            for line in report.repaired { logger.notice("\(bond): \(line)") }
            for line in report.failed { logger.warning("\(bond): \(line)") }
        }
    }

    /// Members not present yet, for bonds that wait for them (`wait_members`): waited
    /// for, with a log line each, up to each bond's time. Returns the plans with the
    /// members present, and per bond those still awaited, which join when they appear.
    /// A bond none of whose members appeared in time does not start.
    private func waitForMembers(_ plans: [BondConfiguration]) throws(EngineError) -> ([BondConfiguration], [String: [String]]) {
        let start = Date()
        var said: Set<String> = []
        while true {
            var waiting = false
            for p in plans {
                guard let seconds = p.waitMembers, seconds > 0 else { continue }
                let absent = Engine.absentMembers(p.members)
                for m in absent where said.insert(p.name + "/" + m).inserted {
                    logger.notice("\(p.name): waiting up to \(seconds) s for \(m) (not present yet)")
                }
                if !absent.isEmpty && Date().timeIntervalSince(start) < Double(seconds) { waiting = true }
            }
            if !waiting || isStopping { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        var present: [BondConfiguration] = []
        var awaited: [String: [String]] = [:]
        for p in plans {
            let absent = absentMembers(of: p)
            if absent.isEmpty {
                present.append(p)
                continue
            }
            if absent.count == p.members.count {
                throw EngineError("\(p.name): none of its members (\(absent.joined(separator: ", "))) appeared within \(p.waitMembers!) s")
            }
            var q = p
            q.members = p.members.filter { !absent.contains($0) }
            logger.notice("\(p.name): starting without \(absent.joined(separator: ", ")); each joins when it appears")
            present.append(q)
            awaited[p.name] = absent
        }
        return (present, awaited)
    }

    /// A bondd of this bond that was killed (or crashed) left its device and members as
    /// they were: put them back first, so this start is a start like any other.
    /// - Returns: whether the bond device was kept for this start to take over.
    func repairLeftovers(of bond: String) throws(EngineError) -> Bool {
        let report = try Recovery.repair(bond: bond, keepingDevice: true)
        guard !report.isEmpty else { return false }
        logger.notice("\(bond): repairing what a bondd that did not stop cleanly left")
        for line in report.repaired { logger.notice("\(bond): \(line)") }
        for line in report.failed { logger.warning("\(bond): \(line)") }
        return report.keptDevice
    }

    /// Blocks until every bond has stopped, on request or on its own. Returns why any
    /// stopped on its own.
    func waitUntilDone() -> [String] {
        while true {
            wake.wait()
            let done = lock.withLock { running.isEmpty && !reloading }
            if done { return lock.withLock { failures } }
        }
    }

    /// Every running bond's status, read on each bond's own thread (metrics scrapes).
    func statuses() -> [BondStatus] {
        let bonds = lock.withLock { running }
        return bonds.compactMap { b in b.engine.perform { $0.status() } }.sorted { $0.name < $1.name }
    }

    /// Each running bond and whether it carries traffic (its carrier is up).
    func carriers() -> [(name: String, up: Bool)] {
        let bonds = lock.withLock { running }
        return bonds.map { b in (b.name, b.engine.perform { $0.status().carrier == "up" } ?? false) }
    }

    /// The running bonds whose loop did not take a request within `timeout`: a data
    /// plane stuck, or too busy to serve its control socket.
    func unresponsive(within timeout: DispatchTimeInterval) -> [String] {
        let bonds = lock.withLock { running }
        return bonds.filter { b in b.engine.perform(within: timeout) { _ in true } == nil && !b.engine.hasStopped }.map(\.name)
    }

    func stopAll() {
        let bonds = lock.withLock { () -> [BondInstance] in
            stopping = true; return running
        }
        service?.stopping()
        for b in bonds { b.engine.requestStop() }
        // With no bond running (a stop during the start), nothing else would wake it.
        wake.signal()
    }

    /// Reads the configuration file again and applies the differences: bonds gone from
    /// the file stop, new ones start, changed ones are changed in place as `bondctl`
    /// would (options, members, MTU, bridge, addresses) or, for what the kernel fixes
    /// while a bond runs (mode, fail_over_mac, backend), rebuilt over the same devices,
    /// which keep what the host stacked on them (bridge ports, VLAN devices, their
    /// addresses). The others keep running untouched. A file that does not parse, or a
    /// bond that cannot start, changes nothing.
    func reload() -> ControlReply {
        guard configPath != nil else { return .failure("reload: this bondd runs no configuration file (start it with --config)") }
        // Refused before the service manager hears of a reload: RELOADING then READY
        // during a start would tell it the start is done.
        if let refused = refusal { return .failure("reload: \(refused)") }
        service?.reloading()
        let reply = reloadFile()
        service?.reloaded(reply)
        return reply
    }

    private func reloadFile() -> ControlReply {
        guard let configPath else { return .failure("reload: no configuration file") }
        return reloads.withLock {
            let refused = lock.withLock { () -> String? in
                if let r = refusalLocked { return r }
                reloading = true
                return nil
            }
            if let refused { return .failure("reload: \(refused)") }
            defer {
                lock.withLock { reloading = false }
                wake.signal()
            }
            let plans: [BondConfiguration]
            switch ConfigurationReader.bonds(at: configPath, only: only) {
            case .success(let p): plans = p
            case .failure(let e): return .failure("reload: \(e.message); nothing changed")
            }
            let current = lock.withLock { running }
            let wanted = Dictionary(uniqueKeysWithValues: plans.map { ($0.name, $0) })
            let kept = Set(current.filter { b in wanted[b.name].map { !$0.differs(from: b.plan) } ?? false }.map(\.name))
            let changed = current.filter { !kept.contains($0.name) && wanted[$0.name] != nil }
            let live = Set(
                changed.filter { b in
                    let up = b.engine.perform { $0.bondDeviceIsUp } ?? true
                    return Engine.liveChangeRefusal(from: b.plan, to: wanted[b.name]!, deviceUp: up) == nil
                }.map(\.name))
            let stopped = current.filter { !kept.contains($0.name) && !live.contains($0.name) }
            // Every bond to start or change is checked before any is touched: a reload
            // that cannot apply (a member missing, taken by another bond) leaves every
            // bond as it was.
            let freed = Set(stopped.map(\.name)).union(live)
            // New bonds whose devices a repair kept for them: quieted again if they do
            // not start.
            var keptDevices: [String] = []
            for plan in plans where !kept.contains(plan.name) {
                do {
                    let absent = absentMembers(of: plan)
                    if !absent.isEmpty && absent.count == plan.members.count {
                        throw EngineError("none of its members (\(absent.joined(separator: ", "))) is present")
                    }
                    // A new bond whose earlier bondd was killed: its members are given
                    // back first, as at a start, so the check sees them as they are.
                    if !current.contains(where: { $0.name == plan.name }), try repairLeftovers(of: plan.name) {
                        keptDevices.append(plan.name)
                    }
                    try Engine.check(
                        name: plan.name, members: plan.members.filter { !absent.contains($0) }, options: plan.options,
                        stoppingFirst: freed, awaiting: absent)
                } catch {
                    quietKeptDevices(keptDevices)
                    logger.error("reload: \(plan.name): \(Self.describe(error)); nothing changed")
                    return .failure("reload: \(plan.name): \(Self.describe(error)); nothing changed")
                }
            }
            // What became of each bond: the bonds the file lost, then the others in its order.
            var said: [String: String] = [:]
            var lines: [String] = []
            var problems: [String] = []
            var rebuild: [BondConfiguration] = []
            // Stop first: a rebuilt bond's members must be free before it starts again,
            // and a member moving to a bond changed in place, before that bond takes it.
            for b in stopped {
                b.stopAndWait(keepingDevices: wanted[b.name] != nil)
                if wanted[b.name] == nil { lines.append("\(b.name): stopped (no longer in the file)") }
            }
            // Members leave the bonds changed in place before any joins one.
            for b in changed where live.contains(b.name) {
                let plan = wanted[b.name]!
                _ = b.engine.perform { e in
                    for m in b.plan.members where !plan.members.contains(m) { try? e.removeMember(m) }
                }
            }
            for b in changed where live.contains(b.name) {
                let plan = wanted[b.name]!
                let result = b.engine.perform { e -> Result<[String], EngineError> in
                    do throws(EngineError) { return .success(try e.applyLive(plan, replacing: b.plan)) } catch { return .failure(error) }
                }
                switch result {
                case .success(let what)?:
                    b.plan = plan
                    said[b.name] = "\(b.name): changed in place (\(what.isEmpty ? "nothing the bond sees" : what.joined(separator: ", ")))"
                case .failure(let e)?:
                    // Half applied: the file's bond is built anew (over the same devices).
                    logger.warning("reload: \(b.name): \(e.message); rebuilding it")
                    b.stopAndWait(keepingDevices: true)
                    rebuild.append(plan)
                case nil:
                    problems.append("\(b.name): stopped while it was being changed")
                }
            }
            for plan in plans where !kept.contains(plan.name) && (!live.contains(plan.name) || rebuild.contains(plan)) {
                let previous = stopped.first { $0.name == plan.name } ?? changed.first { $0.name == plan.name }
                do {
                    launch(try makeInstanceAwaitingAbsent(plan, replacing: previous?.plan))
                    said[plan.name] = "\(plan.name): \(current.contains { $0.name == plan.name } ? "rebuilt (changed), its devices kept" : "started")"
                } catch {
                    // Something changed under us since the check: the bond goes back to
                    // what it ran before, if it ran.
                    var line = "\(plan.name): not started: \(Self.describe(error))"
                    if keptDevices.contains(plan.name) { quietKeptDevices([plan.name]) }
                    if let previous {
                        do { launch(try makeInstanceAwaitingAbsent(previous.plan)); line += "; restarted as it was" } catch {
                            line += "; could not restart as it was either: \(Self.describe(error))"
                        }
                    }
                    problems.append(line)
                }
            }
            for plan in plans where kept.contains(plan.name) { said[plan.name] = "\(plan.name): unchanged" }
            lines += plans.compactMap { said[$0.name] }
            for l in lines + problems { logger.notice("reload: \(l)") }
            if !problems.isEmpty { return ControlReply(ok: false, error: (lines + problems).joined(separator: "\n")) }
            return ControlReply(ok: true, message: lines.joined(separator: "\n"))
        }
    }

    private static func describe(_ error: any Error) -> String { (error as? EngineError)?.message ?? "\(error)" }

    /// The members of `plan` not there now, when it waits for members (else none).
    private func absentMembers(of plan: BondConfiguration) -> [String] {
        (plan.waitMembers ?? 0) > 0 ? Engine.absentMembers(plan.members) : []
    }

    /// A bond of `plan` made over the members present, awaiting the others when it
    /// waits for members (`wait_members`), as at a start.
    private func makeInstanceAwaitingAbsent(
        _ plan: BondConfiguration, replacing previous: BondConfiguration? = nil
    ) throws(EngineError) -> BondInstance {
        let absent = absentMembers(of: plan)
        var present = plan
        present.members = plan.members.filter { !absent.contains($0) }
        let b = try makeInstance(present, replacing: previous, awaiting: absent)
        b.plan = plan
        b.engine.awaitMembers(absent)
        return b
    }

    private func makeInstance(
        _ plan: BondConfiguration, replacing previous: BondConfiguration? = nil, awaiting: [String] = []
    ) throws(EngineError) -> BondInstance {
        try BondInstance(plan, socket: socket, attach: configPath != nil, logger: logger, replacing: previous, awaiting: awaiting) {
            [weak self] in
            self?.reload() ?? .failure("bondd is stopping")
        }
    }

    private func launch(_ b: BondInstance) {
        let stopped = lock.withLock { () -> Bool in
            running.append(b)
            return stopping
        }
        // A stop asked for while the bond was being made (during a reload): stopAll did
        // not see it, so it stops now rather than run on with nothing to stop it.
        defer { if stopped { b.engine.requestStop() } }
        b.launch { [weak self] instance, failure in
            guard let self else { return }
            self.lock.withLock {
                self.running.removeAll { $0 === instance }
                if let failure { self.failures.append(failure) }
            }
            self.wake.signal()
        }
    }
}
