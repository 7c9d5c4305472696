// SPDX-License-Identifier: GPL-2.0-or-later
/* ops.c - The table of core services handed to every module
 *
 * Each service takes the calling module's record first, so the core knows
 * who is asking: flows are owned by the module that made them, log lines
 * carry its name, fds it watches come back to it, and a module can't touch
 * what belongs to another. This file only translates: the work is done by
 * loop.c, flow.c, fwd.c, frame.c and conf.c.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "csum.h"
#include "flow.h"
#include "frame.h"
#include "fwd.h"
#include "log.h"
#include "loop.h"
#include "modload.h"
#include "ops.h"
#include "pcap.h"
#include "pif.h"
#include "stats.h"
#include "util.h"

/**
 * ops_log() - Log a line prefixed with the module's name
 * @m:		Module
 * @level:	PASST_LOG_*, possibly with PASST_LOG_RATELIMIT
 * @fmt:	printf format, then its arguments
 */
__attribute__((format(printf, 3, 4)))
static void ops_log(struct passt_mod *m, int level, const char *fmt, ...)
{
	va_list ap;

	if ((level & ~PASST_LOG_RATELIMIT) > log_get_level())
		return;
	if ((level & PASST_LOG_RATELIMIT) &&
	    !log_ratelimit(&m->rl_tokens, &m->rl_sec))
		return;

	va_start(ap, fmt);
	vlogmsg(level, m->name, fmt, ap);
	va_end(ap);
}

/**
 * ops_cfg_int() - Integer setting of the module's group
 * @m:		Module
 * @key:	Key
 * @v:		Value, set if found
 *
 * Return: 0 found, 1 absent, -EINVAL wrong type or undeclared key
 */
static int ops_cfg_int(struct passt_mod *m, const char *key, long long *v)
{
	config_setting_t *s;
	int rc = conf_mod_get(m->name, m->desc->config_keys, key,
			      CONFIG_TYPE_INT, &s);

	if (!rc)
		*v = config_setting_get_int64(s);
	return rc;
}

/**
 * ops_cfg_bool() - Boolean setting of the module's group
 * @m:		Module
 * @key:	Key
 * @v:		Value, set if found
 *
 * Return: 0 found, 1 absent, -EINVAL wrong type or undeclared key
 */
static int ops_cfg_bool(struct passt_mod *m, const char *key, bool *v)
{
	config_setting_t *s;
	int rc = conf_mod_get(m->name, m->desc->config_keys, key,
			      CONFIG_TYPE_BOOL, &s);

	if (!rc)
		*v = config_setting_get_bool(s);
	return rc;
}

/**
 * ops_cfg_str() - String setting of the module's group
 * @m:		Module
 * @key:	Key
 * @v:		Value, set if found (valid as long as the module)
 *
 * Return: 0 found, 1 absent, -EINVAL wrong type or undeclared key
 */
static int ops_cfg_str(struct passt_mod *m, const char *key, const char **v)
{
	config_setting_t *s;
	int rc = conf_mod_get(m->name, m->desc->config_keys, key,
			      CONFIG_TYPE_STRING, &s);

	if (!rc)
		*v = config_setting_get_string(s);
	return rc;
}

/**
 * ops_cfg_list_len() - Number of elements of a list or array setting
 * @m:		Module
 * @key:	Key
 * @n:		Count, set if found
 *
 * Return: 0 found, 1 absent, -EINVAL wrong type or undeclared key
 */
static int ops_cfg_list_len(struct passt_mod *m, const char *key, size_t *n)
{
	config_setting_t *s;
	int rc = conf_mod_get(m->name, m->desc->config_keys, key,
			      CONFIG_TYPE_ARRAY, &s);

	if (!rc)
		*n = (size_t)config_setting_length(s);
	return rc;
}

/**
 * ops_cfg_list_str() - String element of a list or array setting
 * @m:		Module
 * @key:	Key
 * @idx:	Element index
 * @v:		Value, set if found
 *
 * Return: 0 found, 1 absent, -EINVAL wrong type, undeclared key or bad
 *	   index
 */
