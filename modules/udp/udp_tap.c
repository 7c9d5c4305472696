// SPDX-License-Identifier: GPL-2.0-or-later
/* udp_tap.c - UDP datagrams from the guest: checks, flows, sendmmsg()
 *
 * Each datagram of a batch is checked (lengths, checksum, addresses), its
 * flow found or created, and its payload queued as one message of the
 * next sendmmsg() with an iovec pointing into the guest's frame: runs of
 * datagrams for one socket go out in one system call, with no copy.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <passt/module.h>

#include "udp.h"

#define UDP_T_NOBIND	0x01	/* loopback, link-local: no outbound binding */
#define UDP_T_GROUP	0x02	/* multicast or broadcast: not connected */

/**
 * struct udp_tap_dgram - A guest datagram that passed the checks
 * @src:	Source address (the guest's)
 * @dst:	Destination address, as the guest sent it
 * @payload:	UDP payload, inside the guest's frame
 * @plen:	Length of @payload
 * @sport:	Source port
 * @dport:	Destination port
 * @v6:		IPv6
 */
struct udp_tap_dgram {
	union passt_inany src;
	union passt_inany dst;
	const uint8_t *payload;
	size_t plen;
	uint16_t sport;
	uint16_t dport;
	bool v6;
};

/**
 * udp_tap_csum_ok() - Check the UDP checksum of a guest datagram
 * @core:	Core services
 * @ip:		IP header (IPv4, or the fixed IPv6 header)
 * @uh:		UDP header, followed by the payload
 * @ulen:	UDP length (header and payload)
 * @v6:		IPv6
 *
 * Return: true if the checksum is right, or absent where IPv4 allows it
 */
static bool udp_tap_csum_ok(const struct passt_core_ops *core,
			    const uint8_t *ip, const uint8_t *uh, size_t ulen,
			    bool v6)
{
	uint8_t pseudo[8];
	uint32_t sum;

	if (!uh[6] && !uh[7])
		return !v6;		/* RFC 768: none; RFC 8200: mandatory */

	if (v6) {
		sum = core->csum(ip + 8, 32, 0);
		passt_put32(pseudo, (uint32_t)ulen);
		passt_put32(pseudo + 4, IPPROTO_UDP);
		sum = core->csum(pseudo, 8, sum);
	} else {
		sum = core->csum(ip + 12, 8, 0);
		pseudo[0] = 0;
		pseudo[1] = IPPROTO_UDP;
		passt_put16(pseudo + 2, (uint16_t)ulen);
		sum = core->csum(pseudo, 4, sum);
	}
	sum = core->csum(uh, ulen, sum);

	/* Right data, checksum included, sums to all ones */
	return !passt_csum_fold(sum);
}

/**
 * udp_tap_src_ok() - Whether a guest source address can get replies
 * @a:		Address
 *
 * Return: false for unspecified, loopback, multicast and broadcast
 */
static bool udp_tap_src_ok(const union passt_inany *a)
{
	const struct in_addr *a4 = passt_inany_v4(a);

	if (udp_inany_unspec(a) || udp_inany_loopback(a))
		return false;
	if (a4)
		return ntohl(a4->s_addr) >> 28 != 0xe &&
		       a4->s_addr != INADDR_BROADCAST;
	return !IN6_IS_ADDR_MULTICAST(&a->a6);
}

/**
 * udp_tap_parse() - Check a guest datagram and take it apart
 * @m:		This module
 * @f:		Frame
 * @d:		Filled on success
 *
 * Return: 0, or -EINVAL to drop it (after a trace line)
 */
static int udp_tap_parse(struct passt_mod *m, const struct passt_frame *f,
			 struct udp_tap_dgram *d)
{
	const struct passt_core_ops *core = passt_core(m);
	const uint8_t *ip, *uh;
	const char *why;
	size_t ulen;

