// SPDX-License-Identifier: GPL-2.0-or-later
/* frame_test.c - Unit tests for core/frame.c: parsing, claims, dispatch, ARP
 * and the queue towards the guest
 *
 * Frames are built by hand here, with a checksum of our own so that a bug in
 * csum.c cannot hide one in frame.c. Malformed frames are copied into
 * buffers of their exact size, so that a sanitizer sees any read past them.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <CUnit/CUnit.h>

#include "csum.h"
#include "frame.h"
#include "unit.h"

static const uint8_t t_guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t t_our_mac[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };
static const uint8_t t_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t t_guest4[4] = { 10, 0, 2, 15 };
static const uint8_t t_gw4[4] = { 10, 0, 2, 2 };
static const uint8_t t_guest6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 5 };
static const uint8_t t_ll6[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t t_peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

static struct passt_netcfg t_net;

/**
 * t_setup() - Common state for a test: claims, queue, network settings
 */
static void t_setup(void)
{
	csum_init();
	frame_claims_reset();
	frame_txq_fini();
	frame_txq_set_sender(NULL, NULL);
	memset(&t_net, 0, sizeof(t_net));
	t_net.size = sizeof(t_net);
	memcpy(t_net.our_mac, t_our_mac, 6);
	memcpy(t_net.guest_mac, t_bcast, 6);
	memcpy(&t_net.ip4.addr, t_guest4, 4);
	t_net.ip4.enable = true;
}

/**
 * t_csum() - Reference Internet checksum, independent of csum.c
 * @p:		Data
 * @len:	Length
 *
 * Return: checksum, big-endian value
 */
static uint16_t t_csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < len; i += 2)
		s += (uint32_t)(p[i] << 8) | (i + 1 < len ? p[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/**
 * t_put16() - Store a big-endian 16-bit value
 * @p:		Destination
 * @v:		Value
 */
static void t_put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/**
 * t_eth() - Ethernet header from the guest to us
 * @b:		Frame buffer
 * @type:	EtherType
 *
 * Return: 14
 */
static size_t t_eth(uint8_t *b, unsigned int type)
{
	memcpy(b, t_our_mac, 6);
	memcpy(b + 6, t_guest_mac, 6);
	t_put16(b + 12, type);
	return 14;
}

/**
 * t_ip4_csum() - Recompute the IPv4 header checksum of a frame
 * @b:		Frame buffer
 */
static void t_ip4_csum(uint8_t *b)
{
	size_t hl = (size_t)(b[14] & 0x0f) * 4;

	t_put16(b + 24, 0);
	t_put16(b + 24, t_csum(b + 14, hl));
}

/**
 * t_ip4() - IPv4 frame with a zeroed payload
 * @b:		Frame buffer
 * @proto:	IP protocol
 * @hl:		Header length in bytes (options are NOPs)
 * @l4len:	Payload length
 * @frag:	Flags and fragment offset field
 *
 * Return: frame length
 */
static size_t t_ip4(uint8_t *b, uint8_t proto, size_t hl, size_t l4len,
		    unsigned int frag)
{
	uint8_t *ip = b + t_eth(b, 0x0800);

	memset(ip, 0, hl + l4len);
	memset(ip + 20, 1, hl - 20);
	ip[0] = (uint8_t)(0x40 | hl / 4);
	t_put16(ip + 2, (unsigned int)(hl + l4len));
	t_put16(ip + 4, 0x1234);
	t_put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, t_guest4, 4);
	memcpy(ip + 16, t_gw4, 4);
	t_ip4_csum(b);
	return 14 + hl + l4len;
}

/**
 * t_ip6() - IPv6 frame with a zeroed payload
 * @b:		Frame buffer
 * @nh:		Next header
 * @plen:	Payload length
 *
 * Return: frame length
 */
static size_t t_ip6(uint8_t *b, uint8_t nh, size_t plen)
{
	uint8_t *ip = b + t_eth(b, 0x86dd);

	memset(ip, 0, 40 + plen);
	ip[0] = 0x60;
	t_put16(ip + 4, (unsigned int)plen);
	ip[6] = nh;
	ip[7] = 64;
	memcpy(ip + 8, t_guest6, 16);
	memcpy(ip + 24, t_peer6, 16);
	return 54 + plen;
}

/**
 * t_arp() - ARP frame from the guest
 * @b:		Frame buffer
 * @op:		Operation
 * @spa:	Sender protocol address
 * @tpa:	Target protocol address
 *
 * Return: frame length (42)
 */
static size_t t_arp(uint8_t *b, unsigned int op, const uint8_t *spa,
		    const uint8_t *tpa)
{
	uint8_t *a = b + t_eth(b, 0x0806);

	memcpy(b, t_bcast, 6);
	t_put16(a, 1);
	t_put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	t_put16(a + 6, op);
	memcpy(a + 8, t_guest_mac, 6);
	memcpy(a + 14, spa, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, tpa, 4);
	return 42;
}

/**
 * t_frame() - Frame descriptor for a buffer
 * @b:		Data
 * @len:	Length
 *
 * Return: frame with only @data and @len set
 */
static struct passt_frame t_frame(const uint8_t *b, size_t len)
{
	struct passt_frame f;

	memset(&f, 0xa5, sizeof(f));	/* frame_parse() must ignore these */
	f.data = b;
	f.len = len;
	return f;
}

/**
 * t_parse_exact() - Parse a copy of a frame in a buffer of its exact size
 * @b:		Frame
 * @len:	Length
 * @out:	Parsed frame, if not NULL (its data is then freed: don't read)
 *
 * Return: frame_parse() result
 */
static int t_parse_exact(const uint8_t *b, size_t len, struct passt_frame *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct passt_frame f;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, b, len);
	f = t_frame(copy, len);
	rc = frame_parse(&f);
	if (out)
		*out = f;
	free(copy);
	return rc;
}

static void test_parse_ip4(void)
{
	uint8_t b[200];
	struct passt_frame f;
	size_t len;

	t_setup();

	len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(f.ethertype, 0x0800);
	CU_ASSERT_EQUAL(f.l3off, 14);
	CU_ASSERT_EQUAL(f.l4off, 34);
	CU_ASSERT_EQUAL(f.l4len, 20);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(f.len, 54);
	CU_ASSERT_PTR_EQUAL(f.data, b);

	/* Options: IHL 6 */
	len = t_ip4(b, IPPROTO_UDP, 24, 8, 0);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(f.l4off, 38);
	CU_ASSERT_EQUAL(f.l4len, 8);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(f.len, 46);

	/* Maximum IHL */
	len = t_ip4(b, IPPROTO_ICMP, 60, 8, 0);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(f.l4off, 74);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_ICMP);

	/* A bare header, no payload at all, in an exact buffer */
	len = t_ip4(b, IPPROTO_TCP, 20, 0, 0);
	CU_ASSERT_EQUAL(t_parse_exact(b, len, &f), 0);
	CU_ASSERT_EQUAL(f.l4off, 34);
	CU_ASSERT_EQUAL(f.l4len, 0);

	/* DF alone is not a fragment */
	len = t_ip4(b, IPPROTO_UDP, 20, 8, 0x4000);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(f.l4off, 34);
}

static void test_parse_ip4_padding_fragments(void)
{
	uint8_t b[200];
	struct passt_frame f;
	size_t len;

	t_setup();

	/* 28-byte ICMP echo in a minimum-size 60-byte frame */
	len = t_ip4(b, IPPROTO_ICMP, 20, 8, 0);
	CU_ASSERT_EQUAL(len, 42);
	memset(b + len, 0xee, 60 - len);
	f = t_frame(b, 60);
	CU_ASSERT_EQUAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(f.len, 42);
	CU_ASSERT_EQUAL(f.l4len, 8);

	/* MF set: kept, no transport header */
	len = t_ip4(b, IPPROTO_UDP, 20, 16, 0x2000);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(f.l4off, 0);
	CU_ASSERT_EQUAL(f.l4len, 0);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(f.len, 50);

	/* Non-zero offset, last fragment */
	len = t_ip4(b, IPPROTO_TCP, 20, 16, 0x0003);
	f = t_frame(b, len + 10);
	CU_ASSERT_EQUAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(f.l4off, 0);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(f.len, len);
}

