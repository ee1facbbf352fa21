import BondControl
import Foundation
import Testing

@Suite struct MemberCandidatesTests {
    /// A /sys/class/net of the test's own: what a shell offers as members.
    @Test func onlyInterfacesThatCanBeMembers() throws {
        let sysfs = NSTemporaryDirectory() + "sysfs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: sysfs) }
        func device(_ name: String, type: Int, extra: String? = nil, alias: String = "") throws {
            try FileManager.default.createDirectory(atPath: sysfs + "/" + name, withIntermediateDirectories: true)
            try "\(type)\n".write(toFile: sysfs + "/\(name)/type", atomically: true, encoding: .utf8)
            try "\(alias)\n".write(toFile: sysfs + "/\(name)/ifalias", atomically: true, encoding: .utf8)
            if let extra { try FileManager.default.createDirectory(atPath: sysfs + "/\(name)/\(extra)", withIntermediateDirectories: true) }
        }
        try device("eth0", type: 1)
        try device("eth1", type: 1)
        try device("lo", type: 772)
        try device("br0", type: 1, extra: "bridge")
        try device("bond9", type: 1, extra: "bonding")
        try device("bond0", type: 1)
        // Engine ends and members by their alias, not their names (a long bond's engine
        // end is bde<hash>).
        try device("bde1a2b3c4", type: 1, alias: "bondd engine end of averylongbond0")
        try device("bde9f8e7d6", type: 1, alias: "bondd VLAN 3 of bond0")
        try device("eth7", type: 1, alias: "bondd member of bond0")
        try device("eth8", type: 1, alias: "uplink to rack 4")
        #expect(MemberCandidates.names(sysfs: sysfs, bonds: ["bond0"]) == ["eth0", "eth1", "eth8"])
    }
}
