// SPDX-License-Identifier: GPL-2.0-or-later
/* netlink_test.c - Host defaults over netlink, resolv.conf parsing
 *
 * resolv.conf cases are written to temporary files and read back. The
 * netlink queries run against the host (either no default route or a
 * coherent answer) and, as root with ip(8) at hand, in a network namespace
 * made by a child process for the purpose: exact values there. The
 * namespace goes away with the child; the host's network is not touched.
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "netlink.h"
#include "unit.h"

#define NS_SKIP		77	/* child exit status: can't make a namespace */

/**
 * rc_from() - Parse resolv.conf content through a temporary file
 * @data:	Content
 * @len:	Its length (it may hold NUL bytes)
 * @rc:		Filled in
 *
 * Return: what resolv_conf_read() returned
 */
static int rc_from(const char *data, size_t len, struct resolv_conf *rc)
{
	char path[] = "/tmp/netlink_test.XXXXXX";
	int fd, ret;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, len) == (ssize_t)len);
	close(fd);
	ret = resolv_conf_read(path, rc);
	unlink(path);
	return ret;
}

/**
 * rc_str() - Parse resolv.conf content given as a string
 * @s:		Content
 * @rc:		Filled in
 *
 * Return: what resolv_conf_read() returned
 */
static int rc_str(const char *s, struct resolv_conf *rc)
{
	return rc_from(s, strlen(s), rc);
}

/**
 * is4() - Check an IPv4 address against its text
 * @a:		Address
 * @s:		Expected, as text
 *
 * Return: true if equal
 */
static bool is4(const struct in_addr *a, const char *s)
{
	struct in_addr e;

	return inet_pton(AF_INET, s, &e) == 1 && e.s_addr == a->s_addr;
}

/**
 * is6() - Check an IPv6 address against its text
 * @a:		Address
 * @s:		Expected, as text
 *
 * Return: true if equal
 */
static bool is6(const struct in6_addr *a, const char *s)
{
	struct in6_addr e;

	return inet_pton(AF_INET6, s, &e) == 1 && !memcmp(&e, a, sizeof(e));
}

/**
 * test_resolv_basic() - Nameservers of both families in file order, search list
 */
static void test_resolv_basic(void)
{
	struct resolv_conf rc;

	CU_ASSERT_EQUAL_FATAL(rc_str("nameserver 192.0.2.1\n"
				     "nameserver 2001:db8::53\n"
				     "nameserver 198.51.100.7\n"
				     "options ndots:2 edns0\n"
				     "search example.com corp.example.org\n",
				     &rc), 0);
	CU_ASSERT_EQUAL(rc.n4, 2);
	CU_ASSERT(is4(&rc.ns4[0], "192.0.2.1"));
	CU_ASSERT(is4(&rc.ns4[1], "198.51.100.7"));
	CU_ASSERT_EQUAL(rc.n6, 1);
	CU_ASSERT(is6(&rc.ns6[0], "2001:db8::53"));
	CU_ASSERT_EQUAL(rc.n_search, 2);
	CU_ASSERT_STRING_EQUAL(rc.search[0], "example.com");
	CU_ASSERT_STRING_EQUAL(rc.search[1], "corp.example.org");
	CU_ASSERT_EQUAL(rc.search[2][0], '\0');
}

/**
 * test_resolv_scope() - IPv6 nameservers lose their %scope suffix
 */
static void test_resolv_scope(void)
{
	struct resolv_conf rc;

	CU_ASSERT_EQUAL_FATAL(rc_str("nameserver fe80::1%eth0\n"
				     "nameserver fe80::2%2\n"
				     "nameserver 2001:db8::1%\n"
				     "nameserver %eth0\n", &rc), 0);
	CU_ASSERT_EQUAL(rc.n4, 0);
	CU_ASSERT_EQUAL(rc.n6, 3);
	CU_ASSERT(is6(&rc.ns6[0], "fe80::1"));
	CU_ASSERT(is6(&rc.ns6[1], "fe80::2"));
	CU_ASSERT(is6(&rc.ns6[2], "2001:db8::1"));
}

