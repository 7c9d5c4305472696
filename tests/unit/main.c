// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - CUnit runner for every registered suite
 *
 * Usage: unit [SUITE...]   (default: all suites)
 * The environment variable BUILD names the build directory, where tests
 * find the modules they load.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "unit.h"

static struct unit_suite *suites;

/**
 * unit_suite_add() - Register a suite (from a constructor)
 * @s:		Suite
 */
void unit_suite_add(struct unit_suite *s)
{
	struct unit_suite **p = &suites;

	while (*p && strcmp((*p)->name, s->name) < 0)
		p = &(*p)->next;
	s->next = *p;
	*p = s;
}

/**
 * unit_build_dir() - Build directory the tests run against
 *
 * Return: $BUILD, or "../../build" (tests run from tests/unit)
 */
const char *unit_build_dir(void)
{
	const char *b = getenv("BUILD");

	return b && *b ? b : "../../build";
}

/**
 * selected() - Whether a suite was asked for on the command line
 * @name:	Suite name
 * @argc:	Argument count
 * @argv:	Suite names, none for all
 *
 * Return: true if the suite runs
 */
static int selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct unit_suite *s;
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;

	for (s = suites; s; s = s->next) {
		CU_pSuite cs;
		CU_TestInfo *t;

		if (!selected(s->name, argc, argv))
			continue;
		cs = CU_add_suite(s->name, NULL, NULL);
		if (!cs)
			return 2;
		for (t = s->tests; t->pName; t++)
			if (!CU_add_test(cs, t->pName, t->pTestFunc))
				return 2;
	}

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
		 CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0) {
		fprintf(stderr, "unit: no tests ran\n");
		failed = 1;
	}
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
