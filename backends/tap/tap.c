// SPDX-License-Identifier: GPL-2.0-or-later
/* tap.c - tap device in a network namespace, like pasta
 *
 * Theory of Operation
 * -------------------
 * Not built yet (issue #3): this backend loads and reads its settings,
 * and its init() refuses to start, saying so, rather than pretending to
 * carry frames.
 */

#include <errno.h>

#include <passt/module.h>

#include "syscalls.gen.h"

/**
 * struct tap_state - This module's settings
 * @config_net:	configure addresses and routes in the namespace
 * @netns:	namespace: /run/netns/NAME or a PID
 * @ifname:	tap interface name
 */
struct tap_state {
	bool config_net;
	const char *netns;
	const char *ifname;
};

static const char *const tap_keys[] = {
	"config_net",
	"netns",
	"ifname",
	NULL
};

/**
 * tap_configure() - Read and check the tap group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int tap_configure(struct passt_mod *m,
                         const struct passt_core_ops *core)
{
	struct tap_state *s = passt_priv(m);
	int rc;

	s->config_net = false;
	rc = core->cfg_bool(m, "config_net", &s->config_net);
	if (rc < 0)
		return rc;
	s->netns = "";
	rc = core->cfg_str(m, "netns", &s->netns);
	if (rc < 0)
		return rc;
	s->ifname = "tap0";
	rc = core->cfg_str(m, "ifname", &s->ifname);
	if (rc < 0)
		return rc;
	return 0;
}

/**
 * tap_init() - Refuse to start: the backend isn't built yet
 * @m:		This module
 *
 * Return: -ENOSYS
 */
static int tap_init(struct passt_mod *m)
{
	passt_core(m)->log(m, PASST_LOG_ERR, "this backend is not built yet "
			   "(issue #3); nothing can reach a guest through it");
	return -ENOSYS;
}

/**
 * tap_send() - Frames to the guest: none can go anywhere yet
 * @m:		This module
 * @iov:	Frames
 * @n:		Number of frames
 *
 * Return: 0 (none taken)
 */
static int tap_send(struct passt_mod *m, const struct iovec *iov, size_t n)
{
	(void)m;
	(void)iov;
	(void)n;
	return 0;
}

PASST_MODULE(
	.name		= "tap",
	.kind		= PASST_MOD_BACKEND,
	.summary	= "tap device in a network namespace, like pasta (not built yet)",
	.priv_size	= sizeof(struct tap_state),
	.syscalls	= module_syscalls,
	.config_keys	= tap_keys,
	.configure	= tap_configure,
	.init		= tap_init,
	.send		= tap_send,
);
