/* SPDX-License-Identifier: GPL-2.0-or-later */
/* modload.h - Finding, loading and checking modules; the module table */

#ifndef MODLOAD_H
#define MODLOAD_H

#include <assert.h>
#include <limits.h>
#include <stddef.h>
#include <stdbool.h>
#include <time.h>

#include <passt/module.h>

#include "conf.h"

#define MOD_MAX		32	/* loaded modules; index 0 is the core */
#define MOD_DIRS_MAX	4

/**
 * struct passt_mod - The core's record of a loaded module
 * @head:	What the module may read: core services and its state (keep
 *		it first: passt_core() and passt_priv() rely on it)
 * @desc:	Its descriptor, checked: points to @d
 * @d:		Copy of the descriptor, zero-filled past the module's size
 * @dl:		dlopen() handle
 * @idx:	Index in the module table (epoll references, flow owner)
 * @name:	Name (from the descriptor, equal to the file name)
 * @path:	File it was loaded from
 * @inited:	init() succeeded: fini() is due
 * @timer_next:	Next periodic on_timer() call, if timer_ms
 * @oneshot:	Requested on_timer() call, if armed
 * @oneshot_armed: timer_arm() is pending
 * @deferred:	on_defer() requested for this loop turn
 * @tx_wait:	tx_room() was short: on_tx_ready() is due once there is room
 * @rl_tokens:	Rate limiter for its PASST_LOG_RATELIMIT lines
 * @rl_sec:	Second of the last refill
 */
struct passt_mod {
	struct passt_mod_head head;
	const struct passt_module *desc;
	struct passt_module d;
	void *dl;
	unsigned int idx;
	char name[CONF_NAME_MAX];
	char path[PATH_MAX];
	bool inited;
	struct timespec timer_next;
	struct timespec oneshot;
	bool oneshot_armed;
	bool deferred;
	bool tx_wait;
	unsigned int rl_tokens;
	long long rl_sec;
};
static_assert(offsetof(struct passt_mod, head) == 0,
	      "passt_core() and passt_priv() read the head first");

extern struct passt_mod *mods[MOD_MAX];
extern unsigned int mods_n;
extern struct passt_mod *mod_backend;

size_t modload_min_desc_size(unsigned int minor);
int modload_dirs(const struct conf *c, char dirs[][PATH_MAX]);
int modload_accept(const struct passt_module *d, const char *path,
		   const char *expect, struct passt_mod *m, char *errbuf,
		   size_t errlen);
int modload_open(const char *path, const char *expect, struct passt_mod *m,
		 char *errbuf, size_t errlen);
void modload_close(struct passt_mod *m);
int modload_list(const struct conf *c);
void modload_all(struct conf *c);
void modload_configure(struct conf *c);
void modload_init(void);
void modload_start(void);
void modload_fini(void);
const char **modload_syscalls(size_t *n);
const char *const *modload_group_keys(const char *name, bool *found);
const char *const *modload_group_keys_running(const char *name, bool *found);
struct passt_mod *modload_by_name(const char *name);
struct passt_mod *modload_by_idx(unsigned int idx);
void modload_unload_all(void);

#endif /* MODLOAD_H */
