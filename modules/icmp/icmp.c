// SPDX-License-Identifier: GPL-2.0-or-later
/* icmp.c - ICMP and ICMPv6 echo through ping sockets
 *
 * Theory of Operation
 * -------------------
 * Not built yet (issue #5): this module loads, registers and reads its
 * settings, but it claims no frames and opens no sockets, so the core
 * drops the guest's ICMP echo frames with a trace line.
 */

#include <errno.h>

#include <passt/module.h>

#include "syscalls.gen.h"

/**
 * struct icmp_state - This module's settings
 * @flow_timeout:	seconds an echo flow lives without traffic
 */
struct icmp_state {
	long long flow_timeout;
};

static const char *const icmp_keys[] = {
	"flow_timeout",
	NULL
};

/**
 * icmp_configure() - Read and check the icmp group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int icmp_configure(struct passt_mod *m,
                          const struct passt_core_ops *core)
{
	struct icmp_state *s = passt_priv(m);
	int rc;

	s->flow_timeout = 60;
	rc = core->cfg_int(m, "flow_timeout", &s->flow_timeout);
	if (rc < 0)
		return rc;
	if (s->flow_timeout < 1 || s->flow_timeout > 86400) {
		core->log(m, PASST_LOG_ERR, "flow_timeout %lld: must be 1 to 86400",
			  s->flow_timeout);
		return -EINVAL;
	}
	return 0;
}

/**
 * icmp_init() - Nothing to open yet
 * @m:		This module
 *
 * Return: 0
 */
static int icmp_init(struct passt_mod *m)
{
	(void)m;
	return 0;
}

PASST_MODULE(
	.name		= "icmp",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "ICMP and ICMPv6 echo through ping sockets (not built yet: claims no frames)",
	.priv_size	= sizeof(struct icmp_state),
	.syscalls	= module_syscalls,
	.config_keys	= icmp_keys,
	.configure	= icmp_configure,
	.init		= icmp_init,
);
