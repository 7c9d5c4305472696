// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcpv6.c - DHCPv6 server for the one guest (RFC 8415)
 *
 * Parses a client's message with every option, nested ones included,
 * checked against its parent, applies the discard rules of RFC 8415, 16,
 * and builds the ADVERTISE or REPLY in one frame of the core's queue.
 * What is answered and why is explained in dhcp.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <passt/module.h>

#include "dhcp.h"

#define DHCPV6_CLIENT_PORT	546
#define DHCPV6_SERVER_PORT	547

#define DHCPV6_HDR_LEN		4	/* type, transaction ID */
#define DHCPV6_OPT_HDR_LEN	4	/* code, length */
#define DHCPV6_DUID_MAX		130	/* RFC 8415, 11.1: type + 128 */
#define DHCPV6_DUID_LL_LEN	(4 + PASST_ETH_ALEN)
#define DHCPV6_IA_MAX		8	/* IAs answered per message */
#define DHCPV6_IA_FIXED		12	/* IAID, T1, T2 (IA_NA, IA_PD) */
#define DHCPV6_IA_TA_FIXED	4	/* IAID */
#define DHCPV6_IAADDR_LEN	24	/* address, preferred, valid */
#define DHCPV6_IAPREFIX_LEN	25	/* preferred, valid, length, prefix */
#define DHCPV6_MTU_MIN		1280	/* IPv6 minimum link MTU */
#define DHCPV6_IP_UDP_LEN	(PASST_IP6_HLEN + PASST_UDP_HLEN)
#define DHCPV6_REPLY_MAX	(1024 + DHCP_SEARCH_WIRE_MAX)

/* Options (RFC 8415, 21; RFC 3646 for 23 and 24) */
#define OPT6_CLIENTID		1
#define OPT6_SERVERID		2
#define OPT6_IA_NA		3
#define OPT6_IA_TA		4
#define OPT6_IAADDR		5
#define OPT6_ORO		6
#define OPT6_PREFERENCE		7
#define OPT6_ELAPSED_TIME	8
#define OPT6_STATUS_CODE	13
#define OPT6_RAPID_COMMIT	14
#define OPT6_DNS_SERVERS	23
#define OPT6_DOMAIN_LIST	24
#define OPT6_IA_PD		25
#define OPT6_IAPREFIX		26

/* Status codes (RFC 8415, 21.13) */
#define STATUS6_SUCCESS		0
#define STATUS6_NOADDRSAVAIL	2
#define STATUS6_NOTONLINK	4
#define STATUS6_NOPREFIXAVAIL	6

#define DHCPV6_PREFERENCE_MAX	255	/* client takes it without waiting */

/**
 * enum dhcpv6_type - DHCPv6 message types
 * @DHCPV6_NONE:	Not a message type
 * @DHCPV6_SOLICIT:	Client looks for servers
 * @DHCPV6_ADVERTISE:	Server is available
 * @DHCPV6_REQUEST:	Client asks a server for addresses
 * @DHCPV6_CONFIRM:	Client checks its addresses still fit the link
 * @DHCPV6_RENEW:	Client extends its lease, at the server it got it from
 * @DHCPV6_REBIND:	Client extends its lease, at any server
 * @DHCPV6_REPLY:	Server answers
 * @DHCPV6_RELEASE:	Client gives addresses back
 * @DHCPV6_DECLINE:	Client found addresses in use
 * @DHCPV6_RECONFIGURE:	Server asks client to come back
 * @DHCPV6_INFO_REQ:	Client wants configuration, no addresses
 * @DHCPV6_RELAY_FORW:	Relay to server
 * @DHCPV6_RELAY_REPL:	Server to relay
 * @DHCPV6_TYPE_NUM:	Number of known types
 */
enum dhcpv6_type {
	DHCPV6_NONE,
	DHCPV6_SOLICIT,
	DHCPV6_ADVERTISE,
	DHCPV6_REQUEST,
	DHCPV6_CONFIRM,
	DHCPV6_RENEW,
	DHCPV6_REBIND,
	DHCPV6_REPLY,
	DHCPV6_RELEASE,
	DHCPV6_DECLINE,
	DHCPV6_RECONFIGURE,
	DHCPV6_INFO_REQ,
	DHCPV6_RELAY_FORW,
	DHCPV6_RELAY_REPL,
	DHCPV6_TYPE_NUM
};

