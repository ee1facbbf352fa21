import ArgumentParser
import BondSim
import Foundation

extension BondSimTool {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn bench results (tools/bench* --json or --csv) into a Markdown table and plots.",
            discussion: """
                Reads the rows a bench script recorded and prints them as a Markdown table; \
                --plot draws, per bench and test, a bar per figure for each row, and the ratios \
                against a line at 1. tools/bench-report runs this.

                Example:
                  tools/bench-vlan --json > vlan.json
                  bondsim report vlan.json --plot vlan.svg
                """)

        @Argument(help: ArgumentHelp("Results as written by a bench script's --json or --csv.", valueName: "FILE"))
        var file: String

        @Option(name: .long, help: ArgumentHelp("Draw the results (.svg, or .png through rsvg-convert).", valueName: "FILE"))
        var plot: String?

        @Option(name: .long, help: ArgumentHelp("Write the Markdown table to a file instead of standard output.", valueName: "FILE"))
        var markdown: String?

        func validate() throws {
            if let plot, !(plot.hasSuffix(".svg") || plot.hasSuffix(".png")) { throw ValidationError("--plot: the file must end in .svg or .png") }
        }

        mutating func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw BondSimError("\(file): cannot read the file") }
            let results: ResultRows
            do throws(ResultRows.Refusal) { results = try ResultRows(parsing: data) } catch { throw BondSimError("\(file): \(error.message)") }
            guard !results.rows.isEmpty else { throw BondSimError("\(file): no results in it") }
            if let markdown { try Output.write(results.markdown, to: markdown) } else { print(results.markdown, terminator: "") }
            if let plot { try Output.plot(ResultsPlot.svg(results), to: plot) }
        }

    }
}
