import BondCore
import Foundation
import Testing

/// The ifupdown hook under Debian's own ifup and ifdown: an interfaces file of the
/// seed's shape (a bond with ifenslave's keys, a VLAN stanza over it), run in a mount
/// namespace of the test's own where /etc/network holds the hook and that file.
@Suite(.serialized) struct IfupdownTests: ConfigurationFileFixture {
    /// /etc/network and /run/network of the test's own, and ifup/ifdown run on them in
    /// the testbed's host namespace.
    struct Network {
        let dir = NSTemporaryDirectory() + "bondd-ifupdown-\(UUID().uuidString.prefix(8))"
        let tb: Testbed

        init(_ tb: Testbed, interfaces: String) throws {
            self.tb = tb
            let fm = FileManager.default
            for d in ["etc/if-pre-up.d", "etc/if-up.d", "etc/if-down.d", "etc/if-post-down.d", "run"] {
                try fm.createDirectory(atPath: dir + "/" + d, withIntermediateDirectories: true)
            }
            let template = try String(contentsOf: Shell.packageRoot.appendingPathComponent("dist/ifupdown/bondd.in"), encoding: .utf8)
            let hook = template.replacingOccurrences(of: "@SBINDIR@", with: Shell.binDirectory)
            for phase in ["if-pre-up.d", "if-post-down.d"] {
                let path = "\(dir)/etc/\(phase)/bondd"
                try hook.write(toFile: path, atomically: true, encoding: .utf8)
                chmod(path, 0o755)
            }
            try interfaces.write(toFile: dir + "/etc/interfaces", atomically: true, encoding: .utf8)
        }

        /// `ifup`/`ifdown` with `arguments`, as the host's network configuration runs them.
        func run(_ tool: String, _ arguments: String) -> Shell.Result {
            let script =
                "mkdir -p /run/network && mount --bind \(dir)/etc /etc/network && mount --bind \(dir)/run /run/network && \(tool) -i /etc/network/interfaces \(arguments)"
            return tb.inHost("unshare -m sh -c \(Shell.quote(script))")
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }

    @Test func ifupAndIfdownRunTheBondAndItsVLAN() throws {
        guard FileManager.default.isExecutableFile(atPath: "/sbin/ifup") else {
            Issue.record("Debian's ifupdown is not installed (tools/setup installs it)")
            return
        }
        let tb = try Testbed(members: 3)
        let (bond, m) = (tb.bond, tb.members)
        let net = try Network(
            tb,
            interfaces: """
                iface \(bond) inet static
                    address \(tb["BOND_IP4"])/24
                    bond-slaves \(m[0]) \(m[1])
                    bond-mode active-backup
                    bond-miimon 100
                    bond-primary \(m[1])
                    bond-use-carrier 0

                # vlan 3 = LAN, as the seed names it
                iface vlan3 inet manual
                    vlan-raw-device \(bond)
                    pre-up /sbin/ifup \(bond)

                iface \(m[2]) inet manual
                    bond-master \(bond)

                """)
        defer {
            _ = net.run("ifdown", "--force vlan3 \(m[2]) \(bond)")
            net.remove()
        }

        let up = net.run("ifup", bond)
        #expect(up.ok, "\(up.output) \(up.error)")
        let s = status(bond)
        #expect(s?.mode == .activeBackup && s?.members.map(\.name) == [m[0], m[1]] && s?.activeMember == m[1], "\(String(describing: s))")
        #expect(s?.options["miimon"] == "100")
        // ifupdown set the address after the hook made the device: traffic flows.
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        #expect(net.run("ifup", bond).ok, "a second ifup changes nothing")

        let vlan = net.run("ifup", "vlan3")
        #expect(vlan.ok, "\(vlan.error)")
        #expect(status(bond)?.vlans?.map(\.name) == ["vlan3"] && status(bond)?.vlans?.first?.vid == 3, "\(String(describing: status(bond)?.vlans))")
        #expect(net.run("ifdown", "vlan3").ok)
        #expect(status(bond)?.vlans?.isEmpty ?? true)

        // A member's own stanza naming the bond joins it, and leaves on ifdown.
        #expect(net.run("ifup", m[2]).ok)
        #expect(status(bond)?.members.map(\.name) == m)
        #expect(net.run("ifdown", m[2]).ok)
        #expect(status(bond)?.members.map(\.name) == [m[0], m[1]])

        let down = net.run("ifdown", bond)
        #expect(down.ok, "\(down.error)")
        #expect(status(bond) == nil)
        #expect(tb.hostLink(bond) == nil, "the bond device is gone")
        #expect(tb.hostLink(m[0])?["master"] == nil)
        #expect(!FileManager.default.fileExists(atPath: "\(net.dir)/run/bondd/\(bond).pid"))
    }

    @Test func aStanzaBonddRefusesFailsIfupAndLeavesNothing() throws {
        guard FileManager.default.isExecutableFile(atPath: "/sbin/ifup") else {
            Issue.record("Debian's ifupdown is not installed (tools/setup installs it)")
            return
        }
        let tb = try Testbed(members: 2)
        let bond = tb.bond
        let net = try Network(
            tb, interfaces: "iface \(bond) inet manual\n    bond-slaves \(tb.members[0]) \(tb.prefix)gone0\n    bond-mode active-backup\n")
        defer {
            _ = net.run("ifdown", "--force \(bond)")
            net.remove()
        }
        let up = net.run("ifup", bond)
        #expect(!up.ok)
        #expect(up.error.hasPrefix("bondd: \(bond): bondd did not start: bondd: member \(tb.prefix)gone0 does not exist\n"), "\(up.error)")
        #expect(status(bond) == nil && tb.hostLink(bond) == nil)
        #expect(!FileManager.default.fileExists(atPath: "\(net.dir)/run/bondd/\(bond).pid"))
    }
}
