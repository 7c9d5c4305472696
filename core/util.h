/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.h - Small helpers shared by every core file */

#ifndef UTIL_H
#define UTIL_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ROUND_UP(n, a)		(DIV_ROUND_UP((n), (a)) * (a))

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#define STRINGIFY_(x)		#x
#define STRINGIFY(x)		STRINGIFY_(x)

/* Invariants only a bug can break: print, then abort (write stays allowed
 * by the core's seccomp list, so the message gets out under the filter)
 */
#define ASSERT(expr)							\
	do {								\
		if (unlikely(!(expr)))					\
			assert_fail(#expr, __FILE__, __LINE__, __func__); \
	} while (0)

__attribute__((noreturn, cold))
void assert_fail(const char *expr, const char *file, int line,
		 const char *func);

#endif /* UTIL_H */
