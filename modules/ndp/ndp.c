// SPDX-License-Identifier: GPL-2.0-or-later
/* ndp.c - NDP: neighbour and router advertisements for SLAAC
 *
 * Theory of Operation
 * ===================
 *
 * What it does
 * ------------
 * The guest's link has exactly two nodes: the guest and us. Every packet
 * the guest sends, whatever its destination, must reach our MAC address,
 * because we are the only way off the link. IPv6 finds link-layer
 * addresses with Neighbor Discovery (RFC 4861) and learns its prefix,
 * default router, MTU and nameservers from Router Advertisements (RFC 4861,
 * RFC 4862 for SLAAC, RFC 8106 for RDNSS and DNSSL). This module is the
 * router side of both, built from the settings the core resolved (struct
 * passt_netcfg). It claims ICMPv6 Router Solicitations (type 133) and
 * Neighbor Solicitations (type 135); other ICMPv6 messages are not ours.
 * Every claimed frame gets at most one reply frame; there are no sockets,
 * no flows and no system calls.
 *
 * Neighbour solicitations
 * -----------------------
 * We answer for every address that is not the guest's own: the gateway,
 * our link-local address, other addresses of the prefix we announce as
 * on-link, and anything else the guest might think is a neighbour. The
 * Neighbor Advertisement carries our MAC as target link-layer address and
 * the Override flag, and the Router flag if the target is our link-local
 * address or the gateway (a Router flag going from set to clear would make
 * the guest drop us from its default router list, RFC 4861, 7.2.5; other
 * targets are plain neighbours that happen to share our MAC).
 *
 * The guest's own addresses are those it was seen using (addr_seen,
 * addr_ll_seen, learned by the core from its frames) and the one the core
 * hands out (net->ip6.addr): a solicitation for them gets no answer, else
 * the guest would find a "duplicate" of itself.
 *
 * Duplicate Address Detection (source ::) is a guest checking an address
 * it is about to use: any address except our link-local one and the
 * gateway, which are ours and are defended (advertisement to ff02::1, no
 * Solicited flag, RFC 4861, 7.2.4). SLAAC makes up addresses in the
 * announced prefix that we cannot predict, so answering DAD for them would
 * stop the guest from configuring any global address.
 *
 * Other solicitations get a unicast advertisement with the Solicited flag
 * to their IPv6 source, at their Ethernet source.
 *
 * Router advertisements
 * ---------------------
 * Sent from our link-local address with hop limit 255, carrying:
 * - current hop limit 64; reachable time and retransmission timer 0
 *   (unspecified: the guest keeps its defaults);
 * - Managed and Other flags if some module serves DHCPv6 (claims UDP port
 *   547 over IPv6, asked with claimed() at every advertisement), else
 *   neither: addresses then come from SLAAC only, and the nameservers
 *   from RDNSS, which every current SLAAC client reads;
 * - router lifetime 65535 s, the maximum (RFC 8319 lifted the 9000 s
 *   limit of RFC 4861): we stay the guest's router as long as we run,
 *   and the periodic advertisements refresh it long before it expires;
 * - source link-layer address: our MAC, sparing the guest a solicitation;
 * - MTU: the link's, if it is at least the IPv6 minimum of 1280 (below
 *   that IPv6 cannot work, and the option would be ignored anyway);
 * - Prefix Information: the /64 holding net->ip6.addr, on-link (L) and
 *   autonomous (A), with infinite lifetimes as the address cannot change
 *   while we run. Always /64, whatever the host's prefix length: SLAAC
 *   needs 64-bit interface identifiers (RFC 4862, 5.5.3; RFC 4291), and the
 *   guest's address is only ever seen by us, as we translate to host
 *   sockets: a host with a /128 or a /56 still gets working SLAAC. Without
 *   a global address there is no prefix to announce and the option is
 *   left out (the guest is still given a default router);
 * - RDNSS with the nameservers, and DNSSL with the search domains in DNS
 *   wire format (uncompressed, padded with zeroes to 8 octets), both with
 *   a lifetime of 1800 s, three times the longest interval between
 *   advertisements (the default of RFC 8106, 5.1 and 5.2).
 *
 * An advertisement never exceeds the link MTU (at least 1280): the header,
 * link-layer address, MTU and prefix always fit; nameservers and then
 * search domains that would not fit are left out, whole.
 *
 * When: one to ff02::1 at start(); one in reply to each Router
 * Solicitation, to its source, or to ff02::1 if that is :: (one reply per
 * solicitation from the one guest on the link amplifies nothing, so
 * solicited advertisements are not rate limited); and unsolicited ones to
 * ff02::1 from the timer. The timer ticks every 16 s
 * (MAX_INITIAL_RTR_ADVERT_INTERVAL): the first three advertisements
 * (MAX_INITIAL_RTR_ADVERTISEMENTS, counting the one of start()) go out on
 * consecutive ticks, so that a guest that was not there yet at start()
 * and does not solicit still configures itself quickly; after that one
 * goes out at a pseudo-random interval of 200 to 600 s (RFC 4861, 6.2.4,
 * with MaxRtrAdvInterval at its default of 600 s), checked on each tick.
 *
 * With router_advertisements = false router solicitations get no answer
 * and none are sent unsolicited: the guest is then configured by hand or
 * by DHCPv6. Neighbour solicitations are always answered: without them the
 * guest cannot reach anything. With IPv6 disabled, or without a link-local
 * address of ours to send from, the module stays silent.
 *
 * Validation
 * ----------
 * Guest bytes are hostile: every read goes through passt_frame_at(), on
 * the frame or on a bounded view of the ICMPv6 message. A solicitation is
 * dropped, with a debug line, unless it passes the checks of RFC 4861,
 * 6.1.1 and 7.1.1: IPv6 hop limit 255 (it was not forwarded), a correct
 * ICMPv6 checksum, code 0, the fixed part present (8 bytes RS, 24 NS),
 * every option of non-zero length and inside the message, no source
 * link-layer address option from ::, a target that is not multicast and
 * DAD sent to the target's solicited-node address. We also drop what we
 * could not answer: a multicast Ethernet or IPv6 source, a link-layer
 * address option of the wrong size for Ethernet, a target that is :: or
 * ::1. Unknown options are skipped, as RFC 4861, 4.6 requires.
 *
 * Limits
 * ------
 * One prefix, no Route Information options (RFC 4191): everything goes
 * through us anyway. The Autonomous flag stays set when DHCPv6 is there
 * too, so the guest may hold a SLAAC and a DHCPv6 address at once, both
 * reaching us. The guest's own addresses are only those the core saw
 * last: one global and one link-local address; temporary addresses (RFC
 * 8981) are not solicited by their owner outside DAD, so that suffices.
 * Nothing here is state of the guest's: on_reset() has nothing to drop.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <passt/module.h>

#include "syscalls.gen.h"

/* ICMPv6 types (RFC 4861, 4) */
#define NDP_RS			133
#define NDP_RA			134
#define NDP_NS			135
#define NDP_NA			136

