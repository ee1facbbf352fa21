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

    /// Where thread `number` (0: the engine's, then the forwarding threads') may run:
    /// every CPU of `list`, or under `workers_steer=cpu` its own (the fanout groups give
    /// it what that CPU receives; `engine_cpus` is fixed then); nil: wherever bondd may.
    func cpus(ofThread number: Int, _ list: CPUList?) -> [Int]? {
        let steering = bond.options.steeringCPUs
        if number < steering.count { return [steering[number]] }
        return list?.cpus
    }

    /// Pins the engine's thread (the loop's, once it runs) as `list` says (nil: every
    /// CPU bondd was started with), and the forwarding threads beside it (`workers`).
    func pinEngineThread(_ list: CPUList?) throws(OptionError) {
        let usable = try Self.usableCPUs(of: system)
        try Self.checkEngineCPUs(list, usable: usable)
        var threads = [(number: 0, id: engineThread)]
        for w in forwarding?.workers ?? [] where w.threadID.load(ordering: .relaxed) != 0 {
            threads.append((w.number, w.threadID.load(ordering: .relaxed)))
        }
        do {
            for t in threads { try system.pin(thread: t.id, to: cpus(ofThread: t.number, list) ?? usable) }
        } catch { throw OptionError("engine_cpus: \(error)") }
    }
}
