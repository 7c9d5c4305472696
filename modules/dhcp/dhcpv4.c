// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcpv4.c - DHCPv4 server for the one guest (RFC 2131, RFC 2132)
 *
 * Parses a client's BOOTREQUEST, decides on an answer (OFFER, ACK, NAK or
 * none) and builds the BOOTREPLY in one frame of the core's queue. The
 * address, the lease and the option policy are explained in dhcp.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <passt/module.h>

#include "dhcp.h"

/* BOOTP message layout (RFC 2131, section 2) */
#define BOOTP_OP		0
#define BOOTP_HTYPE		1
#define BOOTP_HLEN		2
#define BOOTP_XID		4
#define BOOTP_FLAGS		10
#define BOOTP_CIADDR		12
#define BOOTP_YIADDR		16
#define BOOTP_GIADDR		24
#define BOOTP_CHADDR		28
#define BOOTP_CHADDR_LEN	16
#define BOOTP_COOKIE		236
#define BOOTP_OPTIONS		240	/* options start after the cookie */
#define BOOTP_MIN_LEN		300	/* RFC 1542, 3.3: relays may want it */

#define BOOTP_REQUEST		1
#define BOOTP_REPLY		2
#define BOOTP_HTYPE_ETHER	1
#define BOOTP_FLAG_BROADCAST	0x8000

#define DHCPV4_SERVER_PORT	67
#define DHCPV4_CLIENT_PORT	68

/* RFC 2131, 2: any client takes datagrams of 576 bytes, IP header included;
 * RFC 2132, 9.10: option 57 counts the same way
 */
#define DHCPV4_DGRAM_MIN	576
#define DHCPV4_IP_UDP_LEN	(PASST_IP4_HLEN + PASST_UDP_HLEN)
/* Room for our largest reply: fixed part and every option we know */
#define DHCPV4_REPLY_MAX	(BOOTP_OPTIONS + 1024 + \
				 DHCP_SEARCH_WIRE_MAX / 255 * 2 + 2 + \
				 DHCP_SEARCH_WIRE_MAX)

/* Options (RFC 2132, RFC 3397, RFC 3442) */
#define OPT_PAD			0
#define OPT_MASK		1
#define OPT_ROUTER		3
#define OPT_DNS			6
#define OPT_DOMAIN		15
#define OPT_MTU			26
#define OPT_REQ_ADDR		50
#define OPT_LEASE		51
#define OPT_MSG_TYPE		53
#define OPT_SERVER_ID		54
#define OPT_PRL			55
#define OPT_MAX_SIZE		57
#define OPT_CLIENT_ID		61
#define OPT_SEARCH		119
#define OPT_ROUTES		121
#define OPT_END			255

#define OPT_LEN_MAX		255

static const uint8_t dhcpv4_cookie[4] = { 99, 130, 83, 99 };

/**
 * enum dhcpv4_type - DHCP message types (option 53)
 * @DHCPV4_NONE:	No type: not a DHCP message
 * @DHCPV4_DISCOVER:	Client looks for servers
 * @DHCPV4_OFFER:	Server offers an address
 * @DHCPV4_REQUEST:	Client takes an offer, reboots or renews
 * @DHCPV4_DECLINE:	Client found the address in use
 * @DHCPV4_ACK:		Server confirms
 * @DHCPV4_NAK:		Server refuses
 * @DHCPV4_RELEASE:	Client gives the address back
 * @DHCPV4_INFORM:	Client has an address and wants the rest
 * @DHCPV4_TYPE_NUM:	Number of known types
 */
enum dhcpv4_type {
	DHCPV4_NONE,
	DHCPV4_DISCOVER,
	DHCPV4_OFFER,
	DHCPV4_REQUEST,
	DHCPV4_DECLINE,
	DHCPV4_ACK,
	DHCPV4_NAK,
	DHCPV4_RELEASE,
	DHCPV4_INFORM,
	DHCPV4_TYPE_NUM
};

static const char *const dhcpv4_type_names[] = {
	"none", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK",
	"RELEASE", "INFORM",
};

