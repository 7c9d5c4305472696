// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_test.c - TCP module: guest segments in, frames out, real sockets
 *
 * Guest segments are built byte by byte here, checksummed with the fake
 * core's plain implementation, and the frames the module queues are taken
 * apart with this file's own parser, checksums verified. The host side is
 * real: listening sockets on the loopback that the module's sockets connect
 * to (the guest's gateway is map_host_loopback), and the events the loop
 * would deliver are found with poll() and handed to on_fd() by the test.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>

#include <CUnit/CUnit.h>

#include "unit.h"
#include "fake_core.h"
#include "tcp.h"

extern const struct passt_module passt_module;

#define GUEST_PORT	40000
#define GUEST_ISN	0xfffffff0U	/* wraps around during the tests */
#define FRAME_MAX	(PASST_ETH_HLEN + 65535)

/**
 * struct out - A frame the module sent to the guest, taken apart
 */
struct out {
	bool v6;
	bool csum_ok;
	uint8_t flags;
	uint8_t doff;
	uint16_t sport, dport, wnd;
	uint32_t seq, ack;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	const uint8_t *opt;
	const uint8_t *data;
	size_t len;
};

static uint8_t fbuf[FRAME_MAX];

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static uint16_t fold(uint32_t s)
{
	return passt_csum_fold(s);
}

/* Build a guest segment into fbuf, return it as the core would */
static struct passt_frame seg_build(bool v6, const char *src, uint16_t sport,
				    const char *dst, uint16_t dport,
				    uint32_t seq, uint32_t ack, uint8_t flags,
				    uint16_t wnd, const uint8_t *opt,
				    size_t optlen, const void *data,
				    size_t dlen)
{
	static const uint8_t gm[6] = FAKE_GUEST_MAC, om[6] = FAKE_OUR_MAC;
	size_t iplen = v6 ? 40 : 20, l4len = 20 + optlen + dlen;
	uint8_t *ip = fbuf + 14, *th = ip + iplen, pseudo[12];
	struct passt_frame f = { 0 };
	uint32_t sum;
	uint16_t c;

	memset(fbuf, 0, 14 + iplen + 20 + optlen);
	memcpy(fbuf, om, 6);
	memcpy(fbuf + 6, gm, 6);
	passt_put16(fbuf + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		ip[0] = 0x60;
		passt_put16(ip + 4, (uint16_t)l4len);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		inet_pton(AF_INET6, src, ip + 8);
		inet_pton(AF_INET6, dst, ip + 24);
		sum = fake_core_csum(ip + 8, 32, 0);
		passt_put32(pseudo, (uint32_t)l4len);
		passt_put32(pseudo + 4, IPPROTO_TCP);
		sum = fake_core_csum(pseudo, 8, sum);
	} else {
		ip[0] = 0x45;
		passt_put16(ip + 2, (uint16_t)(20 + l4len));
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		inet_pton(AF_INET, src, ip + 12);
		inet_pton(AF_INET, dst, ip + 16);
		c = fold(fake_core_csum(ip, 20, 0));
		memcpy(ip + 10, &c, 2);
		sum = fake_core_csum(ip + 12, 8, 0);
		pseudo[0] = 0;
		pseudo[1] = IPPROTO_TCP;
		passt_put16(pseudo + 2, (uint16_t)l4len);
		sum = fake_core_csum(pseudo, 4, sum);
	}
	passt_put16(th, sport);
	passt_put16(th + 2, dport);
	passt_put32(th + 4, seq);
	passt_put32(th + 8, ack);
	th[12] = (uint8_t)(((20 + optlen + 3) / 4) << 4);
	th[13] = flags;
	passt_put16(th + 14, wnd);
	if (optlen)
		memcpy(th + 20, opt, optlen);
	if (dlen)
		memcpy(th + 20 + optlen, data, dlen);
	c = fold(fake_core_csum(th, l4len, sum));
	memcpy(th + 16, &c, 2);

	f.data = fbuf;
	f.len = 14 + iplen + l4len;
	f.l3off = 14;
	f.l4off = (uint16_t)(14 + iplen);
	f.l4len = (uint16_t)l4len;
	f.ethertype = v6 ? PASST_ETHERTYPE_IPV6 : PASST_ETHERTYPE_IP;
	f.l4proto = IPPROTO_TCP;
	return f;
}

/* Take apart frame @i sent to the guest */
static struct out out_get(unsigned int i)
{
	struct out o = { 0 };
	const uint8_t *b, *ip, *th;
	size_t iplen, l4len;
	uint32_t sum;

	CU_ASSERT_FATAL(i < fake_core.n_to_guest);
	b = fake_core.to_guest[i].data;
	ip = b + 14;
	o.v6 = passt_get16(b + 12) == 0x86dd;
	if (o.v6) {
		iplen = 40;
		l4len = passt_get16(ip + 4);
		inet_ntop(AF_INET6, ip + 8, o.src, sizeof(o.src));
		inet_ntop(AF_INET6, ip + 24, o.dst, sizeof(o.dst));
		sum = fake_core_csum(ip + 8, 32, 0);
		{
			uint8_t p[8];

			passt_put32(p, (uint32_t)l4len);
			passt_put32(p + 4, IPPROTO_TCP);
			sum = fake_core_csum(p, 8, sum);
		}
		o.csum_ok = ip[6] == IPPROTO_TCP;
	} else {
		iplen = 20;
		l4len = passt_get16(ip + 2) - 20;
		inet_ntop(AF_INET, ip + 12, o.src, sizeof(o.src));
		inet_ntop(AF_INET, ip + 16, o.dst, sizeof(o.dst));
		o.csum_ok = !fold(fake_core_csum(ip, 20, 0));
		sum = fake_core_csum(ip + 12, 8, 0);
		{
			uint8_t p[4] = { 0, IPPROTO_TCP, 0, 0 };

			passt_put16(p + 2, (uint16_t)l4len);
			sum = fake_core_csum(p, 4, sum);
		}
	}
	CU_ASSERT_EQUAL(fake_core.to_guest[i].len, 14 + iplen + l4len);
	th = ip + iplen;
	o.csum_ok = o.csum_ok && !fold(fake_core_csum(th, l4len, sum));
	o.sport = passt_get16(th);
	o.dport = passt_get16(th + 2);
	o.seq = passt_get32(th + 4);
	o.ack = passt_get32(th + 8);
	o.doff = (uint8_t)((th[12] >> 4) * 4);
	o.flags = th[13];
	o.wnd = passt_get16(th + 14);
	o.opt = th + 20;
	o.data = th + o.doff;
	o.len = l4len - o.doff;
	return o;
}

static struct passt_mod *load(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);

	return m;
}

static void start(struct passt_mod *m)
{
	CU_ASSERT_FATAL(fake_core_configure(m) == 0);
	CU_ASSERT_FATAL(fake_core_init(m) == 0);
}

static struct tcp_state *st(struct passt_mod *m)
{
	return fake_core_priv(m);
}

/* Loopback listener on an ephemeral port */
static int listener(bool v6, uint16_t *port)
{
	struct sockaddr_storage sa = { 0 };
	socklen_t sl;
	int fd, one = 1;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&sa;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	}
	CU_ASSERT_FATAL(!bind(fd, (struct sockaddr *)&sa, sl));
	CU_ASSERT_FATAL(!listen(fd, 16));
	CU_ASSERT_FATAL(!getsockname(fd, (struct sockaddr *)&sa, &sl));
	*port = ntohs(v6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
			 : ((struct sockaddr_in *)&sa)->sin_port);
	return fd;
}

/* A port nobody listens on */
static uint16_t closed_port(void)
{
	uint16_t port;
	int fd = listener(false, &port);

	close(fd);
	return port;
}

/* Last fd_add() of a connection socket */
static const struct fake_fd_call *last_sock_add(void)
{
	unsigned int i;

	for (i = fake_core.n_fd_calls; i > 0; i--) {
		const struct fake_fd_call *c = &fake_core.fd_calls[i - 1];

		if (c->op == FAKE_FD_ADD && c->type == TCP_FD_SOCK)
			return c;
	}
	return NULL;
}

/* Wait for socket events and hand them to on_fd() as the loop would */
static uint32_t drive(struct passt_mod *m, int fd, uint32_t idx, short want,
		      int ms)
{
	struct pollfd p = { .fd = fd, .events = want | POLLRDHUP };
	uint32_t ev;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	ev = (uint32_t)p.revents;
	passt_module.on_fd(m, TCP_FD_SOCK, fd, idx, ev, fake_core_now());
	return ev;
}

static void turn(struct passt_mod *m)
{
	passt_module.on_defer(m, fake_core_now());
}

static void frame(struct passt_mod *m, struct passt_frame f)
{
	passt_module.on_frames(m, &f, 1, fake_core_now());
}

static void advance_ms(unsigned int ms)
{
	fake_core.now.tv_nsec += (long)(ms % 1000) * 1000000L;
	fake_core.now.tv_sec += ms / 1000;
	if (fake_core.now.tv_nsec >= 1000000000L) {
		fake_core.now.tv_sec++;
		fake_core.now.tv_nsec -= 1000000000L;
	}
}

static const uint8_t syn_opts[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };

/**
 * struct est - An established outbound connection for a test
 */
struct est {
	struct passt_mod *m;
	int lfd;		/* test's listener */
	int peer;		/* test's end of the connection */
	int sock;		/* module's socket */
	uint32_t idx;
	uint16_t port;
	uint32_t iss;		/* module's ISN */
	uint32_t gseq;		/* guest's next sequence */
	bool v6;
};

static const char *gaddr(bool v6)
{
	return v6 ? FAKE_IP6_ADDR : FAKE_IP4_ADDR;
}

static const char *gw(bool v6)
{
	return v6 ? FAKE_IP6_GW : FAKE_IP4_GW;
}

static void guest_send(struct est *e, uint8_t flags, uint32_t seq,
		       uint32_t ack, uint16_t wnd, const void *d, size_t len)
{
	frame(e->m, seg_build(e->v6, gaddr(e->v6), GUEST_PORT, gw(e->v6),
			      e->port, seq, ack, flags, wnd, NULL, 0, d, len));
}

