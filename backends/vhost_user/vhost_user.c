// SPDX-License-Identifier: GPL-2.0-or-later
/* vhost_user.c - vhost-user: virtqueues in shared guest memory
 *
 * Theory of Operation
 * ===================
 *
 * What it is
 * ----------
 * With vhost-user, QEMU (or DPDK's virtio_user, or any other frontend)
 * leaves the data path of a virtio-net device to another process: this
 * backend. The frontend shares the guest's memory (file descriptors of
 * memfds, mapped here) and the addresses of the virtqueues in it, and the
 * daemon reads frames from the guest's transmit queue and writes frames
 * into its receive queue directly: one copy per direction, and no system
 * call per frame. Interrupts go through eventfds (the "call" fds) that the
 * frontend turns into guest interrupts; the guest's notifications arrive
 * on "kick" eventfds.
 *
 * Files
 * -----
 * - vhost_user.c: the module descriptor, the socket, and the vhost-user
 *   messages (QEMU's docs/interop/vhost-user.rst), which set up the device
 * - vu_mem.c: mapping the frontend's memory regions, address translation
 * - vu_ring.c: split virtqueues (virtio 1.x, 2.7), every guest value checked
 * - vu_net.c: virtio-net on top: headers, merged receive buffers, batches
 *
 * The control channel
 * -------------------
 * init() creates, binds and listens on vhost_user.socket before the sandbox
 * and before the daemon detaches, so the frontend may be started as soon
 * as passt returns. The frontend connects (QEMU: -chardev socket plus
 * -netdev vhost-user) and keeps that one connection for the guest's life.
 * One frontend at a time: a second connection is accepted and closed with
 * a warning, so that a stray QEMU can't take over a running guest's link.
 *
 * Each message is a 12-byte header (request, flags, payload size) and the
 * payload, with up to eight file descriptors attached (SCM_RIGHTS). It is
 * read in two steps, header then payload, so that descriptors are always
 * taken with the message they came with; a message may arrive in pieces,
 * and the socket is never waited on. Replies go to GET_* requests, and to
 * any request flagged NEED_REPLY (a u64: 0 for success): QEMU sets that
 * flag on SET_MEM_TABLE once REPLY_ACK is negotiated and waits for it.
 *
 * Offered, and so handled:
 * - features VIRTIO_F_VERSION_1, VIRTIO_NET_F_MRG_RXBUF,
 *   VHOST_USER_F_PROTOCOL_FEATURES and the checksum offloads
 *   VIRTIO_NET_F_CSUM (the guest may leave TCP and UDP checksums out of
 *   what it sends: those frames reach the core with PASST_FRAME_CSUM_OK,
 *   as nothing needs them) and VIRTIO_NET_F_GUEST_CSUM (frames to the
 *   guest say their checksums are right, as they are, so it skips
 *   checking them); no segmentation offloads, so frames are at most
 *   MTU-sized;
 * - protocol feature REPLY_ACK only: every other bit would make the
 *   frontend send messages this backend does not implement (MQ:
 *   GET_QUEUE_NUM, which is answered anyway; CONFIG; BACKEND_REQ...).
 * Frontends do not agree on the order of messages (DPDK sends SET_OWNER
 * first and SET_VRING_CALL before SET_FEATURES, QEMU sends SET_VRING_CALL
 * twice with different fds), so each message only records what it says,
 * and a queue is used as soon as all of these hold: its size, addresses
 * and the memory are known and its rings lie in that memory; it has a kick
 * fd (the frontend started it); it is enabled (SET_VRING_ENABLE, or always
 * without protocol features); and the guest did not break it. A later
 * CALL, KICK or ERR fd replaces the earlier one, which is closed.
 * GET_VRING_BASE stops a queue and answers with the next available index.
 *
 * A request that is not implemented, or that is malformed, is refused
 * with a rate-limited warning and, if a reply is expected, a non-zero
 * REPLY_ACK status; the connection stays. Only what breaks the framing
 * (an unknown header version, a payload too big to hold, descriptors
 * lost to truncation) or a socket error ends the connection.
 *
 * Everything in a message is the frontend's to get wrong, so before a
 * handler runs, the payload must have exactly the size its request has
 * (a different size means we don't agree on its layout), and no more
 * descriptors may come with it than the request takes: descriptors sent
 * with a request that takes none (SET_LOG_BASE, unknown requests) or
 * refused are closed with the message, never kept. Memory regions must
 * lie within their files (vu_mem.c), ring addresses must be aligned as
 * virtio requires, and ring sizes must be powers of two up to 32768.
 *
 * Frontend gone
 * -------------
 * On end of file (QEMU quit, DPDK stopped) or any fatal error: memory is
 * unmapped, every descriptor received is closed, queues and features are
 * forgotten, protocol modules are told to drop the old guest's flows
 * (guest_reset()), and the next frontend is accepted on the same socket.
 * The same reset, but keeping the connection, follows RESET_OWNER and the
 * stop of the last running queue (a guest rebooting inside one QEMU).
 *
 * Data path
 * ---------
 * See vu_net.c. Both kick fds are watched. The transmit queue's brings
 * frames. The receive queue's says the guest posted buffers: the guest is
 * asked for those kicks only while the queue is short of them, and each
 * opens the window the core gets (tx_window()) again, so that TCP data
 * held back for want of buffers goes on. If the guest posts none and
 * kicks nothing while data waits, the window is looked at again every
 * VU_RX_RECHECK_MS anyway.
 *
 * Configuration
 * -------------
 *	vhost_user = { socket = "/tmp/passt-vu.socket"; };
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <passt/module.h>

#include "syscalls.gen.h"
#include "vu_mem.h"
#include "vu_net.h"
#include "vu_ring.h"

#define VU_MSG_HDR_LEN		12
#define VU_MSG_PAYLOAD_MAX	4096	/* larger than any we understand */
#define VU_MSG_FDS_MAX		8
#define VU_MSG_BUDGET		64	/* messages per wake-up, at most */
#define VU_TX_BUDGET		1024	/* transmit chains per kick/defer */
#define VU_RX_RECHECK_MS	100	/* short of buffers: look again */

#define VU_VERSION		1
#define VU_FLAG_VERSION_MASK	0x3
#define VU_FLAG_REPLY		(1U << 2)
#define VU_FLAG_NEED_REPLY	(1U << 3)

#define VU_F_CSUM		(1ULL << 0)	/* VIRTIO_NET_F_CSUM */
#define VU_F_GUEST_CSUM		(1ULL << 1)	/* VIRTIO_NET_F_GUEST_CSUM */
#define VU_F_MRG_RXBUF		(1ULL << 15)	/* VIRTIO_NET_F_MRG_RXBUF */
#define VU_F_PROTOCOL_FEATURES	(1ULL << 30)	/* VHOST_USER_F_... */
#define VU_F_VERSION_1		(1ULL << 32)	/* VIRTIO_F_VERSION_1 */
#define VU_FEATURES		(VU_F_CSUM | VU_F_GUEST_CSUM | \
				 VU_F_MRG_RXBUF | VU_F_PROTOCOL_FEATURES | \
				 VU_F_VERSION_1)

#define VU_PROTO_F_REPLY_ACK	(1ULL << 3)
#define VU_PROTOCOL_FEATURES	VU_PROTO_F_REPLY_ACK

#define VU_VRING_IDX_MASK	0xffULL		/* in KICK, CALL, ERR */
#define VU_VRING_NOFD		(1ULL << 8)

#define VU_PATH_MAX		sizeof(((struct sockaddr_un *)0)->sun_path)
#define VU_GEN_MASK		0x7fffffU	/* fits beside a queue bit */

