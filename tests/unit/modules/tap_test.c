// SPDX-License-Identifier: GPL-2.0-or-later
/* tap_test.c - tap backend: settings, frame batches, the tap going away
 *
 * Attaching needs privileges and namespaces (the integration tests cover
 * it); here a SOCK_SEQPACKET socket pair stands in for the tap, since it
 * keeps frame boundaries as a tap does: each read() one frame, each write()
 * one frame, EAGAIN when full, EOF (or EPIPE) once the other end is gone.
 * The test reaches into the module's state (tap.h) to hand it that socket.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/sockios.h>
#include <linux/virtio_net.h>

#include <CUnit/CUnit.h>

#include "unit.h"
#include "fake_core.h"
/* The Makefile passes -Ibackends/tap_test, not -Ibackends/tap */
#include "tap.h"

extern const struct passt_module passt_module;

/* A pair standing in for the tap: [0] is the module's, [1] the guest's */
static int sv[2] = { -1, -1 };

/**
 * attach_pair() - Hand the module a socket pair instead of a tap
 * @m:		Module, configured
 */
static void attach_pair(struct passt_mod *m)
{
	struct tap_state *s = fake_core_priv(m);

	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET |
					 SOCK_NONBLOCK, 0, sv), 0);
	s->fd = sv[0];
	s->pool = mmap(NULL, TAP_POOL_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CU_ASSERT_NOT_EQUAL_FATAL(s->pool, MAP_FAILED);
	snprintf(s->name, sizeof(s->name), "tap0");
}

/**
 * detach_pair() - Undo attach_pair(), unload the module
 * @m:		Module
 */
static void detach_pair(struct passt_mod *m)
{
	struct tap_state *s = fake_core_priv(m);

	if (s->fd >= 0)
		close(s->fd);
	if (sv[1] >= 0)
		close(sv[1]);
	sv[0] = sv[1] = -1;
	munmap(s->pool, TAP_POOL_SIZE);
	fake_core_unload(m);
}

/**
 * frame_fill() - Make a recognisable frame
 * @buf:	Buffer
 * @len:	Length
 * @seed:	What makes it unique
 */
static void frame_fill(uint8_t *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31 + i);
}

/**
 * frame_check() - Whether a frame is the one frame_fill() made
 * @buf:	Frame
 * @len:	Its length
 * @seed:	Seed it was made with
 *
 * Return: true if every byte matches
 */
static bool frame_check(const uint8_t *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != (uint8_t)(seed * 31 + i))
			return false;
	return true;
}

/**
 * vnet_write() - Write a frame to the backend as the tap would: a
 *		  virtio-net header in front
 * @fd:		Our end of the pair
 * @flags:	The header's flags (VIRTIO_NET_HDR_F_*)
 * @buf:	Frame
 * @len:	Its length
 *
 * Return: bytes of the frame written (the header not counted), or -1
 */
static ssize_t vnet_write(int fd, uint8_t flags, const uint8_t *buf,
			  size_t len)
{
	uint8_t hdr[TAP_VNET_HLEN] = { flags };
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)buf, .iov_len = len },
	};
	ssize_t n = writev(fd, iov, 2);

	return n < 0 ? n : n - TAP_VNET_HLEN;
}

/**
 * vnet_read() - Read a frame the backend wrote, check its header
 * @fd:		Our end of the pair
 * @buf:	Buffer for the frame
 * @size:	Its size
 *
 * Return: length of the frame, -1 if nothing, -2 if the header is wrong
 */
static ssize_t vnet_read(int fd, uint8_t *buf, size_t size)
{
	uint8_t hdr[TAP_VNET_HLEN] = { 0 };
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = buf, .iov_len = size },
	};
	ssize_t n = readv(fd, iov, 2);

	if (n < 0)
		return -1;
	if (n < TAP_VNET_HLEN || hdr[0] != VIRTIO_NET_HDR_F_DATA_VALID ||
	    hdr[1] != VIRTIO_NET_HDR_GSO_NONE)
		return -2;
	return n - TAP_VNET_HLEN;
}

/**
 * log_has() - Whether a log line at a level contains a text
 * @level:	PASST_LOG_*
 * @text:	Text
 *
 * Return: true if one does
 */
static bool log_has(int level, const char *text)
{
	unsigned int i;

	for (i = 0; i < fake_core.n_logs; i++)
		if (fake_core.logs[i].level == level &&
		    strstr(fake_core.logs[i].text, text))
			return true;
	return false;
}

/**
 * fd_del_count() - How many fd_del() calls were made for a descriptor
 * @fd:		Descriptor
 *
 * Return: count
 */
