// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_frames.c - Guest frames through the core's checks into one module
 *
 * Built once per protocol module (frames-tcp, frames-udp...): the module's
 * own sources, the fake core of the unit tests (tests/unit/fake_core.c) for
 * its services, and the core's real frame path (core/frame.c): every frame
 * goes through frame_from_guest(), which checks it, learns from it,
 * answers ARP and dispatches by the module's claims, exactly as in the
 * daemon. The module's host sockets are real, in a network namespace of
 * the harness's own where every address is local (fuzz_netns()): echo
 * servers on TCP ports 7 and 80 and UDP ports 7 and 53 answer whatever the
 * guest reaches there; other ports refuse. A forwarding rule for TCP port
 * 8080 and one for UDP port 5353 (both to guest port 80) hand the module
 * listening sockets, as the core does, so connections from the host side
 * come in too.
 *
 * Input: records of one operation byte, a 16-bit big-endian length and
 * that many bytes (a record cut short ends the input):
 *
 *   op % 9	what
 *   0		guest frame, as is
 *   1		guest frame, checksums fixed up first (IPv4 header, TCP,
 *		UDP, ICMP, ICMPv6)
 *   2		guest frame, TCP acknowledgement number set to what the
 *		module sent last on that connection, then checksums fixed
 *   3		end of batch: dispatch the frames so far, then host events
 *   4		time passes: 16-bit milliseconds, on_timer(), host events
 *   5		host peers send the data (TCP connections, UDP peers)
 *   6		a host client connects to the forwarded TCP port (byte 0
 *		even) or sends the data to the forwarded UDP port (odd); IPv6
 *		if bit 1 of byte 0 is set
 *   7		host peers close their TCP connections: byte 0 odd resets
 *   8		the guest goes away: on_reset()
 *
 * Per input the module is loaded, configured and initialised afresh, and
 * unloaded (fini()) at the end. Findings besides crashes and sanitizer
 * reports: a frame for the guest the core would itself drop, or with a
 * wrong checksum, or over the MTU (fuzz_check_to_guest()); a misuse of
 * core services (fake_core.misuse); a file descriptor or memory leaked
 * past fini().
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "fake_core.h"
#include "frame.h"

extern const struct passt_module passt_module;

#define FUZZ_BATCH_MAX		64	/* frames per dispatch, at most */
#define FUZZ_ROUNDS		8	/* event rounds per turn */
#define FUZZ_PEERS_MAX		32	/* host-side sockets per input */
#define FUZZ_SEQS_MAX		64	/* TCP connections tracked for op 2 */
#define FUZZ_FWD_TCP		8080
#define FUZZ_FWD_UDP		5353
#define FUZZ_GUEST_PORT		80
#define FUZZ_IO_MAX		65536

/**
 * enum fuzz_op - Operations of an input record
 */
enum fuzz_op {
	FUZZ_OP_FRAME,
	FUZZ_OP_FRAME_CSUM,
	FUZZ_OP_FRAME_ACK,
	FUZZ_OP_TURN,
	FUZZ_OP_TIME,
	FUZZ_OP_HOST_DATA,
	FUZZ_OP_HOST_CONN,
	FUZZ_OP_HOST_CLOSE,
	FUZZ_OP_RESET,
	FUZZ_OP_NUM,
};

/**
 * struct fuzz_seq - What the module sent last on one TCP connection
 * @used:	Entry in use
 * @v6:		IPv6
 * @gport:	Guest's port
 * @rport:	Remote port
 * @next:	Sequence number after the last segment (SYN and FIN count)
 */
struct fuzz_seq {
	bool used;
	bool v6;
	uint16_t gport;
	uint16_t rport;
	uint32_t next;
};

/**
 * struct fuzz_peer - A host-side socket of the harness
 * @fd:		Socket, -1 if free
 * @tcp:	Stream socket (else datagram)
 */
struct fuzz_peer {
	int fd;
	bool tcp;
};

