// SPDX-License-Identifier: GPL-2.0-or-later
/* vhost_user_test.c - vhost-user backend: rings in a memfd, protocol on a
 * socket pair, no QEMU
 *
 * The ring tests play the guest: descriptor tables, available rings and
 * buffers are written by hand into a memfd that the backend maps through
 * vu_mem_map(), as it would map QEMU's memory. Guest-physical and frontend
 * virtual addresses are deliberately far apart (T_GPA, T_UVA), so that code
 * confusing the two fails here. Each malformed ring must be refused without
 * a crash: the ring is marked broken, nothing reaches the core, and its
 * error eventfd is signalled. A fuzz loop then throws random descriptor
 * tables at both queues (run it under AddressSanitizer too).
 *
 * The protocol tests play the frontend on a real UNIX socket connected to
 * the module's listening socket: GET/SET features, the memory table (with
 * the memfd attached), queue set-up with eventfds, frames both ways, errors
 * that must be refused without dropping the connection, errors that must
 * drop it, disconnect and reconnect.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <linux/virtio_net.h>

#include <CUnit/CUnit.h>

#include "unit.h"
#include "fake_core.h"
#include "vu_mem.h"
#include "vu_net.h"
#include "vu_ring.h"

extern const struct passt_module passt_module;

#define T_MEM_SIZE	(4UL << 20)
#define T_GPA		0x40000000ULL		/* guest-physical base */
#define T_UVA		0x7f1234560000ULL	/* frontend virtual base */
#define T_Q_STRIDE	0x40000UL		/* ring areas per queue */
#define T_AVAIL_OFF	0x10000UL
#define T_USED_OFF	0x20000UL
#define T_BUF_OFF	0x100000UL		/* buffers from here */
#define T_HDR		12

/* Request numbers and flags, from the protocol, written out here */
#define R_GET_FEATURES		1
#define R_SET_FEATURES		2
#define R_SET_OWNER		3
#define R_SET_LOG_BASE		6
#define R_SET_LOG_FD		7
#define R_SET_MEM_TABLE		5
#define R_SET_VRING_NUM		8
#define R_SET_VRING_ADDR	9
#define R_SET_VRING_BASE	10
#define R_GET_VRING_BASE	11
#define R_SET_VRING_KICK	12
#define R_SET_VRING_CALL	13
#define R_SET_VRING_ERR		14
#define R_GET_PROTOCOL_FEATURES	15
#define R_SET_PROTOCOL_FEATURES	16
#define R_GET_QUEUE_NUM		17
#define R_SET_VRING_ENABLE	18
#define R_GET_CONFIG		24
#define F_VERSION		1
#define F_REPLY			4
#define F_NEED_REPLY		8
/* VERSION_1, PROTOCOL_FEATURES, MRG_RXBUF, GUEST_CSUM, CSUM */
#define FEATURES		0x140008003ULL

/* The module's fd types, as it registers them */
#define T_FD_LISTEN		1
#define T_FD_CONN		2
#define T_FD_KICK		3

/**
 * struct t_env - A guest's memory and a device set up on it
 * @memfd:	The guest's memory
 * @base:	Our own mapping of it
 * @m:		The module, loaded in the fake core
 * @n:		The device
 * @bounce:	Its bounce buffer
 * @call:	Call eventfds, per queue
 * @err:	Error eventfds, per queue
 */
struct t_env {
	int memfd;
	uint8_t *base;
	struct passt_mod *m;
	struct vu_net *n;
	uint8_t *bounce;
	int call[VU_QUEUES];
	int err[VU_QUEUES];
};

static struct t_env env;

/**
 * t_memfd() - A zeroed memfd of T_MEM_SIZE bytes, mapped here
 * @base:	Set to our mapping
 *
 * Return: the memfd
 */
static int t_memfd(uint8_t **base)
{
	int fd = memfd_create("vu-test", MFD_CLOEXEC);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(!ftruncate(fd, T_MEM_SIZE));
	*base = mmap(NULL, T_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     fd, 0);
	CU_ASSERT_FATAL(*base != MAP_FAILED);
	return fd;
}

/**
 * t_evt() - Read an eventfd without blocking
 * @fd:		eventfd
 *
 * Return: its counter (now reset), 0 if it was not signalled
 */
static uint64_t t_evt(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/**
 * t_setup() - Map a fresh guest memory, set up both queues on it
 * @num:	Ring size
 * @version_1:	VIRTIO_F_VERSION_1
 * @mrg:	VIRTIO_NET_F_MRG_RXBUF
 */
static void t_setup(unsigned int num, bool version_1, bool mrg)
{
	struct vu_mem_desc d = { T_GPA, T_MEM_SIZE, T_UVA, 0 };
	unsigned int q;

	memset(&env, 0, sizeof(env));
	env.m = fake_core_load(&passt_module);
	env.memfd = t_memfd(&env.base);
	env.n = calloc(1, sizeof(*env.n));
	env.bounce = malloc(VU_BOUNCE_SIZE);
	CU_ASSERT_FATAL(env.n && env.bounce);
	vu_net_init(env.n, env.bounce, VU_BOUNCE_SIZE);
	vu_net_features(env.n, version_1, mrg);
	CU_ASSERT_FATAL(!vu_mem_map(&env.n->mem, &d, 1, &env.memfd));

	for (q = 0; q < VU_QUEUES; q++) {
		struct vu_ring *r = &env.n->ring[q];

		r->num = num;
		r->desc_uva = T_UVA + q * T_Q_STRIDE;
		r->avail_uva = T_UVA + q * T_Q_STRIDE + T_AVAIL_OFF;
		r->used_uva = T_UVA + q * T_Q_STRIDE + T_USED_OFF;
		r->addr_set = true;
		CU_ASSERT_FATAL(!vu_ring_map(r, &env.n->mem));
		r->started = r->enabled = true;
		env.call[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		env.err[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		r->call_fd = env.call[q];
		r->err_fd = env.err[q];
		vu_ring_sync(r, q == VU_RX_Q);
	}
}

/**
 * t_teardown() - Undo t_setup()
 */
static void t_teardown(void)
{
	unsigned int q;

	vu_mem_unmap(&env.n->mem);
	for (q = 0; q < VU_QUEUES; q++) {
		close(env.call[q]);
		close(env.err[q]);
	}
	munmap(env.base, T_MEM_SIZE);
	close(env.memfd);
	free(env.bounce);
	free(env.n);
	env.n = NULL;
	fake_core_unload(env.m);
}

/**
 * t_desc() - A descriptor table entry, as the guest sees it
 * @q:		Queue
 * @i:		Index
 *
 * Return: pointer into our mapping
 */
static struct vu_desc *t_desc(unsigned int q, unsigned int i)
{
	return (struct vu_desc *)(env.base + q * T_Q_STRIDE) + i;
}

/**
 * t_avail() - The available ring, as the guest sees it
 * @q:		Queue
 *
 * Return: pointer into our mapping
 */
static struct vu_avail *t_avail(unsigned int q)
{
	return (struct vu_avail *)(env.base + q * T_Q_STRIDE + T_AVAIL_OFF);
}

/**
 * t_used() - The used ring, as the guest sees it
 * @q:		Queue
 *
 * Return: pointer into our mapping
 */
static struct vu_used *t_used(unsigned int q)
{
	return (struct vu_used *)(env.base + q * T_Q_STRIDE + T_USED_OFF);
}

/**
 * t_set() - Write a descriptor
 * @q:		Queue
 * @i:		Index
 * @off:	Buffer offset in the memory (its address is T_GPA + @off)
 * @len:	Length
 * @flags:	VU_DESC_F_*
 * @next:	Next index
 */
static void t_set(unsigned int q, unsigned int i, uint64_t off, uint32_t len,
		  uint16_t flags, uint16_t next)
{
	struct vu_desc *d = t_desc(q, i);

	d->addr = T_GPA + off;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/**
 * t_post() - Make a chain available, as the driver does
 * @q:		Queue
 * @head:	Its head
 *
 * Rings are those of t_setup(), or of t_session() (256 entries) when the
 * module keeps its own device
 */
static void t_post(unsigned int q, uint16_t head)
{
	struct vu_avail *a = t_avail(q);
	unsigned int num = env.n ? env.n->ring[q].num : 256;

	a->ring[a->idx % num] = head;
	__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
}

/**
 * t_fill() - Fill guest memory with a recognisable pattern
 * @off:	Offset
 * @len:	Length
 * @seed:	Pattern seed
 */
static void t_fill(uint64_t off, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		env.base[off + i] = (uint8_t)(seed + i * 7);
}

/**
 * t_pattern_ok() - Check a frame against the pattern of t_fill()
 * @p:		Bytes
 * @len:	Length
 * @seed:	Pattern seed
 *
 * Return: true if every byte matches
 */
static bool t_pattern_ok(const uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

/**
 * t_tx() - Run the transmit queue once
 *
 * Return: chains taken
 */
static unsigned int t_tx(void)
{
	bool more;

	return vu_net_tx(env.m, env.n, 4096, &more);
}

/**
 * t_expect_broken() - The transmit or receive queue must be broken, with
 * nothing handed over and nothing given back
 * @q:		Queue
 */
static void t_expect_broken(unsigned int q)
{
	CU_ASSERT_TRUE(env.n->ring[q].broken);
	CU_ASSERT_PTR_NOT_NULL(env.n->ring[q].fault);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 0);
	CU_ASSERT_EQUAL(t_used(q)->idx, 0);
	CU_ASSERT_EQUAL(t_evt(env.err[q]), 1);
	CU_ASSERT_FALSE(vu_ring_ready(&env.n->ring[q]));
}

/* ------------------------------------------------------------------------ */
/* Memory table                                                             */
/* ------------------------------------------------------------------------ */

static void test_mem_translate(void)
{
	struct vu_mem_desc d[2] = {
		{ 0x1000, 0x3000, 0x7000000, 0x1000 },	/* gpa 0x1000-0x3fff */
		{ 0x4000, 0x2000, 0x9000000, 0x0 },	/* gpa 0x4000-0x5fff */
	};
	struct vu_mem mem;
	struct iovec iov[4];
	uint8_t *base;
	int fds[2], fd;

	fd = t_memfd(&base);
	fds[0] = fds[1] = fd;
	CU_ASSERT_EQUAL_FATAL(vu_mem_map(&mem, d, 2, fds), 0);
	CU_ASSERT_EQUAL(mem.n, 2);

	/* Frontend virtual: inside, edges, beyond, before */
	CU_ASSERT_PTR_EQUAL(vu_mem_uva(&mem, 0x7000000, 0x3000),
			    mem.r[0].host);
	CU_ASSERT_PTR_EQUAL(vu_mem_uva(&mem, 0x7002fff, 1),
			    mem.r[0].host + 0x2fff);
	CU_ASSERT_PTR_NULL(vu_mem_uva(&mem, 0x7002fff, 2));
	CU_ASSERT_PTR_NULL(vu_mem_uva(&mem, 0x7003000, 1));
	CU_ASSERT_PTR_NULL(vu_mem_uva(&mem, 0x6ffffff, 1));
	CU_ASSERT_PTR_NULL(vu_mem_uva(&mem, 0x7000000, UINT64_MAX));
	/* A guest-physical address is not a frontend one */
	CU_ASSERT_PTR_NULL(vu_mem_uva(&mem, 0x1000, 1));

	/* Offsets count: region 0 starts 0x1000 into the file */
	memset(base + 0x1000, 0xab, 1);
	CU_ASSERT_EQUAL(*(uint8_t *)vu_mem_uva(&mem, 0x7000000, 1), 0xab);

	/* Guest-physical: one region, two adjacent ones, a gap, overflow */
	CU_ASSERT_EQUAL(vu_mem_gpa(&mem, 0x1000, 0x3000, iov, 4), 1);
	CU_ASSERT_EQUAL(iov[0].iov_len, 0x3000);
	CU_ASSERT_EQUAL(vu_mem_gpa(&mem, 0x3ff0, 0x20, iov, 4), 2);
	CU_ASSERT_EQUAL(iov[0].iov_len, 0x10);
	CU_ASSERT_PTR_EQUAL(iov[0].iov_base, mem.r[0].host + 0x2ff0);
	CU_ASSERT_EQUAL(iov[1].iov_len, 0x10);
	CU_ASSERT_PTR_EQUAL(iov[1].iov_base, mem.r[1].host);
	CU_ASSERT_EQUAL(vu_mem_gpa(&mem, 0x3ff0, 0x20, iov, 1), -ENOBUFS);
	CU_ASSERT_EQUAL(vu_mem_gpa(&mem, 0x5fff, 2, iov, 4), -EFAULT);
	CU_ASSERT_EQUAL(vu_mem_gpa(&mem, 0xfff, 2, iov, 4), -EFAULT);
	CU_ASSERT_EQUAL(vu_mem_gpa(&mem, 0x1000, UINT64_MAX, iov, 4),
			-EFAULT);
	CU_ASSERT_EQUAL(vu_mem_gpa(&mem, UINT64_MAX, 1, iov, 4), -EFAULT);
	/* A frontend address is not a guest-physical one */
	CU_ASSERT_EQUAL(vu_mem_gpa(&mem, 0x7000000, 1, iov, 4), -EFAULT);

	vu_mem_unmap(&mem);
	CU_ASSERT_EQUAL(mem.n, 0);
	CU_ASSERT_EQUAL(vu_mem_gpa(&mem, 0x1000, 1, iov, 4), -EFAULT);
	munmap(base, T_MEM_SIZE);
	close(fd);
}

static void test_mem_refused(void)
{
	struct vu_mem_desc zero = { 0x1000, 0, 0x1000, 0 };
	struct vu_mem_desc wrap = { UINT64_MAX - 0x10, 0x1000, 0x1000, 0 };
	struct vu_mem_desc uwrap = { 0, 0x1000, UINT64_MAX - 0x10, 0 };
	struct vu_mem_desc owrap = { 0, 0x1000, 0, UINT64_MAX - 0x10 };
	struct vu_mem_desc ok = { 0, 0x1000, 0, 0 };
	struct vu_mem mem;
	int bad = -1, fd = eventfd(0, EFD_CLOEXEC);

	CU_ASSERT_EQUAL(vu_mem_map(&mem, &zero, 1, &fd), -EINVAL);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &wrap, 1, &fd), -EINVAL);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &uwrap, 1, &fd), -EINVAL);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &owrap, 1, &fd), -EINVAL);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &ok, 1, &bad), -EBADF);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &ok, 0, &fd), -EINVAL);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &ok, VU_MEM_REGIONS_MAX + 1, &fd),
			-EINVAL);
	/* Not a regular file: an eventfd */
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &ok, 1, &fd), -ENODEV);
	CU_ASSERT_EQUAL(mem.n, 0);
	close(fd);
}

