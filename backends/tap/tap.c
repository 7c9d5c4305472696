// SPDX-License-Identifier: GPL-2.0-or-later
/* tap.c - tap device in a network namespace, like pasta
 *
 * Theory of Operation
 * ===================
 *
 * What it does
 * ------------
 * The guest is a network namespace, and its stack the Linux kernel's own:
 * this backend gives it one Ethernet link, a tap interface, whose other end
 * is a file descriptor the daemon reads frames from and writes frames to.
 * Nothing is translated here: each read() of the tap is one whole frame from
 * the guest, handed to the core; each frame the core has for the guest is
 * one write(). The tap has no packet information header (IFF_NO_PI), but a
 * virtio-net header (IFF_VNET_HDR) in front of each frame, which lets the
 * guest kernel offload to us what no one needs done: TCP and UDP checksums
 * (nothing to verify in a frame that went from memory to memory; the
 * header says when a checksum was left out, and the frame is passed on
 * with PASST_FRAME_CSUM_OK) and TCP segmentation (a segment may be up to
 * 64 KiB long whatever the MTU: the tcp module takes it whole). Frames to
 * the guest carry a header saying their checksums are right
 * (VIRTIO_NET_HDR_F_DATA_VALID), as they are: the guest kernel skips
 * checking them, and a frame it forwards further still has them.
 *
 * Attaching
 * ---------
 * At init(), before the sandbox, with whatever privileges the daemon was
 * started with (see tap_ns.c for how, without moving the daemon itself):
 * - the target namespace is tap.netns (a path such as /run/netns/NAME, or a
 *   PID whose namespace is used), or with '-- COMMAND' a new one made for
 *   the command (tap.netns must then be empty);
 * - /dev/net/tun is opened there and the interface tap.ifname created, or
 *   attached if it exists (a persistent tap made by 'ip tuntap add');
 * - it is brought up with the configured MTU, and tap.mac if set (else the
 *   kernel's random address stays; the core learns the guest's MAC from its
 *   frames anyway);
 * - with tap.config_net, and always for a command's namespace, loopback is
 *   brought up and the guest's addresses and default routes are assigned
 *   there over netlink (tap_netlink.c), so no DHCP client is needed.
 * The descriptor then belongs to the target namespace for good, and keeps
 * working after the sandbox has dropped every privilege: a daemon started
 * as root with runas = "nobody" carries frames of a namespace root owns.
 * Any failure is one line, and init() fails: the daemon exits with 1.
 *
 * Frames
 * ------
 * From the guest: on EPOLLIN, up to TAP_BATCH frames are read (or until
 * EAGAIN) into a pool of slots allocated at init() (64 KiB and a header
 * each, the most a tap can carry; the pool is mapped with MAP_NORESERVE,
 * so pages only a jumbo frame would touch cost nothing until one comes),
 * and the whole batch goes to the core in one from_guest() call. A longer
 * backlog is read at the next wake-up (epoll is level-triggered), so other
 * descriptors get their turn.
 *
 * To the guest: send() gets the frames queued during a loop turn and
 * writes them one by one: a tap takes exactly one frame per write(), and
 * there is nothing to batch them with. If the tap's queue is full (EAGAIN:
 * the guest isn't reading fast enough), or the guest has taken its link
 * down (EIO), the rest of the batch is dropped and counted, with a
 * rate-limited debug line: the guest's TCP retransmits, and flows are kept,
 * so a link taken down and up again (as a DHCP client may do) loses
 * nothing but the frames in between. A frame the tap refuses alone (EINVAL,
 * EMSGSIZE: longer than the interface allows) is dropped the same way.
 *
 * Sockets in the namespace (the splice path)
 * ------------------------------------------
 * Connections between the guest namespace's loopback and the host's are
 * joined socket to socket (the tcp module splices them), which takes a
 * socket on each side: listening sockets of from = "guest" forwarding
 * rules at start-up, and one socket per connection from the host's
 * loopback to the guest's later on, inside the sandbox. guest_socket()
 * hands them out: right after attaching, a small helper process is forked
 * into the target namespace, sandboxed on its own (nobody, no
 * capabilities, a seccomp filter allowing little more than socket() and
 * passing descriptors), and it makes sockets on request, passed back over
 * a UNIX socket pair; the daemon waits TAP_SOCK_WAIT_MS at most for one,
 * the only time this backend blocks (tap_sock.c). The helper exits with
 * the daemon. A helper that can't start is an init() failure, like a tap
 * that can't be attached.
 *
 * When the tap goes away
 * ----------------------
 * The tap holds a reference to its namespace: 'ip netns del' only removes
 * the name, and the namespace lives on, with the interface, as long as the
 * daemon does (so does the command's, after the command has exited). The
 * interface itself can be deleted ('ip link del'), though: reads and writes
 * then fail with EBADFD (or the read side sees EPOLLERR, or EOF), and there
 * is no guest any more and, inside the sandbox, no way to attach again.
 * The descriptor is closed, protocol modules drop their flows
 * (guest_reset()), and the daemon exits with status 1 and one error line.
 * With a command, the daemon waits for the command instead, so that its
 * exit status is the one passed on.
 *
 * The command
 * -----------
 * 'passt [OPTIONS] -- COMMAND [ARG...]' runs COMMAND in a new network
 * namespace (and a new user namespace, owned by the command, when the
 * daemon isn't root), with the tap attached and configured before COMMAND
 * starts: it is held until start(), when the daemon is ready, so that the
 * forwarding table's listening sockets, its namespace's among them, are
 * there too. The core forces foreground mode. The command's exit is watched
 * through a pidfd; its exit status, or 128 plus the number of the signal
 * that ended it, becomes the daemon's. The daemon exits TAP_EXIT_LINGER_MS
 * later, not at once: what the command sent just before it exited may
 * still be on its way (a spliced connection to the host's loopback whose
 * connect() is still completing), and goes on meanwhile.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include <linux/virtio_net.h>

#include <passt/module.h>

#include "tap.h"

#include "syscalls.gen.h"

static const char *const tap_keys[] = {
	"config_net",
	"netns",
	"ifname",
	"mac",
	NULL
};

/**
 * tap_mac_parse() - Parse a unicast MAC address: six hex bytes with colons
 * @s:		Text
 * @mac:	Set to the address
 *
 * Return: 0, or -EINVAL if malformed, multicast or all zeroes
 */