static unsigned int fd_del_count(int fd)
{
	unsigned int i, n = 0;

	for (i = 0; i < fake_core.n_fd_calls; i++)
		if (fake_core.fd_calls[i].op == FAKE_FD_DEL &&
		    fake_core.fd_calls[i].fd == fd)
			n++;
	return n;
}

static void test_descriptor(void)
{
	const char *const *k;
	bool netns = false, ifname = false, config_net = false, mac = false;

	CU_ASSERT_STRING_EQUAL(passt_module.name, "tap");
	CU_ASSERT_EQUAL(passt_module.kind, PASST_MOD_BACKEND);
	CU_ASSERT_PTR_NULL(strstr(passt_module.summary, "not built"));
	CU_ASSERT_PTR_NULL(passt_module.claims);
	CU_ASSERT_PTR_NOT_NULL(passt_module.send);
	CU_ASSERT_PTR_NOT_NULL(passt_module.on_fd);
	for (k = passt_module.config_keys; *k; k++) {
		netns |= !strcmp(*k, "netns");
		ifname |= !strcmp(*k, "ifname");
		config_net |= !strcmp(*k, "config_net");
		mac |= !strcmp(*k, "mac");
	}
	CU_ASSERT(netns && ifname && config_net && mac);
}

static void test_defaults(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_STRING_EQUAL(s->ifname, "tap0");
	CU_ASSERT_STRING_EQUAL(s->netns, "");
	CU_ASSERT_FALSE(s->config_net);
	CU_ASSERT_FALSE(s->mac_set);
	CU_ASSERT_EQUAL(s->fd, -1);
	CU_ASSERT_EQUAL(s->pidfd, -1);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	fake_core_unload(m);
}

static void test_settings(void)
{
	static const uint8_t want[6] = { 0x02, 0xaB, 0xcd, 0x00, 0x01, 0xff };
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);

	fake_core_cfg_set_str("netns", "/run/netns/guest");
	fake_core_cfg_set_str("ifname", "guest0");
	fake_core_cfg_set_bool("config_net", true);
	fake_core_cfg_set_str("mac", "02:AB:cd:00:01:ff");
	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_STRING_EQUAL(s->netns, "/run/netns/guest");
	CU_ASSERT_STRING_EQUAL(s->ifname, "guest0");
	CU_ASSERT_TRUE(s->config_net);
	CU_ASSERT_TRUE(s->mac_set);
	CU_ASSERT_EQUAL(memcmp(s->mac, want, 6), 0);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	fake_core_unload(m);
}

static void test_bad_ifname(void)
{
	static const char *const bad[] = {
		"", "sixteen-chars-00", "a/b", "a:b", "a b", "a\tb", ".", "..",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct passt_mod *m = fake_core_load(&passt_module);

		fake_core_cfg_set_str("ifname", bad[i]);
		CU_ASSERT_EQUAL(fake_core_configure(m), -EINVAL);
		CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_ERR], 1);
		CU_ASSERT_TRUE(log_has(PASST_LOG_ERR, "ifname '"));
		fake_core_unload(m);
	}

	/* Fifteen characters is the most the kernel takes */
	{
		struct passt_mod *m = fake_core_load(&passt_module);

		fake_core_cfg_set_str("ifname", "fifteen-chars-0");
		CU_ASSERT_EQUAL(fake_core_configure(m), 0);
		fake_core_unload(m);
	}
}

static void test_bad_mac(void)
{
	static const char *const bad[] = {
		"01:00:00:00:00:01",		/* multicast */
		"ff:ff:ff:ff:ff:ff",		/* broadcast */
		"00:00:00:00:00:00",
		"02:00:00:00:00",
		"02:00:00:00:00:0g",
		"02:00:00:00:00:01:",
		"02:00:00:00:00:011",
		"02-00-00-00-00-01",
		"2:0:0:0:0:1",
		"garbage",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct passt_mod *m = fake_core_load(&passt_module);

		fake_core_cfg_set_str("mac", bad[i]);
		CU_ASSERT_EQUAL(fake_core_configure(m), -EINVAL);
		CU_ASSERT_TRUE(log_has(PASST_LOG_ERR, "mac '"));
		fake_core_unload(m);
	}
}

static void test_wrong_type(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);

	fake_core_cfg_set_int("config_net", 1);
	CU_ASSERT_EQUAL(fake_core_configure(m), -EINVAL);
	fake_core_unload(m);
}

static void test_init_no_namespace(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_EQUAL(fake_core_init(m), -EINVAL);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_ERR], 1);
	CU_ASSERT_TRUE(log_has(PASST_LOG_ERR, "netns: not set"));
	CU_ASSERT_EQUAL(fake_core.n_fd_calls, 0);
	fake_core_unload(m);
}