/**
 * t_memfd_sized() - A memfd of a given size, not mapped here
 * @size:	Size in bytes
 *
 * Return: the memfd
 */
static int t_memfd_sized(size_t size)
{
	int fd = memfd_create("vu-test-size", MFD_CLOEXEC);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(!ftruncate(fd, (off_t)size));
	return fd;
}

static void test_mem_file_size(void)
{
	struct vu_mem_desc big = { 0, 1ULL << 30, 0x7000000, 0 };
	struct vu_mem_desc exact = { 0, 0x1000, 0x7000000, 0 };
	struct vu_mem_desc tail = { 0, 0x800, 0x7000000, 0x800 };
	struct vu_mem_desc past = { 0, 0x800, 0x7000000, 0x801 };
	struct vu_mem_desc far = { 0, 0x1000, 0x7000000, 1ULL << 62 };
	struct vu_mem_desc wrap = { 0, 0x1000, 0x7000000,
				    UINT64_MAX - 0xfff };
	struct vu_mem_desc two[2] = {
		{ 0, 0x1000, 0x7000000, 0 },
		{ 0x1000, 0x2000, 0x8000000, 0 },
	};
	struct vu_mem mem;
	uint64_t fsize;
	int fd = t_memfd_sized(0x1000), fds[2], p[2], ro;
	char path[64];

	/* The hostile frontend of issue #8: 4 KiB of file, 1 GiB claimed */
	CU_ASSERT_EQUAL(vu_mem_fd_check(&big, fd, &fsize), -ERANGE);
	CU_ASSERT_EQUAL(fsize, 0x1000);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &big, 1, &fd), -ERANGE);
	CU_ASSERT_EQUAL(mem.n, 0);

	/* Exactly the file, and its second half: mapped, last byte usable */
	CU_ASSERT_EQUAL(vu_mem_fd_check(&exact, fd, &fsize), 0);
	CU_ASSERT_EQUAL_FATAL(vu_mem_map(&mem, &exact, 1, &fd), 0);
	CU_ASSERT_EQUAL(mem.n, 1);
	*(uint8_t *)vu_mem_uva(&mem, 0x7000fff, 1) = 0x5a;
	vu_mem_unmap(&mem);
	CU_ASSERT_EQUAL_FATAL(vu_mem_map(&mem, &tail, 1, &fd), 0);
	CU_ASSERT_EQUAL(*(uint8_t *)vu_mem_uva(&mem, 0x70007ff, 1), 0x5a);
	vu_mem_unmap(&mem);

	/* One byte too far; an offset beyond the file; one that wraps */
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &past, 1, &fd), -ERANGE);
	CU_ASSERT_EQUAL(vu_mem_fd_check(&far, fd, &fsize), -ERANGE);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &far, 1, &fd), -ERANGE);
	CU_ASSERT_EQUAL(vu_mem_fd_check(&wrap, fd, &fsize), -EINVAL);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &wrap, 1, &fd), -EINVAL);

	/* A good region, then a short one: nothing stays mapped */
	fds[0] = fds[1] = fd;
	CU_ASSERT_EQUAL(vu_mem_map(&mem, two, 2, fds), -ERANGE);
	CU_ASSERT_EQUAL(mem.n, 0);

	/* Not regular files: no size to check, refused */
	CU_ASSERT_FATAL(!pipe2(p, O_CLOEXEC));
	CU_ASSERT_EQUAL(vu_mem_fd_check(&exact, p[0], &fsize), -ENODEV);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &exact, 1, &p[0]), -ENODEV);
	close(p[0]);
	close(p[1]);
	/* Closed in the meantime */
	CU_ASSERT_EQUAL(vu_mem_fd_check(&exact, p[0], &fsize), -EBADF);

	/* Big enough but read-only: mmap() itself refuses */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(ro >= 0);
	CU_ASSERT_EQUAL(vu_mem_fd_check(&exact, ro, &fsize), 0);
	CU_ASSERT_EQUAL(vu_mem_map(&mem, &exact, 1, &ro), -EACCES);
	CU_ASSERT_EQUAL(mem.n, 0);
	close(ro);
	close(fd);
}

static void test_ring_map(void)
{
	struct vu_ring *r;

	t_setup(256, true, true);
	r = &env.n->ring[VU_TX_Q];

	/* Misaligned descriptor table */
	r->desc_uva = T_UVA + T_Q_STRIDE + 8;
	CU_ASSERT_EQUAL(vu_ring_map(r, &env.n->mem), -EFAULT);
	CU_ASSERT_FALSE(vu_ring_ready(r));
	/* Used ring running past the end of the memory */
	r->desc_uva = T_UVA + T_Q_STRIDE;
	r->used_uva = T_UVA + T_MEM_SIZE - 16;
	CU_ASSERT_EQUAL(vu_ring_map(r, &env.n->mem), -EFAULT);
	/* Guest-physical addresses where frontend ones belong */
	r->used_uva = T_GPA + T_Q_STRIDE + T_USED_OFF;
	CU_ASSERT_EQUAL(vu_ring_map(r, &env.n->mem), -EFAULT);
	/* Back in place */
	r->used_uva = T_UVA + T_Q_STRIDE + T_USED_OFF;
	CU_ASSERT_EQUAL(vu_ring_map(r, &env.n->mem), 0);
	CU_ASSERT_PTR_NOT_NULL(r->used);
	/* Size unknown: not yet */
	r->num = 0;
	CU_ASSERT_EQUAL(vu_ring_map(r, &env.n->mem), -EAGAIN);
	t_teardown();
}

/* ------------------------------------------------------------------------ */
/* Transmit queue (guest to core)                                           */
/* ------------------------------------------------------------------------ */

static void test_tx_single(void)
{
	const uint8_t *data;

	t_setup(256, true, true);
	t_fill(T_BUF_OFF, T_HDR + 100, 1);
	t_set(VU_TX_Q, 5, T_BUF_OFF, T_HDR + 100, 0, 0);
	t_post(VU_TX_Q, 5);

	CU_ASSERT_EQUAL(t_tx(), 1);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 1);
	CU_ASSERT_EQUAL(fake_core.from_guest[0].len, 100);
	data = fake_core.from_guest[0].data;
	CU_ASSERT_TRUE(t_pattern_ok(data, 100, 1 + T_HDR * 7));
	CU_ASSERT_EQUAL(env.n->tx_bounced, 0);		/* zero copy */
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->idx, 1);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->ring[0].id, 5);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->ring[0].len, 0);
	CU_ASSERT_EQUAL(t_evt(env.call[VU_TX_Q]), 1);
	/* Kicks asked for again: nothing more to do */
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->flags, 0);
	CU_ASSERT_EQUAL(t_tx(), 0);
	t_teardown();
}

static void test_tx_csum(void)
{
	static const uint8_t hflags[4] = { 0, VIRTIO_NET_HDR_F_NEEDS_CSUM,
					   VIRTIO_NET_HDR_F_DATA_VALID,
					   VIRTIO_NET_HDR_F_NEEDS_CSUM };
	static const bool csum[4] = { true, false, true, true };
	static const uint8_t want[4] = { 0, 0, PASST_FRAME_CSUM_OK,
					 PASST_FRAME_CSUM_OK };
	unsigned int i;

	/* The guest's word on a checksum counts only if we offered
	 * VIRTIO_NET_F_CSUM; the last one has its header split in two
	 */
	for (i = 0; i < 4; i++) {
		t_setup(256, true, true);
		vu_net_offloads(env.n, csum[i], false);
		t_fill(T_BUF_OFF, T_HDR + 100, 1);
		env.base[T_BUF_OFF] = hflags[i];
		if (i < 3) {
			t_set(VU_TX_Q, 5, T_BUF_OFF, T_HDR + 100, 0, 0);
		} else {
			t_set(VU_TX_Q, 5, T_BUF_OFF, 3, VU_DESC_F_NEXT, 6);
			t_set(VU_TX_Q, 6, T_BUF_OFF + 3, T_HDR + 97, 0, 0);
		}
		t_post(VU_TX_Q, 5);
		CU_ASSERT_EQUAL(t_tx(), 1);
		CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 1);
		CU_ASSERT_EQUAL(fake_core.from_guest[0].len, 100);
		CU_ASSERT_EQUAL(fake_core.from_guest[0].flags, want[i]);
		t_teardown();
	}
}

static void test_tx_chained(void)
{
	t_setup(256, true, true);
	/* Header split in two, then the frame in three pieces, in
	 * descriptors out of order
	 */
	t_fill(T_BUF_OFF, 4096, 3);
	t_set(VU_TX_Q, 7, T_BUF_OFF, 5, VU_DESC_F_NEXT, 2);
	t_set(VU_TX_Q, 2, T_BUF_OFF + 5, 7 + 40, VU_DESC_F_NEXT, 9);
	t_set(VU_TX_Q, 9, T_BUF_OFF + 52, 1000, VU_DESC_F_NEXT, 0);
	t_set(VU_TX_Q, 0, T_BUF_OFF + 1052, 500, 0, 0);
	t_post(VU_TX_Q, 7);

	CU_ASSERT_EQUAL(t_tx(), 1);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 1);
	CU_ASSERT_EQUAL(fake_core.from_guest[0].len, 1540);
	CU_ASSERT_TRUE(t_pattern_ok(fake_core.from_guest[0].data, 1540,
				    3 + T_HDR * 7));
	CU_ASSERT_EQUAL(env.n->tx_bounced, 1);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->ring[0].id, 7);
	t_teardown();
}