/**
 * struct fuzz_state - The harness: made once, emptied after each input
 * @m:		The module, loaded for the current input
 * @ep_mod:	epoll of the module's descriptors, as fd_add() asked
 * @ep_host:	epoll of the harness's own servers and peers
 * @srv_tcp:	Listening echo servers, TCP ports 7 and 80
 * @srv_udp:	Echo servers, UDP ports 7 and 53
 * @udp_last:	Last peer of each UDP server
 * @udp_seen:	Whether @udp_last is set
 * @fwd_tcp:	Listening socket of the TCP forwarding rule
 * @fwd_udp:	Bound socket of the UDP forwarding rule
 * @listen:	The module takes forwarded sockets (tcp, udp)
 * @rules:	The forwarding rules
 * @peers:	Host-side sockets of this input
 * @seqs:	TCP sequence numbers the module sent, for FUZZ_OP_FRAME_ACK
 * @batch:	Frames of the current batch (each malloc'ed to its size)
 * @n:		Frames in @batch
 * @defers:	fake_core.defers already acted upon
 * @fds:	Descriptors open before the input (libFuzzer's symbolizer
 *		opens some between inputs)
 * @verbose:	FUZZ_VERBOSE is set: say what goes to the guest
 * @buf:	Scratch buffer for host-side I/O
 */
static struct fuzz_state {
	struct passt_mod *m;
	int ep_mod;
	int ep_host;
	int srv_tcp[2];
	int srv_udp[2];
	struct sockaddr_in6 udp_last[2];
	bool udp_seen[2];
	int fwd_tcp;
	int fwd_udp;
	bool listen;
	struct passt_fwd_rule rules[2];
	struct fuzz_peer peers[FUZZ_PEERS_MAX];
	struct fuzz_seq seqs[FUZZ_SEQS_MAX];
	struct passt_frame batch[FUZZ_BATCH_MAX];
	size_t n;
	unsigned int defers;
	struct fuzz_fds fds;
	bool verbose;
	uint8_t buf[FUZZ_IO_MAX];
} h;

/**
 * fuzz_ref() - epoll data for a module descriptor
 * @fd:		Descriptor
 * @type:	Module's type
 * @data:	Module's data (24 bits)
 *
 * Return: what to store in epoll_data.u64
 */
static uint64_t fuzz_ref(int fd, uint8_t type, uint32_t data)
{
	return (uint32_t)fd | (uint64_t)type << 32 |
	       (uint64_t)(data & 0xffffff) << 40;
}

/**
 * fuzz_sock() - A non-blocking dual-stack socket, bound to a port
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @port:	Port, 0 for none (not bound)
 *
 * Return: socket
 */
static int fuzz_sock(int type, uint16_t port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port) };
	int fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int zero = 0, one = 1;

	if (fd < 0)
		fuzz_fail("socket: %s", strerror(errno));
	if (!port)
		return fd;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(fd, 64)))
		fuzz_fail("server on port %u: %s", port, strerror(errno));
	return fd;
}

/**
 * fuzz_host_add() - Watch a harness socket
 * @fd:		Socket
 */
static void fuzz_host_add(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(h.ep_host, EPOLL_CTL_ADD, fd, &ev))
		fuzz_fail("epoll_ctl: %s", strerror(errno));
}

/**
 * LLVMFuzzerInitialize() - Namespace, servers, the core's frame tables
 * @argc:	Unused
 * @argv:	Unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint16_t tcp_ports[2] = { 7, 80 }, udp_ports[2] = { 7, 53 };
	const struct passt_claim *c;
	unsigned int i, conflict;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_netns();
	h.verbose = getenv("FUZZ_VERBOSE");

	h.ep_mod = epoll_create1(EPOLL_CLOEXEC);
	h.ep_host = epoll_create1(EPOLL_CLOEXEC);
	if (h.ep_mod < 0 || h.ep_host < 0)
		fuzz_fail("epoll_create1: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		h.srv_tcp[i] = fuzz_sock(SOCK_STREAM, tcp_ports[i]);
		h.srv_udp[i] = fuzz_sock(SOCK_DGRAM, udp_ports[i]);
		fuzz_host_add(h.srv_tcp[i]);
		fuzz_host_add(h.srv_udp[i]);
	}
	for (i = 0; i < FUZZ_PEERS_MAX; i++)
		h.peers[i].fd = -1;

	/* What the core would open for 'forward' rules of tcp and udp */
	h.listen = !strcmp(passt_module.name, "tcp") ||
		   !strcmp(passt_module.name, "udp");
	h.fwd_tcp = h.fwd_udp = -1;
	if (h.listen) {
		bool tcp = !strcmp(passt_module.name, "tcp");
		struct passt_fwd_rule *r = &h.rules[0];
		struct epoll_event ev = { .events = EPOLLIN };
		int fd;

		r->proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		r->from = PASST_PIF_HOST;
		r->first = r->last = tcp ? FUZZ_FWD_TCP : FUZZ_FWD_UDP;
		r->to = FUZZ_GUEST_PORT;
		r->any_family = 1;
		fd = fuzz_sock(tcp ? SOCK_STREAM : SOCK_DGRAM, r->first);
		if (tcp)
			h.fwd_tcp = fd;
		else
			h.fwd_udp = fd;
		ev.data.u64 = fuzz_ref(fd, PASST_FD_LISTEN,
				       PASST_FWD_REF(0, r->first));
		if (epoll_ctl(h.ep_mod, EPOLL_CTL_ADD, fd, &ev))
			fuzz_fail("epoll_ctl: %s", strerror(errno));
	}

	frame_claims_reset();
	for (c = passt_module.claims; c && c->ethertype; c++)
		if (frame_claim_add(1, c, &conflict))
			fuzz_fail("claim of 0x%04x/%u/%u refused",
				  c->ethertype, c->l4proto, c->l4dst);
	if (frame_txq_init(1 << 20, 256))
		fuzz_fail("frame_txq_init");
	return 0;
}

