import BondCore

/// The control protocol's version, in every reply: it grows when a request or a reply
/// changes meaning (see README, "Control protocol").
public enum ControlProtocol {
    public static let version = 1
}

/// One request to a bond's control socket: a JSON object on one line.
public struct ControlRequest: Codable, Sendable {
    public var command: ControlCommand
    public var member: String?
    /// `hash`: the frame, described as field=value words.
    public var frame: [String]?
    /// `set`: options as name=value words.
    public var options: [String]?
    /// `migrate`: the bucket, and whether it is a per-VIF one.
    public var bucket: Int?
    public var vif: Bool?
    /// `capture`: the pcap file (absolute), and its bounds: frames and seconds.
    public var path: String?
    public var count: Int?
    public var seconds: Double?
    /// `add-vlan`, `remove-vlan`: the VLAN id, and the device's name (add: nil for
    /// BOND.VID; remove: the device named instead of the id).
    public var vlan: Int?
    public var name: String?
    public init(
        command: ControlCommand, member: String? = nil, frame: [String]? = nil, options: [String]? = nil,
        bucket: Int? = nil, vif: Bool? = nil, path: String? = nil, count: Int? = nil, seconds: Double? = nil,
        vlan: Int? = nil, name: String? = nil
    ) {
        self.command = command; self.member = member; self.frame = frame; self.options = options
        self.bucket = bucket; self.vif = vif; self.path = path; self.count = count; self.seconds = seconds
        self.vlan = vlan; self.name = name
    }
}

/// The answer to `hash`: which member a described frame would take, and why.
public struct HashReply: Codable, Sendable {
    public var hash: UInt32?
    public var bucket: Int?
    public var member: String?
    public var reason: String
    public init(hash: UInt32?, bucket: Int?, member: String?, reason: String) {
        self.hash = hash; self.bucket = bucket; self.member = member; self.reason = reason
    }
}

/// The answer: `ok`, and either the bond's status or one line of error.
public struct ControlReply: Codable, Sendable {
    public var version = ControlProtocol.version
    public var ok: Bool
    public var error: String?
    public var status: BondStatus?
    public var hash: HashReply?
    /// What a command did, in lines for people (`reload`).
    public var message: String?
    public init(ok: Bool, error: String? = nil, status: BondStatus? = nil, hash: HashReply? = nil, message: String? = nil) {
        self.ok = ok; self.error = error; self.status = status; self.hash = hash; self.message = message
    }
    public static func failure(_ message: String) -> ControlReply { ControlReply(ok: false, error: message) }
}

public enum ControlPaths {
    public static let directory = "/run/bondd"
    public static func socket(for bond: String) -> String { "\(directory)/\(bond).sock" }
    /// Requests larger than this are refused unread.
    public static let maximumRequest = 64 * 1024
}
