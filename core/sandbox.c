// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox.c - Namespaces, pivot_root, capabilities, seccomp, daemon
 *
 * Once every module has opened what it needs, the process shrinks in stages,
 * called by main() in this order:
 *
 *   sandbox_enter()	user namespace if unprivileged, then mount, IPC, UTS
 *			(and PID, when daemonising) namespaces; an empty
 *			read-only tmpfs becomes the root; bounding set cleared;
 *			switch to the runas user; every capability dropped;
 *			no_new_privs
 *   daemon_detach()	fork, the parent writes the PID file and exits, the
 *			child starts a session with /dev/null as stdio
 *   sandbox_seccomp()	kill-process filter allowing the composed list
 *
 * Nothing here runs after the filter is loaded, so this file has no
 * '#syscalls' lines of its own.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/capability.h>
#include <seccomp.h>

#include "log.h"
#include "sandbox.h"
#include "util.h"

/* Longest "user:group" we accept: names are short, this is only a guard */
#define SANDBOX_RUNAS_MAX	256

/* What nobody is when the passwd database does not say */
#define SANDBOX_NOBODY_ID	65534

/* /dev/null, opened before pivot_root() for daemon_detach() */
static int sandbox_devnull = -1;

/**
 * sandbox_parse_id() - Parse a numeric user or group ID
 * @s:		Digits only, at least one
 * @id:	Result
 *
 * Return: 0, -EINVAL if @s is not a decimal number a uid_t can hold, or if
 *	   it is (uid_t)-1, which set*id() take as "leave unchanged"
 */
static int sandbox_parse_id(const char *s, unsigned long *id)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v >= (uid_t)-1)
			return -EINVAL;
	}
	*id = v;
	return 0;
}

/**
 * sandbox_is_number() - Whether a string is all decimal digits
 * @s:		String
 *
 * Return: true if @s is non-empty and holds digits only
 */
static bool sandbox_is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/**
 * sandbox_resolve_group() - Resolve the group part of "user:group"
 * @s:		Group name or gid, non-empty
 * @gid:	Result
 *
 * Return: 0, -ENOENT for an unknown name, -EINVAL for a bad number or name
 */
static int sandbox_resolve_group(const char *s, gid_t *gid)
{
	const struct group *gr;
	unsigned long v;

	if (sandbox_is_number(s)) {
		if (sandbox_parse_id(s, &v))
			return -EINVAL;
		*gid = (gid_t)v;
		return 0;
	}
	/* '+' and '-' lead NSS compat entries, never real names */
	if (*s == '+' || *s == '-')
		return -EINVAL;

	gr = getgrnam(s);
	if (!gr)
		return -ENOENT;
	*gid = gr->gr_gid;
	return 0;
}

/**
 * sandbox_resolve_user() - Find the IDs the sandbox will run as
 * @runas:	"name", "uid", "uid:gid", "name:group" (either part a name or
 *		a number); NULL or "": "nobody" if root, else the current IDs
 * @uid:	User ID, set on success
 * @gid:	Group ID, set on success: the group given, else the user's
 *		primary group, else (a uid with no passwd entry) the same
 *		number as the uid
 *
 * Should: run before any namespace change, as NSS may need files and
 * sockets that vanish with pivot_root(). Mustn't: hand back (uid_t)-1, which
 * the set*id() calls would read as "leave unchanged".
 *
 * Return: 0, -ENOENT for an unknown user or group, -EINVAL if malformed
 */
