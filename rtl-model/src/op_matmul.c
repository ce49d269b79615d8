// SPDX-License-Identifier: MIT
/*
 * TLMM and QMM: the matmuls and their shared fused epilogue.
 *
 * Both stream their operands in bounded blocks: a block of activation
 * rows (with its fp32 results, one row of N per activation row), then
 * the weights a block of rows at a time, so that a command touches at
 * most a few tens of MiB of host memory whatever its shape.  Weights
 * are re-read once per activation block; for decode and prefill shapes
 * there is a single block.  A weight block used by at most MM_MAP_ROWS
 * activation rows (decode) is read in place when the memory offers it
 * (lla_mem.map_read, lla_rows_map), so each weight byte crosses the
 * memory bus once; the access, its faults and counters are the same as
 * a copy's.  The arithmetic of every output element is
 * fixed by the contract (see llmaccel_hw.h and the comments below) and
 * does not depend on the blocking.
 *
 * Engines (kern.h): the scalar reference below, the table-lookup engine
 * (op_lut.c) and the fast kernels (kern_avx2.c) all produce the same
 * int32 dot products; the fp32 conversion and the epilogue are this
 * file's for every engine, so outputs are bit-identical whichever runs.
 * QMM F16 has fp32 sums, whose order the contract fixes as 16
 * interleaved lanes and a tree (hw-spec 7.4): the reference below and
 * the SIMD kernel both compute exactly that.  The fast engine is the
 * default; the table lookup runs only when asked (use_lut).
 *
 * Threads (lla_exec_opts.threads, pool.h): a run of weight rows is cut
 * into items of consecutive weight rows (output columns), each computed
 * for every activation row of the block by one thread with the code a
 * single thread runs, so the bits do not depend on the thread count.
 * Weight rows, not activation rows, are split so that each weight byte
 * still crosses the memory bus once.  Memory is reached only between
 * parallel-fors, on the calling thread.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "kern.h"
#include "kern_misc.h"
#include "pool.h"

#define MM_ACC_FLOATS	(4u << 20)	/* fp32 results of one row block */
#define MM_X_BYTES	(16u << 20)	/* activations of one row block */
#define MM_LUT_BYTES	(64u << 20)	/* LUT tables of one row block */
#define MM_W_BYTES	(256u << 10)	/* weights of one weight block */
#define MM_CHUNK	64u		/* weight rows per fast-kernel call */
/*
 * Weights are read in place (lla_rows_map) when at most this many
 * activation rows use the block: decode reads each weight byte once.
 * Larger blocks amortise the copy over many rows, and an emulated MMU
 * holds the mapping (an access in flight that an invalidate waits for)
 * only for short computations.
 */
#define MM_MAP_ROWS	8u
/*
 * Weight rows per parallel item: about MM_ITEMS_PER_THREAD items per
 * thread, so a thread that wakes late or is preempted on a loaded host
 * leaves its share to the others, and never fewer than MM_ITEM_MIN rows.
 */
#define MM_ITEMS_PER_THREAD	4u
#define MM_ITEM_MIN	4u
/*
 * Multiply-accumulates a thread must get before a run is shared: waking
 * a worker costs tens of microseconds on a loaded host, more than a
 * decode GEMV block (about 1 M MACs, 15 us) takes alone.  Measured on 2
 * cores: sharing such blocks made GEMV 0.6-0.7x, prefill blocks 1.3x.
 * LLA_SHARE_MACS overrides it (0: share every run, as the tests do to
 * split small shapes).
 */
#define MM_MIN_MACS_PER_THREAD	(4ull << 20)

static uint32_t min_u32(uint32_t a, uint64_t b)
{
	return b < a ? (uint32_t)b : a;
}

/* Rows per block so that rows * unit <= budget, at least one. */
static uint32_t block_rows(uint32_t rows, uint64_t unit, uint64_t budget)
{
	uint32_t r = unit ? min_u32(rows, budget / unit) : rows;

	return r ? r : 1;
}

/* Bytes of one output row of @n elements in @dtype. */
static uint64_t out_row_bytes(uint8_t dtype, uint32_t n)
{
	switch (dtype) {
	case LLA_DTYPE_F16:
		return 2ull * n;
	case LLA_DTYPE_I8:
		return n;
	default:
		return 4ull * n;
	}
}

