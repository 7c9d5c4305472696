// SPDX-License-Identifier: GPL-2.0-or-later
/* stats_test.c - Counters per module: what the core counts, what a
 * module's stats() hook adds, and the lines SIGUSR1 logs
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include "unit.h"
#include "flow.h"
#include "log.h"
#include "modload.h"
#include "stats.h"
#include "util.h"

/* How many counters the test hook claims to have filled */
static size_t hook_ret;

/**
 * hook_stats() - A module's stats(): good names, bad ones, too many
 * @m:		Module
 * @st:		Counters to fill
 * @n:		Room in @st
 *
 * Return: hook_ret, whatever @n says
 */
static size_t hook_stats(struct passt_mod *m, struct passt_stat *st,
			 size_t n)
{
	static const char *const names[] = {
		"flows_open", "Bad", NULL, "drop_malformed",
		"a_name_of_thirty_two_characters_",
		"a_name_of_thirty_one_characters", "spaced name",
	};
	size_t i;

	(void)m;
	CU_ASSERT_EQUAL(n, PASST_STATS_MAX);
	for (i = 0; i < n; i++) {
		st[i].name = i < ARRAY_SIZE(names) ? names[i] : "more";
		st[i].value = i * 10;
	}
	return hook_ret;
}

static struct passt_mod m_plain, m_hook;

/**
 * mods_fake() - Two module records, index 1 without a hook, 2 with one
 */
static void mods_fake(void)
{
	memset(&m_plain, 0, sizeof(m_plain));
	memset(&m_hook, 0, sizeof(m_hook));
	m_plain.idx = 1;
	m_plain.desc = &m_plain.d;
	snprintf(m_plain.name, sizeof(m_plain.name), "plain");
	m_hook.idx = 2;
	m_hook.desc = &m_hook.d;
	m_hook.d.stats = hook_stats;
	snprintf(m_hook.name, sizeof(m_hook.name), "hooked");
}

static void test_counts(void)
{
	char buf[1024];
	size_t len;

	stats_reset();
	mods_fake();
	stats_from_guest(1, 2, 180);
	stats_from_guest(1, 1, 60);
	stats_to_guest(1, 1, 60);
	stats_to_guest(2, 4, 400);
	stats_from_guest(MOD_MAX, 1, 1);	/* no such module: ignored */

	len = stats_fmt_mod(&m_plain, 3, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "frames_from_guest=3 bytes_from_guest=240 "
			       "frames_to_guest=1 bytes_to_guest=60 flows=3");
	CU_ASSERT_EQUAL(len, strlen(buf));

	/* Bad names are left out; the hook's count is trusted up to
	 * PASST_STATS_MAX only
	 */
	hook_ret = 7;
	stats_fmt_mod(&m_hook, 0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "frames_from_guest=0 bytes_from_guest=0 "
			       "frames_to_guest=4 bytes_to_guest=400 flows=0 "
			       "flows_open=0 drop_malformed=30 "
			       "a_name_of_thirty_one_characters=50");
	hook_ret = 1000;
	len = stats_fmt_mod(&m_hook, 0, buf, sizeof(buf));
	CU_ASSERT_EQUAL(len, strlen(buf));
	CU_ASSERT(strstr(buf, "more=310") != NULL);
	CU_ASSERT(strstr(buf, "more=320") == NULL);
	hook_ret = 0;
	stats_fmt_mod(&m_hook, 0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "frames_from_guest=0 bytes_from_guest=0 "
			       "frames_to_guest=4 bytes_to_guest=400 flows=0");

	/* A short buffer: cut and terminated, the whole length returned */
	memset(buf, 'Z', sizeof(buf));
	len = stats_fmt_mod(&m_plain, 3, buf, 20);
	CU_ASSERT_STRING_EQUAL(buf, "frames_from_guest=3");
	CU_ASSERT_EQUAL(buf[20], 'Z');
	CU_ASSERT_EQUAL(len, strlen("frames_from_guest=3 bytes_from_guest=240 "
				    "frames_to_guest=1 bytes_to_guest=60 "
				    "flows=3"));
	CU_ASSERT_EQUAL(stats_fmt_mod(&m_plain, 3, NULL, 0), len);

	stats_core_add(STATS_ARP_ANSWERED, 2);
	stats_core_add(STATS_RELOADS, 1);
	stats_core_add(STATS_CORE_NUM, 1);
	CU_ASSERT_EQUAL(stats_core_get(STATS_ARP_ANSWERED), 2);
	CU_ASSERT_EQUAL(stats_core_get(STATS_CORE_NUM), 0);
	stats_fmt_core(5, 64, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "flows=5 flow_max=64 arp_answered=2 "
			       "drop_unhandled=0 reloads=1 reload_errors=0 "
			       "busy_poll_hits=0 busy_poll_misses=0");
	stats_reset();
	stats_fmt_core(0, 64, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "flows=0 flow_max=64 arp_answered=0 "
			       "drop_unhandled=0 reloads=0 reload_errors=0 "
			       "busy_poll_hits=0 busy_poll_misses=0");
}

static void test_log(void)
{
	int p[2], saved = dup(STDERR_FILENO), level = log_get_level();
	unsigned int n_saved = mods_n;
	char out[4096];
	ssize_t r;

	stats_reset();
	mods_fake();
	hook_ret = 1;
	CU_ASSERT_EQUAL_FATAL(flow_table_init(8), 0);
	CU_ASSERT(flow_alloc(2, IPPROTO_UDP, 0) >= 0);
	CU_ASSERT(flow_alloc(2, IPPROTO_UDP, 0) >= 0);
	CU_ASSERT(flow_alloc(1, IPPROTO_TCP, 0) >= 0);
	stats_to_guest(2, 1, 42);

	mods[1] = &m_plain;
	mods[2] = &m_hook;
	mods_n = 3;
	CU_ASSERT_FATAL(saved >= 0 && !pipe(p));
	dup2(p[1], STDERR_FILENO);
	log_set_level(LOG_LVL_INFO);
	stats_log();
	log_set_level(level);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	mods_n = n_saved;
	mods[1] = mods[2] = NULL;
	flow_table_fini();

	r = read(p[0], out, sizeof(out) - 1);
	out[r > 0 ? r : 0] = '\0';
	close(p[0]);
	CU_ASSERT_STRING_EQUAL(out,
		"stats: core: flows=3 flow_max=8 arp_answered=0 "
		"drop_unhandled=0 reloads=0 reload_errors=0 "
		"busy_poll_hits=0 busy_poll_misses=0\n"
		"stats: plain: frames_from_guest=0 bytes_from_guest=0 "
		"frames_to_guest=0 bytes_to_guest=0 flows=1\n"
		"stats: hooked: frames_from_guest=0 bytes_from_guest=0 "
		"frames_to_guest=1 bytes_to_guest=42 flows=2 flows_open=0\n");
	stats_reset();
}

UNIT_SUITE(stats,
	   { "counts and formats", test_counts },
	   { "SIGUSR1 lines", test_log })
