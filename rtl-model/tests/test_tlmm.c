// SPDX-License-Identifier: MIT
/*
 * TLMM and QMM golden tests.  The expected output of every command is
 * computed here independently: weights decoded by test-local code, a
 * naive int64 matmul, and an epilogue written from the documented order
 * (value, + bias, act, * gate, + residual, output conversion).  Outputs
 * are compared with memcmp over the whole output region including the
 * stride padding, which must stay untouched.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "tap.h"

/* ---------------- flat memory arena ---------------- */

#define ARENA_BASE	0x10000000ull

struct arena {
	struct lla_flat_mem flat;
	struct lla_mem mem;
	uint64_t top;
};

static void arena_init(struct arena *a, uint64_t size)
{
	a->flat.data = calloc(1, size);
	a->flat.base = ARENA_BASE;
	a->flat.size = size;
	a->top = 0;
	lla_flat_mem_init(&a->mem, &a->flat);
}

static void *host(struct arena *a, uint64_t iova)
{
	return a->flat.data + (iova - ARENA_BASE);
}

/* Reserve @len bytes (64-aligned) filled with @fill; returns the IOVA. */
static uint64_t reserve(struct arena *a, uint64_t len, uint8_t fill)
{
	uint64_t iova = ARENA_BASE + a->top;

	if (a->top + len + 64 > a->flat.size)
		abort();
	memset(host(a, iova), fill, len);
	a->top = (a->top + len + 63) & ~63ull;
	return iova;
}

/* Copy @rows rows of @rb bytes into rows @stride apart. */
static uint64_t put_rows(struct arena *a, const void *src, uint32_t rows,
			 uint64_t rb, uint64_t stride)
{
	uint64_t iova = reserve(a, (rows - 1) * stride + rb, 0xa5);

	for (uint32_t r = 0; r < rows; r++)
		memcpy((uint8_t *)host(a, iova) + r * stride,
		       (const uint8_t *)src + r * rb, rb);
	return iova;
}

/* ---------------- random data ---------------- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

static float rnd_f(float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnd() & 0xffffff) * 0x1p-24f;
}

/* ---------------- independent reference ---------------- */

enum { K_TLMM, K_QMM_I8, K_QMM_F16 };

struct mm_case {
	int kind;
	uint8_t wfmt;		/* TLMM: T2/T5 */
	uint32_t m, n, k;
	uint32_t xpad, wpad, ypad, gpad, rpad;
	uint8_t act, out;
	int bias, gate, resid;
	int invalid;		/* TLMM: sprinkle invalid weight codes */
};

/* Test-local ternary packing (byte at a time, powers table for T5). */
static uint32_t t_row_bytes(uint8_t f, uint32_t k)
{
	return f == LLA_WFMT_T2 ? (k + 3) / 4 : (k + 4) / 5;
}

static void t_pack(uint8_t f, const int8_t *w, uint32_t k, uint8_t *dst)
{
	static const uint32_t pow3[5] = { 1, 3, 9, 27, 81 };
	uint32_t per = f == LLA_WFMT_T2 ? 4 : 5;

	memset(dst, 0, t_row_bytes(f, k));
	for (uint32_t i = 0; i < t_row_bytes(f, k) * per; i++) {
		uint32_t code = i < k ? (uint32_t)(w[i] + 1) : 1;

		if (f == LLA_WFMT_T2)
			dst[i / 4] |= (uint8_t)(code << (2 * (i % 4)));
		else
			dst[i / 5] += (uint8_t)(code * pow3[i % 5]);
	}
}

static int t_weight(uint8_t f, const uint8_t *row, uint32_t i)
{
	if (f == LLA_WFMT_T2) {
		int code = (row[i / 4] >> (2 * (i % 4))) & 3;

		return code == 3 ? 0 : code - 1;
	} else {
		int byte = row[i / 5];

		if (byte >= 243)
			return 0;
		for (uint32_t j = 0; j < i % 5; j++)
			byte /= 3;
		return byte % 3 - 1;
	}
}

static float half_to_float(uint16_t h)
{
	int e = (h >> 10) & 0x1f, m = h & 0x3ff;
	double v = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);

	return (float)((h & 0x8000) ? -v : v);
}

