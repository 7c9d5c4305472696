// SPDX-License-Identifier: GPL-2.0-or-later
/* conf_test.c - Config files: values, and one clear line for each error */

#include <arpa/inet.h>
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

UNIT_SUITE(conf,
	   { "fuzzed files: exit 0 or 1, no crash", test_fuzz },
	   { "bad settings: one line, exit 1", test_bad },
	   { "values", test_values },
	   { "defaults", test_defaults })
