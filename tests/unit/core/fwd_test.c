// SPDX-License-Identifier: GPL-2.0-or-later
/* fwd_test.c - Unit tests for the forwarding table and port spec syntax */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <CUnit/CUnit.h>

#include "fwd.h"
#include "unit.h"
#include "util.h"

/**
 * struct exp_rule - A rule a spec should give
 * @first:	First port
 * @last:	Last port
 * @to:		Target of @first
 * @flags:	PASST_FWD_* flags
 */
struct exp_rule {
	uint16_t first;
	uint16_t last;
	uint16_t to;
	uint8_t flags;
};

/* The table is large: keep it out of the test functions' stacks */
static struct fwd_table tbl;

/**
 * check_spec() - Parse a good spec into an empty table, compare the rules
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @from:	pif
 * @spec:	Spec
 * @exp:	Expected rules
 * @n:		Number of @exp entries
 *
 * Leaves the rules in tbl, for further checks by the caller.
 */
static void check_spec(uint8_t proto, uint8_t from, const char *spec,
		       const struct exp_rule *exp, unsigned int n)
{
	char err[256] = "";
	unsigned int i;
	int rc;

	memset(&tbl, 0, sizeof(tbl));
	rc = fwd_parse_spec(&tbl, proto, from, spec, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\n'%s': %s\n", spec, err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	if (tbl.n != n)
		fprintf(stderr, "\n'%s': %u rules, expected %u\n", spec,
			tbl.n, n);
	CU_ASSERT_EQUAL_FATAL(tbl.n, n);

	for (i = 0; i < n; i++) {
		const struct passt_fwd_rule *r = &tbl.rules[i];

		CU_ASSERT_EQUAL(r->proto, proto);
		CU_ASSERT_EQUAL(r->from, from);
		CU_ASSERT_EQUAL(r->first, exp[i].first);
		CU_ASSERT_EQUAL(r->last, exp[i].last);
		CU_ASSERT_EQUAL(r->to, exp[i].to);
		CU_ASSERT_EQUAL(r->flags, exp[i].flags);
		CU_ASSERT_EQUAL(r->pad_, 0);
	}
}

/**
 * check_any() - Check that every rule in tbl listens on any address
 */
static void check_any(void)
{
	unsigned int i;

	for (i = 0; i < tbl.n; i++) {
		CU_ASSERT_EQUAL(tbl.rules[i].any_family, 1);
		CU_ASSERT(IN6_IS_ADDR_UNSPECIFIED(&tbl.rules[i].addr.a6));
		CU_ASSERT_STRING_EQUAL(tbl.rules[i].ifname, "");
	}
}

/**
 * ephemeral() - The kernel's ephemeral port range, as fwd.c reads it
 * @min:	First port, set on return
 * @max:	Last port, set on return
 */
static void ephemeral(unsigned int *min, unsigned int *max)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	*min = 49152;
	*max = 65535;
	if (!f)
		return;
	if (fscanf(f, "%u %u", min, max) != 2) {
		*min = 49152;
		*max = 65535;
	}
	fclose(f);
}

/**
 * exp_all() - Expected rules for every non-ephemeral port, minus one range
 * @exp:	Array of at least 4 entries, filled
 * @flags:	Flags of every rule
 * @xf:		First port also excluded, 0 for none
 * @xl:		Last port also excluded
 *
 * The excluded range must lie below the ephemeral range.
 *
 * Return: number of rules
 */
static unsigned int exp_all(struct exp_rule *exp, uint8_t flags,
			    unsigned int xf, unsigned int xl)
{
	unsigned int min, max, n = 0;

	ephemeral(&min, &max);
	CU_ASSERT_FATAL(xl < min);

	if (xf) {
		if (xf > 1)
			exp[n++] = (struct exp_rule){ 1, xf - 1, 1, flags };
		exp[n++] = (struct exp_rule){ xl + 1, min - 1, xl + 1, flags };
	} else {
		exp[n++] = (struct exp_rule){ 1, min - 1, 1, flags };
	}
	if (max < 65535)
		exp[n++] = (struct exp_rule){ max + 1, 65535, max + 1, flags };

	return n;
}

static void test_single(void)
{
	static const struct exp_rule e[] = { { 80, 80, 80, 0 } };

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "80", e, 1);
	check_any();
	check_spec(IPPROTO_UDP, PASST_PIF_SPLICE, "80", e, 1);
	check_any();
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "0080", e, 1);
}

static void test_list(void)
{
	static const struct exp_rule e[] = {
		{ 443, 443, 443, 0 }, { 22, 22, 22, 0 }, { 80, 80, 80, 0 },
	};
	static const struct exp_rule e2[] = {
		{ 1, 1, 1, 0 }, { 65535, 65535, 65535, 0 },
	};

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "443,22,80", e, 3);
	check_any();
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "1,65535", e2, 2);
}

static void test_range(void)
{
	static const struct exp_rule e[] = { { 8000, 8010, 8000, 0 } };
	static const struct exp_rule e2[] = {
		{ 22, 80, 22, 0 }, { 100, 100, 100, 0 }, { 81, 82, 81, 0 },
	};
	static const struct exp_rule e3[] = { { 5, 5, 5, 0 } };

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "8000-8010", e, 1);
	check_spec(IPPROTO_UDP, PASST_PIF_HOST, "22-80,100,81-82", e2, 3);
	check_spec(IPPROTO_UDP, PASST_PIF_HOST, "5-5", e3, 1);
}

static void test_target(void)
{
	static const struct exp_rule e[] = { { 8080, 8080, 80, 0 } };
	static const struct exp_rule e2[] = { { 22, 80, 32, 0 } };
	static const struct exp_rule e3[] = {
		{ 2222, 2222, 22, 0 }, { 10, 12, 65533, 0 },
	};

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "8080:80", e, 1);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "22-80:32-90", e2, 1);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "2222:22,10-12:65533-65535",
		   e3, 2);
}

static void test_exclude(void)
{
	static const struct exp_rule e[] = {
		{ 2000, 2999, 2000, 0 }, { 3011, 5000, 3011, 0 },
	};
	static const struct exp_rule e2[] = {
		{ 20, 24, 20, 0 }, { 26, 30, 26, 0 },
	};
	static const struct exp_rule e3[] = {
		{ 1, 1, 1, 0 }, { 3, 3, 3, 0 }, { 6, 9, 6, 0 },
	};
	static const struct exp_rule e4[] = {
		{ 80, 84, 8080, 0 }, { 86, 90, 8086, 0 },
	};
	static const struct exp_rule e5[] = {
		{ 21, 29, 21, 0 }, { 100, 100, 100, 0 },
	};

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "2000-5000,~3000-3010", e, 2);
	/* An exclusion applies to the whole spec, wherever it is */
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "~25,20-30", e2, 2);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "1-10,~2,~4-5,~10", e3, 3);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "80-90:8080-8090,~85", e4, 2);
	/* Overlapping exclusions, and ones outside every range, are fine */
	check_spec(IPPROTO_UDP, PASST_PIF_HOST,
		   "20-30,~1-20,~15-20,~30,100,~7000", e5, 2);
}

static void test_exclude_only(void)
{
	struct exp_rule e[4];
	unsigned int n;

	n = exp_all(e, PASST_FWD_ALL, 20000, 20010);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "~20000-20010", e, n);
	check_any();

	n = exp_all(e, PASST_FWD_ALL, 1, 1023);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "~1-1023", e, n);
}

static void test_all(void)
{
	struct exp_rule e[4];
	struct in_addr a4;
	unsigned int n;

	n = exp_all(e, PASST_FWD_ALL, 0, 0);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "all", e, n);
	check_any();
	check_spec(IPPROTO_UDP, PASST_PIF_SPLICE, "all", e, n);

	n = exp_all(e, PASST_FWD_ALL, 22, 22);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "all,~22", e, n);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "~22,all", e, n);

	n = exp_all(e, PASST_FWD_ALL, 0, 0);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "127.0.0.6/all", e, n);
	inet_pton(AF_INET, "127.0.0.6", &a4);
	CU_ASSERT_EQUAL(tbl.rules[0].any_family, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(passt_inany_v4(&tbl.rules[0].addr));
	CU_ASSERT_EQUAL(passt_inany_v4(&tbl.rules[0].addr)->s_addr,
			a4.s_addr);
}

static void test_auto(void)
{
	static const struct exp_rule e2[] = {
		{ 8000, 8010, 8000, PASST_FWD_AUTO },
	};
	struct exp_rule e[4];
	unsigned int n;

	n = exp_all(e, PASST_FWD_AUTO, 0, 0);
	check_spec(IPPROTO_TCP, PASST_PIF_SPLICE, "auto", e, n);
	check_any();
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "::1/auto", e, n);
	CU_ASSERT_EQUAL(tbl.rules[0].any_family, 0);
	CU_ASSERT(IN6_IS_ADDR_LOOPBACK(&tbl.rules[0].addr.a6));

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "8000-8010,auto", e2, 1);
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "auto,8000-8010", e2, 1);

	n = exp_all(e, PASST_FWD_AUTO, 53, 53);
	check_spec(IPPROTO_UDP, PASST_PIF_HOST, "auto,~53", e, n);

	n = exp_all(e, PASST_FWD_AUTO | PASST_FWD_ALL, 0, 0);
	check_spec(IPPROTO_UDP, PASST_PIF_HOST, "all,auto", e, n);
}

