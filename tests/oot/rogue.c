// SPDX-License-Identifier: GPL-2.0-or-later
/* rogue.c - A test module making a system call it did not declare
 *
 * Theory of Operation
 * -------------------
 * Its start() runs inside the sandbox and calls getppid(), which neither
 * the core nor this module lists: the seccomp filter must kill the daemon
 * (SIGSYS) rather than let it through.
 */

#include <unistd.h>

#include <passt/module.h>

/**
 * rogue_configure() - Nothing to read
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0
 */
static int rogue_configure(struct passt_mod *m,
			   const struct passt_core_ops *core)
{
	(void)m;
	(void)core;
	return 0;
}

/**
 * rogue_init() - Nothing to open
 * @m:		This module
 *
 * Return: 0
 */
static int rogue_init(struct passt_mod *m)
{
	(void)m;
	return 0;
}

/**
 * rogue_start() - Make the undeclared call
 * @m:		This module
 *
 * Return: 0 if the call was let through (a failure of the sandbox)
 */
static int rogue_start(struct passt_mod *m)
{
	passt_core(m)->log(m, PASST_LOG_INFO, "calling getppid()");
	passt_core(m)->log(m, PASST_LOG_ERR, "getppid() returned %d: the "
			   "sandbox let it through", (int)getppid());
	return 0;
}

PASST_MODULE(
	.name		= "rogue",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "calls an undeclared system call (test)",
	.configure	= rogue_configure,
	.init		= rogue_init,
	.start		= rogue_start,
);
