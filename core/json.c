// SPDX-License-Identifier: GPL-2.0-or-later
/* json.c - Writing JSON for --json: escaped strings
 *
 * What --check-config and --list-modules print with --json is for scripts:
 * every string must come out as valid JSON (RFC 8259) whatever bytes a
 * configuration file or a module put in it. Printable ASCII passes,
 * quotes and backslashes are escaped, control characters and every
 * character beyond ASCII become \uXXXX escapes (UTF-16 surrogate pairs past
 * U+FFFF), and a byte that does not start a well-formed UTF-8 sequence
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF)
 * becomes U+FFFD, the replacement character. The output is plain ASCII.
 */

#include <stdint.h>

#include "json.h"

/**
 * json_utf8() - Decode one UTF-8 sequence
 * @p:		Its first byte, at least 0x80; NUL-terminated string
 * @cp:		Code point, set on success
 *
 * Return: length of the sequence, or 0 if it is not well-formed
 */
static unsigned int json_utf8(const unsigned char *p, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned int len, i;
	uint32_t c;

	if (*p >= 0xc2 && *p <= 0xdf) {
		len = 2;
		c = *p & 0x1f;
	} else if (*p >= 0xe0 && *p <= 0xef) {
		len = 3;
		c = *p & 0x0f;
	} else if (*p >= 0xf0 && *p <= 0xf4) {
		len = 4;
		c = *p & 0x07;
	} else {
		return 0;
	}
	/* A NUL ends the string, and is no continuation byte either */
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/**
 * json_str() - Write a string as a JSON string literal, quotes included
 * @f:		Stream
 * @s:		String, NUL-terminated
 */
void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int len;
	uint32_t cp;

	fputc('"', f);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
			continue;
		}
		if (*p >= 0x20 && *p < 0x7f) {
			fputc(*p++, f);
			continue;
		}
		if (*p < 0x80) {
			fprintf(f, "\\u%04x", *p++);
			continue;
		}
		len = json_utf8(p, &cp);
		if (!len) {
			fprintf(f, "\\ufffd");
			p++;
			continue;
		}
		p += len;
		if (cp < 0x10000) {
			fprintf(f, "\\u%04x", (unsigned int)cp);
		} else {
			cp -= 0x10000;
			fprintf(f, "\\u%04x\\u%04x",
				(unsigned int)(0xd800 | cp >> 10),
				(unsigned int)(0xdc00 | (cp & 0x3ff)));
		}
	}
	fputc('"', f);
}
