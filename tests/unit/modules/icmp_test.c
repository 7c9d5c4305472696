// SPDX-License-Identifier: GPL-2.0-or-later
/* icmp_test.c - ICMP module: guest echo requests through real ping sockets
 *
 * The test moves into a network namespace of its own, where it can set
 * net.ipv4.ping_group_range without touching the host's, and where the
 * module's ping sockets reach the namespace's loopback through the
 * gateway mapping. Echo requests are built here with the test's own
 * checksum; replies are taken apart field by field. Tests that need the
 * namespace pass without checking anything when the machine can't give
 * one (no privileges, no user namespaces).
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

extern const struct passt_module passt_module;

#define FD_FLOW		1		/* the module's epoll type for flows */
#define RANGE		"/proc/sys/net/ipv4/ping_group_range"
#define GUEST4		FAKE_IP4_ADDR
#define GW4		FAKE_IP4_GW
#define GUEST6		FAKE_IP6_ADDR
#define GW6		FAKE_IP6_GW
#define OTHER4		"192.0.2.1"	/* added to the namespace's lo */
#define OTHER6		"2001:db8::1"
#define OUT4		"192.0.2.2"
#define OUT6		"2001:db8::2"

static const uint8_t guest_mac[6] = FAKE_GUEST_MAC;
static const uint8_t our_mac[6] = FAKE_OUR_MAC;
static struct passt_mod *mod;
static uint8_t fbuf[2048];

/**
 * netns() - Move into a network namespace of our own, once, ping sockets
 *	     allowed for every group
 *
 * Return: true if we are in one
 */
static bool netns(void)
{
	static int ready = -1;

	if (ready >= 0)
		return ready;
	ready = 0;
	/* A second destination, and an outbound address, per version */
	if (!unit_netns_enter() ||
	    unit_write_file(RANGE, "0 2147483647") ||
	    unit_lo_addr("lo:1", OTHER4) || unit_lo_addr("lo:2", OUT4) ||
	    unit_lo_addr(NULL, OTHER6) || unit_lo_addr(NULL, OUT6) ||
	    !unit_usable6(OTHER6) || !unit_usable6(OUT6)) {
		fprintf(stderr, "(no network namespace: %s, skipped) ",
			strerror(errno));
		return false;
	}
	ready = 1;
	return true;
}

/**
 * icmp_sum() - Checksum of an ICMP or ICMPv6 message
 * @ip:		IP header
 * @v6:		ICMPv6 (pseudo-header included)
 * @msg:	Message
 * @len:	Length
 *
 * Return: folded sum, 0 if the message's checksum is right
 */
static uint16_t icmp_sum(const uint8_t *ip, bool v6, const uint8_t *msg,
			 size_t len)
{
	uint32_t sum = 0;

	if (v6)
		sum = unit_sum16(ip + 8, 32, 0) + (uint32_t)len + IPPROTO_ICMPV6;
	return unit_fold(unit_sum16(msg, len, sum));
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
 * build_echo() - A guest echo request with right lengths and checksums
 * @b:		Buffer
 * @v6:		ICMPv6
 * @src:	Source
 * @dst:	Destination
 * @id:		Identifier
 * @seq:	Sequence number
 * @len:	Data length (data: bytes 0, 1, 2...)
 *
 * Return: frame length
 */
static size_t build_echo(uint8_t *b, bool v6, const char *src,
			 const char *dst, uint16_t id, uint16_t seq,
			 size_t len)
{
	size_t iphl = v6 ? 40 : 20, i;
	uint8_t *ip = b + 14, *msg = ip + iphl;

	memcpy(b, our_mac, 6);
	memcpy(b + 6, guest_mac, 6);
	put16(b + 12, v6 ? 0x86dd : 0x0800);
	memset(ip, 0, iphl);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(8 + len));
		ip[6] = IPPROTO_ICMPV6;
		ip[7] = 64;
		inet_pton(AF_INET6, src, ip + 8);
		inet_pton(AF_INET6, dst, ip + 24);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(28 + len));
		ip[8] = 64;
		ip[9] = IPPROTO_ICMP;
		inet_pton(AF_INET, src, ip + 12);
		inet_pton(AF_INET, dst, ip + 16);
		put16(ip + 10, unit_fold(unit_sum16(ip, 20, 0)));
	}
	msg[0] = v6 ? 128 : 8;
	msg[1] = 0;
	put16(msg + 2, 0);
	put16(msg + 4, id);
	put16(msg + 6, seq);
	for (i = 0; i < len; i++)
		msg[8 + i] = (uint8_t)i;
	put16(msg + 2, icmp_sum(ip, v6, msg, 8 + len));
	return 14 + iphl + 8 + len;
}

