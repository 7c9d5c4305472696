// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_conn.c - Connections: opening both ways, handshakes, closing, resets
 *
 * Outbound: a guest SYN opens a non-blocking socket that connects to the
 * destination (the host's loopback for the map_host_loopback address); the
 * SYN-ACK goes to the guest only once the host connection is up, and a
 * refused or failed one becomes an RST acknowledging the guest's SYN, which
 * the guest's stack takes at once (connect() fails with ECONNREFUSED).
 *
 * Inbound: a connection accepted on a forwarding rule's socket becomes a
 * SYN to the guest at the rule's target port, from the peer's address as
 * the guest should see it; the guest's RST becomes a reset of the accepted
 * socket, so the remote peer sees its connection refused too.
 *
 * Closing: a clean close is a plain close() once both FINs are through
 * (the kernel finishes the exchange with the remote peer on its own);
 * a reset towards the host is a close() with a zero linger time, which is
 * how Linux is told to send RST.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <passt/module.h>

#include "tcp.h"

/**
 * tcp_conn_at() - Connection by index
 * @s:		Module state
 * @idx:	Flow index
 *
 * Return: connection, or NULL if @idx is out of range or unused
 */
struct tcp_conn *tcp_conn_at(struct tcp_state *s, uint32_t idx)
{
	if (idx >= s->conn_max || s->conn[idx].state == TCP_S_FREE)
		return NULL;
	return &s->conn[idx];
}

/**
 * tcp_conn_slot() - Start a connection in the slot of a new flow
 * @s:		Module state
 * @idx:	Flow index
 * @v6:		IPv6 on the guest side
 * @state:	First state
 *
 * Return: connection, zeroed but for the fields every state needs
 */
struct tcp_conn *tcp_conn_slot(struct tcp_state *s, uint32_t idx, bool v6,
			       enum tcp_conn_state state)
{
	struct tcp_conn *c = &s->conn[idx];

	memset(c, 0, offsetof(struct tcp_conn, tmpl));
	c->state = (uint8_t)state;
	c->v6 = v6;
	c->sock = -1;
	c->prev = c->next = TCP_NONE;
	c->rto = TCP_RTO_MS;
	c->flags = TCP_F_ACTIVE | TCP_F_TAP_ACTIVE | TCP_F_WND_DIRTY;
	if (idx >= s->conn_hi)
		s->conn_hi = idx + 1;
	s->conn_n++;
	return c;
}

/**
 * tcp_conn_is_v4_zero() - Whether an IPv4 address is 0.0.0.0
 * @a:		Address
 *
 * Return: true if unspecified
 */
static bool tcp_conn_is_v4_zero(struct in_addr a)
{
	return !a.s_addr;
}

/**
 * tcp_conn_sockopts() - Options every connection's socket gets
 * @s:		Module state
 * @fd:		Socket
 *
 * Return: 0, or -errno if SO_PEEK_OFF, which worked at start-up, fails
 *
 * #syscalls setsockopt
 */
static int tcp_conn_sockopts(const struct tcp_state *s, int fd)
{
	int one = 1, zero = 0;

	/* The guest's stack already decided how to segment: no more delay */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (s->peek_off &&
	    setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)))
		return -errno;
	return 0;
}

/**
 * tcp_conn_epoll() - Watch a connected socket, with or without EPOLLOUT
 * @m:		This module
 * @c:		Connection
 * @out:	Also wait for room to write
 *
 * Return: 0, or -errno
 */
int tcp_conn_epoll(struct passt_mod *m, struct tcp_conn *c, bool out)
{
	const struct tcp_state *s = passt_priv(m);
	uint32_t ev = EPOLLIN | EPOLLRDHUP | EPOLLET | (out ? EPOLLOUT : 0);

	if (out)
		c->flags |= TCP_F_EPOLLOUT;
	else
		c->flags &= ~TCP_F_EPOLLOUT;
	return s->core->fd_mod(m, c->sock, ev, TCP_FD_SOCK, tcp_idx(s, c));
}

