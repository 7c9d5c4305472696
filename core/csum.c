// SPDX-License-Identifier: GPL-2.0-or-later
/* csum.c - Internet checksums: portable and vectorised, chosen at run time
 *
 * The Internet checksum (RFC 1071) is the ones' complement of the ones'
 * complement sum of 16-bit words. That sum does not depend on byte order
 * (RFC 1071, section 2.B): adding words as the CPU loads them from memory
 * and storing the folded result back with a plain store puts the right
 * bytes in the packet. So every function here works in memory order: the
 * value csum() returns goes into a header with memcpy() or a uint16_t
 * store, never through htons(), and @init values are partial sums in the
 * same order (for example an earlier csum_unfolded() over a pseudo-header).
 *
 * Because 2^16, 2^32 and 2^64 are all 1 modulo 0xffff, any wider word can be
 * added with an end-around carry and folded later: the portable path adds
 * 64-bit words, the AVX2 path adds 16-bit halves into 32-bit lanes. The
 * unfolded values two implementations return may differ, but they are the
 * same ones' complement number, so they fold to the same checksum.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CSUM_X86	1
#endif

#include "csum.h"
#include "util.h"

/* Below this many bytes, setting up vectors costs more than it saves */
#define CSUM_AVX2_MIN		256

/* 64-byte steps per AVX2 chunk: each 32-bit lane takes two 16-bit values
 * per step, and 32768 * 2 * 0xffff still fits in 32 bits
 */
#define CSUM_AVX2_STEPS		32768

static uint32_t (*csum_impl)(const void *buf, size_t len, uint32_t init) =
	csum_unfolded_portable;
static const char *csum_name = "portable";

/**
 * csum_add64() - Ones' complement addition of two 64-bit values
 * @a:		First value
 * @b:		Second value
 *
 * Return: @a + @b with the carry out of bit 63 added back in
 */