static void test_none(void)
{
	char err[64] = "x";

	memset(&tbl, 0, sizeof(tbl));
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       "none", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tbl.n, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_UDP, PASST_PIF_SPLICE,
				       "none", NULL, 0), 0);
	CU_ASSERT_EQUAL(tbl.n, 0);
}

static void test_addr(void)
{
	static const struct exp_rule e[] = { { 22, 22, 22, 0 } };
	static const struct exp_rule e2[] = {
		{ 20, 24, 20, 0 }, { 26, 30, 26, 0 },
	};
	struct in6_addr a6;
	struct in_addr a4;

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "192.0.2.1/22", e, 1);
	inet_pton(AF_INET, "192.0.2.1", &a4);
	CU_ASSERT_EQUAL(tbl.rules[0].any_family, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(passt_inany_v4(&tbl.rules[0].addr));
	CU_ASSERT_EQUAL(passt_inany_v4(&tbl.rules[0].addr)->s_addr,
			a4.s_addr);
	CU_ASSERT_STRING_EQUAL(tbl.rules[0].ifname, "");

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "192.0.2.1/20-30,~25", e2, 2);
	CU_ASSERT_EQUAL(passt_inany_v4(&tbl.rules[1].addr)->s_addr,
			a4.s_addr);
	CU_ASSERT_EQUAL(tbl.rules[1].any_family, 0);

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "192.0.2.1%eth0/22", e, 1);
	CU_ASSERT_EQUAL(passt_inany_v4(&tbl.rules[0].addr)->s_addr,
			a4.s_addr);
	CU_ASSERT_STRING_EQUAL(tbl.rules[0].ifname, "eth0");

	/* 0.0.0.0 is any IPv4 address: not both families */
	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "0.0.0.0/22", e, 1);
	CU_ASSERT_EQUAL(tbl.rules[0].any_family, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(passt_inany_v4(&tbl.rules[0].addr));
	CU_ASSERT_EQUAL(passt_inany_v4(&tbl.rules[0].addr)->s_addr, 0);

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "%eth0/22", e, 1);
	CU_ASSERT_EQUAL(tbl.rules[0].any_family, 1);
	CU_ASSERT(IN6_IS_ADDR_UNSPECIFIED(&tbl.rules[0].addr.a6));
	CU_ASSERT_STRING_EQUAL(tbl.rules[0].ifname, "eth0");

	check_spec(IPPROTO_TCP, PASST_PIF_HOST, "%0123456789abcde/22", e, 1);
	CU_ASSERT_STRING_EQUAL(tbl.rules[0].ifname, "0123456789abcde");

	inet_pton(AF_INET6, "2001:db8::1", &a6);
	check_spec(IPPROTO_UDP, PASST_PIF_HOST, "2001:db8::1/22", e, 1);
	CU_ASSERT_EQUAL(tbl.rules[0].any_family, 0);
	CU_ASSERT(!memcmp(&tbl.rules[0].addr.a6, &a6, sizeof(a6)));
	CU_ASSERT_PTR_NULL(passt_inany_v4(&tbl.rules[0].addr));

	check_spec(IPPROTO_UDP, PASST_PIF_HOST, "[2001:db8::1]/22", e, 1);
	CU_ASSERT(!memcmp(&tbl.rules[0].addr.a6, &a6, sizeof(a6)));

	inet_pton(AF_INET6, "fe80::1", &a6);
	check_spec(IPPROTO_UDP, PASST_PIF_HOST, "fe80::1%eth1/22", e, 1);
	CU_ASSERT(!memcmp(&tbl.rules[0].addr.a6, &a6, sizeof(a6)));
	CU_ASSERT_STRING_EQUAL(tbl.rules[0].ifname, "eth1");

	check_spec(IPPROTO_UDP, PASST_PIF_HOST, "[fe80::1]%eth1/22", e, 1);
	CU_ASSERT(!memcmp(&tbl.rules[0].addr.a6, &a6, sizeof(a6)));
	CU_ASSERT_STRING_EQUAL(tbl.rules[0].ifname, "eth1");

	/* :: is any IPv6 address, IPv6 only */
	check_spec(IPPROTO_UDP, PASST_PIF_HOST, "::/22", e, 1);
	CU_ASSERT_EQUAL(tbl.rules[0].any_family, 0);
	CU_ASSERT(IN6_IS_ADDR_UNSPECIFIED(&tbl.rules[0].addr.a6));

	/* An IPv4-mapped IPv6 address is the IPv4 address */
	check_spec(IPPROTO_UDP, PASST_PIF_HOST, "::ffff:192.0.2.1/22", e, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(passt_inany_v4(&tbl.rules[0].addr));
	CU_ASSERT_EQUAL(passt_inany_v4(&tbl.rules[0].addr)->s_addr,
			a4.s_addr);
}

static void test_append(void)
{
	char err[128];

	/* Specs append, in order; the same ports on other addresses or
	 * protocols are fine
	 */
	memset(&tbl, 0, sizeof(tbl));
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST, "80",
				       err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_UDP, PASST_PIF_HOST, "80",
				       err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_SPLICE,
				       "80", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       "127.0.0.1/80-81", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(tbl.n, 4);
	CU_ASSERT_EQUAL(tbl.rules[0].proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(tbl.rules[1].proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(tbl.rules[2].from, PASST_PIF_SPLICE);
	CU_ASSERT_EQUAL(tbl.rules[3].last, 81);

	/* ...but not twice on the same socket address */
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       "79-80", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "port spec '79-80': "
			       "port 80 is already forwarded");
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       "127.0.0.1/70-90", err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "port spec '127.0.0.1/70-90': "
			       "ports 80-81 are already forwarded");
	CU_ASSERT_EQUAL(tbl.n, 4);
}

/* Bad specs: each must fail with -EINVAL, a message, and no change */
static const struct {
	const char *spec;
	const char *msg;	/* exact message, or NULL: any */
} bad_specs[] = {
	{ "", "port spec '': empty" },
	{ "80-70", "port spec '80-70': range is backwards" },
	{ "0", "port spec '0': port 0 is not valid" },
	{ "0-10", "port spec '0-10': port 0 is not valid" },
	{ "10:0", "port spec '10:0': port 0 is not valid" },
	{ "65536", "port spec '65536': port 65536 is out of range (1-65535)" },
	{ "99999999999999999999", NULL },
	{ "80-81:1-3", "port spec '80-81:1-3': "
		       "target range 1-3 has 3 ports, source 80-81 has 2" },
	{ "80-81:8080", "port spec '80-81:8080': "
			"target range 8080 has 1 port, source 80-81 has 2" },
	{ "65535:65535-65536", NULL },
	{ "80,80", "port spec '80,80': ranges 80 and 80 overlap" },
	{ "80-90,85", "port spec '80-90,85': ranges 80-90 and 85 overlap" },
	{ "1-5:10-14,3:30", NULL },
	{ "1.2.3/80", "port spec '1.2.3/80': bad address '1.2.3'" },
	{ "1.2.3.4.5/80", NULL },
	{ "ab/80", NULL },
	{ "[1.2.3.4]/80", NULL },
	{ "[::1/80", NULL },
	{ "::1]/80", NULL },
	{ "[]/80", NULL },
	{ "::g/80", NULL },
	{ "%0123456789abcdef/80", "port spec '%0123456789abcdef/80': "
				  "interface name '0123456789abcdef' is too "
				  "long (at most 15 characters)" },
	{ "1.2.3.4%/80", "port spec '1.2.3.4%/80': empty interface name" },
	{ "%/80", NULL },
	{ "%a b/80", NULL },
	{ "%a:b/80", NULL },
	{ "/80", "port spec '/80': nothing before '/'" },
	{ "80x", "port spec '80x': unexpected 'x'" },
	{ "80 ", NULL },
	{ " 80", NULL },
	{ "80,", "port spec '80,': empty entry in the list of ports" },
	{ ",80", NULL },
	{ "80,,81", NULL },
	{ "80-", "port spec '80-': port number missing" },
	{ "-80", NULL },
	{ "~", NULL },
	{ "~~80", NULL },
	{ "80:", NULL },
	{ ":80", NULL },
	{ "80::81", NULL },
	{ "80:81:82", NULL },
	{ "80-81-82", NULL },
	{ "+80", NULL },
	{ "all,80",
	  "port spec 'all,80': 'all' covers every port: drop the ranges" },
	{ "alll", NULL },
	{ "al", NULL },
	{ "auto:80", NULL },
	{ "none,80", NULL },
	{ "80,none", NULL },
	{ "::1/none", NULL },
	{ "127.0.0.1/", "port spec '127.0.0.1/': no ports given" },
	{ "1.2.3.4/80:5.6.7.8/90", "port spec '1.2.3.4/80:5.6.7.8/90': "
				   "target addresses are not supported" },
	{ "80/90", NULL },
	{ "80,~80", "port spec '80,~80': every port is excluded" },
	{ "~1-65535", NULL },
	{ "NONE", NULL },
	{ "tcp", NULL },
};

