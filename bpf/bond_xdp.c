// The bond's XDP fast path. `bondd_tx` runs on the engine's end of the bond device
// (frames the host sends on the bond) and redirects each to the member its mode
// chooses; `bondd_rx` runs on the members and redirects what the bond accepts to the
// bond device. Decisions come from maps the Swift engine keeps current. A frame the
// fast path does not decide is passed up, where the engine's AF_PACKET sockets take
// it and the engine decides as it does without the fast path: ARP and neighbour
// discovery (the monitors and balance-alb must see them), LACP, IGMP and MLD, tagged
// frames, frames whose hash the fast path does not compute exactly as the engine
// would, and every frame of a mode the fast path does not implement.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
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

/* The usable members only: broadcast mode sends to every entry. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_broadcast SEC(".maps");

/* Member ifindex -> member slot, for frames arriving on members (and, for the
 * AF_XDP backend, the bond device's engine end -> BONDD_DEVICE_SLOT). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BONDD_MAX_MEMBERS + 1);
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

/* Member slot -> the MAC it carries (low 6 bytes), for frames that leave on a member
 * with its own MAC as source (tlb, alb). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, __u64);
} bondd_member_macs SEC(".maps");

/* A member's own MAC -> its slot: frames peers address to it are the bond's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u64);
	__type(value, __u32);
} bondd_mac_slots SEC(".maps");

/* tlb hash bucket -> member slot (BONDD_NO_MEMBER: unplaced, the engine places it),
 * and the bytes each bucket sent, which the engine folds into its load figures. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BONDD_BUCKETS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_tlb_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BONDD_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} bondd_tlb_bytes SEC(".maps");

/* Host-side source MACs (MAC | VLAN << 48) -> per-VIF bucket, bucket -> member slot,
 * and bytes per bucket. A MAC not in the table goes up for the engine to learn. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} bondd_vifs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BONDD_BUCKETS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_vif_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BONDD_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} bondd_vif_bytes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bondd_xdp_counters);
} bondd_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, struct bondd_xdp_member_stats);
} bondd_member_stats SEC(".maps");

/* TCP flows that sent a super-frame (GSO, GRO) lately, with when: their frames all
 * go up to the engine for a while, so that a flow never takes two paths at once and
 * its segments stay in order. */
struct bondd_flow {
	__u32 source;                     /* IPv4 address, or the IPv6 address folded */
	__u32 destination;
	__u32 ports;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bondd_flow);
	__type(value, __u64);
} bondd_offload_flows SEC(".maps");

#define BONDD_OFFLOAD_HOLD_NS 1000000000ull

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

static __always_inline struct bondd_xdp_member_stats *member_stats(__u32 slot)
{
	return bpf_map_lookup_elem(&bondd_member_stats, &slot);
}

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

/* layer3+4's transport word, as the engine's TransmitHashPolicy.transportWord (and
 * the kernel's flow dissector) reads it; -1: the header is cut short (pass it up,
 * where the engine drops it as a defect). */
static __always_inline int transport_word(__u8 proto, __u8 *l4, void *end, __u32 *word)
{
	switch (proto) {
	case IPPROTO_TCP:
		if ((void *)(l4 + 20) > end)
			return -1;
		*word = *(__u32 *)l4;
		return 0;
	case IPPROTO_UDP:
		if ((void *)(l4 + 8) > end)
			return -1;
		*word = *(__u32 *)l4;
		return 0;
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_UDPLITE:
	case IPPROTO_ESP: /* the SPI's two halves, as the kernel hashes them */
		if ((void *)(l4 + 4) > end)
			return -1;
		*word = *(__u32 *)l4;
		return 0;
	case IPPROTO_AH:
		if ((void *)(l4 + 8) > end)
			return -1;
		*word = *(__u32 *)(l4 + 4);
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		if ((void *)(l4 + 4) > end)
			return -1;
		__u8 type = l4[0];
		int has_id = proto == IPPROTO_ICMP
			? (type == 0 || type == 8 || (type >= 13 && type <= 18)) /* echo, timestamp, info, mask */
			: (type == 128 || type == 129);
		__u16 id = 0;
		if (has_id && (void *)(l4 + 6) <= end)
			id = *(__u16 *)(l4 + 4);
		*word = id ? (__u32)type | (__u32)l4[1] << 8 | (__u32)id << 16 : 0;
		return 0;
	}
	default:
		*word = 0;
		return 0;
	}
}

