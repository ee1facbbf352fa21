import BondCore
import Foundation
import Testing

/// `bondctl import` end to end: each kind of input, written with the testbed's
/// interfaces, converted, run by bondd --config, and carrying traffic.
@Suite(.serialized) struct ImportEndToEndTests: ConfigurationFileFixture {
    enum Kind: String, CaseIterable { case interfaces, ifcfg, netplan, ip }

    /// The files a user of `kind` has for an active-backup bond over `m`, at 192.0.2.1/24.
    func files(_ kind: Kind, bond: String, members m: [String], in dir: String) throws -> [String] {
        var files: [(String, String)]
        switch kind {
        case .interfaces:
            // The Debian seed's shape: ifenslave from pre-up lines, the mode from modprobe.
            files = [
                (
                    "interfaces",
                    "iface \(bond) inet static\n    address 192.0.2.1\n    netmask 255.255.255.0\n    pre-up /sbin/ifconfig \(bond) up\n    pre-up /sbin/ifenslave \(bond) \(m[0]) \(m[1])\n    post-down /sbin/ifenslave -d \(bond) \(m[0]) \(m[1])\n"
                ),
                ("bonding.conf", "alias \(bond) bonding\noptions \(bond) mode=active-backup miimon=100 use_carrier=0\n"),
            ]
        case .ifcfg:
            files = [
                (
                    "ifcfg-\(bond)",
                    "DEVICE=\(bond)\nTYPE=Bond\nBONDING_MASTER=yes\nIPADDR=192.0.2.1\nNETMASK=255.255.255.0\nBONDING_OPTS=\"mode=1 miimon=100 primary=\(m[0])\"\n"
                ),
                ("ifcfg-\(m[0])", "DEVICE=\(m[0])\nMASTER=\(bond)\nSLAVE=yes\n"),
                ("ifcfg-\(m[1])", "DEVICE=\(m[1])\nMASTER=\(bond)\nSLAVE=yes\n"),
            ]
        case .netplan:
            files = [
                (
                    "01-bond.yaml",
                    "network:\n  version: 2\n  bonds:\n    \(bond):\n      interfaces: [\(m[0]), \(m[1])]\n      addresses: [192.0.2.1/24]\n      parameters:\n        mode: active-backup\n        mii-monitor-interval: 100ms\n"
                )
            ]
        case .ip:
            // As `ip -d addr show` prints a kernel bond (the kernel here has no bonding module).
            files = [
                (
                    "ip-d-addr",
                    """
                    3: \(m[0]): <BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP> mtu 1500 qdisc noqueue master \(bond) state UP mode DEFAULT group default qlen 1000
                        link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0
                        bond_slave state ACTIVE mii_status UP link_failure_count 0 perm_hwaddr 02:00:00:00:00:01 queue_id 0 prio 0
                    4: \(m[1]): <BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP> mtu 1500 qdisc noqueue master \(bond) state UP mode DEFAULT group default qlen 1000
                        link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0
                        bond_slave state BACKUP mii_status UP link_failure_count 0 perm_hwaddr 02:00:00:00:00:02 queue_id 0 prio 0
                    5: \(bond): <BROADCAST,MULTICAST,MASTER,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
                        link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0
                        bond mode active-backup active_slave \(m[0]) miimon 100 updelay 0 downdelay 0 peer_notify_delay 0 use_carrier 1 arp_interval 0 arp_missed_max 2 arp_validate none arp_all_targets any primary_reselect always fail_over_mac none xmit_hash_policy layer2 resend_igmp 1 num_grat_arp 1 all_slaves_active 0 min_links 0 lp_interval 1 packets_per_slave 1 lacp_active on lacp_rate slow ad_select stable tlb_dynamic_lb 1 addrgenmode eui64
                        inet 192.0.2.1/24 scope global \(bond)
                           valid_lft forever preferred_lft forever

                    """
                )
            ]
        }
        return try files.map { name, text in
            let path = dir + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    @Test(arguments: Kind.allCases) func aConvertedBondCarriesTraffic(_ kind: Kind) throws {
        let tb = try Testbed(members: 2)
        let dir = NSTemporaryDirectory() + "bondd-import-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inputs = try files(kind, bond: tb.bond, members: tb.members, in: dir)

        let conf = dir + "/bondd.conf"
        let r = Shell.run("\(Shell.binDirectory)/bondctl import \(inputs.map(Shell.quote).joined(separator: " ")) -o \(conf)")
        #expect(r.ok, "\(r.error)")
        let text = (try? String(contentsOfFile: conf, encoding: .utf8)) ?? ""
        #expect(text.contains("[\(tb.bond)]\nmembers = \(tb.members[0]), \(tb.members[1])\nmode = active-backup\nmiimon = 100\n"), "\(text)")
        if kind == .interfaces {
            #expect(r.error == "bondctl: \(tb.bond): 1 setting not carried over (see the comments under [\(tb.bond)])\n")
            #expect(text.contains("#   \(dir)/bonding.conf line 2: 'use_carrier 0' is not needed"))
        }

        let daemon = try Spawned(["ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", "--config", conf])
        defer { if daemon.isRunning { daemon.signal(SIGTERM); _ = daemon.wait(timeout: 10) } }
        #expect(Shell.waitFor(10) { status(tb.bond)?.carrier == "up" }, "\(daemon.errorOutput)")
        #expect(status(tb.bond)?.mode == .activeBackup)
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok, "\(daemon.errorOutput)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 15) == 0)
    }

    @Test func badInputGetsOneLineAndWritesNothing() throws {
        let dir = NSTemporaryDirectory() + "bondd-import-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bondctl = Shell.binDirectory + "/bondctl import"
        try "hello\n".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        try "iface eth0 inet dhcp\n".write(toFile: dir + "/interfaces", atomically: true, encoding: .utf8)
        try "keep me\n".write(toFile: dir + "/bondd.conf", atomically: true, encoding: .utf8)

        let unknown = Shell.run("\(bondctl) \(dir)/notes.txt")
        #expect(
            unknown.status == 2
                && unknown.error == "bondctl: \(dir)/notes.txt: not a configuration import knows (--from interfaces|ifcfg|netplan|ip)\n")
        let none = Shell.run("\(bondctl) \(dir)/interfaces")
        #expect(none.status == 1 && none.error == "bondctl: no bond in \(dir)/interfaces\n" && none.output.isEmpty)
        let missing = Shell.run("\(bondctl) \(dir)/nosuch")
        #expect(missing.status == 2 && missing.error == "bondctl: \(dir)/nosuch: cannot read (No such file or directory)\n")
        let kept = Shell.run("echo 'iface b0 inet manual\n bond-slaves x0 x1' | \(bondctl) -o \(dir)/bondd.conf")
        #expect(kept.status == 2 && kept.error == "bondctl: \(dir)/bondd.conf exists; give --force to replace it\n")
        #expect(try String(contentsOfFile: dir + "/bondd.conf", encoding: .utf8) == "keep me\n")
        let other = Shell.run("echo 'iface b0 inet manual\n bond-slaves x0 x1' | \(bondctl) --bond b1")
        #expect(other.status == 1 && other.error == "bondctl: b1: not in the input (it declares b0)\n")
        let kind = Shell.run("\(bondctl) --from yaml \(dir)/interfaces")
        #expect(kind.status == 2 && kind.error == "bondctl: --from: unknown kind 'yaml' (interfaces, ifcfg, netplan, ip)\n")
    }
}
