// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_seq.c - Sequence numbers and windows: ISNs, scaling, socket space
 *
 * Initial sequence numbers follow RFC 6528: a keyed hash of the connection's
 * addresses and ports (SipHash-2-4, Aumasson and Bernstein, under a secret
 * drawn at start-up) plus a clock ticking every 4 microseconds, so that
 * they can't be guessed from outside and successive incarnations of the
 * same tuple move forward.
 *
 * The window we advertise to the guest is the free space of the host
 * socket's send buffer, never more: what the guest sends inside it is
 * written whole, so nothing it was invited to send has to be dropped. The
 * kernel counts that buffer in memory charged, data plus some overhead per
 * buffer; SO_MEMINFO gives both numbers in one call, and a sixteenth is
 * held back for the overhead. The right edge never moves left (RFC 9293,
 * 3.8.6.2.2): space that shrinks under memory pressure is absorbed by
 * holding the edge, and a write cut short is recovered in tcp_data.c.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>

#include <passt/module.h>

#include "tcp.h"

/**
 * tcp_seq_rotl() - Rotate a 64-bit word left
 * @x:		Word
 * @b:		Bits, 1 to 63
 *
 * Return: rotated word
 */
static inline uint64_t tcp_seq_rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/**
 * tcp_seq_sipround() - One SipRound over the four state words
 * @v:		State
 */
static inline void tcp_seq_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = tcp_seq_rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = tcp_seq_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = tcp_seq_rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = tcp_seq_rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = tcp_seq_rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = tcp_seq_rotl(v[2], 32);
}

/**
 * tcp_seq_siphash() - SipHash-2-4 of a short message
 * @key:	128-bit key
 * @in:		Message
 * @len:	Its length
 *
 * Return: 64-bit hash
 */
static uint64_t tcp_seq_siphash(const uint64_t key[2], const uint8_t *in,
				size_t len)
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
		key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL,
	};
	size_t end = len - len % 8, i, j;

	for (i = 0; i <= end; i += 8) {
		uint64_t w = 0;

		if (i < end) {
			for (j = 0; j < 8; j++)
				w |= (uint64_t)in[i + j] << (8 * j);
		} else {
			/* Last word: what is left, length in the top byte */
			for (j = 0; j < len % 8; j++)
				w |= (uint64_t)in[i + j] << (8 * j);
			w |= (uint64_t)(len & 0xff) << 56;
		}
		v[3] ^= w;
		tcp_seq_sipround(v);
		tcp_seq_sipround(v);
		v[0] ^= w;
	}
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		tcp_seq_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/**
 * tcp_seq_isn() - Initial sequence number for a connection (RFC 6528)
 * @s:		Module state (the secret)
 * @now:	Current time
 * @a:		Guest's address
 * @ap:		Guest's port
 * @b:		Address the guest talks to
 * @bp:		Port the guest talks to
 *
 * Return: ISN for the segments we send to the guest
 */
uint32_t tcp_seq_isn(const struct tcp_state *s, const struct timespec *now,
		     const union passt_inany *a, uint16_t ap,
		     const union passt_inany *b, uint16_t bp)
{
	uint8_t in[2 * sizeof(*a) + 4];
	uint64_t ticks;

	memcpy(in, a, sizeof(*a));
	memcpy(in + sizeof(*a), b, sizeof(*b));
	passt_put16(in + 2 * sizeof(*a), ap);
	passt_put16(in + 2 * sizeof(*a) + 2, bp);

	/* M: a clock ticking every 4 us (RFC 6528, 3) */
	ticks = ((uint64_t)now->tv_sec * 1000000000ULL +
		 (uint64_t)now->tv_nsec) >> 12;
	return (uint32_t)(tcp_seq_siphash(s->isn_key, in, sizeof(in)) + ticks);
}

/**
 * tcp_seq_in_wnd() - Whether a sequence number falls in a window
 * @seq:	Sequence number
 * @left:	Left edge of the window
 * @wnd:	Window size
 *
 * Return: true if @left <= @seq < @left + @wnd, modulo 2^32
 */
