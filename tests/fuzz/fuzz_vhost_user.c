// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vhost_user.c - vhost-user virtqueues: descriptor chains the guest
 * wrote, both queues, through the backend's ring and net code
 *
 * The guest's memory is a memfd of FUZZ_VU_MEM bytes, mapped by the
 * backend with vu_mem_map() as QEMU's would be (guest-physical and
 * frontend virtual addresses far apart, as in the unit tests), holding
 * both queues' descriptor tables, available and used rings, and buffers.
 * The input is that memory: the guest may write anything there.
 *
 * Input: byte 0, ring size (1 << (bits 0-2)), VIRTIO_F_VERSION_1 (bit 3),
 * VIRTIO_NET_F_MRG_RXBUF (bit 4), and how many frames the daemon sends to
 * the guest (bits 5-7); then the memory image from offset 0: receive queue
 * descriptors at 0, available ring at 0x1000, used ring at 0x1800;
 * transmit queue likewise at 0x2000, 0x3000, 0x3800; buffers from 0x4000,
 * at guest-physical address FUZZ_VU_GPA + offset. The used rings are
 * zeroed, as a driver leaves them before the device starts.
 *
 * The transmit queue is run until it has nothing more, then frames are
 * written to the receive queue. Findings besides crashes and sanitizer
 * reports: a frame handed to the core that doesn't lie entirely inside the
 * guest's memory or the bounce buffer, or is longer than VU_FRAME_MAX; a
 * used ring entry naming a chain outside the ring; a leaked descriptor or
 * memory.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "fake_core.h"
#include "vu_mem.h"
#include "vu_net.h"
#include "vu_ring.h"

extern const struct passt_module passt_module;

#define FUZZ_VU_MEM		(64UL << 10)
#define FUZZ_VU_GPA		0x40000000ULL
#define FUZZ_VU_UVA		0x7f1234560000ULL
#define FUZZ_VU_Q_STRIDE	0x2000UL
#define FUZZ_VU_AVAIL_OFF	0x1000UL
#define FUZZ_VU_USED_OFF	0x1800UL
#define FUZZ_VU_RX_MAX		7

/**
 * struct fuzz_vu - The harness
 * @memfd:	The guest's memory
 * @base:	Our own mapping of it
 * @m:		The backend, loaded in the fake core
 * @ops:	The fake core's services, from_guest() checked first
 * @n:		The device
 * @bounce:	Its bounce buffer
 * @evt:	Call and error eventfds, per queue
 * @fds:	Descriptors open before the input
 */
static struct fuzz_vu {
	int memfd;
	uint8_t *base;
	struct passt_mod *m;
	struct passt_core_ops ops;
	struct vu_net n;
	uint8_t *bounce;
	int evt[VU_QUEUES][2];
	struct fuzz_fds fds;
} v;

/**
 * fuzz_vu_in() - Whether @len bytes at @p lie inside [@base, @base + @size)
 * @p:		Start
 * @len:	Length
 * @base:	Area
 * @size:	Its size
 *
 * Return: true if they do
 */
static bool fuzz_vu_in(const uint8_t *p, size_t len, const uint8_t *base,
		       size_t size)
{
	return p >= base && len <= size && (size_t)(p - base) <= size - len;
}

/**
 * fuzz_vu_from_guest() - from_guest(), with each frame's bounds checked
 * @m:		Backend
 * @f:		Frames
 * @n:		Number of frames
 *
 * Return: what the fake core returns
 */
static int fuzz_vu_from_guest(struct passt_mod *m, const struct passt_frame *f,
			      size_t n)
{
	const struct vu_mem_region *r = &v.n.mem.r[0];
	size_t i;

	for (i = 0; i < n; i++) {
		if (f[i].len > VU_FRAME_MAX)
			fuzz_fail("frame of %zu bytes from the guest", f[i].len);
		if (!fuzz_vu_in(f[i].data, f[i].len, r->host, r->d.size) &&
		    !fuzz_vu_in(f[i].data, f[i].len, v.bounce,
				v.n.bounce_size))
			fuzz_fail("frame of %zu bytes outside the guest's memory "
				  "and the bounce buffer", f[i].len);
	}
	return fake_core_ops.from_guest(m, f, n);
}

/**
 * LLVMFuzzerInitialize() - The guest's memory, eventfds, the backend
 * @argc:	Unused
 * @argv:	Unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int q;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	v.memfd = memfd_create("fuzz-vu", MFD_CLOEXEC);
	if (v.memfd < 0 || ftruncate(v.memfd, FUZZ_VU_MEM))
		fuzz_fail("memfd: %s", strerror(errno));
	v.base = mmap(NULL, FUZZ_VU_MEM, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v.memfd, 0);
	v.bounce = malloc(VU_BOUNCE_SIZE);
	if (v.base == MAP_FAILED || !v.bounce)
		fuzz_fail("out of memory");
	for (q = 0; q < VU_QUEUES; q++) {
		v.evt[q][0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		v.evt[q][1] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (v.evt[q][0] < 0 || v.evt[q][1] < 0)
			fuzz_fail("eventfd: %s", strerror(errno));
	}

	v.m = fake_core_load(&passt_module);
	v.ops = fake_core_ops;
	v.ops.from_guest = fuzz_vu_from_guest;
	/* The backend reaches the core through passt_core(m): ours */
	((struct passt_mod_head *)(void *)v.m)->core = &v.ops;
	return 0;
}

