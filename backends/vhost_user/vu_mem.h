/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_mem.h - The frontend's memory regions: mapping and address translation */

#ifndef VU_MEM_H
#define VU_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VU_MEM_REGIONS_MAX	8	/* at most, in a SET_MEM_TABLE */

/**
 * struct vu_mem_desc - One region as SET_MEM_TABLE describes it
 * @gpa:	Guest-physical address of its first byte
 * @size:	Length in bytes
 * @uva:	Address of its first byte in the frontend's own address space
 * @offset:	Offset of its first byte in the file passed with it
 */
struct vu_mem_desc {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t offset;
};

/**
 * struct vu_mem_region - One region, mapped here
 * @d:		What the frontend said about it
 * @map:	Our mapping of the file, from offset 0
 * @map_len:	Length of @map: @d.offset + @d.size
 * @host:	First byte of the region in our address space (@map + offset)
 */
struct vu_mem_region {
	struct vu_mem_desc d;
	void *map;
	size_t map_len;
	uint8_t *host;
};

/**
 * struct vu_mem - The frontend's memory, as far as it shared it
 * @r:		Regions, @n of them mapped
 * @n:		Number of regions
 */
struct vu_mem {
	struct vu_mem_region r[VU_MEM_REGIONS_MAX];
	unsigned int n;
};

int vu_mem_fd_check(const struct vu_mem_desc *d, int fd, uint64_t *fsize);
int vu_mem_map(struct vu_mem *mem, const struct vu_mem_desc *d,
	       unsigned int n, const int *fds);
void vu_mem_unmap(struct vu_mem *mem);
void *vu_mem_uva(const struct vu_mem *mem, uint64_t uva, uint64_t len);
int vu_mem_gpa(const struct vu_mem *mem, uint64_t gpa, uint64_t len,
	       struct iovec *iov, size_t iov_max);

#endif /* VU_MEM_H */
