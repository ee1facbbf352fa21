// The bond's XDP fast path. `bondd_tx` runs on the engine's end of the bond device
// (frames the host sends on the bond) and redirects each to the member its mode
// chooses; `bondd_rx` runs on the members and redirects what the bond accepts to the
// bond device. Decisions come from maps the Swift engine keeps current; a frame the
// fast path does not decide (ARP and neighbour discovery, which the monitors and
// balance-alb must see, LACP, and every mode it does not implement) is passed up,
// where the engine's AF_PACKET sockets take it as before.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bond_xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bondd_xdp_config);
} bondd_config SEC(".maps");

/* Member slot -> member ifindex, for redirects to members. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_members SEC(".maps");

/* Member ifindex -> member slot, for frames arriving on members. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_slots SEC(".maps");

/* Key 0: the engine's end of the bond device, for redirects to the host. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bondd_device SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bondd_rr_counter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bondd_xdp_counters);
} bondd_counters SEC(".maps");

static __always_inline int count(int action)
{
	__u32 zero = 0;
	struct bondd_xdp_counters *c = bpf_map_lookup_elem(&bondd_counters, &zero);
	if (c) {
		if (action == XDP_REDIRECT)
			c->redirected++;
		else if (action == XDP_PASS)
			c->passed++;
		else
			c->dropped++;
	}
	return action;
}

/* Frames the control plane must see: ARP, neighbour discovery, slow protocols. */
static __always_inline int for_the_engine(struct ethhdr *eth, void *end)
{
	__u16 proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_ARP) || proto == bpf_htons(ETH_P_SLOW))
		return 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return 1; /* tagged frames: the engine parses them (for now) */
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
			return 1; /* MLD reports, resend_igmp */
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		/* IGMP goes to the active member only, as the engine decides. */
		__u8 *p = (void *)(eth + 1);
		if ((void *)(p + 10) > end)
			return 1;
		if (p[9] == IPPROTO_IGMP)
			return 1;
	}
	return 0;
}

/* The kernel's layer2 hash: bond_xmit_hash returns bond_eth_hash unfolded for it. */
static __always_inline __u32 layer2_hash(struct ethhdr *eth)
{
	return eth->h_dest[5] ^ eth->h_source[5] ^ bpf_ntohs(eth->h_proto);
}

/* The configuration, when the fast path decides this frame; NULL: pass it up. */
static __always_inline struct bondd_xdp_config *deciding(struct xdp_md *ctx, struct ethhdr **eth)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	*eth = data;
	if ((void *)(*eth + 1) > end)
		return NULL;
	__u32 zero = 0;
	struct bondd_xdp_config *cfg = bpf_map_lookup_elem(&bondd_config, &zero);
	if (!cfg || cfg->mode == BONDD_XDP_MODE_NONE || for_the_engine(*eth, end))
		return NULL;
	return cfg;
}

SEC("xdp")
int bondd_tx(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct bondd_xdp_config *cfg = deciding(ctx, &eth);
	if (!cfg)
		return count(XDP_PASS);
	__u32 zero = 0;
	__u32 n = cfg->usable_count;
	if (n == 0 || n > BONDD_MAX_MEMBERS)
		return count(XDP_DROP);
	__u32 index;
	switch (cfg->mode) {
	case BONDD_XDP_MODE_ACTIVE_BACKUP:
		if (cfg->active >= BONDD_MAX_MEMBERS)
			return count(XDP_DROP);
		return count(bpf_redirect_map(&bondd_members, cfg->active, XDP_DROP));
	case BONDD_XDP_MODE_ROUND_ROBIN: {
		__u32 *counter = bpf_map_lookup_elem(&bondd_rr_counter, &zero);
		if (!counter)
			return count(XDP_PASS);
		__u32 id;
		if (cfg->packets_per_member == 0) {
			id = bpf_get_prandom_u32();
		} else {
			*counter += 1;
			id = *counter / cfg->packets_per_member;
		}
		index = id % n;
		break;
	}
	case BONDD_XDP_MODE_XOR_LAYER2:
		index = layer2_hash(eth) % n;
		break;
	default:
		return count(XDP_PASS);
	}
	/* index < n <= BONDD_MAX_MEMBERS already; the mask is for the verifier, which
	 * loses the bound across the division. */
	asm volatile("" : "+r"(index));
	index &= BONDD_MAX_MEMBERS - 1;
	return count(bpf_redirect_map(&bondd_members, cfg->usable[index], XDP_DROP));
}

SEC("xdp")
int bondd_rx(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct bondd_xdp_config *cfg = deciding(ctx, &eth);
	if (!cfg)
		return count(XDP_PASS);
	__u32 ifindex = ctx->ingress_ifindex;
	__u32 *slot = bpf_map_lookup_elem(&bondd_slots, &ifindex);
	if (!slot)
		return count(XDP_PASS);
	if (cfg->mode == BONDD_XDP_MODE_ACTIVE_BACKUP && *slot != cfg->active && !cfg->all_members_active)
		return count(XDP_DROP);
	return count(bpf_redirect_map(&bondd_device, 0, XDP_PASS));
}

char LICENSE[] SEC("license") = "GPL";