_Static_assert(sizeof(dhcpv4_type_names) / sizeof(dhcpv4_type_names[0]) ==
	       DHCPV4_TYPE_NUM, "a name for every DHCPv4 message type");

/* Sent in every OFFER and ACK, if we have a value; lease only if not INFORM */
static const uint8_t dhcpv4_opts_always[] = {
	OPT_LEASE, OPT_MASK, OPT_ROUTER, OPT_ROUTES, OPT_MTU, OPT_CLIENT_ID,
};

/* Sent if asked for in option 55, in its order, or all without option 55 */
static const uint8_t dhcpv4_opts_asked[] = {
	OPT_DNS, OPT_DOMAIN, OPT_SEARCH,
};

/**
 * struct dhcpv4_req - What we use of a client's message; pointers into it
 * @hdr:		Fixed part and cookie, BOOTP_OPTIONS bytes
 * @type:		Message type (option 53)
 * @req_addr:		Requested address (option 50, 4 bytes), or NULL
 * @server_id:		Server identifier (option 54, 4 bytes), or NULL
 * @prl:		Parameter request list (option 55), or NULL
 * @prl_len:		Its length
 * @client_id:		Client identifier (option 61), or NULL
 * @client_id_len:	Its length
 * @max_size:		Maximum message size (option 57), 0 if absent
 */
struct dhcpv4_req {
	const uint8_t *hdr;
	uint8_t type;
	const uint8_t *req_addr;
	const uint8_t *server_id;
	const uint8_t *prl;
	size_t prl_len;
	const uint8_t *client_id;
	size_t client_id_len;
	size_t max_size;
};

/**
 * struct dhcpv4_out - Options area of a reply being built
 * @p:		Start of the DHCP message
 * @len:	Bytes written so far
 * @max:	Bytes options may fill, one short of the limit for OPT_END
 * @done:	Bitmap of option codes written
 */
struct dhcpv4_out {
	uint8_t *p;
	size_t len;
	size_t max;
	uint8_t done[256 / 8];
};

/**
 * dhcpv4_opt_take() - Keep one option of a client's message
 * @r:		Request being parsed
 * @code:	Option code
 * @val:	Option value, @len bytes inside the message
 * @len:	Option length
 *
 * The first occurrence of an option counts; RFC 3396 concatenation is not
 * needed for any option we read, as none of them may exceed 255 bytes.
 *
 * Return: NULL, or why the message is malformed
 */
static const char *dhcpv4_opt_take(struct dhcpv4_req *r, uint8_t code,
				   const uint8_t *val, size_t len)
{
	switch (code) {
	case OPT_MSG_TYPE:
		if (len != 1)
			return "message type option length is not 1";
		if (!val[0])
			return "message type 0";
		if (!r->type)
			r->type = val[0];
		break;
	case OPT_REQ_ADDR:
		if (len != 4)
			return "requested address option length is not 4";
		if (!r->req_addr)
			r->req_addr = val;
		break;
	case OPT_SERVER_ID:
		if (len != 4)
			return "server identifier option length is not 4";
		if (!r->server_id)
			r->server_id = val;
		break;
	case OPT_PRL:
		if (!len)
			return "empty parameter request list";
		if (!r->prl) {
			r->prl = val;
			r->prl_len = len;
		}
		break;
	case OPT_MAX_SIZE:
		if (len != 2)
			return "maximum message size option length is not 2";
		if (!r->max_size)
			r->max_size = passt_get16(val);
		break;
	case OPT_CLIENT_ID:
		if (len < 2)	/* RFC 2132, 9.14: type and at least one byte */
			return "client identifier shorter than 2 bytes";
		if (!r->client_id) {
			r->client_id = val;
			r->client_id_len = len;
		}
		break;
	default:
		break;		/* not needed: skipped, overload (52) too */
	}

	return NULL;
}

/**
 * dhcpv4_parse() - Check a client's message and find the options we use
 * @msg:	DHCP message (UDP payload), as a bounded frame
 * @r:		Request to fill, zeroed by the caller
 *
 * Return: NULL, or why the message is dropped
 */
