import Foundation
import Testing

/// A transmit policy (`mode=policy:NAME`) run by bondd itself: shown, spreading flows,
/// changed at runtime within its rules, explained by `bondctl hash`.
@Suite(.serialized) struct TransmitPolicyTests {
    @Test func flowletsRunInTheDaemonAndAreShownAndChangedAsOptions() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=policy:flowlet", "miimon=100", "flowlet_gap=200"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        let show = tb.bondctl("show \(tb.bond)").output
        #expect(show.contains("Bonding Mode: transmit policy flowlet (a flow moves to the least-loaded member"), "\(show)")
        // 100 flows, one datagram each, milliseconds apart: new flowlets go to the lighter member.
        let sent = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 100).ok) }, expectedTotal: 100)
        for n in sent { #expect(n >= 30, "per-member frames: \(sent)") }
        let set = tb.bondctl("set \(tb.bond) flowlet_gap=1000")
        #expect(set.ok, "\(set.error)")
        #expect(bond.status()?.options["flowlet_gap"] == "1000")
        let fixed = tb.bondctl("set \(tb.bond) policy=consistent-hash")
        #expect(fixed.status != 0 && fixed.error.contains("policy") && !fixed.error.contains("\n\n"), "\(fixed.error)")
        let hash = tb.bondctl("hash \(tb.bond) src_ip=\(tb["BOND_IP4"]) dst_ip=\(tb["CLIENT_IP4"]) proto=udp sport=20000 dport=9")
        #expect(hash.ok && hash.output.contains("flowlet bucket"), "\(hash.output) \(hash.error)")
    }

    @Test func anUnknownPolicyIsRefusedInOneLineAndNothingIsLeft() throws {
        let tb = try Testbed()
        let r = tb.inHost("\(Shell.binDirectory)/bondd \(tb.bond) --members \(tb.members.joined(separator: ",")) mode=policy:nope", timeout: 20)
        #expect(r.status != 0 && r.error.contains("policy: no policy named 'nope' (registered: flowlet, consistent-hash)"), "\(r.error)")
        #expect(tb.hostLink(tb.bond) == nil, "no bond device left behind")
    }
}
