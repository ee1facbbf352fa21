#define _GNU_SOURCE
#include <sys/socket.h>
#include "CLinuxNet.h"

_Static_assert(sizeof(struct cln_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");

int cln_sendmmsg(int fd, struct cln_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
}

uint32_t cln_block_fill(void *block, uint32_t block_size, const uint8_t *const *frames,
                        const uint32_t *lengths, uint32_t count) {
    struct tpacket_block_desc *b = (struct tpacket_block_desc *)block;
    uint32_t first = TPACKET_ALIGN(sizeof(struct tpacket_block_desc));
    // Header, sockaddr_ll, the reserve and the virtio-net header come before the MAC.
    uint32_t mac = TPACKET_ALIGN(TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) + sizeof(struct sockaddr_ll)
                                 + CLN_PACKET_RESERVE + sizeof(struct virtio_net_hdr));
    uint32_t offset = first, n = 0;
    struct tpacket3_hdr *last = NULL;
    for (; n < count; n++) {
        uint32_t next = TPACKET_ALIGN(offset + mac + lengths[n]);
        if (next > block_size) break;
        struct tpacket3_hdr *h = (struct tpacket3_hdr *)((uint8_t *)block + offset);
        memset(h, 0, mac);
        h->tp_snaplen = lengths[n];
        h->tp_len = lengths[n];
        h->tp_mac = (uint16_t)mac;
        h->tp_net = (uint16_t)(mac + 14);
        h->tp_status = TP_STATUS_USER;
        memcpy((uint8_t *)h + mac, frames[n], lengths[n]);
        if (last) last->tp_next_offset = (uint32_t)((uint8_t *)h - (uint8_t *)last);
        last = h;
        offset = next;
    }
    b->version = TPACKET_V3;
    b->offset_to_priv = 0;
    b->hdr.bh1.num_pkts = n;
    b->hdr.bh1.offset_to_first_pkt = first;
    b->hdr.bh1.blk_len = offset;
    __atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_USER, __ATOMIC_RELEASE);
    return n;
}
