import BondCore
import BondSim
import Foundation
import Testing

/// What bondsim and bench-report write: tables, CSV, results read back, plots.
@Suite struct OutputTests {
    static let json = """
        [
          {"bench": "bench-vlan", "time": "2026-12-05T11:39:50+00:00", "elapsed_s": 36.0, "test": "frames",
           "direction": "host-to-members", "backend": "afpacket", "unit": "pps", "untagged": 542984, "vlan": 539395, "ratio": 0.99},
          {"bench": "bench-vlan", "time": "2026-12-05T11:40:00+00:00", "elapsed_s": 46.0, "test": "tcp",
           "direction": "client-to-host", "backend": "xdp", "unit": "Mbit/s", "untagged": 9000, "vlan": 8100, "ratio": 0.9}
        ]
        """

    @Test func resultsReadBackInTheirOrderAndGroupByTest() throws {
        let r = try ResultRows(parsing: Data(Self.json.utf8))
        #expect(r.keys == ["bench", "time", "elapsed_s", "test", "direction", "backend", "unit", "untagged", "vlan", "ratio"])
        #expect(r.groups.map(\.title) == ["bench-vlan: frames (pps)", "bench-vlan: tcp (Mbit/s)"])
        let table = r.markdown.split(separator: "\n")
        #expect(table[0] == "| bench | test | direction | backend | unit | untagged | vlan | ratio |")
        #expect(table[2] == "| bench-vlan | frames | host-to-members | afpacket | pps | 542984 | 539395 | 0.99 |")
        let csv = "bench,test,backend,untagged,ratio\nbench-x,frames,\"af,packet\",10,0.5\n"
        let c = try ResultRows(parsing: Data(csv.utf8))
        #expect(c.rows.count == 1 && c.rows[0][2].value == .text("af,packet") && c.rows[0][3].value == .number(10))
        #expect(throws: ResultRows.Refusal.self) { try ResultRows(parsing: Data("[1, 2".utf8)) }
    }

    @Test func theResultsPlotHasAPanelPerTestAndTheRatiosApart() throws {
        let svg = ResultsPlot.svg(try ResultRows(parsing: Data(Self.json.utf8)))
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        for text in ["bench-vlan: frames (pps)", "bench-vlan: tcp (Mbit/s), ratios", "host-to-members afpacket", ">untagged<", ">ratio<"] {
            #expect(svg.contains(text), "\(text)")
        }
    }

    func run() throws -> RunReport {
        var s = ReplaySettings(members: ["a", "b"], options: ["mode=balance-rr", "miimon=100"])
        s.events = [try ScriptedEvent(parsing: "down b @50ms")]
        s.intervalNanoseconds = 10_000_000
        s.label = "rr <&> \"quoted\""
        let r = try Replay(s, span: 100_000_000)
        for k in 0..<100 { try r.feed(ReplayTests.frame(flow: k % 5), at: UInt64(k) * 1_000_000) }
        return r.finish()
    }

    @Test func aRunsPlotNamesMembersAndEventsAndEscapesText() throws {
        let svg = RunPlot.svg(try run())
        #expect(svg.contains(">a<") && svg.contains(">b<") && svg.contains(">down b<"))
        #expect(svg.contains("rr &lt;&amp;&gt; &quot;quoted&quot;") && !svg.contains("<&>"))
        #expect(svg.contains("<polyline") && svg.contains("heaviest flows"))
    }

    @Test func theCompareTableAndPlotHaveARowAndALineEachPolicy() throws {
        let runs = [try run(), try run()]
        let table = ReportText.compare(runs).split(separator: "\n")
        #expect(table.count == 3 && table[0].hasPrefix("policy"))
        let md = ReportText.compareMarkdown(runs).split(separator: "\n")
        #expect(md.count == 4 && md[1].hasPrefix("|---|---:"))
        let svg = ComparePlot.svg(runs)
        #expect(svg.components(separatedBy: "<polyline").count - 1 >= 2)
    }

    @Test func csvHasARowPerIntervalAndMember() throws {
        let r = try run()
        let lines = ReportCSV.series([r]).split(separator: "\n")
        #expect(lines[0] == "policy,time_s,member,frames,bytes,byte_share")
        #expect(lines.count == 1 + r.series.bytes.count * 2)
        #expect(lines[1].hasPrefix("\"rr <&> \"\"quoted\"\"\",0.000000,a,"))
    }
}