static int tap_mac_parse(const char *s, uint8_t mac[PASST_ETH_ALEN])
{
	static const uint8_t zero[PASST_ETH_ALEN];
	unsigned int i, j;

	for (i = 0; i < PASST_ETH_ALEN; i++) {
		unsigned int v = 0;

		for (j = 0; j < 2; j++, s++) {
			char c = *s;

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned int)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned int)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned int)(c - 'A' + 10);
			else
				return -EINVAL;
		}
		mac[i] = (uint8_t)v;
		if (*s != (i == PASST_ETH_ALEN - 1 ? '\0' : ':'))
			return -EINVAL;
		s++;
	}
	if ((mac[0] & 1) || !memcmp(mac, zero, sizeof(zero)))
		return -EINVAL;
	return 0;
}

/**
 * tap_ifname_ok() - Whether an interface name is one the kernel takes
 * @s:		Name
 *
 * Return: true if 1 to 15 bytes, not "." or "..", without '/', ':' or
 *	   white space
 */
static bool tap_ifname_ok(const char *s)
{
	size_t len = strlen(s), i;

	if (!len || len >= PASST_IFNAME_MAX || !strcmp(s, ".") ||
	    !strcmp(s, ".."))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] == ' ' ||
		    (s[i] >= '\t' && s[i] <= '\r'))
			return false;
	return true;
}