/**
 * tcp_conn_close() - Close a connection's socket and free its flow
 * @m:		This module
 * @c:		Connection
 *
 * #syscalls close
 */
void tcp_conn_close(struct passt_mod *m, struct tcp_conn *c)
{
	struct tcp_state *s = passt_priv(m);
	uint32_t idx = tcp_idx(s, c);

	if (c->state == TCP_S_FREE)
		return;
	if (c->state == TCP_S_SPLICE) {
		tcp_splice_close(m, c, false);
		return;
	}
	tcp_timer_stop(s, c);
	if (s->wb.idx == idx) {
		s->wb.idx = TCP_NONE;
		s->wb.n = s->wb.len = 0;
		s->wb.fin = false;
	}
	/* No fd_del(): the socket is ours alone, and closing it takes it
	 * out of epoll, a system call less per connection
	 */
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	c->state = TCP_S_FREE;
	c->flags = 0;
	s->core->flow_free(m, idx);
	s->conn_n--;
}

/**
 * tcp_conn_rst() - Abort a connection, telling either side or both
 * @m:		This module
 * @c:		Connection
 * @guest:	Send RST to the guest
 * @host:	Make the kernel send RST to the host peer
 *
 * #syscalls setsockopt
 */
void tcp_conn_rst(struct passt_mod *m, struct tcp_conn *c, bool guest,
		  bool host)
{
	if (c->state == TCP_S_FREE)
		return;
	if (c->state == TCP_S_SPLICE) {		/* no guest, no frames */
		tcp_splice_close(m, c, true);
		return;
	}
	if (guest && c->state != TCP_S_SYN_SENT)
		tcp_frame_ctl(m, c, TCP_RST | TCP_ACK, c->snd_nxt);
	else if (guest)
		tcp_frame_ctl(m, c, TCP_RST, c->snd_nxt);
	if (host && c->sock >= 0) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		(void)setsockopt(c->sock, SOL_SOCKET, SO_LINGER, &l,
				 sizeof(l));
	}
	tcp_conn_close(m, c);
}

/**
 * tcp_conn_check_done() - Close a connection whose two FINs went through
 * @m:		This module
 * @c:		Connection
 */
void tcp_conn_check_done(struct passt_mod *m, struct tcp_conn *c)
{
	if (c->state != TCP_S_ESTABLISHED ||
	    (c->flags & (TCP_F_GUEST_FIN | TCP_F_FIN_ACKED)) !=
	    (TCP_F_GUEST_FIN | TCP_F_FIN_ACKED))
		return;

	/* The guest's FIN needs its ACK before we forget the connection */
	if (c->flags & TCP_F_ACK_NOW)
		tcp_frame_ctl(m, c, TCP_ACK, c->snd_nxt);
	/* Unread data would make close() send RST: drop what was acked */
	if (tcp_data_discard(m, c) < 0) {
		tcp_conn_rst(m, c, false, true);
		return;
	}
	tcp_conn_close(m, c);
}

/**
 * tcp_conn_mss() - Largest payload the guest takes from us
 * @core:	Core services
 * @v6:		IPv6
 * @opt:	MSS option the guest sent, 0 if none
 *
 * Return: the option (or the RFC default without it), capped by our link
 */
static uint16_t tcp_conn_mss(const struct passt_core_ops *core, bool v6,
			     uint16_t opt)
{
	uint32_t mtu = core->net(NULL)->mtu, h = v6 ? 60 : 40, mss, link;

	mss = opt ? opt : (v6 ? TCP_MSS6_DEFAULT : TCP_MSS4_DEFAULT);
	link = mtu > h + 64 ? mtu - h : 64;
	if (link > 65535 - h)
		link = 65535 - h;
	if (mss > link)
		mss = link;
	if (mss < 64)		/* a hostile MSS must not make us spin */
		mss = 64;
	return (uint16_t)mss;
}