static const char *dhcpv4_parse(const struct passt_frame *msg,
				struct dhcpv4_req *r)
{
	size_t off = BOOTP_OPTIONS;
	const uint8_t *hdr;

	hdr = passt_frame_at(msg, 0, BOOTP_OPTIONS);
	if (!hdr)
		return "shorter than a BOOTP header and cookie";
	if (hdr[BOOTP_OP] != BOOTP_REQUEST)
		return "not a BOOTREQUEST";
	if (hdr[BOOTP_HTYPE] != BOOTP_HTYPE_ETHER ||
	    hdr[BOOTP_HLEN] != PASST_ETH_ALEN)
		return "hardware address is not Ethernet";
	if (memcmp(hdr + BOOTP_COOKIE, dhcpv4_cookie,
		   sizeof(dhcpv4_cookie)) != 0)
		return "no DHCP magic cookie";
	if (hdr[BOOTP_CHADDR] & 1)	/* group bit: we would reply to it */
		return "client hardware address is not unicast";
	r->hdr = hdr;

	for (;;) {
		const uint8_t *code, *len, *val;
		const char *err;

		code = passt_frame_at(msg, off, 1);
		if (!code)
			return "options end without an end option";
		if (*code == OPT_PAD) {
			off++;
			continue;
		}
		if (*code == OPT_END)
			break;

		len = passt_frame_at(msg, off + 1, 1);
		if (!len)
			return "option without a length";
		val = passt_frame_at(msg, off + 2, *len);
		if (!val)
			return "option runs past the end of the message";

		err = dhcpv4_opt_take(r, *code, val, *len);
		if (err)
			return err;
		off += 2 + (size_t)*len;
	}

	if (!r->type)
		return "no message type option: BOOTP, not DHCP";
	return NULL;
}

/**
 * dhcpv4_server_id() - Our address as DHCP server: source and option 54
 * @net:	Network settings
 *
 * The guest reaches the gateway address through us, so that is who we are.
 * Without a gateway, pick an address of the guest's own subnet (the first
 * host, or the second if the guest has the first; the other one of a /31
 * or /32): the guest then finds us on its link for unicast renewals, and
 * the core answers ARP for any address but the guest's.
 *
 * Return: server address, network order
 */
static struct in_addr dhcpv4_server_id(const struct passt_netcfg *net)
{
	uint32_t addr = ntohl(net->ip4.addr.s_addr), mask, sid;
	unsigned int plen = net->ip4.prefix_len;
	struct in_addr ret;

	if (net->ip4.gw.s_addr)
		return net->ip4.gw;

	if (plen >= 31) {
		sid = addr ^ 1;
	} else {
		mask = plen ? ~0U << (32 - plen) : 0;
		sid = (addr & mask) | 1;
		if (sid == addr)
			sid++;
	}

	ret.s_addr = htonl(sid);
	return ret;
}

/**
 * dhcpv4_mask() - Netmask of the guest's prefix
 * @net:	Network settings
 *
 * Return: mask, host order
 */
static uint32_t dhcpv4_mask(const struct passt_netcfg *net)
{
	unsigned int plen = net->ip4.prefix_len;

	if (!plen)
		return 0;
	if (plen >= 32)
		return ~0U;
	return ~0U << (32 - plen);
}

/**
 * dhcpv4_put() - Write one option, if it fits
 * @o:		Reply being built
 * @code:	Option code
 * @val:	Value
 * @len:	Length of @val
 *
 * Return: true if written
 */
static bool dhcpv4_put(struct dhcpv4_out *o, uint8_t code, const void *val,
		       size_t len)
{
	if (len > OPT_LEN_MAX || o->max - o->len < 2 + len)
		return false;

	o->p[o->len] = code;
	o->p[o->len + 1] = (uint8_t)len;
	if (len)
		memcpy(o->p + o->len + 2, val, len);
	o->len += 2 + len;
	return true;
}

