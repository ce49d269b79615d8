// SPDX-License-Identifier: MIT
/*
 * Command validation: every field a command carries is checked before any
 * device memory is touched.  The header is checked first (opcode, version,
 * size, flags, reserved fields), then each command's fields in a fixed
 * order, so one bad field always yields the same documented error code;
 * docs/hw-spec.md lists the order and the code of every rule.
 */
#include <string.h>
#include "internal.h"

#define TRY(expr) do { int _e = (expr); if (_e) return _e; } while (0)

static int finite_f32(uint32_t bits)
{
	return (bits & 0x7f800000u) != 0x7f800000u;
}

static int f32_negative(uint32_t bits)
{
	return (bits & 0x80000000u) && (bits & 0x7fffffffu);
}

/* A dimension: zero is ZERO_DIM, beyond @max is DIM_TOO_LARGE. */
static int dim(uint64_t v, uint64_t max)
{
	if (!v)
		return LLA_ERR_ZERO_DIM;
	if (v > max)
		return LLA_ERR_DIM_TOO_LARGE;
	return LLA_OK;
}

/* A product of dimensions (elements of one operand) within the limit. */
static int elems(uint64_t a, uint64_t b)
{
	if (a && b > LLA_MAX_ELEMS / a)
		return LLA_ERR_OVERFLOW;
	return LLA_OK;
}

static int stride_ok(uint64_t stride, uint64_t row_bytes, uint32_t align)
{
	if (stride < row_bytes)
		return LLA_ERR_BAD_STRIDE;
	if (stride % align)
		return LLA_ERR_MISALIGNED;
	return LLA_OK;
}

/*
 * An operand of @rows rows of @row_bytes, @stride apart, at @iova.
 * Required operands must be present; optional ones may be 0 (absent).
 */
static int region(uint64_t iova, uint64_t rows, uint64_t stride,
		  uint64_t row_bytes, uint32_t align, int required)
{
	uint64_t extent;

	if (!iova && !required)
		return LLA_OK;
	if (iova % align)
		return LLA_ERR_MISALIGNED;
	/* rows <= 2^30 and stride < 2^32: no u64 overflow here. */
	extent = (rows - 1) * stride + row_bytes;
	if (iova < LLA_IOVA_MIN || extent > LLA_IOVA_LIMIT ||
	    iova > LLA_IOVA_LIMIT - extent)
		return LLA_ERR_IOVA_RANGE;
	return LLA_OK;
}

static int vec(uint64_t iova, uint64_t count, uint32_t esize, int required)
{
	return region(iova, 1, 0, count * esize, esize, required);
}

static uint32_t dtype_size(uint8_t dtype)
{
	switch (dtype) {
	case LLA_DTYPE_F32:
		return 4;
	case LLA_DTYPE_F16:
		return 2;
	default:
		return 1;
	}
}

/* The TLMM/QMM epilogue for an M x N output. */
static int check_epilogue(const struct lla_epilogue *e, uint32_t m,
			  uint32_t n)
{
	if (e->act >= LLA_ACT_COUNT || e->out_dtype >= LLA_DTYPE_COUNT)
		return LLA_ERR_BAD_FORMAT;
	if ((e->out_dtype == LLA_DTYPE_I8) != (e->y_scale_iova != 0))
		return LLA_ERR_BAD_PARAM;
	if ((!e->gate_iova && e->gate_stride) ||
	    (!e->residual_iova && e->residual_stride))
		return LLA_ERR_BAD_PARAM;
	if (e->gate_iova)
		TRY(stride_ok(e->gate_stride, 4ull * n, 4));
	if (e->residual_iova)
		TRY(stride_ok(e->residual_stride, 4ull * n, 4));
	TRY(vec(e->bias_iova, n, 4, 0));
	TRY(region(e->gate_iova, m, e->gate_stride, 4ull * n, 4, 0));
	TRY(region(e->residual_iova, m, e->residual_stride, 4ull * n, 4, 0));
	TRY(vec(e->y_scale_iova, m, 4, 0));
	return LLA_OK;
}

static int check_mm_dims(uint32_t m, uint32_t n, uint32_t k)
{
	TRY(dim(m, LLA_MAX_M));
	TRY(dim(n, LLA_MAX_N));
	TRY(dim(k, LLA_MAX_K));
	TRY(elems(m, k));
	TRY(elems(m, n));
	TRY(elems(n, k));
	return LLA_OK;
}

