/* The bond's path through tc, beside the XDP programs and with their maps, for what
 * generic XDP cannot carry well: TCP's super-frames (GSO on the host's side, GRO and
 * GSO from peers), and on members without native XDP every frame, since generic XDP
 * copies each one that lacks its headroom (super-frames and a peer's small frames
 * alike) before its program runs. tc's bpf_redirect hands the skb on whole, its GSO
 * and checksum state intact, with no copy and in the softirq of whichever core the
 * flow is on.
 *
 *   bondd_tc_tx        the bond device's host end, egress: every frame the mode
 *                      decides goes straight to its member; the rest (ARP, LACP...)
 *                      continues to the engine end, where bondd_tx and the engine
 *                      take it as before. A flow's frames all take one path.
 *   bondd_tc_rx        members, ingress: beside bondd_rx, super-frames the bond takes
 *                      go to the bond device; on a member without bondd_rx, every
 *                      frame bondd_rx would decide, VLAN devices' too (tc_owner).
 *                      Packet sockets see a frame before tc ingress, so the engine's
 *                      member sockets carry bondd_member_filter, which turns away
 *                      exactly these frames: each has one owner.
 *   bondd_tc_out       members and the engine ends, egress: lets these redirects out
 *                      past the stack bypass's drop filter, which runs after it.
 *
 * On the engine's backends (afpacket, afxdp: tc_tcp_only) the same programs carry TCP
 * alone, every frame of a flow, in both directions: the engine would copy each
 * super-frame twice, and one thread would carry every flow. All else is the engine's.
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

/* Who decides a frame a member received. bondd_tc_rx and the engine's socket filter
 * (bondd_member_filter, which sees the frame first) both work it out with tc_owner,
 * each from its own copy of the same first bytes (a socket filter cannot read the
 * packet in place), so that each frame has exactly one owner:
 *  - on a member with bondd_rx (tc_members only): its untagged super-frames are tc's;
 *  - on a member without (tc_receivers too: generic XDP would copy every frame there),
 *    tc decides every frame bondd_rx would, its VLAN devices' included. */
enum tc_owner { TC_NOT_OURS, TC_ENGINE, TC_TAKES };

struct tc_receipt {
	struct bondd_xdp_config *cfg;
	__u32 slot;
	__u32 vid;                        /* for this VLAN device (the skb holds the tag)... */
	__u32 device;                     /* ...whose engine end this is */
	int whole;                        /* tc decides all this member receives */
};

/* The bytes the decision reads at most: the Ethernet, IPv6 and ICMPv6 headers
 * (for_the_engine, classify.h). */
#define BONDD_DECIDING_BYTES (sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + sizeof(struct icmp6hdr))

/* TCP by skb->protocol and one byte (IPv4's protocol, IPv6's next header): on the
 * engine's backends most frames are no TCP, and end here for the cost of a glance. */
static __always_inline int tcp_at_a_glance(struct __sk_buff *skb)
{
	__u32 offset = skb->protocol == bpf_htons(ETH_P_IP) ? 23 : skb->protocol == bpf_htons(ETH_P_IPV6) ? 20 : 0;
	__u8 protocol = 0;
	return offset && !bpf_skb_load_bytes(skb, offset, &protocol, 1) && protocol == IPPROTO_TCP;
}

static __always_inline enum tc_owner tc_owner(struct __sk_buff *skb, struct tc_receipt *r, struct bondd_xdp_config *cfg)
{
	if (!cfg || !cfg->super_frames_in_tc || (cfg->tc_tcp_only && !tcp_at_a_glance(skb)))
		return TC_NOT_OURS;
	__u32 ifindex = skb->ifindex;
	__u32 *found = bpf_map_lookup_elem(&bondd_slots, &ifindex);
	if (!found)
		return TC_NOT_OURS;
	__u32 slot = *found & (BONDD_MAX_MEMBERS - 1);
	if (!((cfg->tc_members >> slot) & 1))
		return TC_NOT_OURS;
	r->cfg = cfg;
	r->slot = slot;
	r->vid = 0;
	r->whole = (cfg->tc_receivers >> slot) & 1;
	/* A capture (mode none): every frame goes up, as bondd_rx sends it. */
	if (cfg->mode == BONDD_XDP_MODE_NONE)
		return TC_ENGINE;
	if (skb->vlan_present) {
		__u32 vid = skb->vlan_tci & 0x0fff;
		__u32 *device = bpf_map_lookup_elem(&bondd_vlans, &vid);
		if (!r->whole || skb->vlan_proto != bpf_htons(ETH_P_8021Q) || !vid || !device || !*device)
			return TC_ENGINE;
		r->vid = vid;
		r->device = *device;
	}
	/* Too long for the bond device and no super-frame: the engine's, as in bondd_rx. */
	if (!skb->gso_size && (skb->len > cfg->max_frame || !(r->whole || cfg->tc_tcp_only)))
		return TC_ENGINE;
	__u8 head[BONDD_DECIDING_BYTES];
	/* 64 bits and one register for the bounds and the call, which the verifier must
	 * see on the same register (a 32-bit value is widened into a copy). */
	__u64 n = skb->len;
	if (n > BONDD_DECIDING_BYTES)
		n = BONDD_DECIDING_BYTES;
	asm volatile("" : "+r"(n));
	if (n < sizeof(struct ethhdr) || n > BONDD_DECIDING_BYTES)
		return TC_ENGINE;
	if (bpf_skb_load_bytes(skb, 0, head, n))
		return TC_ENGINE;
	if (for_the_engine((struct ethhdr *)head, head + n))
		return TC_ENGINE;
	/* The engine's backends: tc carries TCP alone, every frame of it, super-frame or
	 * not, so that a flow never takes two paths and its segments stay in order. */
	if (cfg->tc_tcp_only && !is_tcp((struct ethhdr *)head, head + n))
		return TC_ENGINE;
	return TC_TAKES;
}

