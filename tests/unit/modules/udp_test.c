// SPDX-License-Identifier: GPL-2.0-or-later
/* udp_test.c - UDP module: guest datagrams in, real loopback sockets out
 *
 * Guest frames are built here byte by byte, with the test's own checksum,
 * and handed to the module as the core would; the host side is real: the
 * module's sockets talk to sockets the test opens on loopback, inside a
 * network namespace of the test's own (so that ports like 53 are free and
 * nothing leaves the namespace). Frames the module queues for the guest are
 * taken apart and checked field by field, checksums included. Tests that
 * need the namespace say so and pass without checking anything when the
 * machine can't give one (no privileges, no user namespaces).
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <CUnit/CUnit.h>

#include "unit.h"
#include "fake_core.h"
#include "netns.h"
#include "wire.h"
/* By path: the Makefile passes -Imodules/udp_test, not -Imodules/udp */
#include "udp.h"

extern const struct passt_module passt_module;

#define FRAME_MAX	(PASST_ETH_HLEN + 65535 + 64)
#define GUEST4		FAKE_IP4_ADDR
#define GW4		FAKE_IP4_GW
#define GUEST6		FAKE_IP6_ADDR
#define GW6		FAKE_IP6_GW
#define REMOTE4		"192.0.2.1"	/* added to lo in the namespace */
#define OUT4		"192.0.2.2"
#define REMOTE6		"2001:db8:1::1"
#define OUT6		"2001:db8:1::2"

static const uint8_t guest_mac[6] = FAKE_GUEST_MAC;
static const uint8_t our_mac[6] = FAKE_OUR_MAC;
static struct passt_mod *mod;
static uint8_t fbuf[FRAME_MAX];

/* ------------------------------------------------------------------------ */
/* Helpers: namespace, checksums, frames                                    */
/* ------------------------------------------------------------------------ */

/**
 * netns() - Move the test into a network namespace of its own, once
 *
 * Return: true if we are in one
 */
static bool netns(void)
{
	static int ready = -1;

	if (ready >= 0)
		return ready;
	ready = 0;
	/* Two "remote" addresses of each version besides loopback */
	if (!unit_netns_enter() ||
	    unit_lo_addr("lo:1", REMOTE4) || unit_lo_addr("lo:2", OUT4) ||
	    unit_lo_addr(NULL, REMOTE6) || unit_lo_addr(NULL, OUT6) ||
	    !unit_usable6(REMOTE6) || !unit_usable6(OUT6)) {
		fprintf(stderr, "(no network namespace: %s, skipped) ",
			strerror(errno));
		return false;
	}
	ready = 1;
	return true;
}

/**
 * l4_sum() - Sum of an L4 segment with its pseudo-header
 * @ip:		IP header
 * @v6:		IPv6
 * @proto:	Protocol
 * @l4:		Segment
 * @len:	Its length
 *
 * Return: folded checksum, 0 if the segment's checksum is right
 */
static uint16_t l4_sum(const uint8_t *ip, bool v6, uint8_t proto,
		       const uint8_t *l4, size_t len)
{
	uint32_t sum;

	if (v6)
		sum = unit_sum16(ip + 8, 32, 0) + (uint32_t)(len >> 16) +
		      (uint32_t)(len & 0xffff) + proto;
	else
		sum = unit_sum16(ip + 12, 8, 0) + (uint32_t)len + proto;
	return unit_fold(unit_sum16(l4, len, sum));
}

/**
 * put16() - Store big-endian 16 bits
 * @p:		Where
 * @v:		Value
 */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/**
 * get16() - Load big-endian 16 bits
 * @p:		Where
 *
 * Return: value
 */
static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/**
 * build_udp() - A guest UDP frame with right lengths and checksums
 * @b:		Buffer, FRAME_MAX bytes
 * @v6:		IPv6
 * @src:	Source address
 * @dst:	Destination address
 * @sport:	Source port
 * @dport:	Destination port
 * @data:	Payload
 * @len:	Payload length
 *
 * Return: frame length
 */
static size_t build_udp(uint8_t *b, bool v6, const char *src, const char *dst,
			uint16_t sport, uint16_t dport, const void *data,
			size_t len)
{
	size_t iphl = v6 ? 40 : 20;
	uint8_t *ip = b + 14, *uh = ip + iphl;
	uint16_t c;

	memcpy(b, our_mac, 6);
	memcpy(b + 6, guest_mac, 6);
	put16(b + 12, v6 ? 0x86dd : 0x0800);
	memset(ip, 0, iphl);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(8 + len));
		ip[6] = IPPROTO_UDP;
		ip[7] = 64;
		inet_pton(AF_INET6, src, ip + 8);
		inet_pton(AF_INET6, dst, ip + 24);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + 8 + len));
		put16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		inet_pton(AF_INET, src, ip + 12);
		inet_pton(AF_INET, dst, ip + 16);
		put16(ip + 10, unit_fold(unit_sum16(ip, 20, 0)));
	}
	put16(uh, sport);
	put16(uh + 2, dport);
	put16(uh + 4, (uint16_t)(8 + len));
	put16(uh + 6, 0);
	memcpy(uh + 8, data, len);
	c = l4_sum(ip, v6, IPPROTO_UDP, uh, 8 + len);
	put16(uh + 6, c ? c : 0xffff);
	return 14 + iphl + 8 + len;
}

/**
 * frame_of() - Describe a frame as the core hands it over
 * @f:		Filled
 * @b:		Frame
 * @len:	Length
 */
static void frame_of(struct passt_frame *f, const uint8_t *b, size_t len)
{
	bool v6 = get16(b + 12) == 0x86dd;
	size_t iphl = v6 ? 40 : (size_t)(b[14] & 0xf) * 4;
	size_t tot = v6 ? 40 + get16(b + 18) : get16(b + 16);

	memset(f, 0, sizeof(*f));
	f->data = b;
	f->len = len;
	f->l3off = 14;
	f->l4off = (uint16_t)(14 + iphl);
	f->l4len = (uint16_t)(tot - iphl);
	f->ethertype = v6 ? PASST_ETHERTYPE_IPV6 : PASST_ETHERTYPE_IP;
	f->l4proto = v6 ? b[14 + 6] : b[14 + 9];
}

