// SPDX-License-Identifier: GPL-2.0-or-later
/* pcap_test.c - Capture files, read back byte by byte (and by tcpdump)
 */

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "log.h"
#include "pcap.h"
#include "util.h"

#define PCAP_TEST_SNAPLEN	(65535 + 14 + 4)
#define PCAP_TEST_MANY		2000

/**
 * struct pcap_test_file - A capture file read back into memory
 * @path:	Its path
 * @buf:	Contents
 * @len:	Length of contents
 * @off:	Read position
 */
struct pcap_test_file {
	char path[64];
	uint8_t *buf;
	size_t len;
	size_t off;
};

/**
 * pcap_test_path() - Make a fresh file name for a capture
 * @f:		Capture file, path set on return
 */
static void pcap_test_path(struct pcap_test_file *f)
{
	int fd;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/pcap_test.XXXXXX");
	fd = mkstemp(f->path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
}

/**
 * pcap_test_load() - Read a whole capture file
 * @f:		Capture file, buffer filled on return
 */
static void pcap_test_load(struct pcap_test_file *f)
{
	FILE *fp = fopen(f->path, "rb");
	long n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_FATAL(!fseek(fp, 0, SEEK_END));
	n = ftell(fp);
	CU_ASSERT_FATAL(n >= 0);
	rewind(fp);
	f->len = (size_t)n;
	f->buf = malloc(f->len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->buf);
	CU_ASSERT_FATAL(fread(f->buf, 1, f->len, fp) == f->len);
	fclose(fp);
	f->off = 0;
}

/**
 * pcap_test_done() - Drop a capture file and its contents
 * @f:		Capture file
 */
static void pcap_test_done(struct pcap_test_file *f)
{
	free(f->buf);
	f->buf = NULL;
	unlink(f->path);
}

/**
 * pcap_test_u32() - Next 32-bit host-order field of the file
 * @f:		Capture file
 *
 * Return: value, or 0xdeadbeef past the end (fails the test)
 */
static uint32_t pcap_test_u32(struct pcap_test_file *f)
{
	uint32_t v;

	if (f->len - f->off < sizeof(v)) {
		CU_FAIL("capture file too short");
		f->off = f->len;
		return 0xdeadbeef;
	}
	memcpy(&v, f->buf + f->off, sizeof(v));
	f->off += sizeof(v);
	return v;
}

/**
 * pcap_test_global() - Check the global header
 * @f:		Capture file, at offset 0
 */
static void pcap_test_global(struct pcap_test_file *f)
{
	uint16_t major, minor;

	CU_ASSERT_FATAL(f->len >= 24);
	CU_ASSERT_EQUAL(pcap_test_u32(f), 0xa1b2c3d4);
	memcpy(&major, f->buf + 4, 2);
	memcpy(&minor, f->buf + 6, 2);
	CU_ASSERT_EQUAL(major, 2);
	CU_ASSERT_EQUAL(minor, 4);
	f->off = 8;
	CU_ASSERT_EQUAL(pcap_test_u32(f), 0);			/* thiszone */
	CU_ASSERT_EQUAL(pcap_test_u32(f), 0);			/* sigfigs */
	CU_ASSERT_EQUAL(pcap_test_u32(f), PCAP_TEST_SNAPLEN);
	CU_ASSERT_EQUAL(pcap_test_u32(f), 1);			/* Ethernet */
}

/**
 * pcap_test_record() - Check the next record: header fields and bytes
 * @f:		Capture file
 * @data:	Frame that was written
 * @len:	Its length
 * @t0:		Time before it was written
 * @t1:		Time after
 */
static void pcap_test_record(struct pcap_test_file *f, const uint8_t *data,
			     size_t len, const struct timespec *t0,
			     const struct timespec *t1)
{
	size_t caplen = MIN(len, (size_t)PCAP_TEST_SNAPLEN);
	uint32_t sec = pcap_test_u32(f), usec = pcap_test_u32(f);
	uint64_t us = (uint64_t)sec * 1000000 + usec;

	CU_ASSERT(usec < 1000000);
	CU_ASSERT(us >= (uint64_t)t0->tv_sec * 1000000 + t0->tv_nsec / 1000);
	CU_ASSERT(us <= (uint64_t)t1->tv_sec * 1000000 + t1->tv_nsec / 1000);
	CU_ASSERT_EQUAL(pcap_test_u32(f), caplen);
	CU_ASSERT_EQUAL(pcap_test_u32(f), len);

	if (f->len - f->off < caplen) {
		CU_FAIL("record data cut short");
		f->off = f->len;
		return;
	}
	CU_ASSERT_EQUAL(memcmp(f->buf + f->off, data, caplen), 0);
	f->off += caplen;
}

/**
 * pcap_test_frame_fill() - Make a recognisable Ethernet frame
 * @buf:	Frame buffer
 * @len:	Length, at least 14
 * @seq:	Sequence number, written after the header
 */
static void pcap_test_frame_fill(uint8_t *buf, size_t len, uint32_t seq)
{
	static const uint8_t eth[14] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02,	/* dst */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* src */
		0x88, 0xb5,		/* local experimental ethertype */
	};
	size_t i;

	memcpy(buf, eth, sizeof(eth));
	for (i = sizeof(eth); i < len; i++)
		buf[i] = (uint8_t)(seq * 7 + i);
	if (len >= sizeof(eth) + sizeof(seq))
		memcpy(buf + sizeof(eth), &seq, sizeof(seq));
}

