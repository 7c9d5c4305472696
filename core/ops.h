/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ops.h - The table of core services handed to every module */

#ifndef OPS_H
#define OPS_H

#include <passt/module.h>

extern const struct passt_core_ops core_ops;

void ops_tx_wake(void);

#endif /* OPS_H */
