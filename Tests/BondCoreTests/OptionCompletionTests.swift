import BondCore
import Testing

@Suite struct OptionCompletionTests {
    @Test func namesThenValues() {
        #expect(OptionCompletion.candidates(for: "mi") == ["miimon=", "min_links="])
        #expect(
            OptionCompletion.candidates(for: "mode=balance-") == [
                "mode=balance-rr", "mode=balance-xor", "mode=balance-tlb", "mode=balance-alb", "mode=balance-slb",
            ])
        #expect(OptionCompletion.candidates(for: "xmit_hash_policy=layer3") == ["xmit_hash_policy=layer3+4"])
        // A mode's own option, from its table.
        #expect(OptionCompletion.candidates(for: "lacp_rate=") == ["lacp_rate=slow", "lacp_rate=fast"])
        #expect(OptionCompletion.candidates(for: "coalesce=") == ["coalesce=adaptive", "coalesce=off"])
        // Numbers have no list.
        #expect(OptionCompletion.candidates(for: "miimon=").isEmpty)
    }

    @Test func everyNameParses() throws {
        // No name is offered that the parser would call unknown.
        for n in OptionCompletion.names {
            let name = String(n.dropLast())
            for v in OptionCompletion.values(of: name) {
                let words = name == "mode" ? ["mode=\(v)"] : ["mode=802.3ad", "\(name)=\(v)"]
                if ["lacp_rate", "lacp_active", "ad_select", "coalesce", "xdp_mode", "backend", "xmit_hash_policy", "mode"].contains(name) {
                    #expect(throws: Never.self, "\(words)") { try BondOptions.parse(words) }
                }
            }
        }
        #expect(OptionCompletion.names.contains("primary_reselect="))
    }
}
