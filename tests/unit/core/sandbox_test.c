// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox_test.c - Unit tests for the runas parser and the syscall checker
 *
 * Nothing here enters the sandbox: that would confine the test runner
 * itself. The integration suite covers it through the real daemon.
 */

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "sandbox.h"
#include "unit.h"

/* Sentinels: a failing call must not touch its outputs */
#define UID_UNSET	((uid_t)4242)
#define GID_UNSET	((gid_t)4343)

/**
 * resolve() - Call sandbox_resolve_user() with preset outputs
 * @runas:	Argument
 * @uid:	Result
 * @gid:	Result
 *
 * Return: what sandbox_resolve_user() returned
 */
static int resolve(const char *runas, uid_t *uid, gid_t *gid)
{
	*uid = UID_UNSET;
	*gid = GID_UNSET;
	return sandbox_resolve_user(runas, uid, gid);
}

/**
 * nobody_ids() - What "nobody" is on this system
 * @uid:	Result
 * @gid:	Result
 */
static void nobody_ids(uid_t *uid, gid_t *gid)
{
	const struct passwd *pw = getpwnam("nobody");

	*uid = pw ? pw->pw_uid : 65534;
	*gid = pw ? pw->pw_gid : 65534;
}

static void test_default(void)
{
	uid_t uid, want_uid;
	gid_t gid, want_gid;

	if (geteuid()) {
		want_uid = geteuid();
		want_gid = getegid();
	} else {
		nobody_ids(&want_uid, &want_gid);
	}

	CU_ASSERT_EQUAL(resolve(NULL, &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, want_uid);
	CU_ASSERT_EQUAL(gid, want_gid);

	CU_ASSERT_EQUAL(resolve("", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, want_uid);
	CU_ASSERT_EQUAL(gid, want_gid);
}

static void test_root(void)
{
	uid_t uid;
	gid_t gid;

	CU_ASSERT_EQUAL(resolve("root", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 0);
	CU_ASSERT_EQUAL(gid, 0);

	CU_ASSERT_EQUAL(resolve("0", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 0);
	CU_ASSERT_EQUAL(gid, 0);

	CU_ASSERT_EQUAL(resolve("root:root", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 0);
	CU_ASSERT_EQUAL(gid, 0);

	CU_ASSERT_EQUAL(resolve("0:0", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 0);
	CU_ASSERT_EQUAL(gid, 0);
}

static void test_nobody(void)
{
	uid_t uid, want_uid;
	gid_t gid, want_gid;

	if (!getpwnam("nobody")) {
		CU_PASS("no 'nobody' in the passwd database");
		return;
	}
	nobody_ids(&want_uid, &want_gid);

	CU_ASSERT_EQUAL(resolve("nobody", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, want_uid);
	CU_ASSERT_EQUAL(gid, want_gid);

	/* A name for the user, a number for the group */
	CU_ASSERT_EQUAL(resolve("nobody:7", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, want_uid);
	CU_ASSERT_EQUAL(gid, 7);
}

static void test_numeric(void)
{
	uid_t uid;
	gid_t gid;

	CU_ASSERT_EQUAL(resolve("65534:65534", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 65534);
	CU_ASSERT_EQUAL(gid, 65534);

	CU_ASSERT_EQUAL(resolve("1000:2000", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 1000);
	CU_ASSERT_EQUAL(gid, 2000);

	/* A number for the user, a name for the group */
	CU_ASSERT_EQUAL(resolve("1234:root", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 1234);
	CU_ASSERT_EQUAL(gid, 0);

	/* Largest valid ID: (uid_t)-1 itself means "unchanged" to setuid() */
	CU_ASSERT_EQUAL(resolve("4294967294:4294967294", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 4294967294U);
	CU_ASSERT_EQUAL(gid, 4294967294U);
}

static void test_numeric_no_passwd(void)
{
	uid_t uid;
	gid_t gid;

	/* No passwd entry: the group is the same number, never 0 */
	if (getpwuid(3999999)) {
		CU_PASS("uid 3999999 exists here");
		return;
	}
	CU_ASSERT_EQUAL(resolve("3999999", &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 3999999);
	CU_ASSERT_EQUAL(gid, 3999999);
}

static void test_unknown(void)
{
	uid_t uid;
	gid_t gid;

	CU_ASSERT_EQUAL(resolve("no_such_user_passt", &uid, &gid), -ENOENT);
	CU_ASSERT_EQUAL(uid, UID_UNSET);
	CU_ASSERT_EQUAL(gid, GID_UNSET);

	CU_ASSERT_EQUAL(resolve("root:no_such_group_passt", &uid, &gid),
			-ENOENT);
	CU_ASSERT_EQUAL(uid, UID_UNSET);
	CU_ASSERT_EQUAL(gid, GID_UNSET);

	CU_ASSERT_EQUAL(resolve("0:no_such_group_passt", &uid, &gid),
			-ENOENT);
	CU_ASSERT_EQUAL(resolve("no_such_user_passt:0", &uid, &gid),
			-ENOENT);
	CU_ASSERT_EQUAL(resolve("1abc", &uid, &gid), -ENOENT);
	CU_ASSERT_EQUAL(uid, UID_UNSET);
	CU_ASSERT_EQUAL(gid, GID_UNSET);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"1:2:3", "abc:", ":", ":0", "root:", "::", "0::0",
		"-1", "+root", "root:-1", "root:+root",
		"4294967295", "0:4294967295", "99999999999999999999",
		"0:18446744073709551616",
	};
	char longname[300];
	uid_t uid;
	gid_t gid;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = resolve(bad[i], &uid, &gid);

		if (rc != -EINVAL)
			fprintf(stderr, "\n'%s': %d\n", bad[i], rc);
		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT_EQUAL(uid, UID_UNSET);
		CU_ASSERT_EQUAL(gid, GID_UNSET);
	}

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CU_ASSERT_EQUAL(resolve(longname, &uid, &gid), -EINVAL);
	CU_ASSERT_EQUAL(uid, UID_UNSET);
}

static void test_seccomp_allowed(void)
{
	/* Present on this architecture */
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("read"), 1);
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("write"), 1);
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("exit_group"), 1);
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("epoll_pwait"), 1);
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("recvmmsg"), 1);

	/* Known elsewhere (i386, arm): an alternative, not a typo */
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("socketcall"), 1);
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("arm_fadvise64_64"), 1);

	/* Typos and nonsense */
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("recvmmsg64"), 0);
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("reed"), 0);
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("READ"), 0);
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed("read "), 0);
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed(""), 0);
	CU_ASSERT_EQUAL(sandbox_seccomp_allowed(NULL), 0);
}

static void test_seccomp_disabled(void)
{
	static const char *const list[] = { "read", NULL, "write" };

	/* Sandbox off: returns at once, loads nothing into the runner */
	CU_ASSERT_EQUAL(sandbox_seccomp(list, 3, false), 0);
	CU_ASSERT_EQUAL(sandbox_seccomp(NULL, 0, false), 0);
}

UNIT_SUITE(sandbox,
	   { "resolve_user default", test_default },
	   { "resolve_user root", test_root },
	   { "resolve_user nobody", test_nobody },
	   { "resolve_user numeric", test_numeric },
	   { "resolve_user numeric, no passwd", test_numeric_no_passwd },
	   { "resolve_user unknown", test_unknown },
	   { "resolve_user malformed", test_malformed },
	   { "seccomp_allowed", test_seccomp_allowed },
	   { "seccomp disabled", test_seccomp_disabled })