/**
 * tcp_conn_bad_dst() - Whether a guest destination can't be connected to
 * @a:		Destination
 *
 * Return: true for unspecified, loopback, multicast and broadcast
 */
static bool tcp_conn_bad_dst(const union passt_inany *a)
{
	const struct in_addr *a4 = passt_inany_v4(a);

	if (a4) {
		uint32_t h = ntohl(a4->s_addr);

		return !h || h >> 24 == 127 || h >> 28 == 14 ||
		       h == 0xffffffff;
	}
	return IN6_IS_ADDR_UNSPECIFIED(&a->a6) ||
	       IN6_IS_ADDR_LOOPBACK(&a->a6) || IN6_IS_ADDR_MULTICAST(&a->a6);
}

/**
 * tcp_conn_target() - Host address a guest connection goes to
 * @s:		Module state
 * @net:	Network settings
 * @seg:	Guest's SYN
 * @sa:		Socket address, filled
 * @bind_ok:	Set if outbound address and interface apply (not loopback
 *		nor link-local)
 *
 * Return: length of @sa
 */
static socklen_t tcp_conn_target(const struct tcp_state *s,
				 const struct passt_netcfg *net,
				 const struct tcp_seg *seg,
				 struct sockaddr_storage *sa, bool *bind_ok)
{
	const struct in_addr *d4 = passt_inany_v4(&seg->dst);

	memset(sa, 0, sizeof(*sa));
	*bind_ok = true;
	if (d4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)sa;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(seg->dport);
		sin->sin_addr = *d4;
		if (seg->dport == 53 && !tcp_conn_is_v4_zero(net->ip4.dns_host) &&
		    d4->s_addr == net->ip4.dns_match.s_addr) {
			sin->sin_addr = net->ip4.dns_host;
		} else if (!tcp_conn_is_v4_zero(net->ip4.map_host_loopback) &&
			   d4->s_addr == net->ip4.map_host_loopback.s_addr) {
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		}
		if (ntohl(sin->sin_addr.s_addr) >> 24 == 127 ||
		    ntohl(sin->sin_addr.s_addr) >> 16 == 0xa9fe)
			*bind_ok = false;
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(seg->dport);
		sin6->sin6_addr = seg->dst.a6;
		if (seg->dport == 53 &&
		    !IN6_IS_ADDR_UNSPECIFIED(&net->ip6.dns_host) &&
		    IN6_ARE_ADDR_EQUAL(&seg->dst.a6, &net->ip6.dns_match)) {
			sin6->sin6_addr = net->ip6.dns_host;
		} else if (!IN6_IS_ADDR_UNSPECIFIED(&net->ip6.map_host_loopback)
			   && IN6_ARE_ADDR_EQUAL(&seg->dst.a6,
						 &net->ip6.map_host_loopback)) {
			sin6->sin6_addr = in6addr_loopback;
		}
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) {
			*bind_ok = false;
		} else if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) {
			*bind_ok = false;
			sin6->sin6_scope_id = s->ll_ifindex;
		}
		return sizeof(*sin6);
	}
}

/**
 * tcp_conn_bind_out() - Bind an outbound socket as configured
 * @net:	Network settings
 * @fd:		Socket
 * @v6:		IPv6
 *
 * Return: 0, or -errno
 *
 * #syscalls bind setsockopt
 */
static int tcp_conn_bind_out(const struct passt_netcfg *net, int fd, bool v6)
{
	const char *ifname = v6 ? net->ip6.outbound_if : net->ip4.outbound_if;

	if (*ifname &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strnlen(ifname, PASST_IFNAME_MAX)))
		return -errno;

	if (v6 && !IN6_IS_ADDR_UNSPECIFIED(&net->ip6.outbound_addr)) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6,
					  .sin6_addr = net->ip6.outbound_addr };

		if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
			return -errno;
	} else if (!v6 && !tcp_conn_is_v4_zero(net->ip4.outbound_addr)) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr = net->ip4.outbound_addr };

		if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
			return -errno;
	}
	return 0;
}