/* Options (RFC 4861, 4.6; RFC 8106, 5) */
#define NDP_OPT_SLLA		1
#define NDP_OPT_TLLA		2
#define NDP_OPT_PREFIX		3
#define NDP_OPT_MTU		5
#define NDP_OPT_RDNSS		25
#define NDP_OPT_DNSSL		31

#define NDP_OPT_UNIT		8	/* option lengths count 8 octets */
#define NDP_OPT_LEN_MAX		(255 * NDP_OPT_UNIT)
#define NDP_LLA_LEN		8	/* Ethernet link-layer address option */
#define NDP_MTU_OPT_LEN		8
#define NDP_PREFIX_OPT_LEN	32
#define NDP_DNS_OPT_HLEN	8	/* RDNSS, DNSSL: type to lifetime */

#define NDP_ICMP_HLEN		4	/* type, code, checksum */
#define NDP_RS_LEN		8	/* fixed part of each message */
#define NDP_RA_LEN		16
#define NDP_NS_LEN		24
#define NDP_NA_LEN		24

#define NDP_HOP_LIMIT		255	/* of every NDP packet */
#define NDP_RA_CUR_HOP_LIMIT	64	/* what the guest should use */
#define NDP_RA_M		0x80	/* addresses from DHCPv6 */
#define NDP_RA_O		0x40	/* other configuration from DHCPv6 */
#define NDP_RA_LIFETIME		65535	/* s, RFC 8319 */
#define NDP_NA_R		0x80	/* sender is a router */
#define NDP_NA_S		0x40	/* reply to a solicitation */
#define NDP_NA_O		0x20	/* replace a cached link-layer addr */
#define NDP_PREFIX_L		0x80	/* on-link */
#define NDP_PREFIX_A		0x40	/* autonomous: SLAAC */
#define NDP_PREFIX_LEN		64	/* SLAAC interface identifiers */
#define NDP_LIFETIME_INFINITE	0xffffffffU
#define NDP_DNS_LIFETIME	1800	/* s, 3 * NDP_RA_INTERVAL_MAX */

#define NDP_MTU_MIN		1280	/* IPv6 minimum link MTU */
#define NDP_DHCPV6_PORT		547

#define NDP_LABEL_MAX		63	/* RFC 1035, 2.3.4 */
#define NDP_NAME_WIRE_MAX	255

/* Largest advertisement we build: every option at its largest */
#define NDP_RA_MAX		(NDP_RA_LEN + NDP_LLA_LEN + NDP_MTU_OPT_LEN + \
				 NDP_PREFIX_OPT_LEN + NDP_DNS_OPT_HLEN +      \
				 PASST_DNS_MAX * 16 + NDP_OPT_LEN_MAX)

/* Timing (RFC 4861, 6.2.1 and 10) */
#define NDP_TICK_MS		16000	/* MAX_INITIAL_RTR_ADVERT_INTERVAL */
#define NDP_INITIAL_RAS		3	/* MAX_INITIAL_RTR_ADVERTISEMENTS */
#define NDP_RA_INTERVAL_MIN	200	/* s, MinRtrAdvInterval */
#define NDP_RA_INTERVAL_MAX	600	/* s, MaxRtrAdvInterval */

