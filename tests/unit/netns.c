// SPDX-License-Identifier: GPL-2.0-or-later
/* netns.c - A network namespace of the test's own: see netns.h */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "netns.h"

/**
 * unit_write_file() - Write a string to a file
 * @path:	File
 * @s:		String
 *
 * Return: 0, or -1
 */
int unit_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/**
 * struct in6_ifreq_ - What SIOCSIFADDR takes for IPv6 (linux/ipv6.h)
 * @addr:	Address
 * @prefixlen:	Prefix length
 * @ifindex:	Interface
 */
struct in6_ifreq_ {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

/**
 * unit_lo_addr() - Add an address to loopback
 * @label:	Label for an IPv4 address (lo:N), ignored for IPv6
 * @addr:	Address, IPv4 or IPv6
 *
 * Return: 0, or -1
 */
int unit_lo_addr(const char *label, const char *addr)
{
	bool v6 = strchr(addr, ':');
	union {				/* valgrind checks an ifreq's size */
		struct ifreq ifr;
		struct in6_ifreq_ r6;
	} u;
	int s, rc;

	s = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	memset(&u, 0, sizeof(u));
	if (v6) {
		inet_pton(AF_INET6, addr, &u.r6.addr);
		u.r6.prefixlen = 128;
		u.r6.ifindex = (int)if_nametoindex("lo");
	} else {
		struct sockaddr_in *sa = (struct sockaddr_in *)(void *)
					 &u.ifr.ifr_addr;

		strcpy(u.ifr.ifr_name, label);
		sa->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &sa->sin_addr);
	}
	rc = ioctl(s, SIOCSIFADDR, &u);
	close(s);
	return rc ? -1 : 0;
}

/**
 * unit_usable6() - Wait until a new IPv6 address is no longer tentative
 * @addr:	Address, on loopback
 *
 * Even on loopback, where there is no duplicate address detection, an
 * address added is tentative until the kernel's address worker has run:
 * packets to it go nowhere, and bind() to it fails, until then.
 *
 * Return: true once bind() works, false after two seconds
 */
bool unit_usable6(const char *addr)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	unsigned int i;

	if (inet_pton(AF_INET6, addr, &sa.sin6_addr) != 1)
		return false;
	for (i = 0; i < 200; i++) {
		int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int rc;

		if (s < 0)
			return false;
		rc = bind(s, (struct sockaddr *)&sa, sizeof(sa));
		close(s);
		if (!rc)
			return true;
		if (errno != EADDRNOTAVAIL)
			return false;
		usleep(10 * 1000);
	}
	errno = ETIMEDOUT;
	return false;
}

/**
 * unit_netns_enter() - Move the process into a network namespace of its
 *			own, once, with loopback up
 *
 * As root, a plain new network namespace; otherwise a user namespace too,
 * mapping our IDs to root in it.
 *
 * Return: true if we are in one (then and on later calls)
 */
bool unit_netns_enter(void)
{
	static int ready = -1;
	struct ifreq ifr;
	int s;

	if (ready >= 0)
		return ready;
	ready = 0;

	if (unshare(CLONE_NEWNET)) {
		char map[64];
		uid_t uid = geteuid();
		gid_t gid = getegid();

		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			return false;
		(void)unit_write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		if (unit_write_file("/proc/self/uid_map", map))
			return false;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		if (unit_write_file("/proc/self/gid_map", map))
			return false;
	}

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr)) {
			close(s);
			return false;
		}
	}
	close(s);
	ready = 1;
	return true;
}
