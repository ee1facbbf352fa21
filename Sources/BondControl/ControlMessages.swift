import BondCore

/// One request to a bond's control socket: a JSON object on one line.
public struct ControlRequest: Codable, Sendable {
    public var command: String
    public var member: String?
    public init(command: String, member: String? = nil) { self.command = command; self.member = member }
}

/// The answer: `ok`, and either the bond's status or one line of error.
public struct ControlReply: Codable, Sendable {
    public var ok: Bool
    public var error: String?
    public var status: BondStatus?
    public init(ok: Bool, error: String? = nil, status: BondStatus? = nil) {
        self.ok = ok; self.error = error; self.status = status
    }
    public static func failure(_ message: String) -> ControlReply { ControlReply(ok: false, error: message) }
}

public enum ControlPaths {
    public static let directory = "/run/bondd"
    public static func socket(for bond: String) -> String { "\(directory)/\(bond).sock" }
    /// Requests larger than this are refused unread.
    public static let maximumRequest = 64 * 1024
}
