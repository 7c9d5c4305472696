// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_fwd_spec.c - passt's port spec syntax, fwd_parse_spec() of core/fwd.c
 *
 * Input: byte 0 picks the protocol (bit 0: UDP) and the pif connections
 * arrive on (bit 1: splice, else host); the rest is one spec per line,
 * each appended to one table, as a config file's 'forward' list would.
 *
 * Findings besides crashes and sanitizer reports, for every rule in the
 * table: an empty or inverted range; a target range running past port
 * 65535; fwd_target_port() not keeping the offset; fwd_lookup() not
 * finding a rule for a port it covers; a rule with no flags that doesn't
 * parse back, from the spec it stands for, into the same rule; an error
 * with no message, or a rejected spec that changed the table.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fwd.h"
#include "log.h"

#define FUZZ_SPEC_MAX	512

static struct fwd_table fuzz_t, fuzz_t2, fuzz_before;

/**
 * LLVMFuzzerInitialize() - Quiet logs
 * @argc:	Unused
 * @argv:	Unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/**
 * fuzz_spec_of() - The spec that stands for one rule without flags
 * @r:		Rule
 * @buf:	Buffer
 * @len:	Its size
 */
static void fuzz_spec_of(const struct passt_fwd_rule *r, char *buf,
			 size_t len)
{
	char a[INET6_ADDRSTRLEN + 2] = "";
	const struct in_addr *a4 = passt_inany_v4(&r->addr);
	size_t n = 0;

	if (!r->any_family) {
		if (a4)
			inet_ntop(AF_INET, a4, a, sizeof(a));
		else
			inet_ntop(AF_INET6, &r->addr.a6, a, sizeof(a));
	}
	if (!r->any_family || r->ifname[0])
		n = (size_t)snprintf(buf, len, "%s%s%.*s/", a,
				     r->ifname[0] ? "%" : "",
				     (int)sizeof(r->ifname), r->ifname);
	snprintf(buf + n, len - n, "%u-%u:%u-%u", r->first, r->last, r->to,
		 (unsigned int)(r->to + (r->last - r->first)));
}

/**
 * fuzz_check_rule() - The invariants of one rule
 * @t:		Table
 * @i:		Index of the rule
 */
static void fuzz_check_rule(const struct fwd_table *t, unsigned int i)
{
	const struct passt_fwd_rule *r = fwd_rule(t, i), *b;
	char spec[128], err[256];
	int k;

	if (!r)
		fuzz_fail("rule %u of %u missing", i, t->n);
	if (r->first > r->last || (unsigned int)r->to + (r->last - r->first) >
				  65535)
		fuzz_fail("rule %u: %u-%u to %u", i, r->first, r->last, r->to);
	if (fwd_target_port(r, r->first) != r->to ||
	    fwd_target_port(r, r->last) != r->to + (r->last - r->first))
		fuzz_fail("rule %u: target ports don't keep the offset", i);
	k = fwd_lookup(t, r->from, r->proto, NULL, r->last);
	if (k < 0 || (unsigned int)k > i)
		fuzz_fail("rule %u: lookup of port %u gives %d", i, r->last, k);
	fwd_rule_fmt(r, err, sizeof(err));

	if (r->flags)
		return;
	fuzz_spec_of(r, spec, sizeof(spec));
	memset(&fuzz_t2, 0, sizeof(fuzz_t2));
	if (fwd_parse_spec(&fuzz_t2, r->proto, r->from, spec, err,
			   sizeof(err)))
		fuzz_fail("rule %u as '%s' doesn't parse: %s", i, spec, err);
	b = fwd_rule(&fuzz_t2, 0);
	if (fuzz_t2.n != 1 || b->first != r->first || b->last != r->last ||
	    b->to != r->to || b->any_family != r->any_family ||
	    memcmp(&b->addr, &r->addr, sizeof(b->addr)) ||
	    strncmp(b->ifname, r->ifname, sizeof(b->ifname)))
		fuzz_fail("rule %u as '%s' parses into %u other rules", i, spec,
			  fuzz_t2.n);
}

/**
 * LLVMFuzzerTestOneInput() - Parse the specs of one input: see the top
 * @data:	Input
 * @size:	Its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t proto, from;
	char spec[FUZZ_SPEC_MAX], err[256];
	size_t off = 1;
	unsigned int i;

	if (!size)
		return 0;
	proto = data[0] & 1 ? IPPROTO_UDP : IPPROTO_TCP;
	from = data[0] & 2 ? PASST_PIF_SPLICE : PASST_PIF_HOST;
	memset(&fuzz_t, 0, sizeof(fuzz_t));

	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - data - off) : size - off;

		if (len >= sizeof(spec))
			len = sizeof(spec) - 1;
		memcpy(spec, data + off, len);
		spec[len] = '\0';
		off += len + 1;

		fuzz_before = fuzz_t;
		err[0] = '\0';
		if (fwd_parse_spec(&fuzz_t, proto, from, spec, err,
				   sizeof(err))) {
			if (!err[0])
				fuzz_fail("'%s' refused without a message",
					  spec);
			if (memcmp(&fuzz_before, &fuzz_t, sizeof(fuzz_t)))
				fuzz_fail("'%s' refused, table changed", spec);
		}
	}
	for (i = 0; i < fuzz_t.n; i++)
		fuzz_check_rule(&fuzz_t, i);
	return 0;
}
