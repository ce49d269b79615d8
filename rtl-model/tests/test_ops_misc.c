// SPDX-License-Identifier: MIT
/*
 * ROPE, ELTWISE, EMBED and the memory commands (COPY, FILL, TIMESTAMP,
 * SEM_SIGNAL, SEM_WAIT) against hand-checked values and naive references
 * written here (including an independent fp16 decoder).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/internal.h"
#include "tap.h"

#define TEST_SEED	0x9e3779b97f4a7c15ull
#include "test_env.h"

static int is_filled(const void *p, int byte, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (uint8_t)byte)
			return 0;
	return 1;
}

/* Independent binary16 decoder: sign * mant * 2^exp with ldexp. */
static float ref_f16_to_f32(uint16_t h)
{
	int sign = h >> 15, e = (h >> 10) & 31, m = h & 1023;
	double v;

	if (e == 31)
		v = m ? NAN : INFINITY;
	else if (e == 0)
		v = ldexp((double)m, -24);
	else
		v = ldexp((double)(m + 1024), e - 25);
	return (float)(sign ? -v : v);
}

/* ---------------- ROPE ---------------- */

static int run_rope(struct env *e, uint64_t xi, uint64_t ti, uint64_t pi,
		    uint32_t m, uint32_t nh, uint32_t hd, uint32_t stride,
		    uint32_t pos, uint32_t tlen)
{
	struct lla_cmd_rope c = { 0 };

	c.hdr.opcode = LLA_OP_ROPE;
	c.hdr.size = sizeof(c);
	c.x_iova = xi;
	c.table_iova = ti;
	c.pos_iova = pi;
	c.m = m;
	c.n_head = nh;
	c.head_dim = hd;
	c.x_stride = stride;
	c.pos = pos;
	c.table_len = tlen;
	note_cmd(&c, sizeof(c));
	return lla_op_rope(&e->x, &c);
}

