// SPDX-License-Identifier: GPL-2.0-or-later
/* tap_netlink.c - Link, addresses and routes of the tap, set over netlink
 *
 * Runs in the namespace helper only (tap_ns.c), inside the target network
 * namespace and before the sandbox, so nothing here needs a '#syscalls'
 * line. Each request goes out with NLM_F_ACK on a NETLINK_ROUTE socket
 * opened for the occasion and waits (two seconds at most) for the kernel's
 * answer to that sequence number; the answer is checked against what is
 * left of the datagram before it is looked at. With extended acks the
 * kernel's own words ("Nexthop has invalid gateway") join the log line.
 *
 * What is set, like 'pasta --config-net' does:
 * - always: the tap is brought up with the configured MTU (and MAC, if
 *   tap.mac is set), so that a DHCP client can run on it;
 * - with config_net (and for a command's namespace): loopback up, the
 *   guest's IPv4 and IPv6 addresses with their prefix lengths (IPv6 with
 *   no duplicate address detection: the address is the guest's alone on
 *   this link, and usable at once), and default routes through the
 *   gateways; a gateway outside the prefix is marked on-link (RTNH_F_ONLINK)
 *   as DHCP's classless routes would make it.
 * Existing addresses and default routes are replaced, so attaching again
 * to a namespace configured before works.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "tap.h"

#define TAP_NL_REQ	512		/* one request: header, body, attrs */
#define TAP_NL_BUF	8192		/* one answer */
#define TAP_NL_TIMEOUT	2		/* s: the kernel answers at once */
#define TAP_NL_EXT_MAX	128		/* bytes of the kernel's message */

/**
 * struct tap_nl - A NETLINK_ROUTE socket and its last sequence number
 * @fd:		Socket
 * @seq:	Sequence number of the last request
 */
struct tap_nl {
	int fd;
	uint32_t seq;
};

/**
 * union tap_nl_req - A request under construction, aligned for its header
 * @nh:		Netlink header
 * @buf:	Room for header, body and attributes
 */
union tap_nl_req {
	struct nlmsghdr nh;
	uint8_t buf[TAP_NL_REQ];
};

/**
 * tap_netlink_start() - Start a request with its fixed body
 * @req:	Request
 * @type:	RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE
 * @flags:	NLM_F_* besides NLM_F_REQUEST and NLM_F_ACK
 * @body:	Family-specific header (ifinfomsg, ifaddrmsg, rtmsg)
 * @len:	Its length
 */
static void tap_netlink_start(union tap_nl_req *req, uint16_t type,
			      uint16_t flags, const void *body, size_t len)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	req->nh.nlmsg_type = type;
	req->nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	memcpy(NLMSG_DATA(&req->nh), body, len);
}

/**
 * tap_netlink_attr() - Append an attribute to a request
 * @req:	Request
 * @type:	Attribute type
 * @data:	Payload
 * @len:	Its length
 *
 * Return: 0, or -ENOBUFS if it doesn't fit (requests here are small: a bug)
 */
static int tap_netlink_attr(union tap_nl_req *req, uint16_t type,
			    const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(req->nh.nlmsg_len);
	struct rtattr *rta;

	if (off + RTA_SPACE(len) > sizeof(req->buf))
		return -ENOBUFS;
	rta = (struct rtattr *)(void *)(req->buf + off);
	rta->rta_type = type;
	rta->rta_len = (uint16_t)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	req->nh.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return 0;
}

/**
 * tap_netlink_ext() - The kernel's message in an extended ack, if any
 * @nh:		NLMSG_ERROR message, its full length checked by the caller
 * @ext:	Set to the message, or to "" if there is none
 * @size:	Size of @ext
 */
static void tap_netlink_ext(const struct nlmsghdr *nh, char *ext, size_t size)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	const uint8_t *p = (const uint8_t *)nh;
	size_t off, end = nh->nlmsg_len;

	ext[0] = '\0';
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;

	/* The request is echoed whole unless capped to its header */
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	}

	while (off + sizeof(struct nlattr) <= end) {
		const struct nlattr *a = (const void *)(p + off);
		size_t alen = a->nla_len;

		if (alen < NLA_HDRLEN || alen > end - off)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG &&
		    alen > NLA_HDRLEN) {
			snprintf(ext, size, "%.*s", (int)(alen - NLA_HDRLEN),
				 (const char *)(p + off + NLA_HDRLEN));
			return;
		}
		off += NLA_ALIGN(alen);
	}
}

/**
 * tap_netlink_do() - Send a request, wait for its acknowledgement
 * @nl:		Socket
 * @req:	Request, complete
 * @ext:	Set to the kernel's message on failure, if it gave one
 * @size:	Size of @ext
 *
 * Return: 0, or -errno: the kernel's answer, or why none came
 */
