// SPDX-License-Identifier: GPL-2.0-or-later
/* udp_err.c - ICMP errors on flow sockets, rebuilt towards the guest
 *
 * With IP_RECVERR (IPV6_RECVERR) the kernel queues, for each ICMP error it
 * receives about a datagram of the socket, a struct sock_extended_err with
 * the ICMP type, code and extra value (the MTU, for fragmentation needed and
 * packet too big), the address of the node that sent it, and what the error
 * quoted of the datagram's payload. That is enough to rebuild the error
 * the guest would have received itself: the same type and code, from the
 * same node (or from the address the guest sent to, when the node is the
 * destination itself or the host), quoting the guest's own datagram, with
 * the guest's addresses and ports. Errors the kernel raises locally for a
 * datagram larger than the known path MTU become the same kind of error.
 *
 * What is quoted is bounded as the RFCs ask: an ICMP error fits in 576
 * bytes (RFC 1812, 4.3.2.3), an ICMPv6 one in 1280 (RFC 4443, 2.4).
 */

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <sys/socket.h>

#include <passt/module.h>

#include "udp.h"

#define UDP_ERR_ROUNDS		16	/* errors read per event, at most */
#define UDP_ICMP_HLEN		8

#define UDP_ICMP4_UNREACH	3
#define UDP_ICMP4_FRAG_NEEDED	4	/* code of UDP_ICMP4_UNREACH */
#define UDP_ICMP4_TIME_EXCEEDED	11
#define UDP_ICMP6_UNREACH	1
#define UDP_ICMP6_TOO_BIG	2
#define UDP_ICMP6_TIME_EXCEEDED	3

/**
 * struct udp_err - An error to pass on, as the guest will see it
 * @type:	ICMP or ICMPv6 type
 * @code:	Code
 * @mtu:	MTU, for fragmentation needed and packet too big
 * @src:	Address the error comes from
 */
struct udp_err {
	uint8_t type;
	uint8_t code;
	uint32_t mtu;
	union passt_inany src;
};

/**
 * udp_err_classify() - Which guest error a queued host error becomes
 * @ee:		Extended error from the queue
 * @v6:		The flow is IPv6
 * @e:		Type, code and MTU set on success
 *
 * Return: 0, or -ENOENT for errors we don't pass on
 */
static int udp_err_classify(const struct sock_extended_err *ee, bool v6,
			    struct udp_err *e)
{
	e->type = ee->ee_type;
	e->code = ee->ee_code;
	e->mtu = ee->ee_info;

	if (ee->ee_origin == SO_EE_ORIGIN_LOCAL) {
		if (ee->ee_errno != EMSGSIZE)
			return -ENOENT;
		e->type = v6 ? UDP_ICMP6_TOO_BIG : UDP_ICMP4_UNREACH;
		e->code = v6 ? 0 : UDP_ICMP4_FRAG_NEEDED;
		return 0;
	}
	if (!v6 && ee->ee_origin == SO_EE_ORIGIN_ICMP)
		return e->type == UDP_ICMP4_UNREACH ||
		       e->type == UDP_ICMP4_TIME_EXCEEDED ? 0 : -ENOENT;
	if (v6 && ee->ee_origin == SO_EE_ORIGIN_ICMP6)
		return e->type == UDP_ICMP6_UNREACH ||
		       e->type == UDP_ICMP6_TOO_BIG ||
		       e->type == UDP_ICMP6_TIME_EXCEEDED ? 0 : -ENOENT;
	return -ENOENT;
}

/**
 * udp_err_quote_csum() - Checksum of the quoted UDP header and payload
 * @core:	Core services
 * @src:	Source of the quoted datagram
 * @dst:	Its destination
 * @uh:		UDP header, checksum zeroed, then the payload
 * @ulen:	UDP length
 *
 * Return: checksum, in network order as stored
 */
static uint16_t udp_err_quote_csum(const struct passt_core_ops *core,
				   const union passt_inany *src,
				   const union passt_inany *dst,
				   const uint8_t *uh, size_t ulen)
{
	const struct in_addr *s4 = passt_inany_v4(src);
	uint8_t pseudo[8];
	uint32_t sum;
	uint16_t c;

	if (s4) {
		sum = core->csum(s4, 4, 0);
		sum = core->csum(passt_inany_v4(dst), 4, sum);
		pseudo[0] = 0;
		pseudo[1] = IPPROTO_UDP;
		passt_put16(pseudo + 2, (uint16_t)ulen);
		sum = core->csum(pseudo, 4, sum);
	} else {
		sum = core->csum(&src->a6, 16, 0);
		sum = core->csum(&dst->a6, 16, sum);
		passt_put32(pseudo, (uint32_t)ulen);
		passt_put32(pseudo + 4, IPPROTO_UDP);
		sum = core->csum(pseudo, 8, sum);
	}
	c = passt_csum_fold(core->csum(uh, ulen, sum));
	return c ? c : 0xffff;
}

