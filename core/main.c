// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - Start-up order, and nothing else
 *
 * Open everything, then shrink, then loop: options and file, modules loaded
 * and configured, every fd opened (backend first, then protocol modules,
 * then the forwarding table's listening sockets, and the directory of the
 * config file for reloads), then the sandbox, the detach, the seccomp
 * filter, and the event loop. After modload_init() nothing opens a file,
 * loads a module or binds a socket that the configuration did not ask
 * for: a reload (SIGHUP) reads only the config file again, and binds only
 * what its forward rules ask for.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>

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
#include "reload.h"
#include "sandbox.h"
#include "stats.h"
#include "util.h"

#include "syscalls.gen.h"

#define MAIN_TXQ_BYTES	(16UL << 20)	/* frames to the guest per turn */
#define MAIN_TXQ_FRAMES	2048

/**
 * main_send() - Sender of the frame queue: the backend's send()
 * @opaque:	Unused
 * @iov:	Frames, one per iovec
 * @n:		Number of frames
 *
 * Return: frames taken, or -errno
 */
static int main_send(void *opaque, const struct iovec *iov, size_t n)
{
	int rc = mod_backend->desc->send(mod_backend, iov, n);
	size_t i, bytes = 0;

	(void)opaque;
	for (i = 0; rc > 0 && i < (size_t)rc && i < n; i++)
		bytes += iov[i].iov_len;
	if (rc > 0)
		stats_to_guest(mod_backend->idx, MIN((size_t)rc, n), bytes);
	return rc;
}

/* The PID file's directory and name, to remove it at exit from inside the
 * sandbox, where no path leads to it any more
 */
static int main_pid_dir = -1;
static char main_pid_name[NAME_MAX + 1];

/**
 * main_pidfile_open() - Open the PID file before the sandbox
 * @path:	Path, or empty
 * @c:		Configuration (sandbox and runas user)
 *
 * The directory is kept open (O_PATH) for main_pidfile_remove(). Started as
 * root with the sandbox on, the file is handed to the runas user, who can
 * then remove it from a sticky directory such as /tmp; elsewhere, that
 * takes a directory the runas user may write to.
 *
 * Return: fd, or -1 if none
 */
static int main_pidfile_open(const char *path, const struct conf *c)
{
	const char *slash = strrchr(path, '/'), *name;
	char dir[PATH_MAX];
	size_t len;
	uid_t uid;
	gid_t gid;
	int fd;

	if (!*path)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die("%s: cannot open PID file: %s", path, strerror(errno));

	if (!geteuid() && c->sandbox &&
	    !sandbox_resolve_user(*c->runas ? c->runas : NULL, &uid, &gid) &&
	    fchown(fd, uid, gid))
		warn("%s: cannot hand the PID file to uid %u: %s", path,
		     (unsigned int)uid, strerror(errno));

	name = slash ? slash + 1 : path;
	len = slash ? (size_t)(slash - path) : 0;
	if (strlen(name) >= sizeof(main_pid_name) || len >= sizeof(dir)) {
		warn("%s: PID file won't be removed at exit: name too long",
		     path);
		return fd;
	}
	memcpy(main_pid_name, name, strlen(name) + 1);
	if (!slash)
		memcpy(dir, ".", 2);
	else if (!len)
		memcpy(dir, "/", 2);
	else
		memcpy(dir, path, len);
	dir[len ? len : 1] = '\0';
	main_pid_dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (main_pid_dir < 0)
		warn("%s: PID file won't be removed at exit: %s", dir,
		     strerror(errno));
	return fd;
}

/**
 * main_pidfile_remove() - Remove the PID file at a clean exit, if we may
 *
 * #syscalls unlinkat
 */
static void main_pidfile_remove(void)
{
	if (main_pid_dir < 0)
		return;
	if (unlinkat(main_pid_dir, main_pid_name, 0) && errno != ENOENT)
		debug("PID file %s not removed: %s", main_pid_name,
		      strerror(errno));
	close(main_pid_dir);
	main_pid_dir = -1;
}

/**
 * main_pidfile_write() - Write our PID (foreground mode)
 * @fd:		PID file, or -1
 */
static void main_pidfile_write(int fd)
{
	char buf[32];
	int n;

	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (ftruncate(fd, 0) || write(fd, buf, (size_t)n) != n)
		die("cannot write PID file: %s", strerror(errno));
	close(fd);
}

