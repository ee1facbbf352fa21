// A paced frame generator for tools/bench-cost: sends frames of an experimental
// EtherType (0x88b5) on an interface at a fixed rate, in small batches (sendmmsg) on
// an absolute clock, so that the load is steady and the generator itself costs little
// (it sleeps between batches). trafgen paces only up to about 35 000 frames/s here.
//
//   paced_send IFNAME DST-MAC SRC-MAC RATE SECONDS [SIZE]
//
// Prints "sent N in S s cpu C s" on stdout (C: its own CPU time, user and system,
// which includes the kernel's work on the frames it sends done in its context).
// Built by bench-cost with cc -O2.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { BATCH = 16 };

static int parse_mac(const char *text, uint8_t *mac) {
    return sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) == 6;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s IFNAME DST-MAC SRC-MAC RATE SECONDS [SIZE]\n", argv[0]);
        return 2;
    }
    double rate = atof(argv[4]), seconds = atof(argv[5]);
    int size = argc > 6 ? atoi(argv[6]) : 64;
    uint8_t frame[2048] = {0};
    if (rate <= 0 || seconds <= 0 || size < 60 || size > (int)sizeof(frame) || !parse_mac(argv[2], frame) ||
        !parse_mac(argv[3], frame + 6)) {
        fprintf(stderr, "%s: bad arguments\n", argv[0]);
        return 2;
    }
    frame[12] = 0x88;
    frame[13] = 0xb5;
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) { perror("socket"); return 1; }
    int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
    struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[1]), .sll_halen = 6};
    if (!to.sll_ifindex) { fprintf(stderr, "%s: no interface %s\n", argv[0], argv[1]); return 1; }
    memcpy(to.sll_addr, frame, 6);

    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof(msgs));
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = frame;
        iov[i].iov_len = (size_t)size;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &to;
        msgs[i].msg_hdr.msg_namelen = sizeof(to);
    }
    long long total = (long long)(rate * seconds), sent = 0;
    long long period_ns = (long long)(BATCH * 1e9 / rate);
    struct timespec start, next, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    next = start;
    while (sent < total) {
        int n = total - sent < BATCH ? (int)(total - sent) : BATCH;
        int done = sendmmsg(fd, msgs, (unsigned)n, 0);
        if (done < 0 && errno != ENOBUFS && errno != EAGAIN) { perror("sendmmsg"); return 1; }
        if (done > 0) sent += done;
        // The next batch is due one period after this one was, whatever this one took.
        next.tv_nsec += period_ns;
        while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    printf("sent %lld in %.3f s cpu %.6f s\n", sent, (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9, cpu);
    return 0;
}