/**
 * guest_send() - Hand a frame to the module as the core would
 * @b:		Frame
 * @len:	Length
 * @l4len:	Transport length to claim (normally the real one)
 */
static void guest_send(const uint8_t *b, size_t len, size_t l4len)
{
	bool v6 = get16(b + 12) == 0x86dd;
	struct passt_frame f;

	memset(&f, 0, sizeof(f));
	f.data = b;
	f.len = len;
	f.l3off = 14;
	f.l4off = (uint16_t)(14 + (v6 ? 40 : 20));
	f.l4len = (uint16_t)l4len;
	f.ethertype = v6 ? PASST_ETHERTYPE_IPV6 : PASST_ETHERTYPE_IP;
	f.l4proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	passt_module.on_frames(mod, &f, 1, fake_core_now());
}

/**
 * ping() - Build and send one echo request
 * @v6:		ICMPv6
 * @dst:	Destination
 * @id:		Identifier
 * @seq:	Sequence
 * @len:	Data length
 */
static void ping(bool v6, const char *dst, uint16_t id, uint16_t seq,
		 size_t len)
{
	size_t fl = build_echo(fbuf, v6, v6 ? GUEST6 : GUEST4, dst, id, seq,
			       len);

	guest_send(fbuf, fl, 8 + len);
}

/**
 * last_flow_fd() - Socket of the last fd_add() of a flow
 * @idx:	Set to the flow index
 *
 * Return: fd, or -1
 */
static int last_flow_fd(uint32_t *idx)
{
	unsigned int i;

	for (i = fake_core.n_fd_calls; i-- > 0; ) {
		const struct fake_fd_call *c = &fake_core.fd_calls[i];

		if (c->op == FAKE_FD_ADD && c->type == FD_FLOW) {
			*idx = c->data;
			return c->fd;
		}
	}
	return -1;
}

/**
 * wait_in() - Wait for a socket to be readable
 * @s:		Socket
 *
 * Return: true if it is
 */
static bool wait_in(int s)
{
	struct pollfd p = { .fd = s, .events = POLLIN };

	return poll(&p, 1, 2000) == 1 && (p.revents & POLLIN);
}

/**
 * check_reply() - Check an echo reply frame to the guest
 * @fr:		Frame
 * @v6:		ICMPv6
 * @src:	Source expected
 * @id:		Identifier expected
 * @seq:	Sequence expected
 * @len:	Data length expected (data 0, 1, 2...)
 */
