/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stats.h - Run-time counters per module, logged on SIGUSR1 */

#ifndef STATS_H
#define STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <passt/module.h>

/**
 * enum stats_core_counter - What the core counts of its own
 * @STATS_ARP_ANSWERED:	ARP requests the core answered
 * @STATS_DROP_UNHANDLED: Guest frames malformed or claimed by no module
 * @STATS_RELOADS:	Reloads applied
 * @STATS_RELOAD_ERRORS: Reloads refused (the running settings stayed)
 * @STATS_POLL_HITS:	Waits that found an event while polling
 * @STATS_POLL_MISSES:	Waits that polled for nothing, then slept
 * @STATS_CORE_NUM:	Number of counters
 */
enum stats_core_counter {
	STATS_ARP_ANSWERED,
	STATS_DROP_UNHANDLED,
	STATS_RELOADS,
	STATS_RELOAD_ERRORS,
	STATS_POLL_HITS,
	STATS_POLL_MISSES,
	STATS_CORE_NUM,
};

void stats_from_guest(unsigned int mod, size_t frames, size_t bytes);
void stats_to_guest(unsigned int mod, size_t frames, size_t bytes);
void stats_core_add(enum stats_core_counter c, uint64_t n);
uint64_t stats_core_get(enum stats_core_counter c);
size_t stats_fmt_mod(struct passt_mod *m, unsigned int flows, char *buf,
		     size_t len);
size_t stats_fmt_core(unsigned int flows, unsigned int flow_max, char *buf,
		      size_t len);
void stats_log(void);
void stats_reset(void);

#endif /* STATS_H */