/* Weight rows per item for a run of @nn rows on @threads threads. */
static uint32_t item_rows(uint32_t nn, uint32_t threads)
{
	uint64_t per = ((uint64_t)nn + (uint64_t)threads * MM_ITEMS_PER_THREAD
			- 1) / ((uint64_t)threads * MM_ITEMS_PER_THREAD);

	per = (per + MM_ITEM_MIN - 1) / MM_ITEM_MIN * MM_ITEM_MIN;
	return threads <= 1 ? (nn ? nn : 1) : (uint32_t)(per < MM_CHUNK ?
							 per : MM_CHUNK);
}

/* MACs per thread before a run is shared: read once. */
static uint64_t share_macs(void)
{
	static _Atomic int64_t v = -1;
	int64_t cur = atomic_load_explicit(&v, memory_order_relaxed);

	if (cur < 0) {
		const char *e = getenv("LLA_SHARE_MACS");
		char *end;
		unsigned long long n = e ? strtoull(e, &end, 0) : 0;

		cur = e && *e && !*end && n <= INT64_MAX ? (int64_t)n :
		      (int64_t)MM_MIN_MACS_PER_THREAD;
		atomic_store_explicit(&v, cur, memory_order_relaxed);
	}
	return (uint64_t)cur;
}

/* Threads worth waking for @macs of work, at most @threads. */
static uint32_t run_threads(uint32_t threads, uint64_t macs)
{
	uint64_t min = share_macs();
	uint64_t t = min ? macs / min : threads;

	return t < 1 ? 1 : t < threads ? (uint32_t)t : threads;
}

static void pfor_progress(void *arg, uint64_t macs)
{
	lla_progress(arg, macs);
}

/* ---------------- epilogue ---------------- */

/* v[j] = v[j] (op) operand[j] for an fp32 operand row read from memory. */
static int epi_operand(struct lla_exec *x, uint64_t iova, uint32_t n,
		       float *tmp, float *v, int mul)
{
	int err = lla_rd(x, iova, tmp, 4ull * n);

	if (err)
		return err;
	for (uint32_t j = 0; j < n; j++)
		v[j] = mul ? v[j] * tmp[j] : v[j] + tmp[j];
	return LLA_OK;
}

/*
 * Per element, in this order: + bias[n], act, * gate[m][n],
 * + residual[m][n]; the stages are applied as passes over the row,
 * which is the same thing since elements are independent.  @isa above
 * LLA_ISA_NONE: SILU and the fp16/int8 stores through kern_misc.h's
 * kernels, which compute the same bits.
 */
int lla_epilogue_row(struct lla_exec *x, const struct lla_epilogue *epi,
		     int isa, uint32_t row, uint32_t n, float *acc_f,
		     void *y_row, float *y_scale)
{
	float *tmp = NULL;
	int err = LLA_OK;

	if (epi->bias_iova || epi->gate_iova || epi->residual_iova) {
		tmp = lla_alloc(n, sizeof(float));
		if (!tmp)
			return LLA_ERR_NOMEM;
	}
	if (epi->bias_iova)
		err = epi_operand(x, epi->bias_iova, n, tmp, acc_f, 0);
	if (!err && epi->act != LLA_ACT_NONE &&
	    !(isa != LLA_ISA_NONE && epi->act == LLA_ACT_SILU &&
	      lla_kmisc_elt(isa, LLA_ELT_SILU, 0.0f, acc_f, NULL, n)))
		for (uint32_t j = 0; j < n; j++)
			acc_f[j] = lla_act(epi->act, acc_f[j]);
	if (!err && epi->gate_iova)
		err = epi_operand(x, epi->gate_iova +
				  (uint64_t)row * epi->gate_stride,
				  n, tmp, acc_f, 1);
	if (!err && epi->residual_iova)
		err = epi_operand(x, epi->residual_iova +
				  (uint64_t)row * epi->residual_stride,
				  n, tmp, acc_f, 0);
	free(tmp);
	if (err)
		return err;

	switch (epi->out_dtype) {
	case LLA_DTYPE_F16:
		if (isa != LLA_ISA_NONE) {
			lla_kmisc_f32_to_f16(isa, acc_f, y_row, n);
			break;
		}
		for (uint32_t j = 0; j < n; j++) {
			uint16_t h = lla_f32_to_f16(acc_f[j]);

			memcpy((uint8_t *)y_row + 2 * (size_t)j, &h, 2);
		}
		break;
	case LLA_DTYPE_I8: {
		float s = isa != LLA_ISA_NONE ?
			  lla_kmisc_quant_row(isa, acc_f, n, y_row) :
			  lla_quant_row(acc_f, n, y_row);

		if (y_scale)
			*y_scale = s;
		break;
	}
	default:
		memcpy(y_row, acc_f, 4 * (size_t)n);
		break;
	}
	return LLA_OK;
}

