import BondCore
import Testing

/// The hooks around the per-frame decisions, on a virtual clock: timers, members
/// going down and up, and what each mode asks the engine to do (`ModeAction`).
@Suite struct ModeHookTests {
    static let bondMAC = MACAddress("02:00:00:00:00:01")!
    let view = MemberView(usable: [0, 1], active: 0, speeds: [1000, 1000], bondMAC: bondMAC)
    let t0 = Instant.milliseconds(5_000_000)

    func options(_ words: [String]) throws -> BondOptions { try BondOptions.parse(words).0 }

    /// A guest's frame, placed per VIF.
    func guestFrame(_ n: UInt8) -> ParsedFrame {
        Fixtures.parsed(
            Fixtures.ethernet(src: [0x02, 0xAA, 0, 0, 0, n], type: EtherType.ipv4)
                + Fixtures.ipv4(proto: IPProtocolNumber.udp, payload: Fixtures.udp(src: 1, dst: 2)))
    }

    @Test func modesWithoutTimersHaveNoDeadline() throws {
        for m in ["balance-rr", "active-backup", "balance-xor", "broadcast"] {
            var mode = AnyBondingMode(options: try options(["mode=\(m)"]), members: 2)
            #expect(mode.start(at: t0).isEmpty)
            #expect(mode.nextDeadline == nil, "\(m)")
            #expect(mode.memberDown(1, members: view).isEmpty)
        }
    }

    @Test func tlbSendsLearningPacketsEveryLPIntervalAndRebalances() throws {
        var mode = AnyBondingMode(options: try options(["mode=balance-tlb", "lp_interval=2", "rebalance_interval=10000"]), members: 2)
        _ = mode.start(at: t0)
        // VIF aging first (1 s), then learning (2 s), then the rebalance (10 s).
        #expect(mode.nextDeadline == t0.adding(milliseconds: 1000))
        #expect(mode.tick(at: t0.adding(milliseconds: 1000), members: view).isEmpty)
        #expect(mode.tick(at: t0.adding(milliseconds: 2000), members: view) == [.learningPackets])
        #expect(!mode.needsTransmitBytes(at: t0.adding(milliseconds: 9999)))
        #expect(mode.needsTransmitBytes(at: t0.adding(milliseconds: 10_000)))
        let actions = mode.tick(at: t0.adding(milliseconds: 10_000), members: view)
        #expect(actions.contains(.learningPackets))
        #expect(actions.contains(.announce([])), "the rebalance ran (no guest moved)")
    }

    @Test func tlbLearningIntervalChangeTakesEffectAtOnce() throws {
        var mode = AnyBondingMode(options: try options(["mode=balance-tlb", "lp_interval=30", "rebalance_interval=0"]), members: 2)
        _ = mode.start(at: t0)
        mode.reconfigure(try options(["mode=balance-tlb", "lp_interval=1", "rebalance_interval=0"]), at: t0.adding(milliseconds: 500))
        #expect(mode.tick(at: t0.adding(milliseconds: 1500), members: view) == [.learningPackets])
    }

    @Test func albTeachesTheDeadMembersMACOnTheActiveOneAndMovesItsClients() throws {
        var mode = AnyBondingMode(options: try options(["mode=balance-alb"]), members: 2)
        _ = mode.start(at: t0)
        let actions = mode.memberDown(1, members: MemberView(usable: [0], active: 0, speeds: [1000, 1000], bondMAC: Self.bondMAC))
        #expect(actions.contains(.learningPacket(macOf: 1, on: 0)))
        // The active member itself going down teaches nobody.
        #expect(!mode.memberDown(0, members: MemberView(usable: [1], active: 1)).contains(.learningPacket(macOf: 0, on: 0)))
    }

    @Test func albTicksEvery100MillisecondsForClientUpdates() throws {
        var mode = AnyBondingMode(options: try options(["mode=balance-alb", "rebalance_interval=0"]), members: 2)
        _ = mode.start(at: t0)
        #expect(mode.nextDeadline == t0.adding(milliseconds: 100))
    }

    @Test func slbMovesAGuestOffADeadMemberAndAnnouncesIt() throws {
        var mode = AnyBondingMode(options: try options(["mode=balance-slb"]), members: 2)
        _ = mode.start(at: t0)
        let guest = guestFrame(7)
        guard case .member(let first) = mode.transmitTarget(for: guest, members: view) else { Issue.record("not placed"); return }
        let survivor = 1 - first
        let actions = mode.memberDown(first, members: MemberView(usable: [survivor], active: survivor, bondMAC: Self.bondMAC))
        #expect(actions == [.announce([VIFTable.Move(mac: guest.source, vlan: nil, member: survivor)])])
    }