/**
 * tap_configure() - Read and check the tap group
 * @m:		This module
 * @core:	Core services
 *
 * Whether a namespace is given at all is checked by init(): a group
 * without one is fine for --check-config.
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int tap_configure(struct passt_mod *m,
			 const struct passt_core_ops *core)
{
	struct tap_state *s = passt_priv(m);
	const char *mac = "";
	int rc;

	s->fd = -1;
	s->pidfd = -1;
	s->go = -1;
	s->sock_fd = -1;

	s->config_net = false;
	rc = core->cfg_bool(m, "config_net", &s->config_net);
	if (rc < 0)
		return rc;
	s->netns = "";
	rc = core->cfg_str(m, "netns", &s->netns);
	if (rc < 0)
		return rc;
	s->ifname = "tap0";
	rc = core->cfg_str(m, "ifname", &s->ifname);
	if (rc < 0)
		return rc;
	rc = core->cfg_str(m, "mac", &mac);
	if (rc < 0)
		return rc;

	if (!tap_ifname_ok(s->ifname)) {
		core->log(m, PASST_LOG_ERR, "ifname '%s': must be 1 to 15 "
			  "characters, without '/', ':' or spaces", s->ifname);
		return -EINVAL;
	}
	if (*mac) {
		if (tap_mac_parse(mac, s->mac)) {
			core->log(m, PASST_LOG_ERR, "mac '%s': expected a "
				  "unicast address such as 02:00:00:00:00:01",
				  mac);
			return -EINVAL;
		}
		s->mac_set = true;
	}
	return 0;
}

/**
 * tap_attach() - Find or make the namespace, open and configure the tap
 * @m:		This module
 * @argv:	Command to run in a new namespace, or NULL for tap.netns
 *
 * Return: 0, or -errno after one error line
 */
static int tap_attach(struct passt_mod *m, char *const *argv)
{
	const struct passt_core_ops *core = passt_core(m);
	struct tap_state *s = passt_priv(m);
	struct tap_ns_job job = { .netfd = -1, .userfd = -1 };
	char label[PASST_IFNAME_MAX + 64], what[TAP_ERR_MAX + 64];
	int go = -1, rc;

	if (argv) {
		snprintf(label, sizeof(label), "the command's namespace");
		rc = tap_ns_spawn(argv, &s->child, &s->pidfd, &go,
				  &job.netfd, what, sizeof(what));
	} else {
		snprintf(label, sizeof(label), "netns '%.*s'", 48, s->netns);
		rc = tap_ns_open(s->netns, &job.netfd, what, sizeof(what));
	}
	if (rc) {
		core->log(m, PASST_LOG_ERR, "%s", what);
		return rc;
	}

	job.userfd = tap_ns_userns(job.netfd);
	job.label = label;
	job.ifname = s->ifname;
	job.mac = s->mac_set ? s->mac : NULL;
	job.net = core->net(m);
	job.config_net = s->config_net || argv;
	rc = tap_ns_run(&job);
	/* While the namespace files are open: the helper joins it too */
	if (!rc) {
		rc = tap_sock_start(&job, &s->sock_fd, job.what,
				    sizeof(job.what));
		if (rc) {
			close(job.fd);
			job.fd = -1;
		}
	}

	close(job.netfd);
	if (job.userfd >= 0)
		close(job.userfd);

	if (argv && rc) {
		tap_ns_release(go, s->child, s->pidfd, false);
		s->pidfd = -1;
		s->child = 0;
	} else if (argv) {
		/* Held until start(): listening sockets the core opens after
		 * init() (from = "guest" rules) are there when it runs
		 */
		s->go = go;
	}
	if (rc) {
		core->log(m, PASST_LOG_ERR, "%s", job.what);
		return rc;
	}

	s->fd = job.fd;
	s->ifindex = job.ifindex;
	snprintf(s->name, sizeof(s->name), "%s", job.name);
	core->log(m, PASST_LOG_INFO, "%s (index %u) attached in %s, MTU %u%s",
		  s->name, s->ifindex, label, job.net->mtu,
		  job.config_net ? ", addresses and routes assigned" : "");
	return 0;
}