static int check_tlmm(const struct lla_cmd_tlmm *c)
{
	uint32_t ysz = dtype_size(c->epi.out_dtype);
	uint64_t wrow;

	if (c->wfmt != LLA_WFMT_T2 && c->wfmt != LLA_WFMT_T5)
		return LLA_ERR_BAD_FORMAT;
	TRY(check_mm_dims(c->m, c->n, c->k));
	if (!finite_f32(c->w_scale))
		return LLA_ERR_BAD_PARAM;
	wrow = lla_wfmt_row_bytes(c->wfmt, c->k);
	TRY(stride_ok(c->x_stride, c->k, 1));
	TRY(stride_ok(c->w_stride, wrow, 1));
	TRY(stride_ok(c->y_stride, (uint64_t)c->n * ysz, ysz));
	TRY(check_epilogue(&c->epi, c->m, c->n));
	TRY(region(c->x_iova, c->m, c->x_stride, c->k, 1, 1));
	TRY(vec(c->x_scale_iova, c->m, 4, 1));
	TRY(region(c->w_iova, c->n, c->w_stride, wrow, 1, 1));
	TRY(region(c->y_iova, c->m, c->y_stride, (uint64_t)c->n * ysz, ysz, 1));
	return LLA_OK;
}

static int check_qmm(const struct lla_cmd_qmm *c)
{
	uint32_t ysz = dtype_size(c->epi.out_dtype);
	int i8 = c->wfmt == LLA_WFMT_I8;
	uint32_t xsz = i8 ? 1 : 4, wsz = i8 ? 1 : 2;

	if (c->wfmt != LLA_WFMT_I8 && c->wfmt != LLA_WFMT_F16)
		return LLA_ERR_BAD_FORMAT;
	TRY(check_mm_dims(c->m, c->n, c->k));
	/* Scales exist for int8 operands only. */
	if (i8 != (c->x_scale_iova != 0) || i8 != (c->w_scale_iova != 0))
		return LLA_ERR_BAD_PARAM;
	TRY(stride_ok(c->x_stride, (uint64_t)c->k * xsz, xsz));
	TRY(stride_ok(c->w_stride, (uint64_t)c->k * wsz, wsz));
	TRY(stride_ok(c->y_stride, (uint64_t)c->n * ysz, ysz));
	TRY(check_epilogue(&c->epi, c->m, c->n));
	TRY(region(c->x_iova, c->m, c->x_stride, (uint64_t)c->k * xsz, xsz, 1));
	TRY(vec(c->x_scale_iova, c->m, 4, 0));
	TRY(region(c->w_iova, c->n, c->w_stride, (uint64_t)c->k * wsz, wsz, 1));
	TRY(vec(c->w_scale_iova, c->n, 4, 0));
	TRY(region(c->y_iova, c->m, c->y_stride, (uint64_t)c->n * ysz, ysz, 1));
	return LLA_OK;
}

static int check_norm_quant(const struct lla_cmd_norm_quant *c)
{
	uint16_t f = c->hdr.flags;
	int quant = !!(f & LLA_NQ_F_QUANT), f32out = !!(f & LLA_NQ_F_F32OUT);

	TRY(dim(c->m, LLA_MAX_M));
	TRY(dim(c->k, LLA_MAX_K));
	if (!quant && !f32out)
		return LLA_ERR_BAD_PARAM;
	if (!finite_f32(c->eps) || f32_negative(c->eps))
		return LLA_ERR_BAD_PARAM;
	if (!(f & LLA_NQ_F_NORM) && (c->gamma_iova || c->eps))
		return LLA_ERR_BAD_PARAM;
	/* Outputs that are not produced must not be described. */
	if (!quant && (c->q_iova || c->scale_iova || c->q_stride))
		return LLA_ERR_BAD_PARAM;
	if (!f32out && (c->y_iova || c->y_stride))
		return LLA_ERR_BAD_PARAM;
	TRY(stride_ok(c->x_stride, 4ull * c->k, 4));
	if (quant)
		TRY(stride_ok(c->q_stride, c->k, 1));
	if (f32out)
		TRY(stride_ok(c->y_stride, 4ull * c->k, 4));
	TRY(region(c->x_iova, c->m, c->x_stride, 4ull * c->k, 4, 1));
	TRY(vec(c->gamma_iova, c->k, 4, 0));
	TRY(region(c->q_iova, c->m, c->q_stride, c->k, 1, quant));
	TRY(vec(c->scale_iova, c->m, 4, quant));
	TRY(region(c->y_iova, c->m, c->y_stride, 4ull * c->k, 4, f32out));
	return LLA_OK;
}

