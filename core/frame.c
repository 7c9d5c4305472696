// SPDX-License-Identifier: GPL-2.0-or-later
/* frame.c - Guest frames: checks, claims and dispatch in, queue out
 *
 * Guest to core: a backend hands over a batch of raw Ethernet frames. Each
 * one is checked once here (Ethernet, then the IPv4 header or the IPv6 header
 * and its extension headers) so that modules can trust the offsets and
 * lengths in struct passt_frame; what fails is dropped with a trace line.
 * Valid frames teach us the guest's MAC and addresses, ARP requests nobody
 * claimed are answered on the spot, and the rest are sorted by the module
 * that claimed them and handed over with one call per module per round.
 *
 * Claims are looked up through small direct tables for IPv4 and IPv6 (one
 * slot per IP protocol) and, for port or ICMP type claims, a short list per
 * protocol; other EtherTypes are rare and searched linearly. The tables are
 * rebuilt on every change, which only happens at start-up.
 *
 * Core to guest: frames for the guest are built in one contiguous buffer
 * allocated at start-up, indexed by an iovec array, and flushed to the
 * backend's send() in one batch (at the end of a loop turn, or earlier when
 * the buffer fills up). Frames the backend does not take are dropped: the
 * protocols above recover, and holding them would only add latency.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "csum.h"
#include "frame.h"
#include "log.h"
#include "pcap.h"
#include "util.h"

#define FRAME_ETHERTYPE_VLAN	0x8100	/* 802.1Q */
#define FRAME_ETHERTYPE_QINQ	0x88a8	/* 802.1ad */
#define FRAME_ETHERTYPE_VLAN_OLD 0x9100	/* pre-standard QinQ */

#define FRAME_IP4_HLEN		20
#define FRAME_IP6_HLEN		40
#define FRAME_IP6_EXT_MAX	8	/* extension headers we walk, at most */
#define FRAME_ARP_LEN		28	/* Ethernet/IPv4 ARP body */
#define FRAME_ETH_MIN		60	/* minimum frame without FCS */
#define FRAME_TXQ_ALIGN		8

static_assert(FRAME_OWNERS_MAX <= 256, "owners fit in a byte");
static_assert(FRAME_CLAIMS_MAX <= 65535, "claim indices fit in 16 bits");
static_assert(FRAME_LEN_MAX <= 65535 + 100, "offsets fit in 16 bits");

/**
 * struct frame_claim_rec - One registered claim
 * @c:		The claim, as the module declared it
 * @owner:	Module index that made it
 */
struct frame_claim_rec {
	struct passt_claim c;
	uint8_t owner;
};

/**
 * struct frame_port_rec - A port (or ICMP type) claim in the lookup tables
 * @l4dst:	Destination port or ICMP type
 * @owner:	Module index
 */
struct frame_port_rec {
	uint16_t l4dst;
	uint8_t owner;
};

/**
 * struct frame_other_rec - A claim on an EtherType other than IPv4 or IPv6
 * @ethertype:	EtherType, host order
 * @owner:	Module index
 */
struct frame_other_rec {
	uint16_t ethertype;
	uint8_t owner;
};

/* Claims as registered, kept to find conflicts and rebuild the tables */
static struct frame_claim_rec frame_claims[FRAME_CLAIMS_MAX];
static size_t frame_claims_n;

/* Lookup tables: index 0 is IPv4, 1 is IPv6; an owner of 0 means none */
static uint8_t frame_ip_any[2];			/* (ethertype, 0, 0) */
static uint8_t frame_ip_proto[2][256];		/* (ethertype, proto, 0) */
static uint16_t frame_ip_port_first[2][256];	/* into frame_ports */
static uint16_t frame_ip_port_n[2][256];
static struct frame_port_rec frame_ports[FRAME_CLAIMS_MAX];
static struct frame_other_rec frame_other[FRAME_CLAIMS_MAX];
static size_t frame_other_n;

/* One round of frame_from_guest(): parsed frames, then sorted by owner */
static struct passt_frame frame_batch[FRAME_BATCH_MAX];
static uint8_t frame_batch_owner[FRAME_BATCH_MAX];
static struct passt_frame frame_sorted[FRAME_BATCH_MAX];
static bool frame_dispatching;