/**
 * main_nofile_raise() - Raise the descriptor limit to the hard limit
 *
 * Every flow holds host sockets (a spliced TCP connection six descriptors:
 * two sockets, two pipes), and a soft limit of 1024 would stop the flow
 * table far short of max_flows: the hard limit is ours to take, before
 * the sandbox.
 */
static void main_nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		debug("cannot raise the descriptor limit: %s",
		      strerror(errno));
}

/**
 * main_seccomp() - Compose and load the filter: core plus modules
 * @c:		Configuration
 */
static void main_seccomp(const struct conf *c)
{
	static const char *list[ARRAY_SIZE(core_syscalls) + MOD_MAX * 64 +
				32];
	const char *const *rl;
	const char **ml;
	size_t n = 0, mn, i;
	int rc;

	for (i = 0; core_syscalls[i]; i++)
		list[n++] = core_syscalls[i];
	ml = modload_syscalls(&mn);
	for (i = 0; i < mn && n < ARRAY_SIZE(list); i++)
		list[n++] = ml[i];
	rl = reload_syscalls(&mn);
	for (i = 0; i < mn && n < ARRAY_SIZE(list); i++)
		list[n++] = rl[i];

	rc = sandbox_seccomp(list, n, c->sandbox);
	if (rc)
		die("sandbox: seccomp: %s", strerror(-rc));
}

int main(int argc, char **argv)
{
	struct sandbox_conf sb = { 0 };
	int pidfile, rc;

	conf_parse(&conf, argc, argv);
	if (conf.list_modules)
		return modload_list(&conf);

	pif_init();
	csum_init();
	modload_all(&conf);
	modload_configure(&conf);
	{
		char e[PATH_MAX + 256];

		if (reload_check_forward(&conf, &conf.fwd, e, sizeof(e)))
			die("%s", e);
	}
	if (conf.check_only)
		return conf.json ? conf_print_json(&conf) : conf_print(&conf);

	if (*conf.log_file && (rc = log_open_file(conf.log_file)))
		die("%s: cannot open log file: %s", conf.log_file,
		    strerror(-rc));
	main_nofile_raise();
	if ((rc = flow_table_init(conf.max_flows)))
		die("flow table of %u flows: %s", conf.max_flows,
		    strerror(-rc));
	if ((rc = frame_txq_init(MAIN_TXQ_BYTES, MAIN_TXQ_FRAMES)))
		die("frame queue: %s", strerror(-rc));
	frame_txq_set_sender(main_send, NULL);
	frame_txq_set_waker(ops_tx_wake);
	if ((rc = loop_init()))
		die("event loop: %s", strerror(-rc));
	loop_busy_poll(conf.busy_poll_us);
	if (*conf.pcap) {
		if ((rc = pcap_open(conf.pcap)))
			die("%s: cannot open capture file: %s", conf.pcap,
			    strerror(-rc));
		info("capturing frames to %s", conf.pcap);
	}
	pidfile = main_pidfile_open(conf.pidfile, &conf);

	modload_init();
	{
		char e[512];

		if (reload_listen_all(e, sizeof(e)))
			die("%s", e);
	}
	rc = reload_prepare(&conf);
	if (rc < 0)
		die("%s: cannot keep its directory open for reloads: %s",
		    conf.file, strerror(-rc));

	if (!conf.foreground)
		log_to_syslog(!*conf.log_file);
	sb.enable = conf.sandbox;
	sb.runas = *conf.runas ? conf.runas : NULL;
	sb.daemon = !conf.foreground;
	if (sandbox_enter(&sb))
		exit(EXIT_FAILURE);

	if (conf.foreground) {
		main_pidfile_write(pidfile);
	} else {
		if (daemon_detach(pidfile))
			exit(EXIT_FAILURE);
		log_to_stderr(false);
	}
	if ((rc = loop_signals_open()))
		die("signalfd: %s", strerror(-rc));
	loop_on_signal(SIGUSR1, stats_log);
	if (conf.file)
		loop_on_signal(SIGHUP, reload_run);
	main_seccomp(&conf);

	modload_start();
	info("ready: backend %s, %u protocol modules", conf.backend,
	     conf.n_modules);
	rc = loop_run();
	modload_fini();
	main_pidfile_remove();
	return rc;
}
