// SPDX-License-Identifier: GPL-2.0-or-later
/* fwd.c - The unified forwarding table and passt's port spec syntax
 *
 * One table holds every forwarding rule: TCP and UDP, for every pif that
 * connections can arrive on. Rules come from passt's -t/-u syntax:
 *
 *	[ADDR[%IF]/]PORTS
 *
 * PORTS is a comma-separated list of entries:
 *	N[-M][:X[-Y]]	forward N to M, to X to Y (same length)
 *	~N[-M]		never forward N to M, whatever other entries say
 *	all		every non-ephemeral port; bind failures are quiet
 *	auto		only ports found bound on the other side by a scan
 * and the whole spec may instead be "none" (no rules). A spec with no
 * N[-M] entry (only exclusions, "all", "auto") covers every port outside
 * the kernel's ephemeral range, as passt does, and bind failures on those
 * ports are quiet (PASST_FWD_ALL), since some are bound by others.
 *
 * ADDR is IPv4 or IPv6 (IPv6 optionally in brackets); without it, rules
 * listen on both families. IF is an interface name for SO_BINDTODEVICE.
 *
 * Exclusions are applied at parse time by splitting ranges, so a rule never
 * holds a port it must not forward and a lookup is one range check. Rules
 * keep the order of the spec; a spec either appends all of its rules or,
 * on any error, none.
 *
 * A reload (SIGHUP) parses the file into a new table and fwd_merge() folds
 * it into the running one without renumbering anything: listening sockets
 * and flows carry rule indices (PASST_FWD_REF()). A rule in both keeps its
 * slot, and its sockets; a rule gone from the file becomes a tombstone,
 * which fwd_rule() still answers for whoever holds its index but lookups
 * and fwd_listen() skip; a new rule takes its own tombstone back if it
 * returns as it was, else a slot never used, else the slot of the oldest
 * tombstone of an earlier reload.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fwd.h"
#include "log.h"
#include "pif.h"
#include "util.h"

#define FWD_PORTS		65536
#define FWD_LISTEN_BACKLOG	128
#define FWD_SPEC_QUOTE_MAX	64	/* spec bytes quoted in errors */

/* Ephemeral range if the kernel's can't be read: IANA's (RFC 6335) */
#define FWD_EPHEMERAL_MIN	49152
#define FWD_EPHEMERAL_MAX	65535

/**
 * struct fwd_range - One N[-M][:X[-Y]] entry of a spec
 * @first:	First port
 * @last:	Last port, inclusive
 * @to:		Port @first maps to
 */
struct fwd_range {
	uint16_t first;
	uint16_t last;
	uint16_t to;
};

/**
 * struct fwd_spec - A spec being parsed
 * @spec:	Whole spec, for messages
 * @errbuf:	Buffer for the error message
 * @errlen:	Size of @errbuf
 * @addr:	Address given, :: if none
 * @any_family:	No address given
 * @ifname:	Interface given, empty if none
 * @n_inc:	Number of entries in @inc
 * @inc:	Include ranges, in spec order
 * @flags:	PASST_FWD_* flags for every rule of the spec
 * @excl:	Bitmap of excluded ports
 * @rules:	Rules built from all of the above
 * @n_rules:	Number of entries in @rules
 */
struct fwd_spec {
	const char *spec;
	char *errbuf;
	size_t errlen;
	union passt_inany addr;
	bool any_family;
	char ifname[PASST_IFNAME_MAX];
	unsigned int n_inc;
	struct fwd_range inc[FWD_RULES_MAX];
	uint8_t flags;
	uint64_t excl[FWD_PORTS / 64];
	struct passt_fwd_rule rules[FWD_RULES_MAX];
	unsigned int n_rules;
};

/**
 * fwd_msg_clean() - Make a message one printable line
 * @buf:	Message, NUL-terminated
 */
static void fwd_msg_clean(char *buf)
{
	for (; *buf; buf++)
		if ((unsigned char)*buf < 0x20 || (unsigned char)*buf >= 0x7f)
			*buf = '?';
}

/**
 * fwd_err() - Report a bad spec: "port spec 'SPEC': what is wrong"
 * @s:		Spec being parsed
 * @ret:	Value to return
 * @fmt:	Format of what is wrong, then its arguments
 *
 * Return: @ret
 */