static float t_act(uint8_t act, float v)
{
	float r = v > 0.0f ? v : 0.0f;

	switch (act) {
	case LLA_ACT_RELU:
		return r;
	case LLA_ACT_RELU2:
		return r * r;
	case LLA_ACT_SILU:
		return v / (1.0f + lla_expf(-v));
	default:
		return v;
	}
}

static int8_t t_quant(float v)
{
	float r = nearbyintf(v);	/* default rounding: half to even */

	if (isnan(r))
		return 0;
	return (int8_t)(r > 127.0f ? 127 : (r < -128.0f ? -128 : r));
}

struct mm_data {
	int8_t *xq;		/* [m][k] */
	float *xf;		/* [m][k] (F16 kind) */
	float *xs;		/* [m] */
	uint8_t *w;		/* [n][row bytes] packed */
	float *ws;		/* [n] (QMM I8) */
	float gamma;
	float *bias, *gate, *resid;	/* [n], [m][n], [m][n] */
	uint32_t wrb;
};

static void data_free(struct mm_data *d)
{
	free(d->xq);
	free(d->xf);
	free(d->xs);
	free(d->w);
	free(d->ws);
	free(d->bias);
	free(d->gate);
	free(d->resid);
}

static void gen_data(const struct mm_case *c, struct mm_data *d)
{
	size_t mk = (size_t)c->m * c->k, mn = (size_t)c->m * c->n;
	int8_t *wt = malloc((size_t)c->k);

	memset(d, 0, sizeof(*d));
	d->xq = malloc(mk);
	d->xf = malloc(mk * 4);
	d->xs = malloc(c->m * 4ull);
	d->ws = malloc(c->n * 4ull);
	d->bias = malloc(c->n * 4ull);
	d->gate = malloc(mn * 4);
	d->resid = malloc(mn * 4);
	for (size_t i = 0; i < mk; i++) {
		uint32_t r = rnd();

		/* a good share of the extremes -128 and 127 */
		d->xq[i] = (r & 7) == 0 ? -128 : (r & 7) == 1 ? 127 :
			   (int8_t)(r >> 8);
		d->xf[i] = rnd_f(-2.0f, 2.0f);
	}
	for (uint32_t m = 0; m < c->m; m++)
		d->xs[m] = rnd_f(0.5f, 80.0f);
	for (uint32_t n = 0; n < c->n; n++) {
		d->ws[n] = rnd_f(0.001f, 0.05f);
		d->bias[n] = rnd_f(-3.0f, 3.0f);
	}
	for (size_t i = 0; i < mn; i++) {
		d->gate[i] = rnd_f(-2.0f, 2.0f);
		d->resid[i] = rnd_f(-3.0f, 3.0f);
	}
	d->gamma = rnd_f(0.01f, 2.0f);

	if (c->kind == K_TLMM)
		d->wrb = t_row_bytes(c->wfmt, c->k);
	else if (c->kind == K_QMM_I8)
		d->wrb = c->k;
	else
		d->wrb = 2 * c->k;
	d->w = malloc((size_t)c->n * d->wrb);
	for (uint32_t n = 0; n < c->n; n++) {
		uint8_t *row = d->w + (size_t)n * d->wrb;

		if (c->kind == K_TLMM) {
			for (uint32_t i = 0; i < c->k; i++)
				wt[i] = (int8_t)(rnd() % 3) - 1;
			t_pack(c->wfmt, wt, c->k, row);
			for (uint32_t j = 0; c->invalid && j < d->wrb; j++) {
				if (rnd() % 4)
					continue;
				if (c->wfmt == LLA_WFMT_T2)
					row[j] |= (uint8_t)(3 << (2 * (rnd() % 4)));
				else
					row[j] = (uint8_t)(243 + rnd() % 13);
			}
		} else if (c->kind == K_QMM_I8) {
			for (uint32_t i = 0; i < c->k; i++)
				row[i] = (uint8_t)rnd();
		} else {
			for (uint32_t i = 0; i < c->k; i++) {
				/* finite halves of magnitude 2^-9 .. 2^2 */
				uint16_t h = (uint16_t)((rnd() & 0x83ff) |
					     ((6 + rnd() % 12) << 10));

				memcpy(row + 2 * i, &h, 2);
			}
		}
	}
	free(wt);
}