/* An immediate position, or one read from memory (then pos must be 0). */
static int check_pos(uint64_t pos_iova, uint32_t pos, uint32_t m,
		     uint32_t limit)
{
	if (pos_iova && pos)
		return LLA_ERR_BAD_PARAM;
	if (!pos_iova && (uint64_t)pos + m > limit)
		return LLA_ERR_INDEX;
	return LLA_OK;
}

static int check_rope(const struct lla_cmd_rope *c)
{
	uint64_t row;

	TRY(dim(c->m, LLA_MAX_M));
	TRY(dim(c->n_head, LLA_MAX_HEADS));
	TRY(dim(c->head_dim, LLA_MAX_HEAD_DIM));
	TRY(dim(c->table_len, LLA_MAX_CTX));
	if (c->head_dim & 1)
		return LLA_ERR_BAD_PARAM;
	TRY(check_pos(c->pos_iova, c->pos, c->m, c->table_len));
	row = 4ull * c->n_head * c->head_dim;
	TRY(stride_ok(c->x_stride, row, 4));
	TRY(region(c->x_iova, c->m, c->x_stride, row, 4, 1));
	TRY(vec(c->table_iova, (uint64_t)c->table_len * c->head_dim, 4, 1));
	TRY(vec(c->pos_iova, 1, 4, 0));
	return LLA_OK;
}

static int check_eltwise(const struct lla_cmd_eltwise *c)
{
	int binary = c->op == LLA_ELT_ADD || c->op == LLA_ELT_MUL;

	if (c->op >= LLA_ELT_COUNT)
		return LLA_ERR_BAD_FORMAT;
	TRY(dim(c->count, LLA_MAX_ELEMS));
	if (binary != (c->b_iova != 0))
		return LLA_ERR_BAD_PARAM;
	if (c->op == LLA_ELT_SCALE ? !finite_f32(c->imm) : c->imm != 0)
		return LLA_ERR_BAD_PARAM;
	TRY(vec(c->a_iova, c->count, 4, 1));
	TRY(vec(c->b_iova, c->count, 4, 0));
	TRY(vec(c->y_iova, c->count, 4, 1));
	return LLA_OK;
}

static int check_embed(const struct lla_cmd_embed *c)
{
	uint32_t esz;

	if (c->dtype >= LLA_DTYPE_COUNT)
		return LLA_ERR_BAD_FORMAT;
	if (c->dtype == LLA_DTYPE_I8)
		return LLA_ERR_UNSUPPORTED;
	esz = dtype_size(c->dtype);
	TRY(dim(c->vocab, LLA_MAX_N));
	TRY(dim(c->dim, LLA_MAX_K));
	TRY(dim(c->m, LLA_MAX_M));
	TRY(elems(c->vocab, c->dim));
	TRY(stride_ok(c->table_stride, (uint64_t)c->dim * esz, esz));
	TRY(stride_ok(c->y_stride, 4ull * c->dim, 4));
	TRY(region(c->table_iova, c->vocab, c->table_stride,
		   (uint64_t)c->dim * esz, esz, 1));
	TRY(vec(c->ids_iova, c->m, 4, 1));
	TRY(region(c->y_iova, c->m, c->y_stride, 4ull * c->dim, 4, 1));
	return LLA_OK;
}

static int check_argmax(const struct lla_cmd_argmax *c)
{
	TRY(dim(c->m, LLA_MAX_M));
	TRY(dim(c->n, LLA_MAX_N));
	TRY(elems(c->m, c->n));
	TRY(stride_ok(c->x_stride, 4ull * c->n, 4));
	TRY(region(c->x_iova, c->m, c->x_stride, 4ull * c->n, 4, 1));
	TRY(vec(c->y_iova, c->m, 4, 1));
	return LLA_OK;
}

