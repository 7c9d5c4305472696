// SPDX-License-Identifier: GPL-2.0-or-later
/* reload_test.c - A reload applied to a running core: rules kept with
 * their sockets, removed ones told to their module and closed, new ones
 * bound; a port that can't be bound, a bad file, a rule for a module that
 * isn't loaded: all refused, the running table and sockets as they were
 *
 * Sockets are real, on 127.0.0.1; the tcp and udp modules are records
 * whose on_fd() notes what the core tells them.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "unit.h"
#include "conf.h"
#include "fwd.h"
#include "log.h"
#include "loop.h"
#include "modload.h"
#include "reload.h"
#include "stats.h"
#include "util.h"

#define HUPS_MAX	8

/**
 * struct hup - What the core told a module before closing a socket
 * @mod:	Module index
 * @data:	PASST_FWD_REF() of the socket
 * @open:	The socket was still open
 * @rule_ok:	fwd_rule() still gave the rule, with the port in its range
 */
struct hup {
	unsigned int mod;
	uint32_t data;
	bool open;
	bool rule_ok;
};

static struct hup hups[HUPS_MAX];
static unsigned int n_hups, n_other_events;
static struct passt_mod m_tcp, m_udp;

/**
 * fake_on_fd() - on_fd() of the fake modules: note EPOLLHUP notices
 * @m:		Module
 * @type:	Type of fd
 * @fd:		File descriptor
 * @data:	Data
 * @events:	Events
 * @now:	Time
 */
static void fake_on_fd(struct passt_mod *m, uint8_t type, int fd,
		       uint32_t data, uint32_t events,
		       const struct timespec *now)
{
	const struct passt_fwd_rule *r;
	uint16_t port = PASST_FWD_REF_PORT(data);

	(void)now;
	if (type != PASST_FD_LISTEN || events != EPOLLHUP ||
	    n_hups >= HUPS_MAX) {
		n_other_events++;
		return;
	}
	r = fwd_rule(&conf.fwd, PASST_FWD_REF_RULE(data));
	hups[n_hups].mod = m->idx;
	hups[n_hups].data = data;
	hups[n_hups].open = fcntl(fd, F_GETFD) >= 0;
	hups[n_hups].rule_ok = r && r->first <= port && port <= r->last;
	n_hups++;
}

/**
 * fake_mod() - A module record taking listening sockets
 * @m:		Record
 * @idx:	Its index
 * @name:	Its name
 */
static void fake_mod(struct passt_mod *m, unsigned int idx, const char *name)
{
	memset(m, 0, sizeof(*m));
	m->idx = idx;
	m->desc = &m->d;
	m->d.on_fd = fake_on_fd;
	snprintf(m->name, sizeof(m->name), "%s", name);
	mods[idx] = m;
}

/**
 * listening() - Whether a loopback TCP port accepts connections
 * @port:	Port
 *
 * Return: true if connect() succeeds
 */
static bool listening(unsigned int port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr = { htonl(INADDR_LOOPBACK) },
	};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return ok;
}

/**
 * bindable() - Whether a loopback port can be bound now
 * @port:	Port
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @keep:	Set to the bound socket, if not NULL (else it's closed)
 *
 * Return: true if it could
 */
static bool bindable(unsigned int port, int type, int *keep)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr = { htonl(INADDR_LOOPBACK) },
	};
	int fd = socket(AF_INET, type, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = !bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (ok && keep && type == SOCK_STREAM && listen(fd, 1))
		ok = false;
	if (ok && keep)
		*keep = fd;
	else
		close(fd);
	return ok;
}

/**
 * free_base() - A run of 6 loopback ports free for TCP and UDP
 *
 * Return: first port
 */
static unsigned int free_base(void)
{
	unsigned int base, i;

	for (base = 30000 + (unsigned int)(getpid() % 1000) * 8;
	     base < 39000; base += 6) {
		for (i = 0; i < 6 && bindable(base + i, SOCK_STREAM, NULL) &&
			    bindable(base + i, SOCK_DGRAM, NULL); i++)
			;
		if (i == 6)
			return base;
	}
	CU_FAIL_FATAL("no free ports");
	return 0;
}

/**
 * text_of() - A configuration file, with forward rules on loopback
 * @buf:	Buffer
 * @len:	Its size
 * @rules:	The forward list's entries
 *
 * Return: @buf
 */
