// SPDX-License-Identifier: MIT
/*
 * ATTN_PREFILL / ATTN_DECODE against an independent transcription of the
 * documented tiled online softmax (its own fp16 conversion and host-side
 * KV cache), compared with memcmp, plus a plain double-precision softmax
 * attention as a sanity check that the result is attention at all.
 * Then the vector path (LLA_ISA avx2 and up) against the scalar one:
 * each kernel against its scalar form, and whole commands over head
 * dims, GQA ratios and prefill lengths across tile and block edges,
 * memcmp of the entire memory image (outputs and both caches).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/internal.h"
#include "../src/kern.h"
#include "../src/kern_attn.h"
#include "tap.h"

#define TEST_SEED	0x452821e638d01377ull
#include "test_env.h"

/* ---------------- independent fp16 ---------------- */

/*
 * binary16 RNE by value: the quantum of |f|'s binade (2^-24 at least),
 * nearbyint() of the exact quotient (default mode: ties to even).
 */
static uint16_t ref_f32_to_f16(float f)
{
	uint16_t sign = signbit(f) ? 0x8000 : 0;
	double a = fabs((double)f), n;
	int ex, e;

	if (isnan(f))
		return sign | 0x7e00;
	if (a >= 65520.0)
		return sign | 0x7c00;
	if (a == 0.0)
		return sign;
	frexp(a, &ex);
	e = ex - 1;		/* a in [2^e, 2^(e+1)) */
	if (e < -14) {		/* subnormal range: quantum 2^-24 */
		n = nearbyint(ldexp(a, 24));
		return sign | (uint16_t)n;	/* n == 1024: min normal */
	}
	n = nearbyint(ldexp(a, 10 - e));	/* in [1024, 2048] */
	if (n == 2048.0) {
		n = 1024.0;
		e++;
	}
	if (e > 15)
		return sign | 0x7c00;
	return sign | (uint16_t)((e + 15) << 10) | (uint16_t)(n - 1024.0);
}

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

/* ---------------- the attention problem ---------------- */

struct prob {
	uint32_t n_head, n_kv, hd, max_ctx;
	uint32_t q_stride, kv_stride, o_stride;
	float scale;
	/* device buffers */
	uint64_t q, k, v, kc, vc, o, pos;
	uint32_t max_m;
	/* the reference's own caches (fp16 bits) */
	uint16_t *rk, *rv;
};

static void prob_init(struct env *e, struct prob *p, uint32_t n_head,
		      uint32_t n_kv, uint32_t hd, uint32_t max_ctx,
		      uint32_t max_m)
{
	uint64_t cache = (uint64_t)max_ctx * n_kv * hd * 2;

	memset(p, 0, sizeof(*p));
	p->n_head = n_head;
	p->n_kv = n_kv;
	p->hd = hd;
	p->max_ctx = max_ctx;
	p->max_m = max_m;
	p->q_stride = n_head * hd * 4 + 32;
	p->kv_stride = n_kv * hd * 4 + 16;
	p->o_stride = n_head * hd * 4 + 64;
	p->scale = (float)(1.0 / sqrt((double)hd));
	p->q = env_alloc(e, (uint64_t)max_m * p->q_stride);
	p->k = env_alloc(e, (uint64_t)max_m * p->kv_stride);
	p->v = env_alloc(e, (uint64_t)max_m * p->kv_stride);
	p->kc = env_alloc(e, cache);
	p->vc = env_alloc(e, cache);
	p->o = env_alloc(e, (uint64_t)max_m * p->o_stride);
	p->pos = env_alloc(e, 8);
	/* poisoned caches: rows never written must stay that way */
	memset(P(e, p->kc), 0xfe, cache);
	memset(P(e, p->vc), 0xfe, cache);
	p->rk = malloc(cache);
	p->rv = malloc(cache);
	memset(p->rk, 0xfe, cache);
	memset(p->rv, 0xfe, cache);
}

static void prob_free(struct prob *p)
{
	free(p->rk);
	free(p->rv);
}

static float *qrow(struct env *e, const struct prob *p, uint32_t t)
{
	return (float *)((uint8_t *)P(e, p->q) + (uint64_t)t * p->q_stride);
}

