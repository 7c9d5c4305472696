// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_splice.c - Loopback to loopback: two sockets joined with splice(2)
 *
 * Between the guest namespace's loopback and the host's (tap backend only)
 * there is no Ethernet link to translate for: both ends are sockets of the
 * same kernel, so a connection is joined socket to socket, and the data
 * moves through a pair of pipes with splice(2), never copied to us.
 *
 * - Guest to host: a connection accepted on a from = "guest" rule's socket
 *   (the core made it in the guest's namespace, PASST_PIF_SPLICE) is
 *   joined to a new socket connected to the host's loopback, 127.0.0.1 or
 *   ::1 as the guest used, at the rule's target port.
 * - Host to guest: a connection from the host's loopback accepted on a
 *   from = "host" rule's socket is joined to a socket made in the guest's
 *   namespace (guest_socket()) and connected to the guest's loopback at
 *   the target port, instead of becoming frames from the gateway address.
 *   Backends without a namespace (guest_socket() says -ENOTSUP) keep the
 *   frame path, and so does a connection for which the backend can't make
 *   a socket (its helper is gone, say), with a debug line.
 *
 * Side 0 is always the accepted socket, side 1 the one we connect; the
 * flow's sides are the same (PASST_INISIDE the accepted one), with pifs
 * PASST_PIF_SPLICE and PASST_PIF_HOST, both hashed.
 *
 * Data: pipe[d] carries what side d sends to the other side. Each turn of
 * tcp_splice_dir() splices from the socket into the pipe, then from the
 * pipe into the other socket, until the first socket is drained (EAGAIN
 * with an empty pipe: then its next EPOLLIN edge resumes it), or the
 * other socket is full (EAGAIN: then EPOLLOUT on it resumes, and reading
 * stops until it does, so a slow reader holds back a fast writer exactly
 * as a direct connection would). An EAGAIN reading into a non-empty pipe
 * may also mean the pipe is full, which the write that follows sorts out.
 * After TCP_SPLICE_ROUNDS turns the rest waits for on_defer(), so one
 * busy connection can't keep others waiting. Pipes are made per
 * connection, as large as TCP_SPLICE_PIPE if the kernel lets us (fewer
 * system calls per byte), and live as long as it does: nothing else is
 * allocated, nothing copied.
 *
 * Loops: a from = "guest" rule's target port that a from = "host" rule
 * forwards back (or the other way round) would have each connection make
 * another, for ever: both sides of a flow are hashed, and a connection
 * accepted from one of our own sockets is reset, with a warning.
 *
 * Ends: a side read to its end (EOF) has the other side shut for writing
 * once its pipe is empty, so each direction closes on its own and a
 * half-closed connection keeps flowing the other way. With both shut, the
 * connection is closed (cleanly: both sockets were read to their ends).
 * An error or reset on either side, a refused or timed out connect()
 * (TCP_CONNECT_MS), or a write the peer can't take any more (EPIPE,
 * ECONNRESET) resets both sides (close() with a zero linger time). Until
 * side 1 is connected, nothing is read from side 0.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <passt/module.h>

#include "tcp.h"

#define TCP_SPLICE_EV	(EPOLLIN | EPOLLRDHUP | EPOLLET)

/**
 * tcp_splice_loopback() - Whether an address is a loopback one
 * @a:		Address
 *
 * Return: true for 127.0.0.0/8 (also IPv4-mapped) and ::1
 */
bool tcp_splice_loopback(const union passt_inany *a)
{
	const struct in_addr *a4 = passt_inany_v4(a);

	if (a4)
		return ntohl(a4->s_addr) >> 24 == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->a6);
}

/**
 * tcp_splice_at() - Splice state of a spliced connection
 * @s:		Module state
 * @c:		Connection, TCP_S_SPLICE
 *
 * Return: its splice state
 */
static struct tcp_splice *tcp_splice_at(struct tcp_state *s,
					const struct tcp_conn *c)
{
	return &s->spl[tcp_idx(s, c)];
}