static void test_init_both(void)
{
	static char *argv[] = { "true", NULL };
	struct passt_mod *m = fake_core_load(&passt_module);

	fake_core.command = argv;
	fake_core_cfg_set_str("netns", "/run/netns/guest");
	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_EQUAL(fake_core_init(m), -EINVAL);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_ERR], 1);
	CU_ASSERT_TRUE(log_has(PASST_LOG_ERR, "give one or the other"));
	fake_core_unload(m);
}

static void test_init_missing_netns(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);

	fake_core_cfg_set_str("netns", "/nonexistent/netns/x");
	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_EQUAL(fake_core_init(m), -ENOENT);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_ERR], 1);
	CU_ASSERT_TRUE(log_has(PASST_LOG_ERR, "netns '/nonexistent/netns/x': "
			       "No such file or directory"));
	CU_ASSERT_EQUAL(fake_core.n_fd_calls, 0);
	fake_core_unload(m);
}

static void test_init_not_netns(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);

	fake_core_cfg_set_str("netns", "/dev/null");
	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_EQUAL(fake_core_init(m), -EINVAL);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_ERR], 1);
	CU_ASSERT_TRUE(log_has(PASST_LOG_ERR, "not a network namespace"));
	fake_core_unload(m);
}

static void test_init_no_process(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);

	/* Above the kernel's PID_MAX_LIMIT (2^22): never a process */
	fake_core_cfg_set_str("netns", "9999999999");
	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_EQUAL(fake_core_init(m), -ENOENT);
	CU_ASSERT_TRUE(log_has(PASST_LOG_ERR, "netns '9999999999': no such "
			       "process"));
	fake_core_unload(m);
}

static void test_read_batch(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);
	static uint8_t buf[TAP_FRAME_MAX];

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	attach_pair(m);

	frame_fill(buf, 60, 1);
	CU_ASSERT_EQUAL(vnet_write(sv[1], 0, buf, 60), 60);
	frame_fill(buf, 13, 2);				/* runt: dropped */
	CU_ASSERT_EQUAL(vnet_write(sv[1], 0, buf, 13), 13);
	CU_ASSERT_EQUAL(write(sv[1], buf, 9), 9);	/* not even a header */
	frame_fill(buf, 1514, 3);			/* checksum left out */
	CU_ASSERT_EQUAL(vnet_write(sv[1], VIRTIO_NET_HDR_F_NEEDS_CSUM, buf,
				   1514), 1514);
	frame_fill(buf, TAP_FRAME_MAX, 4);		/* the largest */
	CU_ASSERT_EQUAL(vnet_write(sv[1], VIRTIO_NET_HDR_F_DATA_VALID, buf,
				   TAP_FRAME_MAX), TAP_FRAME_MAX);

	passt_module.on_fd(m, TAP_FD_TAP, s->fd, 0, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 3);
	CU_ASSERT_EQUAL(fake_core.from_guest[0].len, 60);
	CU_ASSERT_TRUE(frame_check(fake_core.from_guest[0].data, 60, 1));
	CU_ASSERT_EQUAL(fake_core.from_guest[0].flags, 0);
	CU_ASSERT_EQUAL(fake_core.from_guest[1].len, 1514);
	CU_ASSERT_TRUE(frame_check(fake_core.from_guest[1].data, 1514, 3));
	CU_ASSERT_EQUAL(fake_core.from_guest[1].flags, PASST_FRAME_CSUM_OK);
	CU_ASSERT_EQUAL(fake_core.from_guest[2].len, TAP_FRAME_MAX);
	CU_ASSERT_TRUE(frame_check(fake_core.from_guest[2].data,
				   TAP_FRAME_MAX, 4));
	CU_ASSERT_EQUAL(fake_core.from_guest[2].flags, PASST_FRAME_CSUM_OK);
	CU_ASSERT_FALSE(fake_core.quit_called);
	CU_ASSERT_EQUAL(fake_core.resets, 0);

	/* Nothing left: a wake-up reads nothing, and nothing happens */
	passt_module.on_fd(m, TAP_FD_TAP, s->fd, 0, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 3);
	CU_ASSERT_FALSE(fake_core.quit_called);
	detach_pair(m);
}

static void test_read_limit(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);
	uint8_t buf[64];
	int sz = 1 << 20;
	unsigned int i;

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	attach_pair(m);
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));

	for (i = 0; i < TAP_BATCH + 72; i++) {
		frame_fill(buf, sizeof(buf), i);
		CU_ASSERT_EQUAL_FATAL(vnet_write(sv[1], 0, buf, sizeof(buf)),
				      (ssize_t)sizeof(buf));
	}

	/* One batch per wake-up, so other descriptors get their turn */
	passt_module.on_fd(m, TAP_FD_TAP, s->fd, 0, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_from_guest, TAP_BATCH);
	passt_module.on_fd(m, TAP_FD_TAP, s->fd, 0, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, TAP_BATCH + 72);
	for (i = 0; i < TAP_BATCH + 72; i++)
		CU_ASSERT_TRUE(frame_check(fake_core.from_guest[i].data,
					   sizeof(buf), i));
	detach_pair(m);
}

