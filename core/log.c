// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c - Logging to stderr, a file or syslog
 *
 * One line per message, built in a stack buffer and written with a single
 * write(2), so lines from a dying process (assertions under seccomp) still
 * get out whole. Control characters in a message (a newline in a config
 * value, or in anything a guest sent that a message quotes) become '?', so
 * one message is always one line and nobody can forge another one. Before the daemon detaches, messages go to stderr; after,
 * to the log file if one was given, else to syslog (opened before the
 * sandbox, through a connected datagram socket kept by libc).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static int log_level = LOG_LVL_INFO;
static int log_file = -1;
static bool log_stderr = true;
static int log_syslog = -1;
static unsigned int log_errors;

static const char *const log_names[] = {
	[LOG_LVL_ERR] = "error",
	[LOG_LVL_WARNING] = "warning",
	[LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
	[LOG_LVL_TRACE] = "trace",
};

/**
 * log_level_parse() - Level from its name
 * @s:		"error", "warning", "notice", "info", "debug" or "trace"
 *
 * Return: level, or -EINVAL
 */
int log_level_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(log_names); i++)
		if (log_names[i] && !strcmp(s, log_names[i]))
			return (int)i;
	return -EINVAL;
}

/**
 * log_level_name() - Name of a level
 * @level:	Level
 *
 * Return: its name, or "?" if there is no such level
 */
const char *log_level_name(int level)
{
	if (level < 0 || (size_t)level >= ARRAY_SIZE(log_names) ||
	    !log_names[level])
		return "?";
	return log_names[level];
}

/**
 * log_set_level() - Set the most verbose level that is written
 * @level:	Level
 */
void log_set_level(int level)
{
	log_level = level;
}

/**
 * log_get_level() - The most verbose level that is written
 *
 * Return: level
 */
int log_get_level(void)
{
	return log_level;
}

/**
 * log_error_count() - Error lines logged so far
 *
 * Return: count (the core adds no line of its own to a failure that was
 *	   already explained)
 */
unsigned int log_error_count(void)
{
	return log_errors;
}

/**
 * log_open_file() - Log to a file from now on (before the sandbox)
 * @path:	File, appended to, created with mode 0600
 *
 * Return: 0, or -errno
 *
 * #syscalls write writev
 */
int log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (log_file >= 0)
		close(log_file);
	log_file = fd;
	return 0;
}

/**
 * log_to_syslog() - Send messages to syslog too (connect before the sandbox)
 * @on:		Whether to
 */
void log_to_syslog(bool on)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX,
				 .sun_path = "/dev/log" };

	if (!on) {
		if (log_syslog >= 0)
			close(log_syslog);
		log_syslog = -1;
		return;
	}
	if (log_syslog >= 0)
		return;
	log_syslog = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (log_syslog < 0)
		return;
	if (connect(log_syslog, (struct sockaddr *)&a, sizeof(a))) {
		close(log_syslog);
		log_syslog = -1;
	}
}

/**
 * log_syslog_send() - Send one line to the syslog socket, best effort
 * @level:	LOG_LVL_* level
 * @msg:	Line, without its newline
 * @len:	Its length
 *
 * #syscalls sendto send
 */
static void log_syslog_send(int level, const char *msg, size_t len)
{
	char buf[BUFSIZ + 64];
	int n;

	n = snprintf(buf, sizeof(buf), "<%d>passt[%d]: %.*s",
		     LOG_DAEMON | MIN(level, LOG_LVL_DEBUG), getpid(),
		     (int)len, msg);
	if (n > 0)
		send(log_syslog, buf, MIN((size_t)n, sizeof(buf) - 1),
		     MSG_DONTWAIT | MSG_NOSIGNAL);
}

/**
 * log_to_stderr() - Whether messages go to standard error
 * @on:		Whether they do
 */
void log_to_stderr(bool on)
{
	log_stderr = on;
}

/**
 * log_sanitize() - Replace control characters, so a message stays one line
 * @buf:	Message
 * @len:	Its length
 */