__attribute__((format(printf, 3, 4)))
static int fwd_err(const struct fwd_spec *s, int ret, const char *fmt, ...)
{
	size_t speclen = strlen(s->spec);
	int n;

	if (!s->errbuf || !s->errlen)
		return ret;

	/* A long spec would push what is wrong out of the buffer */
	n = snprintf(s->errbuf, s->errlen, "port spec '%.*s%s': ",
		     FWD_SPEC_QUOTE_MAX, s->spec,
		     speclen > FWD_SPEC_QUOTE_MAX ? "..." : "");
	if (n >= 0 && (size_t)n < s->errlen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(s->errbuf + n, s->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	fwd_msg_clean(s->errbuf);

	return ret;
}

/**
 * fwd_excl_set() - Exclude a range of ports
 * @s:		Spec being parsed
 * @first:	First port
 * @last:	Last port, inclusive
 */
static void fwd_excl_set(struct fwd_spec *s, unsigned int first,
			 unsigned int last)
{
	unsigned int p;

	for (p = first; p <= last; p++)
		s->excl[p / 64] |= 1ULL << (p % 64);
}

/**
 * fwd_excl_next() - Next port, in a range, that is or isn't excluded
 * @s:		Spec being parsed
 * @from:	First port to look at
 * @last:	Last port to look at, inclusive
 * @excluded:	Look for an excluded port, or for a forwarded one
 *
 * Return: the port found, or @last + 1 if there is none
 */
static unsigned int fwd_excl_next(const struct fwd_spec *s, unsigned int from,
				  unsigned int last, bool excluded)
{
	unsigned int p = from;

	while (p <= last) {
		uint64_t w = s->excl[p / 64];

		if (!excluded)
			w = ~w;
		w &= ~0ULL << (p % 64);
		if (w) {
			p = (p & ~63U) + (unsigned int)__builtin_ctzll(w);
			return p <= last ? p : last + 1;
		}
		p = (p & ~63U) + 64;
	}

	return last + 1;
}

/**
 * fwd_ephemeral() - The kernel's range of ephemeral ports
 * @min:	First ephemeral port, set on return
 * @max:	Last ephemeral port, set on return
 *
 * "all" leaves these out, like passt: the kernel hands them to outgoing
 * connections, so forwarding them would steal replies from the host.
 */
static void fwd_ephemeral(unsigned int *min, unsigned int *max)
{
	/* Read once, at start-up: a reload inside the sandbox has no /proc,
	 * and must resolve "all" to the very rules it resolved to before
	 */
	static unsigned int cache_min, cache_max;
	unsigned int lo, hi;
	char buf[64];
	ssize_t n;
	int fd;

	if (cache_max) {
		*min = cache_min;
		*max = cache_max;
		return;
	}
	*min = cache_min = FWD_EPHEMERAL_MIN;
	*max = cache_max = FWD_EPHEMERAL_MAX;

	fd = open("/proc/sys/net/ipv4/ip_local_port_range",
		  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';

	if (sscanf(buf, "%u %u", &lo, &hi) != 2 || !lo || lo > hi ||
	    hi >= FWD_PORTS)
		return;
	*min = cache_min = lo;
	*max = cache_max = hi;
}

/**
 * fwd_range_str() - Write a port range as "N" or "N-M"
 * @buf:	Buffer, at least 12 bytes
 * @len:	Size of @buf
 * @first:	First port
 * @last:	Last port
 *
 * Return: @buf
 */
static const char *fwd_range_str(char *buf, size_t len, unsigned int first,
				 unsigned int last)
{
	if (first == last)
		snprintf(buf, len, "%u", first);
	else
		snprintf(buf, len, "%u-%u", first, last);
	return buf;
}

/**
 * fwd_parse_port() - Parse one port number
 * @s:		Spec being parsed
 * @p:		Cursor, moved past the number on success
 * @port:	Port, set on success
 *
 * Return: 0, or -EINVAL (message in @s->errbuf)
 */
static int fwd_parse_port(const struct fwd_spec *s, const char **p,
			  uint16_t *port)
{
	const char *c = *p, *start;
	unsigned long v = 0;

	*port = 0;
	if (*c < '0' || *c > '9') {
		if (!*c || *c == ',')
			return fwd_err(s, -EINVAL, "port number missing");
		return fwd_err(s, -EINVAL, "expected a port number at '%s'",
			       c);
	}

	while (*c == '0')
		c++;
	for (start = c; *c >= '0' && *c <= '9'; c++) {
		/* Six digits or more are out of range anyway: stop counting */
		if (c - start < 6)
			v = v * 10 + (unsigned long)(*c - '0');
	}
	if (c - start >= 6 || v >= FWD_PORTS) {
		return fwd_err(s, -EINVAL,
			       "port %.*s is out of range (1-65535)",
			       (int)MIN(c - *p, 16), *p);
	}
	if (!v)
		return fwd_err(s, -EINVAL, "port 0 is not valid");

	*port = (uint16_t)v;
	*p = c;
	return 0;
}

/**
 * fwd_parse_range() - Parse N or N-M
 * @s:		Spec being parsed
 * @p:		Cursor, moved past the range on success
 * @first:	First port, set on success
 * @last:	Last port, set on success
 *
 * Return: 0, or -EINVAL (message in @s->errbuf)
 */
static int fwd_parse_range(const struct fwd_spec *s, const char **p,
			   uint16_t *first, uint16_t *last)
{
	int rc;

	if ((rc = fwd_parse_port(s, p, first)))
		return rc;
	*last = *first;

	if (**p != '-')
		return 0;
	(*p)++;
	if ((rc = fwd_parse_port(s, p, last)))
		return rc;
	if (*last < *first)
		return fwd_err(s, -EINVAL, "range is backwards");

	return 0;
}

/**
 * fwd_parse_word() - Check for a keyword entry ("all", "auto")
 * @p:		Cursor
 * @word:	Keyword
 *
 * Return: true if the entry at @p is exactly @word
 */
static bool fwd_parse_word(const char *p, const char *word)
{
	size_t len = strlen(word);

	return !strncmp(p, word, len) && (!p[len] || p[len] == ',');
}

/**
 * fwd_parse_include() - Parse N[-M][:X[-Y]] and record it
 * @s:		Spec being parsed
 * @p:		Cursor, moved past the entry on success
 *
 * Return: 0, or -EINVAL / -ENOSPC (message in @s->errbuf)
 */
static int fwd_parse_include(struct fwd_spec *s, const char **p)
{
	char a[16], b[16];
	struct fwd_range r;
	uint16_t to_last;
	unsigned int i;
	int rc;

	if ((rc = fwd_parse_range(s, p, &r.first, &r.last)))
		return rc;
	r.to = r.first;

	if (**p == ':') {
		(*p)++;
		if ((rc = fwd_parse_range(s, p, &r.to, &to_last)))
			return rc;
		if (to_last - r.to != r.last - r.first) {
			unsigned int nt = to_last - r.to + 1U;
			unsigned int nf = r.last - r.first + 1U;

			return fwd_err(s, -EINVAL,
				       "target range %s has %u port%s, "
				       "source %s has %u",
				       fwd_range_str(a, sizeof(a), r.to,
						     to_last),
				       nt, nt == 1 ? "" : "s",
				       fwd_range_str(b, sizeof(b), r.first,
						     r.last), nf);
		}
	}

	for (i = 0; i < s->n_inc; i++) {
		const struct fwd_range *o = &s->inc[i];

		if (r.first <= o->last && o->first <= r.last) {
			return fwd_err(s, -EINVAL, "ranges %s and %s overlap",
				       fwd_range_str(a, sizeof(a), o->first,
						     o->last),
				       fwd_range_str(b, sizeof(b), r.first,
						     r.last));
		}
	}

	if (s->n_inc >= ARRAY_SIZE(s->inc))
		return fwd_err(s, -EINVAL, "too many rules (at most %u)",
			       FWD_RULES_MAX);
	s->inc[s->n_inc++] = r;
	return 0;
}

/**
 * fwd_parse_ports() - Parse the comma-separated list of entries
 * @s:		Spec being parsed
 * @p:		The list
 *
 * Return: 0, or -EINVAL (message in @s->errbuf)
 */
static int fwd_parse_ports(struct fwd_spec *s, const char *p)
{
	bool all = false;
	int rc;

	if (!*p)
		return fwd_err(s, -EINVAL, "no ports given");
	if (strchr(p, '/')) {
		return fwd_err(s, -EINVAL,
			       "target addresses are not supported");
	}

	for (;;) {
		if (*p == ',' || !*p) {
			return fwd_err(s, -EINVAL,
				       "empty entry in the list of ports");
		}

		if (fwd_parse_word(p, "all")) {
			all = true;
			p += strlen("all");
		} else if (fwd_parse_word(p, "auto")) {
			s->flags |= PASST_FWD_AUTO;
			p += strlen("auto");
		} else if (fwd_parse_word(p, "none")) {
			return fwd_err(s, -EINVAL,
				       "'none' can't go with other entries");
		} else if (*p == '~') {
			uint16_t first, last;

			p++;
			if ((rc = fwd_parse_range(s, &p, &first, &last)))
				return rc;
			fwd_excl_set(s, first, last);
		} else if ((rc = fwd_parse_include(s, &p))) {
			return rc;
		}

		if (!*p)
			break;
		if (*p != ',')
			return fwd_err(s, -EINVAL, "unexpected '%s'", p);
		p++;
	}

	if (all && s->n_inc) {
		return fwd_err(s, -EINVAL,
			       "'all' covers every port: drop the ranges");
	}
	if (all)
		s->flags |= PASST_FWD_ALL;

	/* Only exclusions, "all" or "auto": every non-ephemeral port */
	if (!s->n_inc) {
		unsigned int min, max;

		fwd_ephemeral(&min, &max);
		fwd_excl_set(s, min, max);
		s->inc[s->n_inc++] = (struct fwd_range){ 1, FWD_PORTS - 1, 1 };
		if (!(s->flags & PASST_FWD_AUTO))
			s->flags |= PASST_FWD_ALL;
	}

	return 0;
}

/**
 * fwd_parse_addr() - Parse ADDR, %IF or ADDR%IF before the '/'
 * @s:		Spec being parsed
 * @p:		Start of the address part
 * @len:	Its length, up to the '/'
 *
 * Return: 0, or -EINVAL (message in @s->errbuf)
 */
static int fwd_parse_addr(struct fwd_spec *s, const char *p, size_t len)
{
	const char *pct = memchr(p, '%', len);
	size_t alen = pct ? (size_t)(pct - p) : len;
	char buf[INET6_ADDRSTRLEN + 2];
	const char *a = buf;
	struct in_addr a4;

	if (!len)
		return fwd_err(s, -EINVAL, "nothing before '/'");

	if (pct) {
		size_t iflen = len - alen - 1;
		size_t i;

		if (!iflen)
			return fwd_err(s, -EINVAL, "empty interface name");
		if (iflen >= PASST_IFNAME_MAX) {
			return fwd_err(s, -EINVAL,
				       "interface name '%.*s' is too long "
				       "(at most %u characters)",
				       (int)iflen, pct + 1,
				       PASST_IFNAME_MAX - 1);
		}
		for (i = 0; i < iflen; i++) {
			char c = pct[1 + i];

			if (c == ':' || c == '%' || c <= ' ' || c == 0x7f) {
				return fwd_err(s, -EINVAL,
					       "bad interface name '%.*s'",
					       (int)iflen, pct + 1);
			}
		}
		memcpy(s->ifname, pct + 1, iflen);
		s->ifname[iflen] = '\0';
	}

	if (!alen) {
		s->any_family = true;
		return 0;
	}

	if (alen >= sizeof(buf))
		goto bad;
	memcpy(buf, p, alen);
	buf[alen] = '\0';

	if (buf[0] == '[') {
		/* Brackets, as in URLs, for IPv6 only */
		if (alen < 3 || buf[alen - 1] != ']')
			goto bad;
		buf[alen - 1] = '\0';
		a++;
		if (inet_pton(AF_INET6, a, &s->addr.a6) != 1)
			goto bad;
		return 0;
	}

	if (inet_pton(AF_INET, a, &a4) == 1) {
		passt_inany_from_v4(&s->addr, a4);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &s->addr.a6) == 1)
		return 0;

bad:
	return fwd_err(s, -EINVAL, "bad address '%.*s'", (int)alen, p);
}

/**
 * fwd_spec_rules() - Turn include ranges into rules, splitting exclusions
 * @s:		Spec being parsed
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @from:	pif where connections arrive
 *
 * Return: 0, or -EINVAL for more rules than a table holds
 */
static int fwd_spec_rules(struct fwd_spec *s, uint8_t proto, uint8_t from)
{
	unsigned int i;

	for (i = 0; i < s->n_inc; i++) {
		const struct fwd_range *r = &s->inc[i];
		unsigned int p = r->first;

		for (;;) {
			struct passt_fwd_rule *rule;
			unsigned int end;

			p = fwd_excl_next(s, p, r->last, false);
			if (p > r->last)
				break;
			end = fwd_excl_next(s, p, r->last, true) - 1;

			if (s->n_rules >= ARRAY_SIZE(s->rules)) {
				return fwd_err(s, -EINVAL,
					       "too many rules (at most %u)",
					       FWD_RULES_MAX);
			}
			rule = &s->rules[s->n_rules++];
			memset(rule, 0, sizeof(*rule));
			rule->proto = proto;
			rule->from = from;
			rule->flags = s->flags;
			rule->any_family = s->any_family;
			rule->first = (uint16_t)p;
			rule->last = (uint16_t)end;
			rule->to = (uint16_t)(r->to + (p - r->first));
			rule->addr = s->addr;
			memcpy(rule->ifname, s->ifname, sizeof(rule->ifname));

			p = end + 1;
		}
	}

	if (!s->n_rules)
		return fwd_err(s, -EINVAL, "every port is excluded");

	return 0;
}

/**
 * fwd_rule_same_socket() - Whether two rules listen on the same address
 * @a:		Rule
 * @b:		Other rule
 *
 * Return: true if protocol, pif, address and interface are all the same
 */
static bool fwd_rule_same_socket(const struct passt_fwd_rule *a,
				 const struct passt_fwd_rule *b)
{
	return a->proto == b->proto && a->from == b->from &&
	       a->any_family == b->any_family &&
	       !memcmp(&a->addr, &b->addr, sizeof(a->addr)) &&
	       !strncmp(a->ifname, b->ifname, sizeof(a->ifname));
}

/**
 * fwd_parse_spec() - Parse a -t/-u port spec and append its rules
 * @t:		Table to append to
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @from:	pif where connections arrive (PASST_PIF_HOST, _SPLICE)
 * @spec:	[ADDR[%IF]/]PORTS, or "none": see the top of this file
 * @errbuf:	Buffer for a one-line error message, may be NULL if @errlen
 *		is 0
 * @errlen:	Size of @errbuf: nothing is written past it
 *
 * Return: 0, -EINVAL for a bad spec, -ENOSPC if its rules don't fit in the
 *	   table; on error @t is left as it was
 */
int fwd_parse_spec(struct fwd_table *t, uint8_t proto, uint8_t from,
		   const char *spec, char *errbuf, size_t errlen)
{
	struct fwd_spec s;
	unsigned int i, j, used;
	const char *slash;
	int rc;

	memset(&s, 0, sizeof(s));
	s.spec = spec ? spec : "";
	s.errbuf = errbuf;
	s.errlen = errlen;
	if (errbuf && errlen)
		errbuf[0] = '\0';

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return fwd_err(&s, -EINVAL, "protocol %u is not TCP or UDP",
			       proto);
	if (from == PASST_PIF_NONE)
		return fwd_err(&s, -EINVAL, "no interface to forward from");

	if (!strcmp(s.spec, "none"))
		return 0;
	if (!*s.spec)
		return fwd_err(&s, -EINVAL, "empty");

	slash = strchr(s.spec, '/');
	if (slash) {
		rc = fwd_parse_addr(&s, s.spec, (size_t)(slash - s.spec));
		if (rc)
			return rc;
		if (!strcmp(slash + 1, "none")) {
			return fwd_err(&s, -EINVAL,
				       "'none' can't have an address");
		}
	} else {
		s.any_family = true;
	}

	rc = fwd_parse_ports(&s, slash ? slash + 1 : s.spec);
	if (rc)
		return rc;
	rc = fwd_spec_rules(&s, proto, from);
	if (rc)
		return rc;

	/* The same port twice on one socket address can't both be bound */
	for (i = 0; i < t->n && i < FWD_RULES_MAX; i++) {
		const struct passt_fwd_rule *o = &t->rules[i];

		if (t->gone[i])
			continue;
		for (j = 0; j < s.n_rules; j++) {
			const struct passt_fwd_rule *r = &s.rules[j];
			unsigned int f, l;
			char a[16];

			if (!fwd_rule_same_socket(o, r) ||
			    r->first > o->last || o->first > r->last)
				continue;

			f = MAX(r->first, o->first);
			l = MIN(r->last, o->last);
			return fwd_err(&s, -EINVAL,
				       "port%s %s %s already forwarded",
				       f == l ? "" : "s",
				       fwd_range_str(a, sizeof(a), f, l),
				       f == l ? "is" : "are");
		}
	}

	used = t->n < FWD_RULES_MAX ? t->n : FWD_RULES_MAX;
	if (s.n_rules > FWD_RULES_MAX - used) {
		return fwd_err(&s, -ENOSPC,
			       "too many rules: %u needed, %u of %u free",
			       s.n_rules, FWD_RULES_MAX - used, FWD_RULES_MAX);
	}

	memcpy(&t->rules[used], s.rules, sizeof(s.rules[0]) * s.n_rules);
	memset(&t->gone[used], 0, sizeof(t->gone[0]) * s.n_rules);
	t->n = used + s.n_rules;
	return 0;
}

/**
 * fwd_addr_match() - Whether an address is one a rule listens on
 * @r:		Rule
 * @addr:	Address, NULL or :: for any
 *
 * Return: true if @r listens on @addr: its own address, or any address of
 *	   both families (no address given), of IPv4 (0.0.0.0), of IPv6 (::)
 */
static bool fwd_addr_match(const struct passt_fwd_rule *r,
			   const union passt_inany *addr)
{
	const struct in_addr *r4 = passt_inany_v4(&r->addr);

	if (!addr || IN6_IS_ADDR_UNSPECIFIED(&addr->a6) || r->any_family)
		return true;
	if (!memcmp(&r->addr, addr, sizeof(*addr)))
		return true;
	if (r4)
		return r4->s_addr == htonl(INADDR_ANY) && passt_inany_v4(addr);
	return IN6_IS_ADDR_UNSPECIFIED(&r->addr.a6) && !passt_inany_v4(addr);
}

/**
 * fwd_lookup() - Find the rule for a port arriving on a pif
 * @t:		Table
 * @pif:	pif the connection or datagram arrived on
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Address it was sent to, NULL for any (see fwd_addr_match())
 * @port:	Port it was sent to
 *
 * Tombstones (rules a reload removed) never match.
 *
 * Return: index of the first matching rule, or -ENOENT
 */
int fwd_lookup(const struct fwd_table *t, uint8_t pif, uint8_t proto,
	       const union passt_inany *addr, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < t->n && i < FWD_RULES_MAX; i++) {
		const struct passt_fwd_rule *r = &t->rules[i];

		if (t->gone[i])
			continue;
		if (r->from == pif && r->proto == proto &&
		    r->first <= port && port <= r->last &&
		    fwd_addr_match(r, addr))
			return (int)i;
	}

	return -ENOENT;
}

/**
 * fwd_rule() - Rule by index
 * @t:		Table
 * @idx:	Index, as from fwd_lookup() or PASST_FWD_REF_RULE()
 *
 * Return: the rule, a tombstone included (see fwd_merge()), or NULL if
 *	   @idx was never used
 */
const struct passt_fwd_rule *fwd_rule(const struct fwd_table *t,
				      unsigned int idx)
{
	return idx < t->n && idx < FWD_RULES_MAX ? &t->rules[idx] : NULL;
}

/**
 * fwd_rule_live() - Whether a slot holds a rule in force
 * @t:		Table
 * @idx:	Index
 *
 * Return: true for a rule, false for a tombstone or a slot never used
 */
bool fwd_rule_live(const struct fwd_table *t, unsigned int idx)
{
	return idx < t->n && idx < FWD_RULES_MAX && !t->gone[idx];
}

/**
 * fwd_rule_same() - Whether two rules are the same rule
 * @a:		Rule
 * @b:		Other rule
 *
 * Return: true if every setting is equal: same sockets, same target ports
 */
bool fwd_rule_same(const struct passt_fwd_rule *a,
		   const struct passt_fwd_rule *b)
{
	return fwd_rule_same_socket(a, b) && a->flags == b->flags &&
	       a->first == b->first && a->last == b->last && a->to == b->to;
}

/**
 * fwd_merge_slot() - Slot for a rule a reload adds
 * @out:	Table being built
 * @r:		The rule
 *
 * Its own tombstone, if it comes back unchanged: whoever still holds that
 * index finds the same rule. Else a slot never used; else the oldest
 * tombstone of an earlier reload (not of this one: the sockets of those
 * are being closed with their index in their events).
 *
 * Return: index, or -ENOSPC
 */
static int fwd_merge_slot(const struct fwd_table *out,
			  const struct passt_fwd_rule *r)
{
	unsigned int i;
	int oldest = -1;

	for (i = 0; i < out->n; i++)
		if (out->gone[i] && out->gone[i] != out->gen &&
		    fwd_rule_same(&out->rules[i], r))
			return (int)i;
	if (out->n < FWD_RULES_MAX)
		return (int)out->n;
	for (i = 0; i < out->n; i++) {
		if (!out->gone[i] || out->gone[i] == out->gen)
			continue;
		if (oldest < 0 || out->gone[i] < out->gone[oldest])
			oldest = (int)i;
	}
	return oldest >= 0 ? oldest : -ENOSPC;
}

/**
 * fwd_merge() - Fold a reloaded table into the running one
 * @cur:	Running table
 * @next:	Table parsed from the file again (no tombstones)
 * @out:	Result: @cur with @next's rules, indices kept (see the top of
 *		this file); may not be @cur or @next
 * @d:		Filled with what changed: removed rules (tombstones in
 *		@out) and added ones, by index
 *
 * Return: 0, or -ENOSPC if the added rules don't fit beside the running
 *	   ones and the tombstones of this reload (@out is then unusable)
 */
int fwd_merge(const struct fwd_table *cur, const struct fwd_table *next,
	      struct fwd_table *out, struct fwd_diff *d)
{
	bool matched[FWD_RULES_MAX] = { false };
	unsigned int i, j;

	memcpy(out, cur, sizeof(*out));
	memset(d, 0, sizeof(*d));
	out->gen = cur->gen + 1;

	for (i = 0; i < cur->n && i < FWD_RULES_MAX; i++) {
		if (cur->gone[i])
			continue;
		for (j = 0; j < next->n && j < FWD_RULES_MAX; j++) {
			if (!matched[j] && !next->gone[j] &&
			    fwd_rule_same(&cur->rules[i], &next->rules[j]))
				break;
		}
		if (j < next->n && j < FWD_RULES_MAX) {
			matched[j] = true;
			d->n_kept++;
			continue;
		}
		out->gone[i] = out->gen;
		d->removed[d->n_removed++] = (uint8_t)i;
	}

	for (j = 0; j < next->n && j < FWD_RULES_MAX; j++) {
		int k;

		if (matched[j] || next->gone[j])
			continue;
		k = fwd_merge_slot(out, &next->rules[j]);
		if (k < 0)
			return k;
		out->rules[k] = next->rules[j];
		out->gone[k] = 0;
		if ((unsigned int)k == out->n)
			out->n++;
		d->added[d->n_added++] = (uint8_t)k;
	}
	return 0;
}

/**
 * fwd_target_port() - Port a port of a rule's range is forwarded to
 * @r:		Rule
 * @port:	Port, between @r->first and @r->last
 *
 * Return: the port on the other side, keeping the offset in the range
 */
uint16_t fwd_target_port(const struct passt_fwd_rule *r, uint16_t port)
{
	return (uint16_t)(r->to + (uint16_t)(port - r->first));
}

/**
 * fwd_fmt() - Append to a buffer, snprintf() style
 * @buf:	Buffer
 * @len:	Size of @buf
 * @pos:	Length written so far (may exceed @len), updated
 * @fmt:	Format, then its arguments
 */
__attribute__((format(printf, 4, 5)))
static void fwd_fmt(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (*pos < len)
		n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);

	if (n > 0)
		*pos += (size_t)n;
}