static void test_rope(void)
{
	/*
	 * head_dim 4 (pairs (0,2), (1,3)), 2 heads, a 3-entry table whose
	 * {cos, sin} are exact binary fractions so every product is exact:
	 *   p0: (1,0) (1,0)   identity
	 *   p1: (0,1) (0.5,0.75)
	 *   p2: (-1,0) (0,-1)
	 */
	static const float tab[3][2][2] = {
		{ { 1, 0 }, { 1, 0 } },
		{ { 0, 1 }, { 0.5f, 0.75f } },
		{ { -1, 0 }, { 0, -1 } },
	};
	static const float xin[8] = { 1, 2, 3, 4, -8, 16, 0.5f, -2 };
	/*
	 * p1: pair (x0,x1) with c=0,s=1 -> (-x1, x0); with c=.5,s=.75 ->
	 * (.5x0 - .75x1, .75x0 + .5x1).  Head 0: (1,3) -> (-3, 1);
	 * (2,4) -> (1 - 3, 1.5 + 2) = (-2, 3.5).  Head 1: (-8, .5) ->
	 * (-.5, -8); (16, -2) -> (8 + 1.5, 12 - 1) = (9.5, 11).
	 */
	static const float want_p1[8] = { -3, -2, 1, 3.5f, -0.5f, 9.5f, -8, 11 };
	/* p2: c=-1,s=0 -> (-x0, -x1); c=0,s=-1 -> (x1, -x0). */
	static const float want_p2[8] = { -1, 4, -3, -2, 8, -2, -0.5f, -16 };
	struct env e;
	uint32_t stride = 8 * 4 + 16;	/* padded rows */
	uint64_t ti, xi, pi;
	float got[8];
	int err, ok;

	env_init(&e, 1 << 20);
	ti = env_alloc(&e, sizeof(tab));
	memcpy(P(&e, ti), tab, sizeof(tab));
	xi = env_alloc(&e, 3 * stride);
	pi = env_alloc(&e, 4);

	/* three rows at pos 0, 1, 2: identity, p1, p2 */
	memset(P(&e, xi), 0xa5, 3 * stride);
	for (int r = 0; r < 3; r++)
		memcpy((uint8_t *)P(&e, xi) + r * stride, xin, sizeof(xin));
	err = run_rope(&e, xi, ti, 0, 3, 2, 4, stride, 0, 3);
	ok = err == LLA_OK;
	ok &= !memcmp(P(&e, xi), xin, sizeof(xin));
	memcpy(got, (uint8_t *)P(&e, xi) + stride, sizeof(got));
	ok &= !memcmp(got, want_p1, sizeof(got));
	memcpy(got, (uint8_t *)P(&e, xi) + 2 * stride, sizeof(got));
	ok &= !memcmp(got, want_p2, sizeof(got));
	tap_ok(ok, "rope: hand-checked rotation, rows use pos + m");
	ok = 1;
	for (int r = 0; r < 3; r++)
		ok &= is_filled((uint8_t *)P(&e, xi) + r * stride + 32, 0xa5,
				16);
	tap_ok(ok, "rope: stride padding untouched");

	/* pos from pos_iova (immediate ignored) */
	memcpy(P(&e, xi), xin, sizeof(xin));
	{
		uint32_t p = 1;

		memcpy(P(&e, pi), &p, 4);
	}
	err = run_rope(&e, xi, ti, pi, 1, 2, 4, stride, 0, 3);
	memcpy(got, P(&e, xi), sizeof(got));
	tap_ok(err == LLA_OK && !memcmp(got, want_p1, sizeof(got)),
	       "rope: position read from pos_iova");

	/* past the table: pos 2, m 2 -> position 3 >= 3 */
	memcpy(P(&e, xi), xin, sizeof(xin));
	memcpy((uint8_t *)P(&e, xi) + stride, xin, sizeof(xin));
	err = run_rope(&e, xi, ti, 0, 2, 2, 4, stride, 2, 3);
	tap_ok(err == LLA_ERR_INDEX, "rope: position past table_len -> INDEX");
	tap_ok(!memcmp((uint8_t *)P(&e, xi) + stride, xin, sizeof(xin)),
	       "rope: the out-of-table row is not written");
	{
		uint32_t p = 0xffffffffu;

		memcpy(P(&e, pi), &p, 4);
		err = run_rope(&e, xi, ti, pi, 2, 2, 4, stride, 0,
			       LLA_MAX_CTX);
		tap_ok(err == LLA_ERR_INDEX &&
		       !memcmp(P(&e, xi), xin, sizeof(xin)),
		       "rope: pos_iova 0xffffffff + m does not wrap (INDEX)");
	}
	/* fault: the x rows lie outside memory (read-modify-write) */
	memset(&e.res, 0, sizeof(e.res));
	err = run_rope(&e, env_end(&e) + 64, ti, 0, 1, 2, 4, 32, 0, 3);
	tap_ok(err == LLA_ERR_MMU_FAULT && e.res.fault_iova == env_end(&e) + 64,
	       "rope: x outside memory -> MMU fault at its address");
	env_free(&e);
}