static void log_sanitize(char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
}

/**
 * vlogmsg() - Write one log line
 * @level:	LOG_LVL_* level, possibly or'ed with PASST_LOG_RATELIMIT
 * @prefix:	Prefix such as a module name, or NULL
 * @fmt:	printf format
 * @ap:		Arguments
 */
void vlogmsg(int level, const char *prefix, const char *fmt, va_list ap)
{
	char buf[BUFSIZ];
	struct timespec ts;
	size_t n = 0;
	int saved = errno, r;

	level &= ~PASST_LOG_RATELIMIT;
	if (level == LOG_LVL_ERR)
		log_errors++;
	if (level > log_level)
		return;

	if (log_file >= 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r = snprintf(buf, sizeof(buf), "%lld.%06ld ",
			     (long long)ts.tv_sec, ts.tv_nsec / 1000);
		n = r > 0 ? (size_t)r : 0;
	}
	if (level != LOG_LVL_INFO && level != LOG_LVL_ERR) {
		r = snprintf(buf + n, sizeof(buf) - n, "%s: ",
			     log_level_name(level));
		n += r > 0 ? (size_t)r : 0;
	}
	if (prefix) {
		r = snprintf(buf + n, sizeof(buf) - n, "%s: ", prefix);
		n += r > 0 ? (size_t)r : 0;
	}
	if (n < sizeof(buf)) {
		r = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
		n += r > 0 ? (size_t)r : 0;
	}
	n = MIN(n, sizeof(buf) - 2);
	log_sanitize(buf, n);
	buf[n++] = '\n';
	buf[n] = '\0';

	/* A failed write has nowhere left to be reported */
	if (log_stderr && write(STDERR_FILENO, buf, n) < 0)
		errno = saved;
	if (log_file >= 0 && write(log_file, buf, n) < 0)
		errno = saved;
	if (log_syslog >= 0 && level <= LOG_LVL_DEBUG) {
		/* skip our timestamp: syslog has its own */
		const char *p = log_file >= 0 ? strchr(buf, ' ') : NULL;

		p = p ? p + 1 : buf;
		log_syslog_send(level, p, n - 1 - (size_t)(p - buf));
	}
	errno = saved;
}

/**
 * logmsg() - Write one log line
 * @level:	LOG_LVL_* level
 * @prefix:	Prefix such as a module name, or NULL
 * @fmt:	printf format, then its arguments
 */
void logmsg(int level, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(level, prefix, fmt, ap);
	va_end(ap);
}

/**
 * log_ratelimit() - Token bucket: a burst of 5, then 5 lines per second
 * @tokens:	Caller's bucket
 * @last_sec:	Caller's second of the last refill
 *
 * Return: true if a line may be written now
 *
 * #syscalls clock_gettime
 */
bool log_ratelimit(unsigned int *tokens, long long *last_sec)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (ts.tv_sec != *last_sec) {
		*last_sec = ts.tv_sec;
		*tokens = 5;
	}
	if (!*tokens)
		return false;
	(*tokens)--;
	return true;
}

/**
 * die() - Report a start-up error on one line and exit with status 1
 * @fmt:	printf format, then its arguments
 *
 * #syscalls exit_group
 */
void die(const char *fmt, ...)
{
	va_list ap;

	log_to_stderr(true);
	va_start(ap, fmt);
	vlogmsg(LOG_LVL_ERR, NULL, fmt, ap);
	va_end(ap);
	_exit(EXIT_FAILURE);
}

/**
 * assert_fail() - Report a broken invariant, then abort
 * @expr:	The expression that was false
 * @file:	Source file
 * @line:	Line
 * @func:	Function
 *
 * #syscalls rt_sigprocmask tgkill getpid gettid kill rt_sigaction
 */
void assert_fail(const char *expr, const char *file, int line,
		 const char *func)
{
	logmsg(LOG_LVL_ERR, NULL, "ASSERTION FAILED: %s:%d: %s(): %s",
	       file, line, func, expr);
	abort();
}
