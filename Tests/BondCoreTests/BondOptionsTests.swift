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

    @Test func optionsAsAdminsWriteThem() throws {
        let (o, _) = try BondOptions.parse(["mode=active-backup", "miimon=100", "primary=eth0", "primary_reselect=better", "updelay=200", "num_grat_arp=3"])
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
        (["arp_interval=100"], "option 'arp_interval' is not supported yet"),
        (["mode=802.3ad"], "mode 802.3ad is not supported yet"),
    ])
    func refusedWithOneLine(words: [String], message: String) {
        do {
            _ = try BondOptions.parse(words)
            Issue.record("accepted \(words)")
        } catch {
            #expect(error.message.hasPrefix(message), "got: \(error.message)")
            #expect(!error.message.contains("\n"))
        }
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