/**
 * struct frame_txq - Queue of frames towards the guest
 * @buf:	Frame buffer, allocated at start-up
 * @size:	Size of @buf
 * @used:	Bytes of @buf taken by committed frames, aligned
 * @iov:	One entry per queued frame
 * @iov_max:	Entries in @iov
 * @count:	Frames queued
 * @alloc_off:	Offset of the frame handed out by the last alloc
 * @alloc_len:	Its length, 0 if there is none to commit
 * @res_off:	Offset of the first slot of the last reservation
 * @res_slot:	Stride of its slots (length rounded up to the alignment)
 * @res_len:	Length each slot may hold
 * @res_n:	Slots reserved, 0 if there is no reservation to commit
 * @send:	Backend's sender, or NULL
 * @opaque:	Sender's pointer
 * @dropped:	Frames the sender did not take, since start
 * @rl_tokens:	Rate limit for the line about drops
 * @rl_sec:	Rate limit for the line about drops
 * @window:	Bytes of frames the backend can take beyond what it holds,
 *		SIZE_MAX if it never pushes back (see frame_txq_window())
 * @want:	Room somebody waits for, 0 if nobody does
 * @flushing:	In the sender: @used still counts what it is taking
 * @wake:	Called once the room waited for is there
 */
static struct frame_txq {
	uint8_t *buf;
	size_t size;
	size_t used;
	struct iovec *iov;
	unsigned int iov_max;
	unsigned int count;
	size_t alloc_off;
	size_t alloc_len;
	size_t res_off;
	size_t res_slot;
	size_t res_len;
	size_t res_n;
	frame_send_fn send;
	void *opaque;
	unsigned long long dropped;
	unsigned int rl_tokens;
	long long rl_sec;
	size_t window;
	size_t want;
	bool flushing;
	void (*wake)(void);
} frame_txq = { .window = SIZE_MAX };

/**
 * frame_be16() - Read a 16-bit big-endian value
 * @p:		First byte
 *
 * Return: value in host order
 */
static inline uint16_t frame_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/**
 * frame_ip_family() - Table index of an IP EtherType
 * @ethertype:	EtherType, host order
 *
 * Return: 0 for IPv4, 1 for IPv6, -1 otherwise
 */
static inline int frame_ip_family(uint16_t ethertype)
{
	if (ethertype == PASST_ETHERTYPE_IP)
		return 0;
	if (ethertype == PASST_ETHERTYPE_IPV6)
		return 1;
	return -1;
}

/**
 * frame_parse_ip4() - Check an IPv4 header and fill in the L4 fields
 * @f:		Frame, with its L3 offset set
 *
 * Return: 0, or -EINVAL to drop it
 */
static int frame_parse_ip4(struct passt_frame *f)
{
	const uint8_t *ip = passt_frame_at(f, f->l3off, FRAME_IP4_HLEN);
	size_t hlen, tot;

	if (!ip || ip[0] >> 4 != 4)
		return -EINVAL;

	hlen = (size_t)(ip[0] & 0x0f) * 4;
	if (hlen < FRAME_IP4_HLEN || !passt_frame_at(f, f->l3off, hlen))
		return -EINVAL;

	tot = frame_be16(ip + 2);
	if (tot < hlen || tot > f->len - f->l3off)
		return -EINVAL;

	/* A correct header sums to all ones, which csum() turns into 0 */
	if (csum(ip, hlen, 0))
		return -EINVAL;

	f->len = f->l3off + tot;		/* Ethernet padding goes */
	f->l4proto = ip[9];

	/* MF or a fragment offset: no transport header we could use */
	if (frame_be16(ip + 6) & 0x3fff)
		return 0;

	f->l4off = (uint16_t)(f->l3off + hlen);
	f->l4len = (uint16_t)(tot - hlen);
	return 0;
}

/**
 * frame_v4mapped() - Whether an IPv6 address is IPv4-mapped (::ffff:0:0/96)
 * @a:		Address, 16 bytes
 *
 * Return: true if it is
 */
static bool frame_v4mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

/**
 * frame_parse_ip6() - Check an IPv6 header, walk its extension headers
 * @f:		Frame, with its L3 offset set
 *
 * Return: 0, or -EINVAL to drop it
 */
static int frame_parse_ip6(struct passt_frame *f)
{
	const uint8_t *ip = passt_frame_at(f, f->l3off, FRAME_IP6_HLEN);
	const uint8_t *h;
	unsigned int i;
	size_t plen, off;
	uint8_t nh;

	if (!ip || ip[0] >> 4 != 6)
		return -EINVAL;

	/* IPv4-mapped source or destination: never on a link (RFC 4291,
	 * 2.5.5.2; the kernel drops them too), and modules keep IPv4
	 * addresses in that very form: one such frame would make a flow of
	 * both versions
	 */
	if (frame_v4mapped(ip + 8) || frame_v4mapped(ip + 24))
		return -EINVAL;

	plen = frame_be16(ip + 4);
	if (plen > f->len - f->l3off - FRAME_IP6_HLEN)
		return -EINVAL;		/* jumbograms included: unsupported */

	f->len = f->l3off + FRAME_IP6_HLEN + plen;
	off = f->l3off + FRAME_IP6_HLEN;
	nh = ip[6];

	for (i = 0; ; i++) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
			if (i)		/* only right after the header */
				return -EINVAL;
			/* fall through */
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (i >= FRAME_IP6_EXT_MAX)
				return -EINVAL;
			h = passt_frame_at(f, off, 2);
			if (!h || !passt_frame_at(f, off, (h[1] + 1) * 8U))
				return -EINVAL;
			nh = h[0];
			off += (h[1] + 1) * 8U;
			break;
		case IPPROTO_FRAGMENT:
			h = passt_frame_at(f, off, 8);
			if (!h)
				return -EINVAL;
			f->l4proto = h[0];
			return 0;
		case IPPROTO_NONE:
			f->l4proto = IPPROTO_NONE;
			return 0;
		default:
			f->l4proto = nh;
			f->l4off = (uint16_t)off;
			f->l4len = (uint16_t)(f->len - off);
			return 0;
		}
	}
}

