import PacketIO
import SystemIO

/// Repairs what a bondd that died without restoring left on the host, from its
/// recovery record: the bond device goes, and every member gets back its MAC, MTU,
/// flags and alias, loses our tc filters and XDP programs. Afterwards the host is as
/// it was before that bondd first started, and the bond can start again as asked.
public enum Recovery {
    public struct Report: Sendable {
        /// What was repaired, one line each, for the log.
        public var repaired: [String] = []
        /// What could not be, one line each.
        public var failed: [String] = []
        /// The bond device was kept for the start that follows (`keepingDevice`).
        public var keptDevice = false
        public var isEmpty: Bool { repaired.isEmpty && failed.isEmpty }
        mutating func merge(_ other: Report) {
            repaired += other.repaired
            failed += other.failed
        }
    }

    /// Whether `bond` has a record left by a bondd that is gone.
    public static func hasLeftovers(of bond: String, in directory: String = ProcessClaim.stateDirectory) -> Bool {
        guard let r = RecoveryRecord.read(bond: bond, in: directory) else { return false }
        return !r.writerIsAlive
    }

    /// Repairs what `bond`'s dead bondd left. Refuses while that bondd still runs, and
    /// from another network namespace than the bond's. Nothing to do: an empty report.
    /// `keepingDevice`: the bond starts again at once and takes its device over (with
    /// the host's configuration on it); only the dead bondd's programs and filters go.
    public static func repair(bond: String, keepingDevice: Bool = false) throws(EngineError) -> Report {
        if let record = RecoveryRecord.read(bond: bond), record.writerIsAlive {
            throw EngineError("\(bond) is run by bondd (pid \(record.pid)); stop it first")
        }
        // Held while repairing: two starts (or a start and a --cleanup) of one bond after
        // a crash never repair at once, nor one undo what the other just took over.
        let claim: ProcessClaim
        do {
            guard let c = try ProcessClaim(Engine.claimKey("bond", bond)) else { throw EngineError("\(bond) is being started by another bondd") }
            claim = c
        } catch let e as EngineError { throw e } catch { throw EngineError("cannot claim \(bond): \(error)") }
        defer { claim.release() }
        guard let record = RecoveryRecord.read(bond: bond) else { return try removeOrphanDevice(of: bond, keepingDevice) }
        if record.writerIsAlive { throw EngineError("\(bond) is run by bondd (pid \(record.pid)); stop it first") }
        if record.namespace != RecoveryRecord.currentNamespace() {
            throw EngineError("\(bond) was left in another network namespace (net:[\(record.namespace)]); run bondd there")
        }
        let links: LinkControl
        let all: [LinkInfo]
        do {
            links = try LinkControl()
            all = try links.links()
        } catch { throw EngineError("cannot read interfaces: \(error)") }
        var report = Report()
        // The bond device first: deleting either end of the veth removes both.
        // Kept for the start that follows, which takes it over. The dead bondd's programs
        // and filters go now: the start may wait for members, or fail, and meanwhile
        // they would send the host's frames, from maps no one updates, out of members
        // already given back. Its carrier stays (a bridge with STP over the bond would
        // otherwise learn its port again); a start that fails takes it off.
        if keepingDevice, let (host, engine) = BondDevice.leftover(of: bond, in: all, claimHeld: true) {
            let removed = strip(host: host, engine: engine)
            report.repaired.append(
                "kept the bond device \(bond) for the new start (its addresses, routes and upper devices stay"
                    + (removed.isEmpty ? ")" : "; removed \(removed.joined(separator: ", ")))"))
            report.keptDevice = true
        } else if let device = all.first(where: { ($0.name == record.bond || $0.name == record.engineEnd) && $0.kind == "veth" }) {
            do {
                try links.deleteLink(index: device.index)
                report.repaired.append("removed the bond device \(record.bond)")
            } catch { report.failed.append("cannot remove \(device.name): \(error)") }
        }
        report.merge(removeVLANDevices(of: bond, in: all, links: links, keeping: keepingDevice))
        let marker = MemberMarker.prefix + bond
        for m in record.members {
            // By index, under its name or renamed since (it still carries our mark): an
            // index reused by another interface has neither.
            guard let now = all.first(where: { $0.index == m.index && ($0.name == m.name || $0.alias == marker) }) else {
                report.failed.append("\(m.name): no longer here (deleted or moved), nothing to restore")
                continue
            }
            // Taken since by another bond (its device gone, the member was free to
            // take): its state is that bond's now, not this record's to give back.
            let claim = try? ProcessClaim(Engine.claimKey("member", String(m.index)))
            defer { claim?.release() }
            if claim == nil || (now.alias?.hasPrefix(MemberMarker.prefix) == true && now.alias != marker) {
                let owner = now.alias.map { $0.hasPrefix(MemberMarker.prefix) ? String($0.dropFirst(MemberMarker.prefix.count)) : "" } ?? ""
                report.failed.append("\(m.name): now a member of \(owner.isEmpty ? "another bond" : owner); left as it is")
                continue
            }
            // Lines begin with the member's recorded name; a renamed one says its new one.
            let named = { (line: String) in now.name == m.name ? line : "\(m.name) (now \(now.name))" + line.dropFirst(m.name.count) }
            switch restore(m, index: m.index, links: links) {
            case .success(let line): report.repaired.append(named(line))
            case .failure(let problem): report.failed.append(named(problem.line))
            }
        }
        if let socket = record.socket { UnixSocketFile.remove(socket) }
        RecoveryRecord.remove(bond: bond)
        return report
    }