static uint64_t out_rb(uint8_t out, uint32_t n)
{
	return out == LLA_DTYPE_F32 ? 4ull * n :
	       out == LLA_DTYPE_F16 ? 2ull * n : n;
}

/* Expected output row @m: y bytes and (I8) scale. */
static void ref_row(const struct mm_case *c, const struct mm_data *d,
		    uint32_t m, uint8_t *y, float *scale)
{
	float *v = malloc(c->n * 4ull);
	float amax = 0.0f, s;

	for (uint32_t n = 0; n < c->n; n++) {
		const uint8_t *row = d->w + (size_t)n * d->wrb;
		int64_t acc = 0;
		float f = 0.0f, lane[16] = { 0 };

		for (uint32_t i = 0; i < c->k; i++) {
			int64_t xv = d->xq[(size_t)m * c->k + i];

			if (c->kind == K_TLMM) {
				acc += xv * t_weight(c->wfmt, row, i);
			} else if (c->kind == K_QMM_I8) {
				acc += xv * (int8_t)row[i];
			} else {
				/* F16: 16 lanes, lane i % 16, ascending i */
				uint16_t h;

				memcpy(&h, row + 2 * i, 2);
				lane[i % 16] += d->xf[(size_t)m * c->k + i] *
						half_to_float(h);
			}
		}
		if (c->kind == K_QMM_F16) {
			/* then lane j + h into lane j, h = 8, 4, 2, 1 */
			for (uint32_t h = 8; h >= 1; h /= 2)
				for (uint32_t j = 0; j < h; j++)
					lane[j] += lane[j + h];
			f = lane[0];
		}
		if (c->kind == K_TLMM)
			f = ((float)(int32_t)acc / d->xs[m]) * d->gamma;
		else if (c->kind == K_QMM_I8)
			f = ((float)(int32_t)acc / d->xs[m]) * d->ws[n];
		if (c->bias)
			f = f + d->bias[n];
		f = t_act(c->act, f);
		if (c->gate)
			f = f * d->gate[(size_t)m * c->n + n];
		if (c->resid)
			f = f + d->resid[(size_t)m * c->n + n];
		v[n] = f;
		if (fabsf(f) > amax)
			amax = fabsf(f);
	}
	s = 127.0f / (amax > 1e-5f ? amax : 1e-5f);
	for (uint32_t n = 0; n < c->n; n++) {
		if (c->out == LLA_DTYPE_F32) {
			memcpy(y + 4 * n, &v[n], 4);
		} else if (c->out == LLA_DTYPE_F16) {
			uint16_t h = lla_f32_to_f16(v[n]);

			memcpy(y + 2 * n, &h, 2);
		} else {
			y[n] = (uint8_t)t_quant(v[n] * s);
		}
	}
	*scale = s;
	free(v);
}

/* ---------------- running a case ---------------- */

struct mm_run {
	struct arena a;
	struct lla_job_result res;
	struct lla_exec x;
	union {
		struct lla_cmd_tlmm t;
		struct lla_cmd_qmm q;
	} cmd;
	uint64_t y_iova, ys_iova, y_len;
};

