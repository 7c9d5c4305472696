/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.h - Queries of the host's routes, addresses and links */

#ifndef NETLINK_H
#define NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <passt/module.h>

/**
 * struct nl_host_v4 - IPv4 defaults read from the host
 * @found:	A default route exists
 * @ifindex:	Interface of the default route
 * @ifname:	Its name
 * @mtu:	Its MTU
 * @mac:	Its MAC address (zero if none)
 * @gw:		Gateway of the default route
 * @addr:	First global address on that interface
 * @prefix_len:	Its prefix length
 */
struct nl_host_v4 {
	bool found;
	unsigned int ifindex;
	char ifname[PASST_IFNAME_MAX];
	unsigned int mtu;
	uint8_t mac[PASST_ETH_ALEN];
	struct in_addr gw;
	struct in_addr addr;
	uint8_t prefix_len;
};

/**
 * struct nl_host_v6 - IPv6 defaults read from the host, as nl_host_v4
 * @addr_ll:	Link-local address of that interface
 */
struct nl_host_v6 {
	bool found;
	unsigned int ifindex;
	char ifname[PASST_IFNAME_MAX];
	unsigned int mtu;
	uint8_t mac[PASST_ETH_ALEN];
	struct in6_addr gw;
	struct in6_addr addr;
	uint8_t prefix_len;
	struct in6_addr addr_ll;
};

int nl_host_defaults_v4(struct nl_host_v4 *d);
int nl_host_defaults_v6(struct nl_host_v6 *d);

/**
 * struct resolv_conf - What the host's resolv.conf says
 * @n4:		Number of IPv4 nameservers
 * @n6:		Number of IPv6 nameservers
 * @ns4:	IPv4 nameservers, in file order
 * @ns6:	IPv6 nameservers, in file order
 * @n_search:	Number of search domains
 * @search:	Search domains
 */
struct resolv_conf {
	unsigned int n4, n6;
	struct in_addr ns4[PASST_DNS_MAX];
	struct in6_addr ns6[PASST_DNS_MAX];
	unsigned int n_search;
	char search[PASST_SEARCH_MAX][PASST_DOMAIN_MAX];
};

int resolv_conf_read(const char *path, struct resolv_conf *rc);

#endif /* NETLINK_H */