/* Larger case with the library's table vs a naive fp32 transcription. */
static void test_rope_table(void)
{
	uint32_t nh = 3, hd = 64, m = 5, len = 40, pos = 33;
	uint32_t row = nh * hd;
	struct env e;
	uint64_t ti, xi;
	float *ref, *tab, *in;
	int ok;

	env_init(&e, 1 << 20);
	ti = env_alloc(&e, (uint64_t)len * hd * 4);
	xi = env_alloc(&e, (uint64_t)m * row * 4);
	tab = P(&e, ti);
	lla_rope_table(tab, len, hd, 10000.0f);
	ref = malloc((size_t)m * row * 4);
	in = malloc((size_t)m * row * 4);
	for (uint32_t i = 0; i < m * row; i++)
		in[i] = rndf(-3, 3);
	memcpy(ref, in, (size_t)m * row * 4);
	memcpy(P(&e, xi), in, (size_t)m * row * 4);
	for (uint32_t r = 0; r < m; r++)
		for (uint32_t h = 0; h < nh; h++)
			for (uint32_t i = 0; i < hd / 2; i++) {
				float *v = ref + r * row + h * hd;
				const float *cs = tab + ((pos + r) * hd / 2 + i) * 2;
				float a = v[i], b = v[i + hd / 2];
				float t1 = a * cs[0], t2 = b * cs[1];
				float t3 = a * cs[1], t4 = b * cs[0];

				v[i] = t1 - t2;
				v[i + hd / 2] = t3 + t4;
			}
	ok = run_rope(&e, xi, ti, 0, m, nh, hd, row * 4, pos, len) == LLA_OK;
	tap_ok(ok && !memcmp(P(&e, xi), ref, (size_t)m * row * 4),
	       "rope: 5x3 heads of 64 at pos 33 bit-exact vs naive fp32");
	/* a rotation preserves the norm of every pair (double check) */
	ok = 1;
	{
		const float *o = P(&e, xi);

		for (uint32_t r = 0; r < m; r++)
			for (uint32_t h = 0; h < nh; h++)
				for (uint32_t i = 0; i < hd / 2; i++) {
					uint32_t a = r * row + h * hd + i;
					uint32_t b = a + hd / 2;
					double n0 = hypot(in[a], in[b]);
					double n1 = hypot(o[a], o[b]);

					ok &= fabs(n0 - n1) <= 1e-5 * (1 + n0);
				}
	}
	tap_ok(ok, "rope: pair norms preserved (double, 1e-5)");
	free(ref);
	free(in);
	env_free(&e);
}

/* ---------------- ELTWISE ---------------- */

static int run_elt(struct env *e, uint8_t op, uint64_t a, uint64_t b,
		   uint64_t y, uint32_t count, float imm)
{
	struct lla_cmd_eltwise c = { 0 };

	c.hdr.opcode = LLA_OP_ELTWISE;
	c.hdr.size = sizeof(c);
	c.a_iova = a;
	c.b_iova = b;
	c.y_iova = y;
	c.count = count;
	c.op = op;
	c.imm = op == LLA_ELT_SCALE ? lla_f32_bits(imm) : 0;
	note_cmd(&c, sizeof(c));
	return lla_op_eltwise(&e->x, &c);
}

static float ref_elt(uint8_t op, float a, float b, float imm)
{
	float r;

	switch (op) {
	case LLA_ELT_ADD:
		return a + b;
	case LLA_ELT_MUL:
		return a * b;
	case LLA_ELT_SCALE:
		return a * imm;
	case LLA_ELT_RELU:
		return a > 0.0f ? a : 0.0f;
	case LLA_ELT_RELU2:
		r = a > 0.0f ? a : 0.0f;
		return r * r;
	default:
		return a / (1.0f + lla_expf(-a));
	}
}

