// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp.c - DHCPv4 and DHCPv6 servers for the guest: the module descriptor
 *
 * Theory of Operation
 * ===================
 *
 * What it does
 * ------------
 * The guest behind passt has one link, and on it nobody but us. Whatever
 * address, gateway and nameservers the core resolved (struct passt_netcfg,
 * from the configuration or copied from the host) are handed to the guest's
 * DHCP client, so that an unmodified guest configures itself exactly as
 * the core expects it to be configured. This module is that server, for
 * DHCPv4 (RFC 2131, 2132; dhcpv4.c) and DHCPv6 (RFC 8415; dhcpv6.c).
 *
 * It claims UDP port 67 on IPv4 and UDP port 547 on IPv6. Every claimed
 * frame gets at most one reply frame, built in the core's queue towards
 * the guest (frame_alloc() + frame_send()); nothing is remembered between
 * messages, there are no sockets, timers or flows, and no system calls.
 *
 * Addresses and leases
 * --------------------
 * There is exactly one address per IP version to give out: the guest's,
 * net->ip4.addr and net->ip6.addr. There is no pool, no binding table and
 * no client to tell apart from another: any client asking gets that
 * address. A request for any other address is refused (DHCPv4 NAK), which
 * sends a client holding a stale lease (from another network, or from an
 * earlier passt with other settings) back to DISCOVER.
 *
 * Leases and IPv6 lifetimes are infinite (0xffffffff), as passt does: the
 * address cannot change while the daemon runs, so renewals would only add
 * traffic, and a lease running out because a renewal got lost would cut
 * the guest off for no reason. With an infinite lease RFC 2131 has no use
 * for T1 and T2, so options 58 and 59 are not sent; in DHCPv6 T1 and T2 are
 * infinite too (RFC 8415, 21.4). Clients that cap the lease anyway and
 * renew are answered normally: renewals of our address are acknowledged.
 *
 * DHCPv4
 * ------
 * - DISCOVER gets an OFFER, REQUEST an ACK if the address it asks for (the
 *   requested address option, or ciaddr when renewing or rebinding) is the
 *   guest's, else a NAK. A REQUEST naming another server (option 54) means
 *   the client chose someone else: no answer. INFORM gets an ACK with
 *   configuration but no address and no lease. RELEASE and DECLINE get
 *   nothing: there is nothing to free, and no other address to try.
 * - Our identity (option 54, and the source address of replies) is the
 *   gateway address, which is the address the guest reaches us at anyway.
 *   Without a gateway, an address of the guest's subnet that is not the
 *   guest's stands in (see dhcpv4_server_id()).
 * - Always sent with OFFER and ACK: message type, server identifier, lease
 *   time (not for INFORM), subnet mask, router, classless static routes if
 *   needed, interface MTU, and the client identifier echoed (RFC 6842).
 *   The MTU is sent unrequested because the link's MTU is passt's, usually
 *   65520, and a guest left at 1500 would be much slower; a client that does
 *   not know option 26 ignores it. Nameservers (6), domain name (15) and the
 *   domain search list (119, RFC 3397, uncompressed, split across several
 *   options per RFC 3396 when longer than 255 bytes) are sent if the
 *   parameter request list (55) asks for them, in its order, or always if
 *   the client sent no such list.
 * - If the gateway is outside the guest's prefix (a host with a /32 address,
 *   common in clouds), option 121 (RFC 3442) carries a host route to the
 *   gateway on the link and the default route through it, and option 3 is
 *   sent as well for clients that do not know 121.
 * - Replies never exceed the client's maximum message size (option 57,
 *   which counts IP and UDP headers; at least 576 bytes), nor the link MTU:
 *   mandatory options come first, and an optional one that does not fit is
 *   left out whole. Replies are padded to the 300 bytes of a BOOTP message.
 * - Addressing follows RFC 2131, 4.1, without relays (a message with giaddr
 *   set is dropped: there is no relay on a link with only us): NAK goes to
 *   255.255.255.255, a client with an address (ciaddr) gets unicast there,
 *   one that set the broadcast flag gets 255.255.255.255, any other gets
 *   unicast to the offered address. The Ethernet destination is always
 *   chaddr: a client that cannot receive unicast IP before it is configured
 *   sets the broadcast flag, and a broadcast IP datagram to its own MAC is
 *   accepted by every stack.
 *
 * DHCPv6
 * ------
 * - SOLICIT gets an ADVERTISE with preference 255 (so that the client need
 *   not wait for other servers), or a REPLY if it carries Rapid Commit.
 *   REQUEST, RENEW and REBIND get a REPLY with the address, CONFIRM a REPLY
 *   with status Success or NotOnLink, RELEASE and DECLINE a REPLY with
 *   status Success, INFORMATION-REQUEST a REPLY with nameservers and
 *   search domains only. Messages RFC 8415, 16 says to discard (a missing
 *   or foreign Server Identifier, a Server Identifier in a SOLICIT, an IA
 *   in an INFORMATION-REQUEST...) are discarded.
 * - Our DUID is a DUID-LL (type 3) of our MAC address: stable for the life
 *   of the daemon's settings, and it needs no clock or storage.
 * - The first IA_NA of a message gets the address, with the client's IAID;
 *   further IA_NAs get status NoAddrsAvail. Temporary addresses (IA_TA)
 *   get NoAddrsAvail and prefix delegation (IA_PD) NoPrefixAvail: there is
 *   nothing to delegate.
 * - Nameservers (23) and the domain search list (24) are sent if the Option
 *   Request option asks for them, or if there is none.
 * - Only messages from a link-local source to All_DHCP_Relay_Agents_and_
 *   Servers (ff02::1:2) or to our link-local address are answered, like a
 *   server on the link would see them. Replies go from our link-local
 *   address, port 547, to the client's address, port 546, at the Ethernet
 *   source of the request.
 *
 * Limits
 * ------
 * No relays (DHCPv4 giaddr, DHCPv6 Relay-forward), no option overload
 * (DHCPv4 option 52 is ignored: our replies fit without it), no
 * reconfiguration, no authentication, no static hostnames. Checksums of
 * requests are not verified: the core has checked the IP header, and with
 * checksum offload a guest may legitimately send partial UDP checksums.
 *
 * Guest bytes are hostile: every read goes through passt_frame_at(), on the
 * frame or on a bounded view of the DHCP message; option lengths are
 * checked against the message and, in DHCPv6, against the enclosing
 * option. A malformed message is dropped with a debug line, never answered.
 *
 * Configuration
 * -------------
 *	dhcp = { enable = true; };
 * With enable = false the claims stay (they are static), so DHCP traffic
 * still reaches this module and is dropped here, with a debug line.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <passt/module.h>

