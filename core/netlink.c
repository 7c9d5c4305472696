// SPDX-License-Identifier: GPL-2.0-or-later
/* netlink.c - Queries of the host's routes, addresses and links
 *
 * Theory of Operation
 *
 * At start-up, before the sandbox, the daemon copies the host's view of the
 * network for the guest: the interface of the default route, its gateway,
 * MTU and MAC, the first usable global address on it, and the nameservers
 * and search domains of resolv.conf.
 *
 * Each query opens its own NETLINK_ROUTE socket and closes it before
 * returning, so nothing is left for the sandbox to allow: no function here
 * runs after start-up, and none has a '#syscalls' line.
 *
 * A query is three requests on that socket: a dump of the routes of one
 * family, of which the unicast defaults of the main table are kept and
 * tried from the lowest metric up; a request for the link of each, until
 * one that is not a loopback; a dump of the addresses, filtered here by
 * interface (the kernel only filters with strict checking, not assumed).
 * The kernel's replies are read with their full length known beforehand
 * (MSG_PEEK | MSG_TRUNC), then every message and attribute is checked
 * against what is left of the datagram before it is looked at, and replies
 * that do not carry our sequence number are skipped. A dump that changed
 * while the kernel produced it (NLM_F_DUMP_INTR) is started over, a few
 * times at most.
 *
 * resolv.conf is read line by line into a fixed buffer: a line that does
 * not fit is skipped whole, rather than half-parsed.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "netlink.h"
#include "util.h"

#define NL_BUF_INIT	(32 * 1024)	/* the kernel's usual dump part */
#define NL_BUF_LIMIT	(4 * 1024 * 1024)
#define NL_TIMEOUT_S	2		/* the kernel answers at once */
#define NL_TRIES	3		/* dumps interrupted by changes */
#define NL_ROUTES_MAX	32		/* default routes considered */
#define NL_ADDR_MAX	16		/* bytes of an address, any family */

/* Ranks of addresses, lower is better */
#define NL_RANK_NONE	0		/* not seen yet */
#define NL_RANK_GOOD	1		/* permanent or dynamic */
#define NL_RANK_LESS	2		/* IPv6 temporary, IPv4 secondary */
#define NL_RANK_TENT	3		/* link-local still in DAD */
#define NL_RANK_DEPR	4		/* deprecated: last resort */

/**
 * struct nl_sock - A NETLINK_ROUTE socket and its receive buffer
 * @fd:		Socket
 * @seq:	Sequence number of the last request
 * @buf:	Receive buffer
 * @size:	Its size
 */
struct nl_sock {
	int fd;
	uint32_t seq;
	uint8_t *buf;
	size_t size;
};

/**
 * struct nl_route - A candidate default route
 * @oif:	Output interface
 * @prio:	Metric (RTA_PRIORITY), 0 if absent
 * @gw:		Gateway, zero if none
 */
struct nl_route {
	unsigned int oif;
	uint32_t prio;
	uint8_t gw[NL_ADDR_MAX];
};

/**
 * struct nl_routes - Default routes collected from a dump
 * @family:	AF_INET or AF_INET6
 * @n:		Number of routes
 * @r:		Routes, in dump order
 */
struct nl_routes {
	uint8_t family;
	size_t n;
	struct nl_route r[NL_ROUTES_MAX];
};

/**
 * struct nl_link - What a link request told about one interface
 * @ifindex:	Interface asked for
 * @found:	Reply seen
 * @loopback:	It is a loopback interface
 * @mtu:	MTU, 0 if not given
 * @name:	Name, empty if not given
 * @mac:	MAC address, zero unless an Ethernet one was given
 */
struct nl_link {
	unsigned int ifindex;
	bool found;
	bool loopback;
	unsigned int mtu;
	char name[PASST_IFNAME_MAX];
	uint8_t mac[PASST_ETH_ALEN];
};

/**
 * struct nl_addrs - Best addresses of one interface, from an address dump
 * @family:	AF_INET or AF_INET6
 * @ifindex:	Interface
 * @rank:	Rank of @addr, NL_RANK_NONE if none yet
 * @addr:	Best global address
 * @prefix_len:	Its prefix length
 * @ll_rank:	Rank of @ll, NL_RANK_NONE if none yet
 * @ll:		Best IPv6 link-local address
 */
struct nl_addrs {
	uint8_t family;
	unsigned int ifindex;
	int rank;
	uint8_t addr[NL_ADDR_MAX];
	uint8_t prefix_len;
	int ll_rank;
	uint8_t ll[NL_ADDR_MAX];
};

