// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp_test.c - DHCP module: real client messages in, replies checked
 *
 * Messages are built byte by byte as a client would send them, wrapped in
 * Ethernet, IP and UDP headers as the core would hand them over, and the
 * replies the module queues through the fake core are taken apart here,
 * with the test's own parser and checksum, independent of the module's.
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

#define T_DISCOVER	1
#define T_OFFER		2
#define T_REQUEST	3
#define T_DECLINE	4
#define T_ACK		5
#define T_NAK		6
#define T_RELEASE	7
#define T_INFORM	8

#define T6_SOLICIT	1
#define T6_ADVERTISE	2
#define T6_REQUEST	3
#define T6_CONFIRM	4
#define T6_RENEW	5
#define T6_REBIND	6
#define T6_REPLY	7
#define T6_RELEASE	8
#define T6_DECLINE	9
#define T6_INFO_REQ	11

static const uint8_t guest_mac[6] = FAKE_GUEST_MAC;
static const uint8_t our_mac[6] = FAKE_OUR_MAC;
static const uint8_t cookie[4] = { 99, 130, 83, 99 };
static const uint8_t server_duid[10] = { 0, 3, 0, 1, 0x9a, 0x55, 0x9a, 0x55,
					 0x9a, 0x55 };
static const uint8_t client_duid[10] = { 0, 3, 0, 1, 0x52, 0x54, 0x00, 0x12,
					 0x34, 0x56 };
/* RFC 1035 wire format of FAKE_SEARCH0, FAKE_SEARCH1 */
static const uint8_t search_wire[] = {
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	3, 'o', 'r', 'g', 0,
};

static struct passt_mod *mod;

/**
 * struct msg - A DHCP message under construction
 * @b:		Bytes
 * @len:	Length so far
 */
struct msg {
	uint8_t b[MSG_MAX];
	size_t len;
};

/**
 * struct reply - A reply frame taken apart
 * @f:		Whole frame
 * @len:	Frame length
 * @l3:		IP header
 * @udp:	UDP header
 * @d:		DHCP message
 * @dlen:	Its length
 */
struct reply {
	const uint8_t *f;
	size_t len;
	const uint8_t *l3;
	const uint8_t *udp;
	const uint8_t *d;
	size_t dlen;
};

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */
/* ---------------------------------------------------------------------- */

/**
 * ip4() - Parse a dotted IPv4 address
 * @s:		Address text
 *
 * Return: address, network order
 */
static uint32_t ip4(const char *s)
{
	struct in_addr a;

	CU_ASSERT_FATAL(inet_pton(AF_INET, s, &a) == 1);
	return a.s_addr;
}

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
 * put32() - Write 32 bits in network order
 * @p:		Destination
 * @v:		Value
 */
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
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
 * ref_udp_csum() - Expected UDP checksum of a reply, from scratch
 * @r:		Reply
 * @v6:		IPv6 pseudo-header, else IPv4
 *
 * Return: checksum, host order, 0 sent as 0xffff
 */
static uint16_t ref_udp_csum(const struct reply *r, bool v6)
{
	size_t l4len = get16(r->udp + 4);
	uint8_t seg[FRAME_MAX], pseudo[40];
	uint32_t sum;
	uint16_t c;

	memcpy(seg, r->udp, l4len);
	seg[6] = seg[7] = 0;
	if (v6) {
		memcpy(pseudo, r->l3 + 8, 32);
		sum = ref_sum(pseudo, 32, 0);
		memset(pseudo, 0, 8);
		put32(pseudo, (uint32_t)l4len);
		pseudo[7] = 17;
		sum = ref_sum(pseudo, 8, sum);
	} else {
		memcpy(pseudo, r->l3 + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = 17;
		put16(pseudo + 10, (uint16_t)l4len);
		sum = ref_sum(pseudo, 12, 0);
	}
	sum = ref_sum(seg, l4len, sum);
	c = ref_fold(sum);
	return c ? c : 0xffff;
}

/**
 * setup_with() - Load, configure and initialise the module
 * @have_enable: Set the "enable" key
 * @enable:	Its value
 */
static void setup_with(bool have_enable, bool enable)
{
	mod = fake_core_load(&passt_module);
	if (have_enable)
		fake_core_cfg_set_bool("enable", enable);
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

/**
 * deliver() - Hand one frame to the module, as the core does
 * @f:		Frame
 */
static void deliver(const struct passt_frame *f)
{
	passt_module.on_frames(mod, f, 1, fake_core_now());
}

/* ---------------------------------------------------------------------- */
/* Client messages and frames                                             */
/* ---------------------------------------------------------------------- */

/**
 * opt() - Append a DHCPv4 option
 * @m:		Message
 * @code:	Option code
 * @len:	Value length
 * @val:	Value
 */
static void opt(struct msg *m, uint8_t code, size_t len, const void *val)
{
	m->b[m->len++] = code;
	m->b[m->len++] = (uint8_t)len;
	memcpy(m->b + m->len, val, len);
	m->len += len;
}

/**
 * opt_addr() - Append a DHCPv4 option holding one address
 * @m:		Message
 * @code:	Option code
 * @a:		Address text
 */
static void opt_addr(struct msg *m, uint8_t code, const char *a)
{
	uint32_t v = ip4(a);

	opt(m, code, 4, &v);
}

/**
 * opt_end() - Append the end option
 * @m:		Message
 */
static void opt_end(struct msg *m)
{
	m->b[m->len++] = 255;
}

/**
 * v4_msg() - Start a BOOTREQUEST from the guest's MAC, no end option yet
 * @m:		Message
 * @type:	DHCP message type, 0 for no option 53
 * @ciaddr:	Client address text, or NULL
 * @flags:	BOOTP flags
 */
static void v4_msg(struct msg *m, uint8_t type, const char *ciaddr,
		   uint16_t flags)
{
	uint32_t ci = ciaddr ? ip4(ciaddr) : 0;

	memset(m, 0, sizeof(*m));
	m->b[0] = 1;
	m->b[1] = 1;
	m->b[2] = 6;
	put32(m->b + 4, 0xdeadbeef);
	put16(m->b + 8, 3);
	put16(m->b + 10, flags);
	memcpy(m->b + 12, &ci, 4);
	memcpy(m->b + 28, guest_mac, 6);
	memcpy(m->b + 236, cookie, 4);
	m->len = 240;
	if (type)
		opt(m, 53, 1, &type);
}

/**
 * v4_frame() - Ethernet, IPv4 and UDP around a DHCPv4 message
 * @buf:	Frame buffer
 * @p:		DHCP message
 * @plen:	Its length
 * @f:		Frame descriptor to fill, as the core would
 *
 * Return: frame length
 */
static size_t v4_frame(uint8_t *buf, const uint8_t *p, size_t plen,
		       struct passt_frame *f)
{
	uint8_t *ip = buf + 14, *udp = buf + 34;
	uint32_t bcast = 0xffffffff;

	memset(buf, 0xff, 6);
	memcpy(buf + 6, guest_mac, 6);
	put16(buf + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + plen));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 16, &bcast, 4);
	put16(ip + 10, ref_fold(ref_sum(ip, 20, 0)));
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)(8 + plen));
	put16(udp + 6, 0);
	memcpy(udp + 8, p, plen);

	memset(f, 0, sizeof(*f));
	f->data = buf;
	f->len = 34 + 8 + plen;
	f->l3off = 14;
	f->l4off = 34;
	f->l4len = (uint16_t)(8 + plen);
	f->ethertype = 0x0800;
	f->l4proto = 17;
	return f->len;
}

/**
 * send_v4() - Send a DHCPv4 message to the module
 * @m:		Message
 */
static void send_v4(const struct msg *m)
{
	static uint8_t buf[FRAME_MAX];
	struct passt_frame f;

	v4_frame(buf, m->b, m->len, &f);
	deliver(&f);
}

/**
 * v6_msg() - Start a DHCPv6 message, transaction ID 0x123456
 * @m:		Message
 * @type:	Message type
 */
static void v6_msg(struct msg *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = type;
	m->b[1] = 0x12;
	m->b[2] = 0x34;
	m->b[3] = 0x56;
	m->len = 4;
}

/**
 * opt6() - Append a DHCPv6 option
 * @m:		Message
 * @code:	Option code
 * @len:	Value length
 * @val:	Value, may be NULL if @len is 0
 */
static void opt6(struct msg *m, uint16_t code, size_t len, const void *val)
{
	put16(m->b + m->len, code);
	put16(m->b + m->len + 2, (uint16_t)len);
	if (len)
		memcpy(m->b + m->len + 4, val, len);
	m->len += 4 + len;
}

/**
 * opt6_basic() - Append Client ID, ORO (DNS, domain list), Elapsed Time
 * @m:		Message
 */
static void opt6_basic(struct msg *m)
{
	uint8_t oro[4] = { 0, 23, 0, 24 }, el[2] = { 0, 0 };

	opt6(m, 1, sizeof(client_duid), client_duid);
	opt6(m, 6, sizeof(oro), oro);
	opt6(m, 8, sizeof(el), el);
}

/**
 * opt6_ia_na() - Append an IA_NA, with an IA Address inside if @addr
 * @m:		Message
 * @iaid:	IAID
 * @addr:	Address text, or NULL
 */
static void opt6_ia_na(struct msg *m, uint32_t iaid, const char *addr)
{
	uint8_t v[12 + 4 + 24] = { 0 };
	size_t len = 12;

	put32(v, iaid);
	if (addr) {
		struct in6_addr a = ip6(addr);

		put16(v + 12, 5);
		put16(v + 14, 24);
		memcpy(v + 16, &a, 16);
		len += 28;
	}
	opt6(m, 3, len, v);
}

/**
 * opt6_server() - Append our Server ID
 * @m:		Message
 */
static void opt6_server(struct msg *m)
{
	opt6(m, 2, sizeof(server_duid), server_duid);
}

/**
 * v6_frame_to() - Ethernet, IPv6 and UDP around a DHCPv6 message
 * @buf:	Frame buffer
 * @p:		DHCPv6 message
 * @plen:	Its length
 * @src:	Source address text
 * @dst:	Destination address text
 * @f:		Frame descriptor to fill, as the core would
 *
 * Return: frame length
 */
