// SPDX-License-Identifier: GPL-2.0-or-later
/* qemu_stream.c - QEMU's -netdev stream over a UNIX socket
 *
 * Theory of Operation
 * -------------------
 * Not built yet (issue #6): this backend loads and reads its settings,
 * and its init() refuses to start, saying so, rather than pretending to
 * carry frames.
 */

#include <errno.h>

#include <passt/module.h>

#include "syscalls.gen.h"

/**
 * struct qemu_stream_state - This module's settings
 * @socket:	UNIX socket path
 */
struct qemu_stream_state {
	const char *socket;
};

static const char *const qemu_stream_keys[] = {
	"socket",
	NULL
};

/**
 * qemu_stream_configure() - Read and check the qemu_stream group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int qemu_stream_configure(struct passt_mod *m,
                                 const struct passt_core_ops *core)
{
	struct qemu_stream_state *s = passt_priv(m);
	int rc;

	s->socket = "/tmp/passt.socket";
	rc = core->cfg_str(m, "socket", &s->socket);
	if (rc < 0)
		return rc;
	return 0;
}

/**
 * qemu_stream_init() - Refuse to start: the backend isn't built yet
 * @m:		This module
 *
 * Return: -ENOSYS
 */
static int qemu_stream_init(struct passt_mod *m)
{
	passt_core(m)->log(m, PASST_LOG_ERR, "this backend is not built yet "
			   "(issue #6); nothing can reach a guest through it");
	return -ENOSYS;
}

/**
 * qemu_stream_send() - Frames to the guest: none can go anywhere yet
 * @m:		This module
 * @iov:	Frames
 * @n:		Number of frames
 *
 * Return: 0 (none taken)
 */
static int qemu_stream_send(struct passt_mod *m, const struct iovec *iov, size_t n)
{
	(void)m;
	(void)iov;
	(void)n;
	return 0;
}

PASST_MODULE(
	.name		= "qemu_stream",
	.kind		= PASST_MOD_BACKEND,
	.summary	= "QEMU's -netdev stream over a UNIX socket (not built yet)",
	.priv_size	= sizeof(struct qemu_stream_state),
	.syscalls	= module_syscalls,
	.config_keys	= qemu_stream_keys,
	.configure	= qemu_stream_configure,
	.init		= qemu_stream_init,
	.send		= qemu_stream_send,
);
