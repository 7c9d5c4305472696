/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf.h - Command line, libconfig file and the resolved settings */

#ifndef CONF_H
#define CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

#include <passt/module.h>

#include "fwd.h"

#define CONF_MODULES_MAX	32
#define CONF_NAME_MAX		32	/* module names, with the NUL */
#define CONF_NAME_CHARS		"abcdefghijklmnopqrstuvwxyz0123456789_"
#define CONF_MTU_MIN		68	/* RFC 791: every IPv4 host takes it */
#define CONF_MTU_MAX		65520	/* 64 KiB less room for L2 headers */
#define CONF_MTU_DEFAULT	65520
#define CONF_BUSY_POLL_MAX	1000	/* us: past that, sleeping is cheaper */
#define CONF_BUSY_POLL_DEFAULT	32

/* Where a network setting came from, for --check-config */
enum conf_src {
	CONF_SRC_DEFAULT,
	CONF_SRC_HOST,
	CONF_SRC_FILE,
	CONF_SRC_NUM,
};

/**
 * struct conf - Every setting of the daemon, resolved
 * @file:		Config file given with -c, or NULL (built-in defaults)
 * @argv0:		Program path as run
 * @foreground:		-f: no daemon, log to stderr
 * @check_only:		--check-config
 * @list_modules:	--list-modules
 * @json:		--json: --check-config and --list-modules print JSON
 * @log_level:		Resolved level
 * @log_cli:		-d or --trace set @log_level: the file's doesn't count
 * @log_file:		Log file, empty for none
 * @pidfile:		PID file, empty for none
 * @backend:		Backend module name
 * @n_modules:		Number of protocol modules in @modules
 * @modules:		Protocol modules to load
 * @modules_set:	'modules' was given (else: every one found)
 * @module_dir:		Module directory from the file, or empty: search
 * @max_flows:		Capacity of the flow table
 * @busy_poll_us:	Longest time to poll for events before sleeping
 * @sandbox:		Sandbox enabled
 * @runas:		User to run as, empty: "nobody" if root
 * @pcap:		Capture file, empty for none
 * @net:		Network settings handed to modules
 * @src4:		Where the IPv4 address, prefix and gateway came from
 * @src6:		Where the IPv6 ones came from
 * @srcdns:		Where the nameservers came from
 * @search_set:		'search' was given
 * @fwd:		Forwarding table
 * @cmd:		-- COMMAND [ARG...], NULL-terminated, or NULL
 * @cfg:		Parsed file, kept for the modules' groups
 */
struct conf {
	const char *file;
	const char *argv0;
	bool foreground;
	bool check_only;
	bool list_modules;
	bool json;
	int log_level;
	bool log_cli;
	char log_file[PATH_MAX];
	char pidfile[PATH_MAX];
	char backend[CONF_NAME_MAX];
	unsigned int n_modules;
	char modules[CONF_MODULES_MAX][CONF_NAME_MAX];
	bool modules_set;
	char module_dir[PATH_MAX];
	unsigned int max_flows;
	unsigned int busy_poll_us;
	bool sandbox;
	char runas[64];
	char pcap[PATH_MAX];
	struct passt_netcfg net;
	enum conf_src src4, src6, srcdns;
	bool search_set;
	struct fwd_table fwd;
	char **cmd;
	config_t cfg;
};

extern struct conf conf;

void conf_parse(struct conf *c, int argc, char **argv);
void conf_load_string(struct conf *c, const char *text);
void conf_free(struct conf *c);
int conf_print(const struct conf *c);
int conf_print_json(const struct conf *c);
const char *conf_where(const config_setting_t *s, char *buf, size_t len);

/**
 * typedef conf_group_keys_fn - Which keys a top-level group may hold
 * @name:	Group name
 *
 * Return: NULL-terminated key list of the module of that name (loaded, or
 *	   found in the module directory), or NULL if there is none
 */
typedef const char *const *(*conf_group_keys_fn)(const char *name,
						  bool *found);
void conf_reject_unknown(const struct conf *c, conf_group_keys_fn keys);
int conf_reload(const struct conf *cur, const char *text,
		conf_group_keys_fn keys, struct conf *next, char *errbuf,
		size_t errlen);
unsigned int conf_changes(const struct conf *cur, const struct conf *next);

/* Keys of a group to leave unchecked: a standard module not installed */
extern const char *const conf_keys_unchecked[];

int conf_mod_get(const char *mod, const char *const *keys, const char *key,
		 int type, config_setting_t **out);

#endif /* CONF_H */