/* Kinds of file descriptor this module watches (on_fd() @type) */
#define VU_FD_LISTEN		1
#define VU_FD_CONN		2	/* data: generation */
#define VU_FD_KICK		3	/* data: generation << 1 | queue */

/**
 * enum vu_request - Requests from the frontend, as numbered by the protocol
 */
enum vu_request {
	VU_REQ_NONE = 0,
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SEND_RARP = 19,
	VU_NET_SET_MTU = 20,
	VU_SET_BACKEND_REQ_FD = 21,
	VU_IOTLB_MSG = 22,
	VU_SET_VRING_ENDIAN = 23,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_CREATE_CRYPTO_SESSION = 26,
	VU_CLOSE_CRYPTO_SESSION = 27,
	VU_POSTCOPY_ADVISE = 28,
	VU_POSTCOPY_LISTEN = 29,
	VU_POSTCOPY_END = 30,
	VU_GET_INFLIGHT_FD = 31,
	VU_SET_INFLIGHT_FD = 32,
	VU_GPU_SET_SOCKET = 33,
	VU_RESET_DEVICE = 34,
	VU_VRING_KICK = 35,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_ADD_MEM_REG = 37,
	VU_REM_MEM_REG = 38,
	VU_SET_STATUS = 39,
	VU_GET_STATUS = 40,
	VU_REQ_NUM
};

static const char *const vu_request_names[] = {
	"NONE", "GET_FEATURES", "SET_FEATURES", "SET_OWNER", "RESET_OWNER",
	"SET_MEM_TABLE", "SET_LOG_BASE", "SET_LOG_FD", "SET_VRING_NUM",
	"SET_VRING_ADDR", "SET_VRING_BASE", "GET_VRING_BASE",
	"SET_VRING_KICK", "SET_VRING_CALL", "SET_VRING_ERR",
	"GET_PROTOCOL_FEATURES", "SET_PROTOCOL_FEATURES", "GET_QUEUE_NUM",
	"SET_VRING_ENABLE", "SEND_RARP", "NET_SET_MTU",
	"SET_BACKEND_REQ_FD", "IOTLB_MSG", "SET_VRING_ENDIAN", "GET_CONFIG",
	"SET_CONFIG", "CREATE_CRYPTO_SESSION", "CLOSE_CRYPTO_SESSION",
	"POSTCOPY_ADVISE", "POSTCOPY_LISTEN", "POSTCOPY_END",
	"GET_INFLIGHT_FD", "SET_INFLIGHT_FD", "GPU_SET_SOCKET",
	"RESET_DEVICE", "VRING_KICK", "GET_MAX_MEM_SLOTS", "ADD_MEM_REG",
	"REM_MEM_REG", "SET_STATUS", "GET_STATUS",
};
static_assert(sizeof(vu_request_names) / sizeof(vu_request_names[0]) ==
	      VU_REQ_NUM, "a name for every request");

/**
 * struct vu_vring_state - Payload of SET_VRING_NUM, _BASE, _ENABLE, and of
 *			   the reply to GET_VRING_BASE
 * @index:	Queue
 * @num:	Size, index, or enable flag
 */
struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

/**
 * struct vu_vring_addr - Payload of SET_VRING_ADDR
 * @index:	Queue
 * @flags:	Bit 0: log used ring writes (not negotiable here)
 * @desc:	Descriptor table, frontend virtual address
 * @used:	Used ring, frontend virtual address
 * @avail:	Available ring, frontend virtual address
 * @log:	Guest-physical address for logging (unused)
 */
struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

/**
 * struct vhost_user - This backend's state
 * @path:	Socket path
 * @listen_fd:	Listening socket, or -1
 * @fd:		Connected frontend, or -1
 * @gen:	Generation of the connection, to tell a stale event from a new
 *		connection that got the same descriptor number
 * @features:	Features the frontend acknowledged (SET_FEATURES)
 * @proto:	Protocol features it acknowledged
 * @guest_active: A guest may have flows: reset them when it goes
 * @msg:	The message being received: header, then payload
 * @msg_len:	Bytes of it received so far
 * @msg_fds:	Descriptors that came with it, -1 once taken by a handler
 * @msg_nfds:	Number of entries in @msg_fds
 * @bounce:	Bounce buffer for scattered transmit frames
 * @net:	The device: memory, queues, scratch space
 */
struct vhost_user {
	const char *path;
	int listen_fd;
	int fd;
	uint32_t gen;
	uint64_t features;
	uint64_t proto;
	bool guest_active;
	uint8_t msg[VU_MSG_HDR_LEN + VU_MSG_PAYLOAD_MAX];
	size_t msg_len;
	int msg_fds[VU_MSG_FDS_MAX];
	unsigned int msg_nfds;
	uint8_t *bounce;
	struct vu_net net;
	size_t rx_room;
	bool recheck;
	unsigned long long rx_kicks;
	unsigned long long old_dropped;
	unsigned long long old_bad;
	unsigned long long old_gathered;
};

/**
 * struct vu_msg - A complete message, as handlers see it
 * @req:	Request
 * @flags:	Header flags
 * @size:	Payload size
 * @payload:	Payload
 * @reply:	Reply payload, for requests that have one
 * @reply_len:	Its length
 */
struct vu_msg {
	uint32_t req;
	uint32_t flags;
	uint32_t size;
	const uint8_t *payload;
	uint8_t reply[sizeof(struct vu_vring_state) + sizeof(uint64_t)];
	size_t reply_len;
};

/**
 * typedef vu_handler_fn - Handles one request
 * @m:		This module
 * @s:		State
 * @msg:	The message, its payload at least as long as the handler wants
 *
 * Return: 0 on success, -errno after saying why (the frontend gets a
 *	   failure status if it asked), -ECONNRESET to drop the connection
 */
typedef int (*vu_handler_fn)(struct passt_mod *m, struct vhost_user *s,
			     struct vu_msg *msg);

static const char *const vhost_user_keys[] = {
	"socket",
	NULL
};

/**
 * vhost_user_req_name() - Name of a request, for messages
 * @req:	Request number
 *
 * Return: its name, or "unknown"
 */
static const char *vhost_user_req_name(uint32_t req)
{
	return req < VU_REQ_NUM ? vu_request_names[req] : "unknown";
}

/**
 * vhost_user_u64() - Read the u64 payload of a message
 * @msg:	Message, with at least 8 bytes of payload
 *
 * Return: the value
 */
static uint64_t vhost_user_u64(const struct vu_msg *msg)
{
	uint64_t v;

	memcpy(&v, msg->payload, sizeof(v));
	return v;
}

/**
 * vhost_user_reply_u64() - Set a u64 reply
 * @msg:	Message
 * @v:		Value
 */
static void vhost_user_reply_u64(struct vu_msg *msg, uint64_t v)
{
	memcpy(msg->reply, &v, sizeof(v));
	msg->reply_len = sizeof(v);
}

/**
 * vhost_user_take_fd() - Take the descriptor that came with a message
 * @s:		State
 *
 * Return: the first one not taken yet (now ours to close), or -1
 */
static int vhost_user_take_fd(struct vhost_user *s)
{
	unsigned int i;

	for (i = 0; i < s->msg_nfds; i++) {
		int fd = s->msg_fds[i];

		if (fd >= 0) {
			s->msg_fds[i] = -1;
			return fd;
		}
	}
	return -1;
}

/**
 * vhost_user_close_msg_fds() - Close descriptors no handler took
 * @s:		State
 *
 * #syscalls close
 */
