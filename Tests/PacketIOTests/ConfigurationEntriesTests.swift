import CLibBPF
import Testing

@testable import PacketIO

/// The fast path configuration's writer: no entry the programs may still read is
/// rewritten before a grace period has ended since they left it. Real maps; needs root.
@Suite(.serialized) struct ConfigurationEntriesTests {
    /// Grace periods ended by hand: `wait` runs `whileWaiting`, then returns.
    final class HandGracePeriods: GracePeriodSource {
        var begun: UInt64 = 0
        var waited: [UInt64] = []
        var whileWaiting: (UInt64) -> Void = { _ in }
        var whenBegun: () -> Void = {}
        func begin() -> UInt64 {
            whenBegun()
            begun += 1
            return begun
        }
        func wait(for ticket: UInt64) {
            whileWaiting(ticket)
            waited.append(ticket)
        }
    }

    /// What the programs see: the entry in use, and each entry's mode.
    struct ProgramsView {
        let entries: Int32, current: Int32
        init(_ object: LoadedBPFObject) throws {
            entries = try object.map("bondd_config")
            current = try object.map("bondd_config_current")
        }
        var inUse: UInt32 {
            var zero: UInt32 = 0, index: UInt32 = 99
            _ = bpf_map_lookup_elem(current, &zero, &index)
            return index
        }
        func mode(of entry: UInt32) -> UInt32 {
            var key = entry
            var config = bondd_xdp_config()
            _ = bpf_map_lookup_elem(entries, &key, &config)
            return config.mode
        }
    }

    private func config(mode: UInt32) -> bondd_xdp_config {
        var c = bondd_xdp_config()
        c.mode = mode
        return c
    }

    @Test func anEntryIsRewrittenOnlyOnceAGracePeriodHasEndedSinceTheProgramsLeftIt() throws {
        let object = try LoadedBPFObject(.bond_xdp)
        let view = try ProgramsView(object)
        let grace = HandGracePeriods()
        var entries = try ConfigurationEntries(object, gracePeriods: grace)
        let n = ConfigurationEntries.count
        #expect(n == 4)
        var seenWhileWaiting: [(inUse: UInt32, modes: [UInt32])] = []
        grace.whileWaiting = { _ in seenWhileWaiting.append((view.inUse, (0..<n).map(view.mode(of:)))) }
        // A grace period that began before the switch could end with a program still
        // reading the entry left.
        var inUseWhenBegun: [UInt32] = []
        grace.whenBegun = { inUseWhenBegun.append(view.inUse) }

        // Modes 1, 2, 3 into entries 1, 2, 3: none was in use since it was written.
        for mode in UInt32(1)...3 {
            try entries.write(config(mode: mode))
            #expect(view.inUse == mode && view.mode(of: mode) == mode)
        }
        #expect(grace.waited == [], "three changes within a grace period wait for nothing")
        #expect(grace.begun == 3, "the programs left entries 0, 1 and 2: a grace period began for each")
        #expect(inUseWhenBegun == [1, 2, 3], "each once the programs had been switched away")

        // Entry 0 next, which the programs read before the first write.
        try entries.write(config(mode: 4))
        #expect(grace.waited == [1], "entry 0 waits for the grace period begun when the programs left it")
        #expect(seenWhileWaiting.map(\.inUse) == [3], "the programs still read the last configuration meanwhile")
        #expect(seenWhileWaiting.map(\.modes) == [[0, 1, 2, 3]], "and entry 0 is untouched until it ends")
        #expect(view.inUse == 0 && view.mode(of: 0) == 4)

        seenWhileWaiting = []
        try entries.write(config(mode: 5))
        #expect(grace.waited == [1, 2])
        #expect(seenWhileWaiting.map(\.inUse) == [0] && seenWhileWaiting.map(\.modes) == [[4, 1, 2, 3]])
        #expect(view.inUse == 1 && view.mode(of: 1) == 5)
    }

    @Test func eachWriteCarriesANewGeneration() throws {
        let object = try LoadedBPFObject(.bond_xdp)
        let view = try ProgramsView(object)
        var entries = try ConfigurationEntries(object, gracePeriods: HandGracePeriods())
        var generations: [UInt32] = []
        for _ in 0..<3 {
            try entries.write(config(mode: 0))
            var key = view.inUse
            var c = bondd_xdp_config()
            _ = bpf_map_lookup_elem(view.entries, &key, &c)
            generations.append(c.generation)
        }
        #expect(generations == [1, 2, 3])
    }

    /// The kernel's grace periods, waited out on GracePeriods' thread (which other suites
    /// share meanwhile): asked for twice, both end, each through an update the kernel
    /// made (an update refused is not taken for a grace period).
    @Test func theKernelsGracePeriodsEnd() async throws {
        let periods = try GracePeriods.shared()
        let refused = periods.refusals
        let first = periods.begin(), second = periods.begin()
        #expect(second > first)
        // Polled rather than waited for, so that a grace period that never ends fails
        // the test instead of hanging it.
        let deadline = ContinuousClock.now + .seconds(20)
        while !periods.hasEnded(second) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(periods.hasEnded(second) && periods.hasEnded(first))
        #expect(periods.refusals == refused)
    }
}