/**
 * fuzz_seq_slot() - Entry of a TCP connection in the sequence table
 * @v6:		IPv6
 * @gport:	Guest's port
 * @rport:	Remote port
 * @add:	Take a free (or the first) entry if there is none
 *
 * Return: entry, or NULL
 */
static struct fuzz_seq *fuzz_seq_slot(bool v6, uint16_t gport,
				      uint16_t rport, bool add)
{
	struct fuzz_seq *free_slot = NULL;
	unsigned int i;

	for (i = 0; i < FUZZ_SEQS_MAX; i++) {
		struct fuzz_seq *s = &h.seqs[i];

		if (s->used && s->v6 == v6 && s->gport == gport &&
		    s->rport == rport)
			return s;
		if (!s->used && !free_slot)
			free_slot = s;
	}
	if (!add)
		return NULL;
	if (!free_slot)
		free_slot = &h.seqs[0];
	free_slot->used = true;
	free_slot->v6 = v6;
	free_slot->gport = gport;
	free_slot->rport = rport;
	return free_slot;
}

/**
 * fuzz_seq_note() - Remember the sequence space of a segment to the guest
 * @buf:	Frame, checked already
 * @len:	Its length
 */
static void fuzz_seq_note(const uint8_t *buf, size_t len)
{
	struct passt_frame f = { .data = buf, .len = len };
	const uint8_t *th;
	struct fuzz_seq *s;
	uint32_t next;

	if (frame_parse(&f) || f.l4proto != IPPROTO_TCP || !f.l4off ||
	    f.l4len < 20)
		return;
	th = buf + f.l4off;
	next = passt_get32(th + 4) + f.l4len - (uint32_t)(th[12] >> 4) * 4;
	next += !!(th[13] & 0x02) + !!(th[13] & 0x01);	/* SYN, FIN */
	s = fuzz_seq_slot(f.ethertype == PASST_ETHERTYPE_IPV6,
			  passt_get16(th + 2), passt_get16(th), true);
	s->next = next;
}

/**
 * fuzz_ack_fix() - Acknowledge what the module sent, on a guest segment
 * @buf:	Guest frame, changed in place
 * @len:	Its length
 */
static void fuzz_ack_fix(uint8_t *buf, size_t len)
{
	struct passt_frame f = { .data = buf, .len = len };
	const struct fuzz_seq *s;
	uint8_t *th;

	fuzz_csum_fix(buf, len);	/* frame_parse() wants the IPv4 sum */
	if (frame_parse(&f) || f.l4proto != IPPROTO_TCP || !f.l4off ||
	    f.l4len < 20)
		return;
	th = buf + f.l4off;
	s = fuzz_seq_slot(f.ethertype == PASST_ETHERTYPE_IPV6,
			  passt_get16(th), passt_get16(th + 2), false);
	if (s) {
		passt_put32(th + 8, s->next);
		th[13] |= 0x10;					/* ACK */
		fuzz_csum_fix(buf, len);
	}
}

/**
 * fuzz_to_guest() - Check, note and forget the frames queued for the guest
 */
static void fuzz_to_guest(void)
{
	unsigned int i;

	for (i = 0; i < fake_core.n_to_guest; i++) {
		const struct fake_frame *fr = &fake_core.to_guest[i];

		fuzz_check_to_guest(fr->data, fr->len, fake_core.net.mtu);
		fuzz_seq_note(fr->data, fr->len);
		if (h.verbose)
			fprintf(stderr, "to the guest: %zu bytes, EtherType "
				"0x%02x%02x\n", fr->len, fr->data[12],
				fr->data[13]);
	}
	fake_core_frames_clear();
}