/* SYN, connect, SYN-ACK, ACK: an established connection */
static void establish(struct est *e, bool v6, const uint8_t *opt,
		      size_t optlen)
{
	const struct fake_fd_call *fc;
	struct out o;

	memset(e, 0, sizeof(*e));
	e->v6 = v6;
	e->m = load();
	start(e->m);
	e->lfd = listener(v6, &e->port);

	frame(e->m, seg_build(v6, gaddr(v6), GUEST_PORT, gw(v6), e->port,
			      GUEST_ISN, 0, TCP_SYN, 65535, opt, optlen,
			      NULL, 0));
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	fc = last_sock_add();
	CU_ASSERT_FATAL(fc != NULL);
	CU_ASSERT(fc->events & EPOLLOUT);
	e->sock = fc->fd;
	e->idx = fc->data;
	CU_ASSERT(drive(e->m, e->sock, e->idx, POLLOUT, 1000) & POLLOUT);
	turn(e->m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	o = out_get(0);
	CU_ASSERT(o.csum_ok);
	CU_ASSERT_EQUAL(o.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, GUEST_ISN + 1);
	CU_ASSERT_EQUAL(o.sport, e->port);
	CU_ASSERT_EQUAL(o.dport, GUEST_PORT);
	CU_ASSERT_STRING_EQUAL(o.src, gw(v6));
	CU_ASSERT_STRING_EQUAL(o.dst, gaddr(v6));
	e->iss = o.seq;
	e->peer = accept(e->lfd, NULL, NULL);
	CU_ASSERT_FATAL(e->peer >= 0);
	fake_core_frames_clear();

	e->gseq = GUEST_ISN + 1;
	guest_send(e, TCP_ACK, e->gseq, e->iss + 1, 1000, NULL, 0);
	turn(e->m);
	CU_ASSERT_EQUAL(st(e->m)->conn[e->idx].state, TCP_S_ESTABLISHED);
	fake_core_frames_clear();
}

static void est_end(struct est *e)
{
	if (e->peer >= 0)
		close(e->peer);
	close(e->lfd);
	fake_core_unload(e->m);
}

static size_t peer_read(int fd, uint8_t *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < len && poll(&p, 1, ms) > 0) {
		ssize_t n = recv(fd, buf + got, len - got, MSG_DONTWAIT);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static void wait_err(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	CU_ASSERT(poll(&p, 1, 1000) == 1);
}

static int sock_inq(int fd)
{
	int n = -1;

	ioctl(fd, SIOCINQ, &n);
	return n;
}

/* ------------------------------------------------------------------ */
/* Arithmetic                                                         */
/* ------------------------------------------------------------------ */

static void test_seq_wrap(void)
{
	CU_ASSERT(tcp_seq_lt(0xfffffff0U, 0x10));
	CU_ASSERT(tcp_seq_gt(0x10, 0xfffffff0U));
	CU_ASSERT(tcp_seq_le(0xffffffffU, 0));
	CU_ASSERT(tcp_seq_ge(0, 0xffffffffU));
	CU_ASSERT(tcp_seq_le(5, 5));
	CU_ASSERT(tcp_seq_ge(5, 5));
	CU_ASSERT(!tcp_seq_lt(5, 5));
	CU_ASSERT(!tcp_seq_gt(0xfffffff0U, 0x10));
	CU_ASSERT(tcp_seq_lt(0x7fffffffU, 0x80000000U));
	CU_ASSERT(tcp_seq_lt(0x80000000U, 0xfffffffeU));

	CU_ASSERT(tcp_seq_in_wnd(0x5, 0xfffffff0U, 0x20));
	CU_ASSERT(tcp_seq_in_wnd(0xfffffff0U, 0xfffffff0U, 1));
	CU_ASSERT(!tcp_seq_in_wnd(0x10, 0xfffffff0U, 0x20));
	CU_ASSERT(tcp_seq_in_wnd(0xf, 0xfffffff0U, 0x20));
	CU_ASSERT(!tcp_seq_in_wnd(0xffffffefU, 0xfffffff0U, 0x20));
	CU_ASSERT(!tcp_seq_in_wnd(7, 7, 0));
}

static void test_wnd_scale(void)
{
	CU_ASSERT_EQUAL(tcp_seq_wnd_field(65535, 0), 65535);
	CU_ASSERT_EQUAL(tcp_seq_wnd_field(70000, 0), 65535);
	CU_ASSERT_EQUAL(tcp_seq_wnd_field(1 << 20, 10), 1024);
	CU_ASSERT_EQUAL(tcp_seq_wnd_field((1 << 20) + 1023, 10), 1024);
	CU_ASSERT_EQUAL(tcp_seq_wnd_field(1023, 10), 0);
	CU_ASSERT_EQUAL(tcp_seq_wnd_field(0xffffffffU, 14), 65535);
	CU_ASSERT_EQUAL(tcp_seq_wnd_scale(1000, 7), 128000);
	CU_ASSERT_EQUAL(tcp_seq_wnd_scale(65535, 14), 65535U << 14);
	CU_ASSERT_EQUAL(tcp_seq_wnd_scale(3, 0), 3);
	CU_ASSERT_EQUAL(tcp_seq_free_space(1600, 0), 1500);
	CU_ASSERT_EQUAL(tcp_seq_free_space(1600, 1600), 0);
	CU_ASSERT_EQUAL(tcp_seq_free_space(1600, 2000), 0);
	CU_ASSERT_EQUAL(tcp_seq_free_space(1616, 16), 1500);
}

static void test_isn(void)
{
	struct passt_mod *m = load();
	union passt_inany a, b;
	struct timespec t = { 100, 0 }, t2 = { 100, 4096 * 1000 };
	uint32_t i1, i2, i3, i4;

	start(m);
	passt_inany_from_v4(&a, (struct in_addr){ htonl(0x0a00020f) });
	passt_inany_from_v4(&b, (struct in_addr){ htonl(0x0a000202) });
	i1 = tcp_seq_isn(st(m), &t, &a, 1000, &b, 80);
	i2 = tcp_seq_isn(st(m), &t, &a, 1001, &b, 80);
	i3 = tcp_seq_isn(st(m), &t2, &a, 1000, &b, 80);
	i4 = tcp_seq_isn(st(m), &t, &b, 1000, &a, 80);
	CU_ASSERT_NOT_EQUAL(i1, i2);
	CU_ASSERT_NOT_EQUAL(i1, i4);
	CU_ASSERT_EQUAL(i3 - i1, 1000);	/* 4096 us in 4.096 us ticks */
	fake_core_unload(m);
}

static void test_descriptor(void)
{
	struct passt_mod *m = load();

	CU_ASSERT_STRING_EQUAL(passt_module.name, "tcp");
	CU_ASSERT_EQUAL(passt_module.claims[0].l4proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(passt_module.claims[1].ethertype,
			PASST_ETHERTYPE_IPV6);
	fake_core_cfg_set_int("keepalive_interval", 0);
	CU_ASSERT_EQUAL(fake_core_configure(m), -EINVAL);
	fake_core_cfg_set_int("keepalive_interval", 300);
	fake_core_cfg_set_int("inactivity_timeout", 604801);
	CU_ASSERT_EQUAL(fake_core_configure(m), -EINVAL);
	fake_core_cfg_set_int("inactivity_timeout", 604800);
	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_EQUAL(st(m)->keepalive_interval, 300);
	CU_ASSERT_EQUAL(st(m)->inactivity_timeout, 604800);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	fake_core_unload(m);
}

/* ------------------------------------------------------------------ */
/* Handshakes                                                         */
/* ------------------------------------------------------------------ */

static void test_connect_synack(void)
{
	struct est e;
	struct out o;

	establish(&e, false, syn_opts, sizeof(syn_opts));
	/* Options of the SYN-ACK, checked on a fresh connection */
	est_end(&e);

	{
		struct passt_mod *m = load();
		uint16_t port;
		int lfd;
		const struct fake_fd_call *fc;

		start(m);
		lfd = listener(false, &port);
		frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT,
				   FAKE_IP4_GW, port, 1, 0, TCP_SYN, 65535,
				   syn_opts, sizeof(syn_opts), NULL, 0));
		/* Nothing before the host connection is up */
		CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
		turn(m);
		CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
		fc = last_sock_add();
		CU_ASSERT_FATAL(fc != NULL);
		drive(m, fc->fd, fc->data, POLLOUT, 1000);
		CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
		o = out_get(0);
		CU_ASSERT(o.csum_ok);
		CU_ASSERT_EQUAL(o.flags, TCP_SYN | TCP_ACK);
		CU_ASSERT_EQUAL(o.ack, 2);
		CU_ASSERT_EQUAL(o.doff, 28);
		CU_ASSERT_EQUAL(o.opt[0], 2);		/* MSS: our MTU */
		CU_ASSERT_EQUAL(passt_get16(o.opt + 2), FAKE_MTU - 40);
		CU_ASSERT_EQUAL(o.opt[5], 3);		/* window scale */
		CU_ASSERT_EQUAL(o.opt[7], TCP_WS_OURS);
		CU_ASSERT(o.wnd > 0);
		/* The guest's MSS and scale were taken */
		CU_ASSERT_EQUAL(st(m)->conn[fc->data].mss, 1460);
		CU_ASSERT_EQUAL(st(m)->conn[fc->data].ws_guest, 7);
		/* A repeated SYN gets the SYN-ACK again */
		fake_core_frames_clear();
		frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT,
				   FAKE_IP4_GW, port, 1, 0, TCP_SYN, 65535,
				   syn_opts, sizeof(syn_opts), NULL, 0));
		CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
		CU_ASSERT_EQUAL(out_get(0).flags, TCP_SYN | TCP_ACK);
		CU_ASSERT_EQUAL(out_get(0).seq, o.seq);
		close(lfd);
		fake_core_unload(m);
	}
}

