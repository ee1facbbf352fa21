import Foundation
import Testing

@Suite(.serialized) struct BalanceXORTests {
    @Test func hundredFlowsSpreadUnderLayer34() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-xor", "miimon=100", "xmit_hash_policy=layer3+4"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        let sent = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 100).ok) }, expectedTotal: 100)
        // Within ±20% of even (the odd ARP or neighbour frame may add one).
        for n in sent { #expect(n >= 40 && n <= 62, "per-member frames: \(sent)") }
        let text = tb.inHost("\(Shell.binDirectory)/bondctl show \(tb.bond)").output
        #expect(text.contains("Transmit Hash Policy: layer3+4 (1)"))
    }

    @Test func bondctlHashNamesTheMemberAFrameTakes() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-xor", "miimon=100", "xmit_hash_policy=layer3+4"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        for port in [20000, 20001, 20002, 20003] {
            let r = tb.inHost(
                "\(Shell.binDirectory)/bondctl hash \(tb.bond) src_ip=\(tb["BOND_IP4"]) dst_ip=\(tb["CLIENT_IP4"]) proto=udp sport=\(port) dport=9 --json"
            )
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.error)")
            let member = try #require(answer["member"] as? String)
            let peer = tb.peers[try #require(tb.members.firstIndex(of: member))]
            let before = tb.switchPortReceived(peer)
            tb.inHost(
                "/usr/bin/python3 -c \"import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('\(tb["BOND_IP4"])', \(port))); s.sendto(b'x', ('\(tb["CLIENT_IP4"])', 9))\""
            )
            #expect(Shell.waitFor(2) { tb.switchPortReceived(peer) > before }, "port \(port) did not leave on \(member)")
        }
        let bad = tb.inHost("\(Shell.binDirectory)/bondctl hash \(tb.bond) sport=x")
        #expect(bad.status == 2 && bad.error.contains("sport: invalid value 'x'"))
    }

    @Test func layer2KeepsOneHostPairOnOneMember() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-xor", "miimon=100", "xmit_hash_policy=layer2"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        let sent = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 100).ok) }, expectedTotal: 100)
        #expect(sent.max()! >= 100 && sent.min()! <= 2, "per-member frames: \(sent)")
    }

    @Test func flowsMoveToTheSurvivorWhenAMemberFails() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=balance-xor", "miimon=100", "xmit_hash_policy=layer3+4"])
        bond.configureAddresses()
        tb.fail(member: 0)
        #expect(Shell.waitFor(3) { bond.status()?.members[0].link == "down" })
        let sent = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 50).ok) }, expectedTotal: 50)
        #expect(sent[0] == 0 && sent[1] >= 50, "per-member frames: \(sent)")
        #expect(tb.inClient("ping -c 2 -i 0.2 -W 2 \(tb["BOND_IP4"])").ok)
    }
}

@Suite(.serialized) struct BroadcastTests {
    @Test func everyFrameLeavesOnEveryMember() throws {
        let tb = try Testbed()
        let bond = try BondDaemon(tb, options: ["mode=broadcast", "miimon=100"])
        bond.configureAddresses()
        #expect(tb.inHost("ping -c 2 -i 0.2 -W 2 \(tb["CLIENT_IP4"])").ok)
        let sent = tb.framesPerMember(during: { #expect(tb.sendUDP(count: 50).ok) }, expectedTotal: 100)
        for n in sent { #expect(n >= 50 && n <= 53, "per-member frames: \(sent)") }
        #expect(bond.status()?.mode == .broadcast)
    }
}
