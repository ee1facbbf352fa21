import Foundation
import Testing

/// Refused start-ups: a clear one-line error, a non-zero exit, and nothing changed.
@Suite(.serialized) struct BadInputTests {
    /// What a refused start must leave exactly as it was.
    /// What a refused start could have changed: links with their MAC and flags, qdiscs,
    /// aliases, XDP programs. Not operstate and the carrier flags: the kernel settles those
    /// on its own schedule (link watch, up to a second after a change), and a veth's
    /// depend on its peer.
    func snapshot(_ tb: Testbed) -> String {
        let links = "ip -br link | awk \"{ \\$2 = \\\"\\\"; print }\" | sed -E \"s/(NO-CARRIER|LOWER_UP|M-DOWN),?//g\""
        return tb.inHost("sh -c '\(links); ip -d link show | grep -c clsact; tc qdisc show; ip -o link show | grep -o \"alias.*\"'").output
    }

    func bondd(_ tb: Testbed, _ args: String, as user: String? = nil) -> Shell.Result {
        let drop = user.map { "setpriv --reuid=\($0) --regid=\($0) --clear-groups " } ?? ""
        return tb.inHost("\(drop)\(Shell.binDirectory)/bondd \(args)", timeout: 20)
    }

    @Test func refusals() throws {
        let tb = try Testbed()
        let m = tb.members
        #expect(tb.inHost("ip link add \(tb.prefix)br type bridge").ok)
        let before = snapshot(tb)
        let cases: [(String, String?, Int32, String)] = [
            ("\(tb.bond) --members \(m[0]),\(m[1]) mode=1 miimon=100", "65534", 2, "must run as root"),
            ("\(tb.bond) --members \(m[0]),nosuch9 mode=1", nil, 2, "member nosuch9 does not exist"),
            ("\(tb.bond) --members \(m[0]),\(m[0]) mode=1", nil, 2, "member \(m[0]) is given twice"),
            ("\(tb.bond) --members \(m[0]),\(m[1]) mode=1 frobnicate=1", nil, 2, "unknown option 'frobnicate'"),
            ("\(tb.bond) --members \(m[0]),\(m[1]) mode=1 miimon=abc", nil, 2, "miimon: invalid value 'abc'"),
            ("\(tb.bond) --members \(m[0]),\(m[1]) mode=9", nil, 2, "mode: invalid value '9'"),
            ("lo --members \(m[0]),\(m[1]) mode=1", nil, 2, "an interface named lo already exists"),
            ("\(tb.bond) --members \(m[0]),lo mode=1", nil, 2, "lo is the loopback device, not an Ethernet interface"),
            ("\(tb.bond) --members \(m[0]),\(tb.prefix)br mode=1", nil, 2, "\(tb.prefix)br is a bridge"),
            (
                "\(tb.bond) --members \(m[0]),\(m[1]) mode=balance-alb workers=2 backend=afpacket", nil, 2,
                "workers: mode balance-alb learns from every frame, which one thread does; workers=1 there"
            ),
            ("\(tb.bond) --members \(m[0]),\(m[1]) mode=1 workers=2", nil, 2, "workers: needs backend=afpacket"),
        ]
        for (args, user, code, message) in cases {
            let r = bondd(tb, args, as: user)
            #expect(r.status == code, "\(args): exit \(r.status)")
            let lines = r.error.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("bondd: ") && lines[0].contains(message), "\(args): \(r.error)")
            #expect(tb.hostLink(tb.bond) == nil, "\(args) left the bond device behind")
            #expect(snapshot(tb) == before, "\(args) changed the members")
        }
    }

    @Test func aMemberOfARunningBondIsRefused() throws {
        let tb = try Testbed(members: 3)
        let m = tb.members
        let first = try BondDaemon(tb, options: ["mode=1", "miimon=100"], members: [m[0], m[1]])
        // The running bond's links settle (operstate, carrier) before the comparison starts.
        var before = snapshot(tb)
        _ = Shell.waitFor(3, every: 0.3) {
            let now = snapshot(tb)
            defer { before = now }
            return now == before
        }
        let r = bondd(tb, "other0 --members \(m[2]),\(m[1]) mode=1")
        #expect(r.status == 2)
        #expect(r.error.contains("\(m[1]) is already a member of \(tb.bond)"), "\(r.error)")
        #expect(tb.hostLink("other0") == nil)
        #expect(snapshot(tb) == before)
        // The running bond's own device, either end, is no member for another bond.
        let engineEnd = tb.bond.count <= 11 ? tb.bond + "-eng" : ""
        for (member, message) in [
            (engineEnd, "\(engineEnd) is the engine end of bond \(tb.bond)"),
            (tb.bond, "\(tb.bond) is a bond run by bondd"),
        ] where !member.isEmpty {
            let r = bondd(tb, "other0 --members \(m[2]),\(member) mode=1")
            #expect(r.status == 2 && r.error.contains(message), "\(r.error)")
            let add = tb.bondctl("add-member \(tb.bond) \(member)")
            #expect(add.status == 1, "\(add.error)")
        }
        #expect(tb.hostLink("other0") == nil)
        // Nor is its engine end's name free for another bond.
        if !engineEnd.isEmpty {
            let r = bondd(tb, "\(engineEnd) --members \(m[2]) mode=1")
            #expect(r.status == 2 && r.error.contains("an interface named \(engineEnd) already exists"), "\(r.error)")
        }
        #expect(snapshot(tb) == before)
        #expect(first.status()?.members.count == 2)
    }

    @Test func cleanExitRestoresEveryMember() throws {
        let tb = try Testbed()
        let before = snapshot(tb)
        let macs = tb.members.map { tb.hostLink($0)?["address"] as? String }
        let bond = try BondDaemon(tb, options: ["mode=1", "miimon=100"])
        bond.configureAddresses()
        // While enslaved every member carries the bond's MAC (fail_over_mac=none).
        let bondMAC = tb.hostLink(tb.bond)?["address"] as? String
        for m in tb.members { #expect(tb.hostLink(m)?["address"] as? String == bondMAC) }
        #expect(bond.stop() == 0)
        #expect(tb.hostLink(tb.bond) == nil)
        #expect(tb.members.map { tb.hostLink($0)?["address"] as? String } == macs)
        #expect(snapshot(tb) == before)
        #expect(!FileManager.default.fileExists(atPath: bond.socketPath))
    }
}
