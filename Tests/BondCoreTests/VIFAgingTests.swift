import BondCore
import Testing

/// The per-VIF table forgets MACs as switches do, and a guest that floods it with
/// source MACs cannot keep other guests out of it.
@Suite struct VIFAgingTests {
    let helper = VIFTableTests()

    @Test func aMACNotSeenForTheAgingTimeIsForgotten() {
        let t = VIFTable()
        t.age(at: 1000)
        _ = t.member(for: helper.frame(mac: 1), usable: [0, 1])
        _ = t.member(for: helper.frame(mac: 2), usable: [0, 1])
        t.age(at: 1000 + VIFTable.macAgingSeconds - 1)
        _ = t.member(for: helper.frame(mac: 2), usable: [0, 1])
        #expect(t.macCount == 2)
        t.age(at: 1000 + VIFTable.macAgingSeconds + 1)
        #expect(t.macCount == 1)
        #expect(!t.isHostSide(helper.frame(mac: 1).source, vlan: nil))
        #expect(t.isHostSide(helper.frame(mac: 2).source, vlan: nil))
        #expect(t.macsForgotten == 1)
        #expect(t.takeForgotten().count == 1)
        #expect(t.takeForgotten().isEmpty)
    }

    @Test func afterAFloodOfSourceMACsNewGuestsAreRememberedAgain() {
        let t = VIFTable()
        t.age(at: 50)
        // One guest sends 5000 source MACs within a second: the table fills, the rest overflow.
        for m in 0..<UInt64(5000) { _ = t.member(for: helper.frame(mac: 100_000 + m), usable: [0, 1]) }
        #expect(t.macCount == VIFTable.macCapacity)
        #expect(t.macOverflow == 5000 - VIFTable.macCapacity)
        // A second later twenty new guests appear: the flood's stale MACs make room.
        t.age(at: 51)
        let guests = (1...20).map { helper.frame(mac: UInt64($0)) }
        let placed = guests.map { t.member(for: $0, usable: [0, 1]) }
        #expect(placed.allSatisfy { $0 != nil })
        #expect(guests.allSatisfy { t.isHostSide($0.source, vlan: nil) })
        #expect(t.macCount == 20)
    }

    @Test func aForgottenMACComesBackToTheSameBucket() {
        let t = VIFTable()
        let f = helper.frame(mac: 7)
        let before = t.member(for: f, usable: [0, 1])
        t.age(at: 10_000)
        #expect(t.macCount == 0)
        #expect(t.member(for: f, usable: [0, 1]) == before)
    }
}
