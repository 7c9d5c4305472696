// SPDX-License-Identifier: GPL-2.0-or-later
/* abi2.c - Test module built for a future major ABI: refused */

#include "common.h"

__attribute__((visibility("default")))
const struct passt_module passt_module = {
	.abi_major = PASST_ABI_MAJOR + 1, .abi_minor = 0,
	.size = sizeof(struct passt_module), MODS_BASE("abi2"),
};
