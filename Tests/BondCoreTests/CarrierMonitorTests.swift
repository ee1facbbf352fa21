import BondCore
import Testing

@Suite struct CarrierMonitorTests {
    let t0 = Instant.milliseconds(1000)

    @Test func immediateWithoutDelays() {
        var m = CarrierMonitor(carrier: true)
        #expect(m.carrier(false, at: t0, ignoreUpdelay: false)?.to == .down)
        #expect(m.carrier(false, at: t0, ignoreUpdelay: false) == nil)
        #expect(m.carrier(true, at: t0, ignoreUpdelay: false)?.to == .up)
    }

    @Test func downdelayHoldsTheLinkInFail() {
        var m = CarrierMonitor(carrier: true, downdelay: 200)
        #expect(m.carrier(false, at: t0, ignoreUpdelay: false)?.to == .fail)
        #expect(m.state.carriesTraffic)
        #expect(m.tick(at: t0.adding(milliseconds: 199), ignoreUpdelay: false) == nil)
        #expect(m.tick(at: t0.adding(milliseconds: 200), ignoreUpdelay: false)?.to == .down)
    }

    @Test func carrierBackDuringDowndelayCancelsIt() {
        var m = CarrierMonitor(carrier: true, downdelay: 200)
        _ = m.carrier(false, at: t0, ignoreUpdelay: false)
        let t = m.carrier(true, at: t0.adding(milliseconds: 50), ignoreUpdelay: false)
        #expect(t?.to == .up)
        #expect(t?.message == "link status up again")
        #expect(m.tick(at: t0.adding(milliseconds: 500), ignoreUpdelay: false) == nil)
        #expect(m.deadline == nil)
    }

    @Test func updelayHoldsTheLinkInBack() {
        var m = CarrierMonitor(carrier: false, updelay: 300)
        #expect(m.carrier(true, at: t0, ignoreUpdelay: false)?.to == .back)
        #expect(!m.state.carriesTraffic)
        #expect(m.tick(at: t0.adding(milliseconds: 299), ignoreUpdelay: false) == nil)
        #expect(m.tick(at: t0.adding(milliseconds: 300), ignoreUpdelay: false)?.to == .up)
    }

    @Test func carrierLostDuringUpdelay() {
        var m = CarrierMonitor(carrier: false, updelay: 300)
        _ = m.carrier(true, at: t0, ignoreUpdelay: false)
        #expect(m.carrier(false, at: t0.adding(milliseconds: 10), ignoreUpdelay: false)?.message == "link status down again")
        #expect(m.state == .down)
    }

    @Test func updelayIgnoredWhenNothingElseIsUp() {
        var m = CarrierMonitor(carrier: false, updelay: 5000)
        #expect(m.carrier(true, at: t0, ignoreUpdelay: true)?.to == .up)
        var n = CarrierMonitor(carrier: false, updelay: 5000)
        _ = n.carrier(true, at: t0, ignoreUpdelay: false)
        // The other members died meanwhile: the wait is cut short at the next tick.
        #expect(n.tick(at: t0.adding(milliseconds: 1), ignoreUpdelay: true)?.to == .up)
    }
}