/**
 * fuzz_sync() - After a module callback: mirror its fd calls into epoll,
 *		 check its frames, run what it deferred
 */
static void fuzz_sync(void)
{
	unsigned int i, rounds;

	for (rounds = 0; rounds < 4; rounds++) {
		for (i = 0; i < fake_core.n_fd_calls; i++) {
			const struct fake_fd_call *c = &fake_core.fd_calls[i];
			struct epoll_event ev = {
				.events = c->events,
				.data.u64 = fuzz_ref(c->fd, c->type, c->data),
			};

			switch (c->op) {
			case FAKE_FD_ADD:
				if (epoll_ctl(h.ep_mod, EPOLL_CTL_ADD, c->fd,
					      &ev) && errno == EEXIST)
					epoll_ctl(h.ep_mod, EPOLL_CTL_MOD,
						  c->fd, &ev);
				break;
			case FAKE_FD_MOD:
				if (epoll_ctl(h.ep_mod, EPOLL_CTL_MOD, c->fd,
					      &ev) && errno == ENOENT)
					epoll_ctl(h.ep_mod, EPOLL_CTL_ADD,
						  c->fd, &ev);
				break;
			case FAKE_FD_DEL:
				epoll_ctl(h.ep_mod, EPOLL_CTL_DEL, c->fd, NULL);
				break;
			}
		}
		fake_core.n_fd_calls = 0;
		fuzz_to_guest();
		if (fake_core.misuse)
			fuzz_fail("%s misused a core service: %s",
				  passt_module.name,
				  fake_core.n_logs ?
				  fake_core.logs[fake_core.n_logs - 1].text :
				  "");

		if (fake_core.defers == h.defers || !passt_module.on_defer)
			break;
		h.defers = fake_core.defers;
		passt_module.on_defer(h.m, fake_core_now());
	}
}

/**
 * fuzz_txq_send() - The core's own frames (ARP replies): checked, dropped
 * @opaque:	Unused
 * @iov:	Frames
 * @n:		Number of frames
 *
 * Return: @n
 */
static int fuzz_txq_send(void *opaque, const struct iovec *iov, size_t n)
{
	size_t i;

	(void)opaque;
	for (i = 0; i < n; i++)
		fuzz_check_to_guest(iov[i].iov_base, iov[i].iov_len,
				    fake_core.net.mtu);
	return (int)n;
}

/**
 * fuzz_deliver() - frame_from_guest() hands the module its frames
 * @opaque:	Unused
 * @owner:	Module index: 1, the only one
 * @f:		Frames
 * @n:		Number of frames
 */
static void fuzz_deliver(void *opaque, unsigned int owner,
			 const struct passt_frame *f, size_t n)
{
	(void)opaque;
	if (owner != 1)
		fuzz_fail("frames for owner %u", owner);
	passt_module.on_frames(h.m, f, n, fake_core_now());
}

/**
 * fuzz_dispatch() - Hand the batch through the core's frame path
 */
static void fuzz_dispatch(void)
{
	size_t i;

	if (!h.n)
		return;
	frame_from_guest(h.batch, h.n, &fake_core.net, fuzz_deliver, NULL);
	frame_txq_flush();
	fuzz_sync();
	for (i = 0; i < h.n; i++)
		free((void *)h.batch[i].data);
	h.n = 0;
}

/**
 * fuzz_peer_add() - Keep a host-side socket of this input
 * @fd:		Socket
 * @tcp:	Stream socket
 *
 * Return: true if kept, false if closed for want of room
 */
static bool fuzz_peer_add(int fd, bool tcp)
{
	unsigned int i;

	for (i = 0; i < FUZZ_PEERS_MAX; i++) {
		if (h.peers[i].fd < 0) {
			h.peers[i].fd = fd;
			h.peers[i].tcp = tcp;
			fuzz_host_add(fd);
			return true;
		}
	}
	close(fd);
	return false;
}

/**
 * fuzz_peer_close() - Close a host-side socket
 * @p:		Peer
 * @rst:	Reset rather than close (TCP)
 */
static void fuzz_peer_close(struct fuzz_peer *p, bool rst)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (p->fd < 0)
		return;
	if (rst && p->tcp)
		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(p->fd);		/* leaves ep_host by itself */
	p->fd = -1;
}