/* Lay the operands out in a fresh arena and fill in the command. */
static void setup_run(struct mm_run *r, const struct mm_case *c,
		      const struct mm_data *d, int use_lut)
{
	int f16 = c->kind == K_QMM_F16;
	uint64_t xrb = f16 ? 4ull * c->k : c->k;
	uint64_t xst = xrb + c->xpad, wst = d->wrb + c->wpad;
	uint64_t yrb = out_rb(c->out, c->n), yst = yrb + c->ypad;
	uint64_t gst = 4ull * c->n + c->gpad, rst = 4ull * c->n + c->rpad;
	uint64_t size = (uint64_t)c->m * (xst + yst + gst + rst + 8) +
			(uint64_t)c->n * (wst + 8) + 4096;
	struct lla_epilogue *e;
	uint64_t x_iova, xs_iova, w_iova, ws_iova;

	memset(r, 0, sizeof(*r));
	arena_init(&r->a, size);
	x_iova = put_rows(&r->a, f16 ? (void *)d->xf : (void *)d->xq, c->m,
			  xrb, xst);
	xs_iova = put_rows(&r->a, d->xs, 1, 4ull * c->m, 4ull * c->m);
	w_iova = put_rows(&r->a, d->w, c->n, d->wrb, wst);
	ws_iova = put_rows(&r->a, d->ws, 1, 4ull * c->n, 4ull * c->n);
	r->y_len = (c->m - 1) * yst + yrb + 64;	/* + guard bytes */
	r->y_iova = reserve(&r->a, r->y_len, 0xcd);
	r->ys_iova = reserve(&r->a, 4ull * c->m + 64, 0xcd);

	if (c->kind == K_TLMM) {
		struct lla_cmd_tlmm *t = &r->cmd.t;

		t->hdr.opcode = LLA_OP_TLMM;
		t->hdr.size = sizeof(*t);
		t->x_iova = x_iova;
		t->x_scale_iova = xs_iova;
		t->w_iova = w_iova;
		t->y_iova = r->y_iova;
		t->m = c->m;
		t->n = c->n;
		t->k = c->k;
		t->x_stride = (uint32_t)xst;
		t->w_stride = (uint32_t)wst;
		t->y_stride = (uint32_t)yst;
		t->w_scale = lla_f32_bits(d->gamma);
		t->wfmt = c->wfmt;
		e = &t->epi;
	} else {
		struct lla_cmd_qmm *q = &r->cmd.q;

		q->hdr.opcode = LLA_OP_QMM;
		q->hdr.size = sizeof(*q);
		q->x_iova = x_iova;
		q->x_scale_iova = f16 ? 0 : xs_iova;
		q->w_iova = w_iova;
		q->w_scale_iova = f16 ? 0 : ws_iova;
		q->y_iova = r->y_iova;
		q->m = c->m;
		q->n = c->n;
		q->k = c->k;
		q->x_stride = (uint32_t)xst;
		q->w_stride = (uint32_t)wst;
		q->y_stride = (uint32_t)yst;
		q->wfmt = f16 ? LLA_WFMT_F16 : LLA_WFMT_I8;
		e = &q->epi;
	}
	e->act = c->act;
	e->out_dtype = c->out;
	if (c->bias)
		e->bias_iova = put_rows(&r->a, d->bias, 1, 4ull * c->n,
					4ull * c->n);
	if (c->gate) {
		e->gate_iova = put_rows(&r->a, d->gate, c->m, 4ull * c->n, gst);
		e->gate_stride = (uint32_t)gst;
	}
	if (c->resid) {
		e->residual_iova = put_rows(&r->a, d->resid, c->m, 4ull * c->n,
					    rst);
		e->residual_stride = (uint32_t)rst;
	}
	if (c->out == LLA_DTYPE_I8)
		e->y_scale_iova = r->ys_iova;

	r->x.mem = &r->a.mem;
	r->x.res = &r->res;
	r->x.use_lut = (uint32_t)use_lut;
}

/* When set, commands go through lla_execute (validation + dispatch). */
static int via_execute;

static int exec_run(struct mm_run *r, const struct mm_case *c)
{
	if (via_execute) {
		struct lla_exec_opts o = { .use_lut = r->x.use_lut };
		size_t len = c->kind == K_TLMM ? sizeof(r->cmd.t) :
						 sizeof(r->cmd.q);
		int err = lla_execute(&r->cmd, len, &r->a.mem, &o, &r->res);

		return err == LLA_OK && r->res.commands != 1 ? -1 : err;
	}
	return c->kind == K_TLMM ? lla_op_tlmm(&r->x, &r->cmd.t) :
				   lla_op_qmm(&r->x, &r->cmd.q);
}