static void test_bad(void)
{
	struct fwd_table *before = malloc(sizeof(*before));
	char err[256];
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	CU_ASSERT_FATAL(ARRAY_SIZE(bad_specs) >= 15);

	memset(&tbl, 0, sizeof(tbl));
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     "127.0.0.1/5000", err,
					     sizeof(err)), 0);
	memcpy(before, &tbl, sizeof(tbl));

	for (i = 0; i < ARRAY_SIZE(bad_specs); i++) {
		const char *spec = bad_specs[i].spec;
		int rc;

		memset(err, 0, sizeof(err));
		rc = fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST, spec,
				    err, sizeof(err));
		if (rc != -EINVAL)
			fprintf(stderr, "\n'%s': %i, '%s'\n", spec, rc, err);
		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT(!strncmp(err, "port spec '", strlen("port spec '")));
		CU_ASSERT_PTR_NULL(strchr(err, '\n'));
		if (bad_specs[i].msg && strcmp(err, bad_specs[i].msg))
			fprintf(stderr, "\n'%s': got '%s'\n", spec, err);
		if (bad_specs[i].msg)
			CU_ASSERT_STRING_EQUAL(err, bad_specs[i].msg);
		CU_ASSERT(!memcmp(before, &tbl, sizeof(tbl)));
	}

	/* Not a protocol or pif forwarding can use */
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_ICMP, PASST_PIF_HOST,
				       "80", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_NONE,
				       "80", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT(!memcmp(before, &tbl, sizeof(tbl)));

	free(before);
}

static void test_errbuf(void)
{
	char buf[16];
	char big[512];
	char spec[300];

	/* Never past errlen, always terminated */
	memset(&tbl, 0, sizeof(tbl));
	memset(buf, 'Z', sizeof(buf));
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       "80-70", buf, 8), -EINVAL);
	CU_ASSERT_STRING_EQUAL(buf, "port sp");
	CU_ASSERT_EQUAL(buf[8], 'Z');
	CU_ASSERT_EQUAL(buf[15], 'Z');

	memset(buf, 'Z', sizeof(buf));
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       "80-70", buf, 1), -EINVAL);
	CU_ASSERT_EQUAL(buf[0], '\0');
	CU_ASSERT_EQUAL(buf[1], 'Z');

	memset(buf, 'Z', sizeof(buf));
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       "80-70", buf, 0), -EINVAL);
	CU_ASSERT_EQUAL(buf[0], 'Z');
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       "80-70", NULL, 0), -EINVAL);

	/* A long spec is quoted in part, so that what is wrong fits */
	memset(spec, '1', sizeof(spec));
	memcpy(spec + sizeof(spec) - 4, "-x", 3);
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       spec, big, sizeof(big)), -EINVAL);
	CU_ASSERT(strlen(big) < 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(big, "...': "));
	CU_ASSERT_PTR_NOT_NULL(strstr(big, "is out of range"));

	/* Control characters don't make it into the message */
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
				       "80\n\x1b[2J", big, sizeof(big)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(big, "port spec '80??[2J': unexpected '??[2J'");
	CU_ASSERT_EQUAL(tbl.n, 0);
}

static void test_too_many(void)
{
	struct fwd_table *before = malloc(sizeof(*before));
	char spec[4096], err[256];
	size_t pos = 0;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(before);

	/* 256 single ports: exactly a full table */
	for (i = 0; i < FWD_RULES_MAX; i++)
		pos += (size_t)snprintf(spec + pos, sizeof(spec) - pos,
					"%s%u", i ? "," : "", 1000 + 2 * i);
	memset(&tbl, 0, sizeof(tbl));
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP,
					     PASST_PIF_HOST, spec, err,
					     sizeof(err)), 0);
	CU_ASSERT_EQUAL(tbl.n, FWD_RULES_MAX);
	CU_ASSERT_EQUAL(tbl.rules[255].first, 1000 + 2 * 255);

	/* Table full: -ENOSPC, nothing changed */
	memcpy(before, &tbl, sizeof(tbl));
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_UDP, PASST_PIF_HOST, "80",
				       err, sizeof(err)), -ENOSPC);
	CU_ASSERT_STRING_EQUAL(err, "port spec '80': "
			       "too many rules: 1 needed, 0 of 256 free");
	CU_ASSERT(!memcmp(before, &tbl, sizeof(tbl)));

	/* Half full, and a spec that needs 200 more */
	memset(&tbl, 0, sizeof(tbl));
	tbl.n = 100;
	for (i = 0; i < 100; i++) {
		tbl.rules[i].proto = IPPROTO_UDP;
		tbl.rules[i].from = PASST_PIF_HOST;
		tbl.rules[i].first = tbl.rules[i].last = (uint16_t)(i + 1);
		tbl.rules[i].to = (uint16_t)(i + 1);
	}
	memcpy(before, &tbl, sizeof(tbl));
	pos = 0;
	for (i = 0; i < 200; i++)
		pos += (size_t)snprintf(spec + pos, sizeof(spec) - pos,
					"%s%u", i ? "," : "", 1000 + 2 * i);
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST, spec,
				       err, sizeof(err)), -ENOSPC);
	CU_ASSERT(!memcmp(before, &tbl, sizeof(tbl)));

	/* 257 entries: too many for any table */
	pos = 0;
	for (i = 0; i < FWD_RULES_MAX + 1; i++)
		pos += (size_t)snprintf(spec + pos, sizeof(spec) - pos,
					"%s%u", i ? "," : "", 1000 + 2 * i);
	memset(&tbl, 0, sizeof(tbl));
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST, spec,
				       err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too many rules"));
	CU_ASSERT_EQUAL(tbl.n, 0);

	/* One range split into 257 rules by exclusions */
	pos = (size_t)snprintf(spec, sizeof(spec), "1000-1600");
	for (i = 0; i < FWD_RULES_MAX; i++)
		pos += (size_t)snprintf(spec + pos, sizeof(spec) - pos,
					",~%u", 1001 + 2 * i);
	CU_ASSERT_EQUAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST, spec,
				       err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too many rules"));
	CU_ASSERT_EQUAL(tbl.n, 0);

	free(before);
}

static void test_lookup(void)
{
	union passt_inany lo4, other4, lo6, any6;
	struct in_addr a4;
	char err[128];

	memset(&tbl, 0, sizeof(tbl));
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     "127.0.0.1/80-81:8080-8081", err,
					     sizeof(err)), 0);	/* 0 */
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     "22,80", err, sizeof(err)), 0);
							/* 1, 2 */
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_UDP, PASST_PIF_HOST,
					     "53", err, sizeof(err)), 0);
							/* 3 */
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP,
					     PASST_PIF_SPLICE, "3000", err,
					     sizeof(err)), 0);	/* 4 */
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     "::1/443", err, sizeof(err)), 0);
							/* 5 */
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_UDP, PASST_PIF_HOST,
					     "0.0.0.0/500", err, sizeof(err)),
			      0);			/* 6 */
	CU_ASSERT_EQUAL_FATAL(tbl.n, 7);

	inet_pton(AF_INET, "127.0.0.1", &a4);
	passt_inany_from_v4(&lo4, a4);
	inet_pton(AF_INET, "192.0.2.9", &a4);
	passt_inany_from_v4(&other4, a4);
	lo6.a6 = in6addr_loopback;
	any6.a6 = in6addr_any;

	/* Hits: first match in table order */
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &lo4, 80),
			0);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &lo4, 81),
			0);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, NULL, 81),
			0);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &other4,
				   80), 2);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &lo6, 80),
			2);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &lo4, 22),
			1);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_UDP, &lo6, 53),
			3);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_SPLICE, IPPROTO_TCP, &lo4,
				   3000), 4);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &lo6,
				   443), 5);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &any6,
				   443), 5);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_UDP, &other4,
				   500), 6);

	/* Misses: port, protocol, pif, address */
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &lo4, 82),
			-ENOENT);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, NULL, 79),
			-ENOENT);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_UDP, &lo4, 22),
			-ENOENT);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &lo4, 53),
			-ENOENT);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_SPLICE, IPPROTO_TCP, &lo4,
				   22), -ENOENT);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_TAP, IPPROTO_TCP, NULL,
				   3000), -ENOENT);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &other4,
				   81), -ENOENT);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &lo4,
				   443), -ENOENT);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_UDP, &lo6,
				   500), -ENOENT);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, &lo4, 0),
			-ENOENT);

	/* Empty table */
	memset(&tbl, 0, sizeof(tbl));
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, NULL, 80),
			-ENOENT);
}