static void test_gone_read(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);
	uint8_t buf[100];
	int fd;

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	attach_pair(m);
	fd = s->fd;

	/* What was queued still arrives, then the end is noticed */
	frame_fill(buf, sizeof(buf), 9);
	CU_ASSERT_EQUAL(vnet_write(sv[1], 0, buf, sizeof(buf)),
			(ssize_t)sizeof(buf));
	close(sv[1]);
	sv[1] = -1;
	passt_module.on_fd(m, TAP_FD_TAP, fd, 0, EPOLLIN | EPOLLHUP,
			   fake_core_now());
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 1);
	CU_ASSERT_EQUAL(s->fd, -1);
	CU_ASSERT_EQUAL(fd_del_count(fd), 1);
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	CU_ASSERT_TRUE(fake_core.quit_called);
	CU_ASSERT_EQUAL(fake_core.quit_status, 1);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_ERR], 1);
	CU_ASSERT_TRUE(log_has(PASST_LOG_ERR, "tap0 is gone"));

	/* Nothing goes out any more: every frame is left to the core */
	{
		struct iovec iov = { .iov_base = buf, .iov_len = 60 };

		CU_ASSERT_EQUAL(passt_module.send(m, &iov, 1), 0);
	}
	detach_pair(m);
}

static void test_gone_command(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	attach_pair(m);
	s->pidfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(s->pidfd >= 0);

	/* The command's exit status is what counts: wait for it */
	close(sv[1]);
	sv[1] = -1;
	passt_module.on_fd(m, TAP_FD_TAP, s->fd, 0, EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL(s->fd, -1);
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	CU_ASSERT_FALSE(fake_core.quit_called);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_ERR], 0);
	close(s->pidfd);
	s->pidfd = -1;
	detach_pair(m);
}

static void test_send(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	static uint8_t f[3][9000];
	static const size_t len[3] = { 42, 1514, 9000 };
	struct iovec iov[3];
	uint8_t buf[9100];
	unsigned int i;

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	attach_pair(m);

	for (i = 0; i < 3; i++) {
		frame_fill(f[i], len[i], 20 + i);
		iov[i].iov_base = f[i];
		iov[i].iov_len = len[i];
	}
	CU_ASSERT_EQUAL(passt_module.send(m, iov, 3), 3);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(vnet_read(sv[1], buf, sizeof(buf)),
				(ssize_t)len[i]);
		CU_ASSERT_TRUE(frame_check(buf, len[i], 20 + i));
	}
	CU_ASSERT_EQUAL(vnet_read(sv[1], buf, sizeof(buf)), -1);
	CU_ASSERT_EQUAL(passt_module.send(m, iov, 0), 0);
	detach_pair(m);
}

static void test_send_full(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);
	static uint8_t frame[1000];
	static struct iovec iov[1000];
	int sz = 4096, taken;
	unsigned int i, got = 0;
	uint8_t buf[2000];

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	attach_pair(m);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));

	for (i = 0; i < 1000; i++) {
		iov[i].iov_base = frame;
		iov[i].iov_len = sizeof(frame);
	}
	taken = passt_module.send(m, iov, 1000);
	CU_ASSERT(taken > 0 && taken < 1000);
	CU_ASSERT_EQUAL(s->dropped, (unsigned long long)(1000 - taken));
	CU_ASSERT_TRUE(log_has(PASST_LOG_DEBUG, "tap queue full"));
	CU_ASSERT_FALSE(fake_core.quit_called);
	CU_ASSERT_EQUAL(s->fd, sv[0]);

	while (vnet_read(sv[1], buf, sizeof(buf)) == (ssize_t)sizeof(frame))
		got++;
	CU_ASSERT_EQUAL(got, (unsigned int)taken);
	detach_pair(m);
}

static void test_gone_send(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);
	uint8_t frame[60] = { 0 };
	struct iovec iov[2] = { { frame, sizeof(frame) },
				{ frame, sizeof(frame) } };

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	attach_pair(m);
	close(sv[1]);
	sv[1] = -1;

	CU_ASSERT_EQUAL(passt_module.send(m, iov, 2), 0);
	CU_ASSERT_EQUAL(s->fd, -1);
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	CU_ASSERT_TRUE(fake_core.quit_called);
	CU_ASSERT_EQUAL(fake_core.quit_status, 1);
	detach_pair(m);
}

