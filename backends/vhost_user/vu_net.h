/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_net.h - virtio-net over two virtqueues: frames to and from the guest */

#ifndef VU_NET_H
#define VU_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <passt/module.h>

#include "vu_mem.h"
#include "vu_ring.h"

#define VU_RX_Q		0		/* receive queue: frames to the guest */
#define VU_TX_Q		1		/* transmit queue: frames from it */
#define VU_QUEUES	2		/* one pair: no multiqueue */

#define VU_HDR_LEN		12	/* virtio_net_hdr_mrg_rxbuf */
#define VU_HDR_LEN_LEGACY	10	/* without num_buffers */
#define VU_IOV_MAX		1024	/* buffers of one chain, at most */
#define VU_TX_BATCH		256	/* frames per from_guest() call */
#define VU_FRAME_MAX		(PASST_ETH_HLEN + 65535 + 4)
#define VU_BOUNCE_SIZE		(1UL << 20)	/* chained frames, per batch */
#define VU_RX_RESERVE_DIV	16	/* receive chains kept for frames */
#define VU_RX_RESERVE_MIN	2	/* that don't ask for room first */
#define VU_RX_LOW		(256UL << 10)	/* room under which we want
						 * to hear of new buffers */
#define VU_RX_FLEN_MIN		512	/* batches of shorter frames (ACKs)
					 * say nothing of data frames */

/**
 * struct vu_net - A virtio-net device: memory, queues and scratch space
 * @mem:	The frontend's memory
 * @ring:	Receive and transmit queues (VU_RX_Q, VU_TX_Q)
 * @hdr_len:	Length of the virtio-net header on every buffer chain
 * @mrg:	VIRTIO_NET_F_MRG_RXBUF: a frame may span receive chains
 * @csum:	VIRTIO_NET_F_CSUM: the guest may leave checksums of what it
 *		sends to us (VIRTIO_NET_HDR_F_NEEDS_CSUM)
 * @guest_csum:	VIRTIO_NET_F_GUEST_CSUM: we may tell the guest that the
 *		checksums of what we send are right (DATA_VALID)
 * @iov:	Buffers of the chains being worked on
 * @frames:	Frames of the transmit batch being handed over
 * @heads:	Heads of the chains of that batch
 * @bounce:	Room for frames whose chains are scattered, VU_BOUNCE_SIZE
 *		bytes at least (allocated by the owner)
 * @bounce_size: Size of @bounce
 * @rx_frames:	Frames written to the guest
 * @rx_dropped:	Frames not written: no buffers, too big, no queue
 * @tx_frames:	Frames handed to the core
 * @tx_bad:	Transmit chains dropped: shorter than a header, too long
 * @tx_bounced:	Frames that had to be gathered into @bounce
 * @rx_cap:	Smallest receive chain (bytes) of the last batch, 0: none yet
 * @rx_batch_cap: The same, for the batch being written
 * @rx_flen:	Longest frame of the last batch that had a data frame
 *		(VU_RX_FLEN_MIN or longer), 0: none yet
 * @rx_batch_flen: Longest frame of the batch being written
 */
struct vu_net {
	struct vu_mem mem;
	struct vu_ring ring[VU_QUEUES];
	size_t hdr_len;
	bool mrg;
	bool csum;
	bool guest_csum;
	struct iovec iov[VU_IOV_MAX];
	struct passt_frame frames[VU_TX_BATCH];
	uint16_t heads[VU_TX_BATCH];
	uint8_t *bounce;
	size_t bounce_size;
	unsigned long long rx_frames;
	unsigned long long rx_dropped;
	unsigned long long tx_frames;
	unsigned long long tx_bad;
	unsigned long long tx_bounced;
	uint32_t rx_cap;
	uint32_t rx_batch_cap;
	size_t rx_flen;
	size_t rx_batch_flen;
};

void vu_net_init(struct vu_net *n, uint8_t *bounce, size_t bounce_size);
void vu_net_features(struct vu_net *n, bool version_1, bool mrg);
void vu_net_offloads(struct vu_net *n, bool csum, bool guest_csum);
int vu_net_rx(struct passt_mod *m, struct vu_net *n, const struct iovec *iov,
	      size_t count);
size_t vu_net_rx_room(const struct vu_net *n);
size_t vu_net_rx_window(struct vu_net *n);
unsigned int vu_net_tx(struct passt_mod *m, struct vu_net *n,
		       unsigned int budget, bool *more);

#endif /* VU_NET_H */