/**
 * pcap_test_tcpdump() - If tcpdump is there, have it read a capture
 * @path:	Capture file
 * @count:	Number of packets it must find
 *
 * With -#, each packet's first line starts with its number; the hex dumps
 * of the (unknown) payload start with a tab and are skipped.
 */
static void pcap_test_tcpdump(const char *path, unsigned int count)
{
	unsigned int seen = 0, num;
	char cmd[160], line[512];
	FILE *p;

	if (system("command -v tcpdump >/dev/null 2>&1")) {
		fprintf(stderr, "\n  pcap: tcpdump not installed, skipping "
			"its check ");
		return;
	}

	snprintf(cmd, sizeof(cmd), "tcpdump -# -n -r '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	while (fgets(line, sizeof(line), p)) {
		if (line[0] != ' ' || sscanf(line, "%u", &num) != 1)
			continue;
		CU_ASSERT_EQUAL(num, seen + 1);		/* in order */
		seen = num;
	}
	CU_ASSERT_EQUAL(pclose(p), 0);		/* read without error */
	CU_ASSERT_EQUAL(seen, count);
}

/**
 * test_single() - pcap_frame(): header, records, truncation, mode
 */
static void test_single(void)
{
	static const size_t lens[] = { 60, 0, 1, 14, 1514, 65535 + 14,
				       PCAP_TEST_SNAPLEN,
				       PCAP_TEST_SNAPLEN + 1, 70000 };
	struct timespec t0, t1;
	struct pcap_test_file f;
	struct stat st;
	uint8_t *frame;
	size_t i;

	frame = malloc(70000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(frame);

	pcap_test_path(&f);
	CU_ASSERT_EQUAL_FATAL(pcap_open(f.path), 0);
	CU_ASSERT_EQUAL(stat(f.path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);

	clock_gettime(CLOCK_REALTIME, &t0);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		pcap_test_frame_fill(frame, MAX(lens[i], (size_t)14),
				     (uint32_t)i);
		pcap_frame(frame, lens[i]);
	}
	clock_gettime(CLOCK_REALTIME, &t1);
	pcap_close();

	pcap_test_load(&f);
	pcap_test_global(&f);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		pcap_test_frame_fill(frame, MAX(lens[i], (size_t)14),
				     (uint32_t)i);
		pcap_test_record(&f, frame, lens[i], &t0, &t1);
	}
	CU_ASSERT_EQUAL(f.off, f.len);		/* nothing else */

	/* tcpdump calls the empty record invalid, but counts it and goes on */
	pcap_test_tcpdump(f.path, ARRAY_SIZE(lens));
	pcap_test_done(&f);
	free(frame);
}

/**
 * test_batch() - pcap_frames(): 2000 frames, in order, across writev()s
 */
static void test_batch(void)
{
	static struct iovec iov[PCAP_TEST_MANY];
	struct timespec t0, t1;
	struct pcap_test_file f;
	uint8_t *frames;
	size_t i, off = 0;

	/* Lengths from 14 to 1513: varied, and 1.5 MB in all */
	frames = malloc(PCAP_TEST_MANY * 1514);
	CU_ASSERT_PTR_NOT_NULL_FATAL(frames);
	for (i = 0; i < PCAP_TEST_MANY; i++) {
		size_t len = 14 + (i * 37) % 1500;

		iov[i].iov_base = frames + off;
		iov[i].iov_len = len;
		pcap_test_frame_fill(frames + off, len, (uint32_t)i);
		off += len;
	}

	pcap_test_path(&f);
	CU_ASSERT_EQUAL_FATAL(pcap_open(f.path), 0);
	clock_gettime(CLOCK_REALTIME, &t0);
	pcap_frames(iov, PCAP_TEST_MANY);
	pcap_frames(iov, 0);
	pcap_frames(NULL, 0);
	pcap_frames(iov, 1);		/* one more, after the batch */
	clock_gettime(CLOCK_REALTIME, &t1);
	pcap_close();

	pcap_test_load(&f);
	pcap_test_global(&f);
	for (i = 0; i < PCAP_TEST_MANY; i++)
		pcap_test_record(&f, iov[i].iov_base, iov[i].iov_len,
				 &t0, &t1);
	pcap_test_record(&f, iov[0].iov_base, iov[0].iov_len, &t0, &t1);
	CU_ASSERT_EQUAL(f.off, f.len);

	pcap_test_tcpdump(f.path, PCAP_TEST_MANY + 1);
	pcap_test_done(&f);
	free(frames);
}

