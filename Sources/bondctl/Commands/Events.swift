import ArgumentParser
import BondControl
import BondCore
import Foundation
import SystemIO

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow state changes as they happen: links, active member, carrier, members, options.",
        discussion: """
            Prints one line per change, with the time, until Ctrl-C, --count changes, or \
            --duration seconds. Without a bond, every running bond is followed. With --json, \
            each change is a JSON object (sequence, time_ns, monotonic_ns, bond, kind, \
            member, message) on a line of its own, for scripts.
            Examples:
              bondctl events
              bondctl events bond0 --json
              bondctl events bond0 --count 1 --duration 10   wait for the next change
            """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond (default: every running bond).", completion: Completions.bonds) var bond: String?
    @Flag(help: "One JSON object per line.") var json = false
    @Option(help: "Exit after this many changes.") var count: Int?
    @Option(help: "Exit after this many seconds (status 0).") var duration: Double?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count: at least 1") }
        if let duration, duration <= 0 { throw ValidationError("--duration: more than 0 seconds") }
    }

    func run() {
        var followers: [EventFollower] = []
        let paths = socket.paths(bond: bond)
        for path in paths {
            do { followers.append(try EventFollower(path: path)) } catch {
                // Following every bond: one whose daemon was killed is skipped, not fatal.
                if paths.count == 1 { fail("\(error)") }
                warn("\(bondName(of: path)): not answering, skipped (\(error))")
            }
        }
        if followers.isEmpty { fail("no running bond answered (\(paths.count) control sockets in \(ControlPaths.directory))") }
        // Subscribed: a script waiting on this line knows nothing will be missed.
        FileHandle.standardError.write(Data("bondctl: following \(followers.count == 1 ? "1 bond" : "\(followers.count) bonds")\n".utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let deadline = duration.map { Date(timeIntervalSinceNow: $0) }
        var printed = 0
        while !followers.isEmpty {
            var waitMs: Int32 = -1
            if let deadline {
                let left = deadline.timeIntervalSinceNow
                if left <= 0 { return }
                waitMs = Int32(min(left * 1000 + 1, 60_000))
            }
            let readable: [Bool]
            do { readable = try UnixStream.waitReadable(followers.map(\.stream), milliseconds: waitMs < 0 ? nil : waitMs) } catch {
                fail(error.description)
            }
            var ended: [Int] = []
            for (i, ready) in readable.enumerated() where ready {
                guard let changes = followers[i].read() else {
                    ended.append(i)
                    continue
                }
                for c in changes {
                    if json, let data = try? encoder.encode(c) { print(String(decoding: data, as: UTF8.self)) } else if !json { print(Self.line(c)) }
                    fflush(nil)  // every output stream: stdout is shared mutable state to Swift 6
                    printed += 1
                    if let count, printed >= count { return }
                }
            }
            for i in ended.reversed() {
                FileHandle.standardError.write(Data("bondctl: \(followers[i].path): the bond stopped\n".utf8))
                followers.remove(at: i)
            }
        }
    }

    /// "12:00:01.234 bond0 link eth1: up -> down: link status definitely down, ..."
    static func line(_ c: StateChange) -> String {
        let seconds = time_t(c.unixNanoseconds / 1_000_000_000)
        var t = tm()
        var s = seconds
        localtime_r(&s, &t)
        let clock = String(format: "%02d:%02d:%02d.%03d", t.tm_hour, t.tm_min, t.tm_sec, Int(c.unixNanoseconds / 1_000_000 % 1000))
        let who = c.member.map { " \($0):" } ?? ""
        return "\(clock) \(c.bond) \(c.kind.rawValue)\(who) \(c.message)"
    }
}
