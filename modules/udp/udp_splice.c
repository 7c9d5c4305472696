// SPDX-License-Identifier: GPL-2.0-or-later
/* udp_splice.c - Datagrams from the guest namespace's loopback to the host's
 *
 * A from = "guest" rule (tap backend only) has the core bind a socket in
 * the guest's namespace, on its loopback unless the rule names an address
 * (fwd.c), and hand its events here. Both ends are sockets of the same
 * kernel, so nothing becomes a frame: each sender (address and port in
 * the guest's namespace) gets a flow and a socket of its own in ours,
 * connected to the host's loopback of the sender's family (127.0.0.1 or
 * ::1) at the rule's target port, and its datagrams are written there.
 * What that socket receives is the answer: it goes back to the sender from
 * the rule's socket, so it comes from the address and port the sender
 * used.
 *
 * Flows have the sender's side hashed (PASST_PIF_SPLICE, PASST_INISIDE),
 * expire like the others, stay when the guest's link resets (nothing of
 * them crosses it), and end with their rule's socket on a reload.
 * Datagrams move with one recvmmsg() and one sendmmsg() per run of one
 * flow, through a scratch buffer: UDP_BATCH datagrams of up to 64 KiB.
 * An error on the host side (nobody listening at the target: ICMP port
 * unreachable) is read and dropped; the kernel has no way to pass it on to
 * the sender.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <passt/module.h>

#include "udp.h"

/**
 * udp_splice_msgs() - Point the batch's messages at the scratch buffer
 * @u:		Module state
 * @n:		How many
 * @to:		Destination of every message, or NULL (receiving: filled)
 * @tolen:	Its length
 */
static void udp_splice_msgs(struct udp *u, size_t n,
			    const struct sockaddr_in6 *to, socklen_t tolen)
{
	struct udp_batch *b = &u->b;
	size_t i;

	for (i = 0; i < n; i++) {
		struct msghdr *mh = &b->mm[i].msg_hdr;

		memset(mh, 0, sizeof(*mh));
		b->iov[i].iov_base = u->splice_buf + i * UDP_SPLICE_DGRAM;
		b->iov[i].iov_len = UDP_SPLICE_DGRAM;
		mh->msg_iov = &b->iov[i];
		mh->msg_iovlen = 1;
		if (to) {
			mh->msg_name = (void *)to;
			mh->msg_namelen = tolen;
		} else {
			memset(&b->sa[i], 0, sizeof(b->sa[i]));
			mh->msg_name = &b->sa[i];
			mh->msg_namelen = sizeof(b->sa[i]);
		}
	}
}

/**
 * udp_splice_send() - Send datagrams of the scratch buffer, in order
 * @m:		This module
 * @s:		Socket
 * @first:	First message of the batch to send
 * @n:		How many
 * @idx:	Flow, for messages
 *
 * Return: how many the socket took
 *
 * #syscalls sendmmsg
 */
static size_t udp_splice_send(struct passt_mod *m, int s, size_t first,
			      size_t n, unsigned int idx)
{
	struct udp *u = passt_priv(m);
	size_t done = 0;

	while (done < n) {
		int r = sendmmsg(s, u->b.mm + first + done,
				 (unsigned int)(n - done), MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			u->core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
				     "flow %u: %zu datagrams dropped: %s", idx,
				     n - done, r < 0 ? strerror(errno) : "");
			u->cnt.drop_send += n - done;
			break;
		}
		done += (size_t)r;
	}
	return done;
}

/**
 * udp_splice_find() - The flow of a sender on a rule's socket
 * @m:		This module
 * @peer:	Sender's address
 * @pport:	Sender's port
 * @local:	Address the socket is bound to
 * @lport:	Its port
 *
 * Return: flow index, -ENOENT if there is none, -EEXIST if the tuple is
 *	   another kind of flow's
 */
static int udp_splice_find(struct passt_mod *m, const union passt_inany *peer,
			   uint16_t pport, const union passt_inany *local,
			   uint16_t lport)
{
	struct udp *u = passt_priv(m);
	unsigned int side;
	int idx;

	idx = u->core->flow_find(m, PASST_PIF_SPLICE, IPPROTO_UDP, peer, pport,
				 local, lport, &side);
	if (idx < 0)
		return -ENOENT;
	if ((unsigned int)idx < u->flow_max &&
	    u->flows[idx].kind == UDP_KIND_SPLICE && side == PASST_INISIDE)
		return idx;
	return -EEXIST;
}