/**
 * tap_init() - Attach the tap, start the command, watch both
 * @m:		This module
 *
 * Return: 0, or -errno after one error line
 */
static int tap_init(struct passt_mod *m)
{
	const struct passt_core_ops *core = passt_core(m);
	struct tap_state *s = passt_priv(m);
	char *const *argv = core->command(m);
	int rc;

	if (argv && *s->netns) {
		core->log(m, PASST_LOG_ERR, "netns '%s' and a command after "
			  "'--' both name a namespace: the command gets a new "
			  "one; give one or the other", s->netns);
		return -EINVAL;
	}
	if (!argv && !*s->netns) {
		core->log(m, PASST_LOG_ERR, "netns: not set; give tap.netns "
			  "(/run/netns/NAME or a PID) or a command after '--'");
		return -EINVAL;
	}

	s->pool = mmap(NULL, TAP_POOL_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->pool == MAP_FAILED) {
		s->pool = NULL;
		return -errno;
	}

	if ((rc = tap_attach(m, argv)))
		goto fail;

	if ((rc = core->fd_add(m, s->fd, EPOLLIN, TAP_FD_TAP, 0))) {
		core->log(m, PASST_LOG_ERR, "cannot watch %s: %s", s->name,
			  strerror(-rc));
		goto fail;
	}
	if (argv) {
		if ((rc = core->fd_add(m, s->pidfd, EPOLLIN, TAP_FD_CHILD,
				       0))) {
			core->log(m, PASST_LOG_ERR, "cannot watch the command:"
				  " %s", strerror(-rc));
			goto fail;
		}
		core->log(m, PASST_LOG_INFO, "running %s as PID %d",
			  argv[0], (int)s->child);
	}
	return 0;

fail:
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	/* A command waiting to start exits when its pipe closes */
	if (s->go >= 0) {
		close(s->go);
		s->go = -1;
	}
	if (s->pidfd >= 0) {
		close(s->pidfd);
		s->pidfd = -1;
	}
	tap_sock_stop(s);
	munmap(s->pool, TAP_POOL_SIZE);
	s->pool = NULL;
	return rc;
}

/**
 * tap_start() - Inside the sandbox, ready: let the command run
 * @m:		This module
 *
 * Return: 0, or -errno if it can't be told (the core then exits, and the
 *	   command with it, at the end of its pipe)
 *
 * #syscalls write close
 */