#include "dhcp.h"
#include "syscalls.gen.h"

#define DHCP_LABEL_MAX		63	/* RFC 1035, 2.3.4 */
#define DHCP_NAME_WIRE_MAX	255

static const struct passt_claim dhcp_claims[] = {
	{ PASST_ETHERTYPE_IP, IPPROTO_UDP, 67 },
	{ PASST_ETHERTYPE_IPV6, IPPROTO_UDP, 547 },
	{ 0 },
};

static const char *const dhcp_config_keys[] = { "enable", NULL };

/**
 * dhcp_dns_name() - Encode a domain name in DNS wire format (RFC 1035, 3.1)
 * @name:	Name, dotted, with or without the final dot
 * @out:	Buffer for the labels and the final zero byte
 * @size:	Size of @out
 *
 * Return: encoded length, -EINVAL if @name is not a valid name (empty, an
 *	   empty or too long label, longer than 255 bytes encoded), -ENOSPC if
 *	   it does not fit in @size bytes
 */
int dhcp_dns_name(const char *name, uint8_t *out, size_t size)
{
	size_t len = strnlen(name, PASST_DOMAIN_MAX), start = 0, pos = 0, i;

	if (len == PASST_DOMAIN_MAX)
		return -EINVAL;			/* no terminator */
	if (len && name[len - 1] == '.')
		len--;
	if (!len)
		return -EINVAL;		/* the root: no search domain */

	/* A length byte per label replaces each dot, plus one for the first
	 * label and the final zero length
	 */
	if (len + 2 > DHCP_NAME_WIRE_MAX)
		return -EINVAL;
	if (len + 2 > size)
		return -ENOSPC;

	for (i = 0; i <= len; i++) {
		size_t l;

		if (i < len && name[i] != '.')
			continue;

		l = i - start;
		if (!l || l > DHCP_LABEL_MAX)
			return -EINVAL;
		out[pos++] = (uint8_t)l;
		memcpy(out + pos, name + start, l);
		pos += l;
		start = i + 1;
	}
	out[pos++] = 0;

	return (int)pos;
}

/**
 * dhcp_search_list() - Encode the search domains as a list of DNS names
 * @net:	Network settings
 * @out:	Buffer, DHCP_SEARCH_WIRE_MAX bytes are always enough
 * @size:	Size of @out
 *
 * Names that are not valid are left out rather than sent broken. No
 * compression: RFC 3397 allows it, RFC 8415 (option 24) does not, and one
 * encoder serves both.
 *
 * Return: bytes written, 0 if there are no valid search domains
 */
