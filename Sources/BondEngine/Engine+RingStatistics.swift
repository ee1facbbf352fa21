import BondCore
import PacketIO

/// Frames the kernel drops before the engine sees them (a receive ring without room)
/// are counted where the user sees them: `rx_missed` per member, `device_missed` for
/// the bond's own devices.
extension Engine {
    /// Reads every AF_PACKET ring's counters into its socket's totals. The kernel
    /// zeroes them as it hands them over and they are 32 bits wide, so the engine
    /// thread is their only reader and reads them every second and for every status.
    /// (AF_XDP's are cumulative and read where they are shown.)
    func collectRingStatistics() {
        nextRingStatisticsRead = system.now().adding(milliseconds: 1000)
        device.socket.collectStatistics()
        for d in vlanDevices where !d.removed { d.socket.collectStatistics() }
        for p in ports where !p.removed { p.socket.collectStatistics() }
        forwarding?.collectRingStatistics()
    }
}