/* The socket filter's word on a frame, for bondd_tc_rx after it: the two read the
 * configuration a moment apart, and a change in between (a capture starting or
 * stopping, an MTU change, a VLAN device made or removed) could otherwise have both
 * take the frame, or neither. So the filter decides, with the configuration it read,
 * and says so in the skb's control block, which the packet socket's filter run and tc
 * ingress share (cb[2..4]; cb[0..1] hold a redirect's tag): tc then decides with the
 * same configuration, and follows the filter where the maps beside it changed. The
 * member's ifindex beside the mark keeps stale bytes from passing for a word. */
#define BONDD_FILTER_WORD 0xb0dd5eedu
#define BONDD_FILTER_INDEX (BONDD_CONFIG_ENTRIES - 1)
#define BONDD_FILTER_TAKES ((__u32)BONDD_CONFIG_ENTRIES)
#define BONDD_FILTER_GENERATION_SHIFT (__builtin_ctz(BONDD_CONFIG_ENTRIES) + 1)

/* cb[4]: the entry's index (the low log2(BONDD_CONFIG_ENTRIES) bits: 0-1 with four
 * entries), whether tc takes the frame (the bit above), and the entry's generation (the
 * rest). The filter and tc ingress run in one RCU read-side
 * section, and an entry is rewritten only a grace period after the programs left it
 * (maps.h), so the entry is as the filter read it; the generation makes sure of it
 * where they do not (BPF_PROG_TEST_RUN runs each alone). */
static __always_inline void say_owner(struct __sk_buff *skb, __u32 config_index, struct bondd_xdp_config *cfg, int takes)
{
	skb->cb[2] = BONDD_FILTER_WORD;
	skb->cb[3] = skb->ifindex;
	skb->cb[4] = (config_index & BONDD_FILTER_INDEX) | (takes ? BONDD_FILTER_TAKES : 0) |
		     (cfg ? cfg->generation << BONDD_FILTER_GENERATION_SHIFT : 0);
}

/* The filter's word on this frame, cleared: -1 if there is none, else cb[4]. */
static __always_inline long take_owner_word(struct __sk_buff *skb)
{
	if (skb->cb[2] != BONDD_FILTER_WORD || skb->cb[3] != skb->ifindex)
		return -1;
	skb->cb[2] = 0;
	return skb->cb[4];
}

/* The configuration entry the filter read, if it is still as it was; else the one in
 * use now. */
static __always_inline struct bondd_xdp_config *config_of_word(long word)
{
	if (word >= 0) {
		struct bondd_xdp_config *cfg = config_at(word & BONDD_FILTER_INDEX);
		__u32 generation_bits = (__u32)word & ~((1u << BONDD_FILTER_GENERATION_SHIFT) - 1);
		if (cfg && cfg->generation << BONDD_FILTER_GENERATION_SHIFT == generation_bits)
			return cfg;
	}
	return current_config();
}

/* Counts a tc verdict, and returns it. */
static __always_inline long tc_count(long action)
{
	count_outcome(action == TC_ACT_REDIRECT ? BONDD_REDIRECTED : action == TC_ACT_SHOT ? BONDD_DROPPED : BONDD_PASSED);
	return action;
}

/* Tags a frame going to `ifindex`'s egress as ours, for bondd_tc_out there. */
static __always_inline void tag_for(struct __sk_buff *skb, __u32 ifindex)
{
	skb->cb[0] = BONDD_TC_TAG;
	skb->cb[1] = ifindex;
}

/* The interface of `slot` (a member, or BONDD_DEVICE_SLOT), with the frame tagged as
 * ours for bondd_tc_out there; 0: none. */
static __always_inline __u32 redirect_target(struct __sk_buff *skb, __u32 slot)
{
	__u32 *ifindex = bpf_map_lookup_elem(&bondd_ifindexes, &slot);
	if (!ifindex || !*ifindex)
		return 0;
	tag_for(skb, *ifindex);
	return *ifindex;
}

static __always_inline long tc_redirect(struct __sk_buff *skb, __u32 slot)
{
	__u32 ifindex = redirect_target(skb, slot);
	return ifindex ? bpf_redirect(ifindex, 0) : TC_ACT_SHOT;
}

