// SPDX-License-Identifier: GPL-2.0-or-later
/* icmp.c - ICMP and ICMPv6 echo through ping sockets
 *
 * Theory of Operation
 * ===================
 *
 * What it does
 * ------------
 * The guest's echo requests (ICMP type 8, ICMPv6 type 128) go out through
 * the host's unprivileged "ping sockets" (SOCK_DGRAM with IPPROTO_ICMP or
 * IPPROTO_ICMPV6), which need no capability, and the echo replies come
 * back to the guest as if the destination had answered it directly.
 *
 * Flows
 * -----
 * One flow per (guest address, echo identifier, destination), in the
 * core's flow table, keyed on the guest side with the identifier as both
 * ports. Each has its own ping socket. The kernel replaces the identifier
 * of everything sent on a ping socket with the one the socket is bound to
 * (its "port"), and hands it the replies carrying that identifier. So the
 * first flow with a given identifier binds its socket to the guest's
 * identifier, and the remote host sees what the guest sent; a second flow
 * with the same identifier (another destination), or one whose identifier
 * the host refuses, lets the kernel pick a free one: recent kernels let
 * several sockets bind one identifier and hand each reply to only one of
 * them, which would mix up our flows. Either way replies are given the
 * guest's identifier back (with their checksum fixed) before they reach
 * the guest. Sequence numbers and data pass untouched both ways. Another
 * process on the host binding the same identifier explicitly could still
 * take some of a flow's replies, as it could from any ping program.
 *
 * Addresses
 * ---------
 * As for UDP: echo requests to map_host_loopback (the gateway by default)
 * go to the host's 127.0.0.1 or ::1, and their replies come back from the
 * address the guest used. Sockets are bound to the configured outbound
 * address and interface of their IP version, except towards loopback and
 * link-local destinations. Replies from any other address than the one the
 * request went to (a broadcast ping) come from that address.
 *
 * Permission
 * ----------
 * The kernel lets only groups in net.ipv4.ping_group_range (one setting for
 * both IP versions, per network namespace; "1 0", nobody, by default in a
 * new namespace) open ping sockets. The daemon opens them after its
 * sandbox has switched to the runas user, whose group this module can't
 * know at init(), so: an empty range at init() means echo is off, with one
 * warning naming the setting; and the first refusal at run time (the
 * range doesn't cover the group we ended up with) says the same once and
 * turns echo off too. Requests are then dropped: there is no other
 * unprivileged way to send them.
 *
 * Timers
 * ------
 * Flows carry the second of their last packet. Once a second on_timer()
 * sweeps the active flows and closes those idle for more than flow_timeout
 * seconds (60 by default; at most two more) with their sockets.
 *
 * Limits
 * ------
 * Echo only: other ICMP messages from the guest are not claimed, and ICMP
 * errors about echo requests are not passed on (ping sockets report them
 * only when asked to, and a lost echo is what ping measures anyway). Link-
 * local destinations other than the mapped gateway have no known host
 * interface and are dropped. Requests with a bad length, code or checksum
 * are dropped with a trace line.
 *
 * Configuration
 * -------------
 *	icmp = { flow_timeout = 60; };	seconds, 1 to 86400
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <passt/module.h>

#include "syscalls.gen.h"

#define ICMP_TIMER_MS		1000	/* period of the expiry sweep */
#define ICMP_HLEN		8	/* type, code, checksum, id, sequence */
#define ICMP_ECHO_REQUEST	8
#define ICMP_ECHO_REPLY		0
#define ICMP6_ECHO_REQUEST	128
#define ICMP6_ECHO_REPLY	129
#define ICMP_FD_FLOW		1	/* epoll type: a flow's ping socket */
#define ICMP_ROUNDS		16	/* replies read per event, at most */
#define ICMP_RANGE_PATH		"/proc/sys/net/ipv4/ping_group_range"

/**
 * struct icmp_flow - What the module keeps per flow, by flow index
 * @sock:	Ping socket, -1 if the flow isn't ours
 * @last:	Last activity, seconds of the monotonic clock
 * @pos:	Position in the list of active flows
 * @id:		Guest's echo identifier
 * @v6:		ICMPv6
 * @owns_id:	The socket is bound to @id, marked in icmp.id_bound
 */
struct icmp_flow {
	int sock;
	uint32_t last;
	uint32_t pos;
	uint16_t id;
	bool v6;
	bool owns_id;
};

