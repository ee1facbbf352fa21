/// Every option with its current value, as the kernel's sysfs files under
/// /sys/class/net/BOND/bonding/ print them (names without the number), for `show`:
/// a script finds every option, set or not (nil: unset).
extension BondOptions {
    /// Every option's kernel name (the modes' own included), sorted: the one list that
    /// completion offers and a mistyped name is matched against.
    public static let names: [String] = BondOptions().kernelValues.keys.sorted()

    public var kernelValues: [String: String?] {
        func list<T: CustomStringConvertible>(_ xs: [T]) -> String? { xs.isEmpty ? nil : xs.map(\.description).joined(separator: ",") }
        var v: [String: String?] = [
            "mode": mode.kernelName,
            "miimon": String(miimon),
            "updelay": String(updelay),
            "downdelay": String(downdelay),
            "primary": primary,
            "primary_reselect": primaryReselect.kernelName,
            "active_slave": activeSlave,
            "all_slaves_active": allSlavesActive ? "1" : "0",
            "packets_per_slave": String(packetsPerSlave),
            "num_grat_arp": String(numPeerNotif),
            "num_unsol_na": String(numPeerNotif),
            "peer_notif_delay": String(peerNotifDelay),
            "fail_over_mac": failOverMAC.kernelName,
            "xmit_hash_policy": xmitHashPolicy.kernelName,
            "tlb_dynamic_lb": tlbDynamicLB ? "1" : "0",
            "lp_interval": String(lpInterval),
            "rebalance_interval": String(rebalanceInterval),
            "alb_clients": String(albClients),
            "arp_interval": String(arpInterval),
            "arp_ip_target": list(arpTargets),
            "ns_ip6_target": list(nsTargets),
            "arp_validate": arpValidate.kernelName,
            "arp_all_targets": arpAllTargets.kernelName,
            "arp_missed_max": String(arpMissedMax),
            "resend_igmp": String(resendIGMP),
            "prio": prio.isEmpty ? nil : prio.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","),
            "backend": backend?.rawValue,
            "coalesce": coalesce.rawValue,
            "busy_poll": String(busyPoll),
            "engine_cpus": engineCPUs?.description ?? "all",
            "workers": String(workers),
            "workers_steer": workersSteer.rawValue,
            "tcp_in_kernel": tcpInKernel ? "1" : "0",
            "xdp_mode": xdpMode.rawValue,
            "vlans": list(vlans),
        ]
        // The options of every registered mode, this mode's with their values.
        for m in BondMode.allCases {
            for o in AnyBondingMode.type(of: m)?.options ?? [] where v[o.name] == nil { v[o.name] = .some(nil) }
        }
        for (name, value) in modeSettings { v[name] = value }
        return v
    }
}