static void test_tx_batch_and_sizes(void)
{
	unsigned int i;

	t_setup(256, true, true);
	/* Too short (header and 13 bytes), too long, then fine */
	t_set(VU_TX_Q, 0, T_BUF_OFF, T_HDR + 13, 0, 0);
	t_set(VU_TX_Q, 1, T_BUF_OFF, 40000, VU_DESC_F_NEXT, 2);
	t_set(VU_TX_Q, 2, T_BUF_OFF, T_HDR + VU_FRAME_MAX - 40000 + 1, 0, 0);
	for (i = 3; i < 103; i++)
		t_set(VU_TX_Q, i, T_BUF_OFF + i * 2048, T_HDR + 60 + i, 0, 0);
	t_post(VU_TX_Q, 0);
	t_post(VU_TX_Q, 1);
	for (i = 3; i < 103; i++)
		t_post(VU_TX_Q, (uint16_t)i);

	CU_ASSERT_EQUAL(t_tx(), 102);
	CU_ASSERT_EQUAL(env.n->tx_bad, 2);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 100);
	for (i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(fake_core.from_guest[i].len, 60 + 3 + i);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->idx, 102);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->ring[0].id, 0);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->ring[1].id, 1);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->ring[101].id, 102);
	CU_ASSERT_FALSE(env.n->ring[VU_TX_Q].broken);
	/* One call for one batch */
	CU_ASSERT_EQUAL(t_evt(env.call[VU_TX_Q]), 1);
	t_teardown();
}

static void test_tx_budget(void)
{
	unsigned int i, n;
	bool more;

	t_setup(256, true, true);
	for (i = 0; i < 200; i++) {
		t_set(VU_TX_Q, i, T_BUF_OFF + i * 128, T_HDR + 64, 0, 0);
		t_post(VU_TX_Q, (uint16_t)i);
	}
	n = vu_net_tx(env.m, env.n, 150, &more);
	CU_ASSERT_EQUAL(n, 150);
	CU_ASSERT_TRUE(more);
	/* Still taking chains: the guest need not kick */
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->flags, VU_USED_F_NO_NOTIFY);
	n = vu_net_tx(env.m, env.n, 150, &more);
	CU_ASSERT_EQUAL(n, 50);
	CU_ASSERT_FALSE(more);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 200);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->flags, 0);
	t_teardown();
}

static void test_tx_bounce_full(void)
{
	unsigned int i, n = VU_BOUNCE_SIZE / 60000 + 4;

	t_setup(256, true, true);
	/* Frames of 60000 bytes in two pieces: more than the bounce buffer
	 * holds in one batch, so the batch is split, and all get through
	 */
	for (i = 0; i < n; i++) {
		t_set(VU_TX_Q, 2 * i, T_BUF_OFF, T_HDR + 100, VU_DESC_F_NEXT,
		      (uint16_t)(2 * i + 1));
		t_set(VU_TX_Q, 2 * i + 1, T_BUF_OFF + 4096, 59900, 0, 0);
		t_post(VU_TX_Q, (uint16_t)(2 * i));
	}
	CU_ASSERT_EQUAL(t_tx(), n);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, n);
	CU_ASSERT_EQUAL(env.n->tx_bounced, n);
	CU_ASSERT(t_evt(env.call[VU_TX_Q]) >= 2);	/* two batches */
	t_teardown();
}

static void test_tx_loop(void)
{
	t_setup(256, true, true);
	t_set(VU_TX_Q, 0, T_BUF_OFF, 64, VU_DESC_F_NEXT, 1);
	t_set(VU_TX_Q, 1, T_BUF_OFF, 64, VU_DESC_F_NEXT, 0);
	t_post(VU_TX_Q, 0);
	CU_ASSERT_EQUAL(t_tx(), 0);
	t_expect_broken(VU_TX_Q);
	/* Broken stays broken: no second look, no second report */
	CU_ASSERT_EQUAL(t_tx(), 0);
	CU_ASSERT_EQUAL(t_evt(env.err[VU_TX_Q]), 0);
	t_teardown();
}

static void test_tx_self_loop_small_ring(void)
{
	unsigned int i;

	/* A chain using all four descriptors is fine, a fifth is a loop */
	t_setup(4, true, true);
	for (i = 0; i < 4; i++)
		t_set(VU_TX_Q, i, T_BUF_OFF + i * 16, 16,
		      i < 3 ? VU_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	t_post(VU_TX_Q, 0);
	CU_ASSERT_EQUAL(t_tx(), 1);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 1);
	CU_ASSERT_EQUAL(fake_core.from_guest[0].len, 64 - T_HDR);

	t_set(VU_TX_Q, 3, T_BUF_OFF + 48, 16, VU_DESC_F_NEXT, 3);
	t_post(VU_TX_Q, 0);
	fake_core_frames_clear();
	CU_ASSERT_EQUAL(t_tx(), 0);
	CU_ASSERT_TRUE(env.n->ring[VU_TX_Q].broken);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 0);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->idx, 1);
	t_teardown();
}

static void test_tx_next_beyond(void)
{
	t_setup(256, true, true);
	t_set(VU_TX_Q, 0, T_BUF_OFF, 64, VU_DESC_F_NEXT, 256);
	/* What lies past the table looks fine: it must not be read */
	t_set(VU_TX_Q, 256, T_BUF_OFF, 64, 0, 0);
	t_post(VU_TX_Q, 0);
	CU_ASSERT_EQUAL(t_tx(), 0);
	t_expect_broken(VU_TX_Q);
	t_teardown();
}

static void test_tx_head_beyond(void)
{
	t_setup(256, true, true);
	t_set(VU_TX_Q, 300, T_BUF_OFF, 64, 0, 0);
	t_post(VU_TX_Q, 300);
	CU_ASSERT_EQUAL(t_tx(), 0);
	t_expect_broken(VU_TX_Q);
	t_teardown();
}

static void test_tx_avail_jump(void)
{
	t_setup(16, true, true);
	t_set(VU_TX_Q, 0, T_BUF_OFF, 64, 0, 0);
	t_avail(VU_TX_Q)->idx = 17;		/* 17 chains in 16 slots */
	CU_ASSERT_EQUAL(t_tx(), 0);
	t_expect_broken(VU_TX_Q);
	t_teardown();
}

static void test_tx_outside(void)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ T_GPA + T_MEM_SIZE - 10, 64 },	/* runs past the end */
		{ T_GPA + T_MEM_SIZE, 64 },		/* just past it */
		{ T_GPA - 64, 64 },			/* before it */
		{ UINT64_MAX - 10, 64 },		/* wraps around */
		{ T_UVA + T_BUF_OFF, 64 },		/* frontend address */
		{ 0, 64 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t_setup(256, true, true);
		t_set(VU_TX_Q, 0, T_BUF_OFF, T_HDR, VU_DESC_F_NEXT, 1);
		t_desc(VU_TX_Q, 1)->addr = bad[i].addr;
		t_desc(VU_TX_Q, 1)->len = bad[i].len;
		t_post(VU_TX_Q, 0);
		CU_ASSERT_EQUAL(t_tx(), 0);
		t_expect_broken(VU_TX_Q);
		t_teardown();
	}
}

static void test_tx_bad_flags(void)
{
	static const uint16_t flags[] = { VU_DESC_F_WRITE,
					   VU_DESC_F_INDIRECT };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		t_setup(256, true, true);
		t_set(VU_TX_Q, 0, T_BUF_OFF, 64, flags[i], 0);
		t_post(VU_TX_Q, 0);
		CU_ASSERT_EQUAL(t_tx(), 0);
		t_expect_broken(VU_TX_Q);
		t_teardown();
	}
}

static void test_tx_zero_len(void)
{
	t_setup(256, true, true);
	t_set(VU_TX_Q, 0, T_BUF_OFF, T_HDR, VU_DESC_F_NEXT, 1);
	t_set(VU_TX_Q, 1, T_BUF_OFF + 64, 0, VU_DESC_F_NEXT, 2);
	t_set(VU_TX_Q, 2, T_BUF_OFF + 128, 64, 0, 0);
	t_post(VU_TX_Q, 0);
	CU_ASSERT_EQUAL(t_tx(), 0);
	t_expect_broken(VU_TX_Q);
	t_teardown();
}

static void test_tx_not_ready(void)
{
	t_setup(256, true, true);
	t_set(VU_TX_Q, 0, T_BUF_OFF, 64 + T_HDR, 0, 0);
	t_post(VU_TX_Q, 0);
	env.n->ring[VU_TX_Q].enabled = false;
	CU_ASSERT_EQUAL(t_tx(), 0);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 0);
	env.n->ring[VU_TX_Q].enabled = true;
	CU_ASSERT_EQUAL(t_tx(), 1);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 1);
	t_teardown();
}

/* ------------------------------------------------------------------------ */
/* Receive queue (core to guest)                                            */
/* ------------------------------------------------------------------------ */

/**
 * t_frames() - Make frames with the t_fill() pattern in a static buffer
 * @iov:	iovecs to set
 * @n:		Number of frames
 * @len:	Length of each
 */
static void t_frames(struct iovec *iov, size_t n, size_t len)
{
	static uint8_t buf[8][70000];
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < len; j++)
			buf[i][j] = (uint8_t)(i + 10 + j * 7);
		iov[i].iov_base = buf[i];
		iov[i].iov_len = len;
	}
}

/**
 * t_rx_bufs() - Post receive buffers, one descriptor each
 * @n:		How many
 * @size:	Size of each
 */
static void t_rx_bufs(unsigned int n, uint32_t size)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		t_set(VU_RX_Q, i, T_BUF_OFF + i * 0x10000, size,
		      VU_DESC_F_WRITE, 0);
		t_post(VU_RX_Q, (uint16_t)i);
	}
}

static void test_rx_single(void)
{
	struct iovec f;
	uint8_t *b;

	t_setup(256, true, true);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->flags, VU_USED_F_NO_NOTIFY);
	memset(env.base + T_BUF_OFF, 0xee, 2048);
	t_rx_bufs(1, 2048);
	t_frames(&f, 1, 100);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, &f, 1), 1);

	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->idx, 1);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[0].id, 0);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[0].len, T_HDR + 100);
	b = env.base + T_BUF_OFF;
	/* Header: no flags (no DATA_VALID: the guest checks checksums), no
	 * GSO, one buffer
	 */
	CU_ASSERT_EQUAL(b[0], 0);
	CU_ASSERT_EQUAL(b[1], 0);
	CU_ASSERT_EQUAL(b[10] | b[11] << 8, 1);
	CU_ASSERT_TRUE(t_pattern_ok(b + T_HDR, 100, 10));
	CU_ASSERT_EQUAL(b[T_HDR + 100], 0xee);	/* not a byte more */
	CU_ASSERT_EQUAL(t_evt(env.call[VU_RX_Q]), 1);
	t_teardown();
}

static void test_rx_data_valid(void)
{
	struct iovec f;
	uint8_t *b;

	/* With VIRTIO_NET_F_GUEST_CSUM, frames say their checksums are
	 * right, and nothing else changes
	 */
	t_setup(256, true, true);
	vu_net_offloads(env.n, false, true);
	t_rx_bufs(1, 2048);
	t_frames(&f, 1, 100);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, &f, 1), 1);
	b = env.base + T_BUF_OFF;
	CU_ASSERT_EQUAL(b[0], VIRTIO_NET_HDR_F_DATA_VALID);
	CU_ASSERT_EQUAL(b[1], VIRTIO_NET_HDR_GSO_NONE);
	CU_ASSERT_EQUAL(b[10] | b[11] << 8, 1);
	CU_ASSERT_TRUE(t_pattern_ok(b + T_HDR, 100, 10));
	t_teardown();
}