/* The kernel's bond_xmit_hash for layer2, layer2+3 and layer3+4, bit for bit as the
 * engine's TransmitHashPolicy.hash; -1: pass the frame up. Loads are little-endian
 * host loads of big-endian fields, as the kernel's. */
static __always_inline int flow_hash(struct ethhdr *eth, void *end, __u32 policy, __u32 *out)
{
	__u32 ethernet = (eth->h_dest[5] ^ eth->h_source[5]) ^ bpf_ntohs(eth->h_proto);
	if (policy == BONDD_XDP_HASH_LAYER2) {
		*out = ethernet;
		return 0;
	}
	if (policy != BONDD_XDP_HASH_LAYER23 && policy != BONDD_XDP_HASH_LAYER34)
		return -1;
	__u32 addresses, word = 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return -1;
		addresses = ip->saddr ^ ip->daddr;
		int fragment = (ip->frag_off & bpf_htons(0x3FFF)) != 0;
		if (policy == BONDD_XDP_HASH_LAYER34 && !fragment) {
			__u8 *l4 = (__u8 *)ip + ip->ihl * 4;
			if (transport_word(ip->protocol, l4, end, &word))
				return -1;
		}
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return -1;
		__u32 *s = (__u32 *)&ip6->saddr, *d = (__u32 *)&ip6->daddr;
		addresses = (s[0] ^ s[1] ^ s[2] ^ s[3]) ^ (d[0] ^ d[1] ^ d[2] ^ d[3]);
		__u8 next = ip6->nexthdr;
		/* After extension headers (fragments included) the kernel takes no ports. */
		int extensions = next == 0 || next == 43 || next == 44 || next == 60;
		if (policy == BONDD_XDP_HASH_LAYER34 && !extensions) {
			if (transport_word(next, (__u8 *)(ip6 + 1), end, &word))
				return -1;
		}
	} else {
		/* Not IP: the kernel's flow dissection fails and it falls back to layer2. */
		*out = ethernet;
		return 0;
	}
	__u32 h = policy == BONDD_XDP_HASH_LAYER23 ? ethernet : word;
	h ^= addresses;
	h ^= h >> 16;
	h ^= h >> 8;
	*out = policy == BONDD_XDP_HASH_LAYER34 ? h >> 1 : h;
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
	/* GSO and GRO super-frames: a generic XDP redirect refuses frames longer than
	 * the target's MTU, while the engine's sockets carry them whole (virtio-net
	 * headers), so TCP keeps its offloads. The rest of such a flow follows them. */
	if (goes_up_with_its_flow(*eth, end, end - data > cfg->max_frame))
		return NULL;
	return cfg;
}

static __always_inline int is_bond_mac(const __u8 *a, const __u8 *bond)
{
	return a[0] == bond[0] && a[1] == bond[1] && a[2] == bond[2] && a[3] == bond[3] && a[4] == bond[4] && a[5] == bond[5];
}

static __always_inline __u64 mac_key(const __u8 *m)
{
	return (__u64)m[0] << 40 | (__u64)m[1] << 32 | (__u64)m[2] << 24 | (__u64)m[3] << 16 | (__u64)m[4] << 8 | m[5];
}

static __always_inline int usable(struct bondd_xdp_config *cfg, __u32 slot)
{
	return slot < BONDD_MAX_MEMBERS && ((cfg->usable_mask >> slot) & 1);
}

static __always_inline void add_bytes(void *map, __u32 bucket, __u64 length)
{
	__u64 *v = bpf_map_lookup_elem(map, &bucket);
	if (v)
		*v += length;
}

/* The member of a host-side source MAC's per-VIF bucket; -1: the engine learns the
 * MAC or places the bucket. (Tagged frames never get here.) */
static __always_inline int vif_member(struct ethhdr *eth, struct bondd_xdp_config *cfg, __u64 length, __u32 *slot)
{
	__u64 key = mac_key(eth->h_source);
	__u32 *b = bpf_map_lookup_elem(&bondd_vifs, &key);
	if (!b)
		return -1;
	__u32 bucket = *b & (BONDD_BUCKETS - 1);
	__u32 *m = bpf_map_lookup_elem(&bondd_vif_buckets, &bucket);
	if (!m || !usable(cfg, *m))
		return -1;
	add_bytes(&bondd_vif_bytes, bucket, length);
	*slot = *m;
	return 0;
}