static void vhost_user_close_msg_fds(struct vhost_user *s)
{
	unsigned int i;

	for (i = 0; i < s->msg_nfds; i++)
		if (s->msg_fds[i] >= 0)
			close(s->msg_fds[i]);
	s->msg_nfds = 0;
}

/**
 * vhost_user_nonblock() - Make sure using a descriptor never blocks
 * @fd:		Kick, call or error descriptor from the frontend
 *
 * Frontends pass non-blocking eventfds, but a pipe that fills up, or that
 * the frontend drains behind our back, must not stall the daemon either.
 *
 * #syscalls fcntl
 */
static void vhost_user_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/**
 * vhost_user_kick_stop() - Stop watching and close a queue's kick fd
 * @m:		This module
 * @r:		Queue
 *
 * #syscalls close
 */
static void vhost_user_kick_stop(struct passt_mod *m, struct vu_ring *r)
{
	if (r->kick_fd < 0)
		return;
	if (r->watched)
		passt_core(m)->fd_del(m, r->kick_fd);
	close(r->kick_fd);
	r->kick_fd = -1;
	r->watched = false;
}

/**
 * vhost_user_guest_gone() - Tell the core the guest's flows are stale
 * @m:		This module
 * @s:		State
 */
static void vhost_user_guest_gone(struct passt_mod *m, struct vhost_user *s)
{
	if (!s->guest_active)
		return;
	s->guest_active = false;
	passt_core(m)->guest_reset(m);
}

/**
 * vhost_user_device_reset() - Forget the device: queues, memory, features
 * @m:		This module
 * @s:		State
 *
 * #syscalls close
 */
static void vhost_user_device_reset(struct passt_mod *m, struct vhost_user *s)
{
	const struct passt_core_ops *core = passt_core(m);
	struct vu_net *n = &s->net;
	unsigned int q;

	core->log(m, PASST_LOG_DEBUG, "device reset: %llu frames to the "
		  "guest (%llu dropped), %llu from it (%llu bad, %llu "
		  "gathered)", n->rx_frames, n->rx_dropped, n->tx_frames,
		  n->tx_bad, n->tx_bounced);
	s->old_dropped += n->rx_dropped;
	s->old_bad += n->tx_bad;
	s->old_gathered += n->tx_bounced;

	for (q = 0; q < VU_QUEUES; q++) {
		struct vu_ring *r = &n->ring[q];

		vhost_user_kick_stop(m, r);
		if (r->call_fd >= 0)
			close(r->call_fd);
		if (r->err_fd >= 0)
			close(r->err_fd);
	}
	vu_mem_unmap(&n->mem);
	vu_net_init(n, s->bounce, VU_BOUNCE_SIZE);
	s->features = 0;
	s->proto = 0;
}

/**
 * vhost_user_disconnect() - Drop the frontend, be ready for the next one
 * @m:		This module
 * @s:		State
 * @why:	What happened, for the log
 *
 * #syscalls close
 */
static void vhost_user_disconnect(struct passt_mod *m, struct vhost_user *s,
				  const char *why)
{
	const struct passt_core_ops *core = passt_core(m);

	if (s->fd < 0)
		return;
	core->log(m, PASST_LOG_INFO, "frontend disconnected (%s)", why);
	core->fd_del(m, s->fd);
	close(s->fd);
	s->fd = -1;
	s->gen++;

	vhost_user_close_msg_fds(s);
	s->msg_len = 0;
	vhost_user_device_reset(m, s);
	vhost_user_guest_gone(m, s);
}

/**
 * vhost_user_ring_q() - Check a queue index from a message
 * @m:		This module
 * @msg:	Message
 * @q:		Queue index it names
 *
 * Return: 0, or -EINVAL after saying so
 */
static int vhost_user_ring_q(struct passt_mod *m, const struct vu_msg *msg,
			     uint64_t q)
{
	if (q < VU_QUEUES)
		return 0;
	passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			   "%s: queue %llu: there are only queues 0 (receive) "
			   "and 1 (transmit)", vhost_user_req_name(msg->req),
			   (unsigned long long)q);
	return -EINVAL;
}

/**
 * vhost_user_ring_update() - Map a queue's rings again, start it if due
 * @m:		This module
 * @s:		State
 * @q:		Queue
 *
 * Return: 0, -EAGAIN if something is still missing, -EFAULT if its rings
 *	   are not in the shared memory
 */
static int vhost_user_ring_update(struct passt_mod *m, struct vhost_user *s,
				  unsigned int q)
{
	struct vu_ring *r = &s->net.ring[q];
	int rc = vu_ring_map(r, &s->net.mem);

	if (rc == -EFAULT)
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "queue %u: rings not in the shared memory, "
				   "or misaligned", q);
	if (rc || !r->started || r->synced)
		return rc;

	vu_ring_sync(r, q == VU_RX_Q);
	passt_core(m)->log(m, PASST_LOG_DEBUG, "queue %u started: size %u, "
			   "index %u%s", q, r->num, r->last_avail,
			   r->last_avail != r->base ? " (from the used ring)"
						    : "");
	return 0;
}

/**
 * vhost_user_get_features() - GET_FEATURES: what we offer
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0
 */
static int vhost_user_get_features(struct passt_mod *m, struct vhost_user *s,
				   struct vu_msg *msg)
{
	(void)m;
	(void)s;
	vhost_user_reply_u64(msg, VU_FEATURES);
	return 0;
}

/**
 * vhost_user_set_features() - SET_FEATURES: what the frontend took
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0, or -EINVAL for a feature we did not offer
 */
static int vhost_user_set_features(struct passt_mod *m, struct vhost_user *s,
				   struct vu_msg *msg)
{
	uint64_t f = vhost_user_u64(msg);

	if (f & ~VU_FEATURES) {
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "SET_FEATURES: %#llx not offered (we offer "
				   "%#llx)", (unsigned long long)f,
				   (unsigned long long)VU_FEATURES);
		return -EINVAL;
	}
	s->features = f;
	vu_net_features(&s->net, f & VU_F_VERSION_1, f & VU_F_MRG_RXBUF);
	vu_net_offloads(&s->net, f & VU_F_CSUM, f & VU_F_GUEST_CSUM);

	/* Without protocol features there is no SET_VRING_ENABLE */
	if (!(f & VU_F_PROTOCOL_FEATURES)) {
		unsigned int q;

		for (q = 0; q < VU_QUEUES; q++)
			s->net.ring[q].enabled = true;
	}

	passt_core(m)->log(m, PASST_LOG_DEBUG, "features %#llx: header of "
			   "%zu bytes, %smerged receive buffers",
			   (unsigned long long)f, s->net.hdr_len,
			   s->net.mrg ? "" : "no ");
	return 0;
}

/**
 * vhost_user_get_protocol_features() - GET_PROTOCOL_FEATURES
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0
 */
static int vhost_user_get_protocol_features(struct passt_mod *m,
					    struct vhost_user *s,
					    struct vu_msg *msg)
{
	(void)m;
	(void)s;
	vhost_user_reply_u64(msg, VU_PROTOCOL_FEATURES);
	return 0;
}

/**
 * vhost_user_set_protocol_features() - SET_PROTOCOL_FEATURES
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0, or -EINVAL for a feature we did not offer
 */
static int vhost_user_set_protocol_features(struct passt_mod *m,
					    struct vhost_user *s,
					    struct vu_msg *msg)
{
	uint64_t f = vhost_user_u64(msg);

