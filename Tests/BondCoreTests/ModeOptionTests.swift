import BondCore
import SystemIO
import Testing

/// Options a mode declares in its own folder: checked values, the kernel's wording.
@Suite struct ModeOptionTests {
    @Test func choiceTakesNamesAndNumbers() throws {
        let o = ModeOption.choice("lacp_rate", ["slow", "fast"])
        #expect(try o.check("fast") == "fast")
        #expect(try o.check("0") == "slow")
        #expect(throws: OptionError("lacp_rate: invalid value 'often' (slow|fast or 0-1)")) { try o.check("often") }
        #expect(throws: OptionError.self) { try o.check("2") }
    }

    @Test func integerChecksTheRange() throws {
        let o = ModeOption.integer("min_links", 0...1024)
        #expect(try o.check("2") == "2")
        #expect(throws: OptionError("min_links: invalid value '-1' (allowed range 0-1024)")) { try o.check("-1") }
    }

    @Test func noRegisteredModeDeclaresOptionsThatShadowTheCommonOnes() throws {
        let common = ["mode", "miimon", "primary", "xmit_hash_policy", "arp_interval", "backend"]
        for m in BondMode.allCases {
            let names = AnyBondingMode.type(of: m)?.options.map(\.name) ?? []
            #expect(Set(names).isDisjoint(with: common), "\(m.kernelName)")
        }
        // A known kernel option bondd does not have is named as such, not as unknown.
        #expect(throws: OptionError("option 'coupled_control' is not supported yet")) { try BondOptions.parse(["coupled_control=0"]) }
    }
}