/**
 * test_resolv_too_many() - Entries beyond the limits are dropped
 */
static void test_resolv_too_many(void)
{
	struct resolv_conf rc;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(rc_str("nameserver 10.0.0.1\n"
				     "nameserver 2001:db8::1\n"
				     "nameserver 10.0.0.2\n"
				     "nameserver 10.0.0.3\n"
				     "nameserver 2001:db8::2\n"
				     "nameserver 2001:db8::3\n"
				     "nameserver 10.0.0.4\n"
				     "nameserver 10.0.0.5\n"
				     "nameserver 2001:db8::4\n"
				     "nameserver 2001:db8::5\n"
				     "nameserver 10.0.0.6\n"
				     "nameserver 2001:db8::6\n"
				     "search a.example b.example c.example "
				     "d.example e.example f.example "
				     "g.example h.example i.example "
				     "j.example\n", &rc), 0);
	CU_ASSERT_EQUAL(PASST_DNS_MAX, 4);
	CU_ASSERT_EQUAL(rc.n4, 4);
	CU_ASSERT(is4(&rc.ns4[0], "10.0.0.1"));
	CU_ASSERT(is4(&rc.ns4[1], "10.0.0.2"));
	CU_ASSERT(is4(&rc.ns4[2], "10.0.0.3"));
	CU_ASSERT(is4(&rc.ns4[3], "10.0.0.4"));
	CU_ASSERT_EQUAL(rc.n6, 4);
	CU_ASSERT(is6(&rc.ns6[0], "2001:db8::1"));
	CU_ASSERT(is6(&rc.ns6[1], "2001:db8::2"));
	CU_ASSERT(is6(&rc.ns6[2], "2001:db8::3"));
	CU_ASSERT(is6(&rc.ns6[3], "2001:db8::4"));

	CU_ASSERT_EQUAL(PASST_SEARCH_MAX, 8);
	CU_ASSERT_EQUAL(rc.n_search, 8);
	for (i = 0; i < 8 && i < rc.n_search; i++) {
		char e[] = "a.example";

		e[0] = (char)('a' + i);
		CU_ASSERT_STRING_EQUAL(rc.search[i], e);
	}
}

/**
 * test_resolv_comments() - Comments, trailing comments, blanks, indents
 */
static void test_resolv_comments(void)
{
	struct resolv_conf rc;

	CU_ASSERT_EQUAL_FATAL(rc_str("# nameserver 10.0.0.1\n"
				     "; nameserver 10.0.0.2\n"
				     "   # search indented.example\n"
				     "#search commented.example\n"
				     "\t nameserver 10.0.0.3\n"
				     "\n"
				     "   \t\n"
				     "nameserver 10.0.0.4 # trailing comment\n"
				     "nameserver 10.0.0.5#glued\n"
				     "nameserver 2001:db8::5;glued\n"
				     "  search a.example # b.example\n",
				     &rc), 0);
	CU_ASSERT_EQUAL(rc.n4, 3);
	CU_ASSERT(is4(&rc.ns4[0], "10.0.0.3"));
	CU_ASSERT(is4(&rc.ns4[1], "10.0.0.4"));
	CU_ASSERT(is4(&rc.ns4[2], "10.0.0.5"));
	CU_ASSERT_EQUAL(rc.n6, 1);
	CU_ASSERT(is6(&rc.ns6[0], "2001:db8::5"));
	CU_ASSERT_EQUAL(rc.n_search, 1);
	CU_ASSERT_STRING_EQUAL(rc.search[0], "a.example");
}

/**
 * test_resolv_domain() - domain is the search list only without a search line
 */