/**
 * tcp_splice_fds_close() - Close every descriptor of a spliced connection
 * @sp:		Splice state
 * @linger0:	Reset the sockets (zero linger time) rather than close them
 *
 * #syscalls close setsockopt
 */
static void tcp_splice_fds_close(struct tcp_splice *sp, bool linger0)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (sp->sock[i] >= 0) {
			if (linger0)
				(void)setsockopt(sp->sock[i], SOL_SOCKET,
						 SO_LINGER, &l, sizeof(l));
			close(sp->sock[i]);
		}
		if (sp->pipe[i][0] >= 0)
			close(sp->pipe[i][0]);
		if (sp->pipe[i][1] >= 0)
			close(sp->pipe[i][1]);
		sp->sock[i] = sp->pipe[i][0] = sp->pipe[i][1] = -1;
	}
}

/**
 * tcp_splice_close() - Close a spliced connection, free its flow
 * @m:		This module
 * @c:		Connection, TCP_S_SPLICE
 * @reset:	Reset both sides instead of closing them
 */
void tcp_splice_close(struct passt_mod *m, struct tcp_conn *c, bool reset)
{
	struct tcp_state *s = passt_priv(m);
	struct tcp_splice *sp = tcp_splice_at(s, c);
	unsigned int i;

	tcp_timer_stop(s, c);
	for (i = 0; i < 2; i++)
		if (sp->sock[i] >= 0)
			s->core->fd_del(m, sp->sock[i]);
	tcp_splice_fds_close(sp, reset);
	sp->flags = 0;
	c->state = TCP_S_FREE;
	c->flags = 0;
	s->core->flow_free(m, tcp_idx(s, c));
	s->conn_n--;
}

/**
 * tcp_splice_fini() - Close a spliced connection's descriptors at shutdown
 * @s:		Module state
 * @c:		Connection, TCP_S_SPLICE
 */
void tcp_splice_fini(struct tcp_state *s, struct tcp_conn *c)
{
	tcp_splice_fds_close(tcp_splice_at(s, c), false);
}

/**
 * tcp_splice_epoll() - Watch one side for what it's waiting for
 * @m:		This module
 * @c:		Connection
 * @sp:		Its splice state
 * @x:		Side
 *
 * Return: 0, or -errno
 */
static int tcp_splice_epoll(struct passt_mod *m, const struct tcp_conn *c,
			    const struct tcp_splice *sp, unsigned int x)
{
	const struct tcp_state *s = passt_priv(m);
	uint32_t ev = TCP_SPLICE_EV;

	/* Room to write what the other side sent, or connect() done */
	if ((sp->flags & TCP_SPL_BLOCKED(!x)) ||
	    (x == 1 && (sp->flags & TCP_SPL_CONNECTING)))
		ev |= EPOLLOUT;
	return s->core->fd_mod(m, sp->sock[x], ev,
			       x ? TCP_FD_SPLICE1 : TCP_FD_SPLICE0,
			       tcp_idx(s, c));
}

/**
 * tcp_splice_dir() - Move data from side @d to the other side, for now
 * @m:		This module
 * @c:		Connection
 * @sp:		Its splice state
 * @d:		Side data comes from
 *
 * Return: 0 if done for now, 1 if there may be more (cut after
 *	   TCP_SPLICE_ROUNDS turns), -errno if the connection must be reset
 *
 * #syscalls splice shutdown
 */
static int tcp_splice_dir(struct passt_mod *m, const struct tcp_conn *c,
			  struct tcp_splice *sp, unsigned int d)
{
	int from = sp->sock[d], to = sp->sock[!d];
	unsigned int round;

	if (sp->flags & (TCP_SPL_CONNECTING | TCP_SPL_BLOCKED(d)))
		return 0;