static void test_rule_target(void)
{
	const struct passt_fwd_rule *r;
	char err[128];
	int idx;

	memset(&tbl, 0, sizeof(tbl));
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     "80-90:8080-8090,~85,22,"
					     "1-2:65534-65535",
					     err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(tbl.n, 4);

	CU_ASSERT_PTR_EQUAL(fwd_rule(&tbl, 0), &tbl.rules[0]);
	CU_ASSERT_PTR_EQUAL(fwd_rule(&tbl, 3), &tbl.rules[3]);
	CU_ASSERT_PTR_NULL(fwd_rule(&tbl, 4));
	CU_ASSERT_PTR_NULL(fwd_rule(&tbl, FWD_RULES_MAX));
	CU_ASSERT_PTR_NULL(fwd_rule(&tbl, 0xffffffffU));

	idx = fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, NULL, 87);
	CU_ASSERT_EQUAL_FATAL(idx, 1);
	r = fwd_rule(&tbl, (unsigned int)idx);
	CU_ASSERT_EQUAL(fwd_target_port(r, 86), 8086);
	CU_ASSERT_EQUAL(fwd_target_port(r, 87), 8087);
	CU_ASSERT_EQUAL(fwd_target_port(r, 90), 8090);
	CU_ASSERT_EQUAL(fwd_target_port(fwd_rule(&tbl, 0), 80), 8080);
	CU_ASSERT_EQUAL(fwd_target_port(fwd_rule(&tbl, 0), 84), 8084);
	CU_ASSERT_EQUAL(fwd_target_port(fwd_rule(&tbl, 2), 22), 22);
	CU_ASSERT_EQUAL(fwd_target_port(fwd_rule(&tbl, 3), 1), 65534);
	CU_ASSERT_EQUAL(fwd_target_port(fwd_rule(&tbl, 3), 2), 65535);
	CU_ASSERT_EQUAL(fwd_lookup(&tbl, PASST_PIF_HOST, IPPROTO_TCP, NULL, 85),
			-ENOENT);
}

/**
 * fmt_of() - Format the one rule a spec gives
 * @proto:	Protocol
 * @from:	pif
 * @spec:	Spec giving one rule
 * @buf:	Buffer for the text
 * @len:	Size of @buf
 *
 * Return: fwd_rule_fmt()'s return value
 */
static size_t fmt_of(uint8_t proto, uint8_t from, const char *spec,
		     char *buf, size_t len)
{
	char err[128];

	memset(&tbl, 0, sizeof(tbl));
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, proto, from, spec, err,
					     sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(tbl.n, 1);
	return fwd_rule_fmt(&tbl.rules[0], buf, len);
}

static void test_fmt(void)
{
	static const struct {
		uint8_t proto;
		uint8_t from;
		const char *spec;
		const char *text;
	} c[] = {
		{ IPPROTO_TCP, PASST_PIF_HOST, "80-81:8080-8081",
		  "tcp host 80-81 -> 8080-8081" },
		{ IPPROTO_TCP, PASST_PIF_HOST, "22", "tcp host 22 -> 22" },
		{ IPPROTO_UDP, PASST_PIF_SPLICE, "127.0.0.1%lo/53:5353",
		  "udp splice 127.0.0.1%lo/53 -> 5353" },
		{ IPPROTO_TCP, PASST_PIF_HOST, "[2001:db8::1]/443",
		  "tcp host 2001:db8::1/443 -> 443" },
		{ IPPROTO_TCP, PASST_PIF_HOST, "%eth0/1-2",
		  "tcp host %eth0/1-2 -> 1-2" },
		{ IPPROTO_UDP, PASST_PIF_HOST, "0.0.0.0/7",
		  "udp host 0.0.0.0/7 -> 7" },
		{ IPPROTO_UDP, PASST_PIF_HOST, "::/7", "udp host ::/7 -> 7" },
		{ IPPROTO_TCP, PASST_PIF_SPLICE, "8000-8010,auto",
		  "tcp splice 8000-8010 -> 8000-8010 (auto)" },
	};
	struct passt_fwd_rule r;
	char buf[128];
	unsigned int i;
	size_t n;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		n = fmt_of(c[i].proto, c[i].from, c[i].spec, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, c[i].text);
		CU_ASSERT_EQUAL(n, strlen(c[i].text));
	}

	/* Flags, by hand */
	r = tbl.rules[0];
	r.flags = PASST_FWD_ALL;
	fwd_rule_fmt(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "tcp splice 8000-8010 -> 8000-8010 (all)");
	r.flags = PASST_FWD_ALL | PASST_FWD_AUTO;
	fwd_rule_fmt(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf,
			       "tcp splice 8000-8010 -> 8000-8010 (all, auto)");

	/* Truncation: snprintf() semantics */
	memset(buf, 'Z', sizeof(buf));
	n = fmt_of(IPPROTO_TCP, PASST_PIF_HOST, "80-81:8080-8081", buf, 10);
	CU_ASSERT_EQUAL(n, strlen("tcp host 80-81 -> 8080-8081"));
	CU_ASSERT_STRING_EQUAL(buf, "tcp host ");
	CU_ASSERT_EQUAL(buf[10], 'Z');
	CU_ASSERT_EQUAL(fwd_rule_fmt(&tbl.rules[0], NULL, 0), n);
	memset(buf, 'Z', sizeof(buf));
	CU_ASSERT_EQUAL(fwd_rule_fmt(&tbl.rules[0], buf, 1), n);
	CU_ASSERT_EQUAL(buf[0], '\0');
	CU_ASSERT_EQUAL(buf[1], 'Z');

	/* Unknown pif id */
	r = tbl.rules[0];
	r.from = 200;
	fwd_rule_fmt(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "tcp pif 200 80-81 -> 8080-8081");
}

/**
 * struct listened - What fwd_listen() handed the callback
 * @n:		Number of sockets
 * @fd:		Sockets
 * @rule:	Rule index of each
 * @port:	Port of each
 * @fail_at:	Fail (-EIO) on this call, counting from 1, 0 for never
 */
struct listened {
	unsigned int n;
	int fd[16];
	unsigned int rule[16];
	uint16_t port[16];
	unsigned int fail_at;
};

/**
 * listen_cb() - Record a socket from fwd_listen()
 * @opaque:	struct listened
 * @fd:		Socket
 * @rule:	Rule index
 * @port:	Port
 *
 * Return: 0, or -EIO if told to fail here
 */
static int listen_cb(void *opaque, int fd, unsigned int rule, uint16_t port)
{
	struct listened *l = opaque;

	if (l->fail_at && l->n + 1 == l->fail_at)
		return -EIO;
	if (l->n >= ARRAY_SIZE(l->fd))
		return -ENOSPC;

	l->fd[l->n] = fd;
	l->rule[l->n] = rule;
	l->port[l->n] = port;
	l->n++;
	return 0;
}

/**
 * listened_close() - Close every recorded socket
 * @l:		Record
 */
static void listened_close(struct listened *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		close(l->fd[i]);
	memset(l, 0, sizeof(*l));
}

/**
 * port_free() - Whether TCP and UDP can bind a loopback port right now
 * @port:	Port
 *
 * Return: true if both could
 */
static bool port_free(unsigned int port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr = { htonl(INADDR_LOOPBACK) },
	};
	int types[] = { SOCK_STREAM, SOCK_DGRAM };
	bool ok = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		int fd = socket(AF_INET, types[i], 0);

		if (fd < 0)
			return false;
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
			ok = false;
		close(fd);
	}
	return ok;
}

/**
 * free_ports() - Find a run of free loopback ports from 40000 up
 * @n:		Length of the run
 *
 * Return: first port of the run
 */
static unsigned int free_ports(unsigned int n)
{
	unsigned int base, i;

	for (base = 40000 + (unsigned int)(getpid() % 1000) * 10;
	     base + n < 60000; base += n) {
		for (i = 0; i < n && port_free(base + i); i++)
			;
		if (i == n)
			return base;
	}
	CU_FAIL_FATAL("no free ports");
	return 0;
}

/**
 * check_sock() - Check a socket from fwd_listen()
 * @fd:		Socket
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @af:		Expected family
 * @port:	Expected port
 */
static void check_sock(int fd, int type, int af, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int v = 0;

	sl = sizeof(v);
	CU_ASSERT_EQUAL(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &sl), 0);
	CU_ASSERT_EQUAL(v, type);
	sl = sizeof(v);
	CU_ASSERT_EQUAL(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &sl), 0);
	CU_ASSERT_NOT_EQUAL(v, 0);
	sl = sizeof(v);
	CU_ASSERT_EQUAL(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &sl), 0);
	CU_ASSERT_EQUAL(v, type == SOCK_STREAM);
	CU_ASSERT(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CU_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);

	sl = sizeof(ss);
	CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	CU_ASSERT_EQUAL_FATAL(ss.ss_family, af);
	if (af == AF_INET) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;

		CU_ASSERT_EQUAL(ntohs(sa->sin_port), port);
		CU_ASSERT_EQUAL(sa->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	} else {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;

		CU_ASSERT_EQUAL(ntohs(sa->sin6_port), port);
		CU_ASSERT(IN6_IS_ADDR_LOOPBACK(&sa->sin6_addr));
		sl = sizeof(v);
		CU_ASSERT_EQUAL(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v,
					   &sl), 0);
		CU_ASSERT_EQUAL(v, 1);
	}
}

