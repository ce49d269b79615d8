// SPDX-License-Identifier: MIT
/*
 * Builder agreement suite.  For many random argument sets per opcode,
 * drawn from boundary values (zero, limits, limit + 1, strides one short
 * of a row, misaligned and out-of-range addresses, NaN, -0.0, unknown
 * enums and flags), with operands given as raw device addresses:
 *  - the builder accepts exactly when the device's validator accepts the
 *    same command encoded independently here (defaults applied the way
 *    docs/libaccel.md states: stride 0 = packed, attention scale 0 =
 *    1/sqrt(head_dim));
 *  - an accepted command is encoded byte for byte as that encoding;
 *  - every rejection comes from a per-field check whose message names a
 *    field, never from the validator fallback alone.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

#define ITERS 3000

static uint32_t pick_u32(const uint32_t *v, int n)
{
	return v[rnd() % (uint32_t)n];
}

#define PICK(...) pick_u32((const uint32_t[]){ __VA_ARGS__ }, \
	(int)(sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)))

/* Each field is valid most of the time, so whole commands often are. */
static int bad(void)
{
	return rnd() % 100 < 6;
}

static uint32_t dimv(uint32_t max)
{
	if (bad())
		return PICK(0, max + 1, max + 1000);
	return PICK(1, 2, 3, 5, 8, 16, 33, 1 + rnd() % 64, max > 4096 ? 4096 : max);
}

/* A stride around @row: 0 (packed), exact, padded; or short, misaligned. */
static uint32_t stridev(uint64_t row)
{
	uint32_t r = row > 0xfffffff0u ? 0xfffffff0u : (uint32_t)row;

	if (bad())
		return PICK(r ? r - 1 : 0, r + 1, r + 2, r / 2);
	return PICK(0, 0, r, r + 4, r * 2);
}

static uint32_t pack_default(uint32_t s, uint64_t row)
{
	return s ? s : (uint32_t)row;
}

/* A raw device address: fine, or misaligned, low, at the top. */
static uint64_t addrv(void)
{
	static const uint64_t good[] = {
		0x10000, 0x20000, 0x40000, 0x1000000, 0x100000000ull,
	};
	static const uint64_t evil[] = {
		0, 0x10002, 0x10001, 0x100, LLA_IOVA_LIMIT - 64,
		LLA_IOVA_LIMIT - 0x100000, LLA_IOVA_LIMIT,
	};

	if (bad())
		return evil[rnd() % (sizeof(evil) / sizeof(evil[0]))];
	return good[rnd() % (sizeof(good) / sizeof(good[0]))];
}

/* An optional operand: absent half of the time. */
static uint64_t optv(void)
{
	return rnd() % 2 ? addrv() : 0;
}

static float floatv(void)
{
	static const float good[] = { 1.0f, 0.5f, 0.25f, 1e-30f, 0.125f };
	static const float evil[] = { 0.0f, -0.0f, -1.0f, 2.0f,
				      1.0f + 1e-7f, NAN, INFINITY, -INFINITY };

	if (rnd() % 100 < 10)
		return evil[rnd() % (sizeof(evil) / sizeof(evil[0]))];
	return good[rnd() % (sizeof(good) / sizeof(good[0]))];
}

static uint32_t bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static uint32_t dsize(uint8_t dt)
{
	return dt == LLA_DTYPE_F32 ? 4 : dt == LLA_DTYPE_F16 ? 2 : 1;
}

struct stats {
	const char *name;
	int n, accepted, agree, bytes, named;
};

/*
 * Compare one builder call (@rc, appended or not) with the validator's
 * verdict on @want (@size bytes).
 */