/**
 * tcp_conn_full() - Say, now and then, that the flow table is full
 * @m:		This module
 * @s:		Module state
 */
static void tcp_conn_full(struct passt_mod *m, struct tcp_state *s)
{
	s->cnt.table_full++;
	s->core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
		     "flow table full (%u flows): new connection refused",
		     s->core->flow_max(m));
}

/**
 * tcp_conn_from_guest() - Open a host connection for a guest's SYN
 * @m:		This module
 * @seg:	SYN without ACK, RST or FIN, from no known flow
 * @now:	Current time
 *
 * #syscalls socket connect
 */
void tcp_conn_from_guest(struct passt_mod *m, const struct tcp_seg *seg,
			 const struct timespec *now)
{
	struct tcp_state *s = passt_priv(m);
	const struct passt_core_ops *core = s->core;
	const struct passt_netcfg *net = core->net(m);
	struct sockaddr_storage sa;
	struct passt_flow *f;
	struct tcp_conn *c;
	socklen_t sl;
	bool bind_ok;
	int idx, fd, rc;

	if ((seg->v6 && !net->ip6.enable) || (!seg->v6 && !net->ip4.enable) ||
	    tcp_conn_bad_dst(&seg->dst) || tcp_conn_bad_dst(&seg->src) ||
	    !seg->dport || !seg->sport) {
		core->log(m, PASST_LOG_TRACE, "SYN to or from a bad address "
			  "or port: dropped");
		return;
	}

	idx = core->flow_new(m, IPPROTO_TCP, TCP_FLOW_CONN);
	if (idx < 0 || (unsigned int)idx >= s->conn_max) {
		if (idx >= 0)
			core->flow_free(m, (unsigned int)idx);
		tcp_conn_full(m, s);
		tcp_frame_rst_reply(m, seg);
		return;
	}

	sl = tcp_conn_target(s, net, seg, &sa, &bind_ok);
	f = core->flow_at(m, (unsigned int)idx);
	f->side[PASST_INISIDE].pif = PASST_PIF_TAP;
	f->side[PASST_INISIDE].eaddr = seg->src;
	f->side[PASST_INISIDE].eport = seg->sport;
	f->side[PASST_INISIDE].oaddr = seg->dst;
	f->side[PASST_INISIDE].oport = seg->dport;
	f->side[PASST_TGTSIDE].pif = PASST_PIF_HOST;
	if (sa.ss_family == AF_INET) {
		passt_inany_from_v4(&f->side[PASST_TGTSIDE].eaddr,
				    ((struct sockaddr_in *)&sa)->sin_addr);
	} else {
		f->side[PASST_TGTSIDE].eaddr =
			*(union passt_inany *)&((struct sockaddr_in6 *)&sa)->sin6_addr;
		f->side[PASST_TGTSIDE].ifindex =
			((struct sockaddr_in6 *)&sa)->sin6_scope_id;
	}
	f->side[PASST_TGTSIDE].eport = seg->dport;
	if (core->flow_hash(m, (unsigned int)idx, PASST_INISIDE)) {
		core->flow_free(m, (unsigned int)idx);
		return;
	}

	c = tcp_conn_slot(s, (uint32_t)idx, seg->v6, TCP_S_CONNECTING);
	tcp_frame_tmpl(core, c, &seg->dst, seg->dport, &seg->src, seg->sport);
	c->rcv_nxt = c->rcv_edge = seg->seq + 1;
	c->mss = tcp_conn_mss(core, seg->v6, seg->mss);
	c->snd_wnd = seg->wnd;
	if (seg->ws >= 0) {
		c->ws_guest = (uint8_t)seg->ws;
		c->ws_ours = TCP_WS_OURS;
		c->flags |= TCP_F_WS;
	}
	c->iss = tcp_seq_isn(s, now, &seg->src, seg->sport, &seg->dst,
			     seg->dport);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;

	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_TCP);
	if (fd < 0) {
		rc = -errno;
		goto refuse;
	}
	c->sock = fd;
	if ((rc = tcp_conn_sockopts(s, fd)))
		goto refuse;
	if (bind_ok && (rc = tcp_conn_bind_out(net, fd, !!seg->v6)))
		goto refuse;

	if (connect(fd, (struct sockaddr *)&sa, sl) && errno != EINPROGRESS) {
		rc = -errno;
		goto refuse;
	}
	if ((rc = core->fd_add(m, fd, EPOLLOUT | EPOLLET, TCP_FD_SOCK,
			       (uint32_t)idx)))
		goto refuse;
	tcp_timer_set(m, c, TCP_CONNECT_MS);
	return;

