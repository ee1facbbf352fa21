import CLibBPF
import SystemIO

/// The bond's VLAN devices as the programs see them (bpf/vlan.h): `bondd_rx` redirects
/// a frame tagged with `vid` to its device's engine end, untagged; `bondd_tx`, attached
/// there too, tags what the host sent.
extension XDPBondProgram {
    public func setVLAN(vid: UInt16, ifindex: Int32) throws(SystemError) {
        try update(vlanDevicesMap, key: UInt32(vid), value: UInt32(ifindex))
        try update(vlanOfMap, key: UInt32(ifindex), value: UInt32(vid))
        try update(vlansMap, key: UInt32(vid), value: UInt32(ifindex))
    }

    /// Frames tagged with `vid` go up to the engine again (and then to the bond device);
    /// its counters start from zero for a device made again.
    public func removeVLAN(vid: UInt16, ifindex: Int32) {
        try? update(vlansMap, key: UInt32(vid), value: 0)
        var k = UInt32(vid), i = UInt32(ifindex)
        _ = bpf_map_delete_elem(vlanDevicesMap, &k)
        _ = bpf_map_delete_elem(vlanOfMap, &i)
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 0 else { return }
        var zeros = [bondd_xdp_vlan_stats](repeating: bondd_xdp_vlan_stats(), count: cpus)
        _ = zeros.withUnsafeMutableBytes { bpf_map_update_elem(vlanStatsMap, &k, $0.baseAddress, UInt64(BPF_ANY)) }
    }

    /// What the programs moved for VLAN `vid`'s device, summed over CPUs: received is
    /// what they delivered to it, sent what they took from it.
    public func vlanCounters(vid: UInt16) -> (rxPackets: Int, rxBytes: Int, txPackets: Int, txBytes: Int) {
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 0 else { return (0, 0, 0, 0) }
        var values = [bondd_xdp_vlan_stats](repeating: bondd_xdp_vlan_stats(), count: cpus)
        var key = UInt32(vid)
        guard values.withUnsafeMutableBytes({ bpf_map_lookup_elem(vlanStatsMap, &key, $0.baseAddress) }) == 0 else { return (0, 0, 0, 0) }
        return values.reduce(into: (0, 0, 0, 0)) { c, v in
            c.0 += Int(truncatingIfNeeded: v.rx_packets); c.1 += Int(truncatingIfNeeded: v.rx_bytes)
            c.2 += Int(truncatingIfNeeded: v.tx_packets); c.3 += Int(truncatingIfNeeded: v.tx_bytes)
        }
    }
}