	if (f & ~VU_PROTOCOL_FEATURES) {
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "SET_PROTOCOL_FEATURES: %#llx not offered "
				   "(we offer %#llx)", (unsigned long long)f,
				   (unsigned long long)VU_PROTOCOL_FEATURES);
		return -EINVAL;
	}
	s->proto = f;
	return 0;
}

/**
 * vhost_user_set_owner() - SET_OWNER: the frontend takes the device
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0: there is one frontend per connection, nothing to record
 */
static int vhost_user_set_owner(struct passt_mod *m, struct vhost_user *s,
				struct vu_msg *msg)
{
	(void)m;
	(void)s;
	(void)msg;
	return 0;
}

/**
 * vhost_user_reset_owner() - RESET_OWNER: start again from scratch
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0
 */
static int vhost_user_reset_owner(struct passt_mod *m, struct vhost_user *s,
				  struct vu_msg *msg)
{
	(void)msg;
	vhost_user_device_reset(m, s);
	vhost_user_guest_gone(m, s);
	return 0;
}

/**
 * vhost_user_region_check() - Check one region of a memory table, say why not
 * @m:		This module
 * @d:		Region as the frontend described it
 * @i:		Its index, for messages
 * @fd:		Descriptor that came for it
 *
 * A region larger than its file would be mapped all the same, and the
 * first access past the file's end would kill the daemon (SIGBUS).
 *
 * Return: 0, or what vu_mem_fd_check() found, after saying so
 */
static int vhost_user_region_check(struct passt_mod *m,
				   const struct vu_mem_desc *d, unsigned int i,
				   int fd)
{
	const struct passt_core_ops *core = passt_core(m);
	uint64_t fsize;
	int rc;

	rc = vu_mem_fd_check(d, fd, &fsize);
	switch (rc) {
	case 0:
		break;
	case -ERANGE:
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "SET_MEM_TABLE: region %u: offset %llu plus %llu "
			  "bytes, but its file has %llu bytes: refused", i,
			  (unsigned long long)d->offset,
			  (unsigned long long)d->size,
			  (unsigned long long)fsize);
		break;
	case -ENODEV:
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "SET_MEM_TABLE: region %u: not a regular file: "
			  "must be a memfd, tmpfs or hugetlbfs file", i);
		break;
	case -EINVAL:
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "SET_MEM_TABLE: region %u: %llu bytes at guest "
			  "%#llx, frontend %#llx, offset %llu: empty, or "
			  "wraps around", i, (unsigned long long)d->size,
			  (unsigned long long)d->gpa,
			  (unsigned long long)d->uva,
			  (unsigned long long)d->offset);
		break;
	default:
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "SET_MEM_TABLE: region %u: %s", i, strerror(-rc));
		break;
	}
	return rc;
}

/**
 * vhost_user_set_mem_table() - SET_MEM_TABLE: map the frontend's memory
 * @m:		This module
 * @s:		State
 * @msg:	Message: u32 count, u32 padding, then the regions
 *
 * The new table is mapped before the old one goes, and queues are mapped
 * again from their addresses: memory can change under running queues.
 *
 * Return: 0, or -errno after saying why (the old table is kept then)
 */
static int vhost_user_set_mem_table(struct passt_mod *m, struct vhost_user *s,
				    struct vu_msg *msg)
{
	const struct passt_core_ops *core = passt_core(m);
	struct vu_mem_desc d[VU_MEM_REGIONS_MAX];
	int fds[VU_MEM_REGIONS_MAX];
	struct vu_mem fresh;
	unsigned int i, nfds = 0;
	uint32_t n;
	int rc;

	memcpy(&n, msg->payload, sizeof(n));
	if (!n || n > VU_MEM_REGIONS_MAX ||
	    msg->size != 8 + n * sizeof(struct vu_mem_desc)) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "SET_MEM_TABLE: %u regions in %u bytes: need 1 to "
			  "%u regions, 8 bytes then 32 bytes each", n,
			  msg->size, VU_MEM_REGIONS_MAX);
		return -EINVAL;
	}
	memcpy(d, msg->payload + 8, n * sizeof(struct vu_mem_desc));

	for (i = 0; i < s->msg_nfds; i++)
		if (s->msg_fds[i] >= 0)
			nfds++;
	if (nfds != n) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "SET_MEM_TABLE: %u regions but %u descriptors", n,
			  nfds);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		fds[i] = s->msg_fds[i];
		rc = vhost_user_region_check(m, &d[i], i, fds[i]);
		if (rc)
			return rc;
	}

	rc = vu_mem_map(&fresh, d, n, fds);
	if (rc) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "SET_MEM_TABLE: can't map the regions: %s",
			  strerror(-rc));
		return rc;
	}

	vu_mem_unmap(&s->net.mem);
	s->net.mem = fresh;
	for (i = 0; i < n; i++)
		core->log(m, PASST_LOG_DEBUG, "region %u: guest %#llx, %llu "
			  "bytes, frontend %#llx, offset %llu", i,
			  (unsigned long long)d[i].gpa,
			  (unsigned long long)d[i].size,
			  (unsigned long long)d[i].uva,
			  (unsigned long long)d[i].offset);

	/* The descriptors were only needed to map: the dispatcher closes
	 * them, and the mappings stay
	 */
	for (i = 0; i < VU_QUEUES; i++)
		vhost_user_ring_update(m, s, i);
	return 0;
}

/**
 * vhost_user_set_vring_num() - SET_VRING_NUM: size of a queue
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0, or -EINVAL for a bad queue or size
 */
static int vhost_user_set_vring_num(struct passt_mod *m, struct vhost_user *s,
				    struct vu_msg *msg)
{
	struct vu_vring_state st;
	struct vu_ring *r;

	memcpy(&st, msg->payload, sizeof(st));
	if (vhost_user_ring_q(m, msg, st.index))
		return -EINVAL;
	if (!st.num || st.num > VU_RING_NUM_MAX || (st.num & (st.num - 1))) {
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "queue %u: size %u: must be a power of two "
				   "up to %u", st.index, st.num,
				   VU_RING_NUM_MAX);
		return -EINVAL;
	}
	r = &s->net.ring[st.index];
	r->num = st.num;
	r->synced = false;
	r->broken = false;
	vhost_user_ring_update(m, s, st.index);
	return 0;
}

/**
 * vhost_user_set_vring_addr() - SET_VRING_ADDR: where a queue's rings are
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0, -EINVAL for a bad queue, flags or alignment (nothing is
 *	   recorded then), -EFAULT if the rings are not in the shared memory
 *	   (known so far)
 */
static int vhost_user_set_vring_addr(struct passt_mod *m, struct vhost_user *s,
				     struct vu_msg *msg)
{
	struct vu_vring_addr a;
	struct vu_ring *r;
	int rc;

	memcpy(&a, msg->payload, sizeof(a));
	if (vhost_user_ring_q(m, msg, a.index))
		return -EINVAL;
	if (a.flags) {
		/* Logging needs VHOST_F_LOG_ALL: not offered */
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "queue %u: flags %#x: no logging, must be 0",
				   a.index, a.flags);
		return -EINVAL;
	}
	if (a.desc % 16 || a.avail % 2 || a.used % 4) {
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "queue %u: rings at %#llx, %#llx, %#llx: "
				   "must be aligned to 16, 2 and 4 bytes",
				   a.index, (unsigned long long)a.desc,
				   (unsigned long long)a.avail,
				   (unsigned long long)a.used);
		return -EINVAL;
	}
	r = &s->net.ring[a.index];
	r->desc_uva = a.desc;
	r->avail_uva = a.avail;
	r->used_uva = a.used;
	r->addr_set = true;
	r->synced = false;
	r->broken = false;

	rc = vhost_user_ring_update(m, s, a.index);
	return rc == -EFAULT ? rc : 0;
}

