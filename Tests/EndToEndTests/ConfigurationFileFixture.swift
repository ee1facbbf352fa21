import BondControl
import BondCore
import Foundation

/// What the tests of `bondd --config` share: a file of the test's own, and a bond's
/// status read from its control socket.
protocol ConfigurationFileFixture {}

extension ConfigurationFileFixture {
    /// Writes `text` to a new temporary file; returns its path (the test removes it).
    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "bondd-\(UUID().uuidString).conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func status(_ bond: String) -> BondStatus? {
        try? ControlClient.send(ControlRequest(command: .show), to: "/run/bondd/\(bond).sock").status
    }
}