static size_t v6_frame_to(uint8_t *buf, const uint8_t *p, size_t plen,
			  const char *src, const char *dst,
			  struct passt_frame *f)
{
	struct in6_addr s = ip6(src), d = ip6(dst);
	uint8_t *ip = buf + 14, *udp = buf + 54;
	static const uint8_t mcast[6] = { 0x33, 0x33, 0, 1, 0, 2 };

	memcpy(buf, mcast, 6);
	memcpy(buf + 6, guest_mac, 6);
	put16(buf + 12, 0x86dd);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)(8 + plen));
	ip[6] = 17;
	ip[7] = 1;
	memcpy(ip + 8, &s, 16);
	memcpy(ip + 24, &d, 16);
	put16(udp, 546);
	put16(udp + 2, 547);
	put16(udp + 4, (uint16_t)(8 + plen));
	put16(udp + 6, 0);
	memcpy(udp + 8, p, plen);

	memset(f, 0, sizeof(*f));
	f->data = buf;
	f->len = 54 + 8 + plen;
	f->l3off = 14;
	f->l4off = 54;
	f->l4len = (uint16_t)(8 + plen);
	f->ethertype = 0x86dd;
	f->l4proto = 17;
	return f->len;
}

/**
 * send_v6_to() - Send a DHCPv6 message to the module
 * @m:		Message
 * @src:	Source address text
 * @dst:	Destination address text
 */
static void send_v6_to(const struct msg *m, const char *src, const char *dst)
{
	static uint8_t buf[FRAME_MAX];
	struct passt_frame f;

	v6_frame_to(buf, m->b, m->len, src, dst, &f);
	deliver(&f);
}

/**
 * send_v6() - Send a DHCPv6 message from the guest's link-local to ff02::1:2
 * @m:		Message
 */
static void send_v6(const struct msg *m)
{
	send_v6_to(m, FAKE_IP6_GUEST_LL, "ff02::1:2");
}

/* ---------------------------------------------------------------------- */
/* Replies                                                                */
/* ---------------------------------------------------------------------- */

/**
 * reply_v4() - Take apart the one DHCPv4 reply, checking its headers
 * @r:		Reply to fill
 *
 * Return: true if there was exactly one reply
 */
static bool reply_v4(struct reply *r)
{
	const uint8_t *f;
	size_t len;

	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
	if (fake_core.n_to_guest != 1)
		return false;
	f = fake_core.to_guest[0].data;
	len = fake_core.to_guest[0].len;
	CU_ASSERT_FATAL(len >= 14 + 20 + 8 + 240);

	r->f = f;
	r->len = len;
	r->l3 = f + 14;
	r->udp = f + 34;
	r->d = f + 42;
	r->dlen = len - 42;

	CU_ASSERT_EQUAL(memcmp(f, guest_mac, 6), 0);	/* chaddr */
	CU_ASSERT_EQUAL(memcmp(f + 6, our_mac, 6), 0);
	CU_ASSERT_EQUAL(get16(f + 12), 0x0800);
	CU_ASSERT_EQUAL(r->l3[0], 0x45);
	CU_ASSERT_EQUAL(get16(r->l3 + 2), len - 14);
	CU_ASSERT_EQUAL(r->l3[9], 17);
	CU_ASSERT_EQUAL(ref_fold(ref_sum(r->l3, 20, 0)), 0);
	CU_ASSERT_EQUAL(get16(r->udp), 67);
	CU_ASSERT_EQUAL(get16(r->udp + 2), 68);
	CU_ASSERT_EQUAL(get16(r->udp + 4), len - 34);
	CU_ASSERT_EQUAL(get16(r->udp + 6), ref_udp_csum(r, false));

	CU_ASSERT(r->dlen >= 300);
	CU_ASSERT_EQUAL(r->d[0], 2);
	CU_ASSERT_EQUAL(r->d[1], 1);
	CU_ASSERT_EQUAL(r->d[2], 6);
	CU_ASSERT_EQUAL(get32(r->d + 4), 0xdeadbeef);
	CU_ASSERT_EQUAL(memcmp(r->d + 28, guest_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(r->d + 236, cookie, 4), 0);
	return true;
}

/**
 * v4_opt_nth() - Find an instance of a DHCPv4 option in a reply
 * @r:		Reply
 * @code:	Option code
 * @nth:	Instance, from 0
 * @len:	Its length, set if found
 *
 * The walk itself asserts that the options are well formed and end with
 * the end option
 *
 * Return: value, or NULL
 */
static const uint8_t *v4_opt_nth(const struct reply *r, uint8_t code,
				 unsigned int nth, size_t *len)
{
	size_t off = 240;

	while (off < r->dlen) {
		uint8_t c = r->d[off];

		if (c == 0) {
			off++;
			continue;
		}
		if (c == 255)
			return NULL;
		CU_ASSERT_FATAL(off + 2 <= r->dlen);
		CU_ASSERT_FATAL(off + 2 + r->d[off + 1] <= r->dlen);
		if (c == code && !nth--) {
			*len = r->d[off + 1];
			return r->d + off + 2;
		}
		off += 2 + (size_t)r->d[off + 1];
	}
	CU_FAIL("reply options have no end option");
	return NULL;
}

/**
 * v4_opt() - Find the first instance of a DHCPv4 option in a reply
 * @r:		Reply
 * @code:	Option code
 * @len:	Its length, set if found
 *
 * Return: value, or NULL
 */
static const uint8_t *v4_opt(const struct reply *r, uint8_t code,
			     size_t *len)
{
	return v4_opt_nth(r, code, 0, len);
}

/**
 * v4_opt_pos() - Position of an option among the options of a reply
 * @r:		Reply
 * @code:	Option code
 *
 * Return: index counting options (not pads), -1 if absent
 */
static int v4_opt_pos(const struct reply *r, uint8_t code)
{
	size_t off = 240;
	int pos = 0;

	while (off < r->dlen && r->d[off] != 255) {
		if (r->d[off] == 0) {
			off++;
			continue;
		}
		if (r->d[off] == code)
			return pos;
		pos++;
		off += 2 + (size_t)r->d[off + 1];
	}
	return -1;
}

/**
 * v4_opt_joined() - All instances of an option joined, as RFC 3396 says
 * @r:		Reply
 * @code:	Option code
 * @out:	Buffer for the joined value
 *
 * Return: joined length
 */
static size_t v4_opt_joined(const struct reply *r, uint8_t code,
			    uint8_t *out)
{
	const uint8_t *v;
	size_t len, tot = 0;
	unsigned int i;

	for (i = 0; (v = v4_opt_nth(r, code, i, &len)); i++) {
		memcpy(out + tot, v, len);
		tot += len;
	}
	return tot;
}

/**
 * check_opt() - Assert a DHCPv4 option's exact value
 * @r:		Reply
 * @code:	Option code
 * @want:	Expected value
 * @want_len:	Expected length
 */
static void check_opt(const struct reply *r, uint8_t code, const void *want,
		      size_t want_len)
{
	const uint8_t *v;
	size_t len = 0;

	v = v4_opt(r, code, &len);
	CU_ASSERT_PTR_NOT_NULL(v);
	if (!v)
		return;
	CU_ASSERT_EQUAL(len, want_len);
	if (len == want_len && len)
		CU_ASSERT_EQUAL(memcmp(v, want, len), 0);
}

/**
 * check_opt_addr() - Assert a DHCPv4 option holding one address
 * @r:		Reply
 * @code:	Option code
 * @a:		Address text
 */
static void check_opt_addr(const struct reply *r, uint8_t code,
			   const char *a)
{
	uint32_t v = ip4(a);

	check_opt(r, code, &v, 4);
}

/**
 * check_opt_u8() - Assert a one-byte DHCPv4 option
 * @r:		Reply
 * @code:	Option code
 * @v:		Expected value
 */
static void check_opt_u8(const struct reply *r, uint8_t code, uint8_t v)
{
	check_opt(r, code, &v, 1);
}

/**
 * check_no_opt() - Assert a DHCPv4 option is absent
 * @r:		Reply
 * @code:	Option code
 */
static void check_no_opt(const struct reply *r, uint8_t code)
{
	size_t len;

	CU_ASSERT_PTR_NULL(v4_opt(r, code, &len));
}

/**
 * check_dst4() - Assert the IPv4 source and destination of a reply
 * @r:		Reply
 * @src:	Source address text
 * @dst:	Destination address text
 */
static void check_dst4(const struct reply *r, const char *src,
		       const char *dst)
{
	uint32_t s = ip4(src), d = ip4(dst);

	CU_ASSERT_EQUAL(memcmp(r->l3 + 12, &s, 4), 0);
	CU_ASSERT_EQUAL(memcmp(r->l3 + 16, &d, 4), 0);
}

/**
 * check_addr_at() - Assert four bytes hold an IPv4 address
 * @p:		Bytes
 * @a:		Address text
 */
static void check_addr_at(const uint8_t *p, const char *a)
{
	uint32_t v = ip4(a);

	CU_ASSERT_EQUAL(memcmp(p, &v, 4), 0);
}

/**
 * reply_v6() - Take apart the one DHCPv6 reply, checking its headers
 * @r:		Reply to fill
 *
 * Return: true if there was exactly one reply
 */
static bool reply_v6(struct reply *r)
{
	struct in6_addr ll = ip6(FAKE_IP6_OUR_LL);
	struct in6_addr guest = ip6(FAKE_IP6_GUEST_LL);
	const uint8_t *f;
	size_t len;

	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
	if (fake_core.n_to_guest != 1)
		return false;
	f = fake_core.to_guest[0].data;
	len = fake_core.to_guest[0].len;
	CU_ASSERT_FATAL(len >= 14 + 40 + 8 + 4);

	r->f = f;
	r->len = len;
	r->l3 = f + 14;
	r->udp = f + 54;
	r->d = f + 62;
	r->dlen = len - 62;

	CU_ASSERT_EQUAL(memcmp(f, guest_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(f + 6, our_mac, 6), 0);
	CU_ASSERT_EQUAL(get16(f + 12), 0x86dd);
	CU_ASSERT_EQUAL(r->l3[0] >> 4, 6);
	CU_ASSERT_EQUAL(get16(r->l3 + 4), len - 54);
	CU_ASSERT_EQUAL(r->l3[6], 17);
	CU_ASSERT_EQUAL(r->l3[7], 255);
	CU_ASSERT_EQUAL(memcmp(r->l3 + 8, &ll, 16), 0);
	CU_ASSERT_EQUAL(memcmp(r->l3 + 24, &guest, 16), 0);
	CU_ASSERT_EQUAL(get16(r->udp), 547);
	CU_ASSERT_EQUAL(get16(r->udp + 2), 546);
	CU_ASSERT_EQUAL(get16(r->udp + 4), len - 54);
	CU_ASSERT_EQUAL(get16(r->udp + 6), ref_udp_csum(r, true));
	CU_ASSERT_EQUAL(r->d[1], 0x12);
	CU_ASSERT_EQUAL(r->d[2], 0x34);
	CU_ASSERT_EQUAL(r->d[3], 0x56);
	return true;
}

/**
 * v6_find() - Find a DHCPv6 option in a range, asserting it is well formed
 * @p:		Start of the options
 * @len:	Length of the range
 * @code:	Option code
 * @olen:	Its length, set if found
 *
 * Return: value, or NULL
 */
static const uint8_t *v6_find(const uint8_t *p, size_t len, uint16_t code,
			      size_t *olen)
{
	size_t off = 0;

	while (off < len) {
		size_t l;

		CU_ASSERT_FATAL(len - off >= 4);
		l = get16(p + off + 2);
		CU_ASSERT_FATAL(l <= len - off - 4);
		if (get16(p + off) == code) {
			*olen = l;
			return p + off + 4;
		}
		off += 4 + l;
	}
	return NULL;
}

/**
 * v6_opt() - Find a top-level DHCPv6 option in a reply
 * @r:		Reply
 * @code:	Option code
 * @olen:	Its length, set if found
 *
 * Return: value, or NULL
 */
static const uint8_t *v6_opt(const struct reply *r, uint16_t code,
			     size_t *olen)
{
	return v6_find(r->d + 4, r->dlen - 4, code, olen);
}

/**
 * check_opt6() - Assert a DHCPv6 option's exact value
 * @r:		Reply
 * @code:	Option code
 * @want:	Expected value
 * @want_len:	Expected length
 */
static void check_opt6(const struct reply *r, uint16_t code,
		       const void *want, size_t want_len)
{
	const uint8_t *v;
	size_t len = 0;

	v = v6_opt(r, code, &len);
	CU_ASSERT_PTR_NOT_NULL(v);
	if (!v)
		return;
	CU_ASSERT_EQUAL(len, want_len);
	if (len == want_len && len)
		CU_ASSERT_EQUAL(memcmp(v, want, len), 0);
}

/**
 * check_no_opt6() - Assert a DHCPv6 option is absent
 * @r:		Reply
 * @code:	Option code
 */
static void check_no_opt6(const struct reply *r, uint16_t code)
{
	size_t len;

	CU_ASSERT_PTR_NULL(v6_opt(r, code, &len));
}

/**
 * check_ia_na() - Assert the first IA_NA holds our address, infinite lifetimes
 * @r:		Reply
 * @iaid:	Expected IAID
 */
static void check_ia_na(const struct reply *r, uint32_t iaid)
{
	struct in6_addr a = ip6(FAKE_IP6_ADDR);
	uint8_t want[12 + 4 + 24];

	put32(want, iaid);
	put32(want + 4, 0xffffffff);
	put32(want + 8, 0xffffffff);
	put16(want + 12, 5);
	put16(want + 14, 24);
	memcpy(want + 16, &a, 16);
	put32(want + 32, 0xffffffff);
	put32(want + 36, 0xffffffff);
	check_opt6(r, 3, want, sizeof(want));
}

/**
 * check_config6() - Assert the DNS servers and domain list options
 * @r:		Reply
 */
static void check_config6(const struct reply *r)
{
	struct in6_addr dns = ip6(FAKE_IP6_DNS0);

	check_opt6(r, 23, &dns, 16);
	check_opt6(r, 24, search_wire, sizeof(search_wire));
}

/**
 * check_status6() - Assert the top-level Status Code option
 * @r:		Reply
 * @status:	Expected status code
 */
static void check_status6(const struct reply *r, uint16_t status)
{
	uint8_t want[2];

	put16(want, status);
	check_opt6(r, 13, want, 2);
}

/* ---------------------------------------------------------------------- */
/* DHCPv4                                                                 */
/* ---------------------------------------------------------------------- */

static const uint8_t prl_all[] = { 1, 3, 6, 15, 119, 26, 51, 54, 121 };

/**
 * test_v4_discover_offer() - DISCOVER -> OFFER: every field and option
 */
static void test_v4_discover_offer(void)
{
	struct reply r;
	struct msg m;

	setup();
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 55, sizeof(prl_all), prl_all);
	opt_end(&m);
	send_v4(&m);

	if (reply_v4(&r)) {
		uint32_t dns[2] = { ip4(FAKE_IP4_DNS0), ip4(FAKE_IP4_DNS1) };
		uint8_t mtu[2], lease[4] = { 0xff, 0xff, 0xff, 0xff };

		CU_ASSERT_EQUAL(v4_opt_pos(&r, 53), 0);
		CU_ASSERT_EQUAL(v4_opt_pos(&r, 54), 1);
		check_opt_u8(&r, 53, T_OFFER);
		check_opt_addr(&r, 54, FAKE_IP4_GW);
		check_addr_at(r.d + 16, FAKE_IP4_ADDR);		/* yiaddr */
		check_addr_at(r.d + 12, "0.0.0.0");		/* ciaddr */
		check_addr_at(r.d + 20, "0.0.0.0");		/* siaddr */
		CU_ASSERT_EQUAL(get16(r.d + 10), 0);		/* flags */
		check_opt_addr(&r, 1, "255.255.255.0");
		check_opt_addr(&r, 3, FAKE_IP4_GW);
		check_opt(&r, 6, dns, sizeof(dns));
		check_opt(&r, 15, FAKE_SEARCH0, strlen(FAKE_SEARCH0));
		check_opt(&r, 119, search_wire, sizeof(search_wire));
		put16(mtu, FAKE_MTU);
		check_opt(&r, 26, mtu, 2);
		check_opt(&r, 51, lease, 4);
		check_no_opt(&r, 58);
		check_no_opt(&r, 59);
		check_no_opt(&r, 121);	/* gateway is on the link */
		check_no_opt(&r, 61);
		/* Unicast to the offered address, at chaddr */
		check_dst4(&r, FAKE_IP4_GW, FAKE_IP4_ADDR);
		/* Fits the 576-byte default, padded to 300 */
		CU_ASSERT(r.dlen <= 548);
	}
	CU_ASSERT(fake_core_log_find("OFFER") >= 0);
	teardown();
}

/**
 * test_v4_discover_broadcast() - Broadcast flag: broadcast IP, at chaddr
 */
static void test_v4_discover_broadcast(void)
{
	struct reply r;
	struct msg m;

	setup();
	/* Before the core learns the guest's MAC: the reply goes to chaddr */
	memset(fake_core.net.guest_mac, 0xff, 6);
	v4_msg(&m, T_DISCOVER, NULL, 0x8000);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt_u8(&r, 53, T_OFFER);
		CU_ASSERT_EQUAL(get16(r.d + 10), 0x8000);
		check_dst4(&r, FAKE_IP4_GW, "255.255.255.255");
		/* Padded to the BOOTP minimum exactly, or longer */
		CU_ASSERT(r.dlen >= 300);
	}
	teardown();
}