static const struct passt_claim ndp_claims[] = {
	{ PASST_ETHERTYPE_IPV6, IPPROTO_ICMPV6, NDP_RS },
	{ PASST_ETHERTYPE_IPV6, IPPROTO_ICMPV6, NDP_NS },
	{ 0 },
};

static const char *const ndp_keys[] = {
	"router_advertisements",
	NULL
};

/* All-nodes multicast, and the MAC it maps to (RFC 2464, 7) */
static const struct in6_addr ndp_all_nodes = {
	.s6_addr = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
};
static const uint8_t ndp_all_nodes_mac[PASST_ETH_ALEN] = {
	0x33, 0x33, 0, 0, 0, 1
};

/**
 * struct ndp - State of the NDP module, in its priv block
 * @core:		Core services, as given to configure()
 * @ra:			Send router advertisements (router_advertisements)
 * @initial:		Unsolicited advertisements sent so far, up to
 *			NDP_INITIAL_RAS
 * @next_ra:		Monotonic second of the next unsolicited one, once
 *			the initial ones are out
 * @rand:		State of the generator spreading the intervals
 * @rs:			Router solicitations from the guest (ndp_stats())
 * @ns:			Neighbour solicitations from the guest
 * @drop_invalid:	Solicitations that failed the checks, or asked for
 *			nothing we answer
 * @drop_not_ready:	Frames while IPv6 is off or we lack an address
 */
struct ndp {
	const struct passt_core_ops *core;
	bool ra;
	unsigned int initial;
	time_t next_ra;
	uint32_t rand;
	uint64_t rs;
	uint64_t ns;
	uint64_t drop_invalid;
	uint64_t drop_not_ready;
};

/**
 * struct ndp_msg - A checked solicitation; pointers into the frame
 * @type:	NDP_RS or NDP_NS
 * @mac:	Ethernet source
 * @src:	IPv6 source
 * @dst:	IPv6 destination
 * @icmp:	The ICMPv6 message alone, as a bounded view
 */
struct ndp_msg {
	uint8_t type;
	const uint8_t *mac;
	struct in6_addr src;
	struct in6_addr dst;
	struct passt_frame icmp;
};

/**
 * ndp_random() - Next pseudo-random number (xorshift32)
 * @s:		Module state
 *
 * Only spreads advertisement intervals, as RFC 4861, 6.2.4 asks: nothing
 * depends on it being unpredictable.
 *
 * Return: 32 pseudo-random bits
 */
static uint32_t ndp_random(struct ndp *s)
{
	uint32_t x = s->rand;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	s->rand = x;
	return x;
}

/**
 * ndp_schedule() - Set the time of the next unsolicited advertisement
 * @s:		Module state
 * @now:	Current time
 */
static void ndp_schedule(struct ndp *s, const struct timespec *now)
{
	uint32_t span = NDP_RA_INTERVAL_MAX - NDP_RA_INTERVAL_MIN + 1;

	s->next_ra = now->tv_sec + NDP_RA_INTERVAL_MIN +
		     (time_t)(ndp_random(s) % span);
}

/**
 * ndp_is_guest() - Whether an address is one of the guest's own
 * @net:	Network settings
 * @a:		Address (not ::)
 *
 * Return: true if the guest was seen using it, or it is the one handed out
 */
static bool ndp_is_guest(const struct passt_netcfg *net,
			 const struct in6_addr *a)
{
	return IN6_ARE_ADDR_EQUAL(a, &net->ip6.addr) ||
	       IN6_ARE_ADDR_EQUAL(a, &net->ip6.addr_seen) ||
	       IN6_ARE_ADDR_EQUAL(a, &net->ip6.addr_ll_seen);
}

/**
 * ndp_is_ours() - Whether an address is ours: our link-local or the gateway
 * @net:	Network settings
 * @a:		Address (not ::)
 *
 * Return: true if we are the node at @a, rather than standing in for it
 */
static bool ndp_is_ours(const struct passt_netcfg *net,
			const struct in6_addr *a)
{
	return IN6_ARE_ADDR_EQUAL(a, &net->ip6.our_ll) ||
	       IN6_ARE_ADDR_EQUAL(a, &net->ip6.gw);
}

/**
 * ndp_dns_name() - Encode a domain name in DNS wire format (RFC 1035, 3.1)
 * @name:	Name, dotted, with or without the final dot
 * @out:	Buffer for the labels and the final zero byte
 * @size:	Size of @out
 *
 * Return: encoded length, -EINVAL if @name is not a valid name (empty, an
 *	   empty or too long label, longer than 255 bytes encoded), -ENOSPC if
 *	   it does not fit in @size bytes
 */
