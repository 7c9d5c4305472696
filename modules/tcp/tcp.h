/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp.h - What the TCP module's files share: state, segments, helpers */

#ifndef TCP_H
#define TCP_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <passt/module.h>

#define TCP_FD_SOCK		1	/* fd type: a connection's host socket */
#define TCP_FD_SPLICE0		2	/* fd type: spliced, accepted side */
#define TCP_FD_SPLICE1		3	/* fd type: spliced, connected side */
#define TCP_FLOW_CONN		1	/* flow type tag */
#define TCP_FLOW_SPLICE		2	/* flow type tag: spliced connection */
#define TCP_NONE		UINT32_MAX	/* no connection (list links) */

#define TCP_HLEN		20	/* TCP header without options */
#define TCP_SYN_OPTLEN		8	/* MSS, NOP, window scale */
#define TCP_ETH_IP6_TCP		(PASST_ETH_IP6_LEN + TCP_HLEN)

/* TCP header flags */
#define TCP_FIN			0x01
#define TCP_SYN			0x02
#define TCP_RST			0x04
#define TCP_PSH			0x08
#define TCP_ACK			0x10

#define TCP_WS_OURS		10	/* shift of windows we advertise */
#define TCP_WS_MAX		14	/* RFC 7323, 2.3 */
#define TCP_WND_MAX		(65535U << TCP_WS_OURS)
#define TCP_MSS4_DEFAULT	536	/* RFC 9293, 3.7.1 */
#define TCP_MSS6_DEFAULT	1220	/* RFC 8200, 8.3 */

#define TCP_FRAMES_MAX		128	/* frames filled by one peek */
#define TCP_PEEKS_MAX		8	/* peeks per connection per event */
#define TCP_WB_IOV_MAX		256	/* guest segments per host write */
#define TCP_ACCEPT_MAX		64	/* accepts per listening event */
#define TCP_DUPACK_THRESH	3	/* RFC 5681, 3.2 */
#define TCP_DUPACKS_MAX		4	/* duplicate ACKs we send per turn */

#define TCP_RTO_MS		200	/* first retransmission timeout */
#define TCP_RTO_MAX_MS		10000
#define TCP_SYN_RTO_MS		1000	/* SYN to the guest */
#define TCP_RETRIES_MAX		8	/* then the connection is reset */
#define TCP_SYN_RETRIES_MAX	4
#define TCP_CONNECT_MS		10000	/* host connect() may take this long */

#define TCP_WHEEL_SLOTS		1024	/* power of two */
#define TCP_TICK_MS		10
#define TCP_DISCARD_MAX		(4UL << 20)	/* no SO_PEEK_OFF: in flight */

#define TCP_SPLICE_PIPE		(256 << 10)	/* pipe size asked for */
#define TCP_SPLICE_ROUNDS	16	/* pipefuls per direction per event */

/**
 * enum tcp_conn_state - Where a connection is in its life
 * @TCP_S_FREE:		Slot unused
 * @TCP_S_CONNECTING:	Guest sent SYN, host connect() in progress
 * @TCP_S_SYN_RCVD:	Host connected, SYN-ACK sent, guest's ACK awaited
 * @TCP_S_SYN_SENT:	Accepted on the host, SYN sent to the guest
 * @TCP_S_ESTABLISHED:	Both sides open; half-closes are in the flags
 * @TCP_S_SPLICE:	Two sockets joined by splice(2) (tcp_splice.c): the
 *			rest is in struct tcp_splice
 * @TCP_S_NUM:		Number of states
 */
enum tcp_conn_state {
	TCP_S_FREE,
	TCP_S_CONNECTING,
	TCP_S_SYN_RCVD,
	TCP_S_SYN_SENT,
	TCP_S_ESTABLISHED,
	TCP_S_SPLICE,
	TCP_S_NUM
};

extern const char *const tcp_state_names[TCP_S_NUM];