/**
 * vhost_user_set_vring_base() - SET_VRING_BASE: next available index
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0, or -EINVAL for a bad queue or index
 */
static int vhost_user_set_vring_base(struct passt_mod *m, struct vhost_user *s,
				     struct vu_msg *msg)
{
	struct vu_vring_state st;
	struct vu_ring *r;

	memcpy(&st, msg->payload, sizeof(st));
	if (vhost_user_ring_q(m, msg, st.index))
		return -EINVAL;
	if (st.num > UINT16_MAX) {
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "queue %u: base %u: split rings count to "
				   "65535", st.index, st.num);
		return -EINVAL;
	}
	r = &s->net.ring[st.index];
	r->base = r->last_avail = r->avail_idx = (uint16_t)st.num;
	r->synced = false;
	r->broken = false;
	vhost_user_ring_update(m, s, st.index);
	return 0;
}

/**
 * vhost_user_get_vring_base() - GET_VRING_BASE: stop a queue, say where
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0, or -EINVAL for a bad queue (the reply goes anyway)
 */
static int vhost_user_get_vring_base(struct passt_mod *m, struct vhost_user *s,
				     struct vu_msg *msg)
{
	struct vu_vring_state st;
	struct vu_ring *r;
	unsigned int q;

	memcpy(&st, msg->payload, sizeof(st));
	st.num = 0;
	memcpy(msg->reply, &st, sizeof(st));
	msg->reply_len = sizeof(st);
	if (vhost_user_ring_q(m, msg, st.index))
		return -EINVAL;

	r = &s->net.ring[st.index];
	st.num = r->last_avail;
	memcpy(msg->reply, &st, sizeof(st));

	vhost_user_kick_stop(m, r);
	r->started = false;
	r->synced = false;
	r->broken = false;
	passt_core(m)->log(m, PASST_LOG_DEBUG, "queue %u stopped at %u",
			   st.index, st.num);

	/* No queue left running: the guest's driver is gone, its flows too */
	for (q = 0; q < VU_QUEUES; q++)
		if (s->net.ring[q].started)
			return 0;
	vhost_user_guest_gone(m, s);
	return 0;
}

/**
 * vhost_user_vring_fd() - Common part of SET_VRING_KICK, _CALL and _ERR
 * @m:		This module
 * @s:		State
 * @msg:	Message: u64, queue index and "no descriptor" bit
 * @q:		Queue, set on success
 * @fd:		Descriptor taken from the message, -1 with the no-fd bit
 *
 * The dispatcher let one descriptor at most come with the message.
 *
 * Return: 0, or -EINVAL
 */
static int vhost_user_vring_fd(struct passt_mod *m, struct vhost_user *s,
			       const struct vu_msg *msg, unsigned int *q,
			       int *fd)
{
	uint64_t v = vhost_user_u64(msg);

	if (v & ~(VU_VRING_IDX_MASK | VU_VRING_NOFD)) {
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "%s: reserved bits set in %#llx",
				   vhost_user_req_name(msg->req),
				   (unsigned long long)v);
		return -EINVAL;
	}
	if (vhost_user_ring_q(m, msg, v & VU_VRING_IDX_MASK))
		return -EINVAL;
	*q = (unsigned int)(v & VU_VRING_IDX_MASK);

	*fd = -1;
	if (v & VU_VRING_NOFD) {
		if (s->msg_nfds) {
			passt_core(m)->log(m, PASST_LOG_WARNING |
					   PASST_LOG_RATELIMIT, "%s: queue %u: "
					   "descriptor attached, but the "
					   "no-descriptor flag is set",
					   vhost_user_req_name(msg->req), *q);
			return -EINVAL;
		}
		return 0;
	}
	*fd = vhost_user_take_fd(s);
	if (*fd < 0) {
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "%s: queue %u: no descriptor attached",
				   vhost_user_req_name(msg->req), *q);
		return -EINVAL;
	}
	return 0;
}

/**
 * vhost_user_set_vring_kick() - SET_VRING_KICK: start a queue
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0, -EINVAL, -EOPNOTSUPP without a descriptor (polling), or what
 *	   the event loop said about it
 *
 * #syscalls close
 */
static int vhost_user_set_vring_kick(struct passt_mod *m, struct vhost_user *s,
				     struct vu_msg *msg)
{
	const struct passt_core_ops *core = passt_core(m);
	struct vu_ring *r;
	unsigned int q;
	int fd, rc;

	if (vhost_user_vring_fd(m, s, msg, &q, &fd))
		return -EINVAL;
	r = &s->net.ring[q];
	vhost_user_kick_stop(m, r);
	r->started = false;
	r->synced = false;
	r->broken = false;
	if (fd < 0) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "queue %u: polling instead of a kick descriptor "
			  "is not supported", q);
		return -EOPNOTSUPP;
	}

	/* epoll says readable, but the frontend may hold the other end of a
	 * pipe and drain it first: our read() must not wait then
	 */
	vhost_user_nonblock(fd);
	r->kick_fd = fd;
	rc = core->fd_add(m, fd, EPOLLIN, VU_FD_KICK,
			  ((s->gen & VU_GEN_MASK) << 1) | q);
	if (rc) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "queue %u: can't watch the kick descriptor: %s", q,
			  strerror(-rc));
		close(fd);
		r->kick_fd = -1;
		return rc;
	}
	r->watched = true;
	r->started = true;
	s->guest_active = true;
	vhost_user_ring_update(m, s, q);
	return 0;
}

/**
 * vhost_user_set_vring_call() - SET_VRING_CALL: how to interrupt the guest
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0, or -EINVAL
 *
 * #syscalls close
 */
static int vhost_user_set_vring_call(struct passt_mod *m, struct vhost_user *s,
				     struct vu_msg *msg)
{
	struct vu_ring *r;
	unsigned int q;
	int fd;

	if (vhost_user_vring_fd(m, s, msg, &q, &fd))
		return -EINVAL;
	r = &s->net.ring[q];
	if (r->call_fd >= 0)
		close(r->call_fd);
	if (fd >= 0)
		vhost_user_nonblock(fd);
	r->call_fd = fd;
	return 0;
}

/**
 * vhost_user_set_vring_err() - SET_VRING_ERR: how to report a broken queue
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0, or -EINVAL
 *
 * #syscalls close
 */
static int vhost_user_set_vring_err(struct passt_mod *m, struct vhost_user *s,
				    struct vu_msg *msg)
{
	struct vu_ring *r;
	unsigned int q;
	int fd;

	if (vhost_user_vring_fd(m, s, msg, &q, &fd))
		return -EINVAL;
	r = &s->net.ring[q];
	if (r->err_fd >= 0)
		close(r->err_fd);
	if (fd >= 0)
		vhost_user_nonblock(fd);
	r->err_fd = fd;
	return 0;
}

/**
 * vhost_user_set_vring_enable() - SET_VRING_ENABLE: let a queue work or not
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0, or -EINVAL
 */
static int vhost_user_set_vring_enable(struct passt_mod *m,
				       struct vhost_user *s,
				       struct vu_msg *msg)
{
	struct vu_vring_state st;

	memcpy(&st, msg->payload, sizeof(st));
	if (vhost_user_ring_q(m, msg, st.index))
		return -EINVAL;
	if (st.num > 1) {
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "queue %u: enable %u: must be 0 or 1",
				   st.index, st.num);
		return -EINVAL;
	}
	s->net.ring[st.index].enabled = st.num;
	return 0;
}

