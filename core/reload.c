// SPDX-License-Identifier: GPL-2.0-or-later
/* reload.c - Forwarding sockets, and the live reload on SIGHUP
 *
 * The listening sockets of the forwarding table are opened here, at
 * start-up and on a reload, and each is remembered with its rule and port,
 * so that a reload can close the sockets of exactly the rules it removes.
 *
 * Theory of Operation
 * ===================
 *
 * SIGHUP re-reads the configuration file and applies what can change while
 * flows run: the forwarding table (new listening sockets opened, those of
 * removed rules closed), busy_poll_us and the log level. Everything else (backend,
 * modules, sandbox, addresses, module groups...) was used to open what the
 * sandbox now keeps us from opening again: a setting of those that the
 * file changed gets one warning line, "ignored until restart".
 *
 * Reading the file: after pivot_root() no path leads to it, so
 * reload_prepare() keeps its directory open (O_PATH) before the sandbox,
 * and the file is read with openat() on that descriptor: an editor that
 * replaces the file (a new inode, renamed over the old one) is fine. The
 * file must be readable by the user the sandbox runs as.
 *
 * Applying it, all or nothing: the file is parsed into a new configuration
 * (conf_reload(): nothing exits, nothing asks the host) and its rules are
 * checked against the loaded modules; fwd_merge() then folds the new table
 * into the running one, keeping indices (flows and events hold them:
 * PASST_FWD_REF()). Sockets of removed rules are closed first, as a rule
 * whose target changed listens on the same port as its old self; the
 * owning module gets one last on_fd() with EPOLLHUP alone before each is
 * closed, to forget it (UDP flows share the listening socket). New rules
 * then get their sockets; if any can't be had (a port taken), the new ones
 * are closed, the removed ones opened again and the running table stays:
 * one error line, and forwarding goes on as before. Established flows are
 * never touched: TCP connections own their sockets.
 *
 * A bad file (syntax, a bad value, an unknown setting, a rule for a module
 * that is not loaded) is one error line naming file and line, and the
 * running configuration stays.
 *
 * System calls: reading the file (openat, read) and parsing it (libconfig
 * allocates: brk, mmap, mremap, munmap), and opening listening sockets
 * (socket, setsockopt, bind, listen) happen inside the sandbox only here.
 * They are listed in reload_syscalls(), which adds them to the filter only
 * when there is a file to reload (and the sockets only with a tcp or udp
 * module), rather than in '#syscalls' lines that would add them always.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "conf.h"
#include "fwd.h"
#include "log.h"
#include "loop.h"
#include "modload.h"
#include "reload.h"
#include "stats.h"
#include "util.h"

#define RELOAD_FILE_MAX	(1UL << 20)	/* bytes of a config file, at most */

/**
 * struct reload_sock - A listening socket of a forwarding rule
 * @fd:		Socket
 * @rule:	Rule index
 * @port:	Port it listens on
 */
struct reload_sock {
	int fd;
	uint16_t rule;
	uint16_t port;
};

static struct reload_sock *reload_socks;
static size_t reload_socks_n, reload_socks_cap;

/* Directory of the configuration file, and its name there */
static int reload_dirfd = -1;
static char reload_name[NAME_MAX + 1];

/* What a reload does inside the sandbox: see the top of this file */
static const char *const reload_file_syscalls[] = {
	"openat", "read", "close", "brk", "mmap", "mremap", "munmap",
};
static const char *const reload_sock_syscalls[] = {
	"socket", "setsockopt", "bind", "listen",
};

/**
 * reload_proto_mod() - The module that takes a protocol's listening sockets
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: the "tcp" or "udp" module, or NULL if it is not loaded
 */
static struct passt_mod *reload_proto_mod(uint8_t proto)
{
	return modload_by_name(proto == IPPROTO_TCP ? "tcp" : "udp");
}

/**
 * reload_check_forward() - Every rule needs its protocol module, and
 *			    from = "guest" ones a backend with a namespace
 * @c:		Configuration (for the file name in messages)
 * @t:		Forwarding table to check
 * @errbuf:	Buffer for the one line saying what is wrong
 * @errlen:	Its size
 *
 * Return: 0, or -ENOPROTOOPT
 */