/**
 * frame_parse() - Check a guest frame, find its headers, trim its padding
 * @f:		Frame: @data and @len set, the rest is filled in
 *
 * Return: 0, or -EINVAL if the frame is malformed or unsupported (drop it)
 */
int frame_parse(struct passt_frame *f)
{
	const uint8_t *eth = passt_frame_at(f, 0, PASST_ETH_HLEN);

	f->l3off = PASST_ETH_HLEN;
	f->l4off = 0;
	f->l4len = 0;
	f->ethertype = 0;
	f->l4proto = 0;

	if (!eth || f->len > FRAME_LEN_MAX)
		return -EINVAL;

	f->ethertype = frame_be16(eth + 12);
	switch (f->ethertype) {
	case PASST_ETHERTYPE_IP:
		return frame_parse_ip4(f);
	case PASST_ETHERTYPE_IPV6:
		return frame_parse_ip6(f);
	case FRAME_ETHERTYPE_VLAN:
	case FRAME_ETHERTYPE_QINQ:
	case FRAME_ETHERTYPE_VLAN_OLD:
		return -EINVAL;		/* we are not a bridge: no VLANs */
	default:
		return 0;	/* ARP, or anything a module may claim */
	}
}

/**
 * frame_l4dst() - Destination port, or ICMP type, of a parsed frame
 * @f:		Frame, after frame_parse()
 *
 * Return: TCP or UDP destination port, ICMP (IPv4) or ICMPv6 (IPv6) type,
 *	   or -1 if the frame has none (or it is cut short)
 */
int frame_l4dst(const struct passt_frame *f)
{
	const uint8_t *p;

	if (!f->l4off)
		return -1;

	switch (f->l4proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		p = passt_frame_at(f, f->l4off, 4);
		return p ? frame_be16(p + 2) : -1;
	case IPPROTO_ICMP:
		if (f->ethertype != PASST_ETHERTYPE_IP)
			return -1;
		break;
	case IPPROTO_ICMPV6:
		if (f->ethertype != PASST_ETHERTYPE_IPV6)
			return -1;
		break;
	default:
		return -1;
	}

	p = passt_frame_at(f, f->l4off, 1);
	return p ? p[0] : -1;
}

/**
 * frame_claims_rebuild() - Rebuild the lookup tables from the claims
 */
static void frame_claims_rebuild(void)
{
	uint16_t fill[2][256] = { { 0 } };
	unsigned int fam, p, next = 0;
	size_t i;

	memset(frame_ip_any, 0, sizeof(frame_ip_any));
	memset(frame_ip_proto, 0, sizeof(frame_ip_proto));
	memset(frame_ip_port_n, 0, sizeof(frame_ip_port_n));
	frame_other_n = 0;

	for (i = 0; i < frame_claims_n; i++) {
		const struct frame_claim_rec *r = &frame_claims[i];
		int ipf = frame_ip_family(r->c.ethertype);

		if (ipf < 0) {
			frame_other[frame_other_n].ethertype = r->c.ethertype;
			frame_other[frame_other_n++].owner = r->owner;
		} else if (r->c.l4dst) {
			frame_ip_port_n[ipf][r->c.l4proto]++;
		} else if (r->c.l4proto) {
			frame_ip_proto[ipf][r->c.l4proto] = r->owner;
		} else {
			frame_ip_any[ipf] = r->owner;
		}
	}

	/* Port claims grouped by (family, protocol): a counting sort */
	for (fam = 0; fam < 2; fam++) {
		for (p = 0; p < 256; p++) {
			frame_ip_port_first[fam][p] = (uint16_t)next;
			next += frame_ip_port_n[fam][p];
		}
	}

	for (i = 0; i < frame_claims_n; i++) {
		const struct frame_claim_rec *r = &frame_claims[i];
		int ipf = frame_ip_family(r->c.ethertype);
		struct frame_port_rec *pr;

		if (ipf < 0 || !r->c.l4dst)
			continue;
		pr = &frame_ports[frame_ip_port_first[ipf][r->c.l4proto] +
				  fill[ipf][r->c.l4proto]++];
		pr->l4dst = r->c.l4dst;
		pr->owner = r->owner;
	}
}

