import Glibc
import PacketIO

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
        public var isEmpty: Bool { repaired.isEmpty && failed.isEmpty }
    }

    /// Whether `bond` has a record left by a bondd that is gone.
    public static func hasLeftovers(of bond: String) -> Bool {
        guard let r = RecoveryRecord.read(bond: bond) else { return false }
        return !r.writerIsAlive
    }

    /// Repairs what `bond`'s dead bondd left. Refuses while that bondd still runs, and
    /// from another network namespace than the bond's. Nothing to do: an empty report.
    public static func repair(bond: String) throws(EngineError) -> Report {
        guard let record = RecoveryRecord.read(bond: bond) else { return Report() }
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
        if let device = all.first(where: { ($0.name == record.bond || $0.name == record.engineEnd) && $0.kind == "veth" }) {
            do {
                try links.deleteLink(index: device.index)
                report.repaired.append("removed the bond device \(record.bond)")
            } catch { report.failed.append("cannot remove \(device.name): \(error)") }
        }
        for m in record.members {
            guard let info = all.first(where: { $0.index == m.index && $0.name == m.name }) else {
                report.failed.append("\(m.name): no longer here (deleted or moved), nothing to restore")
                continue
            }
            var problems: [String] = []
            func apply(_ what: String, _ change: LinkChange) {
                do { try links.change(index: m.index, change) } catch { problems.append("\(what): \(error)") }
            }
            // As at a clean stop: addresses and flags first, the host stack's silence last.
            if info.mac != m.mac { apply("MAC", LinkChange(mac: m.mac)) }
            if info.mtu != m.mtu { apply("MTU", LinkChange(mtu: m.mtu)) }
            apply("flags", LinkChange(allMulticast: m.allMulticast, promiscuous: m.promiscuous))
            apply("alias", LinkChange(alias: m.alias ?? ""))
            let programs = Leftovers.detachXDPPrograms(from: m.index)
            let filters = Leftovers.removeStackBypass(from: m.index, destroyHook: m.createdTCHook)
            if !m.up { apply("admin state", LinkChange(up: false)) }
            if problems.isEmpty {
                var what = "MAC, MTU, flags and alias"
                if filters { what += ", tc filters" }
                if !programs.isEmpty { what += ", XDP \(programs.joined(separator: ", "))" }
                report.repaired.append("\(m.name): restored \(what)")
            } else {
                report.failed.append("\(m.name): \(problems.joined(separator: "; "))")
            }
        }
        if let socket = record.socket { unlink(socket) }
        RecoveryRecord.remove(bond: bond)
        return report
    }
}
