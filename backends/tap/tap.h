/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.h - State shared by the tap backend's files: settings, namespace job */

#ifndef TAP_H
#define TAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <passt/module.h>

#define TAP_BATCH	128			/* frames read per wake-up */
#define TAP_FRAME_MAX	(PASST_ETH_HLEN + 65535)	/* any IP datagram */
#define TAP_VNET_HLEN	10			/* struct virtio_net_hdr */
#define TAP_SLOT	((TAP_VNET_HLEN + TAP_FRAME_MAX + 63) & ~63)	/* stride */
#define TAP_POOL_SIZE	((size_t)TAP_BATCH * TAP_SLOT)
#define TAP_ERR_MAX	320			/* bytes of a failure's text */
#define TAP_SOCK_WAIT_MS 100			/* for the socket helper */
#define TAP_EXIT_LINGER_MS 200			/* after the command exits */

/* Kinds of file descriptor this module watches (on_fd() @type) */
#define TAP_FD_TAP	1			/* the tap queue */
#define TAP_FD_CHILD	2			/* pidfd of the command */

/**
 * struct tap_state - Settings and run-time state of the tap backend
 * @config_net:	Assign addresses, routes and MTU in the namespace
 * @mac_set:	@mac was configured
 * @mac:	Address of the tap interface itself (the guest's MAC)
 * @netns:	Target namespace: /run/netns/NAME, any nsfs path, or a PID
 * @ifname:	Interface to create or attach
 * @fd:		Tap queue, non-blocking, or -1
 * @pidfd:	pidfd of the command run in its own namespace, or -1
 * @go:		Pipe that lets the command run, until start(), or -1
 * @child:	PID of that command, or 0
 * @exiting:	The command exited: the daemon follows once this turn's
 *		work is through (TAP_EXIT_LINGER_MS)
 * @status:	Its exit status, then the daemon's
 * @ifindex:	Index of the interface in its namespace
 * @name:	Its name, as the kernel gave it
 * @link_down:	Writes fail with EIO: the guest took its link down
 * @sock_fd:	Our end of the socket helper's pair, or -1 (tap_sock.c)
 * @sock_id:	Number of the last request to the socket helper
 * @pool:	TAP_BATCH slots of TAP_SLOT bytes for frames read
 * @dropped:	Frames towards the guest dropped because the queue was full
 * @frames:	Descriptors of the batch being read
 */
struct tap_state {
	bool config_net;
	bool mac_set;
	uint8_t mac[PASST_ETH_ALEN];
	const char *netns;
	const char *ifname;

	int fd;
	int pidfd;
	int go;
	pid_t child;
	bool exiting;
	int status;
	unsigned int ifindex;
	char name[PASST_IFNAME_MAX];
	bool link_down;
	int sock_fd;
	uint32_t sock_id;
	uint8_t *pool;
	unsigned long long dropped;
	struct passt_frame frames[TAP_BATCH];
};

/**
 * struct tap_ns_job - Work done inside the target namespace, and its outcome
 * @netfd:	Target network namespace (nsfs file)
 * @userfd:	User namespace owning it, or -1: joined first if needed
 * @label:	How to name the namespace in messages
 * @ifname:	Interface to create or attach
 * @mac:	Address to give it, or NULL to keep the kernel's
 * @net:	Network settings (MTU; addresses and routes if @config_net)
 * @config_net:	Also bring up loopback, assign addresses and routes
 * @fd:		Out: tap queue, -1 on failure
 * @ifindex:	Out: interface index in the namespace
 * @name:	Out: interface name
 * @err:	Out: 0, or -errno of the step that failed...
 * @what:	Out: ...described here, for the log line
 */
struct tap_ns_job {
	int netfd;
	int userfd;
	const char *label;
	const char *ifname;
	const uint8_t *mac;
	const struct passt_netcfg *net;
	bool config_net;

	int fd;
	unsigned int ifindex;
	char name[PASST_IFNAME_MAX];
	int err;
	char what[TAP_ERR_MAX];
};

/* tap_ns.c: namespaces, the helper that works inside them, the command */
int tap_ns_open(const char *netns, int *netfd, char *what, size_t size);
int tap_ns_userns(int netfd);
int tap_ns_run(struct tap_ns_job *job);
int tap_ns_spawn(char *const *argv, pid_t *pid, int *pidfd, int *go,
		 int *netfd, char *what, size_t size);
int tap_ns_release(int go, pid_t pid, int pidfd, bool ok);
int tap_ns_status(int pidfd, int *status);

/* tap_sock.c: the helper making sockets in the guest's namespace */
bool tap_sock_req_ok(int domain, int type);
int tap_sock_filter(void);
void tap_sock_serve(int sock);
void tap_sock_exit(int status);
int tap_sock_start(const struct tap_ns_job *job, int *fd, char *what,
		   size_t size);
int tap_sock_get(struct passt_mod *m, int domain, int type, int protocol);
void tap_sock_stop(struct tap_state *s);

/* tap_netlink.c: link, addresses and routes, from inside the namespace */
int tap_netlink_setup(struct tap_ns_job *job);

#endif /* TAP_H */
