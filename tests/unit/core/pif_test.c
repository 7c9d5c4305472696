// SPDX-License-Identifier: GPL-2.0-or-later
/* pif_test.c - Unit tests for the pif registry (core/pif.c) */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pif.h"
#include "unit.h"

/**
 * test_builtins() - The built-ins have their fixed ids and names
 */
static void test_builtins(void)
{
	pif_init();

	CU_ASSERT_EQUAL(pif_count(), 4);
	CU_ASSERT_STRING_EQUAL(pif_name(PASST_PIF_NONE), "none");
	CU_ASSERT_STRING_EQUAL(pif_name(PASST_PIF_TAP), "tap");
	CU_ASSERT_STRING_EQUAL(pif_name(PASST_PIF_HOST), "host");
	CU_ASSERT_STRING_EQUAL(pif_name(PASST_PIF_SPLICE), "splice");
	CU_ASSERT_PTR_NULL(pif_name(4));
	CU_ASSERT_PTR_NULL(pif_name(PIF_MAX));
	CU_ASSERT_PTR_NULL(pif_name(255));

	CU_ASSERT_EQUAL(pif_lookup("none"), 0);
	CU_ASSERT_EQUAL(pif_lookup("tap"), 1);
	CU_ASSERT_EQUAL(pif_lookup("host"), 2);
	CU_ASSERT_EQUAL(pif_lookup("splice"), 3);
	CU_ASSERT_EQUAL(pif_lookup("Tap"), -ENOENT);
	CU_ASSERT_EQUAL(pif_lookup("ta"), -ENOENT);
	CU_ASSERT_EQUAL(pif_lookup("tap0"), -ENOENT);
	CU_ASSERT_EQUAL(pif_lookup(""), -ENOENT);
	CU_ASSERT_EQUAL(pif_lookup(NULL), -ENOENT);
}

/**
 * test_register() - A new pif gets the next id and is found by name
 */
static void test_register(void)
{
	pif_init();

	CU_ASSERT_EQUAL(pif_register("vm2"), 4);
	CU_ASSERT_EQUAL(pif_count(), 5);
	CU_ASSERT_EQUAL(pif_register("A.z_0-9"), 5);
	CU_ASSERT_EQUAL(pif_count(), 6);
	/* Names are case-sensitive */
	CU_ASSERT_EQUAL(pif_register("TAP"), 6);

	CU_ASSERT_EQUAL(pif_lookup("vm2"), 4);
	CU_ASSERT_EQUAL(pif_lookup("A.z_0-9"), 5);
	CU_ASSERT_EQUAL(pif_lookup("TAP"), 6);
	CU_ASSERT_EQUAL(pif_lookup("tap"), 1);
	CU_ASSERT_STRING_EQUAL(pif_name(4), "vm2");
	CU_ASSERT_STRING_EQUAL(pif_name(5), "A.z_0-9");
	CU_ASSERT_PTR_NULL(pif_name(7));

	/* pif_init() forgets them and keeps the built-ins */
	pif_init();
	CU_ASSERT_EQUAL(pif_count(), 4);
	CU_ASSERT_EQUAL(pif_lookup("vm2"), -ENOENT);
	CU_ASSERT_PTR_NULL(pif_name(4));
	CU_ASSERT_EQUAL(pif_lookup("host"), PASST_PIF_HOST);
	CU_ASSERT_EQUAL(pif_register("other"), 4);
	pif_init();
}

/**
 * test_name_length() - Names fill PASST_PIF_NAME_MAX bytes with the NUL
 */
