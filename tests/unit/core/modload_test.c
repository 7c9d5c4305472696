// SPDX-License-Identifier: GPL-2.0-or-later
/* modload_test.c - The loader refuses broken modules with one clear line */

#include <limits.h>
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

UNIT_SUITE(modload,
	   { "no descriptor symbol", test_nosym },
	   { "newer major ABI", test_abi_major },
	   { "newer minor ABI", test_abi_minor },
	   { "descriptor too small", test_small },
	   { "name differs from file", test_badname },
	   { "unknown kind", test_badkind },
	   { "unknown system call", test_badsys },
	   { "missing file", test_missing_file },
	   { "good module", test_good })
