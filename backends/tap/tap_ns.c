// SPDX-License-Identifier: GPL-2.0-or-later
/* tap_ns.c - Network namespaces for the tap backend: join, create, wait
 *
 * setns(2) moves one thread, and every other module's host sockets must stay
 * in the daemon's own namespace, so the daemon never moves: a helper made
 * with clone(CLONE_VM | CLONE_FILES | CLONE_VFORK) joins the target
 * namespace, opens the tap there and configures it, then exits. It shares
 * our memory (its outcome is written straight into the job) and our file
 * table (the tap descriptor it opens is ours), and the daemon sleeps until
 * it is done, so nothing runs concurrently. Without CLONE_FS it may join a
 * user namespace as well, which a process sharing its filesystem context
 * may not.
 *
 * A namespace owned by another user namespace (a PID started with
 * 'unshare -rn', or the command's namespace when we are not root) can't be
 * joined without privileges there: the helper then joins the owning user
 * namespace first, where our user, as its creator's, holds every
 * capability. Root joins directly and never changes user namespace.
 *
 * The command after '--' runs in a child forked here, which makes its own
 * network (and UTS) namespace, with a user namespace first when it can't
 * otherwise (not root): the child owns it, not the daemon, so the daemon's
 * sandbox later switches to its runas user as usual. The child reports on
 * one pipe that its namespaces exist, then waits on another until the tap
 * is attached and configured and the daemon is ready (the backend's
 * start()), so the command starts with its network up.
 * A pidfd tells the event loop when it exits; waitid(P_PIDFD) reads its
 * status. It also gets SIGTERM if the daemon dies first (PR_SET_PDEATHSIG):
 * its network would be gone anyway.
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/if_tun.h>
#include <linux/nsfs.h>

#include "tap.h"

#define TAP_NS_STACK	(256 * 1024)	/* the helper's stack */
#define TAP_NS_PATH	64		/* /proc/PID/ns/... */

/* Steps of the command child, reported with an errno on the ready pipe */
enum tap_ns_step {
	TAP_NS_STEP_OK,
	TAP_NS_STEP_USERNS,
	TAP_NS_STEP_IDMAP,
	TAP_NS_STEP_NETNS,
	TAP_NS_STEP_NUM,
};

static const char *const tap_ns_step_str[] = {
	"ok",
	"cannot create a user namespace",
	"cannot map our user in the new user namespace",
	"cannot create a network namespace",
};

_Static_assert(sizeof(tap_ns_step_str) / sizeof(tap_ns_step_str[0]) ==
	       TAP_NS_STEP_NUM, "a name for every step");

/**
 * tap_ns_is_pid() - Whether a netns setting names a process
 * @s:		Setting
 *
 * Return: true if @s is 1 to 10 decimal digits
 */
static bool tap_ns_is_pid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return i > 0 && i <= 10;
}

/**
 * tap_ns_open() - Open the network namespace a setting names
 * @netns:	/run/netns/NAME, another nsfs path, or a PID
 * @netfd:	Set to the open namespace file
 * @what:	Set to a complete message on failure
 * @size:	Size of @what
 *
 * Return: 0, or -errno
 */
int tap_ns_open(const char *netns, int *netfd, char *what, size_t size)
{
	char path[TAP_NS_PATH];
	const char *p = netns;
	int fd, type;

	if (tap_ns_is_pid(netns)) {
		snprintf(path, sizeof(path), "/proc/%s/ns/net", netns);
		p = path;
	}

	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;

		if (p == path)
			snprintf(what, size, "netns '%s': no such process "
				 "(%s: %s)", netns, path, strerror(-rc));
		else
			snprintf(what, size, "netns '%s': %s; expected "
				 "/run/netns/NAME or a PID", netns,
				 strerror(-rc));
		return rc;
	}

	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET) {
		snprintf(what, size, "netns '%s': not a network namespace; "
			 "expected /run/netns/NAME or a PID", netns);
		close(fd);
		return -EINVAL;
	}

	*netfd = fd;
	return 0;
}

/**
 * tap_ns_userns() - User namespace owning a network namespace, if not ours
 * @netfd:	Network namespace
 *
 * Return: fd of the owning user namespace if it differs from ours, else -1
 * (also when the kernel won't say: joining directly is then all we can do)
 */
