// The AF_XDP backend's steering program: every frame of a member or of the bond
// device goes to its AF_XDP socket, where the engine decides as it does on AF_PACKET.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bond_xdp.h"
#include "maps.h"
#include "classify.h"

/* AF_XDP sockets by slot: members 0-31, the bond device's engine end at
 * BONDD_DEVICE_SLOT, VLAN devices' engine ends after it. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, BONDD_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_xsks SEC(".maps");

/* The AF_XDP backend: every frame of a member or of the bond device goes to its
 * socket, where the engine decides as it does on AF_PACKET; super-frames, which no
 * socket frame holds, go up to the AF_PACKET socket instead (and the rest of their
 * TCP flow with them, as in bondd_tx). */
SEC("xdp")
int bondd_xsk(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	__u32 ifindex = ctx->ingress_ifindex;
	__u32 *slot = bpf_map_lookup_elem(&bondd_slots, &ifindex);
	if (!slot)
		return XDP_PASS;
	struct bondd_xdp_config *cfg = current_config();
	__u32 max_frame = cfg && cfg->max_frame ? cfg->max_frame : 1514;
	/* A tagged frame of a full MTU is 4 bytes longer (8 with two tags). */
	if (eth->h_proto == bpf_htons(ETH_P_8021Q) || eth->h_proto == bpf_htons(ETH_P_8021AD))
		max_frame += 8;
	/* The tc programs carry members' TCP (tc_tcp_only, tc_path.h): every frame of it
	 * passes to them. What the host sends reaches an engine end only when bondd_tc_tx
	 * left it to the engine (or for a VLAN device, which tc leaves alone). */
	if (cfg && cfg->tc_tcp_only && *slot < BONDD_MAX_MEMBERS && is_tcp(eth, end))
		return XDP_PASS;
	if (goes_up_with_its_flow(eth, end, end - data > max_frame))
		return XDP_PASS;
	return bpf_redirect_map(&bondd_xsks, *slot, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