/*
 * Epilogue and store of @rows finished rows starting at row @m0; @acc
 * holds them [rows][n]; @ybuf is one output row of scratch.
 */
static int finish_rows(struct lla_exec *x, const struct lla_epilogue *epi,
		       int isa, uint64_t y_iova, uint32_t y_stride,
		       uint32_t m0, uint32_t rows, uint32_t n, float *acc,
		       void *ybuf)
{
	uint64_t yrb = out_row_bytes(epi->out_dtype, n);

	for (uint32_t r = 0; r < rows; r++) {
		uint32_t m = m0 + r;
		float s = 0.0f;
		int err;

		err = lla_epilogue_row(x, epi, isa, m, n,
				       acc + (size_t)r * n,
				       ybuf, &s);
		if (!err)
			err = lla_wr(x, y_iova + (uint64_t)m * y_stride, ybuf,
				     yrb);
		if (!err && epi->out_dtype == LLA_DTYPE_I8)
			err = lla_wr(x, epi->y_scale_iova + 4ull * m, &s, 4);
		if (err)
			return err;
	}
	return LLA_OK;
}

/* ---------------- direct engine ---------------- */

/* Weight of T2 code c; code 3 is invalid and weighs nothing. */
static const int32_t t2_w[4] = { -1, 0, 1, 0 };

/*
 * The reference: decode each weight from its byte and multiply-add, in
 * ascending k.  Exact in int32 (|sum| <= k * 128 <= 2^23).
 */
int32_t lla_tlmm_dot_direct(uint8_t wfmt, const int8_t *xq,
			    const uint8_t *wrow, uint32_t k)
{
	int32_t acc = 0;

	if (wfmt == LLA_WFMT_T2) {
		uint32_t full = k / 4;

		/* Whole bytes: four weights each, code i in bits 2i..2i+1. */
		for (uint32_t j = 0; j < full; j++) {
			const int8_t *xp = xq + 4 * (size_t)j;
			uint32_t b = wrow[j];

			acc += xp[0] * t2_w[b & 3u] +
			       xp[1] * t2_w[(b >> 2) & 3u] +
			       xp[2] * t2_w[(b >> 4) & 3u] +
			       xp[3] * t2_w[(b >> 6) & 3u];
		}
		/* The last, partial byte: its padding codes are skipped. */
		for (uint32_t i = 4 * full; i < k; i++) {
			uint32_t c = (wrow[i / 4] >> (2 * (i % 4))) & 3u;

			acc += (int32_t)xq[i] * t2_w[c];
		}
	} else if (wfmt == LLA_WFMT_T5) {
		for (uint32_t j = 0; j < k; j += 5) {
			uint32_t v = wrow[j / 5];

			if (v >= 243)	/* invalid byte: five zeros */
				continue;
			for (uint32_t i = 0; i < 5 && j + i < k; i++) {
				acc += (int32_t)xq[j + i] *
				       ((int32_t)(v % 3) - 1);
				v /= 3;
			}
		}
	}
	return acc;
}

/* ---------------- TLMM ---------------- */

struct tlmm_bufs {
	int8_t *xq;		/* [mb][k] */
	float *xs;		/* [mb] */
	float *acc;		/* [mb][n] */
	uint8_t *w;		/* [wb][row bytes] */
	struct lla_rows rm;	/* the weight block, in place or in w */
	void *ybuf;		/* one output row */
	struct lla_lut *luts;	/* [mb], LUT engine only */
	int8_t *xp;		/* [mb][xpb] permuted rows, fast engine */
	int32_t *xsum;		/* [mb] activation sums, fast engine */
	int32_t *dots;		/* [threads][dr][MM_CHUNK], fast engine */
	uint8_t *dec;		/* [threads] decoded T5 rows, fast, M >= 4 */
	uint64_t xpb;
	uint32_t dr;		/* activation rows per kernel call */
	uint32_t threads;
	int isa;		/* fast engine: enum lla_kern_isa */
};

static void tlmm_bufs_free(struct tlmm_bufs *b, uint32_t mb)
{
	if (b->luts)
		for (uint32_t r = 0; r < mb; r++)
			lla_lut_free(&b->luts[r]);
	free(b->luts);
	free(b->xq);
	free(b->xs);
	free(b->acc);
	free(b->w);
	lla_rows_free(&b->rm);
	free(b->ybuf);
	free(b->xp);
	free(b->xsum);
	free(b->dots);
	free(b->dec);
}

/*
 * The activation rows of one kernel call: bounds the per-thread dots
 * scratch whatever M is.  Integer dots are exact, so the grouping of
 * rows changes no bit.
 */