/**
 * fwd_rule_fmt() - Describe a rule in one line, for --check-config
 * @r:		Rule
 * @buf:	Buffer, may be NULL if @len is 0
 * @len:	Size of @buf; the text is truncated to fit, NUL-terminated
 *
 * The format is: PROTO PIF [ADDR][%IF/]FIRST[-LAST] -> TO[-TOLAST][ FLAGS]
 * PROTO is "tcp" or "udp"; PIF is the pif's name (or "pif N"); ADDR is
 * left out when the rule listens on both families, an IPv4 address is
 * dotted, IPv6 as inet_ntop() writes it (no brackets); a single port has
 * no "-LAST"; FLAGS is "(all)", "(auto)" or "(all, auto)". For example:
 *	tcp host 80-81 -> 8080-8081
 *	udp splice 127.0.0.1%lo/53 -> 5353
 *	tcp host 1-32767 -> 1-32767 (all)
 *
 * Return: length of the whole line, as snprintf() counts it
 */
size_t fwd_rule_fmt(const struct passt_fwd_rule *r, char *buf, size_t len)
{
	const struct in_addr *a4 = passt_inany_v4(&r->addr);
	const char *pif = pif_name(r->from);
	char fr[16], tr[16];
	size_t pos = 0;

	if (buf && len)
		buf[0] = '\0';
	else
		len = 0;

	if (r->proto == IPPROTO_TCP)
		fwd_fmt(buf, len, &pos, "tcp ");
	else if (r->proto == IPPROTO_UDP)
		fwd_fmt(buf, len, &pos, "udp ");
	else
		fwd_fmt(buf, len, &pos, "proto %u ", r->proto);

	if (pif)
		fwd_fmt(buf, len, &pos, "%s ", pif);
	else
		fwd_fmt(buf, len, &pos, "pif %u ", r->from);

	if (!r->any_family) {
		char a[INET6_ADDRSTRLEN];

		if (a4)
			inet_ntop(AF_INET, a4, a, sizeof(a));
		else
			inet_ntop(AF_INET6, &r->addr.a6, a, sizeof(a));
		fwd_fmt(buf, len, &pos, "%s", a);
	}
	if (r->ifname[0]) {
		fwd_fmt(buf, len, &pos, "%%%.*s", PASST_IFNAME_MAX - 1,
			r->ifname);
	}
	if (!r->any_family || r->ifname[0])
		fwd_fmt(buf, len, &pos, "/");

	fwd_fmt(buf, len, &pos, "%s -> %s",
		fwd_range_str(fr, sizeof(fr), r->first, r->last),
		fwd_range_str(tr, sizeof(tr), r->to,
			      (uint16_t)(r->to + (r->last - r->first))));

	if ((r->flags & PASST_FWD_ALL) && (r->flags & PASST_FWD_AUTO))
		fwd_fmt(buf, len, &pos, " (all, auto)");
	else if (r->flags & PASST_FWD_ALL)
		fwd_fmt(buf, len, &pos, " (all)");
	else if (r->flags & PASST_FWD_AUTO)
		fwd_fmt(buf, len, &pos, " (auto)");

	return pos;
}

