// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_util.c - Helpers shared by the libFuzzer harnesses
 *
 * - fuzz_netns(): the harnesses whose modules open host sockets run in a
 *   network namespace of their own, made at start-up, where the loopback is
 *   up and every IPv4 and IPv6 address is local (a 'local' default route on
 *   lo). Whatever destination the fuzzer makes up, a connect() or sendto()
 *   reaches this namespace and nothing else: no packet can leave the
 *   machine, and the harness's own servers answer on their ports.
 * - fuzz_csum_fix(): the fuzzer can't guess Internet checksums, so a
 *   harness may fix them up before a frame is handed over (the input says
 *   whether, so wrong checksums get fuzzed too).
 * - fuzz_check_to_guest(): every frame a module sends to the guest must be
 *   one the core itself would accept from the guest (headers coherent, all
 *   within the frame), with correct checksums, and no longer than the MTU
 *   allows: a module building broken frames from hostile input is a bug.
 * - fuzz_fds_take() / fuzz_fds_check(): file descriptors open before an
 *   input must be all that is open after it (a leaked socket is a bug).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include "fuzz.h"
#include "csum.h"
#include "frame.h"
#include "log.h"

/**
 * fuzz_fail() - Report a broken invariant and crash, for libFuzzer to save
 * @fmt:	printf format, then its arguments
 */
void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)fputs("fuzz: ", stderr);
	(void)vfprintf(stderr, fmt, ap);
	(void)fputc('\n', stderr);
	va_end(ap);
	__builtin_trap();
}

/**
 * fuzz_write_file() - Write a short text to a file (/proc), or fail
 * @path:	File
 * @text:	Text, written at once
 * @must:	Fail the harness if it can't be written
 */
static void fuzz_write_file(const char *path, const char *text, bool must)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, text, strlen(text));
		close(fd);
	}
	if (n != (ssize_t)strlen(text) && must)
		fuzz_fail("cannot write '%s' to %s: %s", text, path,
			  strerror(errno));
}

/**
 * fuzz_netns() - Move into a network namespace where every address is ours
 *
 * As root, a network namespace; otherwise a user namespace too (mapping our
 * IDs to root in it). Fails the harness rather than go on in the host's
 * namespace, where made-up destinations would be real ones.
 */
void fuzz_netns(void)
{
	static const char *const cmds =
		"ip link set lo up && "
		"ip route add local 0.0.0.0/0 dev lo table local && "
		"ip -6 route add local ::/0 dev lo table local";
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (unshare(CLONE_NEWNET)) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			fuzz_fail("cannot make a network namespace: %s",
				  strerror(errno));
		fuzz_write_file("/proc/self/setgroups", "deny", false);
		(void)snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		fuzz_write_file("/proc/self/uid_map", map, true);
		(void)snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		fuzz_write_file("/proc/self/gid_map", map, true);
	}
	if (system(cmds))
		fuzz_fail("cannot set up the namespace: %s", cmds);
	/* Ping sockets for every group, as a distribution would set it */
	fuzz_write_file("/proc/sys/net/ipv4/ping_group_range",
			"0 2147483647", false);
}

/**
 * fuzz_quiet() - Keep the core's log out of the fuzzer's output
 *
 * FUZZ_VERBOSE in the environment keeps everything, at trace level.
 */
void fuzz_quiet(void)
{
	if (getenv("FUZZ_VERBOSE")) {
		log_set_level(LOG_LVL_TRACE);
		return;
	}
	log_to_stderr(false);
	log_set_level(LOG_LVL_ERR);
}

/**
 * fuzz_l4_csum_off() - Where the checksum of a transport header is
 * @proto:	IP protocol
 * @v6:		IPv6 (ICMP is IPv4's, ICMPv6 IPv6's)
 * @pseudo:	Set if the checksum covers the pseudo-header
 *
 * Return: offset in the transport header, or -1 if none we know
 */
static int fuzz_l4_csum_off(uint8_t proto, bool v6, bool *pseudo)
{
	*pseudo = true;
	switch (proto) {
	case IPPROTO_TCP:
		return 16;
	case IPPROTO_UDP:
		return 6;
	case IPPROTO_ICMP:
		*pseudo = false;
		return v6 ? -1 : 2;
	case IPPROTO_ICMPV6:
		return v6 ? 2 : -1;
	default:
		return -1;
	}
}

/**
 * fuzz_l4_sum() - Sum over the transport segment of a parsed frame
 * @f:		Frame after frame_parse(), with a transport header
 * @pseudo:	Include the pseudo-header
 *
 * Return: unfolded sum
 */
static uint32_t fuzz_l4_sum(const struct passt_frame *f, bool pseudo)
{
	const uint8_t *ip = f->data + f->l3off;
	uint8_t ph[8] = { 0 };
	uint32_t sum = 0;

	if (pseudo && f->ethertype == PASST_ETHERTYPE_IPV6) {
		sum = csum_unfolded(ip + 8, 32, 0);
		ph[2] = (uint8_t)(f->l4len >> 8);
		ph[3] = (uint8_t)f->l4len;
		ph[7] = f->l4proto;
		sum = csum_unfolded(ph, 8, sum);
	} else if (pseudo) {
		sum = csum_unfolded(ip + 12, 8, 0);
		ph[1] = f->l4proto;
		ph[2] = (uint8_t)(f->l4len >> 8);
		ph[3] = (uint8_t)f->l4len;
		sum = csum_unfolded(ph, 4, sum);
	}
	return csum_unfolded(f->data + f->l4off, f->l4len, sum);
}