static void test_resolv_domain(void)
{
	struct resolv_conf rc;

	CU_ASSERT_EQUAL_FATAL(rc_str("domain d.example\n", &rc), 0);
	CU_ASSERT_EQUAL(rc.n_search, 1);
	CU_ASSERT_STRING_EQUAL(rc.search[0], "d.example");

	CU_ASSERT_EQUAL_FATAL(rc_str("domain d.example\ndomain e.example\n",
				     &rc), 0);
	CU_ASSERT_EQUAL(rc.n_search, 1);
	CU_ASSERT_STRING_EQUAL(rc.search[0], "e.example");

	/* A search line wins over domain, before or after it */
	CU_ASSERT_EQUAL_FATAL(rc_str("search s.example t.example\n"
				     "domain d.example\n", &rc), 0);
	CU_ASSERT_EQUAL(rc.n_search, 2);
	CU_ASSERT_STRING_EQUAL(rc.search[0], "s.example");
	CU_ASSERT_STRING_EQUAL(rc.search[1], "t.example");

	CU_ASSERT_EQUAL_FATAL(rc_str("domain d.example\n"
				     "search s.example\n", &rc), 0);
	CU_ASSERT_EQUAL(rc.n_search, 1);
	CU_ASSERT_STRING_EQUAL(rc.search[0], "s.example");
	CU_ASSERT_EQUAL(rc.search[1][0], '\0');
}

/**
 * test_resolv_last_search() - The last search line wins; domain length limits
 */
static void test_resolv_last_search(void)
{
	char long_ok[PASST_DOMAIN_MAX], too_long[PASST_DOMAIN_MAX + 1];
	struct resolv_conf rc;
	char buf[1024];

	CU_ASSERT_EQUAL_FATAL(rc_str("search a.example b.example c.example\n"
				     "nameserver 10.0.0.1\n"
				     "search c.example\n", &rc), 0);
	CU_ASSERT_EQUAL(rc.n_search, 1);
	CU_ASSERT_STRING_EQUAL(rc.search[0], "c.example");
	CU_ASSERT_EQUAL(rc.search[1][0], '\0');
	CU_ASSERT_EQUAL(rc.search[2][0], '\0');

	/* 253 characters fit, 254 don't: labels of 63 and a last one */
	memset(long_ok, 'x', sizeof(long_ok));
	long_ok[63] = long_ok[127] = long_ok[191] = '.';
	long_ok[PASST_DOMAIN_MAX - 1] = '\0';
	CU_ASSERT_EQUAL(strlen(long_ok), 253);
	memcpy(too_long, long_ok, sizeof(long_ok));
	too_long[PASST_DOMAIN_MAX - 1] = 'y';
	too_long[PASST_DOMAIN_MAX] = '\0';

	snprintf(buf, sizeof(buf), "search %s first.example %s\n",
		 too_long, long_ok);
	CU_ASSERT_EQUAL_FATAL(rc_str(buf, &rc), 0);
	CU_ASSERT_EQUAL(rc.n_search, 2);
	CU_ASSERT_STRING_EQUAL(rc.search[0], "first.example");
	CU_ASSERT_STRING_EQUAL(rc.search[1], long_ok);

	/* An empty last search line leaves no search domains */
	CU_ASSERT_EQUAL_FATAL(rc_str("search a.example\nsearch\n", &rc), 0);
	CU_ASSERT_EQUAL(rc.n_search, 0);
	CU_ASSERT_EQUAL(rc.search[0][0], '\0');
}

/**
 * test_resolv_garbage() - Malformed lines skipped, good ones kept
 */