static void check_reply(const struct fake_frame *fr, bool v6, const char *src,
			uint16_t id, uint16_t seq, size_t len)
{
	size_t iphl = v6 ? 40 : 20, i;
	const uint8_t *ip = fr->data + 14, *msg = ip + iphl;
	uint8_t a[16];

	CU_ASSERT_EQUAL_FATAL(fr->len, 14 + iphl + 8 + len);
	CU_ASSERT_EQUAL(memcmp(fr->data, guest_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(fr->data + 6, our_mac, 6), 0);
	if (v6) {
		CU_ASSERT_EQUAL(get16(fr->data + 12), 0x86dd);
		CU_ASSERT_EQUAL(ip[6], IPPROTO_ICMPV6);
		CU_ASSERT_EQUAL(get16(ip + 4), 8 + len);
		inet_pton(AF_INET6, src, a);
		CU_ASSERT_EQUAL(memcmp(ip + 8, a, 16), 0);
		inet_pton(AF_INET6, GUEST6, a);
		CU_ASSERT_EQUAL(memcmp(ip + 24, a, 16), 0);
		CU_ASSERT_EQUAL(msg[0], 129);
	} else {
		CU_ASSERT_EQUAL(get16(fr->data + 12), 0x0800);
		CU_ASSERT_EQUAL(ip[9], IPPROTO_ICMP);
		CU_ASSERT_EQUAL(get16(ip + 2), 28 + len);
		CU_ASSERT_EQUAL(unit_fold(unit_sum16(ip, 20, 0)), 0);
		inet_pton(AF_INET, src, a);
		CU_ASSERT_EQUAL(memcmp(ip + 12, a, 4), 0);
		inet_pton(AF_INET, GUEST4, a);
		CU_ASSERT_EQUAL(memcmp(ip + 16, a, 4), 0);
		CU_ASSERT_EQUAL(msg[0], 0);
	}
	CU_ASSERT_EQUAL(msg[1], 0);
	CU_ASSERT_EQUAL(get16(msg + 4), id);
	CU_ASSERT_EQUAL(get16(msg + 6), seq);
	CU_ASSERT_EQUAL(icmp_sum(ip, v6, msg, 8 + len), 0);
	for (i = 0; i < len; i++)
		CU_ASSERT_EQUAL_FATAL(msg[8 + i], (uint8_t)i);
}

/**
 * setup() - Fresh fake core and module
 */
static void setup(void)
{
	mod = fake_core_load(&passt_module);
}

/**
 * start() - Configure and initialise
 *
 * Return: 0, or the first error
 */
static int start(void)
{
	int rc = fake_core_configure(mod);

	return rc ? rc : fake_core_init(mod);
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

/**
 * test_descriptor() - Claims: echo requests only
 */
static void test_descriptor(void)
{
	const struct passt_claim *c = passt_module.claims;

	CU_ASSERT_STRING_EQUAL(passt_module.name, "icmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c[0].ethertype, PASST_ETHERTYPE_IP);
	CU_ASSERT_EQUAL(c[0].l4proto, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(c[0].l4dst, 8);
	CU_ASSERT_EQUAL(c[1].ethertype, PASST_ETHERTYPE_IPV6);
	CU_ASSERT_EQUAL(c[1].l4proto, IPPROTO_ICMPV6);
	CU_ASSERT_EQUAL(c[1].l4dst, 128);
	CU_ASSERT_EQUAL(c[2].ethertype, 0);
	CU_ASSERT_EQUAL(passt_module.timer_ms, 1000);
}

/**
 * test_config() - flow_timeout default and range
 */
static void test_config(void)
{
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
	fake_core_cfg_set_int("flow_timeout", 1);
	CU_ASSERT_EQUAL(fake_core_configure(mod), 0);
	teardown();
}

/**
 * test_disabled() - An empty ping_group_range: one warning naming it,
 *		     echo off, requests dropped without a socket
 */
static void test_disabled(void)
{
	if (!netns())
		return;
	CU_ASSERT_EQUAL_FATAL(unit_write_file(RANGE, "1 0"), 0);
	setup();
	CU_ASSERT_EQUAL(start(), 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_WARNING], 1);
	CU_ASSERT(fake_core_log_find("net.ipv4.ping_group_range") >= 0);

	ping(false, GW4, 1, 1, 8);
	ping(true, GW6, 1, 1, 8);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(fake_core.n_fd_calls, 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_WARNING], 1);
	teardown();
	CU_ASSERT_EQUAL(unit_write_file(RANGE, "0 2147483647"), 0);
}

/**
 * test_refused_later() - Permitted at init, refused at run time (the
 *			  sandbox changed our group): one warning, then off
 */
static void test_refused_later(void)
{
	if (!netns())
		return;
	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_WARNING], 0);

	CU_ASSERT_EQUAL_FATAL(unit_write_file(RANGE, "1 0"), 0);
	ping(false, GW4, 2, 1, 8);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_WARNING], 1);
	CU_ASSERT(fake_core_log_find("not in net.ipv4.ping_group_range") >=
		  0);

	/* Even once allowed again: off until restarted, no more lines */
	CU_ASSERT_EQUAL(unit_write_file(RANGE, "0 2147483647"), 0);
	ping(false, GW4, 2, 2, 8);
	ping(true, GW6, 2, 2, 8);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_WARNING], 1);
	teardown();
}

