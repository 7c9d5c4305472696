// SPDX-License-Identifier: GPL-2.0-or-later
/* tap_sock.c - Sockets in the guest's namespace, after the sandbox too
 *
 * The splice path joins a socket on the guest namespace's loopback to one
 * on the host's, and each connection needs a new socket over there. The
 * daemon can't make one: socket(2) makes it in the caller's own namespace,
 * and once sandboxed the daemon has no capability left to setns() there
 * and back. So at init(), while it still can, the backend forks a helper
 * that joins the guest's network namespace for good and makes sockets on
 * request, passing each one back over a UNIX socket pair (SCM_RIGHTS). A
 * socket keeps the namespace it was made in wherever its descriptor goes:
 * the daemon binds, connects and splices it as its own.
 *
 * The helper
 * ----------
 * - Forked twice, so that it is nobody's child once the middle process
 *   has exited (and been reaped, at once): whoever reaps orphans (init, or
 *   a subreaper) reaps it too. The daemon may daemonise, or become PID 1
 *   of a PID namespace of its own, and never has to wait for it. It starts
 *   a session of its own, so a hangup of the terminal that started the
 *   daemon doesn't end it.
 * - It joins the target network namespace (through the user namespace
 *   owning it if need be, as tap_ns.c does), then sheds what it doesn't
 *   need: every descriptor but its end of the pair (standard streams go
 *   to /dev/null, so it never holds a caller's pipe open), all signals
 *   back to their defaults, root for nobody (when root in the initial user
 *   namespace; elsewhere there is nobody to become), every capability,
 *   then no_new_privs and a seccomp filter of its own, built here by hand
 *   as classic BPF: recvmsg, sendmsg, close, socket (AF_INET and AF_INET6
 *   only), exit and what the kernel needs to end it. Anything else kills
 *   it. It then says hello (0, or what failed), and from then on answers
 *   each request, one datagram of (id, domain, type, protocol), with one
 *   datagram of (id, 0 or -errno) and the socket attached.
 * - It takes only AF_INET and AF_INET6, SOCK_STREAM and SOCK_DGRAM (with
 *   SOCK_NONBLOCK and SOCK_CLOEXEC): whatever the daemon becomes, the
 *   helper makes nothing else for it.
 * - It exits when its end of the pair reads EOF: when the daemon exits,
 *   crashes or closes the pair (fini()).
 *
 * The daemon's side
 * -----------------
 * tap_sock_get() sends a request and waits for the answer with poll(),
 * TAP_SOCK_WAIT_MS at most: the one place where the backend blocks at run
 * time. The helper answers in microseconds, so this is a bound against a
 * stuck helper, not a delay anyone sees; a late answer is recognised by
 * its id and its socket closed. If the helper is gone, the pair is closed
 * and every later request fails with -ENOTCONN, after one error line.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "tap.h"

#define TAP_SOCK_HELLO_MS	5000	/* for the helper to get ready */
#define TAP_SOCK_STALE_MAX	8	/* late answers drained per call */
#define TAP_SOCK_NOBODY		65534	/* nobody, without passwd */
#define TAP_SOCK_FD		3	/* the helper's end of the pair */

/* The architecture the filter is for: system call numbers are per ABI.
 * x32 numbers carry a flag and share x86_64's: no filter there, nor on
 * machines not listed (the helper still has no_new_privs, no privileges)
 */
#if defined(__x86_64__) && defined(__ILP32__)
#define TAP_SOCK_ARCH	0
#elif defined(__x86_64__)
#define TAP_SOCK_ARCH	AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define TAP_SOCK_ARCH	AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define TAP_SOCK_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define TAP_SOCK_ARCH	AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define TAP_SOCK_ARCH	AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TAP_SOCK_ARCH	AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define TAP_SOCK_ARCH	AUDIT_ARCH_S390X
#else
#define TAP_SOCK_ARCH	0
#endif