static void judge(struct stats *st, accel_cmdbuf *cb, int rc,
		  const void *want, uint32_t size)
{
	int dev_ok = lla_validate_cmd(want, size) == LLA_OK;
	const char *msg = accel_last_error();

	st->n++;
	if ((rc == 0) == dev_ok)
		st->agree++;
	else if (st->n - st->agree <= 3)
		tap_diag("%s: builder %d (%s), validator %s", st->name, rc,
			 rc ? msg : "", lla_error_name(
				 lla_validate_cmd(want, size)));
	if (rc == 0) {
		const uint8_t *d = accel_cmdbuf_data(cb);

		st->accepted++;
		if (accel_cmdbuf_bytes(cb) >= size &&
		    !memcmp(d + accel_cmdbuf_bytes(cb) - size, want, size))
			st->bytes++;
		else if (st->accepted - st->bytes <= 3)
			tap_diag("%s: encoding differs", st->name);
	} else if (!strstr(msg, "device validator")) {
		st->named++;
	} else if (st->n - st->accepted - st->named <= 3) {
		tap_diag("%s: unnamed rejection '%s'", st->name, msg);
	}
	if (accel_cmdbuf_bytes(cb) > 512 * 1024)
		accel_cmdbuf_reset(cb);
}

static void report(const struct stats *st)
{
	tap_ok(st->agree == st->n && st->accepted >= st->n / 10 &&
	       st->accepted <= st->n * 9 / 10,
	       "%s: builder and device validator agree on %d of %d random commands (%d accepted)",
	       st->name, st->agree, st->n, st->accepted);
	tap_ok(st->bytes == st->accepted,
	       "%s: all %d accepted commands encoded as expected",
	       st->name, st->accepted);
	tap_ok(st->named == st->n - st->accepted,
	       "%s: %d of %d rejections name a field",
	       st->name, st->named, st->n - st->accepted);
}

static void epi_rand(struct accel_epilogue *e, struct lla_epilogue *o,
		     uint32_t n)
{
	e->act = (uint8_t)(bad() ? PICK(4, 9) : PICK(0, 1, 2, 3));
	e->out_dtype = (uint8_t)(bad() ? 3 : PICK(0, 0, 1, 2));
	e->bias = accel_raw(optv());
	e->gate = accel_raw(optv());
	e->residual = accel_raw(optv());
	e->y_scale = accel_raw((e->out_dtype == LLA_DTYPE_I8) != bad() ?
			       addrv() : 0);
	e->gate_stride = e->gate.offset || bad() ? stridev(4ull * n) : 0;
	e->residual_stride = e->residual.offset || bad() ?
			     stridev(4ull * n) : 0;
	memset(o, 0, sizeof(*o));
	o->bias_iova = e->bias.offset;
	o->gate_iova = e->gate.offset;
	o->residual_iova = e->residual.offset;
	o->y_scale_iova = e->y_scale.offset;
	o->gate_stride = e->gate.offset ? pack_default(e->gate_stride, 4ull * n) :
			 e->gate_stride;
	o->residual_stride = e->residual.offset ?
			     pack_default(e->residual_stride, 4ull * n) :
			     e->residual_stride;
	o->act = e->act;
	o->out_dtype = e->out_dtype;
}

static void fuzz_tlmm(accel_cmdbuf *cb)
{
	struct stats st = { .name = "TLMM" };

	for (int i = 0; i < ITERS; i++) {
		struct accel_tlmm a;
		struct lla_cmd_tlmm c;
		uint32_t rb;

		memset(&a, 0, sizeof(a));
		memset(&c, 0, sizeof(c));
		a.m = dimv(LLA_MAX_M);
		a.n = dimv(LLA_MAX_N);
		a.k = dimv(LLA_MAX_K);
		a.wfmt = (uint8_t)(bad() ? PICK(2, 5) : PICK(0, 1));
		a.w_scale = floatv();
		rb = lla_wfmt_row_bytes(a.wfmt < 2 ? a.wfmt : 0, a.k);
		a.x_stride = stridev(a.k);
		a.w_stride = stridev(rb);
		a.y_stride = stridev(4ull * a.n);
		a.x = accel_raw(addrv());
		a.x_scale = accel_raw(addrv());
		a.w = accel_raw(addrv());
		a.y = accel_raw(addrv());
		epi_rand(&a.epi, &c.epi, a.n);
		c.hdr = (struct lla_cmd_hdr){ LLA_OP_TLMM, 0, 0, sizeof(c) };
		c.x_iova = a.x.offset;
		c.x_scale_iova = a.x_scale.offset;
		c.w_iova = a.w.offset;
		c.y_iova = a.y.offset;
		c.m = a.m;
		c.n = a.n;
		c.k = a.k;
		c.x_stride = pack_default(a.x_stride, a.k);
		c.w_stride = pack_default(a.w_stride, rb);
		c.y_stride = pack_default(a.y_stride, (uint64_t)a.n *
					  dsize(a.epi.out_dtype));
		c.w_scale = bits(a.w_scale);
		c.wfmt = a.wfmt;
		judge(&st, cb, accel_cmd_tlmm(cb, &a), &c, sizeof(c));
	}
	report(&st);
}

