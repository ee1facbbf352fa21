import BondCore
import BondMetrics
import Testing

@Suite struct MetricsExporterTests {
    private func status(members: [String], rx: Int) -> BondStatus {
        let ms = members.map {
            MemberStatus(
                name: $0, link: "up", linkState: "up", state: "active", linkFailures: 0, permanentMAC: "", speed: 0,
                lastChangeMillisecondsAgo: 0, txPackets: 1, txBytes: 60, txDrops: 0, rxPackets: rx, rxBytes: rx * 60, rxDrops: 0)
        }
        return BondStatus(
            name: "bond0", mode: .balanceRR, modeDescription: "", activeMember: members.first, carrier: "up",
            mac: "", mtu: 1500, miimon: 100, updelay: 0, downdelay: 0, peerNotifDelay: 0, numGratARP: 1,
            primary: nil, primaryReselect: .always, packetsPerSlave: 1, xmitHashPolicy: .layer2, allSlavesActive: false,
            lastFailoverReason: nil, failovers: 0, members: ms, counters: BondCounters())
    }

    @Test func countersFollowTheEngineAndGoneMembersDisappear() {
        let e = MetricsExporter()
        e.update([status(members: ["eth0", "eth1"], rx: 5)])
        e.update([status(members: ["eth0", "eth1"], rx: 7)])
        var text = String(decoding: e.render(), as: UTF8.self)
        #expect(text.contains("bondd_member_rx_packets_total{bond=\"bond0\",member=\"eth0\"} 7\n"))
        #expect(text.contains("member=\"eth1\""))
        e.update([status(members: ["eth0"], rx: 9)])
        text = String(decoding: e.render(), as: UTF8.self)
        #expect(text.contains("bondd_member_rx_packets_total{bond=\"bond0\",member=\"eth0\"} 9\n"))
        #expect(!text.contains("member=\"eth1\""))
        e.update([])
        #expect(!String(decoding: e.render(), as: UTF8.self).contains("bond0"))
    }

    @Test func vlanDevicesHaveTheirCountersAndGoWithTheirVLAN() {
        let e = MetricsExporter()
        var s = status(members: ["eth0"], rx: 1)
        s.vlans = [
            VLANStatus(
                name: "vlan2", vid: 2, state: "up", carrier: "up", path: "xdp", rxPackets: 4, rxBytes: 240, rxDrops: 0, txPackets: 3, txBytes: 180)
        ]
        e.update([s])
        var text = String(decoding: e.render(), as: UTF8.self)
        #expect(text.contains("bondd_vlan_rx_packets_total{bond=\"bond0\",device=\"vlan2\",vlan=\"2\"} 4\n"), "\(text)")
        #expect(text.contains("bondd_vlan_carrier{bond=\"bond0\",device=\"vlan2\",vlan=\"2\"} 1"), "\(text)")
        s.vlans = []
        e.update([s])
        text = String(decoding: e.render(), as: UTF8.self)
        #expect(!text.contains("vlan2"))
    }

    @Test func buildAndBondInfo() {
        let e = MetricsExporter()
        var s = status(members: ["eth0"], rx: 1)
        s.backend = "afxdp"
        e.update([s])
        let text = String(decoding: e.render(), as: UTF8.self)
        #expect(text.contains("bondd_build_info{version=\"\(BondVersion.string)\"} 1"))
        #expect(text.contains("bondd_bond_info{bond=\"bond0\",mode=\"balance-rr\",backend=\"afxdp\"} 1"), "\(text)")
        // A change of mode is a new series; the old one goes.
        s.mode = .activeBackup
        e.update([s])
        let after = String(decoding: e.render(), as: UTF8.self)
        #expect(after.contains("mode=\"active-backup\"") && !after.contains("mode=\"balance-rr\""))
    }
}
