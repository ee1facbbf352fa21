import ArgumentParser
import BondCore
import BondSim

extension BondSimTool {
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay a capture (or a synthetic workload) through one policy.",
            discussion: """
                Every frame is handed to the mode as the bond device would hand it, at its \
                capture time on the virtual clock, so timers, rebalancing, monitors and \
                balance-alb's updates run as they would live. OPTION=VALUE are the daemon's own \
                bond options, with its parser and its errors.

                Examples:
                  bondsim replay trace.pcap --members eth0,eth1 mode=balance-xor \\
                      xmit_hash_policy=layer2+3
                  bondsim replay --flows 2000 --members a,b,c,d mode=balance-tlb \\
                      --event 'down b @5s' --json
                  bondsim replay arp.pcap --direction rx --members eth0,eth1 mode=balance-alb
                """)

        @Argument(help: ArgumentHelp("The capture file (pcap or pcapng), then the bond's options.", valueName: "FILE | OPTION=VALUE"))
        var inputs: [String] = []

        @OptionGroup var bond: RunOptions
        @OptionGroup(title: "Synthetic workload (instead of a file)") var traffic: TrafficOptions
        @OptionGroup var output: OutputOptions

        mutating func run() throws {
            let files = inputs.filter { !$0.contains("=") }
            guard files.count <= 1 else { throw BondSimError("one capture file at a time (got \(files.joined(separator: ", ")))") }
            let options = inputs.filter { $0.contains("=") }
            let input = try TraceInput.open(path: files.first, traffic: traffic)
            let report = try Self.replay(input, settings: try bond.settings(options: options))
            if output.json {
                print(try Output.json(report))
            } else if output.csv {
                print(ReportCSV.series([report]), terminator: "")
            } else {
                print(ReportText.run(report), terminator: "")
            }
            if let plot = output.plot { try Output.plot(RunPlot.svg(report), to: plot) }
        }

        static func replay(_ input: TraceInput, settings: ReplaySettings) throws -> RunReport {
            do throws(OptionError) {
                let replay = try BondSim.Replay(settings, span: input.span)
                let progress = Progress("replaying \(settings.name)")
                defer { progress.done() }
                do { try input.run(replay, progress: progress) } catch let e as OptionError { throw e } catch { throw OptionError("\(error)") }
                return replay.finish()
            } catch {
                throw BondSimError(error.message)
            }
        }
    }
}