/**
 * fuzz_csum_fix() - Make the IPv4 header and transport checksums right
 * @buf:	Ethernet frame, changed in place
 * @len:	Its length
 *
 * Anything the core would drop anyway is left alone.
 */
void fuzz_csum_fix(uint8_t *buf, size_t len)
{
	struct passt_frame f = { .data = buf, .len = len };
	uint8_t *ip = buf + PASST_ETH_HLEN;
	bool pseudo;
	uint16_t c;
	int off;

	if (len < PASST_ETH_HLEN + 20)
		return;
	if (buf[12] == 0x08 && buf[13] == 0x00 && ip[0] >> 4 == 4) {
		size_t hlen = (size_t)(ip[0] & 0x0f) * 4;

		if (hlen >= 20 && hlen <= len - PASST_ETH_HLEN) {
			ip[10] = ip[11] = 0;
			c = csum(ip, hlen, 0);
			memcpy(ip + 10, &c, 2);
		}
	}
	if (frame_parse(&f) || !f.l4off)
		return;
	off = fuzz_l4_csum_off(f.l4proto,
			       f.ethertype == PASST_ETHERTYPE_IPV6, &pseudo);
	if (off < 0 || (size_t)off + 2 > f.l4len)
		return;
	buf[f.l4off + off] = buf[f.l4off + off + 1] = 0;
	c = csum_fold(fuzz_l4_sum(&f, pseudo));
	if (!c && f.l4proto == IPPROTO_UDP)
		c = 0xffff;
	memcpy(buf + f.l4off + off, &c, 2);
}

/**
 * fuzz_check_to_guest() - Fail unless a frame for the guest is well formed
 * @buf:	Frame a module (or the core) queued for the guest
 * @len:	Its length
 * @mtu:	The guest link's MTU
 */
void fuzz_check_to_guest(const uint8_t *buf, size_t len, uint32_t mtu)
{
	struct passt_frame f = { .data = buf, .len = len };
	bool pseudo;
	size_t l3len;
	int off;

	if (len < PASST_ETH_HLEN)
		fuzz_fail("frame to the guest of %zu bytes", len);
	if (frame_parse(&f))
		fuzz_fail("frame to the guest (%zu bytes, EtherType 0x%02x%02x) "
			  "that the core would drop as malformed", len,
			  buf[12], buf[13]);
	if (f.ethertype != PASST_ETHERTYPE_IP &&
	    f.ethertype != PASST_ETHERTYPE_IPV6)
		return;

	l3len = f.len - PASST_ETH_HLEN;
	if (l3len > mtu)
		fuzz_fail("IP datagram of %zu bytes to the guest, MTU %u",
			  l3len, mtu);
	if (f.len != len)
		fuzz_fail("frame to the guest of %zu bytes holds an IP datagram "
			  "of %zu", len, l3len);
	if (!f.l4off)
		return;
	off = fuzz_l4_csum_off(f.l4proto,
			       f.ethertype == PASST_ETHERTYPE_IPV6, &pseudo);
	if (off < 0)
		return;
	if ((size_t)off + 2 > f.l4len)
		fuzz_fail("protocol %u segment of %u bytes to the guest: no "
			  "room for its checksum", f.l4proto, f.l4len);
	if (f.l4proto == IPPROTO_UDP && f.ethertype == PASST_ETHERTYPE_IP &&
	    !buf[f.l4off + 6] && !buf[f.l4off + 7])
		return;		/* no checksum: IPv4 allows it */
	if (csum_fold(fuzz_l4_sum(&f, pseudo)))
		fuzz_fail("protocol %u segment of %u bytes to the guest: bad "
			  "checksum", f.l4proto, f.l4len);
}

/**
 * fuzz_fds_take() - Note which file descriptors are open
 * @s:		Snapshot to fill
 */
void fuzz_fds_take(struct fuzz_fds *s)
{
	struct dirent *e;
	DIR *d;

	memset(s, 0, sizeof(*s));
	d = opendir("/proc/self/fd");
	if (!d)
		fuzz_fail("/proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d))) {
		long fd = strtol(e->d_name, NULL, 10);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' ||
		    fd == dirfd(d))
			continue;
		if (fd >= FUZZ_FDS_MAX)
			fuzz_fail("file descriptor %ld is open", fd);
		s->bits[fd / 64] |= 1ULL << (fd % 64);
	}
	closedir(d);
}

/**
 * fuzz_fds_check() - Fail if a descriptor is open now that wasn't before
 * @before:	Snapshot from fuzz_fds_take()
 * @what:	When, for the message
 */
void fuzz_fds_check(const struct fuzz_fds *before, const char *what)
{
	char path[32], target[256];
	struct fuzz_fds now;
	unsigned int i, fd;

	fuzz_fds_take(&now);
	for (i = 0; i < FUZZ_FDS_MAX / 64; i++) {
		uint64_t extra = now.bits[i] & ~before->bits[i];

		if (!extra)
			continue;
		fd = i * 64 + (unsigned int)__builtin_ctzll(extra);
		memset(target, 0, sizeof(target));
		(void)snprintf(path, sizeof(path), "/proc/self/fd/%u", fd);
		if (readlink(path, target, sizeof(target) - 1) < 0)
			target[0] = '?';
		fuzz_fail("%s: file descriptor %u (%s) leaked", what, fd,
			  target);
	}
}
