// SPDX-License-Identifier: GPL-2.0-or-later
/* udp.c - UDP flows between the guest and host sockets: the descriptor
 *
 * Theory of Operation
 * ===================
 *
 * What it does
 * ------------
 * UDP has no connections, but its users expect one: a datagram the guest
 * sends from port P should get its answers back on port P, from the address
 * it was sent to. This module keeps a reduced connection tracking of UDP
 * "flows" in the core's flow table, one per (guest address, guest port,
 * destination, destination port), and gives each the host socket that
 * makes the answers come back:
 *
 * - Guest to host (udp_tap.c): the first datagram of a tuple creates a flow
 *   and a socket bound to the guest's source port where the host allows it
 *   (SO_REUSEADDR, so several flows from one guest port can share it;
 *   otherwise, or below the unprivileged port limit, an ephemeral port),
 *   then connected to the destination, so the kernel hands it exactly the
 *   answers. Later datagrams of the tuple find the flow through the core's
 *   hash and go out with one sendmmsg() per run of datagrams of one flow in
 *   the batch, straight from the guest's frames.
 * - Host to guest (udp_sock.c): answers wake the flow's socket; recvmmsg()
 *   scatters up to UDP_BATCH of them straight into frames reserved in the
 *   core's queue towards the guest, at the payload offset, and the
 *   Ethernet, IP and UDP headers are written around them afterwards: no
 *   copy.
 * - Forwarding rules (udp_sock.c): the core binds the listening sockets of
 *   "udp" rules and hands their events here (PASST_FD_LISTEN). Each peer
 *   address and port becomes a flow towards the guest's address and the
 *   rule's target port; the guest's answers to it go back out of the same
 *   listening socket, so the peer sees them come from the port it used,
 *   and from the address it sent to: on the first event the module asks
 *   the socket for each datagram's local address (IP_PKTINFO,
 *   IPV6_RECVPKTINFO) and sends the answers from it, which matters on a
 *   host with several addresses, where routing would pick another.
 *
 * Addresses
 * ---------
 * - The guest reaches the host's loopback at map_host_loopback (the
 *   gateway by default): 127.0.0.1 or ::1 is the real destination, and
 *   datagrams from the host's loopback, or from the host's own address
 *   that the guest shares, come to the guest from map_host_loopback.
 *   Without a mapping ("none") they are dropped. A link-local source
 *   (the usual IPv6 gateway) is shown to the guest's link-local address,
 *   which is where its answers come from.
 * - DNS: queries to a forwarded DNS address (port 53) go to the host's
 *   resolver instead, and the answers come back from the address the guest
 *   asked. By default the pair is the one the core computed (a resolver on
 *   the host's loopback is offered to the guest as the gateway); the
 *   dns_forward and dns_host settings override it, like passt's
 *   --dns-forward and --dns-host.
 * - Multicast and broadcast destinations get a socket of their own that is
 *   not connected (answers come from unicast addresses, and each sender's
 *   address is passed on as is); IPv4 ones get SO_BROADCAST, so whatever
 *   the host can send, the guest can too.
 * - Outbound binding: sockets of flows the guest opens are bound to the
 *   outbound address and interface of their IP version, if configured,
 *   except towards loopback and link-local destinations, which those could
 *   never reach.
 *
 * ICMP errors
 * -----------
 * Flow sockets have IP_RECVERR (IPV6_RECVERR): an ICMP error the host
 * receives for a datagram of the flow (port unreachable, fragmentation
 * needed, packet too big, time exceeded...) is read from the socket's
 * error queue and rebuilt towards the guest as the same ICMP or ICMPv6
 * error, quoting the guest's datagram as the guest sent it (udp_err.c).
 *
 * Timers
 * ------
 * Flows carry the second of their last datagram, either way. Once a second
 * on_timer() sweeps the list of active flows (not the flow table) and
 * closes those idle for more than flow_timeout seconds (180 by default;
 * at most two more, with whole seconds and a sweep a second), with their
 * sockets; a flow of a listening socket just goes.
 *
 * Limits
 * ------
 * Datagrams larger than the guest's MTU allows can't reach it (we do not
 * fragment towards the guest) and are dropped; IP fragments from the guest
 * carry no UDP header the core can find and are dropped by it. Link-local
 * destinations other than the mapped gateway have no host interface to go
 * out of and are dropped. Guest datagrams with a bad length or checksum
 * are dropped with a trace line; an IPv6 one without checksum too (RFC
 * 8200, 8.1).
 *
 * Configuration
 * -------------
 *	udp = {
 *		flow_timeout = 180;	seconds, 1 to 86400
 *		dns_forward = [ ];	addresses whose port 53 is forwarded
 *		dns_host = [ ];		resolvers to forward to, one per family
 *	};
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>

#include <passt/module.h>

#include "udp.h"
#include "syscalls.gen.h"

#define UDP_TIMER_MS		1000	/* period of the expiry sweep */