/**
 * struct nl_defaults - Result of a query, for either family
 * @ifindex:	Interface of the default route
 * @ifname:	Its name
 * @mtu:	Its MTU
 * @mac:	Its MAC address
 * @gw:		Gateway
 * @addr:	Global address
 * @prefix_len:	Its prefix length
 * @ll:		Link-local address (IPv6)
 */
struct nl_defaults {
	unsigned int ifindex;
	char ifname[PASST_IFNAME_MAX];
	unsigned int mtu;
	uint8_t mac[PASST_ETH_ALEN];
	uint8_t gw[NL_ADDR_MAX];
	uint8_t addr[NL_ADDR_MAX];
	uint8_t prefix_len;
	uint8_t ll[NL_ADDR_MAX];
};

/**
 * nl_addr_len() - Bytes of an address of a family
 * @family:	AF_INET or AF_INET6
 *
 * Return: 4 or 16
 */
static size_t nl_addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

/**
 * nl_open() - Open and bind a NETLINK_ROUTE socket
 * @s:		Socket to set up
 *
 * Return: 0, or -errno
 */
static int nl_open(struct nl_sock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };

	s->seq = 0;
	s->size = 0;
	s->buf = NULL;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0)
		return -errno;

	/* A reply that never comes must not hang start-up */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(s->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;

		close(s->fd);
		s->fd = -1;
		return rc;
	}

	s->buf = malloc(NL_BUF_INIT);
	if (!s->buf) {
		close(s->fd);
		s->fd = -1;
		return -ENOMEM;
	}
	s->size = NL_BUF_INIT;
	return 0;
}

/**
 * nl_close() - Close a socket from nl_open() and free its buffer
 * @s:		Socket
 */
static void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->buf);
	s->buf = NULL;
	s->size = 0;
}

/**
 * nl_recv() - Receive one datagram from the kernel, whole
 * @s:		Socket
 *
 * Return: its length, 0 if it was not from the kernel, or -errno
 */