static void test_resolv_garbage(void)
{
	static const char data[] =
		"nameserver\n"
		"nameserver foo.example\n"
		"nameserverx 10.0.0.9\n"
		"nameservers 10.0.0.9\n"
		"nameserver 999.1.1.1\n"
		"nameserver 10.0.0\n"
		"nameserver 10.0.0.1\n"
		"\x01\x02\xff\xfe garbage \x7f\n"
		"name\0server 10.0.0.8\n"
		"search bad!domain ok.example ..dots a..b . .lead "
		"x\xc3\xa9.example\n"
		"sortlist 10.0.0.0/255.0.0.0\n"
		"options rotate\n"
		"\r\n"
		"nameserver 10.0.0.2\r\n"
		"domain\n"
		"nameserver ::ffff:10.0.0.3 extra words\n"
		"nameserver 10.0.0.4";		/* no newline at the end */
	struct resolv_conf rc;

	CU_ASSERT_EQUAL_FATAL(rc_from(data, sizeof(data) - 1, &rc), 0);
	CU_ASSERT_EQUAL(rc.n4, 3);
	CU_ASSERT(is4(&rc.ns4[0], "10.0.0.1"));
	CU_ASSERT(is4(&rc.ns4[1], "10.0.0.2"));
	CU_ASSERT(is4(&rc.ns4[2], "10.0.0.4"));
	CU_ASSERT_EQUAL(rc.n6, 1);
	CU_ASSERT(is6(&rc.ns6[0], "::ffff:10.0.0.3"));
	CU_ASSERT_EQUAL(rc.n_search, 1);
	CU_ASSERT_STRING_EQUAL(rc.search[0], "ok.example");
}

/**
 * test_resolv_long_line() - Lines of 10 KB are skipped whole
 */
static void test_resolv_long_line(void)
{
	static const char head[] = "nameserver 10.0.0.1\n"
				   "search first.example\n";
	static const char tail[] = "nameserver 10.0.0.3\n";
	size_t len = 0, i;
	char *data;

	struct resolv_conf rc;

	data = malloc(64 * 1024);
	CU_ASSERT_FATAL(data != NULL);

	memcpy(data + len, head, sizeof(head) - 1);
	len += sizeof(head) - 1;

	/* 10 KB of search domains: skipped whole, not half-read */
	len += (size_t)sprintf(data + len, "search");
	for (i = 0; i < 1000; i++)
		len += (size_t)sprintf(data + len, " s%zu.example", i % 10);
	data[len++] = '\n';

	/* and a nameserver hidden behind 10 KB of blanks */
	len += (size_t)sprintf(data + len, "nameserver");
	memset(data + len, ' ', 10 * 1024);
	len += 10 * 1024;
	len += (size_t)sprintf(data + len, "10.0.0.2\n");

	memcpy(data + len, tail, sizeof(tail) - 1);
	len += sizeof(tail) - 1;

	/* a 10 KB line at the very end, without a newline */
	len += (size_t)sprintf(data + len, "nameserver 10.0.0.4 ");
	memset(data + len, 'z', 10 * 1024);
	len += 10 * 1024;

	CU_ASSERT_EQUAL_FATAL(rc_from(data, len, &rc), 0);
	free(data);
	CU_ASSERT_EQUAL(rc.n4, 2);
	CU_ASSERT(is4(&rc.ns4[0], "10.0.0.1"));
	CU_ASSERT(is4(&rc.ns4[1], "10.0.0.3"));
	CU_ASSERT_EQUAL(rc.n6, 0);
	CU_ASSERT_EQUAL(rc.n_search, 1);
	CU_ASSERT_STRING_EQUAL(rc.search[0], "first.example");
}

/**
 * test_resolv_full_search_line() - The longest useful search line is read
 */
static void test_resolv_full_search_line(void)
{
	char dom[PASST_DOMAIN_MAX], line[PASST_SEARCH_MAX * 260 + 16];
	struct resolv_conf rc;
	size_t len, i;

	/* the longest useful search line, about 2 KB, is read */
	memset(dom, 'q', sizeof(dom));
	dom[63] = dom[127] = dom[191] = '.';
	dom[PASST_DOMAIN_MAX - 1] = '\0';
	len = (size_t)sprintf(line, "search");
	for (i = 0; i < PASST_SEARCH_MAX; i++) {
		dom[0] = (char)('a' + i);
		len += (size_t)sprintf(line + len, " %s", dom);
	}
	line[len++] = '\n';

	CU_ASSERT_EQUAL_FATAL(rc_from(line, len, &rc), 0);
	CU_ASSERT_EQUAL(rc.n_search, PASST_SEARCH_MAX);
	for (i = 0; i < PASST_SEARCH_MAX && i < rc.n_search; i++) {
		dom[0] = (char)('a' + i);
		CU_ASSERT_STRING_EQUAL(rc.search[i], dom);
	}
}