static const struct passt_claim udp_claims[] = {
	{ PASST_ETHERTYPE_IP, IPPROTO_UDP, 0 },
	{ PASST_ETHERTYPE_IPV6, IPPROTO_UDP, 0 },
	{ 0 },
};

static const char *const udp_keys[] = {
	"flow_timeout",
	"dns_forward",
	"dns_host",
	NULL
};

/**
 * udp_inany_is_v4() - Whether an address is IPv4 (v4-mapped)
 * @a:		Address
 *
 * Return: true for IPv4
 */
bool udp_inany_is_v4(const union passt_inany *a)
{
	return passt_inany_v4(a) != NULL;
}

/**
 * udp_inany_loopback() - Whether an address is a loopback one
 * @a:		Address
 *
 * Return: true for 127.0.0.0/8 and ::1
 */
bool udp_inany_loopback(const union passt_inany *a)
{
	const struct in_addr *a4 = passt_inany_v4(a);

	if (a4)
		return (ntohl(a4->s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->a6);
}

/**
 * udp_inany_unspec() - Whether an address is unspecified
 * @a:		Address
 *
 * Return: true for 0.0.0.0 and ::
 */
bool udp_inany_unspec(const union passt_inany *a)
{
	const struct in_addr *a4 = passt_inany_v4(a);

	if (a4)
		return !a4->s_addr;
	return IN6_IS_ADDR_UNSPECIFIED(&a->a6);
}

/**
 * udp_inany_any() - The unspecified address of one family
 * @a:		Set to 0.0.0.0 (v4-mapped) or ::
 * @v6:		IPv6
 */
void udp_inany_any(union passt_inany *a, bool v6)
{
	struct in_addr any = { 0 };

	if (v6)
		memset(a, 0, sizeof(*a));
	else
		passt_inany_from_v4(a, any);
}

/**
 * udp_inany_from_sa() - Address and port from a socket address
 * @a:		Set to the address (IPv4 ones v4-mapped)
 * @port:	Set to the port, host order
 * @sa:		sockaddr_in or sockaddr_in6, by its family
 */
void udp_inany_from_sa(union passt_inany *a, uint16_t *port,
		       const struct sockaddr_in6 *sa)
{
	if (sa->sin6_family == AF_INET) {
		const struct sockaddr_in *sa4 = (const void *)sa;

		passt_inany_from_v4(a, sa4->sin_addr);
		*port = ntohs(sa4->sin_port);
		return;
	}
	a->a6 = sa->sin6_addr;		/* dual-stack: v4-mapped already */
	*port = ntohs(sa->sin6_port);
}

/**
 * udp_inany_to_sa() - Socket address for an address and port
 * @sa:		Socket address to fill
 * @a:		Address
 * @port:	Port, host order
 * @scope:	Scope ID for IPv6 link-local addresses, or 0
 * @sock6:	For an AF_INET6 socket (IPv4 as v4-mapped) rather than AF_INET
 *
 * Return: length of the socket address
 */
socklen_t udp_inany_to_sa(struct sockaddr_in6 *sa,
			  const union passt_inany *a, uint16_t port,
			  uint32_t scope, bool sock6)
{
	const struct in_addr *a4 = passt_inany_v4(a);

	memset(sa, 0, sizeof(*sa));
	if (!sock6 && a4) {
		struct sockaddr_in *sa4 = (struct sockaddr_in *)(void *)sa;

		sa4->sin_family = AF_INET;
		sa4->sin_addr = *a4;
		sa4->sin_port = htons(port);
		return sizeof(*sa4);
	}
	sa->sin6_family = AF_INET6;
	sa->sin6_addr = a->a6;
	sa->sin6_port = htons(port);
	if (!a4 && IN6_IS_ADDR_LINKLOCAL(&a->a6))
		sa->sin6_scope_id = scope;
	return sizeof(*sa);
}

/**
 * udp_pktinfo_put() - Ancillary data choosing the source of a datagram
 * @buf:	UDP_CTL_LEN bytes, aligned for a struct cmsghdr
 * @a:		Source address (IPv4 v4-mapped)
 * @ifindex:	Interface, for IPv6 link-local sources, or 0
 * @sock6:	The socket is AF_INET6 (maybe dual-stack)
 *
 * Return: length of the ancillary data
 */
size_t udp_pktinfo_put(void *buf, const union passt_inany *a,
		       uint32_t ifindex, bool sock6)
{
	struct cmsghdr *c = buf;

	memset(buf, 0, UDP_CTL_LEN);
	if (sock6) {
		/* v4-mapped on a dual-stack socket: the kernel takes it */
		struct in6_pktinfo pi = { .ipi6_addr = a->a6 };

		pi.ipi6_ifindex = udp_inany_is_v4(a) ? 0 : ifindex;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	} else {
		struct in_pktinfo pi = { .ipi_spec_dst = *passt_inany_v4(a) };

		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
}

/**
 * udp_pktinfo_get() - Local address to answer a datagram from, from its
 *		       ancillary data
 * @mh:		Message header as recvmmsg() filled it
 * @a:		Set to the address (IPv4 v4-mapped)
 * @ifindex:	Set to the interface it came in on
 *
 * Return: 0, or -ENOENT if there was no IP_PKTINFO or IPV6_PKTINFO
 */
int udp_pktinfo_get(const struct msghdr *mh, union passt_inany *a,
		    uint32_t *ifindex)
{
	const struct cmsghdr *c;

	if (mh->msg_flags & MSG_CTRUNC)
		return -ENOENT;
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh,
						       (struct cmsghdr *)c)) {
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			a->a6 = pi.ipi6_addr;
			/* Sent to a group: we can't answer from that */
			if (IN6_IS_ADDR_MULTICAST(&a->a6))
				udp_inany_any(a, true);
			*ifindex = (uint32_t)pi.ipi6_ifindex;
			return 0;
		}
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			/* The address to answer from: the interface's for
			 * broadcast and multicast, else the destination
			 */
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			passt_inany_from_v4(a, pi.ipi_spec_dst);
			*ifindex = (uint32_t)pi.ipi_ifindex;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * udp_payload_off() - Offset of the UDP payload in a frame to the guest
 * @v6:		IPv6 frame
 *
 * Return: offset after Ethernet, IP and UDP headers
 */
size_t udp_payload_off(bool v6)
{
	return (v6 ? PASST_ETH_IP6_LEN : PASST_ETH_IP4_LEN) + PASST_UDP_HLEN;
}

/**
 * udp_payload_max() - Largest UDP payload the guest's link carries
 * @net:	Network settings
 * @v6:		IPv6
 *
 * Return: bytes
 */
size_t udp_payload_max(const struct passt_netcfg *net, bool v6)
{
	size_t hdrs = (v6 ? PASST_IP6_HLEN : PASST_IP4_HLEN) + PASST_UDP_HLEN;
	size_t mtu = net->mtu;

	/* The IPv4 total length and the UDP length are 16 bits */
	if (mtu > 65535)
		mtu = 65535;
	return mtu > hdrs ? mtu - hdrs : 0;
}

/**
 * udp_flow_touch() - Note activity on a flow
 * @m:		This module
 * @idx:	Flow index
 */
void udp_flow_touch(struct passt_mod *m, unsigned int idx)
{
	struct udp *u = passt_priv(m);

	u->flows[idx].last = (uint32_t)u->core->now(m)->tv_sec;
}

/**
 * udp_flow_track() - Start keeping a new, hashed flow
 * @m:		This module
 * @idx:	Flow index
 * @kind:	enum udp_kind
 * @sock:	Socket towards the host
 * @sock6:	@sock is AF_INET6
 * @v6:		The flow is IPv6
 *
 * Return: 0, or -EINVAL for an index beyond the table (a bug)
 */
int udp_flow_track(struct passt_mod *m, unsigned int idx,
		   enum udp_kind kind, int sock, bool sock6, bool v6)
{
	struct udp *u = passt_priv(m);
	struct udp_flow *uf;

	if (idx >= u->flow_max || u->n_active >= u->flow_max)
		return -EINVAL;

	uf = &u->flows[idx];
	uf->sock = sock;
	uf->kind = (uint8_t)kind;
	uf->tapside = kind == UDP_KIND_IN ? PASST_TGTSIDE : PASST_INISIDE;
	uf->sock6 = sock6;
	uf->v6 = v6;
	uf->pos = u->n_active;
	u->active[u->n_active++] = idx;
	udp_flow_touch(m, idx);
	return 0;
}

/**
 * udp_flow_close() - Forget a flow, close its own socket
 * @m:		This module
 * @idx:	Flow index, tracked
 *
 * #syscalls close
 */
void udp_flow_close(struct passt_mod *m, unsigned int idx)
{
	struct udp *u = passt_priv(m);
	struct udp_flow *uf;
	uint32_t last;

	if (idx >= u->flow_max || u->flows[idx].kind == UDP_KIND_NONE)
		return;
	uf = &u->flows[idx];

	/* Keep the active list dense: the last entry takes this place */
	last = u->active[--u->n_active];
	u->active[uf->pos] = last;
	u->flows[last].pos = uf->pos;

	if (uf->kind != UDP_KIND_IN) {
		u->core->fd_del(m, uf->sock);
		close(uf->sock);
	}
	uf->kind = UDP_KIND_NONE;
	uf->sock = -1;
	u->core->flow_free(m, idx);
}

/**
 * udp_addr_parse() - Parse an IPv4 or IPv6 address
 * @s:		Text
 * @a:		Address, set on success
 *
 * Return: 0, or -EINVAL
 */
static int udp_addr_parse(const char *s, union passt_inany *a)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		passt_inany_from_v4(a, a4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->a6) == 1)
		return 0;
	return -EINVAL;
}

