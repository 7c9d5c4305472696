// SPDX-License-Identifier: GPL-2.0-or-later
/* flow_test.c - Unit tests for the flow table (core/flow.c) */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "unit.h"

#define OWNER_A		1
#define OWNER_B		2
#define OWNER_C		200

/**
 * addr4() - IPv4-mapped address from text
 * @s:		Dotted quad
 *
 * Return: the address
 */
static union passt_inany addr4(const char *s)
{
	union passt_inany a;
	struct in_addr a4;

	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, s, &a4), 1);
	passt_inany_from_v4(&a, a4);
	return a;
}

/**
 * addr6() - IPv6 address from text
 * @s:		Address
 *
 * Return: the address
 */
static union passt_inany addr6(const char *s)
{
	union passt_inany a;

	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, s, &a.a6), 1);
	return a;
}

/**
 * side_set() - Fill one side of a flow
 * @f:		Flow
 * @side:	Side
 * @pif:	Interface
 * @ea:		Endpoint address
 * @ep:		Endpoint port
 * @oa:		Our address
 * @op:		Our port
 */
static void side_set(struct passt_flow *f, unsigned int side, uint8_t pif,
		     union passt_inany ea, uint16_t ep,
		     union passt_inany oa, uint16_t op)
{
	struct passt_flowside *s = &f->side[side];

	s->pif = pif;
	s->eaddr = ea;
	s->eport = ep;
	s->oaddr = oa;
	s->oport = op;
}

/**
 * new_flow() - Allocate a flow with both sides filled, hash neither
 * @owner:	Owner
 * @proto:	IP protocol
 * @port:	Guest port, to tell flows apart
 *
 * Return: flow index
 */
static int new_flow(uint8_t owner, uint8_t proto, uint16_t port)
{
	struct passt_flow *f;
	int idx;

	idx = flow_alloc(owner, proto, 0);
	CU_ASSERT_FATAL(idx >= 0);
	f = flow_get((unsigned int)idx, owner);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	side_set(f, 0, PASST_PIF_TAP, addr4("10.0.2.15"), port,
		 addr4("93.184.216.34"), 443);
	side_set(f, 1, PASST_PIF_HOST, addr4("93.184.216.34"), 443,
		 addr4("192.168.1.2"), port);
	return idx;
}

/**
 * lookup_side() - Look up a flow side's tuple exactly as stored
 * @owner:	Owner asking
 * @f:		Flow
 * @side:	Side whose tuple to look up
 * @found:	Side reported, or NULL
 *
 * Return: flow_lookup()'s result
 */
static int lookup_side(uint8_t owner, const struct passt_flow *f,
		       unsigned int side, unsigned int *found)
{
	const struct passt_flowside *s = &f->side[side];

	return flow_lookup(owner, s->pif, f->proto, &s->eaddr, s->eport,
			   &s->oaddr, s->oport, found);
}

/**
 * test_init_bounds() - Capacity 0 and above FLOW_MAX_LIMIT are refused
 */
static void test_init_bounds(void)
{
	union passt_inany a = addr4("10.0.0.1");

	flow_table_fini();
	CU_ASSERT_EQUAL(flow_capacity(), 0);
	CU_ASSERT_EQUAL(flow_alloc(OWNER_A, IPPROTO_TCP, 0), -ENOSPC);
	CU_ASSERT_PTR_NULL(flow_get(0, OWNER_A));
	CU_ASSERT_EQUAL(flow_owner(0), -ENOENT);
	CU_ASSERT_EQUAL(flow_hash_side(0, 0), -EINVAL);
	CU_ASSERT_EQUAL(flow_lookup(OWNER_A, 1, 6, &a, 1, &a, 2, NULL),
			-ENOENT);
	flow_release(0);
	flow_release_owner(OWNER_A);

	CU_ASSERT_EQUAL(flow_table_init(0), -EINVAL);
	CU_ASSERT_EQUAL(flow_table_init(FLOW_MAX_LIMIT + 1), -EINVAL);
	CU_ASSERT_EQUAL(flow_table_init(UINT32_MAX), -EINVAL);
	CU_ASSERT_EQUAL(flow_capacity(), 0);

	CU_ASSERT_EQUAL(flow_table_init(8), 0);
	CU_ASSERT_EQUAL(flow_capacity(), 8);
	CU_ASSERT_EQUAL(flow_count(), 0);

	/* A refused init leaves the table as it was */
	CU_ASSERT_EQUAL(flow_alloc(OWNER_A, IPPROTO_TCP, 0), 0);
	CU_ASSERT_EQUAL(flow_table_init(0), -EINVAL);
	CU_ASSERT_EQUAL(flow_capacity(), 8);
	CU_ASSERT_EQUAL(flow_count(), 1);
	CU_ASSERT_EQUAL(flow_owner(0), OWNER_A);

	/* A second init starts over */
	CU_ASSERT_EQUAL(flow_table_init(3), 0);
	CU_ASSERT_EQUAL(flow_capacity(), 3);
	CU_ASSERT_EQUAL(flow_count(), 0);
	CU_ASSERT_EQUAL(flow_owner(0), -ENOENT);

	flow_table_fini();
	CU_ASSERT_EQUAL(flow_capacity(), 0);
	CU_ASSERT_EQUAL(flow_count(), 0);
	flow_table_fini();
}

