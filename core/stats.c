// SPDX-License-Identifier: GPL-2.0-or-later
/* stats.c - Run-time counters per module, logged on SIGUSR1
 *
 * The core counts, for each module, what it sees pass: frames and bytes
 * from the guest (handed to a protocol module by claim dispatch, or by a
 * backend to the core), frames and bytes to the guest (queued by a
 * protocol module through frame_send(), frames_commit() or to_guest(), or
 * taken by the backend's send()), and, at the time of the report, the
 * flows each module owns in the flow table. A module adds its own
 * counters (flows by state, drops by reason, host-side traffic) through
 * the optional stats() hook of its descriptor (ABI 1.1).
 *
 * SIGUSR1 logs one line for the core, then one per module, at level
 * info, as NAME=VALUE pairs that keep their order from one report to the
 * next (the core's first, then the module's own):
 *
 *	stats: core: flows=2 flow_max=65536 arp_answered=1 ...
 *	stats: icmp: frames_from_guest=3 bytes_from_guest=294 ... flows=1 ...
 *
 * Counting is a few additions per batch on the packet path; the report
 * walks the flow table once, outside of it.
 */

#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "log.h"
#include "modload.h"
#include "stats.h"
#include "util.h"

/**
 * struct stats_mod - What the core counts per module
 * @frames_from_guest:	Frames from the guest
 * @bytes_from_guest:	Their bytes, Ethernet header included
 * @frames_to_guest:	Frames to the guest
 * @bytes_to_guest:	Their bytes
 */
struct stats_mod {
	uint64_t frames_from_guest;
	uint64_t bytes_from_guest;
	uint64_t frames_to_guest;
	uint64_t bytes_to_guest;
};

static struct stats_mod stats_mods[MOD_MAX];
static uint64_t stats_core[STATS_CORE_NUM];

static const char *const stats_core_names[] = {
	[STATS_ARP_ANSWERED]	= "arp_answered",
	[STATS_DROP_UNHANDLED]	= "drop_unhandled",
	[STATS_RELOADS]		= "reloads",
	[STATS_RELOAD_ERRORS]	= "reload_errors",
	[STATS_POLL_HITS]	= "busy_poll_hits",
	[STATS_POLL_MISSES]	= "busy_poll_misses",
};
static_assert(ARRAY_SIZE(stats_core_names) == STATS_CORE_NUM,
	      "a name for every core counter");

/**
 * stats_from_guest() - Count frames from the guest for a module
 * @mod:	Module index
 * @frames:	Number of frames
 * @bytes:	Their total length
 */
void stats_from_guest(unsigned int mod, size_t frames, size_t bytes)
{
	if (mod >= MOD_MAX)
		return;
	stats_mods[mod].frames_from_guest += frames;
	stats_mods[mod].bytes_from_guest += bytes;
}

/**
 * stats_to_guest() - Count frames to the guest for a module
 * @mod:	Module index
 * @frames:	Number of frames
 * @bytes:	Their total length
 */
void stats_to_guest(unsigned int mod, size_t frames, size_t bytes)
{
	if (mod >= MOD_MAX)
		return;
	stats_mods[mod].frames_to_guest += frames;
	stats_mods[mod].bytes_to_guest += bytes;
}

/**
 * stats_core_add() - Add to one of the core's own counters
 * @c:		Counter
 * @n:		Amount
 */
void stats_core_add(enum stats_core_counter c, uint64_t n)
{
	if (c < STATS_CORE_NUM)
		stats_core[c] += n;
}

/**
 * stats_core_get() - Value of one of the core's own counters
 * @c:		Counter
 *
 * Return: its value, 0 for no such counter
 */
uint64_t stats_core_get(enum stats_core_counter c)
{
	return c < STATS_CORE_NUM ? stats_core[c] : 0;
}

/**
 * stats_put() - Append " name=value" to a line
 * @buf:	Line
 * @len:	Size of @buf
 * @pos:	Length so far (may exceed @len: nothing more is written)
 * @name:	Counter name
 * @value:	Its value
 */
static void stats_put(char *buf, size_t len, size_t *pos, const char *name,
		      uint64_t value)
{
	int n;

	if (*pos < len)
		n = snprintf(buf + *pos, len - *pos, "%s%s=%llu",
			     *pos ? " " : "", name,
			     (unsigned long long)value);
	else
		n = snprintf(NULL, 0, "%s%s=%llu", *pos ? " " : "", name,
			     (unsigned long long)value);
	if (n > 0)
		*pos += (size_t)n;
}

