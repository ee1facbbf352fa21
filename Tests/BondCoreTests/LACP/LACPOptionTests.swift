import BondCore
import Testing

/// 802.3ad's options: the seeds' lines as typed, the kernel's defaults, and what may
/// change while the bond is up.
@Suite struct LACPOptionTests {
    @Test func theDebianSeedLineWorksAsTyped() throws {
        let (o, warnings) = try BondOptions.parse("mode=802.3ad miimon=100 use_carrier=0 lacp_rate=fast".split(separator: " ").map(String.init))
        #expect(o.mode == .ieee8023ad && o.miimon == 100)
        #expect(o.modeSettings["lacp_rate"] == "fast")
        #expect(warnings == ["use_carrier is ignored: bondd takes carrier from netlink link events"])
        #expect(LACPSettings(o).rate == .fast)
    }

    @Test func maxBondsIsAnsweredInOneLine() throws {
        let (_, warnings) = try BondOptions.parse(["max_bonds=2", "mode=802.3ad", "miimon=100"])
        #expect(warnings == ["max_bonds is ignored: it is a module parameter, and bondd runs one bond per configuration section"])
    }

    @Test func miimonDefaultsTo100AsTheKernelForcesIt() throws {
        let (o, warnings) = try BondOptions.parse(["mode=4"])
        #expect(o.miimon == 100 && warnings == ["miimon must be set in mode 802.3ad: using 100 ms"])
        let s = LACPSettings(o)
        #expect(s.rate == .slow && s.active && s.selection == .stable && s.systemPriority == 65535)
        #expect(s.userPortKey == 0 && s.system == nil && s.minLinks == 0 && !s.fallbackActiveBackup)
        #expect(s.portPriority(of: "eth0") == 255)
    }

    @Test func valuesByNumberAndTheNewerPolicyName() throws {
        let o = try BondOptions.parse(["mode=802.3ad", "lacp_rate=1", "lacp_active=0", "ad_select=2", "ad_actor_system=02:00:00:00:00:aa"]).0
        let s = LACPSettings(o)
        #expect(s.rate == .fast && !s.active && s.selection == .count && s.system == MACAddress("02:00:00:00:00:aa"))
        #expect(LACPSettings(try BondOptions.parse(["mode=802.3ad", "ad_select=prio"]).0).selection == .actorPortPrio)
    }

    @Test func perMemberPortPrioritiesAccumulate() throws {
        let o = try BondOptions.parse(["mode=802.3ad", "actor_port_prio=m0:10", "actor_port_prio=m1:20,m0:30"]).0
        #expect(LACPSettings(o).portPriority == ["m0": 30, "m1": 20])
        let history = BondOptions.compact(["mode=802.3ad", "actor_port_prio=m0:10,m1:5", "actor_port_prio=m1:20"])
        #expect(history.last == "actor_port_prio=m0:10,m1:20")
    }

    @Test func onlyLACPRateAndFriendsChangeWhileUp() throws {
        #expect(!BondOptions.isFixedWhileUp("lacp_rate"))
        #expect(!BondOptions.isFixedWhileUp("min_links"))
        #expect(!BondOptions.isFixedWhileUp("ad_actor_sys_prio"))
        #expect(!BondOptions.isFixedWhileUp("actor_port_prio"))
        #expect(BondOptions.isFixedWhileUp("ad_select"))
        #expect(BondOptions.isFixedWhileUp("lacp_active"))
        #expect(BondOptions.isFixedWhileUp("ad_user_port_key"))
    }
}