/**
 * test_v4_request_selecting() - REQUEST in SELECTING for our address -> ACK
 */
static void test_v4_request_selecting(void)
{
	struct reply r;
	struct msg m;

	setup();
	v4_msg(&m, T_REQUEST, NULL, 0);
	opt_addr(&m, 54, FAKE_IP4_GW);
	opt_addr(&m, 50, FAKE_IP4_ADDR);
	opt(&m, 55, sizeof(prl_all), prl_all);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt_u8(&r, 53, T_ACK);
		check_opt_addr(&r, 54, FAKE_IP4_GW);
		check_addr_at(r.d + 16, FAKE_IP4_ADDR);
		check_addr_at(r.d + 12, "0.0.0.0");
		check_opt_addr(&r, 1, "255.255.255.0");
		check_opt_addr(&r, 3, FAKE_IP4_GW);
		check_dst4(&r, FAKE_IP4_GW, FAKE_IP4_ADDR);
	}
	teardown();
}

/**
 * test_v4_request_nak() - REQUEST for another address -> broadcast NAK
 */
static void test_v4_request_nak(void)
{
	struct reply r;
	struct msg m;

	setup();
	v4_msg(&m, T_REQUEST, NULL, 0);
	opt_addr(&m, 54, FAKE_IP4_GW);
	opt_addr(&m, 50, "10.0.2.99");
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt_u8(&r, 53, T_NAK);
		check_opt_addr(&r, 54, FAKE_IP4_GW);
		check_addr_at(r.d + 16, "0.0.0.0");
		check_no_opt(&r, 51);
		check_no_opt(&r, 1);
		check_no_opt(&r, 3);
		check_no_opt(&r, 6);
		check_dst4(&r, FAKE_IP4_GW, "255.255.255.255");
	}
	teardown();
}

/**
 * test_v4_request_other_server() - REQUEST naming another server -> silence
 */
static void test_v4_request_other_server(void)
{
	struct msg m;

	setup();
	v4_msg(&m, T_REQUEST, NULL, 0);
	opt_addr(&m, 54, "10.0.2.254");
	opt_addr(&m, 50, FAKE_IP4_ADDR);
	opt_end(&m);
	send_v4(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	teardown();
}

/**
 * test_v4_init_reboot() - INIT-REBOOT REQUEST: ACK for our address, else NAK
 */
static void test_v4_init_reboot(void)
{
	struct reply r;
	struct msg m;

	setup();
	v4_msg(&m, T_REQUEST, NULL, 0);
	opt_addr(&m, 50, FAKE_IP4_ADDR);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r))
		check_opt_u8(&r, 53, T_ACK);

	fake_core_frames_clear();
	v4_msg(&m, T_REQUEST, NULL, 0);
	opt_addr(&m, 50, "192.168.7.7");
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt_u8(&r, 53, T_NAK);
		check_dst4(&r, FAKE_IP4_GW, "255.255.255.255");
	}
	teardown();
}