/* Run one case; 1 if output and scales equal the reference bytewise. */
static int check_case(const struct mm_case *c, int use_lut)
{
	struct mm_data d;
	struct mm_run r;
	uint64_t yrb = out_rb(c->out, c->n), yst = yrb + c->ypad;
	uint8_t *want, *wants;
	int ok, err;

	gen_data(c, &d);
	setup_run(&r, c, &d, use_lut);
	want = malloc(r.y_len);
	wants = malloc(4ull * c->m + 64);
	memset(want, 0xcd, r.y_len);
	memset(wants, 0xcd, 4ull * c->m + 64);
	for (uint32_t m = 0; m < c->m; m++) {
		float s;

		ref_row(c, &d, m, want + m * yst, &s);
		if (c->out == LLA_DTYPE_I8)
			memcpy(wants + 4 * m, &s, 4);
	}
	err = exec_run(&r, c);
	ok = err == LLA_OK &&
	     !memcmp(host(&r.a, r.y_iova), want, r.y_len) &&
	     !memcmp(host(&r.a, r.ys_iova), wants, 4ull * c->m + 64);
	if (!ok)
		tap_diag("case kind %d fmt %u m %u n %u k %u act %u out %u b%d g%d r%d: err %d",
			 c->kind, c->wfmt, c->m, c->n, c->k, c->act, c->out,
			 c->bias, c->gate, c->resid, err);
	free(want);
	free(wants);
	free(r.a.flat.data);
	data_free(&d);
	return ok;
}

/*
 * Every activation x output dtype x bias/gate/residual subset for one
 * shape; the paddings vary with the combination.  Returns failures.
 */
static int sweep_shape(int kind, uint8_t wfmt, uint32_t m, uint32_t n,
		       uint32_t k, int invalid, int use_lut, int *runs)
{
	int bad = 0;

	for (uint8_t act = 0; act < LLA_ACT_COUNT; act++) {
		for (uint8_t out = 0; out < LLA_DTYPE_COUNT; out++) {
			for (int e = 0; e < 8; e++) {
				struct mm_case c = {
					.kind = kind, .wfmt = wfmt,
					.m = m, .n = n, .k = k,
					.xpad = (e & 1) ? 4 * (e + 1) : 0,
					/* fp16 weight rows stay 2-aligned */
					.wpad = (uint32_t)(act * (kind == K_QMM_F16 ? 4 : 3)),
					.ypad = (uint32_t)(out * 8 + (e & 2) * 2),
					.gpad = 12, .rpad = (e & 4) ? 4 : 0,
					.act = act, .out = out,
					.bias = e & 1, .gate = !!(e & 2),
					.resid = !!(e & 4),
					.invalid = invalid,
				};

				bad += !check_case(&c, use_lut);
				(*runs)++;
			}
		}
	}
	return bad;
}

static void test_tlmm_golden(void)
{
	static const struct { uint32_t m, n, k; int invalid; } shapes[] = {
		{ 1, 1, 1, 0 }, { 1, 16, 64, 0 }, { 1, 7, 13, 0 },
		{ 3, 5, 17, 0 }, { 4, 9, 30, 1 }, { 2, 1, 33, 0 },
		{ 5, 6, 10, 1 }, { 6, 11, 101, 0 },
	};

	for (int f = 0; f < 2; f++) {
		uint8_t wfmt = f ? LLA_WFMT_T5 : LLA_WFMT_T2;

		for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
			int runs = 0;
			int bad = sweep_shape(K_TLMM, wfmt, shapes[i].m,
					      shapes[i].n, shapes[i].k,
					      shapes[i].invalid, 0, &runs);

			tap_ok(bad == 0, "TLMM %s M=%u N=%u K=%u%s: %d/%d combos (act x out x bias/gate/res) match",
			       f ? "T5" : "T2", shapes[i].m, shapes[i].n,
			       shapes[i].k,
			       shapes[i].invalid ? " +invalid codes" : "",
			       runs - bad, runs);
		}
	}
}