static int ndp_dns_name(const char *name, uint8_t *out, size_t size)
{
	size_t len = strnlen(name, PASST_DOMAIN_MAX), lpos = 0, i;

	if (len == PASST_DOMAIN_MAX)
		return -EINVAL;			/* no terminator */
	if (len && name[len - 1] == '.')
		len--;
	if (!len)
		return -EINVAL;		/* the root: no search domain */

	/* Each dot becomes a length byte, plus the first one and the root */
	if (len + 2 > NDP_NAME_WIRE_MAX)
		return -EINVAL;
	if (len + 2 > size)
		return -ENOSPC;

	/* Character i goes to i + 1; a dot there is the next label's length
	 * byte, counted up from zero as its characters follow
	 */
	out[lpos] = 0;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (!out[lpos])
				return -EINVAL;		/* empty label */
			lpos = i + 1;
			out[lpos] = 0;
			continue;
		}
		if (out[lpos] == NDP_LABEL_MAX)
			return -EINVAL;
		out[lpos]++;
		out[i + 1] = (uint8_t)name[i];
	}
	if (!out[lpos])
		return -EINVAL;		/* a second final dot */
	out[len + 1] = 0;

	return (int)(len + 2);
}

/**
 * ndp_put_lla() - Write a link-layer address option with our MAC
 * @p:		Where, NDP_LLA_LEN bytes
 * @type:	NDP_OPT_SLLA or NDP_OPT_TLLA
 * @net:	Network settings
 */
static void ndp_put_lla(uint8_t *p, uint8_t type,
			const struct passt_netcfg *net)
{
	p[0] = type;
	p[1] = NDP_LLA_LEN / NDP_OPT_UNIT;
	memcpy(p + 2, net->our_mac, PASST_ETH_ALEN);
}

/**
 * ndp_put_rdnss() - Write the RDNSS option, with as many servers as fit
 * @p:		Where
 * @room:	Bytes available at @p
 * @net:	Network settings
 *
 * Return: bytes written, 0 if there is no usable nameserver or no room
 */
static size_t ndp_put_rdnss(uint8_t *p, size_t room,
			    const struct passt_netcfg *net)
{
	size_t len = NDP_DNS_OPT_HLEN, i;

	for (i = 0; i < net->ip6.n_dns && i < PASST_DNS_MAX; i++) {
		const struct in6_addr *a = &net->ip6.dns[i];

		if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_MULTICAST(a))
			continue;
		if (len + sizeof(*a) > room)
			break;
		memcpy(p + len, a, sizeof(*a));
		len += sizeof(*a);
	}
	if (len == NDP_DNS_OPT_HLEN)
		return 0;

	p[0] = NDP_OPT_RDNSS;
	p[1] = (uint8_t)(len / NDP_OPT_UNIT);
	passt_put16(p + 2, 0);
	passt_put32(p + 4, NDP_DNS_LIFETIME);
	return len;
}

/**
 * ndp_put_dnssl() - Write the DNSSL option, with as many domains as fit
 * @p:		Where
 * @room:	Bytes available at @p
 * @net:	Network settings
 *
 * Names that are not valid are left out rather than sent broken, and so
 * is a name that would not fit, whole.
 *
 * Return: bytes written, a multiple of 8, 0 if no domain or no room
 */
static size_t ndp_put_dnssl(uint8_t *p, size_t room,
			    const struct passt_netcfg *net)
{
	size_t len = NDP_DNS_OPT_HLEN, i, max;

	if (room > NDP_OPT_LEN_MAX)
		room = NDP_OPT_LEN_MAX;
	max = room - room % NDP_OPT_UNIT;
	if (max <= NDP_DNS_OPT_HLEN)
		return 0;

	for (i = 0; i < net->n_search && i < PASST_SEARCH_MAX; i++) {
		int rc = ndp_dns_name(net->search[i], p + len, max - len);

		/* The padding must fit too: round the end up to 8 bytes */
		if (rc > 0 && (len + (size_t)rc + NDP_OPT_UNIT - 1) /
			      NDP_OPT_UNIT * NDP_OPT_UNIT <= max)
			len += (size_t)rc;
	}
	if (len == NDP_DNS_OPT_HLEN)
		return 0;

	while (len % NDP_OPT_UNIT)
		p[len++] = 0;

	p[0] = NDP_OPT_DNSSL;
	p[1] = (uint8_t)(len / NDP_OPT_UNIT);
	passt_put16(p + 2, 0);
	passt_put32(p + 4, NDP_DNS_LIFETIME);
	return len;
}

/**
 * ndp_ra_limit() - Largest advertisement for this link
 * @net:	Network settings
 *
 * Return: bytes of ICMPv6 message
 */
static size_t ndp_ra_limit(const struct passt_netcfg *net)
{
	size_t mtu = net->mtu < NDP_MTU_MIN ? NDP_MTU_MIN : net->mtu;

	mtu -= PASST_IP6_HLEN;
	return mtu < NDP_RA_MAX ? mtu : NDP_RA_MAX;
}

/**
 * ndp_ra_build() - Write a router advertisement
 * @m:		This module
 * @core:	Core services
 * @net:	Network settings
 * @p:		ICMPv6 message, ndp_ra_limit() bytes
 * @limit:	Size of @p
 *
 * Return: length of the message, checksum left zero
 */
