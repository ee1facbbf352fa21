import BondCore
import Testing

/// The capability predicates, mode by mode, against the kernel's bonding.h and the
/// option dependencies in bond_options.c (balance-slb as Open vSwitch runs it).
@Suite struct ModeCapabilitiesTests {
    /// Modes in the order of the columns below.
    let modes: [BondMode] = [.balanceRR, .activeBackup, .balanceXOR, .broadcast, .ieee8023ad, .balanceTLB, .balanceALB, .balanceSLB]

    @Test func eachModeAnswersAsTheKernelDoes() {
        let table: [(String, (BondMode) -> Bool, [Bool])] = [
            // predicate                        rr     ab     xor    bcast  3ad    tlb    alb    slb
            ("usesPrimary", \.usesPrimary, [false, true, false, false, false, true, true, true]),
            ("usesProbeMonitor", \.usesProbeMonitor, [true, true, true, true, false, true, true, true]),
            ("needsLinkMonitor", \.needsLinkMonitor, [false, false, false, false, true, true, true, true]),
            ("isTransmitLoadBalancing", \.isTransmitLoadBalancing, [false, false, false, false, false, true, true, false]),
            ("rebalances", \.rebalances, [false, false, false, false, false, true, true, true]),
            ("teachesClients", \.teachesClients, [false, false, false, false, false, false, true, false]),
            ("hasBackupMembers", \.hasBackupMembers, [false, true, false, false, false, false, false, false]),
            ("balancesByHash", \.balancesByHash, [false, false, true, false, true, false, false, false]),
            ("keepsCurrentMember", \.keepsCurrentMember, [true, true, false, false, false, true, true, true]),
        ]
        for (name, predicate, expected) in table {
            #expect(modes.map(predicate) == expected, "\(name)")
        }
        #expect(BondMode.allCases.allSatisfy { $0.isImplemented })
    }

    /// What parsing `words` refuses, or nil.
    func refusal(_ words: [String]) -> String? {
        do { _ = try BondOptions.parse(words); return nil } catch { return error.message }
    }

    /// Options that depend on a capability are refused, in the kernel's words, in a
    /// mode without it, and accepted in a mode with it.
    @Test func optionsFollowTheCapabilities() throws {
        for (mode, option) in [
            ("balance-xor", "primary=eth0"), ("balance-tlb", "alb_clients=64"), ("active-backup", "rebalance_interval=5000"),
            ("broadcast", "active_slave=eth1"),
        ] {
            #expect(
                refusal(["mode=\(mode)", option])?.contains("mode dependency failed, not supported in mode \(mode)(") == true, "\(option) in \(mode)")
        }
        #expect(refusal(["mode=balance-slb", "primary=eth0", "rebalance_interval=5000"]) == nil)
        #expect(refusal(["mode=balance-alb", "alb_clients=64"]) == nil)
        #expect(refusal(["mode=802.3ad", "primary=eth0"])?.hasPrefix("option primary: mode dependency failed") == true)
        let (o, warnings) = try BondOptions.parse(["mode=balance-slb"])
        #expect(o.miimon == 100 && warnings.contains("miimon must be set in mode balance-slb: using 100 ms"))
    }
}
