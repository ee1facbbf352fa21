import BondCore
import Foundation
import Testing

/// resend_igmp on topology 1: after a failover the groups joined on the bond are
/// reported again on the new active member's switch port.
@Suite(.serialized) struct ResendIGMPTests {
    @Test(arguments: [(1, "active-backup"), (3, "active-backup"), (2, "balance-tlb")])
    func reportsFollowTheNewActiveMember(times: Int, mode: String) throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=\(mode)", "miimon=100", "resend_igmp=\(times)"])
        bond.configureAddresses()
        #expect(tb.inHost("ip addr add 239.1.2.3/32 dev \(tb.bond) autojoin").ok)
        #expect(tb.inHost("ip -6 addr add ff0e::1234/128 dev \(tb.bond) autojoin").ok)
        #expect(tb.inHost("grep -c . /proc/net/igmp").ok)
        // The host's own unsolicited reports after joining are over before counting starts.
        usleep(3_500_000)
        let filter = "igmp or (ip6 and ip6[6] == 0 and ip6[40] == 58 and ip6[48] == 143)"
        let capture = try Shell.start("ip netns exec \(tb["NS_SWITCH"]) timeout 4 tcpdump -nn -l -v -Q in -i \(tb.peers[1]) '\(filter)'")
        usleep(700_000)
        tb.fail(member: 0)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == tb.members[1] })
        capture.wait(timeout: 10)
        let out = capture.output
        // One IGMPv3 report and one MLDv2 report per resend, each listing the group.
        let igmp = out.split(separator: "\n").filter { $0.contains("igmp v3 report") }.count
        let mld = out.split(separator: "\n").filter { $0.contains("multicast listener report v2") }.count
        #expect(igmp == times, "IGMP reports: \(out)")
        #expect(mld == times, "MLD reports: \(out)")
        #expect(out.contains("239.1.2.3"))
        #expect(out.contains("ff0e::1234"))
        // tcpdump -v checks the IPv4 and ICMPv6 checksums.
        #expect(!out.contains("bad"), "\(out)")
    }

    @Test func resendIGMPZeroStaysQuiet() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100", "resend_igmp=0"])
        bond.configureAddresses()
        #expect(tb.inHost("ip addr add 239.1.2.3/32 dev \(tb.bond) autojoin").ok)
        usleep(3_500_000)
        let capture = try Shell.start("ip netns exec \(tb["NS_SWITCH"]) timeout 3 tcpdump -nn -l -Q in -i \(tb.peers[1]) igmp")
        usleep(700_000)
        tb.fail(member: 0)
        #expect(Shell.waitFor(5) { bond.status()?.activeMember == tb.members[1] })
        capture.wait(timeout: 10)
        // tcpdump's summary goes to stderr; stdout has one line per frame.
        #expect(capture.output.split(separator: "\n").filter { $0.contains("igmp") }.isEmpty, "\(capture.output)")
    }
}
