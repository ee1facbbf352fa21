import BondCore
import Testing

@Suite struct SuggestionTests {
    @Test func mistypedOptionsAndModesGetTheNearestName() {
        #expect(throws: OptionError("unknown option 'miimom' (did you mean miimon?)")) { try BondOptions.parse(["miimom=100"]) }
        #expect(throws: OptionError("unknown option 'xmit_hash_polcy' (did you mean xmit_hash_policy?)")) {
            try BondOptions.parse(["xmit_hash_polcy=layer2"])
        }
        #expect(throws: OptionError("unknown option 'flavour'")) { try BondOptions.parse(["flavour=vanilla"]) }
        #expect(
            throws: OptionError(
                "mode: invalid value 'active-bakcup' (did you mean active-backup?) (balance-rr|active-backup|balance-xor|broadcast|802.3ad|balance-tlb|balance-alb or 0-6, or balance-slb, or policy:NAME)"
            )
        ) { try BondOptions.parse(["mode=active-bakcup"]) }
    }

    @Test func onlyCloseWordsAreSuggested() {
        #expect(Suggestion.closest(to: "updelya", in: ["updelay", "downdelay"]) == "updelay")
        #expect(Suggestion.closest(to: "xyz", in: ["updelay", "downdelay"]) == nil)
        #expect(Suggestion.closest(to: "primay", in: ["primary", "prio"]) == "primary")
    }
}