static void test_connect_v6(void)
{
	struct est e;

	establish(&e, true, syn_opts, sizeof(syn_opts));
	CU_ASSERT_EQUAL(st(e.m)->conn[e.idx].v6, 1);
	CU_ASSERT_EQUAL(send(e.peer, "v6!", 3, 0), 3);
	drive(e.m, e.sock, e.idx, POLLIN, 1000);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT(out_get(0).csum_ok);
	CU_ASSERT_EQUAL(out_get(0).len, 3);
	CU_ASSERT(!memcmp(out_get(0).data, "v6!", 3));
	est_end(&e);
}

static void test_connect_refused(void)
{
	struct passt_mod *m = load();
	const struct fake_fd_call *fc;
	uint16_t port = closed_port();
	struct out o;
	unsigned int i;

	start(m);
	frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW,
			   port, 0x12345678, 0, TCP_SYN, 65535, syn_opts,
			   sizeof(syn_opts), NULL, 0));
	fc = last_sock_add();
	for (i = 0; fc && !fake_core.n_to_guest && i < 10; i++)
		drive(m, fc->fd, fc->data, POLLOUT, 200);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	o = out_get(0);
	CU_ASSERT(o.csum_ok);
	CU_ASSERT_EQUAL(o.flags, TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, 0x12345679);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(st(m)->conn_n, 0);
	fake_core_unload(m);
}

static void test_inbound(void)
{
	struct passt_fwd_rule rule = { .proto = IPPROTO_TCP,
				       .from = PASST_PIF_HOST };
	struct passt_mod *m = load();
	const struct fake_fd_call *fc;
	uint16_t port;
	int lfd, cli;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint8_t buf[16];
	struct out o;
	uint32_t iss;

	start(m);
	lfd = listener(false, &port);
	rule.first = rule.last = port;
	rule.to = 8080;
	fake_core_fwd_set(&rule, 1);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(!connect(cli, (struct sockaddr *)&sa, sizeof(sa)));

	fcntl(lfd, F_SETFL, O_NONBLOCK);	/* as the core's are */
	passt_module.on_fd(m, PASST_FD_LISTEN, lfd, PASST_FWD_REF(0, port),
			   EPOLLIN, fake_core_now());
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	o = out_get(0);
	CU_ASSERT(o.csum_ok);
	CU_ASSERT_EQUAL(o.flags, TCP_SYN);
	CU_ASSERT_EQUAL(o.dport, 8080);
	CU_ASSERT_STRING_EQUAL(o.dst, FAKE_IP4_ADDR);
	CU_ASSERT_STRING_EQUAL(o.src, FAKE_IP4_GW);	/* loopback mapped */
	CU_ASSERT_EQUAL(o.opt[7], TCP_WS_OURS);
	iss = o.seq;
	fc = last_sock_add();
	CU_ASSERT_FATAL(fc != NULL);
	fake_core_frames_clear();

	/* Data from the host waits for the handshake */
	CU_ASSERT_EQUAL(send(cli, "early", 5, 0), 5);
	drive(m, fc->fd, fc->data, POLLIN, 500);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);

	/* Wrong ACK: RST at that ACK number */
	frame(m, seg_build(false, FAKE_IP4_ADDR, 8080, FAKE_IP4_GW, o.sport,
			   777, iss + 5, TCP_SYN | TCP_ACK, 100, NULL, 0,
			   NULL, 0));
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).flags, TCP_RST);
	CU_ASSERT_EQUAL(out_get(0).seq, iss + 5);
	fake_core_frames_clear();

	/* SYN-ACK without window scaling: no scaling either way */
	frame(m, seg_build(false, FAKE_IP4_ADDR, 8080, FAKE_IP4_GW, o.sport,
			   777, iss + 1, TCP_SYN | TCP_ACK, 100, NULL, 0,
			   NULL, 0));
	turn(m);
	CU_ASSERT_EQUAL(st(m)->conn[fc->data].state, TCP_S_ESTABLISHED);
	CU_ASSERT_EQUAL(st(m)->conn[fc->data].ws_ours, 0);
	CU_ASSERT_EQUAL(st(m)->conn[fc->data].mss, TCP_MSS4_DEFAULT);
	CU_ASSERT_FATAL(fake_core.n_to_guest >= 1);
	o = out_get(0);
	CU_ASSERT_EQUAL(o.ack, 778);
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(o.len, 5);	/* the early data, with the ACK */
	CU_ASSERT(!memcmp(o.data, "early", 5));

	/* Guest to host */
	fake_core_frames_clear();
	frame(m, seg_build(false, FAKE_IP4_ADDR, 8080, FAKE_IP4_GW,
			   o.sport, 778, iss + 6, TCP_ACK | TCP_PSH, 100,
			   NULL, 0, "reply", 5));
	turn(m);
	CU_ASSERT_EQUAL(peer_read(cli, buf, 5, 1000), 5);
	CU_ASSERT(!memcmp(buf, "reply", 5));
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).ack, 783);

	close(cli);
	close(lfd);
	fake_core_unload(m);
}

static void test_inbound_refused(void)
{
	struct passt_fwd_rule rule = { .proto = IPPROTO_TCP,
				       .from = PASST_PIF_HOST };
	struct passt_mod *m = load();
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint16_t port;
	int lfd, cli;
	struct out o;
	char c;

	start(m);
	lfd = listener(false, &port);
	rule.first = rule.last = port;
	rule.to = 22;
	fake_core_fwd_set(&rule, 1);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(!connect(cli, (struct sockaddr *)&sa, sizeof(sa)));
	fcntl(lfd, F_SETFL, O_NONBLOCK);	/* as the core's are */
	passt_module.on_fd(m, PASST_FD_LISTEN, lfd, PASST_FWD_REF(0, port),
			   EPOLLIN, fake_core_now());
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	o = out_get(0);
	/* The guest's port is closed: RST+ACK of our SYN */
	frame(m, seg_build(false, FAKE_IP4_ADDR, 22, FAKE_IP4_GW, o.sport, 0,
			   o.seq + 1, TCP_RST | TCP_ACK, 0, NULL, 0, NULL, 0));
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(recv(cli, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	close(cli);
	close(lfd);
	fake_core_unload(m);
}

/* ------------------------------------------------------------------ */
/* Data                                                               */
/* ------------------------------------------------------------------ */

static void test_data_both_ways(void)
{
	struct est e;
	uint8_t buf[64];
	struct out o;

	establish(&e, false, syn_opts, sizeof(syn_opts));

	/* Guest to host: ACKed as far as written, sequence wraps */
	guest_send(&e, TCP_ACK | TCP_PSH, e.gseq, e.iss + 1, 1000,
		   "0123456789abcdefghij", 20);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);	/* coalesced */
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	o = out_get(0);
	CU_ASSERT(o.csum_ok);
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, GUEST_ISN + 21);
	CU_ASSERT(tcp_seq_lt(GUEST_ISN, o.ack));
	CU_ASSERT(o.ack < GUEST_ISN);			/* wrapped */
	CU_ASSERT_EQUAL(peer_read(e.peer, buf, 20, 1000), 20);
	CU_ASSERT(!memcmp(buf, "0123456789abcdefghij", 20));
	e.gseq += 20;
	fake_core_frames_clear();

	/* Two segments in one batch: one write, one ACK */
	{
		struct passt_frame f[2];
		static uint8_t b2[2][256];

		f[0] = seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW,
				 e.port, e.gseq, e.iss + 1, TCP_ACK, 1000,
				 NULL, 0, "AAAA", 4);
		memcpy(b2[0], fbuf, f[0].len);
		f[0].data = b2[0];
		f[1] = seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW,
				 e.port, e.gseq + 4, e.iss + 1, TCP_ACK, 1000,
				 NULL, 0, "BBBB", 4);
		memcpy(b2[1], fbuf, f[1].len);
		f[1].data = b2[1];
		passt_module.on_frames(e.m, f, 2, fake_core_now());
		turn(e.m);
		CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
		CU_ASSERT_EQUAL(out_get(0).ack, e.gseq + 8);
		CU_ASSERT_EQUAL(peer_read(e.peer, buf, 8, 1000), 8);
		CU_ASSERT(!memcmp(buf, "AAAABBBB", 8));
		e.gseq += 8;
		fake_core_frames_clear();
	}

	/* Host to guest, in frames of the guest's MSS, kept until ACKed */
	memset(buf, 'x', sizeof(buf));
	st(e.m)->conn[e.idx].mss = 16;
	CU_ASSERT_EQUAL(send(e.peer, buf, 40, 0), 40);
	drive(e.m, e.sock, e.idx, POLLIN, 1000);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 3);
	CU_ASSERT_EQUAL(out_get(0).seq, e.iss + 1);
	CU_ASSERT_EQUAL(out_get(0).len, 16);
	CU_ASSERT_EQUAL(out_get(1).seq, e.iss + 17);
	CU_ASSERT_EQUAL(out_get(2).len, 8);
	CU_ASSERT(out_get(2).flags & TCP_PSH);
	CU_ASSERT_EQUAL(out_get(2).ack, e.gseq);
	CU_ASSERT(out_get(2).csum_ok);
	CU_ASSERT_EQUAL(sock_inq(e.sock), 40);
	fake_core_frames_clear();
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 33, 1000, NULL, 0);
	turn(e.m);
	CU_ASSERT_EQUAL(sock_inq(e.sock), 8);
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 41, 1000, NULL, 0);
	turn(e.m);
	CU_ASSERT_EQUAL(sock_inq(e.sock), 0);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);	/* ACKs aren't ACKed */
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	est_end(&e);
}

/**
 * test_backend_full() - No room in the backend: the data stays in the
 * socket, and goes out, in order and whole, once on_tx_ready() says so
 */