static float *krow(struct env *e, const struct prob *p, uint64_t base,
		   uint32_t t)
{
	return (float *)((uint8_t *)P(e, base) + (uint64_t)t * p->kv_stride);
}

static float *orow(struct env *e, const struct prob *p, uint32_t t)
{
	return (float *)((uint8_t *)P(e, p->o) + (uint64_t)t * p->o_stride);
}

static void fill_inputs(struct env *e, const struct prob *p, uint32_t m,
			float qamp)
{
	for (uint32_t t = 0; t < m; t++) {
		for (uint32_t i = 0; i < p->n_head * p->hd; i++)
			qrow(e, p, t)[i] = rndf(-qamp, qamp);
		for (uint32_t i = 0; i < p->n_kv * p->hd; i++) {
			krow(e, p, p->k, t)[i] = rndf(-2, 2);
			krow(e, p, p->v, t)[i] = rndf(-3, 3);
		}
	}
}

static int run_attn(struct env *e, const struct prob *p, uint32_t pos,
		    uint32_t m, int use_pos_iova)
{
	struct lla_cmd_attn c = { 0 };

	c.hdr.opcode = m == 1 ? LLA_OP_ATTN_DECODE : LLA_OP_ATTN_PREFILL;
	c.hdr.size = sizeof(c);
	c.q_iova = p->q;
	c.k_iova = p->k;
	c.v_iova = p->v;
	c.k_cache_iova = p->kc;
	c.v_cache_iova = p->vc;
	c.o_iova = p->o;
	c.m = m;
	c.n_head = p->n_head;
	c.n_kv_head = p->n_kv;
	c.head_dim = p->hd;
	c.max_ctx = p->max_ctx;
	c.q_stride = p->q_stride;
	c.kv_stride = p->kv_stride;
	c.o_stride = p->o_stride;
	c.scale = lla_f32_bits(p->scale);
	c.kv_dtype = LLA_DTYPE_F16;
	c.mask_mode = LLA_MASK_CAUSAL;
	if (use_pos_iova) {
		memcpy(P(e, p->pos), &pos, 4);
		c.pos_iova = p->pos;
	} else {
		c.pos = pos;
	}
	note_cmd(&c, sizeof(c));
	return lla_op_attn(&e->x, &c);
}

static float rk_at(const struct prob *p, const uint16_t *c, uint64_t j,
		   uint32_t kvh, uint32_t d)
{
	return ref_f16_to_f32(c[(j * p->n_kv + kvh) * p->hd + d]);
}

/*
 * The score dot as documented: 16 lanes, lane d % 16 summing its
 * products in ascending d from +0, then the pairwise tree (h = 8, 4,
 * 2, 1: lane j += lane j + h).
 */
static float lane_dot(const struct prob *p, const float *q, uint64_t j,
		      uint32_t kvh)
{
	float lane[16] = { 0 };

	for (uint32_t d = 0; d < p->hd; d++) {
		float pr = q[d] * rk_at(p, p->rk, j, kvh, d);

		lane[d % 16] = lane[d % 16] + pr;
	}
	for (uint32_t h = 8; h >= 1; h /= 2)
		for (uint32_t i = 0; i < h; i++)
			lane[i] = lane[i] + lane[i + h];
	return lane[0];
}

/*
 * The documented algorithm, one (token, head) at a time: append K/V to
 * the reference caches, then per tile: scores, tile max, rescale, add.
 * Output rows (n_head * hd) into out[m][...].
 */