static void test_listen(void)
{
	struct listened l = { 0 }, l2 = { 0 };
	unsigned int p = free_ports(4);
	char spec[64], err[256], want[128];
	int rc;

	memset(&tbl, 0, sizeof(tbl));
	/* Rule 0: other pif; 1: TCP p, p + 1; 2: auto, skipped; 3: UDP p + 2 */
	snprintf(spec, sizeof(spec), "127.0.0.1/%u", p);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP,
					     PASST_PIF_SPLICE, spec, err,
					     sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1/%u-%u:80-81", p, p + 1);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     spec, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1/%u,auto", p + 3);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     spec, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1/%u", p + 2);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_UDP, PASST_PIF_HOST,
					     spec, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(tbl.n, 4);

	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL, listen_cb, &l,
			err, sizeof(err));
	if (rc)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	CU_ASSERT_EQUAL(l.rule[0], 1);
	CU_ASSERT_EQUAL(l.port[0], p);
	CU_ASSERT_EQUAL(l.rule[1], 1);
	CU_ASSERT_EQUAL(l.port[1], p + 1);
	CU_ASSERT_EQUAL(l.rule[2], 3);
	CU_ASSERT_EQUAL(l.port[2], p + 2);
	check_sock(l.fd[0], SOCK_STREAM, AF_INET, p);
	check_sock(l.fd[1], SOCK_STREAM, AF_INET, p + 1);
	check_sock(l.fd[2], SOCK_DGRAM, AF_INET, p + 2);

	/* Same ports again while those are open: the bind error names one */
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL, listen_cb, &l2,
			err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EADDRINUSE);
	snprintf(want, sizeof(want),
		 "tcp port %u on 127.0.0.1: cannot bind: %s", p,
		 strerror(EADDRINUSE));
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(l2.n, 0);

	/* Small buffer: truncated, not overrun */
	memset(want, 'Z', sizeof(want));
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL, listen_cb, &l2,
			want, 10);
	CU_ASSERT_EQUAL(rc, -EADDRINUSE);
	CU_ASSERT_STRING_EQUAL(want, "tcp port ");
	CU_ASSERT_EQUAL(want[10], 'Z');
	CU_ASSERT_EQUAL(fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL,
				   listen_cb, &l2, NULL, 0), -EADDRINUSE);

	/* The other pif */
	rc = fwd_listen(&tbl, PASST_PIF_SPLICE, true, true, NULL, listen_cb,
			&l2, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EADDRINUSE);
	listened_close(&l2);

	/* IPv4 disabled: nothing to open for these rules */
	rc = fwd_listen(&tbl, PASST_PIF_HOST, false, true, NULL, listen_cb, &l2,
			err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(l2.n, 0);

	listened_close(&l);

	/* Callback refuses the second socket: it's closed, error returned */
	l.fail_at = 2;
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL, listen_cb, &l,
			err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EIO);
	snprintf(want, sizeof(want), "tcp port %u on 127.0.0.1: %s", p + 1,
		 strerror(EIO));
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(l.n, 1);
	listened_close(&l);
	/* ...so the port is free again */
	CU_ASSERT(port_free(p + 1));

	/* The other pif, now free */
	rc = fwd_listen(&tbl, PASST_PIF_SPLICE, true, true, NULL, listen_cb, &l,
			err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 1);
	CU_ASSERT_EQUAL(l.rule[0], 0);
	CU_ASSERT_EQUAL(l.port[0], p);
	listened_close(&l);
}

static void test_listen_all(void)
{
	struct listened l = { 0 }, l2 = { 0 };
	unsigned int p = free_ports(3);
	char err[256], want[160];
	struct in_addr a4;
	int rc;

	/* An "all" rule over three ports, by hand, one of them taken */
	memset(&tbl, 0, sizeof(tbl));
	tbl.n = 1;
	tbl.rules[0].proto = IPPROTO_TCP;
	tbl.rules[0].from = PASST_PIF_HOST;
	tbl.rules[0].flags = PASST_FWD_ALL;
	tbl.rules[0].first = (uint16_t)p;
	tbl.rules[0].last = (uint16_t)(p + 2);
	tbl.rules[0].to = (uint16_t)p;
	inet_pton(AF_INET, "127.0.0.1", &a4);
	passt_inany_from_v4(&tbl.rules[0].addr, a4);

	tbl.rules[0].first = tbl.rules[0].last = (uint16_t)(p + 1);
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, false, NULL, listen_cb, &l2,
			err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(l2.n, 1);

	tbl.rules[0].first = (uint16_t)p;
	tbl.rules[0].last = (uint16_t)(p + 2);
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, false, NULL, listen_cb, &l,
			err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	CU_ASSERT_EQUAL(l.port[0], p);
	CU_ASSERT_EQUAL(l.port[1], p + 2);

	/* Every port taken: that is an error even for "all" */
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, false, NULL, listen_cb, &l2,
			err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EADDRINUSE);
	snprintf(want, sizeof(want),
		 "tcp: 'all': no port could be bound, last error: %s",
		 strerror(EADDRINUSE));
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(l2.n, 1);

	/* Without the flag, the first taken port stops it */
	tbl.rules[0].flags = 0;
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, false, NULL, listen_cb, &l2,
			err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EADDRINUSE);
	snprintf(want, sizeof(want),
		 "tcp port %u on 127.0.0.1: cannot bind: %s", p,
		 strerror(EADDRINUSE));
	CU_ASSERT_STRING_EQUAL(err, want);

	listened_close(&l);
	listened_close(&l2);
}

static void test_listen_v6_if(void)
{
	struct listened l = { 0 };
	unsigned int p = free_ports(2);
	char spec[64], err[256];
	int fd, rc;

	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0)
		return;		/* no IPv6 here */
	close(fd);

	memset(&tbl, 0, sizeof(tbl));
	snprintf(spec, sizeof(spec), "::1/%u", p);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_UDP, PASST_PIF_HOST,
					     spec, err, sizeof(err)), 0);
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL, listen_cb, &l,
			err, sizeof(err));
	if (rc == -EADDRNOTAVAIL)
		return;		/* IPv6 without ::1 */
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 1);
	check_sock(l.fd[0], SOCK_DGRAM, AF_INET6, p);

	/* IPv6 disabled: skipped */
	listened_close(&l);
	CU_ASSERT_EQUAL(fwd_listen(&tbl, PASST_PIF_HOST, true, false, NULL,
				   listen_cb, &l, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(l.n, 0);

	/* Interface: "lo" binds (Linux 5.7 and later let anyone), a missing
	 * one fails naming it
	 */
	memset(&tbl, 0, sizeof(tbl));
	snprintf(spec, sizeof(spec), "127.0.0.1%%lo/%u", p + 1);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     spec, err, sizeof(err)), 0);
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL, listen_cb, &l,
			err, sizeof(err));
	if (rc == 0) {
		CU_ASSERT_EQUAL_FATAL(l.n, 1);
		check_sock(l.fd[0], SOCK_STREAM, AF_INET, p + 1);
	} else {
		CU_ASSERT_EQUAL(rc, -EPERM);
	}
	listened_close(&l);

	memset(&tbl, 0, sizeof(tbl));
	snprintf(spec, sizeof(spec), "127.0.0.1%%nosuchif0/%u", p + 1);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     spec, err, sizeof(err)), 0);
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL, listen_cb, &l,
			err, sizeof(err));
	CU_ASSERT(rc == -ENODEV || rc == -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "127.0.0.1%nosuchif0"));
	CU_ASSERT_EQUAL(l.n, 0);
}

/**
 * struct factory - What fwd_listen() asked a socket factory for
 * @l:		Sockets handed to listen_cb() (first: listen_cb() casts)
 * @n:		Calls
 * @domain:	Domain of each call
 * @type:	Type of each call
 * @proto:	Protocol of each call
 * @fail_af:	Fail calls for this family...
 * @fail_rc:	...with this error
 */
struct factory {
	struct listened l;
	unsigned int n;
	int domain[8];
	int type[8];
	int proto[8];
	int fail_af;
	int fail_rc;
};

/**
 * factory_sock() - A socket factory for fwd_listen(), recording calls
 * @opaque:	struct factory
 * @domain:	socket(2) domain
 * @type:	socket(2) type
 * @protocol:	socket(2) protocol
 *
 * Return: socket, or -errno
 */
static int factory_sock(void *opaque, int domain, int type, int protocol)
{
	struct factory *f = opaque;
	int fd;

	if (f->n < ARRAY_SIZE(f->domain)) {
		f->domain[f->n] = domain;
		f->type[f->n] = type;
		f->proto[f->n] = protocol;
	}
	f->n++;
	if (domain == f->fail_af)
		return f->fail_rc;
	fd = socket(domain, type, protocol);
	return fd < 0 ? -errno : fd;
}

