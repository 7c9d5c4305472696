// SPDX-License-Identifier: GPL-2.0-or-later
/* conf.c - Command line, libconfig file and the resolved settings
 *
 * Settings come from three places, later ones winning: built-in defaults
 * (the same as etc/passt.conf), the libconfig file given with -c, and the
 * command line. Network settings nobody gave are copied from the host, as
 * passt does: address, prefix and gateway of the default-route interface
 * (through netlink) and nameservers and search domains from resolv.conf.
 *
 * Every problem in the file is one line naming file:line and the setting,
 * then exit status 1. The core owns file:line: modules ask for their keys
 * through conf_mod_get() (behind the cfg_*() services), and after every
 * module is configured, conf_reject_unknown() walks the file for settings
 * nobody declared, so a typo never silently becomes a default.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "flow.h"
#include "fwd.h"
#include "json.h"
#include "log.h"
#include "netlink.h"
#include "util.h"

struct conf conf;

/* The first problem found by a parse, one line: see conf_fail() */
static char conf_errbuf[PATH_MAX + 1024];

/* File a reload parsed from a string, for conf_where() */
static const char *conf_src_name;

/* Daemon's MAC: locally administered, unicast: 02, then "passt" in ASCII */
static const uint8_t conf_our_mac[PASST_ETH_ALEN] = {
	0x02, 0x70, 0x61, 0x73, 0x73, 0x74
};

static const char *const conf_src_names[] = {
	[CONF_SRC_DEFAULT] = "default",
	[CONF_SRC_HOST] = "host",
	[CONF_SRC_FILE] = "config",
};
static_assert(ARRAY_SIZE(conf_src_names) == CONF_SRC_NUM,
	      "a name for every conf_src");

static const char *const conf_ip_keys[] = {
	"enable", "address", "prefix_len", "gateway", "dns",
	"outbound_address", "outbound_interface", "map_host_loopback", NULL
};
static const char *const conf_log_keys[] = { "level", "file", NULL };
static const char *const conf_sandbox_keys[] = { "enable", "runas", NULL };
static const char *const conf_fwd_keys[] = { "proto", "from", "ports", NULL };
const char *const conf_keys_unchecked[] = { NULL };

static const char *const conf_top_keys[] = {
	"backend", "modules", "module_dir", "mtu", "log", "pidfile",
	"sandbox", "pcap", "ipv4", "ipv6", "forward", "max_flows", "search",
	"busy_poll_us", NULL
};

/**
 * conf_usage() - Print the usage text
 * @name:	Program name
 * @status:	Exit status: 0 prints to stdout, anything else to stderr
 */
__attribute__((noreturn))
static void conf_usage(const char *name, int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
"Usage: %s [OPTIONS] [-- COMMAND [ARG...]]\n"
"\n"
"User-mode networking for virtual machines and network namespaces: the\n"
"guest's Ethernet frames become ordinary host sockets.\n"
"\n"
"  -c, --config FILE     libconfig file (default: built-in settings, the\n"
"                        same as the sample passt.conf)\n"
"  -f, --foreground      do not daemonise; log to standard error\n"
"  -d, --debug           log debug messages\n"
"      --trace           log per-packet trace messages too\n"
"  -l, --log-file FILE   log to FILE\n"
"  -P, --pid FILE        write the PID to FILE once ready\n"
"      --check-config    check the configuration and every module, print\n"
"                        the resolved settings, exit\n"
"      --list-modules    list the modules found: name, kind, ABI, file\n"
"      --json            with --check-config or --list-modules: print\n"
"                        JSON instead\n"
"      --version         print the version\n"
"  -h, --help            print this help\n"
"  -- COMMAND [ARG...]   tap backend: run COMMAND in a new network\n"
"                        namespace joined to the daemon; exit with its\n"
"                        status\n", name);
	exit(status);
}

/**
 * conf_path() - Dotted path of a setting, such as "forward[1].ports"
 * @s:		Setting
 * @buf:	Buffer
 * @len:	Its size
 *
 * Return: @buf
 */
static const char *conf_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *p = config_setting_parent(s);
	char parent[200];	/* leaves room for "[index]" in 256 bytes */
	const char *name = config_setting_name(s);

	if (!p || !config_setting_parent(p)) {
		snprintf(buf, len, "%s", name ? name : "?");
		return buf;
	}
	conf_path(p, parent, sizeof(parent));
	if (name)
		snprintf(buf, len, "%s.%s", parent, name);
	else
		snprintf(buf, len, "%s[%d]", parent, config_setting_index(s));
	return buf;
}

/**
 * conf_where() - "file:line" of a setting
 * @s:		Setting
 * @buf:	Buffer
 * @len:	Its size
 *
 * Return: @buf
 */
const char *conf_where(const config_setting_t *s, char *buf, size_t len)
{
	const char *file = config_setting_source_file(s);

	if (!file)
		file = conf_src_name ? conf_src_name : "(built-in)";
	snprintf(buf, len, "%s:%u", file, config_setting_source_line(s));
	return buf;
}

/**
 * conf_type_name() - A libconfig type, as an error message says it
 * @type:	CONFIG_TYPE_*
 *
 * Return: "an integer", "a string"...
 */
static const char *conf_type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number with a fraction";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	default:
		return "nothing";
	}
}

/**
 * conf_fail() - Record the first problem of a parse: file:line, setting
 * @s:		Setting the problem is in
 * @fmt:	What is wrong, printf format, then its arguments
 *
 * The line goes to conf_errbuf: at start-up the caller exits with it
 * (conf_die()), on a reload it is logged and the running settings stay.
 *
 * Return: -EINVAL
 */
__attribute__((format(printf, 2, 3)))
static int conf_fail(const config_setting_t *s, const char *fmt, ...)
{
	char where[PATH_MAX + 16], path[256], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(conf_errbuf, sizeof(conf_errbuf), "%s: %s: %s",
		 conf_where(s, where, sizeof(where)),
		 conf_path(s, path, sizeof(path)), msg);
	return -EINVAL;
}

/**
 * conf_die() - Exit 1 with the problem conf_fail() recorded
 */
__attribute__((noreturn))
static void conf_die(void)
{
	die("%s", conf_errbuf);
}

/**
 * conf_type_ok() - Whether a setting has a type
 * @s:		Setting
 * @type:	CONFIG_TYPE_* wanted; INT also takes INT64, ARRAY takes LIST
 *
 * Return: true if it has
 */
static bool conf_type_ok(const config_setting_t *s, int type)
{
	int t = config_setting_type(s);

	if (type == CONFIG_TYPE_INT)
		return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
	if (type == CONFIG_TYPE_ARRAY)
		return t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
	return t == type;
}

/**
 * conf_need() - A setting must have a type
 * @s:		Setting
 * @type:	CONFIG_TYPE_* wanted
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_need(const config_setting_t *s, int type)
{
	if (!conf_type_ok(s, type))
		return conf_fail(s, "expected %s, got %s",
				 conf_type_name(type),
				 conf_type_name(config_setting_type(s)));
	return 0;
}

/**
 * conf_int() - Integer setting within a range
 * @s:		Setting
 * @min:	Smallest value accepted
 * @max:	Largest value accepted
 * @v:		Value, set on success
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_int(const config_setting_t *s, long long min, long long max,
		    long long *v)
{
	int rc = conf_need(s, CONFIG_TYPE_INT);

	if (rc)
		return rc;
	*v = config_setting_get_int64(s);
	if (*v < min || *v > max)
		return conf_fail(s, "%lld is out of range; expected %lld to "
				 "%lld", *v, min, max);
	return 0;
}

/**
 * conf_str() - String setting copied into a buffer
 * @s:		Setting
 * @buf:	Destination
 * @len:	Its size: longer strings are an error
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_str(const config_setting_t *s, char *buf, size_t len)
{
	int rc = conf_need(s, CONFIG_TYPE_STRING);
	const char *v;

	if (rc)
		return rc;
	v = config_setting_get_string(s);
	if (strlen(v) >= len)
		return conf_fail(s, "'%.40s...' is too long; at most %zu "
				 "characters", v, len - 1);
	strcpy(buf, v);
	return 0;
}

/**
 * conf_unknown_key() - Error for a key a known group doesn't have
 * @s:		The unknown setting
 * @group:	Name of its group, for the message
 * @keys:	Keys the group knows, NULL-terminated
 *
 * Return: -EINVAL, with the message in conf_errbuf
 */