static void test_parse_ip6(void)
{
	uint8_t b[600];
	struct passt_frame f;
	size_t len;

	t_setup();

	len = t_ip6(b, IPPROTO_TCP, 20);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(f.ethertype, 0x86dd);
	CU_ASSERT_EQUAL(f.l3off, 14);
	CU_ASSERT_EQUAL(f.l4off, 54);
	CU_ASSERT_EQUAL(f.l4len, 20);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(f.len, 74);

	/* IPv4-mapped source, then destination: never on a link */
	len = t_ip6(b, IPPROTO_UDP, 8);
	memset(b + 22, 0, 10);
	b[32] = b[33] = 0xff;
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_parse(&f), -EINVAL);
	len = t_ip6(b, IPPROTO_UDP, 8);
	memset(b + 38, 0, 10);
	b[48] = b[49] = 0xff;
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_parse(&f), -EINVAL);
	b[49] = 0xfe;				/* not quite: fine */
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_parse(&f), 0);

	/* Padding trimmed */
	len = t_ip6(b, IPPROTO_ICMPV6, 8);
	f = t_frame(b, len + 30);
	CU_ASSERT_EQUAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(f.len, 62);
	CU_ASSERT_EQUAL(f.l4len, 8);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_ICMPV6);

	/* Hop-by-Hop (8) -> Destination (16) -> Routing (24) -> UDP (8) */
	len = t_ip6(b, IPPROTO_HOPOPTS, 8 + 16 + 24 + 8);
	b[54] = IPPROTO_DSTOPTS;
	b[55] = 0;
	b[62] = IPPROTO_ROUTING;
	b[63] = 1;
	b[78] = IPPROTO_UDP;
	b[79] = 2;
	t_put16(b + 102 + 2, 547);
	CU_ASSERT_EQUAL(t_parse_exact(b, len, &f), 0);
	CU_ASSERT_EQUAL(f.l4off, 102);
	CU_ASSERT_EQUAL(f.l4len, 8);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(f.len, len);

	/* Fragment header: a fragment, whatever it carries */
	len = t_ip6(b, IPPROTO_DSTOPTS, 8 + 8 + 16);
	b[54] = IPPROTO_FRAGMENT;
	b[62] = IPPROTO_UDP;
	t_put16(b + 64, 0x0001);		/* offset 0, M set */
	CU_ASSERT_EQUAL(t_parse_exact(b, len, &f), 0);
	CU_ASSERT_EQUAL(f.l4off, 0);
	CU_ASSERT_EQUAL(f.l4len, 0);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_UDP);

	/* No Next Header */
	len = t_ip6(b, IPPROTO_NONE, 0);
	CU_ASSERT_EQUAL(t_parse_exact(b, len, &f), 0);
	CU_ASSERT_EQUAL(f.l4off, 0);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_NONE);
	CU_ASSERT_EQUAL(f.len, 54);

	/* Eight extension headers are fine */
	len = t_ip6(b, IPPROTO_DSTOPTS, 8 * 8 + 8);
	for (size_t i = 0; i < 8; i++)
		b[54 + 8 * i] = i < 7 ? IPPROTO_DSTOPTS : IPPROTO_UDP;
	CU_ASSERT_EQUAL(t_parse_exact(b, len, &f), 0);
	CU_ASSERT_EQUAL(f.l4off, 54 + 64);
	CU_ASSERT_EQUAL(f.l4proto, IPPROTO_UDP);
}

static void test_parse_other(void)
{
	uint8_t b[100];
	struct passt_frame f;
	size_t len;

	t_setup();

	len = t_arp(b, 1, t_guest4, t_gw4);
	f = t_frame(b, 60);		/* ARP keeps its padding */
	CU_ASSERT_EQUAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(f.ethertype, 0x0806);
	CU_ASSERT_EQUAL(f.l3off, 14);
	CU_ASSERT_EQUAL(f.l4off, 0);
	CU_ASSERT_EQUAL(f.l4len, 0);
	CU_ASSERT_EQUAL(f.l4proto, 0);
	CU_ASSERT_EQUAL(f.len, 60);
	(void)len;

	/* Local experimental EtherType, header only */
	t_eth(b, 0x88b5);
	CU_ASSERT_EQUAL(t_parse_exact(b, 14, &f), 0);
	CU_ASSERT_EQUAL(f.ethertype, 0x88b5);
	CU_ASSERT_EQUAL(f.l3off, 14);
	CU_ASSERT_EQUAL(f.l4off, 0);
	CU_ASSERT_EQUAL(f.l4proto, 0);
	CU_ASSERT_EQUAL(f.len, 14);
}

/**
 * t_bad() - Check that a malformed frame is rejected, naming it if not
 * @b:		Frame
 * @len:	Length
 * @what:	Name of the case
 * @n:		Count of cases, incremented
 */
static void t_bad(const uint8_t *b, size_t len, const char *what,
		  unsigned int *n)
{
	int rc = t_parse_exact(b, len, NULL);

	if (rc != -EINVAL)
		fprintf(stderr, "\n  malformed case accepted: %s (%i)\n",
			what, rc);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	(*n)++;
}

static void test_parse_malformed(void)
{
	static uint8_t big[FRAME_LEN_MAX + 1];
	unsigned int n = 0;
	uint8_t b[400];
	size_t len, i;

	t_setup();
	memset(b, 0, sizeof(b));

	/* Ethernet */
	t_bad(b, 0, "empty frame", &n);
	t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	t_bad(b, 13, "truncated Ethernet header", &n);
	t_eth(b, 0x8100);
	t_bad(b, 64, "802.1Q tag", &n);
	t_eth(b, 0x88a8);
	t_bad(b, 64, "802.1ad tag", &n);
	t_ip4(big, IPPROTO_UDP, 20, 8, 0);
	t_bad(big, sizeof(big), "longer than FRAME_LEN_MAX", &n);

	/* IPv4 */
	t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	t_bad(b, 14, "IPv4: no header", &n);
	t_bad(b, 33, "IPv4: header cut short", &n);

	len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	b[14] = 0x55;
	t_ip4_csum(b);
	t_bad(b, len, "IPv4: version 5", &n);

	len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	b[14] = 0x65;
	t_ip4_csum(b);
	t_bad(b, len, "IPv4: version 6 in an IPv4 EtherType", &n);

	len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	b[14] = 0x44;
	t_put16(b + 24, 0);
	t_put16(b + 24, t_csum(b + 14, 20));
	t_bad(b, len, "IPv4: IHL 4", &n);

	len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	b[14] = 0x40;
	t_put16(b + 24, 0);
	t_put16(b + 24, t_csum(b + 14, 20));
	t_bad(b, len, "IPv4: IHL 0", &n);

	len = t_ip4(b, IPPROTO_TCP, 20, 0, 0);
	b[14] = 0x4f;
	t_ip4_csum(b);		/* as if the frame went on */
	t_bad(b, len, "IPv4: IHL 15 beyond the frame", &n);

	len = t_ip4(b, IPPROTO_TCP, 24, 0, 0);
	t_bad(b, len - 1, "IPv4: options beyond the frame", &n);

	len = t_ip4(b, IPPROTO_TCP, 24, 8, 0);
	t_put16(b + 16, 20);
	t_ip4_csum(b);
	t_bad(b, len, "IPv4: total length below header length", &n);

	len = t_ip4(b, IPPROTO_TCP, 20, 8, 0);
	t_put16(b + 16, 0);
	t_ip4_csum(b);
	t_bad(b, len, "IPv4: total length 0", &n);

	len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	t_bad(b, len - 1, "IPv4: total length beyond the frame", &n);

	len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	b[25] ^= 0x01;
	t_bad(b, len, "IPv4: bad header checksum", &n);

	len = t_ip4(b, IPPROTO_TCP, 24, 20, 0);
	b[35] ^= 0x80;		/* an option byte, under the checksum */
	t_bad(b, len, "IPv4: option byte changed under the checksum", &n);

	len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	t_put16(b + 24, 0);
	t_bad(b, len, "IPv4: zero checksum", &n);

	/* IPv6 */
	t_ip6(b, IPPROTO_TCP, 20);
	t_bad(b, 14, "IPv6: no header", &n);
	t_bad(b, 53, "IPv6: header cut short", &n);

	len = t_ip6(b, IPPROTO_TCP, 20);
	b[14] = 0x40;
	t_bad(b, len, "IPv6: version 4", &n);

	len = t_ip6(b, IPPROTO_TCP, 20);
	t_bad(b, len - 1, "IPv6: payload beyond the frame", &n);

	len = t_ip6(b, IPPROTO_TCP, 0);
	t_put16(b + 18, 0xffff);
	t_bad(b, len, "IPv6: payload length 65535 in a bare header", &n);

	len = t_ip6(b, IPPROTO_HOPOPTS, 0);
	t_bad(b, len, "IPv6: Hop-by-Hop announced, nothing there", &n);

	len = t_ip6(b, IPPROTO_HOPOPTS, 1);
	t_bad(b, len, "IPv6: Hop-by-Hop cut after one byte", &n);

	len = t_ip6(b, IPPROTO_HOPOPTS, 8);
	b[54] = IPPROTO_UDP;
	b[55] = 1;		/* 16 bytes, 8 there */
	t_bad(b, len, "IPv6: Hop-by-Hop longer than the payload", &n);

	len = t_ip6(b, IPPROTO_DSTOPTS, 8 + 8);
	b[54] = IPPROTO_ROUTING;
	b[62] = IPPROTO_UDP;
	b[63] = 255;
	t_bad(b, len, "IPv6: Routing header runs past the end", &n);

	len = t_ip6(b, IPPROTO_DSTOPTS, 8 + 16);
	b[54] = IPPROTO_DSTOPTS;
	b[62] = IPPROTO_DSTOPTS;
	b[70] = IPPROTO_DSTOPTS;	/* the chain runs past the payload */
	t_bad(b, len + 40, "IPv6: chain past the payload, into padding",
	      &n);

	len = t_ip6(b, IPPROTO_DSTOPTS, 9 * 8 + 8);
	for (i = 0; i < 9; i++)
		b[54 + 8 * i] = i < 8 ? IPPROTO_DSTOPTS : IPPROTO_UDP;
	t_bad(b, len, "IPv6: nine extension headers", &n);

	len = t_ip6(b, IPPROTO_DSTOPTS, 16);
	b[54] = IPPROTO_HOPOPTS;
	b[62] = IPPROTO_UDP;
	t_bad(b, len, "IPv6: Hop-by-Hop after another header", &n);

	len = t_ip6(b, IPPROTO_FRAGMENT, 4);
	t_bad(b, len, "IPv6: Fragment header cut short", &n);

	len = t_ip6(b, IPPROTO_ROUTING, 8 + 4);
	b[54] = IPPROTO_FRAGMENT;
	t_bad(b, len + 4, "IPv6: Fragment header past a short payload",
	      &n);

	CU_ASSERT(n >= 20);
}