bool tcp_seq_in_wnd(uint32_t seq, uint32_t left, uint32_t wnd)
{
	return seq - left < wnd;
}

/**
 * tcp_seq_wnd_field() - Window header field for a window in bytes
 * @wnd:	Window, bytes
 * @shift:	Scale factor in use (RFC 7323, 2.3), 0 for none
 *
 * Return: field value, rounded down, saturated at 65535
 */
uint16_t tcp_seq_wnd_field(uint32_t wnd, unsigned int shift)
{
	wnd >>= shift;
	return wnd > 65535 ? 65535 : (uint16_t)wnd;
}

/**
 * tcp_seq_wnd_scale() - Window in bytes from a header field
 * @field:	Window field
 * @shift:	Scale factor in use, 0 for none
 *
 * Return: window, bytes
 */
uint32_t tcp_seq_wnd_scale(uint16_t field, unsigned int shift)
{
	return (uint32_t)field << shift;
}

/**
 * tcp_seq_free_space() - Bytes a socket's send buffer can still take
 * @sndbuf:	Send buffer size, as charged (SK_MEMINFO_SNDBUF)
 * @queued:	Memory charged to queued data (SK_MEMINFO_WMEM_QUEUED)
 *
 * Return: free space less a sixteenth for the per-buffer overhead
 */
uint32_t tcp_seq_free_space(uint32_t sndbuf, uint32_t queued)
{
	uint32_t free;

	if (queued >= sndbuf)
		return 0;
	free = sndbuf - queued;
	return free - free / 16;
}

/**
 * tcp_seq_wnd_to_guest() - Window field to advertise, from the socket
 * @m:		This module
 * @c:		Connection
 *
 * Asks the socket only when its space may have changed (TCP_F_WND_DIRTY).
 * When the space is short the socket is watched for EPOLLOUT: checking for
 * writability then also lets the kernel grow an auto-tuned send buffer,
 * which it does only for sockets that ran out of room.
 *
 * Return: window field for a segment without SYN
 *
 * #syscalls getsockopt
 */
uint16_t tcp_seq_wnd_to_guest(struct passt_mod *m, struct tcp_conn *c)
{
	uint32_t mem[SK_MEMINFO_VARS], wnd = 0;
	socklen_t sl = sizeof(mem);

	if ((c->flags & TCP_F_WND_DIRTY) && !(c->flags & TCP_F_GUEST_FIN)) {
		c->flags &= ~TCP_F_WND_DIRTY;
		if (!getsockopt(c->sock, SOL_SOCKET, SO_MEMINFO, mem, &sl) &&
		    sl > SK_MEMINFO_WMEM_QUEUED * sizeof(mem[0])) {
			uint32_t sndbuf = mem[SK_MEMINFO_SNDBUF];
			uint32_t queued = mem[SK_MEMINFO_WMEM_QUEUED];
			uint32_t free = tcp_seq_free_space(sndbuf, queued);
			uint32_t max = (c->flags & TCP_F_WS) ? TCP_WND_MAX
							     : 65535;

			if (free > max)
				free = max;
			if (tcp_seq_gt(c->rcv_nxt + free, c->rcv_edge))
				c->rcv_edge = c->rcv_nxt + free;

			/* Not writable by the kernel's measure (free space
			 * under a third): only now does EPOLLOUT mean
			 * anything, and asking sets SOCK_NOSPACE
			 */
			if (!(c->flags & TCP_F_EPOLLOUT) &&
			    (queued >= sndbuf ||
			     (uint64_t)(sndbuf - queued) * 3 < sndbuf))
				tcp_conn_epoll(m, c, true);
		}
	}

	if (tcp_seq_lt(c->rcv_nxt, c->rcv_edge))
		wnd = c->rcv_edge - c->rcv_nxt;
	return tcp_seq_wnd_field(wnd, c->ws_ours);
}