static ssize_t nl_recv(struct nl_sock *s)
{
	struct sockaddr_nl sa;
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;

	/* Learn the length first, so that no part of a dump gets cut */
	do
		n = recv(s->fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;

	if ((size_t)n > s->size) {
		uint8_t *p;

		if ((size_t)n > NL_BUF_LIMIT)
			return -EMSGSIZE;
		p = realloc(s->buf, (size_t)n);
		if (!p)
			return -ENOMEM;
		s->buf = p;
		s->size = (size_t)n;
	}

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = s->buf;
	iov.iov_len = s->size;
	mh.msg_name = &sa;
	mh.msg_namelen = sizeof(sa);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	do
		n = recvmsg(s->fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;

	if (mh.msg_namelen < sizeof(sa) || sa.nl_family != AF_NETLINK ||
	    sa.nl_pid) {
		debug("netlink: datagram not from the kernel, ignored");
		return 0;
	}
	return n;
}

/**
 * nl_body() - Family header and attributes of a message, bounds-checked
 * @nh:		Message, nlmsg_len already checked against the datagram
 * @hlen:	Size of the family header (struct rtmsg, ifinfomsg...)
 * @attrs:	Set to the first attribute
 * @alen:	Set to the bytes of attributes, 0 if none
 *
 * Return: the family header, NULL if the message is too short for it
 */
static const void *nl_body(const struct nlmsghdr *nh, size_t hlen,
			   const uint8_t **attrs, size_t *alen)
{
	const uint8_t *p = (const uint8_t *)nh;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hlen);

	*attrs = NULL;
	*alen = 0;
	if (nh->nlmsg_len < NLMSG_HDRLEN + hlen)
		return NULL;
	if (nh->nlmsg_len > off) {
		*attrs = p + off;
		*alen = nh->nlmsg_len - off;
	}
	return p + NLMSG_HDRLEN;
}

/**
 * nl_attrs() - Index attributes by type, stopping at a malformed one
 * @p:		First attribute, may be NULL if @len is 0
 * @len:	Bytes of attributes
 * @tb:		Table of @max + 1 entries, set to the first attribute of
 *		each type, NULL where absent
 * @max:	Highest type indexed, others are skipped
 */
static void nl_attrs(const uint8_t *p, size_t len, const struct rtattr **tb,
		     size_t max)
{
	memset(tb, 0, (max + 1) * sizeof(*tb)); /* NOLINT(bugprone-sizeof-expression): an array of pointers */

	while (len >= sizeof(struct rtattr)) {
		const struct rtattr *rta = (const struct rtattr *)p;
		size_t l = rta->rta_len;
		size_t type = rta->rta_type & NLA_TYPE_MASK;

		if (l < sizeof(*rta) || l > len) {
			debug("netlink: attribute length %zu of %zu, ignored",
			      l, len);
			return;
		}
		if (type <= max && !tb[type])
			tb[type] = rta;

		l = RTA_ALIGN(l);
		if (l >= len)
			return;
		p += l;
		len -= l;
	}
}

/**
 * nl_attr_data() - Payload of an attribute
 * @rta:	Attribute, length already checked by nl_attrs()
 *
 * Return: pointer to its payload
 */
static const uint8_t *nl_attr_data(const struct rtattr *rta)
{
	return (const uint8_t *)rta + RTA_LENGTH(0);
}

/**
 * nl_attr_len() - Payload length of an attribute
 * @rta:	Attribute, length already checked by nl_attrs()
 *
 * Return: bytes of payload
 */
static size_t nl_attr_len(const struct rtattr *rta)
{
	return rta->rta_len - RTA_LENGTH(0);
}

/**
 * nl_attr_u32() - Read a 32-bit attribute
 * @rta:	Attribute, may be NULL
 * @v:		Set to its value if it has one
 *
 * Return: true if @v was set
 */
static bool nl_attr_u32(const struct rtattr *rta, uint32_t *v)
{
	if (!rta || nl_attr_len(rta) < sizeof(*v))
		return false;
	memcpy(v, nl_attr_data(rta), sizeof(*v));
	return true;
}

/**
 * nl_do() - Send a request, pass each reply to a callback until the end
 * @s:		Socket
 * @type:	Request type (RTM_GETROUTE, ...)
 * @dump:	Ask for a dump (ended by NLMSG_DONE), else for one object
 *		(ended by the acknowledgement we ask for)
 * @body:	Family header of the request
 * @blen:	Its size
 * @cb:		Called for each reply other than NOOP, DONE and ERROR;
 *		returns 0 or -errno, which stops further calls
 * @arg:	Passed to @cb
 *
 * Return: 0, -EINTR if the dump was interrupted by a change (try again),
 *	   the first error of @cb, or -errno from the kernel or the socket
 */
static int nl_do(struct nl_sock *s, uint16_t type, bool dump,
		 const void *body, size_t blen,
		 int (*cb)(const struct nlmsghdr *nh, void *arg), void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr nh;
		union {
			struct rtmsg rtm;
			struct ifinfomsg ifi;
			struct ifaddrmsg ifa;
		} u;
	} req;
	bool intr = false;
	uint32_t seq;
	ssize_t n;
	int ret = 0;

	ASSERT(blen <= sizeof(req.u));
	memset(&req, 0, sizeof(req));
	seq = ++s->seq;
	req.nh.nlmsg_len = NLMSG_LENGTH(blen);
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	req.nh.nlmsg_seq = seq;
	memcpy(&req.u, body, blen);

	do
		n = sendto(s->fd, &req, req.nh.nlmsg_len, 0,
			   (struct sockaddr *)&sa, sizeof(sa));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != req.nh.nlmsg_len)
		return -EIO;

	for (;;) {
		const uint8_t *p;
		size_t left;

		/* nl_recv() may grow (move) the buffer: point into it after */
		n = nl_recv(s);
		if (n < 0)
			return (int)n;
		p = s->buf;
		left = p ? (size_t)n : 0;

		while (left >= sizeof(struct nlmsghdr)) {
			const struct nlmsghdr *nh;
			size_t len;
			int32_t e;

			nh = (const struct nlmsghdr *)p;
			/* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign): recvmsg() filled it */
			len = nh->nlmsg_len;
			if (len < sizeof(*nh) || len > left) {
				debug("netlink: message length %zu of %zu",
				      len, left);
				return -EBADMSG;
			}

			if (nh->nlmsg_seq != seq) {
				trace("netlink: sequence %u, expected %u",
				      nh->nlmsg_seq, seq);
				goto next;
			}
			if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;

			switch (nh->nlmsg_type) {
			case NLMSG_NOOP:
				break;
			case NLMSG_DONE:
				if (ret)
					return ret;
				return intr ? -EINTR : 0;
			case NLMSG_ERROR:
				if (len < NLMSG_LENGTH(sizeof(e)))
					return -EBADMSG;
				memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
				if (e > 0 || e < -4095)
					return -EBADMSG;
				if (e)
					return e;
				/* the acknowledgement: request done */
				if (ret)
					return ret;
				return intr ? -EINTR : 0;
			case NLMSG_OVERRUN:
				return -ENOBUFS;
			default:
				/* keep reading on errors: a dump left half
				 * read would refuse the next one (-EBUSY)
				 */
				if (!ret)
					ret = cb(nh, arg);
				break;
			}
next:
			len = NLMSG_ALIGN(len);
			if (len >= left)
				break;
			p += len;
			left -= len;
		}
	}
}