/**
 * test_alloc_full() - Allocate to capacity, -ENOSPC, free one, reuse it
 */
static void test_alloc_full(void)
{
	struct passt_flow *f;
	unsigned int i;
	int idx;

	CU_ASSERT_EQUAL_FATAL(flow_table_init(16), 0);

	CU_ASSERT_EQUAL(flow_alloc(FLOW_OWNER_NONE, IPPROTO_TCP, 0), -EINVAL);
	for (i = 0; i < 16; i++) {
		CU_ASSERT_EQUAL(flow_alloc(OWNER_A, IPPROTO_UDP, (uint8_t)i),
				(int)i);
		CU_ASSERT_EQUAL(flow_count(), i + 1);
	}
	CU_ASSERT_EQUAL(flow_alloc(OWNER_A, IPPROTO_UDP, 0), -ENOSPC);
	CU_ASSERT_EQUAL(flow_alloc(OWNER_B, IPPROTO_TCP, 0), -ENOSPC);
	CU_ASSERT_EQUAL(flow_count(), 16);

	f = flow_get(7, OWNER_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(f->type, 7);
	side_set(f, 0, PASST_PIF_TAP, addr4("10.0.0.1"), 1,
		 addr4("10.0.0.2"), 2);
	f->side[1].ifindex = 42;

	flow_release(7);
	CU_ASSERT_EQUAL(flow_count(), 15);
	CU_ASSERT_PTR_NULL(flow_get(7, OWNER_A));
	CU_ASSERT_EQUAL(flow_owner(7), -ENOENT);

	/* Releasing a free entry, or one out of range, changes nothing */
	flow_release(7);
	flow_release(16);
	flow_release(UINT32_MAX);
	CU_ASSERT_EQUAL(flow_count(), 15);

	idx = flow_alloc(OWNER_B, IPPROTO_ICMP, 9);
	CU_ASSERT_EQUAL(idx, 7);
	CU_ASSERT_EQUAL(flow_owner(7), OWNER_B);
	f = flow_get(7, OWNER_B);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->proto, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(f->type, 9);
	CU_ASSERT_EQUAL(f->side[0].pif, 0);
	CU_ASSERT_EQUAL(f->side[0].eport, 0);
	CU_ASSERT_EQUAL(f->side[1].ifindex, 0);
	CU_ASSERT_EQUAL(flow_alloc(OWNER_A, IPPROTO_UDP, 0), -ENOSPC);

	/* The free list is LIFO */
	flow_release(3);
	flow_release(11);
	CU_ASSERT_EQUAL(flow_alloc(OWNER_A, IPPROTO_UDP, 0), 11);
	CU_ASSERT_EQUAL(flow_alloc(OWNER_A, IPPROTO_UDP, 0), 3);
	CU_ASSERT_EQUAL(flow_alloc(OWNER_A, IPPROTO_UDP, 0), -ENOSPC);

	flow_table_fini();
}

/**
 * test_hash_lookup() - Both sides found, v4-mapped and v6 keys
 */
static void test_hash_lookup(void)
{
	union passt_inany g6 = addr6("fd00::15"), h6 = addr6("2001:db8::1");
	union passt_inany g4 = addr4("10.0.2.15"), h4 = addr4("1.2.3.4");
	struct passt_flow *f4, *f6;
	unsigned int side;
	int i4, i6;

	CU_ASSERT_EQUAL_FATAL(flow_table_init(64), 0);

	i4 = flow_alloc(OWNER_A, IPPROTO_TCP, 1);
	i6 = flow_alloc(OWNER_A, IPPROTO_TCP, 2);
	CU_ASSERT_EQUAL_FATAL(i4, 0);
	CU_ASSERT_EQUAL_FATAL(i6, 1);
	f4 = flow_get(0, OWNER_A);
	f6 = flow_get(1, OWNER_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f6);

	side_set(f4, PASST_INISIDE, PASST_PIF_TAP, g4, 40000, h4, 80);
	side_set(f4, PASST_TGTSIDE, PASST_PIF_HOST, h4, 80,
		 addr4("192.168.1.2"), 50000);
	side_set(f6, PASST_INISIDE, PASST_PIF_TAP, g6, 40000, h6, 80);
	side_set(f6, PASST_TGTSIDE, PASST_PIF_HOST, h6, 80,
		 addr6("2001:db8::2"), 50000);

	/* Nothing is findable before it is hashed */
	CU_ASSERT_EQUAL(flow_lookup(OWNER_A, PASST_PIF_TAP, IPPROTO_TCP,
				    &g4, 40000, &h4, 80, NULL), -ENOENT);

	CU_ASSERT_EQUAL(flow_hash_side(0, PASST_INISIDE), 0);
	CU_ASSERT_EQUAL(flow_hash_side(0, PASST_TGTSIDE), 0);
	CU_ASSERT_EQUAL(flow_hash_side(1, PASST_INISIDE), 0);
	CU_ASSERT_EQUAL(flow_hash_side(1, PASST_TGTSIDE), 0);

	side = 7;
	CU_ASSERT_EQUAL(flow_lookup(OWNER_A, PASST_PIF_TAP, IPPROTO_TCP,
				    &g4, 40000, &h4, 80, &side), 0);
	CU_ASSERT_EQUAL(side, PASST_INISIDE);
	side = 7;
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f4, PASST_TGTSIDE, &side), 0);
	CU_ASSERT_EQUAL(side, PASST_TGTSIDE);
	side = 7;
	CU_ASSERT_EQUAL(flow_lookup(OWNER_A, PASST_PIF_TAP, IPPROTO_TCP,
				    &g6, 40000, &h6, 80, &side), 1);
	CU_ASSERT_EQUAL(side, PASST_INISIDE);
	side = 7;
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f6, PASST_TGTSIDE, &side), 1);
	CU_ASSERT_EQUAL(side, PASST_TGTSIDE);
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f6, PASST_TGTSIDE, NULL), 1);

	CU_ASSERT_EQUAL(flow_lookup(OWNER_A, PASST_PIF_TAP, IPPROTO_TCP,
				    NULL, 40000, &h4, 80, NULL), -EINVAL);
	CU_ASSERT_EQUAL(flow_lookup(OWNER_A, PASST_PIF_TAP, IPPROTO_TCP,
				    &g4, 40000, NULL, 80, NULL), -EINVAL);
	CU_ASSERT_EQUAL(flow_lookup(FLOW_OWNER_NONE, PASST_PIF_TAP,
				    IPPROTO_TCP, &g4, 40000, &h4, 80, NULL),
			-ENOENT);
	CU_ASSERT_EQUAL(flow_count(), 2);

	flow_table_fini();
}

