// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_ring.c - Split virtqueues in the frontend's memory: the device side
 *
 * A split virtqueue (virtio 1.x, 2.7) is three areas in guest memory: a
 * descriptor table (buffers: address, length, flags, next), the available
 * ring where the driver (the guest) hands chains of descriptors to the
 * device, and the used ring where the device (this daemon) gives them back
 * with the number of bytes it wrote.
 *
 * The guest owns that memory and may change any of it at any time, on
 * purpose or by mistake, so every value is read once (a relaxed atomic
 * load: the compiler may not read it again after we checked it) and
 * checked before use:
 * - the available index may run ahead of our used index by at most the
 *   ring size;
 * - a chain's head and every next index must be below the ring size;
 * - a chain has at most as many descriptors as the ring (no loops);
 * - each buffer is non-empty, lies in mapped memory (vu_mem_gpa()), goes
 *   the expected way (written by the device for receive queues, read for
 *   transmit queues), and is not indirect (not negotiated).
 * A ring that fails a check is marked broken: it is left alone, with its
 * error eventfd signalled, until the frontend sets it up again. That is
 * what a hardware device would do (DEVICE_NEEDS_RESET), and it costs a
 * well-behaved guest nothing.
 *
 * Memory ordering: the available index is loaded with acquire semantics
 * before the entries it covers are read; used entries are stored before
 * the used index, which is stored with release semantics; and a full
 * barrier separates that store from the load of the driver's
 * VU_AVAIL_F_NO_INTERRUPT flag, so that a driver that clears the flag and
 * then checks the used index cannot miss both our entry and our call.
 *
 * The ring never holds a chain across calls: every chain popped is either
 * given back (vu_ring_fill(), vu_ring_flush()) or pushed back
 * (vu_ring_unpop()) before control returns to the event loop. So between
 * calls the used index equals the next available entry, and that is where
 * a ring restarts (vu_ring_sync()).
 */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "vu_ring.h"

#define VU_LOAD(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define VU_STORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)

/**
 * vu_ring_init() - Forget everything about a ring, without closing fds
 * @r:		Ring
 */
void vu_ring_init(struct vu_ring *r)
{
	memset(r, 0, sizeof(*r));
	r->kick_fd = r->call_fd = r->err_fd = -1;
}

/**
 * vu_ring_map() - Find the three areas of a ring in the frontend's memory
 * @r:		Ring with its size and addresses set
 * @mem:	Memory table
 *
 * Return: 0, -EAGAIN if size, addresses or memory are still missing,
 *	   -EFAULT if an area is not in mapped memory or misaligned
 */
int vu_ring_map(struct vu_ring *r, const struct vu_mem *mem)
{
	uint64_t num = r->num;

	r->desc = NULL;
	r->avail = NULL;
	r->used = NULL;

	if (!r->num || !r->addr_set || !mem->n) {
		r->synced = false;
		return -EAGAIN;
	}

	/* Alignment as virtio 1.x requires (2.7): it also keeps our
	 * atomic accesses aligned
	 */
	r->desc = vu_mem_uva(mem, r->desc_uva, num * sizeof(struct vu_desc));
	r->avail = vu_mem_uva(mem, r->avail_uva,
			      sizeof(struct vu_avail) + num * 2);
	r->used = vu_mem_uva(mem, r->used_uva, sizeof(struct vu_used) +
			     num * sizeof(struct vu_used_elem));
	if (!r->desc || !r->avail || !r->used ||
	    (uintptr_t)r->desc % 16 || (uintptr_t)r->avail % 2 ||
	    (uintptr_t)r->used % 4) {
		r->desc = NULL;
		r->avail = NULL;
		r->used = NULL;
		r->synced = false;
		return -EFAULT;
	}
	return 0;
}

/**
 * vu_ring_sync() - Start from where the used ring says we are
 * @r:		Ring, mapped and started
 * @no_kicks:	Ask the driver not to notify us (we never wait on this ring)
 *
 * Every chain the driver made available before the used index was given
 * back, or was in flight with a backend that is gone: those are taken
 * again, which for a network device means a buffer reused or a frame sent
 * twice, both harmless.
 */
