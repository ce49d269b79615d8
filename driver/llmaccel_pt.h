/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * llmaccel_pt.h: pure arithmetic of the driver, with no kernel
 * dependencies beyond fixed-width types, so host unit tests can compile
 * it too (the Debian kernel has no KUnit):
 *  - device page-table index and entry encoding (docs/hw-spec.md sec. 5),
 *  - range checks of device addresses and of SUBMIT's command buffer.
 */
#ifndef LLMACCEL_PT_H
#define LLMACCEL_PT_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
/* Host unit tests: the kernel's names for the fixed-width types. */
typedef unsigned long long u64;
typedef unsigned int u32;
#endif

#include "llmaccel_hw.h"

/* Index of @iova in the table of @level (3 = root .. 0 = leaf). */
static inline u32 llmaccel_pt_index(u64 iova, unsigned int level)
{
	return (u32)LLA_PT_INDEX(iova, level);
}

/* A non-leaf entry pointing at the table at bus address @table. */
static inline u64 llmaccel_pte_table(u64 table)
{
	return (table & LLA_PTE_ADDR_MASK) | LLA_PTE_VALID;
}

/* A leaf entry for the page at bus address @page. */
static inline u64 llmaccel_pte_page(u64 page, bool writable)
{
	return (page & LLA_PTE_ADDR_MASK) | LLA_PTE_VALID | LLA_PTE_READ |
	       (writable ? LLA_PTE_WRITE : 0);
}

static inline bool llmaccel_pte_valid(u64 pte)
{
	return pte & LLA_PTE_VALID;
}

static inline u64 llmaccel_pte_addr(u64 pte)
{
	return pte & LLA_PTE_ADDR_MASK;
}

/* Can a bus address be stored in an entry (page aligned, 52 bits)? */
static inline bool llmaccel_pte_addr_ok(u64 addr)
{
	return (addr & ~LLA_PTE_ADDR_MASK) == 0;
}

/*
 * Is [@iova, @iova + @size) a non-empty, page-aligned range inside
 * [LLA_IOVA_MIN, LLA_IOVA_LIMIT)?  No overflow for any input.
 */
static inline bool llmaccel_iova_range_ok(u64 iova, u64 size)
{
	return size && !(iova & (LLA_PAGE_SIZE - 1)) &&
	       !(size & (LLA_PAGE_SIZE - 1)) && iova >= LLA_IOVA_MIN &&
	       iova < LLA_IOVA_LIMIT && size <= LLA_IOVA_LIMIT - iova;
}

/*
 * SUBMIT's command-buffer arguments: @offset and @size inside a BO of
 * @bo_size bytes, both multiples of 8, size in 1..@max_cmdbuf.  The same
 * rules as the device's descriptor check (LLA_ERR_CMDBUF), made early so
 * userspace gets -EINVAL instead of a failed job.
 */
static inline bool llmaccel_cmdbuf_ok(u64 offset, u64 size, u64 bo_size,
				      u64 max_cmdbuf)
{
	return size && !(size & 7) && !(offset & 7) && size <= max_cmdbuf &&
	       offset < bo_size && size <= bo_size - offset;
}

/*
 * Size-negotiating copy: how many bytes to copy for a user buffer of
 * @user_size when the kernel has @have bytes (0 = size probe only).
 */
static inline u32 llmaccel_query_copy_len(u64 user_ptr, u32 user_size,
					  u32 have)
{
	if (!user_ptr || !user_size)
		return 0;
	return user_size < have ? user_size : have;
}

#endif /* LLMACCEL_PT_H */