	for (round = 0; ; round++) {
		bool drained = false;
		ssize_t n;

		if (round == TCP_SPLICE_ROUNDS)
			return 1;

		if (!(sp->flags & TCP_SPL_EOF(d))) {
			n = splice(from, NULL, sp->pipe[d][1], NULL,
				   sp->pipe_size, SPLICE_F_MOVE |
				   SPLICE_F_NONBLOCK);
			if (n > 0)
				sp->in_pipe[d] += (uint32_t)n;
			else if (!n)
				sp->flags |= TCP_SPL_EOF(d);
			else if (errno == EAGAIN || errno == EWOULDBLOCK)
				drained = true;	/* or the pipe is full */
			else if (errno != EINTR)
				return -errno;
		}

		if (sp->in_pipe[d]) {
			n = splice(sp->pipe[d][0], NULL, to, NULL,
				   sp->in_pipe[d], SPLICE_F_MOVE |
				   SPLICE_F_NONBLOCK);
			if (n > 0) {
				sp->in_pipe[d] -= (uint32_t)n;
			} else if (n < 0 && (errno == EAGAIN ||
					     errno == EWOULDBLOCK)) {
				sp->flags |= TCP_SPL_BLOCKED(d);
				return tcp_splice_epoll(m, c, sp, !d);
			} else if (!n) {
				return -EIO;	/* the pipe lost bytes? */
			} else if (errno != EINTR) {
				return -errno;
			}
		}

		if (!sp->in_pipe[d] &&
		    (drained || (sp->flags & TCP_SPL_EOF(d))))
			break;
	}

	if ((sp->flags & TCP_SPL_EOF(d)) && !(sp->flags & TCP_SPL_SHUT(d))) {
		/* The peer may be gone already: its reset comes as EPOLLERR */
		(void)shutdown(to, SHUT_WR);
		sp->flags |= TCP_SPL_SHUT(d);
	}
	return 0;
}

/**
 * tcp_splice_run() - Move what can be moved both ways, close when done
 * @m:		This module
 * @c:		Connection
 * @first:	Side to start from
 */
static void tcp_splice_run(struct passt_mod *m, struct tcp_conn *c,
			   unsigned int first)
{
	struct tcp_state *s = passt_priv(m);
	struct tcp_splice *sp = tcp_splice_at(s, c);
	bool more = false;
	unsigned int k;

	for (k = 0; k < 2; k++) {
		unsigned int d = k ? !first : first;
		int rc = tcp_splice_dir(m, c, sp, d);

		if (rc < 0) {
			s->core->log(m, PASST_LOG_DEBUG, "flow %u: splice: %s",
				     tcp_idx(s, c), strerror(-rc));
			tcp_splice_close(m, c, true);
			return;
		}
		more |= rc > 0;
	}

	if ((sp->flags & (TCP_SPL_SHUT(0) | TCP_SPL_SHUT(1))) ==
	    (TCP_SPL_SHUT(0) | TCP_SPL_SHUT(1))) {
		tcp_splice_close(m, c, false);
		return;
	}
	if (more)
		tcp_pending(m, c, TCP_F_SEND);
}

/**
 * tcp_splice_resume() - Go on where a busy connection left off (on_defer)
 * @m:		This module
 * @c:		Connection, TCP_S_SPLICE
 */
void tcp_splice_resume(struct passt_mod *m, struct tcp_conn *c)
{
	c->flags &= ~TCP_F_SEND;
	tcp_splice_run(m, c, 0);
}

/**
 * tcp_splice_sock_err() - Pending error of a socket
 * @fd:		Socket
 *
 * Return: its SO_ERROR, or errno if that can't be read
 *
 * #syscalls getsockopt
 */
static int tcp_splice_sock_err(int fd)
{
	socklen_t sl = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl))
		err = errno;
	return err;
}

/**
 * tcp_splice_connected() - Side 1's connect() finished, one way or another
 * @m:		This module
 * @c:		Connection
 * @sp:		Its splice state
 */
static void tcp_splice_connected(struct passt_mod *m, struct tcp_conn *c,
				 struct tcp_splice *sp)
{
	struct tcp_state *s = passt_priv(m);
	int err = tcp_splice_sock_err(sp->sock[1]);