/**
 * fwd_listen_where() - Describe a rule's listening address for messages
 * @r:		Rule
 * @buf:	Buffer
 * @len:	Size of @buf
 *
 * Return: @buf: "" for any address on any interface, else " on ADDR%IF"
 */
static const char *fwd_listen_where(const struct passt_fwd_rule *r,
				    char *buf, size_t len)
{
	const struct in_addr *a4 = passt_inany_v4(&r->addr);
	char a[INET6_ADDRSTRLEN] = "";

	if (!r->any_family) {
		if (a4)
			inet_ntop(AF_INET, a4, a, sizeof(a));
		else
			inet_ntop(AF_INET6, &r->addr.a6, a, sizeof(a));
	}

	if (!a[0] && !r->ifname[0])
		buf[0] = '\0';
	else
		snprintf(buf, len, " on %s%s%.*s", a, r->ifname[0] ? "%" : "",
			 PASST_IFNAME_MAX - 1, r->ifname);
	return buf;
}

/**
 * fwd_listen_family() - Address family of a rule's sockets
 * @r:		Rule
 * @ip4:	IPv4 is enabled
 * @ip6:	IPv6 is enabled
 * @v6only:	Set to the IPV6_V6ONLY value for AF_INET6
 *
 * Return: AF_INET, AF_INET6, or AF_UNSPEC if the rule's family is disabled
 */