    @Test func slbForgetsAgedGuestsForTheFastPathToo() throws {
        var mode = AnyBondingMode(options: try options(["mode=balance-slb", "rebalance_interval=0"]), members: 2)
        _ = mode.start(at: t0)
        _ = mode.transmitTarget(for: guestFrame(9), members: view)
        let later = t0.adding(milliseconds: Int(VIFTable.macAgingSeconds + 2) * 1000)
        let actions = mode.tick(at: later, members: view)
        #expect(actions.count == 1)
        guard case .forget(let keys) = actions.first else { Issue.record("no forget action"); return }
        #expect(keys.count == 1)
    }

    @Test func migrateNeedsBuckets() throws {
        var ab = AnyBondingMode(options: try options(["mode=active-backup"]), members: 2)
        #expect(throws: OptionError.self) { try ab.migrate(bucket: 0, to: 1, vif: false, members: view) }
        var tlb = AnyBondingMode(options: try options(["mode=balance-tlb"]), members: 2)
        #expect(try tlb.migrate(bucket: 3, to: 1, vif: false, members: view).isEmpty)
        #expect(tlb.bucketTable?.buckets[3].member == 1)
        #expect(throws: OptionError.self) { try tlb.migrate(bucket: 300, to: 1, vif: false, members: view) }
        #expect(throws: OptionError.self) { try tlb.migrate(bucket: 3, to: 5, vif: false, members: view) }
    }

    @Test func fastPathKindFollowsTheHashPolicy() throws {
        #expect(AnyBondingMode(options: try options(["mode=balance-xor", "xmit_hash_policy=layer3+4"])).fastPathKind == .xor)
        #expect(AnyBondingMode(options: try options(["mode=balance-xor", "xmit_hash_policy=encap3+4"])).fastPathKind == .none)
        #expect(AnyBondingMode(options: try options(["mode=balance-alb"])).fastPathKind == .adaptiveLoadBalancing)
        #expect(AnyBondingMode(options: try options(["mode=balance-slb"])).fastPathKind == .sourceLoadBalancing)
        #expect(AnyBondingMode(options: try options(["mode=802.3ad", "xmit_hash_policy=layer2+3"])).fastPathKind == .aggregation)
        #expect(AnyBondingMode(options: try options(["mode=802.3ad", "xmit_hash_policy=vlan+srcmac"])).fastPathKind == .none)
    }

    @Test func only802_3adHasControlFrames() throws {
        for m in BondMode.allCases {
            let expected: UInt16? = m == .ieee8023ad ? 0x8809 : nil
            let word = m == .policy ? "mode=policy:flowlet" : "mode=\(m.kernelName)"
            #expect(AnyBondingMode(options: try options([word])).controlEtherType == expected, "\(m.kernelName)")
        }
    }
}

@Suite struct MACPolicyTests {
    let bond = MACAddress("02:00:00:00:00:01")!
    let own = MACAddress("52:54:00:00:00:02")!

    @Test func policyByModeAndFailOverMAC() throws {
        func policy(_ w: [String]) throws -> MACPolicy { MACPolicy(try BondOptions.parse(w).0) }
        #expect(try policy(["mode=balance-rr"]) == .bondMAC)
        #expect(try policy(["mode=balance-tlb"]) == .ownMACs)
        #expect(try policy(["mode=balance-alb"]) == .ownMACs)
        #expect(try policy(["mode=active-backup", "fail_over_mac=follow"]) == .ownMACs)
        #expect(try policy(["mode=active-backup", "fail_over_mac=active"]) == .bondFollowsActive)
        // fail_over_mac acts in active-backup only.
        #expect(try policy(["mode=balance-xor", "fail_over_mac=active"]) == .bondMAC)
    }

    @Test func ownMACsGiveTheFirstMemberTheBondsAndKeepEveryMACUnique() {
        #expect(MACPolicy.ownMACs.macForNewMember(own: own, bond: bond, inUse: []) == bond)
        #expect(MACPolicy.ownMACs.macForNewMember(own: own, bond: bond, inUse: [bond]) == own)
        // A member whose MAC is taken (by the bond, or another member) gets a local one.
        let clash = MACPolicy.ownMACs.macForNewMember(own: bond, bond: bond, inUse: [bond, own])
        #expect(clash != bond && clash != own)
        #expect(clash.rawValue & 0x0200_0000_0000 != 0, "locally administered")
        #expect(MACPolicy.bondMAC.macForNewMember(own: own, bond: bond, inUse: [bond]) == bond)
        #expect(MACPolicy.bondFollowsActive.macForNewMember(own: own, bond: bond, inUse: [bond]) == own)
    }
}