/**
 * dhcpv4_put_long() - Write an option of any length, split per RFC 3396
 * @o:		Reply being built
 * @code:	Option code
 * @val:	Value
 * @len:	Length of @val
 *
 * A client joins consecutive instances of the same option. All of it or
 * nothing: half a search list would be a wrong one.
 *
 * Return: true if written
 */
static bool dhcpv4_put_long(struct dhcpv4_out *o, uint8_t code,
			    const uint8_t *val, size_t len)
{
	size_t parts = (len + OPT_LEN_MAX - 1) / OPT_LEN_MAX, off;

	if (!len || o->max - o->len < len + 2 * parts)
		return false;

	for (off = 0; off < len; off += OPT_LEN_MAX) {
		size_t n = len - off < OPT_LEN_MAX ? len - off : OPT_LEN_MAX;

		dhcpv4_put(o, code, val + off, n);
	}
	return true;
}

/**
 * dhcpv4_put_known() - Write one of the options we have a value for
 * @o:		Reply being built
 * @net:	Network settings
 * @r:		Client's request
 * @code:	Option code; codes we know nothing about are ignored
 */
static void dhcpv4_put_known(struct dhcpv4_out *o,
			     const struct passt_netcfg *net,
			     const struct dhcpv4_req *r, uint8_t code)
{
	uint32_t mask = dhcpv4_mask(net);
	uint8_t v[DHCP_SEARCH_WIRE_MAX];
	size_t len = 0, i;

	switch (code) {
	case OPT_MASK:
		passt_put32(v, mask);
		dhcpv4_put(o, code, v, 4);
		break;
	case OPT_ROUTER:
		if (net->ip4.gw.s_addr)
			dhcpv4_put(o, code, &net->ip4.gw, 4);
		break;
	case OPT_ROUTES:
		/* RFC 3442: a gateway outside the guest's prefix needs a
		 * host route to reach it before the default route via it;
		 * router 0.0.0.0 means "on the link"
		 */
		if (!net->ip4.gw.s_addr ||
		    !((ntohl(net->ip4.gw.s_addr) ^
		       ntohl(net->ip4.addr.s_addr)) & mask))
			break;
		v[0] = 32;
		memcpy(v + 1, &net->ip4.gw, 4);
		memset(v + 5, 0, 4);
		v[9] = 0;
		memcpy(v + 10, &net->ip4.gw, 4);
		dhcpv4_put(o, code, v, 14);
		break;
	case OPT_MTU:
		if (net->mtu < DHCPV4_DGRAM_MIN || net->mtu > UINT16_MAX)
			break;
		passt_put16(v, (uint16_t)net->mtu);
		dhcpv4_put(o, code, v, 2);
		break;
	case OPT_LEASE:
		passt_put32(v, DHCP_LIFETIME_INFINITE);
		dhcpv4_put(o, code, v, 4);
		break;
	case OPT_DNS:
		for (i = 0; i < net->ip4.n_dns && i < PASST_DNS_MAX; i++) {
			if (!net->ip4.dns[i].s_addr)
				continue;
			memcpy(v + len, &net->ip4.dns[i], 4);
			len += 4;
		}
		if (len)
			dhcpv4_put(o, code, v, len);
		break;
	case OPT_DOMAIN:
		/* The first search domain that is a valid name, without the
		 * final dot: option 15 is text
		 */
		for (i = 0; i < net->n_search && i < PASST_SEARCH_MAX; i++) {
			const char *name = net->search[i];

			if (dhcp_dns_name(name, v, sizeof(v)) <= 0)
				continue;
			len = strnlen(name, PASST_DOMAIN_MAX);
			if (name[len - 1] == '.')
				len--;
			dhcpv4_put(o, code, name, len);
			break;
		}
		break;
	case OPT_SEARCH:
		len = dhcp_search_list(net, v, sizeof(v));
		dhcpv4_put_long(o, code, v, len);
		break;
	case OPT_CLIENT_ID:
		/* RFC 6842: echo it, so the client knows the reply is its */
		if (r->client_id)
			dhcpv4_put(o, code, r->client_id, r->client_id_len);
		break;
	default:
		break;
	}
}