static void test_backend_full(void)
{
	struct tcp_conn *c;
	uint8_t buf[64];
	size_t flen;
	struct est e;

	establish(&e, false, syn_opts, sizeof(syn_opts));
	c = &st(e.m)->conn[e.idx];
	c->mss = 16;
	flen = tcp_frame_hlen(c) + 16;
	memset(buf, 'y', sizeof(buf));

	/* Not even a frame's room: nothing built, the connection waits */
	fake_core.tx_room = flen - 1;
	CU_ASSERT_EQUAL(send(e.peer, buf, 40, 0), 40);
	drive(e.m, e.sock, e.idx, POLLIN, 1000);
	turn(e.m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT(fake_core.tx_waits >= 1);
	CU_ASSERT_EQUAL(fake_core.tx_want, flen);
	CU_ASSERT(c->flags & TCP_F_TX_WAIT);
	CU_ASSERT_EQUAL(c->snd_nxt, e.iss + 1);

	/* Room for two frames: two go, the third waits again */
	fake_core.tx_room = 2 * flen + 5;
	passt_module.on_tx_ready(e.m);
	CU_ASSERT(!(c->flags & TCP_F_TX_WAIT));
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 2);
	CU_ASSERT_EQUAL(out_get(0).seq, e.iss + 1);
	CU_ASSERT_EQUAL(out_get(1).seq, e.iss + 17);
	CU_ASSERT_EQUAL(out_get(1).len, 16);
	CU_ASSERT(c->flags & TCP_F_TX_WAIT);
	fake_core_frames_clear();

	/* A backend that takes anything: the rest, then nothing is held */
	fake_core.tx_room = SIZE_MAX;
	passt_module.on_tx_ready(e.m);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).seq, e.iss + 33);
	CU_ASSERT_EQUAL(out_get(0).len, 8);
	CU_ASSERT(out_get(0).flags & TCP_PSH);
	CU_ASSERT(!(c->flags & TCP_F_TX_WAIT));
	CU_ASSERT_EQUAL(sock_inq(e.sock), 40);
	fake_core_frames_clear();

	/* Woken for a connection that is gone: nothing happens */
	fake_core.tx_room = 0;
	CU_ASSERT_EQUAL(send(e.peer, buf, 4, 0), 4);
	drive(e.m, e.sock, e.idx, POLLIN, 1000);
	CU_ASSERT(c->flags & TCP_F_TX_WAIT);
	guest_send(&e, TCP_RST, e.gseq, 0, 0, NULL, 0);
	turn(e.m);
	fake_core.tx_room = SIZE_MAX;
	passt_module.on_tx_ready(e.m);
	turn(e.m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	est_end(&e);
}

static void test_batch_fin(void)
{
	struct est e;
	struct passt_frame f[2];
	static uint8_t b2[2][256];
	uint8_t buf[8];

	establish(&e, false, syn_opts, sizeof(syn_opts));
	/* Data, then a bare FIN, in one batch: written, then shut down */
	f[0] = seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW, e.port,
			 e.gseq, e.iss + 1, TCP_ACK, 1000, NULL, 0, "data", 4);
	memcpy(b2[0], fbuf, f[0].len);
	f[0].data = b2[0];
	f[1] = seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW, e.port,
			 e.gseq + 4, e.iss + 1, TCP_ACK | TCP_FIN, 1000, NULL,
			 0, NULL, 0);
	memcpy(b2[1], fbuf, f[1].len);
	f[1].data = b2[1];
	passt_module.on_frames(e.m, f, 2, fake_core_now());
	turn(e.m);
	CU_ASSERT_EQUAL(peer_read(e.peer, buf, 4, 1000), 4);
	CU_ASSERT(!memcmp(buf, "data", 4));
	wait_err(e.peer);
	CU_ASSERT_EQUAL(recv(e.peer, buf, 1, MSG_DONTWAIT), 0);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).flags, TCP_ACK);
	CU_ASSERT_EQUAL(out_get(0).ack, e.gseq + 5);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	est_end(&e);
}

static void test_guest_window(void)
{
	struct est e;
	uint8_t buf[300];

	/* Window scale 7 from the SYN: 1000 -> 128000 bytes later on */
	establish(&e, false, syn_opts, sizeof(syn_opts));
	CU_ASSERT_EQUAL(st(e.m)->conn[e.idx].snd_wnd, 128000);

	/* A window of 10 bytes, unscaled: 1 << 7 is one unit, so use 0 */
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 1, 0, NULL, 0);
	turn(e.m);
	CU_ASSERT_EQUAL(st(e.m)->conn[e.idx].snd_wnd, 0);
	memset(buf, 'y', sizeof(buf));
	CU_ASSERT_EQUAL(send(e.peer, buf, 300, 0), 300);
	drive(e.m, e.sock, e.idx, POLLIN, 1000);
	turn(e.m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);

	/* Zero window probe on the timer */
	advance_ms(TCP_RTO_MS + 20);
	passt_module.on_timer(e.m, fake_core_now());
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).seq, e.iss);
	CU_ASSERT_EQUAL(out_get(0).len, 0);
	fake_core_frames_clear();

	/* One unit (128 bytes) opens: exactly that much is sent */
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 1, 1, NULL, 0);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).len, 128);
	est_end(&e);
}

static void test_our_window(void)
{
	struct est e;
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t sl = sizeof(mem);
	uint32_t free, w;
	struct out o;

	establish(&e, false, syn_opts, sizeof(syn_opts));
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 1, 1000, "z", 1);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	o = out_get(0);
	CU_ASSERT_FATAL(!getsockopt(e.sock, SOL_SOCKET, SO_MEMINFO, mem, &sl));
	free = tcp_seq_free_space(mem[SK_MEMINFO_SNDBUF],
				  mem[SK_MEMINFO_WMEM_QUEUED]);
	/* Scaled by 2^10, never more than the socket's free space */
	w = (uint32_t)o.wnd << TCP_WS_OURS;
	CU_ASSERT(w > 0);
	CU_ASSERT(w <= free + (1U << TCP_WS_OURS) * 2);
	CU_ASSERT(w + 4 * (1U << TCP_WS_OURS) >= free / 2);
	est_end(&e);
}

static void test_half_close(void)
{
	struct est e;
	uint8_t buf[4096];
	struct out o;
	unsigned int i;
	uint32_t ack;

	establish(&e, false, syn_opts, sizeof(syn_opts));
	guest_send(&e, TCP_ACK | TCP_FIN, e.gseq, e.iss + 1, 1000, "bye", 3);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).ack, e.gseq + 4);
	e.gseq += 4;
	CU_ASSERT_EQUAL(peer_read(e.peer, buf, 3, 1000), 3);
	CU_ASSERT_EQUAL(recv(e.peer, buf, 1, 0), 0);	/* EOF */
	fake_core_frames_clear();

	/* Data keeps flowing to the guest; its window keeps opening */
	memset(buf, 'h', sizeof(buf));
	ack = e.iss + 1;
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(send(e.peer, buf, sizeof(buf), 0),
				(ssize_t)sizeof(buf));
		drive(e.m, e.sock, e.idx, POLLIN, 1000);
		turn(e.m);
		CU_ASSERT(fake_core.n_to_guest >= 1);
		o = out_get(fake_core.n_to_guest - 1);
		ack = o.seq + (uint32_t)o.len;
		fake_core_frames_clear();
		guest_send(&e, TCP_ACK, e.gseq, ack, 1000 + i, NULL, 0);
		turn(e.m);
	}
	CU_ASSERT_EQUAL(ack, e.iss + 1 + 4 * sizeof(buf));
	CU_ASSERT_EQUAL(sock_inq(e.sock), 0);

	/* Host closes: FIN to the guest; its ACK ends the connection */
	close(e.peer);
	e.peer = -1;
	drive(e.m, e.sock, e.idx, POLLIN, 1000);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	o = out_get(0);
	CU_ASSERT_EQUAL(o.flags, TCP_FIN | TCP_ACK);
	CU_ASSERT_EQUAL(o.seq, ack);
	guest_send(&e, TCP_ACK, e.gseq, ack + 1, 1000, NULL, 0);
	turn(e.m);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(st(e.m)->conn_n, 0);
	est_end(&e);
}

static void test_host_fin_first(void)
{
	struct est e;
	struct out o;

	establish(&e, false, syn_opts, sizeof(syn_opts));
	CU_ASSERT_EQUAL(send(e.peer, "last", 4, 0), 4);
	shutdown(e.peer, SHUT_WR);
	drive(e.m, e.sock, e.idx, POLLIN, 1000);
	turn(e.m);
	/* Data, then FIN right after it */
	CU_ASSERT_FATAL(fake_core.n_to_guest == 2);
	CU_ASSERT_EQUAL(out_get(0).len, 4);
	o = out_get(1);
	CU_ASSERT_EQUAL(o.flags, TCP_FIN | TCP_ACK);
	CU_ASSERT_EQUAL(o.seq, e.iss + 5);
	fake_core_frames_clear();
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 6, 1000, NULL, 0);
	turn(e.m);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);	/* guest still open */

	/* The guest still sends, then closes */
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 6, 1000, "more", 4);
	guest_send(&e, TCP_ACK | TCP_FIN, e.gseq + 4, e.iss + 6, 1000,
		   NULL, 0);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest >= 1);
	CU_ASSERT_EQUAL(out_get(fake_core.n_to_guest - 1).ack, e.gseq + 5);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	{
		uint8_t b[8];

		CU_ASSERT_EQUAL(peer_read(e.peer, b, 4, 1000), 4);
		CU_ASSERT(!memcmp(b, "more", 4));
	}
	est_end(&e);
}

