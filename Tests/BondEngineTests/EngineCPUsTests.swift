import BondCore
@testable import BondEngine
import Testing

/// `engine_cpus=` on an in-memory kernel of two CPUs: checked at start, and the
/// engine's thread pinned at each change (the end-to-end test reads the real thread's).
@Suite struct EngineCPUsTests {
    @Test func aCPUBonddMayNotRunOnIsRefusedAtStart() {
        #expect(throws: EngineError.self) { try EmbeddedBond(["mode=active-backup", "engine_cpus=5"]) }
        do {
            _ = try EmbeddedBond(["mode=active-backup", "engine_cpus=0,5"])
        } catch let e as EngineError {
            #expect(e.message == "engine_cpus: CPU 5 is not one bondd may run on (0-1)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func eachChangePinsTheEnginesThreadAndAllGivesItEveryCPU() throws {
        let b = try EmbeddedBond(["mode=active-backup"])
        #expect(b.kernel.pinnings == [], "unpinned unless asked")
        _ = try b.engine.setOptions(["engine_cpus=1"])
        #expect(b.kernel.pinnings == [[1]])
        _ = try b.engine.setOptions(["miimon=50"])
        #expect(b.kernel.pinnings == [[1]], "other changes leave it")
        _ = try b.engine.setOptions(["engine_cpus=all"])
        #expect(b.kernel.pinnings == [[1], [0, 1]])
        #expect(throws: OptionError("engine_cpus: CPU 2 is not one bondd may run on (0-1)")) {
            try b.engine.setOptions(["engine_cpus=0-2"])
        }
        #expect(b.kernel.pinnings.count == 2 && b.engine.bond.options.engineCPUs == nil, "refused: nothing changed")
    }
}