static void ref_attn(struct env *e, struct prob *p, uint32_t pos,
		     uint32_t m, float *out)
{
	uint32_t kvw = p->n_kv * p->hd, group = p->n_head / p->n_kv;
	float *acc = malloc(p->hd * sizeof(float));
	float s[64];

	for (uint32_t t = 0; t < m; t++)
		for (uint32_t i = 0; i < kvw; i++) {
			p->rk[(uint64_t)(pos + t) * kvw + i] =
				ref_f32_to_f16(krow(e, p, p->k, t)[i]);
			p->rv[(uint64_t)(pos + t) * kvw + i] =
				ref_f32_to_f16(krow(e, p, p->v, t)[i]);
		}
	for (uint32_t t = 0; t < m; t++) {
		uint64_t len = (uint64_t)pos + t + 1;

		for (uint32_t h = 0; h < p->n_head; h++) {
			const float *q = qrow(e, p, t) + h * p->hd;
			uint32_t kvh = h / group;
			float mx = -INFINITY, l = 0.0f;

			for (uint32_t d = 0; d < p->hd; d++)
				acc[d] = 0.0f;
			for (uint64_t j0 = 0; j0 < len; j0 += 64) {
				uint64_t j1 = j0 + 64 < len ? j0 + 64 : len;
				float tmax, mnew, corr;

				for (uint64_t j = j0; j < j1; j++)
					s[j - j0] = lane_dot(p, q, j, kvh) *
						    p->scale;
				tmax = s[0];
				for (uint64_t j = j0 + 1; j < j1; j++)
					if (s[j - j0] > tmax)
						tmax = s[j - j0];
				mnew = mx > tmax ? mx : tmax;
				corr = isinf(mx) && mx < 0 ? 0.0f :
				       lla_expf(mx - mnew);
				l = l * corr;
				for (uint32_t d = 0; d < p->hd; d++)
					acc[d] = acc[d] * corr;
				for (uint64_t j = j0; j < j1; j++) {
					float pj = lla_expf(s[j - j0] - mnew);

					l = l + pj;
					for (uint32_t d = 0; d < p->hd; d++) {
						float pv = pj *
							   rk_at(p, p->rv, j, kvh, d);

						acc[d] = acc[d] + pv;
					}
				}
				mx = mnew;
			}
			for (uint32_t d = 0; d < p->hd; d++)
				out[((uint64_t)t * p->n_head + h) * p->hd + d] =
					acc[d] / l;
		}
	}
	free(acc);
}

/* Plain softmax attention in double over the reference caches. */
static double dbl_attn_err(struct env *e, const struct prob *p, uint32_t pos,
			   uint32_t m)
{
	uint32_t group = p->n_head / p->n_kv;
	double worst = 0.0;
	double *w = malloc(((size_t)pos + m) * sizeof(double));

	for (uint32_t t = 0; t < m; t++)
		for (uint32_t h = 0; h < p->n_head; h++) {
			const float *q = qrow(e, p, t) + h * p->hd;
			uint64_t len = (uint64_t)pos + t + 1;
			uint32_t kvh = h / group;
			double mx = -INFINITY, z = 0.0;

			for (uint64_t j = 0; j < len; j++) {
				double dot = 0.0;

				for (uint32_t d = 0; d < p->hd; d++)
					dot += (double)q[d] *
					       rk_at(p, p->rk, j, kvh, d);
				w[j] = dot * p->scale;
				if (w[j] > mx)
					mx = w[j];
			}
			for (uint64_t j = 0; j < len; j++) {
				w[j] = exp(w[j] - mx);
				z += w[j];
			}
			for (uint32_t d = 0; d < p->hd; d++) {
				double o = 0.0, err;

				for (uint64_t j = 0; j < len; j++)
					o += w[j] * rk_at(p, p->rv, j, kvh, d);
				o /= z;
				err = fabs(o - orow(e, p, t)[h * p->hd + d]);
				if (err > worst)
					worst = err;
			}
		}
	free(w);
	return worst;
}

/* Run one step on the device and the reference; compare outputs. */
static int step_matches(struct env *e, struct prob *p, uint32_t pos,
			uint32_t m, int use_pos_iova, double *dbl_worst)
{
	uint32_t row = p->n_head * p->hd;
	float *want = malloc((size_t)m * row * sizeof(float));
	int ok, err;

	for (uint32_t t = 0; t < m; t++)
		memset(orow(e, p, t), 0xcd, p->o_stride);
	err = run_attn(e, p, pos, m, use_pos_iova);
	ref_attn(e, p, pos, m, want);
	ok = err == LLA_OK;
	for (uint32_t t = 0; ok && t < m; t++) {
		const uint8_t *pad = (uint8_t *)orow(e, p, t) + row * 4;

		ok &= !memcmp(orow(e, p, t), want + (size_t)t * row, row * 4);
		for (uint32_t i = 0; i < p->o_stride - row * 4; i++)
			ok &= pad[i] == 0xcd;
	}
	if (dbl_worst) {
		double d = dbl_attn_err(e, p, pos, m);

		if (d > *dbl_worst)
			*dbl_worst = d;
	}
	free(want);
	return ok;
}

