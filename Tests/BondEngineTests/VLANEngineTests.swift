import BondCore
@testable import BondEngine
import PacketIO
import Testing

/// The bond's VLAN devices on the embedded kernel: tags pushed on what the host sends
/// on them, taken off what arrives for them, the rest left to the bond device.
@Suite struct VLANEngineTests {
    static let peer = MACAddress("52:54:00:99:00:01")!
    static let bond = MACAddress(EmbeddedBond.bondMAC)!

    func frame(from source: MACAddress, to destination: MACAddress, vlan: UInt16?, _ n: UInt8 = 0) -> [UInt8] {
        FrameBuilder.ethernetHeader(destination: destination, source: source, vlan: vlan, etherType: 0x88B5)
            + [UInt8](repeating: n, count: 46)
    }

    func delivered(_ b: EmbeddedBond, to device: String) -> [[UInt8]] {
        b.kernel.wire(BondDevice.engineEndName(for: device)).takeSent()
    }

    @Test func whatTheHostSendsOnAVLANDeviceLeavesTaggedWithItsVID() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "vlans=2,3:lan"])
        #expect(b.kernel.info("bond0.2").kind == "veth" && b.kernel.info("lan").kind == "veth")
        _ = b.sent(on: "eth0")
        b.kernel.wire(BondDevice.engineEndName(for: "lan")).inject([frame(from: Self.bond, to: Self.peer, vlan: nil, 9)])
        try b.turn()
        let out = b.sent(on: "eth0")
        #expect(out.count == 1)
        #expect(out.first?.vlanID == 3 && out.first?.vlanTPID == EtherType.vlan && out.first?.etherType == 0x88B5)
        #expect(b.sent(on: "eth1").isEmpty)
    }

    @Test func taggedFramesReachTheirVLANDeviceUntaggedAndOtherTagsStayOnForTheBond() throws {
        let b = try EmbeddedBond(["mode=balance-xor", "miimon=100", "vlans=2"])
        try b.receive(frame(from: Self.peer, to: Self.bond, vlan: 2, 1), on: "eth0")
        try b.receive(frame(from: Self.peer, to: Self.bond, vlan: 5, 2), on: "eth1")
        try b.receive(frame(from: Self.peer, to: Self.bond, vlan: nil, 3), on: "eth0")
        #expect(delivered(b, to: "bond0.2") == [frame(from: Self.peer, to: Self.bond, vlan: nil, 1)])
        #expect(
            delivered(b, to: "bond0") == [frame(from: Self.peer, to: Self.bond, vlan: 5, 2), frame(from: Self.peer, to: Self.bond, vlan: nil, 3)])
    }

    @Test func aVLANDevicesCarrierFollowsTheBonds() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "vlans=2"])
        let end = BondDevice.engineEndName(for: "bond0.2")
        #expect(b.kernel.info(end).isAdminUp)
        b.kernel.setCarrier("eth0", false)
        b.kernel.setCarrier("eth1", false)
        try b.turn()
        #expect(!b.kernel.info(end).isAdminUp, "no member up: no carrier on the VLAN device either")
        b.kernel.setCarrier("eth1", true)
        try b.turn()
        #expect(b.kernel.info(end).isAdminUp)
        b.kernel.setAdmin("bond0", up: false)
        try b.turn()
        #expect(!b.kernel.info(end).isAdminUp, "the bond device set down takes its VLANs down")
    }

    @Test func vlansAreAddedAndRemovedWhileTheBondRuns() throws {
        let b = try EmbeddedBond(["mode=balance-rr", "miimon=100", "vlans=2"])
        _ = try b.engine.setOptions(["vlans=2,3"])
        #expect(b.kernel.interfaces.values.contains { $0.name == "bond0.3" })
        #expect(b.status.options["vlans"] == .some("2,3"))
        _ = try b.engine.setOptions(["vlans=3"])
        #expect(!b.kernel.interfaces.values.contains { $0.name == "bond0.2" }, "removed with both ends")
        #expect(!b.kernel.interfaces.values.contains { $0.name == BondDevice.engineEndName(for: "bond0.2") })
        try b.receive(frame(from: Self.peer, to: Self.bond, vlan: 2, 1), on: "eth0")
        #expect(delivered(b, to: "bond0").count == 1, "VLAN 2 has no device any more: the bond device gets it tagged")
    }

    @Test func aNameTakenIsRefusedAndNothingIsMade() throws {
        let b = try EmbeddedBond(["mode=balance-rr", "miimon=100", "vlans=2"])
        b.kernel.addInterface("taken", mac: "52:54:00:00:00:77")
        #expect(throws: OptionError("vlans: taken already exists; remove it or name the VLAN device: vlans=4:NAME")) {
            try b.engine.setOptions(["vlans=2,3,4:taken"])
        }
        #expect(!b.kernel.interfaces.values.contains { $0.name == "bond0.3" }, "bond0.3, made first, is undone")
        #expect(b.status.options["vlans"] == .some("2"))
        #expect(b.kernel.interfaces.values.contains { $0.name == "bond0.2" })
    }

    @Test func afterAFailoverEveryAddressAboveTheBondIsAnnouncedFromItsDeviceWithItsTag() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "vlans=2"])
        // The Debian seed: VLAN 2's device in a bridge that holds the host's address there.
        let bridge = b.kernel.addInterface("xenbrdmz", mac: "02:00:00:00:00:d2", kind: "bridge")
        try b.kernel.change(index: b.kernel.index(of: "bond0.2"), LinkChange(master: bridge))
        try b.kernel.addAddress(index: bridge, [198, 51, 100, 1], prefixLength: 24, noDAD: true)
        try b.turn()
        _ = b.sent(on: "eth1")
        b.kernel.setCarrier("eth0", false)
        try b.turn()
        let garps = b.sent(on: "eth1").compactMap { f -> (String, UInt16?, MACAddress)? in
            guard case .arp(let a) = f.network, a.senderIP == a.targetIP else { return nil }
            return (a.senderIP.description, f.vlanID, f.source)
        }
        #expect(garps.contains { $0 == ("192.0.2.1", nil, MACAddress(b.status.mac)!) }, "\(garps)")
        #expect(garps.contains { $0 == ("198.51.100.1", 2, MACAddress("02:00:00:00:00:d2")!) }, "\(garps)")
        #expect(garps.count == 2)
    }

    @Test func upperStackFollowsMastersAndKeepsEachDevicesTag() {
        func link(_ index: Int32, _ name: String, mac: UInt8, master: Int32? = nil) -> LinkInfo {
            var l = LinkInfo(index: index, name: name, flags: InterfaceFlags.up, mac: [2, 0, 0, 0, 0, mac], mtu: 1500, kind: nil)
            l.master = master
            return l
        }
        let links: [LinkInfo] = [
            link(1, "bond0", mac: 1, master: 10), link(2, "bond0.2", mac: 1, master: 11), link(3, "bond0.3", mac: 1),
            link(10, "xenbr0", mac: 10), link(11, "xenbrdmz", mac: 11), link(12, "vif1", mac: 12, master: 10),
        ]
        var addresses: [Int32: (ipv4: [UInt32], ipv6: [(UInt64, UInt64)])] = [:]
        addresses[10] = ([0xC000_0201], [])
        addresses[11] = ([0xC633_6401], [])
        let stack = UpperStack(bond: 1, vlans: [(2, 2), (3, 3)], links: links, addresses: addresses)
        #expect(stack.devices.map { $0.name } == ["bond0", "bond0.2", "bond0.3", "xenbr0", "xenbrdmz"], "a guest's VIF is no upper")
        #expect(stack.devices.map { $0.vlan } == [nil, 2, 3, nil, 2])
        #expect(stack.hostMACs.count == 3)
        #expect(stack.nearest(to: IPv4Address("198.51.100.77")!)?.0.name == "xenbrdmz")
    }

    @Test func learningPacketsGoOnceUntaggedAndOncePerVLAN() throws {
        let b = try EmbeddedBond(["mode=balance-tlb", "miimon=100", "vlans=2,3"])
        _ = b.sent(on: "eth1")
        try b.advance(milliseconds: 1100, step: 50)
        let learning = b.sent(on: "eth1").filter { $0.etherType == EtherType.loopback }
        #expect(learning.map(\.vlanID).sorted { ($0 ?? 0) < ($1 ?? 0) } == [nil, 2, 3], "\(learning.map(\.vlanID))")
    }

    @Test func aVLANDeviceDeletedByHandIsAVLANRemoved() throws {
        let b = try EmbeddedBond(["mode=balance-rr", "miimon=100", "vlans=2,3"])
        try b.kernel.deleteLink(index: b.kernel.index(of: "bond0.2"))
        try b.turn()
        #expect(b.status.vlans?.map(\.vid) == [3])
        #expect(b.status.options["vlans"] == .some("3"))
        #expect(b.logs.lines.contains { $0.contains("bond0.2 was deleted by hand; VLAN 2 removed") })
        try b.receive(frame(from: Self.peer, to: Self.bond, vlan: 2, 1), on: "eth0")
        #expect(delivered(b, to: "bond0").count == 1, "VLAN 2's frames reach the bond device, tagged")
    }

    @Test func aVLANDevicesMTUStaysAtMostTheBondsAndFollowsItDown() throws {
        let b = try EmbeddedBond(["mode=balance-rr", "miimon=100", "vlans=2"])
        try b.kernel.change(index: b.kernel.index(of: "bond0.2"), LinkChange(mtu: 9000))
        try b.turn()
        #expect(b.kernel.info("bond0.2").mtu == 1500, "set back: above the bond's")
        try b.kernel.change(index: b.kernel.index(of: "bond0"), LinkChange(mtu: 1400))
        try b.turn()
        #expect(b.kernel.info("bond0.2").mtu == 1400, "a lower bond MTU lowers it")
    }

    @Test func withFailOverMACActiveTheVLANDevicesFollowTheBondsMAC() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100", "fail_over_mac=active", "vlans=2"])
        b.kernel.setCarrier("eth0", false)
        try b.turn()
        #expect(b.status.activeMember == "eth1")
        #expect(b.kernel.info("bond0").mac == MACAddress("52:54:00:00:00:02")!.bytes)
        #expect(b.kernel.info("bond0.2").mac == MACAddress("52:54:00:00:00:02")!.bytes, "it had the bond's MAC: it follows")
    }

    @Test func aRebuildOverTheSameDevicesTakesAwayWhatOnlyTheOldPlanDeclared() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        let old = BondConfiguration(name: "bond0", members: ["eth0", "eth1"], addresses: [InterfaceAddress("192.0.2.1/24")!])
        let new = BondConfiguration(name: "bond0", members: ["eth0", "eth1"], addresses: [InterfaceAddress("192.0.2.7/24")!])
        #expect(try b.engine.applyAttachments(new, replacing: old) == ["192.0.2.1/24 removed", "192.0.2.7/24 added"])
        #expect(b.kernel.ipv4[b.kernel.index(of: "bond0")] == [0xC000_0207])
    }

    @Test func theBondsStopRemovesItsVLANDevices() throws {
        let kernel: EmbeddedKernel
        do {
            let b = try EmbeddedBond(["mode=balance-rr", "miimon=100", "vlans=2,3"])
            kernel = b.kernel
        }
        #expect(!kernel.interfaces.values.contains { $0.kind == "veth" }, "bond device and VLAN devices are gone")
        #expect(kernel.interfaces.values.allSatisfy { $0.alias == nil })
    }
}