/**
 * udp_splice_flow() - Find or make the flow of a sender on a rule's socket
 * @m:		This module
 * @rule:	The rule
 * @fd:		Its socket, in the guest's namespace
 * @fd6:	@fd is AF_INET6
 * @peer:	Sender's address
 * @pport:	Sender's port
 * @local:	Address @fd is bound to
 * @lport:	Its port
 *
 * Return: flow index, or -errno
 *
 * #syscalls socket connect close
 */
static int udp_splice_flow(struct passt_mod *m,
			   const struct passt_fwd_rule *rule, int fd, bool fd6,
			   const union passt_inany *peer, uint16_t pport,
			   const union passt_inany *local, uint16_t lport)
{
	const struct passt_core_ops *core = passt_core(m);
	struct udp *u = passt_priv(m);
	bool v6 = !udp_inany_is_v4(peer);
	struct passt_flowside *ns, *host;
	struct passt_flow *fl;
	struct sockaddr_in6 sa;
	union passt_inany lo;
	socklen_t sl;
	int idx, s, rc;

	idx = udp_splice_find(m, peer, pport, local, lport);
	if (idx != -ENOENT)
		return idx;

	if (v6) {
		lo.a6 = in6addr_loopback;
	} else {
		struct in_addr a4 = { htonl(INADDR_LOOPBACK) };

		passt_inany_from_v4(&lo, a4);
	}

	s = socket(v6 ? AF_INET6 : AF_INET,
		   SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	sl = udp_inany_to_sa(&sa, &lo,
			     (uint16_t)(rule->to + (lport - rule->first)), 0,
			     v6);
	if (connect(s, (struct sockaddr *)&sa, sl)) {
		rc = -errno;
		close(s);
		return rc;
	}

	idx = core->flow_new(m, IPPROTO_UDP, UDP_KIND_SPLICE);
	if (idx < 0) {
		close(s);
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "flow table full: datagram to port %u of the "
			  "guest's loopback dropped", lport);
		return idx;
	}
	fl = core->flow_at(m, (unsigned int)idx);

	ns = &fl->side[PASST_INISIDE];
	ns->pif = PASST_PIF_SPLICE;
	ns->eaddr = *peer;
	ns->eport = pport;
	ns->oaddr = *local;
	ns->oport = lport;

	host = &fl->side[PASST_TGTSIDE];
	host->pif = PASST_PIF_HOST;
	host->eaddr = lo;
	host->eport = (uint16_t)(rule->to + (lport - rule->first));
	udp_inany_any(&host->oaddr, v6);

	if ((rc = core->flow_hash(m, (unsigned int)idx, PASST_INISIDE)) ||
	    (rc = udp_flow_track(m, (unsigned int)idx, UDP_KIND_SPLICE, s, v6,
				 v6))) {
		close(s);
		core->flow_free(m, (unsigned int)idx);
		return rc;
	}
	u->flows[idx].lsock = fd;
	u->flows[idx].lsock6 = fd6;
	if ((rc = core->fd_add(m, s, EPOLLIN, UDP_FD_FLOW, (uint32_t)idx))) {
		udp_flow_close(m, (unsigned int)idx);
		return rc;
	}

	core->log(m, PASST_LOG_DEBUG, "flow %d: guest loopback port %u to "
		  "host loopback port %u", idx, lport, host->eport);
	return idx;
}

/**
 * udp_splice_listen() - Datagrams on a from = "guest" rule's socket
 * @m:		This module
 * @fd:		The socket, in the guest's namespace
 * @rule:	Its rule
 * @lport:	Port it is bound to
 *
 * #syscalls recvmmsg recvmmsg_time64 getsockname
 */