int tap_ns_userns(int netfd)
{
	struct stat st, own;
	int fd;

	fd = ioctl(netfd, NS_GET_USERNS);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || stat("/proc/self/ns/user", &own) ||
	    (st.st_dev == own.st_dev && st.st_ino == own.st_ino)) {
		close(fd);
		return -1;
	}
	return fd;
}

/**
 * tap_ns_fail() - Record why the helper failed
 * @job:	Job
 * @rc:		-errno
 * @fmt:	What was being done, printf format, then its arguments
 *
 * Return: 1, the helper's exit status
 */
__attribute__((format(printf, 3, 4)))
static int tap_ns_fail(struct tap_ns_job *job, int rc, const char *fmt, ...)
{
	char step[TAP_ERR_MAX - 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(step, sizeof(step), fmt, ap);
	va_end(ap);

	job->err = rc;
	snprintf(job->what, sizeof(job->what), "%s: %s", step,
		 strerror(-rc));
	return 1;
}

/**
 * tap_ns_join() - Enter the target network namespace (helper only)
 * @job:	Job
 *
 * Return: 0, or 1 after recording why not
 */
static int tap_ns_join(struct tap_ns_job *job)
{
	if (!setns(job->netfd, CLONE_NEWNET))
		return 0;
	if (errno != EPERM || job->userfd < 0)
		return tap_ns_fail(job, -errno, "cannot join %s", job->label);

	/* Not privileged there: become so in the user namespace owning it */
	if (setns(job->userfd, CLONE_NEWUSER))
		return tap_ns_fail(job, -errno, "cannot join the user "
				   "namespace owning %s", job->label);
	if (setns(job->netfd, CLONE_NEWNET))
		return tap_ns_fail(job, -errno, "cannot join %s", job->label);
	return 0;
}

/**
 * tap_ns_offload() - Set the tap's virtio-net header and offloads
 * @fd:		The tap, attached
 *
 * Checksum offload: the guest kernel leaves TCP and UDP checksums out of
 * what it sends (a frame it hands us never touched a wire, so there is
 * nothing to verify, see tap_read()), and TCP segmentation offload: it may
 * send a TCP segment up to 64 KiB whatever the MTU, one read() instead of
 * up to 44. No UDP offloads: a datagram is always one whole frame.
 *
 * Return: 0, or -1 with errno set
 */
static int tap_ns_offload(int fd)
{
	int hdrlen = TAP_VNET_HLEN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdrlen))
		return -1;
	return ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
}

/**
 * tap_ns_helper() - Inside the target namespace: open the tap, configure it
 * @arg:	Job (shared memory: the daemon reads the outcome from it)
 *
 * Return: 0 on success, 1 on failure (details in the job)
 */
static int tap_ns_helper(void *arg)
{
	struct tap_ns_job *job = arg;
	struct ifreq ifr;
	int fd, rc;

	if (tap_ns_join(job))
		return 1;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tap_ns_fail(job, -errno, "cannot open /dev/net/tun in "
				   "%s", job->label);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", job->ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		rc = -errno;
		close(fd);
		return tap_ns_fail(job, rc, "cannot create or attach tap "
				   "interface '%s' in %s", job->ifname,
				   job->label);
	}
	if (tap_ns_offload(fd)) {
		rc = -errno;
		close(fd);
		return tap_ns_fail(job, rc, "tap interface '%s' in %s: cannot "
				   "set its offloads", job->ifname,
				   job->label);
	}
	snprintf(job->name, sizeof(job->name), "%.*s",
		 (int)sizeof(ifr.ifr_name), ifr.ifr_name);

	job->ifindex = if_nametoindex(job->name);
	if (!job->ifindex) {
		rc = -errno;
		close(fd);
		return tap_ns_fail(job, rc, "%s in %s: no index", job->name,
				   job->label);
	}

	if (tap_netlink_setup(job)) {
		close(fd);
		return 1;
	}

	job->fd = fd;
	return 0;
}

/**
 * tap_ns_run() - Run the helper in the target namespace, wait for it
 * @job:	Job: inputs set, outputs filled in
 *
 * Return: 0 with @job->fd open, or -errno with @job->what saying why
 */
