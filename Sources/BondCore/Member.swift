/// One member link of a bond, as bonding logic sees it: no file descriptors here.
public struct Member: Sendable {
    public let name: String
    /// The MAC the member had before it joined; restored when it leaves.
    public let permanentMAC: MACAddress
    /// Link speed in Mbit/s (0 when unknown); primary_reselect=better compares it.
    public var speed: Int
    /// Half duplex (false) takes the member out of 802.3ad; nil: the driver does not say.
    public var fullDuplex: Bool?
    public var monitor: CarrierMonitor
    /// The ARP/NS monitor's verdict while it runs: up, down, or back (the candidate
    /// probed while no member is active). Carrier loss overrides it.
    public var probeVerdict: LinkState?
    /// Preferred among up members when no primary is usable (higher wins).
    public var prio: Int = 0
    public var linkFailureCount: Int = 0
    public var lastLinkChange: Instant
    /// Disabled by hand (`bondctl disable-member`, as Open vSwitch's bond/disable-member):
    /// the member carries nothing until enabled, whatever its link says.
    public var adminDisabled = false
    /// The member was removed at runtime; its slot waits for the next member added, so
    /// that indices held by modes and monitors never shift.
    public var isRemoved = false

    public init(
        name: String, permanentMAC: MACAddress, speed: Int = 0, carrier: Bool,
        updelay: Int = 0, downdelay: Int = 0, at now: Instant
    ) {
        self.name = name
        self.permanentMAC = permanentMAC
        self.speed = speed
        monitor = CarrierMonitor(carrier: carrier, updelay: updelay, downdelay: downdelay)
        lastLinkChange = now
    }

    /// The member may carry traffic when its link allows it.
    public var isEligible: Bool { !adminDisabled && !isRemoved }

    /// Carrier as the monitors may use it: an ineligible member is never probed.
    public var usableCarrier: Bool { isEligible && monitor.carrier }

    public var link: LinkState {
        guard isEligible else { return .down }
        guard let v = probeVerdict else { return monitor.state }
        return monitor.carrier ? v : .down
    }
}