/**
 * test_key_fields() - Keys differing in one field only do not match
 */
static void test_key_fields(void)
{
	union passt_inany ea = addr4("10.0.2.15"), oa = addr4("1.2.3.4");
	union passt_inany ea6, x;
	struct in6_addr ea_compat;
	unsigned int i;
	int idx;

	CU_ASSERT_EQUAL_FATAL(flow_table_init(4), 0);
	idx = flow_alloc(OWNER_A, IPPROTO_UDP, 0);
	CU_ASSERT_EQUAL_FATAL(idx, 0);
	side_set(flow_get(0, OWNER_A), 0, PASST_PIF_HOST, ea, 53, oa, 5353);
	CU_ASSERT_EQUAL_FATAL(flow_hash_side(0, 0), 0);

#define LOOKUP(pif, proto, e, ep, o, op)				\
	flow_lookup(OWNER_A, (pif), (proto), (e), (ep), (o), (op), NULL)

	CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_HOST, IPPROTO_UDP, &ea, 53, &oa,
			       5353), 0);
	CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_TAP, IPPROTO_UDP, &ea, 53, &oa,
			       5353), -ENOENT);
	CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_NONE, IPPROTO_UDP, &ea, 53, &oa,
			       5353), -ENOENT);
	CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_HOST, IPPROTO_TCP, &ea, 53, &oa,
			       5353), -ENOENT);
	CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_HOST, IPPROTO_UDP, &ea, 54, &oa,
			       5353), -ENOENT);
	CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_HOST, IPPROTO_UDP, &ea, 53, &oa,
			       5354), -ENOENT);
	/* Ports swapped, addresses swapped */
	CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_HOST, IPPROTO_UDP, &ea, 5353, &oa,
			       53), -ENOENT);
	CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_HOST, IPPROTO_UDP, &oa, 53, &ea,
			       5353), -ENOENT);
	/* Ports in the other byte order */
	CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_HOST, IPPROTO_UDP, &ea, htons(53),
			       &oa, 5353), -ENOENT);

	/* Each single bit of either address */
	for (i = 0; i < 128; i++) {
		x = ea;
		x.a6.s6_addr[i / 8] ^= (uint8_t)(1U << (i % 8));
		CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_HOST, IPPROTO_UDP, &x, 53,
				       &oa, 5353), -ENOENT);
		x = oa;
		x.a6.s6_addr[i / 8] ^= (uint8_t)(1U << (i % 8));
		CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_HOST, IPPROTO_UDP, &ea, 53,
				       &x, 5353), -ENOENT);
	}

	/* ::ffff:10.0.2.15 is not ::10.0.2.15 (IPv4-compatible) */
	memset(&ea_compat, 0, sizeof(ea_compat));
	memcpy(&ea_compat.s6_addr[12], &ea.v4.a4, 4);
	ea6.a6 = ea_compat;
	CU_ASSERT_EQUAL(LOOKUP(PASST_PIF_HOST, IPPROTO_UDP, &ea6, 53, &oa,
			       5353), -ENOENT);

#undef LOOKUP

	/* The other side, all zeroes, is not hashed */
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, flow_get(0, OWNER_A), 1, NULL),
			-ENOENT);

	flow_table_fini();
}

/**
 * test_near_keys() - Keys one field apart coexist, each finds its own flow
 */
