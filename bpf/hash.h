/* The kernel's bond_xmit_hash, bit for bit as the engine's TransmitHashPolicy. */
#ifndef BONDD_HASH_H
#define BONDD_HASH_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include "bond_xdp.h"

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

#endif