int sandbox_resolve_user(const char *runas, uid_t *uid, gid_t *gid)
{
	char buf[SANDBOX_RUNAS_MAX];
	const struct passwd *pw;
	const char *user, *group;
	unsigned long v;
	char *colon;
	uid_t u;
	gid_t g;
	int rc;

	if (!runas || !*runas) {
		if (geteuid()) {
			*uid = geteuid();
			*gid = getegid();
			return 0;
		}
		pw = getpwnam("nobody");
		*uid = pw ? pw->pw_uid : SANDBOX_NOBODY_ID;
		*gid = pw ? pw->pw_gid : SANDBOX_NOBODY_ID;
		return 0;
	}

	if (strlen(runas) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, runas);

	user = buf;
	group = NULL;
	colon = strchr(buf, ':');
	if (colon == buf)
		return -EINVAL;
	if (colon) {
		*colon = '\0';
		group = colon + 1;
		if (!*group || strchr(group, ':'))
			return -EINVAL;
	}
	if (*user == '+' || *user == '-')
		return -EINVAL;

	if (sandbox_is_number(user)) {
		if (sandbox_parse_id(user, &v))
			return -EINVAL;
		u = (uid_t)v;
		pw = getpwuid(u);
		/* No passwd entry: don't fall back to group 0, use the uid */
		g = pw ? pw->pw_gid : (gid_t)u;
	} else {
		pw = getpwnam(user);
		if (!pw)
			return -ENOENT;
		u = pw->pw_uid;
		g = pw->pw_gid;
	}

	if (group && (rc = sandbox_resolve_group(group, &g)))
		return rc;

	*uid = u;
	*gid = g;
	return 0;
}

/**
 * sandbox_fail() - Report the stage that failed
 * @stage:	What was being done, such as "pivot_root"
 * @rc:		Negative errno value
 *
 * Return: @rc, so a caller can "return sandbox_fail(...)"
 */
static int sandbox_fail(const char *stage, int rc)
{
	err("sandbox: %s: %s", stage, strerror(-rc));
	return rc;
}

/**
 * sandbox_write_file() - Write a short text to a /proc file at once
 * @path:	File
 * @text:	What to write: one write(2), as the ID map files demand
 *
 * Return: 0, or -errno
 */
static int sandbox_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd, rc = 0;
	ssize_t n;

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
 * sandbox_caps_get() - Read this process's capability sets
 * @data:	Two elements, filled in
 *
 * Return: 0, or -errno
 */
static int sandbox_caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	return 0;
}

/**
 * sandbox_can_admin() - Whether we may create namespaces without a new user
 *			 namespace: effective uid 0 and CAP_SYS_ADMIN
 *
 * Return: true if a user namespace is not needed
 */
static bool sandbox_can_admin(void)
{
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (geteuid() || sandbox_caps_get(data))
		return false;
	return data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
	       CAP_TO_MASK(CAP_SYS_ADMIN);
}

/**
 * sandbox_init_userns() - Whether we run in the initial user namespace
 *
 * Only there does every uid exist: in a user namespace of our own (the tap
 * backend makes one for '-- COMMAND' when not started as root) the runas
 * user is not mapped, and switching to it would fail.
 *
 * Return: true if /proc/self/uid_map maps the whole 32-bit range from 0
 */
