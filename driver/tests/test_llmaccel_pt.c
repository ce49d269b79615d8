// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Host unit test (TAP) of driver/llmaccel_pt.h: the driver's pure
 * arithmetic, compiled for userspace (the Debian kernel has no KUnit).
 *   make -f mk/module.mk module-host-test   (or see mk/module.mk)
 * Golden values are written out by hand from docs/hw-spec.md section 5.
 */
#include <stdio.h>

#include "llmaccel_pt.h"

static int n, fails;

static void ok(int cond, const char *what)
{
	n++;
	fails += !cond;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
}

int main(void)
{
	/* IOVA 0x0000_8040_2010_3abc: level 3 idx 1, 2 idx 1, 1 idx 0x100... */
	u64 iova = (1ull << 39) | (1ull << 30) | (0x100ull << 21) |
		   (0x103ull << 12) | 0xabc;

	ok(llmaccel_pt_index(iova, 3) == 1, "root index = bits 47:39");
	ok(llmaccel_pt_index(iova, 2) == 1, "level-2 index = bits 38:30");
	ok(llmaccel_pt_index(iova, 1) == 0x100, "level-1 index = bits 29:21");
	ok(llmaccel_pt_index(iova, 0) == 0x103, "leaf index = bits 20:12");
	ok(llmaccel_pt_index(0xffffffffffffull, 3) == 511 &&
	   llmaccel_pt_index(0xffffffffffffull, 0) == 511, "top of the space: 511");

	ok(llmaccel_pte_table(0x12345000ull) == 0x12345001ull,
	   "table entry: address | VALID");
	ok(llmaccel_pte_page(0x12345000ull, 1) == 0x12345007ull,
	   "writable page: VALID | READ | WRITE");
	ok(llmaccel_pte_page(0x12345000ull, 0) == 0x12345003ull,
	   "read-only page: VALID | READ");
	ok(llmaccel_pte_page(0xfff0000000000fffull, 1) ==
	   (0x0000000000000007ull), "address bits outside 51:12 dropped");
	ok(llmaccel_pte_addr(0x000ffffffffff007ull) == 0x000ffffffffff000ull,
	   "entry address extraction");
	ok(llmaccel_pte_valid(1) && !llmaccel_pte_valid(6), "VALID bit");
	ok(llmaccel_pte_addr_ok(0x000ffffffffff000ull) &&
	   !llmaccel_pte_addr_ok(0x0010000000000000ull) &&
	   !llmaccel_pte_addr_ok(0x1800ull), "52-bit page-aligned bus addresses");

	ok(llmaccel_iova_range_ok(4096, 4096), "first usable page");
	ok(!llmaccel_iova_range_ok(0, 4096), "page 0 refused");
	ok(!llmaccel_iova_range_ok(4096, 0), "empty range refused");
	ok(!llmaccel_iova_range_ok(4097, 4096), "unaligned start refused");
	ok(!llmaccel_iova_range_ok(4096, 100), "unaligned size refused");
	ok(llmaccel_iova_range_ok((1ull << 48) - 4096, 4096), "last page of 2^48");
	ok(!llmaccel_iova_range_ok((1ull << 48) - 4096, 8192), "past 2^48 refused");
	ok(!llmaccel_iova_range_ok(1ull << 48, 4096), "start at 2^48 refused");
	ok(!llmaccel_iova_range_ok(4096, ~0ull - 4095), "overflowing size refused");

	ok(llmaccel_cmdbuf_ok(0, 8, 4096, 1 << 20), "8-byte command buffer");
	ok(llmaccel_cmdbuf_ok(4088, 8, 4096, 1 << 20), "last 8 bytes of the BO");
	ok(!llmaccel_cmdbuf_ok(4096, 8, 4096, 1 << 20), "offset at the end refused");
	ok(!llmaccel_cmdbuf_ok(4088, 16, 4096, 1 << 20), "running past the BO refused");
	ok(!llmaccel_cmdbuf_ok(0, 0, 4096, 1 << 20), "size 0 refused");
	ok(!llmaccel_cmdbuf_ok(0, 12, 4096, 1 << 20), "size % 8 refused");
	ok(!llmaccel_cmdbuf_ok(4, 8, 4096, 1 << 20), "offset % 8 refused");
	ok(!llmaccel_cmdbuf_ok(0, (1 << 20) + 8, 1 << 21, 1 << 20),
	   "larger than MAX_CMDBUF refused");
	ok(!llmaccel_cmdbuf_ok(~7ull, 8, 4096, 1 << 20), "huge offset refused");
	ok(!llmaccel_cmdbuf_ok(8, ~7ull, 4096, ~0ull), "wrapping size refused");

	ok(llmaccel_query_copy_len(0, 100, 96) == 0, "NULL pointer: probe only");
	ok(llmaccel_query_copy_len(0x1000, 0, 96) == 0, "size 0: probe only");
	ok(llmaccel_query_copy_len(0x1000, 64, 96) == 64, "short buffer: prefix");
	ok(llmaccel_query_copy_len(0x1000, 200, 96) == 96, "long buffer: all");

	printf("1..%d\n", n);
	return fails != 0;
}