/* balance-tlb and balance-alb, as the engine's TransmitLoadBalancingMode: bridged
 * guests per VIF; the bond's own unicast IP by hash bucket (or hash modulo members
 * without tlb_dynamic_lb); everything else on the active member. A frame that leaves
 * on another member than the active one carries that member's MAC as source.
 * Returns the member slot, TLB_PASS (the engine decides) or TLB_DROP (no member). */
#define TLB_PASS (-1)
#define TLB_DROP (-2)
static __always_inline long tlb_member(struct ethhdr *eth, void *end, struct bondd_xdp_config *cfg, __u64 length, __u32 n)
{
	__u32 slot;
	if (!is_bond_mac(eth->h_source, cfg->bond_mac))
		return vif_member(eth, cfg, length, &slot) ? TLB_PASS : (long)slot;
	__u32 chosen = cfg->active;
	int ip = eth->h_proto == bpf_htons(ETH_P_IP) || eth->h_proto == bpf_htons(ETH_P_IPV6);
	if (ip && !(eth->h_dest[0] & 1)) {
		__u32 h;
		if (flow_hash(eth, end, cfg->hash_policy, &h))
			return TLB_PASS;
		if (cfg->tlb_dynamic) {
			__u32 bucket = h & (BONDD_BUCKETS - 1);
			__u32 *m = bpf_map_lookup_elem(&bondd_tlb_buckets, &bucket);
			if (!m)
				return TLB_PASS;
			chosen = *m;
			if (!usable(cfg, chosen))
				return TLB_PASS;
			add_bytes(&bondd_tlb_bytes, bucket, length);
		} else {
			__u32 index = h % n;
			/* The verifier loses the bound across the division (see bondd_tx). */
			asm volatile("" : "+r"(index));
			index &= BONDD_MAX_MEMBERS - 1;
			chosen = cfg->usable[index];
		}
	}
	if (chosen >= BONDD_MAX_MEMBERS)
		return TLB_DROP;
	if (chosen != cfg->active) {
		__u64 *mac = bpf_map_lookup_elem(&bondd_member_macs, &chosen);
		if (!mac)
			return TLB_PASS;
		__u64 v = *mac;
		eth->h_source[0] = v >> 40;
		eth->h_source[1] = v >> 32;
		eth->h_source[2] = v >> 24;
		eth->h_source[3] = v >> 16;
		eth->h_source[4] = v >> 8;
		eth->h_source[5] = v;
	}
	return chosen;
}

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

SEC("xdp")
int bondd_tx(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct bondd_xdp_config *cfg = deciding(ctx, &eth);
	if (!cfg)
		return count(XDP_PASS);
	void *end = (void *)(long)ctx->data_end;
	__u64 length = ctx->data_end - ctx->data;
	__u32 zero = 0;
	__u32 n = cfg->usable_count;
	if (n == 0 || n > BONDD_MAX_MEMBERS)
		return count(XDP_DROP);
	__u32 index;
	switch (cfg->mode) {
	case BONDD_XDP_MODE_ACTIVE_BACKUP:
		if (cfg->active >= BONDD_MAX_MEMBERS)
			return count(XDP_DROP);
		return to_member(cfg->active, length);
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
	case BONDD_XDP_MODE_XOR: {
		__u32 h;
		if (flow_hash(eth, end, cfg->hash_policy, &h))
			return count(XDP_PASS);
		index = h % n;
		break;
	}
	case BONDD_XDP_MODE_BROADCAST: {
		for (__u32 i = 0; i < BONDD_MAX_MEMBERS && i < n; i++) {
			struct bondd_xdp_member_stats *s = member_stats(cfg->usable[i] & (BONDD_MAX_MEMBERS - 1));
			if (s) {
				s->tx_packets++;
				s->tx_bytes += length;
			}
		}
		return count(bpf_redirect_map(&bondd_broadcast, 0, BPF_F_BROADCAST));
	}
	case BONDD_XDP_MODE_TLB:
	case BONDD_XDP_MODE_ALB: {
		long slot = tlb_member(eth, end, cfg, length, n);
		if (slot == TLB_DROP)
			return count(XDP_DROP);
		if (slot < 0)
			return count(XDP_PASS);
		return to_member(slot, length);
	}
	case BONDD_XDP_MODE_SLB: {
		__u32 slot;
		if (vif_member(eth, cfg, length, &slot))
			return count(XDP_PASS);
		return to_member(slot, length);
	}
	default:
		return count(XDP_PASS);
	}
	/* index < n <= BONDD_MAX_MEMBERS already; the mask is for the verifier, which
	 * loses the bound across the division. */
	asm volatile("" : "+r"(index));
	index &= BONDD_MAX_MEMBERS - 1;
	return to_member(cfg->usable[index], length);
}

