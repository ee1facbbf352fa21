import BondCore
import Testing

/// `mode=policy:NAME` and the policies' own options, through the daemon's parser.
@Suite struct PolicyOptionTests {
    @Test func aRegisteredPolicyIsAMode() throws {
        let (o, _) = try BondOptions.parse(["mode=policy:flowlet", "flowlet_gap=200"])
        #expect(o.mode == .policy && o.modeSettings["policy"] == "flowlet" && o.modeSettings["flowlet_gap"] == "200")
        let (same, _) = try BondOptions.parse(["mode=policy", "policy=consistent-hash"])
        #expect(same.modeSettings["policy"] == "consistent-hash")
        #expect(o.mode.kernelNumber == nil && !o.mode.usesActiveMember && o.mode.needsSwitchAggregation)
        guard case .policy(let m) = AnyBondingMode(options: o, members: 2) else {
            Issue.record("not a policy mode")
            return
        }
        #expect(m.policy is FlowletPolicy)
    }

    @Test func refusalsNameWhatIsWrongInOneLine() {
        for (words, message) in [
            (["mode=policy"], "mode policy: name the policy, as mode=policy:NAME (registered: flowlet, consistent-hash)"),
            (["mode=policy:nope"], "policy: no policy named 'nope' (registered: flowlet, consistent-hash)"),
            (["mode=policy:flowlet", "ch_load_bound=150"], "option ch_load_bound: belongs to policy consistent-hash, not flowlet"),
            (["mode=policy:flowlet", "flowlet_gap=0"], "flowlet_gap: invalid value '0' (allowed range 1-10000000)"),
            (["mode=balance-xor", "flowlet_gap=100"], "option flowlet_gap: mode dependency failed, not supported in mode balance-xor(2)"),
        ] {
            #expect(throws: OptionError(message), "\(words)") { try BondOptions.parse(words) }
        }
    }

    @Test func everyRegisteredPolicyHasANameASummaryAndOptionsOfItsOwn() {
        var seen: Set<String> = []
        for t in PolicyRegistry.all {
            #expect(!t.name.isEmpty && !t.summary.isEmpty && !t.summary.contains("\n"))
            for o in t.options { #expect(seen.insert(o.name).inserted, "\(o.name) is declared twice") }
        }
        #expect(PolicyRegistry.type(named: "flowlet") != nil && PolicyRegistry.type(named: "x") == nil)
    }
}