static const char *const dhcpv6_type_names[] = {
	"none", "SOLICIT", "ADVERTISE", "REQUEST", "CONFIRM", "RENEW",
	"REBIND", "REPLY", "RELEASE", "DECLINE", "RECONFIGURE",
	"INFORMATION-REQUEST", "RELAY-FORW", "RELAY-REPL",
};

_Static_assert(sizeof(dhcpv6_type_names) / sizeof(dhcpv6_type_names[0]) ==
	       DHCPV6_TYPE_NUM, "a name for every DHCPv6 message type");

/* All_DHCP_Relay_Agents_and_Servers (RFC 8415, 7.1) */
static const struct in6_addr dhcpv6_all_servers = {
	.s6_addr = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2 },
};

/**
 * struct dhcpv6_ia - An identity association of the client's message
 * @code:	OPT6_IA_NA, OPT6_IA_TA or OPT6_IA_PD
 * @iaid:	Its IAID, 4 bytes inside the message
 */
struct dhcpv6_ia {
	uint16_t code;
	const uint8_t *iaid;
};

/**
 * struct dhcpv6_req - What we use of a client's message; pointers into it
 * @type:		Message type
 * @xid:		Transaction ID, 3 bytes
 * @client_id:		Client Identifier (DUID), or NULL
 * @client_id_len:	Its length
 * @server_id:		Server Identifier (DUID), or NULL
 * @server_id_len:	Its length
 * @oro:		Option Request option, or NULL
 * @oro_len:		Its length (even)
 * @rapid_commit:	Rapid Commit option present
 * @ia:			IAs to answer, in message order
 * @n_ia:		Number of entries in @ia
 * @n_ia_seen:		IA options in the message, answered or not
 * @n_addrs:		Addresses in IA_NA and IA_TA options (for CONFIRM)
 * @n_offlink:		How many of them are not in the guest's prefix
 */
struct dhcpv6_req {
	uint8_t type;
	const uint8_t *xid;
	const uint8_t *client_id;
	size_t client_id_len;
	const uint8_t *server_id;
	size_t server_id_len;
	const uint8_t *oro;
	size_t oro_len;
	bool rapid_commit;
	struct dhcpv6_ia ia[DHCPV6_IA_MAX];
	size_t n_ia;
	size_t n_ia_seen;
	unsigned int n_addrs;
	unsigned int n_offlink;
};

/**
 * struct dhcpv6_opt - One option found in a message
 * @code:	Option code
 * @len:	Length of its value
 * @off:	Offset of its value in the message
 * @val:	Its value, @len bytes inside the message
 */
struct dhcpv6_opt {
	uint16_t code;
	size_t len;
	size_t off;
	const uint8_t *val;
};

/**
 * struct dhcpv6_out - A reply being built
 * @p:		Start of the DHCPv6 message
 * @len:	Bytes written so far
 * @max:	Bytes we may write
 * @full:	Something did not fit: the reply is incomplete
 */
struct dhcpv6_out {
	uint8_t *p;
	size_t len;
	size_t max;
	bool full;
};

/**
 * dhcpv6_opt_next() - Next option in a part of a message
 * @msg:	DHCPv6 message, as a bounded frame
 * @off:	Offset of the next option, advanced past it
 * @end:	End of the enclosing part: the message, or the parent option
 * @o:		Option found
 *
 * Return: 1 if an option was found, 0 at @end, -1 if the option's header
 *	   or value would run past @end
 */
static int dhcpv6_opt_next(const struct passt_frame *msg, size_t *off,
			   size_t end, struct dhcpv6_opt *o)
{
	const uint8_t *h;

	if (*off >= end)
		return 0;
	if (end - *off < DHCPV6_OPT_HDR_LEN)
		return -1;
	h = passt_frame_at(msg, *off, DHCPV6_OPT_HDR_LEN);
	if (!h)
		return -1;

	o->code = passt_get16(h);
	o->len = passt_get16(h + 2);
	o->off = *off + DHCPV6_OPT_HDR_LEN;
	if (o->len > end - o->off)
		return -1;
	o->val = passt_frame_at(msg, o->off, o->len);
	if (!o->val)
		return -1;

	*off = o->off + o->len;
	return 1;
}

