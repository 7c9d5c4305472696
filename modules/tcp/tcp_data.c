// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_data.c - Data both ways: guest segments to writes, peeks to frames
 *
 * Guest to host: in-order payload of consecutive segments of one connection
 * in a batch is gathered (pointers into the guest's frames, no copy) and
 * written with one sendmsg(). The guest is acknowledged exactly as far as
 * the kernel took the bytes. A write cut short drops the rest: the ACK
 * says where to resume, the socket is watched for room, and once there is
 * room a window update and three duplicate ACKs make the guest retransmit
 * at once (RFC 5681 fast retransmit) rather than after a timeout. Segments
 * beyond the next expected byte are dropped with a duplicate ACK each, as a
 * receiver without an out-of-order queue should.
 *
 * Host to guest: data stays in the socket until the guest acknowledges it.
 * One recvmsg(MSG_PEEK) scatters up to the guest's window into frames of
 * the guest's MSS reserved in the core's queue, headers written around the
 * payload afterwards; SO_PEEK_OFF makes each peek start after what was
 * sent already, and acknowledged bytes are dropped with recv(MSG_TRUNC).
 * Going back (three duplicate ACKs, or a timeout) resets the peek offset
 * to the oldest unacknowledged byte and sends again from there; a second
 * go-back waits until everything sent before the first one is acknowledged
 * (RFC 6582's "recover"), so duplicates of a go-back don't cause another.
 * No more is built than the backend can take (tx_room()): when it is full
 * the data waits in the socket, and on_tx_ready() resumes the connection,
 * so a slow guest costs no loss and no retransmission.
 */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <passt/module.h>

#include "tcp.h"

/**
 * tcp_data_guest_fin() - Take the guest's FIN: half-close towards the host
 * @m:		This module
 * @c:		Connection
 *
 * #syscalls shutdown
 */
static void tcp_data_guest_fin(struct passt_mod *m, struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->rcv_edge = c->rcv_nxt;
	c->flags |= TCP_F_GUEST_FIN;
	(void)shutdown(c->sock, SHUT_WR);
	tcp_pending(m, c, TCP_F_ACK_NOW);
}

/**
 * tcp_data_flush() - Write gathered guest payload to its socket
 * @m:		This module
 *
 * #syscalls sendmsg
 */
void tcp_data_flush(struct passt_mod *m)
{
	struct tcp_state *s = passt_priv(m);
	struct tcp_wbatch *wb = &s->wb;
	struct tcp_conn *c;
	size_t len = wb->len;
	bool fin = wb->fin;
	ssize_t ret = 0;

	if (wb->idx == TCP_NONE)
		return;
	c = tcp_conn_at(s, wb->idx);
	wb->idx = TCP_NONE;
	wb->fin = false;
	wb->len = 0;
	if (!c || c->state != TCP_S_ESTABLISHED) {
		wb->n = 0;
		return;
	}

	if (len) {
		struct msghdr mh = { .msg_iov = wb->iov,
				     .msg_iovlen = wb->n };

		ret = sendmsg(c->sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		wb->n = 0;
		if (ret < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ENOBUFS && errno != ENOMEM && errno != EINTR) {
				s->core->log(m, PASST_LOG_DEBUG,
					     "flow %u: write: %s",
					     tcp_idx(s, c), strerror(errno));
				tcp_conn_rst(m, c, true, false);
				return;
			}
			ret = 0;
		}
		c->rcv_nxt += (uint32_t)ret;
		s->cnt.to_host += (uint64_t)ret;
		c->flags |= TCP_F_WND_DIRTY;
		tcp_pending(m, c, TCP_F_ACK_NOW);
		if ((size_t)ret < len) {
			c->flags |= TCP_F_STALLED;
			if (!(c->flags & TCP_F_EPOLLOUT))
				tcp_conn_epoll(m, c, true);
		}
	}
	wb->n = 0;
	if (fin && (size_t)ret == len) {
		tcp_data_guest_fin(m, c);
		tcp_conn_check_done(m, c);
	}
}

/**
 * tcp_data_append() - Gather in-order guest payload for one write
 * @m:		This module
 * @c:		Connection
 * @data:	Payload, in the guest's frame
 * @len:	Its length, non-zero
 * @fin:	The segment also carries FIN (written at once, then taken)
 */
static void tcp_data_append(struct passt_mod *m, struct tcp_conn *c,
			    const uint8_t *data, size_t len, bool fin)
{
	struct tcp_state *s = passt_priv(m);
	struct tcp_wbatch *wb = &s->wb;
	uint32_t idx = tcp_idx(s, c);

	if ((wb->idx != TCP_NONE && wb->idx != idx) ||
	    wb->n == TCP_WB_IOV_MAX)
		tcp_data_flush(m);
	if (c->state != TCP_S_ESTABLISHED)
		return;

	wb->idx = idx;
	wb->iov[wb->n].iov_base = (void *)data;	/* sendmsg() only reads */
	wb->iov[wb->n].iov_len = len;
	wb->n++;
	wb->len += len;
	if (fin) {
		wb->fin = true;
		tcp_data_flush(m);
	}
}

/**
 * tcp_data_ack() - Process the acknowledgement and window of a segment
 * @m:		This module
 * @c:		Connection
 * @seg:	Segment with ACK set
 *
 * Return: false if the segment must be dropped (it acknowledges data we
 *	   never sent), true otherwise
 */
static bool tcp_data_ack(struct passt_mod *m, struct tcp_conn *c,
			 const struct tcp_seg *seg)
{
	uint32_t ack = seg->ack, wnd, old_wnd = c->snd_wnd;
	struct tcp_state *s = passt_priv(m);

	if (tcp_seq_gt(ack, c->snd_max)) {
		tcp_pending(m, c, TCP_F_ACK_NOW);
		return false;
	}
	if (tcp_seq_lt(ack, c->snd_una))
		return true;			/* old: window too, maybe */

	wnd = tcp_seq_wnd_scale(seg->wnd, c->ws_guest);
	if (ack == c->snd_una) {
		if (!seg->len && !(seg->flags & TCP_FIN) && wnd == old_wnd &&
		    c->snd_una != c->snd_max) {
			if (++c->dupacks == TCP_DUPACK_THRESH &&
			    (!(c->flags & TCP_F_RECOVERY) ||
			     tcp_seq_ge(c->snd_una, c->recover)))
				tcp_pending(m, c, TCP_F_REWIND | TCP_F_SEND);
		}
		if (c->snd_una == c->snd_max)
			c->retries = 0;		/* answered a probe */
	} else {
		uint32_t acked = ack - c->snd_una;

		if ((c->flags & TCP_F_FIN_SENT) && ack == c->snd_max) {
			c->flags |= TCP_F_FIN_ACKED;
			acked--;
		}
		c->discard += acked;
		c->snd_una = ack;
		if (tcp_seq_lt(c->snd_nxt, ack))
			c->snd_nxt = ack;
		c->dupacks = 0;
		c->retries = 0;
		c->rto = TCP_RTO_MS;
		if ((c->flags & TCP_F_RECOVERY) &&
		    tcp_seq_ge(ack, c->recover))
			c->flags &= ~TCP_F_RECOVERY;
		if (c->snd_una == c->snd_max)
			tcp_timer_stop(s, c);
		else
			tcp_timer_set(m, c, c->rto);
		tcp_pending(m, c, TCP_F_SEND);
	}

	c->snd_wnd = wnd;
	if (wnd > old_wnd)
		tcp_pending(m, c, TCP_F_SEND);
	return true;
}

/**
 * tcp_data_segment() - A guest segment on an established connection
 * @m:		This module
 * @c:		Connection, TCP_S_ESTABLISHED
 * @seg:	Segment (not a SYN without ACK)
 */
void tcp_data_segment(struct passt_mod *m, struct tcp_conn *c,
		      const struct tcp_seg *seg)
{
	struct tcp_state *s = passt_priv(m);
	uint32_t exp = c->rcv_nxt, wnd, end, off;
	bool fin = seg->flags & TCP_FIN;

	/* Only a plain continuation may join the batch: anything else sees
	 * the connection as it is after the write
	 */
	if (s->wb.idx == tcp_idx(s, c)) {
		if (seg->seq == c->rcv_nxt + s->wb.len &&
		    !(seg->flags & (TCP_SYN | TCP_RST | TCP_FIN)))
			exp += (uint32_t)s->wb.len;
		else
			tcp_data_flush(m);
		if (c->state != TCP_S_ESTABLISHED)
			return;
		if (s->wb.idx == TCP_NONE)
			exp = c->rcv_nxt;
	}
	wnd = tcp_seq_lt(exp, c->rcv_edge) ? c->rcv_edge - exp : 0;

	if (seg->flags & TCP_RST) {
		/* RFC 5961, 3.2: exact match resets, in-window challenges */
		if (seg->seq == exp)
			tcp_conn_rst(m, c, false, true);
		else if (tcp_seq_in_wnd(seg->seq, exp, wnd))
			tcp_pending(m, c, TCP_F_ACK_NOW);
		return;
	}
	if (seg->flags & TCP_SYN) {		/* RFC 5961, 4.2 */
		tcp_pending(m, c, TCP_F_ACK_NOW);
		return;
	}
	if (!(seg->flags & TCP_ACK))
		return;

	/* Acceptability (RFC 9293, 3.10.7.4), with zero windows read as one
	 * byte so a segment at the expected sequence is always taken
	 */
	end = seg->seq + (uint32_t)seg->len + fin;
	if (seg->seq != exp &&
	    !tcp_seq_in_wnd(seg->seq, exp, wnd ? wnd : 1) &&
	    !(seg->len && tcp_seq_lt(seg->seq, exp) && tcp_seq_gt(end, exp))) {
		tcp_pending(m, c, TCP_F_ACK_NOW);	/* old, or far ahead */
		return;
	}

	if (!tcp_data_ack(m, c, seg))
		return;

	if (tcp_seq_gt(seg->seq, exp)) {
		/* Something before it was lost or cut: say where we are */
		if ((seg->len || fin) && c->dupacks_out < TCP_DUPACKS_MAX)
			c->dupacks_out++;
		tcp_pending(m, c, 0);
		tcp_conn_check_done(m, c);
		return;
	}

	if (c->flags & TCP_F_GUEST_FIN) {
		if (seg->len || fin)
			tcp_pending(m, c, TCP_F_ACK_NOW);
		tcp_conn_check_done(m, c);
		return;
	}

	off = exp - seg->seq;			/* already have these */
	if (seg->len > off)
		tcp_data_append(m, c, seg->data + off, seg->len - off, fin);
	else if (fin)
		tcp_data_guest_fin(m, c);
	if (c->state == TCP_S_ESTABLISHED)
		tcp_conn_check_done(m, c);
}

/**
 * tcp_data_discard() - Drop from the socket what the guest acknowledged
 * @m:		This module
 * @c:		Connection
 *
 * Return: 0, or -errno from the socket
 *
 * #syscalls recvfrom recvmsg
 */
int tcp_data_discard(struct passt_mod *m, struct tcp_conn *c)
{
	struct tcp_state *s = passt_priv(m);

	while (c->discard) {
		ssize_t n = recv(c->sock, NULL, c->discard, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			return -EIO;	/* acked data must be there */
		c->discard -= (uint32_t)n;
		s->cnt.from_host += (uint64_t)n;
	}
	return 0;
}

/**
 * tcp_data_rewind() - Go back to the oldest unacknowledged byte
 * @m:		This module
 * @c:		Connection
 *
 * #syscalls setsockopt
 */
void tcp_data_rewind(struct passt_mod *m, struct tcp_conn *c)
{
	const struct tcp_state *s = passt_priv(m);
	int zero = 0;

	c->flags &= ~TCP_F_REWIND;
	if (tcp_data_discard(m, c)) {
		tcp_conn_rst(m, c, true, true);
		return;
	}
	if (c->snd_nxt == c->snd_una)
		return;
	if (s->peek_off &&
	    setsockopt(c->sock, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero))) {
		tcp_conn_rst(m, c, true, true);
		return;
	}
	c->snd_nxt = c->snd_una;
	c->recover = c->snd_max;
	c->dupacks = 0;
	c->flags |= TCP_F_RECOVERY | TCP_F_SOCK_DATA | TCP_F_SEND;
}

/**
 * tcp_data_fin() - Send (or send again) our FIN to the guest
 * @m:		This module
 * @c:		Connection, everything before the FIN sent
 */
static void tcp_data_fin(struct passt_mod *m, struct tcp_conn *c)
{
	tcp_frame_ctl(m, c, TCP_FIN | TCP_ACK, c->snd_nxt);
	c->flags |= TCP_F_FIN_SENT | TCP_F_SOCK_EOF;
	c->flags &= ~(TCP_F_SOCK_DATA | TCP_F_ACK_NOW);
	c->snd_nxt++;
	if (tcp_seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	if (!(c->flags & TCP_F_TIMER))
		tcp_timer_set(m, c, c->rto);
}

/**
 * tcp_data_tx_room() - Cut a send to what the backend can take now
 * @m:		This module
 * @c:		Connection
 * @room:	Bytes the guest's window allows
 * @flen:	Longest frame: headers and one MSS of payload
 *
 * Return: bytes to send now; 0 if not even one frame fits, and then the
 *	   connection waits for on_tx_ready()
 */
static uint32_t tcp_data_tx_room(struct passt_mod *m, struct tcp_conn *c,
				 uint32_t room, size_t flen)
{
	const struct tcp_state *s = passt_priv(m);
	size_t tx = s->core->tx_room(m, flen), frames = tx / flen;

	if (tx == SIZE_MAX)
		return room;
	if (!frames) {
		tcp_txwait(m, c);
		return 0;
	}
	if (frames < (room + c->mss - 1) / c->mss)
		room = (uint32_t)(frames * c->mss);
	return room;
}

/**
 * tcp_data_to_guest() - Send what the socket holds, as far as the guest's
 *			 window allows, then FIN at its end
 * @m:		This module
 * @c:		Connection
 *
 * #syscalls recvmsg
 */
void tcp_data_to_guest(struct passt_mod *m, struct tcp_conn *c)
{
	struct tcp_state *s = passt_priv(m);
	const struct passt_core_ops *core = s->core;
	size_t hlen = tcp_frame_hlen(c), mss = c->mss;
	uint16_t wnd_field;
	unsigned int p;

	c->flags &= ~TCP_F_SEND;
	if (c->state != TCP_S_ESTABLISHED)
		return;
	if (tcp_data_discard(m, c)) {
		tcp_conn_rst(m, c, true, true);
		return;
	}
	wnd_field = tcp_seq_wnd_to_guest(m, c);

	for (p = 0; p < TCP_PEEKS_MAX; p++) {
		uint32_t inflight = c->snd_nxt - c->snd_una, room = 0;
		size_t n, got, want = 0, i, k = 0, nf;
		struct msghdr mh = { 0 };
		ssize_t ret;

		if (c->flags & TCP_F_FIN_SENT) {
			if (c->snd_nxt == c->snd_max - 1)
				tcp_data_fin(m, c);	/* again */
			if (c->snd_nxt == c->snd_max)
				return;
		}
		if (!(c->flags & TCP_F_SOCK_DATA))
			return;

		if (tcp_seq_lt(c->snd_nxt, c->snd_una + c->snd_wnd))
			room = c->snd_una + c->snd_wnd - c->snd_nxt;
		if (!s->peek_off)
			room = inflight >= TCP_DISCARD_MAX ? 0 :
			       (uint32_t)(room < TCP_DISCARD_MAX - inflight ?
					  room : TCP_DISCARD_MAX - inflight);
		if (!room) {
			/* Zero window, nothing in flight: probe it later */
			if (c->snd_una == c->snd_max &&
			    !(c->flags & TCP_F_TIMER))
				tcp_timer_set(m, c, c->rto);
			return;
		}

		room = tcp_data_tx_room(m, c, room, hlen + mss);
		if (!room)
			return;		/* on_tx_ready() resumes */

		n = (room + mss - 1) / mss;
		if (n > TCP_FRAMES_MAX)
			n = TCP_FRAMES_MAX;
		got = core->frames_reserve(m, n, hlen + mss, s->bufs);
		if (!got)
			return;

		if (!s->peek_off && inflight)
			s->iov[k++] = (struct iovec){ s->discard_buf, inflight };
		for (i = 0; i < got && want < room; i++) {
			size_t l = room - want < mss ? room - want : mss;

			s->iov[k].iov_base = s->bufs[i] + hlen;
			s->iov[k++].iov_len = l;
			want += l;
		}
		mh.msg_iov = s->iov;
		mh.msg_iovlen = k;
		ret = recvmsg(c->sock, &mh, MSG_PEEK | MSG_DONTWAIT);
		if (ret >= 0 && !s->peek_off)
			ret = ret > (ssize_t)inflight ? ret - (ssize_t)inflight
						      : 0;
		if (ret < 0) {
			core->frames_commit(m, 0, NULL);
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR) {
				c->flags &= ~TCP_F_SOCK_DATA;
				return;
			}
			core->log(m, PASST_LOG_DEBUG, "flow %u: read: %s",
				  tcp_idx(s, c), strerror(errno));
			tcp_conn_rst(m, c, true, false);
			return;
		}
		if (!ret) {
			core->frames_commit(m, 0, NULL);
			if (!(c->flags & TCP_F_FIN_SENT))
				tcp_data_fin(m, c);
			c->flags &= ~TCP_F_SOCK_DATA;
			return;
		}

		nf = ((size_t)ret + mss - 1) / mss;
		for (i = 0; i < nf; i++) {
			size_t plen = (size_t)ret - i * mss;

			if (plen > mss)
				plen = mss;
			s->lens[i] = tcp_frame_fill(core, c, s->bufs[i],
					c->snd_nxt + (uint32_t)(i * mss),
					c->rcv_nxt,
					TCP_ACK | (i + 1 == nf ? TCP_PSH : 0),
					wnd_field, 0, plen);
		}
		core->frames_commit(m, nf, s->lens);
		c->snd_nxt += (uint32_t)ret;
		if (tcp_seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		c->flags &= ~TCP_F_ACK_NOW;	/* it rode along */
		if (!(c->flags & TCP_F_TIMER))
			tcp_timer_set(m, c, c->rto);

		/* Short: drained, unless the peer closed and a peek now finds
		 * the end; otherwise the next EPOLLIN says there is more
		 */
		if ((size_t)ret < want && !(c->flags & TCP_F_SOCK_EOF))
			c->flags &= ~TCP_F_SOCK_DATA;
	}
	if (c->flags & TCP_F_SOCK_DATA)
		tcp_pending(m, c, TCP_F_SEND);	/* more next time round */
}

/**
 * tcp_data_sock_event() - Events on an open connection's socket
 * @m:		This module
 * @c:		Connection, not TCP_S_CONNECTING
 * @events:	EPOLL* events
 *
 * #syscalls getsockopt
 */
void tcp_data_sock_event(struct passt_mod *m, struct tcp_conn *c,
			 uint32_t events)
{
	if (events & EPOLLERR) {
		socklen_t sl = sizeof(int);
		int err = 0;

		if (getsockopt(c->sock, SOL_SOCKET, SO_ERROR, &err, &sl))
			err = errno;
		if (err) {
			passt_core(m)->log(m, PASST_LOG_DEBUG,
					   "flow %u: socket: %s",
					   tcp_idx(passt_priv(m), c),
					   strerror(err));
			tcp_conn_rst(m, c, true, false);
			return;
		}
	}

	if ((events & EPOLLOUT) && (c->flags & TCP_F_EPOLLOUT)) {
		tcp_conn_epoll(m, c, false);
		c->flags |= TCP_F_WND_DIRTY;
		if (c->flags & TCP_F_STALLED) {
			c->flags &= ~TCP_F_STALLED;
			c->dupacks_out = TCP_DUPACK_THRESH;
		}
		tcp_pending(m, c, TCP_F_ACK_NOW);
	}

	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
		c->flags |= TCP_F_SOCK_DATA;
		if (events & (EPOLLRDHUP | EPOLLHUP))
			c->flags |= TCP_F_SOCK_EOF;
		if (c->state == TCP_S_ESTABLISHED)
			tcp_data_to_guest(m, c);
	}
}