/* The low 32 bits of system call argument @n in struct seccomp_data */
#define TAP_SOCK_ARGS	offsetof(struct seccomp_data, args)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TAP_SOCK_ARG_LO(n)	(TAP_SOCK_ARGS + (n) * 8)
#else
#define TAP_SOCK_ARG_LO(n)	(TAP_SOCK_ARGS + (n) * 8 + 4)
#endif

/**
 * struct tap_sock_req - A request to the helper
 * @id:		Request number, echoed in the answer
 * @domain:	socket(2) domain
 * @type:	socket(2) type, with SOCK_NONBLOCK and SOCK_CLOEXEC allowed
 * @protocol:	socket(2) protocol
 */
struct tap_sock_req {
	uint32_t id;
	int32_t domain;
	int32_t type;
	int32_t protocol;
};

/**
 * struct tap_sock_rep - The helper's answer, with the socket attached
 * @id:		Request number answered, 0 for the hello
 * @err:	0, or -errno (no socket then)
 */
struct tap_sock_rep {
	uint32_t id;
	int32_t err;
};

/**
 * tap_sock_req_ok() - Whether the helper makes a socket of this kind
 * @domain:	socket(2) domain
 * @type:	socket(2) type and flags
 *
 * Return: true for TCP or UDP sockets, IPv4 or IPv6
 */
bool tap_sock_req_ok(int domain, int type)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	return (domain == AF_INET || domain == AF_INET6) &&
	       (base == SOCK_STREAM || base == SOCK_DGRAM);
}

/**
 * tap_sock_filter() - Load the helper's seccomp filter (no_new_privs first)
 *
 * Allows recvmsg, sendmsg, close, socket for AF_INET and AF_INET6, exit,
 * exit_group, rt_sigreturn and restart_syscall; kills the process on any
 * other call, and on any call made through another ABI of the machine.
 *
 * Return: 0, or -errno (-ENOSYS if there is no filter for this machine)
 */
int tap_sock_filter(void)
{
#if TAP_SOCK_ARCH
	/* Jump offsets count from the next instruction: the allow and kill
	 * returns sit at fixed places after the list of allowed numbers
	 */
	static const long allow[] = {
		__NR_recvmsg, __NR_sendmsg, __NR_close, __NR_exit,
		__NR_exit_group, __NR_rt_sigreturn, __NR_restart_syscall,
	};
#define TAP_SOCK_N_ALLOW	(sizeof(allow) / sizeof(allow[0]))
	struct sock_filter f[4 + TAP_SOCK_N_ALLOW + 6];
	struct sock_fprog prog;
	unsigned int n = 0, i;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		TAP_SOCK_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, nr));
	for (i = 0; i < TAP_SOCK_N_ALLOW; i++) {
		/* to ALLOW below: past the rest of the list and the socket
		 * check (jump, load, two compares, kill)
		 */
		unsigned int to_allow = (unsigned int)(TAP_SOCK_N_ALLOW - 1 - i)
					+ 5;

		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
			BPF_K, (unsigned int)allow[i], (uint8_t)to_allow, 0);
	}
	/* socket(): only if the domain is AF_INET or AF_INET6 */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		__NR_socket, 0, 3);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		TAP_SOCK_ARG_LO(0));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		AF_INET, 2, 0);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		AF_INET6, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_ALLOW);
#undef TAP_SOCK_N_ALLOW

	prog.len = (unsigned short)n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return -errno;
	return 0;
#else
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return -ENOSYS;
#endif
}

/**
 * tap_sock_join() - Join the target network namespace (helper only)
 * @job:	Namespace files (netfd, userfd) and label
 * @joined_user: Set if a user namespace had to be joined first
 *
 * Return: 0, or -errno
 */
static int tap_sock_join(const struct tap_ns_job *job, bool *joined_user)
{
	*joined_user = false;
	if (!setns(job->netfd, CLONE_NEWNET))
		return 0;
	if (errno != EPERM || job->userfd < 0)
		return -errno;
	if (setns(job->userfd, CLONE_NEWUSER))
		return -errno;
	*joined_user = true;
	if (setns(job->netfd, CLONE_NEWNET))
		return -errno;
	return 0;
}

