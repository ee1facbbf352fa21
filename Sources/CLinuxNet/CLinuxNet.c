#define _GNU_SOURCE
#include <errno.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
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

int cln_epoll_wait_ns(int epfd, struct epoll_event *events, int capacity, long long timeout_ns) {
    if (timeout_ns < 0) return epoll_wait(epfd, events, capacity, -1);
    struct timespec ts = { .tv_sec = timeout_ns / 1000000000LL, .tv_nsec = timeout_ns % 1000000000LL };
    int n = epoll_pwait2(epfd, events, capacity, &ts, NULL);
    if (n < 0 && errno == ENOSYS) n = epoll_wait(epfd, events, capacity, (int)((timeout_ns + 999999) / 1000000));
    return n;
}

int cln_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0) < 0 ? -errno : 0;
}