static void test_l4dst(void)
{
	uint8_t b[200];
	struct passt_frame f;
	size_t len;

	t_setup();

	len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	t_put16(b + 34, 40000);
	t_put16(b + 36, 8080);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL_FATAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(frame_l4dst(&f), 8080);

	len = t_ip4(b, IPPROTO_UDP, 20, 8, 0);
	t_put16(b + 36, 67);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL_FATAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(frame_l4dst(&f), 67);

	/* UDP with three bytes of header: no port */
	len = t_ip4(b, IPPROTO_UDP, 20, 3, 0);
	CU_ASSERT_EQUAL_FATAL(t_parse_exact(b, len, &f), 0);
	f.data = b;
	CU_ASSERT_EQUAL(frame_l4dst(&f), -1);

	len = t_ip4(b, IPPROTO_ICMP, 20, 8, 0);
	b[34] = 8;
	f = t_frame(b, len);
	CU_ASSERT_EQUAL_FATAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(frame_l4dst(&f), 8);

	/* ICMP with no header at all */
	len = t_ip4(b, IPPROTO_ICMP, 20, 0, 0);
	f = t_frame(b, len + 10);
	CU_ASSERT_EQUAL_FATAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(frame_l4dst(&f), -1);

	/* Fragment */
	len = t_ip4(b, IPPROTO_UDP, 20, 8, 0x2000);
	t_put16(b + 36, 67);
	t_ip4_csum(b);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL_FATAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(frame_l4dst(&f), -1);

	/* GRE: no ports */
	len = t_ip4(b, 47, 20, 8, 0);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL_FATAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(frame_l4dst(&f), -1);

	len = t_ip6(b, IPPROTO_ICMPV6, 8);
	b[54] = 135;
	f = t_frame(b, len);
	CU_ASSERT_EQUAL_FATAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(frame_l4dst(&f), 135);

	/* ICMP for IPv4 inside IPv6 has no type we'd match */
	len = t_ip6(b, IPPROTO_ICMP, 8);
	b[54] = 8;
	f = t_frame(b, len);
	CU_ASSERT_EQUAL_FATAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(frame_l4dst(&f), -1);

	len = t_ip6(b, IPPROTO_UDP, 8);
	t_put16(b + 56, 547);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL_FATAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(frame_l4dst(&f), 547);

	len = t_arp(b, 1, t_guest4, t_gw4);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL_FATAL(frame_parse(&f), 0);
	CU_ASSERT_EQUAL(frame_l4dst(&f), -1);
}

/**
 * t_claim() - Add a claim
 * @owner:	Owner
 * @eth:	EtherType
 * @proto:	L4 protocol
 * @dst:	Port or type
 *
 * Return: frame_claim_add() result
 */
static int t_claim(unsigned int owner, unsigned int eth, unsigned int proto,
		   unsigned int dst)
{
	struct passt_claim c = { .ethertype = (uint16_t)eth,
				 .l4proto = (uint8_t)proto,
				 .l4dst = (uint16_t)dst };

	return frame_claim_add(owner, &c, NULL);
}