static void test_rst_both_ways(void)
{
	struct est e;
	struct linger l = { 1, 0 };
	char c;

	/* Guest resets: the host peer sees ECONNRESET */
	establish(&e, false, syn_opts, sizeof(syn_opts));
	guest_send(&e, TCP_RST, e.gseq, 0, 0, NULL, 0);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	wait_err(e.peer);
	CU_ASSERT_EQUAL(recv(e.peer, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	est_end(&e);

	/* Host resets: RST to the guest at our next sequence */
	establish(&e, false, syn_opts, sizeof(syn_opts));
	setsockopt(e.peer, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(e.peer);
	e.peer = -1;
	drive(e.m, e.sock, e.idx, POLLIN, 1000);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).flags, TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(out_get(0).seq, e.iss + 1);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	est_end(&e);
}

static void test_retransmit_timeout(void)
{
	struct est e;
	struct out o;

	establish(&e, false, syn_opts, sizeof(syn_opts));
	CU_ASSERT_EQUAL(send(e.peer, "lost in tap", 11, 0), 11);
	drive(e.m, e.sock, e.idx, POLLIN, 1000);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	fake_core_frames_clear();

	advance_ms(TCP_RTO_MS / 2);
	passt_module.on_timer(e.m, fake_core_now());
	turn(e.m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	advance_ms(TCP_RTO_MS / 2 + TCP_TICK_MS);
	passt_module.on_timer(e.m, fake_core_now());
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	o = out_get(0);
	CU_ASSERT_EQUAL(o.seq, e.iss + 1);
	CU_ASSERT_EQUAL(o.len, 11);
	CU_ASSERT(!memcmp(o.data, "lost in tap", 11));
	CU_ASSERT_EQUAL(st(e.m)->conn[e.idx].rto, 2 * TCP_RTO_MS);
	fake_core_frames_clear();

	/* Acknowledged: no more retransmissions */
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 12, 1000, NULL, 0);
	turn(e.m);
	advance_ms(5000);
	passt_module.on_timer(e.m, fake_core_now());
	turn(e.m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT_EQUAL(sock_inq(e.sock), 0);
	est_end(&e);
}

static void test_retransmit_dupacks(void)
{
	struct est e;
	uint8_t buf[64];
	unsigned int i;

	establish(&e, false, syn_opts, sizeof(syn_opts));
	st(e.m)->conn[e.idx].mss = 16;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	CU_ASSERT_EQUAL(send(e.peer, buf, 64, 0), 64);
	drive(e.m, e.sock, e.idx, POLLIN, 1000);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 4);
	fake_core_frames_clear();

	/* First segment acked, second lost: three duplicate ACKs */
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 17, 1000, NULL, 0);
	turn(e.m);
	for (i = 0; i < 2; i++) {
		guest_send(&e, TCP_ACK, e.gseq, e.iss + 17, 1000, NULL, 0);
		turn(e.m);
		CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	}
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 17, 1000, NULL, 0);
	turn(e.m);
	/* Everything from the hole, read again from the kernel */
	CU_ASSERT_FATAL(fake_core.n_to_guest == 3);
	CU_ASSERT_EQUAL(out_get(0).seq, e.iss + 17);
	CU_ASSERT(!memcmp(out_get(0).data, buf + 16, 16));
	CU_ASSERT(!memcmp(out_get(2).data, buf + 48, 16));
	fake_core_frames_clear();

	/* More duplicates of the same hole don't go back again */
	for (i = 0; i < 4; i++) {
		guest_send(&e, TCP_ACK, e.gseq, e.iss + 17, 1000, NULL, 0);
		turn(e.m);
	}
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 65, 1000, NULL, 0);
	turn(e.m);
	CU_ASSERT_EQUAL(sock_inq(e.sock), 0);
	est_end(&e);
}

static void test_partial_write(void)
{
	struct est e;
	static uint8_t big[60000];
	unsigned int i, n_dup = 0;
	int sz = 4096;
	uint32_t acked;

	establish(&e, false, syn_opts, sizeof(syn_opts));
	/* A tiny, locked send buffer, and a peer that doesn't read */
	setsockopt(e.sock, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(e.peer, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(big, 'p', sizeof(big));
	for (i = 0; i < 20; i++) {
		guest_send(&e, TCP_ACK, e.gseq, e.iss + 1, 1000, big,
			   sizeof(big) - 100);
		turn(e.m);
		acked = out_get(fake_core.n_to_guest - 1).ack;
		e.gseq = acked;
		if (fake_core.n_to_guest > 1 ||
		    acked != e.gseq)
			break;
		if ((size_t)(acked - (GUEST_ISN + 1)) <
		    (i + 1) * (sizeof(big) - 100))
			break;
	}
	/* Acknowledged only what the kernel took, and asked for room */
	CU_ASSERT(st(e.m)->conn[e.idx].flags & TCP_F_STALLED);
	CU_ASSERT(st(e.m)->conn[e.idx].flags & TCP_F_EPOLLOUT);
	fake_core_frames_clear();

	/* Room again: a window update and three duplicate ACKs */
	while (peer_read(e.peer, big, sizeof(big), 100))
		;
	drive(e.m, e.sock, e.idx, POLLOUT, 2000);
	turn(e.m);
	for (i = 0; i < fake_core.n_to_guest; i++)
		if (out_get(i).ack == acked && out_get(i).flags == TCP_ACK)
			n_dup++;
	CU_ASSERT_EQUAL(n_dup, 4);
	CU_ASSERT(out_get(0).wnd > 0);
	est_end(&e);
}

/* ------------------------------------------------------------------ */
/* Malformed and odd segments                                         */
/* ------------------------------------------------------------------ */

/* Value of a counter from stats(), or UINT64_MAX (a failed assertion) */
static uint64_t stat_get(struct passt_mod *m, const char *name)
{
	struct passt_stat c[PASST_STATS_MAX];
	size_t i, n = passt_module.stats(m, c, PASST_STATS_MAX);

	CU_ASSERT(n > 0 && n <= PASST_STATS_MAX);
	for (i = 0; i < n; i++) {
		CU_ASSERT(strlen(c[i].name) <= PASST_STAT_NAME_MAX);
		if (!strcmp(c[i].name, name))
			return c[i].value;
	}
	CU_FAIL("no such counter");
	return UINT64_MAX;
}

static void test_csum_offloaded(void)
{
	struct passt_mod *m = load();
	struct passt_frame f;
	uint16_t port = closed_port();

	start(m);

	/* A partial sum where the checksum goes, as a tap with checksum
	 * offload hands it over: taken when the backend says so, only then
	 */
	f = seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW, port, 1,
		      0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	fbuf[f.l4off + 16] ^= 0x55;
	frame(m, f);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	f.flags = PASST_FRAME_CSUM_OK;
	frame(m, f);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT_PTR_NOT_NULL(last_sock_add());
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	fake_core_unload(m);
}

static void test_malformed(void)
{
	struct passt_mod *m = load();
	struct passt_frame f;
	uint16_t port = closed_port();
	uint8_t bad_opt[4] = { 2, 10, 0, 0 };	/* runs past the header */

	start(m);

	/* Bad checksum: dropped, no flow, no answer */
	f = seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW, port, 1,
		      0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	fbuf[f.l4off + 16] ^= 0x55;
	frame(m, f);
	/* Data offset below 5 words, and beyond the segment */
	f = seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW, port, 1,
		      0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	fbuf[f.l4off + 12] = 4 << 4;
	frame(m, f);
	f = seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW, port, 1,
		      0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	fbuf[f.l4off + 12] = 15 << 4;
	frame(m, f);
	/* Truncated header */
	f = seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW, port, 1,
		      0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	f.l4len = 12;
	frame(m, f);
	/* No transport header at all (a fragment) */
	f.l4off = 0;
	frame(m, f);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT_EQUAL(fake_core.n_fd_calls, 0);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);

	/* Option past the end: options ignored, segment taken (as Linux) */
	frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW,
			   port, 1, 0, TCP_SYN, 1000, bad_opt,
			   sizeof(bad_opt), NULL, 0));
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	{
		const struct fake_fd_call *fc = last_sock_add();

		CU_ASSERT_FATAL(fc != NULL);
		CU_ASSERT_EQUAL(st(m)->conn[fc->data].mss, TCP_MSS4_DEFAULT);
		CU_ASSERT_EQUAL(st(m)->conn[fc->data].ws_ours, 0);
	}

	/* Segments for no connection: RST, except to RST */
	fake_core_frames_clear();
	frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT + 1, FAKE_IP4_GW,
			   port, 5, 0, TCP_RST, 0, NULL, 0, NULL, 0));
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT + 1, FAKE_IP4_GW,
			   port, 5, 99, TCP_ACK, 0, NULL, 0, "x", 1));
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).flags, TCP_RST);
	CU_ASSERT_EQUAL(out_get(0).seq, 99);
	frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT + 1, FAKE_IP4_GW,
			   port, 5, 0, TCP_FIN, 0, NULL, 0, "xy", 2));
	CU_ASSERT_FATAL(fake_core.n_to_guest == 2);
	CU_ASSERT_EQUAL(out_get(1).flags, TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(out_get(1).ack, 8);
	/* SYN+FIN, SYN+RST: no connection */
	frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT + 2, FAKE_IP4_GW,
			   port, 5, 0, TCP_SYN | TCP_FIN, 0, NULL, 0, NULL,
			   0));
	frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT + 3, FAKE_IP4_GW,
			   port, 5, 0, TCP_SYN | TCP_RST, 0, NULL, 0, NULL,
			   0));
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	/* SYN from or to a multicast address */
	frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT + 4, "224.0.0.1",
			   port, 5, 0, TCP_SYN, 0, NULL, 0, NULL, 0));
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);

	/* All of it counted, for SIGUSR1 */
	CU_ASSERT_EQUAL(stat_get(m, "drop_bad_checksum"), 1);
	CU_ASSERT_EQUAL(stat_get(m, "drop_bad_header"), 4);
	CU_ASSERT_EQUAL(stat_get(m, "drop_no_flow"), 5);
	CU_ASSERT_EQUAL(stat_get(m, "drop_table_full"), 0);
	CU_ASSERT_EQUAL(stat_get(m, "flows_connecting"), 1);
	CU_ASSERT_EQUAL(stat_get(m, "flows_established"), 0);
	CU_ASSERT_EQUAL(stat_get(m, "bytes_to_host"), 0);
	fake_core_unload(m);
}

