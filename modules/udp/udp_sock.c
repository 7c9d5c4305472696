// SPDX-License-Identifier: GPL-2.0-or-later
/* udp_sock.c - UDP datagrams from host sockets to the guest, recvmmsg()
 *
 * Datagrams are received straight into frames reserved in the core's queue
 * towards the guest, at the offset of the UDP payload, and the headers are
 * written around them afterwards. A flow's own socket is of the flow's IP
 * version, so the offset is known in advance. A listening socket of a
 * forwarding rule may be dual-stack: datagrams are received at the IPv4
 * offset, and an IPv6 one is moved up by the difference (20 bytes): the
 * larger headers leave it that much less room, so it still fits the slot.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <passt/module.h>

#include "udp.h"


/**
 * udp_sock_fill() - Build the headers of a frame to the guest on a flow
 * @m:		This module
 * @buf:	Frame, payload at udp_payload_off()
 * @tap:	Guest side of the flow
 * @src:	Source address to show, or NULL for the flow's
 * @sport:	Source port to show, if @src is given
 * @plen:	Payload length
 *
 * Return: frame length
 */
static size_t udp_sock_fill(struct passt_mod *m, uint8_t *buf,
			    const struct passt_flowside *tap,
			    const union passt_inany *src, uint16_t sport,
			    size_t plen)
{
	const struct passt_core_ops *core = passt_core(m);
	const struct in_addr *d4 = passt_inany_v4(&tap->eaddr);
	struct in_addr none = { 0 };

	if (!src) {
		src = &tap->oaddr;
		sport = tap->oport;
	}
	if (d4) {
		const struct in_addr *s4 = passt_inany_v4(src);

		return passt_udp_fill(core, buf, false, s4 ? *s4 : none, *d4,
				      &in6addr_any, &in6addr_any, sport,
				      tap->eport, plen);
	}
	return passt_udp_fill(core, buf, true, none, none, &src->a6,
			      &tap->eaddr.a6, sport, tap->eport, plen);
}

/**
 * udp_sock_map_src() - Address a host peer appears from, to the guest
 * @net:	Network settings
 * @peer:	Peer address (IPv4 v4-mapped)
 * @out:	Set to the address the guest sees
 *
 * The host's loopback, and the host's own address (which the guest
 * shares by default), appear as map_host_loopback.
 *
 * Return: 0, or -EHOSTUNREACH if such a peer has no mapping ("none")
 */
static int udp_sock_map_src(const struct passt_netcfg *net,
			    const union passt_inany *peer,
			    union passt_inany *out)
{
	const struct in_addr *p4 = passt_inany_v4(peer);

	*out = *peer;
	if (p4) {
		if (!udp_inany_loopback(peer) &&
		    p4->s_addr != net->ip4.addr.s_addr)
			return 0;
		if (!net->ip4.map_host_loopback.s_addr)
			return -EHOSTUNREACH;
		passt_inany_from_v4(out, net->ip4.map_host_loopback);
		return 0;
	}
	if (!udp_inany_loopback(peer) &&
	    !IN6_ARE_ADDR_EQUAL(&peer->a6, &net->ip6.addr))
		return 0;
	if (IN6_IS_ADDR_UNSPECIFIED(&net->ip6.map_host_loopback))
		return -EHOSTUNREACH;
	out->a6 = net->ip6.map_host_loopback;
	return 0;
}

/**
 * udp_sock_recv() - Receive a batch from a socket into reserved frames
 * @m:		This module
 * @s:		Socket
 * @off:	Offset of the payload in each frame
 * @max:	Largest payload
 * @slot:	Length of each frame slot
 * @ctl:	Receive ancillary data (the local address) too
 * @n:		Set to the number of slots reserved
 *
 * Return: number of datagrams received (0 if none, or no room), with the
 *	   slots still reserved; or -errno
 *
 * #syscalls recvmmsg recvmmsg_time64
 */
