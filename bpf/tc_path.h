/* The bond's path through tc, beside the XDP programs and with their maps, for what
 * generic XDP cannot carry well: TCP's super-frames (GSO on the host's side, GRO and
 * GSO from peers). A generic XDP redirect refuses a frame longer than the target's
 * MTU; tc's bpf_redirect hands the skb on whole, its GSO and checksum state intact,
 * with no copy and in the softirq of whichever core the flow is on.
 *
 *   bondd_tc_tx        the bond device's host end, egress: every frame the mode
 *                      decides goes straight to its member; the rest (ARP, LACP...)
 *                      continues to the engine end, where bondd_tx and the engine
 *                      take it as before. A flow's frames all take one path.
 *   bondd_tc_rx        members, ingress: super-frames the bond takes go to the bond
 *                      device. Packet sockets see a frame before tc ingress, so the
 *                      engine's member sockets carry bondd_super_filter, which turns
 *                      away exactly these frames: each has one owner.
 *   bondd_tc_out       members and the engine end, egress: lets these redirects out
 *                      past the stack bypass's drop filter, which runs after it.
 */
#ifndef BONDD_TC_PATH_H
#define BONDD_TC_PATH_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "fast_path_maps.h"
#include "admission.h"

static __always_inline struct bondd_xdp_config *tc_config(void)
{
	struct bondd_xdp_config *cfg = current_config();
	return cfg && cfg->super_frames_in_tc && cfg->mode != BONDD_XDP_MODE_NONE ? cfg : NULL;
}

/* The configuration and member slot when bondd_tc_rx decides a frame a member
 * received, and the engine's sockets do not get it: a super-frame, on a member whose
 * tc program and socket filter are both in place (the control plane sets its bit in
 * tc_members after attaching both, and clears it before taking them off). NULL: the
 * engine's. Tagged ones go up to the engine, as bondd_rx sends them. */
static __always_inline struct bondd_xdp_config *tc_receives(struct __sk_buff *skb, __u32 *slot)
{
	if (!skb->gso_size || skb->vlan_present)
		return NULL;
	struct bondd_xdp_config *cfg = tc_config();
	__u32 ifindex = skb->ifindex;
	__u32 *found = bpf_map_lookup_elem(&bondd_slots, &ifindex);
	if (!cfg || !found)
		return NULL;
	*slot = *found & (BONDD_MAX_MEMBERS - 1);
	return (cfg->tc_members >> *slot) & 1 ? cfg : NULL;
}

/* Counts a tc verdict, and returns it. */
static __always_inline long tc_count(long action)
{
	count_outcome(action == TC_ACT_REDIRECT ? BONDD_REDIRECTED : action == TC_ACT_SHOT ? BONDD_DROPPED : BONDD_PASSED);
	return action;
}

/* The interface of `slot` (a member, or BONDD_DEVICE_SLOT), with the frame marked as
 * ours for bondd_tc_out there; 0: none. */
static __always_inline __u32 redirect_target(struct __sk_buff *skb, __u32 slot)
{
	__u32 *ifindex = bpf_map_lookup_elem(&bondd_ifindexes, &slot);
	if (!ifindex || !*ifindex)
		return 0;
	skb->mark = BONDD_TC_MARK;
	return *ifindex;
}

static __always_inline long tc_redirect(struct __sk_buff *skb, __u32 slot)
{
	__u32 ifindex = redirect_target(skb, slot);
	return ifindex ? bpf_redirect(ifindex, 0) : TC_ACT_SHOT;
}

static __always_inline void count_sent(__u32 slot, __u64 length)
{
	struct bondd_xdp_member_stats *s = member_stats(slot & (BONDD_MAX_MEMBERS - 1));
	if (s) {
		s->tx_packets++;
		s->tx_bytes += length;
	}
}

SEC("tc")
int bondd_tc_tx(struct __sk_buff *skb)
{
	/* What this leaves alone goes on (TC_ACT_UNSPEC: through any filter after ours)
	 * to the engine end, where bondd_tx passes it up and counts it. */
	struct bondd_xdp_config *cfg = tc_config();
	if (!cfg || skb->vlan_present)
		return TC_ACT_UNSPEC;
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || for_the_engine(eth, end))
		return TC_ACT_UNSPEC;
	__u64 length = skb->len;
	long chosen = choose_member(eth, end, cfg, 0, length);
	if (chosen == CHOSE_PASS)
		return TC_ACT_UNSPEC;
	/* Dropped as the kernel's bond drops with no slave to send on: the sender is told
	 * the frame went (TC_ACT_STOLEN), not that the device refused it. */
	if (chosen == CHOSE_DROP) {
		tc_count(TC_ACT_SHOT);
		return TC_ACT_STOLEN;
	}
	if (chosen == CHOSE_BROADCAST) {
		/* A copy to each member but the last, which takes the frame itself. */
		__u32 n = cfg->usable_count;
		for (__u32 i = 0; i + 1 < BONDD_MAX_MEMBERS && i + 1 < n; i++) {
			__u32 slot = cfg->usable[i] & (BONDD_MAX_MEMBERS - 1);
			__u32 ifindex = redirect_target(skb, slot);
			if (ifindex && bpf_clone_redirect(skb, ifindex, 0) == 0)
				count_sent(slot, length);
		}
		chosen = cfg->usable[(n - 1) & (BONDD_MAX_MEMBERS - 1)];
	}
	__u32 slot = chosen & (BONDD_MAX_MEMBERS - 1);
	long action = tc_count(tc_redirect(skb, slot));
	if (action != TC_ACT_REDIRECT)
		return TC_ACT_STOLEN;
	count_sent(slot, length);
	return action;
}

SEC("tc")
int bondd_tc_rx(struct __sk_buff *skb)
{
	__u32 slot;
	struct bondd_xdp_config *cfg = tc_receives(skb, &slot);
	if (!cfg) {
		/* The engine has it; the drop filter after us ends it. One too long for a
		 * redirect that is no super-frame went up uncounted by bondd_rx. */
		struct bondd_xdp_config *c = tc_config();
		if (c && !skb->vlan_present && skb->len > c->max_frame && !skb->gso_size)
			tc_count(TC_ACT_OK);
		return TC_ACT_UNSPEC;
	}
	struct bondd_xdp_member_stats *s = member_stats(slot);
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if (!s || (void *)(eth + 1) > end)
		return tc_count(TC_ACT_SHOT);
	if (cfg->stamp_receive)
		s->last_rx_ns = bpf_ktime_get_ns();
	if (!admits(cfg, slot, eth, 0)) {
		s->rx_dropped++;
		return tc_count(TC_ACT_SHOT);
	}
	to_bond_mac(cfg, eth);
	s->rx_packets++;
	s->rx_bytes += skb->len;
	return tc_count(tc_redirect(skb, BONDD_DEVICE_SLOT));
}

SEC("tc")
int bondd_tc_out(struct __sk_buff *skb)
{
	if (skb->mark != BONDD_TC_MARK)
		return TC_ACT_UNSPEC;
	skb->mark = 0;
	return TC_ACT_OK;
}

/* On the engine's member sockets: every frame but those bondd_tc_rx takes. */
SEC("socket")
int bondd_super_filter(struct __sk_buff *skb)
{
	__u32 slot;
	return tc_receives(skb, &slot) ? 0 : skb->len;
}

#endif