static int conf_unknown_key(const config_setting_t *s, const char *group,
			    const char *const *keys)
{
	char known[512] = "", where[PATH_MAX + 16], path[256];
	size_t n = 0;
	int r;

	for (; keys && *keys && n < sizeof(known); keys++) {
		r = snprintf(known + n, sizeof(known) - n, "%s%s",
			     n ? ", " : "", *keys);
		if (r > 0)
			n += (size_t)r;
	}
	snprintf(conf_errbuf, sizeof(conf_errbuf),
		 "%s: %s: unknown setting (%s knows %s)",
		 conf_where(s, where, sizeof(where)),
		 conf_path(s, path, sizeof(path)), group,
		 *known ? known : "no settings");
	return -EINVAL;
}

/**
 * conf_key_known() - Whether a key is in a NULL-terminated list
 * @keys:	List, or NULL
 * @key:	Key
 *
 * Return: true if it is
 */
static bool conf_key_known(const char *const *keys, const char *key)
{
	for (; keys && *keys; keys++)
		if (!strcmp(*keys, key))
			return true;
	return false;
}

/**
 * conf_check_group() - A setting must be a group holding only known keys
 * @s:		Setting
 * @keys:	Keys it may hold, NULL-terminated
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_check_group(const config_setting_t *s,
			    const char *const *keys)
{
	char path[256];
	int i, rc;

	if ((rc = conf_need(s, CONFIG_TYPE_GROUP)))
		return rc;
	for (i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		if (!conf_key_known(keys, config_setting_name(e)))
			return conf_unknown_key(e, conf_path(s, path,
							     sizeof(path)),
						keys);
	}
	return 0;
}

/**
 * conf_addr() - Parse an address setting
 * @s:		Setting (a string)
 * @af:		AF_INET or AF_INET6
 * @dst:	struct in_addr or struct in6_addr to fill
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_addr(const config_setting_t *s, int af, void *dst)
{
	int rc = conf_need(s, CONFIG_TYPE_STRING);
	const char *v;

	if (rc)
		return rc;
	v = config_setting_get_string(s);
	if (inet_pton(af, v, dst) != 1)
		return conf_fail(s, "'%s' is not an %s address", v,
				 af == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

/**
 * conf_ifname() - Parse an interface name setting
 * @s:		Setting
 * @buf:	Destination, PASST_IFNAME_MAX bytes
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_ifname(const config_setting_t *s, char *buf)
{
	int rc = conf_str(s, buf, PASST_IFNAME_MAX);

	if (rc)
		return rc;
	if (strchr(buf, '/') || strchr(buf, ' '))
		return conf_fail(s, "'%s' is not an interface name", buf);
	return 0;
}

/**
 * struct conf_ip_set - Which IP settings the file gave
 * @enable:	'enable' was given
 * @addr:	'address' was given
 * @prefix:	'prefix_len' was given
 * @gw:		'gateway' was given
 * @dns:	'dns' was given
 * @map:	'map_host_loopback' was given
 */
struct conf_ip_set {
	bool enable, addr, prefix, gw, dns, map;
};

/**
 * struct conf_ip_dst - Where one IP version's settings go
 * @af:		AF_INET or AF_INET6
 * @max_plen:	Longest prefix
 * @enable:	Enabled
 * @prefix_len:	Prefix length of the guest's address
 * @n_dns:	Number of nameservers
 * @addr:	Guest's address
 * @gw:		Gateway
 * @dns:	Nameservers, PASST_DNS_MAX of them
 * @asz:	Size of one address
 * @outbound:	Outbound address
 * @outbound_if: Outbound interface, PASST_IFNAME_MAX bytes
 * @map:	map_host_loopback address
 */
struct conf_ip_dst {
	int af;
	long long max_plen;
	bool *enable;
	uint8_t *prefix_len;
	uint8_t *n_dns;
	void *addr;
	void *gw;
	uint8_t *dns;
	size_t asz;
	void *outbound;
	char *outbound_if;
	void *map;
};