static size_t ndp_ra_build(struct passt_mod *m,
			   const struct passt_core_ops *core,
			   const struct passt_netcfg *net, uint8_t *p,
			   size_t limit)
{
	const struct passt_claim dhcpv6 = {
		PASST_ETHERTYPE_IPV6, IPPROTO_UDP, NDP_DHCPV6_PORT
	};
	size_t len = NDP_RA_LEN;

	p[0] = NDP_RA;
	p[1] = 0;
	passt_put16(p + 2, 0);
	p[4] = NDP_RA_CUR_HOP_LIMIT;
	p[5] = core->claimed(m, &dhcpv6) ? NDP_RA_M | NDP_RA_O : 0;
	passt_put16(p + 6, NDP_RA_LIFETIME);
	passt_put32(p + 8, 0);			/* reachable time */
	passt_put32(p + 12, 0);			/* retransmission timer */

	ndp_put_lla(p + len, NDP_OPT_SLLA, net);
	len += NDP_LLA_LEN;

	if (net->mtu >= NDP_MTU_MIN) {
		p[len] = NDP_OPT_MTU;
		p[len + 1] = NDP_MTU_OPT_LEN / NDP_OPT_UNIT;
		passt_put16(p + len + 2, 0);
		passt_put32(p + len + 4, net->mtu);
		len += NDP_MTU_OPT_LEN;
	}

	if (!IN6_IS_ADDR_UNSPECIFIED(&net->ip6.addr) &&
	    !IN6_IS_ADDR_LINKLOCAL(&net->ip6.addr) &&
	    !IN6_IS_ADDR_MULTICAST(&net->ip6.addr)) {
		uint8_t *o = p + len;

		o[0] = NDP_OPT_PREFIX;
		o[1] = NDP_PREFIX_OPT_LEN / NDP_OPT_UNIT;
		o[2] = NDP_PREFIX_LEN;
		o[3] = NDP_PREFIX_L | NDP_PREFIX_A;
		passt_put32(o + 4, NDP_LIFETIME_INFINITE);	/* valid */
		passt_put32(o + 8, NDP_LIFETIME_INFINITE);	/* preferred */
		passt_put32(o + 12, 0);
		memcpy(o + 16, &net->ip6.addr, NDP_PREFIX_LEN / 8);
		memset(o + 16 + NDP_PREFIX_LEN / 8, 0, 16 - NDP_PREFIX_LEN / 8);
		len += NDP_PREFIX_OPT_LEN;
	}

	len += ndp_put_rdnss(p + len, limit - len, net);
	len += ndp_put_dnssl(p + len, limit - len, net);

	return len;
}

/**
 * ndp_send() - Finish an NDP message built in a frame buffer and queue it
 * @m:		This module
 * @core:	Core services
 * @net:	Network settings
 * @buf:	Frame buffer from frame_alloc(), message at PASST_ETH_IP6_LEN
 * @len:	Length of the ICMPv6 message
 * @dst:	IPv6 destination
 * @mac:	Ethernet destination
 *
 * Return: 0, or -errno if the core could not queue it
 */
static int ndp_send(struct passt_mod *m, const struct passt_core_ops *core,
		    const struct passt_netcfg *net, uint8_t *buf, size_t len,
		    const struct in6_addr *dst, const uint8_t *mac)
{
	size_t flen;
	uint16_t c;

	flen = passt_ip6_fill(core, buf, IPPROTO_ICMPV6, &net->ip6.our_ll,
			      dst, len, NDP_HOP_LIMIT);
	/* The helper addresses the guest's MAC: not right for multicast,
	 * nor for a solicitation from another source
	 */
	memcpy(buf, mac, PASST_ETH_ALEN);

	c = passt_l4_csum(core, buf, true, len);
	memcpy(buf + PASST_ETH_IP6_LEN + 2, &c, sizeof(c));

	return core->frame_send(m, flen);
}

/**
 * ndp_ra_send() - Send a router advertisement
 * @m:		This module
 * @dst:	IPv6 destination: ff02::1 or a solicitor
 * @mac:	Ethernet destination
 */
static void ndp_ra_send(struct passt_mod *m, const struct in6_addr *dst,
			const uint8_t *mac)
{
	const struct ndp *s = passt_priv(m);
	const struct passt_core_ops *core = s->core;
	const struct passt_netcfg *net = core->net(m);
	size_t limit = ndp_ra_limit(net), len;
	uint8_t *buf;

	buf = core->frame_alloc(m, PASST_ETH_IP6_LEN + limit);
	if (!buf) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "no room for a router advertisement, not sent");
		return;
	}

	len = ndp_ra_build(m, core, net, buf + PASST_ETH_IP6_LEN, limit);
	if (ndp_send(m, core, net, buf, len, dst, mac)) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "cannot queue a router advertisement");
		return;
	}

	core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
		  "router advertisement sent, %zu bytes", len);
}

/**
 * ndp_ready() - Whether IPv6 is on and we have an address to send from
 * @m:		This module
 * @net:	Network settings
 *
 * Return: true if NDP messages can be sent
 */