/* Shapes that split into several weight and activation blocks. */
static void test_tlmm_blocks(void)
{
	struct mm_case c1 = { .kind = K_TLMM, .wfmt = LLA_WFMT_T2, .m = 2,
			      .n = 2500, .k = 4100, .wpad = 5, .ypad = 4,
			      .act = LLA_ACT_RELU2, .out = LLA_DTYPE_F16,
			      .bias = 1, .resid = 1 };
	struct mm_case c2 = { .kind = K_TLMM, .wfmt = LLA_WFMT_T5, .m = 17,
			      .n = 262144, .k = 3, .act = LLA_ACT_SILU,
			      .out = LLA_DTYPE_I8, .gate = 1 };

	tap_ok(check_case(&c1, 0),
	       "TLMM T2 M=2 N=2500 K=4100: several weight blocks");
	tap_ok(check_case(&c2, 0),
	       "TLMM T5 M=17 N=262144 K=3: several activation blocks, I8 out");
}

static void test_qmm_golden(void)
{
	static const struct { uint32_t m, n, k; } shapes[] = {
		{ 1, 1, 1 }, { 1, 8, 64 }, { 3, 5, 17 }, { 4, 1, 31 },
		{ 2, 13, 7 },
	};

	for (int f = 0; f < 2; f++) {
		int kind = f ? K_QMM_F16 : K_QMM_I8;

		for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
			int runs = 0;
			int bad = sweep_shape(kind, 0, shapes[i].m,
					      shapes[i].n, shapes[i].k, 0, 0,
					      &runs);

			tap_ok(bad == 0, "QMM %s M=%u N=%u K=%u: %d/%d combos match",
			       f ? "F16" : "I8", shapes[i].m, shapes[i].n,
			       shapes[i].k, runs - bad, runs);
		}
	}
	{
		struct mm_case c = { .kind = K_QMM_F16, .m = 3, .n = 700,
				     .k = 1000, .xpad = 4, .wpad = 2,
				     .out = LLA_DTYPE_F32, .bias = 1 };

		tap_ok(check_case(&c, 0),
		       "QMM F16 M=3 N=700 K=1000: several weight blocks");
	}
}

/* Hand-checked: the ordering of the epilogue is observable. */
static void test_tlmm_hand(void)
{
	struct arena a;
	struct lla_job_result res = { 0 };
	struct lla_exec x = { .mem = &a.mem, .res = &res };
	struct lla_cmd_tlmm c = { 0 };
	int8_t xq[5] = { 10, -20, 30, 127, -128 };
	/* weights +1, -1, 0, +1, -1: acc = 10 + 20 + 0 + 127 + 128 = 285 */
	int8_t w[5] = { 1, -1, 0, 1, -1 };
	uint8_t wb[2];
	float xs = 2.0f, bias = -150.0f, y = 0.0f;
	int err;

	arena_init(&a, 1 << 16);
	t_pack(LLA_WFMT_T2, w, 5, wb);
	c.x_iova = put_rows(&a, xq, 1, 5, 5);
	c.x_scale_iova = put_rows(&a, &xs, 1, 4, 4);
	c.w_iova = put_rows(&a, wb, 1, 2, 2);
	c.y_iova = reserve(&a, 4, 0);
	c.m = 1;
	c.n = 1;
	c.k = 5;
	c.x_stride = 5;
	c.w_stride = 2;
	c.y_stride = 4;
	c.w_scale = lla_f32_bits(0.5f);
	c.wfmt = LLA_WFMT_T2;
	c.epi.bias_iova = put_rows(&a, &bias, 1, 4, 4);
	c.epi.act = LLA_ACT_RELU2;
	/* 285 / 2 * 0.5 = 71.25; - 150 = -78.75; relu2 -> 0 */
	err = lla_op_tlmm(&x, &c);
	memcpy(&y, host(&a, c.y_iova), 4);
	tap_ok(err == 0 && y == 0.0f,
	       "hand case: bias is added before relu2 (71.25 - 150 -> 0)");
	bias = 10.0f;
	memcpy(host(&a, c.epi.bias_iova), &bias, 4);
	err = lla_op_tlmm(&x, &c);
	memcpy(&y, host(&a, c.y_iova), 4);
	tap_ok(err == 0 && y == 81.25f * 81.25f,
	       "hand case: (285/2*0.5 + 10)^2 = 6601.5625");
	free(a.flat.data);
}

