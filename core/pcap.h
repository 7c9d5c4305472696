/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap.h - Capture of the frames crossing the guest interface */

#ifndef PCAP_H
#define PCAP_H

#include <stddef.h>
#include <sys/uio.h>

int pcap_open(const char *path);
void pcap_frame(const void *data, size_t len);
void pcap_frames(const struct iovec *iov, size_t n);
void pcap_close(void);

#endif /* PCAP_H */
