/// The commands of the control protocol, by their names on the wire.
public enum ControlCommand: String, Codable, Sendable, CaseIterable {
    case show
    case set
    case setActive = "set-active"
    case addMember = "add-member"
    case removeMember = "remove-member"
    case enableMember = "enable-member"
    case disableMember = "disable-member"
    case addVLAN = "add-vlan"
    case removeVLAN = "remove-vlan"
    case migrate
    case hash
    case reload
    /// Streams: the connection stays open and carries one JSON line per change or frame.
    case events
    case capture

    /// Answered by a stream of lines rather than one reply.
    public var isStreaming: Bool { self == .events || self == .capture }

    /// Takes a member (`member` in the request).
    public var needsMember: Bool { [.setActive, .addMember, .removeMember, .enableMember, .disableMember, .migrate].contains(self) }

    /// `status` is an older name of `show`, still accepted; any other unknown name is
    /// refused with the list of those there are.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let name = try c.decode(String.self)
        if name == "status" { self = .show; return }
        guard let command = ControlCommand(rawValue: name) else { throw UnknownCommand(name: name) }
        self = command
    }
}

/// A request named a command the protocol does not have.
public struct UnknownCommand: Error, CustomStringConvertible {
    public var name: String
    /// The unknown command behind a decoding error, however the decoder wrapped it.
    public static func within(_ error: any Error) -> UnknownCommand? {
        if let u = error as? UnknownCommand { return u }
        if case DecodingError.dataCorrupted(let c) = error { return c.underlyingError.flatMap(within) }
        return nil
    }

    public var description: String {
        "unknown command '\(name)' (\(ControlCommand.allCases.map(\.rawValue).joined(separator: ", ")))"
    }
}
