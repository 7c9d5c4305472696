// SPDX-License-Identifier: GPL-2.0-or-later
/* vhost_user.c - vhost-user: virtqueues in shared guest memory
 *
 * Theory of Operation
 * -------------------
 * Not built yet (issue #8): this backend loads and reads its settings,
 * and its init() refuses to start, saying so, rather than pretending to
 * carry frames.
 */

#include <errno.h>

#include <passt/module.h>

#include "syscalls.gen.h"

/**
 * struct vhost_user_state - This module's settings
 * @socket:	UNIX socket path
 */
struct vhost_user_state {
	const char *socket;
};

static const char *const vhost_user_keys[] = {
	"socket",
	NULL
};

/**
 * vhost_user_configure() - Read and check the vhost_user group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int vhost_user_configure(struct passt_mod *m,
                                const struct passt_core_ops *core)
{
	struct vhost_user_state *s = passt_priv(m);
	int rc;

	s->socket = "/tmp/passt-vu.socket";
	rc = core->cfg_str(m, "socket", &s->socket);
	if (rc < 0)
		return rc;
	return 0;
}

/**
 * vhost_user_init() - Refuse to start: the backend isn't built yet
 * @m:		This module
 *
 * Return: -ENOSYS
 */
static int vhost_user_init(struct passt_mod *m)
{
	passt_core(m)->log(m, PASST_LOG_ERR, "this backend is not built yet "
			   "(issue #8); nothing can reach a guest through it");
	return -ENOSYS;
}

/**
 * vhost_user_send() - Frames to the guest: none can go anywhere yet
 * @m:		This module
 * @iov:	Frames
 * @n:		Number of frames
 *
 * Return: 0 (none taken)
 */
static int vhost_user_send(struct passt_mod *m, const struct iovec *iov, size_t n)
{
	(void)m;
	(void)iov;
	(void)n;
	return 0;
}

PASST_MODULE(
	.name		= "vhost_user",
	.kind		= PASST_MOD_BACKEND,
	.summary	= "vhost-user: virtqueues in shared guest memory (not built yet)",
	.priv_size	= sizeof(struct vhost_user_state),
	.syscalls	= module_syscalls,
	.config_keys	= vhost_user_keys,
	.configure	= vhost_user_configure,
	.init		= vhost_user_init,
	.send		= vhost_user_send,
);