/**
 * struct icmp_count - What the module counts, for its stats() hook
 * @requests_to_host:	Echo requests sent on ping sockets
 * @replies_from_host:	Echo replies queued to the guest
 * @drop_malformed:	Guest requests that failed the checks
 * @drop_disabled:	Guest requests while echo is off
 * @drop_no_flow:	Guest requests no flow (socket) could be made for
 * @drop_send:		Guest requests the host refused
 * @drop_reply:		Replies not passed on (not a reply, too long)
 */
struct icmp_count {
	uint64_t requests_to_host;
	uint64_t replies_from_host;
	uint64_t drop_malformed;
	uint64_t drop_disabled;
	uint64_t drop_no_flow;
	uint64_t drop_send;
	uint64_t drop_reply;
};

/**
 * struct icmp - State of the ICMP module, in its priv block
 * @core:		Core services
 * @flow_timeout:	Seconds a flow lives without traffic
 * @flows:		Per-flow state, @flow_max entries
 * @active:		Indices of the flows in use
 * @n_active:		Number of flows in use
 * @flow_max:		Capacity of the core's flow table
 * @disabled:		Ping sockets are not permitted: echo is off
 * @no_v6:		The host has no IPv6 ping sockets
 * @id_bound:		Identifiers our sockets are bound to, a bit each,
 *			for ICMP and ICMPv6
 * @cnt:		Counters, for icmp_stats()
 */
struct icmp {
	const struct passt_core_ops *core;
	long long flow_timeout;
	struct icmp_flow *flows;
	uint32_t *active;
	uint32_t n_active;
	unsigned int flow_max;
	bool disabled;
	bool no_v6;
	uint64_t id_bound[2][65536 / 64];
	struct icmp_count cnt;
};

/**
 * struct icmp_echo - An echo request from the guest, checked
 * @src:	Guest's address
 * @dst:	Destination, as the guest sent it
 * @msg:	ICMP message (header and data), inside the frame
 * @len:	Length of @msg
 * @id:		Echo identifier
 * @seq:	Sequence number
 * @v6:		ICMPv6
 */
struct icmp_echo {
	union passt_inany src;
	union passt_inany dst;
	const uint8_t *msg;
	size_t len;
	uint16_t id;
	uint16_t seq;
	bool v6;
};

static const struct passt_claim icmp_claims[] = {
	{ PASST_ETHERTYPE_IP, IPPROTO_ICMP, ICMP_ECHO_REQUEST },
	{ PASST_ETHERTYPE_IPV6, IPPROTO_ICMPV6, ICMP6_ECHO_REQUEST },
	{ 0 },
};

static const char *const icmp_keys[] = {
	"flow_timeout",
	NULL
};

/**
 * icmp_inany_loopback() - Whether an address is a loopback one
 * @a:		Address
 *
 * Return: true for 127.0.0.0/8 and ::1
 */
