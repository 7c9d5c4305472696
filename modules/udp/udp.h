/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp.h - What the UDP module's files share: flow state and helpers */

#ifndef UDP_H
#define UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <passt/module.h>

#define UDP_BATCH		32	/* datagrams per system call, at most */
#define UDP_ROUNDS		4	/* recvmmsg() calls per event, at most */
#define UDP_DNS_MAX		4	/* forwarded DNS addresses */
#define UDP_DNS_PORT		53
#define UDP_FD_FLOW		1	/* epoll type: a flow's own socket */
#define UDP_LISTEN_FDS		65536	/* listening fds whose setup we note */
#define UDP_SPLICE_DGRAM	65536	/* scratch per spliced datagram */

/* Room for one IP_PKTINFO or IPV6_PKTINFO message, the larger */
#define UDP_CTL_LEN		CMSG_SPACE(sizeof(struct in6_pktinfo))

/* Bytes of the ICMP error quoting a datagram: RFC 1812, 4.3.2.3 (IPv4)
 * and RFC 4443, 2.4 (IPv6) ask for as much as fits in these
 */
#define UDP_ICMP4_ERR_MAX	576
#define UDP_ICMP6_ERR_MAX	1280

/**
 * enum udp_kind - How a flow reaches the host
 * @UDP_KIND_NONE:	Not a flow of ours (free entry)
 * @UDP_KIND_OUT:	Opened by the guest: own socket, connected
 * @UDP_KIND_OUT_GROUP:	Opened by the guest towards a multicast or broadcast
 *			address: own socket, not connected (replies come
 *			from unicast addresses)
 * @UDP_KIND_IN:	Opened by a host peer through a forwarding rule: the
 *			rule's listening socket, which the core owns
 * @UDP_KIND_SPLICE:	Opened from the guest namespace's loopback through a
 *			from = "guest" rule: own socket towards the host's
 *			loopback, answers through the rule's socket
 * @UDP_KIND_NUM:	Number of kinds
 */
enum udp_kind {
	UDP_KIND_NONE,
	UDP_KIND_OUT,
	UDP_KIND_OUT_GROUP,
	UDP_KIND_IN,
	UDP_KIND_SPLICE,
	UDP_KIND_NUM,
};

/**
 * struct udp_flow - What the module keeps per flow, by flow index
 * @sock:	Socket towards the host side: own, or the listening one
 * @last:	Last activity, seconds of the monotonic clock
 * @pos:	Position in the list of active flows
 * @kind:	enum udp_kind
 * @tapside:	Side of the flow facing the guest (PASST_INISIDE or _TGTSIDE)
 * @sock6:	@sock is an AF_INET6 socket (maybe dual-stack)
 * @v6:		The flow is IPv6 (else IPv4, addresses are v4-mapped)
 * @lsock:	UDP_KIND_SPLICE: the rule's socket, in the guest namespace
 * @lsock6:	@lsock is an AF_INET6 socket
 */
struct udp_flow {
	int sock;
	int lsock;
	uint32_t last;
	uint32_t pos;
	uint8_t kind;
	uint8_t tapside;
	uint8_t sock6;
	uint8_t v6;
	uint8_t lsock6;
};

/**
 * struct udp_dns - One DNS forwarding pair
 * @match:	Guest queries to this address, port 53...
 * @host:	...go to this resolver, port 53
 */
struct udp_dns {
	union passt_inany match;
	union passt_inany host;
};

/**
 * struct udp_batch - Scratch space for one recvmmsg() or sendmmsg() call
 * @mm:		Message headers
 * @iov:	One buffer per message
 * @sa:		Peer addresses (sockaddr_in or sockaddr_in6)
 * @ctl:	Ancillary data of each message: the local address a
 *		datagram came to, or is to be sent from (listening sockets)
 * @bufs:	Frame slots reserved towards the guest
 * @lens:	Lengths of the frames built in @bufs
 */
struct udp_batch {
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_in6 sa[UDP_BATCH];
	union {
		char buf[UDP_CTL_LEN];
		struct cmsghdr align;
	} ctl[UDP_BATCH];
	uint8_t *bufs[UDP_BATCH];
	size_t lens[UDP_BATCH];
};

