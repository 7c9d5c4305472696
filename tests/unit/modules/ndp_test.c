// SPDX-License-Identifier: GPL-2.0-or-later
/* ndp_test.c - NDP module: solicitations in, advertisements checked
 *
 * Router and neighbour solicitations are built byte by byte as a guest
 * would send them, wrapped in Ethernet and IPv6 headers and handed over as
 * the core would (offsets and lengths filled in), and the advertisements
 * the module queues through the fake core are taken apart here, with the
 * test's own option walker and checksum, independent of the module's.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <CUnit/CUnit.h>

#include "unit.h"
#include "fake_core.h"

extern const struct passt_module passt_module;

#define MSG_MAX		4096
#define FRAME_MAX	(MSG_MAX + 128)
#define HDRS		(14 + 40)	/* Ethernet + IPv6 */

#define T_RS		133
#define T_RA		134
#define T_NS		135
#define T_NA		136

#define FUZZ_ROUNDS	100000

static const uint8_t guest_mac[6] = FAKE_GUEST_MAC;
static const uint8_t our_mac[6] = FAKE_OUR_MAC;
static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
static const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x77 };

/* RFC 1035 wire format of FAKE_SEARCH0, FAKE_SEARCH1, padded to 8 bytes */
static const uint8_t search_wire[32] = {
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	3, 'o', 'r', 'g', 0, 0, 0,
};

static const struct passt_claim claims_dhcpv6[] = {
	{ PASST_ETHERTYPE_IPV6, IPPROTO_UDP, 547 },
	{ 0 },
};

static const struct passt_claim claims_other[] = {
	{ PASST_ETHERTYPE_IP, IPPROTO_UDP, 67 },
	{ PASST_ETHERTYPE_IPV6, IPPROTO_UDP, 546 },
	{ 0 },
};

static struct passt_mod *mod;

/**
 * struct msg - An ICMPv6 message under construction
 * @b:		Bytes
 * @len:	Length so far
 */
struct msg {
	uint8_t b[MSG_MAX];
	size_t len;
};

/**
 * struct pkt - A frame as the core hands it over, before sending
 * @b:		Frame bytes
 * @f:		Frame descriptor (@f.data is set when delivered)
 */
struct pkt {
	uint8_t b[FRAME_MAX];
	struct passt_frame f;
};

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */
/* ---------------------------------------------------------------------- */

/**
 * ip6() - Parse an IPv6 address
 * @s:		Address text
 *
 * Return: address
 */
static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	CU_ASSERT_FATAL(inet_pton(AF_INET6, s, &a) == 1);
	return a;
}

/**
 * get16() - Read 16 bits in network order
 * @p:		Source
 *
 * Return: value
 */
static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/**
 * get32() - Read 32 bits in network order
 * @p:		Source
 *
 * Return: value
 */
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/**
 * put16() - Write 16 bits in network order
 * @p:		Destination
 * @v:		Value
 */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/**
 * rng() - Deterministic pseudo-random numbers for the fuzz loop
 *
 * Return: 31 pseudo-random bits
 */
static uint32_t rng(void)
{
	static uint64_t x = 0x2545f4914f6cdd1dULL;

	x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(x >> 33);
}

/**
 * ref_sum() - Reference ones' complement sum, big-endian words
 * @p:		Data
 * @len:	Length
 * @sum:	Sum to add to
 *
 * Written independently of the fake core's and the module's checksums
 *
 * Return: unfolded sum
 */
static uint32_t ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/**
 * ref_fold() - Fold and complement a reference sum
 * @sum:	Unfolded sum
 *
 * Return: checksum, host order
 */
static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * ref_icmp6_csum() - ICMPv6 checksum over a message, its field read as 0
 * @l3:		IPv6 header (addresses at 8 and 24)
 * @icmp:	ICMPv6 message
 * @len:	Its length
 *
 * Return: checksum, host order
 */
static uint16_t ref_icmp6_csum(const uint8_t *l3, const uint8_t *icmp,
			       size_t len)
{
	uint8_t pseudo[8] = { 0 };
	uint32_t sum;

	if (len < 4)
		return 0;		/* no checksum field to fill */
	sum = ref_sum(l3 + 8, 32, 0);
	pseudo[0] = (uint8_t)(len >> 24);
	pseudo[1] = (uint8_t)(len >> 16);
	pseudo[2] = (uint8_t)(len >> 8);
	pseudo[3] = (uint8_t)len;
	pseudo[7] = 58;
	sum = ref_sum(pseudo, 8, sum);
	sum = ref_sum(icmp, 2, sum);		/* type, code */
	sum = ref_sum(icmp + 4, len - 4, sum);	/* skipping the checksum */
	return ref_fold(sum);
}

/**
 * sn_addr() - Solicited-node multicast address of a target (RFC 4291)
 * @target:	Target address text
 *
 * Return: ff02::1:ffXX:XXXX
 */
static struct in6_addr sn_addr(const char *target)
{
	struct in6_addr t = ip6(target), a = ip6("ff02::1:ff00:0");

	memcpy(a.s6_addr + 13, t.s6_addr + 13, 3);
	return a;
}

/* ---------------------------------------------------------------------- */
/* Module life cycle                                                      */
/* ---------------------------------------------------------------------- */

/**
 * setup_with() - Load, configure and initialise the module
 * @have_ra:	Set the "router_advertisements" key
 * @ra:		Its value
 */
static void setup_with(bool have_ra, bool ra)
{
	mod = fake_core_load(&passt_module);
	if (have_ra)
		fake_core_cfg_set_bool("router_advertisements", ra);
	CU_ASSERT_EQUAL_FATAL(fake_core_configure(mod), 0);
	CU_ASSERT_EQUAL_FATAL(fake_core_init(mod), 0);
}

/**
 * setup() - Load the module with the default configuration
 */
static void setup(void)
{
	setup_with(false, true);
}

/**
 * teardown() - Check the module used the core correctly, unload it
 */
static void teardown(void)
{
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	fake_core_unload(mod);
	mod = NULL;
}

/* ---------------------------------------------------------------------- */
/* Guest messages and frames                                              */
/* ---------------------------------------------------------------------- */

/**
 * msg_rs() - Start a router solicitation
 * @m:		Message
 */
static void msg_rs(struct msg *m)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = T_RS;
	m->len = 8;
}

/**
 * msg_ns() - Start a neighbour solicitation
 * @m:		Message
 * @target:	Target address text
 */
static void msg_ns(struct msg *m, const char *target)
{
	struct in6_addr t = ip6(target);

	memset(m, 0, sizeof(*m));
	m->b[0] = T_NS;
	memcpy(m->b + 8, &t, 16);
	m->len = 24;
}

/**
 * msg_opt() - Append an option, @units * 8 bytes long, zero-filled
 * @m:		Message
 * @type:	Option type
 * @units:	Length in 8-byte units, as written in the option
 * @body:	Bytes after type and length, or NULL
 * @blen:	Their length (at most @units * 8 - 2)
 */
static void msg_opt(struct msg *m, uint8_t type, uint8_t units,
		    const void *body, size_t blen)
{
	size_t olen = (size_t)units * 8;

	m->b[m->len] = type;
	m->b[m->len + 1] = units;
	memset(m->b + m->len + 2, 0, olen > 2 ? olen - 2 : 0);
	if (body)
		memcpy(m->b + m->len + 2, body, blen);
	m->len += olen ? olen : 8;	/* a zero length still takes room */
}

/**
 * msg_slla() - Append a source link-layer address option, the guest's MAC
 * @m:		Message
 */
