// SPDX-License-Identifier: GPL-2.0-or-later
/* conf_test.c - Config files: values, and one clear line for each error */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>

#include "unit.h"
#include "conf.h"
#include "log.h"
#include "util.h"

/**
 * conf_fails() - Load a config in a child process; it must exit 1
 * @text:	libconfig text
 * @out:	First line the child wrote to stderr
 * @len:	Size of @out
 *
 * Return: the child's exit status, or -1 if it didn't exit normally
 */
static int conf_fails(const char *text, char *out, size_t len)
{
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		static struct conf c;

		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		log_set_level(LOG_LVL_WARNING);
		conf_load_string(&c, text);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/**
 * one_line_ending() - Whether output is one line ending with a message
 * @out:	Output
 * @msg:	Expected end of the line
 *
 * Return: non-zero if so
 */
static int one_line_ending(const char *out, const char *msg)
{
	const char *nl = strchr(out, '\n');
	size_t ml = strlen(msg);

	if (!nl || nl[1] != '\0' || (size_t)(nl - out) < ml ||
	    strncmp(nl - ml, msg, ml)) {
		fprintf(stderr, "\n  got: %s  want: ...%s\n", out, msg);
		return 0;
	}
	return 1;
}

static const struct {
	const char *text;
	const char *msg;
} bad[] = {
	{ "mtu = 10;", "mtu: 10 is out of range; expected 68 to 65520" },
	{ "mtu = 70000;", "mtu: 70000 is out of range; expected 68 to 65520" },
	{ "mtu = \"big\";", "mtu: expected an integer, got a string" },
	{ "ipv4 = { address = \"10.0.0.300\"; };",
	  "ipv4.address: '10.0.0.300' is not an IPv4 address" },
	{ "ipv4 = { adress = \"10.0.0.1\"; };",
	  "ipv4.adress: unknown setting (ipv4 knows enable, address, "
	  "prefix_len, gateway, dns, outbound_address, outbound_interface, "
	  "map_host_loopback)" },
	{ "ipv4 = { prefix_len = 33; };",
	  "ipv4.prefix_len: 33 is out of range; expected 1 to 32" },
	{ "ipv4 = 4;", "ipv4: expected a group { ... }, got an integer" },
	{ "ipv6 = { dns = [ \"1.2.3.4\" ]; };",
	  "ipv6.dns[0]: '1.2.3.4' is not an IPv6 address" },
	{ "ipv6 = { gateway = \"fe80::1::2\"; };",
	  "ipv6.gateway: 'fe80::1::2' is not an IPv6 address" },
	{ "ipv4 = { dns = [ \"1.1.1.1\", \"1.1.1.2\", \"1.1.1.3\", "
	  "\"1.1.1.4\", \"1.1.1.5\" ]; };",
	  "ipv4.dns: 5 nameservers; at most 4" },
	{ "ipv4 = { outbound_interface = \"averyveryverylongname\"; };",
	  "ipv4.outbound_interface: 'averyveryverylongname...' is too long; "
	  "at most 15 characters" },
	{ "forward = ( { proto = \"tcp\"; ports = \"80-70\"; } );",
	  "forward[0].ports: " },
	{ "forward = ( { proto = \"sctp\"; ports = \"80\"; } );",
	  "forward[0].proto: 'sctp'; expected \"tcp\" or \"udp\"" },
	{ "forward = ( { proto = \"tcp\"; from = \"moon\"; ports = \"80\"; } );",
	  "forward[0].from: 'moon'; expected \"host\" or \"guest\"" },
	{ "forward = ( { proto = \"tcp\"; } );",
	  "forward[0]: needs 'proto' and 'ports'" },
	{ "forward = ( { proto = \"tcp\"; ports = \"80\"; port = 1; } );",
	  "forward[0].port: unknown setting (forward[0] knows proto, from, "
	  "ports)" },
	{ "forward = 5;", "forward: expected a list ( ... ), got an integer" },
	{ "log = { level = \"loud\"; };",
	  "log.level: 'loud'; expected error, warning, info, debug or trace" },
	{ "sandbox = { enable = \"yes\"; };",
	  "sandbox.enable: expected a boolean, got a string" },
	{ "backend = \"../evil\";", "backend: '../evil' is not a module name" },
	{ "modules = [ \"tcp\", \"tcp\" ];",
	  "modules[1]: 'tcp' is listed twice" },
	{ "max_flows = 0;",
	  "max_flows: 0 is out of range; expected 1 to 4194304" },
	{ "busy_poll_us = 1001;",
	  "busy_poll_us: 1001 is out of range; expected 0 to 1000" },
	{ "busy_poll_us = -1;",
	  "busy_poll_us: -1 is out of range; expected 0 to 1000" },
	{ "mtu = ;", "syntax error" },
	{ "ipv4 = { address = \"10.1.2.3\"; gateway = \"10.1.2.1\"; "
	  "prefix_len = 24; enable = 1; };",
	  "ipv4.enable: expected a boolean, got an integer" },
};

static void test_bad(void)
{
	char out[1024];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = conf_fails(bad[i].text, out, sizeof(out));

		CU_ASSERT_EQUAL(st, 1);
		if (strstr(bad[i].msg, ": ") &&
		    bad[i].msg[strlen(bad[i].msg) - 1] == ' ') {
			CU_ASSERT(strstr(out, bad[i].msg) != NULL);
		} else {
			CU_ASSERT(one_line_ending(out, bad[i].msg));
		}
		if (!strstr(out, ":1: "))
			fprintf(stderr, "\n  no line: %s", out);
		CU_ASSERT(strncmp(out, "(built-in):1: ", 14) == 0 ||
			  strstr(out, ":1: ") != NULL);
	}
}