/**
 * echo_one() - Echo to the gateway (the host's loopback) and back
 * @v6:		ICMPv6
 * @len:	Data length
 */
static void echo_one(bool v6, size_t len)
{
	const char *gw = v6 ? GW6 : GW4;
	uint32_t idx = 0;
	int fd;

	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);

	ping(v6, gw, 0x1234, 1, len);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	fd = last_flow_fd(&idx);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(wait_in(fd));
	passt_module.on_fd(mod, FD_FLOW, fd, idx, EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	check_reply(&fake_core.to_guest[0], v6, gw, 0x1234, 1, len);

	/* Next sequence number: the same flow and socket */
	ping(v6, gw, 0x1234, 2, len);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT_FATAL(wait_in(fd));
	passt_module.on_fd(mod, FD_FLOW, fd, idx, EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 2);
	check_reply(&fake_core.to_guest[1], v6, gw, 0x1234, 2, len);
	teardown();
}

/**
 * test_echo() - IPv4 and IPv6, short and long data
 */
static void test_echo(void)
{
	if (!netns())
		return;
	echo_one(false, 56);
	echo_one(true, 56);
	echo_one(false, 0);
	echo_one(true, 1400);
}

/**
 * remap_one() - Two flows with the guest's identifier: the second one's
 *		 socket gets another from the kernel, the guest still sees
 *		 its own on both
 * @v6:		ICMPv6
 */
static void remap_one(bool v6)
{
	struct sockaddr_in6 sa6;
	struct sockaddr_in sa4;
	struct sockaddr *sa = v6 ? (struct sockaddr *)&sa6 :
				   (struct sockaddr *)&sa4;
	const char *other = v6 ? OTHER6 : OTHER4;
	socklen_t sl;
	uint32_t i1 = 0, i2 = 0;
	int f1, f2;

	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	ping(v6, v6 ? GW6 : GW4, 0x4242, 7, 32);
	f1 = last_flow_fd(&i1);
	ping(v6, other, 0x4242, 8, 32);
	f2 = last_flow_fd(&i2);
	CU_ASSERT_FATAL(f1 >= 0 && f2 >= 0 && f1 != f2);

	sl = v6 ? sizeof(sa6) : sizeof(sa4);
	CU_ASSERT_EQUAL(getsockname(f1, sa, &sl), 0);
	CU_ASSERT_EQUAL(v6 ? ntohs(sa6.sin6_port) : ntohs(sa4.sin_port),
			0x4242);
	sl = v6 ? sizeof(sa6) : sizeof(sa4);
	CU_ASSERT_EQUAL(getsockname(f2, sa, &sl), 0);
	CU_ASSERT_NOT_EQUAL(v6 ? ntohs(sa6.sin6_port) : ntohs(sa4.sin_port),
			    0x4242);

	CU_ASSERT_FATAL(wait_in(f2));
	passt_module.on_fd(mod, FD_FLOW, f2, i2, EPOLLIN, fake_core_now());
	CU_ASSERT_FATAL(wait_in(f1));
	passt_module.on_fd(mod, FD_FLOW, f1, i1, EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 2);
	check_reply(&fake_core.to_guest[0], v6, other, 0x4242, 8, 32);
	check_reply(&fake_core.to_guest[1], v6, v6 ? GW6 : GW4, 0x4242, 7, 32);

	/* The first flow gone, its identifier is ours to bind again */
	fake_core.now.tv_sec += 30;
	ping(v6, other, 0x4242, 9, 32);		/* keeps the second alive */
	fake_core.now.tv_sec += 31;		/* 61 s idle, 31 s */
	passt_module.on_timer(mod, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	ping(v6, v6 ? GW6 : GW4, 0x4242, 10, 32);
	f1 = last_flow_fd(&i1);
	sl = v6 ? sizeof(sa6) : sizeof(sa4);
	CU_ASSERT_EQUAL(getsockname(f1, sa, &sl), 0);
	CU_ASSERT_EQUAL(v6 ? ntohs(sa6.sin6_port) : ntohs(sa4.sin_port),
			0x4242);
	teardown();
}

/**
 * test_id_remap() - Identifier given back, both versions
 */
static void test_id_remap(void)
{
	if (!netns())
		return;
	remap_one(false);
	remap_one(true);
}

/**
 * test_two_ids() - Two identifiers to one destination: two flows, each
 *		    reply to its own
 */
static void test_two_ids(void)
{
	uint32_t i1 = 0, i2 = 0;
	int f1, f2;

	if (!netns())
		return;
	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	ping(false, GW4, 100, 1, 8);
	f1 = last_flow_fd(&i1);
	ping(false, GW4, 200, 1, 8);
	f2 = last_flow_fd(&i2);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 2);
	CU_ASSERT_NOT_EQUAL(i1, i2);

	CU_ASSERT_FATAL(wait_in(f2));
	passt_module.on_fd(mod, FD_FLOW, f2, i2, EPOLLIN, fake_core_now());
	CU_ASSERT_FATAL(wait_in(f1));
	passt_module.on_fd(mod, FD_FLOW, f1, i1, EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 2);
	check_reply(&fake_core.to_guest[0], false, GW4, 200, 1, 8);
	check_reply(&fake_core.to_guest[1], false, GW4, 100, 1, 8);
	teardown();
}

