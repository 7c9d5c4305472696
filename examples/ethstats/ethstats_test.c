// SPDX-License-Identifier: GPL-2.0-or-later
/* ethstats_test.c - Unit tests of the ethstats example, with the fake core
 *
 * The module's own source is linked with tests/unit/fake_core.c and
 * tests/unit/main.c of a passt source tree (see 'make check' in the
 * Makefile): no daemon, no sockets, no privileges. Frames go in through
 * the descriptor's on_frames(), and what the module does comes back as
 * records of the fake core: frames towards the guest, log lines, timers.
 */

#include <errno.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "unit.h"
#include "fake_core.h"

extern const struct passt_module passt_module;

static const uint8_t mac_a[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t mac_b[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t our_mac[6] = FAKE_OUR_MAC;

/**
 * struct frame - A frame under construction
 * @buf:	Bytes
 * @f:		The core's view of them
 */
struct frame {
	uint8_t buf[128];
	struct passt_frame f;
};

/**
 * frame_make() - An EtherType 0x88b6 frame from @src carrying @payload
 * @fr:		Frame to fill
 * @src:	Source MAC
 * @payload:	Text after the Ethernet header
 */
static void frame_make(struct frame *fr, const uint8_t *src,
		       const char *payload)
{
	size_t plen = strlen(payload);

	memcpy(fr->buf, our_mac, 6);
	memcpy(fr->buf + 6, src, 6);
	passt_put16(fr->buf + 12, 0x88b6);
	memcpy(fr->buf + PASST_ETH_HLEN, payload, plen);
	memset(&fr->f, 0, sizeof(fr->f));
	fr->f.data = fr->buf;
	fr->f.len = PASST_ETH_HLEN + plen;
	fr->f.ethertype = 0x88b6;
}

/**
 * loaded() - Load, configure and initialise the module
 * @max_sources:	Value for max_sources, or 0 to leave it out
 *
 * Return: the module
 */
static struct passt_mod *loaded(long long max_sources)
{
	struct passt_mod *m = fake_core_load(&passt_module);

	if (max_sources)
		fake_core_cfg_set_int("max_sources", max_sources);
	CU_ASSERT_EQUAL_FATAL(fake_core_configure(m), 0);
	CU_ASSERT_EQUAL_FATAL(fake_core_init(m), 0);
	return m;
}

/**
 * answer_is() - Whether frame @i towards the guest is this answer
 * @i:		Index in fake_core.to_guest
 * @dst:	Destination MAC it must have
 * @text:	Payload it must have
 *
 * Return: true if it is
 */
static bool answer_is(unsigned int i, const uint8_t *dst, const char *text)
{
	const struct fake_frame *o = &fake_core.to_guest[i];
	size_t len = strlen(text);

	return o->len == PASST_ETH_HLEN + len && !memcmp(o->data, dst, 6) &&
	       !memcmp(o->data + 6, our_mac, 6) &&
	       passt_get16(o->data + 12) == 0x88b6 &&
	       !memcmp(o->data + PASST_ETH_HLEN, text, len);
}

/* Frames are counted per sender; "stats" is answered to its sender only */
static void test_count_answer(void)
{
	struct passt_mod *m = loaded(0);
	struct frame fr[4];
	size_t i;

	frame_make(&fr[0], mac_a, "hello");
	frame_make(&fr[1], mac_b, "x");
	frame_make(&fr[2], mac_a, "stats");
	frame_make(&fr[3], mac_b, "stats ");	/* not exactly: no answer */
	for (i = 0; i < 4; i++)
		passt_module.on_frames(m, &fr[i].f, 1, fake_core_now());

	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
	CU_ASSERT(answer_is(0, mac_a, "frames=3 sources=2 others=0 yours=2"));

	passt_module.fini(m);
	CU_ASSERT(fake_core_log_find("52:54:00:00:00:0a: 2 frames, 38 "
				     "bytes") >= 0);
	CU_ASSERT(fake_core_log_find("52:54:00:00:00:0b: 2 frames, 35 "
				     "bytes") >= 0);
	CU_ASSERT(fake_core_log_find("4 frames from 2 sources, 0 from "
				     "others") >= 0);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	fake_core_unload(m);
}

/* A full table counts the rest as "others", without allocating */
static void test_full_table(void)
{
	struct passt_mod *m = loaded(1);
	struct passt_frame batch[2];
	struct frame fr[3];

	frame_make(&fr[0], mac_a, "a");
	frame_make(&fr[1], mac_b, "b");
	frame_make(&fr[2], mac_b, "stats");
	passt_module.on_frames(m, &fr[0].f, 1, fake_core_now());
	batch[0] = fr[1].f;		/* two frames in one batch */
	batch[1] = fr[2].f;
	passt_module.on_frames(m, batch, 2, fake_core_now());

	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
	CU_ASSERT(answer_is(0, mac_b, "frames=3 sources=1 others=2 yours=0"));
	fake_core_unload(m);
}

/* No room towards the guest: the answer is dropped, the count kept */
static void test_no_room(void)
{
	struct passt_mod *m = loaded(0);
	struct frame fr[2];

	frame_make(&fr[0], mac_a, "stats");
	fake_core.frame_fail = true;
	passt_module.on_frames(m, &fr[0].f, 1, fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);

	fake_core.frame_fail = false;
	frame_make(&fr[1], mac_a, "stats");
	passt_module.on_frames(m, &fr[1].f, 1, fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
	CU_ASSERT(answer_is(0, mac_a, "frames=2 sources=1 others=0 yours=2"));
	fake_core_unload(m);
}

/* A frame too short for a source address is dropped, not counted */
static void test_short_frame(void)
{
	struct passt_mod *m = loaded(0);
	struct passt_frame batch[2];
	struct frame fr[2];

	frame_make(&fr[0], mac_a, "");
	fr[0].f.len = 10;
	frame_make(&fr[1], mac_a, "stats");
	batch[0] = fr[0].f;
	batch[1] = fr[1].f;
	passt_module.on_frames(m, batch, 2, fake_core_now());

	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
	CU_ASSERT(answer_is(0, mac_a, "frames=1 sources=1 others=0 yours=1"));
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_TRACE], 1);
	fake_core_unload(m);
}

/* Out-of-range settings are refused with a line saying what is right */
static void test_bad_config(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);

	fake_core_cfg_set_int("max_sources", 0);
	CU_ASSERT_EQUAL(fake_core_configure(m), -EINVAL);
	CU_ASSERT(fake_core_log_find("max_sources 0: must be 1 to 1024") >=
		  0);
	fake_core_unload(m);

	m = fake_core_load(&passt_module);
	fake_core_cfg_set_int("report_interval", 86401);
	CU_ASSERT_EQUAL(fake_core_configure(m), -EINVAL);
	CU_ASSERT(fake_core_log_find("report_interval 86401: must be 0 "
				     "(never) to 86400 seconds") >= 0);
	fake_core_unload(m);

	m = fake_core_load(&passt_module);
	fake_core_cfg_set_str("max_sources", "many");
	CU_ASSERT_EQUAL(fake_core_configure(m), -EINVAL);
	fake_core_unload(m);
}

