import ArgumentParser
import BondControl
import BondCore
import Foundation
import Glibc

/// The capture's connection, for the signal handler (which can capture nothing).
nonisolated(unsafe) private var captureConnection: Int32 = -1

struct Capture: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write what a bond sends and receives on a member (or on the bond) to a pcap file.",
        discussion: """
            bondd copies the frames of the member as its engine sends and receives them \
            (with MEMBER), or those the host sends on the bond and those delivered to it \
            (without), and writes them with libpcap. Frames are copied only while a capture \
            runs. It ends after --count frames, after --duration seconds, or on Ctrl-C, and \
            says how many frames it wrote (and dropped, if the writer fell behind).
            Examples:
              bondctl capture bond0 eth1 -w eth1.pcap -c 100
              bondctl capture bond0 -w bond0.pcap --duration 10
              tcpdump -r eth1.pcap -n
            """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond.", completion: Completions.bonds) var bond: String
    @Argument(help: "The member (default: the bond device).", completion: Completions.members) var member: String?
    @Option(name: .customShort("w"), help: ArgumentHelp("The pcap file to write.", valueName: "file")) var file: String
    @Option(name: [.customShort("c"), .long], help: "Stop after this many frames.") var count: Int?
    @Option(help: "Stop after this many seconds.") var duration: Double?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count: at least 1") }
        if let duration, !(duration > 0) { throw ValidationError("--duration: more than 0 seconds") }
        if file.isEmpty { throw ValidationError("-w: give a file name") }
    }

    func run() {
        let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        let stream: ControlStream
        do {
            stream = try ControlStream(
                ControlRequest(command: .capture, member: member, path: absolute, count: count, seconds: duration),
                to: socket.path(for: bond))
        } catch { fail("\(error)") }
        guard let first = stream.nextReply() else { fail("no reply from \(stream.path)") }
        guard first.ok else { fail(first.error ?? "capture refused") }
        FileHandle.standardError.write(
            Data(
                "bondctl: \(first.message ?? "capturing")\(count.map { ", \($0) frames" } ?? "")\(duration.map { ", \($0) s" } ?? ""); Ctrl-C to stop\n"
                    .utf8))
        captureConnection = stream.fd
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { _ in ControlStream.finish(captureConnection) }
        }
        guard let last = stream.nextReply() else { fail("bondd closed the capture without a summary") }
        guard last.ok else { fail(last.error ?? "capture failed") }
        print(last.message ?? "done")
    }
}