static int tap_start(struct passt_mod *m)
{
	struct tap_state *s = passt_priv(m);
	ssize_t n;
	int rc = 0;

	if (s->go < 0)
		return 0;
	do
		n = write(s->go, "1", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		rc = n < 0 ? -errno : -EIO;
	close(s->go);
	s->go = -1;
	if (rc)
		passt_core(m)->log(m, PASST_LOG_ERR, "cannot start the "
				   "command: %s", strerror(-rc));
	return rc;
}

/**
 * tap_gone() - The tap is gone: no guest, and no way back
 * @m:		This module
 * @err:	errno of the failed read or write, 0 for EOF or EPOLLERR
 *
 * #syscalls close
 */
static void tap_gone(struct passt_mod *m, int err)
{
	const struct passt_core_ops *core = passt_core(m);
	struct tap_state *s = passt_priv(m);

	core->fd_del(m, s->fd);
	close(s->fd);
	s->fd = -1;
	core->guest_reset(m);

	if (s->pidfd >= 0) {
		core->log(m, PASST_LOG_INFO, "%s is gone (%s): waiting for "
			  "the command to exit", s->name,
			  err ? strerror(err) : "closed");
		return;
	}
	core->log(m, PASST_LOG_ERR, "%s is gone (%s): the interface was "
		  "deleted; exiting", s->name, err ? strerror(err) : "closed");
	core->quit(m, 1);
}

/**
 * tap_vnet_flags() - Frame flags from the virtio-net header the tap wrote
 * @hdr:	Header, TAP_VNET_HLEN bytes
 *
 * The kernel marks a frame whose checksum it left for the device to fill
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM: the field holds a partial sum) or knows to
 * be right (VIRTIO_NET_HDR_F_DATA_VALID); either way it came from memory.
 *
 * Return: PASST_FRAME_CSUM_OK or 0
 */
static uint8_t tap_vnet_flags(const uint8_t *hdr)
{
	if (hdr[0] & (VIRTIO_NET_HDR_F_NEEDS_CSUM |
		      VIRTIO_NET_HDR_F_DATA_VALID))
		return PASST_FRAME_CSUM_OK;
	return 0;
}

/**
 * tap_read() - Read a batch of frames from the guest, hand it to the core
 * @m:		This module
 * @events:	epoll events
 *
 * #syscalls read
 */
static void tap_read(struct passt_mod *m, uint32_t events)
{
	const struct passt_core_ops *core = passt_core(m);
	struct tap_state *s = passt_priv(m);
	size_t n = 0, reads;
	bool gone = false;
	int err = 0;

	/* Runts count too: a guest sending only those can't keep us here */
	for (reads = 0; reads < TAP_BATCH; reads++) {
		uint8_t *slot = s->pool + n * TAP_SLOT;
		ssize_t len = read(s->fd, slot, TAP_VNET_HLEN + TAP_FRAME_MAX);

		if (len < 0 && errno == EINTR) {
			reads--;
			continue;
		}
		if (len < 0 && errno == EAGAIN) {
			/* An error (a detached tap) and nothing to read */
			gone = !n && (events & (EPOLLERR | EPOLLHUP));
			break;
		}
		if (len <= 0) {
			err = len ? errno : 0;
			gone = true;
			break;
		}
		if (len < TAP_VNET_HLEN + PASST_ETH_HLEN) {
			core->log(m, PASST_LOG_TRACE | PASST_LOG_RATELIMIT,
				  "runt frame of %zd bytes: dropped", len);
			continue;
		}
		s->frames[n] = (struct passt_frame){
			.data = slot + TAP_VNET_HLEN,
			.len = (size_t)len - TAP_VNET_HLEN,
			.flags = tap_vnet_flags(slot),
		};
		n++;
	}

	if (n)
		core->from_guest(m, s->frames, n);
	if (gone)
		tap_gone(m, err);
}

/**
 * tap_child() - The command exited (or says so): pass its status on
 * @m:		This module
 *
 * #syscalls close
 */
static void tap_child(struct passt_mod *m)
{
	const struct passt_core_ops *core = passt_core(m);
	struct tap_state *s = passt_priv(m);
	int status = 1, rc;

	rc = tap_ns_status(s->pidfd, &status);
	if (!rc)
		return;
	if (rc < 0)
		core->log(m, PASST_LOG_ERR, "command: waitid: %s",
			  strerror(-rc));
	else
		core->log(m, PASST_LOG_INFO, "command exited with status %d",
			  status);

	core->fd_del(m, s->pidfd);
	close(s->pidfd);
	s->pidfd = -1;
	s->child = 0;
	s->exiting = true;
	s->status = status;
	core->timer_arm(m, TAP_EXIT_LINGER_MS);
}

/**
 * tap_on_timer() - The command exited a moment ago: now the daemon does
 * @m:		This module
 * @now:	Current time (unused)
 */
static void tap_on_timer(struct passt_mod *m, const struct timespec *now)
{
	const struct tap_state *s = passt_priv(m);

	(void)now;
	if (s->exiting)
		passt_core(m)->quit(m, s->status);
}

/**
 * tap_on_fd() - Event on the tap, or on the command's pidfd
 * @m:		This module
 * @type:	TAP_FD_TAP or TAP_FD_CHILD
 * @fd:		Descriptor (ours, in the state)
 * @data:	Unused
 * @events:	epoll events
 * @now:	Unused
 */
static void tap_on_fd(struct passt_mod *m, uint8_t type, int fd,
		      uint32_t data, uint32_t events,
		      const struct timespec *now)
{
	struct tap_state *s = passt_priv(m);

	(void)data;
	(void)now;

	if (type == TAP_FD_TAP && fd == s->fd)
		tap_read(m, events);
	else if (type == TAP_FD_CHILD && fd == s->pidfd)
		tap_child(m);
}

/**
 * tap_drop() - Count frames that won't reach the guest, say so (limited)
 * @m:		This module
 * @n:		How many
 * @why:	Why, as a phrase
 */
static void tap_drop(struct passt_mod *m, size_t n, const char *why)
{
	struct tap_state *s = passt_priv(m);

	s->dropped += n;
	passt_core(m)->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			   "%s: %zu frame%s dropped (%llu so far)", why, n,
			   n == 1 ? "" : "s", s->dropped);
}

