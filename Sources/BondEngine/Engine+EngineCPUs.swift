import BondCore
import SystemIO

/// `engine_cpus`: the CPUs the engine's thread may run on, as a user-space data plane's
/// forwarding threads are placed (Open vSwitch's pmd-cpu-mask, DPDK's lcores). Its
/// wakeups cost least on the core where its frames arrive, and other work stays off a
/// core it is given alone.
extension Engine {
    /// Refuses CPUs bondd may not run on, in one line.
    static func checkEngineCPUs(_ list: CPUList?, usable: [Int]) throws(OptionError) {
        guard let list else { return }
        let allowed = CPUList(usable)
        if let missing = list.cpus.first(where: { !usable.contains($0) }) {
            throw OptionError("engine_cpus: CPU \(missing) is not one bondd may run on (\(allowed))")
        }
    }

    /// Pins the calling thread, the engine's, as `list` says (nil: every CPU bondd may
    /// run on).
    func pinEngineThread(_ list: CPUList?) throws(OptionError) {
        let usable = system.usableCPUs()
        try Self.checkEngineCPUs(list, usable: usable)
        let cpus = list?.cpus ?? usable
        guard !cpus.isEmpty else { return }
        do { try system.pinCallingThread(to: cpus) } catch { throw OptionError("engine_cpus: \(error)") }
    }
}
