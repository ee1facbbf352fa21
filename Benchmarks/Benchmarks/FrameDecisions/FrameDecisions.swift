import Benchmark
import BondCore

// The per-frame work of the data plane: parse the headers, ask the mode. Each must
// run without allocating; the malloc counters make that a measured fact.

private func udpFrame() -> [UInt8] {
    var f: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]
    f += [0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]
    f += [0x03, 0xE8, 0x00, 0x09, 0, 26, 0, 0] + [UInt8](repeating: 0, count: 18)
    return f
}

private func ipv6TCPFrame() -> [UInt8] {
    var f: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x81, 0x00, 0x00, 0x03, 0x86, 0xDD]
    f += [0x60, 0, 0, 0, 0, 20, 6, 64]
    f += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
    f += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
    f += [0x13, 0x88, 0x00, 0x50] + [UInt8](repeating: 0, count: 8) + [0x50, 0x10] + [UInt8](repeating: 0, count: 6)
    return f
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000)

    Benchmark("parse UDP/IPv4 frame") { benchmark in
        let frame = udpFrame()
        frame.withUnsafeBytes { raw in
            let bytes = FrameBytes(raw)
            for _ in benchmark.scaledIterations {
                blackHole(FrameParser.parse(bytes, maxLength: 1514))
            }
        }
    }

    Benchmark("parse VLAN TCP/IPv6 frame") { benchmark in
        let frame = ipv6TCPFrame()
        frame.withUnsafeBytes { raw in
            let bytes = FrameBytes(raw)
            for _ in benchmark.scaledIterations {
                blackHole(FrameParser.parse(bytes, maxLength: 1514))
            }
        }
    }

    /// Parse, then one decision of the configured mode, per iteration.
    func decisionBenchmark(_ title: String, _ words: [String], _ decide: @escaping (inout AnyBondingMode, ParsedFrame, MemberView) -> Void) {
        Benchmark(title) { benchmark in
            var policy = AnyBondingMode(options: try! BondOptions.parse(words).0)
            let view = MemberView(usable: [0, 1, 2], active: 1)
            let frame = udpFrame()
            frame.withUnsafeBytes { raw in
                let bytes = FrameBytes(raw)
                for _ in benchmark.scaledIterations {
                    if case .success(let p) = FrameParser.parse(bytes, maxLength: 1514) {
                        decide(&policy, p, view)
                    }
                }
            }
        }
    }

    for (name, words) in [
        ("active-backup", ["mode=active-backup"]),
        ("balance-rr", ["mode=balance-rr"]),
        ("balance-rr packets_per_slave=4", ["mode=balance-rr", "packets_per_slave=4"]),
        ("802.3ad layer3+4", ["mode=802.3ad", "xmit_hash_policy=layer3+4"]),
        ("balance-xor layer3+4", ["mode=balance-xor", "xmit_hash_policy=layer3+4"]),
        ("balance-tlb", ["mode=balance-tlb"]),
        ("balance-alb", ["mode=balance-alb"]),
        ("balance-slb", ["mode=balance-slb"]),
        ("policy:flowlet", ["mode=policy:flowlet"]),
        ("policy:consistent-hash", ["mode=policy:consistent-hash"]),
    ] {
        decisionBenchmark("parse + transmit decision, \(name)", words) { policy, frame, view in
            blackHole(policy.transmitTarget(for: frame, members: view))
        }
        decisionBenchmark("parse + receive admission, \(name)", words) { policy, frame, view in
            blackHole(policy.admits(frame, on: 2, members: view))
        }
    }

    // 802.3ad's control plane: an LACPDU parsed from a member's frame, and one written
    // into the port's buffer, reused in place (no allocation once it exists).
    let actor = LACPPortInfo(
        systemPriority: 65535, system: MACAddress("02:00:00:00:00:01")!, key: 15, portPriority: 255, port: 1,
        state: [.activity, .shortTimeout, .aggregation, .synchronization, .collecting, .distributing])
    let pdu = LACPDU(actor: actor, partner: actor)

    Benchmark("LACP: parse LACPDU") { benchmark in
        let frame = pdu.frame(source: MACAddress("02:00:00:00:00:09")!)
        frame.withUnsafeBytes { raw in
            let bytes = FrameBytes(raw)
            for _ in benchmark.scaledIterations {
                blackHole(SlowProtocolPDU.parse(bytes))
            }
        }
    }

    Benchmark("LACP: write LACPDU into a reused buffer") { benchmark in
        var buffer: [UInt8] = []
        pdu.write(into: &buffer, source: .zero)
        for _ in benchmark.scaledIterations {
            pdu.write(into: &buffer, source: .zero)
            blackHole(buffer[20])
        }
    }
}