static void test_near_keys(void)
{
	union passt_inany ea = addr4("10.0.2.15"), oa = addr4("1.2.3.4");
	union passt_inany ea2 = addr4("10.0.2.16"), oa2 = addr4("1.2.3.5");
	union passt_inany ea6 = addr6("::a00:20f"), oa6 = addr6("::102:304");
	struct {
		uint8_t proto, pif;
		const union passt_inany *ea, *oa;
		uint16_t ep, op;
	} k[] = {
		{ IPPROTO_TCP, PASST_PIF_TAP, &ea, &oa, 1000, 80 },
		{ IPPROTO_TCP, PASST_PIF_HOST, &ea, &oa, 1000, 80 },
		{ IPPROTO_UDP, PASST_PIF_TAP, &ea, &oa, 1000, 80 },
		{ IPPROTO_UDP, PASST_PIF_HOST, &ea, &oa, 1000, 80 },
		{ IPPROTO_TCP, PASST_PIF_SPLICE, &ea, &oa, 1000, 80 },
		{ IPPROTO_TCP, PASST_PIF_NONE, &ea, &oa, 1000, 80 },
		{ IPPROTO_TCP, PASST_PIF_TAP, &ea2, &oa, 1000, 80 },
		{ IPPROTO_TCP, PASST_PIF_TAP, &ea, &oa2, 1000, 80 },
		{ IPPROTO_TCP, PASST_PIF_TAP, &ea, &oa, 1001, 80 },
		{ IPPROTO_TCP, PASST_PIF_TAP, &ea, &oa, 1000, 81 },
		{ IPPROTO_TCP, PASST_PIF_TAP, &oa, &ea, 1000, 80 },
		{ IPPROTO_TCP, PASST_PIF_TAP, &ea, &oa, 80, 1000 },
		{ IPPROTO_TCP, PASST_PIF_TAP, &ea6, &oa, 1000, 80 },
		{ IPPROTO_TCP, PASST_PIF_TAP, &ea, &oa6, 1000, 80 },
		{ IPPROTO_TCP, PASST_PIF_TAP, &ea, &oa, 0xe803, 80 },
		{ IPPROTO_TCP, PASST_PIF_TAP, &ea, &oa, 1000, 0x5000 },
	};
	unsigned int i, side;

	/* Eight flows, sixteen sides: as full as the index ever gets */
	CU_ASSERT_EQUAL_FATAL(sizeof(k) / sizeof(k[0]), 16);
	CU_ASSERT_EQUAL_FATAL(flow_table_init(8), 0);
	for (i = 0; i < 16; i += 2)
		CU_ASSERT_EQUAL_FATAL(flow_alloc(i % 4 ? OWNER_A : OWNER_B,
						 k[i].proto, 0), (int)i / 2);
	for (i = 0; i < 16; i++) {
		struct passt_flow *f = flow_get(i / 2, i % 4 / 2 ? OWNER_A
							       : OWNER_B);

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_EQUAL(f->proto, k[i].proto);
		side_set(f, i % 2, k[i].pif, *k[i].ea, k[i].ep,
			 *k[i].oa, k[i].op);
		CU_ASSERT_EQUAL(flow_hash_side(i / 2, i % 2), 0);
	}

	for (i = 0; i < 16; i++) {
		uint8_t owner = i % 4 / 2 ? OWNER_A : OWNER_B;

		side = 9;
		CU_ASSERT_EQUAL(flow_lookup(owner, k[i].pif, k[i].proto,
					    k[i].ea, k[i].ep, k[i].oa, k[i].op,
					    &side), (int)i / 2);
		CU_ASSERT_EQUAL(side, i % 2);
		/* The other owner does not see it */
		CU_ASSERT_EQUAL(flow_lookup(owner == OWNER_A ? OWNER_B
							     : OWNER_A,
					    k[i].pif, k[i].proto,
					    k[i].ea, k[i].ep, k[i].oa, k[i].op,
					    NULL), -ENOENT);
	}

	flow_table_fini();
}

/**
 * test_duplicates() - Equal tuples: -EEXIST; bad arguments: -EINVAL
 */
static void test_duplicates(void)
{
	struct passt_flow *f0, *f1;
	unsigned int side;
	int a, b;

	CU_ASSERT_EQUAL_FATAL(flow_table_init(8), 0);
	a = new_flow(OWNER_A, IPPROTO_TCP, 1000);
	b = new_flow(OWNER_B, IPPROTO_TCP, 1000);	/* same tuples */
	f0 = flow_get((unsigned int)a, OWNER_A);
	f1 = flow_get((unsigned int)b, OWNER_B);

	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)a, 0), 0);
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)a, 0), -EEXIST);
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)b, 0), -EEXIST);
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)b, 1), 0);
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)a, 1), -EEXIST);

	/* The refused sides did not get in */
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f0, 0, NULL), a);
	CU_ASSERT_EQUAL(lookup_side(OWNER_B, f1, 0, NULL), -ENOENT);
	side = 9;
	CU_ASSERT_EQUAL(lookup_side(OWNER_B, f1, 1, &side), b);
	CU_ASSERT_EQUAL(side, 1);
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f0, 1, NULL), -ENOENT);

	/* A flow's two sides with one tuple: the second is refused */
	f1 = flow_get((unsigned int)new_flow(OWNER_A, IPPROTO_UDP, 7), OWNER_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f1);
	f1->side[1] = f1->side[0];
	CU_ASSERT_EQUAL(flow_hash_side(2, 0), 0);
	CU_ASSERT_EQUAL(flow_hash_side(2, 1), -EEXIST);

	/* The same tuple under another protocol is another key */
	f1 = flow_get((unsigned int)new_flow(OWNER_A, IPPROTO_UDP, 1000),
		      OWNER_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f1);
	CU_ASSERT_EQUAL(flow_hash_side(3, 0), 0);
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f1, 0, NULL), 3);
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f0, 0, NULL), a);

	CU_ASSERT_EQUAL(flow_hash_side(0, 2), -EINVAL);
	CU_ASSERT_EQUAL(flow_hash_side(0, UINT32_MAX), -EINVAL);
	CU_ASSERT_EQUAL(flow_hash_side(8, 0), -EINVAL);
	CU_ASSERT_EQUAL(flow_hash_side(UINT32_MAX, 0), -EINVAL);
	CU_ASSERT_EQUAL(flow_hash_side(4, 0), -EINVAL);	/* free */
	flow_release(3);
	CU_ASSERT_EQUAL(flow_hash_side(3, 0), -EINVAL);

	flow_table_fini();
}