/* report_interval: armed at start(), a summary and a re-arm per expiry */
static void test_timer(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);

	fake_core_cfg_set_int("report_interval", 5);
	CU_ASSERT_EQUAL_FATAL(fake_core_configure(m), 0);
	CU_ASSERT_EQUAL_FATAL(fake_core_init(m), 0);
	CU_ASSERT_EQUAL(passt_module.start(m), 0);
	CU_ASSERT_EQUAL(fake_core.timer_calls, 1);
	CU_ASSERT_EQUAL(fake_core.timer_ms, 5000);

	passt_module.on_timer(m, fake_core_now());
	CU_ASSERT(fake_core_log_find("0 frames from 0 sources, 0 from "
				     "others") >= 0);
	CU_ASSERT_EQUAL(fake_core.timer_calls, 2);
	CU_ASSERT_EQUAL(fake_core.timer_ms, 5000);
	fake_core_unload(m);

	/* The default: no timer at all */
	m = loaded(0);
	CU_ASSERT_EQUAL(passt_module.start(m), 0);
	CU_ASSERT_EQUAL(fake_core.timer_calls, 0);
	fake_core_unload(m);
}

UNIT_SUITE(ethstats,
	   { "count and answer", test_count_answer },
	   { "full table", test_full_table },
	   { "no room towards the guest", test_no_room },
	   { "short frame", test_short_frame },
	   { "bad settings", test_bad_config },
	   { "report timer", test_timer })