refuse:
	core->log(m, PASST_LOG_DEBUG, "flow %d: connect: %s", idx,
		  strerror(-rc));
	tcp_frame_rst_reply(m, seg);
	if (c->sock >= 0) {
		close(c->sock);
		c->sock = -1;
	}
	tcp_conn_close(m, c);
}

/**
 * tcp_conn_connected() - The host connect() finished: SYN-ACK or RST
 * @m:		This module
 * @c:		Connection in TCP_S_CONNECTING
 * @events:	EPOLL* events that said so
 *
 * Writable with no error or hang-up is a connection (connect(2)): only
 * those ask the socket what went wrong.
 *
 * #syscalls getsockopt
 */
void tcp_conn_connected(struct passt_mod *m, struct tcp_conn *c,
			uint32_t events)
{
	struct tcp_state *s = passt_priv(m);
	socklen_t sl = sizeof(int);
	int err = 0;

	if ((events & (EPOLLERR | EPOLLHUP)) &&
	    getsockopt(c->sock, SOL_SOCKET, SO_ERROR, &err, &sl))
		err = errno;
	if (err) {
		s->core->log(m, PASST_LOG_DEBUG, "flow %u: connect: %s",
			     tcp_idx(s, c), strerror(err));
		/* Acknowledges the guest's SYN: accepted in SYN-SENT */
		tcp_frame_ctl(m, c, TCP_RST | TCP_ACK, 0);
		tcp_conn_close(m, c);
		return;
	}

	c->state = TCP_S_SYN_RCVD;
	c->flags |= TCP_F_WND_DIRTY;
	if (tcp_conn_epoll(m, c, false)) {
		tcp_conn_rst(m, c, true, true);
		return;
	}
	c->retries = 0;
	c->rto = TCP_SYN_RTO_MS;
	tcp_frame_ctl(m, c, TCP_SYN | TCP_ACK, c->iss);
	tcp_timer_set(m, c, c->rto);
}

/**
 * tcp_conn_established() - Handshake done: data may flow both ways
 * @m:		This module
 * @c:		Connection
 */
static void tcp_conn_established(struct passt_mod *m, struct tcp_conn *c)
{
	struct tcp_state *s = passt_priv(m);

	c->state = TCP_S_ESTABLISHED;
	c->snd_una = c->snd_nxt = c->snd_max = c->recover = c->iss + 1;
	c->retries = 0;
	c->rto = TCP_RTO_MS;
	tcp_timer_stop(s, c);
	/* The peer may have spoken first: look at the socket */
	tcp_pending(m, c, TCP_F_SOCK_DATA | TCP_F_SEND);
}

/**
 * tcp_conn_handshake() - A guest segment for a connection not yet open
 * @m:		This module
 * @c:		Connection, not TCP_S_ESTABLISHED
 * @seg:	Segment
 * @now:	Current time
 */