/**
 * dhcpv4_put_once() - Write an option unless already written
 * @o:		Reply being built
 * @net:	Network settings
 * @r:		Client's request
 * @code:	Option code
 */
static void dhcpv4_put_once(struct dhcpv4_out *o,
			    const struct passt_netcfg *net,
			    const struct dhcpv4_req *r, uint8_t code)
{
	if (o->done[code / 8] & (1U << (code % 8)))
		return;
	o->done[code / 8] |= (uint8_t)(1U << (code % 8));
	dhcpv4_put_known(o, net, r, code);
}

/**
 * dhcpv4_options() - Write the options of a reply, in priority order
 * @o:		Reply being built, positioned after the cookie
 * @net:	Network settings
 * @r:		Client's request
 * @type:	Reply type: DHCPV4_OFFER, DHCPV4_ACK or DHCPV4_NAK
 * @sid:	Server identifier
 *
 * Mandatory options come first so that a small maximum message size costs
 * the optional ones; an option that does not fit is left out whole.
 */
static void dhcpv4_options(struct dhcpv4_out *o,
			   const struct passt_netcfg *net,
			   const struct dhcpv4_req *r, uint8_t type,
			   struct in_addr sid)
{
	bool inform = r->type == DHCPV4_INFORM;
	size_t i;

	dhcpv4_put(o, OPT_MSG_TYPE, &type, 1);
	dhcpv4_put(o, OPT_SERVER_ID, &sid, 4);

	if (type == DHCPV4_NAK) {
		dhcpv4_put_once(o, net, r, OPT_CLIENT_ID);
		return;
	}

	for (i = 0; i < sizeof(dhcpv4_opts_always); i++) {
		if (inform && dhcpv4_opts_always[i] == OPT_LEASE)
			continue;	/* RFC 2131, 3.4: no lease for INFORM */
		dhcpv4_put_once(o, net, r, dhcpv4_opts_always[i]);
	}

	if (!r->prl) {
		for (i = 0; i < sizeof(dhcpv4_opts_asked); i++)
			dhcpv4_put_once(o, net, r, dhcpv4_opts_asked[i]);
		return;
	}

	/* RFC 2132, 9.8: try to follow the client's order */
	for (i = 0; i < r->prl_len; i++) {
		if (memchr(dhcpv4_opts_asked, r->prl[i],
			   sizeof(dhcpv4_opts_asked)))
			dhcpv4_put_once(o, net, r, r->prl[i]);
	}
}

/**
 * dhcpv4_reply_limit() - Largest DHCP message the client takes from us
 * @net:	Network settings
 * @r:		Client's request
 *
 * Return: bytes of DHCP message (UDP payload), at least 548
 */
static size_t dhcpv4_reply_limit(const struct passt_netcfg *net,
				 const struct dhcpv4_req *r)
{
	size_t dgram = DHCPV4_DGRAM_MIN;

	if (r->max_size > dgram)	/* smaller values are illegal */
		dgram = r->max_size;
	if (net->mtu >= DHCPV4_DGRAM_MIN && dgram > net->mtu)
		dgram = net->mtu;
	dgram -= DHCPV4_IP_UDP_LEN;

	return dgram < DHCPV4_REPLY_MAX ? dgram : DHCPV4_REPLY_MAX;
}

/**
 * dhcpv4_send() - Build and queue a reply to the client
 * @m:		This module
 * @core:	Core services
 * @net:	Network settings
 * @r:		Client's request
 * @type:	DHCPV4_OFFER, DHCPV4_ACK or DHCPV4_NAK
 * @sid:	Server identifier, also the source address
 */
static void dhcpv4_send(struct passt_mod *m, const struct passt_core_ops *core,
			const struct passt_netcfg *net,
			const struct dhcpv4_req *r, uint8_t type,
			struct in_addr sid)
{
	const size_t hdrs = PASST_ETH_IP4_LEN + PASST_UDP_HLEN;
	size_t limit = dhcpv4_reply_limit(net, r), plen, len;
	struct in_addr dst, yiaddr = { 0 }, ciaddr;
	struct dhcpv4_out o;
	char a[INET_ADDRSTRLEN];
	uint16_t flags;
	uint8_t *buf;

