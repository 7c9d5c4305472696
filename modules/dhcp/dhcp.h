/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp.h - What the DHCP module's files share: state and DNS name encoding */

#ifndef DHCP_H
#define DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <passt/module.h>

/* Lease and address lifetimes: infinite, see the Theory of Operation */
#define DHCP_LIFETIME_INFINITE	0xffffffffU

/* Longest encoded search list: every domain at its longest, in wire format
 * (a name of PASST_DOMAIN_MAX - 1 characters encodes to at most 255 bytes)
 */
#define DHCP_SEARCH_WIRE_MAX	(PASST_SEARCH_MAX * 255)

/**
 * struct dhcp - State of the DHCP module, in its priv block
 * @core:		Core services, as given to configure()
 * @enable:		Answer clients at all ("enable" setting)
 * @messages_v4:	DHCPv4 messages from the guest, for dhcp_stats()
 * @messages_v6:	DHCPv6 messages from the guest
 * @drop_disabled:	Messages dropped with enable = false
 * @drop_not_ip:	Frames of another EtherType (a core bug)
 */
struct dhcp {
	const struct passt_core_ops *core;
	bool enable;
	uint64_t messages_v4;
	uint64_t messages_v6;
	uint64_t drop_disabled;
	uint64_t drop_not_ip;
};

int dhcp_dns_name(const char *name, uint8_t *out, size_t size);
size_t dhcp_search_list(const struct passt_netcfg *net, uint8_t *out,
			size_t size);

void dhcpv4_on_frame(struct passt_mod *m, const struct dhcp *d,
		     const struct passt_frame *f);
void dhcpv6_on_frame(struct passt_mod *m, const struct dhcp *d,
		     const struct passt_frame *f);

#endif /* DHCP_H */