/**
 * conf_ip() - Read the ipv4 or ipv6 group
 * @g:		The group
 * @d:		Where its settings go
 * @set:	What was given, filled
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_ip(const config_setting_t *g, const struct conf_ip_dst *d,
		   struct conf_ip_set *set)
{
	long long v;
	int i, j, rc;

	if ((rc = conf_check_group(g, conf_ip_keys)))
		return rc;
	for (i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, i);
		const char *k = config_setting_name(s);

		if (!strcmp(k, "enable")) {
			if ((rc = conf_need(s, CONFIG_TYPE_BOOL)))
				return rc;
			*d->enable = config_setting_get_bool(s);
			set->enable = true;
		} else if (!strcmp(k, "address")) {
			if ((rc = conf_addr(s, d->af, d->addr)))
				return rc;
			set->addr = true;
		} else if (!strcmp(k, "prefix_len")) {
			if ((rc = conf_int(s, 1, d->max_plen, &v)))
				return rc;
			*d->prefix_len = (uint8_t)v;
			set->prefix = true;
		} else if (!strcmp(k, "gateway")) {
			if ((rc = conf_addr(s, d->af, d->gw)))
				return rc;
			set->gw = true;
		} else if (!strcmp(k, "dns")) {
			if ((rc = conf_need(s, CONFIG_TYPE_ARRAY)))
				return rc;
			if (config_setting_length(s) > PASST_DNS_MAX)
				return conf_fail(s, "%d nameservers; at most "
						 "%d", config_setting_length(s),
						 PASST_DNS_MAX);
			for (j = 0; j < config_setting_length(s); j++) {
				rc = conf_addr(config_setting_get_elem(s, j),
					       d->af, d->dns + j * d->asz);
				if (rc)
					return rc;
			}
			*d->n_dns = (uint8_t)j;
			set->dns = true;
		} else if (!strcmp(k, "outbound_address")) {
			if ((rc = conf_need(s, CONFIG_TYPE_STRING)))
				return rc;
			if (*config_setting_get_string(s) &&
			    (rc = conf_addr(s, d->af, d->outbound)))
				return rc;
		} else if (!strcmp(k, "outbound_interface")) {
			if ((rc = conf_ifname(s, d->outbound_if)))
				return rc;
		} else if (!strcmp(k, "map_host_loopback")) {
			const char *str;

			if ((rc = conf_need(s, CONFIG_TYPE_STRING)))
				return rc;
			str = config_setting_get_string(s);
			set->map = strcmp(str, "gateway");
			if (!strcmp(str, "none"))
				memset(d->map, 0, d->asz);
			else if (set->map && (rc = conf_addr(s, d->af,
							     d->map)))
				return rc;
		}
	}
	return 0;
}

/**
 * conf_ip4() - Read the ipv4 group
 * @c:		Configuration
 * @g:		The group
 * @set:	What was given, filled
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_ip4(struct conf *c, const config_setting_t *g,
		    struct conf_ip_set *set)
{
	const struct conf_ip_dst d = {
		.af = AF_INET, .max_plen = 32,
		.enable = &c->net.ip4.enable,
		.prefix_len = &c->net.ip4.prefix_len,
		.n_dns = &c->net.ip4.n_dns,
		.addr = &c->net.ip4.addr, .gw = &c->net.ip4.gw,
		.dns = (uint8_t *)c->net.ip4.dns,
		.asz = sizeof(struct in_addr),
		.outbound = &c->net.ip4.outbound_addr,
		.outbound_if = c->net.ip4.outbound_if,
		.map = &c->net.ip4.map_host_loopback,
	};

	return conf_ip(g, &d, set);
}

/**
 * conf_ip6() - Read the ipv6 group
 * @c:		Configuration
 * @g:		The group
 * @set:	What was given, filled
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_ip6(struct conf *c, const config_setting_t *g,
		    struct conf_ip_set *set)
{
	const struct conf_ip_dst d = {
		.af = AF_INET6, .max_plen = 128,
		.enable = &c->net.ip6.enable,
		.prefix_len = &c->net.ip6.prefix_len,
		.n_dns = &c->net.ip6.n_dns,
		.addr = &c->net.ip6.addr, .gw = &c->net.ip6.gw,
		.dns = (uint8_t *)c->net.ip6.dns,
		.asz = sizeof(struct in6_addr),
		.outbound = &c->net.ip6.outbound_addr,
		.outbound_if = c->net.ip6.outbound_if,
		.map = &c->net.ip6.map_host_loopback,
	};

	return conf_ip(g, &d, set);
}

/**
 * conf_forward() - Read the forward list into the forwarding table
 * @c:		Configuration
 * @l:		The list
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_forward(struct conf *c, const config_setting_t *l)
{
	int i, rc;

	if (!conf_type_ok(l, CONFIG_TYPE_LIST) &&
	    !(conf_type_ok(l, CONFIG_TYPE_ARRAY) && !config_setting_length(l)))
		return conf_need(l, CONFIG_TYPE_LIST);

	for (i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *r = config_setting_get_elem(l, i);
		const config_setting_t *proto, *from, *ports;
		uint8_t p, pif;
		char err[256];
		const char *v;

		if ((rc = conf_check_group(r, conf_fwd_keys)))
			return rc;
		proto = config_setting_get_member(r, "proto");
		from = config_setting_get_member(r, "from");
		ports = config_setting_get_member(r, "ports");
		if (!proto || !ports)
			return conf_fail(r, "needs 'proto' and 'ports'");

		if ((rc = conf_need(proto, CONFIG_TYPE_STRING)))
			return rc;
		v = config_setting_get_string(proto);
		if (!strcmp(v, "tcp"))
			p = IPPROTO_TCP;
		else if (!strcmp(v, "udp"))
			p = IPPROTO_UDP;
		else
			return conf_fail(proto, "'%s'; expected \"tcp\" or "
					 "\"udp\"", v);

		pif = PASST_PIF_HOST;
		if (from) {
			if ((rc = conf_need(from, CONFIG_TYPE_STRING)))
				return rc;
			v = config_setting_get_string(from);
			if (!strcmp(v, "guest"))
				pif = PASST_PIF_SPLICE;
			else if (strcmp(v, "host"))
				return conf_fail(from, "'%s'; expected "
						 "\"host\" or \"guest\"", v);
		}

		if ((rc = conf_need(ports, CONFIG_TYPE_STRING)))
			return rc;
		if (fwd_parse_spec(&c->fwd, p, pif,
				   config_setting_get_string(ports),
				   err, sizeof(err)))
			return conf_fail(ports, "%s", err);
	}
	return 0;
}

/**
 * conf_modules() - Read the modules list
 * @c:		Configuration
 * @s:		The setting
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_modules(struct conf *c, const config_setting_t *s)
{
	unsigned int i, j;
	int rc;

	if ((rc = conf_need(s, CONFIG_TYPE_ARRAY)))
		return rc;
	if (config_setting_length(s) > CONF_MODULES_MAX)
		return conf_fail(s, "%d modules; at most %d",
				 config_setting_length(s), CONF_MODULES_MAX);
	c->n_modules = 0;
	for (i = 0; i < (unsigned int)config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		if ((rc = conf_str(e, c->modules[i], CONF_NAME_MAX)))
			return rc;
		for (j = 0; j < i; j++)
			if (!strcmp(c->modules[i], c->modules[j]))
				return conf_fail(e, "'%s' is listed twice",
						 c->modules[i]);
		c->n_modules++;
	}
	c->modules_set = true;
	return 0;
}

/**
 * conf_search() - Read the search domains handed to the guest
 * @c:		Configuration
 * @s:		The setting: an array of domain names
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_search(struct conf *c, const config_setting_t *s)
{
	unsigned int i;
	int rc;

	if ((rc = conf_need(s, CONFIG_TYPE_ARRAY)))
		return rc;
	if (config_setting_length(s) > PASST_SEARCH_MAX)
		return conf_fail(s, "%d domains; at most %d",
				 config_setting_length(s), PASST_SEARCH_MAX);
	for (i = 0; i < (unsigned int)config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *d;

		if ((rc = conf_str(e, c->net.search[i], PASST_DOMAIN_MAX)))
			return rc;
		d = c->net.search[i];
		if (!*d || strspn(d, "abcdefghijklmnopqrstuvwxyz"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
		    strlen(d) || strstr(d, "..") || *d == '.')
			return conf_fail(e, "'%s' is not a domain name", d);
	}
	c->net.n_search = i;
	c->search_set = true;
	return 0;
}

/**
 * conf_log() - Read the log group
 * @c:		Configuration
 * @s:		The group
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_log(struct conf *c, const config_setting_t *s)
{
	int j, rc;

	if ((rc = conf_check_group(s, conf_log_keys)))
		return rc;
	for (j = 0; j < config_setting_length(s); j++) {
		const config_setting_t *e = config_setting_get_elem(s, j);

		if (!strcmp(config_setting_name(e), "file")) {
			if ((rc = conf_str(e, c->log_file,
					   sizeof(c->log_file))))
				return rc;
			continue;
		}
		if ((rc = conf_need(e, CONFIG_TYPE_STRING)))
			return rc;
		c->log_level = log_level_parse(config_setting_get_string(e));
		if (c->log_level < 0)
			return conf_fail(e, "'%s'; expected error, warning, "
					 "info, debug or trace",
					 config_setting_get_string(e));
	}
	return 0;
}

/**
 * conf_sandbox() - Read the sandbox group
 * @c:		Configuration
 * @s:		The group
 *
 * Return: 0, or -EINVAL (conf_fail())
 */
static int conf_sandbox(struct conf *c, const config_setting_t *s)
{
	int j, rc;

	if ((rc = conf_check_group(s, conf_sandbox_keys)))
		return rc;
	for (j = 0; j < config_setting_length(s); j++) {
		const config_setting_t *e = config_setting_get_elem(s, j);

		if (!strcmp(config_setting_name(e), "runas")) {
			if ((rc = conf_str(e, c->runas, sizeof(c->runas))))
				return rc;
			continue;
		}
		if ((rc = conf_need(e, CONFIG_TYPE_BOOL)))
			return rc;
		c->sandbox = config_setting_get_bool(e);
	}
	return 0;
}

/**
 * conf_file() - Read the top-level settings of the file
 * @c:		Configuration
 * @set4:	What the ipv4 group gave, filled
 * @set6:	What the ipv6 group gave, filled
 *
 * Groups of modules are left for the modules and conf_reject_unknown().
 * Nothing here exits or asks the host: a reload runs it too.
 *
 * Return: 0, or -EINVAL with the first problem in conf_errbuf
 */
static int conf_file(struct conf *c, struct conf_ip_set *set4,
		     struct conf_ip_set *set6)
{
	const config_setting_t *root = config_root_setting(&c->cfg);
	long long v;
	int i, rc = 0;

	for (i = 0; i < config_setting_length(root) && !rc; i++) {
		const config_setting_t *s = config_setting_get_elem(root, i);
		const char *k = config_setting_name(s);

		if (!strcmp(k, "backend")) {
			if ((rc = conf_str(s, c->backend, sizeof(c->backend))))
				break;
			/* It picks a module file: keep it a plain name */
			if (!*c->backend || strspn(c->backend, CONF_NAME_CHARS)
			    != strlen(c->backend))
				rc = conf_fail(s, "'%s' is not a module name",
					       c->backend);
		} else if (!strcmp(k, "modules")) {
			rc = conf_modules(c, s);
		} else if (!strcmp(k, "module_dir")) {
			rc = conf_str(s, c->module_dir, sizeof(c->module_dir));
		} else if (!strcmp(k, "mtu")) {
			if (!(rc = conf_int(s, CONF_MTU_MIN, CONF_MTU_MAX,
					    &v)))
				c->net.mtu = (uint32_t)v;
		} else if (!strcmp(k, "max_flows")) {
			if (!(rc = conf_int(s, 1, FLOW_MAX_LIMIT, &v)))
				c->max_flows = (unsigned int)v;
		} else if (!strcmp(k, "busy_poll_us")) {
			if (!(rc = conf_int(s, 0, CONF_BUSY_POLL_MAX, &v)))
				c->busy_poll_us = (unsigned int)v;
		} else if (!strcmp(k, "pidfile")) {
			rc = conf_str(s, c->pidfile, sizeof(c->pidfile));
		} else if (!strcmp(k, "pcap")) {
			rc = conf_str(s, c->pcap, sizeof(c->pcap));
		} else if (!strcmp(k, "log")) {
			rc = conf_log(c, s);
		} else if (!strcmp(k, "sandbox")) {
			rc = conf_sandbox(c, s);
		} else if (!strcmp(k, "ipv4")) {
			rc = conf_ip4(c, s, set4);
		} else if (!strcmp(k, "ipv6")) {
			rc = conf_ip6(c, s, set6);
		} else if (!strcmp(k, "forward")) {
			rc = conf_forward(c, s);
		} else if (!strcmp(k, "search")) {
			rc = conf_search(c, s);
		}
	}
	return rc;
}