static int udp_sock_recv(struct passt_mod *m, int s, size_t off, size_t max,
			 size_t slot, bool ctl, size_t *n)
{
	const struct passt_core_ops *core = passt_core(m);
	struct udp *u = passt_priv(m);
	struct udp_batch *b = &u->b;
	size_t i;
	int r;

	*n = core->frames_reserve(m, UDP_BATCH, slot, b->bufs);
	if (!*n)
		return 0;

	for (i = 0; i < *n; i++) {
		struct msghdr *mh = &b->mm[i].msg_hdr;

		b->iov[i].iov_base = b->bufs[i] + off;
		b->iov[i].iov_len = max;
		memset(mh, 0, sizeof(*mh));
		mh->msg_name = &b->sa[i];
		mh->msg_namelen = sizeof(b->sa[i]);
		mh->msg_iov = &b->iov[i];
		mh->msg_iovlen = 1;
		if (ctl) {
			mh->msg_control = b->ctl[i].buf;
			mh->msg_controllen = sizeof(b->ctl[i].buf);
		}
	}

	do
		r = recvmmsg(s, b->mm, (unsigned int)*n, MSG_DONTWAIT, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = -errno;
		core->frames_commit(m, 0, b->lens);
	}
	return r;
}

/**
 * udp_sock_count_in() - Count a batch of received datagrams
 * @u:		Module state
 * @n:		Datagrams received: lengths of frames built in @u->b.lens
 */
static void udp_sock_count_in(struct udp *u, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (u->b.mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			u->cnt.drop_too_big++;
		} else if (u->b.lens[i]) {
			u->cnt.from_host++;
			u->cnt.bytes_from_host += u->b.mm[i].msg_len;
		}
	}
}

/**
 * udp_sock_ready() - Datagrams or an error on a flow's own socket
 * @m:		This module
 * @idx:	Flow index
 * @events:	EPOLL* events
 */
void udp_sock_ready(struct passt_mod *m, unsigned int idx, uint32_t events)
{
	const struct passt_core_ops *core = passt_core(m);
	const struct passt_netcfg *net = core->net(m);
	struct udp *u = passt_priv(m);
	struct udp_batch *b = &u->b;
	const struct passt_flowside *tap;
	struct udp_flow *uf = &u->flows[idx];
	const struct passt_flow *fl;
	size_t off, max, round;

	if (uf->kind == UDP_KIND_SPLICE) {
		udp_splice_ready(m, idx, events);
		return;
	}
	if (events & EPOLLERR)
		udp_err_drain(m, idx);
	if (!(events & EPOLLIN))
		return;

	fl = core->flow_at(m, idx);
	if (!fl)
		return;
	tap = &fl->side[uf->tapside];
	off = udp_payload_off(uf->v6);
	max = udp_payload_max(net, uf->v6);

	for (round = 0; round < UDP_ROUNDS; round++) {
		size_t n, i;
		int r;

		r = udp_sock_recv(m, uf->sock, off, max, off + max, false,
				  &n);
		if (r <= 0) {
			/* Connected sockets report ICMP errors here too, and
			 * the error queue has them already
			 */
			if (r < 0 && r != -EAGAIN && r != -EWOULDBLOCK &&
			    r != -ECONNREFUSED)
				core->log(m, PASST_LOG_DEBUG |
					  PASST_LOG_RATELIMIT,
					  "flow %u: receive: %s", idx,
					  strerror(-r));
			if (r == -ECONNREFUSED || r == -EHOSTUNREACH ||
			    r == -ENETUNREACH)
				continue;
			return;
		}

		for (i = 0; i < (size_t)r; i++) {
			const struct msghdr *mh = &b->mm[i].msg_hdr;
			union passt_inany peer, shown;
			uint16_t pport;

			b->lens[i] = 0;
			if (mh->msg_flags & MSG_TRUNC) {
				core->log(m, PASST_LOG_DEBUG |
					  PASST_LOG_RATELIMIT,
					  "flow %u: datagram larger than the "
					  "guest's MTU allows, dropped", idx);
				continue;
			}
			if (uf->kind == UDP_KIND_OUT) {
				b->lens[i] = udp_sock_fill(m, b->bufs[i], tap,
							   NULL, 0,
							   b->mm[i].msg_len);
				continue;
			}

			/* Not connected: anyone may answer, as themselves */
			udp_inany_from_sa(&peer, &pport, &b->sa[i]);
			if (udp_sock_map_src(net, &peer, &shown))
				continue;
			if (udp_inany_is_v4(&shown) != !uf->v6)
				continue;
			b->lens[i] = udp_sock_fill(m, b->bufs[i], tap, &shown,
						   pport, b->mm[i].msg_len);
		}
		udp_sock_count_in(u, (size_t)r);
		core->frames_commit(m, (size_t)r, b->lens);
		udp_flow_touch(m, idx);
		if ((size_t)r < n)
			return;
	}
}

