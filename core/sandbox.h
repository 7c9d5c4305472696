/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sandbox.h - Namespaces, pivot_root, capabilities, seccomp, daemon */

#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

/**
 * struct sandbox_conf - What the sandbox needs to know
 * @enable:	false only for debugging: every stage is skipped, loudly
 * @runas:	User (name or uid[:gid]) to switch to; NULL: "nobody" if
 *		root, else stay
 * @daemon:	Will daemonise: also detach a PID namespace
 */
struct sandbox_conf {
	bool enable;
	const char *runas;
	bool daemon;
};

int sandbox_resolve_user(const char *runas, uid_t *uid, gid_t *gid);
int sandbox_enter(const struct sandbox_conf *c);
int sandbox_seccomp(const char *const *names, size_t n, bool enable);
int sandbox_seccomp_allowed(const char *name);
int daemon_detach(int pidfile_fd);

#endif /* SANDBOX_H */
