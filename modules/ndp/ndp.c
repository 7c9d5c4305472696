// SPDX-License-Identifier: GPL-2.0-or-later
/* ndp.c - NDP: neighbour and router advertisements for SLAAC
 *
 * Theory of Operation
 * -------------------
 * Not built yet (issue #3): this module loads, registers and reads its
 * settings, but it claims no frames and opens no sockets, so the core
 * drops the guest's NDP frames with a trace line.
 */

#include <errno.h>

#include <passt/module.h>

#include "syscalls.gen.h"

/**
 * struct ndp_state - This module's settings
 * @router_advertisements:	send router advertisements
 */
struct ndp_state {
	bool router_advertisements;
};

static const char *const ndp_keys[] = {
	"router_advertisements",
	NULL
};

/**
 * ndp_configure() - Read and check the ndp group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int ndp_configure(struct passt_mod *m,
                         const struct passt_core_ops *core)
{
	struct ndp_state *s = passt_priv(m);
	int rc;

	s->router_advertisements = true;
	rc = core->cfg_bool(m, "router_advertisements", &s->router_advertisements);
	if (rc < 0)
		return rc;
	return 0;
}

/**
 * ndp_init() - Nothing to open yet
 * @m:		This module
 *
 * Return: 0
 */
static int ndp_init(struct passt_mod *m)
{
	(void)m;
	return 0;
}

PASST_MODULE(
	.name		= "ndp",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "NDP: neighbour and router advertisements for SLAAC (not built yet: claims no frames)",
	.priv_size	= sizeof(struct ndp_state),
	.syscalls	= module_syscalls,
	.config_keys	= ndp_keys,
	.configure	= ndp_configure,
	.init		= ndp_init,
);
