// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_conf.c - The config file parser: conf_load_string() and what follows
 *
 * Input: libconfig text, parsed as a config file is (core/conf.c: the
 * file, then host defaults for what it leaves out), then checked for
 * settings nobody owns (conf_reject_unknown(), with the in-tree modules'
 * keys) and printed back as --check-config does (to /dev/null).
 *
 * A bad file ends in die(), which exits. Linked with --wrap=die, every
 * call of die() from the core lands in __wrap_die() below instead: it
 * logs the message as die() would and checks that it comes out as one
 * line, as the contract demands, then jumps back here, which frees the
 * half-parsed file and goes on with the next input. The core's own die()
 * (core/log.c) is untouched.
 *
 * Host defaults come from this harness's network namespace: a veth
 * interface with IPv4 and IPv6 addresses and default routes, so that the
 * same input always resolves the same way, whatever the machine has.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "conf.h"
#include "log.h"

#define FUZZ_CONF_MAX	(64 * 1024)

void __wrap_die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

static struct conf fuzz_c;
static jmp_buf fuzz_jmp;
static bool fuzz_armed;
static int fuzz_log_fd = -1;
static char fuzz_text[FUZZ_CONF_MAX + 1];

/**
 * __wrap_die() - die() while fuzzing: check the line logged, jump back
 * @fmt:	printf format, then its arguments
 *
 * The message goes through the core's log into a memory file, as die()
 * would write it to stderr, and must come out as exactly one line.
 */
void __wrap_die(const char *fmt, ...)
{
	char line[BUFSIZ + 1];
	ssize_t n;
	va_list ap;

	if (!fuzz_armed)
		fuzz_fail("die() outside the parser: %s", fmt);
	if (ftruncate(fuzz_log_fd, 0))
		fuzz_fail("ftruncate: %s", strerror(errno));
	va_start(ap, fmt);
	vlogmsg(LOG_LVL_ERR, NULL, fmt, ap);
	va_end(ap);
	n = pread(fuzz_log_fd, line, sizeof(line) - 1, 0);
	if (n <= 0)
		fuzz_fail("die() logged nothing: %s", fmt);
	line[n] = '\0';
	if (strchr(line, '\n') != line + n - 1)
		fuzz_fail("error message not one line: '%s'", line);
	longjmp(fuzz_jmp, 1);
}

/**
 * fuzz_conf_keys() - Keys of a module group, as modload_group_keys() says
 * @name:	Group name
 * @found:	Set if a module of that name exists
 *
 * Return: its keys, or NULL
 */
static const char *const *fuzz_conf_keys(const char *name, bool *found)
{
	static const struct {
		const char *name;
		const char *const keys[5];
	} mods[] = {
		{ "tcp", { "keepalive_interval", "inactivity_timeout" } },
		{ "udp", { "flow_timeout", "dns_forward", "dns_host" } },
		{ "icmp", { "flow_timeout" } },
		{ "dhcp", { "enable" } },
		{ "ndp", { "router_advertisements" } },
		{ "tap", { "config_net", "netns", "ifname", "mac" } },
		{ "qemu_stream", { "socket", "mode" } },
		{ "vhost_user", { "socket" } },
	};
	size_t i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		if (!strcmp(name, mods[i].name)) {
			*found = true;
			return mods[i].keys;
		}
	}
	*found = false;
	return NULL;
}

/**
 * LLVMFuzzerInitialize() - Namespace with host defaults, quiet output
 * @argc:	Unused
 * @argv:	Unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[64];

	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_netns();
	if (system("ip link add fz0 type veth peer name fz1 && "
		   "ip addr add 192.0.2.15/24 dev fz0 && "
		   "ip -6 addr add 2001:db8::15/64 dev fz0 nodad && "
		   "ip link set fz1 up && ip link set fz0 up && "
		   "ip route add default via 192.0.2.1 dev fz0 && "
		   "ip -6 route add default via 2001:db8::1 dev fz0"))
		(void)fputs("fuzz: no veth interface: no host defaults\n",
			    stderr);
	if (!freopen("/dev/null", "w", stdout))
		fuzz_fail("stdout to /dev/null");

	fuzz_log_fd = memfd_create("fuzz-conf-log", MFD_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fuzz_log_fd);
	if (fuzz_log_fd < 0 || log_open_file(path))
		fuzz_fail("no log file in memory: %s", strerror(errno));
	return 0;
}

/**
 * LLVMFuzzerTestOneInput() - Load, check and print one config text
 * @data:	Text (a NUL ends it early)
 * @size:	Its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_CONF_MAX)
		return 0;
	memcpy(fuzz_text, data, size);
	fuzz_text[size] = '\0';
	memset(&fuzz_c, 0, sizeof(fuzz_c));

	fuzz_armed = true;
	if (!setjmp(fuzz_jmp)) {
		conf_load_string(&fuzz_c, fuzz_text);
		conf_reject_unknown(&fuzz_c, fuzz_conf_keys);
		conf_print(&fuzz_c);
	}
	fuzz_armed = false;
	conf_free(&fuzz_c);
	return 0;
}