#define MM_DOT_ROWS	256u

/* The kernels' instruction set for @eng; LLA_ISA_NONE: the reference. */
static int kern_isa(enum lla_mm_engine eng)
{
	return eng == LLA_ENG_FAST ? lla_kern_isa() : LLA_ISA_NONE;
}

/* One run of weight rows of one activation block, cut into items. */
struct tlmm_job {
	const struct lla_cmd_tlmm *c;
	struct tlmm_bufs *b;
	uint32_t mn, n0, nn, rb;
	const uint8_t *w;
	float gamma;
	uint32_t per;		/* weight rows per item */
	uint32_t nwi;		/* weight items (fast: all the items) */
};

/*
 * Fast engine on weight rows [i0, i0 + nn) of the run: the kernel's dots
 * of every activation row with them, MM_CHUNK weight rows per call,
 * each turned into the same fp32 value as the reference.
 */
static uint64_t tlmm_item_fast(void *arg, uint32_t item, uint32_t slot)
{
	const struct tlmm_job *j = arg;
	const struct lla_cmd_tlmm *c = j->c;
	const struct tlmm_bufs *b = j->b;
	uint32_t first = item * j->per;
	uint32_t nn = min_u32(j->per, (uint64_t)j->nn - first);
	int32_t *dots = b->dots + (size_t)slot * b->dr * MM_CHUNK;
	uint8_t *dec = b->dec ? b->dec + (size_t)slot * LLA_KERN_DEC_ROWS *
				b->xpb : NULL;

	for (uint32_t i0 = first; i0 < first + nn; i0 += MM_CHUNK) {
		uint32_t ni = min_u32(MM_CHUNK, (uint64_t)first + nn - i0);

		for (uint32_t r0 = 0; r0 < j->mn; r0 += b->dr) {
			uint32_t rn = min_u32(b->dr, (uint64_t)j->mn - r0);

			lla_kern_tern(b->isa, c->wfmt,
				      b->xp + (size_t)r0 * b->xpb, b->xpb,
				      b->xsum + r0, rn,
				      j->w + (size_t)i0 * j->rb, j->rb, ni,
				      dots, MM_CHUNK, dec);
			for (uint32_t r = 0; r < rn; r++) {
				float *acc = b->acc + (size_t)(r0 + r) * c->n +
					     j->n0 + i0;
				const int32_t *d = dots + (size_t)r * MM_CHUNK;
				float xs = b->xs[r0 + r];

				for (uint32_t i = 0; i < ni; i++)
					acc[i] = ((float)d[i] / xs) * j->gamma;
			}
		}
	}
	return (uint64_t)j->mn * nn * c->k;
}

/*
 * Reference and table lookup: one activation row per item (and part of
 * the weight rows when there are fewer rows than threads), activation
 * row outer: its LUT tables (1 KiB per weight byte) stay in cache while
 * the weight rows are swept.
 */
static uint64_t tlmm_item_ref(void *arg, uint32_t item, uint32_t slot)
{
	const struct tlmm_job *j = arg;
	const struct lla_cmd_tlmm *c = j->c;
	const struct tlmm_bufs *b = j->b;
	uint32_t r = item / j->nwi;
	uint32_t first = item % j->nwi * j->per;
	uint32_t nn = min_u32(j->per, (uint64_t)j->nn - first);
	float *acc = b->acc + (size_t)r * c->n + j->n0;

	(void)slot;
	for (uint32_t i = first; i < first + nn; i++) {
		const uint8_t *wrow = j->w + (size_t)i * j->rb;
		int32_t dot;

		if (b->luts)
			dot = lla_lut_dot(&b->luts[r], wrow);
		else
			dot = lla_tlmm_dot_direct(c->wfmt,
				b->xq + (size_t)r * c->k, wrow, c->k);
		/* v = ((float)acc / x_scale[m]) * gamma */
		acc[i] = ((float)dot / b->xs[r]) * j->gamma;
	}
	return (uint64_t)nn * c->k;
}

/* Products of @mn activation rows with @nn weight rows at @w. */
static void tlmm_rows(struct lla_exec *x, const struct lla_cmd_tlmm *c,
		      struct tlmm_bufs *b, uint32_t mn, uint32_t n0,
		      const uint8_t *w, uint32_t nn, uint32_t rb, float gamma)
{
	struct tlmm_job j = {
		.c = c, .b = b, .mn = mn, .n0 = n0, .nn = nn, .rb = rb,
		.w = w, .gamma = gamma,
	};
	uint32_t thr = run_threads(b->threads, (uint64_t)mn * nn * c->k);

	if (b->xp) {
		j.per = item_rows(nn, thr);
		j.nwi = (nn + j.per - 1) / j.per;
		lla_pfor(thr, j.nwi, tlmm_item_fast, &j, pfor_progress, x);
		return;
	}
	/* Enough activation rows to share out: each item sweeps them all. */
	j.per = mn >= thr * MM_ITEMS_PER_THREAD ? nn : item_rows(nn, thr);
	j.nwi = (nn + j.per - 1) / j.per;
	lla_pfor(thr, mn * j.nwi, tlmm_item_ref, &j, pfor_progress, x);
}

