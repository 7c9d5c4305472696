// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp.c - TCP between guest segments and host sockets
 *
 * Theory of Operation
 * -------------------
 * Not built yet (issue #4): this module loads, registers and reads its
 * settings, but it claims no frames and opens no sockets, so the core
 * drops the guest's TCP frames with a trace line.
 */

#include <errno.h>

#include <passt/module.h>

#include "syscalls.gen.h"

/**
 * struct tcp_state - This module's settings
 * @keepalive_interval:	seconds between keepalive probes on idle host sockets
 * @inactivity_timeout:	seconds of silence before a connection is reset
 */
struct tcp_state {
	long long keepalive_interval;
	long long inactivity_timeout;
};

static const char *const tcp_keys[] = {
	"keepalive_interval",
	"inactivity_timeout",
	NULL
};

/**
 * tcp_configure() - Read and check the tcp group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int tcp_configure(struct passt_mod *m,
                         const struct passt_core_ops *core)
{
	struct tcp_state *s = passt_priv(m);
	int rc;

	s->keepalive_interval = 300;
	rc = core->cfg_int(m, "keepalive_interval", &s->keepalive_interval);
	if (rc < 0)
		return rc;
	if (s->keepalive_interval < 1 || s->keepalive_interval > 86400) {
		core->log(m, PASST_LOG_ERR, "keepalive_interval %lld: must be 1 to 86400",
			  s->keepalive_interval);
		return -EINVAL;
	}
	s->inactivity_timeout = 7200;
	rc = core->cfg_int(m, "inactivity_timeout", &s->inactivity_timeout);
	if (rc < 0)
		return rc;
	if (s->inactivity_timeout < 1 || s->inactivity_timeout > 604800) {
		core->log(m, PASST_LOG_ERR, "inactivity_timeout %lld: must be 1 to 604800",
			  s->inactivity_timeout);
		return -EINVAL;
	}
	return 0;
}

/**
 * tcp_init() - Nothing to open yet
 * @m:		This module
 *
 * Return: 0
 */
static int tcp_init(struct passt_mod *m)
{
	(void)m;
	return 0;
}

PASST_MODULE(
	.name		= "tcp",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "TCP between guest segments and host sockets (not built yet: claims no frames)",
	.priv_size	= sizeof(struct tcp_state),
	.syscalls	= module_syscalls,
	.config_keys	= tcp_keys,
	.configure	= tcp_configure,
	.init		= tcp_init,
);