/* Operands outside the flat memory fault with the address recorded. */
static void test_faults(void)
{
	struct mm_case c = { .kind = K_TLMM, .wfmt = LLA_WFMT_T2, .m = 2,
			     .n = 3, .k = 8, .out = LLA_DTYPE_F32,
			     .bias = 1 };
	struct mm_data d;
	struct mm_run r;
	uint64_t end;
	int err;

	gen_data(&c, &d);

	setup_run(&r, &c, &d, 0);
	end = ARENA_BASE + r.a.flat.size;
	r.cmd.t.x_iova = end + 0x1000;
	err = exec_run(&r, &c);
	tap_ok(err == LLA_ERR_MMU_FAULT && r.res.fault_iova == end + 0x1000 &&
	       r.res.fault_write == 0,
	       "TLMM: x outside memory -> MMU_FAULT, fault_iova = x (read)");
	free(r.a.flat.data);

	setup_run(&r, &c, &d, 1);
	r.cmd.t.w_iova = ARENA_BASE - 0x100;
	err = exec_run(&r, &c);
	tap_ok(err == LLA_ERR_MMU_FAULT && r.res.fault_iova == ARENA_BASE - 0x100,
	       "TLMM (LUT engine): w below memory -> MMU_FAULT at w");
	free(r.a.flat.data);

	setup_run(&r, &c, &d, 0);
	end = ARENA_BASE + r.a.flat.size;
	r.cmd.t.y_iova = end - 4;	/* the row straddles the end */
	err = exec_run(&r, &c);
	tap_ok(err == LLA_ERR_MMU_FAULT && r.res.fault_write == 1 &&
	       r.res.fault_iova >= end - 4 && r.res.fault_iova <= end,
	       "TLMM: y straddling the end -> MMU_FAULT on write");
	free(r.a.flat.data);

	setup_run(&r, &c, &d, 0);
	r.cmd.t.epi.bias_iova = 0xdead0000000ull;
	err = exec_run(&r, &c);
	tap_ok(err == LLA_ERR_MMU_FAULT && r.res.fault_iova == 0xdead0000000ull,
	       "TLMM: bias outside memory -> MMU_FAULT at bias");
	free(r.a.flat.data);
	data_free(&d);

	c.kind = K_QMM_I8;
	gen_data(&c, &d);
	setup_run(&r, &c, &d, 0);
	r.cmd.q.w_scale_iova = 0x7000000000ull;
	err = exec_run(&r, &c);
	tap_ok(err == LLA_ERR_MMU_FAULT && r.res.fault_iova == 0x7000000000ull,
	       "QMM I8: w_scale outside memory -> MMU_FAULT at w_scale");
	free(r.a.flat.data);
	data_free(&d);
}

/* The same golden cases through the whole job engine. */
static void test_via_execute(void)
{
	int runs = 0, bad;

	via_execute = 1;
	bad = sweep_shape(K_TLMM, LLA_WFMT_T2, 3, 5, 17, 0, 1, &runs);
	tap_ok(bad == 0, "lla_execute TLMM T2 (LUT engine) M=3 N=5 K=17: %d/%d combos pass validation and match",
	       runs - bad, runs);
	runs = 0;
	bad = sweep_shape(K_TLMM, LLA_WFMT_T5, 4, 9, 30, 1, 0, &runs);
	tap_ok(bad == 0, "lla_execute TLMM T5 M=4 N=9 K=30: %d/%d combos match",
	       runs - bad, runs);
	runs = 0;
	bad = sweep_shape(K_QMM_I8, 0, 2, 13, 7, 0, 0, &runs);
	bad += sweep_shape(K_QMM_F16, 0, 3, 5, 17, 0, 0, &runs);
	tap_ok(bad == 0, "lla_execute QMM I8 and F16: %d/%d combos match",
	       runs - bad, runs);
	via_execute = 0;
}

int main(void)
{
	rng_state = 0x5eed;
	test_tlmm_hand();
	test_tlmm_golden();
	test_tlmm_blocks();
	test_qmm_golden();
	test_faults();
	test_via_execute();
	return tap_done();
}