static void test_values(void)
{
	static struct conf c;
	char a[INET6_ADDRSTRLEN];

	log_set_level(LOG_LVL_WARNING);
	conf_load_string(&c,
		"backend = \"tap\";\n"
		"mtu = 1500;\n"
		"max_flows = 1000;\n"
		"ipv4 = { address = \"10.77.0.2\"; prefix_len = 24;\n"
		"         gateway = \"10.77.0.1\"; dns = [ \"10.77.0.53\" ];\n"
		"         map_host_loopback = \"none\"; };\n"
		"ipv6 = { address = \"2001:db8::2\"; prefix_len = 64;\n"
		"         gateway = \"fe80::1\"; dns = [];\n"
		"         map_host_loopback = \"2001:db8::99\"; };\n"
		"forward = ( { proto = \"tcp\"; from = \"host\"; "
		"ports = \"8080:80\"; },\n"
		"            { proto = \"udp\"; ports = \"5000-5010\"; } );\n");

	CU_ASSERT_STRING_EQUAL(c.backend, "tap");
	CU_ASSERT_EQUAL(c.net.mtu, 1500);
	CU_ASSERT_EQUAL(c.max_flows, 1000);
	CU_ASSERT(c.net.ip4.enable);
	inet_ntop(AF_INET, &c.net.ip4.addr, a, sizeof(a));
	CU_ASSERT_STRING_EQUAL(a, "10.77.0.2");
	CU_ASSERT_EQUAL(c.net.ip4.prefix_len, 24);
	inet_ntop(AF_INET, &c.net.ip4.gw, a, sizeof(a));
	CU_ASSERT_STRING_EQUAL(a, "10.77.0.1");
	CU_ASSERT_EQUAL(c.net.ip4.n_dns, 1);
	inet_ntop(AF_INET, &c.net.ip4.dns[0], a, sizeof(a));
	CU_ASSERT_STRING_EQUAL(a, "10.77.0.53");
	CU_ASSERT_EQUAL(c.net.ip4.map_host_loopback.s_addr, 0);
	CU_ASSERT(c.net.ip6.enable);
	inet_ntop(AF_INET6, &c.net.ip6.addr, a, sizeof(a));
	CU_ASSERT_STRING_EQUAL(a, "2001:db8::2");
	CU_ASSERT_EQUAL(c.net.ip6.n_dns, 0);
	inet_ntop(AF_INET6, &c.net.ip6.our_ll, a, sizeof(a));
	CU_ASSERT_STRING_EQUAL(a, "fe80::1");	/* the gateway is LL */
	inet_ntop(AF_INET6, &c.net.ip6.map_host_loopback, a, sizeof(a));
	CU_ASSERT_STRING_EQUAL(a, "2001:db8::99");
	CU_ASSERT_EQUAL(c.fwd.n, 2);
	CU_ASSERT_EQUAL(c.fwd.rules[0].proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(c.fwd.rules[0].first, 8080);
	CU_ASSERT_EQUAL(c.fwd.rules[0].to, 80);
	CU_ASSERT_EQUAL(c.fwd.rules[1].proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(c.fwd.rules[1].first, 5000);
	CU_ASSERT_EQUAL(c.fwd.rules[1].last, 5010);
	CU_ASSERT_EQUAL(c.fwd.rules[1].to, 5000);
	CU_ASSERT_EQUAL(c.net.our_mac[0], 0x02);
	CU_ASSERT_EQUAL(c.net.guest_mac[0], 0xff);
	conf_free(&c);
}

static void test_defaults(void)
{
	static struct conf c;

	log_set_level(LOG_LVL_WARNING);
	conf_load_string(&c, "ipv4 = { enable = false; };\n"
			     "ipv6 = { enable = false; };\n");
	CU_ASSERT_STRING_EQUAL(c.backend, "qemu_stream");
	CU_ASSERT_EQUAL(c.net.mtu, 65520);
	CU_ASSERT_EQUAL(c.max_flows, 65536);
	CU_ASSERT(c.sandbox);
	CU_ASSERT_FALSE(c.net.ip4.enable);
	CU_ASSERT_FALSE(c.modules_set);
	CU_ASSERT_EQUAL(c.fwd.n, 0);
	conf_free(&c);
}

/* Pieces a config file is made of, for the fuzz test */
static const char *const fuzz_atoms[] = {
	"backend", "modules", "mtu", "ipv4", "ipv6", "forward", "log",
	"sandbox", "search", "pcap", "pidfile", "max_flows", "module_dir",
	"address", "prefix_len", "gateway", "dns", "enable", "level", "runas",
	"proto", "from", "ports", "map_host_loopback", "outbound_interface",
	"tcp", "udp", "host", "guest", "\"tcp\"", "\"host\"", "\"80:8080\"",
	"\"10.0.0.1\"", "\"::1\"", "\"fe80::1%eth0\"", "\"all\"",
	"\"~1-65535\"", "\"\"", "\"\\\"\"", "=", ":", ";", ",", "{", "}",
	"[", "]", "(", ")", "true", "false", "0", "-1", "65536",
	"9223372036854775807", "0x7fffffff", "1.5e300", "\n", " ", "#", "//",
	"/*", "*/", "@include", "\"/etc/passwd\"", "L", "\\", "\xff",
};

/**
 * fuzz_text() - Random config text built from atoms and random bytes
 * @buf:	Buffer
 * @len:	Its size
 * @seed:	PRNG state
 */
static void fuzz_text(char *buf, size_t len, unsigned int *seed)
{
	size_t n = 0, i, atoms = (size_t)(rand_r(seed) % 60);

	for (i = 0; i < atoms && n < len - 32; i++) {
		const char *a;
		char raw[2];

		if (rand_r(seed) % 16 == 0) {
			raw[0] = (char)(rand_r(seed) % 255 + 1);
			raw[1] = '\0';
			a = raw;
		} else {
			a = fuzz_atoms[rand_r(seed) % (sizeof(fuzz_atoms) /
						       sizeof(fuzz_atoms[0]))];
		}
		n += (size_t)snprintf(buf + n, len - n, "%s%s", a,
				      rand_r(seed) % 3 ? " " : "");
	}
	buf[MIN(n, len - 1)] = '\0';
}

static void test_fuzz(void)
{
	unsigned int seed = 4242, i, exited = 0, ok = 0;
	static char text[4096];

	/* Any file: exit 0 or 1, never a signal, in a child each time */
	for (i = 0; i < 3000; i++) {
		int status;
		pid_t pid;

		fuzz_text(text, sizeof(text), &seed);
		pid = fork();
		if (pid == 0) {
			static struct conf c;
			int fd = open("/dev/null", O_WRONLY);

			dup2(fd, STDERR_FILENO);
			log_set_level(LOG_LVL_ERR);
			conf_load_string(&c, text);
			_exit(0);
		}
		CU_ASSERT_FATAL(pid > 0);
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status))
			fprintf(stderr, "\n  signal %d on: %s\n",
				WTERMSIG(status), text);
		CU_ASSERT(WIFEXITED(status));
		if (WIFEXITED(status) && WEXITSTATUS(status) <= 1)
			exited++;
		if (WIFEXITED(status) && !WEXITSTATUS(status))
			ok++;
	}
	CU_ASSERT_EQUAL(exited, 3000);
	CU_ASSERT(ok > 0);	/* some random files are valid */
}