void vu_ring_sync(struct vu_ring *r, bool no_kicks)
{
	r->used_idx = le16toh(VU_LOAD(&r->used->idx));
	r->last_avail = r->avail_idx = r->used_idx;
	VU_STORE(&r->used->flags, htole16(no_kicks ? VU_USED_F_NO_NOTIFY : 0));
	r->kicks = !no_kicks;
	r->synced = true;
}

/**
 * vu_ring_ready() - Tell whether a ring may be used now
 * @r:		Ring
 *
 * Return: true if it is mapped, started, enabled and not broken
 */
bool vu_ring_ready(const struct vu_ring *r)
{
	return r->synced && r->enabled && !r->broken;
}

/**
 * vu_ring_avail() - How many chains the driver has made available, not taken
 * @r:		Ring, ready
 *
 * Return: that number, 0 if the driver's index is off by more than the
 *	   ring (vu_ring_pop() will say it is broken)
 */
unsigned int vu_ring_avail(const struct vu_ring *r)
{
	uint16_t idx = le16toh(__atomic_load_n(&r->avail->idx,
					       __ATOMIC_ACQUIRE));
	uint16_t n = (uint16_t)(idx - r->last_avail);

	return n > r->num ? 0 : n;
}

/**
 * vu_ring_peek_len() - Length of the first buffer of the next chain
 * @r:		Ring, ready
 *
 * Return: that length, 0 if there is no chain or its head is out of range
 */
uint32_t vu_ring_peek_len(const struct vu_ring *r)
{
	unsigned int head;

	if (!vu_ring_avail(r))
		return 0;
	head = le16toh(VU_LOAD(&r->avail->ring[r->last_avail &
					       (r->num - 1)]));
	if (head >= r->num)
		return 0;
	return le32toh(VU_LOAD(&r->desc[head].len));
}

/**
 * vu_ring_fail() - Mark a ring broken by the driver, tell the frontend
 * @r:		Ring
 * @why:	What was wrong, a static string
 *
 * #syscalls write
 */
void vu_ring_fail(struct vu_ring *r, const char *why)
{
	uint64_t one = 1;
	ssize_t rc;

	if (r->broken)
		return;
	r->broken = true;
	r->fault = why;
	if (r->err_fd < 0)
		return;

	/* If the frontend doesn't read it, there is nobody else to tell */
	rc = write(r->err_fd, &one, sizeof(one));
	(void)rc;
}

/**
 * vu_ring_pop() - Take the next available chain, as a list of iovecs
 * @r:		Ring, ready
 * @mem:	Memory table
 * @write:	Every buffer must be device-writable (else device-readable)
 * @iov:	iovecs to fill with the chain's buffers
 * @iov_max:	Room in @iov
 * @niov:	Number of iovecs filled, set on success
 * @len:	Total length of the chain, set on success
 *
 * Return: head index of the chain, -EAGAIN if none is available, -EBADMSG
 *	   if the ring is (now) broken: see @r->fault
 */
int vu_ring_pop(struct vu_ring *r, const struct vu_mem *mem, bool write,
		struct iovec *iov, size_t iov_max, size_t *niov,
		uint64_t *len)
{
	unsigned int head, i, count = 0;
	uint64_t total = 0;
	size_t n = 0;

	if (r->broken)
		return -EBADMSG;

	if (r->last_avail == r->avail_idx) {
		uint16_t idx = le16toh(__atomic_load_n(&r->avail->idx,
						       __ATOMIC_ACQUIRE));

		if ((uint16_t)(idx - r->used_idx) > r->num) {
			vu_ring_fail(r, "available index ahead by more than "
				     "the ring size");
			return -EBADMSG;
		}
		r->avail_idx = idx;
		if (idx == r->last_avail)
			return -EAGAIN;
	}

	head = le16toh(VU_LOAD(&r->avail->ring[r->last_avail &
					       (r->num - 1)]));
	if (head >= r->num) {
		vu_ring_fail(r, "chain head beyond the ring size");
		return -EBADMSG;
	}

	for (i = head; ; ) {
		const struct vu_desc *d = &r->desc[i];
		uint64_t addr = le64toh(VU_LOAD(&d->addr));
		uint32_t dlen = le32toh(VU_LOAD(&d->len));
		uint16_t flags = le16toh(VU_LOAD(&d->flags));
		uint16_t next = le16toh(VU_LOAD(&d->next));
		int rc;

		if (++count > r->num) {
			vu_ring_fail(r, "descriptor chain longer than the "
				     "ring, or a loop");
			return -EBADMSG;
		}
		if (flags & VU_DESC_F_INDIRECT) {
			vu_ring_fail(r, "indirect descriptor (not "
				     "negotiated)");
			return -EBADMSG;
		}
		if (!(flags & VU_DESC_F_WRITE) != !write) {
			vu_ring_fail(r, write ? "read-only buffer in a "
				     "receive chain" : "write-only buffer in "
				     "a transmit chain");
			return -EBADMSG;
		}
		if (!dlen) {
			vu_ring_fail(r, "zero-length buffer");
			return -EBADMSG;
		}

		rc = vu_mem_gpa(mem, addr, dlen, iov + n, iov_max - n);
		if (rc == -ENOBUFS) {
			vu_ring_fail(r, "descriptor chain with too many "
				     "buffers");
			return -EBADMSG;
		}
		if (rc < 0) {
			vu_ring_fail(r, "buffer outside the shared memory");
			return -EBADMSG;
		}
		n += (size_t)rc;
		total += dlen;

		if (!(flags & VU_DESC_F_NEXT))
			break;
		if (next >= r->num) {
			vu_ring_fail(r, "next descriptor beyond the ring "
				     "size");
			return -EBADMSG;
		}
		i = next;
	}

	r->last_avail++;
	*niov = n;
	*len = total;
	return (int)head;
}

