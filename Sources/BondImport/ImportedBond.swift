import BondCore

/// One bond found in an existing configuration (an ifupdown stanza, ifcfg files, a
/// netplan bond, `ip -d link show`), in bondd's terms: options by the kernel's name,
/// and every line that has no bondd equivalent kept as a note rather than dropped.
public struct ImportedBond: Equatable, Sendable {
    public var name: String
    /// Where it was found, for the section's comment: `FILE line N`.
    public var origin: String
    public var members: [String] = []
    /// `(kernel option name, value)` in the order the source gave them.
    public var options: [Setting] = []
    /// `ADDRESS/PREFIX`, as bondd's `address =` takes them.
    public var addresses: [String] = []
    public var mtu: Int?
    public var bridge: String?
    public var vlans: [VLANSpec] = []
    /// What could not be carried over, one line each, said in the output as comments.
    public var notes: [String] = []

    public struct Setting: Equatable, Sendable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }
        public var word: String { "\(name)=\(value)" }
    }

    public init(name: String, origin: String) {
        self.name = name
        self.origin = origin
    }

    /// Sets `name` (the kernel's option name), replacing an earlier value: a later line
    /// wins, as it does when ifenslave or the kernel applies them in order.
    public mutating func set(_ name: String, _ value: String) {
        options.removeAll { $0.name == name }
        options.append(Setting(name, value))
    }

    mutating func addMember(_ m: String) {
        if !members.contains(m) { members.append(m) }
    }

    mutating func note(_ line: String) {
        if !notes.contains(line) { notes.append(line) }
    }
}

/// A problem with the input itself (not a bond configuration, unreadable): one line.
public struct ImportError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