void tcp_conn_handshake(struct passt_mod *m, struct tcp_conn *c,
			const struct tcp_seg *seg, const struct timespec *now)
{
	uint8_t fl = seg->flags;

	(void)now;

	switch (c->state) {
	case TCP_S_CONNECTING:
		/* Only the guest giving up matters: a repeated SYN waits */
		if ((fl & TCP_RST) && seg->seq == c->rcv_nxt)
			tcp_conn_close(m, c);
		return;
	case TCP_S_SYN_RCVD:
		if (fl & TCP_RST) {
			if (seg->seq == c->rcv_nxt)
				tcp_conn_rst(m, c, false, true);
			return;
		}
		if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
			if (seg->seq + 1 == c->rcv_nxt)	/* our SYN-ACK lost */
				tcp_frame_ctl(m, c, TCP_SYN | TCP_ACK, c->iss);
			return;
		}
		if (!(fl & TCP_ACK) || (fl & TCP_SYN))
			return;
		if (seg->ack != c->iss + 1) {
			tcp_frame_rst_reply(m, seg);
			return;
		}
		tcp_conn_established(m, c);
		c->snd_wnd = tcp_seq_wnd_scale(seg->wnd, c->ws_guest);
		tcp_data_segment(m, c, seg);
		return;
	case TCP_S_SYN_SENT:
		if ((fl & TCP_ACK) && seg->ack != c->iss + 1) {
			if (!(fl & TCP_RST))
				tcp_frame_rst_reply(m, seg);
			return;
		}
		if (fl & TCP_RST) {
			/* Acceptable only with the ACK of our SYN (RFC 9293,
			 * 3.10.7.3): the guest refuses, so does the host side
			 */
			if (fl & TCP_ACK)
				tcp_conn_rst(m, c, false, true);
			return;
		}
		if ((fl & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK))
			return;
		c->rcv_nxt = c->rcv_edge = seg->seq + 1;
		c->mss = tcp_conn_mss(passt_core(m), c->v6, seg->mss);
		if (seg->ws >= 0) {
			c->ws_guest = (uint8_t)seg->ws;
			c->flags |= TCP_F_WS;
		} else {
			c->ws_ours = c->ws_guest = 0;
		}
		c->snd_wnd = seg->wnd;		/* never scaled in a SYN */
		c->flags |= TCP_F_WND_DIRTY;
		tcp_conn_established(m, c);
		tcp_pending(m, c, TCP_F_ACK_NOW);
		return;
	default:
		return;
	}
}

/**
 * tcp_conn_addr_from_sa() - Address and port of a socket address
 * @sa:		Socket address (AF_INET or AF_INET6)
 * @a:		Address, IPv4 ones (and IPv4-mapped IPv6 ones) mapped
 * @port:	Port, host order
 */
static void tcp_conn_addr_from_sa(const struct sockaddr_storage *sa,
				  union passt_inany *a, uint16_t *port)
{
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		passt_inany_from_v4(a, sin->sin_addr);
		*port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)sa;

		memcpy(a, &sin6->sin6_addr, sizeof(*a));
		*port = ntohs(sin6->sin6_port);
	}
}

/**
 * tcp_conn_guest_addrs() - Addresses of an inbound connection, guest side
 * @net:	Network settings
 * @peer:	Peer's address on the host side
 * @src:	Source the guest sees, filled
 * @dst:	The guest's address, filled
 *
 * Loopback peers, and peers using the guest's own address (which is
 * the host's by default), appear as map_host_loopback: the guest would
 * answer itself otherwise.
 *
 * Return: 0, or -EADDRNOTAVAIL if the guest can't be reached this way
 */
static int tcp_conn_guest_addrs(const struct passt_netcfg *net,
				const union passt_inany *peer,
				union passt_inany *src, union passt_inany *dst)
{
	const struct in_addr *p4 = passt_inany_v4(peer);

	*src = *peer;
	if (p4) {
		struct in_addr g = net->ip4.addr_seen.s_addr ? net->ip4.addr_seen
							     : net->ip4.addr;

		if (!net->ip4.enable || !g.s_addr)
			return -EADDRNOTAVAIL;
		if (ntohl(p4->s_addr) >> 24 == 127 ||
		    p4->s_addr == net->ip4.addr.s_addr ||
		    p4->s_addr == g.s_addr) {
			if (!net->ip4.map_host_loopback.s_addr)
				return -EADDRNOTAVAIL;
			passt_inany_from_v4(src, net->ip4.map_host_loopback);
		}
		passt_inany_from_v4(dst, g);
		return 0;
	}

