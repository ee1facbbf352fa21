// The bond's XDP fast path. `bondd_tx` runs on the engine's end of the bond device
// (frames the host sends on the bond) and redirects each to the member its mode
// chooses; `bondd_rx` runs on the members and redirects what the bond accepts to the
// bond device. Decisions come from maps the Swift engine keeps current. A frame the
// fast path does not decide is passed up, where the engine's AF_PACKET sockets take
// it and the engine decides as it does without the fast path: ARP and neighbour
// discovery (the monitors and balance-alb must see them), LACP, IGMP and MLD, frames
// tagged for VLANs the bond has no device for, frames whose hash the fast path does
// not compute exactly as the engine would, and every frame of a mode the fast path
// does not implement. VLAN devices (vlan.h) are decided here too, tags and all.
// TCP's super-frames, which a generic XDP redirect refuses, are the tc programs' of
// tc_path.h, included at the end: same maps, same decisions. Members without native
// XDP have no bondd_rx at all: tc decides what they receive.
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
#include "fast_path_maps.h"
#include "classify.h"
#include "hash.h"
#include "buckets.h"
#include "vlan.h"
#include "admission.h"

static __always_inline int to_member(__u32 slot, __u64 length)
{
	slot &= BONDD_MAX_MEMBERS - 1;
	int action = bpf_redirect_map(&bondd_members, slot, XDP_DROP);
	struct bondd_xdp_member_stats *s = member_stats(slot);
	if (s && action == XDP_REDIRECT) {
		s->tx_packets++;
		s->tx_bytes += length;
	}
	return count(action);
}

/* The member a frame the host sent leaves on, as the mode decides: its slot,
 * CHOSE_BROADCAST, CHOSE_PASS (the engine decides) or CHOSE_DROP (no member); with
 * `*source` the source MAC the frame must leave with (balance-tlb and -alb), or 0.
 * Nothing here writes the frame: a tc program that writes packet data directly gets a
 * prologue that copies the headers of every cloned skb (each TCP segment the host
 * sends), so bondd_tc_tx writes with a helper, and only when it must. */