/**
 * guest_send() - Hand one built frame to the module
 * @b:		Frame
 * @len:	Length
 */
static void guest_send(const uint8_t *b, size_t len)
{
	struct passt_frame f;

	frame_of(&f, b, len);
	passt_module.on_frames(mod, &f, 1, fake_core_now());
}

/**
 * guest_udp() - Build and send one guest datagram
 * @v6:		IPv6
 * @src:	Source
 * @dst:	Destination
 * @sport:	Source port
 * @dport:	Destination port
 * @data:	Payload
 * @len:	Payload length
 */
static void guest_udp(bool v6, const char *src, const char *dst,
		      uint16_t sport, uint16_t dport, const void *data,
		      size_t len)
{
	guest_send(fbuf, build_udp(fbuf, v6, src, dst, sport, dport, data,
				   len));
}

/**
 * check_udp() - Check a frame to the guest, field by field
 * @fr:		Frame recorded by the fake core
 * @v6:		IPv6 expected
 * @src:	Source address expected
 * @dst:	Destination address expected
 * @sport:	Source port expected
 * @dport:	Destination port expected
 * @data:	Payload expected
 * @len:	Its length
 *
 * Return: true if everything matches
 */
static bool check_udp(const struct fake_frame *fr, bool v6, const char *src,
		      const char *dst, uint16_t sport, uint16_t dport,
		      const void *data, size_t len)
{
	size_t iphl = v6 ? 40 : 20;
	const uint8_t *ip = fr->data + 14, *uh = ip + iphl;
	uint8_t a[16];

	CU_ASSERT_EQUAL_FATAL(fr->len, 14 + iphl + 8 + len);
	CU_ASSERT_EQUAL(memcmp(fr->data, guest_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(fr->data + 6, our_mac, 6), 0);
	CU_ASSERT_EQUAL(get16(fr->data + 12), v6 ? 0x86dd : 0x0800);
	if (v6) {
		CU_ASSERT_EQUAL(ip[0] >> 4, 6);
		CU_ASSERT_EQUAL(get16(ip + 4), 8 + len);
		CU_ASSERT_EQUAL(ip[6], IPPROTO_UDP);
		inet_pton(AF_INET6, src, a);
		CU_ASSERT_EQUAL(memcmp(ip + 8, a, 16), 0);
		inet_pton(AF_INET6, dst, a);
		CU_ASSERT_EQUAL(memcmp(ip + 24, a, 16), 0);
	} else {
		CU_ASSERT_EQUAL(ip[0], 0x45);
		CU_ASSERT_EQUAL(get16(ip + 2), 28 + len);
		CU_ASSERT_EQUAL(ip[9], IPPROTO_UDP);
		CU_ASSERT_EQUAL(unit_fold(unit_sum16(ip, 20, 0)), 0);
		inet_pton(AF_INET, src, a);
		CU_ASSERT_EQUAL(memcmp(ip + 12, a, 4), 0);
		inet_pton(AF_INET, dst, a);
		CU_ASSERT_EQUAL(memcmp(ip + 16, a, 4), 0);
	}
	CU_ASSERT_EQUAL(get16(uh), sport);
	CU_ASSERT_EQUAL(get16(uh + 2), dport);
	CU_ASSERT_EQUAL(get16(uh + 4), 8 + len);
	CU_ASSERT_NOT_EQUAL(get16(uh + 6), 0);
	CU_ASSERT_EQUAL(l4_sum(ip, v6, IPPROTO_UDP, uh, 8 + len), 0);
	CU_ASSERT_EQUAL(memcmp(uh + 8, data, len), 0);

	return fr->len == 14 + iphl + 8 + len && get16(uh) == sport &&
	       get16(uh + 2) == dport && !memcmp(uh + 8, data, len);
}

/**
 * sock_bound() - A UDP socket bound on loopback
 * @v6:		IPv6 (::1), else 127.0.0.1
 * @port:	Port, 0 for any; set to the port bound
 * @reuse:	Set SO_REUSEADDR
 *
 * Return: socket, or -1
 */
static int sock_bound(bool v6, uint16_t *port, bool reuse)
{
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sa4 = { .sin_family = AF_INET };
	struct sockaddr *sa = v6 ? (struct sockaddr *)&sa6 :
				   (struct sockaddr *)&sa4;
	socklen_t sl = v6 ? sizeof(sa6) : sizeof(sa4);
	int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int one = 1;

	if (s < 0)
		return -1;
	if (reuse)
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa6.sin6_addr = in6addr_loopback;
	sa6.sin6_port = htons(*port);
	sa4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa4.sin_port = htons(*port);
	if (bind(s, sa, sl) || getsockname(s, sa, &sl)) {
		close(s);
		return -1;
	}
	*port = v6 ? ntohs(sa6.sin6_port) : ntohs(sa4.sin_port);
	return s;
}

/**
 * wait_in() - Wait for a socket to be readable (or to have an error)
 * @s:		Socket
 * @ev:		POLLIN or POLLERR
 *
 * Return: true if it is
 */
static bool wait_in(int s, short ev)
{
	struct pollfd p = { .fd = s, .events = ev };

	return poll(&p, 1, 2000) == 1 && (p.revents & ev);
}

/**
 * recv_from() - Receive one datagram with a timeout
 * @s:		Socket
 * @buf:	Buffer
 * @size:	Its size
 * @from:	Sender, filled
 *
 * Return: length, or -1
 */
static ssize_t recv_from(int s, void *buf, size_t size,
			 struct sockaddr_in6 *from)
{
	socklen_t sl = sizeof(*from);

	if (!wait_in(s, POLLIN))
		return -1;
	return recvfrom(s, buf, size, MSG_DONTWAIT, (struct sockaddr *)from,
			&sl);
}

/**
 * send_to() - Send a datagram from a test socket to a loopback port
 * @s:		Socket
 * @v6:		IPv6
 * @port:	Destination port on loopback
 * @data:	Payload
 * @len:	Length
 *
 * Return: bytes sent
 */
static ssize_t send_to(int s, bool v6, uint16_t port, const void *data,
		       size_t len)
{
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sa4 = { .sin_family = AF_INET };

	sa6.sin6_addr = in6addr_loopback;
	sa6.sin6_port = htons(port);
	sa4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa4.sin_port = htons(port);
	if (v6)
		return sendto(s, data, len, 0, (struct sockaddr *)&sa6,
			      sizeof(sa6));
	return sendto(s, data, len, 0, (struct sockaddr *)&sa4, sizeof(sa4));
}

/**
 * last_flow_fd() - The socket of the last fd_add() for a flow
 * @idx:	Set to the flow index, if not NULL
 *
 * Return: fd, or -1 if none was added
 */
static int last_flow_fd(uint32_t *idx)
{
	unsigned int i;

	for (i = fake_core.n_fd_calls; i-- > 0; ) {
		const struct fake_fd_call *c = &fake_core.fd_calls[i];

		if (c->op == FAKE_FD_ADD && c->type == UDP_FD_FLOW) {
			CU_ASSERT_EQUAL(c->events & EPOLLIN, EPOLLIN);
			if (idx)
				*idx = c->data;
			return c->fd;
		}
	}
	return -1;
}

/**
 * count_ops() - How many fd calls of a kind were made
 * @op:		Kind
 *
 * Return: count
 */
static unsigned int count_ops(enum fake_fd_op op)
{
	unsigned int i, n = 0;

	for (i = 0; i < fake_core.n_fd_calls; i++)
		n += fake_core.fd_calls[i].op == op;
	return n;
}

/**
 * start() - Load, configure and initialise the module
 *
 * Return: 0 from both, or the first error
 */
static int start(void)
{
	int rc;

	rc = fake_core_configure(mod);
	if (rc)
		return rc;
	return fake_core_init(mod);
}

/**
 * setup() - Fresh fake core and module
 *
 * Return: the module
 */
static struct passt_mod *setup(void)
{
	mod = fake_core_load(&passt_module);
	return mod;
}

/**
 * teardown() - Unload, checking nobody misused the core
 */
static void teardown(void)
{
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	fake_core_unload(mod);
	mod = NULL;
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

/**
 * test_descriptor() - Claims, timer, name
 */
static void test_descriptor(void)
{
	const struct passt_claim *c = passt_module.claims;

	CU_ASSERT_STRING_EQUAL(passt_module.name, "udp");
	CU_ASSERT_EQUAL(passt_module.kind, PASST_MOD_PROTOCOL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c[0].ethertype, PASST_ETHERTYPE_IP);
	CU_ASSERT_EQUAL(c[0].l4proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(c[0].l4dst, 0);
	CU_ASSERT_EQUAL(c[1].ethertype, PASST_ETHERTYPE_IPV6);
	CU_ASSERT_EQUAL(c[1].l4proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(c[1].l4dst, 0);
	CU_ASSERT_EQUAL(c[2].ethertype, 0);
	CU_ASSERT_EQUAL(passt_module.timer_ms, 1000);
}

/**
 * test_config() - flow_timeout default and range, DNS settings
 */
static void test_config(void)
{
	static const char *const bad[] = { "10.0.2.3", "not-an-address" };
	static const char *const fwd6[] = { "2001:db8::53" };
	static const char *const f4[] = { FAKE_IP4_DNS0 };
	struct udp *u;

	setup();
	CU_ASSERT_EQUAL(start(), 0);
	u = fake_core_priv(mod);
	CU_ASSERT_EQUAL(u->flow_timeout, 180);
	CU_ASSERT_EQUAL(u->n_dns, 0);	/* the fake core has no DNS pair */
	teardown();

	setup();
	fake_core_cfg_set_int("flow_timeout", 0);
	CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
	CU_ASSERT(fake_core_log_find("flow_timeout 0: must be 1 to 86400") >=
		  0);
	teardown();

	setup();
	fake_core_cfg_set_int("flow_timeout", 86401);
	CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
	teardown();

	setup();
	fake_core_cfg_set_int("flow_timeout", 86400);
	CU_ASSERT_EQUAL(fake_core_configure(mod), 0);
	teardown();

	setup();
	fake_core_cfg_set_list("dns_forward", bad, 2);
	CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
	CU_ASSERT(fake_core_log_find("'not-an-address'") >= 0);
	teardown();

	/* A forwarded IPv6 address, and no IPv6 resolver anywhere */
	setup();
	fake_core.net.ip6.n_dns = 0;
	fake_core_cfg_set_list("dns_forward", fwd6, 1);
	CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
	CU_ASSERT(fake_core_log_find("set udp.dns_host") >= 0);
	teardown();

	/* The core's pair is taken as it is */
	setup();
	fake_core.net.ip4.dns_match = fake_core.net.ip4.gw;
	inet_pton(AF_INET, "127.0.0.53", &fake_core.net.ip4.dns_host);
	CU_ASSERT_EQUAL(start(), 0);
	u = fake_core_priv(mod);
	CU_ASSERT_EQUAL_FATAL(u->n_dns, 1);
	CU_ASSERT_EQUAL(passt_inany_v4(&u->dns[0].match)->s_addr,
			fake_core.net.ip4.gw.s_addr);
	CU_ASSERT_EQUAL(passt_inany_v4(&u->dns[0].host)->s_addr,
			htonl(0x7f000035));
	teardown();

	/* dns_forward without dns_host: the first other guest nameserver */
	setup();
	fake_core_cfg_set_list("dns_forward", f4, 1);
	CU_ASSERT_EQUAL(start(), 0);
	u = fake_core_priv(mod);
	CU_ASSERT_EQUAL_FATAL(u->n_dns, 1);
	CU_ASSERT_EQUAL(passt_inany_v4(&u->dns[0].host)->s_addr,
			fake_core.net.ip4.dns[1].s_addr);
	teardown();
}

/**
 * test_malformed() - Bad lengths, truncation, checksums, addresses: dropped
 */
static void test_malformed(void)
{
	static const uint8_t data[32] = "malformed";
	struct passt_frame f;
	size_t len;

	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);

	/* UDP length beyond the IP payload */
	len = build_udp(fbuf, false, GUEST4, GW4, 40000, 7, data, 32);
	put16(fbuf + 34 + 4, 41);
	guest_send(fbuf, len);

	/* UDP length below the header's */
	len = build_udp(fbuf, false, GUEST4, GW4, 40000, 7, data, 32);
	put16(fbuf + 34 + 4, 7);
	guest_send(fbuf, len);

	/* Truncated: fewer than 8 bytes of UDP header */
	len = build_udp(fbuf, false, GUEST4, GW4, 40000, 7, data, 0);
	frame_of(&f, fbuf, len - 3);
	f.l4len = 5;
	passt_module.on_frames(mod, &f, 1, fake_core_now());

	/* The frame ends before what the IP header promised */
	len = build_udp(fbuf, false, GUEST4, GW4, 40000, 7, data, 32);
	frame_of(&f, fbuf, len);
	f.len = len - 10;
	passt_module.on_frames(mod, &f, 1, fake_core_now());

	/* No transport header found by the core (a fragment) */
	len = build_udp(fbuf, false, GUEST4, GW4, 40000, 7, data, 32);
	frame_of(&f, fbuf, len);
	f.l4off = 0;
	passt_module.on_frames(mod, &f, 1, fake_core_now());

	/* Bad checksums, both versions */
	len = build_udp(fbuf, false, GUEST4, GW4, 40000, 7, data, 32);
	fbuf[34 + 8] ^= 1;
	guest_send(fbuf, len);
	len = build_udp(fbuf, true, GUEST6, GW6, 40000, 7, data, 32);
	fbuf[54 + 8] ^= 0x80;
	guest_send(fbuf, len);

	/* IPv6 without checksum */
	len = build_udp(fbuf, true, GUEST6, GW6, 40000, 7, data, 32);
	put16(fbuf + 54 + 6, 0);
	guest_send(fbuf, len);

	/* Port 0, multicast source, loopback destination */
	guest_udp(false, GUEST4, GW4, 0, 7, data, 32);
	guest_udp(false, GUEST4, GW4, 40000, 0, data, 32);
	guest_udp(false, "224.0.0.1", GW4, 40000, 7, data, 32);
	guest_udp(false, GUEST4, "127.0.0.1", 40000, 7, data, 32);
	guest_udp(true, "::1", GW6, 40000, 7, data, 32);

	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(fake_core.n_fd_calls, 0);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT(fake_core.log_count[PASST_LOG_TRACE] >= 13);
	CU_ASSERT(fake_core_log_find("bad checksum") >= 0);
	CU_ASSERT(fake_core_log_find("bad length") >= 0);
	CU_ASSERT(fake_core_log_find("truncated header") >= 0);
	teardown();
}

/**
 * echo_one() - A datagram through the gateway to a loopback server, and
 *		its answer back to the guest
 * @v6:		IPv6
 */
static void echo_one(bool v6)
{
	const char *guest = v6 ? GUEST6 : GUEST4, *gw = v6 ? GW6 : GW4;
	uint8_t buf[256];
	struct sockaddr_in6 from;
	uint16_t port = 0, fport;
	union passt_inany fa;
	uint32_t idx;
	int srv, fd;
	ssize_t n;

	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	srv = sock_bound(v6, &port, false);
	CU_ASSERT_FATAL(srv >= 0);

	guest_udp(v6, guest, gw, 40000, port, "ping", 4);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	fd = last_flow_fd(&idx);
	CU_ASSERT_FATAL(fd >= 0);

	n = recv_from(srv, buf, sizeof(buf), &from);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(memcmp(buf, "ping", 4), 0);
	udp_inany_from_sa(&fa, &fport, &from);
	CU_ASSERT_EQUAL(fport, 40000);		/* the guest's port, kept */
	CU_ASSERT(udp_inany_loopback(&fa));

	/* Same tuple: same flow, no new socket */
	guest_udp(v6, guest, gw, 40000, port, "ping2", 5);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT_EQUAL(count_ops(FAKE_FD_ADD), 1);
	n = recv_from(srv, buf, sizeof(buf), &from);
	CU_ASSERT_EQUAL(n, 5);

	CU_ASSERT_EQUAL(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from,
			       v6 ? sizeof(from) : sizeof(struct sockaddr_in)),
			4);
	CU_ASSERT_FATAL(wait_in(fd, POLLIN));
	passt_module.on_fd(mod, UDP_FD_FLOW, fd, idx, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	CU_ASSERT(check_udp(&fake_core.to_guest[0], v6, gw, guest, port,
			    40000, "pong", 4));

	close(srv);
	teardown();
}

/**
 * test_echo4() - IPv4: port kept, reply from the gateway to the guest
 */
static void test_echo4(void)
{
	if (netns())
		echo_one(false);
}

/**
 * test_echo6() - IPv6: the same through ::1
 */
static void test_echo6(void)
{
	if (netns())
		echo_one(true);
}

/**
 * test_batch() - Many datagrams both ways, in order, one socket
 */
static void test_batch(void)
{
	struct passt_frame f[40];
	static uint8_t bufs[40][128];
	struct sockaddr_in6 from;
	uint16_t port = 0;
	unsigned int i;
	uint8_t buf[128];
	uint32_t idx;
	int srv, fd;

	if (!netns())
		return;
	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	srv = sock_bound(false, &port, false);
	CU_ASSERT_FATAL(srv >= 0);

	for (i = 0; i < 40; i++) {
		uint8_t d[64];

		memset(d, (int)i, sizeof(d));
		frame_of(&f[i], bufs[i],
			 build_udp(bufs[i], false, GUEST4, GW4, 40001, port, d,
				   i + 1));
	}
	passt_module.on_frames(mod, f, 40, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	fd = last_flow_fd(&idx);
	CU_ASSERT_FATAL(fd >= 0);

	for (i = 0; i < 40; i++) {
		ssize_t n = recv_from(srv, buf, sizeof(buf), &from);

		CU_ASSERT_EQUAL_FATAL(n, (ssize_t)i + 1);
		CU_ASSERT_EQUAL(buf[i], i);
	}
	for (i = 0; i < 40; i++) {
		memset(buf, 0x40 + (int)i, sizeof(buf));
		sendto(srv, buf, 100 - i, 0, (struct sockaddr *)&from,
		       sizeof(struct sockaddr_in));
	}
	CU_ASSERT_FATAL(wait_in(fd, POLLIN));
	passt_module.on_fd(mod, UDP_FD_FLOW, fd, idx, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 40);
	for (i = 0; i < 40; i++) {
		memset(buf, 0x40 + (int)i, sizeof(buf));
		CU_ASSERT(check_udp(&fake_core.to_guest[i], false, GW4, GUEST4,
				    port, 40001, buf, 100 - i));
	}

	close(srv);
	teardown();
}

/**
 * test_port_taken() - The guest's port is taken on the host: another port
 *		       is used, and replies still reach the guest's port
 */
static void test_port_taken(void)
{
	uint16_t port = 0, taken = 0, fport;
	struct sockaddr_in6 from;
	union passt_inany fa;
	uint8_t buf[64];
	int srv, blocker, fd;
	uint32_t idx;

	if (!netns())
		return;
	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	srv = sock_bound(false, &port, false);
	blocker = sock_bound(false, &taken, false);	/* no SO_REUSEADDR */
	CU_ASSERT_FATAL(srv >= 0 && blocker >= 0);

	guest_udp(false, GUEST4, GW4, taken, port, "x", 1);
	fd = last_flow_fd(&idx);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(recv_from(srv, buf, sizeof(buf), &from), 1);
	udp_inany_from_sa(&fa, &fport, &from);
	CU_ASSERT_NOT_EQUAL(fport, taken);
	CU_ASSERT_NOT_EQUAL(fport, 0);

	sendto(srv, "yz", 2, 0, (struct sockaddr *)&from,
	       sizeof(struct sockaddr_in));
	CU_ASSERT_FATAL(wait_in(fd, POLLIN));
	passt_module.on_fd(mod, UDP_FD_FLOW, fd, idx, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	CU_ASSERT(check_udp(&fake_core.to_guest[0], false, GW4, GUEST4, port,
			    taken, "yz", 2));

	close(blocker);
	close(srv);
	teardown();
}

/**
 * test_expiry() - A flow goes after flow_timeout idle seconds, and its
 *		   socket with it: the port is free again
 */
static void test_expiry(void)
{
	uint16_t port = 0, gport;
	uint8_t buf[16];
	struct sockaddr_in6 from;
	int srv, fd, again;
	uint32_t idx;

	if (!netns())
		return;
	setup();
	fake_core_cfg_set_int("flow_timeout", 5);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	srv = sock_bound(false, &port, false);
	CU_ASSERT_FATAL(srv >= 0);

	guest_udp(false, GUEST4, GW4, 40002, port, "a", 1);
	fd = last_flow_fd(&idx);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(recv_from(srv, buf, sizeof(buf), &from), 1);

	/* The guest's port is bound by the flow now */
	gport = 40002;
	again = sock_bound(false, &gport, false);
	CU_ASSERT_EQUAL(again, -1);

	fake_core.now.tv_sec += 4;
	passt_module.on_timer(mod, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT_EQUAL(count_ops(FAKE_FD_DEL), 0);

	/* Activity pushes the deadline: 5 idle seconds are not more */
	guest_udp(false, GUEST4, GW4, 40002, port, "b", 1);
	fake_core.now.tv_sec += 5;
	passt_module.on_timer(mod, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);

	fake_core.now.tv_sec += 1;
	passt_module.on_timer(mod, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(count_ops(FAKE_FD_DEL), 1);
	CU_ASSERT_EQUAL(fake_core.fd_calls[fake_core.n_fd_calls - 1].fd, fd);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFD), -1);
	CU_ASSERT_EQUAL(errno, EBADF);

	gport = 40002;
	again = sock_bound(false, &gport, false);
	CU_ASSERT(again >= 0);
	if (again >= 0)
		close(again);

	close(srv);
	teardown();
}

/**
 * inbound_one() - A host peer through a forwarding rule to the guest, and
 *		   the guest's answer back through the listening socket
 * @dual:	Dual-stack listening socket, else IPv4
 * @v6:		Peer is IPv6 (::1)
 */
static void inbound_one(bool dual, bool v6)
{
	struct passt_fwd_rule rule;
	const char *guest;
	struct sockaddr_in6 from;
	uint16_t lport = 0, pport = 0, fport;
	union passt_inany fa;
	uint8_t buf[64];
	int lfd, peer;
	uint32_t ref;

	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);

	if (dual) {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
		socklen_t sl = sizeof(sa);
		int zero = 0;

		lfd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		CU_ASSERT_FATAL(lfd >= 0);
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		CU_ASSERT_FATAL(!bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
		getsockname(lfd, (struct sockaddr *)&sa, &sl);
		lport = ntohs(sa.sin6_port);
	} else {
		lfd = sock_bound(false, &lport, true);
		CU_ASSERT_FATAL(lfd >= 0);
	}
	peer = sock_bound(v6, &pport, false);
	CU_ASSERT_FATAL(peer >= 0);

	memset(&rule, 0, sizeof(rule));
	rule.proto = IPPROTO_UDP;
	rule.from = PASST_PIF_HOST;
	rule.first = rule.last = lport;
	rule.to = 6000;
	rule.any_family = dual;
	if (!dual) {
		struct in_addr lo = { htonl(INADDR_LOOPBACK) };

		passt_inany_from_v4(&rule.addr, lo);
	}
	fake_core_fwd_set(&rule, 1);
	ref = PASST_FWD_REF(0, lport);

	/* The gateway is link-local: the guest's link-local address
	 * answers it, so that is where datagrams from it go
	 */
	guest = v6 ? FAKE_IP6_GUEST_LL : GUEST4;

	CU_ASSERT_EQUAL(send_to(peer, v6, lport, "hello", 5), 5);
	CU_ASSERT_FATAL(wait_in(lfd, POLLIN));
	passt_module.on_fd(mod, PASST_FD_LISTEN, lfd, ref, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	CU_ASSERT(check_udp(&fake_core.to_guest[0], v6, v6 ? GW6 : GW4,
			    guest, pport, 6000, "hello", 5));
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);

	/* The guest answers the address it saw: back out of the listener */
	guest_udp(v6, guest, v6 ? GW6 : GW4, 6000, pport, "answer", 6);
	CU_ASSERT_EQUAL(recv_from(peer, buf, sizeof(buf), &from), 6);
	CU_ASSERT_EQUAL(memcmp(buf, "answer", 6), 0);
	udp_inany_from_sa(&fa, &fport, &from);
	CU_ASSERT_EQUAL(fport, lport);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);

	/* More from the same peer: the same flow */
	CU_ASSERT_EQUAL(send_to(peer, v6, lport, "again", 5), 5);
	CU_ASSERT_FATAL(wait_in(lfd, POLLIN));
	passt_module.on_fd(mod, PASST_FD_LISTEN, lfd, ref, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 2);
	CU_ASSERT(check_udp(&fake_core.to_guest[1], v6, v6 ? GW6 : GW4,
			    guest, pport, 6000, "again", 5));
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);

	/* Inbound flows expire without touching the listening socket */
	fake_core.now.tv_sec += 180;
	passt_module.on_timer(mod, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	fake_core.now.tv_sec += 1;
	passt_module.on_timer(mod, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(count_ops(FAKE_FD_DEL), 0);
	CU_ASSERT_NOT_EQUAL(fcntl(lfd, F_GETFD), -1);

	close(peer);
	close(lfd);
	teardown();
}

/**
 * test_inbound() - Forwarded host ports: IPv4, dual-stack with both
 */
static void test_inbound(void)
{
	if (!netns())
		return;
	inbound_one(false, false);
	inbound_one(true, false);
	inbound_one(true, true);
}

/**
 * test_inbound_no_map() - Loopback peers without map_host_loopback: dropped
 */
static void test_inbound_no_map(void)
{
	struct passt_fwd_rule rule;
	uint16_t lport = 0, pport = 0;
	int lfd, peer;

	if (!netns())
		return;
	setup();
	fake_core.net.ip4.map_host_loopback.s_addr = 0;
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	lfd = sock_bound(false, &lport, true);
	peer = sock_bound(false, &pport, false);
	CU_ASSERT_FATAL(lfd >= 0 && peer >= 0);

	memset(&rule, 0, sizeof(rule));
	rule.proto = IPPROTO_UDP;
	rule.from = PASST_PIF_HOST;
	rule.first = rule.last = lport;
	rule.to = lport;
	rule.any_family = 1;
	fake_core_fwd_set(&rule, 1);

	send_to(peer, false, lport, "x", 1);
	CU_ASSERT_FATAL(wait_in(lfd, POLLIN));
	passt_module.on_fd(mod, PASST_FD_LISTEN, lfd, PASST_FWD_REF(0, lport),
			   EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);

	/* A rule index that doesn't exist: nothing happens */
	passt_module.on_fd(mod, PASST_FD_LISTEN, lfd, PASST_FWD_REF(7, lport),
			   EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);

	close(peer);
	close(lfd);
	teardown();
}

/**
 * dns_one() - A query to the forwarded address reaches the host resolver,
 *	       the answer comes from the address the guest asked
 * @v6:		IPv6
 * @cfg:	Use the dns_forward and dns_host settings, else the core's pair
 */
static void dns_one(bool v6, bool cfg)
{
	const char *guest = v6 ? GUEST6 : GUEST4;
	const char *ask = v6 ? FAKE_IP6_DNS0 : FAKE_IP4_DNS0;
	/* The fake core keeps these pointers until the module is unloaded */
	const char *fwd[] = { ask };
	const char *host[] = { v6 ? "::1" : "127.0.0.1" };
	struct sockaddr_in6 from;
	uint16_t port = 53;
	uint8_t buf[64];
	uint32_t idx;
	int res, fd;

	setup();
	if (cfg) {
		fake_core_cfg_set_list("dns_forward", fwd, 1);
		fake_core_cfg_set_list("dns_host", host, 1);
	} else if (v6) {
		inet_pton(AF_INET6, ask, &fake_core.net.ip6.dns_match);
		fake_core.net.ip6.dns_host = in6addr_loopback;
	} else {
		inet_pton(AF_INET, ask, &fake_core.net.ip4.dns_match);
		fake_core.net.ip4.dns_host.s_addr = htonl(INADDR_LOOPBACK);
	}
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	res = sock_bound(v6, &port, false);
	CU_ASSERT_FATAL(res >= 0);

	guest_udp(v6, guest, ask, 33333, 53, "query", 5);
	fd = last_flow_fd(&idx);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(recv_from(res, buf, sizeof(buf), &from), 5);
	CU_ASSERT_EQUAL(memcmp(buf, "query", 5), 0);

	sendto(res, "answer", 6, 0, (struct sockaddr *)&from,
	       v6 ? sizeof(from) : sizeof(struct sockaddr_in));
	CU_ASSERT_FATAL(wait_in(fd, POLLIN));
	passt_module.on_fd(mod, UDP_FD_FLOW, fd, idx, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	CU_ASSERT(check_udp(&fake_core.to_guest[0], v6, ask, guest, 53, 33333,
			    "answer", 6));

	close(res);
	teardown();
}

/**
 * test_dns() - DNS forwarding, both versions, core pair and settings
 */
static void test_dns(void)
{
	if (!netns())
		return;
	dns_one(false, false);
	dns_one(false, true);
	dns_one(true, false);
	dns_one(true, true);
}

/**
 * check_icmp_err() - Check an ICMP error frame to the guest
 * @fr:		Frame
 * @v6:		ICMPv6
 * @src:	Source expected
 * @type:	Type expected
 * @code:	Code expected
 * @sport:	Quoted source port expected (the guest's)
 * @dport:	Quoted destination port expected
 * @data:	Quoted payload expected
 * @len:	Its length
 */
static void check_icmp_err(const struct fake_frame *fr, bool v6,
			   const char *src, uint8_t type, uint8_t code,
			   uint16_t sport, uint16_t dport, const void *data,
			   size_t len)
{
	size_t iphl = v6 ? 40 : 20;
	const uint8_t *ip = fr->data + 14, *icmp = ip + iphl;
	const uint8_t *in = icmp + 8, *uh = in + iphl;
	size_t l4len = fr->len - 14 - iphl;
	uint8_t a[16];

	CU_ASSERT_EQUAL_FATAL(fr->len, 14 + iphl + 8 + iphl + 8 + len);
	CU_ASSERT_EQUAL(memcmp(fr->data, guest_mac, 6), 0);
	if (v6) {
		CU_ASSERT_EQUAL(ip[6], IPPROTO_ICMPV6);
		inet_pton(AF_INET6, src, a);
		CU_ASSERT_EQUAL(memcmp(ip + 8, a, 16), 0);
		inet_pton(AF_INET6, GUEST6, a);
		CU_ASSERT_EQUAL(memcmp(ip + 24, a, 16), 0);
		CU_ASSERT_EQUAL(l4_sum(ip, true, IPPROTO_ICMPV6, icmp, l4len),
				0);
		CU_ASSERT_EQUAL(memcmp(in + 8, a, 16), 0);   /* quoted src */
		inet_pton(AF_INET6, GW6, a);
		CU_ASSERT_EQUAL(memcmp(in + 24, a, 16), 0);
	} else {
		CU_ASSERT_EQUAL(ip[9], IPPROTO_ICMP);
		CU_ASSERT_EQUAL(unit_fold(unit_sum16(ip, 20, 0)), 0);
		inet_pton(AF_INET, src, a);
		CU_ASSERT_EQUAL(memcmp(ip + 12, a, 4), 0);
		inet_pton(AF_INET, GUEST4, a);
		CU_ASSERT_EQUAL(memcmp(ip + 16, a, 4), 0);
		CU_ASSERT_EQUAL(unit_fold(unit_sum16(icmp, l4len, 0)), 0);
		CU_ASSERT_EQUAL(in[0], 0x45);
		CU_ASSERT_EQUAL(unit_fold(unit_sum16(in, 20, 0)), 0);
		CU_ASSERT_EQUAL(memcmp(in + 12, a, 4), 0);
		inet_pton(AF_INET, GW4, a);
		CU_ASSERT_EQUAL(memcmp(in + 16, a, 4), 0);
	}
	CU_ASSERT_EQUAL(icmp[0], type);
	CU_ASSERT_EQUAL(icmp[1], code);
	CU_ASSERT_EQUAL(get16(uh), sport);
	CU_ASSERT_EQUAL(get16(uh + 2), dport);
	CU_ASSERT_EQUAL(get16(uh + 4), 8 + len);
	CU_ASSERT_EQUAL(l4_sum(in, v6, IPPROTO_UDP, uh, 8 + len), 0);
	CU_ASSERT_EQUAL(memcmp(uh + 8, data, len), 0);
}

/**
 * unreach_one() - Port unreachable on the host becomes one for the guest
 * @v6:		IPv6
 */
static void unreach_one(bool v6)
{
	uint16_t port = 0;
	uint32_t idx;
	int tmp, fd;

	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);

	/* A port that was free a moment ago, and is closed again */
	tmp = sock_bound(v6, &port, false);
	CU_ASSERT_FATAL(tmp >= 0);
	close(tmp);

	guest_udp(v6, v6 ? GUEST6 : GUEST4, v6 ? GW6 : GW4, 40003, port,
		  "nobody home", 11);
	fd = last_flow_fd(&idx);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(wait_in(fd, POLLERR));
	passt_module.on_fd(mod, UDP_FD_FLOW, fd, idx, EPOLLERR | EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	check_icmp_err(&fake_core.to_guest[0], v6, v6 ? GW6 : GW4,
		       v6 ? 1 : 3, v6 ? 4 : 3, 40003, port, "nobody home",
		       11);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);

	/* The flow goes on working afterwards */
	guest_udp(v6, v6 ? GUEST6 : GUEST4, v6 ? GW6 : GW4, 40003, port,
		  "x", 1);
	CU_ASSERT_EQUAL(count_ops(FAKE_FD_ADD), 1);
	teardown();
}

/**
 * test_icmp_errors() - Port unreachable, IPv4 and IPv6
 */
static void test_icmp_errors(void)
{
	if (!netns())
		return;
	unreach_one(false);
	unreach_one(true);
}

/**
 * test_group() - Broadcast and multicast: unconnected sockets, broadcast
 *		  allowed, nothing silently blocked
 */
static void test_group(void)
{
	struct sockaddr_in6 sa;
	socklen_t sl = sizeof(sa);
	int fd, one = 0;
	socklen_t ol = sizeof(one);

	if (!netns())
		return;
	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);

	guest_udp(false, GUEST4, "10.0.2.255", 40004, 9999, "b", 1);
	fd = last_flow_fd(NULL);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, &ol),
			0);
	CU_ASSERT_EQUAL(one, 1);
	CU_ASSERT_EQUAL(getpeername(fd, (struct sockaddr *)&sa, &sl), -1);
	CU_ASSERT_EQUAL(errno, ENOTCONN);

	guest_udp(false, GUEST4, "224.0.0.251", 5353, 5353, "m", 1);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 2);
	fd = last_flow_fd(NULL);
	CU_ASSERT_EQUAL(getpeername(fd, (struct sockaddr *)&sa, &sl), -1);

	guest_udp(true, GUEST6, "ff02::fb", 5353, 5353, "m", 1);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 3);

	/* Unicast link-local has no host interface: dropped, said so */
	guest_udp(true, GUEST6, "fe80::99", 5353, 5353, "m", 1);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 3);
	teardown();
}