	if (!net->ip6.enable)
		return -EADDRNOTAVAIL;
	if (IN6_IS_ADDR_LOOPBACK(&peer->a6) ||
	    IN6_ARE_ADDR_EQUAL(&peer->a6, &net->ip6.addr) ||
	    IN6_ARE_ADDR_EQUAL(&peer->a6, &net->ip6.addr_seen)) {
		if (IN6_IS_ADDR_UNSPECIFIED(&net->ip6.map_host_loopback))
			return -EADDRNOTAVAIL;
		src->a6 = net->ip6.map_host_loopback;
	}
	if (IN6_IS_ADDR_LINKLOCAL(&src->a6) &&
	    !IN6_IS_ADDR_UNSPECIFIED(&net->ip6.addr_ll_seen))
		dst->a6 = net->ip6.addr_ll_seen;
	else if (!IN6_IS_ADDR_UNSPECIFIED(&net->ip6.addr_seen))
		dst->a6 = net->ip6.addr_seen;
	else
		dst->a6 = net->ip6.addr;
	return IN6_IS_ADDR_UNSPECIFIED(&dst->a6) ? -EADDRNOTAVAIL : 0;
}

/**
 * tcp_conn_abort_fd() - Reset and close a socket we can't take on
 * @fd:		Accepted socket
 *
 * #syscalls setsockopt close
 */
static void tcp_conn_abort_fd(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/**
 * tcp_conn_accepted() - Turn an accepted connection into a SYN to the guest
 * @m:		This module
 * @r:		Forwarding rule
 * @port:	Port it arrived at
 * @fd:		Accepted socket
 * @sa:		Peer's address
 * @now:	Current time
 *
 * #syscalls getsockname
 */
static void tcp_conn_accepted(struct passt_mod *m,
			      const struct passt_fwd_rule *r, uint16_t port,
			      int fd, const struct sockaddr_storage *sa,
			      const struct timespec *now)
{
	struct tcp_state *s = passt_priv(m);
	const struct passt_core_ops *core = s->core;
	union passt_inany peer, src, dst, local;
	struct sockaddr_storage la;
	socklen_t lsl = sizeof(la);
	uint16_t pport, gport, lport = port;
	struct passt_flow *f;
	struct tcp_conn *c;
	int idx;

	tcp_conn_addr_from_sa(sa, &peer, &pport);
	memset(&local, 0, sizeof(local));
	memset(&la, 0, sizeof(la));
	if (!getsockname(fd, (struct sockaddr *)&la, &lsl))
		tcp_conn_addr_from_sa(&la, &local, &lport);
	if (tcp_conn_guest_addrs(core->net(m), &peer, &src, &dst)) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "inbound connection the guest can't see: reset");
		tcp_conn_abort_fd(fd);
		return;
	}
	gport = (uint16_t)(r->to + (port - r->first));

	idx = core->flow_new(m, IPPROTO_TCP, TCP_FLOW_CONN);
	if (idx < 0 || (unsigned int)idx >= s->conn_max) {
		if (idx >= 0)
			core->flow_free(m, (unsigned int)idx);
		tcp_conn_full(m, s);
		tcp_conn_abort_fd(fd);
		return;
	}
	f = core->flow_at(m, (unsigned int)idx);
	f->side[PASST_INISIDE].pif = PASST_PIF_HOST;
	f->side[PASST_INISIDE].eaddr = peer;
	f->side[PASST_INISIDE].eport = pport;
	f->side[PASST_INISIDE].oaddr = local;
	f->side[PASST_INISIDE].oport = lport;
	f->side[PASST_TGTSIDE].pif = PASST_PIF_TAP;
	f->side[PASST_TGTSIDE].eaddr = dst;
	f->side[PASST_TGTSIDE].eport = gport;
	f->side[PASST_TGTSIDE].oaddr = src;
	f->side[PASST_TGTSIDE].oport = pport;
	if (core->flow_hash(m, (unsigned int)idx, PASST_TGTSIDE)) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "inbound connection clashes with a flow: reset");
		core->flow_free(m, (unsigned int)idx);
		tcp_conn_abort_fd(fd);
		return;
	}

	c = tcp_conn_slot(s, (uint32_t)idx, !passt_inany_v4(&dst),
			  TCP_S_SYN_SENT);
	c->sock = fd;
	tcp_frame_tmpl(core, c, &src, pport, &dst, gport);
	c->ws_ours = TCP_WS_OURS;
	c->mss = tcp_conn_mss(core, c->v6, 0);
	c->iss = tcp_seq_isn(s, now, &dst, gport, &src, pport);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->rto = TCP_SYN_RTO_MS;
	if (tcp_conn_sockopts(s, fd) ||
	    core->fd_add(m, fd, EPOLLIN | EPOLLRDHUP | EPOLLET, TCP_FD_SOCK,
			 (uint32_t)idx)) {
		tcp_conn_rst(m, c, false, true);
		return;
	}
	tcp_frame_ctl(m, c, TCP_SYN, c->iss);
	tcp_timer_set(m, c, c->rto);
}