/**
 * udp_cfg_addrs() - Read a list of addresses from the udp group
 * @m:		This module
 * @key:	Key
 * @a:		Addresses, UDP_DNS_MAX at most
 * @n:		Set to the number read
 *
 * Return: 0 (absent: *@n is 0), or -EINVAL after saying what is wrong
 */
static int udp_cfg_addrs(struct passt_mod *m, const char *key,
			 union passt_inany *a, size_t *n)
{
	const struct passt_core_ops *core = passt_core(m);
	size_t len, i;
	int rc;

	*n = 0;
	rc = core->cfg_list_len(m, key, &len);
	if (rc)
		return rc < 0 ? rc : 0;
	if (len > UDP_DNS_MAX) {
		core->log(m, PASST_LOG_ERR, "%s: %zu addresses, at most %d",
			  key, len, UDP_DNS_MAX);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		const char *s;

		if ((rc = core->cfg_list_str(m, key, i, &s)))
			return rc < 0 ? rc : -EINVAL;
		if (udp_addr_parse(s, &a[i]) || udp_inany_unspec(&a[i])) {
			core->log(m, PASST_LOG_ERR,
				  "%s: '%s': not an IPv4 or IPv6 address",
				  key, s);
			return -EINVAL;
		}
	}
	*n = len;
	return 0;
}