static void test_odd_states(void)
{
	struct est e;
	uint8_t buf[8];

	establish(&e, false, syn_opts, sizeof(syn_opts));

	/* RST in the window but not exact: challenge ACK, still open */
	guest_send(&e, TCP_RST, e.gseq + 10, 0, 0, NULL, 0);
	turn(e.m);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).flags, TCP_ACK);
	CU_ASSERT_EQUAL(out_get(0).ack, e.gseq);
	fake_core_frames_clear();
	/* RST far outside: ignored */
	guest_send(&e, TCP_RST, e.gseq + 0x40000000U, 0, 0, NULL, 0);
	turn(e.m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	/* SYN on an open connection: challenge ACK */
	guest_send(&e, TCP_SYN, e.gseq + 1000, 0, 1000, NULL, 0);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).ack, e.gseq);
	fake_core_frames_clear();
	/* No ACK flag: dropped silently */
	guest_send(&e, 0, e.gseq, 0, 1000, "nope", 4);
	turn(e.m);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	/* Data ahead of what we expect: dropped, duplicate ACK */
	guest_send(&e, TCP_ACK, e.gseq + 100, e.iss + 1, 1000, "later", 5);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).ack, e.gseq);
	fake_core_frames_clear();
	/* Far outside the window, and old data: ACK only */
	guest_send(&e, TCP_ACK, e.gseq + 0x20000000U, e.iss + 1, 1000, "far",
		   3);
	guest_send(&e, TCP_ACK, e.gseq - 10, e.iss + 1, 1000, "old", 3);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest >= 1);
	CU_ASSERT_EQUAL(out_get(0).ack, e.gseq);
	fake_core_frames_clear();
	/* ACK of data never sent: ACK back, segment dropped */
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 5000, 1000, "zz", 2);
	turn(e.m);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).ack, e.gseq);
	fake_core_frames_clear();
	/* Overlapping retransmission: only the new part is written */
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 1, 1000, "abc", 3);
	guest_send(&e, TCP_ACK, e.gseq + 1, e.iss + 1, 1000, "bcdef", 5);
	turn(e.m);
	CU_ASSERT_EQUAL(peer_read(e.peer, buf, 6, 1000), 6);
	CU_ASSERT(!memcmp(buf, "abcdef", 6));
	CU_ASSERT_EQUAL(peer_read(e.peer, buf, 1, 100), 0);
	CU_ASSERT_EQUAL(out_get(fake_core.n_to_guest - 1).ack, e.gseq + 6);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	est_end(&e);
}

static void test_table_full(void)
{
	struct passt_mod *m = load();
	uint16_t port;
	int lfd;
	struct out o;

	fake_core.flow_max = 1;
	start(m);
	lfd = listener(false, &port);
	frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW,
			   port, 1, 0, TCP_SYN, 1000, NULL, 0, NULL, 0));
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	frame(m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT + 1, FAKE_IP4_GW,
			   port, 500, 0, TCP_SYN, 1000, NULL, 0, NULL, 0));
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	o = out_get(0);
	CU_ASSERT_EQUAL(o.flags, TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, 501);
	CU_ASSERT_EQUAL(o.dport, GUEST_PORT + 1);
	CU_ASSERT(fake_core_log_find("flow table full") >= 0);
	CU_ASSERT(fake_core.logs[fake_core_log_find("flow table full")]
		  .ratelimit);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_WARNING], 1);
	close(lfd);
	fake_core_unload(m);
}

/* ------------------------------------------------------------------ */
/* Timers                                                             */
/* ------------------------------------------------------------------ */

static void test_keepalive(void)
{
	struct est e;
	struct passt_mod *m = load();
	const struct fake_fd_call *fc;
	unsigned int i, probes = 0;
	struct out o;

	/* establish() loads its own module: redo it with a short interval */
	fake_core_unload(m);
	memset(&e, 0, sizeof(e));
	e.m = load();
	fake_core_cfg_set_int("keepalive_interval", 1);
	start(e.m);
	e.lfd = listener(false, &e.port);
	frame(e.m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW,
			     e.port, GUEST_ISN, 0, TCP_SYN, 1000, NULL, 0,
			     NULL, 0));
	fc = last_sock_add();
	CU_ASSERT_FATAL(fc != NULL);
	e.sock = fc->fd;
	e.idx = fc->data;
	drive(e.m, e.sock, e.idx, POLLOUT, 1000);
	e.iss = out_get(0).seq;
	e.peer = accept(e.lfd, NULL, NULL);
	e.gseq = GUEST_ISN + 1;
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 1, 1000, NULL, 0);
	turn(e.m);
	fake_core_frames_clear();

	for (i = 0; i < 3; i++) {
		advance_ms(1000);
		passt_module.on_timer(e.m, fake_core_now());
		turn(e.m);
	}
	for (i = 0; i < fake_core.n_to_guest; i++) {
		o = out_get(i);
		if (o.flags == TCP_ACK && o.seq == e.iss && !o.len)
			probes++;
	}
	CU_ASSERT(probes >= 1);
	CU_ASSERT(probes <= 2);
	/* The guest forgot the connection: its RST resets the host side */
	guest_send(&e, TCP_RST, e.gseq, 0, 0, NULL, 0);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	est_end(&e);
}