/*
 * Integer products of one activation block with all N weight rows.  A
 * weight block is one read (lla_rows_map: in place or copied); its rows
 * come as runs, and every output element is computed from its own row
 * whatever the run, so the results do not depend on the runs.
 */
static int tlmm_block(struct lla_exec *x, const struct lla_cmd_tlmm *c,
		      struct tlmm_bufs *b, uint32_t mn, uint32_t wb,
		      uint32_t rb)
{
	float gamma = lla_f32_of(c->w_scale);

	for (uint32_t n0 = 0; n0 < c->n; n0 += wb) {
		uint32_t nn = min_u32(wb, (uint64_t)c->n - n0);
		const uint8_t *w;
		uint32_t i0, ni;
		int err;

		err = lla_rows_map(x, &b->rm,
				   c->w_iova + (uint64_t)n0 * c->w_stride,
				   c->w_stride, nn, rb, b->w,
				   mn <= MM_MAP_ROWS, 1);
		if (err)
			return err;
		while (lla_rows_next(&b->rm, &w, &i0, &ni))
			tlmm_rows(x, c, b, mn, n0 + i0, w, ni, rb, gamma);
		lla_rows_unmap(&b->rm);
	}
	return LLA_OK;
}

int lla_tlmm_run(struct lla_exec *x, const struct lla_cmd_tlmm *c,
		 enum lla_mm_engine eng)
{
	uint32_t rb = lla_wfmt_row_bytes(c->wfmt, c->k);
	uint32_t mb, wb;
	struct tlmm_bufs b = { 0 };
	int lut = eng == LLA_ENG_LUT;
	int isa = kern_isa(eng);
	int fast = isa != LLA_ISA_NONE &&
		   (c->wfmt == LLA_WFMT_T2 || c->wfmt == LLA_WFMT_T5);
	int err = LLA_ERR_NOMEM;

	/* The blocking, hence the memory accesses, is the same for all. */
	mb = block_rows(c->m, 4ull * c->n, MM_ACC_FLOATS * 4ull);
	mb = min_u32(mb, block_rows(c->m, c->k, MM_X_BYTES));
	if (lut)
		mb = min_u32(mb, block_rows(c->m, 1024ull * rb, MM_LUT_BYTES));
	wb = block_rows(c->n, rb, MM_W_BYTES);

	b.xq = lla_alloc((uint64_t)mb * c->k, 1);
	b.xs = lla_alloc(mb, sizeof(float));
	b.acc = lla_alloc((uint64_t)mb * c->n, sizeof(float));
	b.w = lla_alloc((uint64_t)wb * rb, 1);
	if (lla_rows_alloc(&b.rm, (uint64_t)wb * rb))
		goto out;
	b.ybuf = lla_alloc(c->n, sizeof(float));
	if (lut)
		b.luts = calloc(mb, sizeof(*b.luts));
	b.threads = lla_pool_threads(x->threads);
	if (fast) {
		b.isa = isa;
		b.xpb = lla_kern_tern_xbytes(c->wfmt, c->k);
		b.xp = lla_alloc((uint64_t)mb * b.xpb, 1);
		b.xsum = lla_alloc(mb, sizeof(int32_t));
		b.dr = min_u32(MM_DOT_ROWS, mb);
		b.dots = lla_alloc((uint64_t)b.threads * b.dr * MM_CHUNK,
				   sizeof(int32_t));
		if (c->wfmt == LLA_WFMT_T5 && mb >= 4) {
			b.dec = lla_alloc((uint64_t)b.threads *
					  LLA_KERN_DEC_ROWS, b.xpb);
			if (!b.dec)
				goto out;
		}
	}
	if (!b.xq || !b.xs || !b.acc || !b.w || !b.ybuf ||
	    (lut && !b.luts) ||
	    (fast && (!b.xp || !b.xsum || !b.dots)))
		goto out;