static bool ndp_ready(struct passt_mod *m, const struct passt_netcfg *net)
{
	const struct ndp *s = passt_priv(m);

	if (!net->ip6.enable)
		return false;
	if (IN6_IS_ADDR_UNSPECIFIED(&net->ip6.our_ll)) {
		s->core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			     "no link-local address to send from");
		return false;
	}
	return true;
}

/**
 * ndp_ra_unsolicited() - Send a router advertisement to all nodes
 * @m:		This module
 */
static void ndp_ra_unsolicited(struct passt_mod *m)
{
	const struct ndp *s = passt_priv(m);

	if (s->ra && ndp_ready(m, s->core->net(m)))
		ndp_ra_send(m, &ndp_all_nodes, ndp_all_nodes_mac);
}

/**
 * ndp_na_send() - Answer a neighbour solicitation with our MAC
 * @m:		This module
 * @core:	Core services
 * @net:	Network settings
 * @msg:	The solicitation
 * @target:	Its target address
 */
static void ndp_na_send(struct passt_mod *m,
			const struct passt_core_ops *core,
			const struct passt_netcfg *net,
			const struct ndp_msg *msg,
			const struct in6_addr *target)
{
	const size_t len = NDP_NA_LEN + NDP_LLA_LEN;
	bool dad = IN6_IS_ADDR_UNSPECIFIED(&msg->src);
	uint8_t *buf, *p;

	buf = core->frame_alloc(m, PASST_ETH_IP6_LEN + len);
	if (!buf) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "no room for a neighbour advertisement, not sent");
		return;
	}

	p = buf + PASST_ETH_IP6_LEN;
	p[0] = NDP_NA;
	p[1] = 0;
	passt_put16(p + 2, 0);
	/* DAD: the guest has no address yet, a multicast reply can't be a
	 * solicited one (RFC 4861, 7.2.4)
	 */
	p[4] = NDP_NA_O | (dad ? 0 : NDP_NA_S) |
	       (ndp_is_ours(net, target) ? NDP_NA_R : 0);
	p[5] = p[6] = p[7] = 0;
	memcpy(p + 8, target, sizeof(*target));
	ndp_put_lla(p + NDP_NA_LEN, NDP_OPT_TLLA, net);

	if (dad) {
		if (ndp_send(m, core, net, buf, len, &ndp_all_nodes,
			     ndp_all_nodes_mac))
			goto fail;
	} else if (ndp_send(m, core, net, buf, len, &msg->src, msg->mac)) {
		goto fail;
	}
	return;
fail:
	core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
		  "cannot queue a neighbour advertisement");
}

/**
 * ndp_options_check() - Check the options of a solicitation
 * @v:		ICMPv6 message
 * @off:	Offset of the first option
 * @slla:	Set if there is a source link-layer address option
 *
 * Return: NULL if well-formed, else what is wrong
 */
static const char *ndp_options_check(const struct passt_frame *v, size_t off,
				     bool *slla)
{
	size_t olen;

	*slla = false;
	for (; off < v->len; off += olen) {
		const uint8_t *o = passt_frame_at(v, off, 2);

		if (!o)
			return "option header cut short";
		if (!o[1])
			return "option of length zero";
		olen = (size_t)o[1] * NDP_OPT_UNIT;
		if (!passt_frame_at(v, off, olen))
			return "option past the end of the message";
		if (o[0] == NDP_OPT_SLLA) {
			if (olen != NDP_LLA_LEN)
				return "source link-layer address option is "
				       "not for Ethernet";
			*slla = true;
		}
	}
	return NULL;
}

/**
 * ndp_parse() - Check a solicitation as RFC 4861, 6.1.1 and 7.1.1 ask
 * @core:	Core services
 * @f:		Claimed frame
 * @msg:	Filled with the message's fields if it is valid
 *
 * Return: NULL if it may be answered, else what is wrong
 */