static int check_topk(const struct lla_cmd_topk *c)
{
	TRY(dim(c->n, LLA_MAX_N));
	TRY(dim(c->k, LLA_MAX_TOPK));
	if (c->k > c->n)
		return LLA_ERR_BAD_PARAM;
	TRY(vec(c->x_iova, c->n, 4, 1));
	TRY(vec(c->idx_iova, c->k, 4, 1));
	TRY(vec(c->val_iova, c->k, 4, 0));
	return LLA_OK;
}

static int check_sample(const struct lla_cmd_sample *c)
{
	uint32_t p = c->top_p;

	TRY(dim(c->n, LLA_MAX_N));
	if (c->top_k > LLA_MAX_TOPK)
		return LLA_ERR_DIM_TOO_LARGE;
	if (!finite_f32(c->temperature) || f32_negative(c->temperature))
		return LLA_ERR_BAD_PARAM;
	/* top_p in (0, 1]: positive finite and at most 1.0f (0x3f800000). */
	if (!finite_f32(p) || (p & 0x80000000u) || !p || p > 0x3f800000u)
		return LLA_ERR_BAD_PARAM;
	if ((c->hdr.flags & LLA_SAMPLE_F_ADVANCE) && !c->counter_iova)
		return LLA_ERR_BAD_PARAM;
	if (c->counter_iova && c->counter)
		return LLA_ERR_BAD_PARAM;
	TRY(vec(c->logits_iova, c->n, 4, 1));
	TRY(vec(c->out_iova, 1, 4, 1));
	TRY(vec(c->counter_iova, 1, 8, 0));
	return LLA_OK;
}

static int check_attn(const struct lla_cmd_attn *c)
{
	uint64_t qrow, kvrow, cache;

	if (c->kv_dtype >= LLA_DTYPE_COUNT || c->mask_mode >= LLA_MASK_COUNT)
		return LLA_ERR_BAD_FORMAT;
	if (c->kv_dtype != LLA_DTYPE_F16 || c->mask_mode != LLA_MASK_CAUSAL)
		return LLA_ERR_UNSUPPORTED;
	TRY(dim(c->m, LLA_MAX_M));
	TRY(dim(c->n_head, LLA_MAX_HEADS));
	TRY(dim(c->n_kv_head, LLA_MAX_HEADS));
	TRY(dim(c->head_dim, LLA_MAX_HEAD_DIM));
	TRY(dim(c->max_ctx, LLA_MAX_CTX));
	cache = (uint64_t)c->n_kv_head * c->head_dim;
	TRY(elems(c->max_ctx, cache));
	cache *= c->max_ctx;
	if (c->n_head % c->n_kv_head)
		return LLA_ERR_BAD_PARAM;
	if (c->hdr.opcode == LLA_OP_ATTN_DECODE && c->m != 1)
		return LLA_ERR_BAD_PARAM;
	if (!finite_f32(c->scale) || (c->scale & 0x80000000u) || !c->scale)
		return LLA_ERR_BAD_PARAM;
	TRY(check_pos(c->pos_iova, c->pos, c->m, c->max_ctx));
	qrow = 4ull * c->n_head * c->head_dim;
	kvrow = 4ull * c->n_kv_head * c->head_dim;
	TRY(stride_ok(c->q_stride, qrow, 4));
	TRY(stride_ok(c->kv_stride, kvrow, 4));
	TRY(stride_ok(c->o_stride, qrow, 4));
	TRY(region(c->q_iova, c->m, c->q_stride, qrow, 4, 1));
	TRY(region(c->k_iova, c->m, c->kv_stride, kvrow, 4, 1));
	TRY(region(c->v_iova, c->m, c->kv_stride, kvrow, 4, 1));
	TRY(vec(c->k_cache_iova, cache, 2, 1));
	TRY(vec(c->v_cache_iova, cache, 2, 1));
	TRY(region(c->o_iova, c->m, c->o_stride, qrow, 4, 1));
	TRY(vec(c->pos_iova, 1, 4, 0));
	return LLA_OK;
}

static int check_copy(const struct lla_cmd_copy *c)
{
	TRY(dim(c->len, LLA_MAX_COPY_BYTES));
	TRY(vec(c->src_iova, c->len, 1, 1));
	TRY(vec(c->dst_iova, c->len, 1, 1));
	if (c->src_iova < c->dst_iova + c->len &&
	    c->dst_iova < c->src_iova + c->len)
		return LLA_ERR_BAD_PARAM;
	return LLA_OK;
}