static bool sandbox_init_userns(void)
{
	unsigned long inside, outside, count;
	bool init = false;
	FILE *f = fopen("/proc/self/uid_map", "re");

	if (!f)
		return true;	/* no /proc: nothing better to go by */
	if (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
		init = !inside && !outside && count == 4294967295UL;
	fclose(f);
	return init;
}

/**
 * sandbox_userns() - Detach a user namespace where we are root
 *
 * Should: map our effective IDs to 0 so that the following stages have the
 * capabilities they need, within that namespace only. Mustn't: leave
 * setgroups() possible, since an unprivileged process could then drop a
 * group that denies it access (and the kernel refuses the gid_map anyway).
 *
 * Return: 0, or -errno after reporting
 */
static int sandbox_userns(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int rc;

	if (unshare(CLONE_NEWUSER))
		return sandbox_fail("unshare user namespace", -errno);

	rc = sandbox_write_file("/proc/self/setgroups", "deny");
	/* Kernels before 3.19 have no such file, and need none */
	if (rc && rc != -ENOENT)
		return sandbox_fail("/proc/self/setgroups", rc);

	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	if ((rc = sandbox_write_file("/proc/self/uid_map", map)))
		return sandbox_fail("/proc/self/uid_map", rc);

	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	if ((rc = sandbox_write_file("/proc/self/gid_map", map)))
		return sandbox_fail("/proc/self/gid_map", rc);

	return 0;
}

/**
 * sandbox_root() - Make an empty, read-only tmpfs our root directory
 *
 * Should: leave nothing of the host's file system reachable, by path or by
 * "..". Mustn't: change any mount the host sees, so the mount namespace is
 * made private, recursively, before anything is mounted; and mustn't be
 * called before the files needed later are open.
 *
 * Return: 0, or -errno after reporting
 */
static int sandbox_root(void)
{
	/* Any existing directory will do: the tmpfs over it is ours alone */
	static const char *const dirs[] = { "/tmp", "/run", "/mnt", "/dev" };
	const char *dir = NULL;
	size_t i;

	if (mount("", "/", "", MS_REC | MS_PRIVATE, NULL))
		return sandbox_fail("make mounts private", -errno);

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (!mount("tmpfs", dirs[i], "tmpfs",
			   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			   "size=4k,nr_inodes=2,mode=0555")) {
			dir = dirs[i];
			break;
		}
		if (errno != ENOENT && errno != ENOTDIR)
			return sandbox_fail("mount tmpfs", -errno);
	}
	if (!dir)
		return sandbox_fail("mount tmpfs", -ENOENT);

	if (chdir(dir))
		return sandbox_fail("chdir to new root", -errno);

	/* The old root ends up stacked on the new one, at ".": detach it */
	if (syscall(SYS_pivot_root, ".", "."))
		return sandbox_fail("pivot_root", -errno);
	if (umount2(".", MNT_DETACH))
		return sandbox_fail("detach old root", -errno);
	if (chdir("/"))
		return sandbox_fail("chdir /", -errno);

	return 0;
}

/**
 * sandbox_bounding_clear() - Empty the capability bounding set
 *
 * Should: run while CAP_SETPCAP is still effective, that is, before
 * switching user. Mustn't: fail the start-up when the set can't be changed
 * (no CAP_SETPCAP): no_new_privs and empty permitted and inheritable sets
 * already keep execve() from granting anything.
 *
 * Return: 0, or -errno after reporting
 */
static int sandbox_bounding_clear(void)
{
	unsigned long cap;
	int r;

	for (cap = 0; (r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) >= 0;
	     cap++) {
		if (!r)
			continue;
		if (!prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			continue;
		if (errno == EPERM) {
			debug("sandbox: no CAP_SETPCAP, bounding set kept");
			return 0;
		}
		return sandbox_fail("drop from bounding set", -errno);
	}
	return 0;
}

/**
 * sandbox_switch_user() - Switch to the runas user, as root only
 * @uid:	User ID
 * @gid:	Group ID
 *
 * Should: leave no supplementary group, and set real, effective and saved
 * IDs alike, so nothing can switch back. Mustn't: run before the bounding
 * set is cleared: leaving uid 0 empties the effective set.
 *
 * Return: 0, or -errno after reporting
 */
static int sandbox_switch_user(uid_t uid, gid_t gid)
{
	char stage[48];

	if (setgroups(0, NULL))
		return sandbox_fail("setgroups", -errno);
	if (setresgid(gid, gid, gid)) {
		snprintf(stage, sizeof(stage), "setresgid %u",
			 (unsigned int)gid);
		return sandbox_fail(stage, -errno);
	}
	if (setresuid(uid, uid, uid)) {
		snprintf(stage, sizeof(stage), "setresuid %u",
			 (unsigned int)uid);
		return sandbox_fail(stage, -errno);
	}
	return 0;
}

/**
 * sandbox_caps_drop() - Empty the effective, permitted, inheritable and
 *			 ambient capability sets
 *
 * Should: go through capset(2) directly (no libcap), after the last stage
 * that needs a capability. Mustn't: leave any ambient capability, which
 * execve() would keep.
 *
 * Return: 0, or -errno after reporting
 */
static int sandbox_caps_drop(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };

	/* Before 4.3 there are no ambient capabilities to clear */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return sandbox_fail("clear ambient capabilities", -errno);

	if (syscall(SYS_capset, &hdr, data))
		return sandbox_fail("capset", -errno);
	return 0;
}