/**
 * test_owner_isolation() - A module sees only its own flows
 */
static void test_owner_isolation(void)
{
	struct passt_flow *f;
	int a;

	CU_ASSERT_EQUAL_FATAL(flow_table_init(4), 0);
	a = new_flow(OWNER_A, IPPROTO_TCP, 2000);
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)a, 0), 0);
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)a, 1), 0);
	f = flow_get((unsigned int)a, OWNER_A);

	CU_ASSERT_EQUAL(flow_owner((unsigned int)a), OWNER_A);
	CU_ASSERT_EQUAL(flow_owner(1), -ENOENT);
	CU_ASSERT_EQUAL(flow_owner(4), -ENOENT);
	CU_ASSERT_EQUAL(flow_owner(UINT32_MAX), -ENOENT);

	CU_ASSERT_PTR_NULL(flow_get((unsigned int)a, OWNER_B));
	CU_ASSERT_PTR_NULL(flow_get((unsigned int)a, OWNER_C));
	CU_ASSERT_PTR_NULL(flow_get((unsigned int)a, FLOW_OWNER_NONE));
	CU_ASSERT_PTR_NULL(flow_get(1, FLOW_OWNER_NONE));
	CU_ASSERT_PTR_NULL(flow_get(1, OWNER_A));
	CU_ASSERT_PTR_NULL(flow_get(4, OWNER_A));
	CU_ASSERT_PTR_NULL(flow_get(UINT32_MAX, OWNER_A));

	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f, 0, NULL), a);
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f, 1, NULL), a);
	CU_ASSERT_EQUAL(lookup_side(OWNER_B, f, 0, NULL), -ENOENT);
	CU_ASSERT_EQUAL(lookup_side(OWNER_B, f, 1, NULL), -ENOENT);
	CU_ASSERT_EQUAL(lookup_side(OWNER_C, f, 1, NULL), -ENOENT);

	/* Nor does another owner take the tuple */
	f = flow_get((unsigned int)new_flow(OWNER_B, IPPROTO_TCP, 2000),
		     OWNER_B);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(flow_hash_side(1, 0), -EEXIST);
	CU_ASSERT_EQUAL(flow_hash_side(1, 1), -EEXIST);

	flow_table_fini();
}

/**
 * test_release_unhashes() - Released flows are no longer found
 */
static void test_release_unhashes(void)
{
	struct passt_flow *f, saved;
	int a, b;

	CU_ASSERT_EQUAL_FATAL(flow_table_init(4), 0);
	a = new_flow(OWNER_A, IPPROTO_TCP, 3000);
	b = new_flow(OWNER_A, IPPROTO_TCP, 3001);
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)a, 0), 0);
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)a, 1), 0);
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)b, 0), 0);
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)b, 1), 0);

	saved = *flow_get((unsigned int)a, OWNER_A);
	flow_release((unsigned int)a);
	CU_ASSERT_EQUAL(flow_count(), 1);
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, &saved, 0, NULL), -ENOENT);
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, &saved, 1, NULL), -ENOENT);
	f = flow_get((unsigned int)b, OWNER_A);
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f, 0, NULL), b);
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, f, 1, NULL), b);

	/* The tuple is free for a new flow, of another owner even */
	a = flow_alloc(OWNER_B, IPPROTO_TCP, 0);
	CU_ASSERT_FATAL(a >= 0);
	f = flow_get((unsigned int)a, OWNER_B);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	f->side[1] = saved.side[1];
	CU_ASSERT_EQUAL(flow_hash_side((unsigned int)a, 1), 0);
	CU_ASSERT_EQUAL(lookup_side(OWNER_B, &saved, 1, NULL), a);
	CU_ASSERT_EQUAL(lookup_side(OWNER_A, &saved, 1, NULL), -ENOENT);
	CU_ASSERT_EQUAL(lookup_side(OWNER_B, &saved, 0, NULL), -ENOENT);

	flow_table_fini();
}

/**
 * test_release_owner() - Releasing a module's flows leaves the others
 */