	memset(d, 0, sizeof(*d));
	d->v6 = f->ethertype == PASST_ETHERTYPE_IPV6;
	if (!d->v6 && f->ethertype != PASST_ETHERTYPE_IP) {
		why = "not IP";
		goto drop;
	}
	ip = passt_frame_at(f, f->l3off,
			    d->v6 ? PASST_IP6_HLEN : PASST_IP4_HLEN);
	uh = f->l4off ? passt_frame_at(f, f->l4off, PASST_UDP_HLEN) : NULL;
	if (!ip || !uh || f->l4proto != IPPROTO_UDP ||
	    f->l4len < PASST_UDP_HLEN) {
		why = "truncated header";
		goto drop;
	}

	/* Bytes past the UDP length (but inside IP) are ignored, as the
	 * kernel does; a UDP length past the IP payload is a lie
	 */
	ulen = passt_get16(uh + 4);
	if (ulen < PASST_UDP_HLEN || ulen > f->l4len ||
	    !passt_frame_at(f, f->l4off, ulen)) {
		why = "bad length";
		goto drop;
	}
	if (!(f->flags & PASST_FRAME_CSUM_OK) &&
	    !udp_tap_csum_ok(core, ip, uh, ulen, d->v6)) {
		why = "bad checksum";
		goto drop;
	}

	d->sport = passt_get16(uh);
	d->dport = passt_get16(uh + 2);
	if (!d->sport || !d->dport) {
		why = "port 0";
		goto drop;
	}

	if (d->v6) {
		memcpy(&d->src.a6, ip + 8, 16);
		memcpy(&d->dst.a6, ip + 24, 16);
	} else {
		struct in_addr a4;

		memcpy(&a4, ip + 12, 4);
		passt_inany_from_v4(&d->src, a4);
		memcpy(&a4, ip + 16, 4);
		passt_inany_from_v4(&d->dst, a4);
	}
	if (!udp_tap_src_ok(&d->src)) {
		why = "bad source address";
		goto drop;
	}
	if (udp_inany_unspec(&d->dst) || udp_inany_loopback(&d->dst)) {
		why = "bad destination address";
		goto drop;
	}

	d->payload = uh + PASST_UDP_HLEN;
	d->plen = ulen - PASST_UDP_HLEN;
	return 0;

drop:
	core->log(m, PASST_LOG_TRACE, "guest datagram of %zu bytes: %s, "
		  "dropped", f->len, why);
	return -EINVAL;
}

/**
 * udp_tap_target() - Where a guest datagram really goes on the host side
 * @m:		This module
 * @d:		Datagram
 * @target:	Set to the destination address
 * @tport:	Set to the destination port
 * @flags:	Set to UDP_T_* flags
 *
 * Return: 0, or -EHOSTUNREACH if there is no way to send it
 */
static int udp_tap_target(struct passt_mod *m, const struct udp_tap_dgram *d,
			  union passt_inany *target, uint16_t *tport,
			  unsigned int *flags)
{
	const struct passt_netcfg *net = passt_core(m)->net(m);
	const struct in_addr *a4 = passt_inany_v4(&d->dst);
	struct udp *u = passt_priv(m);
	size_t i;

	*flags = 0;
	*tport = d->dport;
	*target = d->dst;

	for (i = 0; d->dport == UDP_DNS_PORT && i < u->n_dns; i++) {
		if (memcmp(&u->dns[i].match, &d->dst, sizeof(d->dst)))
			continue;
		*target = u->dns[i].host;
		goto classify;
	}

	if (a4 && net->ip4.map_host_loopback.s_addr &&
	    a4->s_addr == net->ip4.map_host_loopback.s_addr) {
		struct in_addr lo = { htonl(INADDR_LOOPBACK) };

		passt_inany_from_v4(target, lo);
	} else if (!a4 &&
		   !IN6_IS_ADDR_UNSPECIFIED(&net->ip6.map_host_loopback) &&
		   IN6_ARE_ADDR_EQUAL(&d->dst.a6,
				      &net->ip6.map_host_loopback)) {
		target->a6 = in6addr_loopback;
	}

classify:
	a4 = passt_inany_v4(target);
	if (udp_inany_loopback(target)) {
		*flags |= UDP_T_NOBIND;
	} else if (a4) {
		uint32_t h = ntohl(a4->s_addr);
		uint32_t host_mask = net->ip4.prefix_len >= 31 ? 0 :
				     0xffffffffU >> net->ip4.prefix_len;
		uint32_t gaddr = ntohl(net->ip4.addr.s_addr);

		if ((h >> 16) == 0xa9fe)		/* 169.254.0.0/16 */
			*flags |= UDP_T_NOBIND;
		if (h >> 28 == 0xe || h == 0xffffffffU ||
		    (host_mask && (h & ~host_mask) == (gaddr & ~host_mask) &&
		     (h & host_mask) == host_mask))
			*flags |= UDP_T_GROUP;
	} else if (IN6_IS_ADDR_MULTICAST(&target->a6)) {
		*flags |= UDP_T_GROUP;
		if (IN6_IS_ADDR_MC_LINKLOCAL(&target->a6))
			*flags |= UDP_T_NOBIND;
	} else if (IN6_IS_ADDR_LINKLOCAL(&target->a6)) {
		/* No host interface is known to reach it through */
		return -EHOSTUNREACH;
	}
	return 0;
}

