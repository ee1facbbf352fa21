/// One side's identity and state in an LACPDU (the kernel's port_params): the actor TLV
/// describes the sender, the partner TLV what the sender knows of us.
public struct LACPPortInfo: Sendable, Equatable {
    public var systemPriority: UInt16
    public var system: MACAddress
    public var key: UInt16
    public var portPriority: UInt16
    public var port: UInt16
    public var state: LACPState

    public init(systemPriority: UInt16, system: MACAddress, key: UInt16, portPriority: UInt16, port: UInt16, state: LACPState) {
        self.systemPriority = systemPriority
        self.system = system
        self.key = key
        self.portPriority = portPriority
        self.port = port
        self.state = state
    }

    /// The partner's administrative values, taken while no partner speaks (DEFAULTED):
    /// the kernel's template in ad_initialize_port (a passive partner since 6.17). A
    /// zero system means "no partner".
    public static let administrativeDefaults = LACPPortInfo(
        systemPriority: 0xFFFF, system: .zero, key: 1, portPriority: 0xFF, port: 1, state: [])

    /// Everything but the state: who the port is (the fields that make a partner new).
    func sameIdentity(as o: LACPPortInfo) -> Bool {
        systemPriority == o.systemPriority && system == o.system && key == o.key && portPriority == o.portPriority && port == o.port
    }
}
