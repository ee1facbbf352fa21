/// Slow-protocols frames per member, with the kernel's counters (bond_3ad_stats, which
/// `ip -s link` shows as the 802.3ad statistics).
public struct LACPCounters: Codable, Sendable, Equatable {
    public var lacpduRx = 0
    public var lacpduTx = 0
    /// Slow-protocols frames of another subtype.
    public var lacpduUnknownRx = 0
    /// Too short, or not to the slow-protocols address.
    public var lacpduIllegalRx = 0
    public var markerRx = 0
    public var markerTx = 0
    public var markerResponseRx = 0
    public var markerResponseTx = 0
    public var markerUnknownRx = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case lacpduRx = "lacpdu_rx"
        case lacpduTx = "lacpdu_tx"
        case lacpduUnknownRx = "lacpdu_unknown_rx"
        case lacpduIllegalRx = "lacpdu_illegal_rx"
        case markerRx = "marker_rx"
        case markerTx = "marker_tx"
        case markerResponseRx = "marker_resp_rx"
        case markerResponseTx = "marker_resp_tx"
        case markerUnknownRx = "marker_unknown_rx"
    }

    /// The counters by their JSON names, in the kernel's order (for text and metrics).
    public var named: [(String, Int)] {
        [
            ("lacpdu_rx", lacpduRx), ("lacpdu_tx", lacpduTx), ("lacpdu_unknown_rx", lacpduUnknownRx),
            ("lacpdu_illegal_rx", lacpduIllegalRx), ("marker_rx", markerRx), ("marker_tx", markerTx),
            ("marker_resp_rx", markerResponseRx), ("marker_resp_tx", markerResponseTx), ("marker_unknown_rx", markerUnknownRx),
        ]
    }
}