/**
 * dhcpv6_opts_check() - Check that options fill a part of a message exactly
 * @msg:	DHCPv6 message
 * @off:	Offset of the first option
 * @end:	End of the part
 *
 * Return: true if every option lies inside the part
 */
static bool dhcpv6_opts_check(const struct passt_frame *msg, size_t off,
			      size_t end)
{
	struct dhcpv6_opt o;
	int rc;

	while ((rc = dhcpv6_opt_next(msg, &off, end, &o)) > 0)
		;
	return !rc;
}

/**
 * dhcpv6_onlink() - Whether an address is in the guest's prefix
 * @net:	Network settings
 * @a:		Address, 16 bytes
 *
 * Return: true if the first prefix_len bits equal the guest's address
 */
static bool dhcpv6_onlink(const struct passt_netcfg *net, const uint8_t *a)
{
	unsigned int plen = net->ip6.prefix_len, bytes, bits;
	const uint8_t *ours = net->ip6.addr.s6_addr;

	if (plen > 128)
		plen = 128;
	bytes = plen / 8;
	bits = plen % 8;

	if (memcmp(a, ours, bytes) != 0)
		return false;
	if (!bits)
		return true;
	return !((a[bytes] ^ ours[bytes]) & (0xff << (8 - bits)));
}

/**
 * dhcpv6_parse_ia() - Check an IA option and what it holds, note addresses
 * @msg:	DHCPv6 message
 * @ia:		The IA option
 * @net:	Network settings
 * @r:		Request being parsed
 *
 * Return: NULL, or why the message is malformed
 */
static const char *dhcpv6_parse_ia(const struct passt_frame *msg,
				   const struct dhcpv6_opt *ia,
				   const struct passt_netcfg *net,
				   struct dhcpv6_req *r)
{
	size_t fixed = ia->code == OPT6_IA_TA ? DHCPV6_IA_TA_FIXED
					      : DHCPV6_IA_FIXED;
	size_t off = ia->off + fixed, end = ia->off + ia->len;
	struct dhcpv6_opt o;
	int rc;

	if (ia->len < fixed)
		return "IA option shorter than its fixed part";

	while ((rc = dhcpv6_opt_next(msg, &off, end, &o)) > 0) {
		if (o.code == OPT6_IAADDR && ia->code != OPT6_IA_PD) {
			if (o.len < DHCPV6_IAADDR_LEN)
				return "IA address option too short";
			if (!dhcpv6_opts_check(msg, o.off + DHCPV6_IAADDR_LEN,
					       o.off + o.len))
				return "option overruns its IA address";
			r->n_addrs++;
			if (!dhcpv6_onlink(net, o.val))
				r->n_offlink++;
		} else if (o.code == OPT6_IAPREFIX &&
			   ia->code == OPT6_IA_PD) {
			if (o.len < DHCPV6_IAPREFIX_LEN)
				return "IA prefix option too short";
			if (!dhcpv6_opts_check(msg,
					       o.off + DHCPV6_IAPREFIX_LEN,
					       o.off + o.len))
				return "option overruns its IA prefix";
		}
	}
	if (rc < 0)
		return "option inside an IA overruns it";

	r->n_ia_seen++;
	if (r->n_ia < DHCPV6_IA_MAX) {
		r->ia[r->n_ia].code = ia->code;
		r->ia[r->n_ia].iaid = ia->val;
		r->n_ia++;
	}
	return NULL;
}

/**
 * dhcpv6_parse() - Check a client's message and find the options we use
 * @msg:	DHCPv6 message (UDP payload), as a bounded frame
 * @net:	Network settings
 * @r:		Request to fill, zeroed by the caller
 *
 * Return: NULL, or why the message is dropped
 */
static const char *dhcpv6_parse(const struct passt_frame *msg,
				const struct passt_netcfg *net,
				struct dhcpv6_req *r)
{
	size_t off = DHCPV6_HDR_LEN;
	const uint8_t *hdr;
	struct dhcpv6_opt o;
	const char *err;
	int rc;

