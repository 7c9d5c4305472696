/* SPDX-License-Identifier: GPL-2.0-or-later */
/* frame.h - Guest frames: checks, claims and dispatch in, queue out */

#ifndef FRAME_H
#define FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <passt/module.h>

#define FRAME_BATCH_MAX		1024	/* frames sorted per dispatch round */
#define FRAME_OWNERS_MAX	64	/* module indices 1..63; 0 is the core */
#define FRAME_CLAIMS_MAX	256
#define FRAME_LEN_MAX		(PASST_ETH_HLEN + 65535 + 4)

/* Guest -> core */
int frame_parse(struct passt_frame *f);
int frame_l4dst(const struct passt_frame *f);

void frame_claims_reset(void);
int frame_claim_add(unsigned int owner, const struct passt_claim *c,
		    unsigned int *conflict);
int frame_claim_owner(const struct passt_frame *f);
bool frame_claim_exists(const struct passt_claim *c);

/**
 * typedef frame_deliver_fn - Hands one owner's frames of a batch over
 * @opaque:	Caller's pointer
 * @owner:	Owner (module index) from frame_claim_owner()
 * @f:		Frames, in arrival order
 * @n:		Number of frames
 */
typedef void (*frame_deliver_fn)(void *opaque, unsigned int owner,
				  const struct passt_frame *f, size_t n);

size_t frame_from_guest(const struct passt_frame *in, size_t n,
			struct passt_netcfg *net, frame_deliver_fn deliver,
			void *opaque);

size_t arp_reply(const struct passt_frame *f, const struct passt_netcfg *net,
		 uint8_t *out, size_t outlen);

/* Core -> guest */
int frame_txq_init(size_t bytes, unsigned int frames);
void frame_txq_fini(void);
void *frame_txq_alloc(size_t len);
int frame_txq_commit(size_t len);
int frame_txq_copy(const struct iovec *iov, size_t n);
size_t frame_txq_reserve(size_t n, size_t len, uint8_t **bufs);
int frame_txq_commit_n(size_t n, const size_t *lens);
unsigned int frame_txq_pending(void);

/**
 * typedef frame_send_fn - The backend's send(): takes frames, one per iovec
 * @opaque:	Caller's pointer
 * @iov:	Frames
 * @n:		Number of frames
 *
 * Return: number of frames taken, or -errno
 */
typedef int (*frame_send_fn)(void *opaque, const struct iovec *iov, size_t n);

void frame_txq_set_sender(frame_send_fn send, void *opaque);
void frame_txq_flush(void);
size_t frame_txq_room(size_t want);
void frame_txq_window(size_t bytes);
void frame_txq_set_waker(void (*wake)(void));

#endif /* FRAME_H */
