import BondCore
import Testing

@Suite struct ConfigurationFileTests {
    let twoBonds = """
        # lab host: two bonds
        [bond0]
        members = eth0, eth1
        mode = active-backup
        miimon = 100   ; kernel names
        primary = eth0
        address = 192.0.2.1/24
        address = 2001:db8::1/64
        mtu = 9000

        [bond1]
        members = eth2 eth3
        mode = balance-slb
        bridge = xenbr0
        """

    @Test func readsEveryBondWithItsOptionsAndAttachments() throws {
        let bonds = try ConfigurationFile.parse(twoBonds, file: "lab.conf")
        #expect(bonds.map(\.name) == ["bond0", "bond1"])
        #expect(bonds[0].members == ["eth0", "eth1"])
        #expect(bonds[0].options.mode == .activeBackup && bonds[0].options.miimon == 100 && bonds[0].options.primary == "eth0")
        #expect(bonds[0].addresses.map(\.description) == ["192.0.2.1/24", "2001:db8::1/64"])
        #expect(bonds[0].mtu == 9000 && bonds[0].bridge == nil && bonds[0].line == 2)
        #expect(bonds[1].members == ["eth2", "eth3"])
        #expect(bonds[1].options.mode == .balanceSLB && bonds[1].bridge == "xenbr0")
        #expect(try ConfigurationFile.parse("").isEmpty)
    }

    @Test(arguments: [
        ("members = eth0", "lab.conf:1: 'members = eth0' comes before any [BOND] section"),
        ("[bond0]\nmode = 1", "lab.conf:1: [bond0]: no members (members = IF, IF ...)"),
        ("[bond0]\nmembers = a b\nmiimon = fast", "lab.conf:3: [bond0]: miimon: invalid value 'fast' (allowed range 0-2147483647)"),
        ("[bond0]\nmembers = a b\nmode = 1\nmiimon = 100\nmode = 0", "lab.conf:5: mode is given twice in [bond0] (first on line 3)"),
        ("[bond0]\nmembers = a b\n[bond0]\nmembers = c", "lab.conf:3: [bond0] is declared twice (first on line 1)"),
        ("[bond0]\nmembers = a b\n[bond1]\nmembers = b c", "lab.conf:3: [bond1]: member b is already a member of bond0"),
        ("[bond0]\nmembers = a a", "lab.conf:2: members: a is given twice"),
        ("[bond0]\nmembers = a\naddress = 192.0.2.1", "lab.conf:3: address: '192.0.2.1' is not ADDRESS/PREFIX (192.0.2.1/24, 2001:db8::1/64)"),
        ("[bond0]\nmembers = a\nmtu = 20", "lab.conf:3: mtu: '20' is not in 68-65535"),
        ("[bond0]\nmembers = a\nwait_members = soon", "lab.conf:3: wait_members: 'soon' is not a number of seconds in 0-3600"),
        ("[bond0]\nmembers = a\nmiimon", "lab.conf:3: expected key = value, got 'miimon'"),
        ("[bond0\nmembers = a", "lab.conf:1: a section header is [NAME]"),
        ("[a-name-far-too-long]", "lab.conf:1: 'a-name-far-too-long' is not a valid interface name"),
        ("[bond0]\nmembers = a\nbridge = bond0", "lab.conf:1: [bond0]: bridge bond0 is a bond or member of this file"),
    ])
    func refusesBadFilesWithFileAndLine(text: String, message: String) {
        #expect(throws: ConfigurationError.self) { try ConfigurationFile.parse(text, file: "lab.conf") }
        do {
            _ = try ConfigurationFile.parse(text, file: "lab.conf")
        } catch {
            #expect(error.description == message)
        }
    }

    /// Found by the FuzzConfiguration harness: a value of characters loaded with
    /// combining marks (each one Character, any number of bytes) made a 240-Character
    /// cut let a long line through. The cut is in bytes.
    @Test func anErrorIsOneShortLineWhateverTheValueHolds() {
        for value in [
            String(repeating: "x", count: 5000), String(repeating: "a\u{0362}\u{0362}\u{0362}", count: 400),
            String(repeating: "\u{FFFD}", count: 300),
        ] {
            do {
                _ = try ConfigurationFile.parse("[bond0]\nmembers = a\nmiimon = 1\(value)", file: "lab.conf")
                Issue.record("accepted")
            } catch {
                #expect(error.message.utf8.count <= 240 + "…".utf8.count, "\(error.message.utf8.count) bytes")
                #expect(error.message.hasPrefix("[bond0]: miimon: invalid value '1") && error.message.hasSuffix("…"))
                #expect(error.message.unicodeScalars.allSatisfy { $0 != "\n" })
            }
        }
    }

    @Test func waitMembersIsTheBondsOwnAndNoChangeToIt() throws {
        let a = try ConfigurationFile.parse("[bond0]\nmembers = eth0 eth1\nwait_members = 30", file: "lab.conf")
        #expect(a[0].waitMembers == 30 && a[0].optionWords.isEmpty)
        let b = try ConfigurationFile.parse("[bond0]\nmembers = eth0 eth1", file: "lab.conf")
        #expect(b[0].waitMembers == nil)
        // How long a start waits changes nothing in a running bond: a reload keeps it.
        #expect(!a[0].differs(from: b[0]))
    }

    @Test func optionWarningsAreKept() throws {
        let bonds = try ConfigurationFile.parse("[b]\nmembers = a\nmiimon = 100\narp_interval = 100\narp_ip_target = 192.0.2.9")
        #expect(bonds[0].options.arpInterval == 100 && bonds[0].options.miimon == 0)
        #expect(!bonds[0].warnings.isEmpty)
    }

    @Test func onlyRealChangesCountAsDifferent() throws {
        let a = try ConfigurationFile.parse(twoBonds)
        let moved = try ConfigurationFile.parse("\n\n" + twoBonds)
        #expect(!a[0].differs(from: moved[0]))
        let changed = try ConfigurationFile.parse(twoBonds.replacingOccurrences(of: "miimon = 100", with: "miimon = 200"))
        #expect(changed[0].differs(from: a[0]))
        #expect(!changed[1].differs(from: a[1]))
    }
}

private extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).map { $0.contains(a) ? String($0).replacing(a, with: b) : String($0) }.joined(
            separator: "\n")
    }
}