/**
 * vhost_user_get_queue_num() - GET_QUEUE_NUM: one queue pair
 * @m:		This module
 * @s:		State
 * @msg:	Message
 *
 * Return: 0
 */
static int vhost_user_get_queue_num(struct passt_mod *m, struct vhost_user *s,
				    struct vu_msg *msg)
{
	(void)m;
	(void)s;
	vhost_user_reply_u64(msg, 1);
	return 0;
}

/* Payload sizes: u64, vring state, vring addresses, a memory table */
#define VU_SZ_U64		sizeof(uint64_t)
#define VU_SZ_STATE		sizeof(struct vu_vring_state)
#define VU_SZ_ADDR		sizeof(struct vu_vring_addr)
#define VU_SZ_MEM_MIN		(8 + sizeof(struct vu_mem_desc))
#define VU_SZ_MEM_MAX		(8 + VU_MEM_REGIONS_MAX * \
				 sizeof(struct vu_mem_desc))

/**
 * struct vu_handler - How to handle one request
 * @fn:		Handler
 * @min:	Shortest payload it accepts
 * @max:	Longest payload it accepts (equal to @min: fixed layout)
 * @fds:	Most descriptors that may come with it
 * @reply:	The request has a reply of its own (always a u64 or a vring
 *		state: eight bytes)
 */
static const struct vu_handler {
	vu_handler_fn fn;
	size_t min;
	size_t max;
	unsigned int fds;
	bool reply;
} vhost_user_handlers[VU_REQ_NUM] = {
	[VU_GET_FEATURES]	= { vhost_user_get_features, 0, 0, 0, true },
	[VU_SET_FEATURES]	= { vhost_user_set_features,
				    VU_SZ_U64, VU_SZ_U64, 0, false },
	[VU_SET_OWNER]		= { vhost_user_set_owner, 0, 0, 0, false },
	[VU_RESET_OWNER]	= { vhost_user_reset_owner, 0, 0, 0, false },
	[VU_SET_MEM_TABLE]	= { vhost_user_set_mem_table,
				    VU_SZ_MEM_MIN, VU_SZ_MEM_MAX,
				    VU_MEM_REGIONS_MAX, false },
	[VU_SET_VRING_NUM]	= { vhost_user_set_vring_num,
				    VU_SZ_STATE, VU_SZ_STATE, 0, false },
	[VU_SET_VRING_ADDR]	= { vhost_user_set_vring_addr,
				    VU_SZ_ADDR, VU_SZ_ADDR, 0, false },
	[VU_SET_VRING_BASE]	= { vhost_user_set_vring_base,
				    VU_SZ_STATE, VU_SZ_STATE, 0, false },
	[VU_GET_VRING_BASE]	= { vhost_user_get_vring_base,
				    VU_SZ_STATE, VU_SZ_STATE, 0, true },
	[VU_SET_VRING_KICK]	= { vhost_user_set_vring_kick,
				    VU_SZ_U64, VU_SZ_U64, 1, false },
	[VU_SET_VRING_CALL]	= { vhost_user_set_vring_call,
				    VU_SZ_U64, VU_SZ_U64, 1, false },
	[VU_SET_VRING_ERR]	= { vhost_user_set_vring_err,
				    VU_SZ_U64, VU_SZ_U64, 1, false },
	[VU_GET_PROTOCOL_FEATURES] = { vhost_user_get_protocol_features,
				       0, 0, 0, true },
	[VU_SET_PROTOCOL_FEATURES] = { vhost_user_set_protocol_features,
				       VU_SZ_U64, VU_SZ_U64, 0, false },
	[VU_GET_QUEUE_NUM]	= { vhost_user_get_queue_num, 0, 0, 0, true },
	[VU_SET_VRING_ENABLE]	= { vhost_user_set_vring_enable,
				    VU_SZ_STATE, VU_SZ_STATE, 0, false },
};

/**
 * vhost_user_reply() - Send a reply
 * @s:		State
 * @msg:	Message replied to, with the reply payload set
 *
 * Return: 0, or -errno: the connection can't be used any more
 *
 * #syscalls sendmsg
 */
static int vhost_user_reply(const struct vhost_user *s, struct vu_msg *msg)
{
	uint32_t hdr[3] = { msg->req, VU_VERSION | VU_FLAG_REPLY,
			    (uint32_t)msg->reply_len };
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = msg->reply, .iov_len = msg->reply_len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t rc;

	rc = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (rc < 0)
		return -errno;
	/* A few bytes on an idle socket: anything short is an error */
	if ((size_t)rc != sizeof(hdr) + msg->reply_len)
		return -EIO;
	return 0;
}

/**
 * vhost_user_dispatch() - Handle the complete message in the buffer
 * @m:		This module
 * @s:		State
 *
 * Return: 0, or -errno if the connection must go
 */
static int vhost_user_dispatch(struct passt_mod *m, struct vhost_user *s)
{
	const struct passt_core_ops *core = passt_core(m);
	const struct vu_handler *h = NULL;
	struct vu_msg msg = { 0 };
	uint32_t hdr[3];
	int rc;

	memcpy(hdr, s->msg, sizeof(hdr));
	msg.req = hdr[0];
	msg.flags = hdr[1];
	msg.size = hdr[2];
	msg.payload = s->msg + VU_MSG_HDR_LEN;

	if (msg.req < VU_REQ_NUM && vhost_user_handlers[msg.req].fn)
		h = &vhost_user_handlers[msg.req];

	core->log(m, PASST_LOG_TRACE, "%s (%u), flags %#x, %u bytes, %u "
		  "descriptors", vhost_user_req_name(msg.req), msg.req,
		  msg.flags, msg.size, s->msg_nfds);

	if (!h) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "request %s (%u): not supported",
			  vhost_user_req_name(msg.req), msg.req);
		rc = -EOPNOTSUPP;
	} else if (msg.size < h->min || msg.size > h->max) {
		if (h->min == h->max) {
			core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				  "%s: payload of %u bytes, expected %zu",
				  vhost_user_req_name(msg.req), msg.size,
				  h->min);
		} else {
			core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				  "%s: payload of %u bytes, expected %zu to "
				  "%zu", vhost_user_req_name(msg.req),
				  msg.size, h->min, h->max);
		}
		rc = -EINVAL;
	} else if (s->msg_nfds > h->fds) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "%s: %u descriptors attached, it takes %u at most",
			  vhost_user_req_name(msg.req), s->msg_nfds, h->fds);
		rc = -EINVAL;
	} else {
		rc = h->fn(m, s, &msg);
	}
	if (rc && h && h->reply && !msg.reply_len) {
		/* Still answer, so that the frontend doesn't wait */
		memset(msg.reply, 0, sizeof(msg.reply));
		msg.reply_len = sizeof(uint64_t);
	}
	vhost_user_close_msg_fds(s);

	if (h && h->reply)
		return vhost_user_reply(s, &msg);
	if (msg.flags & VU_FLAG_NEED_REPLY) {
		vhost_user_reply_u64(&msg, rc ? 1 : 0);
		return vhost_user_reply(s, &msg);
	}
	return 0;
}

/**
 * vhost_user_recv_fds() - Keep the descriptors that came with a read
 * @s:		State
 * @mh:		What recvmsg() returned
 *
 * Return: 0, or -EPROTO if some were lost (too many, or truncated)
 *
 * #syscalls close
 */