static void test_eltwise(void)
{
	static const char *const names[] = {
		"ADD", "MUL", "SCALE", "RELU", "RELU2", "SILU"
	};
	uint32_t n = 70000;	/* crosses the model's staging chunk */
	struct env e;
	uint64_t a, b, y;
	float *ref = malloc(n * 4);
	float imm = -1.75f;

	env_init(&e, 4 << 20);
	a = env_alloc(&e, n * 4);
	b = env_alloc(&e, n * 4);
	y = env_alloc(&e, n * 4 + 64);
	for (uint32_t i = 0; i < n; i++) {
		((float *)P(&e, a))[i] = rndf(-12, 12);
		((float *)P(&e, b))[i] = rndf(-3, 3);
	}
	((float *)P(&e, a))[3] = NAN;
	((float *)P(&e, a))[4] = -0.0f;
	((float *)P(&e, a))[5] = INFINITY;
	((float *)P(&e, a))[6] = -INFINITY;
	((float *)P(&e, a))[7] = -100.0f;
	for (uint8_t op = 0; op < LLA_ELT_COUNT; op++) {
		const float *fa = P(&e, a), *fb = P(&e, b);
		int err;

		for (uint32_t i = 0; i < n; i++)
			ref[i] = ref_elt(op, fa[i], fb[i], imm);
		memset(P(&e, y), 0x5a, n * 4 + 64);
		err = run_elt(&e, op, a, op <= LLA_ELT_MUL ? b : 0, y, n, imm);
		tap_ok(err == LLA_OK && !memcmp(P(&e, y), ref, n * 4) &&
		       is_filled((uint8_t *)P(&e, y) + n * 4, 0x5a, 64),
		       "eltwise %s: 70000 elements bit-exact, no overrun",
		       names[op]);
	}
	{
		/* the special values, by hand */
		const float *fy;

		run_elt(&e, LLA_ELT_RELU, a, 0, y, 8, 0);
		fy = P(&e, y);
		tap_ok(fy[3] == 0.0f && !signbit(fy[3]) && fy[4] == 0.0f &&
		       !signbit(fy[4]) && isinf(fy[5]) && fy[6] == 0.0f,
		       "eltwise RELU: NaN -> +0, -0 -> +0, inf, -inf -> 0");
		run_elt(&e, LLA_ELT_SILU, a, 0, y, 8, 0);
		tap_ok(isnan(fy[3]) && fy[5] == INFINITY && fy[7] == -0.0f &&
		       fabs((double)fy[0] - (double)((float *)P(&e, a))[0] /
			    (1 + exp(-(double)((float *)P(&e, a))[0]))) < 1e-5,
		       "eltwise SILU: NaN, +inf, -100 -> -0, vs double");
	}
	{
		/* in place: y == a */
		float *fa = P(&e, a), *fb = P(&e, b);

		for (uint32_t i = 0; i < n; i++)
			ref[i] = fa[i] * fb[i];
		tap_ok(run_elt(&e, LLA_ELT_MUL, a, b, a, n, 0) == LLA_OK &&
		       !memcmp(fa, ref, n * 4), "eltwise MUL in place (y == a)");
	}
	memset(&e.res, 0, sizeof(e.res));
	tap_ok(run_elt(&e, LLA_ELT_ADD, a, env_end(&e) - 8, y, 16, 0) ==
	       LLA_ERR_MMU_FAULT && e.res.fault_iova == env_end(&e) &&
	       e.res.fault_write == 0,
	       "eltwise: b straddling the end -> MMU fault (read)");
	free(ref);
	env_free(&e);
}

/* ---------------- EMBED ---------------- */

static int run_embed(struct env *e, uint64_t tab, uint64_t ids, uint64_t y,
		     uint32_t vocab, uint32_t dim, uint32_t m,
		     uint32_t tstride, uint32_t ystride, uint8_t dtype)
{
	struct lla_cmd_embed c = { 0 };

	c.hdr.opcode = LLA_OP_EMBED;
	c.hdr.size = sizeof(c);
	c.table_iova = tab;
	c.ids_iova = ids;
	c.y_iova = y;
	c.vocab = vocab;
	c.dim = dim;
	c.m = m;
	c.table_stride = tstride;
	c.y_stride = ystride;
	c.dtype = dtype;
	note_cmd(&c, sizeof(c));
	return lla_op_embed(&e->x, &c);
}