int tap_ns_run(struct tap_ns_job *job)
{
	uint8_t *stack;
	int status;
	pid_t pid;

	job->fd = -1;
	job->err = 0;
	job->what[0] = '\0';

	stack = mmap(NULL, TAP_NS_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		tap_ns_fail(job, -errno, "stack for the namespace helper");
		return job->err;
	}

	/* CLONE_VFORK: we sleep until it exits, so our state is its alone */
	pid = clone(tap_ns_helper, stack + TAP_NS_STACK,
		    CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD, job);
	if (pid < 0) {
		tap_ns_fail(job, -errno, "cannot start the namespace helper");
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!job->err && (!WIFEXITED(status) || WEXITSTATUS(status)))
			tap_ns_fail(job, -ECHILD, "namespace helper died");
	}
	munmap(stack, TAP_NS_STACK);

	if (job->err && job->fd >= 0) {
		close(job->fd);
		job->fd = -1;
	}
	return job->err;
}

/**
 * tap_ns_write_file() - Write a short text to a /proc file in one go
 * @path:	File
 * @text:	Text
 *
 * Return: 0, or -errno
 */
static int tap_ns_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	close(fd);
	return rc;
}

/**
 * tap_ns_child_userns() - Make a user namespace where we are root (child)
 * @uid:	Our user ID outside, mapped to 0
 * @gid:	Our group ID outside, mapped to 0
 *
 * Return: TAP_NS_STEP_OK, or the step that failed with errno set
 */
static enum tap_ns_step tap_ns_child_userns(uid_t uid, gid_t gid)
{
	char map[64];
	int rc;

	if (unshare(CLONE_NEWUSER))
		return TAP_NS_STEP_USERNS;

	/* The kernel takes an unprivileged gid_map only with this denied */
	rc = tap_ns_write_file("/proc/self/setgroups", "deny");
	if (rc && rc != -ENOENT)
		goto fail;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	if ((rc = tap_ns_write_file("/proc/self/uid_map", map)))
		goto fail;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	if ((rc = tap_ns_write_file("/proc/self/gid_map", map)))
		goto fail;
	return TAP_NS_STEP_OK;
fail:
	errno = -rc;
	return TAP_NS_STEP_IDMAP;
}

/**
 * tap_ns_child() - The command's side of the fork: namespaces, wait, exec
 * @argv:	Command and arguments
 * @ready:	Pipe to report on: step and errno, two ints
 * @go:		Pipe to wait on: one byte when the tap is ready, EOF if not
 * @parent:	The daemon's PID
 *
 * Never returns: exits 127 if the command can't be found, 126 if it can't
 * be run, 1 if the daemon gave up
 */
