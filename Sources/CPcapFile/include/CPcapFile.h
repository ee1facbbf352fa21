#ifndef BONDD_CPCAPFILE_H
#define BONDD_CPCAPFILE_H

// libpcap's savefile writer behind an opaque handle: pcap's classic-BPF headers
// clash with the kernel's eBPF ones that libbpf brings, so Swift sees neither here.

typedef struct bondd_pcap_file bondd_pcap_file;

// NULL on failure, with errno set.
bondd_pcap_file *bondd_pcap_open(const char *path, int snaplen);
void bondd_pcap_write(bondd_pcap_file *f, const void *bytes, unsigned caplen, unsigned len, long sec, long usec);
void bondd_pcap_flush(bondd_pcap_file *f);
void bondd_pcap_close(bondd_pcap_file *f);

#endif