static void test_embed(void)
{
	uint32_t vocab = 50, dim = 24, m = 4;
	uint32_t ts32 = dim * 4 + 8, ts16 = dim * 2 + 16, ys = dim * 4 + 32;
	int32_t ids[4] = { 7, 0, 49, 7 };
	struct env e;
	uint64_t t32, t16, idi, y;
	int ok, err;

	env_init(&e, 1 << 20);
	t32 = env_alloc(&e, (uint64_t)vocab * ts32);
	t16 = env_alloc(&e, (uint64_t)vocab * ts16);
	idi = env_alloc(&e, sizeof(ids));
	y = env_alloc(&e, (uint64_t)m * ys);
	for (uint32_t v = 0; v < vocab; v++)
		for (uint32_t d = 0; d < dim; d++) {
			float f = rndf(-2, 2);
			uint16_t h = (uint16_t)(rnd() & 0xffff);

			if ((h & 0x7c00) == 0x7c00)
				h &= 0xbfff;	/* no inf/NaN: compare by value */
			memcpy((uint8_t *)P(&e, t32) + v * ts32 + d * 4, &f, 4);
			memcpy((uint8_t *)P(&e, t16) + v * ts16 + d * 2, &h, 2);
		}
	memcpy(P(&e, idi), ids, sizeof(ids));

	memset(P(&e, y), 0x77, (size_t)m * ys);
	err = run_embed(&e, t32, idi, y, vocab, dim, m, ts32, ys,
			LLA_DTYPE_F32);
	ok = err == LLA_OK;
	for (uint32_t r = 0; r < m; r++) {
		ok &= !memcmp((uint8_t *)P(&e, y) + r * ys,
			      (uint8_t *)P(&e, t32) + ids[r] * ts32, dim * 4);
		ok &= is_filled((uint8_t *)P(&e, y) + r * ys + dim * 4, 0x77,
				32);
	}
	tap_ok(ok, "embed F32: rows gathered (ids 7 0 49 7), strides kept");

	err = run_embed(&e, t16, idi, y, vocab, dim, m, ts16, ys,
			LLA_DTYPE_F16);
	ok = err == LLA_OK;
	for (uint32_t r = 0; r < m; r++)
		for (uint32_t d = 0; d < dim; d++) {
			uint16_t h;
			float got, want;

			memcpy(&h, (uint8_t *)P(&e, t16) + ids[r] * ts16 + d * 2,
			       2);
			memcpy(&got, (uint8_t *)P(&e, y) + r * ys + d * 4, 4);
			want = ref_f16_to_f32(h);
			ok &= !memcmp(&got, &want, 4);
		}
	tap_ok(ok, "embed F16: rows widened exactly (independent decoder)");

	{
		/* a few named fp16 patterns */
		uint16_t hs[4] = { 0x3c00, 0xc000, 0x0001, 0x7bff };
		float want[4] = { 1.0f, -2.0f, 5.9604644775390625e-8f, 65504.0f };
		int32_t id0 = 0;

		for (int d = 0; d < 4; d++)
			memcpy((uint8_t *)P(&e, t16) + d * 2, &hs[d], 2);
		memcpy(P(&e, idi), &id0, 4);
		err = run_embed(&e, t16, idi, y, vocab, 4, 1, ts16, ys,
				LLA_DTYPE_F16);
		tap_ok(err == LLA_OK && !memcmp(P(&e, y), want, 16),
		       "embed F16: 1, -2, min subnormal, 65504 by hand");
	}

	{
		int32_t bad[3][4] = {
			{ 1, 2, -1, 3 }, { 1, 2, 50, 3 }, { INT32_MIN, 0, 0, 0 }
		};
		const char *what[3] = { "-1", "== vocab", "INT32_MIN" };

		for (int i = 0; i < 3; i++) {
			memcpy(P(&e, idi), bad[i], sizeof(bad[i]));
			memset(P(&e, y), 0x77, (size_t)m * ys);
			err = run_embed(&e, t32, idi, y, vocab, dim, m, ts32, ys,
					LLA_DTYPE_F32);
			tap_ok(err == LLA_ERR_INDEX &&
			       is_filled(P(&e, y), 0x77, (size_t)m * ys),
			       "embed: id %s -> INDEX, nothing written",
			       what[i]);
		}
	}
	memcpy(P(&e, idi), ids, sizeof(ids));
	memset(&e.res, 0, sizeof(e.res));
	err = run_embed(&e, t32, idi, env_end(&e) - 2 * ys + 64, vocab, dim, m,
			ts32, ys, LLA_DTYPE_F32);
	tap_ok(err == LLA_ERR_MMU_FAULT && e.res.fault_write == 1 &&
	       e.res.fault_iova == env_end(&e),
	       "embed: y rows running past the end -> MMU fault (write)");
	env_free(&e);
}

/* ---------------- COPY / FILL / TIMESTAMP ---------------- */

