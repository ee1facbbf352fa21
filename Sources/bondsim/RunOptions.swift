import ArgumentParser
import BondCore
import BondSim

/// How the bond is set up and what happens to it: shared by replay and compare.
struct RunOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The bond's members, in enslave order.", valueName: "NAME,NAME,..."))
    var members: String = "eth0,eth1"

    @Option(name: .long, help: ArgumentHelp("Link speeds in Mbit/s, per member (default 1000 each).", valueName: "N,N,..."))
    var speeds: String?

    @Option(name: .customLong("event"), help: ArgumentHelp("A scripted change: \(ScriptedEvent.usage). Repeatable.", valueName: "SPEC"))
    var events: [String] = []

    @Option(
        name: .long,
        help:
            "tx: frames the host sends on the bond (default); rx: frames arriving from the switch; auto: both, told apart by the bond's MAC as source."
    )
    var direction: String = "tx"

    @Option(name: .customLong("bond-mac"), help: "The bond's MAC (default: the first frame's source, or destination with --direction rx).")
    var bondMAC: String?

    @Option(name: .long, help: ArgumentHelp("The time series' interval (default: about 60 over the trace).", valueName: "TIME"))
    var interval: String?

    @Option(name: .long, help: ArgumentHelp("One-way latency of each member's link, for reordering.", valueName: "TIME"))
    var latency: String = "10us"

    @Option(
        name: .long,
        help: ArgumentHelp("How long the bond has been up before the first frame (802.3ad negotiates in about 2.5 s).", valueName: "TIME"))
    var warmup: String = "0s"

    @Option(name: .long, help: ArgumentHelp("Frames per second to price each failover window at (frames it would lose).", valueName: "PPS"))
    var rate: Double?

    @Option(name: .customLong("queue-frames"), help: "Each member's transmit queue, in full-size frames; beyond it frames drop.")
    var queueFrames: Int = 1000

    func settings(options: [String], label: String? = nil) throws -> ReplaySettings {
        var s = ReplaySettings(members: members.split(separator: ",").map(String.init), options: options)
        s.label = label
        if let speeds {
            s.speeds = try speeds.split(separator: ",").map {
                guard let v = Int($0), v > 0 else { throw BondSimError("--speeds: '\($0)' is not a speed in Mbit/s") }
                return v
            }
        }
        s.events = try events.map { spec in
            do throws(OptionError) { return try ScriptedEvent(parsing: spec) } catch { throw BondSimError(error.message) }
        }
        guard let d = ReplaySettings.Direction(rawValue: direction) else { throw BondSimError("--direction: tx, rx or auto, not '\(direction)'") }
        s.direction = d
        if let bondMAC {
            guard let m = MACAddress(bondMAC) else { throw BondSimError("--bond-mac: '\(bondMAC)' is not a MAC address") }
            s.bondMAC = m
        }
        if let interval {
            guard let t = ScriptedEvent.parseTime(interval), t >= 1000 else {
                throw BondSimError("--interval: '\(interval)' is not a time of at least 1us")
            }
            s.intervalNanoseconds = t
        }
        guard let l = ScriptedEvent.parseTime(latency) else { throw BondSimError("--latency: '\(latency)' is not a time") }
        s.latencyNanoseconds = l
        guard let w = ScriptedEvent.parseTime(warmup) else { throw BondSimError("--warmup: '\(warmup)' is not a time") }
        s.warmupNanoseconds = w
        if let rate {
            guard rate > 0, rate.isFinite else { throw BondSimError("--rate: frames per second, more than 0") }
            s.lossRate = rate
        }
        guard queueFrames > 0 else { throw BondSimError("--queue-frames: at least 1") }
        s.queueFrames = queueFrames
        return s
    }
}

/// Where results go besides the terminal.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false

    @Flag(name: .long, help: "Print the time series as CSV (policy,time_s,member,frames,bytes,byte_share).")
    var csv = false

    @Option(name: .long, help: ArgumentHelp("Draw the results (.svg, or .png through rsvg-convert).", valueName: "FILE"))
    var plot: String?

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv: choose one") }
        if let plot, !(plot.hasSuffix(".svg") || plot.hasSuffix(".png")) { throw ValidationError("--plot: the file must end in .svg or .png") }
    }
}
