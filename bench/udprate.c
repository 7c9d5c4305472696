// SPDX-License-Identifier: GPL-2.0-or-later
/* udprate.c - UDP packet rate: a blaster and a sink, for make bench
 *
 * udprate send ADDR PORT SECONDS [PAYLOAD]
 *	datagrams of PAYLOAD bytes (default 22: 64-byte Ethernet frames
 *	over IPv4) to ADDR PORT, as fast as sendmmsg() takes them, for
 *	SECONDS; prints "sent N errors E secs S rate R". Refusals (ICMP
 *	errors coming back) and full queues are counted, not fatal.
 * udprate sink ADDR PORT
 *	bound to ADDR PORT, reads and counts datagrams until SIGTERM or
 *	SIGINT; prints "listening" once bound, "received N bytes B" at the
 *	end.
 *
 * The bench measures what reaches the sink's namespace from the kernel's
 * UDP counters (InDatagrams and RcvbufErrors), so the sink keeping up or
 * not doesn't change the figure; it is there so that datagrams end in a
 * socket rather than in ICMP errors.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64		/* datagrams per system call */
#define PAYLOAD_MAX	1472		/* one IPv4 frame at MTU 1500 */
#define RCVBUF		(4 << 20)	/* sink's receive buffer, bytes */

static volatile sig_atomic_t udprate_stop;

/**
 * udprate_addr() - Parse an IPv4 or IPv6 address and a port
 * @s:		address string
 * @port:	port string
 * @sa:		filled
 *
 * Return: length of the address, 0 if it doesn't parse
 */
static socklen_t udprate_addr(const char *s, const char *port,
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
 * udprate_now_ns() - Monotonic time
 *
 * Return: nanoseconds
 */
static int64_t udprate_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/**
 * udprate_on_signal() - SIGTERM, SIGINT: end the loop, print the count
 * @sig:	signal number (unused)
 */
static void udprate_on_signal(int sig)
{
	(void)sig;
	udprate_stop = 1;
}

/**
 * udprate_send() - Datagrams as fast as they go, then the summary line
 * @sa:		destination
 * @len:	its length
 * @secs:	how long
 * @size:	payload bytes per datagram
 *
 * Return: 0, or 1 if nothing could be sent
 */
static int udprate_send(const struct sockaddr_storage *sa, socklen_t len,
			double secs, size_t size)
{
	int s = socket(sa->ss_family, SOCK_DGRAM, 0);
	int64_t start = udprate_now_ns(), t = start;
	int64_t end = start + (int64_t)(secs * 1e9);
	static char buf[PAYLOAD_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	size_t sent = 0, errors = 0;
	unsigned int i;

	if (s < 0 || connect(s, (const struct sockaddr *)sa, len)) {
		perror("udprate: send");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (t < end && !udprate_stop) {
		int n = sendmmsg(s, msgs, BATCH, 0);

		if (n > 0)
			sent += (size_t)n;
		else if (errno == EINTR)
			continue;
		else if (errno == ECONNREFUSED || errno == ENOBUFS ||
			 errno == EAGAIN || errno == EHOSTUNREACH ||
			 errno == ENETUNREACH)
			errors++;
		else
			break;
		t = udprate_now_ns();
	}
	t = udprate_now_ns();
	printf("sent %zu errors %zu secs %.3f rate %.0f\n", sent, errors,
	       (double)(t - start) / 1e9,
	       sent / ((double)(t - start) / 1e9));
	close(s);
	return !sent;
}

/**
 * udprate_sink() - Read and count until told to stop
 * @sa:		address to bind
 * @len:	its length
 *
 * Return: 0, or 1 if it can't bind
 */
static int udprate_sink(const struct sockaddr_storage *sa, socklen_t len)
{
	int s = socket(sa->ss_family, SOCK_DGRAM, 0), rb = RCVBUF;
	static char bufs[BATCH][PAYLOAD_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	size_t count = 0, bytes = 0;
	unsigned int i;

	if (s < 0 || bind(s, (const struct sockaddr *)sa, len)) {
		perror("udprate: sink");
		return 1;
	}
	/* Beyond rmem_max as root; the default otherwise */
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof(rb)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb));
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("listening\n");
	fflush(stdout);
	while (!udprate_stop) {
		int n = recvmmsg(s, msgs, BATCH, MSG_WAITFORONE, NULL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("udprate: recvmmsg");
			break;
		}
		for (i = 0; i < (unsigned int)n; i++)
			bytes += msgs[i].msg_len;
		count += (size_t)n;
	}
	printf("received %zu bytes %zu\n", count, bytes);
	close(s);
	return 0;
}

/**
 * main() - Blaster or sink, see the top of this file
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0 on success, 1 on failure or bad arguments
 */
int main(int argc, char **argv)
{
	struct sigaction sa_stop = { .sa_handler = udprate_on_signal };
	struct sockaddr_storage sa;
	socklen_t len;

	/* No SA_RESTART: a blocking receive returns EINTR and the loop ends */
	sigaction(SIGTERM, &sa_stop, NULL);
	sigaction(SIGINT, &sa_stop, NULL);
	if (argc == 4 && !strcmp(argv[1], "sink") &&
	    (len = udprate_addr(argv[2], argv[3], &sa)))
		return udprate_sink(&sa, len);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "send") &&
	    (len = udprate_addr(argv[2], argv[3], &sa))) {
		long size = argc == 6 ? strtol(argv[5], NULL, 10) : 22;

		if (size >= 0 && size <= PAYLOAD_MAX)
			return udprate_send(&sa, len, strtod(argv[4], NULL),
					    (size_t)size);
	}

	fprintf(stderr, "usage: udprate send ADDR PORT SECONDS [PAYLOAD]\n"
			"       udprate sink ADDR PORT\n");
	return 1;
}
