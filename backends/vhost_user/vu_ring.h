/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_ring.h - Split virtqueues in the frontend's memory: the device side */

#ifndef VU_RING_H
#define VU_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vu_mem.h"

#define VU_RING_NUM_MAX		32768	/* largest split ring (virtio 1.x) */

/* Descriptor flags */
#define VU_DESC_F_NEXT		1	/* @next is valid */
#define VU_DESC_F_WRITE		2	/* device writes (else reads) */
#define VU_DESC_F_INDIRECT	4	/* needs VIRTIO_F_INDIRECT_DESC */

#define VU_AVAIL_F_NO_INTERRUPT	1	/* driver: no call, please */
#define VU_USED_F_NO_NOTIFY	1	/* device: no kick, please */

/**
 * struct vu_desc - One entry of the descriptor table, little-endian
 * @addr:	Guest-physical address of the buffer
 * @len:	Its length
 * @flags:	VU_DESC_F_*
 * @next:	Next descriptor of the chain, if VU_DESC_F_NEXT
 */
struct vu_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/**
 * struct vu_avail - The available ring, written by the driver
 * @flags:	VU_AVAIL_F_*
 * @idx:	Where the driver puts its next entry (free-running)
 * @ring:	Heads of chains handed to the device
 */
struct vu_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

/**
 * struct vu_used_elem - One entry of the used ring
 * @id:		Head of the chain given back
 * @len:	Bytes the device wrote into it
 */
struct vu_used_elem {
	uint32_t id;
	uint32_t len;
};

/**
 * struct vu_used - The used ring, written by the device (us)
 * @flags:	VU_USED_F_*
 * @idx:	Where we put our next entry (free-running)
 * @ring:	Chains given back
 */
struct vu_used {
	uint16_t flags;
	uint16_t idx;
	struct vu_used_elem ring[];
};

/**
 * struct vu_ring - One virtqueue, as the device sees it
 * @num:	Size (SET_VRING_NUM), a power of two, 0 until set
 * @addr_set:	SET_VRING_ADDR was received
 * @desc_uva:	Descriptor table, frontend virtual address
 * @avail_uva:	Available ring, frontend virtual address
 * @used_uva:	Used ring, frontend virtual address
 * @desc:	Descriptor table, mapped here, or NULL
 * @avail:	Available ring, mapped here, or NULL
 * @used:	Used ring, mapped here, or NULL
 * @base:	Next available entry, as SET_VRING_BASE set it
 * @last_avail:	Next available entry we take
 * @avail_idx:	The driver's available index, as last read
 * @used_idx:	Our used index, as last published
 * @started:	Has a kick fd: from SET_VRING_KICK to GET_VRING_BASE
 * @synced:	Indices read from the rings since it was mapped and started
 * @enabled:	SET_VRING_ENABLE said so (or there are no protocol features)
 * @broken:	The driver broke the ring: not touched until set up again
 * @fault:	Why it is broken
 * @kick_fd:	The driver's notifications, or -1
 * @call_fd:	Our notifications to the driver, or -1
 * @err_fd:	Where we report a broken ring, or -1
 * @watched:	@kick_fd is in the event loop
 * @kicks:	The driver was asked to notify (VU_USED_F_NO_NOTIFY clear)
 * @calls:	Notifications sent
 * @quiet:	Notifications the driver asked us not to send
 */
struct vu_ring {
	unsigned int num;
	bool addr_set;
	uint64_t desc_uva;
	uint64_t avail_uva;
	uint64_t used_uva;
	struct vu_desc *desc;
	struct vu_avail *avail;
	struct vu_used *used;
	uint16_t base;
	uint16_t last_avail;
	uint16_t avail_idx;
	uint16_t used_idx;
	bool started;
	bool synced;
	bool enabled;
	bool broken;
	const char *fault;
	int kick_fd;
	int call_fd;
	int err_fd;
	bool watched;
	bool kicks;
	unsigned long long calls;
	unsigned long long quiet;
};

void vu_ring_init(struct vu_ring *r);
int vu_ring_map(struct vu_ring *r, const struct vu_mem *mem);
void vu_ring_sync(struct vu_ring *r, bool no_kicks);
bool vu_ring_ready(const struct vu_ring *r);
unsigned int vu_ring_avail(const struct vu_ring *r);
uint32_t vu_ring_peek_len(const struct vu_ring *r);
int vu_ring_pop(struct vu_ring *r, const struct vu_mem *mem, bool write,
		struct iovec *iov, size_t iov_max, size_t *niov,
		uint64_t *len);
void vu_ring_unpop(struct vu_ring *r, unsigned int n);
void vu_ring_fill(struct vu_ring *r, unsigned int k, unsigned int head,
		  uint32_t len);
void vu_ring_flush(struct vu_ring *r, unsigned int n);
bool vu_ring_want_kicks(struct vu_ring *r, bool on);
bool vu_ring_notify(struct vu_ring *r);
void vu_ring_fail(struct vu_ring *r, const char *why);

#endif /* VU_RING_H */
