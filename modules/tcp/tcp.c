// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp.c - TCP between guest segments and host sockets: the module descriptor
 *
 * Theory of Operation
 * ===================
 *
 * What it does
 * ------------
 * The guest speaks TCP over its Ethernet link; the host has sockets. This
 * module maps one onto the other with no TCP/IP stack in between and no
 * packet buffers per connection: each guest connection is one host socket,
 * and the kernel's socket buffers are the only place data waits.
 *
 * - Guest to host (outbound, tcp_conn.c): a SYN opens a non-blocking socket
 *   and connects it to the destination. The map_host_loopback address
 *   means the host's loopback (127.0.0.1, ::1), the DNS forwarding address
 *   port 53 means the host's resolver (dns_match -> dns_host). Outbound
 *   sockets are bound to outbound_address / outbound_interface when they
 *   are set, except towards loopback and link-local destinations. The
 *   guest's SYN-ACK is sent only when the host connection is established;
 *   a refused or unreachable one becomes an RST acknowledging the guest's
 *   SYN, which its stack accepts at once, so connect() fails with
 *   ECONNREFUSED instead of timing out.
 * - Host to guest (inbound, port forwarding): the core opens the listening
 *   sockets of the forwarding table's TCP rules and hands us their events
 *   (PASST_FD_LISTEN); each accepted connection becomes a SYN to the guest
 *   at the rule's target port, from the peer's address. Loopback peers, and
 *   peers using the guest's own address (the host's, by default), appear
 *   as map_host_loopback (the gateway), as passt does, unless the splice
 *   path takes them (below).
 *
 * The splice path (tcp_splice.c)
 * ------------------------------
 * With the tap backend the guest is a network namespace of the same
 * kernel, and loopback to loopback needs no frames at all: two sockets
 * are joined, and data moves between them through a pair of pipes with
 * splice(2), never copied to user space, as pasta does.
 * - from = "guest" rules: the core opens their listening sockets on the
 *   guest namespace's loopback (PASST_PIF_SPLICE, made there through the
 *   backend); each connection accepted there is joined to a new one to the
 *   host's loopback (127.0.0.1 or ::1, as the guest used) at the target
 *   port.
 * - Connections from the host's loopback to a from = "host" rule's port
 *   are joined to a socket made in the guest's namespace (the core's
 *   guest_socket()) and connected to the guest's loopback at the target
 *   port: the guest sees them from 127.0.0.1 (or ::1), and a guest server
 *   bound to its tap address only doesn't see them at all, as with pasta.
 *   Where guest_socket() says -ENOTSUP (qemu_stream, vhost_user: the
 *   guest has no namespace of ours) they go the frame way, from the
 *   gateway address, as above.
 * A spliced connection is a flow of type TCP_FLOW_SPLICE, state SPLICE,
 * its sides on the splice and host pifs; it has no sequence numbers,
 * windows or retransmissions (the kernel does all that on both sockets),
 * only a connect() timeout, half-closes passed on with shutdown(), resets
 * passed on as resets, and the inactivity sweep below. It survives the
 * guest's link going away, which it never used.
 *
 * Data path (tcp_data.c)
 * ----------------------
 * - Guest to host: in-order payload is written with sendmsg() (consecutive
 *   segments of a connection in a batch gathered into one call) and
 *   acknowledged only as far as the kernel took it. The window advertised
 *   to the guest is the socket's free send space (SO_MEMINFO; tcp_seq.c),
 *   scaled (RFC 7323, shift TCP_WS_OURS) and never moved left, so the guest
 *   is never invited to send more than the socket can take. If a write is
 *   cut short anyway, the rest is dropped, and as soon as the socket has
 *   room a window update and three duplicate ACKs trigger the guest's fast
 *   retransmit; out-of-order segments get a duplicate ACK each.
 * - Host to guest: one recvmsg(MSG_PEEK) per connection and event fills
 *   many frames of the guest's MSS in the core's queue (frames_reserve()),
 *   headers written around the payload from a per-connection template, and
 *   committed together; the core hands all frames of a turn to the backend
 *   at once. Data stays in the kernel until the guest acknowledges it
 *   (then dropped with recv(MSG_TRUNC)); SO_PEEK_OFF keeps peeks from
 *   reading again what was sent, and without it a sink buffer takes the
 *   bytes in flight. The guest's window bounds what is in flight.
 * - Loss recovery: three duplicate ACKs, or a retransmission timeout
 *   (TCP_RTO_MS, doubling), send again from the oldest unacknowledged byte
 *   (go-back-N: the link to the guest loses frames only in bursts, when
 *   the backend can't take them). A zero window is probed on the same
 *   timer. Sequence numbers are chosen per RFC 6528 (tcp_seq.c).
 * - Checksums: guest segments are verified with the core's checksum over
 *   pseudo-header and segment, ours computed with it too; both are the
 *   core's fastest implementation.
 * - ACKs and window updates for a connection are coalesced into one per
 *   loop turn, sent from on_defer() unless a data frame carried them.
 *
 * States (enum tcp_conn_state)
 * ----------------------------
 *   CONNECTING   guest SYN seen, host connect() in progress
 *   SYN_RCVD     host connected, SYN-ACK sent, guest's ACK awaited
 *   SYN_SENT     accepted on the host, SYN sent to the guest
 *   ESTABLISHED  both open; half-closes tracked in flags: TCP_F_GUEST_FIN
 *                (guest's FIN taken, socket shut for writing), FIN_SENT and
 *                FIN_ACKED (the host peer closed, our FIN went to the
 *                guest). Each direction closes on its own, and data keeps
 *                flowing (and the guest's window keeps being honoured) the
 *                other way. With both FINs through, the socket is closed
 *                without SO_LINGER, and the kernel ends the exchange with
 *                the peer cleanly.
 * An RST from the guest (exact sequence, RFC 5961; in-window ones get a
 * challenge ACK) resets the host socket (zero linger); a reset, error or
 * read failure on the host socket sends an RST to the guest. Segments for
 * no known connection are answered with RST as RFC 9293 says, SYNs on an
 * open connection with a challenge ACK, unless the guest had closed its
 * side (the port is being reused: the old connection is reset).
 *
 * Timers (tcp_timer.c)
 * --------------------
 * One protocol deadline per connection on a timing wheel: host connect()
 * (TCP_CONNECT_MS, then RST to the guest), SYN and SYN-ACK to the guest
 * (TCP_SYN_RTO_MS doubling, TCP_SYN_RETRIES_MAX times), data and FIN
 * retransmission and zero-window probes (TCP_RTO_MS doubling up to
 * TCP_RTO_MAX_MS, reset after TCP_RETRIES_MAX timeouts without progress).
 * Clock sweeps: keepalives to the guest after keepalive_interval seconds
 * without a segment from it (default 300), so a guest that forgot a
 * connection answers with RST; connections idle for inactivity_timeout
 * seconds (default 7200) are reset on both sides, between one and two
 * intervals after their last activity.
 *
 * Limits
 * ------
 * - The number of connections is the flow table's, fixed at start-up:
 *   every array is allocated in init(), nothing later. When the table is
 *   full, a guest SYN gets an RST and an accepted connection is reset, with
 *   a rate-limited warning.
 * - No SACK, no timestamps, no urgent data (URG is ignored, as RFC 6093
 *   recommends new code to), no simultaneous open, no TCP Fast Open. The
 *   guest is never sent SACK-permitted, so it needn't keep SACK state.
 * - Spliced connections take two pipes each (the kernel's memory, within
 *   the user's pipe quota, not ours), made when the connection is.
 * - IPv6 link-local destinations outside the gateway need an interface:
 *   ipv6.outbound_interface's, if set; without one they are refused.
 *
 * Guest bytes are hostile: segments are read through passt_frame_at() on
 * the bounds the core checked, the data offset and options are checked
 * against the segment, the checksum is verified, and anything malformed
 * is dropped with a trace line (or answered as Linux would).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <passt/module.h>

#include "tcp.h"
#include "syscalls.gen.h"

const char *const tcp_state_names[TCP_S_NUM] = {
	"FREE", "CONNECTING", "SYN_RCVD", "SYN_SENT", "ESTABLISHED", "SPLICE",
};
static_assert(sizeof(tcp_state_names) / sizeof(tcp_state_names[0]) ==
	      TCP_S_NUM, "a name for every state");

static const struct passt_claim tcp_claims[] = {
	{ PASST_ETHERTYPE_IP, IPPROTO_TCP, 0 },
	{ PASST_ETHERTYPE_IPV6, IPPROTO_TCP, 0 },
	{ 0 },
};

static const char *const tcp_keys[] = {
	"keepalive_interval",
	"inactivity_timeout",
	NULL
};

/**
 * tcp_pending() - Set flags on a connection, queue it for on_defer()
 * @m:		This module
 * @c:		Connection
 * @flags:	TCP_F_* work to do at the end of the turn
 */
void tcp_pending(struct passt_mod *m, struct tcp_conn *c, uint32_t flags)
{
	struct tcp_state *s = passt_priv(m);

	c->flags |= flags;
	if (c->flags & TCP_F_PENDING)
		return;
	/* A slot freed and reused in one turn can be listed twice: the list
	 * has room for that, and on_defer() skips entries without the flag
	 */
	if (s->n_pending >= 2 * s->conn_max)
		return;
	c->flags |= TCP_F_PENDING;
	s->pending[s->n_pending++] = tcp_idx(s, c);
	s->core->defer(m);
}

/**
 * tcp_txwait() - Hold a connection's data until the backend has room
 * @m:		This module
 * @c:		Connection, with data to send that didn't fit
 */
void tcp_txwait(struct passt_mod *m, struct tcp_conn *c)
{
	struct tcp_state *s = passt_priv(m);

	if (c->flags & TCP_F_TX_WAIT)
		return;
	c->flags |= TCP_F_TX_WAIT;
	s->cnt.held++;
	/* Slots freed and reused while waiting can be listed again: past
	 * the end of the list, the flag alone says who waits
	 */
	if (s->n_txwait < s->conn_max)
		s->txwait[s->n_txwait++] = tcp_idx(s, c);
	else
		s->txwait_scan = true;
}

/**
 * tcp_on_tx_ready() - The backend has room again: resume held connections
 * @m:		This module
 */
static void tcp_on_tx_ready(struct passt_mod *m)
{
	struct tcp_state *s = passt_priv(m);
	unsigned int i, n = s->txwait_scan ? s->conn_hi : s->n_txwait;

	for (i = 0; i < n; i++) {
		struct tcp_conn *c = s->txwait_scan ? &s->conn[i] :
					tcp_conn_at(s, s->txwait[i]);

		if (!c || c->state == TCP_S_FREE ||
		    !(c->flags & TCP_F_TX_WAIT))
			continue;
		c->flags &= ~TCP_F_TX_WAIT;
		tcp_pending(m, c, TCP_F_SEND);
	}
	s->n_txwait = 0;
	s->txwait_scan = false;
}

/**
 * tcp_state_free() - Free what init() allocated
 * @s:		Module state
 */
static void tcp_state_free(struct tcp_state *s)
{
	free(s->conn);
	free(s->spl);
	free(s->pending);
	free(s->txwait);
	free(s->discard_buf);
	s->conn = NULL;
	s->spl = NULL;
	s->pending = NULL;
	s->txwait = NULL;
	s->discard_buf = NULL;
}

/**
 * tcp_configure() - Read and check the tcp group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int tcp_configure(struct passt_mod *m,
			 const struct passt_core_ops *core)
{
	struct tcp_state *s;
	int rc;

	if (core->size < offsetof(struct passt_core_ops, tx_window) +
			 sizeof(core->tx_window))
		return -ENOTSUP;
	s = core->priv(m);
	s->core = core;

	s->keepalive_interval = 300;
	rc = core->cfg_int(m, "keepalive_interval", &s->keepalive_interval);
	if (rc < 0)
		return rc;
	if (s->keepalive_interval < 1 || s->keepalive_interval > 86400) {
		core->log(m, PASST_LOG_ERR,
			  "keepalive_interval %lld: must be 1 to 86400",
			  s->keepalive_interval);
		return -EINVAL;
	}
	s->inactivity_timeout = 7200;
	rc = core->cfg_int(m, "inactivity_timeout", &s->inactivity_timeout);
	if (rc < 0)
		return rc;
	if (s->inactivity_timeout < 1 || s->inactivity_timeout > 604800) {
		core->log(m, PASST_LOG_ERR,
			  "inactivity_timeout %lld: must be 1 to 604800",
			  s->inactivity_timeout);
		return -EINVAL;
	}
	return 0;
}

/**
 * tcp_peek_off_works() - Whether TCP sockets take SO_PEEK_OFF (Linux 6.9)
 *
 * Return: true if they do
 */
static bool tcp_peek_off_works(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), zero = 0;
	bool ok;

	if (fd < 0)
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ok = !setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero));
	close(fd);
	return ok;
}

/**
 * tcp_init() - Allocate connection state for the whole flow table
 * @m:		This module
 *
 * Return: 0, or -errno
 */
static int tcp_init(struct passt_mod *m)
{
	struct tcp_state *s = passt_priv(m);
	const struct passt_core_ops *core = s->core;
	const struct passt_netcfg *net = core->net(m);
	uint64_t now;

	s->conn_max = core->flow_max(m);
	if (!s->conn_max)
		return -EINVAL;
	/* calloc() of a large array maps zero pages: untouched connection
	 * slots cost no memory, and a zero slot is TCP_S_FREE
	 */
	s->conn = calloc(s->conn_max, sizeof(*s->conn));
	s->spl = calloc(s->conn_max, sizeof(*s->spl));
	s->pending = calloc(2 * (size_t)s->conn_max, sizeof(*s->pending));
	s->txwait = calloc(s->conn_max, sizeof(*s->txwait));
	if (!s->conn || !s->spl || !s->pending || !s->txwait)
		goto nomem;

	if (getrandom(s->isn_key, sizeof(s->isn_key), 0) !=
	    (ssize_t)sizeof(s->isn_key)) {
		core->log(m, PASST_LOG_ERR, "no random bytes for sequence "
			  "numbers: %s", strerror(errno));
		tcp_state_free(s);
		return -EIO;
	}

	s->peek_off = tcp_peek_off_works();
	if (!s->peek_off) {
		s->discard_buf = malloc(TCP_DISCARD_MAX);
		if (!s->discard_buf)
			goto nomem;
		core->log(m, PASST_LOG_INFO, "no SO_PEEK_OFF for TCP: data "
			  "sent to the guest is read again on each peek");
	}
	if (*net->ip6.outbound_if)
		s->ll_ifindex = if_nametoindex(net->ip6.outbound_if);

	s->wb.idx = TCP_NONE;
	tcp_timer_init(s, core->now(m));
	now = tcp_ms(core->now(m));
	s->ka_next = now + (uint64_t)s->keepalive_interval * 1000;
	s->idle_next = now + (uint64_t)s->inactivity_timeout * 1000;
	return 0;

nomem:
	tcp_state_free(s);
	return -ENOMEM;
}

/**
 * tcp_fini() - Close every connection's socket, free the state
 * @m:		This module
 *
 * #syscalls close
 */
static void tcp_fini(struct passt_mod *m)
{
	struct tcp_state *s = passt_priv(m);
	unsigned int i;

	for (i = 0; s->conn && i < s->conn_hi; i++) {
		if (s->conn[i].state == TCP_S_SPLICE)
			tcp_splice_fini(s, &s->conn[i]);
		else if (s->conn[i].state != TCP_S_FREE &&
			 s->conn[i].sock >= 0)
			close(s->conn[i].sock);
	}
	tcp_state_free(s);
}

/**
 * tcp_on_frames() - A batch of guest TCP segments
 * @m:		This module
 * @f:		Frames
 * @n:		Number of frames
 * @now:	Current time
 */
static void tcp_on_frames(struct passt_mod *m, const struct passt_frame *f,
			  size_t n, const struct timespec *now)
{
	struct tcp_state *s = passt_priv(m);
	const struct passt_core_ops *core = s->core;
	size_t i;

	for (i = 0; i < n; i++) {
		struct tcp_seg seg;
		struct tcp_conn *c;
		int idx, rc;

		rc = tcp_frame_parse(core, &f[i], &seg);
		if (rc) {
			if (rc == -EBADMSG)
				s->cnt.bad_checksum++;
			else
				s->cnt.bad_header++;
			core->log(m, PASST_LOG_TRACE, "segment dropped: %s",
				  rc == -EBADMSG ? "bad checksum"
						 : "bad header");
			continue;
		}

		idx = core->flow_find(m, PASST_PIF_TAP, IPPROTO_TCP, &seg.src,
				      seg.sport, &seg.dst, seg.dport, NULL);
		c = idx < 0 ? NULL : tcp_conn_at(s, (uint32_t)idx);
		if (!c) {
			if ((seg.flags & (TCP_SYN | TCP_ACK | TCP_RST |
					  TCP_FIN)) == TCP_SYN) {
				tcp_conn_from_guest(m, &seg, now);
			} else {
				s->cnt.no_flow++;
				tcp_frame_rst_reply(m, &seg);
			}
			continue;
		}

		/* Keepalive answers show the guest is there, not that the
		 * connection is in use
		 */
		c->flags |= TCP_F_TAP_ACTIVE;
		if (seg.len || (seg.flags & (TCP_SYN | TCP_FIN | TCP_RST)))
			c->flags |= TCP_F_ACTIVE;
		if (c->state != TCP_S_ESTABLISHED) {
			tcp_conn_handshake(m, c, &seg, now);
			continue;
		}
		if ((seg.flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
		    (c->flags & TCP_F_GUEST_FIN) &&
		    tcp_seq_gt(seg.seq, c->rcv_nxt)) {
			/* The guest closed its side and reuses the port */
			tcp_data_flush(m);
			tcp_conn_rst(m, c, false, true);
			tcp_conn_from_guest(m, &seg, now);
			continue;
		}
		tcp_data_segment(m, c, &seg);
	}
	tcp_data_flush(m);
}

/**
 * tcp_on_fd() - Event on a listening or a connection's socket
 * @m:		This module
 * @type:	PASST_FD_LISTEN, TCP_FD_SOCK, TCP_FD_SPLICE0 or TCP_FD_SPLICE1
 * @fd:		Socket
 * @data:	Forwarding reference, or connection index
 * @events:	EPOLL* events
 * @now:	Current time
 */
static void tcp_on_fd(struct passt_mod *m, uint8_t type, int fd,
		      uint32_t data, uint32_t events,
		      const struct timespec *now)
{
	struct tcp_state *s = passt_priv(m);
	struct tcp_conn *c;

	if (type == PASST_FD_LISTEN) {
		tcp_conn_from_host(m, fd, data, now);
		return;
	}
	if (type == TCP_FD_SPLICE0 || type == TCP_FD_SPLICE1) {
		tcp_splice_on_fd(m, type == TCP_FD_SPLICE1, fd, data, events);
		return;
	}
	if (type != TCP_FD_SOCK)
		return;

	/* An event queued before its socket was closed: the number may
	 * belong to another socket by now
	 */
	c = tcp_conn_at(s, data);
	if (!c || c->sock != fd)
		return;

	c->flags |= TCP_F_ACTIVE;
	if (c->state == TCP_S_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			tcp_conn_connected(m, c, events);
		return;
	}
	tcp_data_sock_event(m, c, events);
}

/**
 * tcp_on_defer() - End of a loop turn: ACKs, retransmissions, more data
 * @m:		This module
 * @now:	Current time
 */
static void tcp_on_defer(struct passt_mod *m, const struct timespec *now)
{
	struct tcp_state *s = passt_priv(m);
	unsigned int i, n = s->n_pending;

	(void)now;
	tcp_data_flush(m);

	for (i = 0; i < n; i++) {
		struct tcp_conn *c = tcp_conn_at(s, s->pending[i]);

		if (!c || !(c->flags & TCP_F_PENDING))
			continue;
		c->flags &= ~TCP_F_PENDING;

		if (c->state == TCP_S_SPLICE) {
			tcp_splice_resume(m, c);
			continue;
		}

		if (c->state == TCP_S_ESTABLISHED) {
			if (c->flags & TCP_F_REWIND)
				tcp_data_rewind(m, c);
			if (c->state == TCP_S_ESTABLISHED &&
			    (c->flags & TCP_F_SEND))
				tcp_data_to_guest(m, c);
			if (c->state == TCP_S_ESTABLISHED && c->discard &&
			    tcp_data_discard(m, c))
				tcp_conn_rst(m, c, true, true);
		}
		if (c->state == TCP_S_FREE)
			continue;
		if (c->flags & TCP_F_ACK_NOW) {
			c->flags &= ~TCP_F_ACK_NOW;
			tcp_frame_ctl(m, c, TCP_ACK, c->snd_nxt);
		}
		for (; c->dupacks_out; c->dupacks_out--)
			tcp_frame_ctl(m, c, TCP_ACK, c->snd_nxt);
		tcp_conn_check_done(m, c);
	}

	/* Work queued while we went through the list waits for next turn */
	memmove(s->pending, s->pending + n,
		(s->n_pending - n) * sizeof(*s->pending));
	s->n_pending -= n;
}

/**
 * tcp_on_timer() - Protocol deadlines, keepalive and inactivity sweeps
 * @m:		This module
 * @now:	Current time
 */
static void tcp_on_timer(struct passt_mod *m, const struct timespec *now)
{
	tcp_timer_run(m, now);
	tcp_timer_sweep(m, now);
}

/**
 * tcp_on_reset() - The guest went away: reset every connection's host side
 * @m:		This module
 *
 * Spliced connections stay: they never went through the guest's link.
 */
static void tcp_on_reset(struct passt_mod *m)
{
	struct tcp_state *s = passt_priv(m);
	unsigned int i, n = 0;

	s->wb.idx = TCP_NONE;
	s->wb.n = s->wb.len = 0;
	s->wb.fin = false;
	for (i = 0; i < s->conn_hi; i++)
		if (s->conn[i].state != TCP_S_FREE &&
		    s->conn[i].state != TCP_S_SPLICE)
			tcp_conn_rst(m, &s->conn[i], false, true);

	/* What is still pending is spliced work, and stays on the list */
	for (i = 0; i < s->n_pending; i++) {
		const struct tcp_conn *c = tcp_conn_at(s, s->pending[i]);

		if (c && (c->flags & TCP_F_PENDING))
			s->pending[n++] = s->pending[i];
	}
	s->n_pending = n;
}

/**
 * tcp_stats() - Connections by state, bytes each way, what was dropped
 * @m:		This module
 * @st:		Counters to fill
 * @n:		How many fit
 *
 * Return: number filled
 */
static size_t tcp_stats(struct passt_mod *m, struct passt_stat *st, size_t n)
{
	static const char *const state_names[TCP_S_NUM] = {
		[TCP_S_CONNECTING]	= "flows_connecting",
		[TCP_S_SYN_RCVD]	= "flows_syn_rcvd",
		[TCP_S_SYN_SENT]	= "flows_syn_sent",
		[TCP_S_ESTABLISHED]	= "flows_established",
		[TCP_S_SPLICE]		= "flows_spliced",
	};
	const struct tcp_state *s = passt_priv(m);
	uint64_t by_state[TCP_S_NUM] = { 0 }, half_closed = 0;
	struct passt_stat all[TCP_S_NUM + 8];
	size_t i, k = 0;

	for (i = 0; s->conn && i < s->conn_hi; i++) {
		const struct tcp_conn *c = &s->conn[i];

		if (c->state >= TCP_S_NUM)
			continue;
		by_state[c->state]++;
		if (c->state == TCP_S_ESTABLISHED &&
		    (c->flags & (TCP_F_GUEST_FIN | TCP_F_FIN_SENT)))
			half_closed++;
	}
	for (i = 0; i < TCP_S_NUM; i++)
		if (state_names[i])
			all[k++] = (struct passt_stat){ state_names[i],
							by_state[i] };
	all[k++] = (struct passt_stat){ "flows_half_closed", half_closed };
	all[k++] = (struct passt_stat){ "bytes_to_host", s->cnt.to_host };
	all[k++] = (struct passt_stat){ "bytes_from_host", s->cnt.from_host };
	all[k++] = (struct passt_stat){ "drop_bad_checksum",
					s->cnt.bad_checksum };
	all[k++] = (struct passt_stat){ "drop_bad_header", s->cnt.bad_header };
	all[k++] = (struct passt_stat){ "drop_no_flow", s->cnt.no_flow };
	all[k++] = (struct passt_stat){ "drop_table_full", s->cnt.table_full };
	all[k++] = (struct passt_stat){ "held_backend_full", s->cnt.held };

	if (k > n)
		k = n;
	memcpy(st, all, k * sizeof(*st));
	return k;
}

PASST_MODULE(
	.name		= "tcp",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "TCP between guest segments and host sockets",
	.priv_size	= sizeof(struct tcp_state),
	.syscalls	= module_syscalls,
	.config_keys	= tcp_keys,
	.claims		= tcp_claims,
	.timer_ms	= 1000,
	.configure	= tcp_configure,
	.init		= tcp_init,
	.fini		= tcp_fini,
	.on_fd		= tcp_on_fd,
	.on_frames	= tcp_on_frames,
	.on_timer	= tcp_on_timer,
	.on_defer	= tcp_on_defer,
	.on_reset	= tcp_on_reset,
	.stats		= tcp_stats,
	.on_tx_ready	= tcp_on_tx_ready,
);
