// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_qemu_stream.c - The qemu_stream backend's framing, both ways
 *
 * The backend runs on the fake core of the unit tests with its real
 * listening socket (in a directory of the harness's own), loaded once, as
 * the daemon keeps listening across guests; per input a client connects,
 * as QEMU would, and writes the input's stream in chunks, each followed by
 * an on_fd() call as the loop would make, then hangs up. The MTU is 4000
 * bytes, so that longer frames are protocol errors.
 *
 * Input: byte 0 sets the chunk size ((byte + 1) * 16 bytes); byte 1 holds
 * flags: bit 0, after each chunk the frames received so far are sent back
 * to the guest with send(); bit 1, a second client tries to connect too;
 * the rest is the stream: 32-bit big-endian lengths, each followed by a
 * frame.
 *
 * Findings besides crashes and sanitizer reports: the frames handed to the
 * core differ from those a reference parse of the stream finds (every
 * complete frame, in order, up to the first length of 0 or over the MTU
 * plus the Ethernet header and a VLAN tag, where the client must be
 * dropped); a frame for the guest arrives altered or out of order (some
 * may be dropped, never changed); a leaked file descriptor or memory.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fuzz.h"
#include "fake_core.h"

extern const struct passt_module passt_module;

#define FUZZ_QS_FD_LISTEN	1	/* the backend's epoll types */
#define FUZZ_QS_FD_CLIENT	2
#define FUZZ_QS_SEND_MAX	16	/* frames sent back per chunk */
#define FUZZ_QS_READ_MAX	(1 << 20)
#define FUZZ_QS_MTU		4000	/* longer frames are protocol errors */

/**
 * struct fuzz_qs_ref - One frame of the reference parse
 * @data:	Frame, in the input
 * @len:	Its length
 */
struct fuzz_qs_ref {
	const uint8_t *data;
	uint32_t len;
};

/**
 * struct fuzz_qs - The harness
 * @dir:	Directory of the socket
 * @path:	Socket path
 * @m:		The backend, loaded once
 * @ref:	Frames the stream holds, in order
 * @n_ref:	Number of them
 * @bad:	The stream has an invalid length after @ref
 * @got:	Frames the backend handed to the core so far
 * @sent:	Frames given to send(), in order
 * @n_sent:	Number of them
 * @next_out:	Index in @sent the next frame read back must be at or after
 * @rbuf:	What the client reads back
 * @rlen:	Bytes in @rbuf
 * @fds:	Descriptors open before the input
 */
static struct fuzz_qs {
	char dir[64];
	char path[108];
	struct passt_mod *m;
	struct fuzz_qs_ref ref[FAKE_CORE_FRAMES_MAX * 4];
	size_t n_ref;
	bool bad;
	size_t got;
	struct fuzz_qs_ref sent[FAKE_CORE_FRAMES_MAX];
	size_t n_sent;
	size_t next_out;
	uint8_t rbuf[FUZZ_QS_READ_MAX];
	size_t rlen;
	struct fuzz_fds fds;
} q;

/**
 * LLVMFuzzerInitialize() - A directory for the socket
 * @argc:	Unused
 * @argv:	Unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	snprintf(q.dir, sizeof(q.dir), "/tmp/passt-fuzz-qs.XXXXXX");
	if (!mkdtemp(q.dir))
		fuzz_fail("mkdtemp: %s", strerror(errno));
	snprintf(q.path, sizeof(q.path), "%s/s", q.dir);

	q.m = fake_core_load(&passt_module);
	fake_core.net.mtu = FUZZ_QS_MTU;
	fake_core_cfg_set_str("socket", q.path);
	if (fake_core_configure(q.m) || fake_core_init(q.m))
		fuzz_fail("qemu_stream: configure or init failed: %s",
			  fake_core.n_logs ? fake_core.logs[0].text : "");
	return 0;
}

/**
 * fuzz_qs_reference() - Parse the stream as the backend must
 * @p:		Stream
 * @len:	Its length
 * @frame_max:	Longest valid frame
 */
static void fuzz_qs_reference(const uint8_t *p, size_t len, size_t frame_max)
{
	size_t off = 0;

	q.n_ref = 0;
	q.bad = false;
	while (len - off >= 4 && q.n_ref < sizeof(q.ref) / sizeof(q.ref[0])) {
		uint32_t flen = passt_get32(p + off);

		if (!flen || flen > frame_max) {
			q.bad = true;
			return;
		}
		if (len - off - 4 < flen)
			return;
		q.ref[q.n_ref].data = p + off + 4;
		q.ref[q.n_ref].len = flen;
		q.n_ref++;
		off += 4 + flen;
	}
}

/**
 * fuzz_qs_compare() - Check the frames the backend handed over since last
 */
static void fuzz_qs_compare(void)
{
	unsigned int i;

	for (i = 0; i < fake_core.n_from_guest; i++, q.got++) {
		const struct fake_frame *f = &fake_core.from_guest[i];

		if (q.got >= q.n_ref)
			fuzz_fail("frame %zu handed over, the stream holds %zu",
				  q.got, q.n_ref);
		if (f->len != q.ref[q.got].len ||
		    memcmp(f->data, q.ref[q.got].data, f->len))
			fuzz_fail("frame %zu: %zu bytes handed over differ from "
				  "the %u in the stream", q.got, f->len,
				  q.ref[q.got].len);
	}
	fake_core_frames_clear();
}

/**
 * fuzz_qs_client_fd() - The descriptor and generation the backend watches
 * @gen:	Generation, set if found
 *
 * Return: the client's descriptor as the last fd_add() named it, or -1
 */
static int fuzz_qs_client_fd(uint32_t *gen)
{
	int fd = -1;
	unsigned int i;

	for (i = 0; i < fake_core.n_fd_calls; i++) {
		const struct fake_fd_call *c = &fake_core.fd_calls[i];

		if (c->op == FAKE_FD_ADD && c->type == FUZZ_QS_FD_CLIENT) {
			fd = c->fd;
			*gen = c->data;
		} else if (c->op == FAKE_FD_DEL && c->fd == fd) {
			fd = -1;
		}
	}
	return fd;
}

/**
 * fuzz_qs_read_back() - Read what the client got, check it is in order
 * @c:		Client socket
 */
static void fuzz_qs_read_back(int c)
{
	size_t off = 0;
	ssize_t n;

	while (q.rlen < sizeof(q.rbuf) &&
	       (n = recv(c, q.rbuf + q.rlen, sizeof(q.rbuf) - q.rlen,
			 MSG_DONTWAIT)) > 0)
		q.rlen += (size_t)n;

	while (q.rlen - off >= 4) {
		uint32_t len = passt_get32(q.rbuf + off);

		if (q.rlen - off - 4 < len)
			break;
		/* Frames may be dropped, never altered or reordered */
		while (q.next_out < q.n_sent &&
		       (q.sent[q.next_out].len != len ||
			memcmp(q.sent[q.next_out].data, q.rbuf + off + 4, len)))
			q.next_out++;
		if (q.next_out == q.n_sent)
			fuzz_fail("the guest read a frame of %u bytes that was "
				  "never sent, or out of order", len);
		q.next_out++;
		off += 4 + len;
	}
	memmove(q.rbuf, q.rbuf + off, q.rlen - off);
	q.rlen -= off;
}

/**
 * fuzz_qs_send() - Send the frames received so far back to the guest
 * @from:	First reference frame to send
 */
static void fuzz_qs_send(size_t from)
{
	struct iovec iov[FUZZ_QS_SEND_MAX];
	size_t n = 0;

	for (; from < q.got && n < FUZZ_QS_SEND_MAX &&
	     q.n_sent < sizeof(q.sent) / sizeof(q.sent[0]); from++, n++) {
		iov[n].iov_base = (void *)q.ref[from].data;
		iov[n].iov_len = q.ref[from].len;
		q.sent[q.n_sent++] = q.ref[from];
	}
	if (n)
		passt_module.send(q.m, iov, n);
}

/**
 * LLVMFuzzerTestOneInput() - One client, one stream: see the top
 * @data:	Input
 * @size:	Its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t chunk, off, rounds;
	int c, c2 = -1, fd;
	uint32_t gen = 0;
	uint8_t flags;

	if (size < 2)
		return 0;
	chunk = ((size_t)data[0] + 1) * 16;
	flags = data[1];
	data += 2;
	size -= 2;

	fuzz_fds_take(&q.fds);
	fake_core_frames_clear();
	fake_core.n_fd_calls = 0;
	fake_core.resets = 0;
	fuzz_qs_reference(data, size, FUZZ_QS_MTU + PASST_ETH_HLEN + 4);
	q.got = q.n_sent = q.next_out = q.rlen = 0;

	memcpy(a.sun_path, q.path, strlen(q.path) + 1);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		fuzz_fail("connect to %s: %s", q.path, strerror(errno));
	passt_module.on_fd(q.m, FUZZ_QS_FD_LISTEN, -1, 0, EPOLLIN,
			   fake_core_now());
	fd = fuzz_qs_client_fd(&gen);
	if (fd < 0)
		fuzz_fail("the client was not accepted");

	if (flags & 2) {
		c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c2 < 0 || connect(c2, (struct sockaddr *)&a, sizeof(a)))
			fuzz_fail("second connect: %s", strerror(errno));
		passt_module.on_fd(q.m, FUZZ_QS_FD_LISTEN, -1, 0, EPOLLIN,
				   fake_core_now());
	}

	for (off = 0; off < size && fuzz_qs_client_fd(&gen) >= 0;
	     off += chunk) {
		size_t len = size - off < chunk ? size - off : chunk, from;

		if (send(c, data + off, len, MSG_NOSIGNAL) != (ssize_t)len)
			break;	/* the backend hung up: protocol error */
		from = q.got;
		passt_module.on_fd(q.m, FUZZ_QS_FD_CLIENT, fd, gen, EPOLLIN,
				   fake_core_now());
		fuzz_qs_compare();
		if (flags & 1) {
			fuzz_qs_send(from);
			fuzz_qs_read_back(c);
			if (fuzz_qs_client_fd(&gen) >= 0)
				passt_module.on_fd(q.m, FUZZ_QS_FD_CLIENT, fd,
						   gen, EPOLLOUT,
						   fake_core_now());
			fuzz_qs_read_back(c);
		}
	}

	/* Hang up; the backend notices at its next read */
	shutdown(c, SHUT_WR);
	for (rounds = 0; rounds < 64 && fuzz_qs_client_fd(&gen) >= 0;
	     rounds++) {
		passt_module.on_fd(q.m, FUZZ_QS_FD_CLIENT, fd, gen,
				   EPOLLIN | EPOLLHUP, fake_core_now());
		fuzz_qs_compare();
	}
	if (fuzz_qs_client_fd(&gen) >= 0)
		fuzz_fail("the client hung up but is still watched");
	if (!fake_core.resets)
		fuzz_fail("the client went without a guest_reset()");
	if (q.got != q.n_ref)
		fuzz_fail("%zu frames handed over, the stream holds %zu%s",
			  q.got, q.n_ref, q.bad ? " before a bad length" : "");
	if (fake_core.misuse)
		fuzz_fail("qemu_stream misused a core service");

	close(c);
	if (c2 >= 0)
		close(c2);
	fuzz_fds_check(&q.fds, "qemu_stream");
	return 0;
}