/* Connection flags */
#define TCP_F_GUEST_FIN		(1U << 0)  /* guest's FIN taken, SHUT_WR done */
#define TCP_F_SOCK_EOF		(1U << 1)  /* host socket read to its end */
#define TCP_F_FIN_SENT		(1U << 2)  /* our FIN is at snd_max - 1 */
#define TCP_F_FIN_ACKED		(1U << 3)  /* guest acknowledged our FIN */
#define TCP_F_SOCK_DATA		(1U << 4)  /* socket may hold unsent data */
#define TCP_F_ACK_NOW		(1U << 5)  /* ACK the guest this turn */
#define TCP_F_WND_DIRTY		(1U << 6)  /* socket space changed */
#define TCP_F_SEND		(1U << 7)  /* try sending data this turn */
#define TCP_F_PENDING		(1U << 8)  /* on the list for on_defer() */
#define TCP_F_EPOLLOUT		(1U << 9)  /* waiting for write space */
#define TCP_F_STALLED		(1U << 10) /* a write was cut: guest must
					    * retransmit, tell it loudly */
#define TCP_F_WS		(1U << 11) /* window scaling in use */
#define TCP_F_REWIND		(1U << 12) /* go back to snd_una this turn */
#define TCP_F_ACTIVE		(1U << 13) /* activity since last sweep */
#define TCP_F_TAP_ACTIVE	(1U << 14) /* guest spoke since last sweep */
#define TCP_F_TIMER		(1U << 15) /* on the timer wheel */
#define TCP_F_RECOVERY		(1U << 16) /* rewound, until una > recover */
#define TCP_F_CLOSE		(1U << 17) /* free at the end of the turn */
#define TCP_F_TX_WAIT		(1U << 18) /* data held: the backend is full,
					    * on_tx_ready() resumes it */

/**
 * struct tcp_conn - One connection, indexed like its flow
 * @state:	enum tcp_conn_state
 * @v6:		IPv6 on the guest side
 * @ws_ours:	Shift of the windows we advertise (0 without scaling)
 * @ws_guest:	Shift of the guest's windows (0 without scaling)
 * @retries:	Timeouts in a row without progress
 * @dupacks:	Duplicate ACKs from the guest in a row
 * @dupacks_out: Duplicate ACKs to send to the guest this turn
 * @mss:	Largest payload of a segment to the guest
 * @sock:	Host socket (valid unless @state is TCP_S_FREE)
 * @flags:	TCP_F_*
 * @snd_una:	Oldest sequence sent to the guest and not acknowledged
 * @snd_nxt:	Next sequence to send to the guest
 * @snd_max:	Highest sequence sent to the guest, plus one
 * @snd_wnd:	Guest's receive window, bytes
 * @recover:	snd_max when we last went back (RFC 6582 "recover")
 * @iss:	Our initial sequence number
 * @rcv_nxt:	Next sequence expected from the guest
 * @rcv_edge:	Right edge of the window we advertised (never shrinks)
 * @discard:	Bytes acknowledged by the guest, still in the socket
 * @deadline:	Timer deadline, ms (when @flags has TCP_F_TIMER)
 * @rto:	Current retransmission timeout, ms
 * @prev:	Previous connection in the same wheel slot
 * @next:	Next connection in the same wheel slot
 * @csum_ip:	Partial sum of the IPv4 header, length and checksum zero
 * @csum_l4:	Partial sum of the pseudo-header, length zero
 * @tmpl:	IP and TCP headers as sent to the guest: addresses, ports,
 *		constant fields filled, the rest zero
 */
struct tcp_conn {
	uint8_t state;
	uint8_t v6;
	uint8_t ws_ours;
	uint8_t ws_guest;
	uint8_t retries;
	uint8_t dupacks;
	uint8_t dupacks_out;
	uint8_t pad_;
	uint16_t mss;
	int sock;
	uint32_t flags;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max;
	uint32_t snd_wnd;
	uint32_t recover;
	uint32_t iss;
	uint32_t rcv_nxt;
	uint32_t rcv_edge;
	uint32_t discard;
	uint64_t deadline;
	uint32_t rto;
	uint32_t prev;
	uint32_t next;
	uint32_t csum_ip;
	uint32_t csum_l4;
	uint8_t tmpl[PASST_IP6_HLEN + TCP_HLEN];
};