static void test_listen_factory(void)
{
	unsigned int p = free_ports(2);
	struct factory f = { 0 };
	char spec[64], err[256], want[160];
	int rc;

	/* from = "guest" without an address: 127.0.0.1 and ::1, through
	 * the factory, one socket each
	 */
	memset(&tbl, 0, sizeof(tbl));
	snprintf(spec, sizeof(spec), "%u", p);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP,
					     PASST_PIF_SPLICE, spec, err,
					     sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "%u", p + 1);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_UDP,
					     PASST_PIF_SPLICE, spec, err,
					     sizeof(err)), 0);
	rc = fwd_listen(&tbl, PASST_PIF_SPLICE, true, true, factory_sock,
			listen_cb, &f, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(f.n, 4);
	CU_ASSERT_EQUAL_FATAL(f.l.n, 4);
	CU_ASSERT_EQUAL(f.domain[0], AF_INET);
	CU_ASSERT_EQUAL(f.type[0], SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
	CU_ASSERT_EQUAL(f.proto[0], IPPROTO_TCP);
	CU_ASSERT_EQUAL(f.domain[1], AF_INET6);
	CU_ASSERT_EQUAL(f.domain[2], AF_INET);
	CU_ASSERT_EQUAL(f.type[2], SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
	CU_ASSERT_EQUAL(f.proto[2], IPPROTO_UDP);
	CU_ASSERT_EQUAL(f.domain[3], AF_INET6);
	check_sock(f.l.fd[0], SOCK_STREAM, AF_INET, p);
	check_sock(f.l.fd[1], SOCK_STREAM, AF_INET6, p);
	check_sock(f.l.fd[2], SOCK_DGRAM, AF_INET, p + 1);
	check_sock(f.l.fd[3], SOCK_DGRAM, AF_INET6, p + 1);
	CU_ASSERT_EQUAL(f.l.rule[0], 0);
	CU_ASSERT_EQUAL(f.l.rule[1], 0);
	CU_ASSERT_EQUAL(f.l.rule[3], 1);
	listened_close(&f.l);

	/* The host's rules don't come here */
	memset(&f, 0, sizeof(f));
	CU_ASSERT_EQUAL(fwd_listen(&tbl, PASST_PIF_HOST, true, true,
				   factory_sock, listen_cb, &f, err,
				   sizeof(err)), 0);
	CU_ASSERT_EQUAL(f.n, 0);

	/* No IPv6 over there: IPv4 alone */
	memset(&f, 0, sizeof(f));
	f.fail_af = AF_INET6;
	f.fail_rc = -EAFNOSUPPORT;
	rc = fwd_listen(&tbl, PASST_PIF_SPLICE, true, true, factory_sock,
			listen_cb, &f, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(f.n, 4);
	CU_ASSERT_EQUAL_FATAL(f.l.n, 2);
	check_sock(f.l.fd[0], SOCK_STREAM, AF_INET, p);
	check_sock(f.l.fd[1], SOCK_DGRAM, AF_INET, p + 1);
	listened_close(&f.l);

	/* ...but not if IPv6 is all there is to forward */
	memset(&f, 0, sizeof(f));
	f.fail_af = AF_INET6;
	f.fail_rc = -EAFNOSUPPORT;
	rc = fwd_listen(&tbl, PASST_PIF_SPLICE, false, true, factory_sock,
			listen_cb, &f, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EAFNOSUPPORT);
	snprintf(want, sizeof(want), "tcp port %u on ::1: cannot open a "
		 "socket: %s", p, strerror(EAFNOSUPPORT));
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(f.l.n, 0);

	/* The factory's error, said as it is */
	memset(&f, 0, sizeof(f));
	f.fail_af = AF_INET;
	f.fail_rc = -ENOTCONN;
	rc = fwd_listen(&tbl, PASST_PIF_SPLICE, true, true, factory_sock,
			listen_cb, &f, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -ENOTCONN);
	snprintf(want, sizeof(want), "tcp port %u on 127.0.0.1: cannot open "
		 "a socket: %s", p, strerror(ENOTCONN));
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(f.n, 1);
	CU_ASSERT_EQUAL(f.l.n, 0);

	/* An address given is the address used, with the factory too */
	memset(&tbl, 0, sizeof(tbl));
	memset(&f, 0, sizeof(f));
	snprintf(spec, sizeof(spec), "::1/%u", p);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP,
					     PASST_PIF_SPLICE, spec, err,
					     sizeof(err)), 0);
	rc = fwd_listen(&tbl, PASST_PIF_SPLICE, true, true, factory_sock,
			listen_cb, &f, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(f.n, 1);
	CU_ASSERT_EQUAL_FATAL(f.l.n, 1);
	check_sock(f.l.fd[0], SOCK_STREAM, AF_INET6, p);
	listened_close(&f.l);
}

/**
 * any_family_child() - In a new network namespace, check wildcard sockets
 *
 * Return: 0 if all is well, 77 if there's no namespace to test in, else
 *	   the number of the first failed check, counting from 1
 */
static int any_family_child(void)
{
	struct sockaddr_storage ss;
	struct listened l = { 0 };
	struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *sa4 = (struct sockaddr_in *)&ss;
	int v, step = 0;
	char err[128];
	socklen_t sl;

#define CHILD_CHECK(x)	do { step++; if (!(x)) return step; } while (0)

	/* A namespace of our own: wildcard binds reach no real interface */
	if (unshare(CLONE_NEWNET) && unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 77;
	v = socket(AF_INET6, SOCK_STREAM, 0);
	if (v < 0)
		return 77;
	close(v);

	memset(&tbl, 0, sizeof(tbl));
	CHILD_CHECK(!fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST, "40000",
				    err, sizeof(err)));

	/* Both families: one dual-stack socket */
	CHILD_CHECK(!fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL,
				listen_cb, &l, err, sizeof(err)));
	CHILD_CHECK(l.n == 1 && l.port[0] == 40000 && l.rule[0] == 0);
	sl = sizeof(ss);
	CHILD_CHECK(!getsockname(l.fd[0], (struct sockaddr *)&ss, &sl));
	CHILD_CHECK(ss.ss_family == AF_INET6);
	CHILD_CHECK(IN6_IS_ADDR_UNSPECIFIED(&sa6->sin6_addr));
	sl = sizeof(v);
	CHILD_CHECK(!getsockopt(l.fd[0], IPPROTO_IPV6, IPV6_V6ONLY, &v, &sl));
	CHILD_CHECK(v == 0);
	listened_close(&l);

	/* IPv6 only */
	CHILD_CHECK(!fwd_listen(&tbl, PASST_PIF_HOST, false, true, NULL,
				listen_cb, &l, err, sizeof(err)));
	CHILD_CHECK(l.n == 1);
	sl = sizeof(v);
	CHILD_CHECK(!getsockopt(l.fd[0], IPPROTO_IPV6, IPV6_V6ONLY, &v, &sl));
	CHILD_CHECK(v == 1);
	listened_close(&l);

	/* IPv4 only */
	CHILD_CHECK(!fwd_listen(&tbl, PASST_PIF_HOST, true, false, NULL,
				listen_cb, &l, err, sizeof(err)));
	CHILD_CHECK(l.n == 1);
	sl = sizeof(ss);
	CHILD_CHECK(!getsockname(l.fd[0], (struct sockaddr *)&ss, &sl));
	CHILD_CHECK(ss.ss_family == AF_INET);
	CHILD_CHECK(sa4->sin_addr.s_addr == htonl(INADDR_ANY));
	listened_close(&l);

	/* Neither: nothing */
	CHILD_CHECK(!fwd_listen(&tbl, PASST_PIF_HOST, false, false, NULL,
				listen_cb, &l, err, sizeof(err)));
	CHILD_CHECK(l.n == 0);

	/* Explicit any-IPv6 (::) is IPv6 only, even with IPv4 enabled */
	memset(&tbl, 0, sizeof(tbl));
	CHILD_CHECK(!fwd_parse_spec(&tbl, IPPROTO_UDP, PASST_PIF_HOST,
				    "::/40000", err, sizeof(err)));
	CHILD_CHECK(!fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL,
				listen_cb, &l, err, sizeof(err)));
	CHILD_CHECK(l.n == 1);
	sl = sizeof(v);
	CHILD_CHECK(!getsockopt(l.fd[0], IPPROTO_IPV6, IPV6_V6ONLY, &v, &sl));
	CHILD_CHECK(v == 1);
	listened_close(&l);

#undef CHILD_CHECK
	return 0;
}

