import Foundation
import Glibc
import PacketIO

/// What a running bond changed on the host and how to give it back, written before
/// each change to `/run/bondd/BOND.state`: a bondd killed without restoring (SIGKILL,
/// a crash) leaves this behind, and the next start or `bondd --cleanup BOND` uses it to
/// put every member back as it was before the first start.
struct RecoveryRecord: Codable, Equatable {
    /// One member as it was before the bond took it over.
    struct Member: Codable, Equatable {
        var name: String
        var index: Int32
        var mac: [UInt8]
        var mtu: Int
        var up: Bool
        var promiscuous: Bool
        var allMulticast: Bool
        var alias: String?
        /// The clsact qdisc was created for the bond (and goes with its filters).
        var createdTCHook = false
    }

    var bond: String
    var pid: Int32
    /// The network namespace (inode of /proc/self/ns/net): interfaces are only found,
    /// and repaired, from there.
    var namespace: UInt64
    var engineEnd: String
    var socket: String?
    var members: [Member] = []

    static let directory = ProcessClaim.stateDirectory
    static func path(for bond: String, in directory: String = directory) -> String { "\(directory)/\(bond).state" }

    static func currentNamespace() -> UInt64 {
        var st = stat()
        return stat("/proc/self/ns/net", &st) == 0 ? UInt64(st.st_ino) : 0
    }

    static func read(bond: String, in directory: String = directory) -> RecoveryRecord? {
        guard let data = FileManager.default.contents(atPath: path(for: bond, in: directory)) else { return nil }
        return try? JSONDecoder().decode(RecoveryRecord.self, from: data)
    }

    /// Written to a temporary file and renamed: a reader (or a crash half-way) sees the
    /// old record or the new one, never a mix.
    func save(in directory: String = directory) throws(EngineError) {
        let target = Self.path(for: bond, in: directory)
        let temporary = target + ".new"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(self).write(to: URL(fileURLWithPath: temporary))
        } catch { throw EngineError("cannot write \(temporary): \(error.localizedDescription)") }
        guard rename(temporary, target) == 0 else {
            throw EngineError("cannot write \(target): \(String(cString: strerror(errno)))")
        }
    }

    static func remove(bond: String, in directory: String = directory) { unlink(path(for: bond, in: directory)) }

    /// Whether the bondd that wrote the record still runs (a reused pid is not bondd).
    var writerIsAlive: Bool {
        guard pid != getpid(), kill(pid, 0) == 0 || errno == EPERM else { return false }
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
        return comm.trimmingCharacters(in: .whitespacesAndNewlines) == "bondd"
    }
}
