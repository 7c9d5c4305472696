// SPDX-License-Identifier: GPL-2.0-or-later
/* pcap.c - Capture of the frames crossing the guest interface
 *
 * Frames go to a file in the classic pcap format (not pcapng): a global
 * header, then per frame a 16-byte record header and the frame bytes. All
 * fields are in host byte order; readers tell it from the magic number.
 * Timestamps are CLOCK_REALTIME, in microseconds.
 *
 * The file is opened before the sandbox and written from inside it with
 * writev() only. Capture is a debugging aid and must never change what the
 * daemon does: writes are best effort, a failure is logged once (at debug
 * level) and otherwise ignored, and nothing here waits for anything but a
 * regular file.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pcap.h"
#include "util.h"

#define PCAP_MAGIC		0xa1b2c3d4	/* microsecond timestamps */
#define PCAP_VERSION_MAJOR	2
#define PCAP_VERSION_MINOR	4
#define PCAP_LINKTYPE_ETHERNET	1

/* Largest frame: a 64 KiB IP packet, Ethernet header and a VLAN tag */
#define PCAP_SNAPLEN		(65535 + 14 + 4)

#ifndef IOV_MAX
#define IOV_MAX			1024
#endif

/* Two iovecs per record: its header, then the frame */
#define PCAP_BATCH		(IOV_MAX / 2)

/**
 * struct pcap_file_hdr - Global header, at the start of the file
 * @magic:	PCAP_MAGIC, in host order
 * @major:	Format version, major
 * @minor:	Format version, minor
 * @thiszone:	Offset of timestamps from UTC: always 0
 * @sigfigs:	Timestamp accuracy: always 0
 * @snaplen:	Longest record data
 * @linktype:	Link type of every record
 */
struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major;
	uint16_t minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

/**
 * struct pcap_rec_hdr - Record header, before each frame
 * @ts_sec:	Timestamp, seconds since the epoch
 * @ts_usec:	Timestamp, microseconds
 * @caplen:	Bytes of the frame in the file
 * @len:	Length of the frame on the wire
 */
struct pcap_rec_hdr {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t caplen;
	uint32_t len;
};

static_assert(sizeof(struct pcap_file_hdr) == 24, "pcap global header");
static_assert(sizeof(struct pcap_rec_hdr) == 16, "pcap record header");

static int pcap_fd = -1;
static bool pcap_failed;	/* a write failed: said so, don't repeat it */

/* Batches are built here, not on the stack: 24 KiB is a lot of stack and
 * the daemon is single-threaded
 */
static struct pcap_rec_hdr pcap_hdrs[PCAP_BATCH];
static struct iovec pcap_iov[PCAP_BATCH * 2];

/**
 * pcap_write() - Write all of an iovec array, best effort
 * @iov:	Buffers, advanced past what was written (so, changed)
 * @cnt:	Number of buffers
 *
 * Writes to a regular file come back short only when the disk is full or on
 * a signal; a short write is resumed so that records stay whole, but an
 * error drops the rest of the batch.
 *
 * Return: 0, or -errno (the caller has nothing to do about it)
 *
 * #syscalls writev
 */
static int pcap_write(struct iovec *iov, size_t cnt)
{
	while (cnt) {
		int c = (int)MIN(cnt, (size_t)IOV_MAX);
		ssize_t n = writev(pcap_fd, iov, c);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;

		/* Skip what went out, then resume within a partial buffer */
		for (; cnt && (size_t)n >= iov->iov_len; iov++, cnt--)
			n -= (ssize_t)iov->iov_len;
		if (cnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}

	return 0;
}

/**
 * pcap_write_failed() - Note a failed write, the first time only
 * @rc:		-errno from pcap_write()
 */
static void pcap_write_failed(int rc)
{
	if (pcap_failed)
		return;
	pcap_failed = true;
	debug("pcap: cannot write capture, frames will be missing: %s",
	      strerror(-rc));
}

/**
 * pcap_rec() - Fill a record header
 * @h:		Record header
 * @ts:		Timestamp
 * @len:	Frame length
 *
 * Return: bytes of the frame that go in the file
 */
static size_t pcap_rec(struct pcap_rec_hdr *h, const struct timespec *ts,
		       size_t len)
{
	size_t caplen = MIN(len, (size_t)PCAP_SNAPLEN);

	/* The format has 32 bits of seconds: wraps in 2106 */
	h->ts_sec = (uint32_t)ts->tv_sec;
	h->ts_usec = (uint32_t)(ts->tv_nsec / 1000);
	h->caplen = (uint32_t)caplen;
	h->len = (uint32_t)MIN(len, (size_t)UINT32_MAX);

	return caplen;
}

/**
 * pcap_open() - Create the capture file and write its global header
 * @path:	File, replaced if it exists, created with mode 0600
 *
 * Called before the sandbox; a capture file already open is closed first.
 *
 * Return: 0, or -errno
 */
int pcap_open(const char *path)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC,
		.major = PCAP_VERSION_MAJOR,
		.minor = PCAP_VERSION_MINOR,
		.thiszone = 0,
		.sigfigs = 0,
		.snaplen = PCAP_SNAPLEN,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	int fd, rc;

	pcap_close();

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;

	pcap_fd = fd;
	pcap_failed = false;
	rc = pcap_write(&iov, 1);
	if (rc < 0) {
		pcap_close();
		return rc;
	}

	return 0;
}

/**
 * pcap_frame() - Append one frame to the capture, if there is one
 * @data:	Frame, from the Ethernet header on
 * @len:	Its length (only PCAP_SNAPLEN bytes of it are kept)
 *
 * #syscalls writev clock_gettime
 */
void pcap_frame(const void *data, size_t len)
{
	struct pcap_rec_hdr h;
	struct timespec ts;
	struct iovec iov[2];
	int rc;

	if (pcap_fd < 0)
		return;

	clock_gettime(CLOCK_REALTIME, &ts);
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)data;		/* writev() only reads it */
	iov[1].iov_len = pcap_rec(&h, &ts, len);

	rc = pcap_write(iov, 2);
	if (rc < 0)
		pcap_write_failed(rc);
}

/**
 * pcap_frames() - Append a batch of frames to the capture, if there is one
 * @iov:	One whole frame per entry, from the Ethernet header on
 * @n:		Number of frames
 *
 * The batch shares one timestamp, taken when it is written, and goes out
 * in as few writev() calls as IOV_MAX allows.
 *
 * #syscalls writev clock_gettime
 */
void pcap_frames(const struct iovec *iov, size_t n)
{
	struct timespec ts;
	size_t i, done;

	if (pcap_fd < 0 || !n)
		return;

	clock_gettime(CLOCK_REALTIME, &ts);

	for (done = 0; done < n; done += i) {
		int rc;

		for (i = 0; i < PCAP_BATCH && done + i < n; i++) {
			const struct iovec *f = &iov[done + i];

			pcap_iov[i * 2].iov_base = &pcap_hdrs[i];
			pcap_iov[i * 2].iov_len = sizeof(pcap_hdrs[i]);
			pcap_iov[i * 2 + 1].iov_base = f->iov_base;
			pcap_iov[i * 2 + 1].iov_len = pcap_rec(&pcap_hdrs[i],
							       &ts,
							       f->iov_len);
		}

		rc = pcap_write(pcap_iov, i * 2);
		if (rc < 0) {
			pcap_write_failed(rc);
			return;
		}
	}
}

/**
 * pcap_close() - Close the capture file, if one is open
 *
 * #syscalls close
 */
void pcap_close(void)
{
	if (pcap_fd < 0)
		return;
	close(pcap_fd);
	pcap_fd = -1;
}
