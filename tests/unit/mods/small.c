// SPDX-License-Identifier: GPL-2.0-or-later
/* small.c - Test module whose descriptor claims to be too small: refused */

#include "common.h"

__attribute__((visibility("default")))
const struct passt_module passt_module = {
	.abi_major = PASST_ABI_MAJOR, .abi_minor = PASST_ABI_MINOR,
	.size = 96, MODS_BASE("small"),
};