/**
 * udp_tap_bind_addr() - Local address for an outbound socket
 * @net:	Network settings
 * @v6:		IPv6
 * @flags:	UDP_T_* flags of the target
 * @a:		Set to the outbound address, or the unspecified one
 */
static void udp_tap_bind_addr(const struct passt_netcfg *net, bool v6,
			      unsigned int flags, union passt_inany *a)
{
	udp_inany_any(a, v6);
	if (flags & UDP_T_NOBIND)
		return;
	if (!v6 && net->ip4.outbound_addr.s_addr)
		passt_inany_from_v4(a, net->ip4.outbound_addr);
	else if (v6 && !IN6_IS_ADDR_UNSPECIFIED(&net->ip6.outbound_addr))
		a->a6 = net->ip6.outbound_addr;
}

/**
 * udp_tap_sock() - Open the host socket of a new flow from the guest
 * @m:		This module
 * @d:		First datagram of the flow
 * @target:	Destination on the host side
 * @tport:	Destination port
 * @flags:	UDP_T_* flags of the target
 * @bound:	Set to the local port, if it is the guest's, else 0
 *
 * The socket takes the guest's source port if it can (SO_REUSEADDR lets
 * flows from one guest port to several peers share it), else any.
 *
 * Return: socket, or -errno
 *
 * #syscalls socket setsockopt bind connect close
 */
static int udp_tap_sock(struct passt_mod *m, const struct udp_tap_dgram *d,
			const union passt_inany *target, uint16_t tport,
			unsigned int flags, uint16_t *bound)
{
	const struct passt_netcfg *net = passt_core(m)->net(m);
	const char *ifname = d->v6 ? net->ip6.outbound_if :
				     net->ip4.outbound_if;
	int af = d->v6 ? AF_INET6 : AF_INET, one = 1, s, rc;
	struct sockaddr_in6 sa;
	union passt_inany local;
	socklen_t sl;

	s = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (s < 0)
		return -errno;

	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	if (d->v6) {
		if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			       sizeof(one)) ||
		    setsockopt(s, IPPROTO_IPV6, IPV6_RECVERR, &one,
			       sizeof(one)))
			goto fail;
	} else {
		if (setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)))
			goto fail;
		if ((flags & UDP_T_GROUP) &&
		    setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)))
			goto fail;
	}
	if (!(flags & UDP_T_NOBIND) && ifname[0] &&
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strnlen(ifname, PASST_IFNAME_MAX)))
		goto fail;

	udp_tap_bind_addr(net, d->v6, flags, &local);
	sl = udp_inany_to_sa(&sa, &local, d->sport, 0, d->v6);
	*bound = d->sport;
	if (bind(s, (struct sockaddr *)&sa, sl)) {
		/* Taken by someone else, or privileged: any port will do */
		if (errno != EADDRINUSE && errno != EACCES && errno != EPERM)
			goto fail;
		sl = udp_inany_to_sa(&sa, &local, 0, 0, d->v6);
		*bound = 0;
		if (bind(s, (struct sockaddr *)&sa, sl))
			goto fail;
	}

	if (!(flags & UDP_T_GROUP)) {
		sl = udp_inany_to_sa(&sa, target, tport, 0, d->v6);
		if (connect(s, (struct sockaddr *)&sa, sl))
			goto fail;
	}
	return s;

