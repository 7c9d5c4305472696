/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz.h - Helpers shared by the libFuzzer harnesses in tests/fuzz/
 *
 * Every harness is a libFuzzer target: LLVMFuzzerTestOneInput() takes one
 * input, runs it through real project code and returns 0; a crash, a
 * sanitizer report, a leak or a broken invariant (fuzz_fail()) is a
 * finding, saved by libFuzzer as an artifact. See tests/fuzz/run.sh.
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Length of an Ethernet frame a harness may be handed: like FRAME_LEN_MAX */
#define FUZZ_FRAME_MAX		(14 + 65535 + 4)

__attribute__((noreturn, format(printf, 1, 2)))
void fuzz_fail(const char *fmt, ...);

void fuzz_netns(void);
void fuzz_quiet(void);
void fuzz_csum_fix(uint8_t *buf, size_t len);
void fuzz_check_to_guest(const uint8_t *buf, size_t len, uint32_t mtu);
#define FUZZ_FDS_MAX		1024

/**
 * struct fuzz_fds - Which file descriptors are open
 * @bits:	One bit per descriptor number
 */
struct fuzz_fds {
	uint64_t bits[FUZZ_FDS_MAX / 64];
};

void fuzz_fds_take(struct fuzz_fds *s);
void fuzz_fds_check(const struct fuzz_fds *before, const char *what);

#endif /* FUZZ_H */