/* Splice flags, struct tcp_splice; direction @d carries side @d's data */
#define TCP_SPL_CONNECTING	(1U << 0)	/* side 1: connect() pending */
#define TCP_SPL_EOF(d)		(1U << (1 + (d)))  /* side @d read to EOF */
#define TCP_SPL_SHUT(d)		(1U << (3 + (d)))  /* ...passed on: other
						    * side shut for writing */
#define TCP_SPL_BLOCKED(d)	(1U << (5 + (d)))  /* other side full:
						    * waiting for EPOLLOUT */

/**
 * struct tcp_splice - A spliced connection, indexed like its flow
 * @sock:	Side 0, the accepted socket, and side 1, the one we connect
 * @pipe:	pipe[d] carries side d's data: [0] read end, [1] write end
 * @in_pipe:	Bytes waiting in each pipe
 * @pipe_size:	Capacity of the smaller pipe, bytes
 * @flags:	TCP_SPL_*
 */
struct tcp_splice {
	int sock[2];
	int pipe[2][2];
	uint32_t in_pipe[2];
	uint32_t pipe_size;
	uint32_t flags;
};

/**
 * struct tcp_seg - A guest segment, checked and parsed
 * @v6:		IPv6
 * @flags:	TCP flags
 * @ws:		Window scale option, -1 if absent
 * @mss:	MSS option, 0 if absent
 * @wnd:	Window field, unscaled
 * @sport:	Source port (the guest's)
 * @dport:	Destination port
 * @seq:	Sequence number
 * @ack:	Acknowledgement number
 * @src:	Source address (the guest's)
 * @dst:	Destination address
 * @data:	Payload
 * @len:	Payload length
 */
struct tcp_seg {
	bool v6;
	uint8_t flags;
	int8_t ws;
	uint16_t mss;
	uint16_t wnd;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	union passt_inany src;
	union passt_inany dst;
	const uint8_t *data;
	size_t len;
};

/**
 * struct tcp_wbatch - Guest payload gathered for one host write
 * @idx:	Connection, TCP_NONE if the batch is empty
 * @n:		Number of entries in @iov
 * @len:	Bytes in @iov
 * @fin:	The last segment carried FIN
 * @iov:	Payloads, pointing into the guest's frames
 */
struct tcp_wbatch {
	uint32_t idx;
	size_t n;
	size_t len;
	bool fin;
	struct iovec iov[TCP_WB_IOV_MAX];
};

/**
 * struct tcp_wheel - Per-connection deadlines in a hashed timing wheel
 * @head:	First connection of each slot, TCP_NONE if empty
 * @tick:	Next tick to look at (ms / TCP_TICK_MS)
 * @armed:	Deadline the core's one-shot timer is set for, 0 if none
 * @count:	Connections on the wheel
 */
struct tcp_wheel {
	uint32_t head[TCP_WHEEL_SLOTS];
	uint64_t tick;
	uint64_t armed;
	unsigned int count;
};

/**
 * struct tcp_state - The module's state, in its priv block
 * @core:		Core services
 * @keepalive_interval:	Seconds of guest silence before a keepalive
 * @inactivity_timeout:	Seconds of silence before a connection is reset
 * @conn:		Connections, indexed by flow, @conn_max of them
 * @spl:		Splice state of spliced ones, indexed the same way
 * @conn_max:		Capacity (the flow table's)
 * @conn_hi:		One past the highest slot ever used
 * @conn_n:		Connections open
 * @pending:		Connections with work for on_defer()
 * @n_pending:		Entries in @pending
 * @txwait:		Connections holding data until the backend has room
 * @n_txwait:		Entries in @txwait
 * @txwait_scan:	@txwait overflowed: look at every connection instead
 * @wb:			Guest payload waiting to be written
 * @wheel:		Timers
 * @ka_next:		Time of the next keepalive sweep, ms
 * @idle_next:		Time of the next inactivity sweep, ms
 * @isn_key:		Secret for initial sequence numbers (RFC 6528)
 * @peek_off:		SO_PEEK_OFF works on TCP sockets
 * @discard_buf:	Sink for data already sent, without SO_PEEK_OFF
 * @ll_ifindex:		Interface for link-local destinations, 0 if none
 * @bufs:		Frame slots of one peek
 * @lens:		Their lengths
 * @iov:		Scatter list of one peek
 */