static void test_release_owner(void)
{
	static const uint8_t owners[] = { OWNER_A, OWNER_B, OWNER_C };
	struct passt_flow saved[30];
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(flow_table_init(32), 0);
	for (i = 0; i < 30; i++) {
		uint8_t o = owners[i % 3];

		CU_ASSERT_EQUAL_FATAL(new_flow(o, IPPROTO_UDP,
					       (uint16_t)(100 + i)), (int)i);
		CU_ASSERT_EQUAL(flow_hash_side(i, 0), 0);
		CU_ASSERT_EQUAL(flow_hash_side(i, 1), 0);
		saved[i] = *flow_get(i, o);
	}

	flow_release_owner(FLOW_OWNER_NONE);
	flow_release_owner(99);
	CU_ASSERT_EQUAL(flow_count(), 30);

	flow_release_owner(OWNER_B);
	CU_ASSERT_EQUAL(flow_count(), 20);
	for (i = 0; i < 30; i++) {
		uint8_t o = owners[i % 3];
		int want = o == OWNER_B ? -ENOENT : (int)i;

		CU_ASSERT_EQUAL(flow_owner(i), o == OWNER_B ? -ENOENT : o);
		CU_ASSERT_EQUAL(lookup_side(o, &saved[i], 0, NULL), want);
		CU_ASSERT_EQUAL(lookup_side(o, &saved[i], 1, NULL), want);
		CU_ASSERT_EQUAL(flow_get(i, o) == NULL, o == OWNER_B);
	}

	/* Twelve free entries again, then full */
	for (i = 0; i < 12; i++)
		CU_ASSERT(flow_alloc(OWNER_B, IPPROTO_UDP, 0) >= 0);
	CU_ASSERT_EQUAL(flow_alloc(OWNER_B, IPPROTO_UDP, 0), -ENOSPC);

	flow_release_owner(OWNER_A);
	flow_release_owner(OWNER_C);
	CU_ASSERT_EQUAL(flow_count(), 12);
	flow_release_owner(OWNER_B);
	CU_ASSERT_EQUAL(flow_count(), 0);
	for (i = 0; i < 30; i++)
		CU_ASSERT_EQUAL(lookup_side(owners[i % 3], &saved[i], 0, NULL),
				-ENOENT);

	flow_table_fini();
}

/**
 * test_capacity_one() - The smallest table works
 */
static void test_capacity_one(void)
{
	unsigned int side, round;

	CU_ASSERT_EQUAL_FATAL(flow_table_init(1), 0);
	CU_ASSERT_EQUAL(flow_capacity(), 1);

	/* More rounds than index slots: nothing may stay behind in it */
	for (round = 0; round < 50; round++) {
		struct passt_flow saved, *f;

		CU_ASSERT_EQUAL(new_flow(OWNER_A, IPPROTO_TCP,
					 (uint16_t)(round + 1)), 0);
		CU_ASSERT_EQUAL(flow_alloc(OWNER_A, IPPROTO_TCP, 0), -ENOSPC);
		CU_ASSERT_EQUAL(flow_hash_side(0, 0), 0);
		CU_ASSERT_EQUAL(flow_hash_side(0, 1), 0);
		CU_ASSERT_EQUAL(flow_hash_side(1, 0), -EINVAL);

		f = flow_get(0, OWNER_A);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		side = 5;
		CU_ASSERT_EQUAL(lookup_side(OWNER_A, f, 1, &side), 0);
		CU_ASSERT_EQUAL(side, 1);
		CU_ASSERT_EQUAL(lookup_side(OWNER_A, f, 0, &side), 0);
		CU_ASSERT_EQUAL(side, 0);

		saved = *f;
		flow_release(0);
		CU_ASSERT_EQUAL(flow_count(), 0);
		CU_ASSERT_EQUAL(lookup_side(OWNER_A, &saved, 0, NULL),
				-ENOENT);
		CU_ASSERT_EQUAL(lookup_side(OWNER_A, &saved, 1, NULL),
				-ENOENT);
	}

	flow_table_fini();
}

/**
 * test_tuple_changed() - A side rewritten while hashed breaks nothing else
 *
 * Modules must not do this, but a bug in one must not corrupt the index
 * for the others: removal goes by where the side was inserted.
 */
static void test_tuple_changed(void)
{
	struct passt_flow saved[64];
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(flow_table_init(64), 0);
	for (i = 0; i < 64; i++) {
		CU_ASSERT_EQUAL_FATAL(new_flow(OWNER_A, IPPROTO_TCP,
					       (uint16_t)i), (int)i);
		CU_ASSERT_EQUAL(flow_hash_side(i, 0), 0);
		CU_ASSERT_EQUAL(flow_hash_side(i, 1), 0);
		saved[i] = *flow_get(i, OWNER_A);
	}

	for (i = 0; i < 64; i += 2) {
		struct passt_flow *f = flow_get(i, OWNER_A);


		f->side[0].eport ^= 0x5555;
		f->side[1].oaddr = addr6("2001:db8::99");
		/* Neither the old nor the new tuple leads to it */
		CU_ASSERT_EQUAL(lookup_side(OWNER_A, &saved[i], 0, NULL),
				-ENOENT);
		CU_ASSERT_EQUAL(lookup_side(OWNER_A, f, 1, NULL), -ENOENT);
		/* Hashed sides stay hashed, whatever their tuple became */
		CU_ASSERT_EQUAL(flow_hash_side(i, 0), -EEXIST);
		CU_ASSERT_EQUAL(flow_hash_side(i, 1), -EEXIST);
		flow_release(i);
	}

	for (i = 1; i < 64; i += 2) {
		CU_ASSERT_EQUAL(lookup_side(OWNER_A, &saved[i], 0, NULL),
				(int)i);
		CU_ASSERT_EQUAL(lookup_side(OWNER_A, &saved[i], 1, NULL),
				(int)i);
		flow_release(i);
	}
	CU_ASSERT_EQUAL(flow_count(), 0);

	flow_table_fini();
}

