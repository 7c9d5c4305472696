// SPDX-License-Identifier: GPL-2.0-or-later
/* udp.c - UDP flows between the guest and host sockets
 *
 * Theory of Operation
 * -------------------
 * Not built yet (issue #5): this module loads, registers and reads its
 * settings, but it claims no frames and opens no sockets, so the core
 * drops the guest's UDP frames with a trace line.
 */

#include <errno.h>

#include <passt/module.h>

#include "syscalls.gen.h"

/**
 * struct udp_state - This module's settings
 * @flow_timeout:	seconds a UDP flow lives without traffic
 */
struct udp_state {
	long long flow_timeout;
};

static const char *const udp_keys[] = {
	"flow_timeout",
	NULL
};

/**
 * udp_configure() - Read and check the udp group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int udp_configure(struct passt_mod *m,
                         const struct passt_core_ops *core)
{
	struct udp_state *s = passt_priv(m);
	int rc;

	s->flow_timeout = 180;
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
 * udp_init() - Nothing to open yet
 * @m:		This module
 *
 * Return: 0
 */
static int udp_init(struct passt_mod *m)
{
	(void)m;
	return 0;
}

PASST_MODULE(
	.name		= "udp",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "UDP flows between the guest and host sockets (not built yet: claims no frames)",
	.priv_size	= sizeof(struct udp_state),
	.syscalls	= module_syscalls,
	.config_keys	= udp_keys,
	.configure	= udp_configure,
	.init		= udp_init,
);