/**
 * struct tcp_counters - What the module counts, for stats() (SIGUSR1)
 * @to_host:		Bytes written to host sockets
 * @from_host:		Bytes from host sockets the guest acknowledged
 * @bad_checksum:	Guest segments dropped: checksum wrong
 * @bad_header:		Guest segments dropped: header malformed or cut short
 * @no_flow:		Guest segments for no connection (answered with RST)
 * @table_full:		Connections refused: flow table full
 * @held:		Times a connection held its data: the backend was full
 */
struct tcp_counters {
	uint64_t to_host;
	uint64_t from_host;
	uint64_t bad_checksum;
	uint64_t bad_header;
	uint64_t no_flow;
	uint64_t table_full;
	uint64_t held;
};

struct tcp_state {
	const struct passt_core_ops *core;
	struct tcp_counters cnt;
	long long keepalive_interval;
	long long inactivity_timeout;
	struct tcp_conn *conn;
	struct tcp_splice *spl;
	unsigned int conn_max;
	unsigned int conn_hi;
	unsigned int conn_n;
	uint32_t *pending;
	unsigned int n_pending;
	uint32_t *txwait;
	unsigned int n_txwait;
	bool txwait_scan;
	struct tcp_wbatch wb;
	struct tcp_wheel wheel;
	uint64_t ka_next;
	uint64_t idle_next;
	uint64_t isn_key[2];
	bool peek_off;
	uint8_t *discard_buf;
	unsigned int ll_ifindex;
	uint8_t *bufs[TCP_FRAMES_MAX];
	size_t lens[TCP_FRAMES_MAX];
	struct iovec iov[TCP_FRAMES_MAX + 1];
};

/* Sequence number arithmetic, modulo 2^32 (RFC 9293, 3.4) */

/**
 * tcp_seq_lt() - Whether a sequence number comes before another
 * @a:		Sequence number
 * @b:		Sequence number
 *
 * Return: true if @a < @b modulo 2^32
 */
static inline bool tcp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/**
 * tcp_seq_le() - Whether a sequence number is at or before another
 * @a:		Sequence number
 * @b:		Sequence number
 *
 * Return: true if @a <= @b modulo 2^32
 */
static inline bool tcp_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/**
 * tcp_seq_gt() - Whether a sequence number comes after another
 * @a:		Sequence number
 * @b:		Sequence number
 *
 * Return: true if @a > @b modulo 2^32
 */
static inline bool tcp_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/**
 * tcp_seq_ge() - Whether a sequence number is at or after another
 * @a:		Sequence number
 * @b:		Sequence number
 *
 * Return: true if @a >= @b modulo 2^32
 */
static inline bool tcp_seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/**
 * tcp_ms() - Milliseconds of a monotonic time
 * @ts:		Time
 *
 * Return: milliseconds
 */
static inline uint64_t tcp_ms(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000 + (uint64_t)ts->tv_nsec / 1000000;
}

/**
 * tcp_idx() - Index of a connection
 * @s:		Module state
 * @c:		Connection
 *
 * Return: its index, the flow's
 */
static inline uint32_t tcp_idx(const struct tcp_state *s,
			       const struct tcp_conn *c)
{
	return (uint32_t)(c - s->conn);
}

/* tcp.c */
void tcp_pending(struct passt_mod *m, struct tcp_conn *c, uint32_t flags);
void tcp_txwait(struct passt_mod *m, struct tcp_conn *c);

/* tcp_seq.c */
uint32_t tcp_seq_isn(const struct tcp_state *s, const struct timespec *now,
		     const union passt_inany *a, uint16_t ap,
		     const union passt_inany *b, uint16_t bp);
bool tcp_seq_in_wnd(uint32_t seq, uint32_t left, uint32_t wnd);
uint16_t tcp_seq_wnd_field(uint32_t wnd, unsigned int shift);
uint32_t tcp_seq_wnd_scale(uint16_t field, unsigned int shift);
uint32_t tcp_seq_free_space(uint32_t sndbuf, uint32_t queued);
uint16_t tcp_seq_wnd_to_guest(struct passt_mod *m, struct tcp_conn *c);