static int ops_cfg_list_str(struct passt_mod *m, const char *key, size_t idx,
			    const char **v)
{
	config_setting_t *s, *e;
	char where[PATH_MAX + 16];
	int rc = conf_mod_get(m->name, m->desc->config_keys, key,
			      CONFIG_TYPE_ARRAY, &s);

	if (rc)
		return rc;
	if (idx >= (size_t)config_setting_length(s))
		return -EINVAL;
	e = config_setting_get_elem(s, (unsigned int)idx);
	if (config_setting_type(e) != CONFIG_TYPE_STRING) {
		err("%s: %s.%s[%zu]: expected a string",
		    conf_where(e, where, sizeof(where)), m->name, key, idx);
		return -EINVAL;
	}
	*v = config_setting_get_string(e);
	return 0;
}

/**
 * ops_net() - Resolved network settings
 * @m:		Module, or NULL
 *
 * Return: the core's settings (live)
 */
static const struct passt_netcfg *ops_net(struct passt_mod *m)
{
	(void)m;
	return &conf.net;
}

/**
 * ops_fd_add() - Watch an fd for the module
 * @m:		Module
 * @fd:		File descriptor
 * @events:	EPOLL* events
 * @type:	Module's type, 0 to 254
 * @data:	Module's data, 24 bits
 *
 * Return: 0, or -errno
 */
static int ops_fd_add(struct passt_mod *m, int fd, uint32_t events,
		      uint8_t type, uint32_t data)
{
	if (type == PASST_FD_LISTEN)
		return -EINVAL;
	return loop_fd_add(m->idx, fd, events, type, data);
}

/**
 * ops_fd_mod() - Change a watched fd of the module
 * @m:		Module
 * @fd:		File descriptor
 * @events:	EPOLL* events
 * @type:	Module's type
 * @data:	Module's data, 24 bits
 *
 * Return: 0, or -errno
 */
static int ops_fd_mod(struct passt_mod *m, int fd, uint32_t events,
		      uint8_t type, uint32_t data)
{
	return loop_fd_mod(m->idx, fd, events, type, data);
}

/**
 * ops_fd_del() - Stop watching an fd
 * @m:		Module
 * @fd:		File descriptor
 */
static void ops_fd_del(struct passt_mod *m, int fd)
{
	(void)m;
	loop_fd_del(fd);
}

/**
 * ops_timer_arm() - One on_timer() call in @ms milliseconds
 * @m:		Module
 * @ms:		Delay, 0 cancels
 */
static void ops_timer_arm(struct passt_mod *m, uint32_t ms)
{
	m->oneshot_armed = ms > 0;
	if (ms) {
		m->oneshot = *loop_now();
		m->oneshot.tv_sec += ms / 1000;
		m->oneshot.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (m->oneshot.tv_nsec >= 1000000000L) {
			m->oneshot.tv_sec++;
			m->oneshot.tv_nsec -= 1000000000L;
		}
	}
	loop_timers_dirty();
}

/**
 * ops_defer() - on_defer() at the end of this loop turn
 * @m:		Module
 */
static void ops_defer(struct passt_mod *m)
{
	m->deferred = true;
	loop_defer_request();
}

/**
 * ops_now() - Time of the current loop turn
 * @m:		Module
 *
 * Return: CLOCK_MONOTONIC time
 */
static const struct timespec *ops_now(struct passt_mod *m)
{
	(void)m;
	return loop_now();
}

/**
 * ops_priv() - The module's state
 * @m:		Module
 *
 * Return: priv_size bytes, zeroed at load
 */
static void *ops_priv(struct passt_mod *m)
{
	return m->head.priv;
}

/**
 * ops_frame_alloc() - Room for a frame in the queue towards the guest
 * @m:		Module
 * @len:	Largest length the frame may have
 *
 * Return: buffer, or NULL
 */
static void *ops_frame_alloc(struct passt_mod *m, size_t len)
{
	(void)m;
	return frame_txq_alloc(len);
}

/**
 * ops_frame_send() - Queue the frame built in the last allocation
 * @m:		Module
 * @len:	Its length
 *
 * Return: 0, or -errno
 */
