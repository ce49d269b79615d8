/* SPDX-License-Identifier: MIT */
/* rtl-model internals: the execution context shared by the op files. */
#ifndef LLA_INTERNAL_H
#define LLA_INTERNAL_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "llmaccel_model.h"

/*
 * Inline forms of the numerics' bit casts and fp16 conversion for hot
 * loops (the exported lla_bits_f32/lla_f16_to_f32 are these): a call
 * per element through a shared library's PLT costs more than the work.
 */
static inline float lla_f32_of(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static inline uint32_t lla_bits_of(float f)
{
	uint32_t bits;

	memcpy(&bits, &f, sizeof(bits));
	return bits;
}

/* binary16 -> fp32, exact; NaN payloads kept (no quieting). */
static inline float lla_h2f(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	uint32_t e = (h >> 10) & 0x1fu;
	uint32_t m = h & 0x3ffu;

	if (e == 0x1f)			/* inf / NaN */
		return lla_f32_of(sign | 0x7f800000u | (m << 13));
	if (e)
		return lla_f32_of(sign | ((e + 112) << 23) | (m << 13));
	/* Zero and subnormals: m * 2^-24, exact (an fp32 normal or 0). */
	return lla_f32_of(sign | lla_bits_of((float)m * 0x1p-24f));
}

/*
 * The lane tree of the QMM F16 dot product (hw-spec section 7.4): the
 * LLA_F16_LANES = 16 lane sums are added pairwise, lane j with lane
 * j + 8, then j + 4, j + 2, j + 1; the result is s[0].  Overwrites @s.
 */
static inline float lla_f16_lane_tree(float s[LLA_F16_LANES])
{
	for (int w = LLA_F16_LANES / 2; w >= 1; w /= 2)
		for (int j = 0; j < w; j++)
			s[j] = s[j] + s[j + w];
	return s[0];
}

struct lla_exec {
	const struct lla_mem *mem;
	struct lla_job_result *res;	/* fault and byte counters */
	const struct lla_uarch *uarch;
	uint64_t now_cycle;		/* device clock (TIMESTAMP) */
	uint32_t use_lut;
	uint32_t threads;		/* opts.threads as given (0: 1) */
	uint32_t pos;			/* position the last ROPE/ATTN used */
	void (*progress)(void *arg, uint64_t macs);
	void *progress_arg;
};

/* Report @macs multiply-accumulates of computation done (see opts). */
static inline void lla_progress(struct lla_exec *x, uint64_t macs)
{
	if (x->progress)
		x->progress(x->progress_arg, macs);
}

/*
 * Device memory access through the lla_mem callbacks.  On failure they
 * record the fault (address, direction) in x->res and return the error,
 * which the op returns unchanged.
 */
int lla_rd(struct lla_exec *x, uint64_t iova, void *dst, uint64_t len);
int lla_wr(struct lla_exec *x, uint64_t iova, const void *src, uint64_t len);
/* @rows rows of @row_bytes each, @stride bytes apart, packed into dst. */
int lla_rd_rows(struct lla_exec *x, uint64_t iova, uint64_t stride,
		uint32_t rows, uint64_t row_bytes, void *dst);
int lla_wr_rows(struct lla_exec *x, uint64_t iova, uint64_t stride,
		uint32_t rows, uint64_t row_bytes, const void *src);
/*
 * Packed rows read in place when the memory offers it (lla_mem.map_read),
 * else copied into @buf as lla_rd_rows() does: the TLMM/QMM weight
 * blocks, so a decode step reads each weight byte once.  The access
 * (checks, fault, counters) is the same single read either way.  The
 * rows come out as runs of consecutive rows, contiguous in host memory:
 *
 *	err = lla_rows_map(x, &rm, iova, stride, rows, rb, buf, map, align);
 *	while (!err && lla_rows_next(&rm, &p, &first, &count))
 *		use rows [first, first + count), rb bytes apart from p;
 *	lla_rows_unmap(&rm);	(also after an error: harmless)
 *
 * @buf holds rows * rb bytes: the copy (map 0, no map_read, strided
 * rows), rows that straddle two spans, and runs whose address is not a
 * multiple of @align.  lla_rows_alloc sizes the span array for blocks of
 * up to @max_bytes (larger ones are copied).  Every run stays valid (and
 * the mapping held) until lla_rows_unmap.
 */
struct lla_rows {
	const struct lla_mem *mem;
	struct lla_span *spans;
	uint32_t max_spans, nspans, si;
	uint64_t soff;		/* block offset of spans[si] */
	void *cookie;
	int mapped;
	uint8_t *buf;
	uint32_t rows, row, align;
	uint64_t rb;
};
int lla_rows_alloc(struct lla_rows *rm, uint64_t max_bytes);
void lla_rows_free(struct lla_rows *rm);
int lla_rows_map(struct lla_exec *x, struct lla_rows *rm, uint64_t iova,
		 uint64_t stride, uint32_t rows, uint64_t row_bytes,
		 uint8_t *buf, int map, uint32_t align);
int lla_rows_next(struct lla_rows *rm, const uint8_t **p, uint32_t *first,
		  uint32_t *count);
void lla_rows_unmap(struct lla_rows *rm);
/*
 * The sequence position of a ROPE/ATTN command: the u32 at @pos_iova when
 * non-zero, else the immediate; remembered in x->pos for the cycle model.
 */
int lla_rd_pos(struct lla_exec *x, uint64_t pos_iova, uint32_t imm,
	       uint32_t *pos);
/* Checked allocation: NULL means LLA_ERR_NOMEM (n * size overflow too). */
void *lla_alloc(uint64_t n, uint64_t size);

/* One function per opcode; the command has passed validation. */
int lla_op_tlmm(struct lla_exec *x, const struct lla_cmd_tlmm *c);
int lla_op_qmm(struct lla_exec *x, const struct lla_cmd_qmm *c);
int lla_op_norm_quant(struct lla_exec *x, const struct lla_cmd_norm_quant *c);
int lla_op_rope(struct lla_exec *x, const struct lla_cmd_rope *c);
int lla_op_eltwise(struct lla_exec *x, const struct lla_cmd_eltwise *c);
void lla_elt_ref(uint8_t op, float imm, float *a, const float *b, uint32_t n);
int lla_op_embed(struct lla_exec *x, const struct lla_cmd_embed *c);
int lla_op_argmax(struct lla_exec *x, const struct lla_cmd_argmax *c);
int lla_op_topk(struct lla_exec *x, const struct lla_cmd_topk *c);
int lla_op_sample(struct lla_exec *x, const struct lla_cmd_sample *c);
int lla_op_attn(struct lla_exec *x, const struct lla_cmd_attn *c);
int lla_op_copy(struct lla_exec *x, const struct lla_cmd_copy *c);
int lla_op_fill(struct lla_exec *x, const struct lla_cmd_fill *c);
int lla_op_timestamp(struct lla_exec *x, const struct lla_cmd_timestamp *c);
int lla_op_sem_signal(struct lla_exec *x, const struct lla_cmd_sem *c);
/* Returns LLA_OK when satisfied, LLA_EXEC_BLOCKED otherwise. */
int lla_op_sem_wait(struct lla_exec *x, const struct lla_cmd_sem *c);

/*
 * The shared TLMM/QMM epilogue for one output row: @acc_f holds the
 * per-column fp32 value before bias; writes the row of @n outputs in
 * epi->out_dtype to @y (the int8 case also returns the row scale).
 */
int lla_epilogue_row(struct lla_exec *x, const struct lla_epilogue *epi,
		     int isa, uint32_t row, uint32_t n, float *acc_f,
		     void *y_row, float *y_scale);

/* Integer dot products of one row, direct and table-lookup engines. */
int32_t lla_tlmm_dot_direct(uint8_t wfmt, const int8_t *xq,
			    const uint8_t *wrow, uint32_t k);

/* LUT engine: tables for one activation row, then per weight row sums. */
struct lla_lut {
	uint8_t wfmt;
	uint32_t k;
	uint32_t groups;	/* weight bytes per row */
	int32_t *table;		/* [groups][256] exact integer partial sums */
};
int lla_lut_build(struct lla_lut *lut, uint8_t wfmt, const int8_t *xq,
		  uint32_t k);
int32_t lla_lut_dot(const struct lla_lut *lut, const uint8_t *wrow);
void lla_lut_free(struct lla_lut *lut);

#endif /* LLA_INTERNAL_H */
