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

@Suite struct StatsTextWidthTests {
    private func status(rx: Int) -> BondStatus {
        let members = ["enp1s0f0", "enp1s0f1"].map {
            MemberStatus(
                name: $0, link: "up", linkState: "up", state: "active", linkFailures: 0, permanentMAC: "", speed: 10_000,
                lastChangeMillisecondsAgo: 0, txPackets: rx / 2, txBytes: rx * 700, txDrops: 3, rxPackets: rx, rxBytes: rx * 1400, rxDrops: 2)
        }
        return BondStatus(
            name: "bond0", mode: .balanceXOR, modeDescription: "", activeMember: nil, carrier: "up", mac: "", mtu: 1500,
            miimon: 100, updelay: 0, downdelay: 0, peerNotifDelay: 0, numGratARP: 1, primary: nil, primaryReselect: .always,
            packetsPerSlave: 1, xmitHashPolicy: .layer34, allSlavesActive: false, lastFailoverReason: nil, failovers: 2,
            members: members, counters: BondCounters())
    }

    @Test func aTerminalOf80ColumnsGetsTheCompactTable() {
        let before = status(rx: 123_456_789_000), after = status(rx: 123_457_789_000)
        let whole = StatsText.render(after, previous: before, seconds: 1)
        #expect(whole.split(separator: "\n").contains { $0.count > 80 }, "the whole table is wider than 80: this test means something")
        let compact = StatsText.render(after, previous: before, seconds: 1, width: 80)
        for line in compact.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
        #expect(compact.contains("RX PPS") && compact.contains("RX RATE") && !compact.contains("RX BYTES"))
        // Each member's drops of every kind in one column: 2 received, 3 not sent.
        #expect(compact.contains("enp1s0f0  active  up"))
        #expect(compact.split(separator: "\n").first { $0.hasPrefix("enp1s0f0") }?.hasSuffix("  5") == true, "\(compact)")
        // Wide enough: the whole table, as before.
        #expect(StatsText.render(after, previous: before, seconds: 1, width: 300) == whole)
        // Without watching: totals, bytes in units.
        let once = StatsText.render(after, width: 80)
        for line in once.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
        #expect(once.contains("172.84 TB"))
    }

    @Test func aWatchTallerThanTheTerminalIsCutToIt() {
        let text = (1...30).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let cut = StatsText.fitting(text, rows: 10)
        let lines = cut.split(separator: "\n")
        #expect(lines.count == 9)
        #expect(lines.last == "… 22 more lines (a taller terminal shows them)")
        #expect(StatsText.fitting("a\nb\n", rows: 10) == "a\nb\n")
    }
}