/**
 * nl_route_gw() - Gateway of a route or nexthop, if of the same family
 * @family:	Family of the route
 * @gw:		RTA_GATEWAY attribute, may be NULL
 * @via:	RTA_VIA attribute, may be NULL
 * @out:	Set to the gateway if there is one (nl_addr_len() bytes)
 */
static void nl_route_gw(uint8_t family, const struct rtattr *gw,
			const struct rtattr *via, uint8_t *out)
{
	size_t alen = nl_addr_len(family);
	sa_family_t vf;

	if (gw && nl_attr_len(gw) == alen) {
		memcpy(out, nl_attr_data(gw), alen);
		return;
	}

	/* A gateway of the other family can't be expressed: keep none */
	if (!via || nl_attr_len(via) < sizeof(vf) + alen)
		return;
	memcpy(&vf, nl_attr_data(via), sizeof(vf));
	if (vf == family)
		memcpy(out, nl_attr_data(via) + sizeof(vf), alen);
}

/**
 * nl_route_nexthop() - Use the first live nexthop of a multipath route
 * @family:	Family of the route
 * @mp:		RTA_MULTIPATH attribute
 * @r:		Route: output interface and gateway set from the nexthop
 */
static void nl_route_nexthop(uint8_t family, const struct rtattr *mp,
			     struct nl_route *r)
{
	const uint8_t *p = nl_attr_data(mp);
	size_t left = nl_attr_len(mp);

	while (left >= sizeof(struct rtnexthop)) {
		const struct rtattr *tb[RTA_MAX + 1];
		struct rtnexthop nh;
		size_t len;

		memcpy(&nh, p, sizeof(nh));
		len = nh.rtnh_len;
		if (len < sizeof(nh) || len > left)
			return;

		if (nh.rtnh_ifindex > 0 && !(nh.rtnh_flags & RTNH_F_DEAD)) {
			size_t hl = RTNH_ALIGN(sizeof(nh));

			nl_attrs(len > hl ? p + hl : NULL,
				 len > hl ? len - hl : 0, tb, RTA_MAX);
			r->oif = (unsigned int)nh.rtnh_ifindex;
			memset(r->gw, 0, sizeof(r->gw));
			nl_route_gw(family, tb[RTA_GATEWAY], tb[RTA_VIA],
				    r->gw);
			return;
		}

		len = RTNH_ALIGN(len);
		if (len >= left)
			return;
		p += len;
		left -= len;
	}
}

/**
 * nl_route_cb() - Keep a route from a dump if it is a usable default
 * @nh:		Message
 * @arg:	struct nl_routes
 *
 * Return: 0
 */
static int nl_route_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct rtattr *tb[RTA_MAX + 1];
	struct nl_routes *rs = arg;
	const struct rtmsg *rtm;
	struct nl_route r;
	const uint8_t *a;
	uint32_t table;
	size_t alen;

	if (nh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	rtm = nl_body(nh, sizeof(*rtm), &a, &alen);
	if (!rtm) {
		debug("netlink: short route message, ignored");
		return 0;
	}

	/* Unreachable, blackhole, prohibit defaults carry no traffic, and a
	 * source-specific default is not the host's default
	 */
	if (rtm->rtm_family != rs->family || rtm->rtm_dst_len ||
	    rtm->rtm_src_len || rtm->rtm_type != RTN_UNICAST ||
	    (rtm->rtm_flags & (RTM_F_CLONED | RTNH_F_DEAD)))
		return 0;

	nl_attrs(a, alen, tb, RTA_MAX);
	table = rtm->rtm_table;
	nl_attr_u32(tb[RTA_TABLE], &table);	/* tables above 255 */
	if (table != RT_TABLE_MAIN)
		return 0;

	memset(&r, 0, sizeof(r));
	nl_attr_u32(tb[RTA_PRIORITY], &r.prio);
	nl_attr_u32(tb[RTA_OIF], &r.oif);
	nl_route_gw(rs->family, tb[RTA_GATEWAY], tb[RTA_VIA], r.gw);
	if (tb[RTA_MULTIPATH])
		nl_route_nexthop(rs->family, tb[RTA_MULTIPATH], &r);

	if (!r.oif) {
		/* nexthop objects without compatibility mode, for example */
		debug("netlink: default route without interface, ignored");
		return 0;
	}
	if (rs->n >= ARRAY_SIZE(rs->r)) {
		debug("netlink: more than %zu default routes, rest ignored",
		      ARRAY_SIZE(rs->r));
		return 0;
	}
	rs->r[rs->n++] = r;
	return 0;
}