static void test_claims_add(void)
{
	struct passt_claim c = { 0x0800, IPPROTO_UDP, 67 };
	unsigned int conflict = 0, i;

	t_setup();

	CU_ASSERT_EQUAL(frame_claim_add(0, &c, &conflict), -EINVAL);
	CU_ASSERT_EQUAL(frame_claim_add(FRAME_OWNERS_MAX, &c, &conflict),
			-EINVAL);
	CU_ASSERT_EQUAL(frame_claim_add(1, NULL, &conflict), -EINVAL);
	CU_ASSERT_EQUAL(t_claim(1, 0x0800, 0, 67), -EINVAL);
	CU_ASSERT_EQUAL(t_claim(1, 0, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(t_claim(1, 0x0806, 6, 0), -EINVAL);
	CU_ASSERT_EQUAL(t_claim(1, 0x0800, 47, 1), -EINVAL);
	CU_ASSERT_EQUAL(t_claim(1, 0x0800, IPPROTO_ICMPV6, 128), -EINVAL);
	CU_ASSERT_EQUAL(t_claim(1, 0x86dd, IPPROTO_ICMP, 8), -EINVAL);
	CU_ASSERT_EQUAL(conflict, 0);

	CU_ASSERT_EQUAL(frame_claim_add(FRAME_OWNERS_MAX - 1, &c, &conflict),
			0);
	CU_ASSERT_EQUAL(frame_claim_add(5, &c, &conflict), -EEXIST);
	CU_ASSERT_EQUAL(conflict, FRAME_OWNERS_MAX - 1);
	CU_ASSERT_EQUAL(frame_claim_add(5, &c, NULL), -EEXIST);

	/* Not identical: no conflict */
	CU_ASSERT_EQUAL(t_claim(5, 0x0800, IPPROTO_UDP, 0), 0);
	CU_ASSERT_EQUAL(t_claim(6, 0x0800, 0, 0), 0);
	CU_ASSERT_EQUAL(t_claim(7, 0x86dd, IPPROTO_UDP, 67), 0);
	CU_ASSERT_EQUAL(t_claim(8, 0x0800, IPPROTO_TCP, 67), 0);
	CU_ASSERT_EQUAL(t_claim(9, 0x0806, 0, 0), 0);
	CU_ASSERT_EQUAL(t_claim(10, 0x0800, IPPROTO_ICMP, 8), 0);
	CU_ASSERT_EQUAL(t_claim(10, 0x86dd, IPPROTO_ICMPV6, 128), 0);
	CU_ASSERT_EQUAL(t_claim(11, 0x86dd, IPPROTO_ICMPV6, 128), -EEXIST);

	/* Fill up: 9 so far */
	frame_claims_reset();
	for (i = 0; i < FRAME_CLAIMS_MAX; i++)
		CU_ASSERT_EQUAL(t_claim(1 + i % 60, 0x0800, IPPROTO_TCP,
					i + 1), 0);
	CU_ASSERT_EQUAL(t_claim(1, 0x0800, IPPROTO_TCP, 9999), -ENOSPC);
	CU_ASSERT_EQUAL(t_claim(2, 0x0800, IPPROTO_TCP, 5), -EEXIST);

	/* Every one of them still found */
	{
		uint8_t b[100];
		struct passt_frame f;
		size_t len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
		int bad = 0;

		for (i = 0; i < FRAME_CLAIMS_MAX; i++) {
			t_put16(b + 36, i + 1);
			f = t_frame(b, len);
			if (frame_parse(&f) ||
			    frame_claim_owner(&f) != (int)(1 + i % 60))
				bad++;
		}
		CU_ASSERT_EQUAL(bad, 0);
	}

	frame_claims_reset();
	CU_ASSERT_EQUAL(frame_claim_add(3, &c, &conflict), 0);
}

/**
 * t_owner() - Owner of a frame built in a buffer
 * @b:		Frame
 * @len:	Length
 *
 * Return: frame_claim_owner(), or -100 if the frame doesn't parse
 */
static int t_owner(const uint8_t *b, size_t len)
{
	struct passt_frame f = t_frame(b, len);

	if (frame_parse(&f))
		return -100;
	return frame_claim_owner(&f);
}

static void test_claims_owner(void)
{
	uint8_t b[200];
	size_t len;

	t_setup();

	len = t_ip4(b, IPPROTO_UDP, 20, 8, 0);
	t_put16(b + 36, 67);
	CU_ASSERT_EQUAL(t_owner(b, len), -1);

	CU_ASSERT_EQUAL(t_claim(1, 0x0800, 0, 0), 0);
	CU_ASSERT_EQUAL(t_owner(b, len), 1);
	CU_ASSERT_EQUAL(t_claim(3, 0x0800, IPPROTO_UDP, 67), 0);
	CU_ASSERT_EQUAL(t_owner(b, len), 3);
	CU_ASSERT_EQUAL(t_claim(2, 0x0800, IPPROTO_UDP, 0), 0);
	CU_ASSERT_EQUAL(t_owner(b, len), 3);	/* order doesn't matter */

	t_put16(b + 36, 68);
	CU_ASSERT_EQUAL(t_owner(b, len), 2);
	t_put16(b + 36, 0);
	CU_ASSERT_EQUAL(t_owner(b, len), 2);

	len = t_ip4(b, IPPROTO_TCP, 20, 20, 0);
	t_put16(b + 36, 67);
	CU_ASSERT_EQUAL(t_owner(b, len), 1);	/* same port, other proto */

	/* A fragment of a datagram to port 67: protocol claim only */
	len = t_ip4(b, IPPROTO_UDP, 20, 8, 0x2000);
	t_put16(b + 36, 67);
	t_ip4_csum(b);
	CU_ASSERT_EQUAL(t_owner(b, len), 2);

	frame_claims_reset();
	CU_ASSERT_EQUAL(t_claim(3, 0x0800, IPPROTO_UDP, 67), 0);
	CU_ASSERT_EQUAL(t_owner(b, len), -1);	/* fragment: port ignored */
	CU_ASSERT_EQUAL(t_claim(1, 0x0800, 0, 0), 0);
	CU_ASSERT_EQUAL(t_owner(b, len), 1);

	/* IPv6 is separate from IPv4 */
	len = t_ip6(b, IPPROTO_UDP, 8);
	t_put16(b + 56, 67);
	CU_ASSERT_EQUAL(t_owner(b, len), -1);
	CU_ASSERT_EQUAL(t_claim(4, 0x86dd, IPPROTO_UDP, 547), 0);
	CU_ASSERT_EQUAL(t_owner(b, len), -1);
	t_put16(b + 56, 547);
	CU_ASSERT_EQUAL(t_owner(b, len), 4);

	/* ICMPv6 types, with a protocol-wide fallback */
	CU_ASSERT_EQUAL(t_claim(5, 0x86dd, IPPROTO_ICMPV6, 133), 0);
	CU_ASSERT_EQUAL(t_claim(5, 0x86dd, IPPROTO_ICMPV6, 135), 0);
	CU_ASSERT_EQUAL(t_claim(6, 0x86dd, IPPROTO_ICMPV6, 0), 0);
	len = t_ip6(b, IPPROTO_ICMPV6, 8);
	b[54] = 135;
	CU_ASSERT_EQUAL(t_owner(b, len), 5);
	b[54] = 128;
	CU_ASSERT_EQUAL(t_owner(b, len), 6);

	/* IPv6 fragment to port 547 */
	len = t_ip6(b, IPPROTO_FRAGMENT, 8 + 8);
	b[54] = IPPROTO_UDP;
	t_put16(b + 64, 547);
	CU_ASSERT_EQUAL(t_owner(b, len), -1);
	CU_ASSERT_EQUAL(t_claim(7, 0x86dd, 0, 0), 0);
	CU_ASSERT_EQUAL(t_owner(b, len), 7);

	/* Other EtherTypes */
	len = t_arp(b, 1, t_guest4, t_gw4);
	CU_ASSERT_EQUAL(t_owner(b, len), -1);
	CU_ASSERT_EQUAL(t_claim(8, 0x88b5, 0, 0), 0);
	CU_ASSERT_EQUAL(t_owner(b, len), -1);
	CU_ASSERT_EQUAL(t_claim(9, 0x0806, 0, 0), 0);
	CU_ASSERT_EQUAL(t_owner(b, len), 9);
	t_eth(b, 0x88b5);
	CU_ASSERT_EQUAL(t_owner(b, 30), 8);
	t_eth(b, 0x88b6);
	CU_ASSERT_EQUAL(t_owner(b, 30), -1);

	frame_claims_reset();
	CU_ASSERT_EQUAL(t_owner(b, len), -1);
	len = t_ip6(b, IPPROTO_ICMPV6, 8);
	b[54] = 135;
	CU_ASSERT_EQUAL(t_owner(b, len), -1);
}

/**
 * struct t_call - One recorded deliver() call
 * @owner:	Owner
 * @n:		Frames
 * @data:	Their data pointers (first 8)
 * @len:	Their lengths (first 8)
 */
struct t_call {
	unsigned int owner;
	size_t n;
	const uint8_t *data[8];
	size_t len[8];
};

static struct t_call t_calls[64];
static size_t t_ncalls;

/**
 * t_deliver() - Fake deliver(): records calls
 * @opaque:	Must be &t_ncalls
 * @owner:	Owner
 * @f:		Frames
 * @n:		Number of frames
 */
static void t_deliver(void *opaque, unsigned int owner,
		      const struct passt_frame *f, size_t n)
{
	struct t_call *c;
	size_t i;

	CU_ASSERT_PTR_EQUAL(opaque, &t_ncalls);
	if (t_ncalls >= sizeof(t_calls) / sizeof(t_calls[0]))
		return;
	c = &t_calls[t_ncalls++];
	c->owner = owner;
	c->n = n;
	for (i = 0; i < n && i < 8; i++) {
		c->data[i] = f[i].data;
		c->len[i] = f[i].len;
	}
}

/**
 * struct t_sent - What the fake sender saw
 * @calls:	Number of calls
 * @n:		Frames in the last call
 * @take:	Frames to take (-1: all; other negative: return that)
 * @base:	iov_base of the first 8 frames of the last call
 * @len:	Their lengths
 * @bytes:	Their first 128 bytes
 */
static struct t_sent {
	unsigned int calls;
	size_t n;
	int take;
	const void *base[8];
	size_t len[8];
	uint8_t bytes[8][128];
} t_sent;

/**
 * t_send() - Fake sender: records frames
 * @opaque:	Must be &t_sent
 * @iov:	Frames
 * @n:		Number of frames
 *
 * Return: as set in t_sent.take
 */
static int t_send(void *opaque, const struct iovec *iov, size_t n)
{
	size_t i;

	CU_ASSERT_PTR_EQUAL(opaque, &t_sent);
	t_sent.calls++;
	t_sent.n = n;
	for (i = 0; i < n && i < 8; i++) {
		t_sent.base[i] = iov[i].iov_base;
		t_sent.len[i] = iov[i].iov_len;
		memcpy(t_sent.bytes[i], iov[i].iov_base,
		       iov[i].iov_len < 128 ? iov[i].iov_len : 128);
	}
	if (t_sent.take == -1)
		return (int)n;
	return t_sent.take;
}

/**
 * t_sent_reset() - Forget what the fake sender saw
 * @take:	What it returns from now on
 */
static void t_sent_reset(int take)
{
	memset(&t_sent, 0, sizeof(t_sent));
	t_sent.take = take;
}

static unsigned int t_wakes, t_wakes_before;
static size_t t_win_in_send = SIZE_MAX;	/* SIZE_MAX: don't call */

static void t_wake(void)
{
	t_wakes++;
}

/* A backend that says, while taking frames, how much more it can take */
static int t_send_window(void *opaque, const struct iovec *iov, size_t n)
{
	(void)opaque;
	(void)iov;
	if (t_win_in_send != SIZE_MAX) {
		frame_txq_window(t_win_in_send);
		/* Nobody is woken while it takes them */
		CU_ASSERT_EQUAL(t_wakes, t_wakes_before);
	}
	return (int)n;
}

/**
 * test_txq_window() - Room is the backend's window less what is queued;
 * whoever found it short is woken once there is what they asked for
 */
static void test_txq_window(void)
{
	t_setup();
	t_wakes = 0;
	CU_ASSERT_EQUAL_FATAL(frame_txq_init(4096, 16), 0);
	frame_txq_set_sender(t_send_window, NULL);
	frame_txq_set_waker(t_wake);

	/* A backend that never pushes back */
	CU_ASSERT_EQUAL(frame_txq_room(1000), SIZE_MAX);
	CU_ASSERT_PTR_NOT_NULL(frame_txq_alloc(1000));
	CU_ASSERT_EQUAL(frame_txq_commit(1000), 0);
	CU_ASSERT_EQUAL(frame_txq_room(1000000), SIZE_MAX);
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_wakes, 0);

	/* 3000 bytes of window, 1000 queued: 2000 left */
	frame_txq_window(3000);
	CU_ASSERT_EQUAL(frame_txq_room(0), 3000);
	CU_ASSERT_PTR_NOT_NULL(frame_txq_alloc(1000));
	CU_ASSERT_EQUAL(frame_txq_commit(1000), 0);
	CU_ASSERT_EQUAL(frame_txq_room(500), 2000);
	CU_ASSERT_EQUAL(frame_txq_room(2500), 2000);	/* short: waits */
	CU_ASSERT_EQUAL(frame_txq_room(2100), 2000);	/* the larger wins */
	frame_txq_window(4000);				/* 3000 < 2500? no */
	CU_ASSERT_EQUAL(t_wakes, 1);
	CU_ASSERT_EQUAL(frame_txq_room(0), 3000);

	/* The backend fills up while taking the queue: no wake-up in the
	 * middle, nor after, as the room is still short
	 */
	CU_ASSERT_EQUAL(frame_txq_room(3500), 3000);
	t_win_in_send = 100;
	t_wakes_before = t_wakes;
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_wakes, 1);
	CU_ASSERT_EQUAL(frame_txq_room(0), 100);

	/* It drains: woken once, not again without a new waiter */
	frame_txq_window(3499);
	CU_ASSERT_EQUAL(t_wakes, 1);
	frame_txq_window(3500);
	CU_ASSERT_EQUAL(t_wakes, 2);
	frame_txq_window(4000);
	CU_ASSERT_EQUAL(t_wakes, 2);

	/* Made room inside send(), counted once the queue is handed over */
	CU_ASSERT_PTR_NOT_NULL(frame_txq_alloc(2000));
	CU_ASSERT_EQUAL(frame_txq_commit(2000), 0);
	CU_ASSERT_EQUAL(frame_txq_room(2500), 2000);
	t_win_in_send = 3000;
	t_wakes_before = t_wakes;
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_wakes, 3);

	/* Back to no limit: waiters are woken */
	CU_ASSERT_EQUAL(frame_txq_room(5000), 3000);
	frame_txq_window(SIZE_MAX);
	CU_ASSERT_EQUAL(t_wakes, 4);
	CU_ASSERT_EQUAL(frame_txq_room(5000), SIZE_MAX);

	t_win_in_send = SIZE_MAX;
	frame_txq_set_waker(NULL);
	frame_txq_fini();
	CU_ASSERT_EQUAL(frame_txq_room(1), SIZE_MAX);	/* reset */
}