static void test_rx_merged(void)
{
	struct iovec f;
	uint8_t *b;
	unsigned int i;

	t_setup(256, true, true);
	t_rx_bufs(8, 64);
	t_frames(&f, 1, 200);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, &f, 1), 1);

	/* 52 + 64 + 64 + 20 bytes of frame, after a 12-byte header */
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->idx, 4);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[0].len, 64);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[1].len, 64);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[2].len, 64);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[3].len, 20);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[i].id, i);
	b = env.base + T_BUF_OFF;
	CU_ASSERT_EQUAL(b[10] | b[11] << 8, 4);
	CU_ASSERT_TRUE(t_pattern_ok(b + T_HDR, 52, 10));
	CU_ASSERT_TRUE(t_pattern_ok(env.base + T_BUF_OFF + 0x10000, 64,
				    10 + 52 * 7));
	CU_ASSERT_TRUE(t_pattern_ok(env.base + T_BUF_OFF + 0x30000, 20,
				    10 + (52 + 128) * 7));
	t_teardown();
}

static void test_rx_chain_scatter(void)
{
	struct iovec f;
	uint8_t *b;

	/* One chain of three descriptors: header split 5 + 7 */
	t_setup(256, true, true);
	t_set(VU_RX_Q, 3, T_BUF_OFF, 5, VU_DESC_F_WRITE | VU_DESC_F_NEXT, 4);
	t_set(VU_RX_Q, 4, T_BUF_OFF + 0x1000, 107,
	      VU_DESC_F_WRITE | VU_DESC_F_NEXT, 5);
	t_set(VU_RX_Q, 5, T_BUF_OFF + 0x2000, 1000, VU_DESC_F_WRITE, 0);
	t_post(VU_RX_Q, 3);
	t_frames(&f, 1, 300);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, &f, 1), 1);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[0].id, 3);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[0].len, T_HDR + 300);
	b = env.base + T_BUF_OFF + 0x1000;
	CU_ASSERT_EQUAL(b[5] | b[6] << 8, 1);		/* num_buffers */
	CU_ASSERT_TRUE(t_pattern_ok(b + 7, 100, 10));
	CU_ASSERT_TRUE(t_pattern_ok(env.base + T_BUF_OFF + 0x2000, 200,
				    10 + 100 * 7));
	t_teardown();
}

static void test_rx_out_of_buffers(void)
{
	struct iovec f[4];

	t_setup(256, true, true);
	/* Three frames need three buffers each; five are there: one frame
	 * goes, the second is rolled back, the rest is dropped
	 */
	t_rx_bufs(5, 100);
	t_frames(f, 3, 250);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 3), 1);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->idx, 3);
	CU_ASSERT_EQUAL(env.n->rx_dropped, 2);
	CU_ASSERT_EQUAL(env.n->ring[VU_RX_Q].last_avail, 3);
	CU_ASSERT_EQUAL(t_evt(env.call[VU_RX_Q]), 1);

	/* The two left over are used by the next frame that fits */
	t_frames(f, 1, 150);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 1), 1);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->idx, 5);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[3].id, 3);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[4].id, 4);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[4].len, 150 + T_HDR - 100);

	/* None left at all */
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 1), 0);
	CU_ASSERT_EQUAL(t_evt(env.call[VU_RX_Q]), 1);
	t_teardown();
}

static void test_rx_no_mrg(void)
{
	struct iovec f[3];
	uint8_t *b;

	/* VERSION_1 without merged buffers: a 12-byte header, one chain
	 * per frame, num_buffers 1; a frame too big for its chain is
	 * dropped without using the chain
	 */
	t_setup(256, true, false);
	t_rx_bufs(2, 1000);
	t_frames(&f[0], 1, 2000);
	t_frames(&f[1], 1, 900);
	t_frames(&f[2], 1, 988);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 3), 2);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->idx, 2);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[0].len, 912);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[1].len, 1000);
	b = env.base + T_BUF_OFF;
	CU_ASSERT_EQUAL(b[10] | b[11] << 8, 1);
	t_teardown();

	/* Legacy: a 10-byte header */
	t_setup(256, false, false);
	t_rx_bufs(1, 1000);
	t_frames(f, 1, 100);
	CU_ASSERT_EQUAL(env.n->hdr_len, 10);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 1), 1);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[0].len, 110);
	CU_ASSERT_TRUE(t_pattern_ok(env.base + T_BUF_OFF + 10, 100, 10));
	t_teardown();
}

static void test_rx_notify(void)
{
	struct iovec f[3];

	t_setup(256, true, true);
	t_rx_bufs(6, 2048);
	t_frames(f, 3, 64);
	/* One call for a batch of three */
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 3), 3);
	CU_ASSERT_EQUAL(t_evt(env.call[VU_RX_Q]), 1);
	/* None when the guest asks for none */
	t_avail(VU_RX_Q)->flags = VU_AVAIL_F_NO_INTERRUPT;
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 3), 3);
	CU_ASSERT_EQUAL(t_evt(env.call[VU_RX_Q]), 0);
	CU_ASSERT_EQUAL(env.n->ring[VU_RX_Q].quiet, 1);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->idx, 6);
	t_teardown();
}

/**
 * t_rx_post() - Post receive buffers 4 KiB apart, one descriptor each
 * @first:	First descriptor (and buffer) index
 * @n:		How many
 * @size:	Size of each, at most 4096
 */
static void t_rx_post(unsigned int first, unsigned int n, uint32_t size)
{
	unsigned int i;

	for (i = first; i < first + n; i++) {
		t_set(VU_RX_Q, i, T_BUF_OFF + i * 0x1000UL, size,
		      VU_DESC_F_WRITE, 0);
		t_post(VU_RX_Q, (uint16_t)i);
	}
}

static void test_rx_room(void)
{
	struct iovec f[4];

	/* Merged buffers, 256 entries: 16 chains kept for frames that
	 * don't ask first
	 */
	t_setup(256, true, true);
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n), 0);
	t_rx_post(0, 16, 2048);
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n), 0);	/* the reserve */
	t_rx_post(16, 84, 2048);

	/* Nothing sent yet: a chain holds its length less the header */
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n), 84 * (2048 - T_HDR));

	/* Frames of 1514 bytes take a chain each */
	t_frames(f, 4, 1514);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 4), 4);
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n), (96 - 16) * 1514);

	/* Frames of 5000 take three: each chain carries a third of one */
	t_frames(f, 2, 5000);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 2), 2);
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n), (90 - 16) * (5000 / 3));

	/* A batch of ACKs says nothing about data frames */
	t_frames(f, 1, 60);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 1), 1);
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n), (89 - 16) * (5000 / 3));

	/* The guest shrinks its buffers: the next one counts at once */
	t_rx_post(100, 1, 1024);
	t_avail(VU_RX_Q)->ring[11] = 100;	/* next in line: 11 taken */
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n),
			(90 - 16) * (5000 / ((5000 + T_HDR + 1023) / 1024)));
	t_teardown();

	/* Without merged buffers: one chain per frame, whatever its size */
	t_setup(256, true, false);
	t_rx_post(0, 40, 4096);
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n), 24 * (4096 - T_HDR));
	t_frames(f, 2, 1000);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 2), 2);
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n), (38 - 16) * 1000);
	t_teardown();

	/* A small ring of small buffers, every one of them there: room for
	 * two of the longest frames, as waiting can't bring more
	 */
	t_setup(16, true, true);
	t_rx_post(0, 16, 256);
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n), 2 * VU_FRAME_MAX);
	t_frames(f, 1, 60);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, f, 1), 1);
	CU_ASSERT_EQUAL(vu_net_rx_room(env.n), (15 - 2) * (256 - T_HDR));
	t_teardown();
}

static void test_rx_window_kicks(void)
{
	struct iovec f[4];

	/* Short of buffers: the guest is asked to kick when it adds some */
	t_setup(256, true, true);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->flags, VU_USED_F_NO_NOTIFY);
	t_rx_post(0, 100, 2048);
	CU_ASSERT_EQUAL(vu_net_rx_window(env.n), 84 * (2048 - T_HDR));
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->flags, 0);

	/* Plenty (more than half the ring, more than VU_RX_LOW): no kicks */
	t_rx_post(100, 156, 2048);
	CU_ASSERT_EQUAL(vu_net_rx_window(env.n), 240 * (2048 - T_HDR));
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->flags, VU_USED_F_NO_NOTIFY);

	/* Taking chains below half the ring asks for kicks again */
	t_frames(f, 4, 1514);
	while (vu_ring_avail(&env.n->ring[VU_RX_Q]) >= 128)
		CU_ASSERT_EQUAL_FATAL(vu_net_rx(env.m, env.n, f, 4), 4);
	CU_ASSERT_EQUAL(vu_net_rx_window(env.n),
			(vu_ring_avail(&env.n->ring[VU_RX_Q]) - 16) * 1514);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->flags, 0);
	t_teardown();
}

static void test_rx_bad_buffers(void)
{
	struct iovec f;

	/* Read-only buffer in a receive chain */
	t_setup(256, true, true);
	t_set(VU_RX_Q, 0, T_BUF_OFF, 2048, 0, 0);
	t_post(VU_RX_Q, 0);
	t_frames(&f, 1, 64);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, &f, 1), 0);
	t_expect_broken(VU_RX_Q);
	t_teardown();

	/* Shorter than a header */
	t_setup(256, true, true);
	t_set(VU_RX_Q, 0, T_BUF_OFF, 8, VU_DESC_F_WRITE, 0);
	t_post(VU_RX_Q, 0);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, &f, 1), 0);
	t_expect_broken(VU_RX_Q);
	t_teardown();

	/* Outside the memory: nothing written anywhere */
	t_setup(256, true, true);
	t_set(VU_RX_Q, 0, T_MEM_SIZE - 32, 2048, VU_DESC_F_WRITE, 0);
	t_post(VU_RX_Q, 0);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, &f, 1), 0);
	t_expect_broken(VU_RX_Q);
	t_teardown();

	/* Loop in a receive chain */
	t_setup(8, true, true);
	t_set(VU_RX_Q, 0, T_BUF_OFF, 16, VU_DESC_F_WRITE | VU_DESC_F_NEXT, 0);
	t_post(VU_RX_Q, 0);
	CU_ASSERT_EQUAL(vu_net_rx(env.m, env.n, &f, 1), 0);
	t_expect_broken(VU_RX_Q);
	t_teardown();
}

/* ------------------------------------------------------------------------ */
/* Fuzz: random descriptor tables                                           */
/* ------------------------------------------------------------------------ */

/**
 * t_rand() - A small deterministic generator (xorshift64)
 * @s:		State, updated
 *
 * Return: next value
 */
static uint64_t t_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/**
 * t_rand_addr() - A buffer address: mostly inside, sometimes not
 * @s:		Generator state
 *
 * Return: guest-physical address
 */
static uint64_t t_rand_addr(uint64_t *s)
{
	switch (t_rand(s) % 8) {
	case 0:
		return T_GPA + T_MEM_SIZE - t_rand(s) % 4096;
	case 1:
		return t_rand(s);
	case 2:
		return T_GPA - t_rand(s) % 4096;
	case 3:
		return UINT64_MAX - t_rand(s) % 4096;
	default:
		return T_GPA + T_BUF_OFF + t_rand(s) % (T_MEM_SIZE - T_BUF_OFF);
	}
}

/**
 * t_rand_len() - A buffer length: mostly small, sometimes odd
 * @s:		Generator state
 *
 * Return: length
 */
static uint32_t t_rand_len(uint64_t *s)
{
	switch (t_rand(s) % 8) {
	case 0:
		return 0;
	case 1:
		return (uint32_t)t_rand(s);
	case 2:
		return (uint32_t)(t_rand(s) % 70000);
	default:
		return (uint32_t)(t_rand(s) % 2048);
	}
}

