import BondCore
@testable import BondEngine
import Testing

/// `busy_poll=`: the engine keeps turning without sleeping for the window after its
/// last frame, on a virtual clock.
@Suite struct BusyPollTests {
    func at(_ µs: UInt64) -> Instant { Instant(nanoseconds: 1_000_000_000 + µs * 1000) }

    @Test func pollsForTheWindowAfterEachFrameThenSleeps() {
        var b = BusyPoll(microseconds: 50)
        #expect(b.isOn)
        #expect(!b.polls(at: at(0)), "no frame yet: asleep on the sockets")
        b.turnEnded(at: at(0), frames: 3, polled: false)
        #expect(b.polls(at: at(10)) && b.polls(at: at(49)))
        #expect(!b.polls(at: at(50)))
        b.turnEnded(at: at(30), frames: 2, polled: true)
        b.turnEnded(at: at(79), frames: 0, polled: true)
        #expect(!b.polls(at: at(80)), "50 µs without a frame: back to sleep")
        // The next frame (a wakeup) opens a new window from its turn.
        b.turnEnded(at: at(90), frames: 1, polled: false)
        #expect(b.polls(at: at(139)) && !b.polls(at: at(140)))
        #expect(b.polledFrames == 2, "frames taken by turns without a sleep")
        #expect(b.turns == 4 && b.polledTurns == 2, "every turn counted, and those without a sleep")
    }

    @Test func offNeverPolls() {
        var b = BusyPoll(microseconds: 0)
        #expect(!b.isOn)
        b.turnEnded(at: at(0), frames: 100, polled: false)
        #expect(!b.polls(at: at(0)))
    }
}