int reload_check_forward(const struct conf *c, const struct fwd_table *t,
			 char *errbuf, size_t errlen)
{
	const char *file = c->file ? c->file : "(built-in)";
	unsigned int i;

	for (i = 0; i < t->n && i < FWD_RULES_MAX; i++) {
		const struct passt_fwd_rule *r = &t->rules[i];
		const char *p = r->proto == IPPROTO_TCP ? "tcp" : "udp";

		if (!fwd_rule_live(t, i))
			continue;
		if (!reload_proto_mod(r->proto)) {
			snprintf(errbuf, errlen, "%s: forward: %s rules need "
				 "the %s module, which is not loaded", file,
				 p, p);
			return -ENOPROTOOPT;
		}
		if (r->from == PASST_PIF_SPLICE &&
		    (!mod_backend || !mod_backend->desc->guest_socket)) {
			snprintf(errbuf, errlen, "%s: forward: from = "
				 "\"guest\" rules need the tap backend", file);
			return -ENOPROTOOPT;
		}
	}
	return 0;
}

/**
 * reload_sock_add() - Remember a listening socket
 * @fd:		Socket
 * @rule:	Rule index
 * @port:	Port
 *
 * Return: 0, or -ENOMEM
 */
static int reload_sock_add(int fd, unsigned int rule, uint16_t port)
{
	if (reload_socks_n == reload_socks_cap) {
		size_t cap = reload_socks_cap ? reload_socks_cap * 2 : 64;
		struct reload_sock *s;

		s = realloc(reload_socks, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		reload_socks = s;
		reload_socks_cap = cap;
	}
	reload_socks[reload_socks_n].fd = fd;
	reload_socks[reload_socks_n].rule = (uint16_t)rule;
	reload_socks[reload_socks_n].port = port;
	reload_socks_n++;
	return 0;
}

/**
 * reload_sock_count() - Listening sockets open for a rule
 * @rule:	Rule index, or -1 for all rules
 *
 * Return: number of sockets
 */
size_t reload_sock_count(int rule)
{
	size_t i, n = 0;

	for (i = 0; i < reload_socks_n; i++)
		n += rule < 0 || reload_socks[i].rule == (unsigned int)rule;
	return n;
}

/**
 * reload_sock_fd() - The listening socket of a rule for a port
 * @rule:	Rule index
 * @port:	Port
 *
 * Return: socket, or -ENOENT
 */
int reload_sock_fd(unsigned int rule, uint16_t port)
{
	size_t i;

	for (i = 0; i < reload_socks_n; i++)
		if (reload_socks[i].rule == rule &&
		    reload_socks[i].port == port)
			return reload_socks[i].fd;
	return -ENOENT;
}

/**
 * reload_close_rules() - Close the listening sockets of some rules
 * @t:		Table holding the rules, as the sockets' events know them
 * @idx:	Rule indices
 * @n:		Number of entries in @idx
 * @notify:	First tell the owning module (on_fd() with EPOLLHUP alone),
 *		which may still accept what waits in the queue
 *
 * #syscalls close
 */
static void reload_close_rules(const struct fwd_table *t, const uint8_t *idx,
			       size_t n, bool notify)
{
	size_t i, j, kept = 0;

	for (i = 0; i < reload_socks_n; i++) {
		struct reload_sock *s = &reload_socks[i];
		const struct passt_fwd_rule *r = fwd_rule(t, s->rule);
		struct passt_mod *m = r ? reload_proto_mod(r->proto) : NULL;

		for (j = 0; j < n && idx[j] != s->rule; j++)
			;
		if (j == n) {
			reload_socks[kept++] = *s;
			continue;
		}
		if (notify && m && m->desc->on_fd)
			m->desc->on_fd(m, PASST_FD_LISTEN, s->fd,
				       PASST_FWD_REF(s->rule, s->port),
				       EPOLLHUP, loop_now());
		loop_fd_del(s->fd);
		close(s->fd);
	}
	reload_socks_n = kept;
}

/**
 * reload_listen_cb() - Register a forwarding rule's listening socket
 * @opaque:	Table the rule is in
 * @fd:		Socket
 * @rule:	Rule index
 * @port:	Port
 *
 * Return: 0, or -errno
 */
static int reload_listen_cb(void *opaque, int fd, unsigned int rule,
			    uint16_t port)
{
	const struct passt_fwd_rule *r = fwd_rule(opaque, rule);
	struct passt_mod *m = r ? reload_proto_mod(r->proto) : NULL;
	int rc;

	if (!m)
		return -ENOPROTOOPT;
	if ((rc = reload_sock_add(fd, rule, port)))
		return rc;
	rc = loop_fd_add(m->idx, fd, EPOLLIN, PASST_FD_LISTEN,
			 PASST_FWD_REF(rule, port));
	if (rc)
		reload_socks_n--;
	return rc;
}

/**
 * reload_guest_socket() - Make a from = "guest" rule's socket in the
 *			   guest's namespace, through the backend
 * @opaque:	Unused
 * @domain:	socket(2) domain
 * @type:	socket(2) type
 * @protocol:	socket(2) protocol
 *
 * Return: socket, or -errno
 */
static int reload_guest_socket(void *opaque, int domain, int type,
			       int protocol)
{
	(void)opaque;
	if (!mod_backend || !mod_backend->desc->guest_socket)
		return -ENOTSUP;
	return mod_backend->desc->guest_socket(mod_backend, domain, type,
					       protocol);
}

/**
 * reload_listen() - Open the listening sockets of rules, both pifs
 * @t:		Table holding the rules
 * @idx:	Rule indices, or NULL for all
 * @n:		Number of entries in @idx
 * @errbuf:	Buffer for the one line saying what failed
 * @errlen:	Its size
 *
 * Return: 0, or -errno (sockets opened before the error stay registered)
 */
static int reload_listen(struct fwd_table *t, const uint8_t *idx, size_t n,
			 char *errbuf, size_t errlen)
{
	bool ip4 = conf.net.ip4.enable, ip6 = conf.net.ip6.enable;
	char e[256];
	int rc;

	rc = fwd_listen_rules(t, PASST_PIF_HOST, idx, n, ip4, ip6, NULL,
			      reload_listen_cb, t, e, sizeof(e));
	if (rc) {
		snprintf(errbuf, errlen, "forward: %s", e);
		return rc;
	}
	/* The guest's side of the splice path, in its namespace (bound to
	 * its loopback unless the rule names an address: fwd_listen_binds())
	 */
	rc = fwd_listen_rules(t, PASST_PIF_SPLICE, idx, n, ip4, ip6,
			      reload_guest_socket, reload_listen_cb, t, e,
			      sizeof(e));
	if (rc)
		snprintf(errbuf, errlen, "forward: from = \"guest\": %s", e);
	return rc;
}

/**
 * reload_listen_all() - Open the listening sockets of the running table
 * @errbuf:	Buffer for the one line saying what failed
 * @errlen:	Its size
 *
 * Return: 0, or -errno
 */
int reload_listen_all(char *errbuf, size_t errlen)
{
	return reload_listen(&conf.fwd, NULL, 0, errbuf, errlen);
}

/**
 * reload_prepare() - Keep the configuration file's directory open
 * @c:		Configuration
 *
 * Before the sandbox: afterwards no path leads to the file. Symbolic
 * links are resolved now, as a link pointing elsewhere by an absolute
 * path would lead nowhere from inside the sandbox.
 *
 * Return: 0, 1 if there is no file to reload (built-in defaults), or
 *	   -errno
 */
int reload_prepare(const struct conf *c)
{
	char real[PATH_MAX], dir[PATH_MAX];
	const char *slash, *name;
	size_t len;

	if (!c->file)
		return 1;
	if (!realpath(c->file, real))
		return -errno;
	slash = strrchr(real, '/');
	if (!slash)
		return -EINVAL;	/* realpath() gives absolute paths */
	name = slash + 1;
	len = (size_t)(slash - real);
	if (!*name || strlen(name) >= sizeof(reload_name))
		return -ENAMETOOLONG;

	if (!len)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)len, real);

	if (reload_dirfd >= 0)
		close(reload_dirfd);
	reload_dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (reload_dirfd < 0)
		return -errno;
	memcpy(reload_name, name, strlen(name) + 1);
	return 0;
}

