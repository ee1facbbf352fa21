#define _GNU_SOURCE
#include <sys/socket.h>
#include "CLinuxNet.h"

_Static_assert(sizeof(struct cln_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");

int cln_sendmmsg(int fd, struct cln_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
}