static void test_copy_fill(void)
{
	uint64_t len = (3ull << 20) + 5;	/* > 3 chunks, odd length */
	struct env e;
	struct lla_cmd_copy cp = { 0 };
	struct lla_cmd_fill fl = { 0 };
	struct lla_cmd_timestamp ts = { 0 };
	uint64_t src, dst, tsi, v;
	int err, ok;

	env_init(&e, 16 << 20);
	src = env_alloc(&e, len);
	dst = env_alloc(&e, len + 128);
	for (uint64_t i = 0; i < len; i++)
		((uint8_t *)P(&e, src))[i] = (uint8_t)(rnd() >> 13);
	memset(P(&e, dst), 0xee, len + 128);
	cp.hdr.opcode = LLA_OP_COPY;
	cp.hdr.size = sizeof(cp);
	cp.src_iova = src;
	cp.dst_iova = dst + 64;
	cp.len = len;
	note_cmd(&cp, sizeof(cp));
	err = lla_op_copy(&e.x, &cp);
	tap_ok(err == LLA_OK && !memcmp(P(&e, dst + 64), P(&e, src), len),
	       "copy: 3 MiB + 5 bytes copied exactly");
	tap_ok(is_filled(P(&e, dst), 0xee, 64) &&
	       is_filled(P(&e, dst + 64 + len), 0xee, 64),
	       "copy: bytes around the destination untouched");

	fl.hdr.opcode = LLA_OP_FILL;
	fl.hdr.size = sizeof(fl);
	fl.dst_iova = dst + 4;
	fl.len = (2ull << 20) + 12;
	fl.value = 0xdeadbeefu;
	memset(P(&e, dst), 0x11, len + 128);
	note_cmd(&fl, sizeof(fl));
	err = lla_op_fill(&e.x, &fl);
	ok = err == LLA_OK;
	for (uint64_t i = 0; i < fl.len / 4; i++) {
		uint32_t w;

		memcpy(&w, (uint8_t *)P(&e, dst + 4) + 4 * i, 4);
		ok &= w == 0xdeadbeefu;
	}
	tap_ok(ok, "fill: 2 MiB + 12 bytes of 0xdeadbeef");
	tap_ok(is_filled(P(&e, dst), 0x11, 4) &&
	       is_filled(P(&e, dst + 4 + fl.len), 0x11, 64),
	       "fill: neighbours untouched");
	{
		static const uint8_t le[4] = { 0xef, 0xbe, 0xad, 0xde };

		tap_ok(!memcmp(P(&e, dst + 4), le, 4),
		       "fill: value stored little-endian");
	}

	ts.hdr.opcode = LLA_OP_TIMESTAMP;
	ts.hdr.size = sizeof(ts);
	tsi = env_alloc(&e, 16);
	ts.dst_iova = tsi;
	e.x.now_cycle = 0x0123456789abcdefull;
	note_cmd(&ts, sizeof(ts));
	err = lla_op_timestamp(&e.x, &ts);
	memcpy(&v, P(&e, tsi), 8);
	tap_ok(err == LLA_OK && v == 0x0123456789abcdefull,
	       "timestamp: device clock written as u64");

	/* faults */
	memset(&e.res, 0, sizeof(e.res));
	cp.dst_iova = env_end(&e) - 100;
	cp.len = 4096;
	note_cmd(&cp, sizeof(cp));
	err = lla_op_copy(&e.x, &cp);
	tap_ok(err == LLA_ERR_MMU_FAULT && e.res.fault_write == 1 &&
	       e.res.fault_iova == env_end(&e),
	       "copy: destination past the end -> MMU fault (write)");
	memset(&e.res, 0, sizeof(e.res));
	cp.src_iova = 0x1000;
	cp.dst_iova = dst;
	note_cmd(&cp, sizeof(cp));
	err = lla_op_copy(&e.x, &cp);
	tap_ok(err == LLA_ERR_MMU_FAULT && e.res.fault_write == 0 &&
	       e.res.fault_iova == 0x1000,
	       "copy: unmapped source -> MMU fault (read)");
	memset(&e.res, 0, sizeof(e.res));
	ts.dst_iova = env_end(&e);
	note_cmd(&ts, sizeof(ts));
	err = lla_op_timestamp(&e.x, &ts);
	tap_ok(err == LLA_ERR_MMU_FAULT && e.res.fault_write == 1 &&
	       e.res.fault_iova == env_end(&e),
	       "timestamp: outside memory -> MMU fault (write)");
	env_free(&e);
}

/* ---------------- semaphores ---------------- */