static int fwd_listen_family(const struct passt_fwd_rule *r, bool ip4,
			     bool ip6, int *v6only)
{
	*v6only = 1;

	if (r->any_family) {
		/* One dual-stack socket covers both families */
		*v6only = !ip4;
		return ip6 ? AF_INET6 : ip4 ? AF_INET : AF_UNSPEC;
	}
	if (passt_inany_v4(&r->addr))
		return ip4 ? AF_INET : AF_UNSPEC;
	return ip6 ? AF_INET6 : AF_UNSPEC;
}

/**
 * fwd_socket() - Make a non-blocking, close-on-exec socket
 * @mksock:	Makes the socket, or NULL for socket(2)
 * @opaque:	Passed to @mksock
 * @af:		Address family
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: socket, or -errno
 */
static int fwd_socket(fwd_socket_fn mksock, void *opaque, int af, int type,
		      int proto)
{
	int fd;

	type |= SOCK_NONBLOCK | SOCK_CLOEXEC;
	if (mksock)
		return mksock(opaque, af, type, proto);
	fd = socket(af, type, proto);
	return fd < 0 ? -errno : fd;
}

/**
 * struct fwd_bind - One socket a rule gets for each of its ports
 * @r:		Rule as bound: the table's, or a copy with a loopback
 *		address
 * @af:		AF_INET or AF_INET6
 * @v6only:	IPV6_V6ONLY value, for AF_INET6
 * @optional:	Quietly skipped if the address family or address is missing
 */