static void fuzz_qmm(accel_cmdbuf *cb)
{
	struct stats st = { .name = "QMM" };

	for (int i = 0; i < ITERS; i++) {
		struct accel_qmm a;
		struct lla_cmd_qmm c;
		uint32_t xsz, wsz;

		memset(&a, 0, sizeof(a));
		memset(&c, 0, sizeof(c));
		a.m = dimv(LLA_MAX_M);
		a.n = dimv(LLA_MAX_N);
		a.k = dimv(LLA_MAX_K);
		a.wfmt = (uint8_t)(bad() ? PICK(0, 7) : PICK(2, 3));
		xsz = a.wfmt == LLA_WFMT_I8 ? 1 : 4;
		wsz = a.wfmt == LLA_WFMT_I8 ? 1 : 2;
		a.x_stride = stridev((uint64_t)a.k * xsz);
		a.w_stride = stridev((uint64_t)a.k * wsz);
		a.y_stride = stridev(4ull * a.n);
		a.x = accel_raw(addrv());
		a.w = accel_raw(addrv());
		a.y = accel_raw(addrv());
		a.x_scale = accel_raw((a.wfmt == LLA_WFMT_I8) != bad() ?
				      addrv() : 0);
		a.w_scale = accel_raw((a.wfmt == LLA_WFMT_I8) != bad() ?
				      addrv() : 0);
		epi_rand(&a.epi, &c.epi, a.n);
		c.hdr = (struct lla_cmd_hdr){ LLA_OP_QMM, 0, 0, sizeof(c) };
		c.x_iova = a.x.offset;
		c.x_scale_iova = a.x_scale.offset;
		c.w_iova = a.w.offset;
		c.w_scale_iova = a.w_scale.offset;
		c.y_iova = a.y.offset;
		c.m = a.m;
		c.n = a.n;
		c.k = a.k;
		c.x_stride = pack_default(a.x_stride, (uint64_t)a.k * xsz);
		c.w_stride = pack_default(a.w_stride, (uint64_t)a.k * wsz);
		c.y_stride = pack_default(a.y_stride, (uint64_t)a.n *
					  dsize(a.epi.out_dtype));
		c.wfmt = a.wfmt;
		judge(&st, cb, accel_cmd_qmm(cb, &a), &c, sizeof(c));
	}
	report(&st);
}

