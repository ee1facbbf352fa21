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
            ("decidesFromView", \.decidesFromView, [true, true, true, true, true, false, false, false]),
        ]
        for (name, predicate, expected) in table {
            #expect(modes.map(predicate) == expected, "\(name)")
        }
        #expect(BondMode.allCases.allSatisfy { $0.isImplemented })
    }

    /// What `workers=` relies on: in a mode that decides from the view, a mode made
    /// afresh from the options (a forwarding thread's) decides every frame as one that
    /// has run for a while (the engine's), hooks and timers included. balance-rr's turn
    /// is each thread's own, as the XDP programs' per-CPU counter, so only its member
    /// set is compared.
    @Test func aModeThatDecidesFromTheViewDecidesAfreshAsItDidAfterRunning() throws {
        let view = MemberView(usable: [0, 2], active: 2, speeds: [1000, 1000, 1000], linkUp: [0, 1, 2])
        let frames = (0..<64).map { Fixtures.parsed(Fixtures.udpFrame(srcPort: UInt16(1000 + $0), dstPort: 9)) }
        for mode in modes where mode.decidesFromView {
            var words = ["mode=\(mode.kernelName)", "miimon=100"]
            if mode.balancesByHash { words.append("xmit_hash_policy=layer3+4") }
            let (options, _) = try BondOptions.parse(words)
            var used = AnyBondingMode(options: options, members: 3)
            var now = Instant.milliseconds(1)
            _ = used.start(at: now)
            _ = used.memberDown(1, members: view)
            for _ in 0..<50 {
                now = now.adding(milliseconds: 100)
                _ = used.tick(at: now, members: view)
            }
            for f in frames { _ = used.transmitTarget(for: f, members: view) }
            var fresh = AnyBondingMode(options: options, members: 3)
            for f in frames {
                let (a, b) = (used.transmitTarget(for: f, members: view), fresh.transmitTarget(for: f, members: view))
                if mode == .balanceRR {
                    #expect(view.usable.contains(member(a) ?? -1) && view.usable.contains(member(b) ?? -1), "\(mode)")
                } else {
                    #expect(a == b, "\(mode): \(a) and \(b)")
                }
                for slot in 0..<3 {
                    #expect(used.admits(f, on: slot, members: view) == fresh.admits(f, on: slot, members: view), "\(mode), slot \(slot)")
                }
            }
        }
    }

    func member(_ t: TransmitTarget) -> Int? {
        if case .member(let i) = t { return i }
        return nil
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
        // workers= needs the view alone, and afpacket.
        #expect(
            refusal(["mode=balance-tlb", "backend=afpacket", "workers=2"])
                == "workers: mode balance-tlb learns from every frame, which one thread does; workers=1 there")
        #expect(
            refusal(["mode=balance-xor", "workers=2"])
                == "workers: needs backend=afpacket (xdp decides every frame in the kernel, on the core that received it)")
        #expect(refusal(["mode=balance-xor", "workers=2", "backend=afxdp"]) == "workers: needs backend=afpacket (afxdp runs one thread per bond)")
        #expect(refusal(["mode=balance-xor", "workers=0"]) == "workers: invalid value '0' (allowed range 1-16)")
        #expect(refusal(["mode=balance-tlb", "workers=1"]) == nil)
        let four = try BondOptions.parse(["mode=802.3ad", "workers=4", "backend=afpacket"]).0
        #expect(four.workers == 4 && four.kernelValues["workers"] == "4")
        // Only a rebuild changes them: the fanout groups are made with the sockets.
        var two = four
        two.workers = 2
        #expect(
            throws: OptionError(
                "workers: cannot change while bond0 runs; change it in the configuration file and run bondctl reload, which rebuilds the bond")
        ) {
            try four.checkRuntimeChange(to: two, bond: "bond0", deviceUp: false)
        }
        // workers_steer=cpu: a CPU of engine_cpus for each thread, fixed while the bond runs.
        let needsCPUs = "workers_steer=cpu: needs engine_cpus with a CPU for each of the 2 threads (e.g. engine_cpus=0-1), one thread on each"
        #expect(refusal(["mode=balance-xor", "backend=afpacket", "workers=2", "workers_steer=cpu"]) == needsCPUs)
        #expect(refusal(["mode=balance-xor", "backend=afpacket", "workers=2", "workers_steer=cpu", "engine_cpus=1"]) == needsCPUs)
        #expect(
            refusal(["mode=balance-xor", "backend=afpacket", "workers_steer=cpu", "engine_cpus=0-1"]) == "workers_steer=cpu: needs workers above 1")
        #expect(refusal(["mode=balance-xor", "workers_steer=queue"]) == "workers_steer: invalid value 'queue' (flow|cpu)")
        let steered = try BondOptions.parse(["mode=balance-xor", "backend=afpacket", "workers=2", "workers_steer=cpu", "engine_cpus=0-1"]).0
        #expect(steered.workersSteer == .cpu && steered.kernelValues["workers_steer"] == "cpu")
        var elsewhere = steered
        elsewhere.engineCPUs = CPUList([0, 2])
        #expect(
            throws: OptionError(
                "engine_cpus: with workers_steer=cpu each thread keeps its CPU while bond0 runs; change it in the configuration file and run bondctl reload, which rebuilds the bond"
            )
        ) {
            try steered.checkRuntimeChange(to: elsewhere, bond: "bond0", deviceUp: false)
        }
        var byFlow = steered
        byFlow.workersSteer = .flow
        #expect(
            throws: OptionError(
                "workers_steer: cannot change while bond0 runs; change it in the configuration file and run bondctl reload, which rebuilds the bond")
        ) {
            try steered.checkRuntimeChange(to: byFlow, bond: "bond0", deviceUp: false)
        }
        let (o, warnings) = try BondOptions.parse(["mode=balance-slb"])
        #expect(o.miimon == 100 && warnings.contains("miimon must be set in mode balance-slb: using 100 ms"))
    }
}