/**
 * conf_net4() - Resolve IPv4 settings not given, from the host
 * @c:		Configuration
 * @set:	What the file gave
 * @rc:		Host's resolv.conf
 */
static void conf_net4(struct conf *c, const struct conf_ip_set *set,
		      const struct resolv_conf *rc)
{
	struct passt_netcfg *n = &c->net;
	struct nl_host_v4 h;
	unsigned int i;

	if (!n->ip4.enable)
		return;

	memset(&h, 0, sizeof(h));
	if (nl_host_defaults_v4(&h) < 0)
		h.found = false;

	c->src4 = set->addr ? CONF_SRC_FILE : CONF_SRC_HOST;
	if (!set->addr) {
		if (!h.found || !h.addr.s_addr) {
			if (set->enable)
				die("ipv4: enabled, but no ipv4.address is "
				    "set and the host has no IPv4 default "
				    "route to copy it from");
			info("IPv4: no default route on the host: "
			     "disabled (set ipv4.address to enable it)");
			n->ip4.enable = false;
			return;
		}
		n->ip4.addr = h.addr;
	}
	if (!set->prefix)
		n->ip4.prefix_len = h.found && h.prefix_len ? h.prefix_len
							      : 24;
	if (!set->gw) {
		if (!h.found || !h.gw.s_addr)
			die("ipv4.gateway: not set, and the host has no IPv4 "
			    "default route to copy it from");
		n->ip4.gw = h.gw;
	}
	if (!set->map)
		n->ip4.map_host_loopback = n->ip4.gw;

	if (set->dns)
		return;
	/* A resolver on the host's loopback is no use to the guest as such:
	 * offer the gateway instead and forward what it gets there
	 */
	for (i = 0; i < rc->n4 && n->ip4.n_dns < PASST_DNS_MAX; i++) {
		struct in_addr a = rc->ns4[i];

		if ((ntohl(a.s_addr) >> 24) == 127) {
			if (n->ip4.dns_match.s_addr)
				continue;
			n->ip4.dns_match = n->ip4.gw;
			n->ip4.dns_host = a;
			a = n->ip4.gw;
		}
		n->ip4.dns[n->ip4.n_dns++] = a;
	}
}

/**
 * conf_net6() - Resolve IPv6 settings not given, from the host
 * @c:		Configuration
 * @set:	What the file gave
 * @rc:		Host's resolv.conf
 */
static void conf_net6(struct conf *c, const struct conf_ip_set *set,
		      const struct resolv_conf *rc)
{
	static const struct in6_addr ll1 = { .s6_addr = {
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } };
	struct passt_netcfg *n = &c->net;
	struct nl_host_v6 h;
	unsigned int i;

	if (!n->ip6.enable)
		return;

	memset(&h, 0, sizeof(h));
	if (nl_host_defaults_v6(&h) < 0)
		h.found = false;

	c->src6 = set->addr ? CONF_SRC_FILE : CONF_SRC_HOST;
	if (!set->addr) {
		if (!h.found || IN6_IS_ADDR_UNSPECIFIED(&h.addr)) {
			if (set->enable)
				die("ipv6: enabled, but no ipv6.address is "
				    "set and the host has no IPv6 default "
				    "route to copy it from");
			info("IPv6: no default route on the host: "
			     "disabled (set ipv6.address to enable it)");
			n->ip6.enable = false;
			return;
		}
		n->ip6.addr = h.addr;
	}
	if (!set->prefix)
		n->ip6.prefix_len = h.found && h.prefix_len ? h.prefix_len
							      : 64;
	if (!set->gw) {
		if (!h.found || IN6_IS_ADDR_UNSPECIFIED(&h.gw))
			die("ipv6.gateway: not set, and the host has no IPv6 "
			    "default route to copy it from");
		n->ip6.gw = h.gw;
	}
	if (!set->map)
		n->ip6.map_host_loopback = n->ip6.gw;

	/* Router advertisements must come from a link-local address */
	if (IN6_IS_ADDR_LINKLOCAL(&n->ip6.gw))
		n->ip6.our_ll = n->ip6.gw;
	else if (h.found && IN6_IS_ADDR_LINKLOCAL(&h.addr_ll))
		n->ip6.our_ll = h.addr_ll;
	else
		n->ip6.our_ll = ll1;

	if (set->dns)
		return;
	for (i = 0; i < rc->n6 && n->ip6.n_dns < PASST_DNS_MAX; i++) {
		struct in6_addr a = rc->ns6[i];

		if (IN6_IS_ADDR_LOOPBACK(&a)) {
			if (!IN6_IS_ADDR_UNSPECIFIED(&n->ip6.dns_match))
				continue;
			n->ip6.dns_match = n->ip6.gw;
			n->ip6.dns_host = a;
			a = n->ip6.gw;
		}
		n->ip6.dns[n->ip6.n_dns++] = a;
	}
}

/**
 * conf_defaults() - Built-in settings, equal to etc/passt.conf
 * @c:		Configuration
 */
static void conf_defaults(struct conf *c)
{
	c->log_level = LOG_LVL_INFO;
	snprintf(c->backend, sizeof(c->backend), "qemu_stream");
	c->max_flows = FLOW_MAX_DEFAULT;
	c->busy_poll_us = CONF_BUSY_POLL_DEFAULT;
	c->sandbox = true;
	snprintf(c->runas, sizeof(c->runas), "nobody");
	c->net.size = sizeof(c->net);
	c->net.mtu = CONF_MTU_DEFAULT;
	memcpy(c->net.our_mac, conf_our_mac, PASST_ETH_ALEN);
	memset(c->net.guest_mac, 0xff, PASST_ETH_ALEN);
	c->net.ip4.enable = true;
	c->net.ip6.enable = true;
}

/**
 * conf_read_file() - Parse the libconfig file, exit 1 on a syntax error
 * @c:		Configuration
 */
static void conf_read_file(struct conf *c)
{
	if (config_read_file(&c->cfg, c->file) == CONFIG_TRUE)
		return;
	if (config_error_type(&c->cfg) == CONFIG_ERR_FILE_IO)
		die("%s: cannot read: %s", c->file, strerror(errno));
	die("%s:%d: %s", config_error_file(&c->cfg) ?
	    config_error_file(&c->cfg) : c->file,
	    config_error_line(&c->cfg), config_error_text(&c->cfg));
}

/**
 * conf_resolve() - Everything after the file is read: host defaults
 * @c:		Configuration
 */
static void conf_resolve(struct conf *c)
{
	struct conf_ip_set set4 = { 0 }, set6 = { 0 };
	struct resolv_conf rc;

	if (conf_file(c, &set4, &set6))
		conf_die();

	memset(&rc, 0, sizeof(rc));
	if (resolv_conf_read("/etc/resolv.conf", &rc) < 0)
		debug("no /etc/resolv.conf: no nameservers for the guest");
	c->srcdns = set4.dns || set6.dns ? CONF_SRC_FILE : CONF_SRC_HOST;
	conf_net4(c, &set4, &rc);
	conf_net6(c, &set6, &rc);
	if (!c->search_set) {
		for (c->net.n_search = 0; c->net.n_search < rc.n_search &&
		     c->net.n_search < PASST_SEARCH_MAX; c->net.n_search++)
			memcpy(c->net.search[c->net.n_search],
			       rc.search[c->net.n_search], PASST_DOMAIN_MAX);
	}

	if (!c->net.ip4.enable && !c->net.ip6.enable)
		warn("neither IPv4 nor IPv6 is enabled: the guest gets no "
		     "connectivity");
}