/**
 * test_v4_renew() - Renewal (ciaddr) -> unicast ACK; wrong ciaddr -> NAK
 */
static void test_v4_renew(void)
{
	struct reply r;
	struct msg m;

	setup();
	v4_msg(&m, T_REQUEST, FAKE_IP4_ADDR, 0);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		uint8_t lease[4] = { 0xff, 0xff, 0xff, 0xff };

		check_opt_u8(&r, 53, T_ACK);
		check_addr_at(r.d + 12, FAKE_IP4_ADDR);		/* ciaddr */
		check_addr_at(r.d + 16, FAKE_IP4_ADDR);		/* yiaddr */
		check_opt(&r, 51, lease, 4);
		check_dst4(&r, FAKE_IP4_GW, FAKE_IP4_ADDR);
	}

	/* Rebinding with an address we do not hand out */
	fake_core_frames_clear();
	v4_msg(&m, T_REQUEST, "10.0.2.16", 0x8000);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt_u8(&r, 53, T_NAK);
		check_addr_at(r.d + 12, "0.0.0.0");
		check_dst4(&r, FAKE_IP4_GW, "255.255.255.255");
	}
	teardown();
}

/**
 * test_v4_inform() - INFORM -> ACK with configuration, no lease or yiaddr
 */
static void test_v4_inform(void)
{
	struct reply r;
	struct msg m;

	setup();
	v4_msg(&m, T_INFORM, FAKE_IP4_ADDR, 0);
	opt(&m, 55, sizeof(prl_all), prl_all);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		uint32_t dns[2] = { ip4(FAKE_IP4_DNS0), ip4(FAKE_IP4_DNS1) };

		check_opt_u8(&r, 53, T_ACK);
		check_addr_at(r.d + 16, "0.0.0.0");
		check_addr_at(r.d + 12, FAKE_IP4_ADDR);
		check_no_opt(&r, 51);
		check_opt_addr(&r, 1, "255.255.255.0");
		check_opt(&r, 6, dns, sizeof(dns));
		check_opt(&r, 119, search_wire, sizeof(search_wire));
		check_dst4(&r, FAKE_IP4_GW, FAKE_IP4_ADDR);
	}
	teardown();
}

/**
 * test_v4_inform_no_ciaddr() - INFORM without ciaddr, DISCOVER with one
 */
static void test_v4_inform_no_ciaddr(void)
{
	struct reply r;
	struct msg m;

	setup();
	v4_msg(&m, T_INFORM, NULL, 0);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt_u8(&r, 53, T_ACK);
		check_addr_at(r.d + 16, "0.0.0.0");
		check_dst4(&r, FAKE_IP4_GW, "255.255.255.255");
	}

	/* A DISCOVER from a client that already has an address */
	fake_core_frames_clear();
	v4_msg(&m, T_DISCOVER, "10.0.2.15", 0x8000);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_addr_at(r.d + 12, "0.0.0.0");	/* OFFER: no ciaddr */
		check_dst4(&r, FAKE_IP4_GW, FAKE_IP4_ADDR);
	}
	teardown();
}

/**
 * test_v4_release_decline() - RELEASE and DECLINE get no reply
 */
static void test_v4_release_decline(void)
{
	struct msg m;

	setup();
	v4_msg(&m, T_RELEASE, FAKE_IP4_ADDR, 0);
	opt_addr(&m, 54, FAKE_IP4_GW);
	opt_end(&m);
	send_v4(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);

	v4_msg(&m, T_DECLINE, NULL, 0);
	opt_addr(&m, 54, FAKE_IP4_GW);
	opt_addr(&m, 50, FAKE_IP4_ADDR);
	opt_end(&m);
	send_v4(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_WARNING], 1);
	teardown();
}

/**
 * test_v4_classless_routes() - Gateway outside the prefix: option 121 and 3
 */
static void test_v4_classless_routes(void)
{
	static const uint8_t want[] = { 32, 192, 168, 1, 1, 0, 0, 0, 0,
					0, 192, 168, 1, 1 };
	struct reply r;
	struct msg m;

	setup();
	fake_core.net.ip4.gw.s_addr = ip4("192.168.1.1");
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 55, sizeof(prl_all), prl_all);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt(&r, 121, want, sizeof(want));
		check_opt_addr(&r, 3, "192.168.1.1");
		check_opt_addr(&r, 54, "192.168.1.1");
		check_opt_addr(&r, 1, "255.255.255.0");
		check_dst4(&r, "192.168.1.1", FAKE_IP4_ADDR);
	}

	/* A /32 guest address: everything is off-link, even a close gw */
	fake_core_frames_clear();
	fake_core.net.ip4.prefix_len = 32;
	fake_core.net.ip4.gw.s_addr = ip4("10.0.2.1");
	send_v4(&m);
	if (reply_v4(&r)) {
		static const uint8_t want32[] = { 32, 10, 0, 2, 1, 0, 0, 0, 0,
						  0, 10, 0, 2, 1 };

		check_opt(&r, 121, want32, sizeof(want32));
		check_opt_addr(&r, 1, "255.255.255.255");
	}
	teardown();
}

/**
 * test_v4_prl() - Parameter request list: content and order
 */
static void test_v4_prl(void)
{
	static const uint8_t prl_order[] = { 119, 3, 6 };
	static const uint8_t prl_min[] = { 1, 3 };
	struct reply r;
	struct msg m;

	setup();
	/* No list: everything we have */
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		CU_ASSERT(v4_opt_pos(&r, 6) >= 0);
		CU_ASSERT(v4_opt_pos(&r, 15) >= 0);
		CU_ASSERT(v4_opt_pos(&r, 119) >= 0);
	}

	/* The client's order */
	fake_core_frames_clear();
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 55, sizeof(prl_order), prl_order);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		CU_ASSERT(v4_opt_pos(&r, 119) >= 0);
		CU_ASSERT(v4_opt_pos(&r, 119) < v4_opt_pos(&r, 6));
		check_no_opt(&r, 15);
	}

	/* Only what is asked for, plus what is always sent */
	fake_core_frames_clear();
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 55, sizeof(prl_min), prl_min);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		uint8_t mtu[2];

		check_no_opt(&r, 6);
		check_no_opt(&r, 15);
		check_no_opt(&r, 119);
		check_opt_addr(&r, 1, "255.255.255.0");
		check_opt_addr(&r, 3, FAKE_IP4_GW);
		put16(mtu, FAKE_MTU);
		check_opt(&r, 26, mtu, 2);
		CU_ASSERT(v4_opt_pos(&r, 51) >= 0);
	}
	teardown();
}

/**
 * wire_name() - The test's own RFC 1035 encoder for expected values
 * @name:	Domain name
 * @out:	Buffer
 *
 * Return: encoded length
 */
static size_t wire_name(const char *name, uint8_t *out)
{
	size_t len = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		out[len++] = (uint8_t)l;
		memcpy(out + len, name, l);
		len += l;
		name += l + (dot ? 1 : 0);
	}
	out[len++] = 0;
	return len;
}

/**
 * test_v4_max_size() - Maximum message size and MTU limit replies
 */
static void test_v4_max_size(void)
{
	uint8_t want[2048];
	size_t want_len = 0;
	uint8_t size[2];
	struct reply r;
	struct msg m;
	unsigned int i;

	setup();
	fake_core.net.n_search = PASST_SEARCH_MAX;
	for (i = 0; i < PASST_SEARCH_MAX; i++) {
		(void)snprintf(fake_core.net.search[i], PASST_DOMAIN_MAX,
			 "d%u.abcdefghijklmnopqrstuvwxyz0123456789."
			 "abcdefghijklmnopqrstuvwxyz.example", i);
		want_len += wire_name(fake_core.net.search[i],
				      want + want_len);
	}
	CU_ASSERT(want_len > 600);

	/* Default 576 bytes: the list can't fit, the rest does */
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 55, sizeof(prl_all), prl_all);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		CU_ASSERT(r.dlen <= 576 - 28);
		CU_ASSERT(r.len <= 14 + 576);
		check_no_opt(&r, 119);
		check_opt_u8(&r, 53, T_OFFER);
		CU_ASSERT(v4_opt_pos(&r, 6) >= 0);
		CU_ASSERT(v4_opt_pos(&r, 15) >= 0);
	}

	/* A larger maximum: the list, split in options of 255 bytes */
	fake_core_frames_clear();
	v4_msg(&m, T_DISCOVER, NULL, 0);
	put16(size, 1500);
	opt(&m, 57, 2, size);
	opt(&m, 55, sizeof(prl_all), prl_all);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		uint8_t got[2048];
		size_t len, got_len;

		CU_ASSERT(r.dlen <= 1500 - 28);
		got_len = v4_opt_joined(&r, 119, got);
		CU_ASSERT_EQUAL(got_len, want_len);
		CU_ASSERT_EQUAL(memcmp(got, want, want_len), 0);
		CU_ASSERT_PTR_NOT_NULL(v4_opt_nth(&r, 119, 2, &len));
		CU_ASSERT_PTR_NOT_NULL(v4_opt_nth(&r, 119, 0, &len));
		CU_ASSERT_EQUAL(len, 255);
	}

	/* The link MTU caps a generous maximum */
	fake_core_frames_clear();
	fake_core.net.mtu = 600;
	put16(size, 9000);
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 57, 2, size);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		uint8_t mtu[2];

		CU_ASSERT(r.dlen <= 600 - 28);
		check_no_opt(&r, 119);
		put16(mtu, 600);
		check_opt(&r, 26, mtu, 2);
	}

	/* An illegal maximum below 576 means 576 */
	fake_core_frames_clear();
	fake_core.net.mtu = FAKE_MTU;
	put16(size, 100);
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 57, 2, size);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		CU_ASSERT(r.dlen >= 300);
		CU_ASSERT(r.dlen <= 548);
	}
	teardown();
}