/**
 * outbound_one() - Sockets bound to the outbound address, except towards
 *		    the host's loopback
 * @v6:		ICMPv6
 */
static void outbound_one(bool v6)
{
	struct sockaddr_in6 sa6;
	struct sockaddr_in sa4;
	struct sockaddr *sa = v6 ? (struct sockaddr *)&sa6 :
				   (struct sockaddr *)&sa4;
	uint8_t want[16], any[16] = { 0 };
	socklen_t sl;
	uint32_t idx = 0;
	int fd;

	setup();
	if (v6)
		inet_pton(AF_INET6, OUT6, &fake_core.net.ip6.outbound_addr);
	else
		inet_pton(AF_INET, OUT4, &fake_core.net.ip4.outbound_addr);
	inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? OUT6 : OUT4, want);
	CU_ASSERT_EQUAL_FATAL(start(), 0);

	ping(v6, v6 ? OTHER6 : OTHER4, 0x77, 1, 16);
	fd = last_flow_fd(&idx);
	CU_ASSERT_FATAL(fd >= 0);
	sl = v6 ? sizeof(sa6) : sizeof(sa4);
	CU_ASSERT_EQUAL(getsockname(fd, sa, &sl), 0);
	CU_ASSERT_EQUAL(memcmp(v6 ? (void *)&sa6.sin6_addr :
				    (void *)&sa4.sin_addr, want, v6 ? 16 : 4),
			0);
	CU_ASSERT_FATAL(wait_in(fd));
	passt_module.on_fd(mod, FD_FLOW, fd, idx, EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	check_reply(&fake_core.to_guest[0], v6, v6 ? OTHER6 : OTHER4, 0x77, 1,
		    16);

	ping(v6, v6 ? GW6 : GW4, 0x78, 1, 16);
	fd = last_flow_fd(&idx);
	sl = v6 ? sizeof(sa6) : sizeof(sa4);
	CU_ASSERT_EQUAL(getsockname(fd, sa, &sl), 0);
	CU_ASSERT_EQUAL(memcmp(v6 ? (void *)&sa6.sin6_addr :
				    (void *)&sa4.sin_addr, any, v6 ? 16 : 4),
			0);
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
 * test_malformed() - Truncated, bad checksum, wrong code or type, bad
 *		      addresses: dropped, no socket
 */
static void test_malformed(void)
{
	size_t len;

	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);

	/* Fewer than 8 bytes of ICMP */
	len = build_echo(fbuf, false, GUEST4, GW4, 1, 1, 0);
	guest_send(fbuf, len - 4, 4);
	len = build_echo(fbuf, true, GUEST6, GW6, 1, 1, 0);
	guest_send(fbuf, len - 1, 7);

	/* Length beyond the frame */
	len = build_echo(fbuf, false, GUEST4, GW4, 1, 1, 16);
	guest_send(fbuf, len - 8, 24);

	/* Bad checksums */
	len = build_echo(fbuf, false, GUEST4, GW4, 1, 1, 16);
	fbuf[len - 1] ^= 0x10;
	guest_send(fbuf, len, 24);
	len = build_echo(fbuf, true, GUEST6, GW6, 1, 1, 16);
	fbuf[len - 1] ^= 0x10;
	guest_send(fbuf, len, 24);

	/* ICMPv6 checksummed without its pseudo-header */
	len = build_echo(fbuf, true, GUEST6, GW6, 1, 1, 16);
	put16(fbuf + 54 + 2, 0);
	put16(fbuf + 54 + 2, unit_fold(unit_sum16(fbuf + 54, 24, 0)));
	guest_send(fbuf, len, 24);

	/* Code 1, and an echo reply instead of a request */
	len = build_echo(fbuf, false, GUEST4, GW4, 1, 1, 16);
	fbuf[35] = 1;
	put16(fbuf + 36, 0);
	put16(fbuf + 36, unit_fold(unit_sum16(fbuf + 34, 24, 0)));
	guest_send(fbuf, len, 24);
	len = build_echo(fbuf, false, GUEST4, GW4, 1, 1, 16);
	fbuf[34] = 0;
	put16(fbuf + 36, 0);
	put16(fbuf + 36, unit_fold(unit_sum16(fbuf + 34, 24, 0)));
	guest_send(fbuf, len, 24);

	/* Addresses nobody can answer, or we must not send to */
	len = build_echo(fbuf, false, "0.0.0.0", GW4, 1, 1, 16);
	guest_send(fbuf, len, 24);
	len = build_echo(fbuf, false, GUEST4, "127.0.0.1", 1, 1, 16);
	guest_send(fbuf, len, 24);
	len = build_echo(fbuf, true, "ff02::1", GW6, 1, 1, 16);
	guest_send(fbuf, len, 24);

	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(fake_core.n_fd_calls, 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_TRACE], 11);
	CU_ASSERT(fake_core_log_find("bad checksum") >= 0);
	CU_ASSERT(fake_core_log_find("truncated header") >= 0);
	CU_ASSERT(fake_core_log_find("not an echo request") >= 0);
	teardown();
}