	for (uint32_t m0 = 0; m0 < c->m; m0 += mb) {
		uint32_t mn = min_u32(mb, (uint64_t)c->m - m0);

		err = lla_rd_rows(x, c->x_iova + (uint64_t)m0 * c->x_stride,
				  c->x_stride, mn, c->k, b.xq);
		if (!err)
			err = lla_rd(x, c->x_scale_iova + 4ull * m0, b.xs,
				     4ull * mn);
		for (uint32_t r = 0; !err && b.luts && r < mn; r++) {
			lla_lut_free(&b.luts[r]);
			err = lla_lut_build(&b.luts[r], c->wfmt,
					    b.xq + (size_t)r * c->k, c->k);
		}
		for (uint32_t r = 0; !err && b.xp && r < mn; r++)
			b.xsum[r] = lla_kern_tern_perm(c->wfmt,
					b.xq + (size_t)r * c->k, c->k,
					b.xp + (size_t)r * b.xpb);
		if (!err)
			err = tlmm_block(x, c, &b, mn, wb, rb);
		if (!err)
			err = finish_rows(x, &c->epi, isa, c->y_iova,
					  c->y_stride, m0, mn, c->n, b.acc,
					  b.ybuf);
		if (err)
			goto out;
	}
	err = LLA_OK;
out:
	tlmm_bufs_free(&b, mb);
	return err;
}

int lla_op_tlmm(struct lla_exec *x, const struct lla_cmd_tlmm *c)
{
	return lla_tlmm_run(x, c, x->use_lut ? LLA_ENG_LUT : LLA_ENG_FAST);
}

/* ---------------- QMM ---------------- */

static int32_t dot_i8(const int8_t *a, const int8_t *w, uint32_t k)
{
	int32_t acc = 0;

	/* Exact: |sum| <= k * 128 * 128 <= 2^30. */
	for (uint32_t i = 0; i < k; i++)
		acc += (int32_t)a[i] * w[i];
	return acc;
}

/*
 * The contract's order (lla_dot_f16, hw-spec section 7.4) on weights
 * already converted to fp32: 16 interleaved lanes, then the lane tree.
 */
static float dot_f16(const float *a, const float *w, uint32_t k)
{
	float s[LLA_F16_LANES] = { 0 };

	for (uint32_t i = 0; i < k; i++)
		s[i % LLA_F16_LANES] = s[i % LLA_F16_LANES] + a[i] * w[i];
	return lla_f16_lane_tree(s);
}

struct qmm_bufs {
	void *xb;		/* [mb][k] int8 or fp32 */
	float *xs;		/* [mb] (I8) */
	float *ws;		/* [n] (I8) */
	float *acc;		/* [mb][n] */
	uint8_t *w;		/* [wb][row bytes] */
	struct lla_rows rm;	/* the weight block, in place or in w */
	float *wf;		/* [wb][k] decoded fp16 weights */
	void *ybuf;
	int32_t *dots;		/* [threads][dr][MM_CHUNK], fast I8 engine */
	uint32_t dr;		/* activation rows per I8 kernel call */
	uint32_t threads;
	int isa;		/* fast engine: enum lla_kern_isa, else NONE */
};

static void qmm_bufs_free(struct qmm_bufs *b)
{
	free(b->xb);
	free(b->xs);
	free(b->ws);
	free(b->acc);
	free(b->w);
	lla_rows_free(&b->rm);
	free(b->wf);
	free(b->ybuf);
	free(b->dots);
}

/* One run of weight rows of one activation block, cut into items. */
struct qmm_job {
	const struct lla_cmd_qmm *c;
	struct qmm_bufs *b;
	uint32_t mn, n0, nn;
	const uint8_t *w;
	uint32_t per;		/* weight rows per item */
};

/* Fast I8 engine on the item's weight rows; same fp32 values as the ref. */
static uint64_t qmm_item_i8(void *arg, uint32_t item, uint32_t slot)
{
	const struct qmm_job *j = arg;
	const struct lla_cmd_qmm *c = j->c;
	const struct qmm_bufs *b = j->b;
	uint32_t first = item * j->per;
	uint32_t nn = min_u32(j->per, (uint64_t)j->nn - first);
	int32_t *dots = b->dots + (size_t)slot * b->dr * MM_CHUNK;

	for (uint32_t i0 = first; i0 < first + nn; i0 += MM_CHUNK) {
		uint32_t ni = min_u32(MM_CHUNK, (uint64_t)first + nn - i0);

		for (uint32_t r0 = 0; r0 < j->mn; r0 += b->dr) {
			uint32_t rn = min_u32(b->dr, (uint64_t)j->mn - r0);

			lla_kern_i8(b->isa,
				    (const int8_t *)b->xb + (size_t)r0 * c->k,
				    rn, (const int8_t *)j->w +
				    (size_t)i0 * c->k, ni, c->k, dots,
				    MM_CHUNK);
			for (uint32_t r = 0; r < rn; r++) {
				float *acc = b->acc + (size_t)(r0 + r) * c->n +
					     j->n0 + i0;
				const int32_t *d = dots + (size_t)r * MM_CHUNK;
				float xs = b->xs[r0 + r];

				for (uint32_t i = 0; i < ni; i++)
					acc[i] = ((float)d[i] / xs) *
						 b->ws[j->n0 + i0 + i];
			}
		}
	}
	return (uint64_t)j->mn * nn * c->k;
}