/**
 * nl_route_sort() - Sort default routes by metric, keeping dump order
 * @rs:		Routes
 */
static void nl_route_sort(struct nl_routes *rs)
{
	size_t i, j;

	for (i = 1; i < rs->n; i++) {
		struct nl_route r = rs->r[i];

		for (j = i; j > 0 && rs->r[j - 1].prio > r.prio; j--)
			rs->r[j] = rs->r[j - 1];
		rs->r[j] = r;
	}
}

/**
 * nl_link_cb() - Read name, MTU, MAC and type of the interface asked for
 * @nh:		Message
 * @arg:	struct nl_link
 *
 * Return: 0
 */
static int nl_link_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct rtattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	struct nl_link *l = arg;
	const uint8_t *a;
	size_t alen;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	ifi = nl_body(nh, sizeof(*ifi), &a, &alen);
	if (!ifi || ifi->ifi_index <= 0 ||
	    (unsigned int)ifi->ifi_index != l->ifindex)
		return 0;

	nl_attrs(a, alen, tb, IFLA_MAX);
	l->found = true;
	l->loopback = (ifi->ifi_flags & IFF_LOOPBACK) ||
		      ifi->ifi_type == ARPHRD_LOOPBACK;
	nl_attr_u32(tb[IFLA_MTU], &l->mtu);

	if (tb[IFLA_IFNAME]) {
		const char *name = (const char *)nl_attr_data(tb[IFLA_IFNAME]);
		size_t len = strnlen(name, nl_attr_len(tb[IFLA_IFNAME]));

		if (len < sizeof(l->name)) {
			memcpy(l->name, name, len);
			l->name[len] = '\0';
		}
	}

	/* Not every link has an Ethernet address: leave others zero */
	if (tb[IFLA_ADDRESS] && nl_attr_len(tb[IFLA_ADDRESS]) == PASST_ETH_ALEN)
		memcpy(l->mac, nl_attr_data(tb[IFLA_ADDRESS]), PASST_ETH_ALEN);

	return 0;
}

/**
 * nl_addr_rank() - How good an address is to hand out, from its flags
 * @family:	AF_INET or AF_INET6
 * @flags:	IFA_F_* flags
 * @ll:		It is a link-local address
 *
 * Return: NL_RANK_* value, NL_RANK_NONE if it is unusable
 */
static int nl_addr_rank(uint8_t family, uint32_t flags, bool ll)
{
	if (flags & IFA_F_DADFAILED)
		return NL_RANK_NONE;
	if (flags & IFA_F_TENTATIVE)	/* not ours yet, maybe never */
		return ll ? NL_RANK_TENT : NL_RANK_NONE;
	if (flags & IFA_F_DEPRECATED)
		return NL_RANK_DEPR;
	/* One bit, two meanings: IFA_F_TEMPORARY is IFA_F_SECONDARY */
	if (family == AF_INET6 && (flags & IFA_F_TEMPORARY))
		return NL_RANK_LESS;
	if (family == AF_INET && (flags & IFA_F_SECONDARY))
		return NL_RANK_LESS;
	return NL_RANK_GOOD;
}

/**
 * nl_addr_cb() - Keep an address from a dump if it beats the best so far
 * @nh:		Message
 * @arg:	struct nl_addrs
 *
 * Return: 0
 */
