/* SPDX-License-Identifier: GPL-2.0-or-later */
/* csum.h - Internet checksums: portable and vectorised, chosen at run time */

#ifndef CSUM_H
#define CSUM_H

#include <stddef.h>
#include <stdint.h>

void csum_init(void);
const char *csum_impl_name(void);
uint32_t csum_unfolded(const void *buf, size_t len, uint32_t init);
uint32_t csum_unfolded_portable(const void *buf, size_t len, uint32_t init);
uint32_t csum_unfolded_avx2(const void *buf, size_t len, uint32_t init);
uint16_t csum_fold(uint32_t sum);
uint16_t csum(const void *buf, size_t len, uint32_t init);

#endif /* CSUM_H */