static void test_from_guest_dispatch(void)
{
	static uint8_t b[10][100];
	struct passt_frame in[10];
	size_t n = 0, len;

	t_setup();
	t_ncalls = 0;
	CU_ASSERT_EQUAL(t_claim(2, 0x0800, IPPROTO_TCP, 0), 0);
	CU_ASSERT_EQUAL(t_claim(3, 0x0800, IPPROTO_UDP, 0), 0);
	CU_ASSERT_EQUAL(t_claim(4, 0x86dd, 0, 0), 0);

	len = t_ip4(b[0], IPPROTO_TCP, 20, 20, 0);		/* 2 */
	in[n++] = t_frame(b[0], len);
	t_ip4(b[1], IPPROTO_UDP, 20, 8, 0);			/* 3 */
	in[n++] = t_frame(b[1], 60);				/* padded */
	len = t_ip4(b[2], IPPROTO_TCP, 20, 20, 0);		/* bad */
	b[2][24] ^= 0xff;
	in[n++] = t_frame(b[2], len);
	len = t_ip6(b[3], IPPROTO_TCP, 20);			/* 4 */
	in[n++] = t_frame(b[3], len);
	len = t_ip4(b[4], IPPROTO_TCP, 20, 20, 0);		/* 2 */
	in[n++] = t_frame(b[4], len);
	len = t_ip4(b[5], IPPROTO_ICMP, 20, 8, 0);		/* none */
	in[n++] = t_frame(b[5], len);
	len = t_ip4(b[6], IPPROTO_UDP, 20, 8, 0);		/* 3 */
	in[n++] = t_frame(b[6], len);
	t_eth(b[7], 0x88b5);					/* none */
	in[n++] = t_frame(b[7], 60);
	len = t_ip4(b[8], IPPROTO_TCP, 20, 20, 0);		/* 2 */
	in[n++] = t_frame(b[8], len);
	in[n++] = t_frame(b[9], 5);				/* bad */

	CU_ASSERT_EQUAL(frame_from_guest(in, n, &t_net, t_deliver, &t_ncalls),
			6);
	CU_ASSERT_EQUAL_FATAL(t_ncalls, 3);

	CU_ASSERT_EQUAL(t_calls[0].owner, 2);
	CU_ASSERT_EQUAL(t_calls[0].n, 3);
	CU_ASSERT_PTR_EQUAL(t_calls[0].data[0], b[0]);
	CU_ASSERT_PTR_EQUAL(t_calls[0].data[1], b[4]);
	CU_ASSERT_PTR_EQUAL(t_calls[0].data[2], b[8]);

	CU_ASSERT_EQUAL(t_calls[1].owner, 3);
	CU_ASSERT_EQUAL(t_calls[1].n, 2);
	CU_ASSERT_PTR_EQUAL(t_calls[1].data[0], b[1]);
	CU_ASSERT_EQUAL(t_calls[1].len[0], 42);	/* trimmed */
	CU_ASSERT_PTR_EQUAL(t_calls[1].data[1], b[6]);

	CU_ASSERT_EQUAL(t_calls[2].owner, 4);
	CU_ASSERT_EQUAL(t_calls[2].n, 1);
	CU_ASSERT_PTR_EQUAL(t_calls[2].data[0], b[3]);

	/* Nothing claimed: nothing delivered, no call at all */
	t_ncalls = 0;
	CU_ASSERT_EQUAL(frame_from_guest(in + 5, 1, &t_net, t_deliver,
					 &t_ncalls), 0);
	CU_ASSERT_EQUAL(frame_from_guest(in, 0, &t_net, t_deliver,
					 &t_ncalls), 0);
	CU_ASSERT_EQUAL(t_ncalls, 0);
}

static void test_from_guest_rounds(void)
{
	static struct passt_frame in[2 * FRAME_BATCH_MAX + 5];
	static uint8_t tcp[100], udp[100];
	size_t i, tlen, ulen, n = sizeof(in) / sizeof(in[0]);

	t_setup();
	t_ncalls = 0;
	CU_ASSERT_EQUAL(t_claim(7, 0x0800, IPPROTO_TCP, 0), 0);
	CU_ASSERT_EQUAL(t_claim(1, 0x0800, IPPROTO_UDP, 0), 0);
	tlen = t_ip4(tcp, IPPROTO_TCP, 20, 20, 0);
	ulen = t_ip4(udp, IPPROTO_UDP, 20, 8, 0);

	/* One owner: a call per round */
	for (i = 0; i < n; i++)
		in[i] = t_frame(tcp, tlen);
	CU_ASSERT_EQUAL(frame_from_guest(in, n, &t_net, t_deliver, &t_ncalls),
			n);
	CU_ASSERT_EQUAL_FATAL(t_ncalls, 3);
	CU_ASSERT_EQUAL(t_calls[0].n, FRAME_BATCH_MAX);
	CU_ASSERT_EQUAL(t_calls[1].n, FRAME_BATCH_MAX);
	CU_ASSERT_EQUAL(t_calls[2].n, 5);
	CU_ASSERT_EQUAL(t_calls[2].owner, 7);

	/* Two owners, interleaved: ascending owner, two calls per round */
	t_ncalls = 0;
	for (i = 0; i < n; i++)
		in[i] = i % 3 ? t_frame(tcp, tlen) : t_frame(udp, ulen);
	CU_ASSERT_EQUAL(frame_from_guest(in, n, &t_net, t_deliver, &t_ncalls),
			n);
	CU_ASSERT_EQUAL_FATAL(t_ncalls, 6);
	CU_ASSERT_EQUAL(t_calls[0].owner, 1);
	CU_ASSERT_EQUAL(t_calls[0].n, 342);	/* 0, 3, ... 1023 */
	CU_ASSERT_EQUAL(t_calls[1].owner, 7);
	CU_ASSERT_EQUAL(t_calls[1].n, 682);
	CU_ASSERT_EQUAL(t_calls[2].owner, 1);
	CU_ASSERT_EQUAL(t_calls[2].n, 341);	/* 1026 ... 2046 */
	CU_ASSERT_EQUAL(t_calls[3].owner, 7);
	CU_ASSERT_EQUAL(t_calls[3].n, 683);
	CU_ASSERT_EQUAL(t_calls[4].owner, 1);
	CU_ASSERT_EQUAL(t_calls[4].n, 2);	/* 2049, 2052 */
	CU_ASSERT_EQUAL(t_calls[5].owner, 7);
	CU_ASSERT_EQUAL(t_calls[5].n, 3);
	CU_ASSERT_EQUAL(t_calls[0].len[0], ulen);
	CU_ASSERT_EQUAL(t_calls[1].len[0], tlen);
}