/* Fast F16 engine on the item's weight rows, in the contract's order. */
static uint64_t qmm_item_f16(void *arg, uint32_t item, uint32_t slot)
{
	const struct qmm_job *j = arg;
	const struct lla_cmd_qmm *c = j->c;
	const struct qmm_bufs *b = j->b;
	uint32_t first = item * j->per;
	uint32_t nn = min_u32(j->per, (uint64_t)j->nn - first);

	(void)slot;
	/* 2-byte aligned: lla_rows_map's align (or malloc's). */
	lla_kern_f16(b->isa, b->xb, j->mn,
		     (const uint16_t *)(const void *)(j->w +
						      (size_t)first * 2 * c->k),
		     nn, c->k, b->acc + j->n0 + first, c->n);
	return (uint64_t)j->mn * nn * c->k;
}

/*
 * The reference on the item's weight rows: F16 weights decoded into the
 * item's own part of wf (items own disjoint weight rows, so no thread
 * writes another's), then weight row outer, activation row inner.
 */
static uint64_t qmm_item_ref(void *arg, uint32_t item, uint32_t slot)
{
	const struct qmm_job *j = arg;
	const struct lla_cmd_qmm *c = j->c;
	const struct qmm_bufs *b = j->b;
	uint32_t first = item * j->per;
	uint32_t nn = min_u32(j->per, (uint64_t)j->nn - first);
	int f16 = c->wfmt == LLA_WFMT_F16;

	(void)slot;
	if (f16) {
		for (size_t i = (size_t)first * c->k;
		     i < (size_t)(first + nn) * c->k; i++) {
			uint16_t h;

			memcpy(&h, j->w + 2 * i, 2);
			b->wf[i] = lla_h2f(h);
		}
	}
	for (uint32_t i = first; i < first + nn; i++) {
		for (uint32_t r = 0; r < j->mn; r++) {
			size_t xo = (size_t)r * c->k;
			size_t wo = (size_t)i * c->k;
			float v;

			if (f16) {
				v = dot_f16((const float *)b->xb + xo,
					    b->wf + wo, c->k);
			} else {
				int32_t dot = dot_i8((const int8_t *)b->xb + xo,
						     (const int8_t *)j->w + wo,
						     c->k);
				/* ((float)acc / x_scale) * w_scale */
				v = ((float)dot / b->xs[r]) *
				    b->ws[j->n0 + i];
			}
			b->acc[(size_t)r * c->n + j->n0 + i] = v;
		}
	}
	return (uint64_t)j->mn * nn * c->k;
}

/* Products of @mn activation rows with @nn weight rows at @w. */
static void qmm_rows(struct lla_exec *x, const struct lla_cmd_qmm *c,
		     struct qmm_bufs *b, uint32_t mn, uint32_t n0,
		     const uint8_t *w, uint32_t nn)
{
	struct qmm_job j = {
		.c = c, .b = b, .mn = mn, .n0 = n0, .nn = nn, .w = w,
	};
	uint32_t thr = run_threads(b->threads, (uint64_t)mn * nn * c->k);
	lla_pfor_fn fn;

	if (b->dots) {
		fn = qmm_item_i8;
		j.per = item_rows(nn, thr);
	} else if (b->isa != LLA_ISA_NONE) {
		fn = qmm_item_f16;
		j.per = item_rows(nn, thr);
	} else {
		/* One weight row per item: the heartbeat as fine as before. */
		fn = qmm_item_ref;
		j.per = thr > 1 ? item_rows(nn, thr) : 1;
	}
	lla_pfor(thr, (nn + j.per - 1) / j.per, fn, &j, pfor_progress, x);
}