/**
 * tcp_conn_sa_loopback() - Whether a peer's socket address is loopback
 * @sa:		Socket address (AF_INET or AF_INET6)
 *
 * Return: true for 127.0.0.0/8 (also IPv4-mapped) and ::1
 */
static bool tcp_conn_sa_loopback(const struct sockaddr_storage *sa)
{
	union passt_inany a;
	uint16_t port;

	tcp_conn_addr_from_sa(sa, &a, &port);
	return tcp_splice_loopback(&a);
}

/**
 * tcp_conn_from_host() - Accept connections on a forwarding rule's socket
 * @m:		This module
 * @fd:		Listening socket
 * @ref:	PASST_FWD_REF(rule, port)
 * @now:	Current time
 *
 * Connections on a from = "guest" rule's socket (the guest's loopback),
 * and connections from the host's loopback if the backend can make
 * sockets in the guest's namespace, are spliced (tcp_splice.c); the rest
 * become SYNs to the guest.
 *
 * #syscalls accept4 accept
 */
void tcp_conn_from_host(struct passt_mod *m, int fd, uint32_t ref,
			const struct timespec *now)
{
	const struct passt_core_ops *core = passt_core(m);
	const struct passt_fwd_rule *r;
	unsigned int i;

	r = core->fwd_rule(m, PASST_FWD_REF_RULE(ref));
	for (i = 0; i < TCP_ACCEPT_MAX; i++) {
		struct sockaddr_storage sa = { 0 };
		socklen_t sl = sizeof(sa);
		int s;

		s = accept4(fd, (struct sockaddr *)&sa, &sl,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				core->log(m, PASST_LOG_WARNING |
					  PASST_LOG_RATELIMIT,
					  "accept: %s", strerror(errno));
			return;
		}
		if (!r || r->proto != IPPROTO_TCP ||
		    (sa.ss_family != AF_INET && sa.ss_family != AF_INET6)) {
			tcp_conn_abort_fd(s);
			continue;
		}
		if (r->from == PASST_PIF_SPLICE) {
			tcp_splice_accepted(m, r, PASST_FWD_REF_PORT(ref), s,
					    &sa);
			continue;
		}
		if (tcp_conn_sa_loopback(&sa) &&
		    !tcp_splice_accepted(m, r, PASST_FWD_REF_PORT(ref), s, &sa))
			continue;
		tcp_conn_accepted(m, r, PASST_FWD_REF_PORT(ref), s, &sa, now);
	}
}
