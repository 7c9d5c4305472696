// SPDX-License-Identifier: GPL-2.0-or-later
/* modload_test.c - The loader refuses broken modules with one clear line */

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "modload.h"

/**
 * refusal() - Open a test module, expecting a refusal
 * @file:	File in $BUILD/tests/mods/, without ".so"
 * @expect:	Name the file gives the module
 * @msg:	Buffer for the message
 * @len:	Its size
 *
 * Return: modload_open()'s return value
 */
static int refusal(const char *file, const char *expect, char *msg,
		   size_t len)
{
	char path[PATH_MAX];
	struct passt_mod m;
	int rc;

	snprintf(path, sizeof(path), "%s/tests/mods/%s.so", unit_build_dir(),
		 file);
	msg[0] = '\0';
	rc = modload_open(path, expect, &m, msg, len);
	if (!rc)
		modload_close(&m);
	return rc;
}

/**
 * ends_with() - Whether a string ends with another
 * @s:		String
 * @suffix:	Suffix
 *
 * Return: non-zero if it does
 */
static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static void test_nosym(void)
{
	char msg[512];

	CU_ASSERT_EQUAL(refusal("nosym", "nosym", msg, sizeof(msg)), -ENOEXEC);
	CU_ASSERT(ends_with(msg, "nosym.so: no 'passt_module' symbol: not a "
				 "passt module"));
}

static void test_abi_major(void)
{
	char msg[512], want[128];

	CU_ASSERT_EQUAL(refusal("abi2", "abi2", msg, sizeof(msg)), -EINVAL);
	snprintf(want, sizeof(want), "abi2.so: built for module ABI %d.0; "
		 "this passt loads %d.0 to %d.%d", PASST_ABI_MAJOR + 1,
		 PASST_ABI_MAJOR, PASST_ABI_MAJOR, PASST_ABI_MINOR);
	CU_ASSERT(ends_with(msg, want));
}

static void test_abi_minor(void)
{
	char msg[512], want[128];

	CU_ASSERT_EQUAL(refusal("minor9", "minor9", msg, sizeof(msg)),
			-EINVAL);
	snprintf(want, sizeof(want), "minor9.so: built for module ABI %d.%d; "
		 "this passt loads %d.0 to %d.%d", PASST_ABI_MAJOR,
		 PASST_ABI_MINOR + 9, PASST_ABI_MAJOR, PASST_ABI_MAJOR,
		 PASST_ABI_MINOR);
	CU_ASSERT(ends_with(msg, want));
}

static void test_small(void)
{
	char msg[512], want[128];

	CU_ASSERT_EQUAL(refusal("small", "small", msg, sizeof(msg)), -EINVAL);
	snprintf(want, sizeof(want), "small.so: descriptor is 96 bytes; ABI "
		 "%d.%d needs at least %zu", PASST_ABI_MAJOR, PASST_ABI_MINOR,
		 modload_min_desc_size(PASST_ABI_MINOR));
	CU_ASSERT(ends_with(msg, want));
	CU_ASSERT(modload_min_desc_size(0) > 96);
}

