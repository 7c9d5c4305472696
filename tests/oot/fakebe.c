// SPDX-License-Identifier: GPL-2.0-or-later
/* fakebe.c - A test backend: frames from a file in, frames to a file out
 *
 * Theory of Operation
 * -------------------
 * Stands in for a guest in tests of the core's frame path that need no
 * kernel. Files hold frames as QEMU's stream netdev does: each a 32-bit
 * big-endian length, then the Ethernet frame. init() opens both files and
 * reads the input (before the sandbox); start() hands every input frame to
 * the core in one batch, flushes what the protocol modules answered into
 * the output file, and leaves the loop, unless 'idle' is set: then it
 * waits for a signal like a real backend with no guest.
 *
 * Built from passt/module.h alone, like any out-of-tree module.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include <passt/module.h>

#define FAKEBE_FRAMES_MAX	1024
#define FAKEBE_INPUT_MAX	(16 << 20)

/**
 * struct fakebe_state - This module's state
 * @input:	Input file path, or empty
 * @output:	Output file path, or empty
 * @idle:	Stay in the loop after replaying the input
 * @out_fd:	Output file
 * @buf:	Whole input file
 * @n:		Frames parsed from it
 * @f:		The frames
 */
struct fakebe_state {
	const char *input;
	const char *output;
	bool idle;
	int out_fd;
	uint8_t *buf;
	size_t n;
	struct passt_frame f[FAKEBE_FRAMES_MAX];
};

static const char *const fakebe_keys[] = { "input", "output", "idle", NULL };

/**
 * fakebe_configure() - Read the fakebe group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL
 */
static int fakebe_configure(struct passt_mod *m,
			    const struct passt_core_ops *core)
{
	struct fakebe_state *s = passt_priv(m);
	int rc;

	s->input = s->output = "";
	s->out_fd = -1;
	if ((rc = core->cfg_str(m, "input", &s->input)) < 0 ||
	    (rc = core->cfg_str(m, "output", &s->output)) < 0 ||
	    (rc = core->cfg_bool(m, "idle", &s->idle)) < 0)
		return rc;
	return 0;
}

/**
 * fakebe_init() - Open the output, read and split the input
 * @m:		This module
 *
 * Return: 0, or -errno
 */
static int fakebe_init(struct passt_mod *m)
{
	const struct passt_core_ops *core = passt_core(m);
	struct fakebe_state *s = passt_priv(m);
	size_t len = 0, off = 0;
	ssize_t r;
	int fd;

	if (*s->output) {
		s->out_fd = open(s->output, O_WRONLY | O_CREAT | O_TRUNC |
				 O_CLOEXEC, 0644);
		if (s->out_fd < 0)
			return -errno;
	}
	if (!*s->input)
		return 0;

	fd = open(s->input, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	s->buf = malloc(FAKEBE_INPUT_MAX);
	if (!s->buf) {
		close(fd);
		return -ENOMEM;
	}
	while ((r = read(fd, s->buf + len, FAKEBE_INPUT_MAX - len)) > 0)
		len += (size_t)r;
	close(fd);

	while (off + 4 <= len && s->n < FAKEBE_FRAMES_MAX) {
		uint32_t flen = passt_get32(s->buf + off);

		if (flen > len - off - 4) {
			core->log(m, PASST_LOG_ERR, "%s: frame %zu is cut "
				  "short", s->input, s->n);
			return -EINVAL;
		}
		s->f[s->n].data = s->buf + off + 4;
		s->f[s->n].len = flen;
		s->n++;
		off += 4 + flen;
	}
	core->log(m, PASST_LOG_DEBUG, "%zu frames read from %s", s->n,
		  s->input);
	return 0;
}

/**
 * fakebe_start() - Replay the input, flush the answers, leave the loop
 * @m:		This module
 *
 * Return: 0
 */
static int fakebe_start(struct passt_mod *m)
{
	const struct passt_core_ops *core = passt_core(m);
	struct fakebe_state *s = passt_priv(m);
	int rc = 0;

	if (s->n)
		rc = core->from_guest(m, s->f, s->n);
	core->flush(m);
	core->log(m, PASST_LOG_INFO, "replayed %zu frames, %d taken", s->n,
		  rc);
	if (!s->idle)
		core->quit(m, 0);
	return 0;
}

/**
 * fakebe_send() - Append frames for the guest to the output file
 * @m:		This module
 * @iov:	Frames
 * @n:		Number of frames
 *
 * Return: frames taken
 */
static int fakebe_send(struct passt_mod *m, const struct iovec *iov,
		       size_t n)
{
	struct fakebe_state *s = passt_priv(m);
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t hdr[4];
		struct iovec v[2] = { { hdr, 4 }, iov[i] };

		passt_put32(hdr, (uint32_t)iov[i].iov_len);
		if (s->out_fd >= 0 && writev(s->out_fd, v, 2) < 0)
			return (int)i;
	}
	return (int)n;
}

/**
 * fakebe_fini() - Close the output, free the input
 * @m:		This module
 */
static void fakebe_fini(struct passt_mod *m)
{
	struct fakebe_state *s = passt_priv(m);

	if (s->out_fd >= 0)
		close(s->out_fd);
	free(s->buf);
}

static const char *const fakebe_syscalls[] = { "writev", "close", NULL };

PASST_MODULE(
	.name		= "fakebe",
	.kind		= PASST_MOD_BACKEND,
	.summary	= "frames from and to files (test)",
	.priv_size	= sizeof(struct fakebe_state),
	.syscalls	= fakebe_syscalls,
	.config_keys	= fakebe_keys,
	.configure	= fakebe_configure,
	.init		= fakebe_init,
	.start		= fakebe_start,
	.fini		= fakebe_fini,
	.send		= fakebe_send,
);