fail:
	rc = -errno;
	close(s);
	return rc;
}

/**
 * udp_tap_flow_new() - Create the flow of a guest datagram, with its socket
 * @m:		This module
 * @d:		Datagram
 *
 * Return: flow index, or -errno (the datagram is dropped)
 *
 * #syscalls close
 */
static int udp_tap_flow_new(struct passt_mod *m, const struct udp_tap_dgram *d)
{
	const struct passt_core_ops *core = passt_core(m);
	const struct passt_netcfg *net = core->net(m);
	struct passt_flowside *tap, *host;
	union passt_inany target;
	unsigned int flags;
	struct passt_flow *fl;
	uint16_t tport, bound = 0;
	int idx, s, rc;

	if ((rc = udp_tap_target(m, d, &target, &tport, &flags))) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "guest datagram to a link-local address: no host "
			  "interface for it, dropped");
		return rc;
	}

	idx = core->flow_new(m, IPPROTO_UDP, UDP_KIND_OUT);
	if (idx < 0) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "flow table full: guest datagram dropped");
		return idx;
	}
	fl = core->flow_at(m, (unsigned int)idx);

	tap = &fl->side[PASST_INISIDE];
	tap->pif = PASST_PIF_TAP;
	tap->eaddr = d->src;
	tap->eport = d->sport;
	tap->oaddr = d->dst;
	tap->oport = d->dport;
	if (d->v6 && IN6_IS_ADDR_LINKLOCAL(&d->src.a6))
		tap->ifindex = net->guest_ifindex;

	s = udp_tap_sock(m, d, &target, tport, flags, &bound);
	if (s < 0) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "flow %d: cannot open a socket for port %u: %s",
			  idx, d->sport, strerror(-s));
		core->flow_free(m, (unsigned int)idx);
		return s;
	}

	host = &fl->side[PASST_TGTSIDE];
	host->pif = PASST_PIF_HOST;
	host->eaddr = target;
	host->eport = tport;
	udp_tap_bind_addr(net, d->v6, flags, &host->oaddr);
	host->oport = bound;

	if ((rc = core->flow_hash(m, (unsigned int)idx, PASST_INISIDE)) ||
	    (rc = core->fd_add(m, s, EPOLLIN, UDP_FD_FLOW,
			       (uint32_t)idx))) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "flow %d: %s", idx, strerror(-rc));
		close(s);
		core->flow_free(m, (unsigned int)idx);
		return rc;
	}
	fl->type = (flags & UDP_T_GROUP) ? UDP_KIND_OUT_GROUP : UDP_KIND_OUT;
	if ((rc = udp_flow_track(m, (unsigned int)idx, fl->type, s, d->v6,
				 d->v6))) {
		core->fd_del(m, s);
		close(s);
		core->flow_free(m, (unsigned int)idx);
		return rc;
	}

	core->log(m, PASST_LOG_DEBUG, "flow %d: guest port %u to port %u%s%s",
		  idx, d->sport, tport, bound ? "" : " (other local port)",
		  (flags & UDP_T_GROUP) ? ", multicast or broadcast" : "");
	return idx;
}

/**
 * udp_tap_send() - Send the messages gathered for one socket
 * @m:		This module
 * @s:		Socket
 * @n:		Number of messages in the batch
 *
 * A message the host refuses is dropped, and the next ones still go.
 *
 * #syscalls sendmmsg
 */
