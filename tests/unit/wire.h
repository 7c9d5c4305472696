/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wire.h - Checksums computed the slow, obvious way, for unit tests to
 * check what modules build and to build what they are fed
 *
 *	put16(ip + 10, unit_fold(unit_sum16(ip, 20, 0)));
 *	CU_ASSERT_EQUAL(unit_fold(unit_sum16(ip, 20, 0)), 0);
 */

#ifndef UNIT_WIRE_H
#define UNIT_WIRE_H

#include <stddef.h>
#include <stdint.h>

uint32_t unit_sum16(const uint8_t *p, size_t len, uint32_t sum);
uint16_t unit_fold(uint32_t sum);

#endif /* UNIT_WIRE_H */
