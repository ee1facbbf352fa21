import BondCore
import Testing

/// A running bond keeps the words of every change it accepted, reduced by
/// `BondOptions.compact`; these tests hold that the reduction never changes what the
/// words mean, and that it stays small however long the history.
@Suite struct OptionHistoryTests {
    /// A small deterministic generator, so a failure names a seed that replays it.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pool: [String] = [
        "mode=active-backup", "mode=balance-rr", "mode=balance-xor", "mode=balance-tlb", "mode=balance-alb", "mode=balance-slb",
        "miimon=100", "miimon=0", "miimon=50", "arp_interval=200", "arp_interval=0", "arp_ip_target=192.0.2.1",
        "arp_ip_target=192.0.2.1,192.0.2.2", "ns_ip6_target=2001:db8::1", "arp_validate=all", "arp_validate=none",
        "arp_missed_max=3", "missed_max=5", "prio=eth0:5", "prio=eth1:3", "prio=eth0:7,eth2:1", "updelay=200", "downdelay=100",
        "primary=eth0", "primary=eth1", "active_slave=eth1", "active_member=eth0", "primary_reselect=better",
        "xmit_hash_policy=layer3+4", "xmit_hash_policy=layer2", "num_grat_arp=3", "num_unsol_na=2", "packets_per_slave=4",
        "tlb_dynamic_lb=0", "rebalance_interval=5000", "resend_igmp=2", "all_slaves_active=1", "fail_over_mac=active",
    ]

    /// Histories built as the engine builds them: a change joins only if everything so
    /// far still parses with it.
    static func history(seed: UInt64, length: Int, compacting: Bool = false) -> [String] {
        var rng = SplitMix(state: seed)
        var words: [String] = []
        for _ in 0..<length {
            let change = (0..<Int.random(in: 1...3, using: &rng)).map { _ in pool.randomElement(using: &rng)! }
            guard (try? BondOptions.parse(words + change)) != nil else { continue }
            words = compacting ? BondOptions.compact(words + change) : words + change
        }
        return words
    }

    @Test(arguments: 0..<200)
    func compactedHistoryMeansTheSame(seed: Int) throws {
        let words = Self.history(seed: UInt64(seed), length: 60)
        let compacted = BondOptions.compact(words)
        #expect(try BondOptions.parse(compacted).0 == BondOptions.parse(words).0, "seed \(seed): \(words)")
    }

    @Test func historyStaysAsLongAsTheOptionsItNames() throws {
        // Compacting at every change, as the engine does, and compared with the full
        // history kept beside it for the first thousand changes.
        #expect(
            try BondOptions.parse(Self.history(seed: 7, length: 1000, compacting: true)).0
                == BondOptions.parse(Self.history(seed: 7, length: 1000)).0)
        let words = Self.history(seed: 7, length: 20_000, compacting: true)
        let names = Set(Self.pool.map { $0.prefix { $0 != "=" } })
        #expect(words.count <= names.count)
    }

    @Test func prioAccumulatesPerMemberAcrossWords() throws {
        let words = ["mode=active-backup", "prio=eth0:5", "prio=eth1:3", "prio=eth0:7"]
        let compacted = BondOptions.compact(words)
        #expect(compacted == ["mode=active-backup", "prio=eth1:3,eth0:7"])
        #expect(try BondOptions.parse(compacted).0.prio == ["eth0": 7, "eth1": 3])
    }
}