/**
 * fuzz_vu_drain() - Empty an eventfd
 * @fd:		eventfd
 */
static void fuzz_vu_drain(int fd)
{
	uint64_t x;

	if (read(fd, &x, sizeof(x)) < 0 && errno != EAGAIN)
		fuzz_fail("eventfd: %s", strerror(errno));
}

/**
 * fuzz_vu_used_check() - The used ring may only name chains in the ring
 * @q:		Queue
 */
static void fuzz_vu_used_check(unsigned int q)
{
	const struct vu_ring *r = &v.n.ring[q];
	const struct vu_used *u;
	uint16_t i, idx;

	if (!r->used)
		return;
	u = (const struct vu_used *)(v.base + q * FUZZ_VU_Q_STRIDE +
				     FUZZ_VU_USED_OFF);
	idx = __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE);
	for (i = 0; i < idx && i < r->num; i++)
		if (u->ring[i].id >= r->num)
			fuzz_fail("queue %u: used entry %u names chain %u of %u",
				  q, i, u->ring[i].id, r->num);
}

/**
 * LLVMFuzzerTestOneInput() - One memory image, both queues: see the top
 * @data:	Input
 * @size:	Its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_mem_desc d = { FUZZ_VU_GPA, FUZZ_VU_MEM, FUZZ_VU_UVA, 0 };
	static uint8_t frame[1514];
	struct iovec iov[FUZZ_VU_RX_MAX];
	unsigned int q, rounds, nrx, i;
	size_t room;
	uint8_t flags;
	bool more;

	if (!size)
		return 0;
	flags = data[0];
	fuzz_fds_take(&v.fds);
	memset(v.base, 0, FUZZ_VU_MEM);
	memcpy(v.base, data + 1, size - 1 < FUZZ_VU_MEM ? size - 1
							 : FUZZ_VU_MEM);
	/* Used rings start zeroed, as a driver sets them up: after that,
	 * what is in them is the device's doing
	 */
	for (q = 0; q < VU_QUEUES; q++)
		memset(v.base + q * FUZZ_VU_Q_STRIDE + FUZZ_VU_USED_OFF, 0,
		       FUZZ_VU_Q_STRIDE - FUZZ_VU_USED_OFF);
	fake_core_frames_clear();

	vu_net_init(&v.n, v.bounce, VU_BOUNCE_SIZE);
	vu_net_features(&v.n, flags & 8, flags & 16);
	if (vu_mem_map(&v.n.mem, &d, 1, &v.memfd))
		fuzz_fail("vu_mem_map: %s", strerror(errno));
	for (q = 0; q < VU_QUEUES; q++) {
		struct vu_ring *r = &v.n.ring[q];

		r->num = 1U << (flags & 7);
		r->desc_uva = FUZZ_VU_UVA + q * FUZZ_VU_Q_STRIDE;
		r->avail_uva = r->desc_uva + FUZZ_VU_AVAIL_OFF;
		r->used_uva = r->desc_uva + FUZZ_VU_USED_OFF;
		r->addr_set = true;
		if (vu_ring_map(r, &v.n.mem))
			fuzz_fail("vu_ring_map refused a valid layout");
		r->started = r->enabled = true;
		r->call_fd = v.evt[q][0];
		r->err_fd = v.evt[q][1];
		vu_ring_sync(r, q == VU_RX_Q);
	}

	/* The guest transmits: chains until there are none left */
	for (rounds = 0; rounds < 16; rounds++) {
		more = false;
		vu_net_tx(v.m, &v.n, 64, &more);
		fake_core_frames_clear();
		if (!more)
			break;
	}
	fuzz_vu_used_check(VU_TX_Q);

	/* Frames to the guest, into whatever buffers it offered */
	nrx = flags >> 5;
	for (i = 0; i < nrx; i++) {
		memset(frame, 0x40 + i, sizeof(frame));
		iov[i].iov_base = frame;
		iov[i].iov_len = 60 + i * 240;
	}
	/* The room it reports, before and after: bounded by what the ring
	 * holds, whatever the guest wrote in it
	 */
	room = vu_net_rx_window(&v.n);
	if (nrx)
		vu_net_rx(v.m, &v.n, iov, nrx);
	fuzz_vu_used_check(VU_RX_Q);
	if (room > (size_t)VU_RING_NUM_MAX * VU_FRAME_MAX ||
	    vu_net_rx_window(&v.n) > (size_t)VU_RING_NUM_MAX * VU_FRAME_MAX)
		fuzz_fail("receive room beyond what the ring could hold");
	if (fake_core.misuse)
		fuzz_fail("vhost_user misused a core service");

	vu_mem_unmap(&v.n.mem);
	for (q = 0; q < VU_QUEUES; q++) {
		fuzz_vu_drain(v.evt[q][0]);
		fuzz_vu_drain(v.evt[q][1]);
	}
	fake_core.n_logs = 0;
	fuzz_fds_check(&v.fds, "vhost_user");
	return 0;
}