SEC("xdp")
int bondd_rx(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct bondd_xdp_config *cfg = deciding(ctx, &eth);
	if (!cfg)
		return count(XDP_PASS);
	__u32 ifindex = ctx->ingress_ifindex;
	__u32 *found = bpf_map_lookup_elem(&bondd_slots, &ifindex);
	if (!found)
		return count(XDP_PASS);
	__u32 slot = *found & (BONDD_MAX_MEMBERS - 1);
	struct bondd_xdp_member_stats *s = member_stats(slot);
	if (!s)
		return count(XDP_PASS);
	/* Any frame is a sign of life for the ARP monitor (arp_validate=none). */
	if (cfg->stamp_receive)
		s->last_rx_ns = bpf_ktime_get_ns();
	int unicast = !(eth->h_dest[0] & 1);
	int active = slot == cfg->active;
	int admitted = (cfg->receiving >> slot) & 1;
	if (admitted) {
		switch (cfg->mode) {
		case BONDD_XDP_MODE_ACTIVE_BACKUP:
			admitted = active || cfg->all_members_active || (slot == cfg->draining && unicast);
			break;
		case BONDD_XDP_MODE_TLB:
			if (!active && (!unicast || is_bond_mac(eth->h_dest, cfg->bond_mac)))
				admitted = cfg->all_members_active;
			break;
		case BONDD_XDP_MODE_ALB:
			if (!unicast)
				admitted = active || cfg->all_members_active;
			break;
		case BONDD_XDP_MODE_SLB:
			if (!unicast)
				admitted = active;
			break;
		}
	}
	/* One of our own frames, flooded back by the switch (tlb, alb, slb). */
	if (admitted && cfg->mode >= BONDD_XDP_MODE_TLB) {
		__u64 key = mac_key(eth->h_source);
		if (bpf_map_lookup_elem(&bondd_vifs, &key))
			admitted = 0;
	}
	if (!admitted) {
		s->rx_dropped++;
		return count(XDP_DROP);
	}
	/* Peers taught a member's own MAC address frames to it: the bond device takes
	 * only its own. */
	if (cfg->own_macs && unicast && !is_bond_mac(eth->h_dest, cfg->bond_mac)) {
		__u64 key = mac_key(eth->h_dest);
		if (bpf_map_lookup_elem(&bondd_mac_slots, &key)) {
			__u8 *d = eth->h_dest;
			d[0] = cfg->bond_mac[0]; d[1] = cfg->bond_mac[1]; d[2] = cfg->bond_mac[2];
			d[3] = cfg->bond_mac[3]; d[4] = cfg->bond_mac[4]; d[5] = cfg->bond_mac[5];
		}
	}
	s->rx_packets++;
	s->rx_bytes += ctx->data_end - ctx->data;
	return count(bpf_redirect_map(&bondd_device, 0, XDP_PASS));
}

/* AF_XDP sockets by slot: members 0-31, the bond device's engine end at
 * BONDD_DEVICE_SLOT. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, BONDD_MAX_MEMBERS + 1);
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
	__u32 zero = 0;
	struct bondd_xdp_config *cfg = bpf_map_lookup_elem(&bondd_config, &zero);
	__u32 max_frame = cfg && cfg->max_frame ? cfg->max_frame : 1514;
	if (goes_up_with_its_flow(eth, end, end - data > max_frame))
		return XDP_PASS;
	return bpf_redirect_map(&bondd_xsks, *slot, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