/* libconfig 1.5 (Debian 12) loses the text of a token a syntax error cuts:
 * the fuzzed reloads below, in this process on purpose (a reload must
 * never exit), would fail LeakSanitizer for it. What its scanner
 * allocates is ignored; what its parser builds, which conf_free() must
 * release, is still checked.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig_yylex\nleak:strbuf_append\n";
}

/* Configurations for the reload tests: large, out of the stacks */
static struct conf rcur, rnext;

static const char *const reload_tcp_keys[] = {
	"keepalive_interval", "inactivity_timeout", NULL
};

/**
 * reload_keys() - Module groups as a reload sees them: tcp loaded, the
 *		   vhost_user backend only known by name
 * @name:	Group name
 * @found:	Set if the group belongs to a module
 *
 * Return: keys, conf_keys_unchecked, or NULL
 */
static const char *const *reload_keys(const char *name, bool *found)
{
	*found = true;
	if (!strcmp(name, "tcp"))
		return reload_tcp_keys;
	if (!strcmp(name, "vhost_user"))
		return conf_keys_unchecked;
	*found = false;
	return NULL;
}

static const char reload_base[] =
	"backend = \"tap\";\n"
	"mtu = 1500;\n"
	"log = { level = \"warning\"; };\n"
	"ipv4 = { address = \"10.77.0.2\"; prefix_len = 24;\n"
	"         gateway = \"10.77.0.1\"; dns = []; };\n"
	"ipv6 = { enable = false; };\n"
	"forward = ( { proto = \"tcp\"; ports = \"8080:80\"; },\n"
	"            { proto = \"udp\"; ports = \"5000-5001\"; } );\n"
	"tcp = { keepalive_interval = 60; };\n"
	"vhost_user = { socket = \"/tmp/vu\"; };\n";

