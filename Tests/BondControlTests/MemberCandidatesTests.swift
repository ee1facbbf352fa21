import BondControl
import Foundation
import Testing

@Suite struct MemberCandidatesTests {
    /// A /sys/class/net of the test's own: what a shell offers as members.
    @Test func onlyInterfacesThatCanBeMembers() throws {
        let sysfs = NSTemporaryDirectory() + "sysfs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: sysfs) }
        func device(_ name: String, type: Int, extra: String? = nil) throws {
            try FileManager.default.createDirectory(atPath: sysfs + "/" + name, withIntermediateDirectories: true)
            try "\(type)\n".write(toFile: sysfs + "/\(name)/type", atomically: true, encoding: .utf8)
            if let extra { try FileManager.default.createDirectory(atPath: sysfs + "/\(name)/\(extra)", withIntermediateDirectories: true) }
        }
        try device("eth0", type: 1)
        try device("eth1", type: 1)
        try device("lo", type: 772)
        try device("br0", type: 1, extra: "bridge")
        try device("bond9", type: 1, extra: "bonding")
        try device("bond0", type: 1)
        try device("bond0-eng", type: 1)
        #expect(MemberCandidates.names(sysfs: sysfs, bonds: ["bond0"]) == ["eth0", "eth1"])
    }
}
