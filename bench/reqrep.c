// SPDX-License-Identifier: GPL-2.0-or-later
/* reqrep.c - Request/response latency and connection rate, for make bench
 *
 * reqrep server ADDR PORT
 *	echo server, TCP and UDP on the same port: every byte a TCP
 *	connection sends comes back, until the client closes; every UDP
 *	datagram goes back to its sender. Runs until killed.
 * reqrep rr tcp|udp ADDR PORT SECONDS
 *	one request of RR_SIZE bytes at a time, each waiting for its echo;
 *	prints "count N lost L p50_us A p99_us B" (round trips, the first
 *	RR_WARMUP_MS left out)
 * reqrep crr ADDR PORT SECONDS
 *	one connection after the other: connect, one-byte request, its echo,
 *	close; prints "conns N secs S rate R errors E p50_us A p99_us B"
 *	(p50, p99: from socket() to the echo)
 *
 * The crr client closes first, as a web client does, so TIME_WAIT stays
 * on its side (tcp_tw_reuse and a wide port range there keep ports free).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES	(1 << 22)	/* latencies kept (ns), 16 MiB */
#define TIMEOUT_MS	2000		/* per blocking call */
#define UDP_WAIT_MS	200		/* a datagram later than this is lost */
#define RR_SIZE		64		/* bytes per request and response */
#define RR_WARMUP_MS	100		/* flows being set up: not measured */

/**
 * reqrep_addr() - Parse an IPv4 or IPv6 address and a port
 * @s:		address string
 * @port:	port string
 * @sa:		filled
 *
 * Return: length of the address, 0 if it doesn't parse
 */
static socklen_t reqrep_addr(const char *s, const char *port,
			     struct sockaddr_storage *sa)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;
	struct sockaddr_in *a4 = (struct sockaddr_in *)sa;
	long p = strtol(port, NULL, 10);

	memset(sa, 0, sizeof(*sa));
	if (p <= 0 || p > 65535)
		return 0;
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		return sizeof(*a6);
	}
	return 0;
}

/**
 * reqrep_timeout() - Bound blocking receives and sends on a socket
 * @s:		socket
 * @ms:		milliseconds
 */
static void reqrep_timeout(int s, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/**
 * reqrep_now_ns() - Monotonic time
 *
 * Return: nanoseconds
 */
static int64_t reqrep_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/**
 * reqrep_serve_tcp() - Echo what a connection has to read, close at EOF
 * @ep:		epoll descriptor
 * @c:		connection
 *
 * Blocking writes: answers are as small as requests, and a client that
 * stops reading is cut off by the send timeout.
 */
static void reqrep_serve_tcp(int ep, int c)
{
	char b[65536];
	ssize_t n = recv(c, b, sizeof(b), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || send(c, b, (size_t)n, MSG_NOSIGNAL) != n) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c, NULL);
		close(c);
	}
}

/**
 * reqrep_server() - TCP and UDP echo on one port, for ever
 * @sa:		address
 * @len:	its length
 *
 * Return: 1 if it can't listen (it doesn't return otherwise)
 */
static int reqrep_server(const struct sockaddr_storage *sa, socklen_t len)
{
	int t = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int u = socket(sa->ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	int ep = epoll_create1(0), one = 1;

	if (t < 0 || u < 0 || ep < 0 ||
	    setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(t, (const struct sockaddr *)sa, len) || listen(t, 4096) ||
	    bind(u, (const struct sockaddr *)sa, len)) {
		perror("reqrep: server");
		return 1;
	}
	ev.data.fd = t;
	epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev);
	ev.data.fd = u;
	epoll_ctl(ep, EPOLL_CTL_ADD, u, &ev);
	printf("listening\n");
	fflush(stdout);

	for (;;) {
		int i, n = epoll_wait(ep, evs, 64, -1);

		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == t) {
				int c = accept4(t, NULL, NULL, 0);

				if (c < 0)
					continue;
				reqrep_timeout(c, TIMEOUT_MS);
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof(one));
				ev.data.fd = c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev))
					close(c);
			} else if (fd == u) {
				struct sockaddr_storage from;
				socklen_t fl = sizeof(from);
				char b[65536];
				ssize_t m;

				m = recvfrom(u, b, sizeof(b), 0,
					     (struct sockaddr *)&from, &fl);
				if (m >= 0)
					sendto(u, b, (size_t)m, 0,
					       (struct sockaddr *)&from, fl);
			} else {
				reqrep_serve_tcp(ep, fd);
			}
		}
	}
}

/**
 * reqrep_cmp() - Order two latencies, for qsort()
 * @a:		first
 * @b:		second
 *
 * Return: <0, 0, >0
 */
static int reqrep_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/**
 * reqrep_pct() - Sort latencies, return two percentiles
 * @lat:	latencies, nanoseconds (at most the timeouts: they fit)
 * @n:		how many
 * @p50:	median, microseconds, set
 * @p99:	99th percentile, microseconds, set
 */
static void reqrep_pct(uint32_t *lat, size_t n, double *p50, double *p99)
{
	*p50 = *p99 = 0;
	if (!n)
		return;
	qsort(lat, n, sizeof(*lat), reqrep_cmp);
	*p50 = lat[n / 2] / 1e3;
	*p99 = lat[(n * 99) / 100] / 1e3;
}

/**
 * reqrep_exchange() - One request and its whole response
 * @s:		connected socket
 * @udp:	datagrams: wait for the one carrying @seq, skip late ones
 * @seq:	sequence number written into the request
 *
 * Return: 0 on success, -1 on a timeout, error or short answer
 */