/**
 * child_pidfd() - pidfd of a child; without one, kill and reap the child
 * @pid:	Child
 *
 * Return: pidfd, or -1 (ENOSYS, as under valgrind 3.19: noted, not failed)
 */
static int child_pidfd(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0), err = errno;

	if (fd >= 0)
		return fd;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (err == ENOSYS)
		fprintf(stderr, "(no pidfd_open() here: not checked) ");
	else
		CU_FAIL("pidfd_open");
	return -1;
}

/**
 * child_status() - Run a child that ends as told, pass it to the module
 * @how:	Exit status, or minus a signal number to die of
 *
 * Return: the status the module quit with, -1 if it didn't, -2 if the
 *	   child couldn't be watched here
 */
static int child_status(int how)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);
	struct pollfd pfd;
	int pidfd, rc;
	pid_t pid;

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	pid = fork();
	if (!pid) {
		if (how < 0)
			raise(-how);
		_exit(how);
	}
	CU_ASSERT_FATAL(pid > 0);
	pidfd = child_pidfd(pid);
	if (pidfd < 0) {
		fake_core_unload(m);
		return -2;
	}
	s->pidfd = pidfd;
	s->child = pid;

	pfd.fd = pidfd;
	pfd.events = POLLIN;
	CU_ASSERT_EQUAL(poll(&pfd, 1, 5000), 1);
	passt_module.on_fd(m, TAP_FD_CHILD, pidfd, 0, EPOLLIN,
			   fake_core_now());

	CU_ASSERT_EQUAL(s->pidfd, -1);
	CU_ASSERT_EQUAL(fd_del_count(pidfd), 1);
	/* Reaped: nothing left to wait for */
	CU_ASSERT_EQUAL(waitpid(pid, NULL, WNOHANG), -1);
	/* Not at once: work of this turn may still be on its way */
	CU_ASSERT_FALSE(fake_core.quit_called);
	CU_ASSERT_EQUAL(fake_core.timer_ms, TAP_EXIT_LINGER_MS);
	passt_module.on_timer(m, fake_core_now());
	rc = fake_core.quit_called ? fake_core.quit_status : -1;
	fake_core_unload(m);
	return rc;
}

static void test_child_exit(void)
{
	if (child_status(0) == -2)
		return;
	CU_ASSERT_EQUAL(child_status(0), 0);
	CU_ASSERT_EQUAL(child_status(7), 7);
	CU_ASSERT_EQUAL(child_status(255), 255);
	CU_ASSERT_EQUAL(child_status(-SIGKILL), 128 + SIGKILL);
	CU_ASSERT_EQUAL(child_status(-SIGTERM), 128 + SIGTERM);
}

static void test_child_running(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);
	int pidfd;
	pid_t pid;

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	pid = fork();
	if (!pid) {
		pause();
		_exit(0);
	}
	CU_ASSERT_FATAL(pid > 0);
	pidfd = child_pidfd(pid);
	if (pidfd < 0) {
		fake_core_unload(m);
		return;
	}
	s->pidfd = pidfd;

	/* A spurious wake-up while it runs changes nothing */
	passt_module.on_fd(m, TAP_FD_CHILD, pidfd, 0, EPOLLIN,
			   fake_core_now());
	CU_ASSERT_FALSE(fake_core.quit_called);
	CU_ASSERT_EQUAL(s->pidfd, pidfd);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pidfd);
	s->pidfd = -1;
	fake_core_unload(m);
}

/* ------------------------------------------------------------------ */
/* The socket helper (tap_sock.c)                                     */
/* ------------------------------------------------------------------ */

/**
 * filter_child() - Run a system call under the helper's filter, in a child
 * @what:	0: socket(AF_INET), 1: socket(AF_INET6), 2: socket(AF_UNIX),
 *		3: getpid(), 4: open()
 *
 * Return: the child's wait status
 */
static int filter_child(int what)
{
	int status = -1;
	pid_t pid = fork();

	if (!pid) {
		int fd = -1;

		if (tap_sock_filter())
			_exit(100);
		switch (what) {
		case 0:
			fd = socket(AF_INET, SOCK_STREAM, 0);
			break;
		case 1:
			fd = socket(AF_INET6, SOCK_DGRAM, 0);
			break;
		case 2:
			fd = socket(AF_UNIX, SOCK_STREAM, 0);
			break;
		case 3:
			fd = (int)syscall(SYS_getpid);
			break;
		case 4:
			fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null",
					  O_RDONLY);
			break;
		}
		for (;;)
			tap_sock_exit(fd >= 0 ? 0 : 1);
	}
	CU_ASSERT_FATAL(pid > 0);
	waitpid(pid, &status, 0);
	return status;
}

