// SPDX-License-Identifier: GPL-2.0-or-later
/* flow.c - The flow table: fixed size, two sides per flow, hash lookup
 *
 * Theory of Operation
 * -------------------
 * A flow is one conversation (a TCP connection, a UDP "connection", an ICMP
 * echo exchange) with two sides, each a (pif, endpoint address and port, our
 * address and port) tuple. Modules own flows; the core stores them so that
 * the flow for a packet is found from its tuple in constant time, whichever
 * side it arrived on, and so that an epoll cookie can carry a flow index.
 *
 * Everything is allocated in flow_table_init(), before the sandbox: the
 * entries, a free list threaded through them, and the hash index. Nothing
 * on the packet path allocates, and the table never grows: when it is full
 * flow_alloc() says so and the module drops the new conversation.
 *
 * The hash index is open addressing with linear probing over a power of two
 * array of flow references (flow index << 1 | side). It has at least twice
 * as many slots as there can be hashed sides, so probe sequences stay short
 * and an empty slot always ends them. Deletion shifts the following cluster
 * back instead of leaving tombstones, so the table looks as if the removed
 * key had never been inserted, and long-running churn does not degrade it.
 *
 * Tuples come from the guest and from remote peers, who could pick them to
 * collide in a predictable hash and turn every lookup into a linear scan.
 * Keys are therefore hashed with SipHash-2-4 (Aumasson, Bernstein: "SipHash:
 * a fast short-input PRF") under a random 128-bit key drawn at start-up.
 *
 * Each entry records the hash of each side it inserted, so a side is
 * removed, and its neighbours shifted, by the position it was inserted at
 * even if its owner has since changed the tuple in the flow.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "flow.h"
#include "util.h"

#define FLOW_REF_EMPTY		UINT32_MAX	/* free hash slot */
#define FLOW_IDX_NONE		UINT32_MAX	/* end of the free list */

#define FLOW_SIP_C		2	/* SipHash rounds per message word */
#define FLOW_SIP_D		4	/* SipHash finalisation rounds */

/* proto, pif, two addresses, two ports */
#define FLOW_KEY_LEN		(1 + 1 + 16 + 16 + 2 + 2)

static_assert(FLOW_MAX_LIMIT <= (FLOW_REF_EMPTY >> 1),
	      "flow references fit 32 bits with room for the empty marker");
static_assert(sizeof(union passt_inany) == 16, "addresses are 16 bytes");

/**
 * struct flow_entry - One slot of the flow table
 * @f:		The flow, as modules see it
 * @hash:	Hash of each side, as inserted in the index
 * @next_free:	Next free entry, while this one is free
 * @owner:	Module index owning the flow, FLOW_OWNER_NONE if free
 * @hashed:	Bit (1 << side) set for each side in the index
 */
struct flow_entry {
	struct passt_flow f;
	uint32_t hash[2];
	uint32_t next_free;
	uint8_t owner;
	uint8_t hashed;
};

/**
 * struct flow_table - The table and its hash index
 * @e:		Entries, @cap of them
 * @tab:	Hash index: flow references or FLOW_REF_EMPTY, @mask + 1 slots
 * @mask:	Number of index slots minus one
 * @cap:	Capacity, in flows
 * @used:	Flows in use
 * @refs:	Hashed sides, that is, slots in use in the index
 * @free_head:	First free entry, FLOW_IDX_NONE if the table is full
 * @k0:		SipHash key, first half
 * @k1:		SipHash key, second half
 */
struct flow_table {
	struct flow_entry *e;
	uint32_t *tab;
	uint32_t mask;
	unsigned int cap;
	unsigned int used;
	unsigned int refs;
	uint32_t free_head;
	uint64_t k0;
	uint64_t k1;
};

static struct flow_table flow_tab = { .free_head = FLOW_IDX_NONE };

/**
 * flow_le64() - Read a little-endian 64-bit word, whatever the host order
 * @p:		Eight bytes
 *
 * Return: the word
 */