static int tap_netlink_do(struct tap_nl *nl, union tap_nl_req *req,
			  char *ext, size_t size)
{
	union {
		struct nlmsghdr nh;
		uint8_t buf[TAP_NL_BUF];
	} ans;

	ext[0] = '\0';
	req->nh.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, req, req->nh.nlmsg_len, 0) < 0)
		return -errno;

	for (;;) {
		ssize_t n = recv(nl->fd, &ans, sizeof(ans), 0);
		size_t off = 0, len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}

		len = (size_t)n;
		while (off < len && len - off >= sizeof(struct nlmsghdr)) {
			const struct nlmsghdr *nh = (const void *)(ans.buf +
								     off);
			const struct nlmsgerr *e;

			if (nh->nlmsg_len < sizeof(*nh) ||
			    nh->nlmsg_len > len - off)
				break;
			off += NLMSG_ALIGN(nh->nlmsg_len);
			if (nh->nlmsg_seq != nl->seq ||
			    nh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			e = NLMSG_DATA(nh);
			if (e->error)
				tap_netlink_ext(nh, ext, size);
			return e->error > 0 ? -EBADMSG : e->error;
		}
	}
}

/**
 * tap_netlink_link() - Bring a link up, optionally setting MTU and MAC
 * @nl:		Socket
 * @ifindex:	Interface
 * @mtu:	MTU, 0 to keep it
 * @mac:	MAC address, NULL to keep it
 * @ext:	Set to the kernel's message on failure
 * @size:	Size of @ext
 *
 * Return: 0, or -errno
 */
static int tap_netlink_link(struct tap_nl *nl, unsigned int ifindex,
			    uint32_t mtu, const uint8_t *mac, char *ext,
			    size_t size)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = (int)ifindex,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	union tap_nl_req req;
	int rc = 0;

	tap_netlink_start(&req, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (mtu)
		rc = tap_netlink_attr(&req, IFLA_MTU, &mtu, sizeof(mtu));
	if (!rc && mac)
		rc = tap_netlink_attr(&req, IFLA_ADDRESS, mac,
				      PASST_ETH_ALEN);
	return rc ? rc : tap_netlink_do(nl, &req, ext, size);
}

/**
 * tap_netlink_addr() - Assign (or replace) an address with its prefix
 * @nl:		Socket
 * @ifindex:	Interface
 * @af:		AF_INET or AF_INET6
 * @addr:	Address: struct in_addr or struct in6_addr
 * @prefix_len:	Prefix length
 * @ext:	Set to the kernel's message on failure
 * @size:	Size of @ext
 *
 * Return: 0, or -errno
 */
static int tap_netlink_addr(struct tap_nl *nl, unsigned int ifindex, int af,
			    const void *addr, uint8_t prefix_len, char *ext,
			    size_t size)
{
	size_t alen = af == AF_INET ? 4 : 16;
	struct ifaddrmsg ifa = {
		.ifa_family = (uint8_t)af,
		.ifa_prefixlen = prefix_len,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = ifindex,
	};
	uint32_t flags = IFA_F_NODAD;
	union tap_nl_req req;
	int rc;

	if (af == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	tap_netlink_start(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE,
			  &ifa, sizeof(ifa));
	rc = tap_netlink_attr(&req, IFA_LOCAL, addr, alen);
	if (!rc)
		rc = tap_netlink_attr(&req, IFA_ADDRESS, addr, alen);
	if (!rc && af == AF_INET6)
		rc = tap_netlink_attr(&req, IFA_FLAGS, &flags, sizeof(flags));
	return rc ? rc : tap_netlink_do(nl, &req, ext, size);
}

/**
 * tap_netlink_default() - Set the default route through a gateway
 * @nl:		Socket
 * @ifindex:	Interface
 * @af:		AF_INET or AF_INET6
 * @gw:		Gateway: struct in_addr or struct in6_addr
 * @onlink:	The gateway is outside every prefix of the link
 * @ext:	Set to the kernel's message on failure
 * @size:	Size of @ext
 *
 * Return: 0, or -errno
 */
static int tap_netlink_default(struct tap_nl *nl, unsigned int ifindex,
			       int af, const void *gw, bool onlink, char *ext,
			       size_t size)
{
	struct rtmsg rtm = {
		.rtm_family = (uint8_t)af,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_BOOT,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
		.rtm_flags = onlink ? RTNH_F_ONLINK : 0,
	};
	uint32_t oif = ifindex;
	union tap_nl_req req;
	int rc;

	tap_netlink_start(&req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
			  &rtm, sizeof(rtm));
	rc = tap_netlink_attr(&req, RTA_GATEWAY, gw, af == AF_INET ? 4 : 16);
	if (!rc)
		rc = tap_netlink_attr(&req, RTA_OIF, &oif, sizeof(oif));
	return rc ? rc : tap_netlink_do(nl, &req, ext, size);
}

/**
 * tap_netlink_prefix_has() - Whether an address lies in a prefix
 * @a:		Address bytes, network order
 * @p:		Prefix address bytes
 * @len:	Prefix length in bits
 *
 * Return: true if the first @len bits are equal
 */
static bool tap_netlink_prefix_has(const uint8_t *a, const uint8_t *p,
				   unsigned int len)
{
	unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(a, p, bytes))
		return false;
	if (!bits)
		return true;
	return !((a[bytes] ^ p[bytes]) & (0xff << (8 - bits)));
}