static const char *text_of(char *buf, size_t len, const char *rules)
{
	snprintf(buf, len,
		 "ipv4 = { address = \"10.77.0.2\"; prefix_len = 24;\n"
		 "         gateway = \"10.77.0.1\"; dns = []; };\n"
		 "ipv6 = { enable = false; };\n"
		 "forward = ( %s );\n", rules);
	return buf;
}

static void test_reload(void)
{
	static struct fwd_table before;
	unsigned int p = free_base(), saved_n = mods_n;
	int level = log_get_level(), fd0, fd1, busy = -1, rc;
	char text[1024], rules[512], err[1024], want[512];
	uint64_t reloads, errors;

	log_set_level(LOG_LVL_ERR);
	CU_ASSERT_EQUAL_FATAL(loop_init(), 0);
	fake_mod(&m_tcp, 1, "tcp");
	fake_mod(&m_udp, 2, "udp");
	mods_n = 3;
	stats_reset();

	/* Start: TCP p (rule 0), TCP p + 1 (1), UDP p + 2 (2) */
	memset(&conf, 0, sizeof(conf));
	snprintf(rules, sizeof(rules),
		 "{ proto = \"tcp\"; ports = \"127.0.0.1/%u\"; },"
		 "{ proto = \"tcp\"; ports = \"127.0.0.1/%u\"; },"
		 "{ proto = \"udp\"; ports = \"127.0.0.1/%u\"; }",
		 p, p + 1, p + 2);
	conf_load_string(&conf, text_of(text, sizeof(text), rules));
	conf.file = "/etc/passt/reload_test.conf";
	CU_ASSERT_EQUAL_FATAL(reload_listen_all(err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(reload_sock_count(-1), 3);
	CU_ASSERT(listening(p));
	CU_ASSERT(listening(p + 1));
	CU_ASSERT_FALSE(bindable(p + 2, SOCK_DGRAM, NULL));
	fd0 = reload_sock_fd(0, (uint16_t)p);
	CU_ASSERT(fd0 >= 0);

	/* Keep rule 0, drop 1 and 2, add TCP p + 3 */
	snprintf(rules, sizeof(rules),
		 "{ proto = \"tcp\"; ports = \"127.0.0.1/%u\"; },"
		 "{ proto = \"tcp\"; ports = \"127.0.0.1/%u\"; }", p, p + 3);
	n_hups = n_other_events = 0;
	rc = reload_apply(text_of(text, sizeof(text), rules), err,
			  sizeof(err));
	if (rc)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);

	CU_ASSERT_EQUAL(reload_sock_fd(0, (uint16_t)p), fd0);
	CU_ASSERT(listening(p));
	CU_ASSERT_FALSE(listening(p + 1));
	CU_ASSERT(bindable(p + 2, SOCK_DGRAM, NULL));
	CU_ASSERT(listening(p + 3));
	CU_ASSERT_EQUAL(reload_sock_count(-1), 2);
	CU_ASSERT_EQUAL(reload_sock_count(3), 1);
	CU_ASSERT_EQUAL(conf.fwd.n, 4);
	CU_ASSERT(fwd_rule_live(&conf.fwd, 0));
	CU_ASSERT_FALSE(fwd_rule_live(&conf.fwd, 1));
	CU_ASSERT_FALSE(fwd_rule_live(&conf.fwd, 2));
	CU_ASSERT(fwd_rule_live(&conf.fwd, 3));
	CU_ASSERT_EQUAL(conf.fwd.rules[3].first, p + 3);

	/* Each removed socket's module heard of it first, socket open and
	 * rule readable
	 */
	CU_ASSERT_EQUAL_FATAL(n_hups, 2);
	CU_ASSERT_EQUAL(n_other_events, 0);
	CU_ASSERT_EQUAL(hups[0].mod, 1);
	CU_ASSERT_EQUAL(hups[0].data, PASST_FWD_REF(1, p + 1));
	CU_ASSERT_EQUAL(hups[1].mod, 2);
	CU_ASSERT_EQUAL(hups[1].data, PASST_FWD_REF(2, p + 2));
	CU_ASSERT(hups[0].open && hups[1].open);
	CU_ASSERT(hups[0].rule_ok && hups[1].rule_ok);
	CU_ASSERT_EQUAL(stats_core_get(STATS_RELOADS), 1);

	/* The same file again: nothing closed, nothing opened */
	n_hups = 0;
	CU_ASSERT_EQUAL(reload_apply(text, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n_hups, 0);
	CU_ASSERT_EQUAL(reload_sock_fd(0, (uint16_t)p), fd0);
	CU_ASSERT_EQUAL(reload_sock_count(-1), 2);
	fd1 = reload_sock_fd(3, (uint16_t)(p + 3));

	/* A new port someone else holds: refused, and rule 3, removed to
	 * make way, is back with a socket, under its index
	 */
	CU_ASSERT_FATAL(bindable(p + 4, SOCK_STREAM, &busy));
	memcpy(&before, &conf.fwd, sizeof(before));
	snprintf(rules, sizeof(rules),
		 "{ proto = \"tcp\"; ports = \"127.0.0.1/%u\"; },"
		 "{ proto = \"tcp\"; ports = \"127.0.0.1/%u\"; }", p, p + 4);
	errors = stats_core_get(STATS_RELOAD_ERRORS);
	rc = reload_apply(text_of(text, sizeof(text), rules), err,
			  sizeof(err));
	CU_ASSERT_EQUAL(rc, -EADDRINUSE);
	snprintf(want, sizeof(want), "forward: tcp port %u on 127.0.0.1: "
		 "cannot bind: %s", p + 4, strerror(EADDRINUSE));
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT(!memcmp(&before, &conf.fwd, sizeof(before)));
	CU_ASSERT(listening(p));
	CU_ASSERT(listening(p + 3));
	CU_ASSERT(reload_sock_fd(3, (uint16_t)(p + 3)) >= 0);
	CU_ASSERT_EQUAL(reload_sock_fd(0, (uint16_t)p), fd0);
	CU_ASSERT_EQUAL(reload_sock_count(-1), 2);
	CU_ASSERT_EQUAL(stats_core_get(STATS_RELOAD_ERRORS), errors + 1);
	close(busy);
	(void)fd1;

	/* A bad file: one line, nothing touched */
	reloads = stats_core_get(STATS_RELOADS);
	CU_ASSERT_EQUAL(reload_apply("mtu = 10;\n", err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "/etc/passt/reload_test.conf:1: mtu: 10 "
			       "is out of range; expected 68 to 65520");
	CU_ASSERT(!memcmp(&before, &conf.fwd, sizeof(before)));
	CU_ASSERT_EQUAL(stats_core_get(STATS_RELOADS), reloads);

	/* A rule for a module that is not loaded */
	mods_n = 2;
	snprintf(rules, sizeof(rules),
		 "{ proto = \"udp\"; ports = \"127.0.0.1/%u\"; }", p + 5);
	CU_ASSERT_EQUAL(reload_apply(text_of(text, sizeof(text), rules), err,
				     sizeof(err)), -ENOPROTOOPT);
	CU_ASSERT_STRING_EQUAL(err, "/etc/passt/reload_test.conf: forward: "
			       "udp rules need the udp module, which is not "
			       "loaded");
	CU_ASSERT(!memcmp(&before, &conf.fwd, sizeof(before)));
	mods_n = 3;

	/* The log level follows the file, unless the command line set it */
	text_of(text, sizeof(text), "");
	snprintf(text + strlen(text), sizeof(text) - strlen(text),
		 "log = { level = \"warning\"; };\n");
	CU_ASSERT_EQUAL(reload_apply(text, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(log_get_level(), LOG_LVL_WARNING);
	CU_ASSERT_EQUAL(reload_sock_count(-1), 0);
	CU_ASSERT_FALSE(listening(p));
	CU_ASSERT_FALSE(listening(p + 3));
	conf.log_cli = true;
	log_set_level(LOG_LVL_ERR);
	CU_ASSERT_EQUAL(reload_apply(text, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(log_get_level(), LOG_LVL_ERR);
	conf.log_cli = false;

	log_set_level(level);
	conf_free(&conf);
	memset(&conf, 0, sizeof(conf));
	mods[1] = mods[2] = NULL;
	mods_n = saved_n;
	stats_reset();
}

UNIT_SUITE(reload, { "rules, sockets, refusals", test_reload })
