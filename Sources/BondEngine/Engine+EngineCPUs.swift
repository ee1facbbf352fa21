import BondCore
import SystemIO

/// `engine_cpus`: the CPUs the engine's thread may run on, as a user-space data plane's
/// forwarding threads are placed (Open vSwitch's pmd-cpu-mask, DPDK's lcores).
extension Engine {
    /// Refuses CPUs bondd may not run on, in one line.
    static func checkEngineCPUs(_ list: CPUList?, usable: [Int]) throws(OptionError) {
        guard let list else { return }
        if let missing = list.cpus.first(where: { !usable.contains($0) }) {
            throw OptionError("engine_cpus: CPU \(missing) is not one bondd may run on (\(CPUList(usable)))")
        }
    }

    /// Refuses CPUs bondd may not run on, as `system` has them (nothing to check without
    /// a list).
    static func checkEngineCPUs(_ list: CPUList?, on system: any EngineSystem) throws(OptionError) {
        guard list != nil else { return }
        try checkEngineCPUs(list, usable: usableCPUs(of: system))
    }

    private static func usableCPUs(of system: any EngineSystem) throws(OptionError) -> [Int] {
        do { return try system.usableCPUs() } catch { throw OptionError("engine_cpus: \(error)") }
    }

    /// Pins the engine's thread (the loop's, once it runs) as `list` says (nil: every
    /// CPU bondd was started with), and the forwarding threads beside it (`workers`).
    func pinEngineThread(_ list: CPUList?) throws(OptionError) {
        let usable = try Self.usableCPUs(of: system)
        try Self.checkEngineCPUs(list, usable: usable)
        let threads = [engineThread] + (forwarding?.workers.map { $0.threadID.load(ordering: .relaxed) }.filter { $0 != 0 } ?? [])
        do {
            for t in threads { try system.pin(thread: t, to: list?.cpus ?? usable) }
        } catch { throw OptionError("engine_cpus: \(error)") }
    }
}