/* tcp_frame.c */
int tcp_frame_parse(const struct passt_core_ops *core,
		    const struct passt_frame *f, struct tcp_seg *seg);
void tcp_frame_tmpl(const struct passt_core_ops *core, struct tcp_conn *c,
		    const union passt_inany *src, uint16_t sport,
		    const union passt_inany *dst, uint16_t dport);
size_t tcp_frame_hlen(const struct tcp_conn *c);
size_t tcp_frame_fill(const struct passt_core_ops *core,
		      const struct tcp_conn *c, uint8_t *buf, uint32_t seq,
		      uint32_t ack, uint8_t flags, uint16_t wnd,
		      size_t optlen, size_t plen);
int tcp_frame_ctl(struct passt_mod *m, struct tcp_conn *c, uint8_t flags,
		  uint32_t seq);
int tcp_frame_rst_reply(struct passt_mod *m, const struct tcp_seg *seg);

/* tcp_conn.c */
struct tcp_conn *tcp_conn_at(struct tcp_state *s, uint32_t idx);
struct tcp_conn *tcp_conn_slot(struct tcp_state *s, uint32_t idx, bool v6,
			       enum tcp_conn_state state);
void tcp_conn_from_guest(struct passt_mod *m, const struct tcp_seg *seg,
			 const struct timespec *now);
void tcp_conn_from_host(struct passt_mod *m, int fd, uint32_t ref,
			const struct timespec *now);
void tcp_conn_connected(struct passt_mod *m, struct tcp_conn *c,
			uint32_t events);
void tcp_conn_handshake(struct passt_mod *m, struct tcp_conn *c,
			const struct tcp_seg *seg, const struct timespec *now);
void tcp_conn_rst(struct passt_mod *m, struct tcp_conn *c, bool guest,
		  bool host);
void tcp_conn_close(struct passt_mod *m, struct tcp_conn *c);
void tcp_conn_check_done(struct passt_mod *m, struct tcp_conn *c);
int tcp_conn_epoll(struct passt_mod *m, struct tcp_conn *c, bool out);

/* tcp_data.c */
void tcp_data_segment(struct passt_mod *m, struct tcp_conn *c,
		      const struct tcp_seg *seg);
void tcp_data_flush(struct passt_mod *m);
int tcp_data_discard(struct passt_mod *m, struct tcp_conn *c);
void tcp_data_rewind(struct passt_mod *m, struct tcp_conn *c);
void tcp_data_to_guest(struct passt_mod *m, struct tcp_conn *c);
void tcp_data_sock_event(struct passt_mod *m, struct tcp_conn *c,
			 uint32_t events);

/* tcp_splice.c */
bool tcp_splice_loopback(const union passt_inany *a);
int tcp_splice_accepted(struct passt_mod *m, const struct passt_fwd_rule *r,
			uint16_t port, int fd,
			const struct sockaddr_storage *sa);
void tcp_splice_reject(int fd);
void tcp_splice_on_fd(struct passt_mod *m, unsigned int x, int fd,
		      uint32_t idx, uint32_t events);
void tcp_splice_resume(struct passt_mod *m, struct tcp_conn *c);
void tcp_splice_timeout(struct passt_mod *m, struct tcp_conn *c);
void tcp_splice_close(struct passt_mod *m, struct tcp_conn *c, bool reset);
void tcp_splice_fini(struct tcp_state *s, struct tcp_conn *c);

/* tcp_timer.c */
void tcp_timer_init(struct tcp_state *s, const struct timespec *now);
void tcp_timer_set(struct passt_mod *m, struct tcp_conn *c, uint32_t ms);
void tcp_timer_stop(struct tcp_state *s, struct tcp_conn *c);
void tcp_timer_run(struct passt_mod *m, const struct timespec *now);
void tcp_timer_sweep(struct passt_mod *m, const struct timespec *now);

#endif /* TCP_H */