static void msg_slla(struct msg *m)
{
	msg_opt(m, 1, 1, guest_mac, 6);
}

/**
 * pkt_build() - Wrap an ICMPv6 message in IPv6 and Ethernet, as the core
 *		 would hand it over, with a correct checksum
 * @p:		Frame to fill
 * @m:		ICMPv6 message
 * @src:	IPv6 source text
 * @dst:	IPv6 destination text
 */
static void pkt_build(struct pkt *p, const struct msg *m, const char *src,
		      const char *dst)
{
	struct in6_addr s = ip6(src), d = ip6(dst);
	uint8_t *l3, *icmp;

	memset(p, 0, sizeof(*p));
	l3 = p->b + 14;
	icmp = p->b + HDRS;
	/* Ethernet destination: the IPv6 multicast mapping, or ours */
	if (d.s6_addr[0] == 0xff) {
		p->b[0] = 0x33;
		p->b[1] = 0x33;
		memcpy(p->b + 2, d.s6_addr + 12, 4);
	} else {
		memcpy(p->b, our_mac, 6);
	}
	memcpy(p->b + 6, guest_mac, 6);
	put16(p->b + 12, 0x86dd);

	l3[0] = 0x60;
	put16(l3 + 4, (uint16_t)m->len);
	l3[6] = 58;
	l3[7] = 255;
	memcpy(l3 + 8, &s, 16);
	memcpy(l3 + 24, &d, 16);

	memcpy(icmp, m->b, m->len);
	if (m->len >= 4)
		put16(icmp + 2, ref_icmp6_csum(l3, icmp, m->len));

	p->f.len = HDRS + m->len;
	p->f.l3off = 14;
	p->f.l4off = HDRS;
	p->f.l4len = (uint16_t)m->len;
	p->f.ethertype = PASST_ETHERTYPE_IPV6;
	p->f.l4proto = IPPROTO_ICMPV6;
}

/**
 * pkt_recsum() - Recompute the ICMPv6 checksum after editing a frame
 * @p:		Frame, with its ICMPv6 message at HDRS, @p->f.l4len long
 */
static void pkt_recsum(struct pkt *p)
{
	uint8_t *icmp = p->b + HDRS;

	put16(icmp + 2, ref_icmp6_csum(p->b + 14, icmp, p->f.l4len));
}

/**
 * deliver_n() - Hand frames to the module, each in an exactly sized copy
 *		 so that AddressSanitizer sees any read past its end
 * @p:		Frames
 * @n:		Number of frames
 */
static void deliver_n(struct pkt *p, size_t n)
{
	struct passt_frame f[8];
	uint8_t *copy[8];
	size_t i;

	CU_ASSERT_FATAL(n <= 8);
	for (i = 0; i < n; i++) {
		copy[i] = malloc(p[i].f.len ? p[i].f.len : 1);
		CU_ASSERT_FATAL(copy[i] != NULL);
		memcpy(copy[i], p[i].b, p[i].f.len);
		f[i] = p[i].f;
		f[i].data = copy[i];
	}
	passt_module.on_frames(mod, f, n, fake_core_now());
	for (i = 0; i < n; i++)
		free(copy[i]);
}

/**
 * deliver() - Hand one frame to the module
 * @p:		Frame
 */
static void deliver(struct pkt *p)
{
	deliver_n(p, 1);
}

/**
 * send_rs() - Deliver a router solicitation
 * @src:	IPv6 source text
 * @slla:	With a source link-layer address option
 */
static void send_rs(const char *src, bool slla)
{
	struct msg m;
	struct pkt p;

	msg_rs(&m);
	if (slla)
		msg_slla(&m);
	pkt_build(&p, &m, src, "ff02::2");
	deliver(&p);
}

/**
 * send_ns() - Deliver a neighbour solicitation to the solicited-node
 *	       address of its target
 * @src:	IPv6 source text
 * @target:	Target text
 * @slla:	With a source link-layer address option
 */
static void send_ns(const char *src, const char *target, bool slla)
{
	struct in6_addr sn = sn_addr(target);
	char dst[INET6_ADDRSTRLEN];
	struct msg m;
	struct pkt p;

	inet_ntop(AF_INET6, &sn, dst, sizeof(dst));
	msg_ns(&m, target);
	if (slla)
		msg_slla(&m);
	pkt_build(&p, &m, src, dst);
	deliver(&p);
}

/* ---------------------------------------------------------------------- */
/* Replies                                                                */
/* ---------------------------------------------------------------------- */

/**
 * reply_check() - Check the headers of a frame we got, return its message
 * @r:		Recorded frame
 * @eth_dst:	Expected Ethernet destination
 * @dst:	Expected IPv6 destination text
 * @type:	Expected ICMPv6 type
 * @len:	Set to the length of the ICMPv6 message
 *
 * Return: the ICMPv6 message, or NULL (after failing assertions)
 */
static const uint8_t *reply_check(const struct fake_frame *r,
				  const uint8_t *eth_dst, const char *dst,
				  uint8_t type, size_t *len)
{
	struct in6_addr d = ip6(dst), s = ip6(FAKE_IP6_OUR_LL);
	const uint8_t *l3 = r->data + 14, *icmp = r->data + HDRS;

	*len = 0;
	CU_ASSERT_FATAL(r->len >= HDRS + 4);
	CU_ASSERT(!memcmp(r->data, eth_dst, 6));
	CU_ASSERT(!memcmp(r->data + 6, our_mac, 6));
	CU_ASSERT_EQUAL(get16(r->data + 12), 0x86dd);

	CU_ASSERT_EQUAL(get32(l3), 0x60000000);	/* version, class, label */
	CU_ASSERT_EQUAL(get16(l3 + 4), r->len - HDRS);
	CU_ASSERT_EQUAL(l3[6], 58);
	CU_ASSERT_EQUAL(l3[7], 255);
	CU_ASSERT(!memcmp(l3 + 8, &s, 16));
	CU_ASSERT(!memcmp(l3 + 24, &d, 16));

	CU_ASSERT_EQUAL(icmp[0], type);
	CU_ASSERT_EQUAL(icmp[1], 0);
	CU_ASSERT_EQUAL(get16(icmp + 2), ref_icmp6_csum(l3, icmp,
							r->len - HDRS));
	*len = r->len - HDRS;
	return icmp;
}

/**
 * opt_find() - Find an option of an advertisement, checking the walk
 * @icmp:	ICMPv6 message
 * @len:	Its length
 * @fixed:	Length of its fixed part
 * @type:	Option type wanted
 * @olen:	Set to the option's length in bytes
 *
 * Return: the first option of @type, or NULL
 */
static const uint8_t *opt_find(const uint8_t *icmp, size_t len, size_t fixed,
			       uint8_t type, size_t *olen)
{
	const uint8_t *found = NULL;
	size_t off;

	*olen = 0;
	for (off = fixed; off < len; off += (size_t)icmp[off + 1] * 8) {
		CU_ASSERT_FATAL(off + 2 <= len);
		CU_ASSERT_FATAL(icmp[off + 1] != 0);
		CU_ASSERT_FATAL(off + (size_t)icmp[off + 1] * 8 <= len);
		if (icmp[off] == type && !found) {
			found = icmp + off;
			*olen = (size_t)icmp[off + 1] * 8;
		}
	}
	CU_ASSERT_EQUAL(off, len);
	return found;
}

/**
 * ra_expected() - The advertisement for the test defaults, byte for byte
 * @b:		Buffer, at least 128 bytes
 * @flags:	Expected M and O flags byte
 *
 * Return: length, 128
 */
