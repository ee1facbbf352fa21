import BondCore
@testable import BondEngine
import Testing

/// The engine leaves its sockets out of epoll while every turn finds a full batch, and
/// puts them back at the first turn that does not.
@Suite struct SaturationPollingTests {
    @Test func pollsAfterFullTurnsInARowUntilOneIsNot() {
        var s = SaturationPolling()
        for _ in 0..<3 { s.turnEnded(frames: 64) }
        #expect(!s.polls, "three full turns may be one burst")
        s.turnEnded(frames: 5)
        for _ in 0..<3 { s.turnEnded(frames: 64) }
        #expect(!s.polls, "a smaller turn starts the count again")
        s.turnEnded(frames: SaturationPolling.fullTurn)
        #expect(s.polls)
        s.turnEnded(frames: 200)
        #expect(s.polls && s.polledTurns == 1, "the turn after the fourth came without a wait")
        s.turnEnded(frames: SaturationPolling.fullTurn - 1)
        #expect(!s.polls, "the engine caught up: back to the sockets")
        #expect(s.polledTurns == 2)
    }

    @Test func offNeverPolls() {
        var s = SaturationPolling(enabled: false)
        for _ in 0..<10 { s.turnEnded(frames: 1000) }
        #expect(!s.polls && s.polledTurns == 0)
    }

    /// A frame from a peer to the bond, which active-backup delivers from eth0.
    func incoming(_ n: UInt8) -> [UInt8] {
        FrameBuilder.ethernetHeader(
            destination: MACAddress(EmbeddedBond.bondMAC)!, source: MACAddress("52:54:00:99:00:01")!, vlan: nil, etherType: 0x88B5)
            + [UInt8](repeating: n, count: 46)
    }

    /// The engine's turns, as its loop runs them, each finding `frames` from the wire.
    func turns(_ b: EmbeddedBond, _ count: Int, frames: Int, after wait: Engine.Wait) throws {
        for _ in 0..<count {
            b.kernel.wire("eth0").inject((0..<frames).map { incoming(UInt8($0 & 0xFF)) })
            try b.turn()
            b.engine.turnEnded(after: wait)
        }
    }

    @Test func theEngineStopsWatchingItsSocketsWhileEveryTurnIsFull() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        try turns(b, 4, frames: 40, after: .onSockets)
        #expect(b.delivered().count == 160)
        #expect(b.engine.waitForWork() == .saturated)
        #expect(!b.engine.poller.watchesSockets, "the senders pay no epoll callback")
        let w = try #require(b.status.wakeups)
        #expect(w.waiting == "saturated" && w.saturatedTurns == 0)
        try turns(b, 1, frames: 40, after: .saturated)
        #expect(b.status.wakeups?.saturatedTurns == 1)
        try turns(b, 1, frames: 3, after: .saturated)
        #expect(!b.engine.saturation.polls && b.status.wakeups?.waiting == "sockets")
        #expect(b.status.wakeups?.saturatedTurns == 2)
        #expect(b.delivered().count == 43, "nothing lost on the way")
    }

    @Test func framesGatheredOverATickAreNotSaturation() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        try turns(b, 8, frames: 64, after: .ticked)
        #expect(!b.engine.saturation.polls, "a tick gathers a full batch by design")
    }

    @Test func coalesceOffLeavesTheSocketsWatched() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "coalesce=off"])
        try turns(b, 8, frames: 40, after: .onSockets)
        #expect(!b.engine.saturation.polls)
        #expect(b.status.wakeups?.saturatedTurns == nil)
        _ = try b.engine.setOptions(["coalesce=adaptive"])
        try turns(b, 4, frames: 40, after: .onSockets)
        #expect(b.engine.saturation.polls, "turned on while the bond runs")
    }
}