/**
 * frame_claims_reset() - Forget every claim
 */
void frame_claims_reset(void)
{
	frame_claims_n = 0;
	frame_claims_rebuild();
}

/**
 * frame_claim_valid() - Whether a claim could ever match a frame
 * @c:		Claim
 *
 * Return: true if it makes sense
 */
static bool frame_claim_valid(const struct passt_claim *c)
{
	int ipf = frame_ip_family(c->ethertype);

	if (!c->ethertype)
		return false;
	if (ipf < 0)		/* only IP frames have an L4 protocol */
		return !c->l4proto && !c->l4dst;
	if (!c->l4dst)
		return true;

	/* A port or type only exists where frame_l4dst() finds one */
	switch (c->l4proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return true;
	case IPPROTO_ICMP:
		return ipf == 0;
	case IPPROTO_ICMPV6:
		return ipf == 1;
	default:
		return false;
	}
}

/**
 * frame_claim_exists() - Whether a claim was made, exactly as given
 * @c:		Claim
 *
 * Return: true if some owner registered (ethertype, l4proto, l4dst)
 */
bool frame_claim_exists(const struct passt_claim *c)
{
	size_t i;

	for (i = 0; c && i < frame_claims_n; i++) {
		const struct passt_claim *r = &frame_claims[i].c;

		if (r->ethertype == c->ethertype &&
		    r->l4proto == c->l4proto && r->l4dst == c->l4dst)
			return true;
	}
	return false;
}

/**
 * frame_claim_add() - Register a module's claim on guest frames
 * @owner:	Module index, 1 to FRAME_OWNERS_MAX - 1
 * @c:		Claim
 * @conflict:	Set to the earlier owner of an identical claim, may be NULL
 *
 * Return: 0, -EEXIST if the identical claim is already registered, -ENOSPC
 *	   if the table is full, -EINVAL for a bad owner or a claim that
 *	   cannot match anything (an l4dst without l4proto, or for a protocol
 *	   without ports or types, an l4proto on a non-IP EtherType)
 */
int frame_claim_add(unsigned int owner, const struct passt_claim *c,
		    unsigned int *conflict)
{
	struct frame_claim_rec *r;
	size_t i;

	if (!owner || owner >= FRAME_OWNERS_MAX || !c || !frame_claim_valid(c))
		return -EINVAL;

	for (i = 0; i < frame_claims_n; i++) {
		r = &frame_claims[i];
		if (r->c.ethertype == c->ethertype &&
		    r->c.l4proto == c->l4proto && r->c.l4dst == c->l4dst) {
			if (conflict)
				*conflict = r->owner;
			return -EEXIST;
		}
	}

	if (frame_claims_n >= FRAME_CLAIMS_MAX)
		return -ENOSPC;

	r = &frame_claims[frame_claims_n++];
	r->c.ethertype = c->ethertype;
	r->c.l4proto = c->l4proto;
	r->c.l4dst = c->l4dst;
	r->owner = (uint8_t)owner;
	frame_claims_rebuild();
	return 0;
}

/**
 * frame_claim_owner() - Module that takes a parsed frame
 * @f:		Frame, after frame_parse()
 *
 * Return: owner of the most specific matching claim, or -1 if none
 */
int frame_claim_owner(const struct passt_frame *f)
{
	int ipf = frame_ip_family(f->ethertype);
	size_t i;

	if (ipf < 0) {
		for (i = 0; i < frame_other_n; i++)
			if (frame_other[i].ethertype == f->ethertype)
				return frame_other[i].owner;
		return -1;
	}

	/* Fragments (and no-next-header) have no port: l4off stays 0 */
	if (f->l4off && frame_ip_port_n[ipf][f->l4proto]) {
		size_t first = frame_ip_port_first[ipf][f->l4proto];
		size_t end = first + frame_ip_port_n[ipf][f->l4proto];
		int dst = frame_l4dst(f);

		for (i = first; dst > 0 && i < end; i++)
			if (frame_ports[i].l4dst == dst)
				return frame_ports[i].owner;
	}

	if (frame_ip_proto[ipf][f->l4proto])
		return frame_ip_proto[ipf][f->l4proto];
	if (frame_ip_any[ipf])
		return frame_ip_any[ipf];
	return -1;
}

/**
 * frame_learn() - Note the guest's MAC and addresses from a valid frame
 * @f:		Frame, after frame_parse()
 * @net:	Network settings to update
 */