static void fuzz_norm_quant(accel_cmdbuf *cb)
{
	struct stats st = { .name = "NORM_QUANT" };

	for (int i = 0; i < ITERS; i++) {
		struct accel_norm_quant a;
		struct lla_cmd_norm_quant c;
		bool quant, f32out;

		memset(&a, 0, sizeof(a));
		memset(&c, 0, sizeof(c));
		a.flags = bad() ? PICK(0, 1, 8, 9) : PICK(2, 3, 4, 5, 6, 7);
		quant = a.flags & LLA_NQ_F_QUANT;
		f32out = a.flags & LLA_NQ_F_F32OUT;
		a.m = dimv(LLA_MAX_M);
		a.k = dimv(LLA_MAX_K);
		a.eps = (a.flags & LLA_NQ_F_NORM) ? floatv() :
			bad() ? floatv() : 0.0f;
		a.x_stride = stridev(4ull * a.k);
		a.q_stride = quant != bad() ? stridev(a.k) : 0;
		a.y_stride = f32out != bad() ? stridev(4ull * a.k) : 0;
		a.x = accel_raw(addrv());
		a.gamma = accel_raw((a.flags & LLA_NQ_F_NORM) || bad() ?
				    optv() : 0);
		a.q = accel_raw(quant != bad() ? addrv() : 0);
		a.scale = accel_raw(quant != bad() ? addrv() : 0);
		a.y = accel_raw(f32out != bad() ? addrv() : 0);
		c.hdr = (struct lla_cmd_hdr){ LLA_OP_NORM_QUANT, 0,
					      (uint16_t)a.flags, sizeof(c) };
		c.x_iova = a.x.offset;
		c.gamma_iova = a.gamma.offset;
		c.q_iova = a.q.offset;
		c.scale_iova = a.scale.offset;
		c.y_iova = a.y.offset;
		c.m = a.m;
		c.k = a.k;
		c.x_stride = pack_default(a.x_stride, 4ull * a.k);
		c.q_stride = quant ? pack_default(a.q_stride, a.k) : a.q_stride;
		c.y_stride = f32out ? pack_default(a.y_stride, 4ull * a.k) :
			     a.y_stride;
		c.eps = bits(a.eps);
		judge(&st, cb, accel_cmd_norm_quant(cb, &a), &c, sizeof(c));
	}
	report(&st);
}

static void fuzz_rope(accel_cmdbuf *cb)
{
	struct stats st = { .name = "ROPE" };

	for (int i = 0; i < ITERS; i++) {
		struct accel_rope a;
		struct lla_cmd_rope c;
		uint64_t row;

		memset(&a, 0, sizeof(a));
		memset(&c, 0, sizeof(c));
		a.m = dimv(LLA_MAX_M);
		a.n_head = dimv(LLA_MAX_HEADS);
		a.head_dim = dimv(LLA_MAX_HEAD_DIM);
		a.table_len = dimv(LLA_MAX_CTX) + 8;
		a.head_dim += a.head_dim % 2 && !bad();
		a.pos_addr = accel_raw(optv());
		a.pos = a.pos_addr.offset && !bad() ? 0 :
			PICK(0, 1, 5, 100, 131072);
		row = 4ull * a.n_head * a.head_dim;
		a.x_stride = stridev(row);
		a.x = accel_raw(addrv());
		a.table = accel_raw(addrv());
		c.hdr = (struct lla_cmd_hdr){ LLA_OP_ROPE, 0, 0, sizeof(c) };
		c.x_iova = a.x.offset;
		c.table_iova = a.table.offset;
		c.pos_iova = a.pos_addr.offset;
		c.m = a.m;
		c.n_head = a.n_head;
		c.head_dim = a.head_dim;
		c.x_stride = pack_default(a.x_stride, row);
		c.pos = a.pos;
		c.table_len = a.table_len;
		judge(&st, cb, accel_cmd_rope(cb, &a), &c, sizeof(c));
	}
	report(&st);
}

