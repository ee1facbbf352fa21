import BondCore
import Foundation
import Testing

@Suite struct BondStatusTests {
    @Test func countersRoundTripThroughJSON() throws {
        var c = BondCounters()
        c.runt = 1; c.truncated = 2; c.oversize = 3; c.noMember = 4; c.deliveryDrops = 5
        let data = try JSONEncoder().encode(c)
        let back = try JSONDecoder().decode(BondCounters.self, from: data)
        #expect(back == c)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"delivery_drops\":5"))
    }
}
