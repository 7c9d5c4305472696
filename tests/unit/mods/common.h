/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common.h - Callbacks shared by the deliberately broken test modules */

#ifndef MODS_COMMON_H
#define MODS_COMMON_H

#include <errno.h>

#include <passt/module.h>

/**
 * mods_configure() - Accept any configuration
 * @m:		Module
 * @core:	Core services
 *
 * Return: 0
 */
static inline int mods_configure(struct passt_mod *m,
				 const struct passt_core_ops *core)
{
	(void)m;
	(void)core;
	return 0;
}

/**
 * mods_init() - Open nothing
 * @m:		Module
 *
 * Return: 0
 */
static inline int mods_init(struct passt_mod *m)
{
	(void)m;
	return 0;
}

#define MODS_BASE(n)							\
	.name = n, .kind = PASST_MOD_PROTOCOL, .summary = "test module",\
	.configure = mods_configure, .init = mods_init

#endif /* MODS_COMMON_H */