	buf = core->frame_alloc(m, hdrs + limit);
	if (!buf) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "DHCPv4: no room for a reply, dropped");
		return;
	}

	memcpy(&ciaddr, r->hdr + BOOTP_CIADDR, 4);
	flags = passt_get16(r->hdr + BOOTP_FLAGS);
	if (type != DHCPV4_NAK && r->type != DHCPV4_INFORM)
		yiaddr = net->ip4.addr;

	memset(&o, 0, sizeof(o));
	o.p = buf + hdrs;
	memset(o.p, 0, limit);
	o.p[BOOTP_OP] = BOOTP_REPLY;
	o.p[BOOTP_HTYPE] = BOOTP_HTYPE_ETHER;
	o.p[BOOTP_HLEN] = PASST_ETH_ALEN;
	memcpy(o.p + BOOTP_XID, r->hdr + BOOTP_XID, 4);
	passt_put16(o.p + BOOTP_FLAGS, flags);
	if (type == DHCPV4_ACK)		/* RFC 2131, table 3 */
		memcpy(o.p + BOOTP_CIADDR, &ciaddr, 4);
	memcpy(o.p + BOOTP_YIADDR, &yiaddr, 4);
	memcpy(o.p + BOOTP_GIADDR, r->hdr + BOOTP_GIADDR, 4);
	memcpy(o.p + BOOTP_CHADDR, r->hdr + BOOTP_CHADDR, BOOTP_CHADDR_LEN);
	memcpy(o.p + BOOTP_COOKIE, dhcpv4_cookie, sizeof(dhcpv4_cookie));
	o.len = BOOTP_OPTIONS;
	o.max = limit - 1;

	dhcpv4_options(&o, net, r, type, sid);
	o.p[o.len++] = OPT_END;
	plen = o.len < BOOTP_MIN_LEN ? BOOTP_MIN_LEN : o.len;

	/* RFC 2131, 4.1: NAKs are broadcast; a client with an address gets
	 * unicast there; otherwise broadcast if it asked, else unicast to
	 * the new address, which needs no ARP: the frame goes to chaddr.
	 * An INFORM without ciaddr (a client bug) leaves only broadcast.
	 */
	if (type != DHCPV4_NAK && ciaddr.s_addr)
		dst = ciaddr;
	else if (type != DHCPV4_NAK && yiaddr.s_addr &&
		 !(flags & BOOTP_FLAG_BROADCAST))
		dst = yiaddr;
	else
		dst.s_addr = htonl(INADDR_BROADCAST);

	len = passt_udp_fill(core, buf, false, sid, dst, &in6addr_any,
			     &in6addr_any,
			     DHCPV4_SERVER_PORT, DHCPV4_CLIENT_PORT, plen);
	memcpy(buf, r->hdr + BOOTP_CHADDR, PASST_ETH_ALEN);

	if (core->frame_send(m, len)) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "DHCPv4: cannot queue the reply");
		return;
	}

	inet_ntop(AF_INET, &net->ip4.addr, a, sizeof(a));
	core->log(m, PASST_LOG_INFO | PASST_LOG_RATELIMIT, "DHCPv4: %s: %s%s%s",
		  dhcpv4_type_names[r->type], dhcpv4_type_names[type],
		  type == DHCPV4_NAK ? ", the guest's address is " : " ", a);
}

/**
 * dhcpv4_answer() - Decide how to answer a valid client message
 * @m:		This module
 * @core:	Core services
 * @net:	Network settings
 * @r:		Client's request
 * @sid:	Our server identifier
 *
 * Return: DHCPV4_OFFER, DHCPV4_ACK, DHCPV4_NAK, or DHCPV4_NONE for silence
 */
