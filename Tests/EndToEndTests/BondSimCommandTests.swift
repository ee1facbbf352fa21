import Foundation
import Testing

/// The bondsim command as a user runs it: help, a run end to end, outputs and refusals.
@Suite struct BondSimCommandTests {
    let sim = Shell.binDirectory + "/bondsim"

    @Test func generateReplayCompareAndReportEndToEnd() throws {
        let dir = NSTemporaryDirectory() + "bondsim-\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for sub in ["", "replay", "compare", "generate", "report"] {
            let help = Shell.run("\(sim) \(sub) --help")
            #expect(help.ok && help.output.contains("USAGE") || help.output.contains("Usage"), "\(sub): \(help.output)")
        }
        let gen = Shell.run("\(sim) generate --flows 200 --duration 2s --burst 4 --vlans 2,3 -o \(dir)/t.pcap")
        #expect(gen.ok && gen.output.contains("frames of 200 flows"), "\(gen.error)")
        #expect(Shell.run("tcpdump -r \(dir)/t.pcap -c 1 -nn -e 2>/dev/null").output.contains("vlan"), "tcpdump reads it")
        let replay = Shell.run(
            "\(sim) replay \(dir)/t.pcap --members a,b mode=balance-xor xmit_hash_policy=layer3+4 miimon=100 --event 'down b @1s' --json --plot \(dir)/r.svg"
        )
        #expect(replay.ok, "\(replay.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(replay.output.utf8)) as? [String: Any])
        let members = try #require(json["members"] as? [[String: Any]])
        #expect(members.map { $0["name"] as? String } == ["a", "b"])
        #expect(members.compactMap { $0["tx_frames"] as? Int }.reduce(0, +) == json["frames"] as? Int)
        #expect((try? String(contentsOfFile: "\(dir)/r.svg", encoding: .utf8))?.contains("down b") == true)
        let compare = Shell.run(
            "\(sim) compare balance-rr 'l34: mode=balance-xor xmit_hash_policy=layer3+4' --trace \(dir)/t.pcap --members a,b --with miimon=100 --csv")
        #expect(compare.ok && compare.output.hasPrefix("policy,time_s,member,frames,bytes,byte_share"), "\(compare.error)")
        #expect(compare.output.contains("\nl34,") && compare.output.contains("\nbalance-rr,"))
        try Data("[{\"bench\": \"b\", \"test\": \"t\", \"backend\": \"x\", \"pps\": 10}]".utf8).write(to: URL(fileURLWithPath: "\(dir)/r.json"))
        let report = Shell.run("\(sim) report \(dir)/r.json --plot \(dir)/r.png")
        #expect(report.ok && report.output.contains("| b | t | x | 10 |"), "\(report.error)")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/r.png"), "PNG through rsvg-convert")
    }

    @Test func badInputIsRefusedInOneLine() {
        for (args, status, says) in [
            ("replay --flows 10 --members a,b mode=nonsense", 1, "mode: invalid value 'nonsense'"),
            ("replay /nonexistent.pcap --members a", 1, "/nonexistent.pcap: cannot read the file"),
            ("replay /etc/os-release --members a", 1, "/etc/os-release: not a pcap or pcapng file"),
            ("replay --flows 10 --members a,a", 1, "member a is given twice"),
            ("replay --flows 10 --event 'down a'", 1, "expected down|up"),
            ("compare balance-rr --flows 10 --with miimon", 1, "--with: 'miimon' is not OPTION=VALUE"),
            ("generate --flows 0 -o /tmp/x.pcap", 1, "flows: give at least one"),
        ] {
            let r = Shell.run("\(sim) \(args)")
            #expect(r.status == Int32(status) && r.error.contains(says), "\(args): \(r.status) \(r.error)")
            #expect(!r.error.contains("Usage:"), "a refusal at run time is one line: \(r.error)")
            #expect(r.error.split(separator: "\n").first?.hasPrefix("Error: ") == true, "\(args): \(r.error)")
        }
    }
}