static void test_fuzz(void)
{
	const unsigned int num = 16, rounds = 20000;
	unsigned int i, round, broken = 0, frames = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct iovec f[4];

	t_setup(num, true, true);
	t_frames(f, 4, 1500);

	for (round = 0; round < rounds; round++) {
		unsigned int q = round % 2;
		struct vu_ring *r = &env.n->ring[q];
		struct vu_avail *a = t_avail(q);
		uint16_t before, ahead;
		unsigned int tried = 1;

		for (i = 0; i < num; i++) {
			uint16_t flags = (uint16_t)(t_rand(&seed) % 8);

			/* Mostly the right direction, to get further in */
			if (t_rand(&seed) % 4) {
				flags &= (uint16_t)~(VU_DESC_F_WRITE |
						     VU_DESC_F_INDIRECT);
				if (q == VU_RX_Q)
					flags |= VU_DESC_F_WRITE;
			}
			t_desc(q, i)->addr = t_rand_addr(&seed);
			t_desc(q, i)->len = t_rand_len(&seed);
			t_desc(q, i)->flags = flags;
			t_desc(q, i)->next = (uint16_t)(t_rand(&seed) %
							(num + 4));
		}
		for (i = 0; i < num; i++)
			a->ring[i] = (uint16_t)(t_rand(&seed) % (num + 2));
		ahead = (uint16_t)(t_rand(&seed) % (num + 3));
		before = r->used_idx;
		a->idx = (uint16_t)(before + ahead);
		a->flags = (uint16_t)(t_rand(&seed) % 2);

		if (q == VU_TX_Q) {
			unsigned int got = t_tx();

			CU_ASSERT(got <= ahead);
			for (i = 0; i < fake_core.n_from_guest; i++) {
				CU_ASSERT(fake_core.from_guest[i].len >=
					  PASST_ETH_HLEN);
				CU_ASSERT(fake_core.from_guest[i].len <=
					  VU_FRAME_MAX);
			}
			frames += fake_core.n_from_guest;
		} else {
			int got;

			tried = (unsigned int)(t_rand(&seed) % 5);
			got = vu_net_rx(env.m, env.n, f, tried);
			CU_ASSERT(got >= 0 && (unsigned int)got <= tried);
			frames += (unsigned int)got;
		}

		/* What was taken was given back, whole */
		if (!r->broken) {
			CU_ASSERT_EQUAL(t_used(q)->idx, r->last_avail);
			/* Anything that looked would have seen a bad index */
			CU_ASSERT(!tried || ahead <= num);
		} else {
			broken++;
		}
		for (i = 0; i < (uint16_t)(t_used(q)->idx - before); i++)
			CU_ASSERT(t_used(q)->ring[(before + i) % num].id < num);

		/* Set the ring up again, as a frontend would */
		fake_core_frames_clear();
		r->broken = false;
		r->fault = NULL;
		vu_ring_sync(r, q == VU_RX_Q);
		t_evt(env.err[q]);
		t_evt(env.call[q]);
	}
	/* The loop must have reached both outcomes often */
	CU_ASSERT(broken > rounds / 10);
	CU_ASSERT(frames > rounds / 100);
	t_teardown();
}

/* ------------------------------------------------------------------------ */
/* Protocol, on a real socket                                               */
/* ------------------------------------------------------------------------ */

/**
 * struct t_fe - The frontend side of a session
 * @path:	Socket path
 * @dir:	Its directory
 * @m:		The module
 * @sk:		Our end of the connection
 * @conn_fd:	The module's end, as it registered it
 * @conn_data:	Its epoll data
 */
struct t_fe {
	char path[108];
	char dir[64];
	struct passt_mod *m;
	int sk;
	int conn_fd;
	uint32_t conn_data;
};

static struct t_fe fe;

/**
 * t_fd_call() - Find the last fd_add() of a kind
 * @type:	Module's fd type
 *
 * Return: index in fake_core.fd_calls, or -1
 */
static int t_fd_call(uint8_t type)
{
	int i;

	for (i = (int)fake_core.n_fd_calls - 1; i >= 0; i--)
		if (fake_core.fd_calls[i].op == FAKE_FD_ADD &&
		    fake_core.fd_calls[i].type == type)
			return i;
	return -1;
}

/**
 * t_connect() - Connect a frontend, let the module accept it
 *
 * Return: our socket
 */
static int t_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int sk, l = t_fd_call(T_FD_LISTEN);
	unsigned int before = fake_core.n_fd_calls;

	CU_ASSERT_FATAL(l >= 0);
	strcpy(a.sun_path, fe.path);
	sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(sk >= 0);
	CU_ASSERT_FATAL(!connect(sk, (struct sockaddr *)&a, sizeof(a)));
	passt_module.on_fd(fe.m, T_FD_LISTEN, fake_core.fd_calls[l].fd, 0,
			   EPOLLIN, fake_core_now());
	if (fake_core.n_fd_calls > before) {
		int c = t_fd_call(T_FD_CONN);

		fe.conn_fd = fake_core.fd_calls[c].fd;
		fe.conn_data = fake_core.fd_calls[c].data;
	}
	return sk;
}

/**
 * t_start() - Load and start the module, connect a frontend
 */
static void t_start(void)
{
	memset(&fe, 0, sizeof(fe));
	strcpy(fe.dir, "/tmp/vu-unit.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(fe.dir));
	snprintf(fe.path, sizeof(fe.path), "%s/vu.sock", fe.dir);

	fe.m = fake_core_load(&passt_module);
	fake_core_cfg_set_str("socket", fe.path);
	CU_ASSERT_EQUAL_FATAL(fake_core_configure(fe.m), 0);
	CU_ASSERT_EQUAL_FATAL(fake_core_init(fe.m), 0);
	fe.sk = t_connect();
}

/**
 * t_stop() - Unload the module, clean up
 */
static void t_stop(void)
{
	if (fe.sk >= 0)
		close(fe.sk);
	fake_core_unload(fe.m);
	unlink(fe.path);
	rmdir(fe.dir);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
}

/**
 * t_nfds() - Count our open file descriptors
 *
 * Return: entries in /proc/self/fd, the directory's own included
 */
static unsigned int t_nfds(void)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/**
 * t_pump() - Let the module read what we sent
 */
static void t_pump(void)
{
	passt_module.on_fd(fe.m, T_FD_CONN, fe.conn_fd, fe.conn_data, EPOLLIN,
			   fake_core_now());
}

/**
 * t_send() - Send a message, let the module handle it
 * @req:	Request
 * @flags:	Flags besides the version
 * @p:		Payload
 * @size:	Its size
 * @fds:	Descriptors to attach
 * @nfds:	How many, up to 16
 */
static void t_send(uint32_t req, uint32_t flags, const void *p, uint32_t size,
		   const int *fds, unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} ctl;
	uint32_t hdr[3] = { req, F_VERSION | flags, size };
	struct iovec iov[2] = { { hdr, sizeof(hdr) },
				{ (void *)p, size } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (nfds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	CU_ASSERT_EQUAL(sendmsg(fe.sk, &mh, MSG_NOSIGNAL),
			(ssize_t)(sizeof(hdr) + size));
	t_pump();
}

/**
 * t_reply() - Read a reply, check its header
 * @req:	Request it must answer
 * @p:		Payload buffer
 * @size:	Payload size expected
 *
 * Return: true if a reply with that header and size was there
 */
static bool t_reply(uint32_t req, void *p, uint32_t size)
{
	uint32_t hdr[3];

	if (recv(fe.sk, hdr, sizeof(hdr), MSG_DONTWAIT) != sizeof(hdr))
		return false;
	if (hdr[0] != req || hdr[1] != (F_VERSION | F_REPLY) || hdr[2] != size)
		return false;
	return recv(fe.sk, p, size, MSG_DONTWAIT) == size;
}

/**
 * t_u64() - Send a request with a u64 payload
 * @req:	Request
 * @flags:	Flags
 * @v:		Value
 */
static void t_u64(uint32_t req, uint32_t flags, uint64_t v)
{
	t_send(req, flags, &v, sizeof(v), NULL, 0);
}

/**
 * t_ack() - Read a REPLY_ACK status
 * @req:	Request it answers
 *
 * Return: the status, or 99 if no such reply came
 */
static uint64_t t_ack(uint32_t req)
{
	uint64_t v;

	return t_reply(req, &v, sizeof(v)) ? v : 99;
}

/**
 * t_nothing() - Check that no reply is waiting
 *
 * Return: true if none
 */
static bool t_nothing(void)
{
	char c;

	return recv(fe.sk, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/**
 * t_state() - Send a request with a vring state payload
 * @req:	Request
 * @flags:	Flags
 * @index:	Queue
 * @num:	Value
 */
static void t_state(uint32_t req, uint32_t flags, uint32_t index,
		    uint32_t num)
{
	uint32_t st[2] = { index, num };

	t_send(req, flags, st, sizeof(st), NULL, 0);
}

/**
 * t_queue_fd() - SET_VRING_KICK/CALL/ERR with a new eventfd
 * @req:	Request
 * @q:		Queue
 *
 * Return: our copy of the eventfd
 */
static int t_queue_fd(uint32_t req, unsigned int q)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t v = q;

	t_send(req, 0, &v, sizeof(v), &fd, 1);
	return fd;
}

/**
 * t_session() - Set up a whole device, in the order QEMU 7.2 uses
 * @kick:	Our kick eventfds, per queue
 * @call:	Our call eventfds, per queue
 */
static void t_session(int *kick, int *call)
{
	struct vu_mem_desc d = { T_GPA, T_MEM_SIZE, T_UVA, 0 };
	uint8_t mt[8 + sizeof(d)] = { 1 };
	uint64_t v;
	unsigned int q;
	int c0;

	t_send(R_GET_FEATURES, 0, NULL, 0, NULL, 0);
	CU_ASSERT_TRUE(t_reply(R_GET_FEATURES, &v, sizeof(v)) &&
		       v == FEATURES);
	t_send(R_GET_PROTOCOL_FEATURES, 0, NULL, 0, NULL, 0);
	CU_ASSERT_TRUE(t_reply(R_GET_PROTOCOL_FEATURES, &v, sizeof(v)) &&
		       v == 8);
	t_u64(R_SET_PROTOCOL_FEATURES, 0, 8);
	t_send(R_SET_OWNER, 0, NULL, 0, NULL, 0);
	/* Early call fds, replaced later: the first must be closed */
	c0 = t_queue_fd(R_SET_VRING_CALL, 0);
	close(t_queue_fd(R_SET_VRING_CALL, 1));
	close(t_queue_fd(R_SET_VRING_ERR, 0));
	for (q = 0; q < 2; q++)
		t_state(R_SET_VRING_ENABLE, 0, q, 1);
	CU_ASSERT_TRUE(t_nothing());

	t_u64(R_SET_FEATURES, 0, FEATURES);
	memcpy(mt + 8, &d, sizeof(d));
	t_send(R_SET_MEM_TABLE, F_NEED_REPLY, mt, sizeof(mt), &env.memfd, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_MEM_TABLE), 0);

	for (q = 0; q < 2; q++) {
		uint64_t a[5] = { q, T_UVA + q * T_Q_STRIDE,
				  T_UVA + q * T_Q_STRIDE + T_USED_OFF,
				  T_UVA + q * T_Q_STRIDE + T_AVAIL_OFF, 0 };

		t_state(R_SET_VRING_NUM, 0, q, 256);
		t_state(R_SET_VRING_BASE, 0, q, 0);
		t_send(R_SET_VRING_ADDR, F_NEED_REPLY, a, sizeof(a), NULL, 0);
		CU_ASSERT_EQUAL(t_ack(R_SET_VRING_ADDR), 0);
		kick[q] = t_queue_fd(R_SET_VRING_KICK, q);
		call[q] = t_queue_fd(R_SET_VRING_CALL, q);
	}
	for (q = 0; q < 2; q++)
		t_state(R_SET_VRING_ENABLE, 0, q, 1);
	CU_ASSERT_TRUE(t_nothing());

	/* The replaced call fd is closed: the module's write would go to
	 * the new one only
	 */
	close(c0);
}

/**
 * t_kick_q() - Kick a queue, deliver the event to the module
 * @q:		Queue
 * @kick:	Our copy of its kick eventfd
 */
static void t_kick_q(unsigned int q, int kick)
{
	uint64_t one = 1;
	int k;

	for (k = (int)fake_core.n_fd_calls - 1; k >= 0; k--)
		if (fake_core.fd_calls[k].op == FAKE_FD_ADD &&
		    fake_core.fd_calls[k].type == T_FD_KICK &&
		    (fake_core.fd_calls[k].data & 1) == q)
			break;
	CU_ASSERT_FATAL(k >= 0);
	if (k < 0)
		return;
	CU_ASSERT_EQUAL(write(kick, &one, sizeof(one)), sizeof(one));
	passt_module.on_fd(fe.m, T_FD_KICK, fake_core.fd_calls[k].fd,
			   fake_core.fd_calls[k].data, EPOLLIN,
			   fake_core_now());
}

/**
 * t_kick() - Kick the transmit queue, deliver the event to the module
 * @kick:	Our copy of its kick eventfd
 */
static void t_kick(int kick)
{
	t_kick_q(VU_TX_Q, kick);
}

/**
 * t_session_end() - Close our ends of a session's queues, stop the module
 * @kick:	Our kick eventfds, per queue
 * @call:	Our call eventfds, per queue
 */
static void t_session_end(const int *kick, const int *call)
{
	unsigned int q;

	for (q = 0; q < 2; q++) {
		close(kick[q]);
		close(call[q]);
	}
	t_stop();
	munmap(env.base, T_MEM_SIZE);
	close(env.memfd);
}

static void test_proto_session(void)
{
	unsigned int q, nfds;
	int kick[2], call[2];
	struct iovec f;
	uint32_t st[2];

	env.memfd = t_memfd(&env.base);
	t_start();
	CU_ASSERT_EQUAL_FATAL(fe.conn_fd > 0, true);
	nfds = t_nfds();
	t_session(kick, call);

	/* Guest to core */
	t_set(VU_TX_Q, 0, T_BUF_OFF, T_HDR + 60, 0, 0);
	t_fill(T_BUF_OFF + T_HDR, 60, 5);
	t_avail(VU_TX_Q)->ring[0] = 0;
	t_avail(VU_TX_Q)->idx = 1;
	t_kick(kick[VU_TX_Q]);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 1);
	CU_ASSERT_TRUE(t_pattern_ok(fake_core.from_guest[0].data, 60, 5));
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->idx, 1);
	CU_ASSERT_EQUAL(t_evt(call[VU_TX_Q]), 1);

	/* Core to guest */
	t_set(VU_RX_Q, 0, T_BUF_OFF + 0x10000, 2048, VU_DESC_F_WRITE, 0);
	t_avail(VU_RX_Q)->ring[0] = 0;
	t_avail(VU_RX_Q)->idx = 1;
	t_frames(&f, 1, 80);
	CU_ASSERT_EQUAL(passt_module.send(fe.m, &f, 1), 1);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->ring[0].len, T_HDR + 80);
	CU_ASSERT_TRUE(t_pattern_ok(env.base + T_BUF_OFF + 0x10000 + T_HDR,
				    80, 10));
	CU_ASSERT_EQUAL(t_evt(call[VU_RX_Q]), 1);

	/* The memory table again, as after a hot-plug: queues keep going */
	{
		struct vu_mem_desc d = { T_GPA, T_MEM_SIZE, T_UVA, 0 };
		uint8_t mt[8 + sizeof(d)] = { 1 };

		memcpy(mt + 8, &d, sizeof(d));
		t_send(R_SET_MEM_TABLE, F_NEED_REPLY, mt, sizeof(mt),
		       &env.memfd, 1);
		CU_ASSERT_EQUAL(t_ack(R_SET_MEM_TABLE), 0);
	}
	t_avail(VU_RX_Q)->ring[1] = 0;
	t_avail(VU_RX_Q)->idx = 2;
	CU_ASSERT_EQUAL(passt_module.send(fe.m, &f, 1), 1);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->idx, 2);
	CU_ASSERT_EQUAL(t_evt(call[VU_RX_Q]), 1);

	/* Stop both queues: the next available indices come back, and the
	 * guest's flows are dropped once
	 */
	t_state(R_GET_VRING_BASE, 0, 0, 0);
	CU_ASSERT_TRUE(t_reply(R_GET_VRING_BASE, st, sizeof(st)));
	CU_ASSERT_EQUAL(st[0], 0);
	CU_ASSERT_EQUAL(st[1], 2);
	CU_ASSERT_EQUAL(fake_core.resets, 0);
	t_state(R_GET_VRING_BASE, 0, 1, 0);
	CU_ASSERT_TRUE(t_reply(R_GET_VRING_BASE, st, sizeof(st)));
	CU_ASSERT_EQUAL(st[0], 1);
	CU_ASSERT_EQUAL(st[1], 1);
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	/* Stopped: nothing goes to the guest */
	t_avail(VU_RX_Q)->ring[2] = 0;
	t_avail(VU_RX_Q)->idx = 3;
	CU_ASSERT_EQUAL(passt_module.send(fe.m, &f, 1), 0);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->idx, 2);
	for (q = 0; q < 2; q++) {
		close(kick[q]);
		close(call[q]);
	}

	/* The guest reboots in the same QEMU: a new driver, zeroed rings,
	 * the whole set-up again on the same connection
	 */
	memset(env.base, 0, T_BUF_OFF);
	t_session(kick, call);
	t_set(VU_TX_Q, 0, T_BUF_OFF, T_HDR + 60, 0, 0);
	t_avail(VU_TX_Q)->ring[0] = 0;
	t_avail(VU_TX_Q)->idx = 1;
	fake_core_frames_clear();
	t_kick(kick[VU_TX_Q]);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 1);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->idx, 1);
	CU_ASSERT_EQUAL(t_evt(call[VU_TX_Q]), 1);

	/* The frontend goes: every fd it gave us is closed, and the second
	 * guest's flows are dropped
	 */
	close(fe.sk);
	fe.sk = -1;
	t_pump();
	CU_ASSERT_EQUAL(fake_core.resets, 2);
	CU_ASSERT_EQUAL(passt_module.send(fe.m, &f, 1), 0);
	for (q = 0; q < 2; q++) {
		CU_ASSERT_EQUAL(t_evt(call[q]), 0);
		close(kick[q]);
		close(call[q]);
	}
	/* Every descriptor the frontend passed is closed: only the two ends
	 * of the connection are gone from the count
	 */
	CU_ASSERT_EQUAL(t_nfds(), nfds - 2);

	t_stop();
	munmap(env.base, T_MEM_SIZE);
	close(env.memfd);
}