/**
 * changes_logged() - conf_changes() with what it logs captured
 * @out:	Lines logged, filled
 * @len:	Size of @out
 *
 * Return: what conf_changes() returned
 */
static unsigned int changes_logged(char *out, size_t len)
{
	int p[2], saved = dup(STDERR_FILENO);
	unsigned int n;
	ssize_t r;

	CU_ASSERT_FATAL(saved >= 0 && !pipe(p));
	dup2(p[1], STDERR_FILENO);
	n = conf_changes(&rcur, &rnext);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	r = read(p[0], out, len - 1);
	out[r > 0 ? r : 0] = '\0';
	close(p[0]);
	return n;
}

static void test_reload(void)
{
	char err[1024], out[4096];

	log_set_level(LOG_LVL_WARNING);
	memset(&rcur, 0, sizeof(rcur));
	conf_load_string(&rcur, reload_base);
	rcur.file = "/etc/passt/test.conf";

	/* The same file: the same rules, nothing to say */
	CU_ASSERT_EQUAL_FATAL(conf_reload(&rcur, reload_base, reload_keys,
					  &rnext, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rnext.fwd.n, 2);
	CU_ASSERT(!memcmp(rnext.fwd.rules, rcur.fwd.rules,
			  sizeof(rnext.fwd.rules[0]) * 2));
	CU_ASSERT_EQUAL(rnext.log_level, LOG_LVL_WARNING);
	CU_ASSERT_EQUAL(changes_logged(out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	conf_free(&rnext);

	/* New rules and log level apply; the rest waits for a restart,
	 * one line per setting; a setting written another way is no change
	 */
	CU_ASSERT_EQUAL_FATAL(conf_reload(&rcur,
		"backend = \"tap\";\n"
		"mtu = 0x5dc;\n"
		"log = { level = \"debug\"; };\n"
		"ipv4 = { address = \"10.77.0.3\"; prefix_len = 24;\n"
		"         gateway = \"10.77.0.1\";\n"
		"         dns = [ \"10.77.0.1\" ]; };\n"
		"ipv6 = { enable = false; };\n"
		"forward = ( { proto = \"tcp\"; ports = \"8081:81\"; } );\n"
		"tcp = { keepalive_interval = 61; inactivity_timeout = 5; };\n"
		"pcap = \"/tmp/x.pcap\";\n"
		"busy_poll_us = 0;\n", reload_keys, &rnext, err,
		sizeof(err)), 0);
	CU_ASSERT_EQUAL(rnext.fwd.n, 1);
	CU_ASSERT_EQUAL(rnext.fwd.rules[0].first, 8081);
	CU_ASSERT_EQUAL(rnext.log_level, LOG_LVL_DEBUG);
	CU_ASSERT_EQUAL(rnext.busy_poll_us, 0);		/* applied: no line */
	CU_ASSERT_EQUAL(rcur.busy_poll_us, CONF_BUSY_POLL_DEFAULT);
	CU_ASSERT_EQUAL(changes_logged(out, sizeof(out)), 6);
	CU_ASSERT_STRING_EQUAL(out,
		"warning: reload: /etc/passt/test.conf:4: ipv4.address: "
		"changed; ignored until restart\n"
		"warning: reload: /etc/passt/test.conf:6: ipv4.dns: changed; "
		"ignored until restart\n"
		"warning: reload: /etc/passt/test.conf:9: "
		"tcp.keepalive_interval: changed; ignored until restart\n"
		"warning: reload: /etc/passt/test.conf:9: "
		"tcp.inactivity_timeout: added; ignored until restart\n"
		"warning: reload: /etc/passt/test.conf: vhost_user: removed; "
		"ignored until restart\n"
		"warning: reload: /etc/passt/test.conf:10: pcap: added; "
		"ignored until restart\n");

	/* With -d on the command line, the file's log level waits too */
	rcur.log_cli = true;
	CU_ASSERT_EQUAL(changes_logged(out, sizeof(out)), 7);
	CU_ASSERT(strstr(out, "warning: reload: /etc/passt/test.conf:3: "
			 "log.level: changed; ignored: -d or --trace on the "
			 "command line wins\n") != NULL);
	rcur.log_cli = false;
	conf_free(&rnext);

	conf_free(&rcur);
}

static void test_reload_bad(void)
{
	char err[1024];
	size_t i;
	int rc;

	log_set_level(LOG_LVL_ERR);
	memset(&rcur, 0, sizeof(rcur));
	conf_load_string(&rcur, reload_base);
	rcur.file = "/etc/passt/test.conf";

	/* What stops a start-up stops a reload, with the same message, and
	 * the process goes on
	 */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(err, 0, sizeof(err));
		rc = conf_reload(&rcur, bad[i].text, reload_keys, &rnext, err,
				 sizeof(err));
		conf_free(&rnext);
		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT(!strncmp(err, "/etc/passt/test.conf:1: ",
				   strlen("/etc/passt/test.conf:1: ")));
		if (!strstr(err, bad[i].msg))
			fprintf(stderr, "\n  got: %s\n  want: ...%s\n", err,
				bad[i].msg);
		CU_ASSERT(strstr(err, bad[i].msg) != NULL);
		CU_ASSERT_PTR_NULL(strchr(err, '\n'));
	}

	/* Module groups: keys of loaded modules are checked, others not */
	rc = conf_reload(&rcur, "tcp = { keepalive_intervall = 1; };",
			 reload_keys, &rnext, err, sizeof(err));
	conf_free(&rnext);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "/etc/passt/test.conf:1: "
			       "tcp.keepalive_intervall: unknown setting (tcp "
			       "knows keepalive_interval, inactivity_timeout)");
	rc = conf_reload(&rcur, "\n\nicmpp = { };", reload_keys, &rnext, err,
			 sizeof(err));
	conf_free(&rnext);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "/etc/passt/test.conf:3: 'icmpp': no "
			       "such setting, and no module by that name is "
			       "loaded");
	rc = conf_reload(&rcur, "vhost_user = { anything = 1; };",
			 reload_keys, &rnext, err, sizeof(err));
	conf_free(&rnext);
	CU_ASSERT_EQUAL(rc, 0);

	/* Syntax, named after the running file */
	rc = conf_reload(&rcur, "mtu = 1500;\nlog = { level = ; };\n",
			 reload_keys, &rnext, err, sizeof(err));
	conf_free(&rnext);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "/etc/passt/test.conf:2: syntax error");

	/* A short buffer: cut, terminated */
	memset(err, 'Z', sizeof(err));
	rc = conf_reload(&rcur, "mtu = 10;", reload_keys, &rnext, err, 12);
	conf_free(&rnext);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "/etc/passt/");
	CU_ASSERT_EQUAL(err[12], 'Z');

	conf_free(&rcur);
}