/* Churn: the table against a reference model searched linearly */

#define CHURN_CAP	4096
#define CHURN_OPS	200000

/**
 * struct model_flow - What the reference model knows of one flow
 * @owner:	Owner, FLOW_OWNER_NONE if free
 * @hashed:	Bit per hashed side
 * @f:		Tuples, as written into the table's flow
 */
struct model_flow {
	uint8_t owner;
	uint8_t hashed;
	struct passt_flow f;
};

static struct model_flow model[CHURN_CAP];
static uint64_t churn_rng;

/**
 * churn_rand() - Next pseudo-random number (xorshift64*), reproducible
 * @n:		Bound
 *
 * Return: a number below @n
 */
static uint32_t churn_rand(uint32_t n)
{
	churn_rng ^= churn_rng >> 12;
	churn_rng ^= churn_rng << 25;
	churn_rng ^= churn_rng >> 27;
	return (uint32_t)((churn_rng * 2685821657736338717ULL) >> 32) % n;
}

/**
 * churn_side() - A random side from a small space, so that tuples repeat
 * @s:		Side to fill
 */
static void churn_side(struct passt_flowside *s)
{
	static const char *const addrs[] = {
		"10.0.2.15", "10.0.2.2", "fd00::15", "2001:db8::1",
	};
	const char *a = addrs[churn_rand(4)];

	memset(s, 0, sizeof(*s));
	s->pif = (uint8_t)(1 + churn_rand(3));
	s->eaddr = strchr(a, ':') ? addr6(a) : addr4(a);
	s->eport = (uint16_t)churn_rand(256);
	s->oaddr = churn_rand(2) ? addr4("1.1.1.1") : addr6("::1");
	s->oport = (uint16_t)churn_rand(4);
}

/**
 * model_find() - Linear search of the model's hashed sides
 * @proto:	IP protocol
 * @s:		Tuple
 * @side:	Set to the matching side
 *
 * Return: flow index, or -1
 */
static int model_find(uint8_t proto, const struct passt_flowside *s,
		      unsigned int *side)
{
	unsigned int i, j;

	for (i = 0; i < CHURN_CAP; i++) {
		const struct model_flow *m = &model[i];

		if (!m->hashed || m->f.proto != proto)
			continue;
		for (j = 0; j < 2; j++) {
			const struct passt_flowside *t = &m->f.side[j];

			if ((m->hashed & (1U << j)) &&
			    t->eport == s->eport && t->oport == s->oport &&
			    t->pif == s->pif &&
			    !memcmp(&t->eaddr, &s->eaddr, sizeof(t->eaddr)) &&
			    !memcmp(&t->oaddr, &s->oaddr, sizeof(t->oaddr))) {
				*side = j;
				return (int)i;
			}
		}
	}
	return -1;
}

/**
 * churn_pick_used() - A random flow in use in the model
 *
 * Return: its index, or -1 if none is in use
 */
static int churn_pick_used(void)
{
	unsigned int start = churn_rand(CHURN_CAP), i;

	for (i = 0; i < CHURN_CAP; i++) {
		unsigned int idx = (start + i) % CHURN_CAP;

		if (model[idx].owner)
			return (int)idx;
	}
	return -1;
}

/**
 * test_churn() - Random operations checked against the model
 */