/**
 * conf_load_string() - Settings from a string (tests), after the defaults
 * @c:		Configuration, zeroed by the caller
 * @text:	libconfig text
 */
void conf_load_string(struct conf *c, const char *text)
{
	conf_defaults(c);
	config_init(&c->cfg);
	if (config_read_string(&c->cfg, text) != CONFIG_TRUE)
		die("(string):%d: %s", config_error_line(&c->cfg),
		    config_error_text(&c->cfg));
	conf_resolve(c);
}

/**
 * conf_parse() - Read the command line and the config file
 * @c:		Configuration, zeroed by the caller
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Exits with status 0 for --help and --version, 1 on any bad input
 */
void conf_parse(struct conf *c, int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_LIST, OPT_VERSION, OPT_TRACE, OPT_JSON };
	static const struct option opts[] = {
		{ "config",		required_argument, NULL, 'c' },
		{ "foreground",		no_argument,	   NULL, 'f' },
		{ "debug",		no_argument,	   NULL, 'd' },
		{ "trace",		no_argument,	   NULL, OPT_TRACE },
		{ "log-file",		required_argument, NULL, 'l' },
		{ "pid",		required_argument, NULL, 'P' },
		{ "check-config",	no_argument,	   NULL, OPT_CHECK },
		{ "list-modules",	no_argument,	   NULL, OPT_LIST },
		{ "json",		no_argument,	   NULL, OPT_JSON },
		{ "version",		no_argument,	   NULL, OPT_VERSION },
		{ "help",		no_argument,	   NULL, 'h' },
		{ 0 },
	};
	const char *log_file = NULL, *pidfile = NULL;
	int opt, cli_level = -1;

	conf_defaults(c);
	c->argv0 = argv[0];

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:c:fdl:P:h", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'c':
			c->file = optarg;
			break;
		case 'f':
			c->foreground = true;
			break;
		case 'd':
			cli_level = MAX(cli_level, LOG_LVL_DEBUG);
			break;
		case OPT_TRACE:
			cli_level = LOG_LVL_TRACE;
			break;
		case 'l':
			log_file = optarg;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case OPT_CHECK:
			c->check_only = true;
			break;
		case OPT_LIST:
			c->list_modules = true;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_VERSION:
			printf("passt %s (module ABI %d.%d)\n", VERSION,
			       PASST_ABI_MAJOR, PASST_ABI_MINOR);
			exit(0);
		case 'h':
			conf_usage(argv[0], 0);
		case ':':
			die("%s: option needs a value; see --help",
			    argv[optind - 1]);
		default:
			die("%s: unknown option; see --help",
			    argv[optind - 1]);
		}
	}

	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--"))
			die("'%s': unexpected argument; a command to run "
			    "follows '--'", argv[optind]);
		c->cmd = argv + optind;
	} else if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
		die("--: a command must follow");
	}
	if (c->json && !c->check_only && !c->list_modules)
		die("--json: only with --check-config or --list-modules");

	config_init(&c->cfg);
	config_set_auto_convert(&c->cfg, CONFIG_FALSE);
	if (c->file)
		conf_read_file(c);
	conf_resolve(c);

	/* A command to run means the tap backend, unless the file insists */
	if (c->cmd) {
		const config_setting_t *b = config_lookup(&c->cfg, "backend");

		if (b && strcmp(c->backend, "tap")) {
			conf_fail(b, "'%s': '-- COMMAND' needs the tap "
				  "backend", c->backend);
			conf_die();
		}
		snprintf(c->backend, sizeof(c->backend), "tap");
		c->foreground = true;
	}

	if (cli_level >= 0) {
		c->log_level = cli_level;
		c->log_cli = true;
	}
	if (log_file)
		snprintf(c->log_file, sizeof(c->log_file), "%s", log_file);
	if (pidfile)
		snprintf(c->pidfile, sizeof(c->pidfile), "%s", pidfile);
	log_set_level(c->log_level);
}

/**
 * conf_mod_get() - A setting of a module's group, checked
 * @mod:	Module name (its group)
 * @keys:	Keys the module declared
 * @key:	Key asked for
 * @type:	CONFIG_TYPE_* expected (INT takes INT64, ARRAY takes LIST)
 * @out:	The setting, if found
 *
 * Return: 0 found, 1 absent, -EINVAL wrong type (after saying where) or a
 *	   key the module did not declare (a bug in the module)
 */
int conf_mod_get(const char *mod, const char *const *keys, const char *key,
		 int type, config_setting_t **out)
{
	config_setting_t *g, *s;
	char where[PATH_MAX + 16], path[256];

	if (!conf_key_known(keys, key)) {
		err("%s: asked for setting '%s' it did not declare", mod, key);
		return -EINVAL;
	}
	g = config_lookup(&conf.cfg, mod);
	if (!g)
		return 1;
	if (!conf_type_ok(g, CONFIG_TYPE_GROUP)) {
		err("%s: %s: expected %s, got %s",
		    conf_where(g, where, sizeof(where)), mod,
		    conf_type_name(CONFIG_TYPE_GROUP),
		    conf_type_name(config_setting_type(g)));
		return -EINVAL;
	}
	s = config_setting_get_member(g, key);
	if (!s)
		return 1;
	if (!conf_type_ok(s, type)) {
		err("%s: %s: expected %s, got %s",
		    conf_where(s, where, sizeof(where)),
		    conf_path(s, path, sizeof(path)), conf_type_name(type),
		    conf_type_name(config_setting_type(s)));
		return -EINVAL;
	}
	*out = s;
	return 0;
}

/**
 * conf_check_unknown() - Every top-level setting must have an owner
 * @c:		Configuration
 * @keys:	Tells the keys of a module group, and whether it is one
 * @quiet:	Say nothing about groups whose keys can't be checked
 *
 * Return: 0, or -EINVAL with the problem in conf_errbuf
 */
static int conf_check_unknown(const struct conf *c, conf_group_keys_fn keys,
			      bool quiet)
{
	const config_setting_t *root = config_root_setting(&c->cfg);
	char where[PATH_MAX + 16];
	int i, rc;

	for (i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, i);
		const char *k = config_setting_name(s);
		const char *const *mk;
		bool found = false;

		if (conf_key_known(conf_top_keys, k))
			continue;
		mk = keys(k, &found);
		if (!found) {
			snprintf(conf_errbuf, sizeof(conf_errbuf),
				 "%s: '%s': no such setting, and no module by "
				 "that name is loaded",
				 conf_where(s, where, sizeof(where)), k);
			return -EINVAL;
		}
		if (mk == conf_keys_unchecked) {
			if (!quiet)
				debug("%s: '%s': module not installed, "
				      "settings ignored",
				      conf_where(s, where, sizeof(where)), k);
			continue;
		}
		if ((rc = conf_check_group(s, mk)))
			return rc;
	}
	return 0;
}

/**
 * conf_reject_unknown() - Every top-level setting must have an owner, or
 *			   exit 1
 * @c:		Configuration
 * @keys:	Tells the keys of a module group, and whether it is one
 */
void conf_reject_unknown(const struct conf *c, conf_group_keys_fn keys)
{
	if (conf_check_unknown(c, keys, false))
		conf_die();
}

/**
 * conf_reload() - Parse the file again, for a reload: never exits
 * @cur:	Running configuration
 * @text:	The file's contents, NUL-terminated
 * @keys:	Keys of module groups (no module file can be opened in the
 *		sandbox: see modload_group_keys_running())
 * @next:	Filled with the new settings, as the file gives them: nothing
 *		is copied from the host, and modules don't see the file.
 *		conf_free() it afterwards, whatever the result
 * @errbuf:	Buffer for the one line saying what is wrong
 * @errlen:	Its size
 *
 * Checks everything a start-up checks in the file, except what modules
 * check of their own groups beyond the names of the keys, which take
 * effect only at a restart anyway.
 *
 * Return: 0, or -EINVAL (syntax, a bad value, an unknown setting)
 */