static int nl_addr_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct rtattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa;
	struct nl_addrs *as = arg;
	const struct rtattr *ra;
	size_t alen, size;
	const uint8_t *a;
	uint32_t flags;
	int rank;

	if (nh->nlmsg_type != RTM_NEWADDR)
		return 0;
	ifa = nl_body(nh, sizeof(*ifa), &a, &alen);
	if (!ifa || ifa->ifa_family != as->family ||
	    ifa->ifa_index != as->ifindex)
		return 0;

	nl_attrs(a, alen, tb, IFA_MAX);
	flags = ifa->ifa_flags;
	nl_attr_u32(tb[IFA_FLAGS], &flags);	/* the full set of flags */

	/* IFA_ADDRESS is the peer's on point-to-point links, IFA_LOCAL ours */
	ra = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	size = nl_addr_len(as->family);
	if (!ra || nl_attr_len(ra) != size)
		return 0;

	if (ifa->ifa_scope == RT_SCOPE_UNIVERSE) {
		rank = nl_addr_rank(as->family, flags, false);
		if (rank == NL_RANK_NONE || ifa->ifa_prefixlen > size * 8)
			return 0;
		if (as->rank == NL_RANK_NONE || rank < as->rank) {
			as->rank = rank;
			memcpy(as->addr, nl_attr_data(ra), size);
			as->prefix_len = ifa->ifa_prefixlen;
		}
	} else if (as->family == AF_INET6 &&
		   ifa->ifa_scope == RT_SCOPE_LINK) {
		struct in6_addr ll;

		memcpy(&ll, nl_attr_data(ra), sizeof(ll));
		rank = nl_addr_rank(as->family, flags, true);
		if (rank == NL_RANK_NONE || !IN6_IS_ADDR_LINKLOCAL(&ll))
			return 0;
		if (as->ll_rank == NL_RANK_NONE || rank < as->ll_rank) {
			as->ll_rank = rank;
			memcpy(as->ll, &ll, sizeof(ll));
		}
	}
	return 0;
}

/**
 * nl_host_link() - Pick the first default route on a non-loopback link
 * @s:		Socket
 * @rs:		Default routes, sorted by metric
 * @d:		Interface and gateway filled in
 *
 * Return: 0, -ENOENT if no route qualifies, or -errno
 */
static int nl_host_link(struct nl_sock *s, const struct nl_routes *rs,
			struct nl_defaults *d)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		struct nl_link l = { .ifindex = rs->r[i].oif };
		struct ifinfomsg ifi = {
			.ifi_family = AF_UNSPEC,
			.ifi_index = (int)rs->r[i].oif,
		};
		int rc;

		rc = nl_do(s, RTM_GETLINK, false, &ifi, sizeof(ifi),
			   nl_link_cb, &l);
		if (rc == -ENODEV)	/* gone since the route dump */
			continue;
		if (rc)
			return rc;
		if (!l.found)
			continue;
		if (l.loopback) {
			debug("netlink: default route on loopback, ignored");
			continue;
		}

		if (!l.name[0] && !if_indextoname(l.ifindex, l.name))
			continue;
		d->ifindex = l.ifindex;
		memcpy(d->ifname, l.name, sizeof(d->ifname));
		d->mtu = l.mtu;
		memcpy(d->mac, l.mac, sizeof(d->mac));
		memcpy(d->gw, rs->r[i].gw, sizeof(d->gw));
		return 0;
	}
	return -ENOENT;
}

/**
 * nl_host_try() - Query the defaults of one family, once
 * @family:	AF_INET or AF_INET6
 * @d:		Filled in on success, zeroed otherwise
 *
 * Return: 0, -ENOENT without a default route, -EINTR if a dump was
 *	   interrupted, or -errno
 */
static int nl_host_try(uint8_t family, struct nl_defaults *d)
{
	struct rtmsg rtm = { .rtm_family = family };
	struct nl_routes rs = { .family = family };
	struct nl_addrs as = { .family = family };
	struct ifaddrmsg ifa = { .ifa_family = family };
	struct nl_sock s;
	int rc;

	memset(d, 0, sizeof(*d));
	rc = nl_open(&s);
	if (rc)
		return rc;

	rc = nl_do(&s, RTM_GETROUTE, true, &rtm, sizeof(rtm),
		   nl_route_cb, &rs);
	if (rc)
		goto out;
	nl_route_sort(&rs);

	rc = nl_host_link(&s, &rs, d);
	if (rc)
		goto out;

	as.ifindex = d->ifindex;
	ifa.ifa_index = d->ifindex;
	rc = nl_do(&s, RTM_GETADDR, true, &ifa, sizeof(ifa), nl_addr_cb, &as);
	if (rc)
		goto out;

	if (as.rank == NL_RANK_NONE)
		debug("netlink: no global address on %s", d->ifname);
	memcpy(d->addr, as.addr, sizeof(d->addr));
	d->prefix_len = as.prefix_len;
	memcpy(d->ll, as.ll, sizeof(d->ll));

out:
	nl_close(&s);
	if (rc)
		memset(d, 0, sizeof(*d));
	return rc;
}