__attribute__((noreturn))
static void tap_ns_child(char *const *argv, int ready, int go, pid_t parent)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int msg[2] = { TAP_NS_STEP_OK, 0 };
	struct sigaction sa;
	sigset_t none;
	char c;

	/* The core blocks and ignores signals for its signalfd: not ours */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);

	if (unshare(CLONE_NEWNET | CLONE_NEWUTS)) {
		/* Not root: a user namespace of our own makes us so */
		msg[0] = errno == EPERM ? tap_ns_child_userns(uid, gid)
					: TAP_NS_STEP_NETNS;
		if (msg[0] == TAP_NS_STEP_OK &&
		    unshare(CLONE_NEWNET | CLONE_NEWUTS))
			msg[0] = TAP_NS_STEP_NETNS;
		msg[1] = msg[0] == TAP_NS_STEP_OK ? 0 : errno;
	}
	if (write(ready, msg, sizeof(msg)) != sizeof(msg) || msg[0])
		_exit(EXIT_FAILURE);
	close(ready);

	if (read(go, &c, 1) != 1)
		_exit(EXIT_FAILURE);
	close(go);

	/* Set late: changing credentials above would have cleared it */
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	if (getppid() != parent)
		_exit(EXIT_FAILURE);

	execvp(argv[0], argv);
	fprintf(stderr, "passt: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/**
 * tap_ns_reap() - Let a failed command child go and reap it
 * @pid:	Child
 * @go:		Its go pipe, closed here: it exits at EOF
 * @pidfd:	Its pidfd, closed here, or -1
 */
static void tap_ns_reap(pid_t pid, int go, int pidfd)
{
	close(go);
	if (pidfd >= 0)
		close(pidfd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/**
 * tap_ns_spawn() - Fork the command into new namespaces, held until released
 * @argv:	Command and arguments
 * @pid:	Set to the child's PID
 * @pidfd:	Set to its pidfd
 * @go:		Set to the pipe that releases it: one byte, or EOF to end it
 * @netfd:	Set to its network namespace
 * @what:	Set to a complete message on failure
 * @size:	Size of @what
 *
 * Return: 0, or -errno (the child is then gone and reaped)
 */
int tap_ns_spawn(char *const *argv, pid_t *pid, int *pidfd, int *go,
		 int *netfd, char *what, size_t size)
{
	int ready[2], gop[2], msg[2], rc, fd;
	char path[TAP_NS_PATH];
	pid_t parent = getpid(), p;
	ssize_t n;

	if (pipe2(ready, O_CLOEXEC))
		goto fail_errno;
	if (pipe2(gop, O_CLOEXEC)) {
		close(ready[0]);
		close(ready[1]);
		goto fail_errno;
	}

	p = fork();
	if (p < 0) {
		rc = -errno;
		close(ready[0]);
		close(ready[1]);
		close(gop[0]);
		close(gop[1]);
		snprintf(what, size, "cannot fork for the command: %s",
			 strerror(-rc));
		return rc;
	}
	if (!p) {
		close(ready[0]);
		close(gop[1]);
		tap_ns_child(argv, ready[1], gop[0], parent);
	}
	close(ready[1]);
	close(gop[0]);

	fd = (int)syscall(SYS_pidfd_open, p, 0);
	if (fd < 0) {
		rc = -errno;
		close(ready[0]);
		tap_ns_reap(p, gop[1], -1);
		snprintf(what, size, "pidfd_open for the command: %s",
			 strerror(-rc));
		return rc;
	}

	do
		n = read(ready[0], msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	close(ready[0]);
	if (n != sizeof(msg) || msg[0] != TAP_NS_STEP_OK) {
		if (n != sizeof(msg)) {
			rc = -ECHILD;
			snprintf(what, size, "the command's process died "
				 "before its namespace was made");
		} else {
			rc = msg[1] > 0 ? -msg[1] : -EIO;
			snprintf(what, size, "%s for the command: %s",
				 msg[0] > 0 && msg[0] < TAP_NS_STEP_NUM ?
				 tap_ns_step_str[msg[0]] : "namespace",
				 strerror(-rc));
		}
		tap_ns_reap(p, gop[1], fd);
		return rc;
	}

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)p);
	*netfd = open(path, O_RDONLY | O_CLOEXEC);
	if (*netfd < 0) {
		rc = -errno;
		snprintf(what, size, "%s: %s", path, strerror(-rc));
		tap_ns_reap(p, gop[1], fd);
		return rc;
	}

	*pid = p;
	*pidfd = fd;
	*go = gop[1];
	return 0;

fail_errno:
	rc = -errno;
	snprintf(what, size, "pipe for the command: %s", strerror(-rc));
	return rc;
}

/**
 * tap_ns_release() - Let the command run (or, with @ok false, exit)
 * @go:		Its go pipe, closed here
 * @pid:	Its PID, reaped if it isn't released
 * @pidfd:	Its pidfd, closed if it isn't released
 * @ok:		Release it, rather than making it exit and reaping it
 *
 * Return: 0, or -errno if it couldn't be told (it is then reaped too)
 */
int tap_ns_release(int go, pid_t pid, int pidfd, bool ok)
{
	if (!ok) {
		tap_ns_reap(pid, go, pidfd);
		return 0;
	}
	if (write(go, "1", 1) != 1) {
		int rc = -errno;

		tap_ns_reap(pid, go, pidfd);
		return rc;
	}
	close(go);
	return 0;
}

/**
 * tap_ns_status() - Exit status of the command, once it has exited
 * @pidfd:	Its pidfd
 * @status:	Set to its exit status, or 128 + signal if a signal ended it
 *
 * Return: 1 if it exited (and is now reaped), 0 if not yet, -errno on error
 *
 * #syscalls waitid
 */
int tap_ns_status(int pidfd, int *status)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG))
		return -errno;
	if (!si.si_pid)
		return 0;

	if (si.si_code == CLD_EXITED)
		*status = si.si_status;
	else
		*status = 128 + si.si_status;
	return 1;
}