int conf_reload(const struct conf *cur, const char *text,
		conf_group_keys_fn keys, struct conf *next, char *errbuf,
		size_t errlen)
{
	struct conf_ip_set set4 = { 0 }, set6 = { 0 };
	const char *name = cur->file ? cur->file : "(built-in)";
	int rc;

	memset(next, 0, sizeof(*next));
	conf_defaults(next);
	next->file = cur->file;
	next->argv0 = cur->argv0;
	config_init(&next->cfg);
	config_set_auto_convert(&next->cfg, CONFIG_FALSE);

	if (config_read_string(&next->cfg, text) != CONFIG_TRUE) {
		snprintf(errbuf, errlen, "%s:%d: %s", name,
			 config_error_line(&next->cfg),
			 config_error_text(&next->cfg));
		return -EINVAL;
	}

	conf_src_name = name;
	rc = conf_file(next, &set4, &set6);
	if (!rc)
		rc = conf_check_unknown(next, keys, true);
	conf_src_name = NULL;
	if (rc)
		snprintf(errbuf, errlen, "%s", conf_errbuf);
	return rc;
}

/**
 * conf_value_equal() - Whether two settings hold the same value
 * @a:		Setting
 * @b:		Other setting
 *
 * Return: true if their types and values, members and elements, are equal
 */
static bool conf_value_equal(const config_setting_t *a,
			     const config_setting_t *b)
{
	int ta = config_setting_type(a), tb = config_setting_type(b), i;

	if (ta == CONFIG_TYPE_INT64)
		ta = CONFIG_TYPE_INT;
	if (tb == CONFIG_TYPE_INT64)
		tb = CONFIG_TYPE_INT;
	if (ta != tb)
		return false;

	switch (ta) {
	case CONFIG_TYPE_INT:
		return config_setting_get_int64(a) ==
		       config_setting_get_int64(b);
	case CONFIG_TYPE_FLOAT:
		return config_setting_get_float(a) ==
		       config_setting_get_float(b);
	case CONFIG_TYPE_BOOL:
		return config_setting_get_bool(a) ==
		       config_setting_get_bool(b);
	case CONFIG_TYPE_STRING:
		return !strcmp(config_setting_get_string(a),
			       config_setting_get_string(b));
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		if (config_setting_length(a) != config_setting_length(b))
			return false;
		for (i = 0; i < config_setting_length(a); i++)
			if (!conf_value_equal(config_setting_get_elem(a, i),
					      config_setting_get_elem(b, i)))
				return false;
		return true;
	case CONFIG_TYPE_GROUP:
		if (config_setting_length(a) != config_setting_length(b))
			return false;
		for (i = 0; i < config_setting_length(a); i++) {
			const config_setting_t *e = config_setting_get_elem(a,
									    i);
			const config_setting_t *o;

			o = config_setting_get_member(b,
						      config_setting_name(e));
			if (!o || !conf_value_equal(e, o))
				return false;
		}
		return true;
	default:
		return true;
	}
}

/**
 * conf_change_warn() - One line for a setting a reload can't apply
 * @path:	Dotted path of the setting
 * @a:		Running setting, NULL if the file adds it
 * @b:		New setting, NULL if the file removes it
 * @why:	What happens instead
 */
static void conf_change_warn(const char *path, const config_setting_t *a,
			     const config_setting_t *b, const char *why)
{
	char where[PATH_MAX + 16];

	if (b)
		logmsg(LOG_LVL_WARNING, "reload", "%s: %s: %s; %s",
		       conf_where(b, where, sizeof(where)), path,
		       a ? "changed" : "added", why);
	else
		logmsg(LOG_LVL_WARNING, "reload", "%s: %s: removed; %s",
		       conf_src_name ? conf_src_name : "(built-in)", path,
		       why);
}

/**
 * conf_diff() - Report settings that differ, member by member in groups
 * @path:	Dotted path of the settings
 * @a:		Running setting, or NULL
 * @b:		New setting, or NULL
 *
 * Return: number of lines logged
 */
static unsigned int conf_diff(const char *path, const config_setting_t *a,
			      const config_setting_t *b)
{
	static const char *const why = "ignored until restart";
	unsigned int n = 0;
	char sub[256];
	int i;

	if (a && b && config_setting_is_group(a) &&
	    config_setting_is_group(b)) {
		for (i = 0; i < config_setting_length(a); i++) {
			const config_setting_t *e = config_setting_get_elem(a,
									    i);
			const char *k = config_setting_name(e);

			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			n += conf_diff(sub, e, config_setting_get_member(b, k));
		}
		for (i = 0; i < config_setting_length(b); i++) {
			const config_setting_t *e = config_setting_get_elem(b,
									    i);
			const char *k = config_setting_name(e);

			if (config_setting_get_member(a, k))
				continue;
			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			conf_change_warn(sub, NULL, e, why);
			n++;
		}
		return n;
	}
	if (a && b && conf_value_equal(a, b))
		return 0;
	if (!a && !b)
		return 0;
	conf_change_warn(path, a, b, why);
	return 1;
}

/**
 * conf_reloadable() - Whether a reload applies a top-level setting itself
 * @k:		Its name
 *
 * Return: true for those reload_apply() takes, or (log) looks into
 */
static bool conf_reloadable(const char *k)
{
	return !strcmp(k, "forward") || !strcmp(k, "log") ||
	       !strcmp(k, "busy_poll_us");
}

/**
 * conf_changes() - Say which changed settings a reload leaves for later
 * @cur:	Running configuration
 * @next:	Configuration from conf_reload()
 *
 * A reload applies the forwarding table, busy_poll_us and the log level
 * (unless -d or --trace set it); every other setting the file changed, its own or a
 * module's, gets one warning line saying it is ignored until a restart.
 *
 * Return: number of settings reported
 */
unsigned int conf_changes(const struct conf *cur, const struct conf *next)
{
	const config_setting_t *ra = config_root_setting(&cur->cfg);
	const config_setting_t *rb = config_root_setting(&next->cfg);
	const config_setting_t *la, *lb;
	unsigned int n = 0;
	int i;

	conf_src_name = cur->file ? cur->file : "(built-in)";
	for (i = 0; i < config_setting_length(ra); i++) {
		const config_setting_t *a = config_setting_get_elem(ra, i);
		const char *k = config_setting_name(a);

		if (!conf_reloadable(k))
			n += conf_diff(k, a, config_setting_get_member(rb, k));
	}
	for (i = 0; i < config_setting_length(rb); i++) {
		const config_setting_t *b = config_setting_get_elem(rb, i);
		const char *k = config_setting_name(b);

		if (!conf_reloadable(k) && !config_setting_get_member(ra, k))
			n += conf_diff(k, NULL, b);
	}

	/* log.level applies at once, but the command line has the last word */
	la = config_lookup(&cur->cfg, "log.file");
	lb = config_lookup(&next->cfg, "log.file");
	n += conf_diff("log.file", la, lb);
	la = config_lookup(&cur->cfg, "log.level");
	lb = config_lookup(&next->cfg, "log.level");
	if (cur->log_cli && (!la || !lb || !conf_value_equal(la, lb)) &&
	    (la || lb)) {
		conf_change_warn("log.level", la, lb,
				 "ignored: -d or --trace on the command line "
				 "wins");
		n++;
	}
	conf_src_name = NULL;
	return n;
}

/**
 * conf_addr_str() - An address as text
 * @af:		AF_INET or AF_INET6
 * @a:		Address
 * @buf:	Buffer, INET6_ADDRSTRLEN bytes
 *
 * Return: @buf
 */
static const char *conf_addr_str(int af, const void *a, char *buf)
{
	return inet_ntop(af, a, buf, INET6_ADDRSTRLEN);
}

static void conf_print_group(const config_setting_t *g);

/**
 * conf_print_value() - Print a libconfig value as the file would hold it
 * @s:		Setting
 */