static int vhost_user_recv_fds(struct vhost_user *s, const struct msghdr *mh)
{
	const struct cmsghdr *c;
	int rc = 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh,
							(struct cmsghdr *)c)) {
		size_t i, n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
			       sizeof(fd));
			if (s->msg_nfds < VU_MSG_FDS_MAX) {
				s->msg_fds[s->msg_nfds++] = fd;
			} else {
				close(fd);
				rc = -EPROTO;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		rc = -EPROTO;
	return rc;
}

/**
 * vhost_user_conn_read() - Read and handle what the frontend sent
 * @m:		This module
 * @s:		State
 *
 * Return: 0 when the socket has nothing more for now, -ECONNRESET at end
 *	   of file, other -errno values if the connection must go
 *
 * #syscalls recvmsg
 */
static int vhost_user_conn_read(struct passt_mod *m, struct vhost_user *s)
{
	const struct passt_core_ops *core = passt_core(m);
	unsigned int budget;

	for (budget = 0; budget < VU_MSG_BUDGET; budget++) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * VU_MSG_FDS_MAX)];
			struct cmsghdr align;
		} ctl;
		size_t want = VU_MSG_HDR_LEN;
		struct msghdr mh = { 0 };
		struct iovec iov;
		uint32_t hdr[3];
		ssize_t rc;

		if (s->msg_len >= VU_MSG_HDR_LEN) {
			memcpy(hdr, s->msg, sizeof(hdr));
			want += hdr[2];
		}
		iov.iov_base = s->msg + s->msg_len;
		iov.iov_len = want - s->msg_len;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);

		rc = recvmsg(s->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (rc < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			return -errno;
		}
		if (vhost_user_recv_fds(s, &mh)) {
			core->log(m, PASST_LOG_WARNING, "more than %u "
				  "descriptors with one message",
				  VU_MSG_FDS_MAX);
			return -EPROTO;
		}
		if (!rc)
			return -ECONNRESET;
		s->msg_len += (size_t)rc;

		if (s->msg_len == VU_MSG_HDR_LEN) {
			memcpy(hdr, s->msg, sizeof(hdr));
			if ((hdr[1] & VU_FLAG_VERSION_MASK) != VU_VERSION) {
				core->log(m, PASST_LOG_WARNING, "message "
					  "version %u, expected %u",
					  hdr[1] & VU_FLAG_VERSION_MASK,
					  VU_VERSION);
				return -EPROTO;
			}
			if (hdr[2] > VU_MSG_PAYLOAD_MAX) {
				core->log(m, PASST_LOG_WARNING, "%s: payload "
					  "of %u bytes, at most %u expected",
					  vhost_user_req_name(hdr[0]), hdr[2],
					  VU_MSG_PAYLOAD_MAX);
				return -EPROTO;
			}
			want = VU_MSG_HDR_LEN + hdr[2];
		}
		if (s->msg_len < want)
			continue;

		rc = vhost_user_dispatch(m, s);
		s->msg_len = 0;
		if (rc)
			return (int)rc;
	}
	return 0;
}

/**
 * vhost_user_accept() - A frontend connects
 * @m:		This module
 * @s:		State
 *
 * #syscalls accept4 close
 */
static void vhost_user_accept(struct passt_mod *m, struct vhost_user *s)
{
	const struct passt_core_ops *core = passt_core(m);
	int fd, rc;

	fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;

	if (s->fd >= 0) {
		core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			  "a second frontend connected: refused, one guest "
			  "at a time");
		close(fd);
		return;
	}

	rc = core->fd_add(m, fd, EPOLLIN | EPOLLRDHUP, VU_FD_CONN,
			  s->gen & VU_GEN_MASK);
	if (rc) {
		core->log(m, PASST_LOG_WARNING, "can't watch the frontend's "
			  "connection: %s", strerror(-rc));
		close(fd);
		return;
	}
	s->fd = fd;
	s->msg_len = 0;
	s->msg_nfds = 0;
	s->guest_active = true;
	core->log(m, PASST_LOG_INFO, "frontend connected");
}

/**
 * vhost_user_window() - Tell the core what the receive queue can take now
 * @m:		This module
 * @s:		State
 *
 * Nothing without a running receive queue: TCP keeps its data until the
 * guest has buffers. No limit if we can't hear of new buffers (its kick
 * descriptor hung up): frames that find none are dropped then, rather than
 * held for ever. Short of room, a one-shot timer makes sure we look again
 * even if the guest never kicks.
 */
static void vhost_user_window(struct passt_mod *m, struct vhost_user *s)
{
	const struct vu_ring *r = &s->net.ring[VU_RX_Q];
	size_t room;

	if (s->fd < 0 || !vu_ring_ready(r))
		room = 0;
	else if (!r->watched)
		room = SIZE_MAX;
	else
		room = vu_net_rx_window(&s->net);

	s->rx_room = room;
	passt_core(m)->tx_window(m, room);
	if (room < VU_RX_LOW && vu_ring_ready(r) && r->watched &&
	    !s->recheck) {
		s->recheck = true;
		passt_core(m)->timer_arm(m, VU_RX_RECHECK_MS);
	}
}

/**
 * vhost_user_on_timer() - Look at the receive queue again
 * @m:		This module
 * @now:	Current time (unused)
 */
static void vhost_user_on_timer(struct passt_mod *m,
				const struct timespec *now)
{
	struct vhost_user *s = passt_priv(m);

	(void)now;
	s->recheck = false;
	vhost_user_window(m, s);
}

/**
 * vhost_user_kick() - The guest has frames for us, or buffers
 * @m:		This module
 * @s:		State
 * @fd:		Kick descriptor
 * @events:	epoll events
 * @q:		Its queue
 *
 * #syscalls read
 */
static void vhost_user_kick(struct passt_mod *m, struct vhost_user *s, int fd,
			    uint32_t events, unsigned int q)
{
	struct vu_ring *r = &s->net.ring[q];
	uint64_t v;
	bool more;

	if (events & EPOLLIN) {
		ssize_t rc = read(fd, &v, sizeof(v));

		/* An eventfd never ends: something else was passed */
		if (!rc || (rc < 0 && errno != EAGAIN && errno != EINTR))
			events |= EPOLLHUP;
	}
	if (events & (EPOLLHUP | EPOLLERR)) {
		passt_core(m)->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				   "queue %u: kick descriptor hung up: no "
				   "longer watched", q);
		passt_core(m)->fd_del(m, fd);
		r->watched = false;
	}

	if (q == VU_RX_Q) {
		s->rx_kicks++;
		vhost_user_window(m, s);
		return;
	}
	vu_net_tx(m, &s->net, VU_TX_BUDGET, &more);
	if (more)
		passt_core(m)->defer(m);
}

/**
 * vhost_user_on_fd() - Events on the socket, the connection, a kick fd
 * @m:		This module
 * @type:	VU_FD_LISTEN, VU_FD_CONN or VU_FD_KICK
 * @fd:		Descriptor
 * @data:	Generation (and queue, for kicks)
 * @events:	epoll events
 * @now:	Current time (unused)
 */