/**
 * reload_syscalls() - System calls a reload makes inside the sandbox
 * @n:		Set to the number of entries
 *
 * Return: names, none if there is no file to reload
 */
const char *const *reload_syscalls(size_t *n)
{
	static const char *list[ARRAY_SIZE(reload_file_syscalls) +
				ARRAY_SIZE(reload_sock_syscalls)];
	size_t i;

	*n = 0;
	if (reload_dirfd < 0)
		return list;
	for (i = 0; i < ARRAY_SIZE(reload_file_syscalls); i++)
		list[(*n)++] = reload_file_syscalls[i];
	if (!modload_by_name("tcp") && !modload_by_name("udp"))
		return list;
	for (i = 0; i < ARRAY_SIZE(reload_sock_syscalls); i++)
		list[(*n)++] = reload_sock_syscalls[i];
	return list;
}

/**
 * reload_read() - Read the configuration file again
 * @text:	Set to its contents, NUL-terminated, to free()
 *
 * Return: 0, -EFBIG past RELOAD_FILE_MAX, -EINVAL if it holds a NUL byte,
 *	   or -errno
 */
static int reload_read(char **text)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *nb;
	int fd, rc = 0;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	fd = openat(reload_dirfd, reload_name, O_RDONLY | O_CLOEXEC |
		    O_NOCTTY);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= RELOAD_FILE_MAX) {
				rc = -EFBIG;
				break;
			}
			cap *= 2;
			if (!(nb = realloc(buf, cap))) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = -errno;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!rc && memchr(buf, '\0', len))
		rc = -EINVAL;
	if (rc) {
		free(buf);
		return rc;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

/**
 * reload_fwd() - Apply a new forwarding table: sockets, then the table
 * @next:	Table parsed from the file again
 * @d:		Filled with what changed
 * @errbuf:	Buffer for the one line saying what failed
 * @errlen:	Its size
 *
 * See the top of this file for the order, and why.
 *
 * Return: 0, or -errno with the running table and its sockets as they were
 *	   (but for a removed rule whose port was taken meanwhile: said too)
 */
static int reload_fwd(const struct fwd_table *next, struct fwd_diff *d,
		      char *errbuf, size_t errlen)
{
	static struct fwd_table out;
	char e[256];
	int rc;

	rc = fwd_merge(&conf.fwd, next, &out, d);
	if (rc) {
		snprintf(errbuf, errlen, "forward: no room for %u new rules "
			 "beside the %u of the running table and those it "
			 "just removed (at most %d)", d->n_added,
			 d->n_kept, FWD_RULES_MAX);
		return rc;
	}
	if (!d->n_removed && !d->n_added)
		return 0;

	reload_close_rules(&conf.fwd, d->removed, d->n_removed, true);
	rc = reload_listen(&out, d->added, d->n_added, errbuf, errlen);
	if (!rc) {
		memcpy(&conf.fwd, &out, sizeof(conf.fwd));
		return 0;
	}

	reload_close_rules(&out, d->added, d->n_added, false);
	if (reload_listen(&conf.fwd, d->removed, d->n_removed, e, sizeof(e)))
		err("reload: the running rules can't all be restored: %s", e);
	return rc;
}

/**
 * reload_apply() - Apply a configuration file's text to the running daemon
 * @text:	The file's contents, NUL-terminated
 * @errbuf:	Buffer for the one line saying what is wrong
 * @errlen:	Its size
 *
 * Return: 0, or -errno with the running configuration left as it was
 */
int reload_apply(const char *text, char *errbuf, size_t errlen)
{
	static struct conf next;
	struct fwd_diff d = { 0 };
	int rc;

	rc = conf_reload(&conf, text, modload_group_keys_running, &next,
			 errbuf, errlen);
	if (!rc)
		rc = reload_check_forward(&conf, &next.fwd, errbuf, errlen);
	if (!rc)
		rc = reload_fwd(&next.fwd, &d, errbuf, errlen);
	if (rc) {
		conf_free(&next);
		stats_core_add(STATS_RELOAD_ERRORS, 1);
		return rc;
	}

	conf_changes(&conf, &next);
	if (!conf.log_cli && next.log_level != log_get_level()) {
		log_set_level(next.log_level);
		info("reload: log level %s", log_level_name(next.log_level));
	}
	if (next.busy_poll_us != conf.busy_poll_us) {
		conf.busy_poll_us = next.busy_poll_us;
		loop_busy_poll(conf.busy_poll_us);
		info("reload: busy_poll_us %u", conf.busy_poll_us);
	}
	if (d.n_removed || d.n_added) {
		char buf[128];
		size_t i;

		for (i = 0; i < d.n_removed; i++) {
			fwd_rule_fmt(&conf.fwd.rules[d.removed[i]], buf,
				     sizeof(buf));
			info("reload: forward rule %u removed: %s",
			     d.removed[i], buf);
		}
		for (i = 0; i < d.n_added; i++) {
			fwd_rule_fmt(&conf.fwd.rules[d.added[i]], buf,
				     sizeof(buf));
			info("reload: forward rule %u added: %s",
			     d.added[i], buf);
		}
	}
	info("reload: forwarding rules: %u kept, %u removed, %u added",
	     d.n_kept, d.n_removed, d.n_added);
	conf_free(&next);
	stats_core_add(STATS_RELOADS, 1);
	return 0;
}

/**
 * reload_run() - SIGHUP: read the file again and apply it, or say why not
 */
void reload_run(void)
{
	const char *file = conf.file ? conf.file : "(built-in)";
	char e[PATH_MAX + 512];
	char *text = NULL;
	int rc;

	info("SIGHUP: reloading %s", file);
	rc = reload_read(&text);
	if (rc) {
		err("reload: %s: cannot read: %s; keeping the running "
		    "configuration", file, rc == -EINVAL ?
		    "not a text file (a NUL byte)" : strerror(-rc));
		stats_core_add(STATS_RELOAD_ERRORS, 1);
		return;
	}
	rc = reload_apply(text, e, sizeof(e));
	free(text);
	if (rc)
		err("reload: %s; keeping the running configuration", e);
}