static void test_sock_filter(void)
{
	int st, i;

	for (i = 0; i < 2; i++) {
		st = filter_child(i);
		CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	for (i = 2; i < 5; i++) {
		st = filter_child(i);
		CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	}
}

static void test_sock_req_ok(void)
{
	CU_ASSERT(tap_sock_req_ok(AF_INET, SOCK_STREAM));
	CU_ASSERT(tap_sock_req_ok(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK |
				  SOCK_CLOEXEC));
	CU_ASSERT_FALSE(tap_sock_req_ok(AF_UNIX, SOCK_STREAM));
	CU_ASSERT_FALSE(tap_sock_req_ok(AF_NETLINK, SOCK_DGRAM));
	CU_ASSERT_FALSE(tap_sock_req_ok(AF_INET, SOCK_RAW));
	CU_ASSERT_FALSE(tap_sock_req_ok(AF_INET, SOCK_STREAM | 0x10000000));
}

/**
 * raw_req() - Send a raw request to a helper, read its answer
 * @fd:		Our end of the pair
 * @req:	Request bytes
 * @len:	How many
 * @rep:	Answer: id, then error
 * @got:	Set to a socket attached, or -1
 *
 * Return: bytes of the answer
 */
static ssize_t raw_req(int fd, const void *req, size_t len, int32_t rep[2],
		       int *got)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = rep, .iov_len = 2 * sizeof(*rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	*got = -1;
	CU_ASSERT_EQUAL(send(fd, req, len, 0), (ssize_t)len);
	n = recvmsg(fd, &mh, 0);
	cm = CMSG_FIRSTHDR(&mh);
	if (n > 0 && cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(got, CMSG_DATA(cm), sizeof(int));
	return n;
}

/* The helper's loop, without namespace or filter, in a child */
static void test_sock_serve(void)
{
	int32_t req[4], rep[2];
	int pr[2], got, type, st;
	socklen_t sl = sizeof(type);
	pid_t pid;

	CU_ASSERT_FATAL(!socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pr));
	pid = fork();
	if (!pid) {
		close(pr[0]);
		tap_sock_serve(pr[1]);
		_exit(0);
	}
	close(pr[1]);

	req[0] = 7, req[1] = AF_INET6, req[2] = SOCK_DGRAM, req[3] = 0;
	CU_ASSERT_EQUAL(raw_req(pr[0], req, sizeof(req), rep, &got), 8);
	CU_ASSERT_EQUAL(rep[0], 7);
	CU_ASSERT_EQUAL(rep[1], 0);
	CU_ASSERT_FATAL(got >= 0);
	CU_ASSERT_EQUAL(getsockopt(got, SOL_SOCKET, SO_TYPE, &type, &sl), 0);
	CU_ASSERT_EQUAL(type, SOCK_DGRAM);
	sl = sizeof(type);
	CU_ASSERT_EQUAL(getsockopt(got, SOL_SOCKET, SO_DOMAIN, &type, &sl), 0);
	CU_ASSERT_EQUAL(type, AF_INET6);
	close(got);

	/* Anything but TCP or UDP over IP: refused */
	req[0] = 8, req[1] = AF_UNIX, req[2] = SOCK_STREAM;
	CU_ASSERT_EQUAL(raw_req(pr[0], req, sizeof(req), rep, &got), 8);
	CU_ASSERT_EQUAL(rep[0], 8);
	CU_ASSERT_EQUAL(rep[1], -EINVAL);
	CU_ASSERT_EQUAL(got, -1);
	req[0] = 9, req[1] = AF_INET, req[2] = SOCK_RAW, req[3] = 1;
	CU_ASSERT_EQUAL(raw_req(pr[0], req, sizeof(req), rep, &got), 8);
	CU_ASSERT_EQUAL(rep[1], -EINVAL);
	CU_ASSERT_EQUAL(got, -1);
	/* socket() itself refusing: its errno */
	req[0] = 10, req[1] = AF_INET, req[2] = SOCK_STREAM, req[3] = 17;
	CU_ASSERT_EQUAL(raw_req(pr[0], req, sizeof(req), rep, &got), 8);
	CU_ASSERT_EQUAL(rep[0], 10);
	CU_ASSERT_EQUAL(rep[1], -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(got, -1);
	/* Short, or id 0: not a request */
	CU_ASSERT_EQUAL(raw_req(pr[0], req, 3, rep, &got), 8);
	CU_ASSERT_EQUAL(rep[0], 0);
	CU_ASSERT_EQUAL(rep[1], -EINVAL);
	req[0] = 0, req[1] = AF_INET, req[2] = SOCK_STREAM, req[3] = 0;
	CU_ASSERT_EQUAL(raw_req(pr[0], req, sizeof(req), rep, &got), 8);
	CU_ASSERT_EQUAL(rep[1], -EINVAL);
	CU_ASSERT_EQUAL(got, -1);

	/* Our end closed: it returns */
	close(pr[0]);
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/**
 * helper_pid() - The socket helper, once reparented to us (a subreaper)
 *
 * Return: its PID, or -1
 */
static pid_t helper_pid(void)
{
	unsigned int i;

	/* Its middle process is reaped already: the helper is ours soon */
	for (i = 0; i < 50; i++) {
		DIR *d = opendir("/proc");
		struct dirent *e;

		CU_ASSERT_FATAL(d != NULL);
		while ((e = readdir(d))) {
			char path[300], buf[512], comm[32];
			int pid = atoi(e->d_name), ppid = -1;
			FILE *f;

			if (pid <= 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			if (!(f = fopen(path, "r")))
				continue;
			if (fgets(buf, sizeof(buf), f) &&
			    sscanf(buf, "%*d (%31[^)]) %*c %d", comm,
				   &ppid) == 2 &&
			    ppid == getpid() && !strcmp(comm, "passt-sock")) {
				fclose(f);
				closedir(d);
				return pid;
			}
			fclose(f);
		}
		closedir(d);
		usleep(20000);
	}
	return -1;
}

/**
 * proc_status() - A line of /proc/PID/status, after its key
 * @pid:	Process
 * @key:	Key with its colon, "Uid:"
 * @out:	Value, white space squeezed
 * @size:	Size of @out
 */
static void proc_status(pid_t pid, const char *key, char *out, size_t size)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	out[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key))) {
			char *v = line + strlen(key);

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, size, "%s", v);
			break;
		}
	}
	fclose(f);
}