static size_t ra_expected(uint8_t *b, uint8_t flags)
{
	static const uint8_t head[] = {
		T_RA, 0, 0, 0, 64, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
		1, 1, 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55,	/* SLLA */
		5, 1, 0, 0, 0, 0, 0xff, 0xf0,			/* MTU */
		3, 4, 64, 0xc0, 0xff, 0xff, 0xff, 0xff,		/* prefix */
		0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		25, 3, 0, 0, 0, 0, 0x07, 0x08,			/* RDNSS */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3,
		31, 5, 0, 0, 0, 0, 0x07, 0x08,			/* DNSSL */
	};

	memcpy(b, head, sizeof(head));
	b[5] = flags;
	memcpy(b + sizeof(head), search_wire, sizeof(search_wire));
	return sizeof(head) + sizeof(search_wire);
}

/**
 * ra_check_default() - Check a frame is the default advertisement
 * @r:		Recorded frame
 * @eth_dst:	Expected Ethernet destination
 * @dst:	Expected IPv6 destination text
 * @flags:	Expected M and O flags byte
 */
static void ra_check_default(const struct fake_frame *r,
			     const uint8_t *eth_dst, const char *dst,
			     uint8_t flags)
{
	uint8_t want[256];
	const uint8_t *icmp;
	size_t len, wlen = ra_expected(want, flags);

	icmp = reply_check(r, eth_dst, dst, T_RA, &len);
	CU_ASSERT_EQUAL_FATAL(len, wlen);
	/* Everything but the checksum, which reply_check() verified */
	CU_ASSERT(!memcmp(icmp, want, 2));
	CU_ASSERT(!memcmp(icmp + 4, want + 4, wlen - 4));
	CU_ASSERT_EQUAL(r->len, HDRS + wlen);
}

/**
 * na_check() - Check a neighbour advertisement
 * @r:		Recorded frame
 * @eth_dst:	Expected Ethernet destination
 * @dst:	Expected IPv6 destination text
 * @target:	Expected target text
 * @flags:	Expected R, S, O flags byte
 */
static void na_check(const struct fake_frame *r, const uint8_t *eth_dst,
		     const char *dst, const char *target, uint8_t flags)
{
	struct in6_addr t = ip6(target);
	const uint8_t *icmp;
	size_t len;

	icmp = reply_check(r, eth_dst, dst, T_NA, &len);
	CU_ASSERT_EQUAL_FATAL(len, 32);
	CU_ASSERT_EQUAL(icmp[4], flags);
	CU_ASSERT_EQUAL(icmp[5], 0);
	CU_ASSERT_EQUAL(icmp[6], 0);
	CU_ASSERT_EQUAL(icmp[7], 0);
	CU_ASSERT(!memcmp(icmp + 8, &t, 16));
	CU_ASSERT_EQUAL(icmp[24], 2);		/* target link-layer address */
	CU_ASSERT_EQUAL(icmp[25], 1);
	CU_ASSERT(!memcmp(icmp + 26, our_mac, 6));
}

/* ---------------------------------------------------------------------- */
/* Tests: descriptor and configuration                                    */
/* ---------------------------------------------------------------------- */

/**
 * test_descriptor() - Name, claims, keys, timer and system calls
 */
static void test_descriptor(void)
{
	const struct passt_claim *c = passt_module.claims;

	CU_ASSERT_STRING_EQUAL(passt_module.name, "ndp");
	CU_ASSERT_EQUAL(passt_module.kind, PASST_MOD_PROTOCOL);
	CU_ASSERT_EQUAL(passt_module.abi_major, PASST_ABI_MAJOR);
	CU_ASSERT_PTR_NOT_NULL(passt_module.summary);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c[0].ethertype, PASST_ETHERTYPE_IPV6);
	CU_ASSERT_EQUAL(c[0].l4proto, IPPROTO_ICMPV6);
	CU_ASSERT_EQUAL(c[0].l4dst, T_RS);
	CU_ASSERT_EQUAL(c[1].ethertype, PASST_ETHERTYPE_IPV6);
	CU_ASSERT_EQUAL(c[1].l4proto, IPPROTO_ICMPV6);
	CU_ASSERT_EQUAL(c[1].l4dst, T_NS);
	CU_ASSERT_EQUAL(c[2].ethertype, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(passt_module.config_keys);
	CU_ASSERT_STRING_EQUAL(passt_module.config_keys[0],
			       "router_advertisements");
	CU_ASSERT_PTR_NULL(passt_module.config_keys[1]);

	CU_ASSERT_PTR_NOT_NULL_FATAL(passt_module.syscalls);
	CU_ASSERT_PTR_NULL(passt_module.syscalls[0]);

	CU_ASSERT_EQUAL(passt_module.timer_ms, 16000);
	CU_ASSERT_PTR_NOT_NULL(passt_module.start);
	CU_ASSERT_PTR_NOT_NULL(passt_module.on_frames);
	CU_ASSERT_PTR_NOT_NULL(passt_module.on_timer);
}

/**
 * test_config() - router_advertisements: default, false, wrong type
 */
static void test_config(void)
{
	setup();
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_INFO], 0);
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
	teardown();

	setup_with(true, false);
	CU_ASSERT(fake_core_log_find("router advertisements disabled") >= 0);
	teardown();

	mod = fake_core_load(&passt_module);
	fake_core_cfg_set_int("router_advertisements", 1);
	CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
	teardown();
}

/* ---------------------------------------------------------------------- */
/* Tests: router advertisements                                           */
/* ---------------------------------------------------------------------- */

/**
 * test_rs_ra() - RS from the guest's link-local address: RA back to it
 */
static void test_rs_ra(void)
{
	setup();
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	ra_check_default(&fake_core.to_guest[0], guest_mac, FAKE_IP6_GUEST_LL,
			 0);

	/* Without a link-layer address option: the same */
	fake_core_frames_clear();
	send_rs(FAKE_IP6_GUEST_LL, false);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	ra_check_default(&fake_core.to_guest[0], guest_mac, FAKE_IP6_GUEST_LL,
			 0);
	teardown();
}

/**
 * test_rs_ra_dhcpv6() - M and O flags follow the DHCPv6 claim
 */
static void test_rs_ra_dhcpv6(void)
{
	setup();
	fake_core.claims = claims_dhcpv6;
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	ra_check_default(&fake_core.to_guest[0], guest_mac, FAKE_IP6_GUEST_LL,
			 0xc0);

	/* Other claims, even UDP port 546 or DHCPv4, don't count */
	fake_core_frames_clear();
	fake_core.claims = claims_other;
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	ra_check_default(&fake_core.to_guest[0], guest_mac, FAKE_IP6_GUEST_LL,
			 0);

	/* Asked at every advertisement: unsolicited ones too */
	fake_core_frames_clear();
	fake_core.claims = claims_dhcpv6;
	CU_ASSERT_EQUAL(passt_module.start(mod), 0);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	ra_check_default(&fake_core.to_guest[0], all_nodes_mac, "ff02::1",
			 0xc0);
	teardown();
}

/**
 * test_rs_unspecified() - RS from ::: RA to all nodes
 */
static void test_rs_unspecified(void)
{
	setup();
	send_rs("::", false);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	ra_check_default(&fake_core.to_guest[0], all_nodes_mac, "ff02::1", 0);
	teardown();
}

/**
 * test_rs_other_mac() - The RA goes to the Ethernet source of the RS
 */