/**
 * test_v4_client_id() - Client identifier echoed in OFFER and NAK
 */
static void test_v4_client_id(void)
{
	static const uint8_t id[] = { 0xff, 0, 0, 0, 1, 0, 2, 0, 0, 0xab };
	struct reply r;
	struct msg m;

	setup();
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 61, sizeof(id), id);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r))
		check_opt(&r, 61, id, sizeof(id));

	fake_core_frames_clear();
	v4_msg(&m, T_REQUEST, NULL, 0);
	opt(&m, 61, sizeof(id), id);
	opt_addr(&m, 50, "1.2.3.4");
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt_u8(&r, 53, T_NAK);
		check_opt(&r, 61, id, sizeof(id));
	}
	teardown();
}

/**
 * test_v4_no_gateway() - No gateway: a server identifier in the guest's subnet
 */
static void test_v4_no_gateway(void)
{
	struct reply r;
	struct msg m;

	setup();
	fake_core.net.ip4.gw.s_addr = 0;
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt_addr(&r, 54, "10.0.2.1");
		check_no_opt(&r, 3);
		check_no_opt(&r, 121);
		check_dst4(&r, "10.0.2.1", FAKE_IP4_ADDR);
	}

	/* The guest has the first host address: the second one is ours */
	fake_core_frames_clear();
	fake_core.net.ip4.addr.s_addr = ip4("10.0.2.1");
	send_v4(&m);
	if (reply_v4(&r))
		check_opt_addr(&r, 54, "10.0.2.2");

	/* Selecting with that server identifier works */
	fake_core_frames_clear();
	v4_msg(&m, T_REQUEST, NULL, 0);
	opt_addr(&m, 54, "10.0.2.2");
	opt_addr(&m, 50, "10.0.2.1");
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r))
		check_opt_u8(&r, 53, T_ACK);

	/* A /31: the other address is ours */
	fake_core_frames_clear();
	fake_core.net.ip4.addr.s_addr = ip4("10.0.2.15");
	fake_core.net.ip4.prefix_len = 31;
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt_addr(&r, 54, "10.0.2.14");
		check_opt_addr(&r, 1, "255.255.255.254");
	}
	teardown();
}

/**
 * test_v4_no_frame_buffer() - No frame buffer from the core: dropped, logged
 */
