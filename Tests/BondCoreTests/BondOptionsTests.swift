import BondCore
import Testing

@Suite struct BondOptionsTests {
    @Test func kernelDefaults() throws {
        let (o, warnings) = try BondOptions.parse([])
        #expect(o.mode == .balanceRR)
        #expect(o.miimon == 0)
        #expect(o.packetsPerSlave == 1)
        #expect(o.numPeerNotif == 1)
        #expect(o.primaryReselect == .always)
        #expect(warnings.contains { $0.contains("miimon is 0") })
    }

    @Test func engineCPUsTakesCPUListsAsTasksetDoes() throws {
        #expect(try BondOptions.parse([]).0.engineCPUs == nil)
        #expect(try BondOptions.parse([]).0.kernelValues["engine_cpus"] == .some("all"))
        let o = try BondOptions.parse(["engine_cpus=6,0-3,2"]).0
        #expect(o.engineCPUs?.cpus == [0, 1, 2, 3, 6])
        #expect(o.kernelValues["engine_cpus"] == .some("0-3,6"))
        #expect(try BondOptions.parse(["engine_cpus=1", "engine_cpus=all"]).0.engineCPUs == nil)
        #expect(try BondOptions.parse(["engine_cpus=0, 2,\t3"]).0.engineCPUs?.cpus == [0, 2, 3], "as a configuration file may space it")
        #expect(throws: OptionError("engine_cpus: invalid value '99999999999999999999' (CPUs 0-4095; e.g. 0-3,6)")) {
            try BondOptions.parse(["engine_cpus=99999999999999999999"])
        }
        #expect(try BondOptions.parse(["engine_cpus=0-6:2,9"]).0.engineCPUs?.cpus == [0, 2, 4, 6, 9], "taskset's strides")
        #expect(throws: OptionError("engine_cpus: invalid value '5000-1' (CPUs 0-4095; e.g. 0-3,6)")) {
            try BondOptions.parse(["engine_cpus=5000-1"])
        }
        for bad in ["", "a", "-1", "+1", "1-", "3-1", "1,,2", "0-5000", "1-2-3", "1:2", "0-4:0", "0-4:x", "all,1"] {
            #expect(throws: OptionError.self, "\(bad)") { try BondOptions.parse(["engine_cpus=\(bad)"]) }
        }
        #expect(throws: OptionError("engine_cpus: invalid value '3-1' (a range must go upwards; e.g. 0-3,6)")) {
            try BondOptions.parse(["engine_cpus=3-1"])
        }
    }

    @Test func coalesceIsAdaptiveUnlessTurnedOff() throws {
        #expect(try BondOptions.parse([]).0.coalesce == .adaptive)
        let off = try BondOptions.parse(["coalesce=off"]).0
        #expect(off.coalesce == .off)
        #expect(off.kernelValues["coalesce"] == .some("off"))
        #expect(throws: OptionError("coalesce: invalid value 'sometimes' (adaptive|off)")) { try BondOptions.parse(["coalesce=sometimes"]) }
        // A matter of the engine's loop: it changes while the bond runs and is up.
        #expect(throws: Never.self) { try BondOptions().checkRuntimeChange(to: off, bond: "bond0", deviceUp: true) }
        #expect(BondOptions().changedOptions(to: off) == ["coalesce"])
    }

    @Test func busyPollIsOffUnlessGivenMicroseconds() throws {
        #expect(try BondOptions.parse([]).0.busyPoll == 0)
        let on = try BondOptions.parse(["busy_poll=50"]).0
        #expect(on.busyPoll == 50)
        #expect(on.kernelValues["busy_poll"] == .some("50"))
        #expect(throws: OptionError.self) { try BondOptions.parse(["busy_poll=-1"]) }
        #expect(throws: OptionError.self) { try BondOptions.parse(["busy_poll=1000001"]) }
        #expect(throws: Never.self) { try BondOptions().checkRuntimeChange(to: on, bond: "bond0", deviceUp: true) }
        #expect(BondOptions().changedOptions(to: on) == ["busy_poll"])
    }

    @Test func xdpModeIsAutoUnlessChosenAndFixedWhileTheBondRuns() throws {
        #expect(try BondOptions.parse([]).0.xdpMode == .auto)
        let native = try BondOptions.parse(["xdp_mode=native"]).0
        #expect(native.xdpMode == .native)
        #expect(native.kernelValues["xdp_mode"] == .some("native"))
        #expect(try BondOptions.parse(["xdp_mode=generic"]).0.xdpMode == .generic)
        #expect(throws: OptionError("xdp_mode: invalid value 'fast' (auto|native|generic)")) { try BondOptions.parse(["xdp_mode=fast"]) }
        // The programs are attached once, as the sockets are made: a reload rebuilds them.
        #expect(BondOptions().changedOptions(to: native) == ["xdp_mode"])
        #expect(
            throws: OptionError(
                "xdp_mode: cannot change while bond0 runs; change it in the configuration file and run bondctl reload, which rebuilds the bond")
        ) { try BondOptions().checkRuntimeChange(to: native, bond: "bond0", deviceUp: false) }
    }

    @Test func optionsAsAdminsWriteThem() throws {
        let (o, _) = try BondOptions.parse([
            "mode=active-backup", "miimon=100", "primary=eth0", "primary_reselect=better", "updelay=200", "num_grat_arp=3",
        ])
        #expect(o.mode == .activeBackup)
        #expect(o.miimon == 100)
        #expect(o.primary == "eth0")
        #expect(o.primaryReselect == .better)
        #expect(o.updelay == 200)
        #expect(o.numPeerNotif == 3)
    }

    @Test(arguments: [("0", BondMode.balanceRR), ("1", .activeBackup), ("balance-rr", .balanceRR), ("active-backup", .activeBackup)])
    func numericAndNamedModes(value: String, mode: BondMode) throws {
        #expect(try BondOptions.parse(["mode=\(value)"]).0.mode == mode)
    }

    @Test func primaryReselectByNumber() throws {
        #expect(try BondOptions.parse(["mode=1", "primary_reselect=2"]).0.primaryReselect == .failure)
    }

    /// The kernel has no mode dependency for primary_reselect and ad_select (bond_opts:
    /// no unsuppmodes): a configuration written for it with them in another mode starts,
    /// with a warning that they do nothing there. Their values are still checked.
    @Test func primaryReselectAndADSelectAreTakenInEveryModeWithAWarning() throws {
        let (rr, rrWarnings) = try BondOptions.parse(["mode=balance-rr", "miimon=100", "primary_reselect=better"])
        #expect(rr.primaryReselect == .better)
        #expect(rrWarnings == ["primary_reselect acts in modes active-backup, balance-tlb, balance-alb, balance-slb only"])
        let (ab, abWarnings) = try BondOptions.parse(["mode=active-backup", "miimon=100", "ad_select=count"])
        #expect(ab.modeSettings["ad_select"] == "count")
        #expect(abWarnings == ["ad_select acts in mode 802.3ad only"])
        #expect(throws: OptionError("ad_select: invalid value 'newest' (stable|bandwidth|count|actor_port_prio or 0-3)")) {
            try BondOptions.parse(["mode=active-backup", "ad_select=newest"])
        }
        #expect(throws: OptionError("primary_reselect: invalid value 'often' (always|better|failure or 0-2)")) {
            try BondOptions.parse(["mode=balance-xor", "primary_reselect=often"])
        }
        #expect(try BondOptions.parse(["mode=active-backup", "miimon=100", "primary_reselect=failure"]).1.isEmpty)
    }

    @Test(arguments: [
        (["bogus=1"], "unknown option 'bogus'"),
        (["miimon=-1"], "miimon: invalid value '-1' (allowed range 0-2147483647)"),
        (["miimon=fast"], "miimon: invalid value 'fast' (allowed range 0-2147483647)"),
        (["mode=7"], "mode: invalid value '7'"),
        (["num_grat_arp=256"], "num_grat_arp: invalid value '256' (allowed range 0-255)"),
        (["mode=1", "primary_reselect=sometimes"], "primary_reselect: invalid value 'sometimes' (always|better|failure or 0-2)"),
        (["all_slaves_active=2"], "all_slaves_active: invalid value '2' (allowed range 0-1)"),
        (["miimon"], "option 'miimon' is not of the form name=value"),
        (["mode=1", "packets_per_slave=2"], "option packets_per_slave: mode dependency failed, not supported in mode active-backup(1)"),
        (["primary=eth0"], "option primary: mode dependency failed, not supported in mode balance-rr(0)"),
        (["updelay=100"], "updelay: requires miimon > 0"),
        (["miimon=0", "updelay=100"], "updelay: requires miimon > 0"),
        (["arp_interval=100"], "arp_interval: needs at least one arp_ip_target or ns_ip6_target"),
        (["arp_ip_target=192.0.2.300"], "arp_ip_target: invalid ARP target '192.0.2.300'"),
        (["arp_ip_target=255.255.255.255"], "arp_ip_target: invalid ARP target '255.255.255.255'"),
        (["arp_ip_target=" + (1...17).map { "192.0.2.\($0)" }.joined(separator: ",")], "arp_ip_target: too many targets (at most 16)"),
        (["ns_ip6_target=::1"], "ns_ip6_target: invalid NS target '::1' (a unicast IPv6 address)"),
        (["ns_ip6_target=ff02::1"], "ns_ip6_target: invalid NS target 'ff02::1'"),
        (["arp_missed_max=0"], "arp_missed_max: invalid value '0' (allowed range 1-255)"),
        (["arp_validate=sometimes"], "arp_validate: invalid value 'sometimes' (none|active|backup|all|filter|filter_active|filter_backup or 0-6)"),
        (["arp_all_targets=2"], "arp_all_targets: invalid value '2' (any|all or 0-1)"),
        (["resend_igmp=256"], "resend_igmp: invalid value '256' (allowed range 0-255)"),
        (["mode=1", "prio=m0"], "prio: invalid value 'm0'"),
        (["mode=1", "prio=m0:x"], "prio: invalid value 'm0:x'"),
        (["lacp_rate=fast"], "option lacp_rate: mode dependency failed, not supported in mode balance-rr(0)"),
        (["mode=802.3ad", "lacp_rate=often"], "lacp_rate: invalid value 'often' (slow|fast or 0-1)"),
        (["mode=802.3ad", "ad_select=newest"], "ad_select: invalid value 'newest' (stable|bandwidth|count|actor_port_prio or 0-3)"),
        (["mode=802.3ad", "ad_actor_sys_prio=0"], "ad_actor_sys_prio: invalid value '0' (allowed range 1-65535)"),
        (["mode=802.3ad", "ad_user_port_key=1024"], "ad_user_port_key: invalid value '1024' (allowed range 0-1023)"),
        (["mode=802.3ad", "ad_actor_system=01:00:5e:00:00:01"], "ad_actor_system: invalid value '01:00:5e:00:00:01' (a unicast MAC address)"),
        (["mode=802.3ad", "actor_port_prio=m0:0"], "actor_port_prio: invalid value 'm0:0' (MEMBER:PRIO with PRIO 1-65535"),
        (
            ["mode=802.3ad", "arp_interval=100", "arp_ip_target=192.0.2.1"],
            "option arp_interval: mode dependency failed, not supported in mode 802.3ad(4)"
        ),
        (["mode=802.3ad", "use_carrier=2"], "use_carrier: invalid value '2' (allowed range 0-1)"),
    ])
    func refusedWithOneLine(words: [String], message: String) {
        // (802.3ad's are here too: its options are the mode's own, in its folder.)
        do {
            _ = try BondOptions.parse(words)
            Issue.record("accepted \(words)")
        } catch {
            #expect(error.message.hasPrefix(message), "got: \(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }

    @Test func arpMonitorOptionsAsAdminsWriteThem() throws {
        let (o, _) = try BondOptions.parse([
            "mode=active-backup", "arp_interval=100", "arp_ip_target=192.0.2.2,192.0.2.3",
            "ns_ip6_target=2001:db8::2", "arp_validate=filter_backup", "arp_all_targets=all",
            "arp_missed_max=3", "prio=m0:10,m1:-5", "fail_over_mac=follow", "resend_igmp=3",
        ])
        #expect(o.arpInterval == 100 && o.miimon == 0)
        #expect(o.arpTargets == [IPv4Address("192.0.2.2")!, IPv4Address("192.0.2.3")!])
        #expect(o.nsTargets == [IPv6Address("2001:db8::2")!])
        #expect(o.arpValidate == .filterBackup && o.arpAllTargets == .all && o.arpMissedMax == 3)
        #expect(o.prio == ["m0": 10, "m1": -5])
        #expect(o.failOverMAC == .follow && o.resendIGMP == 3)
        #expect(try BondOptions.parse(["arp_validate=6", "arp_ip_target=192.0.2.2"]).0.arpValidate == .filterBackup)
    }

    @Test func miimonAndARPMonitorExcludeEachOtherTheLaterWins() throws {
        let (a, wa) = try BondOptions.parse(["mode=1", "miimon=100", "arp_interval=200", "arp_ip_target=192.0.2.2"])
        #expect(a.miimon == 0 && a.arpInterval == 200)
        #expect(wa.contains { $0.contains("disabling MII monitoring") })
        let (b, wb) = try BondOptions.parse(["mode=1", "arp_interval=200", "arp_ip_target=192.0.2.2", "miimon=100"])
        #expect(b.miimon == 100 && b.arpInterval == 0)
        #expect(wb.contains { $0.contains("disabling ARP monitoring") })
    }

    @Test func arpMonitorIsLinkMonitoringForTLBAndALB() throws {
        let (o, w) = try BondOptions.parse(["mode=balance-alb", "arp_interval=100", "arp_ip_target=192.0.2.2"])
        #expect(o.miimon == 0 && o.arpInterval == 100)
        #expect(!w.contains { $0.contains("miimon") })
    }

    @Test func delaysRoundDownToMiimonAsTheKernelDoes() throws {
        let (o, warnings) = try BondOptions.parse(["mode=1", "miimon=100", "updelay=250", "downdelay=99"])
        #expect(o.updelay == 200)
        #expect(o.downdelay == 0)
        #expect(warnings.count == 2)
    }

    @Test func peerNotificationIntervalFollowsMiimonWhenUnset() throws {
        #expect(try BondOptions.parse(["miimon=50"]).0.peerNotifInterval == 50)
        #expect(try BondOptions.parse(["miimon=50", "peer_notif_delay=200"]).0.peerNotifInterval == 200)
    }
}
