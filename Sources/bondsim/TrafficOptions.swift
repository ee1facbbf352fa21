import ArgumentParser
import BondCore
import BondSim

/// A synthetic workload's recipe (`TrafficRecipe`), for generate, replay and compare.
struct TrafficOptions: ParsableArguments {
    @Option(name: .long, help: "Flows in the workload (replay and compare: generate instead of reading a file).")
    var flows: Int?

    @Option(name: .long, help: ArgumentHelp("The workload's length.", valueName: "TIME"))
    var duration: String = "10s"

    @Option(name: .long, help: "The seed: the same seed, the same frames.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Hosts on the switch's side that flows go to.")
    var peers: Int = 16

    @Option(name: .long, help: "Guests bridged over the bond, each with a MAC of its own (0: the host alone).")
    var vifs: Int = 0

    @Option(name: .long, help: ArgumentHelp("VLANs flows are spread over.", valueName: "VID,VID,..."))
    var vlans: String?

    @Option(name: .customLong("ipv6-share"), help: "The share of flows over IPv6 (0 to 1).")
    var ipv6Share: Double = 0

    @Option(name: .customLong("mean-flow-frames"), help: "The mean flow size in frames (Pareto distributed).")
    var meanFlowFrames: Double = 100

    @Option(name: .customLong("pareto-shape"), help: "The Pareto shape of flow sizes (above 1; smaller is heavier-tailed).")
    var paretoShape: Double = 1.2

    @Option(name: .long, help: ArgumentHelp("Per-flow rates in Mbit/s, drawn log-uniform.", valueName: "MIN-MAX"))
    var rates: String = "1-100"

    @Option(name: .customLong("frame-bytes"), help: "Frame length in bytes, Ethernet header included.")
    var frameBytes: Int = 1514

    @Option(name: .long, help: "Frames a flow sends back to back before pausing (a TCP window); 1: evenly spaced.")
    var burst: Int = 1

    @Option(name: .customLong("host-mac"), help: "The host's MAC (the bond's): the source of its own flows.")
    var hostMAC: String = "02:00:5e:00:00:01"

    func recipe(flows n: Int) throws -> TrafficRecipe {
        var r = TrafficRecipe()
        r.flows = n
        guard let d = ScriptedEvent.parseTime(duration) else { throw BondSimError("--duration: '\(duration)' is not a time") }
        r.durationNanoseconds = d
        r.seed = seed
        r.peers = peers
        r.vifs = vifs
        if let vlans {
            r.vlans = try vlans.split(separator: ",").map {
                guard let v = UInt16($0) else { throw BondSimError("--vlans: '\($0)' is not a VLAN id") }
                return v
            }
        }
        r.ipv6Share = ipv6Share
        r.meanFlowFrames = meanFlowFrames
        r.paretoShape = paretoShape
        let parts = rates.split(separator: "-")
        guard parts.count == 2, let lo = Double(parts[0]), let hi = Double(parts[1]) else {
            throw BondSimError("--rates: MIN-MAX in Mbit/s, not '\(rates)'")
        }
        r.minRateMbps = lo
        r.maxRateMbps = hi
        r.frameBytes = frameBytes
        r.burstFrames = burst
        guard let mac = MACAddress(hostMAC) else { throw BondSimError("--host-mac: '\(hostMAC)' is not a MAC address") }
        r.hostMAC = mac
        do throws(OptionError) { try r.validate() } catch { throw BondSimError(error.message) }
        return r
    }
}