/**
 * udp_err_send() - Build the ICMP or ICMPv6 error for the guest
 * @m:		This module
 * @tap:	Guest side of the flow
 * @v6:		IPv6
 * @e:		Error
 * @data:	Quoted payload of the guest's datagram
 * @len:	Length of @data
 *
 * Return: 0, or -ENOBUFS if the queue had no room
 */
static int udp_err_send(struct passt_mod *m, const struct passt_flowside *tap,
			bool v6, const struct udp_err *e, const uint8_t *data,
			size_t len)
{
	const struct passt_core_ops *core = passt_core(m);
	const struct passt_netcfg *net = core->net(m);
	size_t iphl = v6 ? PASST_IP6_HLEN : PASST_IP4_HLEN;
	size_t hdrs = 2 * iphl + UDP_ICMP_HLEN + PASST_UDP_HLEN;
	size_t cap = v6 ? UDP_ICMP6_ERR_MAX : UDP_ICMP4_ERR_MAX;
	size_t l4len, flen;
	uint8_t *buf, *icmp, *in, *uh;
	uint16_t c;

	/* Both ends of the guest's side are of one version, as the frame
	 * it sent was; a flow that says otherwise gets no error
	 */
	if (!passt_inany_v4(&tap->eaddr) != v6 ||
	    !passt_inany_v4(&tap->oaddr) != v6)
		return 0;
	if (net->mtu < cap)
		cap = net->mtu;
	if (cap <= hdrs)
		return 0;
	if (len > cap - hdrs)
		len = cap - hdrs;
	l4len = UDP_ICMP_HLEN + iphl + PASST_UDP_HLEN + len;

	buf = core->frame_alloc(m, PASST_ETH_HLEN + iphl + l4len);
	if (!buf)
		return -ENOBUFS;

	icmp = buf + PASST_ETH_HLEN + iphl;
	memset(icmp, 0, UDP_ICMP_HLEN);
	icmp[0] = e->type;
	icmp[1] = e->code;
	if (v6 && e->type == UDP_ICMP6_TOO_BIG)
		passt_put32(icmp + 4, e->mtu < 1280 ? 1280 : e->mtu);
	else if (!v6 && e->code == UDP_ICMP4_FRAG_NEEDED)
		passt_put16(icmp + 6, (uint16_t)(e->mtu < 68 ? 68 :
						 e->mtu > 65535 ? 65535 :
						 e->mtu));

	/* The guest's datagram as it sent it, as far as we have it */
	in = icmp + UDP_ICMP_HLEN;
	uh = in + iphl;
	passt_put16(uh, tap->eport);
	passt_put16(uh + 2, tap->oport);
	passt_put16(uh + 4, (uint16_t)(PASST_UDP_HLEN + len));
	passt_put16(uh + 6, 0);
	memcpy(uh + PASST_UDP_HLEN, data, len);
	c = udp_err_quote_csum(core, &tap->eaddr, &tap->oaddr, uh,
			       PASST_UDP_HLEN + len);
	memcpy(uh + 6, &c, 2);

	if (v6) {
		passt_put32(in, 0x60000000);
		passt_put16(in + 4, (uint16_t)(PASST_UDP_HLEN + len));
		in[6] = IPPROTO_UDP;
		in[7] = 64;
		memcpy(in + 8, &tap->eaddr.a6, 16);
		memcpy(in + 24, &tap->oaddr.a6, 16);

		flen = passt_ip6_fill(core, buf, IPPROTO_ICMPV6, &e->src.a6,
				      &tap->eaddr.a6, l4len, 255);
		c = passt_l4_csum(core, buf, true, l4len);
	} else {
		in[0] = 0x45;
		in[1] = 0;
		passt_put16(in + 2, (uint16_t)(iphl + PASST_UDP_HLEN + len));
		passt_put32(in + 4, 0x4000);		/* DF */
		in[8] = 64;
		in[9] = IPPROTO_UDP;
		passt_put16(in + 10, 0);
		memcpy(in + 12, passt_inany_v4(&tap->eaddr), 4);
		memcpy(in + 16, passt_inany_v4(&tap->oaddr), 4);
		c = passt_csum_fold(core->csum(in, iphl, 0));
		memcpy(in + 10, &c, 2);

		flen = passt_ip4_fill(core, buf, IPPROTO_ICMP,
				      *passt_inany_v4(&e->src),
				      *passt_inany_v4(&tap->eaddr), l4len);
		c = passt_csum_fold(core->csum(icmp, l4len, 0));
	}
	memcpy(icmp + 2, &c, 2);

	return core->frame_send(m, flen);
}