static void frame_learn(const struct passt_frame *f, struct passt_netcfg *net)
{
	static const uint8_t zero_mac[PASST_ETH_ALEN];
	const uint8_t *src = f->data + PASST_ETH_ALEN;
	const uint8_t *ip;

	/* Group addresses as source are bogus, and so is all-zeroes */
	if (!(src[0] & 1) && memcmp(src, zero_mac, PASST_ETH_ALEN) &&
	    memcmp(net->guest_mac, src, PASST_ETH_ALEN))
		memcpy(net->guest_mac, src, PASST_ETH_ALEN);

	if (f->ethertype == PASST_ETHERTYPE_IP) {
		ip = passt_frame_at(f, f->l3off, FRAME_IP4_HLEN);
		/* 0.0.0.0 is a DHCP client; multicast can't be a source */
		if (ip && (ip[12] || ip[13] || ip[14] || ip[15]) &&
		    ip[12] < 224)
			memcpy(&net->ip4.addr_seen, ip + 12, 4);
	} else if (f->ethertype == PASST_ETHERTYPE_IPV6) {
		static const uint8_t any6[16], lo6[16] = { [15] = 1 };

		/* Byte checks: the address needn't be aligned in the frame */
		ip = passt_frame_at(f, f->l3off, FRAME_IP6_HLEN);
		if (!ip)
			return;
		if (ip[8] == 0xfe && (ip[9] & 0xc0) == 0x80)	/* fe80::/10 */
			memcpy(&net->ip6.addr_ll_seen, ip + 8, 16);
		else if (ip[8] != 0xff && memcmp(ip + 8, any6, 16) &&
			 memcmp(ip + 8, lo6, 16))
			memcpy(&net->ip6.addr_seen, ip + 8, 16);
	}
}

/**
 * frame_answer_arp() - Answer an unclaimed ARP request into the tx queue
 * @f:		ARP frame, after frame_parse()
 * @net:	Network settings
 *
 * Return: true if a reply was queued
 */
static bool frame_answer_arp(const struct passt_frame *f,
			     const struct passt_netcfg *net)
{
	uint8_t reply[FRAME_ETH_MIN];
	struct iovec iov;

	iov.iov_base = reply;
	iov.iov_len = arp_reply(f, net, reply, sizeof(reply));
	if (!iov.iov_len) {
		trace("ARP: not a request we answer");
		return false;
	}

	if (frame_txq_copy(&iov, 1)) {
		trace("ARP: no room in the queue for a reply");
		return false;
	}
	return true;
}

/**
 * frame_dispatch() - Hand one round of parsed frames to their owners
 * @n:		Frames in frame_batch
 * @owners:	Bitmap of owners present
 * @deliver:	Called once per owner
 * @opaque:	Passed to @deliver
 */
static void frame_dispatch(size_t n, const uint64_t owners,
			   frame_deliver_fn deliver, void *opaque)
{
	size_t count[FRAME_OWNERS_MAX] = { 0 }, start[FRAME_OWNERS_MAX];
	size_t i, pos = 0;
	unsigned int o;

	static_assert(FRAME_OWNERS_MAX <= 64, "owners fit a 64-bit bitmap");

	if (!n)
		return;

	/* The common case, one module for the whole batch: no copy */
	if (!(owners & (owners - 1))) {
		deliver(opaque, frame_batch_owner[0], frame_batch, n);
		return;
	}

	for (i = 0; i < n; i++)
		count[frame_batch_owner[i]]++;
	for (o = 0; o < FRAME_OWNERS_MAX; o++) {
		start[o] = pos;
		pos += count[o];
	}
	/* Stable: arrival order is kept within an owner */
	for (i = 0; i < n; i++)
		frame_sorted[start[frame_batch_owner[i]]++] = frame_batch[i];

	for (o = 0, pos = 0; o < FRAME_OWNERS_MAX; o++) {
		if (!count[o])
			continue;
		deliver(opaque, o, frame_sorted + pos, count[o]);
		pos += count[o];
	}
}

/**
 * frame_owner_in() - Check one guest frame, learn from it, find its owner
 * @f:		Frame: @data and @len set, the rest is filled in
 * @net:	Network settings, updated with what the frame teaches
 * @answered:	Incremented if the frame was an ARP request we answered
 *
 * Return: owner (module index), or -1 if the frame goes no further
 */
static int frame_owner_in(struct passt_frame *f, struct passt_netcfg *net,
			  size_t *answered)
{
	int owner;

	if (frame_parse(f)) {
		trace("guest frame of %zu bytes: malformed, dropped", f->len);
		return -1;
	}

	frame_learn(f, net);

	owner = frame_claim_owner(f);
	if (owner < 0 && f->ethertype == PASST_ETHERTYPE_ARP)
		*answered += frame_answer_arp(f, net);
	else if (owner < 0)
		trace("guest frame: EtherType 0x%04x, protocol %u: unclaimed",
		      f->ethertype, f->l4proto);
	return owner;
}

/**
 * frame_from_guest() - Check, learn from, answer and dispatch guest frames
 * @in:		Frames (only @data and @len are read)
 * @n:		Number of frames
 * @net:	Network settings: guest MAC and seen addresses are updated
 * @deliver:	Called with each owner's frames, once per owner per round of
 *		at most FRAME_BATCH_MAX frames
 * @opaque:	Passed to @deliver
 *
 * Return: number of frames delivered to modules or answered (ARP)
 */
