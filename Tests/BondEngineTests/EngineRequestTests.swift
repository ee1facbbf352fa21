import BondCore
@testable import BondEngine
import Testing

/// Requests other threads hand to the engine's loop (control, metrics, the watchdog).
@Suite struct EngineRequestTests {
    @Test func aRequestTheLoopDoesNotTakeInTimeIsUnanswered() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        // Nobody turns this loop: the watchdog's question goes unanswered...
        #expect(b.engine.perform(within: .milliseconds(50)) { _ in true } == nil)
        #expect(!b.engine.hasStopped)
        // ...and the request, still posted, runs at the next turn.
        var ran = false
        _ = b.engine.perform(within: .milliseconds(1)) { _ in ran = true }
        try b.engine.turn()
        #expect(ran)
    }
}