static void udp_tap_send(struct passt_mod *m, int s, size_t n)
{
	struct udp *u = passt_priv(m);
	bool retried = false;
	size_t done = 0;

	while (done < n) {
		int r = sendmmsg(s, u->b.mm + done, (unsigned int)(n - done),
				 MSG_DONTWAIT);

		if (r > 0) {
			int k;

			for (k = 0; k < r; k++) {
				const struct mmsghdr *mm;

				mm = &u->b.mm[done + (size_t)k];
				u->cnt.bytes_to_host += mm->msg_len;
			}
			u->cnt.to_host += (size_t)r;
			done += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* An ICMP error reported on a connected socket fails the
		 * next call once: that datagram deserves another try
		 */
		if (r < 0 && errno == ECONNREFUSED && !retried) {
			retried = true;
			continue;
		}
		u->core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			     "sending %zu guest datagrams: %s", n - done,
			     r < 0 ? strerror(errno) : "nothing sent");
		if (r == 0 || errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS) {
			u->cnt.drop_send += n - done;
			return;
		}
		u->cnt.drop_send++;
		done++;
	}
}

/**
 * udp_tap_frames() - Send a batch of guest datagrams out of their flows
 * @m:		This module
 * @f:		Frames
 * @n:		Number of frames
 */
void udp_tap_frames(struct passt_mod *m, const struct passt_frame *f,
		    size_t n)
{
	const struct passt_core_ops *core = passt_core(m);
	struct udp *u = passt_priv(m);
	struct udp_batch *b = &u->b;
	size_t i, cnt = 0;
	int bsock = -1;

	for (i = 0; i < n; i++) {
		struct udp_tap_dgram d;
		struct msghdr *mh;
		struct udp_flow *uf;
		unsigned int side;
		int idx;

		if (udp_tap_parse(m, &f[i], &d)) {
			u->cnt.drop_malformed++;
			continue;
		}

		idx = core->flow_find(m, PASST_PIF_TAP, IPPROTO_UDP, &d.src,
				      d.sport, &d.dst, d.dport, &side);
		if (idx >= 0 && ((unsigned int)idx >= u->flow_max ||
				 u->flows[idx].kind == UDP_KIND_NONE ||
				 u->flows[idx].tapside != side))
			idx = -ENOENT;		/* not ours to send on */
		if (idx < 0)
			idx = udp_tap_flow_new(m, &d);
		if (idx < 0) {
			u->cnt.drop_no_flow++;
			continue;
		}
		uf = &u->flows[idx];

		if (cnt && (uf->sock != bsock || cnt == UDP_BATCH)) {
			udp_tap_send(m, bsock, cnt);
			cnt = 0;
		}
		bsock = uf->sock;

		mh = &b->mm[cnt].msg_hdr;
		memset(mh, 0, sizeof(*mh));
		b->iov[cnt].iov_base = (void *)d.payload;
		b->iov[cnt].iov_len = d.plen;
		mh->msg_iov = &b->iov[cnt];
		mh->msg_iovlen = 1;
		if (uf->kind != UDP_KIND_OUT) {
			/* Unconnected: each message names its peer */
			const struct passt_flow *fl = core->flow_at(m,
							(unsigned int)idx);
			const struct passt_flowside *h;

			h = &fl->side[!uf->tapside];

			mh->msg_name = &b->sa[cnt];
			mh->msg_namelen = udp_inany_to_sa(&b->sa[cnt],
							  &h->eaddr, h->eport,
							  h->ifindex,
							  uf->sock6);
			/* From the address the peer sent to, if known */
			if (uf->kind == UDP_KIND_IN &&
			    !udp_inany_unspec(&h->oaddr)) {
				mh->msg_control = b->ctl[cnt].buf;
				mh->msg_controllen = udp_pktinfo_put(
					b->ctl[cnt].buf, &h->oaddr,
					h->ifindex, uf->sock6);
			}
		}
		cnt++;
		udp_flow_touch(m, (unsigned int)idx);
	}

	if (cnt)
		udp_tap_send(m, bsock, cnt);
}