/**
 * test_expiry() - Idle flows go after flow_timeout, with their sockets
 */
static void test_expiry(void)
{
	uint32_t idx = 0;
	int fd;

	if (!netns())
		return;
	setup();
	fake_core_cfg_set_int("flow_timeout", 3);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	ping(false, GW4, 9, 1, 8);
	fd = last_flow_fd(&idx);
	CU_ASSERT_FATAL(fd >= 0);

	fake_core.now.tv_sec += 3;
	passt_module.on_timer(mod, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	fake_core.now.tv_sec += 1;
	passt_module.on_timer(mod, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(fake_core.fd_calls[fake_core.n_fd_calls - 1].op,
			FAKE_FD_DEL);
	CU_ASSERT_EQUAL(fake_core.fd_calls[fake_core.n_fd_calls - 1].fd, fd);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFD), -1);

	/* A stale event for it is ignored */
	passt_module.on_fd(mod, FD_FLOW, fd, idx, EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	teardown();
}

/**
 * test_reset() - on_reset() closes every flow
 */
static void test_reset(void)
{
	if (!netns())
		return;
	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	ping(false, GW4, 9, 1, 8);
	ping(true, GW6, 9, 1, 8);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 2);
	passt_module.on_reset(mod);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	teardown();
}

/**
 * test_link_local() - Link-local destinations other than the mapped
 *		       gateway: dropped
 */
static void test_link_local(void)
{
	if (!netns())
		return;
	setup();
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	ping(true, "fe80::77", 9, 1, 8);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT(fake_core_log_find("link-local") >= 0);
	teardown();
}

UNIT_SUITE(icmp,
	{ "descriptor", test_descriptor },
	{ "config", test_config },
	{ "disabled", test_disabled },
	{ "refused_later", test_refused_later },
	{ "echo", test_echo },
	{ "id_remap", test_id_remap },
	{ "two_ids", test_two_ids },
	{ "outbound", test_outbound },
	{ "malformed", test_malformed },
	{ "expiry", test_expiry },
	{ "reset", test_reset },
	{ "link_local", test_link_local })