static int ops_frame_send(struct passt_mod *m, size_t len)
{
	int rc = frame_txq_commit(len);

	if (!rc)
		stats_to_guest(m->idx, 1, len);
	return rc;
}

/**
 * ops_frames_reserve() - Room for a batch of frames towards the guest
 * @m:		Module
 * @n:		Frames wanted
 * @len:	Largest length of each
 * @bufs:	Set to each slot
 *
 * Return: slots reserved
 */
static size_t ops_frames_reserve(struct passt_mod *m, size_t n, size_t len,
				 uint8_t **bufs)
{
	(void)m;
	return frame_txq_reserve(n, len, bufs);
}

/**
 * ops_frames_commit() - Queue frames of the last reservation
 * @m:		Module
 * @n:		How many
 * @lens:	Their lengths
 *
 * Return: 0, or -EINVAL
 */
static int ops_frames_commit(struct passt_mod *m, size_t n,
			     const size_t *lens)
{
	size_t i, frames = 0, bytes = 0;
	int rc = frame_txq_commit_n(n, lens);

	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		frames += !!lens[i];
		bytes += lens[i];
	}
	stats_to_guest(m->idx, frames, bytes);
	return 0;
}

/**
 * ops_to_guest() - Queue one frame gathered from iovecs
 * @m:		Module
 * @iov:	Pieces of the frame
 * @n:		Number of pieces
 *
 * Return: 0, or -errno
 */
static int ops_to_guest(struct passt_mod *m, const struct iovec *iov,
			size_t n)
{
	size_t i, bytes = 0;
	int rc = frame_txq_copy(iov, n);

	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		bytes += iov[i].iov_len;
	stats_to_guest(m->idx, 1, bytes);
	return 0;
}

/**
 * ops_flush() - Hand queued frames to the backend now
 * @m:		Module
 */
static void ops_flush(struct passt_mod *m)
{
	(void)m;
	frame_txq_flush();
}

/**
 * ops_deliver() - Hand one module its frames of a batch
 * @opaque:	Frames delivered so far in this call of ops_from_guest()
 * @owner:	Module index
 * @f:		Frames
 * @n:		Number of frames
 */
static void ops_deliver(void *opaque, unsigned int owner,
			const struct passt_frame *f, size_t n)
{
	struct passt_mod *m = modload_by_idx(owner);
	size_t *delivered = opaque, i, bytes = 0;

	ASSERT(m && m->desc->on_frames);
	for (i = 0; i < n; i++)
		bytes += f[i].len;
	stats_from_guest(owner, n, bytes);
	*delivered += n;
	m->desc->on_frames(m, f, n, loop_now());
}

/**
 * ops_from_guest() - A backend hands over frames from the guest
 * @m:		Module (must be the backend)
 * @f:		Frames (data and len set)
 * @n:		Number of frames
 *
 * Return: frames delivered or answered, or -EPERM for a non-backend
 */
static int ops_from_guest(struct passt_mod *m, const struct passt_frame *f,
			  size_t n)
{
	size_t i, bytes = 0, delivered = 0, done;

	if (m != mod_backend)
		return -EPERM;
	for (i = 0; i < n; i++) {
		pcap_frame(f[i].data, f[i].len);
		bytes += f[i].len;
	}
	stats_from_guest(m->idx, n, bytes);
	done = frame_from_guest(f, n, &conf.net, ops_deliver, &delivered);
	stats_core_add(STATS_ARP_ANSWERED, done - MIN(done, delivered));
	stats_core_add(STATS_DROP_UNHANDLED, n - MIN(n, done));
	return (int)done;
}

/**
 * ops_guest_reset() - The guest went away: every module drops its flows
 * @m:		Module (the backend)
 */
static void ops_guest_reset(struct passt_mod *m)
{
	unsigned int i;

	info("%s: guest disconnected: resetting flows", m->name);
	for (i = 1; i < mods_n; i++)
		if (mods[i] != m && mods[i]->desc->on_reset)
			mods[i]->desc->on_reset(mods[i]);
	memset(conf.net.guest_mac, 0xff, sizeof(conf.net.guest_mac));
}