size_t frame_from_guest(const struct passt_frame *in, size_t n,
			struct passt_netcfg *net, frame_deliver_fn deliver,
			void *opaque)
{
	size_t done = 0, i = 0;

	/* The round arrays are static: a module must not feed frames back */
	ASSERT(!frame_dispatching);
	frame_dispatching = true;

	while (i < n) {
		size_t batch = 0, end = i + MIN(n - i, FRAME_BATCH_MAX);
		uint64_t owners = 0;

		for (; i < end; i++) {
			struct passt_frame *f = &frame_batch[batch];
			int owner;

			f->data = in[i].data;
			f->len = in[i].len;
			f->flags = in[i].flags;
			owner = frame_owner_in(f, net, &done);
			if (owner < 0)
				continue;

			frame_batch_owner[batch++] = (uint8_t)owner;
			owners |= 1ULL << owner;
		}

		frame_dispatch(batch, owners, deliver, opaque);
		done += batch;
	}

	frame_dispatching = false;
	return done;
}

/**
 * arp_reply() - Build the reply to a guest's ARP request
 * @f:		ARP frame from the guest
 * @net:	Network settings: our MAC, the guest's address
 * @out:	Buffer for the reply frame
 * @outlen:	Size of @out: at least 42 bytes, 60 to get a padded frame
 *
 * We answer for every address but the guest's own (it probes that one to
 * detect duplicates), as all traffic leaves the guest's link through us.
 *
 * Return: length of the reply in @out, or 0 if there is nothing to answer
 */
size_t arp_reply(const struct passt_frame *f, const struct passt_netcfg *net,
		 uint8_t *out, size_t outlen)
{
	static const uint8_t any4[4];
	const uint8_t *eth = passt_frame_at(f, 0, PASST_ETH_HLEN);
	const uint8_t *arp = passt_frame_at(f, PASST_ETH_HLEN, FRAME_ARP_LEN);
	const uint8_t *sha, *spa, *tpa;
	uint8_t *r;
	size_t len;

	/* With IPv4 off, the guest has nobody to resolve through us */
	if (!net->ip4.enable)
		return 0;
	if (!eth || !arp || frame_be16(eth + 12) != PASST_ETHERTYPE_ARP)
		return 0;

	if (frame_be16(arp) != 1 ||			/* Ethernet */
	    frame_be16(arp + 2) != PASST_ETHERTYPE_IP ||
	    arp[4] != PASST_ETH_ALEN || arp[5] != 4 ||
	    frame_be16(arp + 6) != 1)			/* request */
		return 0;

	sha = arp + 8;
	spa = arp + 14;
	tpa = arp + 24;

	if (sha[0] & 1)		/* a group address can't ask anything */
		return 0;
	/* Probes (RFC 5227) and announcements: not questions for us */
	if (!memcmp(spa, any4, 4) || !memcmp(tpa, spa, 4))
		return 0;
	if (!memcmp(tpa, any4, 4) || tpa[0] >= 224 ||
	    !memcmp(tpa, &net->ip4.addr, 4))
		return 0;

	if (!out || outlen < PASST_ETH_HLEN + FRAME_ARP_LEN)
		return 0;
	len = outlen >= FRAME_ETH_MIN ? FRAME_ETH_MIN :
					PASST_ETH_HLEN + FRAME_ARP_LEN;
	memset(out, 0, len);

	memcpy(out, sha, PASST_ETH_ALEN);
	memcpy(out + PASST_ETH_ALEN, net->our_mac, PASST_ETH_ALEN);
	out[12] = PASST_ETHERTYPE_ARP >> 8;
	out[13] = PASST_ETHERTYPE_ARP & 0xff;

	r = out + PASST_ETH_HLEN;
	memcpy(r, arp, 6);			/* htype, ptype, hlen, plen */
	r[6] = 0;
	r[7] = 2;				/* reply */
	memcpy(r + 8, net->our_mac, PASST_ETH_ALEN);
	memcpy(r + 14, tpa, 4);
	memcpy(r + 18, sha, PASST_ETH_ALEN);
	memcpy(r + 24, spa, 4);

	return len;
}

/**
 * frame_txq_init() - Allocate the queue towards the guest
 * @bytes:	Buffer size
 * @frames:	Maximum number of queued frames
 *
 * Return: 0, -EINVAL for a zero size, -ENOMEM
 */
int frame_txq_init(size_t bytes, unsigned int frames)
{
	if (!bytes || !frames)
		return -EINVAL;

	frame_txq_fini();

	frame_txq.buf = aligned_alloc(64, ROUND_UP(bytes, 64));
	frame_txq.iov = calloc(frames, sizeof(*frame_txq.iov));
	if (!frame_txq.buf || !frame_txq.iov) {
		frame_txq_fini();
		return -ENOMEM;
	}

	frame_txq.size = bytes;
	frame_txq.iov_max = frames;
	return 0;
}