static int run_sem(struct env *e, int wait, uint64_t iova, uint64_t value,
		   uint8_t op, int is32)
{
	struct lla_cmd_sem c = { 0 };

	c.hdr.opcode = wait ? LLA_OP_SEM_WAIT : LLA_OP_SEM_SIGNAL;
	c.hdr.size = sizeof(c);
	c.hdr.flags = is32 ? LLA_SEM_F_32BIT : 0;
	c.iova = iova;
	c.value = value;
	c.op = op;
	note_cmd(&c, sizeof(c));
	return wait ? lla_op_sem_wait(&e->x, &c) : lla_op_sem_signal(&e->x, &c);
}

static void test_sem(void)
{
	struct env e;
	uint64_t s, v64;
	uint32_t v32[2];
	int err;

	env_init(&e, 1 << 20);
	s = env_alloc(&e, 16);
	memset(P(&e, s), 0xcc, 16);

	err = run_sem(&e, 0, s, 0x1122334455667788ull, LLA_SEM_SET, 0);
	memcpy(&v64, P(&e, s), 8);
	tap_ok(err == LLA_OK && v64 == 0x1122334455667788ull &&
	       is_filled(P(&e, s + 8), 0xcc, 8), "sem signal: SET 64-bit");
	err = run_sem(&e, 0, s, 0xfffffffffffffff0ull, LLA_SEM_ADD, 0);
	memcpy(&v64, P(&e, s), 8);
	tap_ok(err == LLA_OK && v64 == 0x1122334455667778ull,
	       "sem signal: ADD 64-bit wraps mod 2^64");

	err = run_sem(&e, 0, s + 8, 0x12345678ull, LLA_SEM_SET, 1);
	memcpy(v32, P(&e, s + 8), 8);
	tap_ok(err == LLA_OK && v32[0] == 0x12345678u && v32[1] == 0xccccccccu,
	       "sem signal: SET 32-bit, next word untouched");
	err = run_sem(&e, 0, s + 8, 0xedcba988ull, LLA_SEM_ADD, 1);
	memcpy(v32, P(&e, s + 8), 8);
	tap_ok(err == LLA_OK && v32[0] == 0x00000000u &&
	       v32[1] == 0xccccccccu,
	       "sem signal: ADD 32-bit wraps mod 2^32 (0x12345678 + 0xedcba988)");
	err = run_sem(&e, 0, s + 8, 0xffffffffull, LLA_SEM_ADD, 1);
	err |= run_sem(&e, 0, s + 8, 6, LLA_SEM_ADD, 1);
	memcpy(v32, P(&e, s + 8), 8);
	tap_ok(err == LLA_OK && v32[0] == 5 && v32[1] == 0xccccccccu,
	       "sem signal: ADD 32-bit 0 + 0xffffffff + 6 = 5, no carry out");
	/* waits on the 64-bit cell (0x1122334455667778) */
	tap_ok(run_sem(&e, 1, s, 0x1122334455667778ull, LLA_SEM_GE, 0) ==
	       LLA_OK, "sem wait: GE satisfied at equality");
	tap_ok(run_sem(&e, 1, s, 0x1122334455667779ull, LLA_SEM_GE, 0) ==
	       LLA_EXEC_BLOCKED, "sem wait: GE blocked (one above)");
	tap_ok(run_sem(&e, 1, s, 0x1122334455667778ull, LLA_SEM_EQ, 0) ==
	       LLA_OK, "sem wait: EQ satisfied");
	tap_ok(run_sem(&e, 1, s, 0x55667778ull, LLA_SEM_EQ, 0) ==
	       LLA_EXEC_BLOCKED, "sem wait: EQ 64-bit compares all bits");
	/* 32-bit cell holds 5, the word above is 0xcccccccc */
	tap_ok(run_sem(&e, 1, s + 8, 5, LLA_SEM_EQ, 1) == LLA_OK,
	       "sem wait: 32-bit EQ reads only its word (next is 0xcccccccc)");
	tap_ok(run_sem(&e, 1, s + 8, 6, LLA_SEM_GE, 1) == LLA_EXEC_BLOCKED &&
	       run_sem(&e, 1, s + 8, 4, LLA_SEM_GE, 1) == LLA_OK,
	       "sem wait: 32-bit GE blocked at 6, satisfied at 4");

	memset(&e.res, 0, sizeof(e.res));
	err = run_sem(&e, 1, env_end(&e) + 8, 0, LLA_SEM_GE, 0);
	tap_ok(err == LLA_ERR_MMU_FAULT && e.res.fault_write == 0 &&
	       e.res.fault_iova == env_end(&e) + 8,
	       "sem wait: outside memory -> MMU fault (read)");
	memset(&e.res, 0, sizeof(e.res));
	err = run_sem(&e, 0, env_end(&e), 1, LLA_SEM_SET, 0);
	tap_ok(err == LLA_ERR_MMU_FAULT && e.res.fault_write == 1 &&
	       e.res.fault_iova == env_end(&e),
	       "sem signal SET: outside memory -> MMU fault (write)");
	env_free(&e);
}