/**
 * udp_err_source() - Where the guest sees an error come from
 * @net:	Network settings
 * @fl:		Flow
 * @tapside:	Guest side of @fl
 * @off:	Offender's address from the error queue, or NULL
 * @e:		Error: its source is set
 */
static void udp_err_source(const struct passt_netcfg *net,
			   const struct passt_flow *fl, unsigned int tapside,
			   const struct sockaddr_in6 *off, struct udp_err *e)
{
	const struct passt_flowside *tap = &fl->side[tapside];
	const struct passt_flowside *host = &fl->side[!tapside];
	bool v4 = udp_inany_is_v4(&tap->eaddr);
	uint16_t port;

	e->src = tap->oaddr;
	if (!off || (off->sin6_family != AF_INET &&
		     off->sin6_family != AF_INET6))
		return;

	udp_inany_from_sa(&e->src, &port, off);
	/* The destination itself, or the host: the address the guest used */
	if (udp_inany_is_v4(&e->src) != v4 || udp_inany_loopback(&e->src) ||
	    udp_inany_unspec(&e->src) ||
	    !memcmp(&e->src, &host->eaddr, sizeof(e->src)) ||
	    (v4 && passt_inany_v4(&e->src)->s_addr == net->ip4.addr.s_addr) ||
	    (!v4 && IN6_ARE_ADDR_EQUAL(&e->src.a6, &net->ip6.addr)))
		e->src = tap->oaddr;
}

/**
 * udp_err_drain() - Read a flow socket's error queue, tell the guest
 * @m:		This module
 * @idx:	Flow index
 *
 * #syscalls recvmsg
 */
void udp_err_drain(struct passt_mod *m, unsigned int idx)
{
	const struct passt_core_ops *core = passt_core(m);
	struct udp *u = passt_priv(m);
	struct udp_flow *uf = &u->flows[idx];
	const struct passt_flow *fl = core->flow_at(m, idx);
	unsigned int round;

	if (!fl)
		return;

	for (round = 0; round < UDP_ERR_ROUNDS; round++) {
		union {
			char buf[CMSG_SPACE(sizeof(struct sock_extended_err) +
					    sizeof(struct sockaddr_in6))];
			struct cmsghdr align;
		} ctl;
		uint8_t data[UDP_ICMP6_ERR_MAX];
		const struct sock_extended_err *ee = NULL;
		struct iovec iov = { data, sizeof(data) };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		struct sockaddr_in6 off;
		struct cmsghdr *c;
		struct udp_err e;
		ssize_t r;

		r = recvmsg(uf->sock, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (r < 0)
			return;

		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if ((c->cmsg_level == IPPROTO_IP &&
			     c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == IPPROTO_IPV6 &&
			     c->cmsg_type == IPV6_RECVERR)) {
				if (c->cmsg_len < CMSG_LEN(sizeof(*ee)))
					continue;
				ee = (const struct sock_extended_err *)
				     (const void *)CMSG_DATA(c);
				break;
			}
		}
		if (!ee || udp_err_classify(ee, uf->v6, &e)) {
			core->log(m, PASST_LOG_TRACE, "flow %u: host error "
				  "not passed on", idx);
			continue;
		}

		/* The offender's address follows the error, if it fits */
		memset(&off, 0, sizeof(off));
		if (c->cmsg_len >= CMSG_LEN(sizeof(*ee) + sizeof(off)))
			memcpy(&off, SO_EE_OFFENDER(ee), sizeof(off));
		else if (c->cmsg_len >= CMSG_LEN(sizeof(*ee) +
						 sizeof(struct sockaddr_in)))
			memcpy(&off, SO_EE_OFFENDER(ee),
			       sizeof(struct sockaddr_in));
		udp_err_source(core->net(m), fl, uf->tapside, &off, &e);

		core->log(m, PASST_LOG_DEBUG, "flow %u: ICMP%s type %u code %u "
			  "to the guest", idx, uf->v6 ? "v6" : "", e.type,
			  e.code);
		if (udp_err_send(m, &fl->side[uf->tapside], uf->v6, &e, data,
				 (size_t)r))
			return;
	}
}