static bool icmp_inany_loopback(const union passt_inany *a)
{
	const struct in_addr *a4 = passt_inany_v4(a);

	if (a4)
		return (ntohl(a4->s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->a6);
}

/**
 * icmp_inany_unspec() - Whether an address is unspecified
 * @a:		Address
 *
 * Return: true for 0.0.0.0 and ::
 */
static bool icmp_inany_unspec(const union passt_inany *a)
{
	const struct in_addr *a4 = passt_inany_v4(a);

	return a4 ? !a4->s_addr : IN6_IS_ADDR_UNSPECIFIED(&a->a6);
}

/**
 * icmp_inany_to_sa() - Socket address for an address of the flow's family
 * @sa:		Filled (sockaddr_in or sockaddr_in6)
 * @a:		Address
 * @port:	Port (for ping sockets: echo identifier), host order
 *
 * Return: length of the socket address
 */
static socklen_t icmp_inany_to_sa(struct sockaddr_in6 *sa,
				  const union passt_inany *a, uint16_t port)
{
	const struct in_addr *a4 = passt_inany_v4(a);

	memset(sa, 0, sizeof(*sa));
	if (a4) {
		struct sockaddr_in *sa4 = (struct sockaddr_in *)(void *)sa;

		sa4->sin_family = AF_INET;
		sa4->sin_addr = *a4;
		sa4->sin_port = htons(port);
		return sizeof(*sa4);
	}
	sa->sin6_family = AF_INET6;
	sa->sin6_addr = a->a6;
	sa->sin6_port = htons(port);
	return sizeof(*sa);
}

/**
 * icmp_id_mark() - Note whether one of our sockets is bound to an identifier
 * @s:		Module state
 * @v6:		ICMPv6
 * @id:		Identifier
 * @on:		Bound, or released
 */
static void icmp_id_mark(struct icmp *s, bool v6, uint16_t id, bool on)
{
	uint64_t bit = 1ULL << (id % 64);

	if (on)
		s->id_bound[v6][id / 64] |= bit;
	else
		s->id_bound[v6][id / 64] &= ~bit;
}

/**
 * icmp_id_taken() - Whether one of our sockets is bound to an identifier
 * @s:		Module state
 * @v6:		ICMPv6
 * @id:		Identifier
 *
 * Return: true if so
 */
static bool icmp_id_taken(const struct icmp *s, bool v6, uint16_t id)
{
	return s->id_bound[v6][id / 64] >> (id % 64) & 1;
}

/**
 * icmp_disable() - Turn echo off for good, saying why once
 * @m:		This module
 * @gid:	Group refused, or -1 if not known
 */
static void icmp_disable(struct passt_mod *m, long long gid)
{
	struct icmp *s = passt_priv(m);

	if (s->disabled)
		return;
	s->disabled = true;
	if (gid < 0)
		s->core->log(m, PASST_LOG_WARNING,
			     "ping sockets not permitted (net.ipv4."
			     "ping_group_range is empty): ICMP echo disabled; "
			     "sysctl -w net.ipv4.ping_group_range=\"0 "
			     "2147483647\" enables it");
	else
		s->core->log(m, PASST_LOG_WARNING,
			     "ping sockets not permitted for group %lld "
			     "(not in net.ipv4.ping_group_range): ICMP echo "
			     "disabled; sysctl -w net.ipv4.ping_group_range="
			     "\"0 2147483647\" enables it", gid);
}

/**
 * icmp_range_read() - Read net.ipv4.ping_group_range
 * @path:	File to read it from
 * @lo:		Set to the first group allowed
 * @hi:		Set to the last one
 *
 * Return: 0, or -errno if it can't be read or parsed
 */
static int icmp_range_read(const char *path, long long *lo, long long *hi)
{
	char buf[64];
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return -EIO;
	buf[r] = '\0';
	if (sscanf(buf, "%lld %lld", lo, hi) != 2)
		return -EINVAL;
	return 0;
}

/**
 * icmp_configure() - Read and check the icmp group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int icmp_configure(struct passt_mod *m,
			  const struct passt_core_ops *core)
{
	struct icmp *s = passt_priv(m);
	int rc;

	if (core->size < offsetof(struct passt_core_ops, csum) +
			 sizeof(core->csum))
		return -ENOTSUP;
	s->core = core;

	s->flow_timeout = 60;
	rc = core->cfg_int(m, "flow_timeout", &s->flow_timeout);
	if (rc < 0)
		return rc;
	if (s->flow_timeout < 1 || s->flow_timeout > 86400) {
		core->log(m, PASST_LOG_ERR,
			  "flow_timeout %lld: must be 1 to 86400",
			  s->flow_timeout);
		return -EINVAL;
	}
	return 0;
}

/**
 * icmp_probe() - Whether this process may open ping sockets now
 * @m:		This module
 *
 * An empty ping_group_range turns echo off. Otherwise a refusal only
 * counts if we keep our group after the sandbox (not root): root switches
 * to the runas user, whose group may well be in the range.
 */
static void icmp_probe(struct passt_mod *m)
{
	struct icmp *s = passt_priv(m);
	long long lo = 0, hi = 0;
	int fd;

	if (!icmp_range_read(ICMP_RANGE_PATH, &lo, &hi) && lo > hi) {
		icmp_disable(m, -1);
		return;
	}

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd >= 0) {
		close(fd);
	} else if ((errno == EACCES || errno == EPERM) && geteuid()) {
		icmp_disable(m, (long long)getegid());
		return;
	}

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd >= 0) {
		close(fd);
	} else if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT) {
		s->no_v6 = true;
		s->core->log(m, PASST_LOG_INFO,
			     "no IPv6 ping sockets: ICMPv6 echo disabled");
	}
}

/**
 * icmp_init() - Allocate per-flow state, check ping socket permission
 * @m:		This module
 *
 * Return: 0, or -ENOMEM
 */
static int icmp_init(struct passt_mod *m)
{
	struct icmp *s = passt_priv(m);
	unsigned int i;

	s->flow_max = s->core->flow_max(m);
	s->flows = calloc(s->flow_max ? s->flow_max : 1, sizeof(*s->flows));
	s->active = calloc(s->flow_max ? s->flow_max : 1, sizeof(*s->active));
	if (!s->flows || !s->active) {
		free(s->flows);
		free(s->active);
		s->flows = NULL;
		s->active = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < s->flow_max; i++)
		s->flows[i].sock = -1;
	s->n_active = 0;

	icmp_probe(m);
	return 0;
}

