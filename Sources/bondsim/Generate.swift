import ArgumentParser
import BondSim
import Foundation

extension BondSimTool {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a seeded synthetic workload as a pcap file.",
            discussion: """
                Flows start as a Poisson process over the duration, with Pareto-distributed \
                sizes and log-uniform rates, from the host (or bridged guests, --vifs) to peers, \
                over VLANs and IPv6 as asked. The same options and seed write the same bytes.

                Example:
                  bondsim generate --flows 10000 --duration 20s --vifs 8 --vlans 2,3 \\
                      --ipv6-share 0.3 -o mix.pcap
                """)

        @Option(name: [.short, .customLong("out")], help: ArgumentHelp("The pcap file to write.", valueName: "FILE"))
        var out: String

        @OptionGroup var traffic: TrafficOptions

        mutating func run() throws {
            let recipe = try traffic.recipe(flows: traffic.flows ?? 1000)
            guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
                throw BondSimError("\(out): cannot write the file")
            }
            defer { try? file.close() }
            var writer = PcapWriter()
            var frames = 0
            let progress = Progress("generating")
            do {
                for (ns, bytes) in SyntheticTraffic(recipe) {
                    writer.append(bytes, at: ns)
                    frames += 1
                    if frames & 0x3FFF == 0 {
                        progress.show(done: frames, of: nil, at: Double(ns - recipe.origin) / Double(recipe.durationNanoseconds))
                    }
                    // Written in pieces of about 4 MB: a long trace never sits whole in memory.
                    if writer.bytes.count >= 1 << 22 { try file.write(contentsOf: writer.takeBytes()) }
                }
                try file.write(contentsOf: writer.takeBytes())
            } catch {
                try? FileManager.default.removeItem(atPath: out)
                throw BondSimError("\(out): cannot write the file (\(error.localizedDescription))")
            }
            progress.done()
            print("\(out): \(frames) frames of \(recipe.flows) flows over \(traffic.duration) (seed \(recipe.seed))")
        }
    }
}