static void test_inactivity(void)
{
	struct est e;
	const struct fake_fd_call *fc;
	unsigned int i;
	char c;

	memset(&e, 0, sizeof(e));
	e.m = load();
	fake_core_cfg_set_int("inactivity_timeout", 2);
	start(e.m);
	e.lfd = listener(false, &e.port);
	frame(e.m, seg_build(false, FAKE_IP4_ADDR, GUEST_PORT, FAKE_IP4_GW,
			     e.port, GUEST_ISN, 0, TCP_SYN, 1000, NULL, 0,
			     NULL, 0));
	fc = last_sock_add();
	CU_ASSERT_FATAL(fc != NULL);
	e.sock = fc->fd;
	e.idx = fc->data;
	drive(e.m, e.sock, e.idx, POLLOUT, 1000);
	e.iss = out_get(0).seq;
	e.peer = accept(e.lfd, NULL, NULL);
	e.gseq = GUEST_ISN + 1;
	guest_send(&e, TCP_ACK, e.gseq, e.iss + 1, 1000, NULL, 0);
	turn(e.m);
	fake_core_frames_clear();

	/* Between one and two intervals of silence */
	for (i = 0; i < 2; i++) {
		advance_ms(1000);
		passt_module.on_timer(e.m, fake_core_now());
	}
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	for (i = 0; i < 2; i++) {
		advance_ms(1000);
		passt_module.on_timer(e.m, fake_core_now());
	}
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_FATAL(fake_core.n_to_guest == 1);
	CU_ASSERT_EQUAL(out_get(0).flags, TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(recv(e.peer, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	est_end(&e);
}

static void test_syn_retries(void)
{
	struct passt_fwd_rule rule = { .proto = IPPROTO_TCP,
				       .from = PASST_PIF_HOST, .to = 80 };
	struct passt_mod *m = load();
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint16_t port;
	int lfd, cli;
	unsigned int i, syns = 0;
	char c;

	start(m);
	lfd = listener(false, &port);
	rule.first = rule.last = port;
	fake_core_fwd_set(&rule, 1);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(!connect(cli, (struct sockaddr *)&sa, sizeof(sa)));
	fcntl(lfd, F_SETFL, O_NONBLOCK);	/* as the core's are */
	passt_module.on_fd(m, PASST_FD_LISTEN, lfd, PASST_FWD_REF(0, port),
			   EPOLLIN, fake_core_now());
	for (i = 0; i < 40; i++) {
		advance_ms(1000);
		passt_module.on_timer(m, fake_core_now());
	}
	for (i = 0; i < fake_core.n_to_guest; i++)
		syns += out_get(i).flags == TCP_SYN;
	CU_ASSERT_EQUAL(syns, 1 + TCP_SYN_RETRIES_MAX);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(recv(cli, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	close(cli);
	close(lfd);
	fake_core_unload(m);
}

static void test_guest_reset(void)
{
	struct est e;
	char c;

	establish(&e, false, syn_opts, sizeof(syn_opts));
	passt_module.on_reset(e.m);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(st(e.m)->conn_n, 0);
	wait_err(e.peer);
	CU_ASSERT_EQUAL(recv(e.peer, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	est_end(&e);
}

static void test_many(void)
{
	struct passt_mod *m = load();
	uint16_t port;
	int lfd, peers[100];
	unsigned int i, n = 0;

	fake_core.flow_max = 256;
	start(m);
	lfd = listener(false, &port);
	for (i = 0; i < 100; i++) {
		const struct fake_fd_call *fc;

		frame(m, seg_build(false, FAKE_IP4_ADDR,
				   (uint16_t)(GUEST_PORT + i), FAKE_IP4_GW,
				   port, i * 1000, 0, TCP_SYN, 1000, NULL, 0,
				   NULL, 0));
		fc = last_sock_add();
		drive(m, fc->fd, fc->data, POLLOUT, 1000);
		peers[i] = accept(lfd, NULL, NULL);
	}
	for (i = 0; i < fake_core.n_to_guest; i++)
		n += out_get(i).flags == (TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(n, 100);
	CU_ASSERT_EQUAL(st(m)->conn_n, 100);
	for (i = 0; i < 100; i++)
		close(peers[i]);
	close(lfd);
	fake_core_unload(m);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
}

/* ------------------------------------------------------------------ */
/* Splice                                                             */
/* ------------------------------------------------------------------ */

/**
 * struct spl - A spliced connection under test, all on this loopback
 */
struct spl {
	struct passt_mod *m;
	int lfd;		/* the rule's listening socket */
	int tfd;		/* the target's listener, -1 if closed */
	int cli;		/* the connecting client */
	int srv;		/* the target's end, once accepted */
	int sock[2];		/* module's: accepted side, connected side */
	uint32_t idx;
	uint16_t lport, tport;
};

static struct passt_fwd_rule spl_rule;

/* File descriptors open in this process */
static int fd_count(void)
{
	char path[64];
	int n = 0, i;

	for (i = 0; i < 4096; i++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", i);
		n += !access(path, F_OK);
	}
	return n;
}

/* Events the module last asked for on @fd, 0 if not watched */
static uint32_t wanted(int fd)
{
	unsigned int i;

	for (i = fake_core.n_fd_calls; i > 0; i--) {
		const struct fake_fd_call *c = &fake_core.fd_calls[i - 1];

		if (c->fd != fd)
			continue;
		return c->op == FAKE_FD_DEL ? 0 : c->events;
	}
	return 0;
}

/* Hand socket events to the module as an edge-triggered epoll would,
 * roughly, for up to @ms of quiet; returns the number of events handed
 */
static unsigned int pump(struct spl *x, int ms)
{
	unsigned int n = 0, rounds;

	for (rounds = 0; rounds < 1000; rounds++) {
		const struct tcp_conn *c = tcp_conn_at(st(x->m), x->idx);
		struct pollfd p[2];
		unsigned int k;

		if (!c || c->state != TCP_S_SPLICE)
			break;
		for (k = 0; k < 2; k++) {
			const struct tcp_splice *sp = &st(x->m)->spl[x->idx];
			uint32_t done = TCP_SPL_EOF(k) | TCP_SPL_BLOCKED(k);
			uint32_t w = wanted(x->sock[k]);
			short ev = 0;

			/* Level-triggered poll standing in for edges: don't
			 * report what the module has seen to its end already
			 */
			if ((w & EPOLLIN) && !(sp->flags & done))
				ev |= POLLIN | POLLRDHUP;
			if (w & EPOLLOUT)
				ev |= POLLOUT;
			p[k].fd = x->sock[k];
			p[k].events = ev;
			p[k].revents = 0;
		}
		if (poll(p, 2, ms) <= 0) {
			if (!st(x->m)->n_pending)
				break;
			turn(x->m);
			continue;
		}
		for (k = 0; k < 2; k++) {
			c = tcp_conn_at(st(x->m), x->idx);
			if (!p[k].revents || !c || c->state != TCP_S_SPLICE)
				continue;
			passt_module.on_fd(x->m, k ? TCP_FD_SPLICE1
						   : TCP_FD_SPLICE0,
					   x->sock[k], x->idx,
					   (uint32_t)p[k].revents,
					   fake_core_now());
			n++;
		}
		turn(x->m);
	}
	return n;
}

/* Connect to a loopback port, blocking */
static int lo_connect(bool v6, uint16_t port)
{
	struct sockaddr_storage sa = { 0 };
	socklen_t sl;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);

	CU_ASSERT_FATAL(fd >= 0);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&sa;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port);
		sl = sizeof(*a);
	}
	CU_ASSERT_FATAL(!connect(fd, (struct sockaddr *)&sa, sl));
	return fd;
}

/* A client through a rule from @from, spliced to a target listener;
 * @target: the target listens (else its port is closed); the target's
 * end is accepted if it listens
 */
static void spl_open(struct spl *x, uint8_t from, bool v6, bool target)
{
	unsigned int i;

	memset(x, 0, sizeof(*x));
	x->srv = x->tfd = -1;
	x->sock[0] = x->sock[1] = -1;
	x->m = load();
	fake_core.guest_sockets = true;
	start(x->m);

	x->lfd = listener(v6, &x->lport);
	fcntl(x->lfd, F_SETFL, O_NONBLOCK);	/* as the core's are */
	x->tfd = listener(v6, &x->tport);
	if (!target) {
		close(x->tfd);
		x->tfd = -1;
	}
	spl_rule = (struct passt_fwd_rule){ .proto = IPPROTO_TCP,
					    .from = from,
					    .first = x->lport,
					    .last = x->lport,
					    .to = x->tport };
	fake_core_fwd_set(&spl_rule, 1);

	x->cli = lo_connect(v6, x->lport);
	passt_module.on_fd(x->m, PASST_FD_LISTEN, x->lfd,
			   PASST_FWD_REF(0, x->lport), EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	for (i = 0; i < fake_core.n_fd_calls; i++) {
		const struct fake_fd_call *c = &fake_core.fd_calls[i];

		if (c->op != FAKE_FD_ADD)
			continue;
		if (c->type == TCP_FD_SPLICE0)
			x->sock[0] = c->fd;
		else if (c->type == TCP_FD_SPLICE1)
			x->sock[1] = c->fd;
		else
			continue;
		x->idx = c->data;
	}
	CU_ASSERT_FATAL(x->sock[0] >= 0 && x->sock[1] >= 0);
	if (target) {
		x->srv = accept(x->tfd, NULL, NULL);
		CU_ASSERT_FATAL(x->srv >= 0);
	}
}

static void spl_close(struct spl *x)
{
	if (x->cli >= 0)
		close(x->cli);
	if (x->srv >= 0)
		close(x->srv);
	if (x->tfd >= 0)
		close(x->tfd);
	close(x->lfd);
	fake_core_unload(x->m);
}

/* Bytes of a pattern, @off bytes into it */
static void pattern(uint8_t *b, size_t len, size_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)((off + i) * 7 + (off + i) / 251);
}

static void spl_data(uint8_t from, bool v6)
{
	const struct passt_flow *f;
	const struct tcp_splice *sp;
	uint8_t buf[64];
	struct spl x;
	int base = fd_count();

	spl_open(&x, from, v6, true);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	f = fake_core_ops.flow_at(x.m, x.idx);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(f->type, TCP_FLOW_SPLICE);
	CU_ASSERT_EQUAL(f->side[PASST_INISIDE].pif, from);
	CU_ASSERT_EQUAL(f->side[PASST_TGTSIDE].pif,
			from == PASST_PIF_SPLICE ? PASST_PIF_HOST
						 : PASST_PIF_SPLICE);
	CU_ASSERT_EQUAL(f->side[PASST_INISIDE].oport, x.lport);
	CU_ASSERT_EQUAL(f->side[PASST_TGTSIDE].eport, x.tport);
	CU_ASSERT_EQUAL(!passt_inany_v4(&f->side[PASST_TGTSIDE].eaddr), v6);
	CU_ASSERT(tcp_splice_loopback(&f->side[PASST_TGTSIDE].eaddr));
	CU_ASSERT_EQUAL(st(x.m)->conn[x.idx].state, TCP_S_SPLICE);
	sp = &st(x.m)->spl[x.idx];
	CU_ASSERT(sp->flags & TCP_SPL_CONNECTING);

	/* Data before connect() is done waits for it */
	CU_ASSERT_EQUAL(send(x.cli, "early", 5, 0), 5);
	pump(&x, 50);
	CU_ASSERT_FALSE(sp->flags & TCP_SPL_CONNECTING);
	CU_ASSERT_EQUAL(peer_read(x.srv, buf, 5, 1000), 5);
	CU_ASSERT(!memcmp(buf, "early", 5));

	CU_ASSERT_EQUAL(send(x.srv, "reply", 5, 0), 5);
	pump(&x, 50);
	CU_ASSERT_EQUAL(peer_read(x.cli, buf, 5, 1000), 5);
	CU_ASSERT(!memcmp(buf, "reply", 5));

	/* Half-close: the client's FIN reaches the server, which can still
	 * send, and the server's FIN ends it all
	 */
	CU_ASSERT_EQUAL(shutdown(x.cli, SHUT_WR), 0);
	pump(&x, 50);
	CU_ASSERT_EQUAL(recv(x.srv, buf, sizeof(buf), MSG_DONTWAIT), 0);
	CU_ASSERT(sp->flags & TCP_SPL_SHUT(0));
	CU_ASSERT_EQUAL(send(x.srv, "more", 4, 0), 4);
	pump(&x, 50);
	CU_ASSERT_EQUAL(peer_read(x.cli, buf, 4, 1000), 4);
	CU_ASSERT(!memcmp(buf, "more", 4));
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT_EQUAL(shutdown(x.srv, SHUT_WR), 0);
	pump(&x, 50);
	CU_ASSERT_EQUAL(recv(x.cli, buf, sizeof(buf), MSG_DONTWAIT), 0);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(st(x.m)->conn_n, 0);
	CU_ASSERT_EQUAL(st(x.m)->conn[x.idx].state, TCP_S_FREE);
	CU_ASSERT_EQUAL(fake_core.n_to_guest, 0);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	spl_close(&x);
	CU_ASSERT_EQUAL(fd_count(), base);
}

static void test_splice_from_guest(void)
{
	spl_data(PASST_PIF_SPLICE, false);
}

static void test_splice_from_guest_v6(void)
{
	spl_data(PASST_PIF_SPLICE, true);
}

static void test_splice_from_host(void)
{
	spl_data(PASST_PIF_HOST, false);
}

static void test_splice_from_host_v6(void)
{
	spl_data(PASST_PIF_HOST, true);
}

/* From the host's loopback without guest sockets: frames, as before */
static void test_splice_enotsup(void)
{
	struct passt_fwd_rule rule = { .proto = IPPROTO_TCP,
				       .from = PASST_PIF_HOST, .to = 8080 };
	struct passt_mod *m = load();
	uint16_t port;
	int lfd, cli;

	fake_core.guest_sockets = false;
	start(m);
	lfd = listener(false, &port);
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	rule.first = rule.last = port;
	fake_core_fwd_set(&rule, 1);
	cli = lo_connect(false, port);
	passt_module.on_fd(m, PASST_FD_LISTEN, lfd, PASST_FWD_REF(0, port),
			   EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_to_guest, 1);
	CU_ASSERT_EQUAL(out_get(0).flags, TCP_SYN);
	CU_ASSERT_PTR_NOT_NULL(last_sock_add());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	close(cli);
	close(lfd);
	fake_core_unload(m);
}

/* 8 MiB one way into a reader that waits: the module stops reading when
 * the far side is full, and everything arrives in order
 */
static void test_splice_backpressure(void)
{
	const size_t total = 8 << 20;
	static uint8_t sbuf[65536], rbuf[65536];
	size_t sent = 0, got = 0;
	bool blocked = false, bad = false;
	int small = 65536, base = fd_count();
	unsigned int loops;
	struct spl x;

	spl_open(&x, PASST_PIF_SPLICE, false, true);
	setsockopt(x.srv, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	pump(&x, 20);

	for (loops = 0; got < total && loops < 100000; loops++) {
		const struct tcp_splice *sp = &st(x.m)->spl[x.idx];
		ssize_t n;

		if (sent < total) {
			size_t len = total - sent < sizeof(sbuf) ?
				     total - sent : sizeof(sbuf);

			pattern(sbuf, len, sent);
			n = send(x.cli, sbuf, len, MSG_DONTWAIT);
			if (n > 0)
				sent += (size_t)n;
		}
		pump(&x, 1);
		blocked |= !!(sp->flags & TCP_SPL_BLOCKED(0));
		/* Start reading once the module had to wait */
		if (!blocked && sent < total)
			continue;
		while ((n = recv(x.srv, rbuf, sizeof(rbuf),
				 MSG_DONTWAIT)) > 0) {
			pattern(sbuf, (size_t)n, got);
			bad |= !!memcmp(sbuf, rbuf, (size_t)n);
			got += (size_t)n;
		}
	}
	CU_ASSERT(blocked);
	CU_ASSERT_EQUAL(got, total);
	CU_ASSERT_FALSE(bad);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	spl_close(&x);
	CU_ASSERT_EQUAL(fd_count(), base);
}

/* Nobody at the target: the client's connection is reset at once */
static void test_splice_refused(void)
{
	int base = fd_count();
	struct spl x;
	char c;

	spl_open(&x, PASST_PIF_SPLICE, false, false);
	pump(&x, 50);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT_EQUAL(st(x.m)->conn_n, 0);
	wait_err(x.cli);
	CU_ASSERT_EQUAL(recv(x.cli, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	spl_close(&x);
	CU_ASSERT_EQUAL(fd_count(), base);

	spl_open(&x, PASST_PIF_HOST, true, false);
	pump(&x, 50);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	wait_err(x.cli);
	CU_ASSERT_EQUAL(recv(x.cli, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	spl_close(&x);
	CU_ASSERT_EQUAL(fd_count(), base);
}

/* A reset from either end reaches the other */
static void test_splice_rst(void)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	struct spl x;
	char c;

	spl_open(&x, PASST_PIF_SPLICE, false, true);
	pump(&x, 20);
	setsockopt(x.srv, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(x.srv);
	x.srv = -1;
	pump(&x, 50);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	wait_err(x.cli);
	CU_ASSERT_EQUAL(recv(x.cli, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	spl_close(&x);

	spl_open(&x, PASST_PIF_HOST, false, true);
	pump(&x, 20);
	setsockopt(x.cli, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(x.cli);
	x.cli = -1;
	pump(&x, 50);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	wait_err(x.srv);
	CU_ASSERT_EQUAL(recv(x.srv, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	spl_close(&x);
}

/* A target that never answers: reset after TCP_CONNECT_MS */
static void test_splice_connect_timeout(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fill[4], i, one = 1;
	struct spl x;
	char c;

	/* A listener with a full queue drops SYNs: connect() stays pending */
	memset(&x, 0, sizeof(x));
	x.m = load();
	start(x.m);
	x.srv = -1;
	x.lfd = listener(false, &x.lport);
	fcntl(x.lfd, F_SETFL, O_NONBLOCK);
	x.tfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(x.tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(!bind(x.tfd, (struct sockaddr *)&sa, sizeof(sa)));
	CU_ASSERT_FATAL(!listen(x.tfd, 0));
	CU_ASSERT_FATAL(!getsockname(x.tfd, (struct sockaddr *)&sa, &sl));
	x.tport = ntohs(sa.sin_port);
	for (i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(fill[i], (struct sockaddr *)&sa, sizeof(sa));
	}
	spl_rule = (struct passt_fwd_rule){ .proto = IPPROTO_TCP,
					    .from = PASST_PIF_SPLICE,
					    .first = x.lport, .last = x.lport,
					    .to = x.tport };
	fake_core_fwd_set(&spl_rule, 1);
	x.cli = lo_connect(false, x.lport);
	passt_module.on_fd(x.m, PASST_FD_LISTEN, x.lfd,
			   PASST_FWD_REF(0, x.lport), EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core_flows_used(), 1);
	CU_ASSERT(fake_core.timer_calls > 0);
	passt_module.on_timer(x.m, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	advance_ms(TCP_CONNECT_MS + 100);
	passt_module.on_timer(x.m, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	CU_ASSERT(fake_core_log_find("connect timed out") >= 0);
	wait_err(x.cli);
	CU_ASSERT_EQUAL(recv(x.cli, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	for (i = 0; i < 4; i++)
		close(fill[i]);
	spl_close(&x);
}

/* The guest's link going away leaves spliced connections alone; shutting
 * down closes them
 */
static void test_splice_reset_fini(void)
{
	uint8_t buf[8];
	int base = fd_count();
	struct spl x;

	spl_open(&x, PASST_PIF_SPLICE, false, true);
	pump(&x, 20);
	passt_module.on_reset(x.m);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT_EQUAL(send(x.cli, "still", 5, 0), 5);
	pump(&x, 50);
	CU_ASSERT_EQUAL(peer_read(x.srv, buf, 5, 1000), 5);
	CU_ASSERT(!memcmp(buf, "still", 5));

	/* Shut down with the connection open: its sockets and pipes go */
	fake_core_unload(x.m);
	CU_ASSERT_EQUAL(recv(x.srv, buf, sizeof(buf), 0), 0);
	CU_ASSERT_EQUAL(recv(x.cli, buf, sizeof(buf), 0), 0);
	close(x.cli);
	close(x.srv);
	close(x.tfd);
	close(x.lfd);
	CU_ASSERT_EQUAL(fd_count(), base);
}

/* Idle for two inactivity intervals: reset */
static void test_splice_inactive(void)
{
	struct spl x;
	char c;

	spl_open(&x, PASST_PIF_HOST, false, true);
	pump(&x, 20);
	advance_ms(7200 * 1000 + 10);
	passt_module.on_timer(x.m, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);	/* active till now */
	advance_ms(7200 * 1000 + 10);
	passt_module.on_timer(x.m, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	wait_err(x.cli);
	CU_ASSERT_EQUAL(recv(x.cli, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	spl_close(&x);
}

/* A guest rule's target forwarded back by a host rule: the connection
 * coming back is reset, and so is the one that made it
 */
static void test_splice_loop(void)
{
	static struct passt_fwd_rule rules[2];
	struct spl x;
	uint16_t qport;
	int qfd;
	char c;

	memset(&x, 0, sizeof(x));
	x.srv = x.tfd = -1;
	x.m = load();
	fake_core.guest_sockets = true;
	start(x.m);
	x.lfd = listener(false, &x.lport);
	qfd = listener(false, &qport);
	fcntl(x.lfd, F_SETFL, O_NONBLOCK);
	fcntl(qfd, F_SETFL, O_NONBLOCK);
	rules[0] = (struct passt_fwd_rule){ .proto = IPPROTO_TCP,
					    .from = PASST_PIF_SPLICE,
					    .first = x.lport, .last = x.lport,
					    .to = qport };
	rules[1] = (struct passt_fwd_rule){ .proto = IPPROTO_TCP,
					    .from = PASST_PIF_HOST,
					    .first = qport, .last = qport,
					    .to = x.lport };
	fake_core_fwd_set(rules, 2);

	x.cli = lo_connect(false, x.lport);
	passt_module.on_fd(x.m, PASST_FD_LISTEN, x.lfd,
			   PASST_FWD_REF(0, x.lport), EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core_flows_used(), 1);
	x.sock[0] = fake_core.fd_calls[fake_core.n_fd_calls - 2].fd;
	x.sock[1] = fake_core.fd_calls[fake_core.n_fd_calls - 1].fd;
	x.idx = fake_core.fd_calls[fake_core.n_fd_calls - 1].data;

	/* Our own connection arrives at the host rule: no second splice */
	passt_module.on_fd(x.m, PASST_FD_LISTEN, qfd,
			   PASST_FWD_REF(1, qport), EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL(fake_core_flows_used(), 1);
	CU_ASSERT(fake_core_log_find("forwarding loop") >= 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_WARNING], 1);

	pump(&x, 50);
	CU_ASSERT_EQUAL(fake_core_flows_used(), 0);
	wait_err(x.cli);
	CU_ASSERT_EQUAL(recv(x.cli, &c, 1, 0), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	close(qfd);
	spl_close(&x);
}

UNIT_SUITE(tcp,
	{ "seq_wrap", test_seq_wrap },
	{ "wnd_scale", test_wnd_scale },
	{ "isn", test_isn },
	{ "descriptor", test_descriptor },
	{ "connect_synack", test_connect_synack },
	{ "connect_v6", test_connect_v6 },
	{ "connect_refused", test_connect_refused },
	{ "inbound", test_inbound },
	{ "inbound_refused", test_inbound_refused },
	{ "data_both_ways", test_data_both_ways },
	{ "backend_full", test_backend_full },
	{ "batch_fin", test_batch_fin },
	{ "guest_window", test_guest_window },
	{ "our_window", test_our_window },
	{ "half_close", test_half_close },
	{ "host_fin_first", test_host_fin_first },
	{ "rst_both_ways", test_rst_both_ways },
	{ "retransmit_timeout", test_retransmit_timeout },
	{ "retransmit_dupacks", test_retransmit_dupacks },
	{ "partial_write", test_partial_write },
	{ "malformed", test_malformed },
	{ "csum_offloaded", test_csum_offloaded },
	{ "odd_states", test_odd_states },
	{ "table_full", test_table_full },
	{ "keepalive", test_keepalive },
	{ "inactivity", test_inactivity },
	{ "syn_retries", test_syn_retries },
	{ "guest_reset", test_guest_reset },
	{ "many", test_many },
	{ "splice_from_guest", test_splice_from_guest },
	{ "splice_from_guest_v6", test_splice_from_guest_v6 },
	{ "splice_from_host", test_splice_from_host },
	{ "splice_from_host_v6", test_splice_from_host_v6 },
	{ "splice_enotsup", test_splice_enotsup },
	{ "splice_backpressure", test_splice_backpressure },
	{ "splice_refused", test_splice_refused },
	{ "splice_rst", test_splice_rst },
	{ "splice_connect_timeout", test_splice_connect_timeout },
	{ "splice_reset_fini", test_splice_reset_fini },
	{ "splice_inactive", test_splice_inactive },
	{ "splice_loop", test_splice_loop }
)
