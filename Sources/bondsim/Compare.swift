import ArgumentParser
import BondCore
import BondSim

extension BondSimTool {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run several policies over the same trace and show them side by side.",
            discussion: """
                Each POLICY is the daemon's options in one argument ("mode=balance-xor \
                xmit_hash_policy=layer3+4"), a bare mode name ("balance-tlb"), or either after a \
                label ("l34: mode=balance-xor xmit_hash_policy=layer3+4").

                Example:
                  bondsim compare balance-rr balance-tlb \\
                      'l34: mode=balance-xor xmit_hash_policy=layer3+4' \\
                      --flows 10000 --members eth0,eth1 --event 'down eth1 @5s' --plot compare.svg
                """)

        @Argument(help: ArgumentHelp("Policies to compare.", valueName: "POLICY"))
        var policies: [String]

        @Option(name: .long, help: ArgumentHelp("The capture file (or give --flows).", valueName: "FILE"))
        var trace: String?

        @Option(name: .customLong("with"), help: ArgumentHelp("Options every policy gets (miimon=100, say). Repeatable.", valueName: "OPTION=VALUE"))
        var common: [String] = []

        @Option(name: .customLong("markdown"), help: ArgumentHelp("Also write the table as Markdown.", valueName: "FILE"))
        var markdown: String?

        @OptionGroup var bond: RunOptions
        @OptionGroup(title: "Synthetic workload (instead of a file)") var traffic: TrafficOptions
        @OptionGroup var output: OutputOptions

        mutating func run() throws {
            guard !policies.isEmpty else { throw BondSimError("give at least one policy") }
            if let bad = common.first(where: { !$0.contains("=") }) { throw BondSimError("--with: '\(bad)' is not OPTION=VALUE") }
            let parsed = policies.map(Self.policy).map { ($0.label, common + $0.words) }
            let input = try TraceInput.open(path: trace, traffic: traffic)
            // Every policy is checked before the first runs.
            for (label, words) in parsed {
                do throws(OptionError) { _ = try BondOptions.parse(words) } catch { throw BondSimError("\(label): \(error.message)") }
            }
            var reports: [RunReport] = []
            for (label, words) in parsed {
                reports.append(try Replay.replay(input, settings: try bond.settings(options: words, label: label)))
            }
            if output.json {
                print(try Output.json(reports))
            } else if output.csv {
                print(ReportCSV.series(reports), terminator: "")
            } else {
                print("\(input.name) over \(bond.members):")
                print(ReportText.compare(reports), terminator: "")
            }
            if let markdown { try Output.write(ReportText.compareMarkdown(reports), to: markdown) }
            if let plot = output.plot { try Output.plot(ComparePlot.svg(reports), to: plot) }
        }

        /// "label: words", or words; a word without "=" is a mode's name.
        static func policy(_ text: String) -> (label: String, words: [String]) {
            var label: String?
            var rest = Substring(text)
            if let colon = text.firstIndex(of: ":"), !text[..<colon].contains("=") {
                label = text[..<colon].trimmingCharacters(in: .whitespaces)
                rest = text[text.index(after: colon)...]
            }
            let words = rest.split(separator: " ").map { $0.contains("=") ? String($0) : "mode=\($0)" }
            return (label ?? rest.trimmingCharacters(in: .whitespaces), words)
        }
    }
}