static void test_from_guest_learn(void)
{
	static const uint8_t mcast_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t other4[4] = { 192, 0, 2, 9 };
	static const uint8_t zero16[16];
	uint8_t b[200];
	struct passt_frame f;
	size_t len;

	t_setup();
	t_ncalls = 0;

	/* Learning happens even for frames nobody takes */
	len = t_ip4(b, IPPROTO_UDP, 20, 8, 0);
	memcpy(b + 26, other4, 4);
	t_ip4_csum(b);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_from_guest(&f, 1, &t_net, t_deliver, &t_ncalls),
			0);
	CU_ASSERT_EQUAL(memcmp(t_net.guest_mac, t_guest_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip4.addr_seen, other4, 4), 0);

	memset(b + 26, 0, 4);			/* DHCP discover: 0.0.0.0 */
	t_ip4_csum(b);
	CU_ASSERT_EQUAL(frame_from_guest(&f, 1, &t_net, t_deliver, &t_ncalls),
			0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip4.addr_seen, other4, 4), 0);

	memcpy(b + 26, (uint8_t [4]){ 224, 0, 0, 251 }, 4);
	t_ip4_csum(b);
	CU_ASSERT_EQUAL(frame_from_guest(&f, 1, &t_net, t_deliver, &t_ncalls),
			0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip4.addr_seen, other4, 4), 0);

	/* Malformed frames teach nothing */
	memcpy(b + 6, (uint8_t [6]){ 2, 0, 0, 0, 0, 7 }, 6);
	memcpy(b + 26, t_guest4, 4);		/* checksum now wrong */
	CU_ASSERT_EQUAL(frame_from_guest(&f, 1, &t_net, t_deliver, &t_ncalls),
			0);
	CU_ASSERT_EQUAL(memcmp(t_net.guest_mac, t_guest_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip4.addr_seen, other4, 4), 0);

	/* A multicast source MAC is not the guest's */
	len = t_ip6(b, IPPROTO_UDP, 8);
	memcpy(b + 6, mcast_mac, 6);
	memset(b + 22, 0, 16);			/* :: */
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_from_guest(&f, 1, &t_net, t_deliver, &t_ncalls),
			0);
	CU_ASSERT_EQUAL(memcmp(t_net.guest_mac, t_guest_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip6.addr_seen, zero16, 16), 0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip6.addr_ll_seen, zero16, 16), 0);

	len = t_ip6(b, IPPROTO_UDP, 8);
	memcpy(b + 22, t_ll6, 16);
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_from_guest(&f, 1, &t_net, t_deliver, &t_ncalls),
			0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip6.addr_ll_seen, t_ll6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip6.addr_seen, zero16, 16), 0);

	len = t_ip6(b, IPPROTO_UDP, 8);		/* source: t_guest6 */
	f = t_frame(b, len);
	CU_ASSERT_EQUAL(frame_from_guest(&f, 1, &t_net, t_deliver, &t_ncalls),
			0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip6.addr_seen, t_guest6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip6.addr_ll_seen, t_ll6, 16), 0);

	/* fec0::/10 is not link-local */
	b[22] = 0xfe;
	b[23] = 0xc0;
	CU_ASSERT_EQUAL(frame_from_guest(&f, 1, &t_net, t_deliver, &t_ncalls),
			0);
	CU_ASSERT_EQUAL(t_net.ip6.addr_seen.s6_addr[1], 0xc0);
	CU_ASSERT_EQUAL(memcmp(&t_net.ip6.addr_ll_seen, t_ll6, 16), 0);

	/* A new MAC replaces the old one */
	len = t_arp(b, 2, t_guest4, t_gw4);
	b[11] = 0x99;
	f = t_frame(b, len);
	frame_from_guest(&f, 1, &t_net, t_deliver, &t_ncalls);
	CU_ASSERT_EQUAL(t_net.guest_mac[5], 0x99);
	CU_ASSERT_EQUAL(t_ncalls, 0);
}

/**
 * t_arp_poke() - Change one byte of a request, try a reply, restore it
 * @f:		Frame
 * @b:		Its buffer
 * @at:		Offset of the byte
 * @v:		Value to try
 *
 * Return: arp_reply() result with the changed byte
 */
static size_t t_arp_poke(const struct passt_frame *f, uint8_t *b, size_t at,
			 uint8_t v)
{
	uint8_t out[60], old = b[at];
	size_t ret;

	b[at] = v;
	ret = arp_reply(f, &t_net, out, sizeof(out));
	b[at] = old;
	return ret;
}

static void test_from_guest_arp(void)
{
	static const uint8_t expect[60] = {
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* to the guest */
		0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55,	/* from us */
		0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02,
		0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55, 10, 0, 2, 2,
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15,
		/* zero padding to 60 bytes */
	};
	static const uint8_t zero4[4];
	uint8_t b[4][64], out[64];
	struct passt_frame in[4];
	size_t len;

	t_setup();
	t_ncalls = 0;
	t_sent_reset(-1);
	CU_ASSERT_EQUAL_FATAL(frame_txq_init(4096, 16), 0);
	frame_txq_set_sender(t_send, &t_sent);

	len = t_arp(b[0], 1, t_guest4, t_gw4);		/* answered */
	in[0] = t_frame(b[0], len);
	len = t_arp(b[1], 1, t_guest4, t_guest4);	/* announcement */
	in[1] = t_frame(b[1], len);
	len = t_arp(b[2], 1, zero4, t_guest4);		/* probe */
	in[2] = t_frame(b[2], len);
	len = t_arp(b[3], 2, t_guest4, t_gw4);		/* a reply */
	in[3] = t_frame(b[3], len);

	CU_ASSERT_EQUAL(frame_from_guest(in, 4, &t_net, t_deliver, &t_ncalls),
			1);
	CU_ASSERT_EQUAL(t_ncalls, 0);
	CU_ASSERT_EQUAL(frame_txq_pending(), 1);
	frame_txq_flush();
	CU_ASSERT_EQUAL_FATAL(t_sent.calls, 1);
	CU_ASSERT_EQUAL_FATAL(t_sent.n, 1);
	CU_ASSERT_EQUAL_FATAL(t_sent.len[0], 60);
	CU_ASSERT_EQUAL(memcmp(t_sent.bytes[0], expect, 60), 0);

	/* A probe (sender 0.0.0.0) for any address: no answer */
	t_arp(b[0], 1, zero4, t_gw4);
	CU_ASSERT_EQUAL(arp_reply(&in[0], &t_net, out, sizeof(out)), 0);

	/* Asking for the guest's own address from another one: no answer */
	t_arp(b[0], 1, t_gw4, t_guest4);
	CU_ASSERT_EQUAL(arp_reply(&in[0], &t_net, out, sizeof(out)), 0);
	t_arp(b[0], 1, t_guest4, t_gw4);

	/* Direct calls: size limits, and a 42-byte reply if that's all */
	CU_ASSERT_EQUAL(arp_reply(&in[0], &t_net, out, 41), 0);
	memset(out, 0x77, sizeof(out));
	CU_ASSERT_EQUAL(arp_reply(&in[0], &t_net, out, 42), 42);
	CU_ASSERT_EQUAL(memcmp(out, expect, 42), 0);
	CU_ASSERT_EQUAL(out[42], 0x77);
	CU_ASSERT_EQUAL(arp_reply(&in[0], &t_net, out, 59), 42);
	CU_ASSERT_EQUAL(arp_reply(&in[0], &t_net, out, 64), 60);

	/* IPv4 disabled: nothing to answer for */
	t_net.ip4.enable = false;
	CU_ASSERT_EQUAL(arp_reply(&in[0], &t_net, out, 64), 0);
	t_net.ip4.enable = true;
	CU_ASSERT_EQUAL(arp_reply(&in[0], &t_net, out, 64), 60);
	CU_ASSERT_EQUAL(memcmp(out, expect, 60), 0);

	/* Each field checked */
	CU_ASSERT_EQUAL(t_arp_poke(&in[0], b[0], 15, 6), 0);	/* htype */
	CU_ASSERT_EQUAL(t_arp_poke(&in[0], b[0], 17, 0xdd), 0); /* ptype */
	CU_ASSERT_EQUAL(t_arp_poke(&in[0], b[0], 18, 8), 0);	/* hlen */
	CU_ASSERT_EQUAL(t_arp_poke(&in[0], b[0], 19, 16), 0);	/* plen */
	CU_ASSERT_EQUAL(t_arp_poke(&in[0], b[0], 21, 3), 0);	/* op */
	CU_ASSERT_EQUAL(t_arp_poke(&in[0], b[0], 22, 0x01), 0); /* sha */
	CU_ASSERT_EQUAL(t_arp_poke(&in[0], b[0], 38, 0xff), 0); /* tpa */
	CU_ASSERT_EQUAL(t_arp_poke(&in[0], b[0], 13, 0x07), 0); /* type */
	CU_ASSERT_EQUAL(t_arp_poke(&in[0], b[0], 41, 0x02), 60);

	/* Truncated: one byte short of the ARP body */
	in[0].len = 41;
	CU_ASSERT_EQUAL(arp_reply(&in[0], &t_net, out, 60), 0);
	in[0].len = 42;

	/* Claimed by a module: delivered, not answered */
	CU_ASSERT_EQUAL(t_claim(9, 0x0806, 0, 0), 0);
	CU_ASSERT_EQUAL(frame_from_guest(in, 1, &t_net, t_deliver, &t_ncalls),
			1);
	CU_ASSERT_EQUAL(t_ncalls, 1);
	CU_ASSERT_EQUAL(t_calls[0].owner, 9);
	CU_ASSERT_EQUAL(frame_txq_pending(), 0);

	/* No queue: not answered, no crash */
	frame_claims_reset();
	frame_txq_fini();
	CU_ASSERT_EQUAL(frame_from_guest(in, 1, &t_net, t_deliver, &t_ncalls),
			0);
}