static void test_badname(void)
{
	char msg[512];

	CU_ASSERT_EQUAL(refusal("badname", "badname", msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT(ends_with(msg, "badname.so: descriptor names itself 'udp6'; "
				 "the file says 'badname'"));
}

static void test_badkind(void)
{
	char msg[512];

	CU_ASSERT_EQUAL(refusal("badkind", "badkind", msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT(ends_with(msg, "badkind.so: kind 7 is neither protocol (1) "
				 "nor backend (2)"));
}

static void test_badsys(void)
{
	char msg[512];

	CU_ASSERT_EQUAL(refusal("badsys", "badsys", msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT(ends_with(msg, "badsys.so: unknown system call "
				 "'recvmmsg64' in its syscalls list"));
}

static void test_missing_file(void)
{
	char msg[512];

	CU_ASSERT_EQUAL(refusal("nonexistent", "nonexistent", msg,
				sizeof(msg)), -ENOEXEC);
	CU_ASSERT(strstr(msg, "nonexistent.so") != NULL);
}

static void test_good(void)
{
	char path[PATH_MAX], msg[512] = "";
	struct passt_mod m;

	snprintf(path, sizeof(path), "%s/modules/tcp.so", unit_build_dir());
	CU_ASSERT_EQUAL_FATAL(modload_open(path, "tcp", &m, msg, sizeof(msg)),
			      0);
	CU_ASSERT_STRING_EQUAL(m.name, "tcp");
	CU_ASSERT_EQUAL(m.desc->kind, PASST_MOD_PROTOCOL);
	CU_ASSERT_EQUAL(m.desc->abi_major, PASST_ABI_MAJOR);
	CU_ASSERT_PTR_EQUAL(m.desc, &m.d);
	modload_close(&m);
	CU_ASSERT_PTR_NULL(m.dl);

	/* The file name decides: tcp.so opened as "udp" is refused */
	CU_ASSERT_EQUAL(modload_open(path, "udp", &m, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT(ends_with(msg, "tcp.so: descriptor names itself 'tcp'; the "
				 "file says 'udp'"));
}

/**
 * old_configure() - configure() of the in-memory test descriptors
 * @m:		Module
 * @core:	Core services
 *
 * Return: 0
 */
static int old_configure(struct passt_mod *m,
			 const struct passt_core_ops *core)
{
	(void)m;
	(void)core;
	return 0;
}

/**
 * old_init() - init() of the in-memory test descriptors
 * @m:		Module
 *
 * Return: 0
 */
static int old_init(struct passt_mod *m)
{
	(void)m;
	return 0;
}

/**
 * old_stats() - A stats() hook that must never be seen
 * @m:		Module
 * @st:		Counters
 * @n:		Room
 *
 * Return: 0
 */
static size_t old_stats(struct passt_mod *m, struct passt_stat *st, size_t n)
{
	(void)m;
	(void)st;
	(void)n;
	return 0;
}

static void old_tx_ready(struct passt_mod *m)
{
	(void)m;
}

/* A descriptor as an older module's memory holds it: its own bytes, then
 * whatever the linker put after them
 */
static union {
	struct passt_module d;
	unsigned char raw[sizeof(struct passt_module) + 64];
} old_desc;

/**
 * old_module() - Lay out a descriptor of some ABI minor in old_desc
 * @minor:	ABI minor it claims
 * @size:	Size it claims, and the bytes of it that are set; the rest
 *		is filled with a pattern, and with pointers to old_stats()
 *		and old_tx_ready() where later minors have their hooks
 */
static void old_module(uint32_t minor, uint32_t size)
{
	struct passt_module d = {
		.abi_major = PASST_ABI_MAJOR, .abi_minor = minor,
		.size = size, .name = "oldmod", .kind = PASST_MOD_PROTOCOL,
		.summary = "built for an older minor", .configure =
		old_configure, .init = old_init, .stats = old_stats,
		.on_tx_ready = old_tx_ready,
	};

	memset(old_desc.raw, 0xa5, sizeof(old_desc.raw));
	memcpy(old_desc.raw, &d, size);
	if (size <= offsetof(struct passt_module, stats))
		memcpy(old_desc.raw + offsetof(struct passt_module, stats),
		       &d.stats, sizeof(d.stats));
	if (size <= offsetof(struct passt_module, on_tx_ready))
		memcpy(old_desc.raw +
		       offsetof(struct passt_module, on_tx_ready),
		       &d.on_tx_ready, sizeof(d.on_tx_ready));
}

static void test_older_minor(void)
{
	size_t v10 = offsetof(struct passt_module, stats);
	size_t v11 = offsetof(struct passt_module, on_tx_ready);
	struct passt_mod m;
	char msg[512], want[512];

	/* 1.0 ends with guest_socket(), 1.1 with stats(), 1.2 with
	 * on_tx_ready()
	 */
	CU_ASSERT_EQUAL(modload_min_desc_size(0),
			offsetof(struct passt_module, send) +
			sizeof(((struct passt_module *)0)->send));
	CU_ASSERT_EQUAL(modload_min_desc_size(1),
			offsetof(struct passt_module, stats) +
			sizeof(((struct passt_module *)0)->stats));
	CU_ASSERT_EQUAL(modload_min_desc_size(1), v11);
	CU_ASSERT_EQUAL(modload_min_desc_size(2), sizeof(struct passt_module));
	CU_ASSERT(PASST_ABI_MINOR >= 2);

	/* A 1.0 module as built then: loaded, stats() reads as absent,
	 * whatever follows its descriptor in its memory
	 */
	old_module(0, (uint32_t)v10);
	memset(&m, 0x5a, sizeof(m));
	CU_ASSERT_EQUAL_FATAL(modload_accept(&old_desc.d, "old.so", "oldmod",
					     &m, msg, sizeof(msg)), 0);
	CU_ASSERT_PTR_EQUAL(m.desc, &m.d);
	CU_ASSERT_PTR_NULL(m.desc->stats);
	CU_ASSERT_PTR_EQUAL(m.desc->configure, old_configure);
	CU_ASSERT_PTR_NULL(m.desc->guest_socket);
	CU_ASSERT_EQUAL(m.desc->abi_minor, 0);
	CU_ASSERT_STRING_EQUAL(m.name, "oldmod");
	CU_ASSERT_PTR_NULL(m.dl);

	/* The smallest 1.0 descriptor, without guest_socket(): loaded too */
	old_module(0, (uint32_t)modload_min_desc_size(0));
	CU_ASSERT_EQUAL_FATAL(modload_accept(&old_desc.d, "old.so", "oldmod",
					     &m, msg, sizeof(msg)), 0);
	CU_ASSERT_PTR_NULL(m.desc->guest_socket);
	CU_ASSERT_PTR_NULL(m.desc->stats);
	CU_ASSERT_PTR_NULL(m.desc->on_tx_ready);

	/* A 1.1 module has stats() whether it sets it or not */
	old_module(1, (uint32_t)v10);
	CU_ASSERT_EQUAL(modload_accept(&old_desc.d, "old.so", "oldmod", &m,
				       msg, sizeof(msg)), -EINVAL);
	snprintf(want, sizeof(want), "old.so: descriptor is %zu bytes; ABI "
		 "%d.1 needs at least %zu", v10, PASST_ABI_MAJOR, v11);
	CU_ASSERT_STRING_EQUAL(msg, want);

	/* ...and with it, the core sees its hook, but no on_tx_ready() */
	old_module(1, (uint32_t)v11);
	CU_ASSERT_EQUAL_FATAL(modload_accept(&old_desc.d, "old.so", "oldmod",
					     &m, msg, sizeof(msg)), 0);
	CU_ASSERT_PTR_EQUAL(m.desc->stats, old_stats);
	CU_ASSERT_PTR_NULL(m.desc->on_tx_ready);

	/* A 1.2 module has both */
	old_module(2, (uint32_t)v11);
	CU_ASSERT_EQUAL(modload_accept(&old_desc.d, "old.so", "oldmod", &m,
				       msg, sizeof(msg)), -EINVAL);
	old_module(2, sizeof(struct passt_module));
	CU_ASSERT_EQUAL_FATAL(modload_accept(&old_desc.d, "old.so", "oldmod",
					     &m, msg, sizeof(msg)), 0);
	CU_ASSERT_PTR_EQUAL(m.desc->stats, old_stats);
	CU_ASSERT_PTR_EQUAL(m.desc->on_tx_ready, old_tx_ready);

	/* A descriptor larger than ours (a newer build of 1.2 can't be,
	 * but the copy must not overrun): only our part is copied
	 */
	old_module(2, sizeof(struct passt_module));
	old_desc.d.size = sizeof(old_desc.raw);
	CU_ASSERT_EQUAL_FATAL(modload_accept(&old_desc.d, "old.so", "oldmod",
					     &m, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(m.d.size, sizeof(old_desc.raw));
}

UNIT_SUITE(modload,
	   { "no descriptor symbol", test_nosym },
	   { "newer major ABI", test_abi_major },
	   { "newer minor ABI", test_abi_minor },
	   { "descriptor too small", test_small },
	   { "name differs from file", test_badname },
	   { "unknown kind", test_badkind },
	   { "unknown system call", test_badsys },
	   { "missing file", test_missing_file },
	   { "good module", test_good },
	   { "older minor ABI: hooks it lacks read as NULL",
	     test_older_minor })
