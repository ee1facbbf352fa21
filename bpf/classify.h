/* Which frames the programs decide and which go up to the engine. */
#ifndef BONDD_CLASSIFY_H
#define BONDD_CLASSIFY_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.h"

/* Frames the control plane must see: ARP, neighbour discovery, slow protocols,
 * IGMP and MLD (which go to the active member only), tagged frames. */
static __always_inline int for_the_engine(struct ethhdr *eth, void *end)
{
	__u16 proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_ARP) || proto == bpf_htons(ETH_P_SLOW))
		return 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return 1;
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return 1;
		if (ip6->nexthdr == IPPROTO_ICMPV6) {
			struct icmp6hdr *icmp = (void *)(ip6 + 1);
			if ((void *)(icmp + 1) > end)
				return 1;
			if (icmp->icmp6_type >= 133 && icmp->icmp6_type <= 137)
				return 1;
		}
		if (ip6->nexthdr == IPPROTO_HOPOPTS)
			return 1;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end)
			return 1;
		if (ip->protocol == IPPROTO_IGMP)
			return 1;
	}
	return 0;
}

/* An untagged TCP frame, over IPv4 or IPv6 (no extension header). */
static __always_inline int is_tcp(struct ethhdr *eth, void *end)
{
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		return (void *)(ip + 1) <= end && ip->protocol == IPPROTO_TCP;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		return (void *)(ip6 + 1) <= end && ip6->nexthdr == IPPROTO_TCP;
	}
	return 0;
}

/* The TCP flow a frame belongs to; 0 if it is not TCP. */
static __always_inline int tcp_flow(struct ethhdr *eth, void *end, struct bondd_flow *flow)
{
	__u16 *ports;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP || ip->ihl < 5)
			return 0;
		flow->source = ip->saddr;
		flow->destination = ip->daddr;
		ports = (void *)((__u8 *)ip + ip->ihl * 4);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return 0;
		__u32 *s = (__u32 *)&ip6->saddr, *d = (__u32 *)&ip6->daddr;
		flow->source = s[0] ^ s[1] ^ s[2] ^ s[3];
		flow->destination = d[0] ^ d[1] ^ d[2] ^ d[3];
		ports = (void *)(ip6 + 1);
	} else {
		return 0;
	}
	if ((void *)(ports + 2) > end)
		return 0;
	flow->ports = (__u32)ports[0] | (__u32)ports[1] << 16;
	return 1;
}

/* A super-frame goes up to the engine's AF_PACKET sockets, and so does the rest of its
 * TCP flow for a while after it; 1: this frame goes up. */
static __always_inline int goes_up_with_its_flow(struct ethhdr *eth, void *end, int super)
{
	struct bondd_flow flow;
	if (tcp_flow(eth, end, &flow)) {
		__u64 now = bpf_ktime_get_ns();
		if (super) {
			bpf_map_update_elem(&bondd_offload_flows, &flow, &now, BPF_ANY);
			return 1;
		}
		__u64 *seen = bpf_map_lookup_elem(&bondd_offload_flows, &flow);
		if (seen && now - *seen < BONDD_OFFLOAD_HOLD_NS)
			return 1;
	}
	return super;
}

/* The configuration, when the fast path decides this frame; NULL: pass it up.
 * `untagged`: the frame is the bond device's own, not a VLAN device's, which the tc
 * programs carry when it is a super-frame. */
static __always_inline struct bondd_xdp_config *deciding(struct xdp_md *ctx, struct ethhdr **eth, int untagged)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	*eth = data;
	if ((void *)(*eth + 1) > end)
		return NULL;
	struct bondd_xdp_config *cfg = current_config();
	if (!cfg || cfg->mode == BONDD_XDP_MODE_NONE || for_the_engine(*eth, end))
		return NULL;
	/* GSO and GRO super-frames: a generic XDP redirect refuses frames longer than
	 * the target's MTU. The tc programs carry the bond device's whole (tc_path.h), in
	 * the same softirq as this program's redirects, so a flow's frames stay in order.
	 * Otherwise (a VLAN device's, or without the tc programs) the engine's sockets
	 * carry them (virtio-net headers) and the rest of such a flow follows them up,
	 * for the same reason. */
	int super = end - data > cfg->max_frame;
	if (cfg->super_frames_in_tc && untagged ? super : goes_up_with_its_flow(*eth, end, super))
		return NULL;
	return cfg;
}

/* An untagged frame too long for a redirect, which bondd_tc_rx takes once bondd_rx
 * passes it if it is a super-frame (tc_path.h): it is counted where tc decides it,
 * and so is one that is not (tc counts it passed, as it goes up to the engine). */
static __always_inline int left_to_tc(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct bondd_xdp_config *cfg = current_config();
	if (!cfg || !cfg->super_frames_in_tc || cfg->mode == BONDD_XDP_MODE_NONE || (void *)(eth + 1) > end)
		return 0;
	return end - data > cfg->max_frame && eth->h_proto != bpf_htons(ETH_P_8021Q) && eth->h_proto != bpf_htons(ETH_P_8021AD);
}

static __always_inline int is_bond_mac(const __u8 *a, const __u8 *bond)
{
	return a[0] == bond[0] && a[1] == bond[1] && a[2] == bond[2] && a[3] == bond[3] && a[4] == bond[4] && a[5] == bond[5];
}

static __always_inline __u64 mac_key(const __u8 *m)
{
	return (__u64)m[0] << 40 | (__u64)m[1] << 32 | (__u64)m[2] << 24 | (__u64)m[3] << 16 | (__u64)m[4] << 8 | m[5];
}

#endif