static int reqrep_exchange(int s, int udp, uint32_t seq)
{
	char req[RR_SIZE] = { 0 }, rep[RR_SIZE];
	size_t got = 0;

	memcpy(req, &seq, sizeof(seq));
	if (send(s, req, sizeof(req), MSG_NOSIGNAL) != sizeof(req))
		return -1;
	while (got < sizeof(rep)) {
		ssize_t n = recv(s, rep + got, sizeof(rep) - got, 0);

		if (n <= 0)
			return -1;
		if (udp) {
			if (n == sizeof(rep) && !memcmp(rep, &seq, sizeof(seq)))
				return 0;
			continue;	/* an answer we had given up on */
		}
		got += (size_t)n;
	}
	return memcmp(rep, req, sizeof(req)) ? -1 : 0;
}

/**
 * reqrep_rr() - Requests one at a time on one socket, then the summary
 * @udp:	UDP rather than TCP
 * @sa:		server
 * @len:	its length
 * @secs:	how long
 *
 * Return: 0, or 1 if nothing came back
 */
static int reqrep_rr(int udp, const struct sockaddr_storage *sa,
		     socklen_t len, double secs)
{
	int s = socket(sa->ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	uint32_t *lat = calloc(MAX_SAMPLES, sizeof(*lat));
	int64_t start = reqrep_now_ns(), t = start, end, warm;
	size_t n = 0, lost = 0;
	double p50, p99;
	uint32_t seq = 0;
	int one = 1;

	if (s < 0 || !lat) {
		perror("reqrep: rr");
		free(lat);
		if (s >= 0)
			close(s);
		return 1;
	}
	reqrep_timeout(s, udp ? UDP_WAIT_MS : TIMEOUT_MS);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s, (const struct sockaddr *)sa, len)) {
		perror("reqrep: connect");
		free(lat);
		close(s);
		return 1;
	}
	warm = start + RR_WARMUP_MS * 1000000LL;
	end = warm + (int64_t)(secs * 1e9);
	while (t < end) {
		int64_t t0 = t;

		if (reqrep_exchange(s, udp, ++seq)) {
			lost++;
			if (!udp || lost > 100 + n)
				break;
		}
		t = reqrep_now_ns();
		if (t0 >= warm && n < MAX_SAMPLES)
			lat[n++] = (uint32_t)(t - t0);
	}
	reqrep_pct(lat, n, &p50, &p99);
	printf("count %zu lost %zu p50_us %.1f p99_us %.1f\n",
	       n, lost, p50, p99);
	free(lat);
	close(s);
	return !n || (!udp && lost);
}

/**
 * reqrep_crr_one() - One connection: connect, request, echo, close
 * @sa:		server
 * @len:	its length
 *
 * Return: 0 on success, -1 on any failure or a short answer
 */
static int reqrep_crr_one(const struct sockaddr_storage *sa, socklen_t len)
{
	int s = socket(sa->ss_family, SOCK_STREAM, 0), one = 1, rc = -1;
	char b = 'q';

	if (s < 0)
		return -1;
	reqrep_timeout(s, TIMEOUT_MS);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!connect(s, (const struct sockaddr *)sa, len) &&
	    send(s, &b, 1, MSG_NOSIGNAL) == 1 && recv(s, &b, 1, 0) == 1)
		rc = 0;
	close(s);
	return rc;
}

/**
 * reqrep_crr() - Connections one after the other, then the summary line
 * @sa:		server
 * @len:	its length
 * @secs:	how long
 *
 * Return: 0, or 1 if nothing completed
 */
static int reqrep_crr(const struct sockaddr_storage *sa, socklen_t len,
		      double secs)
{
	uint32_t *lat = calloc(MAX_SAMPLES, sizeof(*lat));
	int64_t start = reqrep_now_ns(), end = start + (int64_t)(secs * 1e9);
	size_t n = 0, kept = 0, errors = 0;
	int64_t t = start;
	double p50, p99;

	if (!lat) {
		perror("reqrep: calloc");
		return 1;
	}
	while (t < end) {
		int64_t t0 = t;

		if (reqrep_crr_one(sa, len)) {
			errors++;
			/* Refused or lost every time: don't spin */
			if (errors > 100 && errors > n)
				break;
		} else {
			n++;
		}
		t = reqrep_now_ns();
		if (kept < MAX_SAMPLES)
			lat[kept++] = (uint32_t)(t - t0);
	}
	reqrep_pct(lat, kept, &p50, &p99);
	printf("conns %zu secs %.3f rate %.1f errors %zu p50_us %.1f "
	       "p99_us %.1f\n", n, (double)(t - start) / 1e9,
	       n / ((double)(t - start) / 1e9), errors, p50, p99);
	free(lat);
	return !n;
}

/**
 * main() - Server or client, see the top of this file
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0 on success, 1 on failure or bad arguments
 */
int main(int argc, char **argv)
{
	struct sockaddr_storage sa;
	socklen_t len;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && !strcmp(argv[1], "server") &&
	    (len = reqrep_addr(argv[2], argv[3], &sa)))
		return reqrep_server(&sa, len);
	if (argc == 5 && !strcmp(argv[1], "crr") &&
	    (len = reqrep_addr(argv[2], argv[3], &sa)))
		return reqrep_crr(&sa, len, strtod(argv[4], NULL));
	if (argc == 6 && !strcmp(argv[1], "rr") &&
	    (!strcmp(argv[2], "tcp") || !strcmp(argv[2], "udp")) &&
	    (len = reqrep_addr(argv[3], argv[4], &sa)))
		return reqrep_rr(!strcmp(argv[2], "udp"), &sa, len,
				 strtod(argv[5], NULL));

	fprintf(stderr, "usage: reqrep server ADDR PORT\n"
			"       reqrep rr tcp|udp ADDR PORT SECONDS\n"
			"       reqrep crr ADDR PORT SECONDS\n");
	return 1;
}