static const char *ndp_parse(const struct passt_core_ops *core,
			     const struct passt_frame *f, struct ndp_msg *msg)
{
	const uint8_t *ip6, *icmp;
	uint8_t pseudo[8];
	size_t fixed;
	uint32_t sum;
	bool slla;
	const char *err;

	msg->mac = passt_frame_at(f, PASST_ETH_ALEN, PASST_ETH_ALEN);
	if (!msg->mac)
		return "no Ethernet header";
	if (msg->mac[0] & 1)
		return "Ethernet source is multicast";

	ip6 = passt_frame_at(f, f->l3off, PASST_IP6_HLEN);
	if (f->ethertype != PASST_ETHERTYPE_IPV6 || !ip6 || ip6[0] >> 4 != 6)
		return "no IPv6 header";
	if (ip6[7] != NDP_HOP_LIMIT)
		return "hop limit is not 255";
	memcpy(&msg->src, ip6 + 8, sizeof(msg->src));
	memcpy(&msg->dst, ip6 + 24, sizeof(msg->dst));
	if (IN6_IS_ADDR_MULTICAST(&msg->src))
		return "IPv6 source is multicast";

	if (f->l4proto != IPPROTO_ICMPV6 || !f->l4off)
		return "no ICMPv6 header";
	icmp = passt_frame_at(f, f->l4off, f->l4len);
	if (!icmp || f->l4len < NDP_ICMP_HLEN)
		return "ICMPv6 header cut short";
	msg->icmp.data = icmp;
	msg->icmp.len = f->l4len;

	/* A correct checksum makes the sum all ones, which folds to 0 */
	sum = core->csum(ip6 + 8, 32, 0);
	passt_put32(pseudo, f->l4len);
	passt_put32(pseudo + 4, IPPROTO_ICMPV6);
	sum = core->csum(pseudo, sizeof(pseudo), sum);
	sum = core->csum(icmp, f->l4len, sum);
	if (!(f->flags & PASST_FRAME_CSUM_OK) && passt_csum_fold(sum))
		return "bad ICMPv6 checksum";

	msg->type = icmp[0];
	if (icmp[1])
		return "ICMPv6 code is not 0";
	if (msg->type == NDP_RS)
		fixed = NDP_RS_LEN;
	else if (msg->type == NDP_NS)
		fixed = NDP_NS_LEN;
	else
		return "not a solicitation";
	if (msg->icmp.len < fixed)
		return "message shorter than its fixed part";

	err = ndp_options_check(&msg->icmp, fixed, &slla);
	if (err)
		return err;
	if (slla && IN6_IS_ADDR_UNSPECIFIED(&msg->src))
		return "source link-layer address option from ::";

	return NULL;
}

/**
 * ndp_on_ns() - Answer a checked neighbour solicitation, or not
 * @m:		This module
 * @core:	Core services
 * @net:	Network settings
 * @msg:	The solicitation
 *
 * Return: NULL if handled (answered or deliberately not), else what is
 *	   wrong with it
 */
static const char *ndp_on_ns(struct passt_mod *m,
			     const struct passt_core_ops *core,
			     const struct passt_netcfg *net,
			     const struct ndp_msg *msg)
{
	const uint8_t *t = passt_frame_at(&msg->icmp, 8, 16);
	char a[INET6_ADDRSTRLEN];
	struct in6_addr target;

	if (!t)
		return "no target address";
	memcpy(&target, t, sizeof(target));

	if (IN6_IS_ADDR_MULTICAST(&target))
		return "target is multicast";
	if (IN6_IS_ADDR_UNSPECIFIED(&target) || IN6_IS_ADDR_LOOPBACK(&target))
		return "target is :: or ::1";

	if (IN6_IS_ADDR_UNSPECIFIED(&msg->src)) {
		/* ff02::1:ffXX:XXXX, the low 24 bits of the target */
		static const uint8_t sn[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
						0, 0, 0, 1, 0xff };

		if (memcmp(&msg->dst, sn, sizeof(sn)) ||
		    memcmp(msg->dst.s6_addr + 13, target.s6_addr + 13, 3))
			return "DAD not sent to the solicited-node address";
	}

	inet_ntop(AF_INET6, &target, a, sizeof(a));

	if (ndp_is_guest(net, &target)) {
		core->log(m, PASST_LOG_TRACE | PASST_LOG_RATELIMIT,
			  "NS for %s, the guest's own address: no answer", a);
		return NULL;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&msg->src) && !ndp_is_ours(net, &target)) {
		core->log(m, PASST_LOG_TRACE | PASST_LOG_RATELIMIT,
			  "DAD for %s: not ours, no answer", a);
		return NULL;
	}

	ndp_na_send(m, core, net, msg, &target);
	core->log(m, PASST_LOG_TRACE | PASST_LOG_RATELIMIT,
		  "NS for %s: advertised our MAC", a);
	return NULL;
}

/**
 * ndp_on_rs() - Answer a checked router solicitation
 * @m:		This module
 * @msg:	The solicitation
 */
static void ndp_on_rs(struct passt_mod *m, const struct ndp_msg *msg)
{
	struct ndp *s = passt_priv(m);

	if (!s->ra) {
		s->core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			     "router advertisements disabled: RS ignored");
		return;
	}

	if (!IN6_IS_ADDR_UNSPECIFIED(&msg->src)) {
		ndp_ra_send(m, &msg->src, msg->mac);
		return;
	}

	ndp_ra_send(m, &ndp_all_nodes, ndp_all_nodes_mac);
	/* A multicast advertisement restarts the interval (RFC 4861, 6.2.4) */
	if (s->initial >= NDP_INITIAL_RAS)
		ndp_schedule(s, s->core->now(m));
}

/**
 * ndp_configure() - Read and check the ndp group
 * @m:		This module
 * @core:	Core services, kept for the module's whole life
 *
 * Return: 0, or -errno after saying what is wrong
 */