	hdr = passt_frame_at(msg, 0, DHCPV6_HDR_LEN);
	if (!hdr)
		return "shorter than a DHCPv6 header";
	r->type = hdr[0];
	r->xid = hdr + 1;

	while ((rc = dhcpv6_opt_next(msg, &off, msg->len, &o)) > 0) {
		switch (o.code) {
		case OPT6_CLIENTID:
		case OPT6_SERVERID:
			if (!o.len || o.len > DHCPV6_DUID_MAX)
				return "bad DUID length";
			if (o.code == OPT6_CLIENTID && !r->client_id) {
				r->client_id = o.val;
				r->client_id_len = o.len;
			} else if (o.code == OPT6_SERVERID && !r->server_id) {
				r->server_id = o.val;
				r->server_id_len = o.len;
			}
			break;
		case OPT6_IA_NA:
		case OPT6_IA_TA:
		case OPT6_IA_PD:
			err = dhcpv6_parse_ia(msg, &o, net, r);
			if (err)
				return err;
			break;
		case OPT6_ORO:
			if (o.len % 2)
				return "odd Option Request option length";
			if (!r->oro) {
				r->oro = o.val;
				r->oro_len = o.len;
			}
			break;
		case OPT6_RAPID_COMMIT:
			if (o.len)
				return "Rapid Commit option with a value";
			r->rapid_commit = true;
			break;
		case OPT6_ELAPSED_TIME:
			if (o.len != 2)
				return "Elapsed Time option length is not 2";
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		return "option runs past the end of the message";

	return NULL;
}

/**
 * dhcpv6_duid() - Our DUID: DUID-LL (RFC 8415, 11.4) of our MAC address
 * @net:	Network settings
 * @duid:	DHCPV6_DUID_LL_LEN bytes to fill
 */
static void dhcpv6_duid(const struct passt_netcfg *net, uint8_t *duid)
{
	passt_put16(duid, 3);		/* DUID-LL */
	passt_put16(duid + 2, 1);	/* hardware type: Ethernet */
	memcpy(duid + 4, net->our_mac, PASST_ETH_ALEN);
}

/**
 * dhcpv6_check() - Apply the discard rules of RFC 8415, 16
 * @r:		Parsed request
 * @duid:	Our DUID, DHCPV6_DUID_LL_LEN bytes
 *
 * Return: NULL if the message is to be answered, or why not
 */
static const char *dhcpv6_check(const struct dhcpv6_req *r,
				const uint8_t *duid)
{
	bool ours = r->server_id && r->server_id_len == DHCPV6_DUID_LL_LEN &&
		    memcmp(r->server_id, duid, DHCPV6_DUID_LL_LEN) == 0;

	switch (r->type) {
	case DHCPV6_SOLICIT:
	case DHCPV6_CONFIRM:
	case DHCPV6_REBIND:
		if (!r->client_id)
			return "no Client Identifier";
		if (r->server_id)
			return "Server Identifier where none belongs";
		if (r->type == DHCPV6_CONFIRM && !r->n_addrs)
			return "CONFIRM without addresses"; /* 18.3.3 */
		return NULL;
	case DHCPV6_REQUEST:
	case DHCPV6_RENEW:
	case DHCPV6_RELEASE:
	case DHCPV6_DECLINE:
		if (!r->client_id)
			return "no Client Identifier";
		if (!r->server_id)
			return "no Server Identifier";
		if (!ours)
			return "message for another server";
		return NULL;
	case DHCPV6_INFO_REQ:
		if (r->server_id && !ours)
			return "message for another server";
		if (r->n_ia_seen)
			return "IA option in an INFORMATION-REQUEST";
		return NULL;
	default:
		return "not a message a client sends to a server";
	}
}

/**
 * dhcpv6_put() - Write one option; on failure, mark the reply incomplete
 * @o:		Reply being built
 * @code:	Option code
 * @val:	Value, may be NULL if @len is 0
 * @len:	Length of @val
 *
 * Return: true if written
 */
static bool dhcpv6_put(struct dhcpv6_out *o, uint16_t code, const void *val,
		       size_t len)
{
	if (o->full || len > UINT16_MAX ||
	    o->max - o->len < DHCPV6_OPT_HDR_LEN + len) {
		o->full = true;
		return false;
	}

	passt_put16(o->p + o->len, code);
	passt_put16(o->p + o->len + 2, (uint16_t)len);
	if (len)
		memcpy(o->p + o->len + DHCPV6_OPT_HDR_LEN, val, len);
	o->len += DHCPV6_OPT_HDR_LEN + len;
	return true;
}

/**
 * dhcpv6_fits() - Whether an optional option of @len bytes still fits
 * @o:		Reply being built
 * @len:	Length of its value
 *
 * Return: true if it fits
 */
static bool dhcpv6_fits(const struct dhcpv6_out *o, size_t len)
{
	return !o->full && o->max - o->len >= DHCPV6_OPT_HDR_LEN + len;
}

/**
 * dhcpv6_put_status() - Write a Status Code option, without a message
 * @o:		Reply being built
 * @status:	STATUS6_* code
 */
static void dhcpv6_put_status(struct dhcpv6_out *o, uint16_t status)
{
	uint8_t v[2];

	passt_put16(v, status);
	dhcpv6_put(o, OPT6_STATUS_CODE, v, sizeof(v));
}

/**
 * dhcpv6_put_ias() - Answer the client's IAs: one address, no prefixes
 * @o:		Reply being built
 * @net:	Network settings
 * @r:		Client's request
 */
static void dhcpv6_put_ias(struct dhcpv6_out *o,
			   const struct passt_netcfg *net,
			   const struct dhcpv6_req *r)
{
	bool have = !IN6_IS_ADDR_UNSPECIFIED(&net->ip6.addr);
	uint8_t v[DHCPV6_IA_FIXED + DHCPV6_OPT_HDR_LEN + DHCPV6_IAADDR_LEN];
	uint8_t st[DHCPV6_IA_FIXED + DHCPV6_OPT_HDR_LEN + 2];
	size_t i;

	for (i = 0; i < r->n_ia; i++) {
		const struct dhcpv6_ia *ia = &r->ia[i];
		size_t fixed = ia->code == OPT6_IA_TA ? DHCPV6_IA_TA_FIXED
						      : DHCPV6_IA_FIXED;

		if (ia->code == OPT6_IA_NA && have) {
			have = false;	/* the one address goes to one IA */

			memcpy(v, ia->iaid, 4);
			passt_put32(v + 4, DHCP_LIFETIME_INFINITE);	/* T1 */
			passt_put32(v + 8, DHCP_LIFETIME_INFINITE);	/* T2 */
			passt_put16(v + 12, OPT6_IAADDR);
			passt_put16(v + 14, DHCPV6_IAADDR_LEN);
			memcpy(v + 16, &net->ip6.addr, 16);
			passt_put32(v + 32, DHCP_LIFETIME_INFINITE);
			passt_put32(v + 36, DHCP_LIFETIME_INFINITE);
			dhcpv6_put(o, OPT6_IA_NA, v, sizeof(v));
			continue;
		}

		/* IAID, T1 = T2 = 0, and why there is nothing inside */
		memset(st, 0, sizeof(st));
		memcpy(st, ia->iaid, 4);
		passt_put16(st + fixed, OPT6_STATUS_CODE);
		passt_put16(st + fixed + 2, 2);
		passt_put16(st + fixed + 4, ia->code == OPT6_IA_PD ?
			    STATUS6_NOPREFIXAVAIL : STATUS6_NOADDRSAVAIL);
		dhcpv6_put(o, ia->code, st, fixed + DHCPV6_OPT_HDR_LEN + 2);
	}
}

/**
 * dhcpv6_oro_wants() - Whether the client wants an option
 * @r:		Client's request
 * @code:	Option code
 *
 * Return: true if listed in its Option Request option, or if it sent none
 */
static bool dhcpv6_oro_wants(const struct dhcpv6_req *r, uint16_t code)
{
	size_t i;

	if (!r->oro)
		return true;
	for (i = 0; i + 1 < r->oro_len; i += 2)
		if (passt_get16(r->oro + i) == code)
			return true;
	return false;
}

/**
 * dhcpv6_put_config() - Write nameservers and search domains, if they fit
 * @o:		Reply being built
 * @net:	Network settings
 * @r:		Client's request
 */
static void dhcpv6_put_config(struct dhcpv6_out *o,
			      const struct passt_netcfg *net,
			      const struct dhcpv6_req *r)
{
	uint8_t v[DHCP_SEARCH_WIRE_MAX];
	size_t len = 0;

	if (dhcpv6_oro_wants(r, OPT6_DNS_SERVERS)) {
		size_t i;

		for (i = 0; i < net->ip6.n_dns && i < PASST_DNS_MAX; i++) {
			if (IN6_IS_ADDR_UNSPECIFIED(&net->ip6.dns[i]))
				continue;
			memcpy(v + len, &net->ip6.dns[i], 16);
			len += 16;
		}
		if (len && dhcpv6_fits(o, len))
			dhcpv6_put(o, OPT6_DNS_SERVERS, v, len);
	}

	if (dhcpv6_oro_wants(r, OPT6_DOMAIN_LIST)) {
		len = dhcp_search_list(net, v, sizeof(v));
		if (len && dhcpv6_fits(o, len))
			dhcpv6_put(o, OPT6_DOMAIN_LIST, v, len);
	}
}

/**
 * dhcpv6_build() - Write the reply for a message that passed the checks
 * @o:		Reply, with room for the header
 * @net:	Network settings
 * @r:		Client's request
 * @duid:	Our DUID
 *
 * Return: reply type, or DHCPV6_NONE if there is nothing to answer
 */
static uint8_t dhcpv6_build(struct dhcpv6_out *o,
			    const struct passt_netcfg *net,
			    const struct dhcpv6_req *r, const uint8_t *duid)
{
	uint8_t type = DHCPV6_REPLY, pref = DHCPV6_PREFERENCE_MAX;

	if (r->type == DHCPV6_SOLICIT && !r->rapid_commit)
		type = DHCPV6_ADVERTISE;

	o->p[0] = type;
	memcpy(o->p + 1, r->xid, 3);
	o->len = DHCPV6_HDR_LEN;

	if (r->client_id)
		dhcpv6_put(o, OPT6_CLIENTID, r->client_id, r->client_id_len);
	dhcpv6_put(o, OPT6_SERVERID, duid, DHCPV6_DUID_LL_LEN);

	switch (r->type) {
	case DHCPV6_SOLICIT:
		if (r->rapid_commit)
			dhcpv6_put(o, OPT6_RAPID_COMMIT, NULL, 0);
		else
			dhcpv6_put(o, OPT6_PREFERENCE, &pref, 1);
		/* fall through */
	case DHCPV6_REQUEST:
	case DHCPV6_RENEW:
	case DHCPV6_REBIND:
		dhcpv6_put_ias(o, net, r);
		dhcpv6_put_config(o, net, r);
		break;
	case DHCPV6_CONFIRM:
		dhcpv6_put_status(o, r->n_offlink ? STATUS6_NOTONLINK
						  : STATUS6_SUCCESS);
		break;
	case DHCPV6_RELEASE:
	case DHCPV6_DECLINE:
		/* Nothing to free, nobody else to give the address to */
		dhcpv6_put_status(o, STATUS6_SUCCESS);
		break;
	case DHCPV6_INFO_REQ:
		dhcpv6_put_config(o, net, r);
		break;
	default:
		return DHCPV6_NONE;
	}

	return type;
}

/**
 * dhcpv6_reply_limit() - Largest DHCPv6 message we send on this link
 * @net:	Network settings
 *
 * Return: bytes of DHCPv6 message (UDP payload)
 */
static size_t dhcpv6_reply_limit(const struct passt_netcfg *net)
{
	size_t mtu = net->mtu < DHCPV6_MTU_MIN ? DHCPV6_MTU_MIN : net->mtu;

	mtu -= DHCPV6_IP_UDP_LEN;
	return mtu < DHCPV6_REPLY_MAX ? mtu : DHCPV6_REPLY_MAX;
}

/**
 * dhcpv6_send() - Build and queue the reply to a checked message
 * @m:		This module
 * @core:	Core services
 * @net:	Network settings
 * @r:		Client's request
 * @duid:	Our DUID
 * @client:	Client's link-local address
 * @mac:	Client's MAC address (Ethernet source of the request)
 */
static void dhcpv6_send(struct passt_mod *m, const struct passt_core_ops *core,
			const struct passt_netcfg *net,
			const struct dhcpv6_req *r, const uint8_t *duid,
			const struct in6_addr *client, const uint8_t *mac)
{
	const size_t hdrs = PASST_ETH_IP6_LEN + PASST_UDP_HLEN;
	size_t limit = dhcpv6_reply_limit(net), len;
	struct in_addr none = { 0 };
	struct dhcpv6_out o;
	char a[INET6_ADDRSTRLEN];
	uint8_t *buf, type;
	bool leased;

	buf = core->frame_alloc(m, hdrs + limit);
	if (!buf) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "DHCPv6: no room for a reply, dropped");
		return;
	}