/**
 * udp_sock_guest_addr() - The guest's address for datagrams from a source
 * @net:	Network settings
 * @src:	Source the guest will see (IPv4 v4-mapped)
 * @a:		Set to the address the guest was seen using, or was given;
 *		its link-local one for a link-local source, as the guest
 *		answers from that
 *
 * Return: 0, or -EHOSTUNREACH if the guest has no such address
 */
static int udp_sock_guest_addr(const struct passt_netcfg *net,
			       const union passt_inany *src,
			       union passt_inany *a)
{
	bool v6 = !udp_inany_is_v4(src);

	if (!v6) {
		if (!net->ip4.enable)
			return -EHOSTUNREACH;
		passt_inany_from_v4(a, net->ip4.addr_seen.s_addr ?
				       net->ip4.addr_seen : net->ip4.addr);
		return udp_inany_unspec(a) ? -EHOSTUNREACH : 0;
	}
	if (!net->ip6.enable)
		return -EHOSTUNREACH;
	if (IN6_IS_ADDR_LINKLOCAL(&src->a6))
		a->a6 = net->ip6.addr_ll_seen;
	else
		a->a6 = IN6_IS_ADDR_UNSPECIFIED(&net->ip6.addr_seen) ?
			net->ip6.addr : net->ip6.addr_seen;
	return udp_inany_unspec(a) ? -EHOSTUNREACH : 0;
}

/**
 * udp_sock_listen_local() - Local address of a datagram, from its rule
 * @rule:	Forwarding rule
 * @peer:	Sender (for the address family)
 * @local:	Set to the rule's address, or the unspecified one
 */
static void udp_sock_listen_local(const struct passt_fwd_rule *rule,
				  const union passt_inany *peer,
				  union passt_inany *local)
{
	if (rule->any_family || udp_inany_unspec(&rule->addr))
		udp_inany_any(local, !udp_inany_is_v4(peer));
	else
		*local = rule->addr;
}

/**
 * udp_sock_in_find() - Find an inbound flow by one of its sides
 * @m:		This module
 * @pif:	PASST_PIF_HOST or PASST_PIF_TAP
 * @eaddr:	Endpoint address of that side
 * @eport:	Endpoint port
 * @oaddr:	Our address
 * @oport:	Our port
 *
 * Return: flow index, -ENOENT if there is none, -EEXIST if the tuple
 *	   belongs to a flow that is not an inbound one
 */
static int udp_sock_in_find(struct passt_mod *m, uint8_t pif,
			    const union passt_inany *eaddr, uint16_t eport,
			    const union passt_inany *oaddr, uint16_t oport)
{
	struct udp *u = passt_priv(m);
	unsigned int side;
	int idx;

	idx = passt_core(m)->flow_find(m, pif, IPPROTO_UDP, eaddr, eport,
				       oaddr, oport, &side);
	if (idx < 0)
		return -ENOENT;
	if ((unsigned int)idx < u->flow_max &&
	    u->flows[idx].kind == UDP_KIND_IN &&
	    side == (pif == PASST_PIF_HOST ? PASST_INISIDE : PASST_TGTSIDE))
		return idx;
	return -EEXIST;
}

/**
 * udp_sock_in_flow() - Find or create the flow of a datagram to a rule
 * @m:		This module
 * @rule:	Forwarding rule of the listening socket
 * @lport:	Port it listens on
 * @fd:		Listening socket
 * @sock6:	@fd is AF_INET6
 * @peer:	Sender's address
 * @pport:	Sender's port
 * @oaddr:	Local address the datagram came to (unspecified if unknown)
 * @oif:	Interface it came in on, or 0
 *
 * Return: flow index, or -errno if the datagram can't go to the guest
 */
