// SPDX-License-Identifier: GPL-2.0-or-later
/* ethstats.c - Example module: count frames per guest MAC, answer "stats"
 *
 * Theory of Operation
 * -------------------
 * A small but complete protocol module, built out of tree against the
 * installed passt/module.h (see the Makefile beside it, and
 * doc/modules.md, the guide that walks through it).
 *
 * It claims EtherType 0x88b6, the second of the two EtherTypes IEEE 802
 * sets aside for local experiments, so it disturbs nothing else the guest
 * sends. Every such frame is counted against its source MAC address, in a
 * table of 'max_sources' entries allocated at init(); frames from further
 * addresses are counted together as "others", because nothing may be
 * allocated once the daemon is running. A frame whose payload is exactly
 * "stats" is counted too, then answered with one frame back to its sender:
 *
 *	frames=F sources=S others=O yours=Y
 *
 * F: frames counted, S: addresses in the table, O: frames from addresses
 * that found it full, Y: frames from the asking address.
 *
 * With 'report_interval' set, a summary line is logged every so many
 * seconds, from a one-shot timer re-armed at each expiry. At shutdown,
 * fini() logs one line per address and the summary.
 *
 * Memory comes from the priv block and one calloc() at init(). The only
 * system call it can make afterwards is brk(), if the free() in fini(),
 * which runs inside the sandbox, gives memory back to the kernel: that is
 * its whole 'syscalls' list.
 *
 * Configuration
 * -------------
 *	ethstats = { max_sources = 16; report_interval = 0; };
 *
 * Build and try it
 * ----------------
 *	make && make install		(needs passt-module.pc: see Makefile)
 *	passt -f -c FILE		with modules = [ ..., "ethstats" ];
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <passt/module.h>

#define ETHSTATS_TYPE		0x88b6
#define ETHSTATS_QUERY		"stats"
#define ETHSTATS_SOURCES_DEF	16
#define ETHSTATS_SOURCES_MAX	1024
#define ETHSTATS_INTERVAL_MAX	86400
#define ETHSTATS_ANSWER_MAX	128

/**
 * struct ethstats_source - Counters of one guest MAC address
 * @mac:	Source address of the frames
 * @frames:	Frames seen from it
 * @bytes:	Their length, Ethernet header included
 */
struct ethstats_source {
	uint8_t mac[PASST_ETH_ALEN];
	unsigned long long frames;
	unsigned long long bytes;
};

/**
 * struct ethstats - This module's state, in its priv block
 * @max_sources:	Size of @src, from the config group
 * @interval:		Seconds between summary lines, 0 for none
 * @n:			Entries of @src in use
 * @src:		Counters per address, allocated at init()
 * @total:		Frames counted
 * @others:		Frames from addresses that found @src full
 */
struct ethstats {
	long long max_sources;
	long long interval;
	size_t n;
	struct ethstats_source *src;
	unsigned long long total;
	unsigned long long others;
};

static const char *const ethstats_keys[] = {
	"max_sources", "report_interval", NULL
};

/* Out of tree, nothing collects '#syscalls' lines: keep this in step */
static const char *const ethstats_syscalls[] = { "brk", NULL };

static const struct passt_claim ethstats_claims[] = {
	{ ETHSTATS_TYPE, 0, 0 },
	{ 0 },
};

/**
 * ethstats_configure() - Read and check the ethstats group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int ethstats_configure(struct passt_mod *m,
			      const struct passt_core_ops *core)
{
	struct ethstats *s = passt_priv(m);
	int rc;

	s->max_sources = ETHSTATS_SOURCES_DEF;
	if ((rc = core->cfg_int(m, "max_sources", &s->max_sources)) < 0)
		return rc;
	if (s->max_sources < 1 || s->max_sources > ETHSTATS_SOURCES_MAX) {
		core->log(m, PASST_LOG_ERR, "max_sources %lld: must be 1 to %d",
			  s->max_sources, ETHSTATS_SOURCES_MAX);
		return -EINVAL;
	}

	s->interval = 0;
	if ((rc = core->cfg_int(m, "report_interval", &s->interval)) < 0)
		return rc;
	if (s->interval < 0 || s->interval > ETHSTATS_INTERVAL_MAX) {
		core->log(m, PASST_LOG_ERR, "report_interval %lld: must be 0 "
			  "(never) to %d seconds", s->interval,
			  ETHSTATS_INTERVAL_MAX);
		return -EINVAL;
	}
	return 0;
}

/**
 * ethstats_init() - Allocate the table, before the sandbox
 * @m:		This module
 *
 * Return: 0, or -ENOMEM
 */
static int ethstats_init(struct passt_mod *m)
{
	struct ethstats *s = passt_priv(m);

	s->src = calloc((size_t)s->max_sources, sizeof(*s->src));
	return s->src ? 0 : -ENOMEM;
}

/**
 * ethstats_start() - Arm the first report, from inside the sandbox
 * @m:		This module
 *
 * Return: 0
 */
static int ethstats_start(struct passt_mod *m)
{
	struct ethstats *s = passt_priv(m);

	if (s->interval)
		passt_core(m)->timer_arm(m, (uint32_t)s->interval * 1000);
	return 0;
}

/**
 * ethstats_count() - Count one frame against its source address
 * @s:		Module state
 * @mac:	Source address, PASST_ETH_ALEN bytes
 * @len:	Frame length
 *
 * Return: the address's entry, or NULL if the table is full
 */