/**
 * icmp_flow_close() - Forget a flow, close its socket
 * @m:		This module
 * @idx:	Flow index, active
 *
 * #syscalls close
 */
static void icmp_flow_close(struct passt_mod *m, unsigned int idx)
{
	struct icmp *s = passt_priv(m);
	struct icmp_flow *f;
	uint32_t last;

	if (idx >= s->flow_max || s->flows[idx].sock < 0)
		return;
	f = &s->flows[idx];

	last = s->active[--s->n_active];
	s->active[f->pos] = last;
	s->flows[last].pos = f->pos;

	s->core->fd_del(m, f->sock);
	close(f->sock);
	f->sock = -1;
	if (f->owns_id)
		icmp_id_mark(s, f->v6, f->id, false);
	f->owns_id = false;
	s->core->flow_free(m, idx);
}

/**
 * icmp_close_all() - Close every flow
 * @m:		This module
 */
static void icmp_close_all(struct passt_mod *m)
{
	struct icmp *s = passt_priv(m);

	while (s->n_active)
		icmp_flow_close(m, s->active[s->n_active - 1]);
}

/**
 * icmp_fini() - Close every flow, free the state
 * @m:		This module
 */
static void icmp_fini(struct passt_mod *m)
{
	struct icmp *s = passt_priv(m);

	if (!s->flows)
		return;
	icmp_close_all(m);
	free(s->flows);
	free(s->active);
	s->flows = NULL;
	s->active = NULL;
}

/**
 * icmp_on_reset() - The guest went away: its flows go too
 * @m:		This module
 */
static void icmp_on_reset(struct passt_mod *m)
{
	icmp_close_all(m);
}

/**
 * icmp_on_timer() - Close flows idle for more than flow_timeout seconds
 * @m:		This module
 * @now:	Current time
 */
static void icmp_on_timer(struct passt_mod *m, const struct timespec *now)
{
	struct icmp *s = passt_priv(m);
	uint32_t sec = (uint32_t)now->tv_sec;
	uint32_t i;

	for (i = s->n_active; i-- > 0; ) {
		uint32_t idx = s->active[i];

		/* Whole seconds: at least the timeout, at most 2 s more */
		if (sec - s->flows[idx].last <= (uint32_t)s->flow_timeout)
			continue;
		s->core->log(m, PASST_LOG_DEBUG, "flow %u: idle, closed", idx);
		icmp_flow_close(m, idx);
	}
}

/**
 * icmp_parse() - Check an echo request from the guest
 * @m:		This module
 * @f:		Frame
 * @e:		Filled on success
 *
 * Return: 0, or -EINVAL to drop it (after a trace line)
 */
static int icmp_parse(struct passt_mod *m, const struct passt_frame *f,
		      struct icmp_echo *e)
{
	const struct passt_core_ops *core = passt_core(m);
	const uint8_t *ip, *msg;
	const char *why;
	uint32_t sum;

	memset(e, 0, sizeof(*e));
	e->v6 = f->ethertype == PASST_ETHERTYPE_IPV6;
	if (!e->v6 && f->ethertype != PASST_ETHERTYPE_IP) {
		why = "not IP";
		goto drop;
	}
	ip = passt_frame_at(f, f->l3off, e->v6 ? 40 : 20);
	msg = f->l4off ? passt_frame_at(f, f->l4off, f->l4len) : NULL;
	if (!ip || !msg || f->l4len < ICMP_HLEN ||
	    f->l4proto != (e->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)) {
		why = "truncated header";
		goto drop;
	}
	if (msg[0] != (e->v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO_REQUEST) ||
	    msg[1]) {
		why = "not an echo request";
		goto drop;
	}

	if (e->v6) {
		uint8_t pseudo[8];

		sum = core->csum(ip + 8, 32, 0);
		passt_put32(pseudo, f->l4len);
		passt_put32(pseudo + 4, IPPROTO_ICMPV6);
		sum = core->csum(pseudo, 8, sum);
	} else {
		sum = 0;
	}
	if (!(f->flags & PASST_FRAME_CSUM_OK) &&
	    passt_csum_fold(core->csum(msg, f->l4len, sum))) {
		why = "bad checksum";
		goto drop;
	}