/* To a VLAN device's engine end (tc_receipt.device), tagged as redirect_target tags. */
static __always_inline long tc_redirect_to_device(struct __sk_buff *skb, __u32 ifindex)
{
	tag_for(skb, ifindex);
	return bpf_redirect(ifindex, 0);
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
	if (cfg->tc_tcp_only && !is_tcp(eth, end))
		return TC_ACT_UNSPEC;
	__u64 length = skb->len;
	__u64 source;
	struct bucket_bill bill;
	long chosen = choose_member(eth, end, cfg, 0, &source, &bill);
	if (chosen == CHOSE_PASS)
		return TC_ACT_UNSPEC;
	if (source) {
		/* The helper makes the header writable (a copy, if cloned) for this frame
		 * alone; see choose_member. It fails only without memory for that copy: the
		 * frame is dropped then and counted, and the sender told so (TC_ACT_SHOT, as
		 * a full qdisc tells it), rather than left to the engine, which has no more
		 * memory to copy it with. */
		__u8 mac[6];
		mac_bytes(source, mac);
		if (bpf_skb_store_bytes(skb, ETH_ALEN /* h_source */, mac, sizeof mac, 0))
			return tc_count(TC_ACT_SHOT);
	}
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
	bill_buckets(&bill, length);
	return action;
}

SEC("tc")
int bondd_tc_rx(struct __sk_buff *skb)
{
	struct tc_receipt r = {};
	long word = take_owner_word(skb);
	enum tc_owner owner = tc_owner(skb, &r, config_of_word(word));
	if (word >= 0 && (word & BONDD_FILTER_TAKES) && owner != TC_TAKES) {
		/* The engine's socket turned it away, and a member or VLAN device left the
		 * maps meanwhile (or, in a test run, its entry was rewritten): no one can
		 * take it. */
		return tc_count(TC_ACT_SHOT);
	}
	if (word >= 0 && !(word & BONDD_FILTER_TAKES) && owner == TC_TAKES)
		owner = TC_ENGINE;
	if (owner != TC_TAKES) {
		/* The engine has it; the drop filter after us ends it. Counted as passed here
		 * where bondd_rx did not count it: on a member without it, and one too long
		 * for a redirect that bondd_rx left to tc. */
		if (owner == TC_ENGINE &&
		    (r.whole || (r.cfg->mode != BONDD_XDP_MODE_NONE && !skb->vlan_present && skb->len > r.cfg->max_frame)))
			tc_count(TC_ACT_OK);
		return TC_ACT_UNSPEC;
	}
	/* The Ethernet header in place, for admission and the MAC rewrite. */
	if ((__u32)(skb->data_end - skb->data) < sizeof(struct ethhdr))
		bpf_skb_pull_data(skb, sizeof(struct ethhdr));
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct bondd_xdp_member_stats *s = member_stats(r.slot);
	if (!s || (void *)(eth + 1) > end)
		return tc_count(TC_ACT_SHOT);
	if (r.cfg->stamp_receive)
		s->last_rx_ns = bpf_ktime_get_ns();
	if (!admits(r.cfg, r.slot, eth, r.vid)) {
		s->rx_dropped++;
		return tc_count(TC_ACT_SHOT);
	}
	/* With a helper, for these frames alone: a direct write would have the kernel copy
	 * the headers of every cloned skb this program sees (a veth peer's TCP segments,
	 * every frame while a capture runs on the member). */
	if (needs_bond_mac(r.cfg, eth) && bpf_skb_store_bytes(skb, 0, r.cfg->bond_mac, ETH_ALEN, 0)) {
		s->rx_dropped++;
		return tc_count(TC_ACT_SHOT);
	}
	if (!r.vid) {
		s->rx_packets++;
		s->rx_bytes += skb->len;
		return tc_count(tc_redirect(skb, BONDD_DEVICE_SLOT));
	}
	/* To the VLAN device's engine end, untagged (the tag is in the skb's metadata). */
	if (bpf_skb_vlan_pop(skb)) {
		s->rx_dropped++;
		return tc_count(TC_ACT_SHOT);
	}
	s->rx_packets++;
	s->rx_bytes += skb->len + 4;
	count_vlan(r.vid, skb->len, 1);
	return tc_count(tc_redirect_to_device(skb, r.device));
}

SEC("tc")
int bondd_tc_out(struct __sk_buff *skb)
{
	/* The ifindex too: cb is scratch space the stack's layers reuse, so a frame of the
	 * host's own could hold the tag by chance; both at once, on this device, not. */
	if (skb->cb[0] != BONDD_TC_TAG || skb->cb[1] != skb->ifindex)
		return TC_ACT_UNSPEC;
	skb->cb[0] = 0;
	return TC_ACT_OK;
}

/* On the engine's member sockets: every frame but those bondd_tc_rx takes; which
 * it tells bondd_tc_rx (say_owner). */
SEC("socket")
int bondd_member_filter(struct __sk_buff *skb)
{
	struct tc_receipt r;
	__u32 index = current_config_index();
	struct bondd_xdp_config *cfg = config_at(index);
	int takes = tc_owner(skb, &r, cfg) == TC_TAKES;
	say_owner(skb, index, cfg, takes);
	return takes ? 0 : skb->len;
}

#endif
