/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unit.h - Registering CUnit suites from each test file */

#ifndef UNIT_H
#define UNIT_H

#include <CUnit/CUnit.h>

/**
 * struct unit_suite - One test file's suite
 * @name:	Suite name, as CUnit prints it
 * @tests:	Tests, CU_TEST_INFO_NULL-terminated
 * @next:	Next registered suite
 */
struct unit_suite {
	const char *name;
	CU_TestInfo *tests;
	struct unit_suite *next;
};

void unit_suite_add(struct unit_suite *s);
const char *unit_build_dir(void);

/* UNIT_SUITE(flow, { "insert", test_insert }, { "remove", test_remove }) */
#define UNIT_SUITE(sname, ...)						\
	static CU_TestInfo sname##_tests[] = { __VA_ARGS__,		\
					       CU_TEST_INFO_NULL };	\
	static struct unit_suite sname##_suite = { #sname,		\
						   sname##_tests, NULL }; \
	__attribute__((constructor))					\
	static void unit_suite_register_##sname(void)			\
	{								\
		unit_suite_add(&sname##_suite);				\
	}

#endif /* UNIT_H */