static int ndp_configure(struct passt_mod *m,
			 const struct passt_core_ops *core)
{
	const struct passt_netcfg *net;
	struct ndp *s;
	bool ra = true;
	size_t i;
	int rc;

	if (core->size < offsetof(struct passt_core_ops, csum) +
			 sizeof(core->csum))
		return -ENOTSUP;	/* can't even log: predates ABI 1.0 */

	s = core->priv(m);
	s->core = core;

	net = core->net(m);
	if (net->size < offsetof(struct passt_netcfg, guest_ifindex)) {
		core->log(m, PASST_LOG_ERR,
			  "network settings are %u bytes, need at least %zu",
			  net->size,
			  offsetof(struct passt_netcfg, guest_ifindex));
		return -ENOTSUP;
	}

	rc = core->cfg_bool(m, "router_advertisements", &ra);
	if (rc < 0)
		return rc;
	s->ra = ra;

	/* Any seed spreads the intervals; never zero for xorshift */
	s->rand = 0x9e3779b9U;
	for (i = 0; i < PASST_ETH_ALEN; i++)
		s->rand = (s->rand ^ net->our_mac[i]) * 16777619U;
	if (!s->rand)
		s->rand = 1;

	if (!ra)
		core->log(m, PASST_LOG_INFO,
			  "router advertisements disabled: the guest needs "
			  "static or DHCPv6 configuration");
	return 0;
}

/**
 * ndp_init() - Nothing to open or allocate: state is all in priv
 * @m:		This module
 *
 * Return: 0
 */
static int ndp_init(struct passt_mod *m)
{
	(void)m;
	return 0;
}

/**
 * ndp_start() - First unsolicited router advertisement
 * @m:		This module
 *
 * The guest may not be there yet: then it goes nowhere, and the guest will
 * solicit one, or get one from the timer.
 *
 * Return: 0
 */
static int ndp_start(struct passt_mod *m)
{
	struct ndp *s = passt_priv(m);

	ndp_ra_unsolicited(m);
	s->initial = 1;
	return 0;
}

/**
 * ndp_on_timer() - Unsolicited router advertisements, when due
 * @m:		This module
 * @now:	Current time
 */
static void ndp_on_timer(struct passt_mod *m, const struct timespec *now)
{
	struct ndp *s = passt_priv(m);

	if (s->initial < NDP_INITIAL_RAS) {
		ndp_ra_unsolicited(m);
		if (++s->initial == NDP_INITIAL_RAS)
			ndp_schedule(s, now);
		return;
	}

	if (now->tv_sec < s->next_ra)
		return;
	ndp_ra_unsolicited(m);
	ndp_schedule(s, now);
}

/**
 * ndp_on_frames() - Answer a batch of router and neighbour solicitations
 * @m:		This module
 * @f:		Frames claimed by this module
 * @n:		Number of frames
 * @now:	Current time (unused: solicitations are answered at once)
 */
static void ndp_on_frames(struct passt_mod *m, const struct passt_frame *f,
			  size_t n, const struct timespec *now)
{
	struct ndp *s = passt_priv(m);
	const struct passt_core_ops *core = s->core;
	const struct passt_netcfg *net = core->net(m);
	size_t i;

	(void)now;

	if (!ndp_ready(m, net)) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "IPv6 disabled or no link-local address: %zu NDP "
			  "frame%s dropped", n, n == 1 ? "" : "s");
		s->drop_not_ready += n;
		return;
	}

	for (i = 0; i < n; i++) {
		struct ndp_msg msg;
		const char *err;

		memset(&msg, 0, sizeof(msg));
		err = ndp_parse(core, &f[i], &msg);
		if (!err && msg.type == NDP_NS) {
			s->ns++;
			err = ndp_on_ns(m, core, net, &msg);
		} else if (!err) {
			s->rs++;
			ndp_on_rs(m, &msg);
		}

		if (err) {
			core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
				  "%s, dropped", err);
			s->drop_invalid++;
		}
	}
}

/**
 * ndp_stats() - Solicitations by type, drops by reason
 * @m:		This module
 * @st:		Counters to fill
 * @n:		Room in @st
 *
 * Advertisements sent, solicited or not, are the frames the core counts
 * towards the guest.
 *
 * Return: number of counters filled
 */
static size_t ndp_stats(struct passt_mod *m, struct passt_stat *st, size_t n)
{
	const struct ndp *s = passt_priv(m);
	const struct passt_stat all[] = {
		{ "router_solicitations",	s->rs },
		{ "neighbour_solicitations",	s->ns },
		{ "drop_invalid",		s->drop_invalid },
		{ "drop_not_ready",		s->drop_not_ready },
	};
	size_t i;

	for (i = 0; i < n && i < sizeof(all) / sizeof(all[0]); i++)
		st[i] = all[i];
	return i;
}

PASST_MODULE(
	.name		= "ndp",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "NDP: neighbour and router advertisements for SLAAC",
	.priv_size	= sizeof(struct ndp),
	.syscalls	= module_syscalls,
	.config_keys	= ndp_keys,
	.claims		= ndp_claims,
	.timer_ms	= NDP_TICK_MS,
	.configure	= ndp_configure,
	.init		= ndp_init,
	.start		= ndp_start,
	.on_frames	= ndp_on_frames,
	.on_timer	= ndp_on_timer,
	.stats		= ndp_stats,
);