static void conf_print_value(const config_setting_t *s)
{
	int i;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		printf("%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		printf("%g", config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		printf("%s", config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING:
		printf("\"%s\"", config_setting_get_string(s));
		break;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		printf("%s", config_setting_type(s) == CONFIG_TYPE_LIST ? "("
									: "[");
		for (i = 0; i < config_setting_length(s); i++) {
			printf("%s", i ? ", " : " ");
			conf_print_value(config_setting_get_elem(s, i));
		}
		printf(" %s", config_setting_type(s) == CONFIG_TYPE_LIST ? ")"
									 : "]");
		break;
	default:
		conf_print_group(s);
	}
}

/**
 * conf_print_group() - Print a group on one line: { key = value; ... }
 * @g:		Group
 */
static void conf_print_group(const config_setting_t *g)
{
	int i;

	printf("{");
	for (i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *e = config_setting_get_elem(g, i);

		printf(" %s = ", config_setting_name(e));
		conf_print_value(e);
		printf(";");
	}
	printf(" }");
}

/**
 * conf_print_ip() - Print the ipv4 or ipv6 group
 * @c:		Configuration
 * @v6:		Which one
 */
static void conf_print_ip(const struct conf *c, bool v6)
{
	const struct passt_netcfg *n = &c->net;
	int af = v6 ? AF_INET6 : AF_INET;
	const void *addr, *gw, *dns, *map, *match, *host, *out;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	unsigned int i, n_dns, plen;
	const char *outif;
	size_t asz;
	bool en;

	if (v6) {
		en = n->ip6.enable;
		addr = &n->ip6.addr;
		gw = &n->ip6.gw;
		dns = n->ip6.dns;
		map = &n->ip6.map_host_loopback;
		match = &n->ip6.dns_match;
		host = &n->ip6.dns_host;
		out = &n->ip6.outbound_addr;
		outif = n->ip6.outbound_if;
		n_dns = n->ip6.n_dns;
		plen = n->ip6.prefix_len;
		asz = sizeof(struct in6_addr);
	} else {
		en = n->ip4.enable;
		addr = &n->ip4.addr;
		gw = &n->ip4.gw;
		dns = n->ip4.dns;
		map = &n->ip4.map_host_loopback;
		match = &n->ip4.dns_match;
		host = &n->ip4.dns_host;
		out = &n->ip4.outbound_addr;
		outif = n->ip4.outbound_if;
		n_dns = n->ip4.n_dns;
		plen = n->ip4.prefix_len;
		asz = sizeof(struct in_addr);
	}

	printf("%s = {\n\tenable = %s;\n", v6 ? "ipv6" : "ipv4",
	       en ? "true" : "false");
	if (!en) {
		printf("};\n");
		return;
	}
	printf("\taddress = \"%s\";\t# %s\n", conf_addr_str(af, addr, a),
	       conf_src_names[v6 ? c->src6 : c->src4]);
	printf("\tprefix_len = %u;\n", plen);
	printf("\tgateway = \"%s\";\n", conf_addr_str(af, gw, a));
	printf("\tdns = [");
	for (i = 0; i < n_dns; i++)
		printf("%s\"%s\"", i ? ", " : " ",
		       conf_addr_str(af, (const uint8_t *)dns + i * asz, a));
	printf(" ];\t# %s\n", conf_src_names[c->srcdns]);
	if (memcmp(match, &in6addr_any, asz))
		printf("\t# DNS queries to %s go to the host's %s\n",
		       conf_addr_str(af, match, a), conf_addr_str(af, host, b));
	if (!memcmp(out, &in6addr_any, asz))
		printf("\toutbound_address = \"\";\n");
	else
		printf("\toutbound_address = \"%s\";\n",
		       conf_addr_str(af, out, a));
	printf("\toutbound_interface = \"%s\";\n", outif);
	if (!memcmp(map, &in6addr_any, asz))
		printf("\tmap_host_loopback = \"none\";\n");
	else
		printf("\tmap_host_loopback = \"%s\";\n",
		       conf_addr_str(af, map, a));
	if (v6)
		printf("\t# router advertisements come from %s\n",
		       conf_addr_str(af, &n->ip6.our_ll, a));
	printf("};\n");
}

/**
 * conf_print() - Print the resolved settings, as a config file
 * @c:		Configuration
 *
 * The output is itself a valid configuration: fed back to --check-config,
 * it resolves to the same settings.
 *
 * Return: 0
 */
int conf_print(const struct conf *c)
{
	const config_setting_t *root = config_root_setting(&c->cfg);
	const struct passt_netcfg *n = &c->net;
	const config_setting_t *f;
	char buf[128];
	unsigned int i;
	int j;

	printf("# passt, module ABI %d.%d: resolved settings of %s\n",
	       PASST_ABI_MAJOR, PASST_ABI_MINOR,
	       c->file ? c->file : "(built-in defaults)");
	printf("backend = \"%s\";\n", c->backend);
	printf("modules = [");
	for (i = 0; i < c->n_modules; i++)
		printf("%s\"%s\"", i ? ", " : " ", c->modules[i]);
	printf(" ];\n");
	printf("mtu = %u;\n", n->mtu);
	printf("max_flows = %u;\n", c->max_flows);
	printf("busy_poll_us = %u;\n", c->busy_poll_us);
	printf("log = { level = \"%s\"; file = \"%s\"; };\n",
	       log_level_name(c->log_level), c->log_file);
	printf("pidfile = \"%s\";\n", c->pidfile);
	printf("sandbox = { enable = %s; runas = \"%s\"; };\n",
	       c->sandbox ? "true" : "false", c->runas);
	printf("pcap = \"%s\";\n", c->pcap);
	printf("search = [");
	for (i = 0; i < n->n_search; i++)
		printf("%s\"%s\"", i ? ", " : " ", n->search[i]);
	printf(" ];\t# %s\n", conf_src_names[c->search_set ? CONF_SRC_FILE
							    : CONF_SRC_HOST]);
	conf_print_ip(c, false);
	conf_print_ip(c, true);

	/* The rules as given, then as parsed: exclusions split ranges */
	printf("forward = (");
	f = config_lookup(&c->cfg, "forward");
	for (j = 0; f && j < config_setting_length(f); j++) {
		printf("%s\n\t", j ? "," : "");
		conf_print_group(config_setting_get_elem(f, j));
	}
	printf("\n);\n");
	for (i = 0; i < c->fwd.n; i++) {
		fwd_rule_fmt(&c->fwd.rules[i], buf, sizeof(buf));
		printf("# forward rule %u: %s\n", i, buf);
	}

	/* Module groups as given: each module owns its defaults */
	for (j = 0; j < config_setting_length(root); j++) {
		const config_setting_t *g = config_setting_get_elem(root, j);
		const char *k = config_setting_name(g);

		if (conf_key_known(conf_top_keys, k) ||
		    config_setting_type(g) != CONFIG_TYPE_GROUP)
			continue;
		printf("%s = ", k);
		conf_print_group(g);
		printf(";\n");
	}
	return 0;
}

/**
 * conf_free() - Release the parsed file
 * @c:		Configuration
 */
void conf_free(struct conf *c)
{
	config_destroy(&c->cfg);
}

static void conf_json_value(const config_setting_t *s, int depth);

/**
 * conf_json_indent() - Start a line at a nesting depth
 * @depth:	Depth, two spaces each
 */
static void conf_json_indent(int depth)
{
	printf("\n%*s", depth * 2, "");
}

/**
 * conf_json_value() - Print a libconfig value as JSON
 * @s:		Setting
 * @depth:	Nesting depth, for indentation
 */
static void conf_json_value(const config_setting_t *s, int depth)
{
	int i, n = config_setting_length(s);

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		printf("%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		printf("%.17g", config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		printf("%s", config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING:
		json_str(stdout, config_setting_get_string(s));
		break;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		printf("[");
		for (i = 0; i < n; i++) {
			printf("%s", i ? ", " : "");
			conf_json_value(config_setting_get_elem(s, i), depth);
		}
		printf("]");
		break;
	case CONFIG_TYPE_GROUP:
		printf("{");
		for (i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s,
									    i);

			printf("%s", i ? "," : "");
			conf_json_indent(depth + 1);
			json_str(stdout, config_setting_name(e));
			printf(": ");
			conf_json_value(e, depth + 1);
		}
		if (n)
			conf_json_indent(depth);
		printf("}");
		break;
	default:
		printf("null");
	}
}