/**
 * sandbox_enter() - Detach namespaces, empty the root, drop privileges
 * @c:		Sandbox configuration
 *
 * Should, in order: open /dev/null for daemon_detach() (if @c->daemon,
 * even if disabled); resolve the runas user (NSS still works); if not root
 * with CAP_SYS_ADMIN, detach a user namespace mapping our IDs to 0 (root
 * doesn't, so the runas user is a real host user); detach mount, IPC, UTS
 * and, with @c->daemon, PID namespaces; pivot_root() into an empty
 * read-only tmpfs; clear the bounding set; as root, switch to the runas
 * user (in a user namespace there is no other user to switch to: we stay
 * the mapped one, that is, the invoking user as the host sees it); drop
 * every capability; set no_new_privs.
 *
 * Mustn't: close or invalidate any descriptor modules opened in init(),
 * make anything the host sees change (mounts are made private before any
 * mount), or drop what daemonising still needs: fork(), setsid() and the
 * already open /dev/null and PID file need no capability. With a PID
 * namespace, this process stays in its original one: the child
 * daemon_detach() forks is the first process of the new one.
 *
 * Return: 0, or -errno after one line naming the failed stage
 */
int sandbox_enter(const struct sandbox_conf *c)
{
	int flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
	bool userns;
	uid_t uid;
	gid_t gid;
	int rc;

	if (c->daemon && sandbox_devnull < 0) {
		sandbox_devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (sandbox_devnull < 0)
			return sandbox_fail("/dev/null", -errno);
	}

	if (!c->enable) {
		warn("sandbox disabled: running with full privileges; "
		     "for debugging only");
		return 0;
	}

	rc = sandbox_resolve_user(c->runas, &uid, &gid);
	if (rc == -ENOENT) {
		err("sandbox: runas '%s': no such user or group",
		    c->runas);
		return rc;
	}
	if (rc) {
		err("sandbox: runas '%s': malformed; expected name, uid, "
		    "uid:gid or name:group", c->runas);
		return rc;
	}

	userns = !sandbox_can_admin();
	if (userns) {
		if (c->runas && *c->runas &&
		    (uid != geteuid() || gid != getegid()))
			debug("sandbox: not root: staying uid %u gid %u "
			      "instead of runas '%s'",
			      (unsigned int)geteuid(),
			      (unsigned int)getegid(), c->runas);
		if ((rc = sandbox_userns()))
			return rc;
	}

	if (c->daemon)
		flags |= CLONE_NEWPID;
	if (unshare(flags))
		return sandbox_fail("unshare namespaces", -errno);

	if ((rc = sandbox_root()))
		return rc;

	if ((rc = sandbox_bounding_clear()))
		return rc;

	/* In a user namespace (ours, or one we were started in), the runas
	 * user may not be mapped: stay the mapped root, which has no
	 * capabilities outside the namespace and none left inside it below
	 */
	if (!userns && sandbox_init_userns() &&
	    (rc = sandbox_switch_user(uid, gid)))
		return rc;

	if ((rc = sandbox_caps_drop()))
		return rc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return sandbox_fail("no_new_privs", -errno);

	debug("sandbox: entered as uid %u gid %u%s",
	      (unsigned int)getuid(), (unsigned int)getgid(),
	      userns ? " of a new user namespace" : "");
	return 0;
}

/**
 * daemon_detach() - Fork into the background: the parent writes the
 *		     child's PID and exits, the child carries on
 * @pidfile_fd:	PID file, open for writing, or -1 for none
 *
 * Should: write the PID file before the parent exits, so that whoever
 * started us finds it once we return; the PID written is fork()'s return
 * value, the child as the caller's PID namespace (and ps(1)) sees it. The
 * child starts a new session and gets /dev/null (opened by sandbox_enter(),
 * as there is no /dev after pivot_root()) as standard input and output and
 * error; logging then goes to the log file or syslog.
 *
 * Mustn't: fail silently: if the PID file can't be written, the child is
 * killed and the parent exits with status 1, as a start-up error.
 *
 * With a PID namespace (sandbox_enter() with @daemon set) the child is
 * process 1 of it, which has consequences: signals without a handler are
 * ignored, so SIGTERM does nothing unless the core installs a handler (it
 * does); any child it forks must be reaped by it, as there is no init above
 * it to do so; when it exits, the kernel kills everything left in the
 * namespace; getpid() says 1, in logs too.
 *
 * Return: 0 in the child, -errno if fork() or setsid() failed (the parent
 *	   never returns)
 */