/**
 * test_closed() - No file: nothing happens; bad paths and writes: -errno
 */
static void test_closed(void)
{
	struct pcap_test_file f;
	uint8_t frame[60] = { 0 };
	struct iovec iov = { .iov_base = frame, .iov_len = sizeof(frame) };
	struct stat st;

	/* Never opened, or closed: no-ops, closing twice too */
	pcap_frame(frame, sizeof(frame));
	pcap_frames(&iov, 1);
	pcap_close();
	pcap_close();

	CU_ASSERT_EQUAL(pcap_open("/nonexistent/dir/x.pcap"), -ENOENT);
	pcap_frame(frame, sizeof(frame));

	/* The global header can't be written: the error, and no file open */
	if (!access("/dev/full", W_OK)) {
		CU_ASSERT_EQUAL(pcap_open("/dev/full"), -ENOSPC);
		pcap_frame(frame, sizeof(frame));
	}

	/* Opening again truncates, and a second open replaces the first */
	pcap_test_path(&f);
	CU_ASSERT_EQUAL_FATAL(pcap_open(f.path), 0);
	pcap_frame(frame, sizeof(frame));
	CU_ASSERT_EQUAL_FATAL(pcap_open(f.path), 0);
	pcap_close();
	pcap_frame(frame, sizeof(frame));
	CU_ASSERT_EQUAL(stat(f.path, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, 24);
	pcap_test_done(&f);
}

/**
 * test_full() - Writes that fail: dropped, logged once, caller unaffected
 *
 * A file size limit makes the kernel cut a record short, then refuse the
 * rest with EFBIG (SIGXFSZ ignored), as a full disk would.
 */
static void test_full(void)
{
	int saved_err, level = log_get_level(), i, lines = 0, pipefd[2];
	struct rlimit old, lim;
	struct pcap_test_file f;
	uint8_t frame[100] = { 0 };
	struct iovec iov[3];
	char line[256];
	FILE *fp;

	for (i = 0; i < 3; i++) {
		iov[i].iov_base = frame;
		iov[i].iov_len = sizeof(frame);
	}

	/* Catch what is logged, through a pipe: the size limit applies to
	 * every file written, but not to pipes
	 */
	fflush(stderr);
	saved_err = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(saved_err >= 0);
	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	dup2(pipefd[1], STDERR_FILENO);
	close(pipefd[1]);
	log_set_level(LOG_LVL_DEBUG);

	pcap_test_path(&f);
	CU_ASSERT_EQUAL_FATAL(pcap_open(f.path), 0);

	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 24 + 16 + 50;	/* half of the first frame fits */
	signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);

	pcap_frame(frame, sizeof(frame));
	pcap_frame(frame, sizeof(frame));
	pcap_frames(iov, 3);
	pcap_close();

	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	log_set_level(level);
	dup2(saved_err, STDERR_FILENO);
	close(saved_err);

	pcap_test_load(&f);
	CU_ASSERT_EQUAL(f.len, 24 + 16 + 50);
	pcap_test_global(&f);
	pcap_test_done(&f);

	/* Write end closed above: reading stops at the end of what came */
	fp = fdopen(pipefd[0], "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "pcap: cannot write capture") &&
		    strstr(line, strerror(EFBIG)))
			lines++;
	fclose(fp);
	CU_ASSERT_EQUAL(lines, 1);		/* logged once only */

	/* A new file starts with a clean slate */
	pcap_test_path(&f);
	CU_ASSERT_EQUAL_FATAL(pcap_open(f.path), 0);
	pcap_frame(frame, sizeof(frame));
	pcap_close();
	pcap_test_load(&f);
	CU_ASSERT_EQUAL(f.len, 24 + 16 + sizeof(frame));
	pcap_test_done(&f);
}

UNIT_SUITE(pcap,
	   { "single", test_single },
	   { "batch", test_batch },
	   { "closed", test_closed },
	   { "full", test_full })