	if (e->v6) {
		memcpy(&e->src.a6, ip + 8, 16);
		memcpy(&e->dst.a6, ip + 24, 16);
	} else {
		struct in_addr a4;

		memcpy(&a4, ip + 12, 4);
		passt_inany_from_v4(&e->src, a4);
		memcpy(&a4, ip + 16, 4);
		passt_inany_from_v4(&e->dst, a4);
	}
	if (icmp_inany_unspec(&e->src) || icmp_inany_loopback(&e->src) ||
	    (e->v6 ? IN6_IS_ADDR_MULTICAST(&e->src.a6) :
		     ntohl(passt_inany_v4(&e->src)->s_addr) >> 28 >= 0xe)) {
		why = "bad source address";
		goto drop;
	}
	if (icmp_inany_unspec(&e->dst) || icmp_inany_loopback(&e->dst)) {
		why = "bad destination address";
		goto drop;
	}

	e->msg = msg;
	e->len = f->l4len;
	e->id = passt_get16(msg + 4);
	e->seq = passt_get16(msg + 6);
	return 0;

drop:
	core->log(m, PASST_LOG_TRACE, "guest ICMP%s of %zu bytes: %s, dropped",
		  e->v6 ? "v6" : "", f->len, why);
	return -EINVAL;
}

/**
 * icmp_target() - Where an echo request really goes
 * @net:	Network settings
 * @e:		Request
 * @target:	Set to the destination
 * @nobind:	Set if outbound address and interface don't apply
 *
 * Return: 0, or -EHOSTUNREACH for a link-local destination we can't reach
 */
static int icmp_target(const struct passt_netcfg *net,
		       const struct icmp_echo *e, union passt_inany *target,
		       bool *nobind)
{
	const struct in_addr *a4 = passt_inany_v4(&e->dst);

	*target = e->dst;
	*nobind = false;
	if (a4) {
		if (net->ip4.map_host_loopback.s_addr &&
		    a4->s_addr == net->ip4.map_host_loopback.s_addr) {
			struct in_addr lo = { htonl(INADDR_LOOPBACK) };

			passt_inany_from_v4(target, lo);
			*nobind = true;
		} else if ((ntohl(a4->s_addr) >> 16) == 0xa9fe) {
			*nobind = true;			/* 169.254.0.0/16 */
		}
		return 0;
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(&net->ip6.map_host_loopback) &&
	    IN6_ARE_ADDR_EQUAL(&e->dst.a6, &net->ip6.map_host_loopback)) {
		target->a6 = in6addr_loopback;
		*nobind = true;
		return 0;
	}
	if (IN6_IS_ADDR_LINKLOCAL(&e->dst.a6) ||
	    IN6_IS_ADDR_MC_LINKLOCAL(&e->dst.a6))
		return -EHOSTUNREACH;
	return 0;
}

/**
 * icmp_sock() - Open the ping socket of a new flow
 * @m:		This module
 * @e:		First request of the flow
 * @target:	Destination
 * @nobind:	Don't bind to the outbound address and interface
 * @owns_id:	Set if the socket is bound to the guest's identifier
 *
 * Return: socket, or -errno
 *
 * #syscalls socket setsockopt bind close getegid
 */
static int icmp_sock(struct passt_mod *m, const struct icmp_echo *e,
		     const union passt_inany *target, bool nobind,
		     bool *owns_id)
{
	struct icmp *st = passt_priv(m);
	const struct passt_netcfg *net = passt_core(m)->net(m);
	const char *ifname = e->v6 ? net->ip6.outbound_if :
				     net->ip4.outbound_if;
	struct sockaddr_in6 sa;
	union passt_inany local;
	int s, one = 1, rc;
	socklen_t sl;

	s = socket(e->v6 ? AF_INET6 : AF_INET,
		   SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   e->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (s < 0) {
		rc = -errno;
		if (rc == -EACCES || rc == -EPERM)
			icmp_disable(m, (long long)getegid());
		return rc;
	}

	if (!e->v6) {
		const struct in_addr *t4 = passt_inany_v4(target);
		uint32_t h = ntohl(t4->s_addr);

		if ((h >> 28 == 0xe || h == 0xffffffffU) &&
		    setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)))
			goto fail;
	}
	if (!nobind && ifname[0] &&
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strnlen(ifname, PASST_IFNAME_MAX)))
		goto fail;

	memset(&local, 0, sizeof(local));
	if (!e->v6) {
		struct in_addr a4 = { 0 };

		if (!nobind)
			a4 = net->ip4.outbound_addr;
		passt_inany_from_v4(&local, a4);
	} else if (!nobind) {
		local.a6 = net->ip6.outbound_addr;
	}

	/* The identifier is the ping socket's port: ask for the guest's,
	 * unless another flow of ours has it already
	 */
	*owns_id = !icmp_id_taken(st, e->v6, e->id);
	sl = icmp_inany_to_sa(&sa, &local, *owns_id ? e->id : 0);
	if (bind(s, (struct sockaddr *)&sa, sl)) {
		if (!*owns_id || errno != EADDRINUSE)
			goto fail;
		*owns_id = false;
		sl = icmp_inany_to_sa(&sa, &local, 0);
		if (bind(s, (struct sockaddr *)&sa, sl))
			goto fail;
	}
	return s;

