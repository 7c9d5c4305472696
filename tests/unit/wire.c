// SPDX-License-Identifier: GPL-2.0-or-later
/* wire.c - Checksums computed the slow, obvious way (RFC 1071), for unit
 * tests: independent of the core's csum.c, which they check
 */

#include "wire.h"

/**
 * unit_sum16() - Ones' complement sum of big-endian 16-bit words, unfolded
 * @p:		Bytes
 * @len:	Length (an odd last byte is the high half of a word)
 * @sum:	Sum so far
 *
 * Return: new sum
 */
uint32_t unit_sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

/**
 * unit_fold() - Fold and complement a sum
 * @sum:	Sum
 *
 * Return: checksum, host order
 */
uint16_t unit_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
