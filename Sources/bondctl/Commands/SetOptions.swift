import ArgumentParser
import BondControl
import BondCore
import Foundation

struct SetOptions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change bonding options of a running bond.",
        discussion: """
            Options are written as at start, name=value, and take effect at once without \
            restarting the bond. As in the kernel, mode and fail_over_mac cannot change while \
            the bond has members (change the configuration file and reload, which rebuilds \
            the bond), and tlb_dynamic_lb (and alb_clients), in 802.3ad ad_select, \
            lacp_active and ad_user_port_key, and bondd's policy, flowlet_buckets and \
            ch_buckets only while the bond device is down. bondd's backend, tcp_in_kernel, \
            xdp_mode, workers and workers_steer change only by a reload of a changed file \
            (and engine_cpus too under workers_steer=cpu). \
            Everything else may change: miimon, updelay, downdelay, arp_interval, \
            arp_ip_target, ns_ip6_target, arp_validate, arp_all_targets, arp_missed_max, \
            primary, primary_reselect, prio, active_slave, all_slaves_active, \
            packets_per_slave, xmit_hash_policy, num_grat_arp, peer_notif_delay, \
            resend_igmp, lp_interval, rebalance_interval; in 802.3ad lacp_rate (the kernel \
            refuses it while up), min_links, ad_actor_sys_prio, ad_actor_system, \
            actor_port_prio, lacp_fallback_ab; and bondd's own coalesce, busy_poll, \
            engine_cpus and vlans. A change lasts until a reload of a changed section of \
            the configuration file, or a rebuild, applies the file's options again; put it \
            in the file to keep it.
            Examples:
              bondctl set bond0 miimon=50 downdelay=200
              bondctl set bond0 lacp_rate=fast min_links=2
              bondctl set bond0 primary=eth1 primary_reselect=always
              bondctl set bond0 arp_interval=100 arp_ip_target=192.0.2.254
            """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond.", completion: Completions.bonds) var bond: String
    @Argument(help: "Options as name=value.", completion: Completions.options) var options: [String] = []

    func validate() throws {
        if options.isEmpty { throw ValidationError("give at least one option as name=value") }
    }

    func run() {
        _ = socket.change(ControlRequest(command: .set, options: options), at: socket.path(for: bond))
        print("\(bond): \(options.joined(separator: " "))")
    }
}
