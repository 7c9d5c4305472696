// SPDX-License-Identifier: GPL-2.0-or-later
/* csum_test.c - Internet checksums against a byte-pair reference
 *
 * Set CSUM_BENCH=1 to also time both implementations on 64 KiB buffers.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"
#include "csum.h"
#include "util.h"

#define CSUM_TEST_MAXLEN	2048
#define CSUM_TEST_OFFSETS	64

typedef uint32_t (*csum_fn)(const void *buf, size_t len, uint32_t init);

static uint64_t csum_test_rng = 0x9e3779b97f4a7c15ULL;

/**
 * csum_test_rand() - Deterministic pseudo-random numbers (xorshift64*)
 *
 * Return: next 32-bit value
 */
static uint32_t csum_test_rand(void)
{
	csum_test_rng ^= csum_test_rng >> 12;
	csum_test_rng ^= csum_test_rng << 25;
	csum_test_rng ^= csum_test_rng >> 27;
	return (uint32_t)((csum_test_rng * 0x2545f4914f6cdd1dULL) >> 32);
}

/**
 * csum_test_fill() - Fill a buffer with pseudo-random bytes
 * @p:		Buffer
 * @len:	Its length
 */
static void csum_test_fill(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)csum_test_rand();
}

/**
 * csum_test_init() - Random partial sum, with the extremes now and then
 * @i:		Case number
 *
 * Return: value to pass as @init
 */
static uint32_t csum_test_init(size_t i)
{
	switch (i % 8) {
	case 0:
		return 0;
	case 1:
		return 0xffffffff;
	case 2:
		return 0xffff;
	default:
		return csum_test_rand();
	}
}

/**
 * csum_ref() - Checksum the slow way: RFC 1071 byte pairs, 16 bits a time
 * @buf:	Data
 * @len:	Length
 * @init:	Partial sum, in memory order
 *
 * Return: folded checksum, in memory order
 */
static uint16_t csum_ref(const uint8_t *buf, size_t len, uint32_t init)
{
	uint32_t sum = (init & 0xffff) + (init >> 16);
	uint8_t pair[2];
	uint16_t w;
	size_t i;

	for (i = 0; i < len; i += 2) {
		pair[0] = buf[i];
		pair[1] = i + 1 < len ? buf[i + 1] : 0;
		memcpy(&w, pair, 2);		/* memory order */
		sum += w;
		sum = (sum & 0xffff) + (sum >> 16);	/* end-around carry */
	}
	sum = (sum & 0xffff) + (sum >> 16);

	return (uint16_t)~sum;
}

/**
 * csum_test_have_avx2() - Whether this CPU can run csum_unfolded_avx2()
 *
 * Return: true if it can
 */
static int csum_test_have_avx2(void)
{
	static int have = -1;

	if (have < 0) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_cpu_init();
		have = !!__builtin_cpu_supports("avx2");
#else
		have = 1;	/* the portable fallback always runs */
#endif
	}
	return have;
}

/**
 * csum_test_exhaustive() - Every length to 2048 at every offset to 63
 * @fn:		Implementation under test
 *
 * Each case gets its own allocation ending right after the data, so
 * AddressSanitizer or valgrind catch any read past the end.
 */