/* One activation block with all N weight rows, as tlmm_block. */
static int qmm_block(struct lla_exec *x, const struct lla_cmd_qmm *c,
		     struct qmm_bufs *b, uint32_t mn, uint32_t wb,
		     uint64_t rb)
{
	for (uint32_t n0 = 0; n0 < c->n; n0 += wb) {
		uint32_t nn = min_u32(wb, (uint64_t)c->n - n0);
		const uint8_t *w;
		uint32_t i0, ni;
		int err;

		/*
		 * F16 weights are copied: its kernel streams four weight rows
		 * at once, which reads DRAM slower in place than a block copy
		 * does (tlmm-bench, QMM F16 M = 1: about 35 % slower).
		 */
		err = lla_rows_map(x, &b->rm,
				   c->w_iova + (uint64_t)n0 * c->w_stride,
				   c->w_stride, nn, rb, b->w,
				   mn <= MM_MAP_ROWS && c->wfmt != LLA_WFMT_F16,
				   c->wfmt == LLA_WFMT_F16 ? 2 : 1);
		if (err)
			return err;
		while (lla_rows_next(&b->rm, &w, &i0, &ni))
			qmm_rows(x, c, b, mn, n0 + i0, w, ni);
		lla_rows_unmap(&b->rm);
	}
	return LLA_OK;
}

int lla_qmm_run(struct lla_exec *x, const struct lla_cmd_qmm *c,
		enum lla_mm_engine eng)
{
	int f16 = c->wfmt == LLA_WFMT_F16;
	int isa = kern_isa(eng == LLA_ENG_LUT ? LLA_ENG_FAST : eng);
	int fast = isa != LLA_ISA_NONE && c->wfmt == LLA_WFMT_I8;
	int f16_fast = isa != LLA_ISA_NONE && f16;
	uint64_t esz = f16 ? 4 : 1;	/* activation element bytes */
	uint64_t rb = f16 ? 2ull * c->k : c->k;
	uint32_t mb, wb;
	struct qmm_bufs b = { 0 };
	int err = LLA_ERR_NOMEM;

	if (c->wfmt != LLA_WFMT_I8 && !f16)
		return LLA_ERR_BAD_FORMAT;
	mb = block_rows(c->m, 4ull * c->n, MM_ACC_FLOATS * 4ull);
	mb = min_u32(mb, block_rows(c->m, esz * c->k, MM_X_BYTES));
	wb = block_rows(c->n, rb, MM_W_BYTES);

	b.xb = lla_alloc((uint64_t)mb * c->k, esz);
	b.acc = lla_alloc((uint64_t)mb * c->n, sizeof(float));
	b.w = lla_alloc((uint64_t)wb * rb, 1);
	if (lla_rows_alloc(&b.rm, (uint64_t)wb * rb))
		goto out;
	b.ybuf = lla_alloc(c->n, sizeof(float));
	if (f16) {
		if (!f16_fast)
			b.wf = lla_alloc((uint64_t)wb * c->k, sizeof(float));
	} else {
		b.xs = lla_alloc(mb, sizeof(float));
		b.ws = lla_alloc(c->n, sizeof(float));
	}
	b.isa = isa;
	b.threads = lla_pool_threads(x->threads);
	if (fast) {
		b.dr = min_u32(MM_DOT_ROWS, mb);
		b.dots = lla_alloc((uint64_t)b.threads * b.dr * MM_CHUNK,
				   sizeof(int32_t));
	}
	if (!b.xb || !b.acc || !b.w || !b.ybuf ||
	    (f16 ? !f16_fast && !b.wf : (!b.xs || !b.ws)) ||
	    (fast && !b.dots))
		goto out;

	if (!f16) {
		err = lla_rd(x, c->w_scale_iova, b.ws, 4ull * c->n);
		if (err)
			goto out;
	}
	for (uint32_t m0 = 0; m0 < c->m; m0 += mb) {
		uint32_t mn = min_u32(mb, (uint64_t)c->m - m0);

		err = lla_rd_rows(x, c->x_iova + (uint64_t)m0 * c->x_stride,
				  c->x_stride, mn, esz * c->k, b.xb);
		if (!err && !f16)
			err = lla_rd(x, c->x_scale_iova + 4ull * m0, b.xs,
				     4ull * mn);
		if (!err)
			err = qmm_block(x, c, &b, mn, wb, rb);
		if (!err)
			err = finish_rows(x, &c->epi, isa, c->y_iova,
					  c->y_stride, m0, mn, c->n, b.acc,
					  b.ybuf);
		if (err)
			goto out;
	}
	err = LLA_OK;
out:
	qmm_bufs_free(&b);
	return err;
}

int lla_op_qmm(struct lla_exec *x, const struct lla_cmd_qmm *c)
{
	return lla_qmm_run(x, c, LLA_ENG_FAST);
}