static int caches_match(struct env *e, const struct prob *p, int which)
{
	uint64_t bytes = (uint64_t)p->max_ctx * p->n_kv * p->hd * 2;

	return which ? !memcmp(P(e, p->vc), p->rv, bytes) :
		       !memcmp(P(e, p->kc), p->rk, bytes);
}

/* ---------------- tests ---------------- */

static void test_gqa_sequence(void)
{
	/* (pos, m, pos from memory): key counts 1, 2..63, 64, 65, 66..130, 131 */
	static const struct {
		uint32_t pos, m;
		int pos_iova;
	} steps[] = {
		{ 0, 1, 0 }, { 1, 62, 1 }, { 63, 1, 0 }, { 64, 1, 1 },
		{ 65, 65, 0 }, { 130, 1, 0 },
	};
	struct env e;
	struct prob p;
	double worst = 0.0;

	env_init(&e, 8 << 20);
	prob_init(&e, &p, 8, 2, 16, 200, 65);	/* n_head = 4 * n_kv_head */
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		fill_inputs(&e, &p, steps[i].m, i == 4 ? 6.0f : 2.0f);
		tap_ok(step_matches(&e, &p, steps[i].pos, steps[i].m,
				    steps[i].pos_iova, &worst),
		       "attn GQA 8/2 hd 16: %s pos %u m %u (%u..%u keys)%s "
		       "bit-exact", steps[i].m == 1 ? "decode" : "prefill",
		       steps[i].pos, steps[i].m, steps[i].pos + 1,
		       steps[i].pos + steps[i].m,
		       steps[i].pos_iova ? " pos_iova" : "");
	}
	tap_ok(caches_match(&e, &p, 0),
	       "attn: K cache rows 0..130 = independent fp16, rest untouched");
	tap_ok(caches_match(&e, &p, 1),
	       "attn: V cache rows 0..130 = independent fp16, rest untouched");
	tap_diag("worst |o - double softmax attention| = %g", worst);
	tap_ok(worst < 1e-4, "attn: within 1e-4 of double softmax attention");

	{
		/*
		 * GQA mapping: the same q in all 8 heads gives one output
		 * per KV head: heads 0-3 equal, 4-7 equal, the groups differ.
		 */
		float *q, *o;
		int ok;

		fill_inputs(&e, &p, 1, 2.0f);
		q = qrow(&e, &p, 0);
		for (uint32_t h = 1; h < 8; h++)
			memcpy(q + h * 16, q, 16 * 4);
		ok = step_matches(&e, &p, 131, 1, 0, NULL);
		o = orow(&e, &p, 0);
		for (uint32_t h = 1; h < 4; h++)
			ok &= !memcmp(o + h * 16, o, 64) &&
			      !memcmp(o + (h + 4) * 16, o + 64, 64);
		ok &= memcmp(o, o + 64, 64) != 0;
		tap_ok(ok, "attn: head h uses KV head h / 4");
	}
	{
		/* past max_ctx: INDEX, nothing written anywhere */
		uint64_t cbytes = (uint64_t)p.max_ctx * p.n_kv * p.hd * 2;
		uint8_t *kc0 = malloc(cbytes), *vc0 = malloc(cbytes);
		uint64_t obytes = 11ull * p.o_stride;
		uint8_t *o0 = malloc(obytes);
		int err;

		fill_inputs(&e, &p, 11, 2.0f);
		memcpy(kc0, P(&e, p.kc), cbytes);
		memcpy(vc0, P(&e, p.vc), cbytes);
		memcpy(o0, P(&e, p.o), obytes);
		err = run_attn(&e, &p, 190, 11, 0);
		tap_ok(err == LLA_ERR_INDEX,
		       "attn: pos 190 + m 11 > max_ctx 200 -> INDEX");
		tap_ok(!memcmp(kc0, P(&e, p.kc), cbytes) &&
		       !memcmp(vc0, P(&e, p.vc), cbytes) &&
		       !memcmp(o0, P(&e, p.o), obytes),
		       "attn: INDEX writes neither caches nor output");
		err = run_attn(&e, &p, 0xffffffffu, 2, 1);
		tap_ok(err == LLA_ERR_INDEX &&
		       !memcmp(kc0, P(&e, p.kc), cbytes),
		       "attn: pos_iova 0xffffffff + m does not wrap (INDEX)");
		free(kc0);
		free(vc0);
		free(o0);
	}
	prob_free(&p);
	env_free(&e);
}