static void test_proto_rx_window(void)
{
	struct passt_stat st[PASST_STATS_MAX];
	int kick[2], call[2];
	unsigned int calls;
	struct iovec f[4];
	size_t i, k;

	env.memfd = t_memfd(&env.base);
	t_start();
	CU_ASSERT_EQUAL(fake_core.tx_window, 0);	/* no guest yet */
	t_session(kick, call);

	/* Running, no receive buffers: nothing may be built, the guest is
	 * asked to kick, and we look again later in any case
	 */
	CU_ASSERT_EQUAL(fake_core.tx_window, 0);
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->flags, 0);
	CU_ASSERT(fake_core.timer_calls >= 1);
	CU_ASSERT_EQUAL(fake_core.timer_ms, 100);

	/* Buffers and a kick: the window opens, kicks are no longer wanted */
	t_rx_post(0, 200, 2048);
	calls = fake_core.tx_windows;
	t_kick_q(VU_RX_Q, kick[VU_RX_Q]);
	CU_ASSERT_EQUAL(fake_core.tx_windows, calls + 1);
	CU_ASSERT_EQUAL(fake_core.tx_window, 184 * (2048 - T_HDR));
	CU_ASSERT_EQUAL(t_used(VU_RX_Q)->flags, VU_USED_F_NO_NOTIFY);

	/* Frames sent: the window is told again, after them */
	t_frames(f, 4, 1514);
	CU_ASSERT_EQUAL(passt_module.send(fe.m, f, 4), 4);
	CU_ASSERT_EQUAL(fake_core.tx_window, (196 - 16) * 1514);

	/* The timer looks again: the same */
	calls = fake_core.tx_windows;
	passt_module.on_timer(fe.m, fake_core_now());
	CU_ASSERT_EQUAL(fake_core.tx_windows, calls + 1);
	CU_ASSERT_EQUAL(fake_core.tx_window, (196 - 16) * 1514);

	/* Counted: one kick on the receive queue, nothing dropped */
	k = passt_module.stats(fe.m, st, PASST_STATS_MAX);
	for (i = 0; i < k; i++) {
		if (!strcmp(st[i].name, "rx_kicks"))
			CU_ASSERT_EQUAL(st[i].value, 1);
		if (!strcmp(st[i].name, "drop_to_guest"))
			CU_ASSERT_EQUAL(st[i].value, 0);
		if (!strcmp(st[i].name, "rx_room"))
			CU_ASSERT_EQUAL(st[i].value, (196 - 16) * 1514);
	}
	CU_ASSERT_EQUAL(k, 6);

	/* The frontend goes: nothing may be built */
	close(fe.sk);
	fe.sk = -1;
	t_pump();
	CU_ASSERT_EQUAL(fake_core.tx_window, 0);
	t_session_end(kick, call);
}

static void test_proto_errors(void)
{
	uint8_t mt[8 + 2 * sizeof(struct vu_mem_desc)] = { 2 };
	uint32_t st[2] = { 0 };
	uint64_t v;
	int fd;

	env.memfd = t_memfd(&env.base);
	t_start();

	/* Refused, connection kept, a failure status where one is asked */
	t_u64(R_SET_FEATURES, F_NEED_REPLY, FEATURES | 1ULL << 28);
	CU_ASSERT_EQUAL(t_ack(R_SET_FEATURES), 1);
	t_u64(R_SET_PROTOCOL_FEATURES, F_NEED_REPLY, 1ULL << 0);   /* MQ */
	CU_ASSERT_EQUAL(t_ack(R_SET_PROTOCOL_FEATURES), 1);
	t_send(R_GET_CONFIG, F_NEED_REPLY, mt, 12, NULL, 0);
	CU_ASSERT_EQUAL(t_ack(R_GET_CONFIG), 1);
	t_send(77, F_NEED_REPLY, NULL, 0, NULL, 0);
	CU_ASSERT_EQUAL(t_ack(77), 1);
	t_state(R_SET_VRING_NUM, F_NEED_REPLY, 0, 300);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_NUM), 1);
	t_state(R_SET_VRING_NUM, F_NEED_REPLY, 0, 0);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_NUM), 1);
	t_state(R_SET_VRING_NUM, F_NEED_REPLY, 2, 256);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_NUM), 1);
	t_state(R_SET_VRING_BASE, F_NEED_REPLY, 1, 70000);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_BASE), 1);
	t_state(R_SET_VRING_ENABLE, F_NEED_REPLY, 1, 2);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_ENABLE), 1);
	/* Short payload */
	t_send(R_SET_VRING_NUM, F_NEED_REPLY, st, 4, NULL, 0);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_NUM), 1);
	/* Two regions, one descriptor; then no region at all */
	t_send(R_SET_MEM_TABLE, F_NEED_REPLY, mt, sizeof(mt), &env.memfd, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_MEM_TABLE), 1);
	mt[0] = 0;
	t_send(R_SET_MEM_TABLE, F_NEED_REPLY, mt, 8, NULL, 0);
	CU_ASSERT_EQUAL(t_ack(R_SET_MEM_TABLE), 1);
	/* Kick without a descriptor: polling is not supported */
	t_u64(R_SET_VRING_KICK, F_NEED_REPLY, 1 | 1ULL << 8);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_KICK), 1);
	/* Reserved bits */
	fd = eventfd(0, EFD_CLOEXEC);
	v = 1ULL << 20;
	t_send(R_SET_VRING_CALL, F_NEED_REPLY, &v, sizeof(v), &fd, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_CALL), 1);
	close(fd);
	/* GET_VRING_BASE for a queue that doesn't exist still answers */
	t_state(R_GET_VRING_BASE, 0, 9, 0);
	CU_ASSERT_TRUE(t_reply(R_GET_VRING_BASE, st, sizeof(st)));
	/* Still connected, still answering */
	t_send(R_GET_QUEUE_NUM, 0, NULL, 0, NULL, 0);
	CU_ASSERT_TRUE(t_reply(R_GET_QUEUE_NUM, &v, sizeof(v)) && v == 1);
	CU_ASSERT_EQUAL(fake_core.resets, 0);
	CU_ASSERT(fake_core.log_count[PASST_LOG_WARNING] >= 10);

	/* A payload too big to hold ends the connection */
	{
		uint32_t hdr[3] = { R_SET_FEATURES, F_VERSION, 100000 };

		CU_ASSERT_EQUAL(send(fe.sk, hdr, sizeof(hdr), MSG_NOSIGNAL),
				sizeof(hdr));
		t_pump();
		CU_ASSERT_EQUAL(fake_core.resets, 1);
		CU_ASSERT_EQUAL(recv(fe.sk, &v, 1, 0), 0);	/* EOF */
	}
	close(fe.sk);

	/* So does a header of another protocol version */
	fe.sk = t_connect();
	{
		uint32_t hdr[3] = { R_GET_FEATURES, 2, 0 };

		CU_ASSERT_EQUAL(send(fe.sk, hdr, sizeof(hdr), MSG_NOSIGNAL),
				sizeof(hdr));
		t_pump();
		CU_ASSERT_EQUAL(fake_core.resets, 2);
	}

	t_stop();
	munmap(env.base, T_MEM_SIZE);
	close(env.memfd);
}

