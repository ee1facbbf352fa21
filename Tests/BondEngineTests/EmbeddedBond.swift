import BondCore
@testable import BondEngine
import Logging
import PacketIO

/// A bond run by a real `Engine` on an `EmbeddedKernel`: the test plays the wire, the
/// switch and the clock, and turns the engine's loop by hand.
final class EmbeddedBond {
    static let bondMAC = "02:00:00:00:00:a0"
    let kernel = EmbeddedKernel()
    let engine: Engine
    let members: [String]
    let logs = LogRecorder()

    /// `members` get MACs 52:54:00:00:00:01, :02, ...; the bond device is up with
    /// 192.0.2.1, and the engine has run one turn.
    init(_ words: [String], members: [String] = ["eth0", "eth1"]) throws {
        self.members = members
        for (i, m) in members.enumerated() { kernel.addInterface(m, mac: "52:54:00:00:00:0\(i + 1)") }
        let (options, _) = try BondOptions.parse(words + ["backend=afpacket"])
        let recorder = logs
        engine = try Engine(
            name: "bond0", members: members, options: options, optionWords: words + ["backend=afpacket"],
            logger: Logger(label: "bond0") { _ in recorder }, system: kernel)
        try kernel.addAddress(index: kernel.index(of: "bond0"), [192, 0, 2, 1], prefixLength: 24, noDAD: true)
        kernel.setAdmin("bond0", up: true)
        try turn()
    }

    deinit { engine.shutdown() }

    /// One turn of the engine's loop at the current virtual time.
    func turn() throws { try engine.turn() }

    /// Moves the virtual clock on, turning the loop every `step` ms on the way.
    func advance(milliseconds ms: Int, step: Int = 10) throws {
        var left = ms
        while left > 0 {
            let d = min(step, left)
            kernel.clock = kernel.clock.adding(milliseconds: d)
            left -= d
            try turn()
        }
    }

    /// Frames that left on `member` since the last look.
    func sent(on member: String) -> [ParsedFrame] { kernel.wire(member).takeSent().map(Self.parse) }

    /// Frames the engine delivered to the host on the bond device.
    func delivered() -> [ParsedFrame] { kernel.wire(BondDevice.engineEndName(for: "bond0")).takeSent().map(Self.parse) }

    /// A frame arrives from the switch on `member`.
    func receive(_ frame: [UInt8], on member: String) throws {
        kernel.wire(member).inject([frame])
        try turn()
    }

    /// The host sends `frame` on the bond device.
    func hostSends(_ frame: [UInt8]) throws {
        kernel.wire(BondDevice.engineEndName(for: "bond0")).inject([frame])
        try turn()
    }

    var status: BondStatus { engine.status() }

    static func parse(_ bytes: [UInt8]) -> ParsedFrame {
        let r = bytes.withUnsafeBytes { FrameParser.parse(FrameBytes($0)) }
        guard case .success(let p) = r else { fatalError("the engine sent a frame that does not parse") }
        return p
    }
}

/// Keeps what the engine logs, for tests that check what the user is told.
final class LogRecorder: LogHandler, @unchecked Sendable {
    private(set) var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        lines.append("\(level): \(message)")
    }
}