size_t dhcp_search_list(const struct passt_netcfg *net, uint8_t *out,
			size_t size)
{
	size_t len = 0, i;

	for (i = 0; i < net->n_search && i < PASST_SEARCH_MAX; i++) {
		int rc = dhcp_dns_name(net->search[i], out + len, size - len);

		if (rc > 0)
			len += (size_t)rc;
	}

	return len;
}

/**
 * dhcp_configure() - Read the "dhcp" group of the configuration
 * @m:		This module
 * @core:	Core services, kept for the module's whole life
 *
 * Return: 0, or -errno after logging why
 */
static int dhcp_configure(struct passt_mod *m,
			  const struct passt_core_ops *core)
{
	const struct passt_netcfg *net;
	bool enable = true;
	struct dhcp *d;
	int rc;

	if (core->size < offsetof(struct passt_core_ops, csum) +
			 sizeof(core->csum))
		return -ENOTSUP;	/* can't even log: predates ABI 1.0 */

	d = core->priv(m);
	d->core = core;

	net = core->net(m);
	if (net->size < offsetof(struct passt_netcfg, guest_ifindex)) {
		core->log(m, PASST_LOG_ERR,
			  "network settings are %u bytes, need at least %zu",
			  net->size,
			  offsetof(struct passt_netcfg, guest_ifindex));
		return -ENOTSUP;
	}

	rc = core->cfg_bool(m, "enable", &enable);
	if (rc < 0)
		return rc;
	d->enable = enable;

	if (!enable)
		core->log(m, PASST_LOG_INFO,
			  "disabled: guest DHCP requests will be ignored");
	return 0;
}

/**
 * dhcp_init() - Nothing to open or allocate: state is all in priv
 * @m:		This module
 *
 * Return: 0
 */
static int dhcp_init(struct passt_mod *m)
{
	(void)m;
	return 0;
}

/**
 * dhcp_on_frames() - Answer a batch of DHCPv4 and DHCPv6 client messages
 * @m:		This module
 * @f:		Frames claimed by this module
 * @n:		Number of frames
 * @now:	Current time (unused: nothing here expires)
 */
static void dhcp_on_frames(struct passt_mod *m, const struct passt_frame *f,
			   size_t n, const struct timespec *now)
{
	struct dhcp *d = passt_priv(m);
	size_t i;

	(void)now;

	for (i = 0; i < n; i++) {
		if (!d->enable) {
			d->core->log(m, PASST_LOG_DEBUG,
				     "disabled: DHCP message dropped");
			d->drop_disabled++;
			continue;
		}

		if (f[i].ethertype == PASST_ETHERTYPE_IP) {
			d->messages_v4++;
			dhcpv4_on_frame(m, d, &f[i]);
		} else if (f[i].ethertype == PASST_ETHERTYPE_IPV6) {
			d->messages_v6++;
			dhcpv6_on_frame(m, d, &f[i]);
		} else {
			d->core->log(m, PASST_LOG_DEBUG,
				     "EtherType 0x%04x is not ours, dropped",
				     f[i].ethertype);
			d->drop_not_ip++;
		}
	}
}

/**
 * dhcp_stats() - Messages by IP version, drops by reason
 * @m:		This module
 * @st:		Counters to fill
 * @n:		Room in @st
 *
 * Replies are the frames the core counts towards the guest; messages
 * without one were malformed, or asked nothing to answer (debug lines).
 *
 * Return: number of counters filled
 */
static size_t dhcp_stats(struct passt_mod *m, struct passt_stat *st,
			 size_t n)
{
	const struct dhcp *d = passt_priv(m);
	const struct passt_stat all[] = {
		{ "messages_v4",	d->messages_v4 },
		{ "messages_v6",	d->messages_v6 },
		{ "drop_disabled",	d->drop_disabled },
		{ "drop_not_ip",	d->drop_not_ip },
	};
	size_t i;

	for (i = 0; i < n && i < sizeof(all) / sizeof(all[0]); i++)
		st[i] = all[i];
	return i;
}

PASST_MODULE(
	.name		= "dhcp",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "DHCPv4 and DHCPv6 servers handing the guest its "
			  "address",
	.priv_size	= sizeof(struct dhcp),
	.syscalls	= module_syscalls,
	.config_keys	= dhcp_config_keys,
	.claims		= dhcp_claims,
	.configure	= dhcp_configure,
	.init		= dhcp_init,
	.on_frames	= dhcp_on_frames,
	.stats		= dhcp_stats,
);