/**
 * t_mem_table() - Send SET_MEM_TABLE with one region, get the status
 * @d:		The region
 * @fd:		Its descriptor
 *
 * Return: the REPLY_ACK status
 */
static uint64_t t_mem_table(const struct vu_mem_desc *d, int fd)
{
	uint8_t mt[8 + sizeof(*d)] = { 1 };

	memcpy(mt + 8, d, sizeof(*d));
	t_send(R_SET_MEM_TABLE, F_NEED_REPLY, mt, sizeof(mt), &fd, 1);
	return t_ack(R_SET_MEM_TABLE);
}

/**
 * t_tx_one() - The guest sends one more frame: it must reach the core
 * @kick:	Our kick eventfd for the transmit queue
 *
 * Return: true if exactly one frame arrived
 */
static bool t_tx_one(int kick)
{
	struct vu_avail *a = t_avail(VU_TX_Q);
	uint16_t idx = a->idx;

	t_set(VU_TX_Q, idx % 256, T_BUF_OFF, T_HDR + 60, 0, 0);
	a->ring[idx % 256] = idx % 256;
	__atomic_store_n(&a->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
	fake_core_frames_clear();
	t_kick(kick);
	return fake_core.n_from_guest == 1 && t_used(VU_TX_Q)->idx == idx + 1;
}

static void test_proto_mem_file_size(void)
{
	struct vu_mem_desc big = { T_GPA, 1ULL << 30, T_UVA, 0 };
	struct vu_mem_desc past = { T_GPA, 0x1000, T_UVA, 1 };
	struct vu_mem_desc far = { T_GPA, 0x1000, T_UVA, 1ULL << 40 };
	struct vu_mem_desc wrap = { T_GPA, 0x1000, T_UVA, UINT64_MAX - 0x800 };
	struct vu_mem_desc exact = { T_GPA, 0x1000, T_UVA, 0 };
	int kick[2], call[2], small, ev;
	unsigned int q, nfds;

	env.memfd = t_memfd(&env.base);
	t_start();
	nfds = t_nfds();
	t_session(kick, call);
	small = t_memfd_sized(0x1000);
	fake_core_logs_clear();

	/* 4 KiB of file for a 1 GiB region: refused, said why */
	CU_ASSERT_EQUAL(t_mem_table(&big, small), 1);
	CU_ASSERT(fake_core_log_find("region 0: offset 0 plus 1073741824 "
				     "bytes, but its file has 4096 "
				     "bytes") >= 0);
	/* One byte past the end, far past it, wrapping around */
	CU_ASSERT_EQUAL(t_mem_table(&past, small), 1);
	CU_ASSERT_EQUAL(t_mem_table(&far, small), 1);
	CU_ASSERT_EQUAL(t_mem_table(&wrap, small), 1);
	CU_ASSERT(fake_core_log_find("wraps around") >= 0);
	/* An eventfd is no memory */
	ev = eventfd(0, EFD_CLOEXEC);
	CU_ASSERT_EQUAL(t_mem_table(&exact, ev), 1);
	CU_ASSERT(fake_core_log_find("not a regular file") >= 0);
	close(ev);

	/* The old table is still there: the guest keeps transmitting */
	CU_ASSERT_TRUE(t_tx_one(kick[VU_TX_Q]));
	CU_ASSERT_EQUAL(fake_core.resets, 0);

	/* Exactly the file: accepted (the rings are not in it, so the queues
	 * stop until the frontend moves them)
	 */
	CU_ASSERT_EQUAL(t_mem_table(&exact, small), 0);
	fake_core_frames_clear();
	t_kick(kick[VU_TX_Q]);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 0);
	/* And the big table back: running again */
	{
		struct vu_mem_desc d = { T_GPA, T_MEM_SIZE, T_UVA, 0 };

		CU_ASSERT_EQUAL(t_mem_table(&d, env.memfd), 0);
	}
	CU_ASSERT_TRUE(t_tx_one(kick[VU_TX_Q]));

	/* None of the descriptors sent is left open in the module */
	close(small);
	for (q = 0; q < 2; q++) {
		close(kick[q]);
		close(call[q]);
	}
	close(fe.sk);
	fe.sk = -1;
	t_pump();
	CU_ASSERT_EQUAL(t_nfds(), nfds - 2);
	t_stop();
	munmap(env.base, T_MEM_SIZE);
	close(env.memfd);
}

static void test_proto_stray_fds(void)
{
	struct vu_mem_desc d = { T_GPA, T_MEM_SIZE, T_UVA, 0 };
	uint8_t mt[8 + sizeof(d)] = { 1 };
	uint64_t log[2] = { T_MEM_SIZE, 0 }, feat = FEATURES, v;
	int e[16], i, nfds;

	env.memfd = t_memfd(&env.base);
	t_start();
	nfds = (int)t_nfds();
	for (i = 0; i < 16; i++) {
		e[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		CU_ASSERT_FATAL(e[i] >= 0);
	}
	memcpy(mt + 8, &d, sizeof(d));

	/* Requests that take no descriptor, and unsupported ones, with some:
	 * refused, and every descriptor closed
	 */
	t_send(R_SET_OWNER, F_NEED_REPLY, NULL, 0, e, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_OWNER), 1);
	t_send(R_SET_FEATURES, F_NEED_REPLY, &feat, sizeof(feat), e, 2);
	CU_ASSERT_EQUAL(t_ack(R_SET_FEATURES), 1);
	t_send(R_SET_LOG_BASE, F_NEED_REPLY, log, sizeof(log), &env.memfd, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_LOG_BASE), 1);
	t_send(R_SET_LOG_FD, F_NEED_REPLY, NULL, 0, e, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_LOG_FD), 1);
	t_send(77, F_NEED_REPLY, NULL, 0, e, 3);
	CU_ASSERT_EQUAL(t_ack(77), 1);
	t_send(R_GET_FEATURES, 0, NULL, 0, e, 1);
	CU_ASSERT_TRUE(t_reply(R_GET_FEATURES, &v, sizeof(v)) && v == 0);

	/* More than the request takes */
	v = 1;
	t_send(R_SET_VRING_CALL, F_NEED_REPLY, &v, sizeof(v), e, 2);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_CALL), 1);
	t_send(R_SET_VRING_KICK, F_NEED_REPLY, &v, sizeof(v), e, 2);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_KICK), 1);
	{
		int two[2] = { env.memfd, env.memfd };

		t_send(R_SET_MEM_TABLE, F_NEED_REPLY, mt, sizeof(mt), two, 2);
		CU_ASSERT_EQUAL(t_ack(R_SET_MEM_TABLE), 1);
	}
	/* One, but the message says there is none */
	v = 1 | 1ULL << 8;
	t_send(R_SET_VRING_CALL, F_NEED_REPLY, &v, sizeof(v), e, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_CALL), 1);
	t_send(R_SET_VRING_ERR, F_NEED_REPLY, &v, sizeof(v), e, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_ERR), 1);
	/* A payload too short to be read: its descriptor goes too */
	t_send(R_SET_VRING_KICK, F_NEED_REPLY, &v, 4, e, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_KICK), 1);

	CU_ASSERT_EQUAL((int)t_nfds(), nfds + 16);
	CU_ASSERT_EQUAL(fake_core.resets, 0);

	/* A correct call fd is still taken (and kept: one more open) */
	v = 1;
	t_send(R_SET_VRING_CALL, F_NEED_REPLY, &v, sizeof(v), e, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_CALL), 0);
	CU_ASSERT_EQUAL((int)t_nfds(), nfds + 17);

	/* Nine descriptors: more than any message has, the frontend goes */
	t_send(R_GET_FEATURES, 0, NULL, 0, e, 9);
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	CU_ASSERT_EQUAL(recv(fe.sk, &v, 1, 0), 0);
	/* ...with every descriptor: its connection and the call fd too */
	CU_ASSERT_EQUAL((int)t_nfds(), nfds + 16 - 1);

	for (i = 0; i < 16; i++)
		close(e[i]);
	t_stop();
	munmap(env.base, T_MEM_SIZE);
	close(env.memfd);
}

static void test_proto_payload_sizes(void)
{
	uint8_t big[8 + 2 * sizeof(struct vu_mem_desc)] = { 1 };
	uint64_t a[6] = { 0 }, v;
	uint32_t st[3] = { 1, 256, 0 };

	env.memfd = t_memfd(&env.base);
	t_start();

	/* Longer or shorter than the request's layout: refused */
	t_send(R_SET_FEATURES, F_NEED_REPLY, a, 16, NULL, 0);
	CU_ASSERT_EQUAL(t_ack(R_SET_FEATURES), 1);
	t_send(R_SET_FEATURES, F_NEED_REPLY, a, 4, NULL, 0);
	CU_ASSERT_EQUAL(t_ack(R_SET_FEATURES), 1);
	t_send(R_SET_VRING_NUM, F_NEED_REPLY, st, 12, NULL, 0);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_NUM), 1);
	t_send(R_SET_VRING_ADDR, F_NEED_REPLY, a, 48, NULL, 0);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_ADDR), 1);
	t_send(R_SET_VRING_ADDR, F_NEED_REPLY, a, 32, NULL, 0);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_ADDR), 1);
	t_send(R_SET_OWNER, F_NEED_REPLY, a, 8, NULL, 0);
	CU_ASSERT_EQUAL(t_ack(R_SET_OWNER), 1);
	CU_ASSERT(fake_core_log_find("SET_OWNER: payload of 8 bytes, "
				     "expected 0") >= 0);
	/* A memory table with one good region in the room of two, or less */
	{
		struct vu_mem_desc d = { T_GPA, T_MEM_SIZE, T_UVA, 0 };

		memcpy(big + 8, &d, sizeof(d));
	}
	t_send(R_SET_MEM_TABLE, F_NEED_REPLY, big, sizeof(big), &env.memfd,
	       1);
	CU_ASSERT_EQUAL(t_ack(R_SET_MEM_TABLE), 1);
	t_send(R_SET_MEM_TABLE, F_NEED_REPLY, big, 8 + 31, &env.memfd, 1);
	CU_ASSERT_EQUAL(t_ack(R_SET_MEM_TABLE), 1);

	/* Replies still come, zeroed, each of eight bytes */
	t_send(R_GET_FEATURES, 0, a, 8, NULL, 0);
	CU_ASSERT_TRUE(t_reply(R_GET_FEATURES, &v, sizeof(v)) && v == 0);
	t_send(R_GET_PROTOCOL_FEATURES, F_NEED_REPLY, a, 1, NULL, 0);
	CU_ASSERT_TRUE(t_reply(R_GET_PROTOCOL_FEATURES, &v, sizeof(v)) &&
		       v == 0);
	CU_ASSERT_TRUE(t_nothing());
	t_send(R_GET_VRING_BASE, 0, st, 4, NULL, 0);
	CU_ASSERT_TRUE(t_reply(R_GET_VRING_BASE, a, 8) && a[0] == 0);

	/* And the right sizes work */
	t_send(R_GET_FEATURES, 0, NULL, 0, NULL, 0);
	CU_ASSERT_TRUE(t_reply(R_GET_FEATURES, &v, sizeof(v)) &&
		       v == FEATURES);
	t_u64(R_SET_FEATURES, F_NEED_REPLY, FEATURES);
	CU_ASSERT_EQUAL(t_ack(R_SET_FEATURES), 0);
	CU_ASSERT_EQUAL(fake_core.resets, 0);

	t_stop();
	munmap(env.base, T_MEM_SIZE);
	close(env.memfd);
}

