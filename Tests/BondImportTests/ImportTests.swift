import BondCore
import Testing

@testable import BondImport

/// Each kind of input read into bondd's configuration: what is written, what is said
/// as not carried over, and that the file written is one bondd reads.
struct ImportTests {
    func imported(_ inputs: [(String, String)], format: ImportFormat? = nil) throws -> (text: String, bonds: [ImportedBond]) {
        let bonds = try BondImporter.bonds(from: inputs.map { .init(path: $0.0, text: $0.1) }, format: format)
        let out = try ImportWriter.render(bonds, sources: inputs.map(\.0))
        return (out.text, bonds)
    }

    /// The section's key lines, comments left out.
    func section(_ text: String, _ bond: String) -> [String] {
        let lines = text.split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(of: "[\(bond)]") else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.hasPrefix("[") && !$0.hasPrefix("#") })
    }

    @Test func theDebianSeedsXenHost() throws {
        let (text, bonds) = try imported([("interfaces", Samples.debianSeed), ("bonding.conf", Samples.modprobe)])
        #expect(bonds.map(\.name) == ["bond1"])
        #expect(section(text, "bond1") == ["members = eth0, eth3", "mode = 802.3ad", "miimon = 100", "lacp_rate = fast", "vlans = 3:vlan3, 2:vlan2"])
        let notes = bonds[0].notes
        #expect(notes.contains { $0.hasPrefix("bonding.conf line 2: 'use_carrier 0' is not needed") })
        #expect(notes.contains { $0.hasPrefix("bonding.conf line 2: 'max_bonds 2' is not needed") })
        #expect(notes.contains { $0.contains("bridge xenbrlan over VLAN vlan3") })
        // ifconfig up, ifenslave -d, modprobe, ifup: what bondd does itself, said nowhere.
        #expect(notes.count == 3, "\(notes)")
        #expect(text.contains("# Not carried over:\n#   bonding.conf line 2: 'use_carrier 0'"))
        #expect(try ConfigurationFile.parse(text).map(\.name) == ["bond1"])
    }

    @Test func ifenslaveKeysAndMembersNamingTheirBond() throws {
        let (text, bonds) = try imported([("interfaces", Samples.ifenslave)])
        #expect(
            section(text, "bond0") == [
                "members = eth1, eth2", "mode = active-backup", "miimon = 100", "primary = eth1", "arp_ip_target = 192.0.2.1,192.0.2.2",
                "address = 192.0.2.10/24",
            ])
        #expect(bonds[0].notes.contains { $0.hasPrefix("interfaces line 5: 'gateway 192.0.2.1' is not carried over: bondd adds no routes") })
        #expect(bonds[0].notes.contains { $0.contains("'bond-queue-id 2' on member eth2") })
    }

    @Test func redHatNetworkScripts() throws {
        let (text, bonds) = try imported(Samples.redHat)
        #expect(bonds.map(\.name) == ["bond0"])
        #expect(
            section(text, "bond0") == [
                "members = eth0, eth1", "mode = 802.3ad", "miimon = 100", "lacp_rate = fast", "xmit_hash_policy = layer3+4", "vlans = 10",
                "address = 192.0.2.20/24", "mtu = 9000",
            ])
        #expect(bonds[0].notes == ["ifcfg-bond0.10: the address of VLAN bond0.10 is not set by bondd; set it once the bond is up"])
    }

    @Test func suseWithTheBondNamedByItsFile() throws {
        let (text, bonds) = try imported([("/etc/sysconfig/network/ifcfg-bond1", Samples.suse)])
        // sysfs's +ADDRESS form, and slaves numbered as YaST (SLAVE0) and wicked (SLAVE_1) write them.
        #expect(
            section(text, "bond1") == [
                "members = eth2, eth3", "mode = balance-alb", "miimon = 100", "arp_ip_target = 192.0.2.1", "address = 192.0.2.30/24",
            ])
        #expect(bonds[0].notes == ["/etc/sysconfig/network/ifcfg-bond1 line 9: DHCLIENT_SET_HOSTNAME=no is not carried over: not a bond setting"])
    }

    @Test func netplanWithRenamedEthernetsAndTimes() throws {
        let (text, bonds) = try imported([("01-bond.yaml", Samples.netplan)])
        #expect(
            section(text, "bond0") == [
                "members = eno1, eno2", "mode = active-backup", "num_grat_arp = 3", "miimon = 100", "primary = eno2", "updelay = 1000",
                "vlans = 20:vlan20", "address = 192.0.2.40/24", "address = 2001:db8::40/64", "bridge = br0",
            ])
        #expect(
            bonds[0].notes == [
                "01-bond.yaml: bond0: 'routes' is not carried over: bondd adds no routes; add them once the bond is up (or leave them to your network configuration)"
            ])
    }

    @Test func aKernelBondAsIPPrintsIt() throws {
        let (text, bonds) = try imported([("ip-d-link", Samples.ipLink)])
        // Only what differs from the kernel's defaults; run-time state (ad_info) left out.
        #expect(
            section(text, "bond1") == [
                "members = eth0, eth1", "mode = 802.3ad", "miimon = 100", "xmit_hash_policy = layer3+4", "min_links = 1", "lacp_rate = fast",
                "prio = eth0:10", "vlans = 3:vlan3", "address = 192.0.2.60/24", "mtu = 9000", "bridge = xenbr1",
            ])
        #expect(bonds[0].notes.isEmpty, "\(bonds[0].notes)")
    }

    @Test func aKernelBondAsIPPrintsItInJSON() throws {
        let (text, bonds) = try imported([("ip.json", Samples.ipJSON)])
        #expect(
            section(text, "bond0") == [
                "members = eth0, eth1", "mode = active-backup", "miimon = 100", "num_grat_arp = 3", "primary = eth0", "primary_reselect = better",
                "updelay = 200", "address = 192.0.2.50/24",
            ])
        #expect(bonds[0].notes == ["ip.json: eth1: queue_id 2: bondd has no per-member queue ids"])
    }

    @Test func aBondWithoutMembersIsLeftAsAComment() throws {
        let out = try ImportWriter.render([ImportedBond(name: "bond9", origin: "here")], sources: ["here"])
        #expect(out.written.isEmpty && out.skipped == ["bond9"])
        #expect(out.text.contains("# [bond9]\n# members = \n"))
        #expect(try ConfigurationFile.parse(out.text).isEmpty)
    }

    @Test func whatBonddRefusesBecomesANoteAndTheFileStillParses() throws {
        var b = ImportedBond(name: "bond0", origin: "here")
        b.members = ["eth0", "eth 1"]
        b.set("mode", "active-backup")
        b.set("miimon", "many")
        b.addresses = ["192.0.2.1"]
        b.mtu = 20
        let out = try ImportWriter.render([b], sources: ["here"])
        #expect(section(out.text, "bond0") == ["members = eth0", "mode = active-backup"])
        #expect(
            out.notes.map(\.line) == [
                "member 'eth 1' is not a valid interface name", "miimon = many: miimon: invalid value 'many' (allowed range 0-2147483647)",
                "address 192.0.2.1 is not ADDRESS/PREFIX", "mtu 20 is not in 68-65535",
            ])
    }

    @Test func inputOfNoKnownKindIsRefused() {
        #expect(throws: ImportError("notes.txt: not a configuration import knows (--from interfaces|ifcfg|netplan|ip)")) {
            _ = try BondImporter.bonds(from: [.init(path: "notes.txt", text: "hello\n")])
        }
        #expect(throws: ImportError.self) { _ = try BondImporter.bonds(from: [.init(path: "x.yaml", text: "network: [")], format: .netplan) }
    }

    @Test func theHooksEnvironmentIsTheStanza() throws {
        let env = [
            "IFACE": "bond0", "IF_BOND_SLAVES": "eth0 eth1", "IF_BOND_MODE": "802.3ad", "IF_BOND_XMIT_HASH_POLICY": "layer3+4",
            "IF_ADDRESS": "192.0.2.1/24", "PATH": "/bin",
        ]
        let stanza = try #require(IfupdownEnvironment.stanza(env))
        let (text, _) = try imported([("env", stanza)], format: .interfaces)
        // The address stays ifupdown's to set.
        #expect(section(text, "bond0") == ["members = eth0, eth1", "mode = 802.3ad", "xmit_hash_policy = layer3+4"])
        #expect(IfupdownEnvironment.stanza(["IFACE": "eth0", "IF_BOND_MASTER": "bond0"]) == nil)
    }
}