static void test_shapes(void)
{
	struct env e;
	struct prob p;
	double worst = 0.0;
	int ok;

	env_init(&e, 16 << 20);
	/* MHA, head_dim 64, a 70-token prefill then a decode */
	prob_init(&e, &p, 4, 4, 64, 80, 70);
	fill_inputs(&e, &p, 70, 1.0f);
	ok = step_matches(&e, &p, 0, 70, 0, &worst);
	fill_inputs(&e, &p, 1, 1.0f);
	ok &= step_matches(&e, &p, 70, 1, 0, &worst);
	tap_ok(ok && caches_match(&e, &p, 0) && caches_match(&e, &p, 1) &&
	       worst < 1e-4,
	       "attn MHA 4/4 hd 64: prefill 70 + decode bit-exact (dbl %g)",
	       worst);
	prob_free(&p);

	/* head_dim 256, group 2, a prefill starting mid-context */
	e.next = MEM_BASE;
	worst = 0.0;
	prob_init(&e, &p, 2, 1, 256, 300, 5);
	for (uint32_t pos = 0; pos < 128; pos += 5) {
		fill_inputs(&e, &p, 5, 0.5f);
		ok &= step_matches(&e, &p, pos, 5, pos % 2, &worst);
	}
	tap_ok(ok && caches_match(&e, &p, 0) && caches_match(&e, &p, 1) &&
	       worst < 1e-4,
	       "attn 2/1 hd 256: 26 prefills of 5 (1..130 keys) bit-exact");
	prob_free(&p);

	/* fill the context to exactly max_ctx: the last row is allowed */
	e.next = MEM_BASE;
	prob_init(&e, &p, 4, 1, 32, 70, 69);
	fill_inputs(&e, &p, 69, 1.0f);
	ok = step_matches(&e, &p, 0, 69, 0, NULL);
	fill_inputs(&e, &p, 1, 1.0f);
	ok &= step_matches(&e, &p, 69, 1, 1, NULL);
	tap_ok(ok && caches_match(&e, &p, 0) && caches_match(&e, &p, 1),
	       "attn: pos + m == max_ctx (last row) allowed, bit-exact");
	prob_free(&p);

	/* large scores: online rescaling must not overflow */
	e.next = MEM_BASE;
	prob_init(&e, &p, 2, 2, 8, 150, 150);
	p.scale = 4.0f;
	fill_inputs(&e, &p, 150, 8.0f);
	ok = step_matches(&e, &p, 0, 150, 0, NULL);
	{
		int finite = 1;

		for (uint32_t t = 0; t < 150; t++)
			for (uint32_t i = 0; i < 16; i++)
				finite &= isfinite(orow(&e, &p, t)[i]);
		tap_ok(ok && finite,
		       "attn: scores up to ~1000 stay finite, bit-exact");
	}
	prob_free(&p);
	env_free(&e);
}