/**
 * tap_sock_drop() - Become nobody (if we can), with no capabilities
 * @joined_user: We joined another user namespace: nobody isn't there
 *
 * Return: 0, or -errno
 */
static int tap_sock_drop(bool joined_user)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	/* In a user namespace our root may be all that is mapped: staying
	 * is then fine, as no capability is left below
	 */
	if (!joined_user && !geteuid()) {
		if (setgroups(0, NULL) && errno != EPERM)
			return -errno;
		if (setresgid(TAP_SOCK_NOBODY, TAP_SOCK_NOBODY,
			      TAP_SOCK_NOBODY) && errno != EINVAL)
			return -errno;
		if (setresuid(TAP_SOCK_NOBODY, TAP_SOCK_NOBODY,
			      TAP_SOCK_NOBODY) && errno != EINVAL)
			return -errno;
	}

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/**
 * tap_sock_fds() - Keep only the pair: standard streams to /dev/null
 * @sock:	Helper's end of the pair, moved to TAP_SOCK_FD
 * @devnull:	/dev/null, open
 *
 * Return: 0, or -errno
 */
static int tap_sock_fds(int sock, int devnull)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fd != sock && dup2(devnull, fd) < 0)
			return -errno;
	if (sock != TAP_SOCK_FD) {
		if (sock <= 2) {
			/* Can't happen with fds opened after the streams */
			return -EBADF;
		}
		if (dup2(sock, TAP_SOCK_FD) < 0)
			return -errno;
	}
	if (syscall(SYS_close_range, TAP_SOCK_FD + 1, ~0U, 0)) {
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur > (1U << 20))
			rl.rlim_cur = 1U << 20;
		for (fd = TAP_SOCK_FD + 1; fd < (int)rl.rlim_cur; fd++)
			close(fd);
	}
	return 0;
}

/**
 * tap_sock_answer() - Send one answer, with a socket if there is one
 * @sock:	Helper's end of the pair
 * @id:		Request answered
 * @err:	0, or -errno
 * @fd:		Socket to pass, or -1
 *
 * Return: 0, or -errno if the daemon is gone
 */