static void test_rs_other_mac(void)
{
	struct msg m;
	struct pkt p;

	setup();
	msg_rs(&m);
	pkt_build(&p, &m, FAKE_IP6_GUEST_LL, "ff02::2");
	memcpy(p.b + 6, other_mac, 6);
	deliver(&p);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	ra_check_default(&fake_core.to_guest[0], other_mac,
			 FAKE_IP6_GUEST_LL, 0);
	teardown();
}

/**
 * test_start() - start() sends one RA to ff02::1
 */
static void test_start(void)
{
	setup();
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT_EQUAL(passt_module.start(mod), 0);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	ra_check_default(&fake_core.to_guest[0], all_nodes_mac, "ff02::1", 0);
	teardown();
}

/**
 * test_timer() - Two more initial RAs on ticks, then one every 200-600 s
 */
static void test_timer(void)
{
	unsigned int i, sent;

	setup();
	CU_ASSERT_EQUAL(passt_module.start(mod), 0);
	fake_core_frames_clear();

	/* Second and third of the initial ones: one per tick */
	for (i = 0; i < 2; i++) {
		fake_core.now.tv_sec += 16;
		passt_module.on_timer(mod, fake_core_now());
		CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
		ra_check_default(&fake_core.to_guest[0], all_nodes_mac,
				 "ff02::1", 0);
		fake_core_frames_clear();
	}

	/* Then nothing for at least 200 s */
	for (i = 0; i < 12; i++) {
		fake_core.now.tv_sec += 16;
		passt_module.on_timer(mod, fake_core_now());
	}
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);		/* 192 s */

	/* And one within 600 s */
	for (i = 0; i < 26 && !fake_core.n_to_guest; i++) {
		fake_core.now.tv_sec += 16;
		passt_module.on_timer(mod, fake_core_now());
	}
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	ra_check_default(&fake_core.to_guest[0], all_nodes_mac, "ff02::1", 0);
	fake_core_frames_clear();

	/* Over a day: one every 200 to 600 s, rounded up to ticks */
	for (i = 0, sent = 0; i < 86400 / 16; i++) {
		fake_core.now.tv_sec += 16;
		passt_module.on_timer(mod, fake_core_now());
		sent += fake_core.n_to_guest;
		fake_core_frames_clear();
	}
	CU_ASSERT(sent >= 86400 / (600 + 16));
	CU_ASSERT(sent <= 86400 / 200);
	teardown();
}

/**
 * test_timer_without_start() - Ticks before start(): initial RAs anyway
 */
static void test_timer_without_start(void)
{
	unsigned int i;

	setup();
	for (i = 0; i < 3; i++) {
		passt_module.on_timer(mod, fake_core_now());
		CU_ASSERT_EQUAL(fake_core.n_to_guest, i + 1);
	}
	passt_module.on_timer(mod, fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 3);
	teardown();
}

/**
 * test_ra_disabled() - router_advertisements = false: no RA ever, but NS
 *			still answered
 */
static void test_ra_disabled(void)
{
	unsigned int i;

	setup_with(true, false);
	CU_ASSERT_EQUAL(passt_module.start(mod), 0);
	for (i = 0; i < 100; i++) {
		fake_core.now.tv_sec += 16;
		passt_module.on_timer(mod, fake_core_now());
	}
	send_rs(FAKE_IP6_GUEST_LL, true);
	send_rs("::", false);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);

	send_ns(FAKE_IP6_GUEST_LL, FAKE_IP6_GW, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	na_check(&fake_core.to_guest[0], guest_mac, FAKE_IP6_GUEST_LL,
		 FAKE_IP6_GW, 0xe0);
	teardown();
}

/**
 * test_ra_mtu() - MTU option only from 1280, advertisement within it
 */
