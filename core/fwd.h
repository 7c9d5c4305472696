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
 * @n:		Number of rules in use
 * @rules:	Rules, in the order they were parsed
 */
struct fwd_table {
	unsigned int n;
	struct passt_fwd_rule rules[FWD_RULES_MAX];
};

int fwd_parse_spec(struct fwd_table *t, uint8_t proto, uint8_t from,
		   const char *spec, char *errbuf, size_t errlen);
int fwd_lookup(const struct fwd_table *t, uint8_t pif, uint8_t proto,
	       const union passt_inany *addr, uint16_t port);
const struct passt_fwd_rule *fwd_rule(const struct fwd_table *t,
				      unsigned int idx);
uint16_t fwd_target_port(const struct passt_fwd_rule *r, uint16_t port);
size_t fwd_rule_fmt(const struct passt_fwd_rule *r, char *buf, size_t len);

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

#endif /* FWD_H */