static int tap_sock_answer(int sock, uint32_t id, int err, int fd)
{
	struct tap_sock_rep rep = { .id = id, .err = err };
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/**
 * tap_sock_serve() - Answer requests until the daemon closes its end
 * @sock:	Helper's end of the pair, blocking
 *
 * The only system calls: recvmsg, socket, sendmsg, close (and exit, by the
 * caller), which is all the filter allows.
 */
void tap_sock_serve(int sock)
{
	for (;;) {
		struct tap_sock_req req;
		struct iovec iov = { .iov_base = &req,
				     .iov_len = sizeof(req) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;
		int fd, err = 0;

		n = recvmsg(sock, &mh, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* the daemon is gone */
		if ((size_t)n != sizeof(req) || (mh.msg_flags & MSG_TRUNC) ||
		    !req.id) {
			/* Not one of ours: answer with what we can tell */
			if (tap_sock_answer(sock, (size_t)n >= sizeof(req.id) ?
					    req.id : 0, -EINVAL, -1))
				return;
			continue;
		}

		fd = -1;
		if (!tap_sock_req_ok(req.domain, req.type))
			err = -EINVAL;
		else if ((fd = socket(req.domain, req.type,
				      req.protocol)) < 0)
			err = -errno;

		err = tap_sock_answer(sock, req.id, err, fd) ? -EPIPE : 0;
		if (fd >= 0)
			close(fd);
		if (err)
			return;
	}
}

/**
 * tap_sock_exit() - End the helper, with nothing but exit_group
 * @status:	Exit status
 *
 * Not _exit(), and not even seen to never return (callers loop on it):
 * with sanitizers, both make system calls the filter forbids (at exit, and
 * before any call known not to return)
 */
void tap_sock_exit(int status)
{
	syscall(SYS_exit_group, status);
}

/**
 * tap_sock_helper() - The helper: join, shrink, say hello, serve, exit
 * @job:	Namespace files and label
 * @sock:	Its end of the pair
 * @devnull:	/dev/null
 */
__attribute__((noreturn))
static void tap_sock_helper(const struct tap_ns_job *job, int sock,
			    int devnull)
{
	int sig, err, status = EXIT_SUCCESS;
	struct sigaction sa;
	bool joined_user;
	sigset_t none;

	/* The core blocks and catches signals for its signalfd: not ours,
	 * so that the helper can be ended like any process
	 */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	prctl(PR_SET_NAME, "passt-sock", 0, 0, 0);
	/* Out of the caller's session: a hangup there isn't for us */
	setsid();

	err = tap_sock_join(job, &joined_user);
	if (!err && !(err = tap_sock_fds(sock, devnull))) {
		sock = TAP_SOCK_FD;
		err = tap_sock_drop(joined_user);
	}
	if (!err) {
		err = tap_sock_filter();
		if (err == -ENOSYS)
			err = 0;	/* no filter here: the rest will do */
	}

	if (tap_sock_answer(sock, 0, err, -1) || err)
		status = EXIT_FAILURE;
	else
		tap_sock_serve(sock);
	for (;;)
		tap_sock_exit(status);
}

/**
 * tap_sock_recv() - Receive one answer from the helper
 * @fd:		Daemon's end of the pair
 * @rep:	Answer, filled
 * @sock:	Set to the socket attached, or -1
 *
 * Return: 0, -EAGAIN if nothing is there yet, -ENOTCONN if the helper is
 *	   gone, -EPROTO for a malformed answer
 *
 * #syscalls recvmsg close
 */
static int tap_sock_recv(int fd, struct tap_sock_rep *rep, int *sock)
{
	struct iovec iov = { .iov_base = rep, .iov_len = sizeof(*rep) };
	union {
		char buf[CMSG_SPACE(sizeof(int)) * 2];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	*sock = -1;
	do
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN
							       : -ENOTCONN;
	if (!n)
		return -ENOTCONN;

	/* Take every descriptor that came, whatever else is wrong */
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k, nfd;

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nfd; k++) {
			int got;

			memcpy(&got, CMSG_DATA(cm) + k * sizeof(int),
			       sizeof(int));
			if (*sock < 0)
				*sock = got;
			else
				close(got);
		}
	}

	/* A socket comes with success, and never with the hello */
	if ((size_t)n != sizeof(*rep) ||
	    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || rep->err > 0 ||
	    (rep->id && !rep->err) != (*sock >= 0)) {
		if (*sock >= 0)
			close(*sock);
		*sock = -1;
		return -EPROTO;
	}
	return 0;
}

/**
 * tap_sock_wait() - Wait for an answer from the helper
 * @fd:		Daemon's end of the pair
 * @ms:		At most this long
 *
 * Return: 0 if one is there, -ETIMEDOUT, or -errno
 *
 * #syscalls poll ppoll
 */
static int tap_sock_wait(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

/**
 * tap_sock_start() - Fork the helper into the target namespace, wait for it
 * @job:	Namespace files (still open) and label
 * @fd:		Set to the daemon's end of the pair
 * @what:	Set to a complete message on failure
 * @size:	Size of @what
 *
 * Return: 0, or -errno
 */
int tap_sock_start(const struct tap_ns_job *job, int *fd, char *what,
		   size_t size)
{
	struct tap_sock_rep rep;
	int sv[2], devnull, status, rc, got;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		rc = -errno;
		snprintf(what, size, "socket pair for the socket helper: %s",
			 strerror(-rc));
		return rc;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		rc = -errno;
		snprintf(what, size, "/dev/null for the socket helper: %s",
			 strerror(-rc));
		goto fail;
	}

	pid = fork();
	if (pid < 0) {
		rc = -errno;
		snprintf(what, size, "cannot fork the socket helper: %s",
			 strerror(-rc));
		close(devnull);
		goto fail;
	}
	if (!pid) {
		/* The middle process: leaves the helper an orphan at once */
		pid_t h = fork();

		if (!h) {
			close(sv[0]);
			tap_sock_helper(job, sv[1], devnull);
		}
		_exit(h < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
	}
	close(sv[1]);
	close(devnull);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(what, size, "cannot fork the socket helper");
		close(sv[0]);
		return -ECHILD;
	}

	rc = tap_sock_wait(sv[0], TAP_SOCK_HELLO_MS);
	if (!rc)
		rc = tap_sock_recv(sv[0], &rep, &got);
	if (!rc && rep.id)
		rc = -EPROTO;
	if (!rc && rep.err)
		rc = rep.err;
	if (rc) {
		snprintf(what, size, "socket helper for %s: %s", job->label,
			 rc == -ENOTCONN ? "exited before it was ready"
					 : strerror(-rc));
		close(sv[0]);
		return rc;
	}

	*fd = sv[0];
	return 0;

fail:
	close(sv[0]);
	close(sv[1]);
	return rc;
}

/**
 * tap_sock_gone() - The helper is gone: close our end, say so once
 * @m:		This module
 * @why:	What happened, for the log line
 *
 * #syscalls close
 */
static void tap_sock_gone(struct passt_mod *m, const char *why)
{
	struct tap_state *s = passt_priv(m);

	close(s->sock_fd);
	s->sock_fd = -1;
	passt_core(m)->log(m, PASST_LOG_ERR, "socket helper %s: no new "
			   "sockets in the guest's namespace from now on",
			   why);
}

/**
 * tap_sock_get() - A new socket in the guest's namespace, from the helper
 * @m:		This module
 * @domain:	socket(2) domain
 * @type:	socket(2) type
 * @protocol:	socket(2) protocol
 *
 * Blocks for at most TAP_SOCK_WAIT_MS: see the top of this file.
 *
 * Return: socket (close-on-exec), or -errno: -ENOTCONN if the helper is
 *	   gone, -ETIMEDOUT if it didn't answer in time
 *
 * #syscalls sendmsg close
 */
int tap_sock_get(struct passt_mod *m, int domain, int type, int protocol)
{
	struct tap_state *s = passt_priv(m);
	struct tap_sock_req req;
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	unsigned int stale;

	if (s->sock_fd < 0)
		return -ENOTCONN;
	if (!tap_sock_req_ok(domain, type))
		return -EINVAL;

	if (!++s->sock_id)
		s->sock_id = 1;		/* 0 is the hello */
	req = (struct tap_sock_req){ .id = s->sock_id, .domain = domain,
				     .type = type, .protocol = protocol };
	while (sendmsg(s->sock_fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == ENOBUFS)
			return -EAGAIN;
		tap_sock_gone(m, "is gone");
		return -ENOTCONN;
	}

	for (stale = 0; stale <= TAP_SOCK_STALE_MAX; stale++) {
		struct tap_sock_rep rep;
		int rc, fd;

		rc = tap_sock_wait(s->sock_fd, TAP_SOCK_WAIT_MS);
		if (rc == -ETIMEDOUT) {
			passt_core(m)->log(m, PASST_LOG_WARNING |
					   PASST_LOG_RATELIMIT, "socket "
					   "helper: no answer in %d ms",
					   TAP_SOCK_WAIT_MS);
			return rc;
		}
		if (!rc)
			rc = tap_sock_recv(s->sock_fd, &rep, &fd);
		if (rc == -EAGAIN)
			continue;
		if (rc == -ENOTCONN || (rc && rc != -EPROTO)) {
			tap_sock_gone(m, "is gone");
			return -ENOTCONN;
		}
		if (rc == -EPROTO) {
			tap_sock_gone(m, "sent a malformed answer");
			return -ENOTCONN;
		}
		if (rep.id != req.id) {
			/* The answer to a request that timed out */
			if (fd >= 0)
				close(fd);
			continue;
		}
		return rep.err ? rep.err : fd;
	}
	return -ETIMEDOUT;
}

/**
 * tap_sock_stop() - Close our end of the pair: the helper exits
 * @s:		Backend state
 *
 * #syscalls close
 */
void tap_sock_stop(struct tap_state *s)
{
	if (s->sock_fd >= 0)
		close(s->sock_fd);
	s->sock_fd = -1;
}