/**
 * nl_host_query() - Query the defaults of one family
 * @family:	AF_INET or AF_INET6
 * @d:		Filled in on success, zeroed otherwise
 *
 * Return: 0, -ENOENT without a default route, or -errno
 */
static int nl_host_query(uint8_t family, struct nl_defaults *d)
{
	int i, rc = -EINTR;

	/* Routes or addresses changing under the dump: read them again */
	for (i = 0; i < NL_TRIES && rc == -EINTR; i++)
		rc = nl_host_try(family, d);

	return rc == -EINTR ? -EAGAIN : rc;
}

/**
 * nl_host_defaults_v4() - IPv4 default route, interface and address
 * @d:		Filled in, zeroed first
 *
 * Return: 0 if a default route was found, -ENOENT if there is none, or
 *	   -errno on other failures
 */
int nl_host_defaults_v4(struct nl_host_v4 *d)
{
	struct nl_defaults h;
	int rc;

	memset(d, 0, sizeof(*d));
	rc = nl_host_query(AF_INET, &h);
	if (rc)
		return rc;

	d->found = true;
	d->ifindex = h.ifindex;
	memcpy(d->ifname, h.ifname, sizeof(d->ifname));
	d->mtu = h.mtu;
	memcpy(d->mac, h.mac, sizeof(d->mac));
	memcpy(&d->gw, h.gw, sizeof(d->gw));
	memcpy(&d->addr, h.addr, sizeof(d->addr));
	d->prefix_len = h.prefix_len;
	return 0;
}

/**
 * nl_host_defaults_v6() - IPv6 default route, interface and addresses
 * @d:		Filled in, zeroed first
 *
 * Return: 0 if a default route was found, -ENOENT if there is none, or
 *	   -errno on other failures
 */
int nl_host_defaults_v6(struct nl_host_v6 *d)
{
	struct nl_defaults h;
	int rc;

	memset(d, 0, sizeof(*d));
	rc = nl_host_query(AF_INET6, &h);
	if (rc)
		return rc;

	d->found = true;
	d->ifindex = h.ifindex;
	memcpy(d->ifname, h.ifname, sizeof(d->ifname));
	d->mtu = h.mtu;
	memcpy(d->mac, h.mac, sizeof(d->mac));
	memcpy(&d->gw, h.gw, sizeof(d->gw));
	memcpy(&d->addr, h.addr, sizeof(d->addr));
	d->prefix_len = h.prefix_len;
	memcpy(&d->addr_ll, h.ll, sizeof(d->addr_ll));
	return 0;
}

#define RESOLV_CONF_LINE_MAX	4096	/* a full search line fits */
#define RESOLV_CONF_SEP		" \t\r\v\f"

/**
 * struct resolv_conf_state - What parsing remembers between lines
 * @path:	File, for messages
 * @line:	Current line number
 * @have_search: A search line was seen: domain lines don't count
 * @have_domain: A valid domain line was seen
 * @domain:	Its domain
 */
struct resolv_conf_state {
	const char *path;
	unsigned int line;
	bool have_search;
	bool have_domain;
	char domain[PASST_DOMAIN_MAX];
};

/**
 * resolv_conf_domain_ok() - Check a domain name's length and characters
 * @d:		Domain name
 *
 * Return: true for 1 to PASST_DOMAIN_MAX - 1 characters making labels of
 *	   1 to 63 of [A-Za-z0-9_-], a final dot allowed
 */