static uint64_t flow_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/**
 * flow_rotl() - Rotate a 64-bit word left
 * @x:		Word
 * @b:		Bits, 1 to 63
 *
 * Return: rotated word
 */
static inline uint64_t flow_rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/**
 * flow_sipround() - One SipRound on the SipHash state
 * @v:		State words v0 to v3
 */
static inline void flow_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = flow_rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = flow_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = flow_rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = flow_rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = flow_rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = flow_rotl(v[2], 32);
}

/**
 * flow_siphash() - SipHash-2-4 of a message under the table's key
 * @k0:		Key, bytes 0 to 7 read as a little-endian word
 * @k1:		Key, bytes 8 to 15 read as a little-endian word
 * @m:		Message
 * @len:	Length of @m
 *
 * Return: 64-bit hash
 */
static uint64_t flow_siphash(uint64_t k0, uint64_t k1,
			     const uint8_t *m, size_t len)
{
	uint64_t v[4] = {
		k0 ^ 0x736f6d6570736575ULL,	/* "somepseudorandomly" */
		k1 ^ 0x646f72616e646f6dULL,	/* "generatedbytes" */
		k0 ^ 0x6c7967656e657261ULL,
		k1 ^ 0x7465646279746573ULL,
	};
	uint8_t last[8] = { 0 };
	size_t off, rest;
	uint64_t w;
	int i;

	for (off = 0; len - off >= 8; off += 8) {
		w = flow_le64(m + off);
		v[3] ^= w;
		for (i = 0; i < FLOW_SIP_C; i++)
			flow_sipround(v);
		v[0] ^= w;
	}

	/* Final word: leftover bytes, length modulo 256 in the top byte */
	rest = len - off;
	if (rest)
		memcpy(last, m + off, rest);
	last[7] = (uint8_t)len;
	w = flow_le64(last);
	v[3] ^= w;
	for (i = 0; i < FLOW_SIP_C; i++)
		flow_sipround(v);
	v[0] ^= w;

	v[2] ^= 0xff;
	for (i = 0; i < FLOW_SIP_D; i++)
		flow_sipround(v);

	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/**
 * flow_key_hash() - Hash of a flow side's lookup key
 * @proto:	IP protocol
 * @pif:	Interface of the side
 * @eaddr:	Endpoint address
 * @eport:	Endpoint port
 * @oaddr:	Our address
 * @oport:	Our port
 *
 * Return: 32-bit hash, keyed with the table's secret
 */
static uint32_t flow_key_hash(uint8_t proto, uint8_t pif,
			      const union passt_inany *eaddr, uint16_t eport,
			      const union passt_inany *oaddr, uint16_t oport)
{
	uint8_t k[FLOW_KEY_LEN];
	uint64_t h;

	k[0] = proto;
	k[1] = pif;
	memcpy(k + 2, eaddr, 16);
	memcpy(k + 18, oaddr, 16);
	k[34] = (uint8_t)eport;
	k[35] = (uint8_t)(eport >> 8);
	k[36] = (uint8_t)oport;
	k[37] = (uint8_t)(oport >> 8);

	h = flow_siphash(flow_tab.k0, flow_tab.k1, k, sizeof(k));
	return (uint32_t)(h ^ (h >> 32));
}

/**
 * flow_side_hash() - Hash of the current tuple of one side of a flow
 * @e:		Entry
 * @side:	Side, 0 or 1
 *
 * Return: 32-bit hash
 */
static uint32_t flow_side_hash(const struct flow_entry *e, unsigned int side)
{
	const struct passt_flowside *s = &e->f.side[side];

	return flow_key_hash(e->f.proto, s->pif, &s->eaddr, s->eport,
			     &s->oaddr, s->oport);
}

/**
 * flow_ref_matches() - Whether a hashed side has a given key
 * @ref:	Flow reference from the index
 * @h:		Hash of the key
 * @proto:	IP protocol
 * @pif:	Interface
 * @eaddr:	Endpoint address
 * @eport:	Endpoint port
 * @oaddr:	Our address
 * @oport:	Our port
 *
 * Return: true if the side @ref names was inserted with hash @h and its
 *	   tuple equals the key
 */
static bool flow_ref_matches(uint32_t ref, uint32_t h, uint8_t proto,
			     uint8_t pif,
			     const union passt_inany *eaddr, uint16_t eport,
			     const union passt_inany *oaddr, uint16_t oport)
{
	const struct flow_entry *e = &flow_tab.e[ref >> 1];
	const struct passt_flowside *s = &e->f.side[ref & 1];

	/* The stored hash is a cheap filter, and it keeps a side whose owner
	 * rewrote its tuple after hashing from matching the new tuple here
	 * while it sits at the old one's position
	 */
	return e->hash[ref & 1] == h && e->f.proto == proto &&
	       s->pif == pif && s->eport == eport && s->oport == oport &&
	       !memcmp(&s->eaddr, eaddr, sizeof(*eaddr)) &&
	       !memcmp(&s->oaddr, oaddr, sizeof(*oaddr));
}

/**
 * flow_ref_home() - Slot a hashed side was meant to be at
 * @ref:	Flow reference from the index
 *
 * Return: index slot its hash selects
 */
static uint32_t flow_ref_home(uint32_t ref)
{
	return flow_tab.e[ref >> 1].hash[ref & 1] & flow_tab.mask;
}

/**
 * flow_unhash() - Remove one side of a flow from the index
 * @idx:	Flow index
 * @side:	Side, which must be hashed
 */
static void flow_unhash(uint32_t idx, unsigned int side)
{
	struct flow_entry *e = &flow_tab.e[idx];
	uint32_t ref = idx << 1 | side, mask = flow_tab.mask;
	uint32_t *tab = flow_tab.tab;
	uint32_t i = e->hash[side] & mask, j;

	while (tab[i] != ref) {
		ASSERT(tab[i] != FLOW_REF_EMPTY);
		i = (i + 1) & mask;
	}

	/* Backward shift: pull up any later member of the cluster whose home
	 * slot is not in (i, j], i.e. whose probe sequence passes through the
	 * hole at i, so that lookups never need to step over a gap
	 */
	for (j = (i + 1) & mask; tab[j] != FLOW_REF_EMPTY;
	     j = (j + 1) & mask) {
		uint32_t home = flow_ref_home(tab[j]);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			tab[i] = tab[j];
			i = j;
		}
	}
	tab[i] = FLOW_REF_EMPTY;

	e->hashed &= (uint8_t)~(1U << side);
	flow_tab.refs--;
}