static int udp_sock_in_flow(struct passt_mod *m,
			    const struct passt_fwd_rule *rule, uint16_t lport,
			    int fd, bool sock6, const union passt_inany *peer,
			    uint16_t pport, const union passt_inany *oaddr,
			    uint32_t oif)
{
	const struct passt_core_ops *core = passt_core(m);
	const struct passt_netcfg *net = core->net(m);
	bool v6 = !udp_inany_is_v4(peer);
	struct passt_flowside *host, *tap;
	union passt_inany gaddr, shown;
	struct passt_flow *fl;
	uint16_t tport;
	int idx, rc;

	idx = udp_sock_in_find(m, PASST_PIF_HOST, peer, pport, oaddr, lport);
	if (idx != -ENOENT)
		return idx;

	if (udp_sock_map_src(net, peer, &shown) ||
	    udp_sock_guest_addr(net, &shown, &gaddr))
		return -EHOSTUNREACH;

	/* The same conversation, known from another local address (before
	 * the socket told us which): one flow for it, as the guest sees one
	 */
	tport = (uint16_t)(rule->to + (lport - rule->first));
	idx = udp_sock_in_find(m, PASST_PIF_TAP, &gaddr, tport, &shown, pport);
	if (idx != -ENOENT)
		return idx;

	idx = core->flow_new(m, IPPROTO_UDP, UDP_KIND_IN);
	if (idx < 0) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "flow table full: datagram to port %u dropped",
			  lport);
		return idx;
	}
	fl = core->flow_at(m, (unsigned int)idx);

	host = &fl->side[PASST_INISIDE];
	host->pif = PASST_PIF_HOST;
	host->eaddr = *peer;
	host->eport = pport;
	host->oaddr = *oaddr;
	host->oport = lport;
	if (v6 && IN6_IS_ADDR_LINKLOCAL(&oaddr->a6))
		host->ifindex = oif;

	tap = &fl->side[PASST_TGTSIDE];
	tap->pif = PASST_PIF_TAP;
	tap->eaddr = gaddr;
	tap->eport = tport;
	tap->oaddr = shown;
	tap->oport = pport;

	if ((rc = core->flow_hash(m, (unsigned int)idx, PASST_INISIDE)) ||
	    (rc = core->flow_hash(m, (unsigned int)idx, PASST_TGTSIDE)) ||
	    (rc = udp_flow_track(m, (unsigned int)idx, UDP_KIND_IN, fd,
				 sock6, v6))) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "flow %d: port %u to guest port %u: %s", idx, lport,
			  tap->eport, strerror(-rc));
		core->flow_free(m, (unsigned int)idx);
		return rc;
	}

	core->log(m, PASST_LOG_DEBUG, "flow %d: host port %u to guest port %u",
		  idx, lport, tap->eport);
	return idx;
}

/**
 * udp_sock_listen_prep() - Ask a listening socket for the local address of
 *			    each datagram, once
 * @m:		This module
 * @fd:		Listening socket
 * @on:		Ask, or forget we did (a datagram came without it)
 *
 * Replies to a peer must come from the address it sent to, which a socket
 * bound to any address only learns this way.
 *
 * #syscalls getsockopt setsockopt
 */
static void udp_sock_listen_prep(struct passt_mod *m, int fd, bool on)
{
	struct udp *u = passt_priv(m);
	bool noted = fd >= 0 && fd < UDP_LISTEN_FDS;
	uint64_t bit = noted ? 1ULL << (fd % 64) : 0;
	socklen_t sl = sizeof(int);
	int one = 1, dom = 0;

	if (!on) {
		if (noted)
			u->listen_ready[fd / 64] &= ~bit;
		return;
	}
	if (noted && (u->listen_ready[fd / 64] & bit))
		return;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &sl))
		return;
	if (dom == AF_INET6 ?
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) :
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
		return;
	if (noted)
		u->listen_ready[fd / 64] |= bit;
}

/**
 * udp_sock_listen_gone() - A reload removed a listening socket's rule
 * @m:		This module
 * @fd:		Listening socket, closed by the core when this returns
 * @lport:	Port it listens on
 *
 * Inbound flows send their replies through it: they end with it, before
 * its number can be given to another socket.
 */
static void udp_sock_listen_gone(struct passt_mod *m, int fd, uint16_t lport)
{
	struct udp *u = passt_priv(m);
	uint32_t i;

	udp_sock_listen_prep(m, fd, false);
	/* Downwards: closing moves the last entry, already seen, here */
	for (i = u->n_active; i-- > 0; ) {
		uint32_t idx = u->active[i];

		if (!(u->flows[idx].kind == UDP_KIND_IN &&
		      u->flows[idx].sock == fd) &&
		    !(u->flows[idx].kind == UDP_KIND_SPLICE &&
		      u->flows[idx].lsock == fd))
			continue;
		u->core->log(m, PASST_LOG_DEBUG, "flow %u: port %u is no "
			     "longer forwarded, closed", idx, lport);
		udp_flow_close(m, idx);
	}
}