static void test_txq_basic(void)
{
	struct iovec iov[3];
	uint8_t *p, *p2, *p3;

	t_setup();
	t_sent_reset(-1);

	CU_ASSERT_PTR_NULL(frame_txq_alloc(10));	/* not initialised */
	CU_ASSERT_EQUAL(frame_txq_commit(10), -EINVAL);
	CU_ASSERT_EQUAL(frame_txq_init(0, 4), -EINVAL);
	CU_ASSERT_EQUAL(frame_txq_init(256, 0), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(frame_txq_init(256, 4), 0);
	frame_txq_set_sender(t_send, &t_sent);

	CU_ASSERT_PTR_NULL(frame_txq_alloc(0));
	CU_ASSERT_PTR_NULL(frame_txq_alloc(257));
	CU_ASSERT_EQUAL(frame_txq_commit(1), -EINVAL);	/* nothing allocated */

	p = frame_txq_alloc(100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL((uintptr_t)p % 8, 0);
	memset(p, 0x11, 100);
	CU_ASSERT_EQUAL(frame_txq_commit(101), -EINVAL);
	CU_ASSERT_EQUAL(frame_txq_commit(0), -EINVAL);
	CU_ASSERT_EQUAL(frame_txq_commit(61), 0);
	CU_ASSERT_EQUAL(frame_txq_commit(61), -EINVAL);	/* already done */
	CU_ASSERT_EQUAL(frame_txq_pending(), 1);

	p2 = frame_txq_alloc(50);
	CU_ASSERT_PTR_EQUAL(p2, p + 64);
	memset(p2, 0x22, 50);
	CU_ASSERT_EQUAL(frame_txq_commit(50), 0);

	iov[0].iov_base = "abc";
	iov[0].iov_len = 3;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = "defg";
	iov[2].iov_len = 4;
	CU_ASSERT_EQUAL(frame_txq_copy(iov, 3), 0);
	CU_ASSERT_EQUAL(frame_txq_copy(iov + 1, 1), -EINVAL);
	CU_ASSERT_EQUAL(frame_txq_pending(), 3);

	frame_txq_flush();
	CU_ASSERT_EQUAL(frame_txq_pending(), 0);
	CU_ASSERT_EQUAL_FATAL(t_sent.calls, 1);
	CU_ASSERT_EQUAL_FATAL(t_sent.n, 3);
	CU_ASSERT_PTR_EQUAL(t_sent.base[0], p);
	CU_ASSERT_EQUAL(t_sent.len[0], 61);
	CU_ASSERT_EQUAL(t_sent.bytes[0][60], 0x11);
	CU_ASSERT_PTR_EQUAL(t_sent.base[1], p2);
	CU_ASSERT_EQUAL(t_sent.len[1], 50);
	CU_ASSERT_EQUAL(t_sent.bytes[1][49], 0x22);
	CU_ASSERT_EQUAL(t_sent.len[2], 7);
	CU_ASSERT_EQUAL(memcmp(t_sent.bytes[2], "abcdefg", 7), 0);
	CU_ASSERT_PTR_EQUAL(t_sent.base[2], p + 64 + 56);

	/* Empty flush: the sender is not bothered */
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_sent.calls, 1);

	/* The queue starts over at the beginning */
	p3 = frame_txq_alloc(8);
	CU_ASSERT_PTR_EQUAL(p3, p);

	/* An allocation survives a flush of the frames before it */
	CU_ASSERT_EQUAL(frame_txq_commit(8), 0);
	p3 = frame_txq_alloc(16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p3);
	memset(p3, 0x33, 16);
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_sent.calls, 2);
	CU_ASSERT_EQUAL(t_sent.n, 1);
	CU_ASSERT_EQUAL(frame_txq_commit(16), 0);
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_sent.calls, 3);
	CU_ASSERT_EQUAL(t_sent.len[0], 16);
	CU_ASSERT_EQUAL(t_sent.bytes[0][15], 0x33);

	/* Abandoned after a flush: its room is reused, even all of it */
	CU_ASSERT_EQUAL(frame_txq_copy(iov, 3), 0);
	CU_ASSERT_PTR_NOT_NULL(frame_txq_alloc(16));
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_sent.calls, 4);
	CU_ASSERT_PTR_EQUAL(frame_txq_alloc(256), p);
	CU_ASSERT_EQUAL(t_sent.calls, 4);
	CU_ASSERT_EQUAL(frame_txq_commit(256), 0);

	frame_txq_fini();
}

static void test_txq_reserve(void)
{
	uint8_t *b[8], *p;
	size_t lens[8] = { 10, 0, 30, 40, 50, 60, 70, 80 };

	t_setup();
	t_sent_reset(-1);
	CU_ASSERT_EQUAL_FATAL(frame_txq_init(1024, 8), 0);
	frame_txq_set_sender(t_send, &t_sent);

	CU_ASSERT_EQUAL(frame_txq_reserve(4, 2000, b), 0);	/* never fits */
	CU_ASSERT_EQUAL(frame_txq_reserve(0, 100, b), 0);

	/* Four slots of 100 (stride 104), three committed, one skipped */
	CU_ASSERT_EQUAL_FATAL(frame_txq_reserve(4, 100, b), 4);
	CU_ASSERT_EQUAL(b[1] - b[0], 104);
	CU_ASSERT_EQUAL(b[3] - b[0], 312);
	memset(b[0], 1, 10);
	memset(b[2], 3, 30);
	memset(b[3], 4, 40);
	CU_ASSERT_EQUAL(frame_txq_commit_n(5, lens), -EINVAL);	/* > 4 */
	CU_ASSERT_EQUAL_FATAL(frame_txq_reserve(4, 100, b), 4);
	lens[0] = 101;
	CU_ASSERT_EQUAL(frame_txq_commit_n(1, lens), -EINVAL);	/* > 100 */
	lens[0] = 10;
	CU_ASSERT_EQUAL(frame_txq_commit_n(4, lens), 0);
	CU_ASSERT_EQUAL(frame_txq_pending(), 3);
	CU_ASSERT_EQUAL(frame_txq_commit_n(1, lens), -EINVAL);	/* used up */

	/* Room left: 1024 - 352 = 672 bytes and 5 iovecs: 5 fit as is */
	CU_ASSERT_EQUAL(frame_txq_reserve(5, 100, b), 5);
	CU_ASSERT_EQUAL(t_sent.calls, 0);

	/* Six more than fit: flushed first, then room for 8 iovecs */
	CU_ASSERT_EQUAL(frame_txq_reserve(8, 120, b), 8);
	CU_ASSERT_EQUAL(t_sent.calls, 1);
	CU_ASSERT_EQUAL(t_sent.n, 3);
	CU_ASSERT_EQUAL(t_sent.len[0], 10);
	CU_ASSERT_EQUAL(t_sent.len[1], 30);
	CU_ASSERT_EQUAL(t_sent.len[2], 40);
	CU_ASSERT_EQUAL(t_sent.bytes[1][0], 3);
	CU_ASSERT_EQUAL(t_sent.bytes[2][39], 4);

	/* An allocation releases a reservation */
	p = frame_txq_alloc(50);
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_EQUAL(frame_txq_commit_n(1, lens), -EINVAL);
	CU_ASSERT_EQUAL(frame_txq_commit(50), 0);
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_sent.n, 1);
	CU_ASSERT_EQUAL(t_sent.len[0], 50);

	/* A flush releases one too */
	CU_ASSERT_EQUAL(frame_txq_reserve(2, 100, b), 2);
	frame_txq_flush();
	CU_ASSERT_EQUAL(frame_txq_commit_n(1, lens), -EINVAL);
	frame_txq_fini();
}

static void test_txq_overflow(void)
{
	static uint8_t big[300];
	struct iovec iov = { big, sizeof(big) };
	uint8_t *p, *p2;
	int i;

	t_setup();
	t_sent_reset(-1);
	CU_ASSERT_EQUAL_FATAL(frame_txq_init(256, 4), 0);
	frame_txq_set_sender(t_send, &t_sent);

	/* Out of bytes: the next allocation flushes first */
	p = frame_txq_alloc(200);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, 0x44, 200);
	CU_ASSERT_EQUAL(frame_txq_commit(200), 0);
	p2 = frame_txq_alloc(100);
	CU_ASSERT_PTR_EQUAL(p2, p);
	CU_ASSERT_EQUAL(t_sent.calls, 1);
	CU_ASSERT_EQUAL(t_sent.n, 1);
	CU_ASSERT_EQUAL(t_sent.len[0], 200);
	CU_ASSERT_EQUAL(t_sent.bytes[0][127], 0x44);
	CU_ASSERT_EQUAL(frame_txq_pending(), 0);
	CU_ASSERT_EQUAL(frame_txq_commit(100), 0);

	/* Exactly full is fine: 104 + 152 */
	CU_ASSERT_PTR_NOT_NULL(frame_txq_alloc(152));
	CU_ASSERT_EQUAL(frame_txq_commit(152), 0);
	CU_ASSERT_EQUAL(t_sent.calls, 1);
	CU_ASSERT_EQUAL(frame_txq_pending(), 2);
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_sent.calls, 2);

	/* Out of iovecs */
	for (i = 0; i < 4; i++) {
		CU_ASSERT_PTR_NOT_NULL(frame_txq_alloc(8));
		CU_ASSERT_EQUAL(frame_txq_commit(8), 0);
	}
	CU_ASSERT_EQUAL(t_sent.calls, 2);
	CU_ASSERT_PTR_EQUAL(frame_txq_alloc(8), p);
	CU_ASSERT_EQUAL(t_sent.calls, 3);
	CU_ASSERT_EQUAL(t_sent.n, 4);
	CU_ASSERT_EQUAL(frame_txq_commit(8), 0);

	/* Never fits: nothing flushed, NULL */
	CU_ASSERT_PTR_NULL(frame_txq_alloc(257));
	CU_ASSERT_EQUAL(frame_txq_copy(&iov, 1), -EMSGSIZE);
	CU_ASSERT_EQUAL(t_sent.calls, 3);
	CU_ASSERT_EQUAL(frame_txq_pending(), 1);

	/* The sender takes fewer: the rest is dropped, not retried */
	CU_ASSERT_EQUAL(frame_txq_copy(&(struct iovec){ big, 40 }, 1), 0);
	CU_ASSERT_EQUAL(frame_txq_copy(&(struct iovec){ big, 40 }, 1), 0);
	CU_ASSERT_EQUAL(frame_txq_pending(), 3);
	t_sent_reset(1);
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_sent.calls, 1);
	CU_ASSERT_EQUAL(t_sent.n, 3);
	CU_ASSERT_EQUAL(frame_txq_pending(), 0);

	/* The sender fails: all dropped */
	CU_ASSERT_EQUAL(frame_txq_copy(&(struct iovec){ big, 40 }, 1), 0);
	t_sent_reset(-EAGAIN);
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_sent.calls, 1);
	CU_ASSERT_EQUAL(frame_txq_pending(), 0);

	/* No sender: dropped */
	frame_txq_set_sender(NULL, NULL);
	CU_ASSERT_EQUAL(frame_txq_copy(&(struct iovec){ big, 40 }, 1), 0);
	frame_txq_flush();
	CU_ASSERT_EQUAL(t_sent.calls, 1);
	CU_ASSERT_EQUAL(frame_txq_pending(), 0);

	frame_txq_fini();
	CU_ASSERT_EQUAL(frame_txq_pending(), 0);
}