struct fwd_bind {
	struct passt_fwd_rule r;
	int af;
	int v6only;
	bool optional;
};

/**
 * fwd_listen_binds() - Sockets a rule gets per port, and where they bind
 * @r:		Rule
 * @pif:	pif the rule is from
 * @ip4:	IPv4 is enabled
 * @ip6:	IPv6 is enabled
 * @b:		Filled with up to two entries
 *
 * Rules from the splice pif (the guest namespace's loopback) without an
 * address listen on 127.0.0.1 and ::1 there, not on every address as the
 * host's do: what the guest reaches at its own loopback is the host's
 * loopback, and the guest's other addresses stay its own (a server of the
 * guest's on its tap address keeps its port). IPv6 may be missing there
 * (disabled on loopback): ::1 is then skipped if 127.0.0.1 was bound.
 *
 * Return: number of entries, 0 if the rule's family is disabled
 */
static unsigned int fwd_listen_binds(const struct passt_fwd_rule *r,
				     uint8_t pif, bool ip4, bool ip6,
				     struct fwd_bind b[2])
{
	if (pif == PASST_PIF_SPLICE && r->any_family) {
		unsigned int n = 0;

		if (ip4) {
			struct in_addr lo = { htonl(INADDR_LOOPBACK) };

			b[n].r = *r;
			b[n].r.any_family = 0;
			passt_inany_from_v4(&b[n].r.addr, lo);
			b[n].af = AF_INET;
			b[n].v6only = 1;
			b[n].optional = false;
			n++;
		}
		if (ip6) {
			b[n].r = *r;
			b[n].r.any_family = 0;
			b[n].r.addr.a6 = in6addr_loopback;
			b[n].af = AF_INET6;
			b[n].v6only = 1;
			b[n].optional = n > 0;
			n++;
		}
		return n;
	}