static void test_listen_any_family(void)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (!pid)
		_exit(any_family_child());

	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_FATAL(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		fprintf(stderr, "(no network namespace: skipped) ");
		return;
	}
	if (WEXITSTATUS(status))
		fprintf(stderr, "\nchild: check %i failed\n",
			WEXITSTATUS(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
}

/**
 * fuzz_rand() - Next pseudo-random number, reproducible
 * @seed:	State, updated
 *
 * Return: 15 random bits
 */
static unsigned int fuzz_rand(unsigned int *seed)
{
	*seed = *seed * 1103515245U + 12345U;
	return (*seed >> 16) & 0x7fff;
}

/**
 * fuzz_num() - Append a random port number, mostly valid
 * @seed:	Random state, updated
 * @spec:	Buffer
 * @size:	Size of @spec
 * @len:	Length so far, updated
 * @base:	Number to stay near, for ranges
 *
 * Return: the number
 */
static unsigned int fuzz_num(unsigned int *seed, char *spec, size_t size,
			     size_t *len, unsigned int base)
{
	unsigned int v;
	int n;

	switch (fuzz_rand(seed) % 16) {
	case 0:
		v = 0;
		break;
	case 1:
		v = 65535 + fuzz_rand(seed) % 3;
		break;
	case 2:
		v = base ? base - 1 : 1;
		break;
	default:
		v = base ? base + fuzz_rand(seed) % 50 :
			   1 + (fuzz_rand(seed) << 1) % 65535;
	}

	n = snprintf(spec + *len, size - *len, "%u", v);
	if (n > 0)
		*len = MIN(*len + (size_t)n, size - 1);
	return v;
}

/**
 * fuzz_put() - Append a string if it fits
 * @spec:	Buffer
 * @size:	Size of @spec
 * @len:	Length so far, updated
 * @s:		String
 */
static void fuzz_put(char *spec, size_t size, size_t *len, const char *s)
{
	size_t l = strlen(s);

	if (*len + l < size) {
		memcpy(spec + *len, s, l + 1);
		*len += l;
	}
}

/**
 * fuzz_spec() - Make a random spec: characters, or a likely one, mangled
 * @seed:	Random state, updated
 * @spec:	Buffer
 * @size:	Size of @spec
 */
static void fuzz_spec(unsigned int *seed, char *spec, size_t size)
{
	static const char alphabet[] = "0123456789-,~:/%.[]abcdeflnotux ";
	static const char *const prefixes[] = {
		"", "", "", "127.0.0.1/", "::1/", "%lo/", "[::1]/",
		"10.0.0.1%eth0/", "/", "1.2.3/", "%/",
	};
	static const char *const words[] = { "all", "auto", "none", "al" };
	size_t len = 0, k, n;

	spec[0] = '\0';
	if (fuzz_rand(seed) % 3 == 0) {
		n = fuzz_rand(seed) % size;
		for (; len < n; len++)
			spec[len] = alphabet[fuzz_rand(seed) %
					     (sizeof(alphabet) - 1)];
		spec[len] = '\0';
		return;
	}

	fuzz_put(spec, size, &len,
		 prefixes[fuzz_rand(seed) % ARRAY_SIZE(prefixes)]);
	n = 1 + fuzz_rand(seed) % 4;
	for (k = 0; k < n; k++) {
		unsigned int r = fuzz_rand(seed) % 16, first;

		if (k)
			fuzz_put(spec, size, &len, ",");
		if (r == 0) {
			fuzz_put(spec, size, &len,
				 words[fuzz_rand(seed) % ARRAY_SIZE(words)]);
			continue;
		}
		if (r < 4)
			fuzz_put(spec, size, &len, "~");
		first = fuzz_num(seed, spec, size, &len, 0);
		if (fuzz_rand(seed) % 2) {
			fuzz_put(spec, size, &len, "-");
			fuzz_num(seed, spec, size, &len, first);
		}
		if (r >= 4 && fuzz_rand(seed) % 3 == 0) {
			fuzz_put(spec, size, &len, ":");
			fuzz_num(seed, spec, size, &len, 0);
		}
	}

	/* Sometimes, one character is wrong */
	if (len && fuzz_rand(seed) % 8 == 0)
		spec[fuzz_rand(seed) % len] =
			alphabet[fuzz_rand(seed) % (sizeof(alphabet) - 1)];
}

static void test_fuzz(void)
{
	struct fwd_table *before = malloc(sizeof(*before));
	unsigned int seed = 12345, i, ok = 0, bad = 0, full = 0;
	char spec[48], err[96];

	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	memset(&tbl, 0, sizeof(tbl));

	for (i = 0; i < 100000; i++) {
		int rc;

		fuzz_spec(&seed, spec, sizeof(spec));
		if (i % 2048 == 0)
			memset(&tbl, 0, sizeof(tbl));
		memcpy(before, &tbl, sizeof(tbl));
		memset(err, 'Z', sizeof(err));

		rc = fwd_parse_spec(&tbl, i & 1 ? IPPROTO_UDP : IPPROTO_TCP,
				    PASST_PIF_HOST, spec, err,
				    sizeof(err) - 8);
		CU_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOSPC);
		CU_ASSERT(memchr(err, '\0', sizeof(err) - 8) != NULL);
		CU_ASSERT_EQUAL(err[sizeof(err) - 8], 'Z');
		if (rc) {
			CU_ASSERT(!memcmp(before, &tbl, sizeof(tbl)));
			CU_ASSERT(!strncmp(err, "port spec '", 11));
			if (rc == -ENOSPC)
				full++;
			else
				bad++;
		} else {
			unsigned int k;

			ok++;
			CU_ASSERT(tbl.n <= FWD_RULES_MAX);
			for (k = before->n; k < tbl.n; k++) {
				const struct passt_fwd_rule *r = &tbl.rules[k];

				CU_ASSERT(r->first && r->first <= r->last);
				CU_ASSERT(r->to && r->to + (r->last - r->first)
						   <= 65535);
				CU_ASSERT(fwd_lookup(&tbl, PASST_PIF_HOST,
						     r->proto, NULL,
						     r->last) >= 0);
			}
		}
	}

	/* Good specs, bad ones and full tables were all exercised */
	CU_ASSERT(ok > 5000);
	CU_ASSERT(bad > 5000);
	CU_ASSERT(full > 100);
	free(before);
}

/* Tables for the merge tests: large, so out of the stacks too */
static struct fwd_table mcur, mnext, mout;

/**
 * table_of() - Parse specs, one per TCP host rule, into an empty table
 * @t:		Table
 * @specs:	Specs, NULL-terminated
 */
static void table_of(struct fwd_table *t, const char *const *specs)
{
	char err[256];

	memset(t, 0, sizeof(*t));
	for (; *specs; specs++) {
		int rc = fwd_parse_spec(t, IPPROTO_TCP, PASST_PIF_HOST, *specs,
					err, sizeof(err));

		if (rc)
			fprintf(stderr, "\n'%s': %s\n", *specs, err);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
	}
}

static void test_merge(void)
{
	static const char *const a[] = { "80", "81:8081", "82", NULL };
	static const char *const b[] = { "82", "83", "81:9081", NULL };
	struct fwd_diff d;
	unsigned int i;

	table_of(&mcur, a);
	table_of(&mnext, b);
	CU_ASSERT_EQUAL_FATAL(fwd_merge(&mcur, &mnext, &mout, &d), 0);

	/* 82 keeps its slot; 80 and 81:8081 are tombstones; 83 and
	 * 81:9081 (a new target is a new rule) take slots never used
	 */
	CU_ASSERT_EQUAL(mout.gen, 1);
	CU_ASSERT_EQUAL(d.n_kept, 1);
	CU_ASSERT_EQUAL_FATAL(d.n_removed, 2);
	CU_ASSERT_EQUAL(d.removed[0], 0);
	CU_ASSERT_EQUAL(d.removed[1], 1);
	CU_ASSERT_EQUAL_FATAL(d.n_added, 2);
	CU_ASSERT_EQUAL(d.added[0], 3);
	CU_ASSERT_EQUAL(d.added[1], 4);
	CU_ASSERT_EQUAL(mout.n, 5);
	CU_ASSERT_EQUAL(mout.rules[2].first, 82);
	CU_ASSERT_EQUAL(mout.rules[3].first, 83);
	CU_ASSERT_EQUAL(mout.rules[4].first, 81);
	CU_ASSERT_EQUAL(mout.rules[4].to, 9081);

	/* Tombstones answer by index, never to a lookup or a listener */
	CU_ASSERT_FALSE(fwd_rule_live(&mout, 0));
	CU_ASSERT_FALSE(fwd_rule_live(&mout, 1));
	CU_ASSERT(fwd_rule_live(&mout, 2));
	CU_ASSERT_FALSE(fwd_rule_live(&mout, 5));
	CU_ASSERT_EQUAL(mout.gone[0], 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fwd_rule(&mout, 1));
	CU_ASSERT_EQUAL(fwd_rule(&mout, 1)->to, 8081);
	CU_ASSERT_EQUAL(fwd_lookup(&mout, PASST_PIF_HOST, IPPROTO_TCP, NULL,
				   80), -ENOENT);
	CU_ASSERT_EQUAL(fwd_lookup(&mout, PASST_PIF_HOST, IPPROTO_TCP, NULL,
				   81), 4);
	CU_ASSERT_EQUAL(fwd_lookup(&mout, PASST_PIF_HOST, IPPROTO_TCP, NULL,
				   82), 2);

	/* The running table is left alone */
	CU_ASSERT_EQUAL(mcur.n, 3);
	for (i = 0; i < mcur.n; i++)
		CU_ASSERT_EQUAL(mcur.gone[i], 0);

	/* The same file again: nothing changes, not even a tombstone */
	memcpy(&mcur, &mout, sizeof(mcur));
	CU_ASSERT_EQUAL_FATAL(fwd_merge(&mcur, &mnext, &mout, &d), 0);
	CU_ASSERT_EQUAL(d.n_kept, 3);
	CU_ASSERT_EQUAL(d.n_removed, 0);
	CU_ASSERT_EQUAL(d.n_added, 0);
	CU_ASSERT_EQUAL(mout.n, 5);
	CU_ASSERT(!memcmp(mout.rules, mcur.rules, sizeof(mout.rules)));
	CU_ASSERT(!memcmp(mout.gone, mcur.gone, sizeof(mout.gone)));
	CU_ASSERT_EQUAL(mout.gen, 2);

	/* 80 comes back as it was: its own tombstone, index 0 again */
	memcpy(&mcur, &mout, sizeof(mcur));
	table_of(&mnext, (const char *const[]){ "80", "82", "83", "81:9081",
						NULL });
	CU_ASSERT_EQUAL_FATAL(fwd_merge(&mcur, &mnext, &mout, &d), 0);
	CU_ASSERT_EQUAL(d.n_kept, 3);
	CU_ASSERT_EQUAL(d.n_removed, 0);
	CU_ASSERT_EQUAL_FATAL(d.n_added, 1);
	CU_ASSERT_EQUAL(d.added[0], 0);
	CU_ASSERT(fwd_rule_live(&mout, 0));
	CU_ASSERT_FALSE(fwd_rule_live(&mout, 1));
	CU_ASSERT_EQUAL(mout.n, 5);
	CU_ASSERT_EQUAL(fwd_lookup(&mout, PASST_PIF_HOST, IPPROTO_TCP, NULL,
				   80), 0);

	/* Everything goes: every slot a tombstone of this reload */
	memcpy(&mcur, &mout, sizeof(mcur));
	memset(&mnext, 0, sizeof(mnext));
	CU_ASSERT_EQUAL_FATAL(fwd_merge(&mcur, &mnext, &mout, &d), 0);
	CU_ASSERT_EQUAL(d.n_kept, 0);
	CU_ASSERT_EQUAL(d.n_removed, 4);
	CU_ASSERT_EQUAL(d.n_added, 0);
	for (i = 0; i < mout.n; i++)
		CU_ASSERT_FALSE(fwd_rule_live(&mout, i));

	/* A spec for a port only a tombstone holds: not "already forwarded" */
	CU_ASSERT_EQUAL(fwd_parse_spec(&mout, IPPROTO_TCP, PASST_PIF_HOST, "80",
				       NULL, 0), 0);
	CU_ASSERT_EQUAL(mout.n, 6);
	CU_ASSERT(fwd_rule_live(&mout, 5));
}