/**
 * frame_txq_fini() - Free the queue (queued frames are dropped)
 *
 * #syscalls munmap
 */
void frame_txq_fini(void)
{
	free(frame_txq.buf);
	free(frame_txq.iov);
	frame_txq.buf = NULL;
	frame_txq.iov = NULL;
	frame_txq.size = frame_txq.used = 0;
	frame_txq.iov_max = frame_txq.count = 0;
	frame_txq.alloc_off = frame_txq.alloc_len = 0;
	frame_txq.window = SIZE_MAX;
	frame_txq.want = 0;
}

/**
 * frame_txq_alloc() - Room for one frame in the queue
 * @len:	Bytes wanted
 *
 * The buffer stays valid until frame_txq_commit() or the next
 * frame_txq_alloc(); it is flushed first if it is full.
 *
 * Return: pointer to @len contiguous bytes, 8-byte aligned, or NULL if @len
 *	   is 0 or larger than the whole queue, or there is no queue
 */
void *frame_txq_alloc(size_t len)
{
	struct frame_txq *q = &frame_txq;

	q->alloc_len = 0;		/* an earlier allocation is abandoned */
	q->res_n = 0;			/* and so is a reservation */
	if (!q->buf || !len || len > q->size)
		return NULL;

	if (len > q->size - q->used || q->count >= q->iov_max) {
		frame_txq_flush();
		/* Empty now, and @len fits in an empty queue */
		ASSERT(!q->used && !q->count);
	}

	q->alloc_off = q->used;
	q->alloc_len = len;
	return q->buf + q->alloc_off;
}

/**
 * frame_txq_commit() - Queue the frame from the last frame_txq_alloc()
 * @len:	Its final length, at most what was allocated
 *
 * Return: 0, or -EINVAL if nothing was allocated or @len is 0 or too long
 */
int frame_txq_commit(size_t len)
{
	struct frame_txq *q = &frame_txq;

	if (!q->alloc_len || !len || len > q->alloc_len ||
	    q->count >= q->iov_max)
		return -EINVAL;

	q->iov[q->count].iov_base = q->buf + q->alloc_off;
	q->iov[q->count].iov_len = len;
	q->count++;

	q->used = MIN(ROUND_UP(q->alloc_off + len, FRAME_TXQ_ALIGN), q->size);
	q->alloc_len = 0;
	return 0;
}

/**
 * frame_txq_reserve() - Room for several frames at once, in one batch
 * @n:		Frames wanted
 * @len:	Largest length of each
 * @bufs:	Set to the start of each slot reserved
 *
 * A protocol can then fill many frames with one system call (a recvmsg()
 * scattering into them) and queue them with frame_txq_commit_n(), without
 * a copy. The slots stay valid until frame_txq_commit_n(), the next
 * reservation or allocation, or a flush.
 *
 * Return: number of slots reserved, at most @n; 0 if @len can never fit
 */
size_t frame_txq_reserve(size_t n, size_t len, uint8_t **bufs)
{
	struct frame_txq *q = &frame_txq;
	size_t slot, room, i;

	q->alloc_len = 0;
	q->res_n = 0;
	if (!q->buf || !n || !len || len > q->size)
		return 0;

	slot = ROUND_UP(len, FRAME_TXQ_ALIGN);
	room = (q->size - q->used) / slot;
	if (room < n || q->iov_max - q->count < n) {
		frame_txq_flush();
		room = (q->size - q->used) / slot;
	}
	n = MIN(n, MIN(room, (size_t)(q->iov_max - q->count)));
	if (!n && q->size - q->used >= len && q->count < q->iov_max)
		n = 1;			/* the last slot may be short of @slot */

	for (i = 0; i < n; i++)
		bufs[i] = q->buf + q->used + i * slot;
	q->res_off = q->used;
	q->res_slot = slot;
	q->res_len = len;
	q->res_n = n;
	return n;
}

/**
 * frame_txq_commit_n() - Queue the first frames of the last reservation
 * @n:		Frames to queue, at most the number reserved (the rest are
 *		released)
 * @lens:	Length of each, at most what was reserved; 0 skips a slot
 *
 * Return: 0, or -EINVAL if @n or a length exceeds the reservation
 */
int frame_txq_commit_n(size_t n, const size_t *lens)
{
	struct frame_txq *q = &frame_txq;
	size_t i, end = q->res_off;

	if (n > q->res_n)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (lens[i] > q->res_len)
			return -EINVAL;

	for (i = 0; i < n; i++) {
		size_t off = q->res_off + i * q->res_slot;

		if (!lens[i])
			continue;
		q->iov[q->count].iov_base = q->buf + off;
		q->iov[q->count].iov_len = lens[i];
		q->count++;
		end = off + lens[i];
	}
	if (end > q->res_off)
		q->used = MIN(ROUND_UP(end, FRAME_TXQ_ALIGN), q->size);
	q->res_n = 0;
	return 0;
}

