@testable import BondControl
import BondCore
import Testing

@Suite struct StatusTextTests {
    @Test func wakeupsSayHowTheEngineWaits() {
        let polled = WakeupStatus(
            coalesce: "adaptive", waiting: "tick", tickMicroseconds: 213, turns: 900, polledTurns: 800, probes: 3, probesSlowed: 1)
        #expect(StatusText.wakeups(polled) == "polling every 213 µs (coalesce=adaptive; 3 tries to poll, 1 slowed the traffic)")
        let off = WakeupStatus(coalesce: "off", waiting: "sockets", tickMicroseconds: nil, turns: 5, polledTurns: 0, probes: 0, probesSlowed: 0)
        #expect(StatusText.wakeups(off) == "on the sockets (coalesce=off)")
    }
}
