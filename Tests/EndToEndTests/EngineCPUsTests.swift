import BondCore
import Foundation
import Testing

/// `engine_cpus=`: the CPUs the bond's engine thread may run on, at start and changed
/// while the bond runs, as the kernel shows them for that thread.
@Suite(.serialized) struct EngineCPUsTests {
    /// The CPUs this test (and so bondd, started from it) may run on: /proc/self/status.
    static let usable: String = allowedList(status: "/proc/self/status") ?? ""
    static var usableCPUs: [Int] { (try? CPUList.parse(usable, option: "test").cpus) ?? [] }

    static func allowedList(status path: String) -> String? {
        let text = try? String(contentsOfFile: path, encoding: .utf8)
        return text?.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }?
            .split(separator: "\t").last.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Cpus_allowed_list of bondd's engine thread (named "bondd BOND"), as the kernel
    /// has it; and what `show` says of it agrees.
    private func engineCPUs(_ bond: BondDaemon) -> String? {
        let task = "/proc/\(bond.process.pid)/task"
        for tid in (try? FileManager.default.contentsOfDirectory(atPath: task)) ?? [] {
            let comm = (try? String(contentsOfFile: "\(task)/\(tid)/comm", encoding: .utf8)) ?? ""
            guard comm.hasPrefix("bondd ") else { continue }
            let allowed = Self.allowedList(status: "\(task)/\(tid)/status")
            let shown = bond.status()?.engineThread
            #expect(shown?.id == Int(tid) && shown?.cpus == allowed, "show: \(String(describing: shown))")
            if let shown, let cpus = try? CPUList.parse(shown.cpus, option: "test").cpus {
                #expect(cpus.contains(shown.cpu), "it runs where it may")
            }
            return allowed
        }
        return nil
    }

    @Test(.enabled(if: usableCPUs.count >= 2, "needs two CPUs")) func theEnginesThreadRunsWhereEngineCPUsSays() throws {
        let (first, last) = (Self.usableCPUs.first!, Self.usableCPUs.last!)
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "engine_cpus=\(last)"])
        bond.configureAddresses()
        #expect(engineCPUs(bond) == "\(last)")
        #expect(bond.status()?.options["engine_cpus"] == .some("\(last)"))
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)

        let moved = tb.bondctl("set \(tb.bond) engine_cpus=\(first)")
        #expect(moved.ok, "\(moved.error)")
        #expect(engineCPUs(bond) == "\(first)")
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)

        // A CPU bondd may not run on: one line, and nothing changes.
        let refused = tb.bondctl("set \(tb.bond) engine_cpus=\(first),4095")
        #expect(refused.status == 1)
        #expect(refused.error == "bondctl: engine_cpus: CPU 4095 is not one bondd may run on (\(Self.usable))\n", "\(refused.error)")
        #expect(engineCPUs(bond) == "\(first)")
        #expect(bond.status()?.options["engine_cpus"] == .some("\(first)"))

        let all = tb.bondctl("set \(tb.bond) engine_cpus=all")
        #expect(all.ok, "\(all.error)")
        #expect(engineCPUs(bond) == Self.usable, "all: every CPU bondd was started with")
        #expect(bond.status()?.options["engine_cpus"] == .some("all"))
        #expect(bond.stop() == 0)
    }

    @Test func aStartOnACPUBonddMayNotRunOnIsRefusedInOneLine() throws {
        let tb = try Testbed()
        let r = tb.inHost("\(Shell.binDirectory)/bondd \(tb.bond) --members \(tb.members.joined(separator: ",")) engine_cpus=4095", timeout: 20)
        #expect(r.status == 2)
        #expect(r.error == "bondd: engine_cpus: CPU 4095 is not one bondd may run on (\(Self.usable))\n", "\(r.error)")
        #expect(tb.hostLink(tb.bond) == nil, "nothing made")
        let typo = tb.inHost("\(Shell.binDirectory)/bondd \(tb.bond) --members \(tb.members.joined(separator: ",")) engine_cpus=3-1", timeout: 20)
        #expect(typo.status == 2 && typo.error.contains("engine_cpus: invalid value '3-1' (a range must go upwards; e.g. 0-3,6)"), "\(typo.error)")
    }
}
