import Foundation
import Testing

/// The bond device behaves as a normal netdev: carrier, MTU, bridge port, both modes.
@Suite(.serialized) struct BondDeviceTests {
    func hasCarrier(_ tb: Testbed) -> Bool {
        (tb.hostLink(tb.bond)?["flags"] as? [String])?.contains("LOWER_UP") == true
    }

    @Test func carrierIsUpExactlyWhileAMemberIsUp() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        #expect(Shell.waitFor(2) { hasCarrier(tb) })
        tb.fail(member: 0)
        #expect(Shell.waitFor(2) { bond.status()?.activeMember == tb.members[1] })
        #expect(hasCarrier(tb))
        tb.fail(member: 1)
        #expect(Shell.waitFor(2) { !hasCarrier(tb) }, "carrier stayed up with no member up")
        #expect(bond.status()?.activeMember == nil)
        #expect(bond.status()?.carrier == "down")
        tb.restore(member: 1)
        #expect(Shell.waitFor(2) { hasCarrier(tb) })
        #expect(tb.inClient("ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
    }

    @Test(arguments: ["active-backup", "balance-rr"])
    func pingsBothWaysInEachMode(mode: String) throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=\(mode)", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 4 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        #expect(tb.inClient("ping -c 4 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        #expect(tb.inHost("ping -6 -c 4 -i 0.2 -W 2 \(tb["CLIENT_IP6"])").ok)
        #expect(tb.inClient("ping -6 -c 4 -i 0.2 -W 2 \(tb["BOND_IP6"])").ok)
    }

    @Test func membersFollowTheBondMTU() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        bond.configureAddresses()
        tb.inSwitch("sh -c 'for i in $(ls /sys/class/net); do ip link set $i mtu 9000; done'")
        tb.inClient("ip link set \(tb["CLIENT_IF"]) mtu 9000")
        #expect(tb.inHost("ip link set \(tb.bond) mtu 9000").ok)
        #expect(Shell.waitFor(2) { tb.members.allSatisfy { tb.hostLink($0)?["mtu"] as? Int == 9000 } })
        // A 8000-byte ping crosses unfragmented.
        #expect(tb.inHost("ping -M do -s 8000 -c 2 -W 2 \(tb["CLIENT_IP4"])").ok)
        #expect(bond.status()?.mtu == 9000)
        #expect(bond.stop() == 0)
        #expect(tb.members.allSatisfy { tb.hostLink($0)?["mtu"] as? Int == 1500 })
    }

    @Test func worksAsABridgePort() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"])
        let br = tb.prefix + "hb"
        tb.inHost("ip link add \(br) type bridge stp_state 0 forward_delay 0")
        #expect(tb.inHost("ip link set \(tb.bond) master \(br)").ok)
        tb.inHost("ip link set \(tb.bond) up")
        tb.inHost("ip addr add \(tb["BOND_IP4"])/24 dev \(br)")
        tb.inHost("ip link set \(br) up")
        #expect(tb.inHost("ping -c 3 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        #expect(tb.inClient("ping -c 3 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
        // A bridge port is promiscuous; the members follow.
        #expect(Shell.waitFor(2) { tb.members.allSatisfy { (tb.hostLink($0)?["promiscuity"] as? Int ?? 0) > 0 } })
        #expect(bond.stop() == 0)
        #expect(tb.members.allSatisfy { (tb.hostLink($0)?["promiscuity"] as? Int) == 0 })
    }
}
