// SPDX-License-Identifier: GPL-2.0-or-later
/* log_test.c - Unit tests for log lines (core/log.c): one message, one line */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"

/**
 * log_capture() - Log one message at error level, return what stderr got
 * @out:	Buffer for the output
 * @len:	Its size
 * @prefix:	Prefix (a module name), or NULL
 * @msg:	Message, logged with "%s"
 *
 * Return: bytes written to stderr, or -1
 */
static ssize_t log_capture(char *out, size_t len, const char *prefix,
			   const char *msg)
{
	int p[2], saved, level = log_get_level();
	ssize_t n;

	if (pipe(p))
		return -1;
	saved = dup(STDERR_FILENO);
	dup2(p[1], STDERR_FILENO);
	log_set_level(LOG_LVL_INFO);
	logmsg(LOG_LVL_ERR, prefix, "%s", msg);
	log_set_level(level);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	return n;
}

/**
 * test_control_chars() - Newlines and other control characters in a
 * message, such as a config value or guest data it quotes, become '?'
 */
static void test_control_chars(void)
{
	char out[256];

	CU_ASSERT_EQUAL(log_capture(out, sizeof(out), NULL,
				    "a\nb\rc\td\x1b[1me\x7f"), 14);
	CU_ASSERT_STRING_EQUAL(out, "a?b?c?d?[1me?\n");

	CU_ASSERT_EQUAL(log_capture(out, sizeof(out), "tcp",
				    "forged\nerror: line"), 24);
	CU_ASSERT_STRING_EQUAL(out, "tcp: forged?error: line\n");
}

/**
 * test_plain() - Printable text, UTF-8 included, is left alone
 */
static void test_plain(void)
{
	char out[256];

	CU_ASSERT_EQUAL(log_capture(out, sizeof(out), NULL,
				    "caf\xc3\xa9 ~ \"x\""), 12);
	CU_ASSERT_STRING_EQUAL(out, "caf\xc3\xa9 ~ \"x\"\n");
}

UNIT_SUITE(log,
	   { "control characters become '?'", test_control_chars },
	   { "printable text is kept", test_plain })
