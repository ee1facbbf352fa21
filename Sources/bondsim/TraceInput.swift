import ArgumentParser
import BondSim
import Foundation

/// The frames a run replays: a capture file, or a synthetic workload made on the fly.
enum TraceInput {
    /// A capture file mapped into memory (read frame by frame, never copied whole),
    /// with its first and last frames' times.
    case file(String, Data, first: UInt64, last: UInt64, frames: Int)
    case synthetic(TrafficRecipe)

    static func open(path: String?, traffic: TrafficOptions) throws -> TraceInput {
        switch (path, traffic.flows) {
        case (nil, nil): throw BondSimError("give a capture file, or --flows N for a synthetic workload")
        case (.some, .some): throw BondSimError("give a capture file or --flows, not both")
        case (nil, .some(let n)): return .synthetic(try traffic.recipe(flows: n))
        case (.some(let p), nil):
            guard FileManager.default.isReadableFile(atPath: p), let data = try? Data(contentsOf: URL(fileURLWithPath: p), options: .alwaysMapped)
            else {
                throw BondSimError("\(p): cannot read the file")
            }
            var first: UInt64?, last: UInt64 = 0, count = 0
            do {
                try data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
                    try PcapTrace.forEachFrame(in: b) { ns, _, _ in
                        if first == nil { first = ns }
                        last = ns
                        count += 1
                        return true
                    }
                }
            } catch let e as PcapTrace.Refusal { throw BondSimError("\(p): \(e.message)") }
            guard count > 0 else { throw BondSimError("\(p): the capture holds no frame") }
            return .file(p, data, first: first ?? 0, last: last, frames: count)
        }
    }

    var name: String {
        switch self {
        case .file(let p, _, _, _, _): p
        case .synthetic(let r): "\(r.flows) synthetic flows (seed \(r.seed))"
        }
    }

    /// The trace's length in nanoseconds.
    var span: UInt64 {
        switch self {
        case .file(_, _, let first, let last, _): last > first ? last - first : 0
        case .synthetic(let r): r.durationNanoseconds
        }
    }

    /// Feeds every frame to `replay`, showing progress on long runs.
    func run(_ replay: Replay, progress: Progress) throws {
        switch self {
        case .file(_, let data, _, _, let count):
            var k = 0
            var failure: Error?
            try data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
                try PcapTrace.forEachFrame(in: b) { ns, frame, wire in
                    do { try replay.feed(frame, at: ns, wireLength: wire) } catch {
                        failure = error
                        return false
                    }
                    k += 1
                    if k & 0x3FFF == 0 { progress.show(done: k, of: count) }
                    return true
                }
            }
            if let failure { throw failure }
        case .synthetic(let r):
            var k = 0
            for (ns, bytes) in SyntheticTraffic(r) {
                try replay.feed(bytes, at: ns)
                k += 1
                if k & 0x3FFF == 0 { progress.show(done: k, of: nil, at: Double(ns - r.origin) / Double(r.durationNanoseconds)) }
            }
        }
    }
}

/// A progress line on standard error, at most once a second, once the work has run a
/// second: what runs now, how far, how long so far.
final class Progress {
    let what: String
    let started = Date()
    var shown = Date()
    var printed = false
    let terminal = isatty(2) != 0

    init(_ what: String) { self.what = what }

    func show(done: Int, of total: Int?, at fraction: Double? = nil) {
        let now = Date()
        guard now.timeIntervalSince(started) >= 1, now.timeIntervalSince(shown) >= 1 else { return }
        shown = now
        let share = total.map { Double(done) / Double(max($0, 1)) } ?? fraction ?? 0
        let line = String(format: "%@: %d frames (%.0f%%), %.0f s", what, done, share * 100, now.timeIntervalSince(started))
        FileHandle.standardError.write(Data(((terminal ? "\r" : "") + line + (terminal ? "" : "\n")).utf8))
        printed = true
    }

    func done() {
        if printed && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