static struct ethstats_source *ethstats_count(struct ethstats *s,
					      const uint8_t *mac, size_t len)
{
	struct ethstats_source *e = NULL;
	size_t i;

	s->total++;
	for (i = 0; i < s->n; i++) {
		if (!memcmp(s->src[i].mac, mac, PASST_ETH_ALEN)) {
			e = &s->src[i];
			break;
		}
	}
	if (!e && s->n < (size_t)s->max_sources) {
		e = &s->src[s->n++];
		memcpy(e->mac, mac, PASST_ETH_ALEN);
	}
	if (!e) {
		s->others++;
		return NULL;
	}
	e->frames++;
	e->bytes += len;
	return e;
}

/**
 * ethstats_answer() - Send the counters to the address that asked
 * @m:		This module
 * @mac:	Asking address, PASST_ETH_ALEN bytes
 * @e:		Its entry, or NULL if the table was full
 */
static void ethstats_answer(struct passt_mod *m, const uint8_t *mac,
			    const struct ethstats_source *e)
{
	const struct passt_core_ops *core = passt_core(m);
	struct ethstats *s = passt_priv(m);
	char text[ETHSTATS_ANSWER_MAX];
	uint8_t *out;
	size_t len;
	int n;

	n = snprintf(text, sizeof(text), "frames=%llu sources=%zu others=%llu "
		     "yours=%llu", s->total, s->n, s->others,
		     e ? e->frames : 0ULL);
	if (n < 0 || (size_t)n >= sizeof(text))
		return;

	len = PASST_ETH_HLEN + (size_t)n;
	out = core->frame_alloc(m, len);
	if (!out) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "no room towards the guest: answer dropped");
		return;
	}
	/* To the sender, which is not necessarily the MAC the core learnt */
	memcpy(out, mac, PASST_ETH_ALEN);
	memcpy(out + PASST_ETH_ALEN, core->net(m)->our_mac, PASST_ETH_ALEN);
	passt_put16(out + 12, ETHSTATS_TYPE);
	memcpy(out + PASST_ETH_HLEN, text, (size_t)n);
	core->frame_send(m, len);
}

/**
 * ethstats_on_frames() - Count a batch of 0x88b6 frames, answer queries
 * @m:		This module
 * @f:		Frames
 * @n:		Number of frames
 * @now:	Time of this loop turn
 */
static void ethstats_on_frames(struct passt_mod *m,
			       const struct passt_frame *f, size_t n,
			       const struct timespec *now)
{
	struct ethstats *s = passt_priv(m);
	size_t i, qlen = strlen(ETHSTATS_QUERY);

	(void)now;
	for (i = 0; i < n; i++) {
		const uint8_t *mac = passt_frame_at(&f[i], PASST_ETH_ALEN,
						    PASST_ETH_ALEN);
		const struct ethstats_source *e;
		const uint8_t *q;

		if (!mac) {
			passt_core(m)->log(m, PASST_LOG_TRACE, "frame of %zu "
					   "bytes: too short", f[i].len);
			continue;
		}
		e = ethstats_count(s, mac, f[i].len);

		q = passt_frame_at(&f[i], PASST_ETH_HLEN, qlen);
		if (q && f[i].len == PASST_ETH_HLEN + qlen &&
		    !memcmp(q, ETHSTATS_QUERY, qlen))
			ethstats_answer(m, mac, e);
	}
}

/**
 * ethstats_summary() - Log the totals
 * @m:		This module
 */
static void ethstats_summary(struct passt_mod *m)
{
	struct ethstats *s = passt_priv(m);

	passt_core(m)->log(m, PASST_LOG_INFO, "%llu frames from %zu sources, "
			   "%llu from others", s->total, s->n, s->others);
}

/**
 * ethstats_on_timer() - Periodic summary, then re-arm
 * @m:		This module
 * @now:	Time of this loop turn
 */
static void ethstats_on_timer(struct passt_mod *m, const struct timespec *now)
{
	struct ethstats *s = passt_priv(m);

	(void)now;
	ethstats_summary(m);
	passt_core(m)->timer_arm(m, (uint32_t)s->interval * 1000);
}

/**
 * ethstats_fini() - Log every address and the totals, free the table
 * @m:		This module
 *
 * #syscalls brk
 */
static void ethstats_fini(struct passt_mod *m)
{
	const struct passt_core_ops *core = passt_core(m);
	struct ethstats *s = passt_priv(m);
	size_t i;

	for (i = 0; i < s->n; i++) {
		const uint8_t *a = s->src[i].mac;

		core->log(m, PASST_LOG_INFO, "%02x:%02x:%02x:%02x:%02x:%02x: "
			  "%llu frames, %llu bytes", a[0], a[1], a[2], a[3],
			  a[4], a[5], s->src[i].frames, s->src[i].bytes);
	}
	ethstats_summary(m);
	free(s->src);
	s->src = NULL;
	s->n = 0;
}

PASST_MODULE(
	.name		= "ethstats",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "counts EtherType 0x88b6 frames per MAC (example)",
	.priv_size	= sizeof(struct ethstats),
	.syscalls	= ethstats_syscalls,
	.config_keys	= ethstats_keys,
	.claims		= ethstats_claims,
	.configure	= ethstats_configure,
	.init		= ethstats_init,
	.start		= ethstats_start,
	.fini		= ethstats_fini,
	.on_frames	= ethstats_on_frames,
	.on_timer	= ethstats_on_timer,
);