static void fuzz_eltwise(accel_cmdbuf *cb)
{
	struct stats st = { .name = "ELTWISE" };

	for (int i = 0; i < ITERS; i++) {
		struct accel_eltwise a;
		struct lla_cmd_eltwise c;

		memset(&a, 0, sizeof(a));
		memset(&c, 0, sizeof(c));
		a.op = (uint8_t)(bad() ? PICK(6, 200) : PICK(0, 1, 2, 3, 4, 5));
		a.count = bad() ? PICK(0, (1u << 30) + 1) :
			  PICK(1, 7, 64, 1u << 20);
		a.imm = a.op == LLA_ELT_SCALE ? floatv() :
			bad() ? floatv() : 0.0f;
		a.a = accel_raw(addrv());
		a.b = accel_raw((a.op <= LLA_ELT_MUL) != bad() ? addrv() : 0);
		a.y = accel_raw(addrv());
		c.hdr = (struct lla_cmd_hdr){ LLA_OP_ELTWISE, 0, 0, sizeof(c) };
		c.a_iova = a.a.offset;
		c.b_iova = a.b.offset;
		c.y_iova = a.y.offset;
		c.count = a.count;
		c.op = a.op;
		c.imm = bits(a.imm);
		judge(&st, cb, accel_cmd_eltwise(cb, &a), &c, sizeof(c));
	}
	report(&st);
}

static void fuzz_sample(accel_cmdbuf *cb)
{
	struct stats st = { .name = "SAMPLE" };

	for (int i = 0; i < ITERS; i++) {
		struct accel_sample a;
		struct lla_cmd_sample c;

		memset(&a, 0, sizeof(a));
		memset(&c, 0, sizeof(c));
		a.counter_addr = accel_raw(optv());
		a.flags = bad() ? 2 : a.counter_addr.offset ? PICK(0, 1) : 0;
		a.n = dimv(LLA_MAX_N);
		a.top_k = bad() ? 257 : PICK(0, 1, 40, 256);
		a.temperature = rnd() % 3 ? floatv() : 0.0f;
		a.top_p = floatv();
		a.seed = rnd();
		a.counter = a.counter_addr.offset && !bad() ? 0 : PICK(0, 9);
		a.logits = accel_raw(addrv());
		a.out = accel_raw(addrv());
		c.hdr = (struct lla_cmd_hdr){ LLA_OP_SAMPLE, 0,
					      (uint16_t)a.flags, sizeof(c) };
		c.logits_iova = a.logits.offset;
		c.out_iova = a.out.offset;
		c.counter_iova = a.counter_addr.offset;
		c.seed = a.seed;
		c.counter = a.counter;
		c.n = a.n;
		c.top_k = a.top_k;
		c.temperature = bits(a.temperature);
		c.top_p = bits(a.top_p);
		judge(&st, cb, accel_cmd_sample(cb, &a), &c, sizeof(c));
	}
	report(&st);
}

static void fuzz_attn(accel_cmdbuf *cb)
{
	struct stats st = { .name = "ATTN" };

	for (int i = 0; i < ITERS; i++) {
		uint8_t op = rnd() % 2 ? LLA_OP_ATTN_PREFILL : LLA_OP_ATTN_DECODE;
		struct accel_attn a;
		struct lla_cmd_attn c;
		uint64_t qrow, kvrow;
		float scale;
		int rc;

		memset(&a, 0, sizeof(a));
		memset(&c, 0, sizeof(c));
		a.m = op == LLA_OP_ATTN_DECODE && !bad() ? 1 : dimv(LLA_MAX_M);
		a.n_kv_head = bad() ? PICK(0, 3, 257) : PICK(1, 2, 4);
		a.n_head = a.n_kv_head * (bad() ? 1 : PICK(1, 2, 4));
		a.n_head += bad();
		a.head_dim = bad() ? PICK(0, 257) : PICK(1, 8, 64, 128, 256);
		a.max_ctx = bad() ? PICK(0, 131073) : PICK(16, 4096, 131072);
		a.pos_addr = accel_raw(optv());
		a.pos = a.pos_addr.offset && !bad() ? 0 : PICK(0, 3, 4095, 131072);
		a.scale = rnd() % 2 ? 0.0f : floatv();
		qrow = 4ull * a.n_head * a.head_dim;
		kvrow = 4ull * a.n_kv_head * a.head_dim;
		a.q_stride = stridev(qrow);
		a.kv_stride = stridev(kvrow);
		a.o_stride = stridev(qrow);
		a.q = accel_raw(addrv());
		a.k = accel_raw(addrv());
		a.v = accel_raw(addrv());
		a.k_cache = accel_raw(addrv());
		a.v_cache = accel_raw(addrv());
		a.o = accel_raw(addrv());
		scale = bits(a.scale) == 0 && a.head_dim ?
			1.0f / sqrtf((float)a.head_dim) : a.scale;
		c.hdr = (struct lla_cmd_hdr){ op, 0, 0, sizeof(c) };
		c.q_iova = a.q.offset;
		c.k_iova = a.k.offset;
		c.v_iova = a.v.offset;
		c.k_cache_iova = a.k_cache.offset;
		c.v_cache_iova = a.v_cache.offset;
		c.o_iova = a.o.offset;
		c.pos_iova = a.pos_addr.offset;
		c.m = a.m;
		c.n_head = a.n_head;
		c.n_kv_head = a.n_kv_head;
		c.head_dim = a.head_dim;
		c.max_ctx = a.max_ctx;
		c.pos = a.pos;
		c.q_stride = pack_default(a.q_stride, qrow);
		c.kv_stride = pack_default(a.kv_stride, kvrow);
		c.o_stride = pack_default(a.o_stride, qrow);
		c.scale = bits(scale);
		c.kv_dtype = LLA_DTYPE_F16;
		c.mask_mode = LLA_MASK_CAUSAL;
		rc = op == LLA_OP_ATTN_PREFILL ? accel_cmd_attn_prefill(cb, &a) :
		     accel_cmd_attn_decode(cb, &a);
		judge(&st, cb, rc, &c, sizeof(c));
	}
	report(&st);
}