/**
 * vu_ring_unpop() - Push back the chains popped last, unused
 * @r:		Ring
 * @n:		How many
 */
void vu_ring_unpop(struct vu_ring *r, unsigned int n)
{
	r->last_avail = (uint16_t)(r->last_avail - n);
}

/**
 * vu_ring_fill() - Write a used entry, not visible to the driver yet
 * @r:		Ring
 * @k:		Position after the last published entry
 * @head:	Head of the chain given back
 * @len:	Bytes written into it
 */
void vu_ring_fill(struct vu_ring *r, unsigned int k, unsigned int head,
		  uint32_t len)
{
	struct vu_used_elem *e;

	e = &r->used->ring[(uint16_t)(r->used_idx + k) & (r->num - 1)];
	VU_STORE(&e->id, htole32(head));
	VU_STORE(&e->len, htole32(len));
}

/**
 * vu_ring_flush() - Publish used entries written with vu_ring_fill()
 * @r:		Ring
 * @n:		Number of entries
 */
void vu_ring_flush(struct vu_ring *r, unsigned int n)
{
	r->used_idx = (uint16_t)(r->used_idx + n);
	__atomic_store_n(&r->used->idx, htole16(r->used_idx),
			 __ATOMIC_RELEASE);
}

/**
 * vu_ring_want_kicks() - Ask the driver to notify new chains, or not
 * @r:		Ring, ready
 * @on:		Notify us (when we are about to wait), or don't (while we
 *		are taking chains anyway)
 *
 * Return: with @on, true if chains are available already: the driver may
 *	   have added them while it was told not to notify, so the caller
 *	   must take them now. False otherwise.
 */
bool vu_ring_want_kicks(struct vu_ring *r, bool on)
{
	uint16_t idx;

	VU_STORE(&r->used->flags, htole16(on ? 0 : VU_USED_F_NO_NOTIFY));
	r->kicks = on;
	if (!on)
		return false;

	/* Our flag must be visible before we look at the index */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	idx = le16toh(__atomic_load_n(&r->avail->idx, __ATOMIC_ACQUIRE));
	return idx != r->last_avail;
}

/**
 * vu_ring_notify() - Interrupt the driver, unless it asked us not to
 * @r:		Ring, with entries just published
 *
 * Return: true if a notification was sent
 *
 * #syscalls write
 */
bool vu_ring_notify(struct vu_ring *r)
{
	uint64_t one = 1;

	/* Our used index must be visible before we read the flag */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (le16toh(VU_LOAD(&r->avail->flags)) & VU_AVAIL_F_NO_INTERRUPT) {
		r->quiet++;
		return false;
	}
	if (r->call_fd < 0)
		return false;

	/* An eventfd only refuses when its counter is about to overflow:
	 * the frontend is then not reading it, and one more is no help
	 */
	if (write(r->call_fd, &one, sizeof(one)) != sizeof(one))
		return false;
	r->calls++;
	return true;
}
