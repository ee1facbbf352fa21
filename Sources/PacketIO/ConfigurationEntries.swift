import CLibBPF
import SystemIO

/// The fast path's configuration as a program object's programs read it (bpf/maps.h):
/// the entries of `bondd_config`, used in turn, the one in use named by
/// `bondd_config_current`.
///
/// A write fills the next entry, then points the programs at it. An entry they left is
/// written again only once an RCU grace period has ended since (`GracePeriods`): a
/// program run is one RCU read-side section, so by then no program still reads it. No
/// program ever sees an entry half rewritten, and, the socket filter and tc ingress
/// running in one section for each frame, the entry the filter's word names
/// (bpf/tc_path.h) is never rewritten before bondd_tc_rx reads it. With four entries,
/// three writes within a grace period (about 10 ms here, longer under load) wait for
/// nothing; in a longer burst the fourth and each later write wait, on the engine's
/// thread. The active-backup and fail_over_mac end-to-end suites wrote in bursts of two
/// at most.
struct ConfigurationEntries {
    static let count = UInt32(BONDD_CONFIG_ENTRIES)
    private let entries: Int32, current: Int32
    private let gracePeriods: any GracePeriodSource
    /// The entry the programs read.
    private var inUse: UInt32 = 0
    /// Written into each entry: the filter's word carries it, so that an entry rewritten
    /// all the same (in test runs, which are sections of their own) is told apart.
    private var generation: UInt32 = 0
    /// Per entry, the grace period to wait out before it is written: the one that began
    /// when the programs left it (nil: none has read it since it was written).
    private var leftBehind = [UInt64?](repeating: nil, count: Int(count))
    private let owner: String

    init(_ object: LoadedBPFObject, gracePeriods: (any GracePeriodSource)? = nil) throws(SystemError) {
        entries = try object.map("bondd_config")
        current = try object.map("bondd_config_current")
        if let gracePeriods {
            self.gracePeriods = gracePeriods
        } else {
            self.gracePeriods = try GracePeriods.shared()
        }
        owner = object.name
    }

    /// Makes `config` the one the programs read.
    mutating func write(_ config: bondd_xdp_config) throws(SystemError) {
        var config = config
        generation &+= 1
        config.generation = generation
        var next = (inUse + 1) % Self.count
        if let ticket = leftBehind[Int(next)] { gracePeriods.wait(for: ticket) }
        leftBehind[Int(next)] = nil
        var r = bpf_map_update_elem(entries, &next, &config, UInt64(BPF_ANY))
        guard r == 0 else { throw SystemError("\(owner): bondd_config update", errno: -r) }
        var zero: UInt32 = 0
        r = bpf_map_update_elem(current, &zero, &next, UInt64(BPF_ANY))
        guard r == 0 else { throw SystemError("\(owner): bondd_config_current update", errno: -r) }
        leftBehind[Int(inUse)] = gracePeriods.begin()
        inUse = next
    }
}
