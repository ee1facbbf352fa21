import BondCore
import PacketIO

/// `bondctl capture`: copies of what the engine sends and receives on one member, or
/// on the bond device, for a pcap writer on another thread. Without a capture the data
/// plane pays one nil check per frame.
extension Engine {
    /// Starts copying the frames of `member` (nil: the bond device) into `tap`.
    public func startCapture(member: String?, into tap: FrameTap) throws(OptionError) {
        if let member {
            guard let i = bond.index(of: member) else { throw OptionError("capture: \(member) is not a member of \(name)") }
            guard ports[i].tap == nil else { throw OptionError("capture: a capture is already running on \(member)") }
            ports[i].tap = tap
        } else {
            guard device.tap == nil else { throw OptionError("capture: a capture is already running on \(name)") }
            device.tap = tap
        }
        taps.append(tap)
        syncFastPath()
        logger.info("\(name): capture started on \(member ?? name)")
    }

    /// Stops copying into `tap` and publishes the last copies.
    public func stopCapture(_ tap: FrameTap) {
        for p in ports where p.tap === tap { p.tap = nil }
        if device.tap === tap { device.tap = nil }
        tap.publish()
        taps.removeAll { $0 === tap }
        syncFastPath()
        logger.info("\(name): capture stopped")
    }
}