/**
 * test_resolv_empty() - Empty and comment-only files give nothing
 */
static void test_resolv_empty(void)
{
	struct resolv_conf rc, zero;

	memset(&zero, 0, sizeof(zero));
	memset(&rc, 0xa5, sizeof(rc));
	CU_ASSERT_EQUAL_FATAL(rc_from("", 0, &rc), 0);
	CU_ASSERT(!memcmp(&rc, &zero, sizeof(rc)));

	memset(&rc, 0xa5, sizeof(rc));
	CU_ASSERT_EQUAL_FATAL(rc_str("\n\n# nothing\n", &rc), 0);
	CU_ASSERT(!memcmp(&rc, &zero, sizeof(rc)));
}

/**
 * test_resolv_missing() - Missing or unreadable files give -errno and zeroes
 */
static void test_resolv_missing(void)
{
	struct resolv_conf rc, zero;

	memset(&zero, 0, sizeof(zero));
	memset(&rc, 0xa5, sizeof(rc));
	CU_ASSERT_EQUAL(resolv_conf_read("/nonexistent/netlink_test/resolv",
					 &rc), -ENOENT);
	CU_ASSERT(!memcmp(&rc, &zero, sizeof(rc)));

	/* opens, but can't be read */
	memset(&rc, 0xa5, sizeof(rc));
	CU_ASSERT_EQUAL(resolv_conf_read("/", &rc), -EISDIR);
	CU_ASSERT(!memcmp(&rc, &zero, sizeof(rc)));
}

/**
 * nl_zero() - Check that a block of memory is all zeroes
 * @p:		Memory
 * @len:	Its length
 *
 * Return: true if every byte is zero
 */
static bool nl_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return false;
	return true;
}

/**
 * test_host_v4() - The host's IPv4 defaults: none, or a coherent set
 */
static void test_host_v4(void)
{
	struct nl_host_v4 d;
	int rc;

	memset(&d, 0xa5, sizeof(d));
	rc = nl_host_defaults_v4(&d);
	if (rc == -ENOENT) {
		CU_ASSERT(nl_zero(&d, sizeof(d)));
		return;
	}
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT(d.found);
	CU_ASSERT(d.ifindex > 0);
	CU_ASSERT(d.ifname[0] != '\0');
	CU_ASSERT(strnlen(d.ifname, sizeof(d.ifname)) < sizeof(d.ifname));
	CU_ASSERT_EQUAL(if_nametoindex(d.ifname), d.ifindex);
	CU_ASSERT(d.mtu >= 68);
	if (d.addr.s_addr) {
		CU_ASSERT(d.prefix_len >= 1 && d.prefix_len <= 32);
	} else {
		CU_ASSERT_EQUAL(d.prefix_len, 0);
	}
}

/**
 * test_host_v6() - The host's IPv6 defaults: none, or a coherent set
 */
static void test_host_v6(void)
{
	struct nl_host_v6 d;
	int rc;

	memset(&d, 0xa5, sizeof(d));
	rc = nl_host_defaults_v6(&d);
	if (rc == -ENOENT) {
		CU_ASSERT(nl_zero(&d, sizeof(d)));
		return;
	}
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT(d.found);
	CU_ASSERT(d.ifindex > 0);
	CU_ASSERT(d.ifname[0] != '\0');
	CU_ASSERT(strnlen(d.ifname, sizeof(d.ifname)) < sizeof(d.ifname));
	CU_ASSERT_EQUAL(if_nametoindex(d.ifname), d.ifindex);
	CU_ASSERT(d.mtu >= 1280);
	if (!IN6_IS_ADDR_UNSPECIFIED(&d.addr)) {
		CU_ASSERT(d.prefix_len >= 1 && d.prefix_len <= 128);
		CU_ASSERT(!IN6_IS_ADDR_LINKLOCAL(&d.addr));
	} else {
		CU_ASSERT_EQUAL(d.prefix_len, 0);
	}
	CU_ASSERT(IN6_IS_ADDR_UNSPECIFIED(&d.addr_ll) ||
		  IN6_IS_ADDR_LINKLOCAL(&d.addr_ll));
}