/* The whole helper, in our own namespace (root), through guest_socket() */
static void test_sock_helper(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);
	struct tap_ns_job job = { .userfd = -1, .label = "our namespace" };
	char what[TAP_ERR_MAX], v[128];
	struct stat a, b;
	int fd, rc, st, type;
	socklen_t sl = sizeof(type);
	pid_t pid;

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_EQUAL(passt_module.guest_socket(m, AF_INET, SOCK_STREAM, 0),
			-ENOTCONN);

	job.netfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(job.netfd >= 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	rc = tap_sock_start(&job, &s->sock_fd, what, sizeof(what));
	close(job.netfd);
	if (geteuid()) {
		/* No right to join even our own namespace */
		CU_ASSERT_EQUAL(rc, -EPERM);
		CU_ASSERT_STRING_EQUAL(what, "socket helper for our namespace: "
				       "Operation not permitted");
		prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		fake_core_unload(m);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT(fcntl(s->sock_fd, F_GETFD) & FD_CLOEXEC);

	/* Nobody, no capabilities, no new privileges, filtered */
	pid = helper_pid();
	CU_ASSERT_FATAL(pid > 0);
	proc_status(pid, "Uid:", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "65534\t65534\t65534\t65534");
	proc_status(pid, "CapEff:", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "0000000000000000");
	proc_status(pid, "CapPrm:", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "0000000000000000");
	proc_status(pid, "NoNewPrivs:", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "1");
	proc_status(pid, "Seccomp:", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "2");

	fd = passt_module.guest_socket(m, AF_INET, SOCK_STREAM |
				       SOCK_NONBLOCK, IPPROTO_TCP);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CU_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);	/* always */
	CU_ASSERT_EQUAL(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl), 0);
	CU_ASSERT_EQUAL(type, SOCK_STREAM);
	/* Its namespace is the helper's: ours, here */
	CU_ASSERT_EQUAL(fstat(ioctl(fd, SIOCGSKNS), &a), 0);
	CU_ASSERT_EQUAL(stat("/proc/self/ns/net", &b), 0);
	CU_ASSERT_EQUAL(a.st_ino, b.st_ino);
	close(fd);

	CU_ASSERT_EQUAL(passt_module.guest_socket(m, AF_UNIX, SOCK_STREAM, 0),
			-EINVAL);
	CU_ASSERT_EQUAL(passt_module.guest_socket(m, AF_INET6, SOCK_DGRAM,
						  IPPROTO_TCP),
			-EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_ERR], 0);

	/* Gone: one error line, then -ENOTCONN without more */
	kill(pid, SIGKILL);
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT_EQUAL(passt_module.guest_socket(m, AF_INET, SOCK_STREAM, 0),
			-ENOTCONN);
	CU_ASSERT_EQUAL(s->sock_fd, -1);
	CU_ASSERT_EQUAL(passt_module.guest_socket(m, AF_INET, SOCK_STREAM, 0),
			-ENOTCONN);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_ERR], 1);
	CU_ASSERT_TRUE(log_has(PASST_LOG_ERR, "socket helper is gone"));

	/* Again, and this time it exits when we close our end */
	CU_ASSERT_FATAL((job.netfd = open("/proc/self/ns/net",
					  O_RDONLY | O_CLOEXEC)) >= 0);
	CU_ASSERT_EQUAL_FATAL(tap_sock_start(&job, &s->sock_fd, what,
					     sizeof(what)), 0);
	close(job.netfd);
	pid = helper_pid();
	CU_ASSERT_FATAL(pid > 0);
	tap_sock_stop(s);
	CU_ASSERT_EQUAL(s->sock_fd, -1);
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	fake_core_unload(m);
}