fail:
	rc = -errno;
	close(s);
	return rc;
}

/**
 * icmp_flow_new() - Create the flow of an echo request, with its socket
 * @m:		This module
 * @e:		Request
 *
 * Return: flow index, or -errno (the request is dropped)
 *
 * #syscalls close
 */
static int icmp_flow_new(struct passt_mod *m, const struct icmp_echo *e)
{
	const struct passt_core_ops *core = passt_core(m);
	uint8_t proto = e->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	struct icmp *s = passt_priv(m);
	struct passt_flowside *tap, *host;
	union passt_inany target;
	struct passt_flow *fl;
	bool nobind, owns_id = false;
	int idx, sock, rc;

	if (icmp_target(core->net(m), e, &target, &nobind)) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "echo request to a link-local address: no host "
			  "interface for it, dropped");
		return -EHOSTUNREACH;
	}

	idx = core->flow_new(m, proto, 0);
	if (idx < 0) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "flow table full: echo request dropped");
		return idx;
	}
	if ((unsigned int)idx >= s->flow_max || s->n_active >= s->flow_max) {
		core->flow_free(m, (unsigned int)idx);
		return -ENOSPC;
	}
	fl = core->flow_at(m, (unsigned int)idx);

	tap = &fl->side[PASST_INISIDE];
	tap->pif = PASST_PIF_TAP;
	tap->eaddr = e->src;
	tap->eport = e->id;
	tap->oaddr = e->dst;
	tap->oport = e->id;

	host = &fl->side[PASST_TGTSIDE];
	host->pif = PASST_PIF_HOST;
	host->eaddr = target;

	sock = icmp_sock(m, e, &target, nobind, &owns_id);
	if (sock < 0) {
		if (!s->disabled)
			core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
				  "flow %d: cannot open a ping socket: %s",
				  idx, strerror(-sock));
		core->flow_free(m, (unsigned int)idx);
		return sock;
	}

	if ((rc = core->flow_hash(m, (unsigned int)idx, PASST_INISIDE)) ||
	    (rc = core->fd_add(m, sock, EPOLLIN, ICMP_FD_FLOW,
			       (uint32_t)idx))) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "flow %d: %s", idx, strerror(-rc));
		close(sock);
		core->flow_free(m, (unsigned int)idx);
		return rc;
	}

	s->flows[idx].sock = sock;
	s->flows[idx].v6 = e->v6;
	s->flows[idx].id = e->id;
	s->flows[idx].owns_id = owns_id;
	if (owns_id)
		icmp_id_mark(s, e->v6, e->id, true);
	s->flows[idx].pos = s->n_active;
	s->active[s->n_active++] = (uint32_t)idx;
	core->log(m, PASST_LOG_DEBUG, "flow %d: ICMP%s echo, id %u%s", idx,
		  e->v6 ? "v6" : "", e->id,
		  owns_id ? "" : " (another one on the host)");
	return idx;
}

/**
 * icmp_on_frames() - Echo requests from the guest
 * @m:		This module
 * @f:		Frames
 * @n:		Number of frames
 * @now:	Current time
 *
 * #syscalls sendto
 */