/* In the child: count failures, say where each one is */
static unsigned int ns_failed;

#define NS_CHECK(expr)							\
	do {								\
		if (!(expr)) {						\
			fprintf(stderr, "netlink_test:%d: %s\n",	\
				__LINE__, #expr);			\
			ns_failed++;					\
		}							\
	} while (0)

/**
 * ns_ip() - Run ip(8) with arguments in the child's namespace
 * @fmt:	Arguments, printf-style
 *
 * Return: true if it exited with status 0
 */
__attribute__((format(printf, 1, 2)))
static bool ns_ip(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;
	int n, st;

	n = snprintf(cmd, sizeof(cmd), "ip ");
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);

	st = system(cmd);
	if (st != 0) {
		fprintf(stderr, "netlink_test: '%s' failed\n", cmd);
		ns_failed++;
		return false;
	}
	return true;
}

/**
 * ns_sysctl() - Write a sysctl of the child's namespace
 * @path:	File under /proc/sys
 * @val:	Value
 */
static void ns_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0)
		fprintf(stderr, "netlink_test: %s: %s\n", path,
			strerror(errno));
	close(fd);
}

static const uint8_t ns_mac_v0[PASST_ETH_ALEN] = {
	0x02, 0x00, 0x5e, 0x10, 0x00, 0x0a
};
static const uint8_t ns_mac_w0[PASST_ETH_ALEN] = {
	0x02, 0x00, 0x5e, 0x10, 0x00, 0x0b
};

/**
 * ns_check_v4() - Check the IPv4 defaults against expected values
 * @ifname:	Interface
 * @mac:	Its MAC address
 * @gw:		Gateway
 * @addr:	Address
 * @prefix_len:	Its prefix length
 * @mtu:	MTU
 */
static void ns_check_v4(const char *ifname, const uint8_t *mac,
			const char *gw, const char *addr, uint8_t prefix_len,
			unsigned int mtu)
{
	struct nl_host_v4 d;

	NS_CHECK(nl_host_defaults_v4(&d) == 0);
	NS_CHECK(d.found);
	NS_CHECK(d.ifindex == if_nametoindex(ifname) && d.ifindex);
	NS_CHECK(!strcmp(d.ifname, ifname));
	NS_CHECK(d.mtu == mtu);
	NS_CHECK(!memcmp(d.mac, mac, PASST_ETH_ALEN));
	NS_CHECK(is4(&d.gw, gw));
	NS_CHECK(is4(&d.addr, addr));
	NS_CHECK(d.prefix_len == prefix_len);
}

/**
 * ns_check_v6() - Check the IPv6 defaults against expected values
 * @ifname:	Interface
 * @mac:	Its MAC address
 * @gw:		Gateway
 * @addr:	Address
 * @prefix_len:	Its prefix length
 * @mtu:	MTU
 * @ll:		Link-local address
 */
static void ns_check_v6(const char *ifname, const uint8_t *mac,
			const char *gw, const char *addr, uint8_t prefix_len,
			unsigned int mtu, const char *ll)
{
	struct nl_host_v6 d;
	int i;

	/* The link-local address appears once the carrier is seen, which
	 * the kernel learns asynchronously: give it some time
	 */
	for (i = 0; i < 100; i++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		if (nl_host_defaults_v6(&d) == 0 &&
		    !IN6_IS_ADDR_UNSPECIFIED(&d.addr_ll))
			break;
		nanosleep(&ts, NULL);
	}

	NS_CHECK(nl_host_defaults_v6(&d) == 0);
	NS_CHECK(d.found);
	NS_CHECK(d.ifindex == if_nametoindex(ifname) && d.ifindex);
	NS_CHECK(!strcmp(d.ifname, ifname));
	NS_CHECK(d.mtu == mtu);
	NS_CHECK(!memcmp(d.mac, mac, PASST_ETH_ALEN));
	NS_CHECK(is6(&d.gw, gw));
	NS_CHECK(is6(&d.addr, addr));
	NS_CHECK(d.prefix_len == prefix_len);
	NS_CHECK(is6(&d.addr_ll, ll));
}