/**
 * tap_netlink_fail() - Record a failed step in the job
 * @job:	Job
 * @rc:		-errno
 * @ext:	Kernel's message, or ""
 * @fmt:	What was being done, printf format, then its arguments
 *
 * Return: @rc
 */
__attribute__((format(printf, 4, 5)))
static int tap_netlink_fail(struct tap_ns_job *job, int rc, const char *ext,
			    const char *fmt, ...)
{
	char step[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(step, sizeof(step), fmt, ap);
	va_end(ap);

	job->err = rc;
	snprintf(job->what, sizeof(job->what), "%.16s in %.64s: %s: %s%s%s%s",
		 job->name, job->label, step, strerror(-rc),
		 *ext ? " (" : "", ext, *ext ? ")" : "");
	return rc;
}

/**
 * tap_netlink_config() - Addresses and default routes of the guest
 * @nl:		Socket
 * @job:	Job
 * @ext:	Buffer for the kernel's messages
 * @size:	Its size
 *
 * Return: 0, or -errno after recording the failed step
 */
static int tap_netlink_config(struct tap_nl *nl, struct tap_ns_job *job,
			      char *ext, size_t size)
{
	const struct passt_netcfg *net = job->net;
	char a[INET6_ADDRSTRLEN];
	unsigned int lo;
	bool onlink;
	int rc;

	lo = if_nametoindex("lo");
	if (lo && (rc = tap_netlink_link(nl, lo, 0, NULL, ext, size)))
		return tap_netlink_fail(job, rc, ext, "bringing up lo");

	if (net->ip4.enable) {
		inet_ntop(AF_INET, &net->ip4.addr, a, sizeof(a));
		rc = tap_netlink_addr(nl, job->ifindex, AF_INET,
				      &net->ip4.addr, net->ip4.prefix_len,
				      ext, size);
		if (rc)
			return tap_netlink_fail(job, rc, ext, "adding address"
						" %s/%u", a,
						net->ip4.prefix_len);
	}
	if (net->ip4.enable && net->ip4.gw.s_addr) {
		onlink = !tap_netlink_prefix_has((const void *)&net->ip4.gw,
						 (const void *)&net->ip4.addr,
						 net->ip4.prefix_len);
		inet_ntop(AF_INET, &net->ip4.gw, a, sizeof(a));
		rc = tap_netlink_default(nl, job->ifindex, AF_INET,
					 &net->ip4.gw, onlink, ext, size);
		if (rc)
			return tap_netlink_fail(job, rc, ext, "adding default "
						"route via %s", a);
	}

	if (net->ip6.enable) {
		inet_ntop(AF_INET6, &net->ip6.addr, a, sizeof(a));
		rc = tap_netlink_addr(nl, job->ifindex, AF_INET6,
				      &net->ip6.addr, net->ip6.prefix_len,
				      ext, size);
		if (rc)
			return tap_netlink_fail(job, rc, ext, "adding address"
						" %s/%u", a,
						net->ip6.prefix_len);
	}
	if (net->ip6.enable && !IN6_IS_ADDR_UNSPECIFIED(&net->ip6.gw)) {
		onlink = !IN6_IS_ADDR_LINKLOCAL(&net->ip6.gw) &&
			 !tap_netlink_prefix_has(net->ip6.gw.s6_addr,
						 net->ip6.addr.s6_addr,
						 net->ip6.prefix_len);
		inet_ntop(AF_INET6, &net->ip6.gw, a, sizeof(a));
		rc = tap_netlink_default(nl, job->ifindex, AF_INET6,
					 &net->ip6.gw, onlink, ext, size);
		if (rc)
			return tap_netlink_fail(job, rc, ext, "adding default "
						"route via %s", a);
	}
	return 0;
}

/**
 * tap_netlink_setup() - Bring the tap up; with config_net, configure it
 * @job:	Job: ifindex and name of the tap set; the caller is inside
 *		the target namespace
 *
 * Return: 0, or -errno with @job->err and @job->what set
 */
int tap_netlink_setup(struct tap_ns_job *job)
{
	struct timeval tv = { .tv_sec = TAP_NL_TIMEOUT };
	char ext[TAP_NL_EXT_MAX];
	struct tap_nl nl = { .seq = 0 };
	const int one = 1;
	int rc;

	nl.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl.fd < 0)
		return tap_netlink_fail(job, -errno, "", "netlink socket");

	/* Older kernels lack these: answers are then only less talkative */
	setsockopt(nl.fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl.fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(nl.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		rc = tap_netlink_fail(job, -errno, "", "netlink timeout");
		goto out;
	}

	rc = tap_netlink_link(&nl, job->ifindex, job->net->mtu, job->mac,
			      ext, sizeof(ext));
	if (rc) {
		tap_netlink_fail(job, rc, ext, "setting MTU %u%s and bringing "
				 "it up", job->net->mtu,
				 job->mac ? " and MAC address" : "");
		goto out;
	}

	if (job->config_net)
		rc = tap_netlink_config(&nl, job, ext, sizeof(ext));
out:
	close(nl.fd);
	return rc;
}