static uint8_t dhcpv4_answer(struct passt_mod *m,
			     const struct passt_core_ops *core,
			     const struct passt_netcfg *net,
			     const struct dhcpv4_req *r, struct in_addr sid)
{
	const uint8_t *want;

	switch (r->type) {
	case DHCPV4_DISCOVER:
		return DHCPV4_OFFER;
	case DHCPV4_REQUEST:
		/* RFC 2131, 4.3.2: SELECTING names the server and the
		 * address; INIT-REBOOT only the address; RENEWING and
		 * REBINDING put the address in ciaddr
		 */
		if (r->server_id && memcmp(r->server_id, &sid, 4) != 0) {
			core->log(m, PASST_LOG_DEBUG,
				  "DHCPv4: REQUEST for another server");
			return DHCPV4_NONE;
		}
		want = r->req_addr ? r->req_addr : r->hdr + BOOTP_CIADDR;
		if (memcmp(want, "\0\0\0\0", 4) == 0) {
			core->log(m, PASST_LOG_DEBUG,
				  "DHCPv4: REQUEST without an address");
			return DHCPV4_NONE;
		}
		if (memcmp(want, &net->ip4.addr, 4) != 0)
			return DHCPV4_NAK;
		return DHCPV4_ACK;
	case DHCPV4_INFORM:
		return DHCPV4_ACK;
	case DHCPV4_DECLINE:
		/* Nobody else is on the link: a guest bug, nothing to do */
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "DHCPv4: guest declined its address");
		return DHCPV4_NONE;
	case DHCPV4_RELEASE:
		core->log(m, PASST_LOG_DEBUG, "DHCPv4: guest released its "
			  "address");
		return DHCPV4_NONE;
	default:
		core->log(m, PASST_LOG_DEBUG,
			  "DHCPv4: message type %u from a client, dropped",
			  r->type);
		return DHCPV4_NONE;
	}
}

/**
 * dhcpv4_on_frame() - Answer one DHCPv4 frame from the guest
 * @m:		This module
 * @d:		Module state
 * @f:		IPv4 frame claimed for UDP port 67
 */
void dhcpv4_on_frame(struct passt_mod *m, const struct dhcp *d,
		     const struct passt_frame *f)
{
	const struct passt_core_ops *core = d->core;
	const struct passt_netcfg *net = core->net(m);
	struct dhcpv4_req r = { 0 };
	struct passt_frame msg = { 0 };
	const uint8_t *udp = NULL;
	const char *err = NULL;
	struct in_addr sid;
	uint8_t type;
	size_t ulen;

	if (!net->ip4.enable || !net->ip4.addr.s_addr) {
		core->log(m, PASST_LOG_DEBUG,
			  "DHCPv4: no IPv4 address for the guest, dropped");
		return;
	}

	if (f->l4proto == IPPROTO_UDP && f->l4off)
		udp = passt_frame_at(f, f->l4off, PASST_UDP_HLEN);
	if (!udp) {
		err = "no UDP header";
		goto drop;
	}
	ulen = passt_get16(udp + 4);
	if (ulen < PASST_UDP_HLEN || ulen > f->l4len) {
		err = "bad UDP length";
		goto drop;
	}
	msg.data = passt_frame_at(f, f->l4off + PASST_UDP_HLEN,
				  ulen - PASST_UDP_HLEN);
	if (!msg.data) {
		err = "UDP payload past the end of the frame";
		goto drop;
	}
	msg.len = ulen - PASST_UDP_HLEN;

	err = dhcpv4_parse(&msg, &r);
	if (err)
		goto drop;

	if (memcmp(r.hdr + BOOTP_GIADDR, "\0\0\0\0", 4) != 0) {
		err = "relayed message (giaddr set): no relay on this link";
		goto drop;
	}

	sid = dhcpv4_server_id(net);
	type = dhcpv4_answer(m, core, net, &r, sid);
	if (type != DHCPV4_NONE)
		dhcpv4_send(m, core, net, &r, type, sid);
	return;

drop:
	core->log(m, PASST_LOG_DEBUG, "DHCPv4: %s, dropped", err);
}