/**
 * ns_child() - Build a namespace with known routes, check the queries
 *
 * Return: exit status, 0 if every check passed, NS_SKIP without namespace
 */
static int ns_child(void)
{
	struct nl_host_v4 d4;
	struct nl_host_v6 d6;
	bool v6;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "netlink_test: unshare: %s, skipped\n",
			strerror(errno));
		return NS_SKIP;
	}
	v6 = !access("/proc/sys/net/ipv6", F_OK);

	/* Nothing at all yet: no default route, all zero */
	memset(&d4, 0xa5, sizeof(d4));
	NS_CHECK(nl_host_defaults_v4(&d4) == -ENOENT);
	NS_CHECK(nl_zero(&d4, sizeof(d4)));
	memset(&d6, 0xa5, sizeof(d6));
	NS_CHECK(nl_host_defaults_v6(&d6) == -ENOENT);
	NS_CHECK(nl_zero(&d6, sizeof(d6)));

	if (v6) {
		/* link-local addresses usable at once, from the MAC */
		ns_sysctl("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
		ns_sysctl("/proc/sys/net/ipv6/conf/default/addr_gen_mode",
			  "0");
	}

	/* Defaults that carry nothing, or loop back, don't count */
	ns_ip("link set lo up");
	ns_ip("route add default dev lo metric 1");
	ns_ip("route add unreachable default metric 0");
	if (v6) {
		ns_ip("-6 route add default dev lo metric 1");
		ns_ip("-6 route add unreachable default metric 2");
	}
	NS_CHECK(nl_host_defaults_v4(&d4) == -ENOENT);
	if (v6) {
		NS_CHECK(nl_host_defaults_v6(&d6) == -ENOENT);
	}

	ns_ip("link add v0 type veth peer name v1");
	ns_ip("link set v0 address 02:00:5e:10:00:0a");
	ns_ip("addr add 198.18.0.1/32 dev v0 scope link");
	ns_ip("addr add 192.0.2.10/24 dev v0");
	ns_ip("addr add 192.0.2.11/24 dev v0");		/* secondary */
	ns_ip("addr add 203.0.113.5/24 dev v0");	/* another primary */
	ns_ip("link set v0 up");
	ns_ip("link set v1 up");
	ns_ip("link set v0 mtu 1400");
	ns_ip("route add default via 192.0.2.1 metric 100");

	ns_ip("link add w0 type veth peer name w1");
	ns_ip("link set w0 address 02:00:5e:10:00:0b");
	ns_ip("addr add 198.51.100.10/25 dev w0");
	ns_ip("link set w0 up");
	ns_ip("link set w1 up");
	ns_ip("route add default via 198.51.100.1 metric 200");

	if (v6) {
		ns_ip("-6 addr add 2001:db8::10/64 dev v0 nodad");
		/* newest first in dumps: this one comes before ::10 */
		ns_ip("-6 addr add 2001:db8::20/64 dev v0 nodad "
		      "preferred_lft 0");
		/* newer still, but v1 holds it: tentative, then failed */
		ns_sysctl("/proc/sys/net/ipv6/conf/v0/accept_dad", "1");
		ns_ip("-6 addr add 2001:db8::30/64 dev v1 nodad");
		ns_ip("-6 addr add 2001:db8::30/64 dev v0");
		ns_ip("-6 route add default via 2001:db8::1 metric 1024");
		ns_ip("-6 addr add 2001:db8:1::10/56 dev w0 nodad");
		ns_ip("-6 route add default via 2001:db8:1::1 metric 2048");
	}

	ns_check_v4("v0", ns_mac_v0, "192.0.2.1", "192.0.2.10", 24, 1400);
	if (v6)
		ns_check_v6("v0", ns_mac_v0, "2001:db8::1", "2001:db8::10",
			    64, 1400, "fe80::5eff:fe10:a");

	/* Without those, the higher metric on w0 is what's left */
	ns_ip("route del default via 192.0.2.1");
	ns_check_v4("w0", ns_mac_w0, "198.51.100.1", "198.51.100.10", 25,
		    1500);
	if (v6) {
		ns_ip("-6 route del default via 2001:db8::1");
		ns_check_v6("w0", ns_mac_w0, "2001:db8:1::1",
			    "2001:db8:1::10", 56, 1500,
			    "fe80::5eff:fe10:b");
	}

	/* Multipath, lowest metric of all: its first nexthop */
	ns_ip("route add default metric 5 nexthop via 192.0.2.1 dev v0 "
	      "nexthop via 198.51.100.1 dev w0");
	ns_check_v4("v0", ns_mac_v0, "192.0.2.1", "192.0.2.10", 24, 1400);
	if (v6) {
		ns_ip("-6 route add default metric 5 "
		      "nexthop via 2001:db8::1 dev v0 "
		      "nexthop via 2001:db8:1::1 dev w0");
		ns_check_v6("v0", ns_mac_v0, "2001:db8::1", "2001:db8::10",
			    64, 1400, "fe80::5eff:fe10:a");
	}

	return ns_failed ? 1 : 0;
}