    /// A bond device (and its VLAN devices) that `repair(keepingDevice: true)` kept for a
    /// start that then failed before taking it over: left as a start that fails after
    /// taking it over leaves it, without carrier and without the dead bondd's programs
    /// and filters, which would otherwise go on sending the host's frames, from maps no
    /// one updates, out of members already given back. The next start takes it over.
    /// Does nothing while another bondd holds the bond.
    public static func quietKeptDevice(of bond: String) -> Report {
        guard let claim = try? ProcessClaim(Engine.claimKey("bond", bond)) else { return Report() }
        defer { claim.release() }
        guard let links = try? LinkControl(), let all = try? links.links() else { return Report() }
        var devices: [(name: String, host: LinkInfo, engine: LinkInfo)] = []
        if let (host, engine) = BondDevice.leftover(of: bond, in: all, claimHeld: true) { devices.append((bond, host, engine)) }
        for v in VLANDevice.leftovers(of: bond, in: all) { devices.append((v.host.name, v.host, v.engine)) }
        var report = Report()
        for d in devices {
            let removed = strip(host: d.host, engine: d.engine)
            do {
                if d.engine.isAdminUp { try links.change(index: d.engine.index, LinkChange(up: false)) }
                report.repaired.append(
                    "keeping \(d.name) for a later start, without carrier"
                        + (removed.isEmpty ? "" : "; removed \(removed.joined(separator: ", "))"))
            } catch { report.failed.append("cannot take the carrier off \(d.name): \(error)") }
        }
        return report
    }

    /// The dead bondd's programs and filters off both ends of a device it left.
    /// - Returns: what was removed, for the log.
    private static func strip(host: LinkInfo, engine: LinkInfo) -> [String] {
        var removed = (Leftovers.detachXDPPrograms(from: engine.index) + Leftovers.detachXDPPrograms(from: host.index)).map { "XDP \($0)" }
        if [engine, host].map({ Leftovers.removeStackBypass(from: $0.index, destroyHook: true) }).contains(true) {
            removed.append("tc filters")
        }
        return removed
    }

    /// No record, yet the bond's device is there, marked as ours and run by no bondd: a
    /// bondd died between its repair and its new start. `--cleanup` removes it; a start
    /// takes it over (kept, as after a repair, so that a start that fails quiets it).
    private static func removeOrphanDevice(of bond: String, _ keepingDevice: Bool) throws(EngineError) -> Report {
        guard let links = try? LinkControl(), let all = try? links.links(),
            let (host, engine) = BondDevice.leftover(of: bond, in: all, claimHeld: true)
        else { return Report() }
        if keepingDevice {
            let removed = strip(host: host, engine: engine)
            var report = Report(
                repaired: [
                    "kept the bond device \(bond), which a bondd left before taking it over, for the new start"
                        + (removed.isEmpty ? "" : " (removed \(removed.joined(separator: ", ")))")
                ])
            report.keptDevice = true
            return report
        }
        do { try links.deleteLink(index: engine.index) } catch { throw EngineError("cannot remove \(bond): \(error)") }
        var report = Report(repaired: ["removed the bond device \(bond)"])
        report.merge(removeVLANDevices(of: bond, in: all, links: links, keeping: false))
        return report
    }

    /// The VLAN devices a dead bondd left: removed, or kept for the start that follows
    /// (which takes them over with the host's addresses and bridge ports on them).
    private static func removeVLANDevices(of bond: String, in all: [LinkInfo], links: LinkControl, keeping: Bool) -> Report {
        var report = Report()
        for v in VLANDevice.leftovers(of: bond, in: all) {
            if keeping {
                let removed = strip(host: v.host, engine: v.engine)
                report.repaired.append(
                    "kept the VLAN device \(v.host.name) (VLAN \(v.vid)) for the new start"
                        + (removed.isEmpty ? "" : " (removed \(removed.joined(separator: ", ")))"))
                continue
            }
            do {
                try links.deleteLink(index: v.engine.index)
                report.repaired.append("removed the VLAN device \(v.host.name) (VLAN \(v.vid))")
            } catch { report.failed.append("cannot remove \(v.host.name): \(error)") }
        }
        return report
    }

    struct Problem: Error { var line: String }

    /// Gives one member back as `m` records it, on the interface that now has `index`
    /// (a member that left the namespace and came back may have another). As at a clean
    /// stop: addresses and flags first, the host stack's silence last.
    static func restore(_ m: RecoveryRecord.Member, index: Int32, links: any LinkControlling) -> Result<String, Problem> {
        guard let info = try? links.link(index: index) else { return .failure(Problem(line: "\(m.name): no longer here")) }
        var problems: [String] = []
        func apply(_ what: String, _ change: LinkChange) {
            do { try links.change(index: index, change) } catch { problems.append("\(what): \(error)") }
        }
        if info.mac != m.mac { apply("MAC", LinkChange(mac: m.mac)) }
        if info.mtu != m.mtu { apply("MTU", LinkChange(mtu: m.mtu)) }
        apply("flags", LinkChange(allMulticast: m.allMulticast, promiscuous: m.promiscuous))
        apply("alias", LinkChange(alias: m.alias ?? ""))
        let programs = Leftovers.detachXDPPrograms(from: index)
        let filters = Leftovers.removeStackBypass(from: index, destroyHook: m.createdTCHook)
        if !m.up { apply("admin state", LinkChange(up: false)) }
        guard problems.isEmpty else { return .failure(Problem(line: "\(m.name): \(problems.joined(separator: "; "))")) }
        var what = "MAC, MTU, flags and alias"
        if filters { what += ", tc filters" }
        if !programs.isEmpty { what += ", XDP \(programs.joined(separator: ", "))" }
        return .success("\(m.name): restored \(what)")
    }
}