static void test_reload_fuzz(void)
{
	unsigned int seed = 777, i, ok = 0;
	static char text[4096];
	char err[1024];

	/* In this process: a reload must never exit, whatever the file */
	log_set_level(LOG_LVL_ERR);
	memset(&rcur, 0, sizeof(rcur));
	conf_load_string(&rcur, reload_base);
	rcur.file = "/etc/passt/test.conf";
	for (i = 0; i < 3000; i++) {
		fuzz_text(text, sizeof(text), &seed);
		err[0] = '\0';
		if (!conf_reload(&rcur, text, reload_keys, &rnext, err,
				 sizeof(err)))
			ok++;
		else
			CU_ASSERT(err[0] != '\0' && !strchr(err, '\n'));
		conf_free(&rnext);
	}
	CU_ASSERT(ok > 0);
	conf_free(&rcur);
}

UNIT_SUITE(conf,
	   { "fuzzed files: exit 0 or 1, no crash", test_fuzz },
	   { "bad settings: one line, exit 1", test_bad },
	   { "values", test_values },
	   { "defaults", test_defaults },
	   { "reload: rules, level, what waits for a restart", test_reload },
	   { "reload: bad files, never an exit", test_reload_bad },
	   { "reload: fuzzed files, never an exit", test_reload_fuzz })