/**
 * ns_have_ip() - Whether ip(8) can be found where system() looks
 *
 * Return: true if an executable 'ip' is in $PATH
 */
static bool ns_have_ip(void)
{
	const char *path = getenv("PATH");
	char dir[4096], file[4200];
	const char *p;

	if (!path)
		path = "/usr/bin:/bin";
	for (p = path; *p; ) {
		size_t len = strcspn(p, ":");

		if (len && len < sizeof(dir)) {
			memcpy(dir, p, len);
			dir[len] = '\0';
			snprintf(file, sizeof(file), "%s/ip", dir);
			if (!access(file, X_OK))
				return true;
		}
		p += len;
		if (*p == ':')
			p++;
	}
	return false;
}

/**
 * test_namespace() - Exact defaults in a namespace a child sets up (root only)
 */
static void test_namespace(void)
{
	pid_t pid;
	int st;

	if (geteuid() != 0 || !ns_have_ip()) {
		fprintf(stderr, "(not root or no ip(8): namespace skipped) ");
		return;
	}

	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (!pid)
		_exit(ns_child());

	CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
	CU_ASSERT(WIFEXITED(st));
	if (WIFEXITED(st) && WEXITSTATUS(st) == NS_SKIP)
		return;
	CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
}

UNIT_SUITE(netlink,
	   { "resolv.conf: nameservers and search", test_resolv_basic },
	   { "resolv.conf: IPv6 with scope", test_resolv_scope },
	   { "resolv.conf: too many entries", test_resolv_too_many },
	   { "resolv.conf: comments and blanks", test_resolv_comments },
	   { "resolv.conf: domain vs search", test_resolv_domain },
	   { "resolv.conf: last search wins", test_resolv_last_search },
	   { "resolv.conf: garbage lines", test_resolv_garbage },
	   { "resolv.conf: 10 KB lines", test_resolv_long_line },
	   { "resolv.conf: full search line", test_resolv_full_search_line },
	   { "resolv.conf: empty file", test_resolv_empty },
	   { "resolv.conf: missing or unreadable", test_resolv_missing },
	   { "host IPv4 defaults", test_host_v4 },
	   { "host IPv6 defaults", test_host_v6 },
	   { "namespace with known routes", test_namespace })