/* ---------------- through lla_execute ---------------- */

/*
 * A job [TIMESTAMP, FILL, SEM_WAIT, COPY] blocks at the wait with the
 * first two done and the copy not; after a SEM_SIGNAL job it resumes at
 * the wait and finishes.
 */
static void test_exec_blocked(void)
{
	struct {
		struct lla_cmd_timestamp ts;
		struct lla_cmd_fill fl;
		struct lla_cmd_sem w;
		struct lla_cmd_copy cp;
	} job;
	struct lla_cmd_sem sig;
	struct lla_exec_opts opts = { 0 };
	struct lla_job_result res;
	struct env e;
	uint64_t tsi, sem, a, b, t;
	int err;

	env_init(&e, 1 << 20);
	tsi = env_alloc(&e, 8);
	sem = env_alloc(&e, 8);
	a = env_alloc(&e, 256);
	b = env_alloc(&e, 256);
	memset(&job, 0, sizeof(job));
	job.ts.hdr.opcode = LLA_OP_TIMESTAMP;
	job.ts.hdr.size = sizeof(job.ts);
	job.ts.dst_iova = tsi;
	job.fl.hdr.opcode = LLA_OP_FILL;
	job.fl.hdr.size = sizeof(job.fl);
	job.fl.dst_iova = a;
	job.fl.len = 256;
	job.fl.value = 0x01020304u;
	job.w.hdr.opcode = LLA_OP_SEM_WAIT;
	job.w.hdr.size = sizeof(job.w);
	job.w.iova = sem;
	job.w.value = 3;
	job.w.op = LLA_SEM_GE;
	job.cp.hdr.opcode = LLA_OP_COPY;
	job.cp.hdr.size = sizeof(job.cp);
	job.cp.src_iova = a;
	job.cp.dst_iova = b;
	job.cp.len = 256;
	opts.start_cycle = 777;

	err = lla_execute(&job, sizeof(job), &e.mem, &opts, &res);
	memcpy(&t, P(&e, tsi), 8);
	tap_ok(err == LLA_EXEC_BLOCKED && res.cmd_index == 2 && t == 777 &&
	       !memcmp(P(&e, a), "\x04\x03\x02\x01", 4) &&
	       is_filled(P(&e, b), 0, 256),
	       "execute: blocks at SEM_WAIT (index 2), earlier commands done");

	memset(&sig, 0, sizeof(sig));
	sig.hdr.opcode = LLA_OP_SEM_SIGNAL;
	sig.hdr.size = sizeof(sig);
	sig.iova = sem;
	sig.value = 3;
	sig.op = LLA_SEM_ADD;
	err = lla_execute(&sig, sizeof(sig), &e.mem, NULL, &res);
	opts.first_cmd = 2;
	err |= lla_execute(&job, sizeof(job), &e.mem, &opts, &res);
	tap_ok(err == LLA_OK && res.commands == 2 &&
	       !memcmp(P(&e, a), P(&e, b), 256),
	       "execute: after SEM_SIGNAL ADD 3 the job resumes and copies");
	env_free(&e);
}

int main(void)
{
	test_rope();
	test_rope_table();
	test_eltwise();
	test_embed();
	test_copy_fill();
	test_sem();
	test_exec_blocked();
	check_valid_cmds();
	return tap_done();
}