#define CHOSE_PASS TLB_PASS
#define CHOSE_DROP TLB_DROP
#define CHOSE_BROADCAST (-3)
static __always_inline long choose_member(struct ethhdr *eth, void *end, struct bondd_xdp_config *cfg, __u16 vlan, __u64 *source,
					   struct bucket_bill *bill)
{
	__u32 zero = 0;
	*source = 0;
	no_bill(bill);
	__u32 n = cfg->usable_count;
	if (n == 0 || n > BONDD_MAX_MEMBERS)
		return CHOSE_DROP;
	__u32 index;
	switch (cfg->mode) {
	case BONDD_XDP_MODE_ACTIVE_BACKUP:
		if (cfg->active >= BONDD_MAX_MEMBERS)
			return CHOSE_DROP;
		return cfg->active;
	case BONDD_XDP_MODE_ROUND_ROBIN: {
		__u32 *counter = bpf_map_lookup_elem(&bondd_rr_counter, &zero);
		if (!counter)
			return CHOSE_PASS;
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
	case BONDD_XDP_MODE_XOR: {
		__u32 h;
		if (flow_hash(eth, end, cfg->hash_policy, &h))
			return CHOSE_PASS;
		index = h % n;
		break;
	}
	case BONDD_XDP_MODE_BROADCAST:
		return CHOSE_BROADCAST;
	case BONDD_XDP_MODE_TLB:
	case BONDD_XDP_MODE_ALB:
		return tlb_member(eth, end, cfg, vlan, n, source, bill);
	case BONDD_XDP_MODE_SLB: {
		__u32 slot;
		if (vif_member(eth, cfg, vlan, &slot, bill))
			return CHOSE_PASS;
		return slot;
	}
	default:
		return CHOSE_PASS;
	}
	/* index < n <= BONDD_MAX_MEMBERS already; the mask is for the verifier, which
	 * loses the bound across the division. */
	asm volatile("" : "+r"(index));
	index &= BONDD_MAX_MEMBERS - 1;
	return cfg->usable[index];
}

/* On the engine end of the bond device and of each VLAN device: the mode chooses the
 * member from the untagged frame (hashes see the inner headers, as the kernel's see a
 * VLAN device's frames), then a VLAN device's frame gets its tag. */
SEC("xdp")
int bondd_tx(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex;
	__u32 *vid = bpf_map_lookup_elem(&bondd_vlan_of, &ifindex);
	__u16 vlan = vid ? *vid & 0x0fff : 0;
	struct ethhdr *eth;
	struct bondd_xdp_config *cfg = deciding(ctx, &eth, !vlan);
	if (!cfg)
		return count(XDP_PASS);
	void *end = (void *)(long)ctx->data_end;
	__u64 length = ctx->data_end - ctx->data;
	__u64 source;
	struct bucket_bill bill;
	long chosen = choose_member(eth, end, cfg, vlan, &source, &bill);
	if (chosen == CHOSE_PASS)
		return count(XDP_PASS);
	if (chosen == CHOSE_DROP)
		return count(XDP_DROP);
	/* Buckets weigh the untagged frame, as the engine weighs it. */
	__u64 billed = length;
	if (vlan) {
		if (push_tag(ctx, vlan))
			return count(XDP_PASS); /* no headroom: the engine tags it */
		count_vlan(vlan, length, 0);
		length += 4;
	}
	/* After the tag, so that a frame left to the engine keeps its own source. */
	if (source) {
		struct ethhdr *tagged = (void *)(long)ctx->data;
		if ((void *)(tagged + 1) > (void *)(long)ctx->data_end)
			return count(XDP_DROP);
		mac_bytes(source, tagged->h_source);
	}
	if (chosen == CHOSE_BROADCAST) {
		for (__u32 i = 0; i < BONDD_MAX_MEMBERS && i < cfg->usable_count; i++) {
			struct bondd_xdp_member_stats *s = member_stats(cfg->usable[i] & (BONDD_MAX_MEMBERS - 1));
			if (s) {
				s->tx_packets++;
				s->tx_bytes += length;
			}
		}
		return count(bpf_redirect_map(&bondd_broadcast, 0, BPF_F_BROADCAST));
	}
	int action = to_member(chosen, length);
	if (action == XDP_REDIRECT)
		bill_buckets(&bill, billed);
	return action;
}

/* A frame bondd_rx leaves to the engine: a VLAN device's gets its tag back first, as
 * the member received it. */
static __always_inline int up(struct xdp_md *ctx, __u16 tci)
{
	if (tci && push_tag(ctx, tci))
		return count(XDP_DROP);
	return count(XDP_PASS);
}

/* On the members: what the bond accepts goes to the bond device, or untagged to the
 * VLAN device its tag names; the rest is dropped (a backup's) or left to the engine. */
SEC("xdp")
int bondd_rx(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex;
	__u32 *found = bpf_map_lookup_elem(&bondd_slots, &ifindex);
	if (!found)
		return count(XDP_PASS);
	__u32 slot = *found & (BONDD_MAX_MEMBERS - 1);
	struct bondd_xdp_member_stats *s = member_stats(slot);
	if (!s)
		return count(XDP_PASS);
	/* A frame for one of the bond's VLAN devices is decided untagged, as the engine
	 * decides it once its device has it. */
	__u16 tci = tag_for_a_device(ctx);
	if (tci && pop_tag(ctx))
		return count(XDP_PASS);
	__u16 vlan = tci & 0x0fff;
	struct ethhdr *eth;
	struct bondd_xdp_config *cfg = deciding(ctx, &eth, !tci);
	if (!cfg)
		return !tci && left_to_tc(ctx) ? XDP_PASS : up(ctx, tci);
	/* Any frame is a sign of life for the ARP monitor (arp_validate=none). */
	if (cfg->stamp_receive)
		s->last_rx_ns = bpf_ktime_get_ns();
	if (!admits(cfg, slot, eth, vlan)) {
		s->rx_dropped++;
		return count(XDP_DROP);
	}
	if (needs_bond_mac(cfg, eth))
		__builtin_memcpy(eth->h_dest, cfg->bond_mac, ETH_ALEN);
	s->rx_packets++;
	s->rx_bytes += ctx->data_end - ctx->data + (tci ? 4 : 0);
	if (tci) {
		count_vlan(vlan, ctx->data_end - ctx->data, 1);
		return count(bpf_redirect_map(&bondd_vlan_devices, vlan, XDP_DROP));
	}
	return count(bpf_redirect_map(&bondd_device, 0, XDP_PASS));
}

#include "tc_path.h"

char LICENSE[] SEC("license") = "GPL";
