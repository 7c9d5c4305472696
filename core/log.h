/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h - Logging to stderr, a file or syslog */

#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include <passt/module.h>

/**
 * enum log_level - Levels, numbered as syslog(3) plus trace
 */
enum log_level {
	LOG_LVL_ERR = PASST_LOG_ERR,
	LOG_LVL_WARNING = PASST_LOG_WARNING,
	LOG_LVL_NOTICE = PASST_LOG_NOTICE,
	LOG_LVL_INFO = PASST_LOG_INFO,
	LOG_LVL_DEBUG = PASST_LOG_DEBUG,
	LOG_LVL_TRACE = PASST_LOG_TRACE,
};

int log_level_parse(const char *s);
const char *log_level_name(int level);
void log_set_level(int level);
int log_get_level(void);
unsigned int log_error_count(void);
int log_open_file(const char *path);
void log_to_syslog(bool on);
void log_to_stderr(bool on);

void logmsg(int level, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vlogmsg(int level, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
bool log_ratelimit(unsigned int *tokens, long long *last_sec);

#define err(...)	logmsg(LOG_LVL_ERR, NULL, __VA_ARGS__)
#define warn(...)	logmsg(LOG_LVL_WARNING, NULL, __VA_ARGS__)
#define info(...)	logmsg(LOG_LVL_INFO, NULL, __VA_ARGS__)
#define debug(...)	logmsg(LOG_LVL_DEBUG, NULL, __VA_ARGS__)
#define trace(...)							\
	do {								\
		if (log_get_level() >= LOG_LVL_TRACE)			\
			logmsg(LOG_LVL_TRACE, NULL, __VA_ARGS__);	\
	} while (0)

/* A start-up error: one line on stderr (and the log), exit status 1 */
__attribute__((noreturn, format(printf, 1, 2)))
void die(const char *fmt, ...);

#endif /* LOG_H */
