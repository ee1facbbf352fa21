#define _GNU_SOURCE
#include <sys/socket.h>
#include "CLinuxNet.h"

_Static_assert(sizeof(struct cln_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");

int cln_sendmmsg(int fd, struct cln_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
}

int cln_slot_fill(void *slot, uint32_t slot_size, const uint8_t *frame, uint32_t length) {
    struct tpacket2_hdr *h = (struct tpacket2_hdr *)slot;
    uint32_t mac = cln_slot_mac_offset();
    uint32_t room = slot_size - mac;
    int cut = length > room;
    memset(h, 0, mac);
    h->tp_len = length;
    h->tp_snaplen = cut ? room : length;
    h->tp_mac = (uint16_t)mac;
    h->tp_net = (uint16_t)(mac + 14);
    memcpy((uint8_t *)h + mac, frame, h->tp_snaplen);
    __atomic_store_n(&h->tp_status, TP_STATUS_USER | (cut ? TP_STATUS_COPY : 0), __ATOMIC_RELEASE);
    return cut;
}