	memset(&o, 0, sizeof(o));
	o.p = buf + hdrs;
	o.max = limit;

	type = dhcpv6_build(&o, net, r, duid);
	if (type == DHCPV6_NONE || o.full) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "DHCPv6: reply does not fit %zu bytes, dropped",
			  limit);
		return;
	}

	len = passt_udp_fill(core, buf, true, none, none, &net->ip6.our_ll,
			     client, DHCPV6_SERVER_PORT, DHCPV6_CLIENT_PORT,
			     o.len);
	memcpy(buf, mac, PASST_ETH_ALEN);

	if (core->frame_send(m, len)) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "DHCPv6: cannot queue the reply");
		return;
	}

	/* Name the address if this reply could have carried it */
	leased = r->n_ia && r->type != DHCPV6_CONFIRM &&
		 r->type != DHCPV6_RELEASE && r->type != DHCPV6_DECLINE;
	inet_ntop(AF_INET6, &net->ip6.addr, a, sizeof(a));
	core->log(m, PASST_LOG_INFO | PASST_LOG_RATELIMIT, "DHCPv6: %s: %s%s%s",
		  dhcpv6_type_names[r->type], dhcpv6_type_names[type],
		  leased ? " " : "", leased ? a : "");
}

/**
 * dhcpv6_on_frame() - Answer one DHCPv6 frame from the guest
 * @m:		This module
 * @d:		Module state
 * @f:		IPv6 frame claimed for UDP port 547
 */
