/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns.h - A network namespace of the test's own, for unit tests of
 * modules that open real host sockets (udp, icmp)
 *
 *	if (!unit_netns_enter())
 *		return;				(skipped: no namespaces)
 *	unit_lo_addr("lo:1", "192.0.2.1");
 *	unit_lo_addr(NULL, "2001:db8::1") || !unit_usable6("2001:db8::1")
 */

#ifndef UNIT_NETNS_H
#define UNIT_NETNS_H

#include <stdbool.h>

int unit_write_file(const char *path, const char *s);
int unit_lo_addr(const char *label, const char *addr);
bool unit_usable6(const char *addr);
bool unit_netns_enter(void);

#endif /* UNIT_NETNS_H */