static void test_f16_reference(void)
{
	/* the test's own converter, hand-checked, before trusting it */
	static const struct {
		float f;
		uint16_t h;
	} v[] = {
		{ 1.0f, 0x3c00 }, { -2.0f, 0xc000 }, { 65504.0f, 0x7bff },
		{ 65519.0f, 0x7bff }, { 65520.0f, 0x7c00 },
		{ 5.9604644775390625e-8f, 0x0001 },
		{ 2.98023223876953125e-8f, 0x0000 },	/* tie -> even 0 */
		{ 8.94069671630859375e-8f, 0x0002 },	/* 1.5 ulp -> 2 */
		{ 6.103515625e-5f, 0x0400 },
		{ 1.00048828125f, 0x3c00 },		/* tie -> even */
		{ 1.00146484375f, 0x3c02 },		/* tie -> even */
		{ -0.0f, 0x8000 },
	};
	int ok = 1;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ok &= ref_f32_to_f16(v[i].f) == v[i].h;
	tap_ok(ok, "test fp16 reference converter: hand-checked values");
}

static void test_faults(void)
{
	struct env e;
	struct prob p;
	uint64_t end;
	int err;

	env_init(&e, 1 << 20);
	end = MEM_BASE + e.flat.size;
	prob_init(&e, &p, 2, 1, 8, 16, 2);
	fill_inputs(&e, &p, 2, 1.0f);
	p.kc = end - 16;	/* cache row 0 (16 bytes) fits, row 1 does not */
	memset(&e.res, 0, sizeof(e.res));
	err = run_attn(&e, &p, 0, 2, 0);
	tap_ok(err == LLA_ERR_MMU_FAULT && e.res.fault_write == 1 &&
	       e.res.fault_iova == end,
	       "attn: K cache past the end -> MMU fault (write)");
	prob_free(&p);
	prob_init(&e, &p, 2, 1, 8, 16, 2);
	fill_inputs(&e, &p, 2, 1.0f);
	p.q = 0x2000;		/* below the flat memory */
	memset(&e.res, 0, sizeof(e.res));
	err = run_attn(&e, &p, 0, 2, 0);
	tap_ok(err == LLA_ERR_MMU_FAULT && e.res.fault_write == 0 &&
	       e.res.fault_iova == 0x2000,
	       "attn: q unmapped -> MMU fault (read)");
	prob_free(&p);
	env_free(&e);
}


/* ---------------- vector path == scalar path ---------------- */

/* Every float with bits i * step (both signs) plus the edge cases. */
static int expf_kernel_matches(int isa)
{
	static const float edge[] = {
		0.0f, -0.0f, -87.0f, 88.0f, -87.00001f, 88.00001f, -103.97f,
		88.72284f, -103.98f, 88.73f, 1e-30f, -1e-30f, 0.5f, -0.5f,
		0.34657359f, -0.34657359f, 1000.0f, -1000.0f,
	};
	enum { N = 1024 };
	float x[N], want[N];
	uint32_t n = 0;
	int ok = 1;

	for (uint64_t b = 0; b < 0x100000000ull; b += 4099) {
		x[n] = lla_bits_f32((uint32_t)b);
		if (++n < N && b + 4099 < 0x100000000ull)
			continue;
		if (n < N - sizeof(edge) / sizeof(edge[0]))
			for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]);
			     i++)
				x[n++] = edge[i];
		for (uint32_t i = 0; i < n; i++)
			want[i] = lla_expf(x[i]);
		lla_kern_attn_expf(isa, x, n);
		ok &= !memcmp(x, want, n * sizeof(float));
		n = 0;
	}
	return ok;
}

static void fill_rnd(float *f, uint64_t n, float amp)
{
	for (uint64_t i = 0; i < n; i++)
		f[i] = rndf(-amp, amp);
}