/**
 * t_addr() - SET_VRING_ADDR for a queue, get the status
 * @q:		Queue
 * @flags:	Flags
 * @desc:	Descriptor table, frontend address
 * @used:	Used ring
 * @avail:	Available ring
 *
 * Return: the REPLY_ACK status
 */
static uint64_t t_addr(unsigned int q, uint32_t flags, uint64_t desc,
		       uint64_t used, uint64_t avail)
{
	uint64_t a[5] = { q | (uint64_t)flags << 32, desc, used, avail, 0 };

	t_send(R_SET_VRING_ADDR, F_NEED_REPLY, a, sizeof(a), NULL, 0);
	return t_ack(R_SET_VRING_ADDR);
}

static void test_proto_rings(void)
{
	uint64_t desc = T_UVA + T_Q_STRIDE, avail = desc + T_AVAIL_OFF;
	uint64_t used = desc + T_USED_OFF;
	int kick[2], call[2], p[2], k, fl;
	unsigned int q;
	uint32_t st[2];

	env.memfd = t_memfd(&env.base);
	t_start();

	/* Stopping queues that never started: a zero answer each, and the
	 * guest's flows (there can't be any yet) are dropped once
	 */
	for (q = 0; q < 2; q++) {
		t_state(R_GET_VRING_BASE, 0, q, 77);
		CU_ASSERT_TRUE(t_reply(R_GET_VRING_BASE, st, sizeof(st)));
		CU_ASSERT_EQUAL(st[0], q);
		CU_ASSERT_EQUAL(st[1], 0);
	}
	CU_ASSERT_EQUAL(fake_core.resets, 1);

	/* Sizes: powers of two up to 32768 only */
	t_state(R_SET_VRING_NUM, F_NEED_REPLY, 1, 255);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_NUM), 1);
	t_state(R_SET_VRING_NUM, F_NEED_REPLY, 1, 65536);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_NUM), 1);
	t_state(R_SET_VRING_NUM, F_NEED_REPLY, 1, 32768);
	CU_ASSERT_EQUAL(t_ack(R_SET_VRING_NUM), 0);

	/* Misaligned rings, logging: refused before memory is known */
	CU_ASSERT_EQUAL(t_addr(1, 0, desc + 8, used, avail), 1);
	CU_ASSERT_EQUAL(t_addr(1, 0, desc, used + 2, avail), 1);
	CU_ASSERT_EQUAL(t_addr(1, 0, desc, used, avail + 1), 1);
	CU_ASSERT_EQUAL(t_addr(1, 1, desc, used, avail), 1);
	CU_ASSERT(fake_core_log_find("must be aligned to 16, 2 and 4 "
				     "bytes") >= 0);
	CU_ASSERT(fake_core_log_find("no logging") >= 0);
	CU_ASSERT_EQUAL(t_addr(2, 0, desc, used, avail), 1);

	/* A whole session after that, and frames */
	t_session(kick, call);
	CU_ASSERT_TRUE(t_tx_one(kick[VU_TX_Q]));

	/* Refused on a running queue: it keeps its rings and runs on */
	CU_ASSERT_EQUAL(t_addr(1, 0, desc + 4, used, avail), 1);
	CU_ASSERT_TRUE(t_tx_one(kick[VU_TX_Q]));

	/* A blocking pipe as the kick fd: made non-blocking, so that an
	 * event with nothing to read can't stall the daemon
	 */
	CU_ASSERT_FATAL(!pipe2(p, O_CLOEXEC));
	{
		uint64_t v = VU_TX_Q;

		t_send(R_SET_VRING_KICK, 0, &v, sizeof(v), &p[0], 1);
	}
	fl = fcntl(p[0], F_GETFL);
	CU_ASSERT(fl >= 0 && (fl & O_NONBLOCK));
	k = t_fd_call(T_FD_KICK);
	if (k >= 0 && fl >= 0 && (fl & O_NONBLOCK)) {
		passt_module.on_fd(fe.m, T_FD_KICK, fake_core.fd_calls[k].fd,
				   fake_core.fd_calls[k].data, EPOLLIN,
				   fake_core_now());
	}
	CU_ASSERT_EQUAL(fake_core.resets, 1);

	close(p[0]);
	close(p[1]);
	t_session_end(kick, call);
}

static void test_proto_pieces_and_reconnect(void)
{
	uint32_t hdr[3] = { R_GET_FEATURES, F_VERSION, 0 };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int kick[2], call[2], second, l;
	unsigned int q;
	uint64_t v;
	char c;

	env.memfd = t_memfd(&env.base);
	t_start();

	/* A message in pieces */
	CU_ASSERT_EQUAL(send(fe.sk, hdr, 5, MSG_NOSIGNAL), 5);
	t_pump();
	CU_ASSERT_TRUE(t_nothing());
	CU_ASSERT_EQUAL(send(fe.sk, (char *)hdr + 5, 7, MSG_NOSIGNAL), 7);
	t_pump();
	CU_ASSERT_TRUE(t_reply(R_GET_FEATURES, &v, sizeof(v)) &&
		       v == FEATURES);

	/* A second frontend meanwhile is turned away */
	strcpy(a.sun_path, fe.path);
	second = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(!connect(second, (struct sockaddr *)&a, sizeof(a)));
	l = t_fd_call(T_FD_LISTEN);
	passt_module.on_fd(fe.m, T_FD_LISTEN, fake_core.fd_calls[l].fd, 0,
			   EPOLLIN, fake_core_now());
	CU_ASSERT_EQUAL(recv(second, &c, 1, 0), 0);
	close(second);

	/* A full session, dropped without GET_VRING_BASE: reset once */
	t_session(kick, call);
	close(fe.sk);
	t_pump();
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	for (q = 0; q < 2; q++) {
		close(kick[q]);
		close(call[q]);
	}

	/* The next frontend gets a fresh device */
	memset(env.base, 0, T_BUF_OFF);
	fe.sk = t_connect();
	t_session(kick, call);
	t_set(VU_TX_Q, 0, T_BUF_OFF, T_HDR + 60, 0, 0);
	t_avail(VU_TX_Q)->ring[0] = 0;
	t_avail(VU_TX_Q)->idx = 1;
	t_kick(kick[VU_TX_Q]);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 1);
	CU_ASSERT_EQUAL(t_used(VU_TX_Q)->idx, 1);
	t_session_end(kick, call);
}

static void test_proto_stale_socket(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct passt_mod *m;
	char dir[] = "/tmp/vu-unit.XXXXXX", path[200];
	int sk;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vu.sock", dir);

	/* A socket file nobody listens on is replaced */
	strcpy(a.sun_path, path);
	sk = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(!bind(sk, (struct sockaddr *)&a, sizeof(a)));
	close(sk);
	m = fake_core_load(&passt_module);
	fake_core_cfg_set_str("socket", path);
	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
	CU_ASSERT_EQUAL(fake_core_init(m), 0);

	/* A live one is not: a second daemon on the same path refuses */
	{
		struct passt_mod *m2;

		fake_core_unload(m);
		sk = socket(AF_UNIX, SOCK_STREAM, 0);
		unlink(path);
		CU_ASSERT_FATAL(!bind(sk, (struct sockaddr *)&a, sizeof(a)));
		CU_ASSERT_FATAL(!listen(sk, 1));
		m2 = fake_core_load(&passt_module);
		fake_core_cfg_set_str("socket", path);
		CU_ASSERT_EQUAL(fake_core_configure(m2), 0);
		CU_ASSERT_EQUAL(fake_core_init(m2), -EADDRINUSE);
		fake_core_unload(m2);
		close(sk);
	}

	/* Nor is a path too long for a socket */
	m = fake_core_load(&passt_module);
	memset(path, 'x', sizeof(a.sun_path));
	path[0] = '/';
	path[sizeof(a.sun_path)] = 0;
	fake_core_cfg_set_str("socket", path);
	CU_ASSERT_EQUAL(fake_core_configure(m), -EINVAL);
	fake_core_unload(m);

	snprintf(path, sizeof(path), "%s/vu.sock", dir);
	unlink(path);
	rmdir(dir);
}

UNIT_SUITE(vhost_user,
	{ "memory regions: translation and bounds", test_mem_translate },
	{ "memory regions: bad tables refused", test_mem_refused },
	{ "memory regions: must lie within their files",
	  test_mem_file_size },
	{ "rings: mapped only inside memory, aligned", test_ring_map },
	{ "tx: one buffer, zero copy", test_tx_single },
	{ "tx: checksums left out by the guest", test_tx_csum },
	{ "tx: scattered chain gathered", test_tx_chained },
	{ "tx: batch, short and long chains", test_tx_batch_and_sizes },
	{ "tx: budget and kick suppression", test_tx_budget },
	{ "tx: bounce buffer full splits a batch", test_tx_bounce_full },
	{ "tx: descriptor loop refused", test_tx_loop },
	{ "tx: chain as long as the ring, not longer",
	  test_tx_self_loop_small_ring },
	{ "tx: next index beyond the ring refused", test_tx_next_beyond },
	{ "tx: head index beyond the ring refused", test_tx_head_beyond },
	{ "tx: available index jump refused", test_tx_avail_jump },
	{ "tx: buffers outside the memory refused", test_tx_outside },
	{ "tx: write-only and indirect refused", test_tx_bad_flags },
	{ "tx: zero-length buffer refused", test_tx_zero_len },
	{ "tx: disabled queue left alone", test_tx_not_ready },
	{ "rx: one buffer, header, one call", test_rx_single },
	{ "rx: DATA_VALID with GUEST_CSUM", test_rx_data_valid },
	{ "rx: merged buffers, num_buffers", test_rx_merged },
	{ "rx: scattered chain, split header", test_rx_chain_scatter },
	{ "rx: out of buffers, rollback", test_rx_out_of_buffers },
	{ "rx: without merged buffers, legacy", test_rx_no_mrg },
	{ "rx: one call per batch, suppression", test_rx_notify },
	{ "rx: bad buffers refused", test_rx_bad_buffers },
	{ "rx: room estimated from chains and frames", test_rx_room },
	{ "rx: kicks asked for only while short", test_rx_window_kicks },
	{ "protocol: the window follows the receive queue",
	  test_proto_rx_window },
	{ "fuzz: random descriptor tables", test_fuzz },
	{ "protocol: QEMU-like session, frames both ways",
	  test_proto_session },
	{ "protocol: bad requests refused or fatal", test_proto_errors },
	{ "protocol: memory regions larger than their files refused",
	  test_proto_mem_file_size },
	{ "protocol: descriptors not taken are closed, too many refused",
	  test_proto_stray_fds },
	{ "protocol: payload sizes must match the request",
	  test_proto_payload_sizes },
	{ "protocol: ring sizes, alignment, early GET_VRING_BASE, kick fd",
	  test_proto_rings },
	{ "protocol: pieces, second frontend, reconnect",
	  test_proto_pieces_and_reconnect },
	{ "protocol: stale, live and overlong socket paths",
	  test_proto_stale_socket }
)