	b[0].r = *r;
	b[0].af = fwd_listen_family(r, ip4, ip6, &b[0].v6only);
	b[0].optional = false;
	return b[0].af == AF_UNSPEC ? 0 : 1;
}

/**
 * fwd_listen_sock() - Open, bind (and for TCP, listen) one socket
 * @r:		Rule
 * @af:		AF_INET or AF_INET6, from fwd_listen_family()
 * @v6only:	IPV6_V6ONLY value, for AF_INET6
 * @ip4:	IPv4 is enabled (for the fallback if IPv6 is unavailable)
 * @port:	Port
 * @mksock:	Makes the socket, or NULL for socket(2)
 * @opaque:	Passed to @mksock
 * @what:	Set on failure to the step that failed, for messages
 *
 * Return: socket, or -errno
 *
 * After the sandbox only for a reload: see fwd_listen_rules().
 */
static int fwd_listen_sock(const struct passt_fwd_rule *r, int af,
			   int v6only, bool ip4, uint16_t port,
			   fwd_socket_fn mksock, void *opaque,
			   const char **what)
{
	int type = r->proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	const struct in_addr *a4 = passt_inany_v4(&r->addr);
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sa4 = { .sin_family = AF_INET };
	const struct sockaddr *sa;
	socklen_t salen;
	int one = 1, fd, ret;

	*what = "open a socket";
	fd = fwd_socket(mksock, opaque, af, type, r->proto);
	if (fd == -EAFNOSUPPORT && af == AF_INET6 && r->any_family && ip4) {
		/* IPv6 is disabled in the kernel: IPv4 alone will do */
		af = AF_INET;
		fd = fwd_socket(mksock, opaque, af, type, r->proto);
	}
	if (fd < 0)
		return fd;

	*what = "set socket options";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	if (af == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)))
		goto fail;

	*what = "bind to the interface";
	if (r->ifname[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, r->ifname,
		       (socklen_t)strnlen(r->ifname, sizeof(r->ifname))))
		goto fail;

	if (af == AF_INET) {
		if (a4)
			sa4.sin_addr = *a4;
		sa4.sin_port = htons(port);
		sa = (const struct sockaddr *)&sa4;
		salen = sizeof(sa4);
	} else {
		if (!r->any_family)
			sa6.sin6_addr = r->addr.a6;
		sa6.sin6_port = htons(port);
		sa = (const struct sockaddr *)&sa6;
		salen = sizeof(sa6);
	}

	*what = "bind";
	if (bind(fd, sa, salen))
		goto fail;
	/* With SO_REUSEADDR, a port taken by a bound, not yet listening TCP
	 * socket only fails here: it's the same failure as for bind()
	 */
	if (type == SOCK_STREAM && listen(fd, FWD_LISTEN_BACKLOG))
		goto fail;

	return fd;

fail:
	ret = -errno;
	close(fd);
	return ret;
}

/**
 * fwd_listen() - Open the listening sockets for a pif's rules
 * @t:		Table
 * @pif:	pif whose rules to open (PASST_PIF_HOST, _SPLICE)
 * @ip4:	IPv4 is enabled
 * @ip6:	IPv6 is enabled
 * @mksock:	Makes each socket (in another network namespace, say), or
 *		NULL for socket(2)
 * @cb:		Called with each socket: it owns the socket from then on
 * @opaque:	Passed to @mksock and @cb
 * @errbuf:	Buffer for a one-line error message, may be NULL if @errlen
 *		is 0
 * @errlen:	Size of @errbuf
 *
 * Return: see fwd_listen_rules()
 */