/**
 * ops_quit() - Leave the loop, then exit with a status
 * @m:		Module
 * @status:	Exit status
 */
static void ops_quit(struct passt_mod *m, int status)
{
	debug("%s: asks to exit with status %d", m->name, status);
	loop_quit(status);
}

/**
 * ops_command() - The command to run in the guest's namespace
 * @m:		Module
 *
 * Return: argv after '--', NULL-terminated, or NULL
 */
static char *const *ops_command(struct passt_mod *m)
{
	(void)m;
	return conf.cmd;
}

/**
 * ops_flow_new() - Allocate a flow owned by the module
 * @m:		Module
 * @proto:	IP protocol
 * @type:	Module's tag
 *
 * Return: flow index, or -ENOSPC
 */
static int ops_flow_new(struct passt_mod *m, uint8_t proto, uint8_t type)
{
	return flow_alloc((uint8_t)m->idx, proto, type);
}

/**
 * ops_flow_at() - A flow of the module
 * @m:		Module
 * @idx:	Flow index
 *
 * Return: flow, or NULL if it isn't the module's
 */
static struct passt_flow *ops_flow_at(struct passt_mod *m, unsigned int idx)
{
	return flow_get(idx, (uint8_t)m->idx);
}

/**
 * ops_flow_hash() - Make one side of a flow findable
 * @m:		Module
 * @idx:	Flow index
 * @side:	PASST_INISIDE or PASST_TGTSIDE
 *
 * Return: 0, -EEXIST, or -EINVAL if the flow isn't the module's
 */
static int ops_flow_hash(struct passt_mod *m, unsigned int idx,
			 unsigned int side)
{
	if (!flow_get(idx, (uint8_t)m->idx))
		return -EINVAL;
	return flow_hash_side(idx, side);
}

/**
 * ops_flow_find() - Find a flow of the module by one side's tuple
 * @m:		Module
 * @pif:	Interface of the side
 * @proto:	IP protocol
 * @eaddr:	Endpoint address
 * @eport:	Endpoint port
 * @oaddr:	Our address
 * @oport:	Our port
 * @side:	Set to the side found, if not NULL
 *
 * Return: flow index, or -ENOENT
 */
static int ops_flow_find(struct passt_mod *m, uint8_t pif, uint8_t proto,
			 const union passt_inany *eaddr, uint16_t eport,
			 const union passt_inany *oaddr, uint16_t oport,
			 unsigned int *side)
{
	return flow_lookup((uint8_t)m->idx, pif, proto, eaddr, eport, oaddr,
			   oport, side);
}

/**
 * ops_flow_free() - Release a flow of the module
 * @m:		Module
 * @idx:	Flow index
 */
static void ops_flow_free(struct passt_mod *m, unsigned int idx)
{
	if (flow_get(idx, (uint8_t)m->idx))
		flow_release(idx);
}

/**
 * ops_flow_max() - Capacity of the flow table
 * @m:		Module
 *
 * Return: number of flows
 */
static unsigned int ops_flow_max(struct passt_mod *m)
{
	(void)m;
	return flow_capacity();
}

/**
 * ops_fwd_rule() - A forwarding rule
 * @m:		Module
 * @idx:	Rule index
 *
 * Return: rule (a tombstone too, if a reload removed it), or NULL
 */
static const struct passt_fwd_rule *ops_fwd_rule(struct passt_mod *m,
						 unsigned int idx)
{
	(void)m;
	return fwd_rule(&conf.fwd, idx);
}

/**
 * ops_fwd_lookup() - The rule forwarding a port
 * @m:		Module
 * @pif:	Where packets arrive
 * @proto:	IP protocol
 * @addr:	Address they arrive at, or NULL
 * @port:	Port they arrive at
 *
 * Return: rule index, or -ENOENT
 */
static int ops_fwd_lookup(struct passt_mod *m, uint8_t pif, uint8_t proto,
			  const union passt_inany *addr, uint16_t port)
{
	(void)m;
	return fwd_lookup(&conf.fwd, pif, proto, addr, port);
}

/**
 * ops_pif_name() - Name of a pif
 * @m:		Module
 * @pif:	pif
 *
 * Return: name, or NULL
 */