static inline uint64_t csum_add64(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

/**
 * csum_fold64() - Fold a 64-bit ones' complement sum to 32 bits
 * @s:		Sum
 *
 * Return: the same ones' complement number in 32 bits
 */
static inline uint32_t csum_fold64(uint64_t s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

/**
 * csum_unfolded_portable() - Ones' complement sum, in plain C
 * @buf:	Data, any alignment
 * @len:	Length in bytes, odd lengths too (the last byte is padded)
 * @init:	Partial sum to add, in memory order (0 for none)
 *
 * Four independent 64-bit accumulators keep the adds out of each other's
 * way; each one counts its carries apart and they are added back at the end.
 *
 * Return: 32-bit partial sum, in memory order, to fold with csum_fold()
 */
uint32_t csum_unfolded_portable(const void *buf, size_t len, uint32_t init)
{
	uint64_t s0 = init, s1 = 0, s2 = 0, s3 = 0;
	uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
	const uint8_t *p = buf;
	uint64_t w[4];

	for (; len >= sizeof(w); p += sizeof(w), len -= sizeof(w)) {
		memcpy(w, p, sizeof(w));	/* no alignment assumed */
		s0 += w[0];
		c0 += s0 < w[0];
		s1 += w[1];
		c1 += s1 < w[1];
		s2 += w[2];
		c2 += s2 < w[2];
		s3 += w[3];
		c3 += s3 < w[3];
	}

	for (; len >= sizeof(w[0]); p += sizeof(w[0]), len -= sizeof(w[0])) {
		memcpy(w, p, sizeof(w[0]));
		s0 += w[0];
		c0 += s0 < w[0];
	}

	if (len) {
		/* Zero padding keeps each byte at its offset in its word: an
		 * odd last byte pairs with a zero, as RFC 1071 asks
		 */
		w[0] = 0;
		memcpy(w, p, len);
		s0 += w[0];
		c0 += s0 < w[0];
	}

	/* Carry counts are at most len / 8, so their total cannot wrap */
	s0 = csum_add64(s0, s1);
	s0 = csum_add64(s0, s2);
	s0 = csum_add64(s0, s3);
	s0 = csum_add64(s0, c0 + c1 + c2 + c3);

	return csum_fold64(s0);
}

#ifdef CSUM_X86
/**
 * csum_avx2_lanes() - Add the 32-bit lanes of a vector, without wrapping
 * @v:		Vector of eight 32-bit lanes
 *
 * Return: sum of the lanes, in 64 bits
 */
__attribute__((target("avx2")))
static inline uint64_t csum_avx2_lanes(__m256i v)
{
	const __m256i zero = _mm256_setzero_si256();
	uint64_t l[4];

	v = _mm256_add_epi64(_mm256_unpacklo_epi32(v, zero),
			     _mm256_unpackhi_epi32(v, zero));
	_mm256_storeu_si256((__m256i *)l, v);

	return l[0] + l[1] + l[2] + l[3];
}

/**
 * csum_unfolded_avx2() - Ones' complement sum, with AVX2 vectors
 * @buf:	Data, any alignment
 * @len:	Length in bytes, odd lengths too (the last byte is padded)
 * @init:	Partial sum to add, in memory order (0 for none)
 *
 * Each 32-bit lane holds two 16-bit words: masking and shifting them into
 * two accumulators of 32-bit lanes leaves room for CSUM_AVX2_STEPS steps
 * before a lane could wrap, so the inner loop needs no carry handling; the
 * lanes are widened to 64 bits once per chunk. Only whole 64-byte steps
 * go through vectors; the rest goes through csum_unfolded_portable(), which
 * sees it at an even offset, so words still pair up the same way.
 *
 * Call only if the CPU has AVX2 (csum_init() checks).
 *
 * Return: 32-bit partial sum, in memory order, to fold with csum_fold()
 */
__attribute__((target("avx2")))
uint32_t csum_unfolded_avx2(const void *buf, size_t len, uint32_t init)
{
	const __m256i mask = _mm256_set1_epi32(0xffff);
	const uint8_t *p = buf;
	uint64_t sum = init;

	if (len < CSUM_AVX2_MIN)
		return csum_unfolded_portable(buf, len, init);

	while (len >= 64) {
		size_t steps = MIN(len / 64, (size_t)CSUM_AVX2_STEPS);
		__m256i lo = _mm256_setzero_si256(), hi = lo;
		const uint8_t *end = p + steps * 64;

		do {
			__m256i v0 = _mm256_loadu_si256((const __m256i *)p);
			__m256i v1 = _mm256_loadu_si256((const __m256i *)
							(p + 32));

			lo = _mm256_add_epi32(lo, _mm256_add_epi32(
				_mm256_and_si256(v0, mask),
				_mm256_and_si256(v1, mask)));
			hi = _mm256_add_epi32(hi, _mm256_add_epi32(
				_mm256_srli_epi32(v0, 16),
				_mm256_srli_epi32(v1, 16)));
			p += 64;
		} while (p != end);
		len -= steps * 64;

		/* Lanes are below 2^32, so the sum of all 16 fits easily */
		sum = csum_add64(sum, csum_avx2_lanes(lo) +
				      csum_avx2_lanes(hi));
	}

	return csum_unfolded_portable(p, len, csum_fold64(sum));
}
#else /* !CSUM_X86 */
/**
 * csum_unfolded_avx2() - Ones' complement sum: no AVX2 here, plain C
 * @buf:	Data, any alignment
 * @len:	Length in bytes, odd lengths too (the last byte is padded)
 * @init:	Partial sum to add, in memory order (0 for none)
 *
 * Return: 32-bit partial sum, in memory order, to fold with csum_fold()
 */
uint32_t csum_unfolded_avx2(const void *buf, size_t len, uint32_t init)
{
	return csum_unfolded_portable(buf, len, init);
}
#endif /* !CSUM_X86 */

/**
 * csum_init() - Pick the fastest implementation this CPU runs
 *
 * Called once at start-up; until then, csum_unfolded() is portable.
 */
void csum_init(void)
{
	csum_impl = csum_unfolded_portable;
	csum_name = "portable";

#ifdef CSUM_X86
	/* Also false if the kernel doesn't save the YMM registers */
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2")) {
		csum_impl = csum_unfolded_avx2;
		csum_name = "avx2";
	}
#endif
}

/**
 * csum_impl_name() - Implementation csum_unfolded() uses
 *
 * Return: "avx2" or "portable"
 */
const char *csum_impl_name(void)
{
	return csum_name;
}

/**
 * csum_unfolded() - Ones' complement sum, with the implementation picked
 * @buf:	Data, any alignment
 * @len:	Length in bytes, odd lengths too (the last byte is padded)
 * @init:	Partial sum to add, in memory order (0 for none)
 *
 * Return: 32-bit partial sum, in memory order, to fold with csum_fold()
 */
uint32_t csum_unfolded(const void *buf, size_t len, uint32_t init)
{
	return csum_impl(buf, len, init);
}

/**
 * csum_fold() - Fold a partial sum to 16 bits and complement it
 * @sum:	32-bit partial sum, in memory order
 *
 * Return: checksum, in memory order: store it as is into the header
 */
uint16_t csum_fold(uint32_t sum)
{
	/* The first add can carry once into bit 16, the second cannot */
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);

	return (uint16_t)~sum;
}

/**
 * csum() - Internet checksum of a buffer
 * @buf:	Data, any alignment
 * @len:	Length in bytes, odd lengths too (the last byte is padded)
 * @init:	Partial sum to add, in memory order (0 for none)
 *
 * Return: checksum, in memory order: store it as is into the header
 */
uint16_t csum(const void *buf, size_t len, uint32_t init)
{
	return csum_fold(csum_unfolded(buf, len, init));
}
