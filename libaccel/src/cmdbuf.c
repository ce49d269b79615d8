// SPDX-License-Identifier: MIT
/*
 * The command-buffer builder: one function per opcode.  Each checks the
 * fields of its command in the order of docs/hw-spec.md section 6.3 with
 * messages that name the field, resolves operands (buffer + offset) to
 * device addresses with their extents checked against the buffer, then
 * runs the device's own validator (lla_validate_cmd) on the encoding, so
 * the rtl-model stays the one definition of validity.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "accel_priv.h"
#include "llmaccel_model.h"

#define MAX_USE 16	/* operands of one command */

struct bld {
	accel_cmdbuf *cb;
	const char *fn;
	accel_bo *use[MAX_USE];
	uint32_t nuse;
};

ACCEL_FMT(2, 3)
static int bad(struct bld *b, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return accel_err(-EINVAL, "%s: %s", b->fn, msg);
}

static int dim(struct bld *b, const char *name, uint64_t v, uint64_t max)
{
	if (!v || v > max)
		return bad(b, "%s must be between 1 and %llu (got %llu)", name,
			   (unsigned long long)max, (unsigned long long)v);
	return 0;
}

static int elems(struct bld *b, const char *what, uint64_t x, uint64_t y)
{
	if (x * y > LLA_MAX_ELEMS)	/* both <= 2^30 after dim() */
		return bad(b, "%s = %llu elements exceeds the limit of 2^30",
			   what, (unsigned long long)(x * y));
	return 0;
}

static bool present(struct accel_addr a)
{
	return a.bo || a.offset;
}

/* A stride: 0 selects @row; else at least @row and a multiple of @align. */
static int stride(struct bld *b, const char *name, uint32_t s, uint64_t row,
		  uint32_t align, uint32_t *out)
{
	if (row > UINT32_MAX)
		return bad(b, "rows of %llu bytes do not fit %s",
			   (unsigned long long)row, name);
	if (!s)
		s = (uint32_t)row;
	if (s < row)
		return bad(b, "%s (%u) is smaller than a row of %llu bytes",
			   name, s, (unsigned long long)row);
	if (s % align)
		return bad(b, "%s (%u) is not a multiple of the element size %u",
			   name, s, align);
	*out = s;
	return 0;
}

static int use_bo(struct bld *b, accel_bo *bo)
{
	for (uint32_t i = 0; i < b->nuse; i++)
		if (b->use[i] == bo)
			return 0;
	if (b->nuse == MAX_USE)
		return bad(b, "too many operands");
	b->use[b->nuse++] = bo;
	return 0;
}

/*
 * Operand @name: @rows rows of @row_bytes, @stride apart, aligned to
 * @align.  Absent ({NULL, 0}) is allowed unless @required.
 */
static int operand(struct bld *b, const char *name, struct accel_addr a,
		   uint64_t rows, uint64_t stride_b, uint64_t row_bytes,
		   uint32_t align, bool required, uint64_t *iova)
{
	uint64_t ext, at;

	*iova = 0;
	if (!present(a)) {
		if (required)
			return bad(b, "%s is required (no buffer given)", name);
		return 0;
	}
	/* rows <= 2^30, stride < 2^32, row_bytes < 2^40: no overflow. */
	ext = (rows - 1) * stride_b + row_bytes;
	if (a.bo) {
		if (a.bo->dev != b->cb->dev)
			return accel_err(-EXDEV,
					 "%s: %s is a buffer of another device",
					 b->fn, name);
		if (a.offset > a.bo->size || ext > a.bo->size - a.offset)
			return bad(b, "%s needs %llu bytes at offset %llu but its buffer has %llu",
				   name, (unsigned long long)ext,
				   (unsigned long long)a.offset,
				   (unsigned long long)a.bo->size);
		at = a.bo->iova + a.offset;
		if (at % align)
			return bad(b, "%s offset %llu is not a multiple of %u",
				   name, (unsigned long long)a.offset, align);
		*iova = at;
		return use_bo(b, a.bo);
	}
	at = a.offset;
	if (at % align)
		return bad(b, "%s address %#llx is not a multiple of %u", name,
			   (unsigned long long)at, align);
	if (at < LLA_IOVA_MIN || ext > LLA_IOVA_LIMIT ||
	    at > LLA_IOVA_LIMIT - ext)
		return bad(b, "%s address %#llx + %llu bytes is outside the device address space",
			   name, (unsigned long long)at,
			   (unsigned long long)ext);
	*iova = at;
	return 0;
}

static int vec(struct bld *b, const char *name, struct accel_addr a,
	       uint64_t count, uint32_t esize, bool required, uint64_t *iova)
{
	return operand(b, name, a, 1, 0, count * esize, esize, required, iova);
}

static int begin(struct bld *b, const char *fn, accel_cmdbuf *cb,
		 const void *args, uint8_t opcode)
{
	b->fn = fn;
	b->cb = cb;
	b->nuse = 0;
	if (!cb)
		return accel_err(-EINVAL, "%s: cb is NULL", fn);
	if (!args)
		return accel_err(-EINVAL, "%s: args is NULL", fn);
	if (!(cb->dev->caps.opcodes & (1u << opcode)))
		return accel_err(-EOPNOTSUPP,
				 "%s: the device does not support opcode %u",
				 fn, opcode);
	return 0;
}