/* Every frame we build has its checksums right: the guest needn't check */
static const uint8_t tap_vnet_valid[TAP_VNET_HLEN] = {
	VIRTIO_NET_HDR_F_DATA_VALID,		/* flags */
	VIRTIO_NET_HDR_GSO_NONE,		/* gso_type */
};

/**
 * tap_send() - Write frames to the guest, one writev() each
 * @m:		This module
 * @iov:	Frames, one per iovec
 * @n:		Number of frames
 *
 * Return: frames taken (written, or refused one by one by the tap); the
 *	   core drops the rest
 *
 * #syscalls writev
 */
static int tap_send(struct passt_mod *m, const struct iovec *iov, size_t n)
{
	struct tap_state *s = passt_priv(m);
	size_t i = 0;

	if (s->fd < 0)
		return 0;

	while (i < n) {
		struct iovec v[2] = {
			{ .iov_base = (void *)tap_vnet_valid,
			  .iov_len = sizeof(tap_vnet_valid) },
			iov[i],
		};

		if (writev(s->fd, v, 2) >= 0) {
			if (s->link_down) {
				s->link_down = false;
				passt_core(m)->log(m, PASST_LOG_DEBUG,
						   "%s: link up again",
						   s->name);
			}
			i++;
			continue;
		}
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
			tap_drop(m, n - i, "tap queue full");
			return (int)i;
		case EIO:
			s->link_down = true;
			tap_drop(m, n - i, "guest link down");
			return (int)i;
		case EINVAL:
		case EMSGSIZE:
			tap_drop(m, 1, "frame refused by the tap");
			i++;
			continue;
		default:
			tap_gone(m, errno);
			return (int)i;
		}
	}
	return (int)n;
}

/**
 * tap_fini() - Close the tap (the interface goes unless persistent) and the
 *		socket helper's pair (it exits)
 * @m:		This module
 *
 * #syscalls close munmap
 */
static void tap_fini(struct passt_mod *m)
{
	struct tap_state *s = passt_priv(m);

	if (s->dropped)
		passt_core(m)->log(m, PASST_LOG_DEBUG, "%llu frames to the "
				   "guest dropped in all", s->dropped);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
	if (s->go >= 0)
		close(s->go);
	s->go = -1;
	tap_sock_stop(s);
	if (s->pool)
		munmap(s->pool, TAP_POOL_SIZE);
	s->pool = NULL;
}

PASST_MODULE(
	.name		= "tap",
	.kind		= PASST_MOD_BACKEND,
	.summary	= "tap device in a network namespace, like pasta",
	.priv_size	= sizeof(struct tap_state),
	.syscalls	= module_syscalls,
	.config_keys	= tap_keys,
	.configure	= tap_configure,
	.init		= tap_init,
	.start		= tap_start,
	.fini		= tap_fini,
	.on_fd		= tap_on_fd,
	.on_timer	= tap_on_timer,
	.send		= tap_send,
	.guest_socket	= tap_sock_get,
);