/* Dots and p * v for every head_dim 1..256 against the scalar forms. */
static void test_attn_kernels(int isa, const char *in)
{
	enum { KS = 300, NK = 11 };
	uint16_t *kh = malloc(NK * KS * 2);
	float *k = malloc(NK * KS * 4), *v = malloc(NK * KS * 4);
	float q[256], s[NK], p[NK], acc[256], want[256], conv[KS];
	int ok_dot = 1, ok_pv = 1, ok_h2f = 1;

	for (uint32_t i = 0; i < NK * KS; i++)
		kh[i] = lla_f32_to_f16(rndf(-4, 4));
	kh[5] = 0x0001;		/* subnormal, -0, inf: exact too */
	kh[6] = 0x8000;
	kh[7] = 0x7c00;
	for (uint32_t i = 0; i < NK; i++) {
		lla_kern_attn_h2f(isa, kh + i * KS, conv, KS - i);
		for (uint32_t d = 0; d < KS - i; d++)
			ok_h2f &= lla_bits_of(conv[d]) ==
				  lla_bits_of(lla_h2f(kh[i * KS + d]));
	}
	kh[7] = 0x3c00;
	for (uint32_t i = 0; i < NK * KS; i++)
		k[i] = lla_h2f(kh[i]);
	fill_rnd(v, NK * KS, 3.0f);
	for (uint32_t hd = 1; hd <= 256; hd++) {
		float corr = rndf(0, 1);

		fill_rnd(q, hd, 2.0f);
		lla_kern_attn_dots(isa, q, k, KS, NK, hd, s);
		for (uint32_t j = 0; j < NK; j++)
			ok_dot &= lla_bits_of(s[j]) ==
				  lla_bits_of(lla_dot_f16(q, kh + j * KS, hd));
		fill_rnd(p, NK, 1.0f);
		fill_rnd(acc, hd, 5.0f);
		for (uint32_t d = 0; d < hd; d++) {
			want[d] = acc[d] * corr;
			for (uint32_t j = 0; j < NK; j++)
				want[d] = want[d] + p[j] * v[j * KS + d];
		}
		lla_kern_attn_pv(isa, acc, corr, p, v, KS, NK, hd);
		ok_pv &= !memcmp(acc, want, hd * 4);
	}
	tap_ok(ok_h2f, "%s: fp16 tile conversion == lla_h2f (all lengths)", in);
	tap_ok(ok_dot, "%s: score dots == lla_dot_f16, head_dim 1..256", in);
	tap_ok(ok_pv, "%s: rescale + p*v == scalar order, head_dim 1..256", in);
	tap_ok(expf_kernel_matches(isa),
	       "%s: vector expf == lla_expf (1M floats across the range, "
	       "NaN, inf, range edges)", in);
	free(kh);
	free(k);
	free(v);
}

/* The contract's example (hw-spec 7.12) on the command: one key. */
static void test_lane_example(void)
{
	struct env e;
	struct prob p;
	float *q, *o;

	env_init(&e, 1 << 20);
	prob_init(&e, &p, 1, 1, 18, 4, 1);
	q = qrow(&e, &p, 0);
	memset(q, 0, 18 * 4);
	q[0] = 0x1p24f;
	q[1] = 1.0f;
	q[17] = 1.0f;
	for (uint32_t d = 0; d < 18; d++) {
		krow(&e, &p, p.k, 0)[d] = 1.0f;
		krow(&e, &p, p.v, 0)[d] = (float)d;
	}
	/* the score is 2^24 + 2 either way; check the dot itself */
	{
		uint16_t kh[18];

		for (int d = 0; d < 18; d++)
			kh[d] = 0x3c00;
		tap_ok(lla_dot_f16(q, kh, 18) == 16777218.0f,
		       "attn score dot: lanes give 2^24 + 2 (sequential: 2^24)");
	}
	run_attn(&e, &p, 0, 1, 0);
	o = orow(&e, &p, 0);
	tap_ok(o[3] == 3.0f, "attn: one key -> o = v");
	prob_free(&p);
	env_free(&e);
}

struct dshape {
	uint32_t hd, group, m;
	float qamp, scale;	/* scale 0: 1/sqrt(hd) */
};

/* Run prefill @m at @pos then a decode; the memory image after each. */
static int isa_prefill_decode(struct env *e, struct prob *p,
			      const uint8_t *snap, const float *dec,
			      uint32_t pos, uint32_t m, uint8_t *img1,
			      uint8_t *img2)
{
	uint64_t size = e->flat.size;
	uint32_t qw = p->n_head * p->hd, kw = p->n_kv * p->hd;
	int err;

	memcpy(e->flat.data, snap, size);
	err = run_attn(e, p, pos, m, 0);
	memcpy(img1, e->flat.data, size);
	memcpy(qrow(e, p, 0), dec, qw * 4);
	memcpy(krow(e, p, p->k, 0), dec + qw, kw * 4);
	memcpy(krow(e, p, p->v, 0), dec + qw + kw, kw * 4);
	if (!err)
		err = run_attn(e, p, pos + m, 1, 1);
	memcpy(img2, e->flat.data, size);
	return err;
}

