import BondControl
import BondCore
import Foundation
import Testing

/// bondd processes and add-member racing for the same interfaces: at most one takes
/// each, the others are refused without touching it, and the winner's marks (alias, tc
/// filters) stay whole.
@Suite(.serialized) struct ConcurrentStartEndToEndTests {
    /// As BadInputTests': links, MACs and flags but not carrier, qdiscs, aliases, programs.
    func snapshot(_ tb: Testbed) -> String {
        let links = "ip -br link | awk \"{ \\$2 = \\\"\\\"; print }\" | sed -E \"s/(NO-CARRIER|LOWER_UP|M-DOWN),?//g\""
        return tb.inHost("sh -c '\(links); ip -d link show | grep -c clsact; tc qdisc show; ip -o link show | grep -o \"alias.*\"'").output
    }

    func start(_ tb: Testbed, _ bond: String, _ members: [String]) throws -> Spawned {
        try Spawned([
            "ip", "netns", "exec", tb["NS_HOST"], Shell.binDirectory + "/bondd", bond, "--members",
            members.joined(separator: ","), "mode=active-backup", "miimon=100", "backend=\(BondDaemon.backend)",
        ])
    }

    func serving(_ bond: String) -> Bool {
        (try? ControlClient.send(ControlRequest(command: .show), to: "/run/bondd/\(bond).sock", timeout: 2))?.ok == true
    }

    /// Every member of `bond` carries its marker and our two tc filters.
    func marksAreWhole(_ tb: Testbed, _ bond: String, _ members: [String]) -> Bool {
        members.allSatisfy { m in
            tb.hostLink(m)?["ifalias"] as? String == "bondd member of \(bond)"
                && tb.inHost("tc filter show dev \(m) ingress").output.contains("handle 0xb0dd")
                && tb.inHost("tc filter show dev \(m) egress").output.contains("handle 0xb0dd")
        }
    }

    @Test func twoBonddStartedAtOnceOnTheSameMembersNeverStripEachOther() throws {
        let tb = try Testbed(members: 2)
        let m = tb.members
        let before = snapshot(tb)
        let (a, b) = (tb.prefix + "a", tb.prefix + "b")
        var winners: [String: Int] = [:]
        for round in 0..<15 {
            let pa = try start(tb, a, m)
            let pb = try start(tb, b, round % 2 == 0 ? m : m.reversed())
            #expect(Shell.waitFor(10) { (!pa.isRunning || serving(a)) && (!pb.isRunning || serving(b)) }, "round \(round)")
            let running = [(a, pa), (b, pb)].filter { $0.1.isRunning }
            #expect(running.count <= 1, "round \(round): both run")
            for (name, p) in [(a, pa), (b, pb)] where !p.isRunning {
                #expect(p.exitStatus == 2, "round \(round): \(name): \(p.errorOutput)")
                let refusal = p.errorOutput
                #expect(
                    refusal.contains("is being taken by another bondd") || refusal.contains("is already a member of")
                        || refusal.contains("is already enslaved"), "round \(round): \(refusal)")
            }
            if let (name, _) = running.first {
                winners[name, default: 0] += 1
                #expect(marksAreWhole(tb, name, m), "round \(round): \(name)'s marks were stripped")
            }
            for p in [pa, pb] where p.isRunning { p.signal(SIGTERM); _ = p.wait(timeout: 10) }
            #expect(snapshot(tb) == before, "round \(round): not restored")
        }
        #expect(winners.values.reduce(0, +) >= 8, "too few rounds had a winner: \(winners)")
    }

    @Test func addMemberRacingANewBondForOneInterface() throws {
        let tb = try Testbed(members: 3)
        let m = tb.members
        let a = try BondDaemon(tb, options: ["mode=active-backup", "miimon=100"], members: [m[0]])
        let other = tb.prefix + "o"
        for round in 0..<10 {
            let add = try tb.startBondctl("add-member \(tb.bond) \(m[1])")
            let pb = try start(tb, other, [m[2], m[1]])
            _ = add.wait(timeout: 10)
            #expect(Shell.waitFor(10) { !pb.isRunning || serving(other) }, "round \(round)")
            let inA = a.status()?.members.contains { $0.name == m[1] } == true
            #expect(inA != pb.isRunning, "round \(round): \(m[1]) in \(tb.bond): \(inA), \(other) runs: \(pb.isRunning) \(pb.errorOutput)")
            if inA { #expect(marksAreWhole(tb, tb.bond, [m[0], m[1]]), "round \(round)") }
            if pb.isRunning { #expect(marksAreWhole(tb, other, [m[2], m[1]]), "round \(round)") }
            if pb.isRunning { pb.signal(SIGTERM); _ = pb.wait(timeout: 10) }
            if inA { #expect(tb.bondctl("remove-member \(tb.bond) \(m[1])").ok) }
            #expect(marksAreWhole(tb, tb.bond, [m[0]]))
        }
    }
}
