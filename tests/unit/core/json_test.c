// SPDX-License-Identifier: GPL-2.0-or-later
/* json_test.c - Strings written for --json are valid JSON, plain ASCII */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "json.h"
#include "util.h"

/**
 * json_of() - What json_str() writes for a string
 * @s:		String
 *
 * Return: the output, to free()
 */
static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	json_str(f, s);
	fclose(f);
	return buf;
}

static const struct {
	const char *in;
	const char *out;
} json_cases[] = {
	{ "", "\"\"" },
	{ "plain /path.conf", "\"plain /path.conf\"" },
	{ "a \"quote\" and a \\", "\"a \\\"quote\\\" and a \\\\\"" },
	{ "tab\tnewline\n\x01\x1f\x7f", "\"tab\\u0009newline\\u000a"
					"\\u0001\\u001f\\u007f\"" },
	{ "caf\xc3\xa9", "\"caf\\u00e9\"" },			/* U+00E9 */
	{ "\xe2\x82\xac", "\"\\u20ac\"" },			/* euro */
	{ "\xf0\x9f\x90\xa7", "\"\\ud83d\\udc27\"" },	/* U+1F427 */
	{ "\xf4\x8f\xbf\xbf", "\"\\udbff\\udfff\"" },	/* U+10FFFF */
	/* Not UTF-8: a stray continuation byte, a cut sequence, overlong
	 * forms, a surrogate, past U+10FFFF, bytes never used
	 */
	{ "\x80", "\"\\ufffd\"" },
	{ "\xc3", "\"\\ufffd\"" },
	{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
	{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xfe\xff!", "\"\\ufffd\\ufffd!\"" },
	{ "\xc3" "a", "\"\\ufffda\"" },
};

static void test_str(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(json_cases); i++) {
		char *got = json_of(json_cases[i].in);

		if (strcmp(got, json_cases[i].out))
			fprintf(stderr, "\n  case %zu: got %s, want %s\n", i,
				got, json_cases[i].out);
		CU_ASSERT_STRING_EQUAL(got, json_cases[i].out);
		free(got);
	}
}

static void test_ascii(void)
{
	unsigned int seed = 99, i, j;
	char in[64];

	/* Any bytes: printable ASCII out, quotes balanced by escapes */
	for (i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand_r(&seed) % (sizeof(in) - 1));
		char *out, *p;
		bool esc = false;
		unsigned int quotes = 0;

		for (j = 0; j < len; j++)
			in[j] = (char)(rand_r(&seed) % 255 + 1);
		in[len] = '\0';
		out = json_of(in);
		for (p = out; *p; p++) {
			CU_ASSERT(*p >= 0x20 && *p < 0x7f);
			if (!esc && *p == '"')
				quotes++;
			esc = !esc && *p == '\\';
		}
		CU_ASSERT_EQUAL(quotes, 2);
		free(out);
	}
}

UNIT_SUITE(json,
	   { "strings: escapes, UTF-8, replacement", test_str },
	   { "any bytes: ASCII, quoted", test_ascii })