int fwd_listen(const struct fwd_table *t, uint8_t pif, bool ip4, bool ip6,
	       fwd_socket_fn mksock, fwd_listen_cb cb, void *opaque,
	       char *errbuf, size_t errlen)
{
	return fwd_listen_rules(t, pif, NULL, 0, ip4, ip6, mksock, cb, opaque,
				errbuf, errlen);
}

/**
 * fwd_listen_rules() - Open the listening sockets for some of a pif's rules
 * @t:		Table
 * @pif:	pif whose rules to open (PASST_PIF_HOST, _SPLICE)
 * @idx:	Indices of the rules to open (others, and those of other
 *		pifs, are left alone), or NULL for every rule
 * @n_idx:	Number of entries in @idx
 * @ip4:	IPv4 is enabled
 * @ip6:	IPv6 is enabled
 * @mksock:	Makes each socket (in another network namespace, say), or
 *		NULL for socket(2)
 * @cb:		Called with each socket: it owns the socket from then on
 * @opaque:	Passed to @mksock and @cb
 * @errbuf:	Buffer for a one-line error message, may be NULL if @errlen
 *		is 0
 * @errlen:	Size of @errbuf
 *
 * Each port of each rule from @pif gets its own socket, except rules from
 * "auto", which a scan opens port by port. A rule without an address gets
 * one dual-stack IPv6 socket (IPv4 alone if IPv6 is disabled), an IPv4
 * address an IPv4 socket and an IPv6 address an IPv6-only one; a rule
 * whose family is disabled gets none; rules from the splice pif without
 * an address listen on loopback instead (see fwd_listen_binds()). Ports
 * of "all" rules that can't be bound are skipped with a debug line, as
 * passt does, unless not one of them could be bound for a protocol.
 *
 * Tombstones get no sockets.
 *
 * Return: 0, or -errno; sockets handed to @cb before the error stay with
 *	   the caller
 *
 * At start-up, and on a reload only when the file could be read again:
 * the system calls are in the reload list of core/reload.c, added to the
 * seccomp filter only then.
 */
int fwd_listen_rules(const struct fwd_table *t, uint8_t pif,
		     const uint8_t *idx, size_t n_idx, bool ip4, bool ip6,
		     fwd_socket_fn mksock, fwd_listen_cb cb, void *opaque,
		     char *errbuf, size_t errlen)
{
	/* Per protocol (TCP, UDP), for "all" rules: tried, bound, error */
	unsigned int all_tried[2] = { 0 }, all_bound[2] = { 0 };
	char where[INET6_ADDRSTRLEN + PASST_IFNAME_MAX + 8];
	size_t n = idx ? n_idx : MIN(t->n, FWD_RULES_MAX), x;
	int all_err[2] = { 0 };
	unsigned int i, k;

	if (!errbuf)
		errlen = 0;
	if (errlen)
		errbuf[0] = '\0';

	for (x = 0; x < n; x++) {
		const struct passt_fwd_rule *r;
		const char *proto;
		struct fwd_bind b[2];
		unsigned int port, nb, j;
		bool all;

		i = idx ? idx[x] : (unsigned int)x;
		if (!fwd_rule_live(t, i))
			continue;
		r = &t->rules[i];
		proto = r->proto == IPPROTO_TCP ? "tcp" : "udp";
		all = r->flags & PASST_FWD_ALL;
		if (r->from != pif || (r->flags & PASST_FWD_AUTO))
			continue;
		nb = fwd_listen_binds(r, pif, ip4, ip6, b);
		if (!nb) {
			fwd_listen_where(r, where, sizeof(where));
			debug("%s ports %u-%u%s: IP version disabled, skipped",
			      proto, r->first, r->last, where);
			continue;
		}
		k = r->proto == IPPROTO_TCP ? 0 : 1;

		for (port = r->first; port <= r->last; port++) {
			for (j = 0; j < nb; j++) {
				const char *what;
				int fd, rc;

				fwd_listen_where(&b[j].r, where, sizeof(where));
				fd = fwd_listen_sock(&b[j].r, b[j].af,
						     b[j].v6only, ip4,
						     (uint16_t)port, mksock,
						     opaque, &what);
				if (fd < 0 && b[j].optional &&
				    (fd == -EAFNOSUPPORT ||
				     fd == -EADDRNOTAVAIL)) {
					debug("%s port %u%s: skipped: %s",
					      proto, port, where,
					      strerror(-fd));
					continue;
				}
				if (all)
					all_tried[k]++;

				/* Ports bound by others: expected, for all */
				if (fd < 0 && all && !strcmp(what, "bind")) {
					debug("%s port %u%s: not forwarded: %s",
					      proto, port, where,
					      strerror(-fd));
					all_err[k] = fd;
					continue;
				}
				if (fd < 0) {
					if (errlen)
						snprintf(errbuf, errlen,
							 "%s port %u%s: "
							 "cannot %s: %s",
							 proto, port, where,
							 what, strerror(-fd));
					return fd;
				}
				if (all)
					all_bound[k]++;

				rc = cb(opaque, fd, i, (uint16_t)port);
				if (rc < 0) {
					close(fd);
					if (errlen)
						snprintf(errbuf, errlen,
							 "%s port %u%s: %s",
							 proto, port, where,
							 strerror(-rc));
					return rc;
				}
			}
		}
	}

	for (k = 0; k < 2; k++) {
		if (!all_tried[k] || all_bound[k])
			continue;
		if (errlen)
			snprintf(errbuf, errlen,
				 "%s: 'all': no port could be bound, "
				 "last error: %s",
				 k ? "udp" : "tcp", strerror(-all_err[k]));
		return all_err[k];
	}

	return 0;
}