/**
 * fuzz_host_event() - A harness socket is readable: accept, or echo
 * @fd:		Socket
 */
static void fuzz_host_event(int fd)
{
	unsigned int i;
	ssize_t n;

	for (i = 0; i < 2; i++) {
		if (fd == h.srv_tcp[i]) {
			int c = accept4(fd, NULL, NULL,
					SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (c >= 0)
				fuzz_peer_add(c, true);
			return;
		}
		if (fd == h.srv_udp[i]) {
			socklen_t sl = sizeof(h.udp_last[i]);

			n = recvfrom(fd, h.buf, sizeof(h.buf), 0,
				     (struct sockaddr *)&h.udp_last[i], &sl);
			if (n < 0)
				return;
			h.udp_seen[i] = true;
			sendto(fd, h.buf, (size_t)n, MSG_NOSIGNAL,
			       (struct sockaddr *)&h.udp_last[i], sl);
			return;
		}
	}
	for (i = 0; i < FUZZ_PEERS_MAX; i++) {
		struct fuzz_peer *p = &h.peers[i];

		if (p->fd != fd)
			continue;
		n = recv(fd, h.buf, sizeof(h.buf), 0);
		if (n > 0)
			send(fd, h.buf, (size_t)n, MSG_NOSIGNAL);
		else if (!n || (errno != EAGAIN && errno != EINTR))
			fuzz_peer_close(p, false);
		return;
	}
}

/**
 * fuzz_events() - Run host-side events until things settle
 */
static void fuzz_events(void)
{
	struct epoll_event ev[16];
	unsigned int round;
	int n, i;

	for (round = 0; round < FUZZ_ROUNDS; round++) {
		int busy = 0;

		n = epoll_wait(h.ep_host, ev, 16, 0);
		for (i = 0; i < n; i++)
			fuzz_host_event(ev[i].data.fd);
		busy += n > 0 ? n : 0;

		n = epoll_wait(h.ep_mod, ev, 16, 0);
		for (i = 0; i < n; i++) {
			uint64_t r = ev[i].data.u64;

			passt_module.on_fd(h.m, (uint8_t)(r >> 32),
					   (int)(uint32_t)r,
					   (uint32_t)(r >> 40), ev[i].events,
					   fake_core_now());
			fuzz_sync();
		}
		busy += n > 0 ? n : 0;
		if (!busy)
			break;
	}
}

/**
 * fuzz_host_send() - Every host peer sends @data
 * @data:	Bytes
 * @len:	Their number
 */
static void fuzz_host_send(const uint8_t *data, size_t len)
{
	unsigned int i;

	for (i = 0; i < FUZZ_PEERS_MAX; i++)
		if (h.peers[i].fd >= 0)
			send(h.peers[i].fd, data, len, MSG_NOSIGNAL);
	for (i = 0; i < 2; i++)
		if (h.udp_seen[i])
			sendto(h.srv_udp[i], data, len, MSG_NOSIGNAL,
			       (struct sockaddr *)&h.udp_last[i],
			       sizeof(h.udp_last[i]));
}

/**
 * fuzz_host_conn() - A host client reaches a forwarded port
 * @data:	Byte 0: bit 0 UDP, bit 1 IPv6; then UDP payload
 * @len:	Bytes in @data
 */
static void fuzz_host_conn(const uint8_t *data, size_t len)
{
	bool udp = len && (data[0] & 1), v6 = len && (data[0] & 2);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	int fd;

	if (!h.listen || udp != (h.fwd_udp >= 0))
		return;
	a.sin6_port = htons(udp ? FUZZ_FWD_UDP : FUZZ_FWD_TCP);
	inet_pton(AF_INET6, v6 ? "::1" : "::ffff:127.0.0.1", &a.sin6_addr);

	fd = fuzz_sock(udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    errno != EINPROGRESS) {
		close(fd);
		return;
	}
	if (!fuzz_peer_add(fd, !udp))
		return;
	if (udp)
		send(fd, data + 1, len - 1, MSG_NOSIGNAL);
}

/**
 * fuzz_frame_add() - Copy a frame into the batch, maybe fixed up
 * @op:		FUZZ_OP_FRAME, _FRAME_CSUM or _FRAME_ACK
 * @data:	Frame
 * @len:	Its length
 */
static void fuzz_frame_add(enum fuzz_op op, const uint8_t *data, size_t len)
{
	uint8_t *copy;

	if (h.n == FUZZ_BATCH_MAX)
		fuzz_dispatch();
	/* Exactly @len bytes: a read past the frame is a sanitizer report */
	copy = malloc(len ? len : 1);
	if (!copy)
		fuzz_fail("out of memory");
	memcpy(copy, data, len);
	if (op == FUZZ_OP_FRAME_CSUM)
		fuzz_csum_fix(copy, len);
	else if (op == FUZZ_OP_FRAME_ACK)
		fuzz_ack_fix(copy, len);
	h.batch[h.n].data = copy;
	h.batch[h.n].len = len;
	h.n++;
}

/**
 * fuzz_drain() - Empty the forwarded sockets of what this input left
 */
static void fuzz_drain(void)
{
	int fd;

	if (h.fwd_tcp >= 0)
		while ((fd = accept4(h.fwd_tcp, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			close(fd);
	if (h.fwd_udp >= 0)
		while (recv(h.fwd_udp, h.buf, sizeof(h.buf), 0) >= 0)
			;
}

/**
 * LLVMFuzzerTestOneInput() - Run one input: see the top of this file
 * @data:	Records
 * @size:	Bytes of them
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	unsigned int i;

	fuzz_fds_take(&h.fds);
	h.m = fake_core_load(&passt_module);
	fake_core.flow_max = 32;	/* small: a full table gets fuzzed too */
	fake_core_fwd_set(h.rules, h.listen ? 1 : 0);
	frame_txq_set_sender(fuzz_txq_send, NULL);
	memset(h.seqs, 0, sizeof(h.seqs));
	memset(h.udp_seen, 0, sizeof(h.udp_seen));
	h.defers = 0;

	if (fake_core_configure(h.m) || fake_core_init(h.m))
		fuzz_fail("%s: configure or init failed: %s", passt_module.name,
			  fake_core.n_logs ? fake_core.logs[0].text : "");
	fuzz_sync();
	if (passt_module.start)
		passt_module.start(h.m);
	fuzz_sync();

	while (size - off >= 3) {
		enum fuzz_op op = (enum fuzz_op)(data[off] % FUZZ_OP_NUM);
		size_t len = passt_get16(data + off + 1);
		const uint8_t *p = data + off + 3;

		if (len > size - off - 3)
			break;
		off += 3 + len;

		switch (op) {
		case FUZZ_OP_FRAME:
		case FUZZ_OP_FRAME_CSUM:
		case FUZZ_OP_FRAME_ACK:
			fuzz_frame_add(op, p, len);
			break;
		case FUZZ_OP_TURN:
			fuzz_dispatch();
			fuzz_events();
			break;
		case FUZZ_OP_TIME:
			fuzz_dispatch();
			fake_core.now.tv_sec += (len >= 2 ? passt_get16(p) :
						 1000) / 1000;
			fake_core.now.tv_nsec += (len >= 2 ? passt_get16(p) :
						  1000) % 1000 * 1000000L;
			if (fake_core.now.tv_nsec >= 1000000000L) {
				fake_core.now.tv_sec++;
				fake_core.now.tv_nsec -= 1000000000L;
			}
			if (passt_module.on_timer)
				passt_module.on_timer(h.m, fake_core_now());
			fuzz_sync();
			fuzz_events();
			break;
		case FUZZ_OP_HOST_DATA:
			fuzz_dispatch();
			fuzz_host_send(p, len);
			fuzz_events();
			break;
		case FUZZ_OP_HOST_CONN:
			fuzz_dispatch();
			fuzz_host_conn(p, len);
			fuzz_events();
			break;
		case FUZZ_OP_HOST_CLOSE:
			fuzz_dispatch();
			for (i = 0; i < FUZZ_PEERS_MAX; i++)
				if (h.peers[i].tcp)
					fuzz_peer_close(&h.peers[i],
							len && (p[0] & 1));
			fuzz_events();
			break;
		case FUZZ_OP_RESET:
			fuzz_dispatch();
			if (passt_module.on_reset)
				passt_module.on_reset(h.m);
			fuzz_sync();
			fuzz_events();
			break;
		case FUZZ_OP_NUM:
			break;
		}
	}
	fuzz_dispatch();
	fuzz_events();

	fake_core_unload(h.m);
	h.m = NULL;
	for (i = 0; i < FUZZ_PEERS_MAX; i++)
		fuzz_peer_close(&h.peers[i], true);
	fuzz_drain();
	fuzz_fds_check(&h.fds, passt_module.name);
	return 0;
}