/**
 * flow_table_init() - Allocate the flow table and its hash index
 * @max:	Capacity in flows, 1 to FLOW_MAX_LIMIT
 *
 * Called again, it replaces the old table (all flows are forgotten); if it
 * fails, the old table is left as it was.
 *
 * Return: 0, -EINVAL for a bad @max, -ENOMEM, or -errno from getrandom()
 */
int flow_table_init(unsigned int max)
{
	struct flow_entry *e;
	uint8_t key[16];
	size_t slots, got;
	uint32_t *tab;
	unsigned int i;

	if (max < 1 || max > FLOW_MAX_LIMIT)
		return -EINVAL;

	for (got = 0; got < sizeof(key); ) {
		ssize_t r = getrandom(key + got, sizeof(key) - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}

	/* Two sides per flow, and at most half of the slots in use */
	slots = 1;
	while (slots < 4 * (size_t)max)
		slots <<= 1;

	e = calloc(max, sizeof(*e));
	tab = calloc(slots, sizeof(*tab));
	if (!e || !tab) {
		free(e);
		free(tab);
		return -ENOMEM;
	}
	memset(tab, 0xff, slots * sizeof(*tab));	/* FLOW_REF_EMPTY */

	/* Hand out low indices first: they make for readable logs */
	for (i = 0; i < max; i++)
		e[i].next_free = i + 1 < max ? i + 1 : FLOW_IDX_NONE;

	flow_table_fini();

	flow_tab.e = e;
	flow_tab.tab = tab;
	flow_tab.mask = (uint32_t)(slots - 1);
	flow_tab.cap = max;
	flow_tab.used = 0;
	flow_tab.refs = 0;
	flow_tab.free_head = 0;
	flow_tab.k0 = flow_le64(key);
	flow_tab.k1 = flow_le64(key + 8);

	return 0;
}

/**
 * flow_table_fini() - Free the flow table; its capacity is 0 afterwards
 */
void flow_table_fini(void)
{
	free(flow_tab.e);
	free(flow_tab.tab);
	memset(&flow_tab, 0, sizeof(flow_tab));
	flow_tab.free_head = FLOW_IDX_NONE;
}

/**
 * flow_alloc() - Take a free flow for a module
 * @owner:	Module index, not FLOW_OWNER_NONE
 * @proto:	IP protocol of the flow
 * @type:	Module's own tag
 *
 * Return: index of the zeroed flow, with @proto and @type set; -EINVAL for
 *	   FLOW_OWNER_NONE, -ENOSPC if the table is full
 */
int flow_alloc(uint8_t owner, uint8_t proto, uint8_t type)
{
	struct flow_entry *e;
	uint32_t idx;

	if (owner == FLOW_OWNER_NONE)
		return -EINVAL;
	if (flow_tab.free_head == FLOW_IDX_NONE)
		return -ENOSPC;

	idx = flow_tab.free_head;
	e = &flow_tab.e[idx];
	ASSERT(e->owner == FLOW_OWNER_NONE);
	flow_tab.free_head = e->next_free;

	memset(e, 0, sizeof(*e));
	e->owner = owner;
	e->next_free = FLOW_IDX_NONE;
	e->f.proto = proto;
	e->f.type = type;
	flow_tab.used++;

	return (int)idx;
}

/**
 * flow_get() - A module's flow by index
 * @idx:	Flow index, may be out of range (it can come from a cookie)
 * @owner:	Module index asking
 *
 * Return: the flow, or NULL if @idx is out of range or not @owner's
 */
struct passt_flow *flow_get(unsigned int idx, uint8_t owner)
{
	if (owner == FLOW_OWNER_NONE || idx >= flow_tab.cap ||
	    flow_tab.e[idx].owner != owner)
		return NULL;
	return &flow_tab.e[idx].f;
}

/**
 * flow_owner() - Module owning a flow
 * @idx:	Flow index
 *
 * Return: module index, or -ENOENT if @idx is out of range or free
 */
int flow_owner(unsigned int idx)
{
	if (idx >= flow_tab.cap || flow_tab.e[idx].owner == FLOW_OWNER_NONE)
		return -ENOENT;
	return flow_tab.e[idx].owner;
}

/**
 * flow_hash_side() - Make one side of a flow findable by its tuple
 * @idx:	Flow index
 * @side:	Side, 0 (PASST_INISIDE) or 1 (PASST_TGTSIDE), already filled
 *
 * The tuple must not change while the side is hashed: release the flow or
 * make a new one instead.
 *
 * Return: 0, -EINVAL for a bad @idx or @side or a free flow, -EEXIST if
 *	   this side is already hashed or another side has the same tuple
 */
int flow_hash_side(unsigned int idx, unsigned int side)
{
	uint32_t mask = flow_tab.mask, h, i, n;
	const struct passt_flowside *s;
	struct flow_entry *e;

	if (idx >= flow_tab.cap || side > 1 ||
	    flow_tab.e[idx].owner == FLOW_OWNER_NONE)
		return -EINVAL;

	e = &flow_tab.e[idx];
	if (e->hashed & (1U << side))
		return -EEXIST;

	/* Two sides per flow, so at most half of the slots are in use, and a
	 * reference left behind by a released flow would show up here
	 */
	ASSERT(flow_tab.refs < 2 * flow_tab.cap);

	s = &e->f.side[side];
	h = flow_side_hash(e, side);
	for (i = h & mask, n = 0; flow_tab.tab[i] != FLOW_REF_EMPTY;
	     i = (i + 1) & mask) {
		ASSERT(++n <= mask);
		if (flow_ref_matches(flow_tab.tab[i], h, e->f.proto, s->pif,
				     &s->eaddr, s->eport,
				     &s->oaddr, s->oport))
			return -EEXIST;
	}

	flow_tab.tab[i] = idx << 1 | side;
	e->hash[side] = h;
	e->hashed |= (uint8_t)(1U << side);
	flow_tab.refs++;

	return 0;
}

/**
 * flow_lookup() - Find a module's flow from one side's tuple
 * @owner:	Module index asking
 * @pif:	Interface the packet came from
 * @proto:	IP protocol
 * @eaddr:	Endpoint address
 * @eport:	Endpoint port
 * @oaddr:	Our address
 * @oport:	Our port
 * @side:	Set to the side that matched, if not NULL
 *
 * Return: flow index, or -ENOENT if no hashed side has this tuple or its
 *	   flow is not @owner's; -EINVAL if an address is NULL
 */
int flow_lookup(uint8_t owner, uint8_t pif, uint8_t proto,
		const union passt_inany *eaddr, uint16_t eport,
		const union passt_inany *oaddr, uint16_t oport,
		unsigned int *side)
{
	uint32_t mask = flow_tab.mask, h, i, ref, n = 0;

	if (!eaddr || !oaddr)
		return -EINVAL;
	if (owner == FLOW_OWNER_NONE || !flow_tab.tab)
		return -ENOENT;

	h = flow_key_hash(proto, pif, eaddr, eport, oaddr, oport);
	for (i = h & mask; (ref = flow_tab.tab[i]) != FLOW_REF_EMPTY;
	     i = (i + 1) & mask) {
		ASSERT(++n <= mask);	/* an empty slot ends every probe */
		if (!flow_ref_matches(ref, h, proto, pif,
				      eaddr, eport, oaddr, oport))
			continue;

		/* Tuples are unique across owners: no other can match */
		if (flow_tab.e[ref >> 1].owner != owner)
			return -ENOENT;
		if (side)
			*side = ref & 1;
		return (int)(ref >> 1);
	}

	return -ENOENT;
}

/**
 * flow_release() - Unhash a flow and put it back on the free list
 * @idx:	Flow index; out of range or free entries are ignored
 */
void flow_release(unsigned int idx)
{
	struct flow_entry *e;
	unsigned int side;

	if (idx >= flow_tab.cap || flow_tab.e[idx].owner == FLOW_OWNER_NONE)
		return;

	e = &flow_tab.e[idx];
	for (side = 0; side < 2; side++)
		if (e->hashed & (1U << side))
			flow_unhash(idx, side);

	e->owner = FLOW_OWNER_NONE;
	e->next_free = flow_tab.free_head;
	flow_tab.free_head = idx;
	flow_tab.used--;
}

/**
 * flow_release_owner() - Release every flow of a module
 * @owner:	Module index; FLOW_OWNER_NONE does nothing
 */
void flow_release_owner(uint8_t owner)
{
	unsigned int i;

	if (owner == FLOW_OWNER_NONE)
		return;

	for (i = 0; i < flow_tab.cap; i++)
		if (flow_tab.e[i].owner == owner)
			flow_release(i);
}

/**
 * flow_capacity() - Size of the flow table
 *
 * Return: capacity in flows, 0 before flow_table_init()
 */
unsigned int flow_capacity(void)
{
	return flow_tab.cap;
}

/**
 * flow_count() - Flows in use
 *
 * Return: count
 */
unsigned int flow_count(void)
{
	return flow_tab.used;
}