void dhcpv6_on_frame(struct passt_mod *m, const struct dhcp *d,
		     const struct passt_frame *f)
{
	const struct passt_core_ops *core = d->core;
	const struct passt_netcfg *net = core->net(m);
	const uint8_t *ip6, *udp = NULL, *mac;
	struct in6_addr src, dst;
	struct passt_frame msg = { 0 };
	struct dhcpv6_req r;
	uint8_t duid[DHCPV6_DUID_LL_LEN];
	const char *err = NULL;
	size_t ulen;

	if (!net->ip6.enable || IN6_IS_ADDR_UNSPECIFIED(&net->ip6.our_ll)) {
		core->log(m, PASST_LOG_DEBUG,
			  "DHCPv6: IPv6 disabled or no link-local address");
		return;
	}

	ip6 = passt_frame_at(f, f->l3off, PASST_IP6_HLEN);
	mac = passt_frame_at(f, PASST_ETH_ALEN, PASST_ETH_ALEN);
	if (!ip6 || !mac) {
		err = "no IPv6 header";
		goto drop;
	}
	memcpy(&src, ip6 + 8, sizeof(src));
	memcpy(&dst, ip6 + 24, sizeof(dst));
	if (!IN6_IS_ADDR_LINKLOCAL(&src)) {
		err = "source is not link-local";
		goto drop;
	}
	if (!IN6_ARE_ADDR_EQUAL(&dst, &dhcpv6_all_servers) &&
	    !IN6_ARE_ADDR_EQUAL(&dst, &net->ip6.our_ll)) {
		err = "destination is neither ff02::1:2 nor us";
		goto drop;
	}
	if (mac[0] & 1) {
		err = "Ethernet source is not unicast";
		goto drop;
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

	memset(&r, 0, sizeof(r));
	err = dhcpv6_parse(&msg, net, &r);
	if (err)
		goto drop;

	dhcpv6_duid(net, duid);
	err = dhcpv6_check(&r, duid);
	if (err)
		goto drop;

	dhcpv6_send(m, core, net, &r, duid, &src, mac);
	return;

drop:
	core->log(m, PASST_LOG_DEBUG, "DHCPv6: %s, dropped", err);
}