static int check_fill(const struct lla_cmd_fill *c)
{
	TRY(dim(c->len, LLA_MAX_COPY_BYTES));
	if (c->len % 4)
		return LLA_ERR_MISALIGNED;
	return vec(c->dst_iova, c->len / 4, 4, 1);
}

static int check_sem(const struct lla_cmd_sem *c)
{
	int w32 = c->hdr.flags & LLA_SEM_F_32BIT;
	unsigned int nops = c->hdr.opcode == LLA_OP_SEM_SIGNAL ?
			    LLA_SEM_COUNT : LLA_SEM_COND_COUNT;

	if (c->op >= nops)
		return LLA_ERR_BAD_FORMAT;
	if (w32 && c->value > UINT32_MAX)
		return LLA_ERR_BAD_PARAM;
	return vec(c->iova, 1, w32 ? 4 : 8, 1);
}

static uint64_t field_value(const void *cmd, const struct lla_field_desc *f)
{
	const uint8_t *p = (const uint8_t *)cmd + f->offset;
	uint64_t v = 0;

	memcpy(&v, p, f->size);	/* little-endian hosts only, as the device */
	return v;
}

int lla_validate_cmd(const struct lla_cmd_hdr *hdr, size_t avail)
{
	const struct lla_cmd_desc *d;
	const void *c = hdr;

	if (avail < sizeof(*hdr))
		return LLA_ERR_CMDBUF;
	d = lla_cmd_desc_get(hdr->opcode);
	if (!d)
		return LLA_ERR_BAD_OPCODE;
	if (hdr->version != 0)
		return LLA_ERR_BAD_VERSION;
	if (hdr->size != d->size)
		return LLA_ERR_BAD_SIZE;
	if (hdr->size > avail)
		return LLA_ERR_CMDBUF;
	if (hdr->flags & ~d->valid_flags)
		return LLA_ERR_BAD_FLAGS;
	for (uint32_t i = 0; i < d->nfields; i++)
		if (d->fields[i].kind == LLA_FK_RSVD &&
		    field_value(c, &d->fields[i]))
			return LLA_ERR_RESERVED;

	switch (hdr->opcode) {
	case LLA_OP_TLMM:
		return check_tlmm(c);
	case LLA_OP_QMM:
		return check_qmm(c);
	case LLA_OP_NORM_QUANT:
		return check_norm_quant(c);
	case LLA_OP_ROPE:
		return check_rope(c);
	case LLA_OP_ELTWISE:
		return check_eltwise(c);
	case LLA_OP_EMBED:
		return check_embed(c);
	case LLA_OP_ARGMAX:
		return check_argmax(c);
	case LLA_OP_TOPK:
		return check_topk(c);
	case LLA_OP_SAMPLE:
		return check_sample(c);
	case LLA_OP_ATTN_PREFILL:
	case LLA_OP_ATTN_DECODE:
		return check_attn(c);
	case LLA_OP_COPY:
		return check_copy(c);
	case LLA_OP_FILL:
		return check_fill(c);
	case LLA_OP_TIMESTAMP:
		return vec(((const struct lla_cmd_timestamp *)c)->dst_iova,
			   1, 8, 1);
	case LLA_OP_SEM_SIGNAL:
	case LLA_OP_SEM_WAIT:
		return check_sem(c);
	default:	/* NOP */
		return LLA_OK;
	}
}

int lla_validate(const void *cmds, size_t len, uint32_t *bad_index)
{
	const uint8_t *p = cmds;
	size_t off = 0;
	uint32_t idx = 0;

	*bad_index = 0;
	if (!len || len % 8 || len > LLA_MAX_CMDBUF_BYTES ||
	    (uintptr_t)cmds % 8)
		return LLA_ERR_CMDBUF;
	while (off < len) {
		const struct lla_cmd_hdr *h = (const void *)(p + off);
		int err = lla_validate_cmd(h, len - off);

		if (err) {
			*bad_index = idx;
			return err;
		}
		off += h->size;
		idx++;
	}
	*bad_index = idx;
	return LLA_OK;
}