static int cb_reserve(accel_cmdbuf *cb, uint32_t more)
{
	uint32_t cap = cb->cap ? cb->cap : 512;
	uint8_t *p;

	if (cb->len + more <= cb->cap)
		return 0;
	while (cap < cb->len + more)
		cap *= 2;
	p = realloc(cb->data, cap);
	if (!p)
		return -ENOMEM;
	cb->data = p;
	cb->cap = cap;
	return 0;
}

static int cb_add_bo(accel_cmdbuf *cb, accel_bo *bo)
{
	for (uint32_t i = cb->nbos; i-- > 0;)
		if (cb->bos[i] == bo)
			return 0;
	if (cb->nbos == cb->capbos) {
		uint32_t cap = cb->capbos ? cb->capbos * 2 : 16;
		accel_bo **p = realloc(cb->bos, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		cb->bos = p;
		cb->capbos = cap;
	}
	accel_bo_get(bo);
	cb->bos[cb->nbos++] = bo;
	return 0;
}

/* Validate with the device's rules, then append and track the buffers. */
static int finish(struct bld *b, struct lla_cmd_hdr *h, uint32_t size,
		  bool check)
{
	accel_cmdbuf *cb = b->cb;
	int err;

	if (check) {
		err = lla_validate_cmd(h, size);
		if (err)
			return bad(b, "rejected by the device validator: %s (%s)",
				   lla_error_name(err), lla_error_text(err));
	}
	if (cb->len + size > cb->dev->caps.max_cmdbuf)
		return accel_err(-E2BIG,
				 "%s: command buffer full (%u + %u bytes > %u)",
				 b->fn, cb->len, size, cb->dev->caps.max_cmdbuf);
	if (cb_reserve(cb, size))
		return accel_err(-ENOMEM, "%s: out of memory", b->fn);
	for (uint32_t i = 0; i < b->nuse; i++)
		if (cb_add_bo(cb, b->use[i]))
			return accel_err(-ENOMEM, "%s: out of memory", b->fn);
	memcpy(cb->data + cb->len, h, size);
	cb->len += size;
	cb->ncmds++;
	cb->dirty = true;
	return 0;
}

static void hdr(struct lla_cmd_hdr *h, uint8_t opcode, uint16_t flags,
		uint32_t size)
{
	h->opcode = opcode;
	h->version = 0;
	h->flags = flags;
	h->size = size;
}

static uint32_t f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static uint32_t dtype_size(uint8_t dt)
{
	return dt == LLA_DTYPE_F32 ? 4 : dt == LLA_DTYPE_F16 ? 2 : 1;
}

#define TRY(e) do { int _e = (e); if (_e) return _e; } while (0)

/* ---------------- command buffers ---------------- */

int accel_cmdbuf_create(accel_device *dev, accel_cmdbuf **out)
{
	accel_cmdbuf *cb;

	if (!out)
		return accel_err(-EINVAL, "accel_cmdbuf_create: out is NULL");
	*out = NULL;
	if (!dev)
		return accel_err(-EINVAL, "accel_cmdbuf_create: dev is NULL");
	cb = calloc(1, sizeof(*cb));
	if (!cb)
		return accel_err(-ENOMEM, "accel_cmdbuf_create: out of memory");
	cb->dev = dev;
	accel_device_get(dev);
	*out = cb;
	return 0;
}

static void drop_bos(accel_cmdbuf *cb)
{
	for (uint32_t i = 0; i < cb->nbos; i++)
		accel_bo_put(cb->bos[i]);
	cb->nbos = 0;
}

void accel_cmdbuf_destroy(accel_cmdbuf *cb)
{
	if (!cb)
		return;
	drop_bos(cb);
	if (cb->dbo)
		accel_bo_put(cb->dbo);
	free(cb->bos);
	free(cb->data);
	accel_device_put(cb->dev);
	free(cb);
}

int accel_cmdbuf_reset(accel_cmdbuf *cb)
{
	if (!cb)
		return accel_err(-EINVAL, "accel_cmdbuf_reset: cb is NULL");
	drop_bos(cb);
	cb->len = 0;
	cb->ncmds = 0;
	cb->dirty = true;
	return 0;
}

uint32_t accel_cmdbuf_count(const accel_cmdbuf *cb)
{
	return cb ? cb->ncmds : 0;
}

uint32_t accel_cmdbuf_bytes(const accel_cmdbuf *cb)
{
	return cb ? cb->len : 0;
}

const void *accel_cmdbuf_data(const accel_cmdbuf *cb)
{
	return cb ? cb->data : NULL;
}

int accel_cmdbuf_use_bo(accel_cmdbuf *cb, accel_bo *bo)
{
	if (!cb)
		return accel_err(-EINVAL, "accel_cmdbuf_use_bo: cb is NULL");
	if (!bo)
		return accel_err(-EINVAL, "accel_cmdbuf_use_bo: bo is NULL");
	if (bo->dev != cb->dev)
		return accel_err(-EXDEV,
				 "accel_cmdbuf_use_bo: bo belongs to another device");
	if (cb_add_bo(cb, bo))
		return accel_err(-ENOMEM, "accel_cmdbuf_use_bo: out of memory");
	return 0;
}

int accel_cmd_raw(accel_cmdbuf *cb, const void *cmd, uint32_t len,
		  uint32_t flags)
{
	struct bld b = { .cb = cb, .fn = "accel_cmd_raw" };
	uint64_t buf[32];	/* aligned for the command structures */
	struct lla_cmd_hdr h;

	if (!cb)
		return accel_err(-EINVAL, "accel_cmd_raw: cb is NULL");
	if (!cmd)
		return accel_err(-EINVAL, "accel_cmd_raw: cmd is NULL");
	if (flags & ~ACCEL_RAW_UNCHECKED)
		return bad(&b, "flags has unknown bits %#x",
			   flags & ~ACCEL_RAW_UNCHECKED);
	if (len < sizeof(h) || len % 8 || len > sizeof(buf))
		return bad(&b, "len must be a multiple of 8 between 8 and %zu (got %u)",
			   sizeof(buf), len);
	memcpy(buf, cmd, len);
	memcpy(&h, buf, sizeof(h));
	if (!(flags & ACCEL_RAW_UNCHECKED) && h.size != len)
		return bad(&b, "len (%u) differs from the header's size (%u)",
			   len, h.size);
	return finish(&b, (struct lla_cmd_hdr *)buf, len,
		      !(flags & ACCEL_RAW_UNCHECKED));
}

/* ---------------- per-opcode builders ---------------- */

int accel_cmd_nop(accel_cmdbuf *cb)
{
	struct lla_cmd_nop c;
	struct bld b;

	TRY(begin(&b, "accel_cmd_nop", cb, cb, LLA_OP_NOP));
	memset(&c, 0, sizeof(c));
	hdr(&c.hdr, LLA_OP_NOP, 0, sizeof(c));
	return finish(&b, &c.hdr, sizeof(c), true);
}

static int check_finite(struct bld *b, const char *name, float v)
{
	if (!isfinite(v))
		return bad(b, "%s must be finite (got %g)", name, (double)v);
	return 0;
}

/* The epilogue of TLMM/QMM (rules E1..E8). */
static int epilogue(struct bld *b, const struct accel_epilogue *e,
		    uint32_t m, uint32_t n, struct lla_epilogue *o)
{
	bool i8 = e->out_dtype == LLA_DTYPE_I8;

	if (e->act >= LLA_ACT_COUNT)
		return bad(b, "epi.act must be an enum lla_act below %u (got %u)",
			   LLA_ACT_COUNT, e->act);
	if (e->out_dtype >= LLA_DTYPE_COUNT)
		return bad(b, "epi.out_dtype must be an enum lla_dtype below %u (got %u)",
			   LLA_DTYPE_COUNT, e->out_dtype);
	if (present(e->y_scale) != i8)
		return bad(b, "epi.y_scale must be given exactly when epi.out_dtype is LLA_DTYPE_I8");
	o->act = e->act;
	o->out_dtype = e->out_dtype;
	if (present(e->gate))
		TRY(stride(b, "epi.gate_stride", e->gate_stride, 4ull * n, 4,
			   &o->gate_stride));
	else if (e->gate_stride)
		return bad(b, "epi.gate_stride must be 0 without epi.gate");
	if (present(e->residual))
		TRY(stride(b, "epi.residual_stride", e->residual_stride,
			   4ull * n, 4, &o->residual_stride));
	else if (e->residual_stride)
		return bad(b, "epi.residual_stride must be 0 without epi.residual");
	TRY(vec(b, "epi.bias", e->bias, n, 4, false, &o->bias_iova));
	TRY(operand(b, "epi.gate", e->gate, m, o->gate_stride, 4ull * n, 4,
		    false, &o->gate_iova));
	TRY(operand(b, "epi.residual", e->residual, m, o->residual_stride,
		    4ull * n, 4, false, &o->residual_iova));
	TRY(vec(b, "epi.y_scale", e->y_scale, m, 4, false, &o->y_scale_iova));
	return 0;
}

static int mm_dims(struct bld *b, uint32_t m, uint32_t n, uint32_t k)
{
	TRY(dim(b, "m", m, LLA_MAX_M));
	TRY(dim(b, "n", n, LLA_MAX_N));
	TRY(dim(b, "k", k, LLA_MAX_K));
	TRY(elems(b, "m * k", m, k));
	TRY(elems(b, "m * n", m, n));
	return elems(b, "n * k", n, k);
}

int accel_cmd_tlmm(accel_cmdbuf *cb, const struct accel_tlmm *a)
{
	struct lla_cmd_tlmm c;
	uint32_t ysz, rb;
	struct bld b;

	TRY(begin(&b, "accel_cmd_tlmm", cb, a, LLA_OP_TLMM));
	memset(&c, 0, sizeof(c));
	if (a->wfmt != LLA_WFMT_T2 && a->wfmt != LLA_WFMT_T5)
		return bad(&b, "wfmt must be LLA_WFMT_T2 or LLA_WFMT_T5 (got %u)",
			   a->wfmt);
	TRY(mm_dims(&b, a->m, a->n, a->k));
	TRY(check_finite(&b, "w_scale", a->w_scale));
	if (a->epi.out_dtype >= LLA_DTYPE_COUNT)
		return bad(&b, "epi.out_dtype must be an enum lla_dtype below %u (got %u)",
			   LLA_DTYPE_COUNT, a->epi.out_dtype);
	ysz = dtype_size(a->epi.out_dtype);
	rb = lla_wfmt_row_bytes(a->wfmt, a->k);
	TRY(stride(&b, "x_stride", a->x_stride, a->k, 1, &c.x_stride));
	TRY(stride(&b, "w_stride", a->w_stride, rb, 1, &c.w_stride));
	TRY(stride(&b, "y_stride", a->y_stride, (uint64_t)a->n * ysz, ysz,
		   &c.y_stride));
	TRY(epilogue(&b, &a->epi, a->m, a->n, &c.epi));
	TRY(operand(&b, "x", a->x, a->m, c.x_stride, a->k, 1, true, &c.x_iova));
	TRY(vec(&b, "x_scale", a->x_scale, a->m, 4, true, &c.x_scale_iova));
	TRY(operand(&b, "w", a->w, a->n, c.w_stride, rb, 1, true, &c.w_iova));
	TRY(operand(&b, "y", a->y, a->m, c.y_stride, (uint64_t)a->n * ysz,
		    ysz, true, &c.y_iova));
	hdr(&c.hdr, LLA_OP_TLMM, 0, sizeof(c));
	c.m = a->m;
	c.n = a->n;
	c.k = a->k;
	c.w_scale = f32_bits(a->w_scale);
	c.wfmt = a->wfmt;
	return finish(&b, &c.hdr, sizeof(c), true);
}

int accel_cmd_qmm(accel_cmdbuf *cb, const struct accel_qmm *a)
{
	struct lla_cmd_qmm c;
	uint32_t ysz, xsz, wsz;
	struct bld b;
	bool i8;

	TRY(begin(&b, "accel_cmd_qmm", cb, a, LLA_OP_QMM));
	memset(&c, 0, sizeof(c));
	if (a->wfmt != LLA_WFMT_I8 && a->wfmt != LLA_WFMT_F16)
		return bad(&b, "wfmt must be LLA_WFMT_I8 or LLA_WFMT_F16 (got %u)",
			   a->wfmt);
	i8 = a->wfmt == LLA_WFMT_I8;
	TRY(mm_dims(&b, a->m, a->n, a->k));
	if (present(a->x_scale) != i8)
		return bad(&b, i8 ? "x_scale is required with LLA_WFMT_I8" :
			   "x_scale must be absent with LLA_WFMT_F16");
	if (present(a->w_scale) != i8)
		return bad(&b, i8 ? "w_scale is required with LLA_WFMT_I8" :
			   "w_scale must be absent with LLA_WFMT_F16");
	if (a->epi.out_dtype >= LLA_DTYPE_COUNT)
		return bad(&b, "epi.out_dtype must be an enum lla_dtype below %u (got %u)",
			   LLA_DTYPE_COUNT, a->epi.out_dtype);
	ysz = dtype_size(a->epi.out_dtype);
	xsz = i8 ? 1 : 4;
	wsz = i8 ? 1 : 2;
	TRY(stride(&b, "x_stride", a->x_stride, (uint64_t)a->k * xsz, xsz,
		   &c.x_stride));
	TRY(stride(&b, "w_stride", a->w_stride, (uint64_t)a->k * wsz, wsz,
		   &c.w_stride));
	TRY(stride(&b, "y_stride", a->y_stride, (uint64_t)a->n * ysz, ysz,
		   &c.y_stride));
	TRY(epilogue(&b, &a->epi, a->m, a->n, &c.epi));
	TRY(operand(&b, "x", a->x, a->m, c.x_stride, (uint64_t)a->k * xsz, xsz,
		    true, &c.x_iova));
	TRY(vec(&b, "x_scale", a->x_scale, a->m, 4, false, &c.x_scale_iova));
	TRY(operand(&b, "w", a->w, a->n, c.w_stride, (uint64_t)a->k * wsz, wsz,
		    true, &c.w_iova));
	TRY(vec(&b, "w_scale", a->w_scale, a->n, 4, false, &c.w_scale_iova));
	TRY(operand(&b, "y", a->y, a->m, c.y_stride, (uint64_t)a->n * ysz,
		    ysz, true, &c.y_iova));
	hdr(&c.hdr, LLA_OP_QMM, 0, sizeof(c));
	c.m = a->m;
	c.n = a->n;
	c.k = a->k;
	c.wfmt = a->wfmt;
	return finish(&b, &c.hdr, sizeof(c), true);
}

static bool f32_is_pos_zero(float f)
{
	return f32_bits(f) == 0;
}

int accel_cmd_norm_quant(accel_cmdbuf *cb, const struct accel_norm_quant *a)
{
	const uint32_t all = LLA_NQ_F_NORM | LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT;
	struct lla_cmd_norm_quant c;
	bool norm, quant, f32out;
	struct bld b;

	TRY(begin(&b, "accel_cmd_norm_quant", cb, a, LLA_OP_NORM_QUANT));
	memset(&c, 0, sizeof(c));
	if (a->flags & ~all)
		return bad(&b, "flags has unknown bits %#x", a->flags & ~all);
	norm = a->flags & LLA_NQ_F_NORM;
	quant = a->flags & LLA_NQ_F_QUANT;
	f32out = a->flags & LLA_NQ_F_F32OUT;
	TRY(dim(&b, "m", a->m, LLA_MAX_M));
	TRY(dim(&b, "k", a->k, LLA_MAX_K));
	if (!quant && !f32out)
		return bad(&b, "flags must include LLA_NQ_F_QUANT or LLA_NQ_F_F32OUT");
	TRY(check_finite(&b, "eps", a->eps));
	if (a->eps < 0)
		return bad(&b, "eps must not be negative (got %g)", (double)a->eps);
	if (!norm && (present(a->gamma) || !f32_is_pos_zero(a->eps)))
		return bad(&b, "gamma and eps must be 0 without LLA_NQ_F_NORM");
	if (!quant && (present(a->q) || present(a->scale) || a->q_stride))
		return bad(&b, "q, scale and q_stride must be 0 without LLA_NQ_F_QUANT");
	if (!f32out && (present(a->y) || a->y_stride))
		return bad(&b, "y and y_stride must be 0 without LLA_NQ_F_F32OUT");
	TRY(stride(&b, "x_stride", a->x_stride, 4ull * a->k, 4, &c.x_stride));
	if (quant)
		TRY(stride(&b, "q_stride", a->q_stride, a->k, 1, &c.q_stride));
	if (f32out)
		TRY(stride(&b, "y_stride", a->y_stride, 4ull * a->k, 4,
			   &c.y_stride));
	TRY(operand(&b, "x", a->x, a->m, c.x_stride, 4ull * a->k, 4, true,
		    &c.x_iova));
	TRY(vec(&b, "gamma", a->gamma, a->k, 4, false, &c.gamma_iova));
	TRY(operand(&b, "q", a->q, a->m, c.q_stride, a->k, 1, quant, &c.q_iova));
	TRY(vec(&b, "scale", a->scale, a->m, 4, quant, &c.scale_iova));
	TRY(operand(&b, "y", a->y, a->m, c.y_stride, 4ull * a->k, 4, f32out,
		    &c.y_iova));
	hdr(&c.hdr, LLA_OP_NORM_QUANT, (uint16_t)a->flags, sizeof(c));
	c.m = a->m;
	c.k = a->k;
	c.eps = f32_bits(a->eps);
	return finish(&b, &c.hdr, sizeof(c), true);
}

/* Immediate position checks shared by ROPE and attention. */
static int check_pos(struct bld *b, struct accel_addr pos_addr, uint32_t pos,
		     uint32_t m, uint32_t limit, const char *limit_name)
{
	if (present(pos_addr) && pos)
		return bad(b, "pos must be 0 when pos_addr is given (got %u)", pos);
	if (!present(pos_addr) && (uint64_t)pos + m > limit)
		return bad(b, "pos + m (%llu) exceeds %s (%u)",
			   (unsigned long long)pos + m, limit_name, limit);
	return 0;
}

int accel_cmd_rope(accel_cmdbuf *cb, const struct accel_rope *a)
{
	struct lla_cmd_rope c;
	uint64_t row;
	struct bld b;

	TRY(begin(&b, "accel_cmd_rope", cb, a, LLA_OP_ROPE));
	memset(&c, 0, sizeof(c));
	TRY(dim(&b, "m", a->m, LLA_MAX_M));
	TRY(dim(&b, "n_head", a->n_head, LLA_MAX_HEADS));
	TRY(dim(&b, "head_dim", a->head_dim, LLA_MAX_HEAD_DIM));
	TRY(dim(&b, "table_len", a->table_len, LLA_MAX_CTX));
	if (a->head_dim % 2)
		return bad(&b, "head_dim must be even (got %u)", a->head_dim);
	TRY(check_pos(&b, a->pos_addr, a->pos, a->m, a->table_len, "table_len"));
	row = 4ull * a->n_head * a->head_dim;
	TRY(stride(&b, "x_stride", a->x_stride, row, 4, &c.x_stride));
	TRY(operand(&b, "x", a->x, a->m, c.x_stride, row, 4, true, &c.x_iova));
	TRY(vec(&b, "table", a->table, (uint64_t)a->table_len * a->head_dim, 4,
		true, &c.table_iova));
	TRY(vec(&b, "pos_addr", a->pos_addr, 1, 4, false, &c.pos_iova));
	hdr(&c.hdr, LLA_OP_ROPE, 0, sizeof(c));
	c.m = a->m;
	c.n_head = a->n_head;
	c.head_dim = a->head_dim;
	c.pos = a->pos;
	c.table_len = a->table_len;
	return finish(&b, &c.hdr, sizeof(c), true);
}

int accel_cmd_eltwise(accel_cmdbuf *cb, const struct accel_eltwise *a)
{
	struct lla_cmd_eltwise c;
	struct bld b;
	bool binary;

	TRY(begin(&b, "accel_cmd_eltwise", cb, a, LLA_OP_ELTWISE));
	memset(&c, 0, sizeof(c));
	if (a->op >= LLA_ELT_COUNT)
		return bad(&b, "op must be an enum lla_elt_op below %u (got %u)",
			   LLA_ELT_COUNT, a->op);
	TRY(dim(&b, "count", a->count, LLA_MAX_ELEMS));
	binary = a->op == LLA_ELT_ADD || a->op == LLA_ELT_MUL;
	if (present(a->b) != binary)
		return bad(&b, binary ? "b is required for ADD and MUL" :
			   "b must be absent for this op");
	if (a->op == LLA_ELT_SCALE)
		TRY(check_finite(&b, "imm", a->imm));
	else if (!f32_is_pos_zero(a->imm))
		return bad(&b, "imm must be 0 unless op is LLA_ELT_SCALE");
	TRY(vec(&b, "a", a->a, a->count, 4, true, &c.a_iova));
	TRY(vec(&b, "b", a->b, a->count, 4, false, &c.b_iova));
	TRY(vec(&b, "y", a->y, a->count, 4, true, &c.y_iova));
	hdr(&c.hdr, LLA_OP_ELTWISE, 0, sizeof(c));
	c.count = a->count;
	c.op = a->op;
	c.imm = f32_bits(a->imm);
	return finish(&b, &c.hdr, sizeof(c), true);
}

int accel_cmd_embed(accel_cmdbuf *cb, const struct accel_embed *a)
{
	struct lla_cmd_embed c;
	struct bld b;
	uint32_t esz;

	TRY(begin(&b, "accel_cmd_embed", cb, a, LLA_OP_EMBED));
	memset(&c, 0, sizeof(c));
	if (a->dtype != LLA_DTYPE_F32 && a->dtype != LLA_DTYPE_F16)
		return bad(&b, "dtype must be LLA_DTYPE_F32 or LLA_DTYPE_F16 (got %u)",
			   a->dtype);
	TRY(dim(&b, "vocab", a->vocab, LLA_MAX_N));
	TRY(dim(&b, "dim", a->dim, LLA_MAX_K));
	TRY(dim(&b, "m", a->m, LLA_MAX_M));
	TRY(elems(&b, "vocab * dim", a->vocab, a->dim));
	esz = dtype_size(a->dtype);
	TRY(stride(&b, "table_stride", a->table_stride, (uint64_t)a->dim * esz,
		   esz, &c.table_stride));
	TRY(stride(&b, "y_stride", a->y_stride, 4ull * a->dim, 4, &c.y_stride));
	TRY(operand(&b, "table", a->table, a->vocab, c.table_stride,
		    (uint64_t)a->dim * esz, esz, true, &c.table_iova));
	TRY(vec(&b, "ids", a->ids, a->m, 4, true, &c.ids_iova));
	TRY(operand(&b, "y", a->y, a->m, c.y_stride, 4ull * a->dim, 4, true,
		    &c.y_iova));
	hdr(&c.hdr, LLA_OP_EMBED, 0, sizeof(c));
	c.vocab = a->vocab;
	c.dim = a->dim;
	c.m = a->m;
	c.dtype = a->dtype;
	return finish(&b, &c.hdr, sizeof(c), true);
}

int accel_cmd_argmax(accel_cmdbuf *cb, const struct accel_argmax *a)
{
	struct lla_cmd_argmax c;
	struct bld b;

	TRY(begin(&b, "accel_cmd_argmax", cb, a, LLA_OP_ARGMAX));
	memset(&c, 0, sizeof(c));
	TRY(dim(&b, "m", a->m, LLA_MAX_M));
	TRY(dim(&b, "n", a->n, LLA_MAX_N));
	TRY(elems(&b, "m * n", a->m, a->n));
	TRY(stride(&b, "x_stride", a->x_stride, 4ull * a->n, 4, &c.x_stride));
	TRY(operand(&b, "x", a->x, a->m, c.x_stride, 4ull * a->n, 4, true,
		    &c.x_iova));
	TRY(vec(&b, "y", a->y, a->m, 4, true, &c.y_iova));
	hdr(&c.hdr, LLA_OP_ARGMAX, 0, sizeof(c));
	c.m = a->m;
	c.n = a->n;
	return finish(&b, &c.hdr, sizeof(c), true);
}

int accel_cmd_topk(accel_cmdbuf *cb, const struct accel_topk *a)
{
	struct lla_cmd_topk c;
	struct bld b;

	TRY(begin(&b, "accel_cmd_topk", cb, a, LLA_OP_TOPK));
	memset(&c, 0, sizeof(c));
	TRY(dim(&b, "n", a->n, LLA_MAX_N));
	TRY(dim(&b, "k", a->k, LLA_MAX_TOPK));
	if (a->k > a->n)
		return bad(&b, "k (%u) must not exceed n (%u)", a->k, a->n);
	TRY(vec(&b, "x", a->x, a->n, 4, true, &c.x_iova));
	TRY(vec(&b, "idx", a->idx, a->k, 4, true, &c.idx_iova));
	TRY(vec(&b, "val", a->val, a->k, 4, false, &c.val_iova));
	hdr(&c.hdr, LLA_OP_TOPK, 0, sizeof(c));
	c.n = a->n;
	c.k = a->k;
	return finish(&b, &c.hdr, sizeof(c), true);
}

int accel_cmd_sample(accel_cmdbuf *cb, const struct accel_sample *a)
{
	struct lla_cmd_sample c;
	struct bld b;

	TRY(begin(&b, "accel_cmd_sample", cb, a, LLA_OP_SAMPLE));
	memset(&c, 0, sizeof(c));
	if (a->flags & ~LLA_SAMPLE_F_ADVANCE)
		return bad(&b, "flags has unknown bits %#x",
			   a->flags & ~LLA_SAMPLE_F_ADVANCE);
	TRY(dim(&b, "n", a->n, LLA_MAX_N));
	if (a->top_k > LLA_MAX_TOPK)
		return bad(&b, "top_k must be at most %u (got %u)", LLA_MAX_TOPK,
			   a->top_k);
	TRY(check_finite(&b, "temperature", a->temperature));
	if (a->temperature < 0)
		return bad(&b, "temperature must not be negative (got %g)",
			   (double)a->temperature);
	if (!isfinite(a->top_p) || !(a->top_p > 0) || a->top_p > 1)
		return bad(&b, "top_p must be in (0, 1] (got %g)",
			   (double)a->top_p);
	if ((a->flags & LLA_SAMPLE_F_ADVANCE) && !present(a->counter_addr))
		return bad(&b, "LLA_SAMPLE_F_ADVANCE requires counter_addr");
	if (present(a->counter_addr) && a->counter)
		return bad(&b, "counter must be 0 when counter_addr is given");
	TRY(vec(&b, "logits", a->logits, a->n, 4, true, &c.logits_iova));
	TRY(vec(&b, "out", a->out, 1, 4, true, &c.out_iova));
	TRY(vec(&b, "counter_addr", a->counter_addr, 1, 8, false,
		&c.counter_iova));
	hdr(&c.hdr, LLA_OP_SAMPLE, (uint16_t)a->flags, sizeof(c));
	c.seed = a->seed;
	c.counter = a->counter;
	c.n = a->n;
	c.top_k = a->top_k;
	c.temperature = f32_bits(a->temperature);
	c.top_p = f32_bits(a->top_p);
	return finish(&b, &c.hdr, sizeof(c), true);
}

static int attn(accel_cmdbuf *cb, const struct accel_attn *a, uint8_t op,
		const char *fn)
{
	struct lla_cmd_attn c;
	uint64_t qrow, kvrow, cache;
	struct bld b;
	float scale;

	TRY(begin(&b, fn, cb, a, op));
	memset(&c, 0, sizeof(c));
	TRY(dim(&b, "m", a->m, LLA_MAX_M));
	TRY(dim(&b, "n_head", a->n_head, LLA_MAX_HEADS));
	TRY(dim(&b, "n_kv_head", a->n_kv_head, LLA_MAX_HEADS));
	TRY(dim(&b, "head_dim", a->head_dim, LLA_MAX_HEAD_DIM));
	TRY(dim(&b, "max_ctx", a->max_ctx, LLA_MAX_CTX));
	if (a->n_head % a->n_kv_head)
		return bad(&b, "n_head (%u) must be a multiple of n_kv_head (%u)",
			   a->n_head, a->n_kv_head);
	if (op == LLA_OP_ATTN_DECODE && a->m != 1)
		return bad(&b, "m must be 1 for decode (got %u)", a->m);
	scale = a->scale;
	if (f32_is_pos_zero(scale))
		scale = 1.0f / sqrtf((float)a->head_dim);
	if (!isfinite(scale) || !(scale > 0))
		return bad(&b, "scale must be finite and > 0 (got %g)",
			   (double)a->scale);
	TRY(check_pos(&b, a->pos_addr, a->pos, a->m, a->max_ctx, "max_ctx"));
	qrow = 4ull * a->n_head * a->head_dim;
	kvrow = 4ull * a->n_kv_head * a->head_dim;
	TRY(stride(&b, "q_stride", a->q_stride, qrow, 4, &c.q_stride));
	TRY(stride(&b, "kv_stride", a->kv_stride, kvrow, 4, &c.kv_stride));
	TRY(stride(&b, "o_stride", a->o_stride, qrow, 4, &c.o_stride));
	TRY(elems(&b, "max_ctx * n_kv_head * head_dim", a->max_ctx,
		  (uint64_t)a->n_kv_head * a->head_dim));
	cache = (uint64_t)a->max_ctx * a->n_kv_head * a->head_dim;
	TRY(operand(&b, "q", a->q, a->m, c.q_stride, qrow, 4, true, &c.q_iova));
	TRY(operand(&b, "k", a->k, a->m, c.kv_stride, kvrow, 4, true,
		    &c.k_iova));
	TRY(operand(&b, "v", a->v, a->m, c.kv_stride, kvrow, 4, true,
		    &c.v_iova));
	TRY(vec(&b, "k_cache", a->k_cache, cache, 2, true, &c.k_cache_iova));
	TRY(vec(&b, "v_cache", a->v_cache, cache, 2, true, &c.v_cache_iova));
	TRY(operand(&b, "o", a->o, a->m, c.o_stride, qrow, 4, true, &c.o_iova));
	TRY(vec(&b, "pos_addr", a->pos_addr, 1, 4, false, &c.pos_iova));
	hdr(&c.hdr, op, 0, sizeof(c));
	c.m = a->m;
	c.n_head = a->n_head;
	c.n_kv_head = a->n_kv_head;
	c.head_dim = a->head_dim;
	c.max_ctx = a->max_ctx;
	c.pos = a->pos;
	c.scale = f32_bits(scale);
	c.kv_dtype = LLA_DTYPE_F16;
	c.mask_mode = LLA_MASK_CAUSAL;
	return finish(&b, &c.hdr, sizeof(c), true);
}

int accel_cmd_attn_prefill(accel_cmdbuf *cb, const struct accel_attn *a)
{
	return attn(cb, a, LLA_OP_ATTN_PREFILL, "accel_cmd_attn_prefill");
}

int accel_cmd_attn_decode(accel_cmdbuf *cb, const struct accel_attn *a)
{
	return attn(cb, a, LLA_OP_ATTN_DECODE, "accel_cmd_attn_decode");
}

int accel_cmd_copy(accel_cmdbuf *cb, struct accel_addr dst,
		   struct accel_addr src, uint64_t len)
{
	struct lla_cmd_copy c;
	struct bld b;

	TRY(begin(&b, "accel_cmd_copy", cb, cb, LLA_OP_COPY));
	memset(&c, 0, sizeof(c));
	TRY(dim(&b, "len", len, LLA_MAX_COPY_BYTES));
	TRY(vec(&b, "src", src, len, 1, true, &c.src_iova));
	TRY(vec(&b, "dst", dst, len, 1, true, &c.dst_iova));
	if (c.src_iova < c.dst_iova + len && c.dst_iova < c.src_iova + len)
		return bad(&b, "dst and src overlap");
	hdr(&c.hdr, LLA_OP_COPY, 0, sizeof(c));
	c.len = len;
	return finish(&b, &c.hdr, sizeof(c), true);
}

int accel_cmd_fill(accel_cmdbuf *cb, struct accel_addr dst, uint64_t len,
		   uint32_t value)
{
	struct lla_cmd_fill c;
	struct bld b;

	TRY(begin(&b, "accel_cmd_fill", cb, cb, LLA_OP_FILL));
	memset(&c, 0, sizeof(c));
	TRY(dim(&b, "len", len, LLA_MAX_COPY_BYTES));
	if (len % 4)
		return bad(&b, "len must be a multiple of 4 (got %llu)",
			   (unsigned long long)len);
	TRY(vec(&b, "dst", dst, len / 4, 4, true, &c.dst_iova));
	hdr(&c.hdr, LLA_OP_FILL, 0, sizeof(c));
	c.len = len;
	c.value = value;
	return finish(&b, &c.hdr, sizeof(c), true);
}

int accel_cmd_timestamp(accel_cmdbuf *cb, struct accel_addr dst)
{
	struct lla_cmd_timestamp c;
	struct bld b;

	TRY(begin(&b, "accel_cmd_timestamp", cb, cb, LLA_OP_TIMESTAMP));
	memset(&c, 0, sizeof(c));
	TRY(vec(&b, "dst", dst, 1, 8, true, &c.dst_iova));
	hdr(&c.hdr, LLA_OP_TIMESTAMP, 0, sizeof(c));
	return finish(&b, &c.hdr, sizeof(c), true);
}

static int sem(accel_cmdbuf *cb, struct accel_addr cell, uint32_t op,
	       uint64_t value, uint32_t flags, uint8_t opcode, const char *fn)
{
	uint32_t nops = opcode == LLA_OP_SEM_SIGNAL ? LLA_SEM_COUNT :
			LLA_SEM_COND_COUNT;
	struct lla_cmd_sem c;
	struct bld b;
	uint32_t w;

	TRY(begin(&b, fn, cb, cb, opcode));
	memset(&c, 0, sizeof(c));
	if (flags & ~LLA_SEM_F_32BIT)
		return bad(&b, "flags has unknown bits %#x",
			   flags & ~LLA_SEM_F_32BIT);
	if (op >= nops)
		return bad(&b, "%s must be below %u (got %u)",
			   opcode == LLA_OP_SEM_SIGNAL ? "op" : "cond", nops, op);
	w = flags & LLA_SEM_F_32BIT ? 4 : 8;
	if (w == 4 && value > UINT32_MAX)
		return bad(&b, "value %#llx does not fit the 32-bit cell",
			   (unsigned long long)value);
	TRY(vec(&b, "cell", cell, 1, w, true, &c.iova));
	hdr(&c.hdr, opcode, (uint16_t)flags, sizeof(c));
	c.value = value;
	c.op = (uint8_t)op;
	return finish(&b, &c.hdr, sizeof(c), true);
}

int accel_cmd_sem_signal(accel_cmdbuf *cb, struct accel_addr cell,
			 uint32_t op, uint64_t value, uint32_t flags)
{
	return sem(cb, cell, op, value, flags, LLA_OP_SEM_SIGNAL,
		   "accel_cmd_sem_signal");
}

int accel_cmd_sem_wait(accel_cmdbuf *cb, struct accel_addr cell,
		       uint32_t cond, uint64_t value, uint32_t flags)
{
	return sem(cb, cell, cond, value, flags, LLA_OP_SEM_WAIT,
		   "accel_cmd_sem_wait");
}