static const char *ops_pif_name(struct passt_mod *m, uint8_t pif)
{
	(void)m;
	return pif_name(pif);
}

/**
 * ops_guest_socket() - A socket in the guest's network namespace
 * @m:		Module
 * @domain:	socket(2) domain
 * @type:	socket(2) type
 * @protocol:	socket(2) protocol
 *
 * Return: socket, -ENOTSUP if the backend has no namespace, or -errno
 */
static int ops_guest_socket(struct passt_mod *m, int domain, int type,
			    int protocol)
{
	(void)m;
	if (!mod_backend || !mod_backend->desc->guest_socket)
		return -ENOTSUP;
	return mod_backend->desc->guest_socket(mod_backend, domain, type,
					       protocol);
}

/**
 * ops_claimed() - Whether a loaded module takes frames matching a claim
 * @m:		Module
 * @claim:	Claim to look for, exactly
 *
 * Return: true if some module made that claim
 */
static bool ops_claimed(struct passt_mod *m, const struct passt_claim *claim)
{
	(void)m;
	return frame_claim_exists(claim);
}

/**
 * ops_tx_room() - Bytes of frames the backend can take now
 * @m:		Module
 * @want:	Bytes it needs: with less, on_tx_ready() once they are there
 *
 * Return: bytes, SIZE_MAX if the backend never pushes back
 */
static size_t ops_tx_room(struct passt_mod *m, size_t want)
{
	size_t room = frame_txq_room(want);

	if (room < want)
		m->tx_wait = true;
	return room;
}

/**
 * ops_tx_window() - The backend says how much more it can take
 * @m:		Module, the backend (others are ignored)
 * @bytes:	Bytes of frames beyond what it holds, SIZE_MAX for no limit
 */
static void ops_tx_window(struct passt_mod *m, size_t bytes)
{
	if (m != mod_backend) {
		ops_log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			"tx_window() is for backends: ignored");
		return;
	}
	frame_txq_window(bytes);
}

/**
 * ops_tx_wake() - There is room again: on_tx_ready() for those waiting
 */
void ops_tx_wake(void)
{
	unsigned int i;

	for (i = 1; i < mods_n; i++) {
		struct passt_mod *m = mods[i];

		if (!m->tx_wait)
			continue;
		m->tx_wait = false;
		if (m->desc->on_tx_ready)
			m->desc->on_tx_ready(m);
	}
}

const struct passt_core_ops core_ops = {
	.size		= sizeof(struct passt_core_ops),
	.log		= ops_log,
	.cfg_int	= ops_cfg_int,
	.cfg_bool	= ops_cfg_bool,
	.cfg_str	= ops_cfg_str,
	.cfg_list_len	= ops_cfg_list_len,
	.cfg_list_str	= ops_cfg_list_str,
	.net		= ops_net,
	.fd_add		= ops_fd_add,
	.fd_mod		= ops_fd_mod,
	.fd_del		= ops_fd_del,
	.timer_arm	= ops_timer_arm,
	.defer		= ops_defer,
	.now		= ops_now,
	.priv		= ops_priv,
	.frame_alloc	= ops_frame_alloc,
	.frame_send	= ops_frame_send,
	.frames_reserve	= ops_frames_reserve,
	.frames_commit	= ops_frames_commit,
	.to_guest	= ops_to_guest,
	.flush		= ops_flush,
	.from_guest	= ops_from_guest,
	.guest_reset	= ops_guest_reset,
	.quit		= ops_quit,
	.command	= ops_command,
	.flow_new	= ops_flow_new,
	.flow_at	= ops_flow_at,
	.flow_hash	= ops_flow_hash,
	.flow_find	= ops_flow_find,
	.flow_free	= ops_flow_free,
	.flow_max	= ops_flow_max,
	.fwd_rule	= ops_fwd_rule,
	.fwd_lookup	= ops_fwd_lookup,
	.pif_name	= ops_pif_name,
	.guest_socket	= ops_guest_socket,
	.claimed	= ops_claimed,
	.csum		= csum_unfolded,
	.tx_room	= ops_tx_room,
	.tx_window	= ops_tx_window,
};