int daemon_detach(int pidfile_fd)
{
	int devnull = sandbox_devnull;
	pid_t pid;

	if (devnull < 0 && (devnull = open("/dev/null", O_RDWR)) < 0)
		return sandbox_fail("daemon: /dev/null", -errno);

	pid = fork();
	if (pid < 0)
		return sandbox_fail("daemon: fork", -errno);

	if (pid) {
		char buf[32];
		int len;

		if (pidfile_fd < 0)
			_exit(EXIT_SUCCESS);

		len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
		errno = 0;
		if (ftruncate(pidfile_fd, 0) ||
		    pwrite(pidfile_fd, buf, (size_t)len, 0) != len ||
		    close(pidfile_fd)) {
			err("daemon: cannot write PID file: %s",
			    strerror(errno ? errno : EIO));
			/* A handler may not be installed yet: SIGKILL it is */
			kill(pid, SIGKILL);
			_exit(EXIT_FAILURE);
		}
		_exit(EXIT_SUCCESS);
	}

	if (pidfile_fd >= 0)
		close(pidfile_fd);

	if (setsid() < 0)
		return sandbox_fail("daemon: setsid", -errno);

	if (dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(devnull, STDOUT_FILENO) < 0 ||
	    dup2(devnull, STDERR_FILENO) < 0)
		return sandbox_fail("daemon: standard streams", -errno);
	if (devnull > STDERR_FILENO)
		close(devnull);
	sandbox_devnull = -1;

	return 0;
}

/**
 * sandbox_seccomp_allowed() - Whether a system call name is known
 * @name:	Name as in seccomp_syscall_resolve_name(3), no arch prefix
 *
 * Known to libseccomp for some architecture is enough: a name this one
 * lacks (epoll_wait on aarch64) is skipped by sandbox_seccomp(), so modules
 * can list alternatives; a name no architecture has is a typo.
 *
 * Return: 1 if @name can stand in a syscalls list, 0 if not
 */
int sandbox_seccomp_allowed(const char *name)
{
	return name && *name &&
	       seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

/**
 * sandbox_seccomp() - Load a filter killing the process on any system call
 *		       not listed
 * @names:	System call names; NULL entries are skipped
 * @n:		Number of entries in @names
 * @enable:	false (sandbox disabled): load nothing
 *
 * Should: be the last stage, after daemon_detach(), and allow each name
 * this architecture has; unknown names and those of other architectures
 * are skipped silently (the loader has refused typos already); duplicates
 * are harmless. Mustn't: allow anything through other architectures' system
 * call tables (the x32 or i386 ABIs on x86_64): libseccomp kills those.
 *
 * Return: 0, or -errno after reporting
 */
int sandbox_seccomp(const char *const *names, size_t n, bool enable)
{
	scmp_filter_ctx ctx;
	size_t i, allowed = 0;
	int nr, rc;

	if (!enable)
		return 0;

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return sandbox_fail("seccomp_init", -ENOMEM);

	for (i = 0; i < n; i++) {
		if (!names[i])
			continue;
		nr = seccomp_syscall_resolve_name(names[i]);
		/* Negative: unknown, or a pseudo-number for another arch */
		if (nr < 0)
			continue;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0) {
			err("sandbox: seccomp: cannot allow '%s': %s",
			    names[i], strerror(-rc));
			seccomp_release(ctx);
			return rc;
		}
		allowed++;
	}

	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return sandbox_fail("seccomp_load", rc);

	debug("sandbox: seccomp filter loaded, %zu system calls allowed",
	      allowed);
	return 0;
}
