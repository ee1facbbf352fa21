import Foundation
import PacketIO
import SystemIO

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

    static func currentNamespace() -> UInt64 { ProcessFacts.networkNamespace() }

    static func read(bond: String, in directory: String = directory) -> RecoveryRecord? {
        guard let data = FileManager.default.contents(atPath: path(for: bond, in: directory)) else { return nil }
        return try? JSONDecoder().decode(RecoveryRecord.self, from: data)
    }

    /// Written to a temporary file and renamed: a reader (or a crash half-way) sees the
    /// old record or the new one, never a mix.
    func save(in directory: String = directory) throws(EngineError) {
        let target = Self.path(for: bond, in: directory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch { throw EngineError("cannot encode the recovery record: \(error)") }
        do {
            try StateFile.makeDirectory(directory)
            try StateFile.write(Array(data), to: target)
        } catch { throw EngineError("cannot write \(target): \(error)") }
    }

    static func remove(bond: String, in directory: String = directory) { StateFile.remove(path(for: bond, in: directory)) }

    /// Whether the bondd that wrote the record still runs (a reused pid is not bondd).
    var writerIsAlive: Bool {
        ProcessFacts.isRunning(pid: pid, named: "bondd")
    }
}