	if (err) {
		/* Refused, unreachable: the accepted side sees a reset */
		s->core->log(m, PASST_LOG_DEBUG, "flow %u: splice: connect: "
			     "%s", tcp_idx(s, c), strerror(err));
		tcp_splice_close(m, c, true);
		return;
	}
	sp->flags &= ~TCP_SPL_CONNECTING;
	tcp_timer_stop(s, c);
	if (tcp_splice_epoll(m, c, sp, 1)) {
		tcp_splice_close(m, c, true);
		return;
	}
	/* Side 0 may have sent (or closed) already: its edge is gone */
	tcp_splice_run(m, c, 0);
}

/**
 * tcp_splice_on_fd() - Event on a spliced connection's socket
 * @m:		This module
 * @x:		Side of the socket
 * @fd:		Socket
 * @idx:	Connection index
 * @events:	EPOLL* events
 */
void tcp_splice_on_fd(struct passt_mod *m, unsigned int x, int fd,
		      uint32_t idx, uint32_t events)
{
	struct tcp_state *s = passt_priv(m);
	struct tcp_conn *c = tcp_conn_at(s, idx);
	struct tcp_splice *sp;

	/* Queued before its connection was closed: may be another's now */
	if (!c || c->state != TCP_S_SPLICE)
		return;
	sp = tcp_splice_at(s, c);
	if (sp->sock[x] != fd)
		return;
	c->flags |= TCP_F_ACTIVE;

	if (sp->flags & TCP_SPL_CONNECTING) {
		if (x == 1 && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			tcp_splice_connected(m, c, sp);
		else if (x == 0 && (events & EPOLLERR))
			tcp_splice_close(m, c, true);
		return;
	}

	if (events & EPOLLERR) {
		int err = tcp_splice_sock_err(fd);

		if (err) {
			s->core->log(m, PASST_LOG_DEBUG, "flow %u: splice: "
				     "side %u: %s", idx, x, strerror(err));
			tcp_splice_close(m, c, true);
			return;
		}
	}

	if ((events & EPOLLOUT) && (sp->flags & TCP_SPL_BLOCKED(!x))) {
		sp->flags &= ~TCP_SPL_BLOCKED(!x);
		if (tcp_splice_epoll(m, c, sp, x)) {
			tcp_splice_close(m, c, true);
			return;
		}
		if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) {
			tcp_splice_run(m, c, !x);
			return;
		}
	}
	tcp_splice_run(m, c, x);
}

/**
 * tcp_splice_pipe() - Make the pipe for one direction
 * @p:		Set to its read and write ends
 *
 * Return: its capacity, bytes, or -errno
 *
 * #syscalls pipe2 fcntl
 */
static int tcp_splice_pipe(int p[2])
{
	int size;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		return -errno;
	/* Bigger than the default 64 KiB if the kernel lets us: fewer
	 * calls per byte. Past the user's pipe quota it won't: fine too
	 */
	size = fcntl(p[1], F_SETPIPE_SZ, TCP_SPLICE_PIPE);
	if (size < 0)
		size = fcntl(p[1], F_GETPIPE_SZ);
	return size > 0 ? size : 4096;
}

/**
 * tcp_splice_sockaddr() - Socket address of a loopback at a port
 * @v6:		::1, rather than 127.0.0.1
 * @port:	Port
 * @sa:		Filled
 *
 * Return: length of @sa
 */
static socklen_t tcp_splice_sockaddr(bool v6, uint16_t port,
				     struct sockaddr_storage *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)sa;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
}

/**
 * tcp_splice_addr() - Address and port of a socket address
 * @sa:		Socket address (AF_INET or AF_INET6)
 * @a:		Address, IPv4 ones mapped
 * @port:	Port, host order
 */
static void tcp_splice_addr(const struct sockaddr_storage *sa,
			    union passt_inany *a, uint16_t *port)
{
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		passt_inany_from_v4(a, sin->sin_addr);
		*port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)sa;

		memcpy(a, &sin6->sin6_addr, sizeof(*a));
		*port = ntohs(sin6->sin6_port);
	}
}

/**
 * tcp_splice_sockname() - Our address and port on a socket
 * @fd:		Socket
 * @a:		Set to the address, zeroed if unknown
 * @port:	Set to the port, 0 if unknown
 *
 * #syscalls getsockname
 */