/*
 * One shape: a 45-token context (the scalar path), then a prefill of m
 * and a decode, on the scalar path and on @isa, from the same image.
 */
static int isa_shape_matches(const struct dshape *sh, int isa)
{
	const uint32_t pre = 45, n_kv = 2;
	struct env e;
	struct prob p;
	uint64_t size;
	uint8_t *snap, *img[4];
	float *dec;
	int ok = 1, err = 0;

	env_init(&e, 8 << 20);
	prob_init(&e, &p, n_kv * sh->group, n_kv, sh->hd, pre + sh->m + 1,
		  sh->m > pre ? sh->m : pre);
	if (sh->scale > 0)
		p.scale = sh->scale;
	size = e.flat.size;
	lla_kern_set_isa(LLA_ISA_NONE);
	fill_inputs(&e, &p, pre, 1.0f);
	err |= run_attn(&e, &p, 0, pre, 0);
	fill_inputs(&e, &p, sh->m, sh->qamp);
	dec = malloc((p.n_head + 2 * n_kv) * sh->hd * 4);
	fill_rnd(dec, (p.n_head + 2 * n_kv) * sh->hd, sh->qamp);
	snap = malloc(size);
	memcpy(snap, e.flat.data, size);
	for (int i = 0; i < 4; i++)
		img[i] = malloc(size);
	err |= isa_prefill_decode(&e, &p, snap, dec, pre, sh->m, img[0],
				  img[1]);
	lla_kern_set_isa(isa);
	err |= isa_prefill_decode(&e, &p, snap, dec, pre, sh->m, img[2],
				  img[3]);
	ok = !err && !memcmp(img[0], img[2], size) &&
	     !memcmp(img[1], img[3], size) && memcmp(img[0], snap, size);
	for (int i = 0; i < 4; i++)
		free(img[i]);
	free(snap);
	free(dec);
	prob_free(&p);
	env_free(&e);
	return ok;
}

static void test_isa_commands(int isa, const char *in)
{
	static const uint32_t hds[] = { 64, 128, 37 };
	static const uint32_t groups[] = { 1, 4 };
	static const uint32_t ms[] = { 1, 7, 64, 300 };

	for (size_t h = 0; h < 3; h++)
		for (size_t g = 0; g < 2; g++)
			for (size_t i = 0; i < 4; i++) {
				struct dshape sh = { hds[h], groups[g], ms[i],
						     1.0f, 0.0f };

				tap_ok(isa_shape_matches(&sh, isa),
				       "%s == scalar: hd %u, GQA %u, 45 cached "
				       "+ prefill %u + decode: outputs and "
				       "caches memcmp-equal", in, sh.hd,
				       sh.group, sh.m);
			}
	{
		/* scores up to ~1000: expf's scalar fallback lanes */
		struct dshape sh = { 64, 4, 130, 8.0f, 4.0f };

		tap_ok(isa_shape_matches(&sh, isa),
		       "%s == scalar: large scores (expf below -87), "
		       "prefill 130 + decode memcmp-equal", in);
	}
}

static void test_isa_paths(void)
{
	int cpu = lla_kern_isa_cpu();
	/* kernels 4, commands 3 * 2 * 4 + 1 */
	const int ntests = 4 + 25;

	for (int isa = LLA_ISA_AVX2; isa < LLA_ISA_COUNT; isa++) {
		const char *in = lla_kern_isa_name(isa);

		if (isa > cpu) {
			for (int i = 0; i < ntests; i++)
				tap_skip("not on this CPU",
					 "attn %s path test %d of %d", in,
					 i + 1, ntests);
			continue;
		}
		test_attn_kernels(isa, in);
		test_isa_commands(isa, in);
	}
	lla_kern_set_isa(cpu);
}

int main(void)
{
	test_f16_reference();
	test_gqa_sequence();
	test_shapes();
	test_faults();
	test_lane_example();
	test_isa_paths();
	check_valid_cmds();
	return tap_done();
}