/**
 * udp_sock_listen() - Datagrams on a listening socket of a forwarding rule
 * @m:		This module
 * @fd:		Listening socket
 * @data:	PASST_FWD_REF(rule index, port)
 * @events:	EPOLL* events: EPOLLHUP alone if a reload removed its rule
 *
 * #syscalls getsockopt
 */
void udp_sock_listen(struct passt_mod *m, int fd, uint32_t data,
		     uint32_t events)
{
	const struct passt_core_ops *core = passt_core(m);
	const struct passt_netcfg *net = core->net(m);
	uint16_t lport = PASST_FWD_REF_PORT(data);
	size_t off4 = udp_payload_off(false);
	size_t max4 = udp_payload_max(net, false);
	size_t max6 = udp_payload_max(net, true);
	struct udp *u = passt_priv(m);
	const struct passt_fwd_rule *rule;
	struct udp_batch *b = &u->b;
	size_t round;

	if (events == EPOLLHUP) {
		udp_sock_listen_gone(m, fd, lport);
		return;
	}
	if (events & EPOLLERR) {
		int err = 0;
		socklen_t sl = sizeof(err);

		/* Nobody to pass it on to: just clear it */
		if (!getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) && err)
			core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
				  "port %u: %s", lport, strerror(err));
	}
	if (!(events & EPOLLIN))
		return;

	rule = core->fwd_rule(m, PASST_FWD_REF_RULE(data));
	if (!rule || rule->proto != IPPROTO_UDP || lport < rule->first ||
	    lport > rule->last) {
		core->log(m, PASST_LOG_DEBUG, "port %u: no rule %u for it",
			  lport, PASST_FWD_REF_RULE(data));
		return;
	}
	if (rule->from == PASST_PIF_SPLICE) {
		udp_splice_listen(m, fd, rule, lport);
		return;
	}

	udp_sock_listen_prep(m, fd, true);
	for (round = 0; round < UDP_ROUNDS; round++) {
		size_t n, i;
		int r;

		r = udp_sock_recv(m, fd, off4, max4, off4 + max4, true, &n);
		if (r <= 0) {
			if (r < 0 && r != -EAGAIN && r != -EWOULDBLOCK)
				core->log(m, PASST_LOG_DEBUG |
					  PASST_LOG_RATELIMIT,
					  "port %u: receive: %s", lport,
					  strerror(-r));
			return;
		}

		for (i = 0; i < (size_t)r; i++) {
			const struct passt_flowside *tap;
			const struct passt_flow *fl;
			size_t plen = b->mm[i].msg_len;
			union passt_inany peer, local;
			uint32_t oif = 0;
			uint16_t pport;
			int idx;

			b->lens[i] = 0;
			if (b->mm[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;
			udp_inany_from_sa(&peer, &pport, &b->sa[i]);
			if (udp_pktinfo_get(&b->mm[i].msg_hdr, &local, &oif)) {
				udp_sock_listen_prep(m, fd, false);
				udp_sock_listen_local(rule, &peer, &local);
			}
			idx = udp_sock_in_flow(m, rule, lport, fd,
					       b->sa[i].sin6_family == AF_INET6,
					       &peer, pport, &local, oif);
			if (idx < 0)
				continue;
			if (!udp_inany_is_v4(&peer)) {
				if (plen > max6)
					continue;
				memmove(b->bufs[i] + udp_payload_off(true),
					b->bufs[i] + off4, plen);
			}
			fl = core->flow_at(m, (unsigned int)idx);
			tap = &fl->side[PASST_TGTSIDE];
			b->lens[i] = udp_sock_fill(m, b->bufs[i], tap, NULL, 0,
						   plen);
			udp_flow_touch(m, (unsigned int)idx);
		}
		udp_sock_count_in(u, (size_t)r);
		core->frames_commit(m, (size_t)r, b->lens);
		if ((size_t)r < n)
			return;
	}
}