static void test_merge_full(void)
{
	struct fwd_diff d;
	char spec[16];
	unsigned int i;

	/* A full table of single-port rules, 1000 to 1255 */
	memset(&mcur, 0, sizeof(mcur));
	for (i = 0; i < FWD_RULES_MAX; i++) {
		snprintf(spec, sizeof(spec), "%u", 1000 + i);
		CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&mcur, IPPROTO_TCP,
						     PASST_PIF_HOST, spec,
						     NULL, 0), 0);
	}

	/* Rules 10 and 20 go, in two reloads: 20 first, then 10 */
	memcpy(&mnext, &mcur, sizeof(mnext));
	mnext.rules[20].first = mnext.rules[20].last = 999;
	mnext.rules[20].to = 999;
	/* ...999 can't come in now: the only free slot is 20's own
	 * tombstone, and whoever holds index 20 must find 1020 there
	 */
	CU_ASSERT_EQUAL(fwd_merge(&mcur, &mnext, &mout, &d), -ENOSPC);
	CU_ASSERT_EQUAL(d.n_removed, 1);

	/* Without 999, the reload goes through: one tombstone */
	memcpy(&mnext, &mcur, sizeof(mnext));
	memmove(&mnext.rules[20], &mnext.rules[21],
		sizeof(mnext.rules[0]) * (FWD_RULES_MAX - 21));
	mnext.n = FWD_RULES_MAX - 1;
	CU_ASSERT_EQUAL_FATAL(fwd_merge(&mcur, &mnext, &mout, &d), 0);
	CU_ASSERT_EQUAL(d.n_removed, 1);
	CU_ASSERT_EQUAL(d.removed[0], 20);
	memcpy(&mcur, &mout, sizeof(mcur));

	/* Now 10 goes and 999 comes: it takes 20's tombstone, the oldest
	 * of an earlier reload, not 10's of this one
	 */
	mnext.rules[10].first = mnext.rules[10].last = 999;
	mnext.rules[10].to = 999;
	CU_ASSERT_EQUAL_FATAL(fwd_merge(&mcur, &mnext, &mout, &d), 0);
	CU_ASSERT_EQUAL(d.n_kept, FWD_RULES_MAX - 2);
	CU_ASSERT_EQUAL_FATAL(d.n_removed, 1);
	CU_ASSERT_EQUAL(d.removed[0], 10);
	CU_ASSERT_EQUAL_FATAL(d.n_added, 1);
	CU_ASSERT_EQUAL(d.added[0], 20);
	CU_ASSERT_EQUAL(mout.rules[20].first, 999);
	CU_ASSERT(fwd_rule_live(&mout, 20));
	CU_ASSERT_FALSE(fwd_rule_live(&mout, 10));
	CU_ASSERT_EQUAL(fwd_rule(&mout, 10)->first, 1010);
	CU_ASSERT_EQUAL(fwd_lookup(&mout, PASST_PIF_HOST, IPPROTO_TCP, NULL,
				   999), 20);
	CU_ASSERT_EQUAL(fwd_lookup(&mout, PASST_PIF_HOST, IPPROTO_TCP, NULL,
				   1010), -ENOENT);
}

static void test_listen_rules(void)
{
	struct listened l = { 0 };
	unsigned int p = free_ports(3);
	static const uint8_t some[] = { 2, 0 };
	char spec[32], err[256];
	int rc;

	memset(&tbl, 0, sizeof(tbl));
	snprintf(spec, sizeof(spec), "127.0.0.1/%u", p);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     spec, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1/%u", p + 1);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_TCP, PASST_PIF_HOST,
					     spec, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1/%u", p + 2);
	CU_ASSERT_EQUAL_FATAL(fwd_parse_spec(&tbl, IPPROTO_UDP, PASST_PIF_HOST,
					     spec, err, sizeof(err)), 0);

	/* Only the rules asked for, in that order */
	rc = fwd_listen_rules(&tbl, PASST_PIF_HOST, some, ARRAY_SIZE(some),
			      true, true, NULL, listen_cb, &l, err,
			      sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	CU_ASSERT_EQUAL(l.rule[0], 2);
	CU_ASSERT_EQUAL(l.port[0], p + 2);
	check_sock(l.fd[0], SOCK_DGRAM, AF_INET, p + 2);
	CU_ASSERT_EQUAL(l.rule[1], 0);
	CU_ASSERT_EQUAL(l.port[1], p);
	CU_ASSERT(port_free(p + 1));
	listened_close(&l);

	/* Tombstones get no socket, asked for or not */
	tbl.gone[0] = 1;
	rc = fwd_listen(&tbl, PASST_PIF_HOST, true, true, NULL, listen_cb, &l,
			err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	CU_ASSERT_EQUAL(l.rule[0], 1);
	CU_ASSERT_EQUAL(l.rule[1], 2);
	listened_close(&l);
	rc = fwd_listen_rules(&tbl, PASST_PIF_HOST, some, ARRAY_SIZE(some),
			      true, true, NULL, listen_cb, &l, err,
			      sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 1);
	CU_ASSERT_EQUAL(l.rule[0], 2);
	listened_close(&l);

	/* None asked for: none opened */
	rc = fwd_listen_rules(&tbl, PASST_PIF_HOST, some, 0, true, true, NULL,
			      listen_cb, &l, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(l.n, 0);
}

UNIT_SUITE(fwd,
	   { "single port", test_single },
	   { "list of ports", test_list },
	   { "ranges", test_range },
	   { "target ports", test_target },
	   { "exclusions split ranges", test_exclude },
	   { "only exclusions", test_exclude_only },
	   { "all", test_all },
	   { "auto", test_auto },
	   { "none", test_none },
	   { "addresses and interfaces", test_addr },
	   { "specs append", test_append },
	   { "bad specs", test_bad },
	   { "error buffer", test_errbuf },
	   { "too many rules", test_too_many },
	   { "lookup", test_lookup },
	   { "rule and target port", test_rule_target },
	   { "rule format", test_fmt },
	   { "listen", test_listen },
	   { "listen: all", test_listen_all },
	   { "listen: IPv6 and interfaces", test_listen_v6_if },
	   { "listen: any address", test_listen_any_family },
	   { "listen: socket factory, loopback", test_listen_factory },
	   { "listen: some rules", test_listen_rules },
	   { "reload: merge, tombstones", test_merge },
	   { "reload: merge into a full table", test_merge_full },
	   { "fuzz", test_fuzz })
