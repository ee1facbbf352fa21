import BondControl
import BondCore
import Testing

@Suite struct StatsTextTests {
    private func member(_ name: String, rx: Int, rxBytes: Int, tx: Int, txBytes: Int) -> MemberStatus {
        MemberStatus(
            name: name, link: "up", linkState: "up", state: "active", linkFailures: 0, permanentMAC: "", speed: 0,
            lastChangeMillisecondsAgo: 0, txPackets: tx, txBytes: txBytes, txDrops: 0, rxPackets: rx, rxBytes: rxBytes, rxDrops: 0)
    }

    @Test func ratesBetweenTwoSnapshots() {
        let before = member("eth0", rx: 100, rxBytes: 10_000, tx: 50, txBytes: 5_000)
        let now = member("eth0", rx: 300, rxBytes: 260_000, tx: 50, txBytes: 5_000)
        #expect(
            StatsText.rates(now, since: before, seconds: 2) == StatsText.Rates(rxPPS: 100, rxBitsPerSecond: 1_000_000, txPPS: 0, txBitsPerSecond: 0))
        // A counter that went back (the member was removed and added again) gives no rate.
        #expect(StatsText.rates(before, since: now, seconds: 2) == nil)
        #expect(StatsText.rates(now, since: nil, seconds: 2) == nil)
    }

    @Test func bitRatesAsPeopleReadThem() {
        #expect(StatsText.bits(999) == "999 bit/s")
        #expect(StatsText.bits(1_234_567) == "1.23 Mbit/s")
        #expect(StatsText.bits(9_400_000_000) == "9.40 Gbit/s")
    }
}