static void icmp_on_frames(struct passt_mod *m, const struct passt_frame *f,
			   size_t n, const struct timespec *now)
{
	const struct passt_core_ops *core = passt_core(m);
	struct icmp *s = passt_priv(m);
	size_t i;

	for (i = 0; i < n; i++) {
		const struct passt_flow *fl;
		struct sockaddr_in6 sa;
		struct icmp_echo e;
		unsigned int side;
		socklen_t sl;
		int idx;

		if (icmp_parse(m, &f[i], &e)) {
			s->cnt.drop_malformed++;
			continue;
		}
		if (s->disabled || (e.v6 && s->no_v6)) {
			core->log(m, PASST_LOG_TRACE, "echo disabled: request "
				  "dropped");
			s->cnt.drop_disabled++;
			continue;
		}

		idx = core->flow_find(m, PASST_PIF_TAP,
				      e.v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP,
				      &e.src, e.id, &e.dst, e.id, &side);
		if (idx >= 0 && ((unsigned int)idx >= s->flow_max ||
				 s->flows[idx].sock < 0 ||
				 side != PASST_INISIDE))
			idx = -ENOENT;
		if (idx < 0)
			idx = icmp_flow_new(m, &e);
		if (idx < 0) {
			s->cnt.drop_no_flow++;
			continue;
		}

		fl = core->flow_at(m, (unsigned int)idx);
		sl = icmp_inany_to_sa(&sa, &fl->side[PASST_TGTSIDE].eaddr, 0);
		if (sendto(s->flows[idx].sock, e.msg, e.len, MSG_DONTWAIT,
			   (struct sockaddr *)&sa, sl) < 0) {
			core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
				  "flow %d: echo request, sequence %u: %s",
				  idx, e.seq, strerror(errno));
			s->cnt.drop_send++;
		} else {
			core->log(m, PASST_LOG_TRACE,
				  "flow %d: echo request, sequence %u", idx,
				  e.seq);
			s->cnt.requests_to_host++;
		}
		s->flows[idx].last = (uint32_t)now->tv_sec;
	}
}

/**
 * icmp_reply_src() - Where a reply appears to come from, to the guest
 * @fl:		Flow
 * @from:	Sender of the reply, from the socket
 * @src:	Set to the source address to show
 */
static void icmp_reply_src(const struct passt_flow *fl,
			   const struct sockaddr_in6 *from,
			   union passt_inany *src)
{
	const struct passt_flowside *tap = &fl->side[PASST_INISIDE];
	const struct passt_flowside *host = &fl->side[PASST_TGTSIDE];

	*src = tap->oaddr;
	if (from->sin6_family == AF_INET) {
		const struct sockaddr_in *f4 = (const void *)from;

		passt_inany_from_v4(src, f4->sin_addr);
	} else if (from->sin6_family == AF_INET6) {
		src->a6 = from->sin6_addr;
	} else {
		return;
	}

	/* The destination itself (maybe the host's loopback for the
	 * gateway), or a family mismatch: the address the guest pinged
	 */
	if (!memcmp(src, &host->eaddr, sizeof(*src)) ||
	    icmp_inany_loopback(src) || icmp_inany_unspec(src) ||
	    (passt_inany_v4(src) == NULL) != (passt_inany_v4(&tap->oaddr) ==
					      NULL))
		*src = tap->oaddr;
}

/**
 * icmp_reply() - Replies on a ping socket, to the guest
 * @m:		This module
 * @idx:	Flow index
 *
 * #syscalls recvfrom
 */
static void icmp_reply(struct passt_mod *m, unsigned int idx)
{
	const struct passt_core_ops *core = passt_core(m);
	const struct passt_netcfg *net = core->net(m);
	struct icmp *s = passt_priv(m);
	struct icmp_flow *f = &s->flows[idx];
	const struct passt_flowside *tap;
	const struct passt_flow *fl;
	size_t iphl = f->v6 ? PASST_IP6_HLEN : PASST_IP4_HLEN;
	size_t max = net->mtu > iphl ? net->mtu - iphl : 0;
	unsigned int round;

	fl = core->flow_at(m, idx);
	if (!fl || max < ICMP_HLEN)
		return;
	tap = &fl->side[PASST_INISIDE];
	if (max > 65535 - iphl)
		max = 65535 - iphl;

	for (round = 0; round < ICMP_ROUNDS; round++) {
		struct sockaddr_in6 from;
		socklen_t sl = sizeof(from);
		union passt_inany src;
		uint8_t *buf, *msg;
		size_t flen;
		ssize_t r;
		uint16_t c;

		buf = core->frame_alloc(m, PASST_ETH_HLEN + iphl + max);
		if (!buf)
			return;
		msg = buf + PASST_ETH_HLEN + iphl;

		memset(&from, 0, sizeof(from));
		r = recvfrom(f->sock, msg, max, MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &sl);
		if (r < 0)
			return;
		if ((size_t)r > max || r < ICMP_HLEN ||
		    msg[0] != (f->v6 ? ICMP6_ECHO_REPLY : ICMP_ECHO_REPLY)) {
			core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
				  "flow %u: reply of %zd bytes not passed on",
				  idx, r);
			s->cnt.drop_reply++;
			continue;
		}

		/* The kernel may have used another identifier: the guest
		 * gets its own back
		 */
		passt_put16(msg + 4, tap->eport);
		passt_put16(msg + 2, 0);
		icmp_reply_src(fl, &from, &src);

		if (f->v6) {
			flen = passt_ip6_fill(core, buf, IPPROTO_ICMPV6,
					      &src.a6, &tap->eaddr.a6,
					      (size_t)r, 64);
			c = passt_l4_csum(core, buf, true, (size_t)r);
		} else {
			flen = passt_ip4_fill(core, buf, IPPROTO_ICMP,
					      *passt_inany_v4(&src),
					      *passt_inany_v4(&tap->eaddr),
					      (size_t)r);
			c = passt_csum_fold(core->csum(msg, (size_t)r, 0));
		}
		memcpy(msg + 2, &c, 2);
		core->log(m, PASST_LOG_TRACE, "flow %u: echo reply, sequence "
			  "%u", idx, passt_get16(msg + 6));
		if (core->frame_send(m, flen))
			return;
		s->cnt.replies_from_host++;
		f->last = (uint32_t)core->now(m)->tv_sec;
	}
}