void udp_splice_listen(struct passt_mod *m, int fd,
		       const struct passt_fwd_rule *rule, uint16_t lport)
{
	struct udp *u = passt_priv(m);
	struct udp_batch *b = &u->b;
	struct sockaddr_in6 sa = { 0 };
	union passt_inany local;
	socklen_t sl = sizeof(sa);
	uint16_t port;
	size_t round, k;

	if (getsockname(fd, (struct sockaddr *)&sa, &sl))
		return;
	udp_inany_from_sa(&local, &port, &sa);

	for (round = 0; round < UDP_ROUNDS; round++) {
		size_t i, run;
		int r;

		udp_splice_msgs(u, UDP_BATCH, NULL, 0);
		do
			r = recvmmsg(fd, b->mm, UDP_BATCH, MSG_DONTWAIT, NULL);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			return;

		/* One sendmmsg() per run of datagrams of one flow */
		for (i = 0; i < (size_t)r; i += run) {
			union passt_inany peer;
			uint16_t pport;
			int idx;

			udp_inany_from_sa(&peer, &pport, &b->sa[i]);
			for (run = 1; i + run < (size_t)r; run++) {
				if (memcmp(&b->sa[i + run], &b->sa[i],
					   sizeof(b->sa[i])))
					break;
			}
			idx = udp_splice_flow(m, rule, fd,
					      sa.sin6_family == AF_INET6,
					      &peer, pport, &local, lport);
			if (idx < 0) {
				u->core->log(m, PASST_LOG_DEBUG |
					     PASST_LOG_RATELIMIT,
					     "guest loopback port %u: %zu "
					     "datagrams dropped: %s", lport,
					     run, strerror(-idx));
				u->cnt.drop_no_flow += run;
				continue;
			}
			for (k = i; k < i + run; k++) {
				b->iov[k].iov_len = b->mm[k].msg_len;
				b->mm[k].msg_hdr.msg_name = NULL;
				b->mm[k].msg_hdr.msg_namelen = 0;
			}
			u->cnt.spliced += udp_splice_send(m,
						u->flows[idx].sock, i, run,
						(unsigned int)idx);
			udp_flow_touch(m, (unsigned int)idx);
		}
		if (r < UDP_BATCH)
			return;
	}
}

/**
 * udp_splice_ready() - Answers (or an error) on a spliced flow's socket
 * @m:		This module
 * @idx:	Flow index, UDP_KIND_SPLICE
 * @events:	EPOLL* events
 *
 * #syscalls recvmmsg recvmmsg_time64 getsockopt
 */
void udp_splice_ready(struct passt_mod *m, unsigned int idx, uint32_t events)
{
	struct udp *u = passt_priv(m);
	const struct udp_flow *uf = &u->flows[idx];
	const struct passt_flowside *ns;
	const struct passt_flow *fl;
	struct sockaddr_in6 to;
	socklen_t tolen;
	size_t round;

	if (events & EPOLLERR) {
		socklen_t sl = sizeof(int);
		int err = 0;

		if (!getsockopt(uf->sock, SOL_SOCKET, SO_ERROR, &err, &sl) &&
		    err)
			u->core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
				     "flow %u: host loopback: %s", idx,
				     strerror(err));
	}
	if (!(events & EPOLLIN))
		return;

	fl = u->core->flow_at(m, idx);
	if (!fl)
		return;
	ns = &fl->side[PASST_INISIDE];
	tolen = udp_inany_to_sa(&to, &ns->eaddr, ns->eport, 0, uf->lsock6);

	for (round = 0; round < UDP_ROUNDS; round++) {
		size_t i;
		int r;

		udp_splice_msgs(u, UDP_BATCH, NULL, 0);
		do
			r = recvmmsg(uf->sock, u->b.mm, UDP_BATCH, MSG_DONTWAIT,
				     NULL);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			return;

		for (i = 0; i < (size_t)r; i++) {
			struct msghdr *mh = &u->b.mm[i].msg_hdr;

			u->b.iov[i].iov_len = u->b.mm[i].msg_len;
			mh->msg_name = &to;
			mh->msg_namelen = tolen;
		}
		u->cnt.spliced += udp_splice_send(m, uf->lsock, 0, (size_t)r,
						  idx);
		udp_flow_touch(m, idx);
		if (r < UDP_BATCH)
			return;
	}
}