/**
 * conf_json_addr() - Print an address as a JSON string
 * @af:		AF_INET or AF_INET6
 * @a:		Address
 */
static void conf_json_addr(int af, const void *a)
{
	char buf[INET6_ADDRSTRLEN];

	json_str(stdout, conf_addr_str(af, a, buf));
}

/**
 * conf_json_ip() - Print the "ipv4" or "ipv6" member
 * @c:		Configuration
 * @v6:		Which one
 */
static void conf_json_ip(const struct conf *c, bool v6)
{
	const struct passt_netcfg *n = &c->net;
	int af = v6 ? AF_INET6 : AF_INET;
	size_t asz = v6 ? sizeof(struct in6_addr) : sizeof(struct in_addr);
	const void *dns = v6 ? (const void *)n->ip6.dns
			     : (const void *)n->ip4.dns;
	const void *match = v6 ? (const void *)&n->ip6.dns_match
			       : (const void *)&n->ip4.dns_match;
	const void *host = v6 ? (const void *)&n->ip6.dns_host
			      : (const void *)&n->ip4.dns_host;
	const void *out = v6 ? (const void *)&n->ip6.outbound_addr
			     : (const void *)&n->ip4.outbound_addr;
	const void *map = v6 ? (const void *)&n->ip6.map_host_loopback
			     : (const void *)&n->ip4.map_host_loopback;
	unsigned int i, n_dns = v6 ? n->ip6.n_dns : n->ip4.n_dns;

	printf(",\n  \"%s\": {\n    \"enable\": ", v6 ? "ipv6" : "ipv4");
	if (!(v6 ? n->ip6.enable : n->ip4.enable)) {
		printf("false\n  }");
		return;
	}
	printf("true,\n    \"address\": ");
	conf_json_addr(af, v6 ? (const void *)&n->ip6.addr
			      : (const void *)&n->ip4.addr);
	printf(",\n    \"address_source\": \"%s\"",
	       conf_src_names[v6 ? c->src6 : c->src4]);
	printf(",\n    \"prefix_len\": %u",
	       (unsigned int)(v6 ? n->ip6.prefix_len : n->ip4.prefix_len));
	printf(",\n    \"gateway\": ");
	conf_json_addr(af, v6 ? (const void *)&n->ip6.gw
			      : (const void *)&n->ip4.gw);
	printf(",\n    \"dns\": [");
	for (i = 0; i < n_dns; i++) {
		printf("%s", i ? ", " : "");
		conf_json_addr(af, (const uint8_t *)dns + i * asz);
	}
	printf("],\n    \"dns_source\": \"%s\"", conf_src_names[c->srcdns]);
	printf(",\n    \"dns_forward\": ");
	if (memcmp(match, &in6addr_any, asz)) {
		printf("{ \"match\": ");
		conf_json_addr(af, match);
		printf(", \"host\": ");
		conf_json_addr(af, host);
		printf(" }");
	} else {
		printf("null");
	}
	printf(",\n    \"outbound_address\": ");
	if (memcmp(out, &in6addr_any, asz))
		conf_json_addr(af, out);
	else
		printf("\"\"");
	printf(",\n    \"outbound_interface\": ");
	json_str(stdout, v6 ? n->ip6.outbound_if : n->ip4.outbound_if);
	printf(",\n    \"map_host_loopback\": ");
	if (memcmp(map, &in6addr_any, asz))
		conf_json_addr(af, map);
	else
		printf("\"none\"");
	if (v6) {
		printf(",\n    \"link_local\": ");
		conf_json_addr(af, &n->ip6.our_ll);
	}
	printf("\n  }");
}

/**
 * conf_json_rule() - Print one resolved forwarding rule as a JSON object
 * @c:		Configuration
 * @i:		Rule index
 */
static void conf_json_rule(const struct conf *c, unsigned int i)
{
	const struct passt_fwd_rule *r = &c->fwd.rules[i];
	const struct in_addr *a4 = passt_inany_v4(&r->addr);

	printf("    { \"rule\": %u, \"proto\": \"%s\", \"from\": \"%s\", "
	       "\"address\": ", i, r->proto == IPPROTO_TCP ? "tcp" : "udp",
	       r->from == PASST_PIF_SPLICE ? "guest" : "host");
	if (r->any_family)
		printf("null");
	else if (a4)
		conf_json_addr(AF_INET, a4);
	else
		conf_json_addr(AF_INET6, &r->addr.a6);
	printf(", \"interface\": ");
	json_str(stdout, r->ifname);
	printf(", \"ports\": [%u, %u], \"to\": [%u, %u], \"all\": %s, "
	       "\"auto\": %s }", r->first, r->last, r->to,
	       (unsigned int)r->to + (r->last - r->first),
	       r->flags & PASST_FWD_ALL ? "true" : "false",
	       r->flags & PASST_FWD_AUTO ? "true" : "false");
}

/**
 * conf_print_json() - Print the resolved settings as one JSON object
 * @c:		Configuration
 *
 * For scripts (--check-config --json): the members always come in the
 * same order, with the same names as the settings, addresses as strings,
 * "*_source" saying where a value came from ("default", "host" or
 * "config"), forwarding rules as parsed (exclusions split ranges) and
 * module groups as given. Nothing depends on the build or the time.
 *
 * Return: 0
 */
int conf_print_json(const struct conf *c)
{
	const config_setting_t *root = config_root_setting(&c->cfg);
	const struct passt_netcfg *n = &c->net;
	unsigned int i;
	bool first;
	int j;

	printf("{\n  \"abi\": \"%d.%d\",\n  \"file\": ", PASST_ABI_MAJOR,
	       PASST_ABI_MINOR);
	if (c->file)
		json_str(stdout, c->file);
	else
		printf("null");
	printf(",\n  \"backend\": ");
	json_str(stdout, c->backend);
	printf(",\n  \"modules\": [");
	for (i = 0; i < c->n_modules; i++) {
		printf("%s", i ? ", " : "");
		json_str(stdout, c->modules[i]);
	}
	printf("],\n  \"module_dir\": ");
	json_str(stdout, c->module_dir);
	printf(",\n  \"mtu\": %u,\n  \"max_flows\": %u", n->mtu, c->max_flows);
	printf(",\n  \"busy_poll_us\": %u", c->busy_poll_us);
	printf(",\n  \"log\": { \"level\": \"%s\", \"file\": ",
	       log_level_name(c->log_level));
	json_str(stdout, c->log_file);
	printf(" },\n  \"pidfile\": ");
	json_str(stdout, c->pidfile);
	printf(",\n  \"sandbox\": { \"enable\": %s, \"runas\": ",
	       c->sandbox ? "true" : "false");
	json_str(stdout, c->runas);
	printf(" },\n  \"pcap\": ");
	json_str(stdout, c->pcap);
	printf(",\n  \"search\": [");
	for (i = 0; i < n->n_search; i++) {
		printf("%s", i ? ", " : "");
		json_str(stdout, n->search[i]);
	}
	printf("],\n  \"search_source\": \"%s\"",
	       conf_src_names[c->search_set ? CONF_SRC_FILE : CONF_SRC_HOST]);
	conf_json_ip(c, false);
	conf_json_ip(c, true);

	printf(",\n  \"forward\": [");
	for (i = 0; i < c->fwd.n; i++) {
		printf("%s\n", i ? "," : "");
		conf_json_rule(c, i);
	}
	printf("%s],\n  \"groups\": {", c->fwd.n ? "\n  " : "");

	/* Module groups as given: each module owns its defaults */
	for (j = 0, first = true; j < config_setting_length(root); j++) {
		const config_setting_t *g = config_setting_get_elem(root, j);
		const char *k = config_setting_name(g);

		if (conf_key_known(conf_top_keys, k) ||
		    config_setting_type(g) != CONFIG_TYPE_GROUP)
			continue;
		printf("%s\n    ", first ? "" : ",");
		json_str(stdout, k);
		printf(": ");
		conf_json_value(g, 2);
		first = false;
	}
	printf("%s}\n}\n", first ? "" : "\n  ");
	return 0;
}