/**
 * stats_name_ok() - Whether a module's counter name may be printed
 * @name:	Name, or NULL
 *
 * Return: true for [a-z0-9_], 1 to PASST_STAT_NAME_MAX characters
 */
static bool stats_name_ok(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strnlen(name, PASST_STAT_NAME_MAX + 1);
	return len && len <= PASST_STAT_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

/**
 * stats_fmt_mod() - The counters of one module, as NAME=VALUE pairs
 * @m:		Module
 * @flows:	Flows it owns
 * @buf:	Buffer, may be NULL if @len is 0
 * @len:	Size of @buf: the text is cut to fit, NUL-terminated
 *
 * The core's counters come first; then the module's stats() hook, if its
 * descriptor has one: entries with a malformed name are left out, and no
 * more than PASST_STATS_MAX are taken whatever it returns.
 *
 * Return: length of the whole text, as snprintf() counts it
 */
size_t stats_fmt_mod(struct passt_mod *m, unsigned int flows, char *buf,
		     size_t len)
{
	const struct stats_mod *s = &stats_mods[m->idx < MOD_MAX ? m->idx : 0];
	struct passt_stat st[PASST_STATS_MAX];
	size_t pos = 0, n, i;

	if (buf && len)
		buf[0] = '\0';
	else
		len = 0;

	stats_put(buf, len, &pos, "frames_from_guest", s->frames_from_guest);
	stats_put(buf, len, &pos, "bytes_from_guest", s->bytes_from_guest);
	stats_put(buf, len, &pos, "frames_to_guest", s->frames_to_guest);
	stats_put(buf, len, &pos, "bytes_to_guest", s->bytes_to_guest);
	stats_put(buf, len, &pos, "flows", flows);

	if (!m->desc->stats)
		return pos;
	memset(st, 0, sizeof(st));
	n = m->desc->stats(m, st, ARRAY_SIZE(st));
	for (i = 0; i < MIN(n, ARRAY_SIZE(st)); i++) {
		if (!stats_name_ok(st[i].name)) {
			debug("%s: stats: counter %zu has no valid name, left "
			      "out", m->name, i);
			continue;
		}
		stats_put(buf, len, &pos, st[i].name, st[i].value);
	}
	return pos;
}

/**
 * stats_fmt_core() - The core's own counters, as NAME=VALUE pairs
 * @flows:	Flows in the table
 * @flow_max:	Its capacity
 * @buf:	Buffer, may be NULL if @len is 0
 * @len:	Size of @buf: the text is cut to fit, NUL-terminated
 *
 * Return: length of the whole text, as snprintf() counts it
 */
size_t stats_fmt_core(unsigned int flows, unsigned int flow_max, char *buf,
		      size_t len)
{
	size_t pos = 0;
	unsigned int i;

	if (buf && len)
		buf[0] = '\0';
	else
		len = 0;

	stats_put(buf, len, &pos, "flows", flows);
	stats_put(buf, len, &pos, "flow_max", flow_max);
	for (i = 0; i < STATS_CORE_NUM; i++)
		stats_put(buf, len, &pos, stats_core_names[i], stats_core[i]);
	return pos;
}

/**
 * stats_log() - SIGUSR1: one line for the core, then one per module
 */
void stats_log(void)
{
	unsigned int flows[MOD_MAX] = { 0 }, cap = flow_capacity(), i;
	char line[BUFSIZ / 2];

	for (i = 0; i < cap; i++) {
		int owner = flow_owner(i);

		if (owner > 0 && owner < MOD_MAX)
			flows[owner]++;
	}

	stats_fmt_core(flow_count(), cap, line, sizeof(line));
	info("stats: core: %s", line);
	for (i = 1; i < mods_n; i++) {
		stats_fmt_mod(mods[i], flows[i], line, sizeof(line));
		info("stats: %s: %s", mods[i]->name, line);
	}
}

/**
 * stats_reset() - Forget every count (tests)
 */
void stats_reset(void)
{
	memset(stats_mods, 0, sizeof(stats_mods));
	memset(stats_core, 0, sizeof(stats_core));
}
