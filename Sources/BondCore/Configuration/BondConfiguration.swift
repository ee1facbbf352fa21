/// One bond as a configuration file declares it: its members, its kernel-style options
/// and how it is attached to the host (addresses, MTU, bridge).
public struct BondConfiguration: Equatable, Sendable {
    public var name: String
    public var members: [String]
    /// `name=value` words, in file order, for `BondOptions.parse`.
    public var optionWords: [String]
    public var options: BondOptions
    public var addresses: [InterfaceAddress]
    public var mtu: Int?
    /// A bridge the bond becomes a port of.
    public var bridge: String?
    /// The line of the section header, for messages.
    public var line: Int
    /// What option parsing had to say (e.g. one of miimon and arp_interval dropped).
    public var warnings: [String] = []
    /// Seconds to wait at start for members not present yet (`wait_members`, or
    /// `--wait-members`); those still missing then join when they appear.
    public var waitMembers: Int?

    public init(
        name: String, members: [String], optionWords: [String] = [], options: BondOptions = BondOptions(),
        addresses: [InterfaceAddress] = [], mtu: Int? = nil, bridge: String? = nil, line: Int = 0
    ) {
        self.name = name; self.members = members; self.optionWords = optionWords; self.options = options
        self.addresses = addresses; self.mtu = mtu; self.bridge = bridge; self.line = line
    }

    /// Whether running `self` in place of `other` needs the bond rebuilt (anything but
    /// where it is declared).
    public func differs(from other: BondConfiguration) -> Bool {
        var a = self, b = other
        a.line = 0; b.line = 0
        a.waitMembers = nil; b.waitMembers = nil
        return a != b
    }
}
