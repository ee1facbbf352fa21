import BondCore
import Testing

@Suite struct VLANOptionTests {
    @Test func vlansAsTheSeedsNameThem() throws {
        let o = try BondOptions.parse(["mode=active-backup", "miimon=100", "vlans=2:vlan2,3:vlan3"]).0
        #expect(o.vlans == [VLANSpec(vid: 2, name: "vlan2"), VLANSpec(vid: 3, name: "vlan3")])
        #expect(o.vlans.map { $0.deviceName(bond: "bond1") } == ["vlan2", "vlan3"])
        #expect(o.kernelValues["vlans"] == .some("2:vlan2,3:vlan3"))
    }

    @Test func namesDefaultToBondDotVID() throws {
        let o = try BondOptions.parse(["vlans=2, 3"]).0
        #expect(o.vlans.map { $0.deviceName(bond: "bond1") } == ["bond1.2", "bond1.3"])
        #expect(o.kernelValues["vlans"] == .some("2,3"))
    }

    @Test func anEmptyListRemovesEveryVLANAndALaterWordReplacesTheList() throws {
        #expect(try BondOptions.parse(["vlans=2,3", "vlans="]).0.vlans.isEmpty)
        #expect(try BondOptions.parse(["vlans=2,3", "vlans=4"]).0.vlans == [VLANSpec(vid: 4)])
        #expect(BondOptions.compact(["vlans=2,3", "miimon=100", "vlans=4"]) == ["miimon=100", "vlans=4"])
    }

    @Test(arguments: [
        ("vlans=0", "invalid VLAN id in '0'"),
        ("vlans=4095", "invalid VLAN id in '4095'"),
        ("vlans=x", "invalid VLAN id in 'x'"),
        ("vlans=2,", "invalid VLAN id in ''"),
        ("vlans=2,2:other", "VLAN 2 is given twice"),
        ("vlans=2:a,3:a", "device name 'a' is given twice"),
        ("vlans=2:this-is-too-long0", "invalid device name 'this-is-too-long0'"),
        ("vlans=2:a/b", "invalid device name 'a/b'"),
    ])
    func badListsAreRefusedWithOneLine(word: String, message: String) {
        #expect(throws: OptionError.self) { try BondOptions.parse([word]) }
        do {
            _ = try BondOptions.parse([word])
        } catch {
            #expect(error.message.hasPrefix("vlans: "))
            #expect(error.message.contains(message))
            #expect(!error.message.contains("\n"))
        }
    }

    @Test func theSeedsVLANsInAConfigurationFile() throws {
        let text = """
            [bond1]
            members = eth0 eth1
            mode = active-backup
            vlans = 2:vlan2, 3:vlan3   # the Debian seed's DMZ and LAN
            """
        let bond = try #require(try ConfigurationFile.parse(text, file: "seed.conf").first)
        #expect(bond.options.vlans.map { $0.deviceName(bond: "bond1") } == ["vlan2", "vlan3"])
    }

    @Test func theCountIsBounded() {
        let many = (1...(VLANSpec.maxCount + 1)).map(String.init).joined(separator: ",")
        #expect(throws: OptionError("vlans: too many VLANs (at most \(VLANSpec.maxCount) per bond)")) {
            try BondOptions.parse(["vlans=\(many)"])
        }
    }

    @Test func vlansChangeWhileTheBondRuns() throws {
        let old = try BondOptions.parse(["mode=balance-xor", "vlans=2"]).0
        let new = try BondOptions.parse(["mode=balance-xor", "vlans=2,3"]).0
        #expect(old.changedOptions(to: new) == ["vlans"])
        try old.checkRuntimeChange(to: new, bond: "bond0", deviceUp: true)
    }

    @Test func theParserTellsACustomerTagFromAServiceTag() {
        let tagged = Fixtures.parsed(Fixtures.udpFrame(vlan: 3))
        #expect(tagged.vlanID == 3 && tagged.vlanTPID == EtherType.vlan && tagged.customerVLAN == 3)
        var outer = Fixtures.udpFrame(vlan: 3)
        outer[12] = 0x88
        outer[13] = 0xA8
        let service = Fixtures.parsed(outer)
        #expect(service.vlanID == 3 && service.customerVLAN == nil)
        let untagged = Fixtures.parsed(Fixtures.udpFrame())
        #expect(untagged.vlanTPID == 0 && untagged.customerVLAN == nil)
    }
}
