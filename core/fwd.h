/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwd.h - The unified forwarding table and passt's port spec syntax */

#ifndef FWD_H
#define FWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <passt/module.h>

#define FWD_RULES_MAX	256	/* rule index fits PASST_FWD_REF() */

/**
 * struct fwd_table - Every forwarding rule, for all pifs and protocols
 * @n:		Number of slots in use: rules, and tombstones of rules a
 *		reload removed
 * @gen:	Reloads applied to the table (fwd_merge())
 * @rules:	Rules, in the order they were parsed, then in the slots
 *		reloads gave them
 * @gone:	0 for a rule in force, else the @gen that removed it: a
 *		tombstone, still answering fwd_rule() for whoever holds its
 *		index (PASST_FWD_REF()), skipped by lookups and sockets
 */
struct fwd_table {
	unsigned int n;
	uint32_t gen;
	struct passt_fwd_rule rules[FWD_RULES_MAX];
	uint32_t gone[FWD_RULES_MAX];
};

/**
 * struct fwd_diff - What fwd_merge() changed
 * @n_kept:	Rules in both tables: same index, same sockets
 * @n_removed:	Rules only in the running table, now tombstones
 * @n_added:	Rules only in the new table
 * @removed:	Indices of the removed rules
 * @added:	Indices the added rules got
 */
struct fwd_diff {
	unsigned int n_kept;
	unsigned int n_removed;
	unsigned int n_added;
	uint8_t removed[FWD_RULES_MAX];
	uint8_t added[FWD_RULES_MAX];
};

int fwd_parse_spec(struct fwd_table *t, uint8_t proto, uint8_t from,
		   const char *spec, char *errbuf, size_t errlen);
int fwd_lookup(const struct fwd_table *t, uint8_t pif, uint8_t proto,
	       const union passt_inany *addr, uint16_t port);
const struct passt_fwd_rule *fwd_rule(const struct fwd_table *t,
				      unsigned int idx);
uint16_t fwd_target_port(const struct passt_fwd_rule *r, uint16_t port);
size_t fwd_rule_fmt(const struct passt_fwd_rule *r, char *buf, size_t len);
bool fwd_rule_live(const struct fwd_table *t, unsigned int idx);
bool fwd_rule_same(const struct passt_fwd_rule *a,
		   const struct passt_fwd_rule *b);
int fwd_merge(const struct fwd_table *cur, const struct fwd_table *next,
	      struct fwd_table *out, struct fwd_diff *d);

/**
 * typedef fwd_listen_cb - Called for each listening socket opened
 * @opaque:	Caller's pointer
 * @fd:		Socket, bound (and listening, for TCP), non-blocking
 * @rule:	Index of the rule in the table
 * @port:	Port the socket is bound to
 *
 * Return: 0, or -errno to stop (the socket is then closed by the caller)
 */
typedef int (*fwd_listen_cb)(void *opaque, int fd, unsigned int rule,
			     uint16_t port);

/**
 * typedef fwd_socket_fn - Makes the listening sockets, instead of socket(2)
 * @opaque:	Caller's pointer (the same as fwd_listen_cb's)
 * @domain:	socket(2) domain
 * @type:	socket(2) type, with SOCK_NONBLOCK and SOCK_CLOEXEC
 * @protocol:	socket(2) protocol
 *
 * Return: socket, or -errno
 */
typedef int (*fwd_socket_fn)(void *opaque, int domain, int type,
			     int protocol);

int fwd_listen(const struct fwd_table *t, uint8_t pif, bool ip4, bool ip6,
	       fwd_socket_fn mksock, fwd_listen_cb cb, void *opaque,
	       char *errbuf, size_t errlen);
int fwd_listen_rules(const struct fwd_table *t, uint8_t pif,
		     const uint8_t *idx, size_t n_idx, bool ip4, bool ip6,
		     fwd_socket_fn mksock, fwd_listen_cb cb, void *opaque,
		     char *errbuf, size_t errlen);

#endif /* FWD_H */