/**
 * udp_dns_default_host() - The resolver forwarded queries of a family go to
 * @net:	Network settings
 * @hosts:	dns_host addresses
 * @n_hosts:	Number of @hosts
 * @match:	The forwarded address, not a resolver to pick
 * @host:	Set to the resolver
 *
 * Return: 0, or -ENOENT if there is none for @match's family
 */
static int udp_dns_default_host(const struct passt_netcfg *net,
				const union passt_inany *hosts,
				size_t n_hosts,
				const union passt_inany *match,
				union passt_inany *host)
{
	bool v4 = udp_inany_is_v4(match);
	unsigned int i;
	size_t j;

	for (j = 0; j < n_hosts; j++) {
		if (udp_inany_is_v4(&hosts[j]) == v4) {
			*host = hosts[j];
			return 0;
		}
	}

	/* As passt: the host's resolver, as the core found it */
	if (v4 && net->ip4.dns_host.s_addr) {
		passt_inany_from_v4(host, net->ip4.dns_host);
		return 0;
	}
	if (!v4 && !IN6_IS_ADDR_UNSPECIFIED(&net->ip6.dns_host)) {
		host->a6 = net->ip6.dns_host;
		return 0;
	}

	/* Else the first nameserver handed to the guest that isn't @match */
	for (i = 0; v4 && i < net->ip4.n_dns && i < PASST_DNS_MAX; i++) {
		if (net->ip4.dns[i].s_addr &&
		    memcmp(&net->ip4.dns[i], passt_inany_v4(match), 4)) {
			passt_inany_from_v4(host, net->ip4.dns[i]);
			return 0;
		}
	}
	for (i = 0; !v4 && i < net->ip6.n_dns && i < PASST_DNS_MAX; i++) {
		if (!IN6_IS_ADDR_UNSPECIFIED(&net->ip6.dns[i]) &&
		    !IN6_ARE_ADDR_EQUAL(&net->ip6.dns[i], &match->a6)) {
			host->a6 = net->ip6.dns[i];
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * udp_dns_configure() - Work out the DNS forwarding pairs
 * @m:		This module
 *
 * dns_forward lists the addresses forwarded; without it, the core's pairs
 * are used (or, for a family given in dns_host only, the core's forwarded
 * address or else the gateway). Each forwarded address goes to the first
 * dns_host of its family, else the core's host resolver, else the first
 * nameserver handed to the guest that is not the address itself.
 *
 * Return: 0, or -EINVAL after saying what is missing
 */
static int udp_dns_configure(struct passt_mod *m)
{
	const struct passt_core_ops *core = passt_core(m);
	union passt_inany fwd[UDP_DNS_MAX], hosts[UDP_DNS_MAX];
	const struct passt_netcfg *net = core->net(m);
	struct udp *u = passt_priv(m);
	size_t n_fwd, n_hosts, i;
	char buf[INET6_ADDRSTRLEN];
	int rc;

	if ((rc = udp_cfg_addrs(m, "dns_forward", fwd, &n_fwd)))
		return rc;
	if ((rc = udp_cfg_addrs(m, "dns_host", hosts, &n_hosts)))
		return rc;

	if (!n_fwd) {
		bool v4 = false, v6 = false;

		for (i = 0; i < n_hosts; i++) {
			if (udp_inany_is_v4(&hosts[i]))
				v4 = true;
			else
				v6 = true;
		}
		if (net->ip4.dns_match.s_addr)
			passt_inany_from_v4(&fwd[n_fwd++], net->ip4.dns_match);
		else if (v4 && net->ip4.gw.s_addr)
			passt_inany_from_v4(&fwd[n_fwd++], net->ip4.gw);
		if (!IN6_IS_ADDR_UNSPECIFIED(&net->ip6.dns_match))
			fwd[n_fwd++].a6 = net->ip6.dns_match;
		else if (v6 && !IN6_IS_ADDR_UNSPECIFIED(&net->ip6.gw))
			fwd[n_fwd++].a6 = net->ip6.gw;
	}

	u->n_dns = 0;
	for (i = 0; i < n_fwd; i++) {
		struct udp_dns *d = &u->dns[u->n_dns];
		const struct in_addr *a4 = passt_inany_v4(&fwd[i]);

		if (a4)
			inet_ntop(AF_INET, a4, buf, sizeof(buf));
		else
			inet_ntop(AF_INET6, &fwd[i].a6, buf, sizeof(buf));

		d->match = fwd[i];
		if (udp_dns_default_host(net, hosts, n_hosts, &fwd[i],
					 &d->host)) {
			core->log(m, PASST_LOG_ERR,
				  "dns_forward: %s: no resolver of its IP "
				  "version to forward to; set udp.dns_host",
				  buf);
			return -EINVAL;
		}
		u->n_dns++;
		core->log(m, PASST_LOG_DEBUG, "DNS queries to %s are forwarded",
			  buf);
	}
	return 0;
}

/**
 * udp_configure() - Read and check the udp group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int udp_configure(struct passt_mod *m,
			 const struct passt_core_ops *core)
{
	struct udp *u = passt_priv(m);
	int rc;

	if (core->size < offsetof(struct passt_core_ops, csum) +
			 sizeof(core->csum))
		return -ENOTSUP;
	u->core = core;

	u->flow_timeout = 180;
	rc = core->cfg_int(m, "flow_timeout", &u->flow_timeout);
	if (rc < 0)
		return rc;
	if (u->flow_timeout < 1 || u->flow_timeout > 86400) {
		core->log(m, PASST_LOG_ERR,
			  "flow_timeout %lld: must be 1 to 86400",
			  u->flow_timeout);
		return -EINVAL;
	}
	return udp_dns_configure(m);
}

/**
 * udp_init() - Allocate per-flow state for the whole flow table
 * @m:		This module
 *
 * Return: 0, or -ENOMEM
 */
static int udp_init(struct passt_mod *m)
{
	struct udp *u = passt_priv(m);
	unsigned int i;

	u->flow_max = u->core->flow_max(m);
	u->flows = calloc(u->flow_max ? u->flow_max : 1, sizeof(*u->flows));
	u->active = calloc(u->flow_max ? u->flow_max : 1, sizeof(*u->active));
	/* Only touched by spliced datagrams: pages nobody uses stay unused */
	u->splice_buf = malloc((size_t)UDP_BATCH * UDP_SPLICE_DGRAM);
	if (!u->flows || !u->active || !u->splice_buf) {
		free(u->flows);
		free(u->active);
		free(u->splice_buf);
		u->flows = NULL;
		u->active = NULL;
		u->splice_buf = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < u->flow_max; i++)
		u->flows[i].sock = -1;
	u->n_active = 0;
	return 0;
}

/**
 * udp_close_all() - Close every flow
 * @m:		This module
 */
static void udp_close_all(struct passt_mod *m)
{
	struct udp *u = passt_priv(m);

	while (u->n_active)
		udp_flow_close(m, u->active[u->n_active - 1]);
}

/**
 * udp_fini() - Close every flow, free the state
 * @m:		This module
 */
static void udp_fini(struct passt_mod *m)
{
	struct udp *u = passt_priv(m);

	if (!u->flows)
		return;
	udp_close_all(m);
	free(u->flows);
	free(u->active);
	free(u->splice_buf);
	u->flows = NULL;
	u->active = NULL;
	u->splice_buf = NULL;
}

/**
 * udp_on_reset() - The guest went away: its flows go too
 * @m:		This module
 *
 * Spliced flows stay: they never went through the guest's link.
 */
static void udp_on_reset(struct passt_mod *m)
{
	struct udp *u = passt_priv(m);
	uint32_t i, n = 0;

	/* Downwards: closing moves the last entry, already seen, here */
	for (i = u->n_active; i-- > 0; ) {
		if (u->flows[u->active[i]].kind == UDP_KIND_SPLICE)
			continue;
		udp_flow_close(m, u->active[i]);
		n++;
	}
	if (n)
		u->core->log(m, PASST_LOG_DEBUG, "reset: closed %u flows", n);
}

/**
 * udp_on_timer() - Close flows idle for more than flow_timeout seconds
 * @m:		This module
 * @now:	Current time
 */
static void udp_on_timer(struct passt_mod *m, const struct timespec *now)
{
	struct udp *u = passt_priv(m);
	uint32_t sec = (uint32_t)now->tv_sec;
	uint32_t i;

	/* Downwards: closing moves the last entry, already seen, here */
	for (i = u->n_active; i-- > 0; ) {
		uint32_t idx = u->active[i];

		/* Whole seconds: strictly more makes it at least the
		 * timeout, at most two seconds more with the sweep's period
		 */
		if (sec - u->flows[idx].last <= (uint32_t)u->flow_timeout)
			continue;
		u->core->log(m, PASST_LOG_DEBUG,
			     "flow %u: idle for more than %lld s, closed",
			     idx, u->flow_timeout);
		udp_flow_close(m, idx);
	}
}

/**
 * udp_on_fd() - Datagrams or errors on a flow or listening socket
 * @m:		This module
 * @type:	UDP_FD_FLOW or PASST_FD_LISTEN
 * @fd:		Socket
 * @data:	Flow index, or PASST_FWD_REF() of a listening socket
 * @events:	EPOLL* events
 * @now:	Current time
 */
static void udp_on_fd(struct passt_mod *m, uint8_t type, int fd,
		      uint32_t data, uint32_t events,
		      const struct timespec *now)
{
	struct udp *u = passt_priv(m);

	(void)now;
	if (type == PASST_FD_LISTEN) {
		udp_sock_listen(m, fd, data, events);
		return;
	}
	if (type != UDP_FD_FLOW || data >= u->flow_max ||
	    u->flows[data].kind == UDP_KIND_NONE ||
	    u->flows[data].sock != fd) {
		u->core->log(m, PASST_LOG_DEBUG,
			     "event on fd %d (type %u, data %u): no such flow",
			     fd, type, data);
		return;
	}
	udp_sock_ready(m, data, events);
}

/**
 * udp_stat_put() - Append one counter, if there is room
 * @st:		Counters
 * @n:		Room in @st
 * @k:		Counters filled so far, updated
 * @name:	Name
 * @value:	Value
 */
static void udp_stat_put(struct passt_stat *st, size_t n, size_t *k,
			 const char *name, uint64_t value)
{
	if (*k >= n)
		return;
	st[*k].name = name;
	st[(*k)++].value = value;
}

/**
 * udp_stats() - Flows by kind, host-side traffic, drops by reason
 * @m:		This module
 * @st:		Counters to fill
 * @n:		Room in @st
 *
 * Return: number of counters filled
 */
static size_t udp_stats(struct passt_mod *m, struct passt_stat *st, size_t n)
{
	const struct udp *u = passt_priv(m);
	uint64_t kinds[UDP_KIND_NUM] = { 0 };
	size_t i, k = 0;

	for (i = 0; i < u->n_active; i++)
		if (u->flows[u->active[i]].kind < UDP_KIND_NUM)
			kinds[u->flows[u->active[i]].kind]++;

	udp_stat_put(st, n, &k, "flows_out", kinds[UDP_KIND_OUT]);
	udp_stat_put(st, n, &k, "flows_out_group", kinds[UDP_KIND_OUT_GROUP]);
	udp_stat_put(st, n, &k, "flows_in", kinds[UDP_KIND_IN]);
	udp_stat_put(st, n, &k, "datagrams_to_host", u->cnt.to_host);
	udp_stat_put(st, n, &k, "bytes_to_host", u->cnt.bytes_to_host);
	udp_stat_put(st, n, &k, "datagrams_from_host", u->cnt.from_host);
	udp_stat_put(st, n, &k, "bytes_from_host", u->cnt.bytes_from_host);
	udp_stat_put(st, n, &k, "drop_malformed", u->cnt.drop_malformed);
	udp_stat_put(st, n, &k, "drop_no_flow", u->cnt.drop_no_flow);
	udp_stat_put(st, n, &k, "drop_send", u->cnt.drop_send);
	udp_stat_put(st, n, &k, "drop_too_big", u->cnt.drop_too_big);
	udp_stat_put(st, n, &k, "flows_splice", kinds[UDP_KIND_SPLICE]);
	udp_stat_put(st, n, &k, "datagrams_spliced", u->cnt.spliced);
	return k;
}

/**
 * udp_on_frames() - Datagrams from the guest
 * @m:		This module
 * @f:		Frames
 * @n:		Number of frames
 * @now:	Current time
 */
static void udp_on_frames(struct passt_mod *m, const struct passt_frame *f,
			  size_t n, const struct timespec *now)
{
	(void)now;
	udp_tap_frames(m, f, n);
}

PASST_MODULE(
	.name		= "udp",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "UDP flows between the guest and host sockets, "
			  "with DNS forwarding",
	.priv_size	= sizeof(struct udp),
	.syscalls	= module_syscalls,
	.config_keys	= udp_keys,
	.claims		= udp_claims,
	.timer_ms	= UDP_TIMER_MS,
	.configure	= udp_configure,
	.init		= udp_init,
	.fini		= udp_fini,
	.on_fd		= udp_on_fd,
	.on_frames	= udp_on_frames,
	.on_timer	= udp_on_timer,
	.on_reset	= udp_on_reset,
	.stats		= udp_stats,
);