/**
 * struct udp_count - What the module counts, for its stats() hook
 * @to_host:		Guest datagrams sent to host sockets
 * @bytes_to_host:	Their payload bytes
 * @from_host:		Datagrams from host sockets queued to the guest
 * @bytes_from_host:	Their payload bytes
 * @drop_malformed:	Guest datagrams that failed the checks
 * @drop_no_flow:	Guest datagrams no flow could be made for
 * @drop_send:		Guest datagrams the host refused
 * @drop_too_big:	Host datagrams larger than the guest's MTU allows
 * @spliced:		Datagrams between the guest namespace's loopback and
 *			the host's, either way
 */
struct udp_count {
	uint64_t to_host;
	uint64_t bytes_to_host;
	uint64_t from_host;
	uint64_t bytes_from_host;
	uint64_t drop_malformed;
	uint64_t drop_no_flow;
	uint64_t drop_send;
	uint64_t drop_too_big;
	uint64_t spliced;
};

/**
 * struct udp - State of the UDP module, in its priv block
 * @core:		Core services, as given to configure()
 * @flow_timeout:	Seconds a flow lives without traffic
 * @flows:		Per-flow state, @flow_max entries
 * @active:		Indices of the flows in use, @n_active of them
 * @n_active:		Number of flows in use
 * @flow_max:		Capacity of the core's flow table
 * @dns:		DNS forwarding pairs
 * @n_dns:		Number of entries in @dns
 * @listen_ready:	Listening sockets (by fd) we asked for the local
 *			address of each datagram (IP_PKTINFO, IPV6_RECVPKTINFO)
 * @b:			Batch scratch space
 * @splice_buf:		Datagrams of a spliced batch, UDP_BATCH of
 *			UDP_SPLICE_DGRAM bytes
 * @cnt:		Counters, for udp_stats()
 */
struct udp {
	const struct passt_core_ops *core;
	long long flow_timeout;
	struct udp_flow *flows;
	uint32_t *active;
	uint32_t n_active;
	unsigned int flow_max;
	struct udp_dns dns[UDP_DNS_MAX];
	size_t n_dns;
	uint64_t listen_ready[UDP_LISTEN_FDS / 64];
	struct udp_batch b;
	uint8_t *splice_buf;
	struct udp_count cnt;
};

/* udp.c */
void udp_flow_close(struct passt_mod *m, unsigned int idx);
void udp_flow_touch(struct passt_mod *m, unsigned int idx);
int udp_flow_track(struct passt_mod *m, unsigned int idx,
		   enum udp_kind kind, int sock, bool sock6, bool v6);
bool udp_inany_is_v4(const union passt_inany *a);
void udp_inany_from_sa(union passt_inany *a, uint16_t *port,
		       const struct sockaddr_in6 *sa);
socklen_t udp_inany_to_sa(struct sockaddr_in6 *sa,
			  const union passt_inany *a, uint16_t port,
			  uint32_t scope, bool sock6);
bool udp_inany_loopback(const union passt_inany *a);
bool udp_inany_unspec(const union passt_inany *a);
void udp_inany_any(union passt_inany *a, bool v6);
size_t udp_payload_off(bool v6);
size_t udp_pktinfo_put(void *buf, const union passt_inany *a,
		       uint32_t ifindex, bool sock6);
int udp_pktinfo_get(const struct msghdr *mh, union passt_inany *a,
		    uint32_t *ifindex);
size_t udp_payload_max(const struct passt_netcfg *net, bool v6);

/* udp_tap.c */
void udp_tap_frames(struct passt_mod *m, const struct passt_frame *f,
		    size_t n);

/* udp_sock.c */
void udp_sock_ready(struct passt_mod *m, unsigned int idx, uint32_t events);
void udp_sock_listen(struct passt_mod *m, int fd, uint32_t data,
		     uint32_t events);

/* udp_splice.c */
void udp_splice_listen(struct passt_mod *m, int fd,
		       const struct passt_fwd_rule *rule, uint16_t lport);
void udp_splice_ready(struct passt_mod *m, unsigned int idx, uint32_t events);

/* udp_err.c */
void udp_err_drain(struct passt_mod *m, unsigned int idx);

#endif /* UDP_H */
