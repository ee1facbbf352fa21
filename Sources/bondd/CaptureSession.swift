import BondControl
import BondCore
import BondEngine
import Foundation
import Glibc
import PacketIO

/// One `bondctl capture`: the engine copies frames into a tap, this thread writes them
/// to a pcap file with libpcap until the frame count, the time limit, the client
/// leaving (Ctrl-C) or the bond stopping ends it; the client then gets the summary.
enum CaptureSession {
    static let maximumSeconds = 86_400.0

    static func run(_ request: ControlRequest, engine: Engine, out: LineWriter) {
        guard let path = request.path, path.hasPrefix("/") else {
            _ = out.send(ControlReply.failure("capture: needs the pcap file as an absolute path"))
            return
        }
        if let c = request.count, c < 1 { _ = out.send(ControlReply.failure("capture: the count must be at least 1")); return }
        if let s = request.seconds, !(s > 0 && s <= maximumSeconds) {
            _ = out.send(ControlReply.failure("capture: the duration must be between 0 and \(Int(maximumSeconds)) seconds"))
            return
        }
        let tap = FrameTap()
        let member = request.member
        let started = engine.perform { e -> String? in
            do throws(OptionError) {
                try e.startCapture(member: member, into: tap)
                return nil
            } catch {
                return error.message
            }
        }
        // The file is opened (and truncated) only once the capture is accepted: a
        // mistyped member must not cost an existing file of that name.
        if let refusal = started ?? "the bond is stopping" {
            _ = out.send(ControlReply.failure(refusal))
            return
        }
        let writer: PcapWriter
        do { writer = try PcapWriter(path: path) } catch {
            _ = engine.perform { $0.stopCapture(tap) }
            _ = out.send(ControlReply.failure("capture: \(error)"))
            return
        }
        let on = member.map { "\(engine.name) member \($0)" } ?? "\(engine.name)"
        guard out.send(ControlReply(ok: true, message: "capturing on \(on) to \(path)")) else {
            _ = engine.perform { $0.stopCapture(tap) }
            return
        }
        let deadline = request.seconds.map { Date(timeIntervalSinceNow: $0) }
        var written = 0
        var drops = 0
        func write() {
            drops = tap.drain { time, wire, _, bytes in
                guard request.count.map({ written < $0 }) ?? true else { return }
                writer.write(bytes, wireLength: wire, unixNanoseconds: time)
                written += 1
            }
            writer.flush()
        }
        var why = "stopped"
        while true {
            usleep(50_000)
            write()
            if let c = request.count, written >= c { why = "count reached"; break }
            if let deadline, Date() >= deadline { why = "time is up"; break }
            if engine.journal.isClosed { why = "the bond stopped"; break }
            if out.peerClosed { why = "interrupted"; break }
        }
        _ = engine.perform { $0.stopCapture(tap) }
        write()
        _ = out.send(ControlReply(ok: true, message: "\(written) frames captured on \(on) to \(path) (\(why); \(drops) dropped)"))
    }
}
