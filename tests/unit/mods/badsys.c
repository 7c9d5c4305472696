// SPDX-License-Identifier: GPL-2.0-or-later
/* badsys.c - Test module declaring a system call that doesn't exist */

#include "common.h"

static const char *const badsys_syscalls[] = { "read", "recvmmsg64", NULL };

PASST_MODULE(MODS_BASE("badsys"), .syscalls = badsys_syscalls);