static void tcp_splice_sockname(int fd, union passt_inany *a, uint16_t *port)
{
	struct sockaddr_storage sa = { 0 };
	socklen_t sl = sizeof(sa);

	memset(a, 0, sizeof(*a));
	*port = 0;
	if (!getsockname(fd, (struct sockaddr *)&sa, &sl) &&
	    (sa.ss_family == AF_INET || sa.ss_family == AF_INET6))
		tcp_splice_addr(&sa, a, port);
}

/**
 * tcp_splice_accepted() - Join an accepted connection to a new one
 * @m:		This module
 * @r:		Forwarding rule it arrived on
 * @port:	Port it arrived at
 * @fd:		Accepted socket, non-blocking
 * @sa:		Peer's address
 *
 * From the splice pif (the guest's loopback), the new connection goes to
 * the host's loopback; from the host pif (a loopback peer), to the
 * guest's, through a socket the backend makes in its namespace.
 *
 * Return: 0 if the connection was taken (joined, or reset if that failed),
 *	   -ENOTSUP if the guest's namespace can't be reached this way (the
 *	   caller goes on with @fd as if this hadn't been called)
 *
 * #syscalls socket connect setsockopt close
 */
int tcp_splice_accepted(struct passt_mod *m, const struct passt_fwd_rule *r,
			uint16_t port, int fd,
			const struct sockaddr_storage *sa)
{
	struct tcp_state *s = passt_priv(m);
	const struct passt_core_ops *core = s->core;
	bool to_guest = r->from != PASST_PIF_SPLICE;
	union passt_inany peer, local, tgt, ours;
	uint16_t pport, lport, tport, oport;
	struct sockaddr_storage ta;
	int one = 1, idx, out, rc;
	struct passt_flow *f;
	struct tcp_splice *sp;
	struct tcp_conn *c;
	socklen_t tl;
	bool v6;

	tcp_splice_addr(sa, &peer, &pport);
	tcp_splice_sockname(fd, &local, &lport);
	v6 = !passt_inany_v4(&peer);

	/* One of our own connections, made for a rule of the other side,
	 * arriving at a rule leading back: each would make another
	 */
	if (core->flow_find(m, r->from, IPPROTO_TCP, &local, lport, &peer,
			    pport, NULL) >= 0) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "forwarding loop: %s port %u leads back to itself",
			  to_guest ? "host" : "guest", port);
		tcp_splice_reject(fd);
		return 0;
	}

	tport = (uint16_t)(r->to + (port - r->first));
	tl = tcp_splice_sockaddr(v6, tport, &ta);
	tcp_splice_addr(&ta, &tgt, &tport);

	if (to_guest) {
		out = core->guest_socket(m, v6 ? AF_INET6 : AF_INET,
					 SOCK_STREAM | SOCK_NONBLOCK |
					 SOCK_CLOEXEC, IPPROTO_TCP);
		if (out < 0) {
			if (out != -ENOTSUP)
				core->log(m, PASST_LOG_DEBUG |
					  PASST_LOG_RATELIMIT, "no socket in "
					  "the guest's namespace (%s): "
					  "loopback connection through the "
					  "tap instead", strerror(-out));
			return -ENOTSUP;
		}
	} else {
		out = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM |
			     SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
		if (out < 0) {
			core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
				  "splice: socket: %s", strerror(errno));
			tcp_splice_reject(fd);
			return 0;
		}
	}

	idx = core->flow_new(m, IPPROTO_TCP, TCP_FLOW_SPLICE);
	if (idx < 0 || (unsigned int)idx >= s->conn_max) {
		if (idx >= 0)
			core->flow_free(m, (unsigned int)idx);
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "flow table full (%u flows): new connection refused",
			  core->flow_max(m));
		close(out);
		tcp_splice_reject(fd);
		return 0;
	}

	f = core->flow_at(m, (unsigned int)idx);
	f->side[PASST_INISIDE].pif = to_guest ? PASST_PIF_HOST
					      : PASST_PIF_SPLICE;
	f->side[PASST_INISIDE].eaddr = peer;
	f->side[PASST_INISIDE].eport = pport;
	f->side[PASST_INISIDE].oaddr = local;
	f->side[PASST_INISIDE].oport = lport;
	f->side[PASST_TGTSIDE].pif = to_guest ? PASST_PIF_SPLICE
					      : PASST_PIF_HOST;
	f->side[PASST_TGTSIDE].eaddr = tgt;
	f->side[PASST_TGTSIDE].eport = tport;
	if (core->flow_hash(m, (unsigned int)idx, PASST_INISIDE)) {
		core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			  "splice: connection clashes with a flow: reset");
		core->flow_free(m, (unsigned int)idx);
		close(out);
		tcp_splice_reject(fd);
		return 0;
	}

	c = tcp_conn_slot(s, (uint32_t)idx, v6, TCP_S_SPLICE);
	sp = tcp_splice_at(s, c);
	memset(sp, 0, sizeof(*sp));
	sp->sock[0] = fd;
	sp->sock[1] = out;
	sp->pipe[0][0] = sp->pipe[0][1] = sp->pipe[1][0] = sp->pipe[1][1] = -1;
	sp->flags = TCP_SPL_CONNECTING;

	if ((rc = tcp_splice_pipe(sp->pipe[0])) < 0)
		goto fail;
	sp->pipe_size = (uint32_t)rc;
	if ((rc = tcp_splice_pipe(sp->pipe[1])) < 0)
		goto fail;
	if ((uint32_t)rc < sp->pipe_size)
		sp->pipe_size = (uint32_t)rc;

	/* Whatever came in segments goes on as it came */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	if (connect(out, (struct sockaddr *)&ta, tl) && errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	tcp_splice_sockname(out, &ours, &oport);
	f->side[PASST_TGTSIDE].oaddr = ours;
	f->side[PASST_TGTSIDE].oport = oport;
	/* Findable, so that it's recognised if it comes back to us; a clash
	 * can't be (the tuple is a socket of ours) and would only mean that
	 */
	(void)core->flow_hash(m, (unsigned int)idx, PASST_TGTSIDE);

	if ((rc = core->fd_add(m, fd, TCP_SPLICE_EV, TCP_FD_SPLICE0,
			       (uint32_t)idx)))
		goto fail;
	if ((rc = core->fd_add(m, out, TCP_SPLICE_EV | EPOLLOUT,
			       TCP_FD_SPLICE1, (uint32_t)idx))) {
		core->fd_del(m, fd);
		goto fail;
	}
	/* Even on loopback, connect() completes when EPOLLOUT says so */
	tcp_timer_set(m, c, TCP_CONNECT_MS);
	core->log(m, PASST_LOG_TRACE, "flow %d: spliced, %s port %u to %s "
		  "port %u", idx, to_guest ? "host" : "guest", port,
		  to_guest ? "guest" : "host", tport);
	return 0;

fail:
	core->log(m, PASST_LOG_DEBUG, "flow %d: splice: %s", idx,
		  strerror(-rc));
	/* Not watched yet: close it all here, the accepted side reset */
	tcp_splice_fds_close(sp, true);
	sp->flags = 0;
	c->state = TCP_S_FREE;
	c->flags = 0;
	core->flow_free(m, (unsigned int)idx);
	s->conn_n--;
	return 0;
}

/**
 * tcp_splice_reject() - Reset an accepted connection we can't take on
 * @fd:		Accepted socket
 *
 * #syscalls setsockopt close
 */
void tcp_splice_reject(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/**
 * tcp_splice_timeout() - Side 1's connect() took too long: reset
 * @m:		This module
 * @c:		Connection, TCP_S_SPLICE, already off the timer wheel
 */
void tcp_splice_timeout(struct passt_mod *m, struct tcp_conn *c)
{
	struct tcp_state *s = passt_priv(m);

	if (!(tcp_splice_at(s, c)->flags & TCP_SPL_CONNECTING))
		return;
	s->core->log(m, PASST_LOG_DEBUG, "flow %u: splice: connect timed out",
		     tcp_idx(s, c));
	tcp_splice_close(m, c, true);
}