static void test_v4_no_frame_buffer(void)
{
	struct msg m;

	setup();
	fake_core.frame_fail = true;
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt_end(&m);
	send_v4(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT(fake_core_log_find("no room for a reply") >= 0);

	fake_core_logs_clear();
	v6_msg(&m, T6_INFO_REQ);
	send_v6(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT(fake_core_log_find("no room for a reply") >= 0);
	teardown();
}

/**
 * test_v4_mtu_range() - Option 26 only for MTUs from 576 to 65535
 */
static void test_v4_mtu_range(void)
{
	struct reply r;
	struct msg m;

	setup();
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt_end(&m);

	fake_core.net.mtu = 65536;
	send_v4(&m);
	if (reply_v4(&r))
		check_no_opt(&r, 26);

	fake_core_frames_clear();
	fake_core.net.mtu = 575;
	send_v4(&m);
	if (reply_v4(&r)) {
		check_no_opt(&r, 26);
		CU_ASSERT(r.dlen <= 548);
	}

	fake_core_frames_clear();
	fake_core.net.mtu = 576;
	send_v4(&m);
	if (reply_v4(&r)) {
		uint8_t mtu[2] = { 576 >> 8, 576 & 0xff };

		check_opt(&r, 26, mtu, 2);
	}
	teardown();
}

/**
 * test_v4_no_dns_search() - No nameservers or search domains; invalid names
 */
static void test_v4_no_dns_search(void)
{
	struct reply r;
	struct msg m;

	setup();
	fake_core.net.ip4.n_dns = 0;
	fake_core.net.n_search = 0;
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 55, sizeof(prl_all), prl_all);
	opt_end(&m);
	send_v4(&m);
	if (reply_v4(&r)) {
		check_no_opt(&r, 6);
		check_no_opt(&r, 15);
		check_no_opt(&r, 119);
		/* 300 bytes of padding, ends with 255 then zeroes */
		CU_ASSERT_EQUAL(r.dlen, 300);
	}

	/* Invalid names are left out, valid ones kept; final dot dropped */
	fake_core_frames_clear();
	fake_core.net.n_search = 3;
	strcpy(fake_core.net.search[0], "a..b");
	strcpy(fake_core.net.search[1], "example.com.");
	memset(fake_core.net.search[2], 'x', 64);
	fake_core.net.search[2][64] = '\0';
	send_v4(&m);
	if (reply_v4(&r)) {
		check_opt(&r, 119, search_wire, 13);
		check_opt(&r, 15, FAKE_SEARCH0, strlen(FAKE_SEARCH0));
	}
	teardown();
}

/**
 * test_v4_disabled() - enable = false: nothing answered; wrong type refused
 */
static void test_v4_disabled(void)
{
	struct msg m;

	setup_with(true, false);
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt_end(&m);
	send_v4(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT(fake_core_log_find("disabled: DHCP message dropped") >= 0);

	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	send_v6(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	teardown();

	/* enable = true explicitly */
	setup_with(true, true);
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt_end(&m);
	send_v4(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
	teardown();

	/* Wrong type for "enable": configure() fails */
	mod = fake_core_load(&passt_module);
	fake_core_cfg_set_int("enable", 1);
	CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
	fake_core_unload(mod);
}

/**
 * test_v4_ip4_disabled() - IPv4 disabled: DHCPv4 dropped
 */
static void test_v4_ip4_disabled(void)
{
	struct msg m;

	setup();
	fake_core.net.ip4.enable = false;
	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt_end(&m);
	send_v4(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	teardown();
}

/**
 * test_descriptor() - Descriptor: name, kind, claims, keys, system calls
 */
static void test_descriptor(void)
{
	const struct passt_claim *c = passt_module.claims;

	CU_ASSERT_STRING_EQUAL(passt_module.name, "dhcp");
	CU_ASSERT_EQUAL(passt_module.kind, PASST_MOD_PROTOCOL);
	CU_ASSERT_EQUAL(passt_module.abi_major, PASST_ABI_MAJOR);
	CU_ASSERT_EQUAL(passt_module.size, sizeof(struct passt_module));
	CU_ASSERT_EQUAL(c[0].ethertype, PASST_ETHERTYPE_IP);
	CU_ASSERT_EQUAL(c[0].l4proto, 17);
	CU_ASSERT_EQUAL(c[0].l4dst, 67);
	CU_ASSERT_EQUAL(c[1].ethertype, PASST_ETHERTYPE_IPV6);
	CU_ASSERT_EQUAL(c[1].l4proto, 17);
	CU_ASSERT_EQUAL(c[1].l4dst, 547);
	CU_ASSERT_EQUAL(c[2].ethertype, 0);
	CU_ASSERT_STRING_EQUAL(passt_module.config_keys[0], "enable");
	CU_ASSERT_PTR_NULL(passt_module.config_keys[1]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(passt_module.syscalls);
	CU_ASSERT_PTR_NULL(passt_module.syscalls[0]);
}

/* ---------------------------------------------------------------------- */
/* DHCPv6                                                                 */
/* ---------------------------------------------------------------------- */

/**
 * test_v6_solicit_advertise() - SOLICIT -> ADVERTISE with address, DNS, search
 */
static void test_v6_solicit_advertise(void)
{
	uint8_t pref = 255;
	struct reply r;
	struct msg m;

	setup();
	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	opt6_ia_na(&m, 0x01020304, NULL);
	send_v6(&m);
	if (reply_v6(&r)) {
		CU_ASSERT_EQUAL(r.d[0], T6_ADVERTISE);
		check_opt6(&r, 1, client_duid, sizeof(client_duid));
		check_opt6(&r, 2, server_duid, sizeof(server_duid));
		check_opt6(&r, 7, &pref, 1);
		check_ia_na(&r, 0x01020304);
		check_config6(&r);
		check_no_opt6(&r, 14);
		check_no_opt6(&r, 13);
	}
	CU_ASSERT(fake_core_log_find("ADVERTISE") >= 0);
	teardown();
}

/**
 * test_v6_solicit_rapid() - SOLICIT with Rapid Commit -> REPLY
 */
static void test_v6_solicit_rapid(void)
{
	struct reply r;
	struct msg m;

	setup();
	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	opt6(&m, 14, 0, NULL);
	opt6_ia_na(&m, 7, NULL);
	send_v6(&m);
	if (reply_v6(&r)) {
		CU_ASSERT_EQUAL(r.d[0], T6_REPLY);
		check_opt6(&r, 14, NULL, 0);
		check_no_opt6(&r, 7);
		check_ia_na(&r, 7);
		check_config6(&r);
	}
	teardown();
}

/**
 * test_v6_request() - REQUEST -> REPLY; other server ignored; unicast
 */
static void test_v6_request(void)
{
	struct reply r;
	struct msg m;

	setup();
	v6_msg(&m, T6_REQUEST);
	opt6_basic(&m);
	opt6_server(&m);
	opt6_ia_na(&m, 0xcafe, FAKE_IP6_ADDR);
	send_v6(&m);
	if (reply_v6(&r)) {
		CU_ASSERT_EQUAL(r.d[0], T6_REPLY);
		check_opt6(&r, 1, client_duid, sizeof(client_duid));
		check_opt6(&r, 2, server_duid, sizeof(server_duid));
		check_ia_na(&r, 0xcafe);
		check_config6(&r);
	}

	/* Another server's DUID: not for us */
	fake_core_frames_clear();
	v6_msg(&m, T6_REQUEST);
	opt6_basic(&m);
	opt6(&m, 2, sizeof(client_duid), client_duid);
	opt6_ia_na(&m, 0xcafe, NULL);
	send_v6(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);

	/* Unicast to our link-local address; the reply goes to the MAC the
	 * request came from, even before the core has learnt it
	 */
	fake_core_frames_clear();
	memset(fake_core.net.guest_mac, 0xff, 6);
	v6_msg(&m, T6_REQUEST);
	opt6_basic(&m);
	opt6_server(&m);
	opt6_ia_na(&m, 1, NULL);
	send_v6_to(&m, FAKE_IP6_GUEST_LL, FAKE_IP6_OUR_LL);
	if (reply_v6(&r))
		check_ia_na(&r, 1);
	teardown();
}

/**
 * test_v6_info_request() - INFORMATION-REQUEST -> DNS and search only
 */
static void test_v6_info_request(void)
{
	struct reply r;
	struct msg m;

	setup();
	v6_msg(&m, T6_INFO_REQ);
	opt6_basic(&m);
	send_v6(&m);
	if (reply_v6(&r)) {
		CU_ASSERT_EQUAL(r.d[0], T6_REPLY);
		check_opt6(&r, 2, server_duid, sizeof(server_duid));
		check_opt6(&r, 1, client_duid, sizeof(client_duid));
		check_config6(&r);
		check_no_opt6(&r, 3);
		check_no_opt6(&r, 13);
		/* Exactly: header, client ID, server ID, DNS, search */
		CU_ASSERT_EQUAL(r.dlen, 4 + 14 + 14 + 20 +
				4 + sizeof(search_wire));
	}

	/* Without a Client Identifier, and without an ORO */
	fake_core_frames_clear();
	v6_msg(&m, T6_INFO_REQ);
	send_v6(&m);
	if (reply_v6(&r)) {
		check_no_opt6(&r, 1);
		check_config6(&r);
	}

	/* ORO without the domain list */
	fake_core_frames_clear();
	v6_msg(&m, T6_INFO_REQ);
	{
		uint8_t oro[2] = { 0, 23 };

		opt6(&m, 6, 2, oro);
	}
	send_v6(&m);
	if (reply_v6(&r)) {
		struct in6_addr dns = ip6(FAKE_IP6_DNS0);

		check_opt6(&r, 23, &dns, 16);
		check_no_opt6(&r, 24);
	}
	teardown();
}

/**
 * test_v6_renew_rebind() - RENEW and REBIND -> REPLY with the address
 */
static void test_v6_renew_rebind(void)
{
	struct reply r;
	struct msg m;

	setup();
	v6_msg(&m, T6_RENEW);
	opt6_basic(&m);
	opt6_server(&m);
	opt6_ia_na(&m, 42, FAKE_IP6_ADDR);
	send_v6(&m);
	if (reply_v6(&r)) {
		CU_ASSERT_EQUAL(r.d[0], T6_REPLY);
		check_ia_na(&r, 42);
	}

	fake_core_frames_clear();
	v6_msg(&m, T6_REBIND);
	opt6_basic(&m);
	opt6_ia_na(&m, 43, FAKE_IP6_ADDR);
	send_v6(&m);
	if (reply_v6(&r)) {
		CU_ASSERT_EQUAL(r.d[0], T6_REPLY);
		check_ia_na(&r, 43);
	}

	/* Rebind must not name a server */
	fake_core_frames_clear();
	opt6_server(&m);
	send_v6(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	teardown();
}

/**
 * test_v6_confirm() - CONFIRM: Success, NotOnLink, or silence
 */
static void test_v6_confirm(void)
{
	struct reply r;
	struct msg m;

	setup();
	v6_msg(&m, T6_CONFIRM);
	opt6_basic(&m);
	opt6_ia_na(&m, 1, "2001:db8::99");
	send_v6(&m);
	if (reply_v6(&r)) {
		CU_ASSERT_EQUAL(r.d[0], T6_REPLY);
		check_status6(&r, 0);
		check_no_opt6(&r, 3);
	}

	fake_core_frames_clear();
	v6_msg(&m, T6_CONFIRM);
	opt6_basic(&m);
	opt6_ia_na(&m, 1, "2001:db9::15");
	send_v6(&m);
	if (reply_v6(&r))
		check_status6(&r, 4);		/* NotOnLink */

	/* A prefix length that is not a multiple of 8 */
	fake_core.net.ip6.prefix_len = 60;
	fake_core_frames_clear();
	v6_msg(&m, T6_CONFIRM);
	opt6_basic(&m);
	opt6_ia_na(&m, 1, "2001:db8:0:f::1");
	send_v6(&m);
	if (reply_v6(&r))
		check_status6(&r, 0);

	fake_core_frames_clear();
	v6_msg(&m, T6_CONFIRM);
	opt6_basic(&m);
	opt6_ia_na(&m, 1, "2001:db8:0:f::1");
	opt6_ia_na(&m, 2, "2001:db8:0:10::1");
	send_v6(&m);
	if (reply_v6(&r))
		check_status6(&r, 4);

	/* No addresses: nothing to confirm, no reply */
	fake_core_frames_clear();
	v6_msg(&m, T6_CONFIRM);
	opt6_basic(&m);
	opt6_ia_na(&m, 1, NULL);
	send_v6(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	teardown();
}

/**
 * test_v6_release_decline() - RELEASE and DECLINE -> REPLY with Success
 */
static void test_v6_release_decline(void)
{
	struct reply r;
	struct msg m;

	setup();
	v6_msg(&m, T6_RELEASE);
	opt6_basic(&m);
	opt6_server(&m);
	opt6_ia_na(&m, 1, FAKE_IP6_ADDR);
	send_v6(&m);
	if (reply_v6(&r)) {
		CU_ASSERT_EQUAL(r.d[0], T6_REPLY);
		check_status6(&r, 0);
		check_no_opt6(&r, 3);
		check_opt6(&r, 1, client_duid, sizeof(client_duid));
	}

	fake_core_frames_clear();
	m.b[0] = T6_DECLINE;
	send_v6(&m);
	if (reply_v6(&r))
		check_status6(&r, 0);
	teardown();
}

/**
 * test_v6_other_ias() - IA_TA, IA_PD and a second IA_NA get status codes
 */
static void test_v6_other_ias(void)
{
	uint8_t ta[4], pd[12] = { 0 }, want_ta[4 + 6], want_pd[12 + 6] = { 0 };
	uint8_t want_na2[12 + 6] = { 0 };
	const uint8_t *v, *p;
	struct reply r;
	struct msg m;
	size_t len, off;
	int n_na = 0;

	setup();
	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	put32(ta, 0x7a);
	opt6(&m, 4, 4, ta);
	opt6_ia_na(&m, 1, NULL);
	opt6_ia_na(&m, 2, NULL);
	put32(pd, 0x9d);
	opt6(&m, 25, 12, pd);
	send_v6(&m);
	if (!reply_v6(&r)) {
		teardown();
		return;
	}

	put32(want_ta, 0x7a);
	put16(want_ta + 4, 13);
	put16(want_ta + 6, 2);
	put16(want_ta + 8, 2);			/* NoAddrsAvail */
	check_opt6(&r, 4, want_ta, sizeof(want_ta));

	put32(want_pd, 0x9d);
	put16(want_pd + 12, 13);
	put16(want_pd + 14, 2);
	put16(want_pd + 16, 6);			/* NoPrefixAvail */
	check_opt6(&r, 25, want_pd, sizeof(want_pd));

	/* First IA_NA gets the address, the second NoAddrsAvail */
	check_ia_na(&r, 1);
	put32(want_na2, 2);
	put16(want_na2 + 12, 13);
	put16(want_na2 + 14, 2);
	put16(want_na2 + 16, 2);
	for (off = 4, p = r.d; off < r.dlen; off += 4 + len) {
		len = get16(p + off + 2);
		if (get16(p + off) != 3)
			continue;
		v = p + off + 4;
		if (++n_na == 2) {
			CU_ASSERT_EQUAL(len, sizeof(want_na2));
			CU_ASSERT_EQUAL(memcmp(v, want_na2, sizeof(want_na2)),
					0);
		}
	}
	CU_ASSERT_EQUAL(n_na, 2);
	teardown();
}

/**
 * test_v6_no_addr() - No IPv6 address: NoAddrsAvail; IPv6 disabled: silence
 */
static void test_v6_no_addr(void)
{
	struct reply r;
	struct msg m;

	setup();
	memset(&fake_core.net.ip6.addr, 0, 16);
	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	opt6_ia_na(&m, 5, NULL);
	send_v6(&m);
	if (reply_v6(&r)) {
		uint8_t want[12 + 6] = { 0 };

		put32(want, 5);
		put16(want + 12, 13);
		put16(want + 14, 2);
		put16(want + 16, 2);
		check_opt6(&r, 3, want, sizeof(want));
	}

	fake_core_frames_clear();
	fake_core.net.ip6.enable = false;
	send_v6(&m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	teardown();
}

/* ---------------------------------------------------------------------- */
/* Malformed messages                                                     */
/* ---------------------------------------------------------------------- */

static unsigned int n_malformed;

/**
 * expect_drop_frame() - Assert a frame gets no reply and a debug line
 * @f:		Frame
 * @what:	What is wrong with it, printed if answered
 */
static void expect_drop_frame(const struct passt_frame *f, const char *what)
{
	unsigned int debug = fake_core.log_count[PASST_LOG_DEBUG];

	fake_core_frames_clear();
	deliver(f);
	if (fake_core.n_to_guest)
		(void)fprintf(stderr, "\n  answered: %s\n", what);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT(fake_core.log_count[PASST_LOG_DEBUG] > debug);
	n_malformed++;
}

/**
 * expect_drop4() - Assert a DHCPv4 message is dropped
 * @m:		Message
 * @what:	What is wrong with it
 */
static void expect_drop4(const struct msg *m, const char *what)
{
	static uint8_t buf[FRAME_MAX];
	struct passt_frame f;

	v4_frame(buf, m->b, m->len, &f);
	expect_drop_frame(&f, what);
}

/**
 * expect_drop6_to() - Assert a DHCPv6 message between two addresses is dropped
 * @m:		Message
 * @src:	Source address text
 * @dst:	Destination address text
 * @what:	What is wrong with it
 */
static void expect_drop6_to(const struct msg *m, const char *src,
			    const char *dst, const char *what)
{
	static uint8_t buf[FRAME_MAX];
	struct passt_frame f;

	v6_frame_to(buf, m->b, m->len, src, dst, &f);
	expect_drop_frame(&f, what);
}

/**
 * expect_drop6() - Assert a DHCPv6 message to ff02::1:2 is dropped
 * @m:		Message
 * @what:	What is wrong with it
 */
static void expect_drop6(const struct msg *m, const char *what)
{
	expect_drop6_to(m, FAKE_IP6_GUEST_LL, "ff02::1:2", what);
}

/**
 * test_v4_malformed() - Malformed DHCPv4 messages and frames are dropped
 */
static void test_v4_malformed(void)
{
	static uint8_t buf[FRAME_MAX];
	struct passt_frame f;
	struct msg m, ok;
	uint8_t v[8] = { 0 };

	setup();
	v4_msg(&ok, T_DISCOVER, NULL, 0);
	opt(&ok, 55, sizeof(prl_all), prl_all);
	opt_end(&ok);

	m = ok;
	m.len = 100;
	expect_drop4(&m, "truncated BOOTP header");
	m.len = 236;
	expect_drop4(&m, "BOOTP header without cookie");
	m.len = 0;
	expect_drop4(&m, "empty UDP payload");

	m = ok;
	m.b[237] = 0;
	expect_drop4(&m, "bad magic cookie");

	m = ok;
	m.b[0] = 2;
	expect_drop4(&m, "BOOTREPLY from the guest");

	m = ok;
	m.b[1] = 6;
	expect_drop4(&m, "htype 6");

	m = ok;
	m.b[2] = 16;
	expect_drop4(&m, "hlen 16");

	m = ok;
	m.b[28] = 0x01;
	expect_drop4(&m, "multicast chaddr");

	m = ok;
	put32(m.b + 24, ip4("10.0.2.254"));
	expect_drop4(&m, "giaddr set");

	v4_msg(&m, T_DISCOVER, NULL, 0);
	m.b[m.len++] = 12;
	m.b[m.len++] = 200;
	memcpy(m.b + m.len, "host", 4);
	m.len += 4;
	expect_drop4(&m, "option length past the end");

	v4_msg(&m, T_DISCOVER, NULL, 0);
	m.b[m.len++] = 12;
	expect_drop4(&m, "option code without length");

	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 55, sizeof(prl_all), prl_all);
	expect_drop4(&m, "missing end option");

	v4_msg(&m, T_DISCOVER, NULL, 0);
	m.b[m.len++] = 0;
	m.b[m.len++] = 0;
	expect_drop4(&m, "only padding, no end option");

	v4_msg(&m, 0, NULL, 0);
	opt(&m, 55, sizeof(prl_all), prl_all);
	opt_end(&m);
	expect_drop4(&m, "missing message type");

	v4_msg(&m, 0, NULL, 0);
	opt(&m, 53, 0, v);
	opt_end(&m);
	expect_drop4(&m, "zero-length message type");

	v4_msg(&m, 0, NULL, 0);
	v[0] = 1;
	opt(&m, 53, 2, v);
	opt_end(&m);
	expect_drop4(&m, "two-byte message type");

	v4_msg(&m, 0, NULL, 0);
	v[0] = 0;
	opt(&m, 53, 1, v);
	opt_end(&m);
	expect_drop4(&m, "message type 0");

	v4_msg(&m, 42, NULL, 0);
	opt_end(&m);
	expect_drop4(&m, "unknown message type 42");

	v4_msg(&m, T_OFFER, NULL, 0);
	opt_end(&m);
	expect_drop4(&m, "OFFER from the guest");

	v4_msg(&m, T_REQUEST, NULL, 0);
	opt(&m, 50, 3, v);
	opt_end(&m);
	expect_drop4(&m, "requested address of 3 bytes");

	v4_msg(&m, T_REQUEST, NULL, 0);
	opt(&m, 54, 0, v);
	opt_addr(&m, 50, FAKE_IP4_ADDR);
	opt_end(&m);
	expect_drop4(&m, "zero-length server identifier");

	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 57, 1, v);
	opt_end(&m);
	expect_drop4(&m, "max message size of 1 byte");

	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 55, 0, v);
	opt_end(&m);
	expect_drop4(&m, "empty parameter request list");

	v4_msg(&m, T_DISCOVER, NULL, 0);
	opt(&m, 61, 1, v);
	opt_end(&m);
	expect_drop4(&m, "client identifier of 1 byte");

	v4_msg(&m, T_REQUEST, NULL, 0);
	opt_end(&m);
	expect_drop4(&m, "REQUEST without any address");

	/* Frame-level: UDP length longer than the datagram, and too short */
	v4_frame(buf, ok.b, ok.len, &f);
	put16(buf + 34 + 4, (uint16_t)(f.l4len + 1));
	expect_drop_frame(&f, "UDP length past the IP datagram");
	put16(buf + 34 + 4, 7);
	expect_drop_frame(&f, "UDP length 7");

	/* UDP payload trimmed by the UDP length: options cut */
	v4_frame(buf, ok.b, ok.len, &f);
	put16(buf + 34 + 4, (uint16_t)(8 + ok.len - 1));
	expect_drop_frame(&f, "UDP length cuts the end option");

	/* Core said: no transport header (fragment) */
	v4_frame(buf, ok.b, ok.len, &f);
	f.l4off = 0;
	expect_drop_frame(&f, "no transport header");

	/* Frame shorter than the core's lengths claim */
	v4_frame(buf, ok.b, ok.len, &f);
	f.len = 40;
	expect_drop_frame(&f, "frame shorter than its UDP header");

	teardown();
}

/**
 * test_v6_malformed() - Malformed DHCPv6 messages and frames are dropped
 */
static void test_v6_malformed(void)
{
	static uint8_t buf[FRAME_MAX];
	struct passt_frame f;
	uint8_t v[160] = { 0 };
	struct msg m, ok;

	setup();
	v6_msg(&ok, T6_SOLICIT);
	opt6_basic(&ok);
	opt6_ia_na(&ok, 1, FAKE_IP6_ADDR);

	m = ok;
	m.len = 3;
	expect_drop6(&m, "truncated DHCPv6 header");

	m = ok;
	m.len -= 1;
	expect_drop6(&m, "last option cut by one byte");

	m = ok;
	m.b[m.len++] = 0;
	m.b[m.len++] = 1;
	expect_drop6(&m, "option header of 2 bytes");

	m = ok;
	opt6(&m, 99, 0, NULL);
	put16(m.b + m.len - 2, 300);
	expect_drop6(&m, "option length past the end");

	/* IA Address length overruns the IA_NA holding it, but not the
	 * message: a trailing option follows
	 */
	m = ok;
	put16(m.b + m.len - 28 + 2, 25);
	opt6(&m, 99, 16, v);
	expect_drop6(&m, "IA address overruns its IA_NA");

	/* Status Code directly in the IA_NA, overrunning it */
	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	memset(v, 0, sizeof(v));
	put16(v + 12, 13);
	put16(v + 14, 6);
	opt6(&m, 3, 12 + 4 + 2, v);
	opt6(&m, 99, 16, v);
	expect_drop6(&m, "status code overruns its IA_NA");

	/* IA_NA shorter than IAID, T1, T2 */
	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	opt6(&m, 3, 8, v);
	expect_drop6(&m, "IA_NA of 8 bytes");

	/* IA Address shorter than 24 bytes */
	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	memset(v, 0, sizeof(v));
	put16(v + 12, 5);
	put16(v + 14, 20);
	opt6(&m, 3, 12 + 4 + 20, v);
	expect_drop6(&m, "IA address of 20 bytes");

	/* Option inside an IA Address overrunning it */
	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	memset(v, 0, sizeof(v));
	put16(v + 12, 5);
	put16(v + 14, 24 + 4);
	put16(v + 16 + 24, 13);
	put16(v + 16 + 24 + 2, 10);
	opt6(&m, 3, 12 + 4 + 24 + 4, v);
	opt6(&m, 99, 16, v);
	expect_drop6(&m, "status inside IA address overruns it");

	/* IA_PD prefix too short, IA_TA too short */
	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	memset(v, 0, sizeof(v));
	put16(v + 12, 26);
	put16(v + 14, 24);
	opt6(&m, 25, 12 + 4 + 24, v);
	expect_drop6(&m, "IA prefix of 24 bytes");

	/* Option inside an IA prefix overrunning it */
	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	memset(v, 0, sizeof(v));
	put16(v + 12, 26);
	put16(v + 14, 25 + 4);
	put16(v + 16 + 25, 13);
	put16(v + 16 + 25 + 2, 2);
	opt6(&m, 25, 12 + 4 + 25 + 4, v);
	opt6(&m, 99, 16, v);
	expect_drop6(&m, "status inside IA prefix overruns it");

	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	opt6(&m, 4, 3, v);
	expect_drop6(&m, "IA_TA of 3 bytes");

	v6_msg(&m, T6_SOLICIT);
	opt6_ia_na(&m, 1, NULL);
	expect_drop6(&m, "SOLICIT without client ID");

	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	opt6_server(&m);
	expect_drop6(&m, "SOLICIT with server ID");

	v6_msg(&m, T6_SOLICIT);
	opt6(&m, 1, 0, NULL);
	expect_drop6(&m, "zero-length client ID");

	v6_msg(&m, T6_SOLICIT);
	opt6(&m, 1, 131, v);
	expect_drop6(&m, "client ID of 131 bytes");

	v6_msg(&m, T6_REQUEST);
	opt6_basic(&m);
	opt6(&m, 2, 0, NULL);
	expect_drop6(&m, "zero-length server ID");

	v6_msg(&m, T6_REQUEST);
	opt6_basic(&m);
	opt6_ia_na(&m, 1, NULL);
	expect_drop6(&m, "REQUEST without server ID");

	v6_msg(&m, T6_SOLICIT);
	opt6_basic(&m);
	opt6(&m, 14, 1, v);
	expect_drop6(&m, "rapid commit with a value");

	v6_msg(&m, T6_SOLICIT);
	opt6(&m, 1, sizeof(client_duid), client_duid);
	opt6(&m, 6, 3, v);
	expect_drop6(&m, "odd ORO length");

	v6_msg(&m, T6_SOLICIT);
	opt6(&m, 1, sizeof(client_duid), client_duid);
	opt6(&m, 8, 0, NULL);
	expect_drop6(&m, "zero-length elapsed time");

	v6_msg(&m, T6_INFO_REQ);
	opt6_basic(&m);
	opt6_ia_na(&m, 1, NULL);
	expect_drop6(&m, "INFORMATION-REQUEST with IA_NA");

	v6_msg(&m, T6_ADVERTISE);
	opt6_basic(&m);
	opt6_server(&m);
	expect_drop6(&m, "ADVERTISE from the guest");

	m = ok;
	m.b[0] = 12;
	expect_drop6(&m, "RELAY-FORW");

	expect_drop6_to(&ok, "2001:db8::15", "ff02::1:2",
			"source not link-local");
	expect_drop6_to(&ok, FAKE_IP6_GUEST_LL, "ff02::1:3",
			"destination not for servers");
	expect_drop6_to(&ok, FAKE_IP6_GUEST_LL, FAKE_IP6_ADDR,
			"destination is the guest's own global address");

	/* Frame-level */
	v6_frame_to(buf, ok.b, ok.len, FAKE_IP6_GUEST_LL, "ff02::1:2", &f);
	put16(buf + 54 + 4, (uint16_t)(f.l4len + 4));
	expect_drop_frame(&f, "UDP length past the datagram");

	v6_frame_to(buf, ok.b, ok.len, FAKE_IP6_GUEST_LL, "ff02::1:2", &f);
	f.len = 60;
	expect_drop_frame(&f, "frame cut inside the UDP header");

	v6_frame_to(buf, ok.b, ok.len, FAKE_IP6_GUEST_LL, "ff02::1:2", &f);
	buf[6] |= 1;
	expect_drop_frame(&f, "multicast Ethernet source");

	teardown();
	CU_ASSERT(n_malformed >= 20);
}

/* ---------------------------------------------------------------------- */
/* Random mutations                                                       */
/* ---------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/**
 * rng() - xorshift64: reproducible pseudo-random numbers
 *
 * Return: 32 random bits
 */
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

#define FUZZ_ROUNDS	100000
#define FUZZ_SEEDS	8

/**
 * fuzz_seeds() - Valid messages to start mutations from
 * @s:		FUZZ_SEEDS messages to fill
 * @v6:		Whether each is DHCPv6
 */
static void fuzz_seeds(struct msg *s, bool *v6)
{
	uint8_t size[2] = { 0x05, 0xdc }, oro[4] = { 0, 23, 0, 24 };
	static const uint8_t id[] = { 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	uint8_t pd[12 + 4 + 25] = { 0 };

	v4_msg(&s[0], T_DISCOVER, NULL, 0x8000);
	opt(&s[0], 55, sizeof(prl_all), prl_all);
	opt(&s[0], 57, 2, size);
	opt(&s[0], 61, sizeof(id), id);
	opt_end(&s[0]);
	v6[0] = false;

	v4_msg(&s[1], T_REQUEST, NULL, 0);
	opt_addr(&s[1], 54, FAKE_IP4_GW);
	opt_addr(&s[1], 50, FAKE_IP4_ADDR);
	opt(&s[1], 55, sizeof(prl_all), prl_all);
	opt_end(&s[1]);
	v6[1] = false;

	v4_msg(&s[2], T_INFORM, FAKE_IP4_ADDR, 0);
	opt_end(&s[2]);
	v6[2] = false;

	v4_msg(&s[3], T_REQUEST, FAKE_IP4_ADDR, 0);
	opt(&s[3], 57, 2, size);
	opt_end(&s[3]);
	v6[3] = false;

	v6_msg(&s[4], T6_SOLICIT);
	opt6_basic(&s[4]);
	opt6_ia_na(&s[4], 1, FAKE_IP6_ADDR);
	opt6(&s[4], 14, 0, NULL);
	v6[4] = true;

	v6_msg(&s[5], T6_REQUEST);
	opt6_basic(&s[5]);
	opt6_server(&s[5]);
	opt6_ia_na(&s[5], 2, NULL);
	put16(pd + 12, 26);
	put16(pd + 14, 25);
	opt6(&s[5], 25, sizeof(pd), pd);
	v6[5] = true;

	v6_msg(&s[6], T6_INFO_REQ);
	opt6(&s[6], 6, 4, oro);
	v6[6] = true;

	v6_msg(&s[7], T6_CONFIRM);
	opt6_basic(&s[7]);
	opt6_ia_na(&s[7], 3, FAKE_IP6_ADDR);
	opt6(&s[7], 4, 4, pd);
	v6[7] = true;
}

/**
 * fuzz_mutate() - Apply a few random mutations to a message
 * @m:		Message
 */
static void fuzz_mutate(struct msg *m)
{
	unsigned int ops = 1 + rng() % 6, i;

	for (i = 0; i < ops; i++) {
		size_t pos = m->len ? rng() % m->len : 0;

		switch (rng() % 8) {
		case 0:
		case 1:
			if (m->len)
				m->b[pos] = (uint8_t)rng();
			break;
		case 2:
			if (m->len)
				m->b[pos] ^= (uint8_t)(1U << (rng() % 8));
			break;
		case 3:		/* interesting values: lengths, codes */
			if (m->len) {
				static const uint8_t vals[] = {
					0, 1, 2, 3, 4, 5, 12, 24, 25, 127,
					128, 254, 255,
				};
				m->b[pos] = vals[rng() % sizeof(vals)];
			}
			break;
		case 4:
			m->len = rng() % (m->len + 1);
			break;
		case 5:
			while (m->len < MSG_MAX - 64 && rng() % 4) {
				m->b[m->len++] = (uint8_t)rng();
			}
			break;
		case 6:		/* a 16-bit length somewhere */
			if (m->len >= 2) {
				pos = rng() % (m->len - 1);
				put16(m->b + pos, (uint16_t)(rng() % 300));
			}
			break;
		default:	/* duplicate a chunk */
			if (m->len > 8 && m->len < MSG_MAX / 2) {
				size_t n = 1 + rng() % 32;

				if (n > m->len - pos)
					n = m->len - pos;
				memmove(m->b + pos + n, m->b + pos,
					m->len - pos);
				m->len += n;
			}
			break;
		}
	}
}

/**
 * fuzz_check_reply() - Check a reply to a mutated message is sound
 * @fr:		Reply frame
 */
static void fuzz_check_reply(const struct fake_frame *fr)
{
	struct reply r = { 0 };
	bool v6;

	CU_ASSERT_FATAL(fr->len >= 42);
	v6 = get16(fr->data + 12) == 0x86dd;
	r.f = fr->data;
	r.len = fr->len;
	r.l3 = fr->data + 14;
	r.udp = fr->data + (v6 ? 54 : 34);
	CU_ASSERT_FATAL(get16(r.udp + 4) == fr->len - (v6 ? 54 : 34));
	CU_ASSERT_EQUAL(get16(r.udp + 6), ref_udp_csum(&r, v6));
}

/**
 * test_fuzz() - Random mutations of valid messages: no crash, sound replies
 */
static void test_fuzz(void)
{
	struct msg seeds[FUZZ_SEEDS], m;
	bool v6[FUZZ_SEEDS];
	unsigned int i, replies = 0;

	setup();
	fuzz_seeds(seeds, v6);

	for (i = 0; i < FUZZ_ROUNDS; i++) {
		unsigned int s = rng() % FUZZ_SEEDS;
		struct passt_frame f;
		uint8_t *exact;

		m = seeds[s];
		fuzz_mutate(&m);

		/* Exactly sized copy, so that ASan sees any overread */
		{
			static uint8_t buf[FRAME_MAX];
			size_t len;

			if (v6[s])
				len = v6_frame_to(buf, m.b, m.len,
						  FAKE_IP6_GUEST_LL,
						  "ff02::1:2", &f);
			else
				len = v4_frame(buf, m.b, m.len, &f);
			if (!(rng() % 16))	/* and the UDP length too */
				put16(buf + f.l4off + 4, (uint16_t)rng());
			exact = malloc(len);
			if (!exact) {
				CU_FAIL_FATAL("out of memory");
				return;
			}
			memcpy(exact, buf, len);
			f.data = exact;
		}

		deliver(&f);
		free(exact);

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

UNIT_SUITE(dhcp,
	{ "descriptor", test_descriptor },
	{ "v4_discover_offer", test_v4_discover_offer },
	{ "v4_discover_broadcast", test_v4_discover_broadcast },
	{ "v4_request_selecting", test_v4_request_selecting },
	{ "v4_request_nak", test_v4_request_nak },
	{ "v4_request_other_server", test_v4_request_other_server },
	{ "v4_init_reboot", test_v4_init_reboot },
	{ "v4_renew", test_v4_renew },
	{ "v4_inform", test_v4_inform },
	{ "v4_inform_no_ciaddr", test_v4_inform_no_ciaddr },
	{ "v4_release_decline", test_v4_release_decline },
	{ "v4_classless_routes", test_v4_classless_routes },
	{ "v4_prl", test_v4_prl },
	{ "v4_max_size", test_v4_max_size },
	{ "v4_client_id", test_v4_client_id },
	{ "v4_no_gateway", test_v4_no_gateway },
	{ "v4_no_frame_buffer", test_v4_no_frame_buffer },
	{ "v4_mtu_range", test_v4_mtu_range },
	{ "v4_no_dns_search", test_v4_no_dns_search },
	{ "v4_disabled", test_v4_disabled },
	{ "v4_ip4_disabled", test_v4_ip4_disabled },
	{ "v4_malformed", test_v4_malformed },
	{ "v6_solicit_advertise", test_v6_solicit_advertise },
	{ "v6_solicit_rapid", test_v6_solicit_rapid },
	{ "v6_request", test_v6_request },
	{ "v6_info_request", test_v6_info_request },
	{ "v6_renew_rebind", test_v6_renew_rebind },
	{ "v6_confirm", test_v6_confirm },
	{ "v6_release_decline", test_v6_release_decline },
	{ "v6_other_ias", test_v6_other_ias },
	{ "v6_no_addr", test_v6_no_addr },
	{ "v6_malformed", test_v6_malformed },
	{ "fuzz", test_fuzz })
