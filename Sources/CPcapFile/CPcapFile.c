#include "CPcapFile.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

struct bondd_pcap_file {
    pcap_t *handle;
    pcap_dumper_t *dumper;
};

bondd_pcap_file *bondd_pcap_open(const char *path, int snaplen) {
    bondd_pcap_file *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->handle = pcap_open_dead(DLT_EN10MB, snaplen);
    if (!f->handle) { free(f); errno = ENOMEM; return NULL; }
    errno = 0;
    f->dumper = pcap_dump_open(f->handle, path);
    if (!f->dumper) {
        int e = errno ? errno : EACCES;
        pcap_close(f->handle);
        free(f);
        errno = e;
        return NULL;
    }
    // Frames are small and many: write the file in large blocks.
    setvbuf(pcap_dump_file(f->dumper), NULL, _IOFBF, 1 << 20);
    return f;
}

void bondd_pcap_write(bondd_pcap_file *f, const void *bytes, unsigned caplen, unsigned len, long sec, long usec) {
    struct pcap_pkthdr h;
    h.ts.tv_sec = sec;
    h.ts.tv_usec = usec;
    h.caplen = caplen;
    h.len = len;
    pcap_dump((u_char *)f->dumper, &h, bytes);
}

void bondd_pcap_flush(bondd_pcap_file *f) { pcap_dump_flush(f->dumper); }

void bondd_pcap_close(bondd_pcap_file *f) {
    pcap_dump_close(f->dumper);
    pcap_close(f->handle);
    free(f);
}