static bool resolv_conf_domain_ok(const char *d)
{
	size_t len = strlen(d), label = 0, i;

	if (!len || len > PASST_DOMAIN_MAX - 1)
		return false;

	for (i = 0; i < len; i++) {
		char c = d[i];

		if (c == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

/**
 * resolv_conf_nameserver() - Add the address of a nameserver line
 * @st:		Parsing state
 * @tok:	Address, modified
 * @rc:		Nameservers added to
 */
static void resolv_conf_nameserver(const struct resolv_conf_state *st,
				   char *tok, struct resolv_conf *rc)
{
	struct in6_addr a6;
	struct in_addr a4;

	tok[strcspn(tok, "#;")] = '\0';
	if (inet_pton(AF_INET, tok, &a4) == 1) {
		if (rc->n4 < ARRAY_SIZE(rc->ns4))
			rc->ns4[rc->n4++] = a4;
		else
			debug("%s:%u: more than %zu IPv4 nameservers, ignored",
			      st->path, st->line, ARRAY_SIZE(rc->ns4));
		return;
	}

	/* The scope of a link-local server is the host's business */
	tok[strcspn(tok, "%")] = '\0';
	if (inet_pton(AF_INET6, tok, &a6) == 1) {
		if (rc->n6 < ARRAY_SIZE(rc->ns6))
			rc->ns6[rc->n6++] = a6;
		else
			debug("%s:%u: more than %zu IPv6 nameservers, ignored",
			      st->path, st->line, ARRAY_SIZE(rc->ns6));
		return;
	}

	debug("%s:%u: nameserver '%s' is not an address, ignored",
	      st->path, st->line, tok);
}

/**
 * resolv_conf_line() - Parse one line
 * @st:		Parsing state
 * @line:	Line without its newline, modified
 * @rc:		Filled in
 */
static void resolv_conf_line(struct resolv_conf_state *st, char *line,
			     struct resolv_conf *rc)
{
	char *save = NULL, *kw, *tok;

	kw = strtok_r(line, RESOLV_CONF_SEP, &save);
	if (!kw || kw[0] == '#' || kw[0] == ';')
		return;

	if (!strcmp(kw, "nameserver")) {
		tok = strtok_r(NULL, RESOLV_CONF_SEP, &save);
		if (tok)
			resolv_conf_nameserver(st, tok, rc);
		return;
	}

	if (!strcmp(kw, "domain")) {
		tok = strtok_r(NULL, RESOLV_CONF_SEP, &save);
		st->have_domain = tok && resolv_conf_domain_ok(tok);
		if (st->have_domain)
			strcpy(st->domain, tok);	/* length checked */
		else
			debug("%s:%u: bad domain, ignored", st->path, st->line);
		return;
	}

	if (strcmp(kw, "search"))
		return;

	/* The last search line replaces what earlier ones said */
	st->have_search = true;
	rc->n_search = 0;
	memset(rc->search, 0, sizeof(rc->search));
	while ((tok = strtok_r(NULL, RESOLV_CONF_SEP, &save))) {
		if (tok[0] == '#' || tok[0] == ';')
			break;
		if (!resolv_conf_domain_ok(tok)) {
			debug("%s:%u: bad search domain, ignored",
			      st->path, st->line);
			continue;
		}
		if (rc->n_search >= ARRAY_SIZE(rc->search)) {
			debug("%s:%u: more than %zu search domains, ignored",
			      st->path, st->line, ARRAY_SIZE(rc->search));
			break;
		}
		strcpy(rc->search[rc->n_search++], tok);  /* length checked */
	}
}

/**
 * resolv_conf_read() - Read nameservers and search domains of a resolv.conf
 * @path:	File to read
 * @rc:		Filled in, zeroed first
 *
 * Return: 0, or -errno if the file can't be opened or read
 */
int resolv_conf_read(const char *path, struct resolv_conf *rc)
{
	struct resolv_conf_state st = { .path = path };
	char buf[RESOLV_CONF_LINE_MAX];
	int c = 0, ret = 0;
	FILE *f;

	memset(rc, 0, sizeof(*rc));
	f = fopen(path, "re");
	if (!f)
		return -errno;

	errno = 0;
	while (c != EOF) {
		bool overlong = false;
		size_t n = 0;

		while ((c = getc(f)) != EOF && c != '\n') {
			if (n < sizeof(buf) - 1)
				buf[n++] = (char)c;
			else
				overlong = true;
		}
		if (c == EOF && ferror(f)) {
			ret = errno ? -errno : -EIO;
			break;
		}
		if (c == EOF && !n)
			break;

		buf[n] = '\0';
		st.line++;
		if (overlong) {
			debug("%s:%u: line longer than %zu bytes, ignored",
			      path, st.line, sizeof(buf) - 1);
			continue;
		}
		resolv_conf_line(&st, buf, rc);
	}
	fclose(f);

	if (ret) {
		memset(rc, 0, sizeof(*rc));
		return ret;
	}

	if (!st.have_search && st.have_domain) {
		strcpy(rc->search[0], st.domain);
		rc->n_search = 1;
	}
	return 0;
}