static void test_name_length(void)
{
	char name[PASST_PIF_NAME_MAX + 64];

	pif_init();

	memset(name, 'a', PASST_PIF_NAME_MAX - 1);
	name[PASST_PIF_NAME_MAX - 1] = '\0';
	CU_ASSERT_EQUAL(strlen(name), 127);
	CU_ASSERT_EQUAL(pif_register(name), 4);
	CU_ASSERT_EQUAL(pif_lookup(name), 4);
	CU_ASSERT_STRING_EQUAL(pif_name(4), name);

	memset(name, 'b', PASST_PIF_NAME_MAX);
	name[PASST_PIF_NAME_MAX] = '\0';
	CU_ASSERT_EQUAL(strlen(name), 128);
	CU_ASSERT_EQUAL(pif_register(name), -EINVAL);
	CU_ASSERT_EQUAL(pif_lookup(name), -ENOENT);

	/* 128 'a's must not match the stored 127 'a's */
	memset(name, 'a', PASST_PIF_NAME_MAX);
	CU_ASSERT_EQUAL(pif_lookup(name), -ENOENT);
	CU_ASSERT_EQUAL(pif_register(name), -EINVAL);

	memset(name, 'c', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CU_ASSERT_EQUAL(pif_register(name), -EINVAL);

	CU_ASSERT_EQUAL(pif_register("x"), 5);
	CU_ASSERT_EQUAL(pif_count(), 6);
	pif_init();
}

/**
 * test_bad_names() - Empty names and characters outside [A-Za-z0-9_.-]
 */
static void test_bad_names(void)
{
	static const char *const bad[] = {
		"", "a b", " tap", "tap ", "a/b", "a:b", "a\tb", "x\n",
		"caf\xc3\xa9", "a+b", "a@b", "a,b", "*", "\x7f", "a\\b",
	};
	size_t i;

	pif_init();

	CU_ASSERT_EQUAL(pif_register(NULL), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(pif_register(bad[i]), -EINVAL);
		CU_ASSERT_EQUAL(pif_lookup(bad[i]), -ENOENT);
	}
	CU_ASSERT_EQUAL(pif_count(), 4);

	CU_ASSERT_EQUAL(pif_register("-"), 4);
	CU_ASSERT_EQUAL(pif_register("."), 5);
	CU_ASSERT_EQUAL(pif_register("_"), 6);
	CU_ASSERT_EQUAL(pif_register("0"), 7);
	pif_init();
}

/**
 * test_duplicates() - Taken names are refused, built-ins included
 */
static void test_duplicates(void)
{
	pif_init();

	CU_ASSERT_EQUAL(pif_register("none"), -EEXIST);
	CU_ASSERT_EQUAL(pif_register("tap"), -EEXIST);
	CU_ASSERT_EQUAL(pif_register("host"), -EEXIST);
	CU_ASSERT_EQUAL(pif_register("splice"), -EEXIST);
	CU_ASSERT_EQUAL(pif_register("ns1"), 4);
	CU_ASSERT_EQUAL(pif_register("ns1"), -EEXIST);
	CU_ASSERT_EQUAL(pif_count(), 5);
	CU_ASSERT_EQUAL(pif_register("ns2"), 5);
	pif_init();
}

/**
 * test_overflow() - PIF_MAX ids in all, then -ENOSPC
 */
static void test_overflow(void)
{
	char name[16];
	int i;

	pif_init();

	for (i = 4; i < PIF_MAX; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		CU_ASSERT_EQUAL(pif_register(name), i);
	}
	CU_ASSERT_EQUAL(pif_count(), PIF_MAX);

	CU_ASSERT_EQUAL(pif_register("more"), -ENOSPC);
	CU_ASSERT_EQUAL(pif_register("another"), -ENOSPC);
	/* Duplicate and bad names still say what is wrong with them */
	CU_ASSERT_EQUAL(pif_register("p4"), -EEXIST);
	CU_ASSERT_EQUAL(pif_register("tap"), -EEXIST);
	CU_ASSERT_EQUAL(pif_register("a b"), -EINVAL);
	CU_ASSERT_EQUAL(pif_count(), PIF_MAX);

	CU_ASSERT_EQUAL(pif_lookup("more"), -ENOENT);
	snprintf(name, sizeof(name), "p%d", PIF_MAX - 1);
	CU_ASSERT_EQUAL(pif_lookup(name), PIF_MAX - 1);
	CU_ASSERT_STRING_EQUAL(pif_name(PIF_MAX - 1), name);
	CU_ASSERT_PTR_NULL(pif_name(PIF_MAX));

	pif_init();
	CU_ASSERT_EQUAL(pif_register("more"), 4);
	pif_init();
}

UNIT_SUITE(pif_registry,	/* "pif" would define pif_register() */
	   { "builtins", test_builtins },
	   { "register", test_register },
	   { "name_length", test_name_length },
	   { "bad_names", test_bad_names },
	   { "duplicates", test_duplicates },
	   { "overflow", test_overflow })