static void test_churn(void)
{
	unsigned int op, used = 0, side, mside, n_found = 0, n_exist = 0;
	unsigned int n_full = 0, n_hashed = 0, n_leave = 0;
	struct passt_flowside key;
	struct passt_flow *f;
	int idx, want, got;
	uint8_t proto;

	memset(model, 0, sizeof(model));
	churn_rng = 0x9e3779b97f4a7c15ULL;
	CU_ASSERT_EQUAL_FATAL(flow_table_init(CHURN_CAP), 0);

	for (op = 0; op < CHURN_OPS; op++) {
		uint32_t what = churn_rand(100);

		/* Rarely, so that the table spends time full in between */
		if (!churn_rand(20000))
			what = 100;

		if (what < 30) {			/* alloc and fill */
			uint8_t owner = (uint8_t)(1 + churn_rand(3));

			proto = churn_rand(2) ? IPPROTO_TCP : IPPROTO_UDP;
			idx = flow_alloc(owner, proto, (uint8_t)op);
			if (used == CHURN_CAP) {
				CU_ASSERT_EQUAL_FATAL(idx, -ENOSPC);
				n_full++;
				continue;
			}
			CU_ASSERT_FATAL(idx >= 0 && idx < CHURN_CAP);
			CU_ASSERT_EQUAL_FATAL(model[idx].owner,
					      FLOW_OWNER_NONE);
			f = flow_get((unsigned int)idx, owner);
			CU_ASSERT_PTR_NOT_NULL_FATAL(f);
			CU_ASSERT_EQUAL_FATAL(f->proto, proto);
			CU_ASSERT_EQUAL_FATAL(f->type, (uint8_t)op);
			CU_ASSERT_EQUAL_FATAL(f->side[0].eport, 0);
			CU_ASSERT_EQUAL_FATAL(f->side[1].pif, 0);
			churn_side(&f->side[0]);
			churn_side(&f->side[1]);
			model[idx].owner = owner;
			model[idx].hashed = 0;
			model[idx].f = *f;
			used++;
		} else if (what < 55) {			/* hash a side */
			idx = churn_pick_used();
			if (idx < 0)
				continue;
			side = churn_rand(2);
			if (model[idx].hashed & (1U << side))
				want = -EEXIST;
			else if (model_find(model[idx].f.proto,
					    &model[idx].f.side[side],
					    &mside) >= 0)
				want = -EEXIST;
			else
				want = 0;
			got = flow_hash_side((unsigned int)idx, side);
			CU_ASSERT_EQUAL_FATAL(got, want);
			if (!got) {
				model[idx].hashed |= (uint8_t)(1U << side);
				n_hashed++;
			} else {
				n_exist++;
			}
		} else if (what < 85) {			/* lookup */
			uint8_t owner = (uint8_t)(1 + churn_rand(3));

			idx = churn_pick_used();
			if (idx >= 0 && churn_rand(4)) {
				key = model[idx].f.side[churn_rand(2)];
				proto = model[idx].f.proto;
				if (churn_rand(2))
					owner = model[idx].owner;
			} else {
				churn_side(&key);
				proto = churn_rand(2) ? IPPROTO_TCP
						      : IPPROTO_UDP;
			}
			want = model_find(proto, &key, &mside);
			if (want >= 0 && model[want].owner != owner)
				want = -1;
			side = 5;
			got = flow_lookup(owner, key.pif, proto,
					  &key.eaddr, key.eport,
					  &key.oaddr, key.oport, &side);
			if (want < 0) {
				CU_ASSERT_EQUAL_FATAL(got, -ENOENT);
				CU_ASSERT_EQUAL_FATAL(side, 5);
			} else {
				CU_ASSERT_EQUAL_FATAL(got, want);
				CU_ASSERT_EQUAL_FATAL(side, mside);
				n_found++;
			}
		} else if (what < 100) {		/* release */
			idx = churn_pick_used();
			if (idx < 0)
				continue;
			CU_ASSERT_PTR_NOT_NULL_FATAL(
				flow_get((unsigned int)idx, model[idx].owner));
			CU_ASSERT_PTR_NULL_FATAL(
				flow_get((unsigned int)idx,
					 (uint8_t)(model[idx].owner % 3 + 1)));
			flow_release((unsigned int)idx);
			memset(&model[idx], 0, sizeof(model[idx]));
			used--;
		} else {				/* an owner leaves */
			uint8_t owner = (uint8_t)(1 + churn_rand(3));
			unsigned int i;

			flow_release_owner(owner);
			n_leave++;
			for (i = 0; i < CHURN_CAP; i++) {
				if (model[i].owner != owner)
					continue;
				memset(&model[i], 0, sizeof(model[i]));
				used--;
			}
		}
		CU_ASSERT_EQUAL_FATAL(flow_count(), used);
	}

	/* Every side the model holds is still found, nothing else */
	for (idx = 0; idx < CHURN_CAP; idx++) {
		for (side = 0; side < 2; side++) {
			want = (model[idx].hashed & (1U << side)) ? idx
								   : -ENOENT;
			if (!model[idx].owner)
				continue;
			if (want < 0 && model_find(model[idx].f.proto,
						   &model[idx].f.side[side],
						   &mside) >= 0)
				continue;	/* another flow's tuple */
			mside = 5;
			got = lookup_side(model[idx].owner, &model[idx].f,
					  side, &mside);
			CU_ASSERT_EQUAL_FATAL(got, want);
			if (want >= 0)
				CU_ASSERT_EQUAL_FATAL(mside, side);
		}
	}

	/* The run must have exercised every outcome, many times */
	CU_ASSERT(n_found > 10000);
	CU_ASSERT(n_exist > 1000);
	CU_ASSERT(n_hashed > 10000);
	CU_ASSERT(n_full > 100);
	CU_ASSERT(n_leave > 0);

	flow_table_fini();
}

UNIT_SUITE(flow,
	   { "init_bounds", test_init_bounds },
	   { "alloc_full", test_alloc_full },
	   { "hash_lookup", test_hash_lookup },
	   { "key_fields", test_key_fields },
	   { "near_keys", test_near_keys },
	   { "duplicates", test_duplicates },
	   { "owner_isolation", test_owner_isolation },
	   { "release_unhashes", test_release_unhashes },
	   { "release_owner", test_release_owner },
	   { "capacity_one", test_capacity_one },
	   { "tuple_changed", test_tuple_changed },
	   { "churn", test_churn })