static void vhost_user_on_fd(struct passt_mod *m, uint8_t type, int fd,
			     uint32_t data, uint32_t events,
			     const struct timespec *now)
{
	struct vhost_user *s = passt_priv(m);
	uint32_t gen = s->gen & VU_GEN_MASK;

	(void)now;

	switch (type) {
	case VU_FD_LISTEN:
		vhost_user_accept(m, s);
		vhost_user_window(m, s);
		break;
	case VU_FD_CONN:
		if (fd != s->fd || data != gen)
			break;		/* stale: that connection is gone */
		if (events & EPOLLIN) {
			int rc = vhost_user_conn_read(m, s);

			if (rc == -ECONNRESET) {
				vhost_user_disconnect(m, s, "end of file");
				break;
			}
			if (rc) {
				vhost_user_disconnect(m, s, strerror(-rc));
				break;
			}
		}
		if (!(events & EPOLLIN) && (events & (EPOLLHUP | EPOLLERR)))
			vhost_user_disconnect(m, s, "hang-up");
		break;
	case VU_FD_KICK:
		if (s->fd < 0 || data >> 1 != gen ||
		    fd != s->net.ring[data & 1].kick_fd)
			break;
		vhost_user_kick(m, s, fd, events, data & 1);
		break;
	default:
		break;
	}

	/* Messages may have started or stopped queues, or the frontend gone */
	if (type == VU_FD_CONN)
		vhost_user_window(m, s);
}

/**
 * vhost_user_on_defer() - Serve the rest of a long transmit queue
 * @m:		This module
 * @now:	Current time (unused)
 */
static void vhost_user_on_defer(struct passt_mod *m,
				const struct timespec *now)
{
	struct vhost_user *s = passt_priv(m);
	bool more;

	(void)now;
	if (s->fd < 0)
		return;
	vu_net_tx(m, &s->net, VU_TX_BUDGET, &more);
	if (more)
		passt_core(m)->defer(m);
}

/**
 * vhost_user_send() - Frames to the guest, one per iovec
 * @m:		This module
 * @iov:	Frames
 * @n:		Number of frames
 *
 * Return: how many the guest got
 */
static int vhost_user_send(struct passt_mod *m, const struct iovec *iov,
			   size_t n)
{
	struct vhost_user *s = passt_priv(m);
	int rc;

	if (s->fd < 0)
		return 0;
	rc = vu_net_rx(m, &s->net, iov, n);
	vhost_user_window(m, s);
	return rc;
}

/**
 * vhost_user_configure() - Read and check the vhost_user group
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int vhost_user_configure(struct passt_mod *m,
				const struct passt_core_ops *core)
{
	struct vhost_user *s = passt_priv(m);
	int rc;

	s->listen_fd = s->fd = -1;
	s->path = "/tmp/passt-vu.socket";
	rc = core->cfg_str(m, "socket", &s->path);
	if (rc < 0)
		return rc;
	if (!*s->path || strlen(s->path) >= VU_PATH_MAX) {
		core->log(m, PASST_LOG_ERR, "socket '%s': must be a path of "
			  "1 to %zu bytes", s->path, VU_PATH_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

/**
 * vhost_user_clear_stale() - Remove a socket file nobody listens on
 * @m:		This module
 * @addr:	Address of the socket
 *
 * Runs before the sandbox only.
 *
 * Return: 0 if the path is free now, -EADDRINUSE or -EEXIST after saying so
 */
static int vhost_user_clear_stale(struct passt_mod *m,
				  const struct sockaddr_un *addr)
{
	const struct passt_core_ops *core = passt_core(m);
	struct stat st;
	int fd, rc;

	if (lstat(addr->sun_path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		core->log(m, PASST_LOG_ERR, "socket '%s': exists and is not a "
			  "socket", addr->sun_path);
		return -EEXIST;
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	close(fd);
	if (!rc) {
		core->log(m, PASST_LOG_ERR, "socket '%s': another process "
			  "listens on it", addr->sun_path);
		return -EADDRINUSE;
	}
	unlink(addr->sun_path);
	return 0;
}

/**
 * vhost_user_init() - Allocate buffers, create and listen on the socket
 * @m:		This module
 *
 * Runs before the sandbox only.
 *
 * Return: 0, or -errno after saying what failed
 */
static int vhost_user_init(struct passt_mod *m)
{
	const struct passt_core_ops *core = passt_core(m);
	struct vhost_user *s = passt_priv(m);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, rc;

	s->fd = -1;
	s->bounce = malloc(VU_BOUNCE_SIZE);
	if (!s->bounce)
		return -ENOMEM;
	vu_net_init(&s->net, s->bounce, VU_BOUNCE_SIZE);

	memcpy(addr.sun_path, s->path, strlen(s->path) + 1);
	rc = vhost_user_clear_stale(m, &addr);
	if (rc)
		goto fail;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		core->log(m, PASST_LOG_ERR, "socket: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, 1)) {
		rc = -errno;
		core->log(m, PASST_LOG_ERR, "socket '%s': %s", s->path,
			  strerror(errno));
		close(fd);
		goto fail;
	}
	rc = core->fd_add(m, fd, EPOLLIN, VU_FD_LISTEN, 0);
	if (rc) {
		core->log(m, PASST_LOG_ERR, "can't watch the socket: %s",
			  strerror(-rc));
		close(fd);
		goto fail;
	}
	s->listen_fd = fd;

	core->log(m, PASST_LOG_INFO, "listening on %s; QEMU options: "
		  "-chardev socket,id=c0,path=%s -netdev vhost-user,id=n0,"
		  "chardev=c0 -device virtio-net-pci,netdev=n0 -object "
		  "memory-backend-memfd,id=m0,share=on,size=RAM -numa node,"
		  "memdev=m0", s->path, s->path);
	return 0;

fail:
	free(s->bounce);
	s->bounce = NULL;
	return rc;
}

/**
 * vhost_user_fini() - Drop the frontend, close the socket
 * @m:		This module
 *
 * #syscalls close
 */
static void vhost_user_fini(struct passt_mod *m)
{
	struct vhost_user *s = passt_priv(m);

	if (s->fd >= 0) {
		/* Shutting down: protocol modules are going too */
		s->guest_active = false;
		vhost_user_disconnect(m, s, "shutting down");
	}
	if (s->listen_fd >= 0) {
		passt_core(m)->fd_del(m, s->listen_fd);
		close(s->listen_fd);
		s->listen_fd = -1;
	}
	free(s->bounce);
	s->bounce = NULL;
}

/**
 * vhost_user_stats() - Counters for SIGUSR1
 * @m:		This module
 * @st:		Counters to fill
 * @n:		Room in @st
 *
 * Return: counters filled
 */
static size_t vhost_user_stats(struct passt_mod *m, struct passt_stat *st,
			       size_t n)
{
	const struct vhost_user *s = passt_priv(m);
	const struct vu_net *net = &s->net;
	const struct passt_stat all[] = {
		{ "connected", s->fd >= 0 },
		{ "rx_room", s->rx_room == SIZE_MAX ? 0 : s->rx_room },
		{ "rx_kicks", s->rx_kicks },
		{ "frames_gathered", s->old_gathered + net->tx_bounced },
		{ "drop_to_guest", s->old_dropped + net->rx_dropped },
		{ "drop_bad_chain", s->old_bad + net->tx_bad },
	};
	size_t k = sizeof(all) / sizeof(all[0]);

	if (k > n)
		k = n;
	memcpy(st, all, k * sizeof(*st));
	return k;
}

PASST_MODULE(
	.name		= "vhost_user",
	.kind		= PASST_MOD_BACKEND,
	.summary	= "vhost-user: virtqueues in shared guest memory",
	.priv_size	= sizeof(struct vhost_user),
	.syscalls	= module_syscalls,
	.config_keys	= vhost_user_keys,
	.configure	= vhost_user_configure,
	.init		= vhost_user_init,
	.fini		= vhost_user_fini,
	.on_fd		= vhost_user_on_fd,
	.on_timer	= vhost_user_on_timer,
	.on_defer	= vhost_user_on_defer,
	.send		= vhost_user_send,
	.stats		= vhost_user_stats,
);