/**
 * t_rand() - xorshift64 generator, fixed seed: failures reproduce
 *
 * Return: next pseudo-random value
 */
static uint64_t t_rand(void)
{
	static uint64_t s = 0x9e3779b97f4a7c15ULL;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

static unsigned long t_fuzz_bad, t_fuzz_frames, t_fuzz_sum;

/**
 * t_fuzz_deliver() - Check what dispatch hands out, read all of it
 * @opaque:	Unused
 * @owner:	Owner
 * @f:		Frames
 * @n:		Number of frames
 */
static void t_fuzz_deliver(void *opaque, unsigned int owner,
			   const struct passt_frame *f, size_t n)
{
	size_t i, j;

	(void)opaque;
	if (!n || !owner || owner >= FRAME_OWNERS_MAX)
		t_fuzz_bad++;

	for (i = 0; i < n; i++) {
		if (f[i].len < 14 || f[i].l3off != 14 ||
		    frame_claim_owner(&f[i]) != (int)owner)
			t_fuzz_bad++;
		if (f[i].l4off &&
		    (f[i].l4off > f[i].len ||
		     f[i].l4off + f[i].l4len != f[i].len))
			t_fuzz_bad++;
		for (j = 0; j < f[i].len; j++)	/* ASan checks each byte */
			t_fuzz_sum += f[i].data[j];
		(void)frame_l4dst(&f[i]);
	}
	t_fuzz_frames += n;
}

/**
 * t_fuzz_frame() - One random or mutated frame
 * @b:		Buffer, at least 1600 bytes
 *
 * Return: its length
 */
static size_t t_fuzz_frame(uint8_t *b)
{
	static const uint8_t t_nh[6] = { IPPROTO_ROUTING, IPPROTO_DSTOPTS,
					 IPPROTO_FRAGMENT, IPPROTO_UDP,
					 IPPROTO_ICMPV6, IPPROTO_TCP };
	size_t len, i, flips;
	uint64_t r = t_rand();

	switch (r % 8) {
	case 0:
		len = t_ip4(b, IPPROTO_TCP, 20 + 4 * ((r >> 8) % 11),
			    (r >> 16) % 200, 0);
		break;
	case 1:
		len = t_ip4(b, IPPROTO_UDP, 20, 8 + (r >> 8) % 300,
			    (r >> 20) % 4 ? 0 : 0x2000);
		break;
	case 2:
		len = t_ip6(b, IPPROTO_DSTOPTS, 8 * 6 + (r >> 8) % 100);
		for (i = 0; i < 6; i++) {
			b[54 + 8 * i] = t_nh[(r >> (12 + 3 * i)) % 6];
			b[55 + 8 * i] = 0;
		}
		break;
	case 3:
		len = t_ip6(b, IPPROTO_ICMPV6, (r >> 8) % 200);
		break;
	case 4:
		len = t_arp(b, 1, t_guest4, (uint8_t[]){ 10, 0, 2,
							 (uint8_t)(r >> 8) });
		break;
	case 5:
		len = (r >> 8) % 1600;
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)t_rand();
		if (len >= 14)
			t_put16(b + 12, (r >> 20) & 1 ? 0x86dd : 0x0800);
		return len;
	case 6:
		len = t_ip6(b, IPPROTO_HOPOPTS, (r >> 8) % 64);
		break;
	default:
		len = 14 + (r >> 8) % 100;
		t_eth(b, (unsigned int)(r >> 32) & 0xffff);
		memset(b + 14, (int)(r >> 48), len - 14);
		return len;
	}

	/* Mutate: flip bytes, mostly in the headers, then maybe cut or pad */
	flips = (r >> 40) % 6;
	for (i = 0; i < flips; i++) {
		uint64_t m = t_rand();
		size_t at = m % (len < 80 ? len : 80);

		b[at] = (uint8_t)(m >> 32);
	}
	if (r >> 50 & 1 && len > 14 && b[12] == 8 && b[13] == 0)
		t_ip4_csum(b);		/* reach past the checksum check */
	if (r >> 51 & 1)
		len = (size_t)(t_rand() % (len + 1));
	else if (r >> 52 & 1)
		len += t_rand() % 40;
	return len;
}

static void test_from_guest_random(void)
{
	static struct passt_frame in[1500];
	static uint8_t b[1600];
	size_t done = 0, total = 200000;

	t_setup();
	t_sent_reset(-1);
	t_fuzz_bad = t_fuzz_frames = 0;
	CU_ASSERT_EQUAL_FATAL(frame_txq_init(2048, 8), 0);
	frame_txq_set_sender(t_send, &t_sent);
	CU_ASSERT_EQUAL(t_claim(1, 0x0800, IPPROTO_TCP, 0), 0);
	CU_ASSERT_EQUAL(t_claim(2, 0x0800, IPPROTO_UDP, 67), 0);
	CU_ASSERT_EQUAL(t_claim(3, 0x0800, IPPROTO_UDP, 0), 0);
	CU_ASSERT_EQUAL(t_claim(4, 0x86dd, IPPROTO_ICMPV6, 135), 0);
	CU_ASSERT_EQUAL(t_claim(5, 0x86dd, 0, 0), 0);
	CU_ASSERT_EQUAL(t_claim(6, 0x88b5, 0, 0), 0);
	CU_ASSERT_EQUAL(t_claim(63, 0x0800, 0, 0), 0);

	while (done < total) {
		size_t n = 1 + t_rand() % 1500, i, got;

		if (n > total - done)
			n = total - done;
		/* Each frame in a buffer of its own exact size */
		for (i = 0; i < n; i++) {
			size_t len = t_fuzz_frame(b);
			uint8_t *copy = malloc(len ? len : 1);

			CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
			memcpy(copy, b, len);
			in[i].data = copy;
			in[i].len = len;
		}
		t_sent.take = (int)(t_rand() % 10) - 1;
		got = frame_from_guest(in, n, &t_net, t_fuzz_deliver, NULL);
		if (got > n)
			t_fuzz_bad++;
		for (i = 0; i < n; i++)
			free((void *)in[i].data);
		done += n;
	}
	frame_txq_flush();

	CU_ASSERT_EQUAL(t_fuzz_bad, 0);
	/* Plenty reached the modules, so the mutations left valid frames */
	CU_ASSERT(t_fuzz_frames > total / 10);
	CU_ASSERT(t_sent.calls > 0);
	frame_txq_fini();
}

UNIT_SUITE(frame,
	   { "tx queue batch reservations", test_txq_reserve },
	   { "parse IPv4", test_parse_ip4 },
	   { "parse IPv4 padding, fragments",
	     test_parse_ip4_padding_fragments },
	   { "parse IPv6, extension headers", test_parse_ip6 },
	   { "parse ARP, other EtherTypes", test_parse_other },
	   { "parse malformed", test_parse_malformed },
	   { "l4dst", test_l4dst },
	   { "claims: add, conflicts, limits", test_claims_add },
	   { "claims: owner, specificity, fragments", test_claims_owner },
	   { "from_guest: dispatch", test_from_guest_dispatch },
	   { "from_guest: rounds", test_from_guest_rounds },
	   { "from_guest: learning", test_from_guest_learn },
	   { "from_guest: ARP", test_from_guest_arp },
	   { "txq: alloc, commit, copy, flush", test_txq_basic },
	   { "txq: overflow, drops", test_txq_overflow },
	   { "txq: backend window, room, wake-up", test_txq_window },
	   { "from_guest: random frames", test_from_guest_random })