static void test_ra_mtu(void)
{
	const uint8_t *icmp, *o;
	size_t len, olen;

	setup();
	fake_core.net.mtu = 1280;
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	icmp = reply_check(&fake_core.to_guest[0], guest_mac,
			   FAKE_IP6_GUEST_LL, T_RA, &len);
	o = opt_find(icmp, len, 16, 5, &olen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(olen, 8);
	CU_ASSERT_EQUAL(get16(o + 2), 0);
	CU_ASSERT_EQUAL(get32(o + 4), 1280);
	CU_ASSERT_EQUAL(len, 128);

	fake_core_frames_clear();
	fake_core.net.mtu = 1279;
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	icmp = reply_check(&fake_core.to_guest[0], guest_mac,
			   FAKE_IP6_GUEST_LL, T_RA, &len);
	CU_ASSERT_PTR_NULL(opt_find(icmp, len, 16, 5, &olen));
	CU_ASSERT_EQUAL(len, 120);
	CU_ASSERT_PTR_NOT_NULL(opt_find(icmp, len, 16, 3, &olen));

	fake_core_frames_clear();
	fake_core.net.mtu = 0;
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	icmp = reply_check(&fake_core.to_guest[0], guest_mac,
			   FAKE_IP6_GUEST_LL, T_RA, &len);
	CU_ASSERT_PTR_NULL(opt_find(icmp, len, 16, 5, &olen));
	teardown();
}

/**
 * test_ra_prefix() - The /64 of the address, whatever the prefix length;
 *		      none without a global address
 */
static void test_ra_prefix(void)
{
	struct in6_addr want = ip6("2001:db8:1:2::");
	const uint8_t *icmp, *o;
	size_t len, olen;

	setup();
	fake_core.net.ip6.addr = ip6("2001:db8:1:2:3:4:5:6");
	fake_core.net.ip6.prefix_len = 56;
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	icmp = reply_check(&fake_core.to_guest[0], guest_mac,
			   FAKE_IP6_GUEST_LL, T_RA, &len);
	o = opt_find(icmp, len, 16, 3, &olen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(olen, 32);
	CU_ASSERT_EQUAL(o[2], 64);
	CU_ASSERT_EQUAL(o[3], 0xc0);
	CU_ASSERT_EQUAL(get32(o + 4), 0xffffffff);
	CU_ASSERT_EQUAL(get32(o + 8), 0xffffffff);
	CU_ASSERT_EQUAL(get32(o + 12), 0);
	CU_ASSERT(!memcmp(o + 16, &want, 16));

	fake_core_frames_clear();
	fake_core.net.ip6.prefix_len = 128;
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	icmp = reply_check(&fake_core.to_guest[0], guest_mac,
			   FAKE_IP6_GUEST_LL, T_RA, &len);
	o = opt_find(icmp, len, 16, 3, &olen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(o[2], 64);
	CU_ASSERT(!memcmp(o + 16, &want, 16));

	/* No global address: no prefix, still a router */
	fake_core_frames_clear();
	memset(&fake_core.net.ip6.addr, 0, 16);
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	icmp = reply_check(&fake_core.to_guest[0], guest_mac,
			   FAKE_IP6_GUEST_LL, T_RA, &len);
	CU_ASSERT_PTR_NULL(opt_find(icmp, len, 16, 3, &olen));
	CU_ASSERT_EQUAL(get16(icmp + 6), 65535);
	CU_ASSERT_EQUAL(len, 96);
	teardown();
}

/**
 * test_ra_dns() - RDNSS with every usable nameserver, DNSSL with valid
 *		   names only; none without them
 */
static void test_ra_dns(void)
{
	static const uint8_t wire[] = {
		1, 'a', 0,
		3, 'f', 'o', 'o', 0,
		1, 'b', 1, 'c', 0,
		0, 0, 0,		/* 13 bytes, padded to 16 */
	};
	struct in6_addr d1 = ip6("2001:db8::53"), d2 = ip6("fe80::53");
	struct in6_addr d0 = ip6(FAKE_IP6_DNS0);
	const uint8_t *icmp, *o;
	size_t len, olen;

	setup();
	fake_core.net.ip6.n_dns = 4;
	fake_core.net.ip6.dns[1] = d1;
	memset(&fake_core.net.ip6.dns[2], 0, 16);	/* skipped */
	fake_core.net.ip6.dns[3] = d2;
	fake_core.net.n_search = 6;
	strcpy(fake_core.net.search[0], "a.");
	strcpy(fake_core.net.search[1], "x..y");	/* empty label */
	strcpy(fake_core.net.search[2], "foo");
	strcpy(fake_core.net.search[3], ".");
	memset(fake_core.net.search[4], 'l', 64);	/* label too long */
	fake_core.net.search[4][64] = '\0';
	strcpy(fake_core.net.search[5], "b.c");

	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	icmp = reply_check(&fake_core.to_guest[0], guest_mac,
			   FAKE_IP6_GUEST_LL, T_RA, &len);

	o = opt_find(icmp, len, 16, 25, &olen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL_FATAL(olen, 8 + 3 * 16);
	CU_ASSERT_EQUAL(get16(o + 2), 0);
	CU_ASSERT_EQUAL(get32(o + 4), 1800);
	CU_ASSERT(!memcmp(o + 8, &d0, 16));
	CU_ASSERT(!memcmp(o + 24, &d1, 16));
	CU_ASSERT(!memcmp(o + 40, &d2, 16));

	o = opt_find(icmp, len, 16, 31, &olen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL_FATAL(olen, 8 + sizeof(wire));
	CU_ASSERT_EQUAL(get32(o + 4), 1800);
	CU_ASSERT(!memcmp(o + 8, wire, sizeof(wire)));

	/* Nothing usable: neither option */
	fake_core_frames_clear();
	fake_core.net.ip6.n_dns = 0;
	fake_core.net.n_search = 1;
	strcpy(fake_core.net.search[0], "..");
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	icmp = reply_check(&fake_core.to_guest[0], guest_mac,
			   FAKE_IP6_GUEST_LL, T_RA, &len);
	CU_ASSERT_PTR_NULL(opt_find(icmp, len, 16, 25, &olen));
	CU_ASSERT_PTR_NULL(opt_find(icmp, len, 16, 31, &olen));
	CU_ASSERT_EQUAL(len, 64);
	teardown();
}

/**
 * test_ra_size() - Longest search list: bounded by the option and the MTU,
 *		    whole names left out, nameservers kept
 */
static void test_ra_size(void)
{
	const uint8_t *icmp, *o;
	size_t len, olen, off, names;
	unsigned int i, j;

	setup();
	fake_core.net.ip6.n_dns = PASST_DNS_MAX;
	for (i = 0; i < PASST_DNS_MAX; i++)
		fake_core.net.ip6.dns[i] = ip6("2001:db8::53");
	fake_core.net.n_search = PASST_SEARCH_MAX;
	for (i = 0; i < PASST_SEARCH_MAX; i++) {
		/* 253 characters: four labels of 62 and dots, plus "x" */
		char *s = fake_core.net.search[i];

		for (j = 0; j < 4; j++) {
			memset(s + j * 63, (char)('a' + i), 62);
			s[j * 63 + 62] = '.';
		}
		s[252] = 'x';
		s[253] = '\0';
	}

	/* Big MTU: the DNSSL option's own limit, 255 * 8 bytes */
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	icmp = reply_check(&fake_core.to_guest[0], guest_mac,
			   FAKE_IP6_GUEST_LL, T_RA, &len);
	o = opt_find(icmp, len, 16, 25, &olen);
	CU_ASSERT_PTR_NOT_NULL(o);
	CU_ASSERT_EQUAL(olen, 8 + PASST_DNS_MAX * 16);
	o = opt_find(icmp, len, 16, 31, &olen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(olen <= 255 * 8);
	/* 255 bytes a name: 7 fit in 2032 bytes */
	for (off = 8, names = 0; off < olen && o[off]; names++)
		off += 255;
	CU_ASSERT_EQUAL(names, 7);
	CU_ASSERT_EQUAL(olen, 8 + 1792);	/* 7 * 255 = 1785, padded */

	/* Minimum MTU: the whole frame within 1280 bytes of IPv6 */
	fake_core_frames_clear();
	fake_core.net.mtu = 1280;
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	CU_ASSERT(fake_core.to_guest[0].len <= 14 + 1280);
	icmp = reply_check(&fake_core.to_guest[0], guest_mac,
			   FAKE_IP6_GUEST_LL, T_RA, &len);
	o = opt_find(icmp, len, 16, 25, &olen);
	CU_ASSERT_PTR_NOT_NULL(o);
	CU_ASSERT_EQUAL(olen, 8 + PASST_DNS_MAX * 16);
	o = opt_find(icmp, len, 16, 31, &olen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	/* 1240 - 64 - 72 = 1104 left: 8 + 4 * 255 = 1028 -> 1032 */
	CU_ASSERT_EQUAL(olen, 1032);
	CU_ASSERT_EQUAL(len, 64 + 72 + 1032);
	teardown();
}

/**
 * test_ra_no_buffer() - No frame buffer: nothing sent, no crash
 */
static void test_ra_no_buffer(void)
{
	setup();
	fake_core.frame_fail = true;
	CU_ASSERT_EQUAL(passt_module.start(mod), 0);
	send_rs(FAKE_IP6_GUEST_LL, true);
	send_ns(FAKE_IP6_GUEST_LL, FAKE_IP6_GW, true);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT(fake_core_log_find("no room") >= 0);

	fake_core.frame_fail = false;
	send_rs(FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
	teardown();
}

/* ---------------------------------------------------------------------- */
/* Tests: neighbour advertisements                                        */
/* ---------------------------------------------------------------------- */

/**
 * test_ns_gateway() - NS for the gateway: NA, Router, Solicited, Override
 */
static void test_ns_gateway(void)
{
	setup();
	send_ns(FAKE_IP6_GUEST_LL, FAKE_IP6_GW, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	na_check(&fake_core.to_guest[0], guest_mac, FAKE_IP6_GUEST_LL,
		 FAKE_IP6_GW, 0xe0);

	/* A gateway that is not our link-local address: Router too */
	fake_core_frames_clear();
	fake_core.net.ip6.gw = ip6("2001:db8::1");
	send_ns(FAKE_IP6_ADDR, "2001:db8::1", false);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	na_check(&fake_core.to_guest[0], guest_mac, FAKE_IP6_ADDR,
		 "2001:db8::1", 0xe0);

	/* ...and our link-local address still is */
	fake_core_frames_clear();
	send_ns(FAKE_IP6_GUEST_LL, FAKE_IP6_OUR_LL, true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	na_check(&fake_core.to_guest[0], guest_mac, FAKE_IP6_GUEST_LL,
		 FAKE_IP6_OUR_LL, 0xe0);
	teardown();
}

/**
 * test_ns_other() - NS for any other address: NA, Solicited, Override
 */
static void test_ns_other(void)
{
	struct msg m;
	struct pkt p;

	setup();
	/* On-link neighbour in the announced prefix */
	send_ns(FAKE_IP6_ADDR, "2001:db8::1234", true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	na_check(&fake_core.to_guest[0], guest_mac, FAKE_IP6_ADDR,
		 "2001:db8::1234", 0x60);

	/* Off-link address, and another link-local one */
	fake_core_frames_clear();
	send_ns(FAKE_IP6_GUEST_LL, "2001:db8:ffff::1", true);
	send_ns(FAKE_IP6_GUEST_LL, "fe80::99", true);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 2);
	na_check(&fake_core.to_guest[0], guest_mac, FAKE_IP6_GUEST_LL,
		 "2001:db8:ffff::1", 0x60);
	na_check(&fake_core.to_guest[1], guest_mac, FAKE_IP6_GUEST_LL,
		 "fe80::99", 0x60);

	/* Unicast NS (reachability confirmation), other options skipped,
	 * from another MAC: answered at that MAC
	 */
	fake_core_frames_clear();
	msg_ns(&m, FAKE_IP6_GW);
	msg_opt(&m, 14, 1, NULL, 0);		/* nonce, unknown here */
	msg_slla(&m);
	msg_opt(&m, 200, 3, "abc", 3);
	pkt_build(&p, &m, FAKE_IP6_GUEST_LL, FAKE_IP6_GW);
	memcpy(p.b + 6, other_mac, 6);
	deliver(&p);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	na_check(&fake_core.to_guest[0], other_mac, FAKE_IP6_GUEST_LL,
		 FAKE_IP6_GW, 0xe0);
	teardown();
}

/**
 * test_ns_guest_own() - NS for the guest's own addresses: no answer
 */
static void test_ns_guest_own(void)
{
	setup();
	fake_core.net.ip6.addr_seen = ip6("2001:db8::5054:ff:fe12:3456");

	send_ns(FAKE_IP6_GUEST_LL, FAKE_IP6_ADDR, true);
	send_ns(FAKE_IP6_GUEST_LL, "2001:db8::5054:ff:fe12:3456", true);
	send_ns(FAKE_IP6_ADDR, FAKE_IP6_GUEST_LL, true);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_DEBUG], 0);

	/* Still answers the next one */
	send_ns(FAKE_IP6_GUEST_LL, "2001:db8::1", true);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
	teardown();
}

/**
 * test_ns_dad() - DAD (source ::) for a tentative address: no answer
 */
static void test_ns_dad(void)
{
	setup();
	/* SLAAC address we could not know about */
	send_ns("::", "2001:db8::a8bb:ccff:fedd:eeff", false);
	/* The guest's link-local and handed-out addresses */
	send_ns("::", FAKE_IP6_GUEST_LL, false);
	send_ns("::", FAKE_IP6_ADDR, false);
	/* A new link-local address */
	send_ns("::", "fe80::1234", false);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_DEBUG], 0);
	teardown();
}

/**
 * test_ns_dad_ours() - DAD for our address or the gateway: defended, to
 *			all nodes, without the Solicited flag
 */
static void test_ns_dad_ours(void)
{
	setup();
	send_ns("::", FAKE_IP6_OUR_LL, false);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	na_check(&fake_core.to_guest[0], all_nodes_mac, "ff02::1",
		 FAKE_IP6_OUR_LL, 0xa0);

	fake_core_frames_clear();
	fake_core.net.ip6.gw = ip6("2001:db8::1");
	send_ns("::", "2001:db8::1", false);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	na_check(&fake_core.to_guest[0], all_nodes_mac, "ff02::1",
		 "2001:db8::1", 0xa0);
	teardown();
}

/**
 * test_ipv6_disabled() - IPv6 off, or no link-local address: silence
 */
static void test_ipv6_disabled(void)
{
	unsigned int i, pass;

	for (pass = 0; pass < 2; pass++) {
		setup();
		if (pass)
			memset(&fake_core.net.ip6.our_ll, 0, 16);
		else
			fake_core.net.ip6.enable = false;

		CU_ASSERT_EQUAL(passt_module.start(mod), 0);
		for (i = 0; i < 100; i++) {
			fake_core.now.tv_sec += 16;
			passt_module.on_timer(mod, fake_core_now());
		}
		send_rs(FAKE_IP6_GUEST_LL, true);
		send_rs("::", false);
		send_ns(FAKE_IP6_GUEST_LL, FAKE_IP6_GW, true);
		send_ns("::", FAKE_IP6_GW, false);
		CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
		teardown();
	}
}

/**
 * test_batch() - Several frames in one call, good and bad mixed
 */
static void test_batch(void)
{
	struct pkt p[5];
	struct msg m;

	setup();
	msg_rs(&m);
	pkt_build(&p[0], &m, FAKE_IP6_GUEST_LL, "ff02::2");
	msg_ns(&m, FAKE_IP6_GW);
	pkt_build(&p[1], &m, FAKE_IP6_GUEST_LL, "ff02::1:ff00:2");
	p[2] = p[1];
	p[2].b[HDRS + 2] ^= 1;				/* bad checksum */
	msg_ns(&m, "2001:db8::1");
	pkt_build(&p[3], &m, FAKE_IP6_ADDR, "ff02::1:ff00:1");
	msg_ns(&m, FAKE_IP6_ADDR);			/* the guest's own */
	pkt_build(&p[4], &m, FAKE_IP6_GUEST_LL, "ff02::1:ff00:15");

	deliver_n(p, 5);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 3);
	ra_check_default(&fake_core.to_guest[0], guest_mac, FAKE_IP6_GUEST_LL,
			 0);
	na_check(&fake_core.to_guest[1], guest_mac, FAKE_IP6_GUEST_LL,
		 FAKE_IP6_GW, 0xe0);
	na_check(&fake_core.to_guest[2], guest_mac, FAKE_IP6_ADDR,
		 "2001:db8::1", 0x60);
	CU_ASSERT(fake_core_log_find("bad ICMPv6 checksum") >= 0);
	teardown();
}

/* ---------------------------------------------------------------------- */
/* Tests: malformed solicitations                                         */
/* ---------------------------------------------------------------------- */

/**
 * enum bad - Ways to break a solicitation
 */
enum bad {
	BAD_RS_CSUM,
	BAD_NS_CSUM,
	BAD_RS_HOPLIMIT,
	BAD_NS_HOPLIMIT,
	BAD_RS_CODE,
	BAD_NS_CODE,
	BAD_RS_OPT_ZERO,
	BAD_NS_OPT_ZERO,
	BAD_RS_OPT_PAST_END,
	BAD_NS_OPT_PAST_END,
	BAD_RS_OPT_CUT,
	BAD_ICMP_TRUNCATED,
	BAD_RS_SHORT,
	BAD_NS_SHORT,
	BAD_NS_TARGET_MCAST,
	BAD_NS_TARGET_UNSPEC,
	BAD_NS_TARGET_LOOPBACK,
	BAD_RS_SLLA_UNSPEC,
	BAD_NS_SLLA_UNSPEC,
	BAD_NS_DAD_DST,
	BAD_RS_SLLA_LEN,
	BAD_ETH_SRC_MCAST,
	BAD_IP_SRC_MCAST,
	BAD_NO_L4,
	BAD_L4PROTO,
	BAD_TYPE_ECHO,
	BAD_L4LEN_PAST_END,
	BAD_ETHERTYPE,
	BAD_IP_VERSION,
	BAD_NS_OPT_ZERO_LAST,
	BAD_CSUM_ZERO,
	BAD_NUM
};

/**
 * bad_build() - A solicitation broken in one way, checksum still right
 *		 unless that is what is broken
 * @p:		Frame to fill
 * @how:	What to break
 */
static void bad_build(struct pkt *p, enum bad how)
{
	const char *gw_sn = "ff02::1:ff00:2";
	bool rs = false;
	struct msg m;

	switch (how) {
	case BAD_RS_CSUM: case BAD_RS_HOPLIMIT: case BAD_RS_CODE:
	case BAD_RS_OPT_ZERO: case BAD_RS_OPT_PAST_END: case BAD_RS_OPT_CUT:
	case BAD_ICMP_TRUNCATED: case BAD_RS_SHORT: case BAD_RS_SLLA_UNSPEC:
	case BAD_RS_SLLA_LEN: case BAD_ETH_SRC_MCAST: case BAD_IP_SRC_MCAST:
	case BAD_NO_L4: case BAD_L4PROTO: case BAD_TYPE_ECHO:
	case BAD_L4LEN_PAST_END: case BAD_ETHERTYPE: case BAD_IP_VERSION:
	case BAD_CSUM_ZERO:
		rs = true;
		msg_rs(&m);
		msg_slla(&m);
		break;
	default:
		msg_ns(&m, FAKE_IP6_GW);
		msg_slla(&m);
		break;
	}

	switch (how) {
	case BAD_RS_OPT_ZERO:
		msg_opt(&m, 5, 0, NULL, 0);
		break;
	case BAD_NS_OPT_ZERO:
		m.b[25] = 0;			/* the SLLA option itself */
		break;
	case BAD_NS_OPT_ZERO_LAST:
		msg_opt(&m, 14, 1, NULL, 0);
		msg_opt(&m, 14, 0, NULL, 0);
		break;
	case BAD_RS_OPT_PAST_END:
		m.b[9] = 2;			/* 16 bytes, 8 there */
		break;
	case BAD_NS_OPT_PAST_END:
		msg_opt(&m, 25, 3, NULL, 0);
		m.b[m.len - 24 + 1] = 4;	/* 32 bytes, 24 there */
		break;
	case BAD_RS_OPT_CUT:
		m.b[m.len++] = 1;		/* one byte of a header */
		break;
	case BAD_ICMP_TRUNCATED:
		m.len = 3;
		break;
	case BAD_RS_SHORT:
		m.len = 6;
		break;
	case BAD_NS_SHORT:
		m.len = 20;
		break;
	case BAD_NS_TARGET_MCAST:
		msg_ns(&m, "ff02::1");
		break;
	case BAD_NS_TARGET_UNSPEC:
		msg_ns(&m, "::");
		break;
	case BAD_NS_TARGET_LOOPBACK:
		msg_ns(&m, "::1");
		break;
	case BAD_RS_SLLA_LEN:
		m.len = 8;
		msg_opt(&m, 1, 2, guest_mac, 6);
		break;
	case BAD_TYPE_ECHO:
		m.b[0] = 128;
		break;
	case BAD_NS_SLLA_UNSPEC:
	case BAD_NS_DAD_DST:
		msg_ns(&m, FAKE_IP6_GW);
		if (how == BAD_NS_SLLA_UNSPEC)
			msg_slla(&m);
		break;
	default:
		break;
	}

	if (rs)
		pkt_build(p, &m, FAKE_IP6_GUEST_LL, "ff02::2");
	else if (how == BAD_NS_SLLA_UNSPEC)
		pkt_build(p, &m, "::", gw_sn);
	else if (how == BAD_NS_DAD_DST)
		pkt_build(p, &m, "::", FAKE_IP6_GW);
	else
		pkt_build(p, &m, FAKE_IP6_GUEST_LL, gw_sn);

	switch (how) {
	case BAD_RS_CSUM:
	case BAD_NS_CSUM:
		p->b[HDRS + 3] ^= 0x10;
		break;
	case BAD_CSUM_ZERO:
		put16(p->b + HDRS + 2, 0);
		break;
	case BAD_RS_HOPLIMIT:
	case BAD_NS_HOPLIMIT:
		p->b[14 + 7] = 64;
		break;
	case BAD_RS_CODE:
	case BAD_NS_CODE:
		p->b[HDRS + 1] = 1;
		pkt_recsum(p);
		break;
	case BAD_RS_SLLA_UNSPEC:
		memset(p->b + 14 + 8, 0, 16);
		pkt_recsum(p);
		break;
	case BAD_ETH_SRC_MCAST:
		p->b[6] |= 1;
		break;
	case BAD_IP_SRC_MCAST:
		p->b[14 + 8] = 0xff;
		pkt_recsum(p);
		break;
	case BAD_NO_L4:
		p->f.l4off = 0;
		break;
	case BAD_L4PROTO:
		p->f.l4proto = IPPROTO_UDP;
		break;
	case BAD_L4LEN_PAST_END:
		p->f.l4len = (uint16_t)(p->f.l4len + 8);
		break;
	case BAD_ETHERTYPE:
		p->f.ethertype = PASST_ETHERTYPE_IP;
		break;
	case BAD_IP_VERSION:
		p->b[14] = 0x40;
		break;
	default:
		break;
	}
}

/**
 * test_malformed() - Each broken solicitation is dropped with a debug
 *		      line; the module keeps answering good ones
 */
static void test_malformed(void)
{
	unsigned int how;

	CU_ASSERT(BAD_NUM >= 20);
	setup();
	for (how = 0; how < BAD_NUM; how++) {
		struct pkt p;

		bad_build(&p, (enum bad)how);
		fake_core_logs_clear();
		deliver(&p);
		if (fake_core.n_to_guest || fake_core_log_find("dropped") < 0)
			printf("\n  malformed case %u: %u replies, %s\n", how,
			       fake_core.n_to_guest,
			       fake_core.n_logs ? fake_core.logs[0].text :
						  "no log");
		CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
		CU_ASSERT(fake_core_log_find("dropped") >= 0);
		CU_ASSERT(fake_core.log_count[PASST_LOG_DEBUG] >= 1);
		fake_core_frames_clear();

		/* And a good one right after */
		send_ns(FAKE_IP6_GUEST_LL, FAKE_IP6_GW, true);
		CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
		fake_core_frames_clear();
	}
	teardown();
}

/**
 * test_malformed_messages() - Some causes are named as such
 */
static void test_malformed_messages(void)
{
	static const struct {
		enum bad how;
		const char *text;
	} t[] = {
		{ BAD_RS_CSUM,		"bad ICMPv6 checksum" },
		{ BAD_RS_HOPLIMIT,	"hop limit is not 255" },
		{ BAD_NS_CODE,		"code is not 0" },
		{ BAD_RS_OPT_ZERO,	"option of length zero" },
		{ BAD_NS_OPT_PAST_END,	"option past the end" },
		{ BAD_RS_OPT_CUT,	"option header cut short" },
		{ BAD_ICMP_TRUNCATED,	"ICMPv6 header cut short" },
		{ BAD_NS_SHORT,		"shorter than its fixed part" },
		{ BAD_NS_TARGET_MCAST,	"target is multicast" },
		{ BAD_NS_SLLA_UNSPEC,	"option from ::" },
		{ BAD_RS_SLLA_UNSPEC,	"option from ::" },
		{ BAD_NS_DAD_DST,	"solicited-node" },
	};
	unsigned int i;

	setup();
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pkt p;

		bad_build(&p, t[i].how);
		fake_core_logs_clear();
		deliver(&p);
		CU_ASSERT(fake_core_log_find(t[i].text) >= 0);
		CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	}
	teardown();
}

/**
 * test_csum_0xffff() - A checksum field of 0xffff standing for 0 is fine
 *
 * Ones' complement has two zeroes; a sender may store either. Find a
 * target whose correct checksum is 0 and check the other form is taken.
 */
static void test_csum_0xffff(void)
{
	unsigned int i, found = 0;

	setup();
	for (i = 0; i < 65536 * 4 && !found; i++) {
		char target[INET6_ADDRSTRLEN];
		struct msg m;
		struct pkt p;

		snprintf(target, sizeof(target), "2001:db8::%x:%x", i >> 16,
			 i & 0xffff);
		msg_ns(&m, target);
		pkt_build(&p, &m, FAKE_IP6_ADDR, FAKE_IP6_GW);
		if (get16(p.b + HDRS + 2) != 0)
			continue;
		put16(p.b + HDRS + 2, 0xffff);
		deliver(&p);
		CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
		found = 1;
	}
	CU_ASSERT(found);
	teardown();
}

/* ---------------------------------------------------------------------- */
/* Fuzzing                                                                */
/* ---------------------------------------------------------------------- */

/**
 * fuzz_seed() - One of a few valid solicitations
 * @p:		Frame to fill
 * @n:		Which one
 */
static void fuzz_seed(struct pkt *p, unsigned int n)
{
	struct msg m;

	switch (n % 5) {
	case 0:
		msg_rs(&m);
		msg_slla(&m);
		pkt_build(p, &m, FAKE_IP6_GUEST_LL, "ff02::2");
		break;
	case 1:
		msg_rs(&m);
		pkt_build(p, &m, "::", "ff02::2");
		break;
	case 2:
		msg_ns(&m, FAKE_IP6_GW);
		msg_slla(&m);
		pkt_build(p, &m, FAKE_IP6_GUEST_LL, "ff02::1:ff00:2");
		break;
	case 3:
		msg_ns(&m, "2001:db8::1");
		msg_opt(&m, 14, 1, NULL, 0);
		msg_slla(&m);
		pkt_build(p, &m, FAKE_IP6_ADDR, "2001:db8::1");
		break;
	default:
		msg_ns(&m, FAKE_IP6_OUR_LL);
		pkt_build(p, &m, "::", "ff02::1:ff00:2");
		break;
	}
}

/**
 * fuzz_mutate() - Break a frame at random, as the core would still pass it
 * @p:		Frame, valid on entry
 */
static void fuzz_mutate(struct pkt *p)
{
	unsigned int k, edits = 1 + rng() % 4;
	size_t len = p->f.l4len;

	for (k = 0; k < edits; k++) {
		switch (rng() % 6) {
		case 0:		/* flip a byte of the message */
		case 1:
			if (len)
				p->b[HDRS + rng() % len] ^=
					(uint8_t)(1 + rng() % 255);
			break;
		case 2:		/* an option length, most interesting */
			if (len > 9)
				p->b[HDRS + 8 + (rng() % (len - 8)) / 8 * 8 +
				     1] = (uint8_t)(rng() % 8);
			break;
		case 3:		/* shorter */
			len = rng() % (len + 1);
			break;
		case 4:		/* longer, with garbage */
			while (len < 200 && (rng() & 1))
				p->b[HDRS + len++] = (uint8_t)rng();
			break;
		default:	/* header fields */
			p->b[rng() % HDRS] ^= (uint8_t)(1 + rng() % 255);
			break;
		}
	}

	p->f.l4len = (uint16_t)len;
	p->f.len = HDRS + len;
	put16(p->b + 14 + 4, (uint16_t)len);
	/* Half of them with a right checksum, to get past it */
	if (rng() & 1 && len >= 4)
		pkt_recsum(p);
	/* Rarely, lengths the core would not pass: bounds still hold */
	if (!(rng() % 64))
		p->f.l4len = (uint16_t)rng();
	if (!(rng() % 64))
		p->f.l4off = (uint16_t)(rng() % (p->f.len + 8));
	if (!(rng() % 64))
		p->f.l3off = (uint16_t)(rng() % (p->f.len + 8));
}

/**
 * fuzz_check_reply() - Every reply is a sound advertisement
 * @r:		Recorded frame
 */
static void fuzz_check_reply(const struct fake_frame *r)
{
	const uint8_t *l3 = r->data + 14, *icmp = r->data + HDRS;
	struct in6_addr ll = ip6(FAKE_IP6_OUR_LL);
	size_t len, olen;

	CU_ASSERT_FATAL(r->len >= HDRS + 24);
	len = r->len - HDRS;
	CU_ASSERT(!memcmp(r->data + 6, our_mac, 6));
	CU_ASSERT(!(r->data[6] & 1));
	CU_ASSERT_EQUAL(get16(r->data + 12), 0x86dd);
	CU_ASSERT_EQUAL(get16(l3 + 4), len);
	CU_ASSERT_EQUAL(l3[6], 58);
	CU_ASSERT_EQUAL(l3[7], 255);
	CU_ASSERT(!memcmp(l3 + 8, &ll, 16));
	CU_ASSERT(icmp[0] == T_RA || icmp[0] == T_NA);
	CU_ASSERT_EQUAL(icmp[1], 0);
	CU_ASSERT_EQUAL(get16(icmp + 2), ref_icmp6_csum(l3, icmp, len));
	(void)opt_find(icmp, len, icmp[0] == T_RA ? 16 : 24, 0, &olen);
	if (icmp[0] == T_NA) {
		CU_ASSERT_EQUAL(len, 32);
		CU_ASSERT(!(icmp[8] == 0xff));		/* not multicast */
	}
}

/**
 * test_fuzz() - Random mutations of valid solicitations: no crash, sound
 *		 replies
 */
static void test_fuzz(void)
{
	unsigned int i, replies = 0;

	setup();
	for (i = 0; i < FUZZ_ROUNDS; i++) {
		struct pkt p;

		fuzz_seed(&p, rng());
		fuzz_mutate(&p);
		deliver(&p);

		CU_ASSERT(fake_core.n_to_guest <= 1);
		if (fake_core.n_to_guest) {
			replies++;
			fuzz_check_reply(&fake_core.to_guest[0]);
		}
		fake_core_frames_clear();
		fake_core_logs_clear();
	}

	/* Some mutations keep messages valid: the loop reaches the builders */
	CU_ASSERT(replies > FUZZ_ROUNDS / 100);
	teardown();
}

UNIT_SUITE(ndp,
	{ "descriptor", test_descriptor },
	{ "config", test_config },
	{ "rs_ra", test_rs_ra },
	{ "rs_ra_dhcpv6", test_rs_ra_dhcpv6 },
	{ "rs_unspecified", test_rs_unspecified },
	{ "rs_other_mac", test_rs_other_mac },
	{ "start", test_start },
	{ "timer", test_timer },
	{ "timer_without_start", test_timer_without_start },
	{ "ra_disabled", test_ra_disabled },
	{ "ra_mtu", test_ra_mtu },
	{ "ra_prefix", test_ra_prefix },
	{ "ra_dns", test_ra_dns },
	{ "ra_size", test_ra_size },
	{ "ra_no_buffer", test_ra_no_buffer },
	{ "ns_gateway", test_ns_gateway },
	{ "ns_other", test_ns_other },
	{ "ns_guest_own", test_ns_guest_own },
	{ "ns_dad", test_ns_dad },
	{ "ns_dad_ours", test_ns_dad_ours },
	{ "ipv6_disabled", test_ipv6_disabled },
	{ "batch", test_batch },
	{ "malformed", test_malformed },
	{ "malformed_messages", test_malformed_messages },
	{ "csum_0xffff", test_csum_0xffff },
	{ "fuzz", test_fuzz })