/**
 * frame_txq_copy() - Queue one frame gathered from an iovec array
 * @iov:	Pieces of the frame
 * @n:		Number of pieces
 *
 * Return: 0, -EINVAL for an empty frame, -EMSGSIZE if it can never fit,
 *	   -ENOBUFS if there is no room
 */
int frame_txq_copy(const struct iovec *iov, size_t n)
{
	size_t i, len = 0, off = 0;
	uint8_t *p;

	for (i = 0; i < n; i++) {
		if (iov[i].iov_len > FRAME_LEN_MAX - len)
			return -EMSGSIZE;
		len += iov[i].iov_len;
	}
	if (!len)
		return -EINVAL;
	if (len > frame_txq.size)
		return -EMSGSIZE;

	p = frame_txq_alloc(len);
	if (!p)
		return -ENOBUFS;

	for (i = 0; i < n; i++) {
		if (!iov[i].iov_len)
			continue;
		memcpy(p + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}

	return frame_txq_commit(len);
}

/**
 * frame_txq_pending() - Frames waiting in the queue
 *
 * Return: number of committed frames not flushed yet
 */
unsigned int frame_txq_pending(void)
{
	return frame_txq.count;
}

/**
 * frame_txq_set_sender() - Set the backend's sender for flushes
 * @send:	Sender, NULL to drop frames on flush
 * @opaque:	Passed to @send
 */
void frame_txq_set_sender(frame_send_fn send, void *opaque)
{
	frame_txq.send = send;
	frame_txq.opaque = opaque;
}

/**
 * frame_txq_room() - Bytes of frames the backend can still take, counting
 *		      those queued and not handed over yet
 * @want:	Bytes the caller needs; with less room, frame_txq_set_waker()'s
 *		function is called once that much is there
 *
 * Return: bytes, SIZE_MAX if the backend never pushes back
 */
size_t frame_txq_room(size_t want)
{
	struct frame_txq *q = &frame_txq;
	size_t room;

	if (q->window == SIZE_MAX)
		return SIZE_MAX;
	room = q->window > q->used ? q->window - q->used : 0;
	if (room < want && want > q->want)
		q->want = want;
	return room;
}

/**
 * frame_txq_wake_check() - Call the waker if the room waited for is there
 */
static void frame_txq_wake_check(void)
{
	struct frame_txq *q = &frame_txq;

	if (!q->want || q->flushing)
		return;
	if (q->window != SIZE_MAX &&
	    (q->window <= q->used || q->window - q->used < q->want))
		return;
	q->want = 0;
	if (q->wake)
		q->wake();
}

/**
 * frame_txq_window() - The backend says how much more it can take
 * @bytes:	Bytes of frames beyond what it holds now, SIZE_MAX for no
 *		limit
 *
 * Called by the backend from its send() (frames queued here then are
 * about to be taken, and are not counted against it) or when it drained
 * some of what it held.
 */
void frame_txq_window(size_t bytes)
{
	frame_txq.window = bytes;
	frame_txq_wake_check();
}

/**
 * frame_txq_set_waker() - Set what frame_txq_room()'s waiters get called by
 * @wake:	Function, or NULL
 */
void frame_txq_set_waker(void (*wake)(void))
{
	frame_txq.wake = wake;
}

/**
 * frame_txq_hand_over() - Capture the queued frames, pass them to the sender
 * @q:		Queue, not empty
 *
 * Return: number of frames the sender took
 */
static size_t frame_txq_hand_over(const struct frame_txq *q)
{
	int rc;

	pcap_frames(q->iov, q->count);

	if (!q->send)
		return 0;
	rc = q->send(q->opaque, q->iov, q->count);
	return rc > 0 ? MIN((size_t)rc, q->count) : 0;
}

/**
 * frame_txq_flush() - Capture, then hand every queued frame to the sender
 *
 * Frames the sender does not take are dropped, and so is everything when
 * there is no sender (no guest connected yet).
 */
void frame_txq_flush(void)
{
	struct frame_txq *q = &frame_txq;
	size_t taken;

	q->flushing = true;
	taken = q->count ? frame_txq_hand_over(q) : 0;
	q->flushing = false;

	if (taken < q->count) {
		q->dropped += q->count - taken;
		if (log_ratelimit(&q->rl_tokens, &q->rl_sec))
			debug("tx queue: %zu of %u frames taken, %llu lost",
			      taken, q->count, q->dropped);
	}

	q->count = 0;
	/* A frame allocated but not committed yet stays where it is; a
	 * reservation is released (its slots were sized for the old space)
	 */
	q->used = q->alloc_len ? q->alloc_off : 0;
	q->res_n = 0;
	frame_txq_wake_check();
}