/**
 * icmp_on_fd() - Replies, or an error, on a ping socket
 * @m:		This module
 * @type:	ICMP_FD_FLOW
 * @fd:		Socket
 * @data:	Flow index
 * @events:	EPOLL* events
 * @now:	Current time
 *
 * #syscalls getsockopt
 */
static void icmp_on_fd(struct passt_mod *m, uint8_t type, int fd,
		       uint32_t data, uint32_t events,
		       const struct timespec *now)
{
	struct icmp *s = passt_priv(m);

	(void)now;
	if (type != ICMP_FD_FLOW || data >= s->flow_max ||
	    s->flows[data].sock != fd) {
		s->core->log(m, PASST_LOG_DEBUG,
			     "event on fd %d (type %u, data %u): no such flow",
			     fd, type, data);
		return;
	}
	if (events & EPOLLERR) {
		int err = 0;
		socklen_t sl = sizeof(err);

		/* Nothing to tell the guest: clear it so it stops waking us */
		if (!getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) && err)
			s->core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
				     "flow %u: %s", data, strerror(err));
	}
	if (events & EPOLLIN)
		icmp_reply(m, data);
}

/**
 * icmp_stat_put() - Append one counter, if there is room
 * @st:		Counters
 * @n:		Room in @st
 * @k:		Counters filled so far, updated
 * @name:	Name
 * @value:	Value
 */
static void icmp_stat_put(struct passt_stat *st, size_t n, size_t *k,
			  const char *name, uint64_t value)
{
	if (*k >= n)
		return;
	st[*k].name = name;
	st[(*k)++].value = value;
}

/**
 * icmp_stats() - Flows by IP version, echo traffic, drops by reason
 * @m:		This module
 * @st:		Counters to fill
 * @n:		Room in @st
 *
 * Return: number of counters filled
 */
static size_t icmp_stats(struct passt_mod *m, struct passt_stat *st,
			 size_t n)
{
	const struct icmp *s = passt_priv(m);
	uint64_t v6 = 0;
	size_t i, k = 0;

	for (i = 0; i < s->n_active; i++)
		v6 += s->flows[s->active[i]].v6;

	icmp_stat_put(st, n, &k, "flows_echo4", s->n_active - v6);
	icmp_stat_put(st, n, &k, "flows_echo6", v6);
	icmp_stat_put(st, n, &k, "requests_to_host", s->cnt.requests_to_host);
	icmp_stat_put(st, n, &k, "replies_from_host",
		      s->cnt.replies_from_host);
	icmp_stat_put(st, n, &k, "drop_malformed", s->cnt.drop_malformed);
	icmp_stat_put(st, n, &k, "drop_disabled", s->cnt.drop_disabled);
	icmp_stat_put(st, n, &k, "drop_no_flow", s->cnt.drop_no_flow);
	icmp_stat_put(st, n, &k, "drop_send", s->cnt.drop_send);
	icmp_stat_put(st, n, &k, "drop_reply", s->cnt.drop_reply);
	return k;
}

PASST_MODULE(
	.name		= "icmp",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "ICMP and ICMPv6 echo through ping sockets",
	.priv_size	= sizeof(struct icmp),
	.syscalls	= module_syscalls,
	.config_keys	= icmp_keys,
	.claims		= icmp_claims,
	.timer_ms	= ICMP_TIMER_MS,
	.configure	= icmp_configure,
	.init		= icmp_init,
	.fini		= icmp_fini,
	.on_fd		= icmp_on_fd,
	.on_frames	= icmp_on_frames,
	.on_timer	= icmp_on_timer,
	.on_reset	= icmp_on_reset,
	.stats		= icmp_stats,
);