static void csum_test_exhaustive(csum_fn fn)
{
	unsigned int bad = 0;
	size_t len, off, n = 0;

	for (len = 0; len <= CSUM_TEST_MAXLEN; len++) {
		for (off = 0; off < CSUM_TEST_OFFSETS; off++, n++) {
			uint32_t init = csum_test_init(n);
			void *mem;
			uint8_t *p;
			uint16_t got, want;

			if (posix_memalign(&mem, 64, MAX(off + len, 1))) {
				CU_FAIL_FATAL("posix_memalign");
				return;
			}
			p = (uint8_t *)mem + off;
			csum_test_fill(p, len);

			want = csum_ref(p, len, init);
			got = csum_fold(fn(p, len, init));
			if (got != want && bad++ < 10)
				fprintf(stderr, "\nlen %zu off %zu init %08x: "
					"%04x, expected %04x", len, off, init,
					got, want);
			free(mem);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(n, (CSUM_TEST_MAXLEN + 1) * CSUM_TEST_OFFSETS);
}

/**
 * csum_test_large() - 64 KiB buffers, around it, and all-ones worst cases
 * @fn:		Implementation under test
 */
static void csum_test_large(csum_fn fn)
{
	/* 9 MiB + 3 crosses AVX2 chunk boundaries (every 2 MiB) */
	static const size_t lens[] = { 65536, 65536, 65535, 65537, 65534,
				       65536 * 3 + 1, 9 * 1024 * 1024 + 3 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		size_t off = csum_test_rand() % CSUM_TEST_OFFSETS;
		uint32_t init = csum_test_init(i);
		uint8_t *mem = malloc(lens[i] + off), *p = mem + off;

		CU_ASSERT_PTR_NOT_NULL_FATAL(mem);

		csum_test_fill(p, lens[i]);
		CU_ASSERT_EQUAL(csum_fold(fn(p, lens[i], init)),
				csum_ref(p, lens[i], init));

		/* Every lane at its maximum: any missed carry shows here */
		memset(p, 0xff, lens[i]);
		CU_ASSERT_EQUAL(csum_fold(fn(p, lens[i], 0xffffffff)),
				csum_ref(p, lens[i], 0xffffffff));
		CU_ASSERT_EQUAL(csum_fold(fn(p, lens[i], 0)),
				csum_ref(p, lens[i], 0));

		memset(p, 0, lens[i]);
		CU_ASSERT_EQUAL(csum_fold(fn(p, lens[i], 0)), 0xffff);
		CU_ASSERT_EQUAL(csum_fold(fn(p, lens[i], init)),
				csum_ref(p, lens[i], init));

		free(mem);
	}
}

/**
 * csum_test_chain() - A partial sum carries over into the next call
 * @fn:		Implementation under test
 */
static void csum_test_chain(csum_fn fn)
{
	static uint8_t buf[4096 + 1];
	size_t split;

	csum_test_fill(buf, sizeof(buf));
	for (split = 0; split <= sizeof(buf); split += 2) {
		uint32_t s = fn(buf, split, 0x12345678);

		s = fn(buf + split, sizeof(buf) - split, s);
		CU_ASSERT_EQUAL(csum_fold(s),
				csum_ref(buf, sizeof(buf), 0x12345678));
	}
}

/**
 * test_portable() - Portable sums match the reference
 */
static void test_portable(void)
{
	csum_test_exhaustive(csum_unfolded_portable);
	csum_test_large(csum_unfolded_portable);
	csum_test_chain(csum_unfolded_portable);
}

/**
 * test_avx2() - AVX2 sums match the reference (skipped without AVX2)
 */
static void test_avx2(void)
{
	if (!csum_test_have_avx2()) {
		fprintf(stderr, "\n  csum: no AVX2 on this CPU, skipping ");
		return;
	}
	csum_test_exhaustive(csum_unfolded_avx2);
	csum_test_large(csum_unfolded_avx2);
	csum_test_chain(csum_unfolded_avx2);
}

/**
 * test_dispatch() - csum_init() picks AVX2 exactly when the CPU has it
 */
static void test_dispatch(void)
{
	static uint8_t buf[1500];
	const char *name = csum_impl_name();

	/* Another suite may have called csum_init() already */
	CU_ASSERT(!strcmp(name, "portable") || !strcmp(name, "avx2"));

	csum_init();
#if defined(__x86_64__) || defined(__i386__)
	CU_ASSERT_STRING_EQUAL(csum_impl_name(),
			       csum_test_have_avx2() ? "avx2" : "portable");
#else
	CU_ASSERT_STRING_EQUAL(csum_impl_name(), "portable");
#endif

	csum_test_fill(buf, sizeof(buf));
	CU_ASSERT_EQUAL(csum_fold(csum_unfolded(buf, sizeof(buf), 7)),
			csum_ref(buf, sizeof(buf), 7));
	CU_ASSERT_EQUAL(csum(buf, sizeof(buf) - 1, 0xabcdef),
			csum_ref(buf, sizeof(buf) - 1, 0xabcdef));
	CU_ASSERT_EQUAL(csum(NULL, 0, 0), 0xffff);
}

/**
 * test_vectors() - Known checksums land as the right bytes in memory
 */
static void test_vectors(void)
{
	/* IPv4 header: 192.168.0.1 -> 192.168.0.199, UDP, checksum b861 */
	static const uint8_t ip4[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
		0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01,
		0xc0, 0xa8, 0x00, 0xc7,
	};
	/* RFC 1071, section 3: words 0001 f203 f4f5 f6f7 sum to ddf2 */
	static const uint8_t rfc[8] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7,
	};
	uint8_t hdr[sizeof(ip4)], out[2];
	uint16_t c;

	/* A header with its checksum in place verifies to zero */
	CU_ASSERT_EQUAL(csum(ip4, sizeof(ip4), 0), 0);
	CU_ASSERT_EQUAL(csum_fold(csum_unfolded_portable(ip4, 20, 0)), 0);
	CU_ASSERT_EQUAL(csum_fold(csum_unfolded_avx2(ip4, 20, 0)), 0);

	/* Computed with the field zeroed, stored as is: b8 61 */
	memcpy(hdr, ip4, sizeof(hdr));
	hdr[10] = hdr[11] = 0;
	c = csum(hdr, sizeof(hdr), 0);
	memcpy(hdr + 10, &c, sizeof(c));
	CU_ASSERT_EQUAL(hdr[10], 0xb8);
	CU_ASSERT_EQUAL(hdr[11], 0x61);
	CU_ASSERT_EQUAL(memcmp(hdr, ip4, sizeof(ip4)), 0);

	/* ~ddf2 = 220d, stored in memory order */
	c = csum(rfc, sizeof(rfc), 0);
	memcpy(out, &c, sizeof(out));
	CU_ASSERT_EQUAL(out[0], 0x22);
	CU_ASSERT_EQUAL(out[1], 0x0d);

	/* Odd length: the last byte is the high half of a zero-padded word,
	 * 0x0100 + 0x0200 (as big-endian words) -> ~0x0300 = fcff
	 */
	c = csum((const uint8_t []){ 0x01, 0x00, 0x02 }, 3, 0);
	memcpy(out, &c, sizeof(out));
	CU_ASSERT_EQUAL(out[0], 0xfc);
	CU_ASSERT_EQUAL(out[1], 0xff);
}

/**
 * test_fold() - Folding: carries, both zeroes, complement
 */
static void test_fold(void)
{
	CU_ASSERT_EQUAL(csum_fold(0), 0xffff);
	CU_ASSERT_EQUAL(csum_fold(0xffff), 0);
	CU_ASSERT_EQUAL(csum_fold(0x1234), 0xedcb);
	CU_ASSERT_EQUAL(csum_fold(0x10000), 0xfffe);		/* 1 */
	CU_ASSERT_EQUAL(csum_fold(0x1ffff), 0xfffe);		/* ffff + 1 */
	CU_ASSERT_EQUAL(csum_fold(0xfffe0001), 0);		/* ffff */
	CU_ASSERT_EQUAL(csum_fold(0xffff0000), 0);		/* ffff */
	CU_ASSERT_EQUAL(csum_fold(0xffffffff), 0);	/* 1fffe -> ffff */
	CU_ASSERT_EQUAL(csum_fold(0xfffffffe), 0x0001);	/* 1fffd -> fffe */
	CU_ASSERT_EQUAL(csum_fold(0x8000ffff), 0x7fff);	/* 1 7fff -> 8000 */
	CU_ASSERT_EQUAL(csum_fold(0x00020003), 0xfffa);	/* 5 */

	/* Empty buffers: the fold of @init alone */
	CU_ASSERT_EQUAL(csum_fold(csum_unfolded_portable(NULL, 0,
							 0xffffffff)), 0);
	CU_ASSERT_EQUAL(csum_fold(csum_unfolded_avx2(NULL, 0, 0x1234)),
			0xedcb);
}

/**
 * csum_bench_one() - Time one implementation on a 64 KiB buffer
 * @name:	Name to print
 * @fn:		Implementation
 * @buf:	Buffer
 * @len:	Its length
 */
static void csum_bench_one(const char *name, csum_fn fn,
			   const uint8_t *buf, size_t len)
{
	const unsigned int rounds = 100000;
	struct timespec a, b;
	volatile uint32_t sink = 0;
	unsigned int i;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < rounds; i++)
		sink += fn(buf, len, i);
	clock_gettime(CLOCK_MONOTONIC, &b);
	(void)sink;

	s = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	fprintf(stderr, "\n  %-8s %zu bytes x %u: %.3f s, %.2f GB/s", name,
		len, rounds, s, (double)len * rounds / s / 1e9);
}

/**
 * test_bench() - Throughput on 64 KiB buffers, if CSUM_BENCH=1
 */
static void test_bench(void)
{
	static uint8_t buf[65536 + 1];
	const char *env = getenv("CSUM_BENCH");

	if (!env || strcmp(env, "1"))
		return;

	csum_test_fill(buf, sizeof(buf));
	csum_bench_one("portable", csum_unfolded_portable, buf, 65536);
	csum_bench_one("portable", csum_unfolded_portable, buf + 1, 65536);
	if (csum_test_have_avx2()) {
		csum_bench_one("avx2", csum_unfolded_avx2, buf, 65536);
		csum_bench_one("avx2", csum_unfolded_avx2, buf + 1, 65536);
	}
	csum_bench_one("portable", csum_unfolded_portable, buf, 1500);
	if (csum_test_have_avx2())
		csum_bench_one("avx2", csum_unfolded_avx2, buf, 1500);
	fprintf(stderr, "\n");
}

UNIT_SUITE(csum,
	   { "fold", test_fold },
	   { "vectors", test_vectors },
	   { "portable", test_portable },
	   { "avx2", test_avx2 },
	   { "dispatch", test_dispatch },
	   { "bench", test_bench })
