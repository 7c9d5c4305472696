// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_net.c - virtio-net over two virtqueues: frames to and from the guest
 *
 * A virtio-net device with one queue pair (virtio 1.x, 5.1): queue 0
 * receives (the guest gives us empty buffers, we fill them with frames),
 * queue 1 transmits (the guest gives us frames, we give the buffers back).
 * Every chain starts with a virtio-net header: 12 bytes with
 * VIRTIO_F_VERSION_1 or VIRTIO_NET_F_MRG_RXBUF, 10 bytes for a legacy
 * driver without either.
 *
 * To the guest (vu_net_rx())
 * --------------------------
 * The core hands over its batch once per loop turn. Each frame is copied
 * straight into guest buffers, behind a header that offers no
 * segmentation (none was negotiated) and, if the guest took
 * VIRTIO_NET_F_GUEST_CSUM, says VIRTIO_NET_HDR_F_DATA_VALID: the modules
 * computed every checksum, so the guest needn't check them again. With
 * merged receive buffers a frame takes as many chains as it needs and
 * num_buffers says how many; without them it must fit in one chain, and a
 * frame too big for it is dropped (the guest set up buffers for a smaller
 * MTU than it uses). The whole batch becomes visible with one used-index
 * update and at most one call.
 *
 * The guest may post buffers more slowly than frames come: a guest whose
 * vCPU is busy, or descheduled. So the core is told how much the queue can
 * take (vu_net_rx_window(), reported as the backend's window): TCP builds
 * no more than that and leaves the rest in its sockets, and while the
 * room is short the guest is asked to kick the receive queue when it adds
 * buffers, which opens the window again. What comes without asking (ACKs,
 * datagrams) and finds no buffers is dropped, as a NIC would: a reserve of
 * chains is kept out of the window for it.
 *
 * From the guest (vu_net_tx())
 * ----------------------------
 * On a kick, chains are taken in batches of up to VU_TX_BATCH and handed to
 * the core with one from_guest() call. A frame that lies in one buffer
 * after its header is handed over in place (zero copy); one that is spread
 * over several is gathered into the bounce buffer first, and a batch ends
 * early when that is full. The chains are given back (with a length of
 * zero: nothing was written) only after from_guest() returns, so the
 * frames stay valid for exactly that call. A chain shorter than a header
 * plus an Ethernet header, or longer than the longest frame, is given
 * back unused. A kick is served for at most a budget of chains; the caller
 * comes back for the rest later in the same loop turn's deferred work.
 * While we take chains the guest is asked not to kick (VU_USED_F_NO_NOTIFY:
 * a kick is an exit to the hypervisor and a wake-up here); before going
 * back to waiting we ask for kicks again and look once more, so that a
 * chain added in between is not left waiting for a kick that never comes.
 */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <linux/virtio_net.h>

#include <passt/module.h>

#include "vu_net.h"

/**
 * vu_net_init() - Set up a device with no memory and unconfigured queues
 * @n:		Device, its memory unmapped and its fds closed
 * @bounce:	Bounce buffer for scattered frames
 * @bounce_size: Its size: at least VU_FRAME_MAX
 */
void vu_net_init(struct vu_net *n, uint8_t *bounce, size_t bounce_size)
{
	unsigned int q;

	memset(n, 0, sizeof(*n));
	for (q = 0; q < VU_QUEUES; q++)
		vu_ring_init(&n->ring[q]);
	n->hdr_len = VU_HDR_LEN;
	n->bounce = bounce;
	n->bounce_size = bounce_size;
}

/**
 * vu_net_features() - Apply negotiated features
 * @n:		Device
 * @version_1:	VIRTIO_F_VERSION_1
 * @mrg:	VIRTIO_NET_F_MRG_RXBUF
 */
void vu_net_features(struct vu_net *n, bool version_1, bool mrg)
{
	n->mrg = mrg;
	n->hdr_len = (version_1 || mrg) ? VU_HDR_LEN : VU_HDR_LEN_LEGACY;
}

/**
 * vu_net_offloads() - Apply negotiated checksum offloads
 * @n:		Device
 * @csum:	VIRTIO_NET_F_CSUM
 * @guest_csum:	VIRTIO_NET_F_GUEST_CSUM
 */
void vu_net_offloads(struct vu_net *n, bool csum, bool guest_csum)
{
	n->csum = csum;
	n->guest_csum = guest_csum;
}

/**
 * vu_net_iov_put() - Copy bytes into a list of buffers at an offset
 * @iov:	Buffers
 * @niov:	Number of buffers
 * @off:	Offset in the list where copying starts
 * @src:	Bytes to copy
 * @len:	How many
 *
 * Return: bytes copied, less than @len only if the buffers end first
 */
static size_t vu_net_iov_put(const struct iovec *iov, size_t niov, size_t off,
			     const uint8_t *src, size_t len)
{
	size_t i, done = 0;

	for (i = 0; i < niov && done < len; i++) {
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = iov[i].iov_len - off;
		if (chunk > len - done)
			chunk = len - done;
		memcpy((uint8_t *)iov[i].iov_base + off, src + done, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

/**
 * vu_net_broken() - Say (rate-limited) that the guest broke a queue
 * @m:		This module
 * @r:		Queue
 * @q:		Its index
 */
static void vu_net_broken(struct passt_mod *m, const struct vu_ring *r,
			  unsigned int q)
{
	passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			   "queue %u: %s: stopped until the guest resets it",
			   q, r->fault ? r->fault : "broken");
}

/**
 * vu_net_rx_one() - Write one frame into receive chains
 * @m:		This module
 * @n:		Device
 * @src:	Frame
 * @flen:	Its length
 * @k0:		Used entries already written in this batch
 *
 * Return: number of chains used (and used entries written), 0 if the frame
 *	   was dropped because it can't fit in one chain, -EAGAIN if the
 *	   guest has too few buffers, -EBADMSG if the queue is broken
 */
static int vu_net_rx_one(struct passt_mod *m, struct vu_net *n,
			 const uint8_t *src, size_t flen, unsigned int k0)
{
	struct vu_ring *r = &n->ring[VU_RX_Q];
	size_t first_niov = 0, done = 0;
	uint8_t hdr[VU_HDR_LEN] = { 0 };
	unsigned int nbuf = 0;

	do {
		struct iovec *v = n->iov + first_niov;
		size_t niov, off = 0, chunk;
		uint64_t cap;
		int head;

		head = vu_ring_pop(r, &n->mem, true, v, VU_IOV_MAX - first_niov,
				   &niov, &cap);
		if (head == -EAGAIN) {
			vu_ring_unpop(r, nbuf);
			return -EAGAIN;
		}
		if (head < 0) {
			vu_net_broken(m, r, VU_RX_Q);
			return -EBADMSG;
		}
		if (cap < UINT32_MAX &&
		    (!n->rx_batch_cap || cap < n->rx_batch_cap))
			n->rx_batch_cap = (uint32_t)cap;

		if (!nbuf) {
			/* virtio 1.x, 5.1.6.3.1: every buffer holds a header */
			if (cap < n->hdr_len) {
				vu_ring_fail(r, "receive buffer shorter than "
					     "the virtio-net header");
				vu_net_broken(m, r, VU_RX_Q);
				return -EBADMSG;
			}
			if (!n->mrg && cap - n->hdr_len < flen) {
				vu_ring_unpop(r, 1);
				return 0;
			}
			first_niov = niov;
			off = n->hdr_len;
		}

		chunk = flen - done;
		if (cap - off < chunk)
			chunk = (size_t)(cap - off);
		vu_net_iov_put(v, niov, off, src + done, chunk);
		vu_ring_fill(r, k0 + nbuf, (unsigned int)head,
			     (uint32_t)(off + chunk));
		done += chunk;
		nbuf++;
	} while (done < flen);

	if (n->hdr_len == VU_HDR_LEN) {
		uint16_t nb = htole16((uint16_t)nbuf);

		memcpy(hdr + 10, &nb, sizeof(nb));	/* num_buffers */
	}
	/* Every frame we build has its checksums right: say so, where the
	 * guest allows it (virtio 1.x, 5.1.6.4), and it won't check them
	 */
	if (n->guest_csum)
		hdr[0] = VIRTIO_NET_HDR_F_DATA_VALID;
	vu_net_iov_put(n->iov, first_niov, 0, hdr, n->hdr_len);
	return (int)nbuf;
}

/**
 * vu_net_rx() - Write frames from the core into the receive queue
 * @m:		This module
 * @n:		Device
 * @iov:	Frames, one per iovec
 * @count:	Number of frames
 *
 * Return: number of frames the guest got; the others are dropped
 *
 * #syscalls write
 */
int vu_net_rx(struct passt_mod *m, struct vu_net *n, const struct iovec *iov,
	      size_t count)
{
	struct vu_ring *r = &n->ring[VU_RX_Q];
	unsigned int filled = 0;
	size_t i, taken = 0;

	if (!vu_ring_ready(r)) {
		n->rx_dropped += count;
		return 0;
	}

	n->rx_batch_cap = 0;
	n->rx_batch_flen = 0;
	for (i = 0; i < count; i++) {
		int rc = vu_net_rx_one(m, n, iov[i].iov_base, iov[i].iov_len,
				       filled);

		if (iov[i].iov_len > n->rx_batch_flen)
			n->rx_batch_flen = iov[i].iov_len;

		if (rc < 0)
			break;
		if (!rc) {
			passt_core(m)->log(m, PASST_LOG_DEBUG |
					   PASST_LOG_RATELIMIT,
					   "frame of %zu bytes too big for a "
					   "receive buffer: dropped",
					   iov[i].iov_len);
			continue;
		}
		filled += (unsigned int)rc;
		taken++;
	}

	if (n->rx_batch_cap)
		n->rx_cap = n->rx_batch_cap;
	if (n->rx_batch_flen >= VU_RX_FLEN_MIN)
		n->rx_flen = n->rx_batch_flen;
	if (filled) {
		vu_ring_flush(r, filled);
		vu_ring_notify(r);
	}
	n->rx_frames += taken;
	if (taken < count) {
		n->rx_dropped += count - taken;
		passt_core(m)->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
				   "%zu of %zu frames to the guest dropped "
				   "(%llu so far): no receive buffers",
				   count - taken, count, n->rx_dropped);
	}
	return (int)taken;
}

/**
 * vu_net_rx_room() - Bytes of frames the receive queue can take now
 * @n:		Device
 *
 * An estimate, as the guest sizes its buffers itself: the chains made
 * available and not taken, less a reserve for frames that are sent without
 * asking (ACKs, datagrams, replies of the core), times the bytes of data
 * frames one chain takes. A chain holds the smaller of the last batch's
 * smallest chain and the next chain's first buffer (the guest may shrink
 * them); a frame starts a chain of its own, header included, and takes as
 * many as it needs (with merged buffers; without, it must fit in one), so
 * a chain carries a data frame's length divided by that: the longest
 * frame of the last batch with data stands for the frames to come. Once
 * every chain of the ring is there, at least two of the longest frames
 * fit, whatever the estimate: waiting would never open it further.
 *
 * Return: bytes, 0 if the queue is not ready or (nearly) empty
 */
size_t vu_net_rx_room(const struct vu_net *n)
{
	const struct vu_ring *r = &n->ring[VU_RX_Q];
	unsigned int chains, reserve;
	uint32_t cap, peek;
	size_t per, f, room;

	if (!vu_ring_ready(r))
		return 0;
	chains = vu_ring_avail(r);
	reserve = r->num / VU_RX_RESERVE_DIV;
	if (reserve < VU_RX_RESERVE_MIN)
		reserve = VU_RX_RESERVE_MIN;
	if (chains <= reserve)
		return 0;

	cap = n->rx_cap;
	peek = vu_ring_peek_len(r);
	if (!cap || (peek && peek < cap))
		cap = peek;
	if (cap <= n->hdr_len)
		return 0;
	if (cap > VU_FRAME_MAX + n->hdr_len)
		cap = (uint32_t)(VU_FRAME_MAX + n->hdr_len);	/* one frame */

	f = n->rx_flen ? n->rx_flen : cap - n->hdr_len;
	if (!n->mrg) {
		per = f < cap - n->hdr_len ? f : cap - n->hdr_len;
	} else {
		size_t c = (f + n->hdr_len + cap - 1) / cap;

		per = f / c;
	}
	room = (size_t)(chains - reserve) * per;
	if (chains >= r->num && room < 2 * VU_FRAME_MAX)
		room = 2 * VU_FRAME_MAX;
	return room;
}

/**
 * vu_net_rx_window() - The receive queue's room, asking for kicks if short
 * @n:		Device
 *
 * While the room is short (under VU_RX_LOW, or half the ring taken) the
 * guest is asked to notify the receive queue, so that we hear when it
 * posts buffers and held data can go; otherwise it is asked not to, as a
 * kick costs it an exit. Chains posted while the flag changes are seen:
 * the room is read after it.
 *
 * Return: bytes, as vu_net_rx_room()
 */
size_t vu_net_rx_window(struct vu_net *n)
{
	struct vu_ring *r = &n->ring[VU_RX_Q];
	size_t room = vu_net_rx_room(n);
	bool low;

	if (!vu_ring_ready(r))
		return room;
	low = room < VU_RX_LOW || vu_ring_avail(r) < r->num / 2;
	if (low != r->kicks) {
		(void)vu_ring_want_kicks(r, low);
		room = vu_net_rx_room(n);
	}
	return room;
}

/**
 * vu_net_tx_frame() - Find the frame in a transmit chain, gather if needed
 * @n:		Device
 * @niov:	Buffers of the chain, in @n->iov
 * @flen:	Frame length: the chain's, less the header
 * @bounced:	Bytes of @n->bounce already used in this batch, updated
 * @f:		Frame to set
 *
 * Return: 0, or -ENOBUFS if it must be gathered and the bounce buffer is
 *	   full
 */
static int vu_net_tx_frame(struct vu_net *n, size_t niov, size_t flen,
			   size_t *bounced, struct passt_frame *f)
{
	size_t i = 0, skip = n->hdr_len, done = 0;
	uint8_t *dst, flags = 0, hflags;

	/* The header's first byte, its flags, in the first non-empty
	 * buffer: the chain is longer than the header
	 */
	while (i < niov - 1 && !n->iov[i].iov_len)
		i++;
	hflags = *(const uint8_t *)n->iov[i].iov_base;
	i = 0;

	/* A checksum left out (or vouched for) by the guest's kernel, as
	 * only VIRTIO_NET_F_CSUM allows: nothing to verify
	 */
	if (n->csum && (hflags & (VIRTIO_NET_HDR_F_NEEDS_CSUM |
				  VIRTIO_NET_HDR_F_DATA_VALID)))
		flags = PASST_FRAME_CSUM_OK;

	/* The chain is longer than the header: this stops in it */
	while (skip >= n->iov[i].iov_len)
		skip -= n->iov[i++].iov_len;

	if (n->iov[i].iov_len - skip >= flen) {
		*f = (struct passt_frame){
			.data = (uint8_t *)n->iov[i].iov_base + skip,
			.len = flen,
			.flags = flags,
		};
		return 0;
	}

	if (flen > n->bounce_size - *bounced)
		return -ENOBUFS;
	dst = n->bounce + *bounced;
	for (; i < niov && done < flen; i++, skip = 0) {
		size_t chunk = n->iov[i].iov_len - skip;

		if (chunk > flen - done)
			chunk = flen - done;
		memcpy(dst + done, (uint8_t *)n->iov[i].iov_base + skip,
		       chunk);
		done += chunk;
	}
	*f = (struct passt_frame){ .data = dst, .len = flen, .flags = flags };
	*bounced += (flen + 7) & ~(size_t)7;
	if (*bounced > n->bounce_size)
		*bounced = n->bounce_size;
	n->tx_bounced++;
	return 0;
}

/**
 * vu_net_tx() - Hand frames from the transmit queue to the core
 * @m:		This module
 * @n:		Device
 * @budget:	Chains to take at most, this time
 * @more:	Set if the budget ran out with chains perhaps left
 *
 * Return: number of chains taken and given back
 *
 * #syscalls write
 */
unsigned int vu_net_tx(struct passt_mod *m, struct vu_net *n,
		       unsigned int budget, bool *more)
{
	const struct passt_core_ops *core = passt_core(m);
	struct vu_ring *r = &n->ring[VU_TX_Q];
	unsigned int total = 0;
	bool empty = false;

	*more = false;
	if (!vu_ring_ready(r))
		return 0;

	/* No kicks while we are taking chains anyway */
	vu_ring_want_kicks(r, false);
again:
	while (!empty && total < budget) {
		unsigned int npop = 0, nframes = 0, k;
		size_t bounced = 0;

		while (npop < VU_TX_BATCH && total + npop < budget) {
			size_t niov, flen;
			uint64_t len;
			int head;

			head = vu_ring_pop(r, &n->mem, false, n->iov,
					   VU_IOV_MAX, &niov, &len);
			if (head < 0) {
				if (head != -EAGAIN)
					vu_net_broken(m, r, VU_TX_Q);
				empty = true;
				break;
			}

			if (len < n->hdr_len + PASST_ETH_HLEN ||
			    len - n->hdr_len > VU_FRAME_MAX) {
				n->tx_bad++;
				core->log(m, PASST_LOG_TRACE |
					  PASST_LOG_RATELIMIT,
					  "transmit chain of %llu bytes: "
					  "dropped", (unsigned long long)len);
				n->heads[npop++] = (uint16_t)head;
				continue;
			}
			flen = (size_t)(len - n->hdr_len);

			if (vu_net_tx_frame(n, niov, flen, &bounced,
					    &n->frames[nframes])) {
				vu_ring_unpop(r, 1);
				break;
			}
			nframes++;
			n->heads[npop++] = (uint16_t)head;
		}

		/* The frames may point into the chains: give those back
		 * only once the core is done with them
		 */
		if (nframes)
			core->from_guest(m, n->frames, nframes);
		n->tx_frames += nframes;

		if (!npop)
			break;
		for (k = 0; k < npop; k++)
			vu_ring_fill(r, k, n->heads[k], 0);
		vu_ring_flush(r, npop);
		vu_ring_notify(r);
		total += npop;
	}

	/* Before waiting for a kick, catch what came in without one */
	if (empty && !r->broken && vu_ring_want_kicks(r, true)) {
		vu_ring_want_kicks(r, false);
		empty = false;
		goto again;
	}

	*more = !empty && total >= budget;
	return total;
}