/**
 * sock_bound_at() - A UDP socket bound to a given address
 * @addr:	Address
 * @port:	Set to the port bound (any)
 *
 * Return: socket, or -1
 */
static int sock_bound_at(const char *addr, uint16_t *port)
{
	struct sockaddr_in6 sa;
	union passt_inany a;
	socklen_t sl;
	int s;

	if (strchr(addr, ':')) {
		inet_pton(AF_INET6, addr, &a.a6);
	} else {
		struct in_addr a4;

		inet_pton(AF_INET, addr, &a4);
		passt_inany_from_v4(&a, a4);
	}
	sl = udp_inany_to_sa(&sa, &a, 0, 0, strchr(addr, ':'));
	s = socket(sa.sin6_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (bind(s, (struct sockaddr *)&sa, sl) ||
	    getsockname(s, (struct sockaddr *)&sa, &sl)) {
		close(s);
		return -1;
	}
	*port = ntohs(sa.sin6_port);	/* same place in sockaddr_in */
	return s;
}

/**
 * outbound_one() - The remote sees the outbound address as source, and
 *		    the guest still gets the answer from the remote
 * @v6:		IPv6
 */
static void outbound_one(bool v6)
{
	const char *remote = v6 ? REMOTE6 : REMOTE4;
	const char *out = v6 ? OUT6 : OUT4;
	struct sockaddr_in6 from;
	union passt_inany fa, want;
	uint16_t port = 0, fport;
	uint8_t buf[16];
	uint32_t idx;
	int srv, fd;

	setup();
	if (v6)
		inet_pton(AF_INET6, out, &fake_core.net.ip6.outbound_addr);
	else
		inet_pton(AF_INET, out, &fake_core.net.ip4.outbound_addr);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	srv = sock_bound_at(remote, &port);
	CU_ASSERT_FATAL(srv >= 0);

	guest_udp(v6, v6 ? GUEST6 : GUEST4, remote, 40010, port, "out", 3);
	fd = last_flow_fd(&idx);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(recv_from(srv, buf, sizeof(buf), &from), 3);
	udp_inany_from_sa(&fa, &fport, &from);
	if (v6) {
		inet_pton(AF_INET6, out, &want.a6);
	} else {
		struct in_addr a4;

		inet_pton(AF_INET, out, &a4);
		passt_inany_from_v4(&want, a4);
	}
	CU_ASSERT_EQUAL(memcmp(&fa, &want, sizeof(fa)), 0);
	CU_ASSERT_EQUAL(fport, 40010);

	sendto(srv, "in", 2, 0, (struct sockaddr *)&from,
	       v6 ? sizeof(from) : sizeof(struct sockaddr_in));
	CU_ASSERT_FATAL(wait_in(fd, POLLIN));
	passt_module.on_fd(mod, UDP_FD_FLOW, fd, idx, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	CU_ASSERT(check_udp(&fake_core.to_guest[0], v6, remote,
			    v6 ? GUEST6 : GUEST4, port, 40010, "in", 2));
	close(srv);
	teardown();
}

/**
 * test_outbound() - outbound_address, both versions
 */
static void test_outbound(void)
{
	if (!netns())
		return;
	outbound_one(false);
	outbound_one(true);
}

/**
 * test_outbound_loopback() - Outbound address and interface don't apply
 *			      to loopback destinations
 */
static void test_outbound_loopback(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	uint16_t port = 0;
	uint8_t buf[8];
	struct sockaddr_in6 from;
	int srv, fd;

	if (!netns())
		return;
	setup();
	/* Not an address of ours: binding to it would fail */
	inet_pton(AF_INET, "198.51.100.1", &fake_core.net.ip4.outbound_addr);
	strcpy(fake_core.net.ip4.outbound_if, "nosuchif0");
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	srv = sock_bound(false, &port, false);
	CU_ASSERT_FATAL(srv >= 0);

	guest_udp(false, GUEST4, GW4, 40005, port, "lo", 2);
	fd = last_flow_fd(NULL);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(recv_from(srv, buf, sizeof(buf), &from), 2);
	CU_ASSERT_EQUAL(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	CU_ASSERT_EQUAL(ntohl(sa.sin_addr.s_addr), INADDR_LOOPBACK);

	/* A destination they do apply to: binding fails, flow dropped */
	guest_udp(false, GUEST4, "198.51.100.77", 40005, port, "x", 1);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	close(srv);
	teardown();
}

/**
 * test_truncated_reply() - Datagrams too big for the guest's MTU are
 *			    dropped, the next one still goes
 */
static void test_truncated_reply(void)
{
	static uint8_t big[2000];
	struct sockaddr_in6 from;
	uint16_t port = 0;
	uint8_t buf[16];
	uint32_t idx;
	int srv, fd;

	if (!netns())
		return;
	setup();
	fake_core.net.mtu = 1500;
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	srv = sock_bound(false, &port, false);
	CU_ASSERT_FATAL(srv >= 0);

	guest_udp(false, GUEST4, GW4, 40006, port, "q", 1);
	fd = last_flow_fd(&idx);
	CU_ASSERT_EQUAL_FATAL(recv_from(srv, buf, sizeof(buf), &from), 1);

	sendto(srv, big, 1473, 0, (struct sockaddr *)&from,
	       sizeof(struct sockaddr_in));
	sendto(srv, big, 1472, 0, (struct sockaddr *)&from,
	       sizeof(struct sockaddr_in));
	CU_ASSERT_FATAL(wait_in(fd, POLLIN));
	passt_module.on_fd(mod, UDP_FD_FLOW, fd, idx, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	CU_ASSERT_EQUAL(fake_core.to_guest[0].len, 14 + 20 + 8 + 1472);
	close(srv);
	teardown();
}

/**
 * test_table_full() - No flow left: the datagram is dropped with a warning
 */
static void test_table_full(void)
{
	if (!netns())
		return;
	setup();
	fake_core.flow_max = 1;
	CU_ASSERT_EQUAL_FATAL(start(), 0);

	guest_udp(false, GUEST4, GW4, 40007, 9, "a", 1);
	guest_udp(false, GUEST4, GW4, 40008, 9, "b", 1);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT(fake_core_log_find("flow table full") >= 0);
	teardown();
}

/**
 * test_reset() - on_reset() closes every flow and its socket
 */
static void test_reset(void)
{
	int fd1, fd2;

	if (!netns())
		return;
	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	guest_udp(false, GUEST4, GW4, 40009, 9, "a", 1);
	fd1 = last_flow_fd(NULL);
	guest_udp(true, GUEST6, GW6, 40009, 9, "a", 1);
	fd2 = last_flow_fd(NULL);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 2);

	passt_module.on_reset(mod);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(count_ops(FAKE_FD_DEL), 2);
	CU_ASSERT_EQUAL(fcntl(fd1, F_GETFD), -1);
	CU_ASSERT_EQUAL(fcntl(fd2, F_GETFD), -1);

	/* Stale events for the closed flows are ignored */
	passt_module.on_fd(mod, UDP_FD_FLOW, fd1, 0, EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	teardown();
}

UNIT_SUITE(udp,
	{ "descriptor", test_descriptor },
	{ "config", test_config },
	{ "malformed", test_malformed },
	{ "echo4", test_echo4 },
	{ "echo6", test_echo6 },
	{ "batch", test_batch },
	{ "port_taken", test_port_taken },
	{ "expiry", test_expiry },
	{ "inbound", test_inbound },
	{ "inbound_no_map", test_inbound_no_map },
	{ "dns", test_dns },
	{ "icmp_errors", test_icmp_errors },
	{ "group", test_group },
	{ "outbound", test_outbound },
	{ "outbound_loopback", test_outbound_loopback },
	{ "truncated_reply", test_truncated_reply },
	{ "table_full", test_table_full },
	{ "reset", test_reset })