/**
 * answer() - Answer as the helper would, on our end of a pair
 * @fd:		Our end
 * @id:		Request answered
 * @err:	Error
 * @sock:	Socket to attach, or -1
 */
static void answer(int fd, uint32_t id, int32_t err, int sock)
{
	int32_t rep[2] = { (int32_t)id, err };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = rep, .iov_len = sizeof(rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (sock >= 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &sock, sizeof(int));
	}
	CU_ASSERT_EQUAL(sendmsg(fd, &mh, 0), (ssize_t)sizeof(rep));
}

/* A helper that answers late, or wrongly */
static void test_sock_late(void)
{
	struct passt_mod *m = fake_core_load(&passt_module);
	struct tap_state *s = fake_core_priv(m);
	struct timespec t0, t1;
	struct stat a, b;
	int pr[2], stale, right, fd;
	long ms;

	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_FATAL(!socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pr));
	s->sock_fd = pr[0];

	/* No answer: -ETIMEDOUT after TAP_SOCK_WAIT_MS */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(passt_module.guest_socket(m, AF_INET, SOCK_STREAM, 0),
			-ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CU_ASSERT(ms >= TAP_SOCK_WAIT_MS - 5 && ms < TAP_SOCK_WAIT_MS * 5);
	CU_ASSERT_TRUE(log_has(PASST_LOG_WARNING, "no answer in 100 ms"));

	/* Its late answer is skipped (and the socket in it closed), the
	 * next one taken
	 */
	stale = socket(AF_INET, SOCK_STREAM, 0);
	right = socket(AF_INET, SOCK_DGRAM, 0);
	answer(pr[1], s->sock_id, 0, stale);
	answer(pr[1], s->sock_id + 1, 0, right);
	close(stale);
	fd = passt_module.guest_socket(m, AF_INET, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(fstat(fd, &a), 0);
	CU_ASSERT_EQUAL(fstat(right, &b), 0);
	CU_ASSERT_EQUAL(a.st_ino, b.st_ino);
	close(fd);
	close(right);
	CU_ASSERT_EQUAL(s->sock_fd, pr[0]);

	/* An error passed on as it is */
	answer(pr[1], s->sock_id + 1, -EMFILE, -1);
	CU_ASSERT_EQUAL(passt_module.guest_socket(m, AF_INET, SOCK_DGRAM, 0),
			-EMFILE);

	/* Success without a socket: nonsense, the helper is given up */
	answer(pr[1], s->sock_id + 1, 0, -1);
	CU_ASSERT_EQUAL(passt_module.guest_socket(m, AF_INET, SOCK_DGRAM, 0),
			-ENOTCONN);
	CU_ASSERT_EQUAL(s->sock_fd, -1);
	CU_ASSERT_TRUE(log_has(PASST_LOG_ERR, "malformed answer"));
	close(pr[1]);
	fake_core_unload(m);
}

/**
 * suite_setup() - A write to a closed pair must fail, not kill the test
 */
__attribute__((constructor))
static void suite_setup(void)
{
	signal(SIGPIPE, SIG_IGN);
}

UNIT_SUITE(tap,
	{ "descriptor", test_descriptor },
	{ "defaults", test_defaults },
	{ "settings", test_settings },
	{ "bad_ifname", test_bad_ifname },
	{ "bad_mac", test_bad_mac },
	{ "wrong_type", test_wrong_type },
	{ "init_no_namespace", test_init_no_namespace },
	{ "init_both", test_init_both },
	{ "init_missing_netns", test_init_missing_netns },
	{ "init_not_netns", test_init_not_netns },
	{ "init_no_process", test_init_no_process },
	{ "read_batch", test_read_batch },
	{ "read_limit", test_read_limit },
	{ "gone_read", test_gone_read },
	{ "gone_command", test_gone_command },
	{ "send", test_send },
	{ "send_full", test_send_full },
	{ "gone_send", test_gone_send },
	{ "child_exit", test_child_exit },
	{ "child_running", test_child_running },
	{ "sock_filter", test_sock_filter },
	{ "sock_req_ok", test_sock_req_ok },
	{ "sock_serve", test_sock_serve },
	{ "sock_helper", test_sock_helper },
	{ "sock_late", test_sock_late }
)