static void fuzz_misc(accel_cmdbuf *cb)
{
	struct stats st = { .name = "EMBED/ARGMAX/TOPK/COPY/FILL/SEM" };

	for (int i = 0; i < ITERS; i++) {
		union {
			struct lla_cmd_embed e;
			struct lla_cmd_argmax am;
			struct lla_cmd_topk t;
			struct lla_cmd_copy cp;
			struct lla_cmd_fill f;
			struct lla_cmd_sem s;
		} c;
		uint32_t size = 0;
		int rc = 0;

		memset(&c, 0, sizeof(c));
		switch (rnd() % 6) {
		case 0: {
			struct accel_embed a = {
				.vocab = dimv(LLA_MAX_N), .dim = dimv(LLA_MAX_K),
				.m = dimv(LLA_MAX_M),
				.dtype = (uint8_t)(bad() ? PICK(2, 3) : PICK(0, 1)) };
			uint32_t esz = a.dtype == 1 ? 2 : a.dtype == 0 ? 4 : 1;

			a.table_stride = stridev((uint64_t)a.dim * esz);
			a.y_stride = stridev(4ull * a.dim);
			a.table = accel_raw(addrv());
			a.ids = accel_raw(addrv());
			a.y = accel_raw(addrv());
			c.e.hdr = (struct lla_cmd_hdr){ LLA_OP_EMBED, 0, 0, 56 };
			c.e.table_iova = a.table.offset;
			c.e.ids_iova = a.ids.offset;
			c.e.y_iova = a.y.offset;
			c.e.vocab = a.vocab;
			c.e.dim = a.dim;
			c.e.m = a.m;
			c.e.table_stride = pack_default(a.table_stride,
							(uint64_t)a.dim * esz);
			c.e.y_stride = pack_default(a.y_stride, 4ull * a.dim);
			c.e.dtype = a.dtype;
			size = sizeof(c.e);
			rc = accel_cmd_embed(cb, &a);
			break;
		}
		case 1: {
			struct accel_argmax a = {
				.m = dimv(LLA_MAX_M), .n = dimv(LLA_MAX_N) };

			a.x_stride = stridev(4ull * a.n);
			a.x = accel_raw(addrv());
			a.y = accel_raw(addrv());
			c.am.hdr = (struct lla_cmd_hdr){ LLA_OP_ARGMAX, 0, 0, 40 };
			c.am.x_iova = a.x.offset;
			c.am.y_iova = a.y.offset;
			c.am.m = a.m;
			c.am.n = a.n;
			c.am.x_stride = pack_default(a.x_stride, 4ull * a.n);
			size = sizeof(c.am);
			rc = accel_cmd_argmax(cb, &a);
			break;
		}
		case 2: {
			struct accel_topk a = {
				.n = dimv(LLA_MAX_N), .k = dimv(LLA_MAX_TOPK),
				.x = accel_raw(addrv()), .idx = accel_raw(addrv()),
				.val = accel_raw(optv()) };

			c.t.hdr = (struct lla_cmd_hdr){ LLA_OP_TOPK, 0, 0, 40 };
			c.t.x_iova = a.x.offset;
			c.t.idx_iova = a.idx.offset;
			c.t.val_iova = a.val.offset;
			c.t.n = a.n;
			c.t.k = a.k;
			size = sizeof(c.t);
			rc = accel_cmd_topk(cb, &a);
			break;
		}
		case 3: {
			uint64_t len = bad() ? PICK(0, (1u << 30) + 1) :
				       PICK(1, 64, 4096, 1u << 30);
			struct accel_addr s = accel_raw(addrv());
			struct accel_addr d = accel_raw(rnd() % 4 ? addrv() :
						       s.offset + 32);

			c.cp.hdr = (struct lla_cmd_hdr){ LLA_OP_COPY, 0, 0, 32 };
			c.cp.src_iova = s.offset;
			c.cp.dst_iova = d.offset;
			c.cp.len = len;
			size = sizeof(c.cp);
			rc = accel_cmd_copy(cb, d, s, len);
			break;
		}
		case 4: {
			uint64_t len = bad() ? PICK(0, 6, (1u << 30) + 4) :
				       PICK(4, 64, 1u << 30);
			struct accel_addr d = accel_raw(addrv());
			uint32_t v = rnd();

			c.f.hdr = (struct lla_cmd_hdr){ LLA_OP_FILL, 0, 0, 32 };
			c.f.dst_iova = d.offset;
			c.f.len = len;
			c.f.value = v;
			size = sizeof(c.f);
			rc = accel_cmd_fill(cb, d, len, v);
			break;
		}
		default: {
			uint8_t op = rnd() % 2 ? LLA_OP_SEM_SIGNAL : LLA_OP_SEM_WAIT;
			uint32_t o = bad() ? PICK(2, 9) : PICK(0, 1);
			uint32_t fl = bad() ? 2 : PICK(0, 1);
			uint64_t v = bad() ? (1ull << 32) + 5 : rnd();
			struct accel_addr cell = accel_raw(addrv() +
							   (bad() ? 4 : 0));

			c.s.hdr = (struct lla_cmd_hdr){ op, 0, (uint16_t)fl, 32 };
			c.s.iova = cell.offset;
			c.s.value = v;
			c.s.op = (uint8_t)o;
			size = sizeof(c.s);
			rc = op == LLA_OP_SEM_SIGNAL ?
			     accel_cmd_sem_signal(cb, cell, o, v, fl) :
			     accel_cmd_sem_wait(cb, cell, o, v, fl);
			break;
		}
		}
		judge(&st, cb, rc, &c, size);
	}
	report(&st);
}

int main(void)
{
	accel_cmdbuf *cb = NULL;

	if (accel_device_open("first", 0, &dev) ||
	    accel_device_caps(dev, &caps) || accel_cmdbuf_create(dev, &cb)) {
		tap_ok(0, "open the device: %s", accel_last_error());
		return tap_done();
	}
	fuzz_tlmm(cb);
	fuzz_qmm(cb);
	fuzz_norm_quant(cb);
	fuzz_rope(cb);
	fuzz_eltwise(cb);
	fuzz_sample(cb);
	fuzz_attn(cb);
	fuzz_misc(cb);
	accel_cmdbuf_destroy(cb);
	accel_device_close(dev);
	return tap_done();
}
