// SPDX-License-Identifier: MIT
/*
 * NORM_QUANT against hand-checked rows and an independent fp32
 * transcription of the documented order (sum of squares in 16 lanes,
 * lane j over k = j, j+16, ..., then the tree 8, 4, 2, 1 of hw-spec 7.4;
 * r = 1 / sqrt(ss / K + eps), y = x * r * gamma; absmax int8 with
 * s = 127 / max(amax, 1e-5), round half to even).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/internal.h"
#include "tap.h"

#define TEST_SEED	0xb7e151628aed2a6bull
#include "test_env.h"

static int is_filled(const void *p, int byte, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (uint8_t)byte)
			return 0;
	return 1;
}

/* ---------------- references ---------------- */

static void ref_norm(const float *x, uint32_t k, float eps,
		     const float *gamma, float *y)
{
	float lane[16] = { 0 }, ss, mean, r;

	for (uint32_t i = 0; i < k; i++) {
		float sq = x[i] * x[i];

		lane[i % 16] = lane[i % 16] + sq;
	}
	for (int h = 8; h >= 1; h /= 2)
		for (int j = 0; j < h; j++)
			lane[j] = lane[j] + lane[j + h];
	ss = lane[0];
	mean = ss / (float)k + eps;
	/* correctly rounded double sqrt then float: equals sqrtf */
	r = 1.0f / (float)sqrt((double)mean);
	for (uint32_t i = 0; i < k; i++) {
		y[i] = x[i] * r;
		if (gamma)
			y[i] = y[i] * gamma[i];
	}
}

static float ref_quant(const float *y, uint32_t k, int8_t *q)
{
	float amax = 0.0f, s;

	for (uint32_t i = 0; i < k; i++)
		if (!isnan(y[i]) && fabsf(y[i]) > amax)
			amax = fabsf(y[i]);
	s = 127.0f / (amax > 1e-5f ? amax : 1e-5f);
	for (uint32_t i = 0; i < k; i++) {
		float v = y[i] * s;
		double r;

		if (isnan(v)) {
			q[i] = 0;
			continue;
		}
		r = nearbyint((double)v);	/* default mode: ties to even */
		q[i] = (int8_t)(r > 127 ? 127 : r < -128 ? -128 : r);
	}
	return s;
}

/* ---------------- command helpers ---------------- */

struct nq {
	uint64_t x, gamma, q, scale, y;
	uint32_t m, k, xs, qs, ys;
	float eps;
	uint16_t flags;
};

static int run_nq(struct env *e, const struct nq *n)
{
	struct lla_cmd_norm_quant c = { 0 };

	c.hdr.opcode = LLA_OP_NORM_QUANT;
	c.hdr.size = sizeof(c);
	c.hdr.flags = n->flags;
	c.x_iova = n->x;
	c.m = n->m;
	c.k = n->k;
	c.x_stride = n->xs;
	/* describe only what the flags use, as the validator demands */
	if (n->flags & LLA_NQ_F_NORM) {
		c.gamma_iova = n->gamma;
		c.eps = lla_f32_bits(n->eps);
	}
	if (n->flags & LLA_NQ_F_QUANT) {
		c.q_iova = n->q;
		c.scale_iova = n->scale;
		c.q_stride = n->qs;
	}
	if (n->flags & LLA_NQ_F_F32OUT) {
		c.y_iova = n->y;
		c.y_stride = n->ys;
	}
	note_cmd(&c, sizeof(c));
	return lla_op_norm_quant(&e->x, &c);
}

/* Buffers for an M x K case with padded strides; outputs pre-poisoned. */
static void nq_setup(struct env *e, struct nq *n, uint32_t m, uint32_t k)
{
	memset(n, 0, sizeof(*n));
	n->m = m;
	n->k = k;
	n->xs = k * 4 + 32;
	n->qs = k + 24;
	n->ys = k * 4 + 48;
	n->x = env_alloc(e, (uint64_t)m * n->xs);
	n->gamma = env_alloc(e, (uint64_t)k * 4);
	n->q = env_alloc(e, (uint64_t)m * n->qs);
	n->scale = env_alloc(e, (uint64_t)m * 4 + 16);
	n->y = env_alloc(e, (uint64_t)m * n->ys);
	for (uint32_t r = 0; r < m; r++) {
		float *row = (float *)((uint8_t *)P(e, n->x) +
				       (uint64_t)r * n->xs);

		for (uint32_t i = 0; i < k; i++)
			row[i] = rndf(-4, 4) * (float)(r + 1);
	}
	for (uint32_t i = 0; i < k; i++)
		((float *)P(e, n->gamma))[i] = rndf(0.25f, 2.0f);
}

static void nq_poison(struct env *e, const struct nq *n)
{
	memset(P(e, n->q), 0xab, (size_t)n->m * n->qs);
	memset(P(e, n->scale), 0xab, (size_t)n->m * 4 + 16);
	memset(P(e, n->y), 0xab, (size_t)n->m * n->ys);
}

/*
 * Check every output of a run against the references: y (if F32OUT),
 * q and scale (if QUANT); the outputs not requested must stay poisoned,
 * and so must the stride padding.
 */
static int nq_check(struct env *e, const struct nq *n)
{
	float *y = malloc((size_t)n->k * 4);
	int8_t *q = malloc(n->k);
	const float *g = n->gamma && (n->flags & LLA_NQ_F_NORM) ?
			 P(e, n->gamma) : NULL;
	int ok = 1;

	for (uint32_t r = 0; r < n->m; r++) {
		const float *x = (const float *)((uint8_t *)P(e, n->x) +
						 (uint64_t)r * n->xs);
		uint8_t *yo = (uint8_t *)P(e, n->y) + (uint64_t)r * n->ys;
		uint8_t *qo = (uint8_t *)P(e, n->q) + (uint64_t)r * n->qs;
		uint8_t *so = (uint8_t *)P(e, n->scale) + 4 * r;
		float s;

		if (n->flags & LLA_NQ_F_NORM)
			ref_norm(x, n->k, n->eps, g, y);
		else
			memcpy(y, x, (size_t)n->k * 4);
		if (n->flags & LLA_NQ_F_F32OUT)
			ok &= !memcmp(yo, y, (size_t)n->k * 4);
		else
			ok &= is_filled(yo, 0xab, (size_t)n->k * 4);
		ok &= is_filled(yo + n->k * 4, 0xab, n->ys - n->k * 4);
		if (n->flags & LLA_NQ_F_QUANT) {
			s = ref_quant(y, n->k, q);
			ok &= !memcmp(qo, q, n->k) && !memcmp(so, &s, 4);
		} else {
			ok &= is_filled(qo, 0xab, n->k) &&
			      is_filled(so, 0xab, 4);
		}
		ok &= is_filled(qo + n->k, 0xab, n->qs - n->k);
	}
	ok &= is_filled((uint8_t *)P(e, n->scale) + 4 * n->m, 0xab, 16);
	free(y);
	free(q);
	return ok;
}

/* ---------------- tests ---------------- */

static void test_hand(void)
{
	struct env e;
	struct nq n;
	int err;

	env_init(&e, 1 << 20);
	{
		/*
		 * x = 1 1 1 1, eps 0: mean square 1, r = 1, y = gamma =
		 * 2 -1 0.5 3.  s = 127/3 = 42.333..; y*s = 84.67 -42.33
		 * 21.17 127 -> q = 85 -42 21 127.
		 */
		static const float x[4] = { 1, 1, 1, 1 };
		static const float g[4] = { 2, -1, 0.5f, 3 };
		static const int8_t wq[4] = { 85, -42, 21, 127 };
		float s = 127.0f / 3.0f;

		nq_setup(&e, &n, 1, 4);
		memcpy(P(&e, n.x), x, 16);
		memcpy(P(&e, n.gamma), g, 16);
		n.eps = 0.0f;
		n.flags = LLA_NQ_F_NORM | LLA_NQ_F_F32OUT | LLA_NQ_F_QUANT;
		nq_poison(&e, &n);
		err = run_nq(&e, &n);
		tap_ok(err == LLA_OK && !memcmp(P(&e, n.y), g, 16),
		       "norm: hand example, unit rms row times gamma");
		tap_ok(!memcmp(P(&e, n.q), wq, 4) &&
		       !memcmp(P(&e, n.scale), &s, 4),
		       "quant: hand example q = 85 -42 21 127, s = 127/3");
	}
	{
		/*
		 * x = 3 4, no gamma: ms = 12.5, y = x / sqrt(12.5) =
		 * 0.8485281 1.1313708; s = 127 * sqrt(12.5) / 4 = 112.2532;
		 * q = round(3 * 127 / 4 = 95.25) = 95, 127.
		 */
		static const float x[2] = { 3, 4 };
		const float *y;
		const int8_t *q;
		float s;

		nq_setup(&e, &n, 1, 2);
		memcpy(P(&e, n.x), x, 8);
		n.gamma = 0;
		n.flags = LLA_NQ_F_NORM | LLA_NQ_F_F32OUT | LLA_NQ_F_QUANT;
		nq_poison(&e, &n);
		err = run_nq(&e, &n);
		y = P(&e, n.y);
		q = P(&e, n.q);
		memcpy(&s, P(&e, n.scale), 4);
		tap_ok(err == LLA_OK && fabs(y[0] - 0.848528137) < 1e-6 &&
		       fabs(y[1] - 1.131370850) < 1e-6,
		       "norm: hand example 3 4 -> 0.8485 1.1314");
		tap_ok(q[0] == 95 && q[1] == 127 &&
		       fabs(s - 112.2531846) < 1e-4,
		       "quant: hand example q = 95 127, s = 112.2532");
	}
	{
		/*
		 * The lane order decides the bits (hw-spec 7.5): K = 32,
		 * x[0] = 4096, the other 31 are 1, eps 0.  Lane 0 = 2^24 + 1
		 * = 2^24 (tie to even), lanes 1..15 = 2 each; the tree adds
		 * the small lanes first: ss = 2^24 + 30 = 16777246,
		 * r = 1 / sqrtf(ss / 32) = 0x3ab504e8.  A sequential sum
		 * rounds every + 1 away: ss = 2^24, r = 2^-9.5 = 0x3ab504f3.
		 * y[1] = 1 * r shows r.
		 */
		float x[32], r;
		uint32_t rb;

		for (int i = 0; i < 32; i++)
			x[i] = i ? 1.0f : 4096.0f;
		nq_setup(&e, &n, 1, 32);
		memcpy(P(&e, n.x), x, sizeof(x));
		n.gamma = 0;
		n.eps = 0.0f;
		n.flags = LLA_NQ_F_NORM | LLA_NQ_F_F32OUT;
		nq_poison(&e, &n);
		err = run_nq(&e, &n);
		memcpy(&r, (float *)P(&e, n.y) + 1, 4);
		memcpy(&rb, &r, 4);
		tap_ok(err == LLA_OK && rb == 0x3ab504e8u && nq_check(&e, &n),
		       "norm: lane order example K = 32, ss = 2^24 + 30 -> r = 0x3ab504e8 (sequential sum: 0x3ab504f3), got 0x%08x",
		       rb);
	}
	{
		/* round half to even: x*s exactly 0.5, 1.5, 2.5 ... */
		static const float x[6] = { 127, 0.5f, 1.5f, 2.5f, -0.5f, -3.5f };
		static const int8_t wq[6] = { 127, 0, 2, 2, 0, -4 };

		nq_setup(&e, &n, 1, 6);
		memcpy(P(&e, n.x), x, sizeof(x));
		n.flags = LLA_NQ_F_QUANT;
		nq_poison(&e, &n);
		err = run_nq(&e, &n);
		tap_ok(err == LLA_OK && !memcmp(P(&e, n.q), wq, 6),
		       "quant: amax 127 -> s 1, ties to even 0 2 2 -0 -4");
	}
	env_free(&e);
}

static void test_zero_row(void)
{
	struct env e;
	struct nq n;
	float s_want = 127.0f / 1e-5f, s;
	int8_t zero[64] = { 0 };
	int err;

	env_init(&e, 1 << 20);
	nq_setup(&e, &n, 2, 64);
	memset(P(&e, n.x), 0, (size_t)2 * n.xs);
	n.eps = 1e-6f;
	n.flags = LLA_NQ_F_NORM | LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT;
	nq_poison(&e, &n);
	err = run_nq(&e, &n);
	memcpy(&s, (uint8_t *)P(&e, n.scale) + 4, 4);
	tap_ok(err == LLA_OK && !memcmp(&s, &s_want, 4) &&
	       !memcmp((uint8_t *)P(&e, n.q) + n.qs, zero, 64),
	       "quant: all-zero row -> s = 127 / 1e-5 (floor), q = 0");
	tap_ok(is_filled(P(&e, n.y), 0, 64 * 4),
	       "norm: all-zero row with eps -> +0 output");
	/* tiny values below the floor: q stays small, not 127 */
	for (int i = 0; i < 64; i++)
		((float *)P(&e, n.x))[i] = i == 9 ? 4e-6f : 1e-7f;
	n.flags = LLA_NQ_F_QUANT;
	nq_poison(&e, &n);
	err = run_nq(&e, &n);
	tap_ok(err == LLA_OK && ((int8_t *)P(&e, n.q))[9] == 51 &&
	       ((int8_t *)P(&e, n.q))[0] == 1 && nq_check(&e, &n),
	       "quant: amax 4e-6 below the floor -> q 51 (not 127)");
	env_free(&e);
}

static void test_random(void)
{
	static const struct {
		uint16_t flags;
		int gamma;
		const char *what;
	} cases[] = {
		{ LLA_NQ_F_F32OUT, 0, "F32OUT only: y = x" },
		{ LLA_NQ_F_QUANT, 0, "QUANT only (no norm)" },
		{ LLA_NQ_F_NORM | LLA_NQ_F_F32OUT, 0, "NORM + F32OUT" },
		{ LLA_NQ_F_NORM | LLA_NQ_F_F32OUT, 1, "NORM + gamma + F32OUT" },
		{ LLA_NQ_F_NORM | LLA_NQ_F_QUANT, 1, "NORM + gamma + QUANT" },
		{ LLA_NQ_F_NORM | LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT, 1,
		  "NORM + gamma + QUANT + F32OUT" },
		{ LLA_NQ_F_NORM | LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT, 0,
		  "NORM + QUANT + F32OUT" },
	};
	struct env e;
	struct nq n;

	env_init(&e, 1 << 20);
	nq_setup(&e, &n, 3, 2560);
	n.eps = 1e-5f;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nq c = n;
		int err;

		c.flags = cases[i].flags;
		if (!cases[i].gamma)
			c.gamma = 0;
		nq_poison(&e, &c);
		err = run_nq(&e, &c);
		tap_ok(err == LLA_OK && nq_check(&e, &c),
		       "norm_quant %s: 3 x 2560 strided rows bit-exact",
		       cases[i].what);
	}
	{
		/* sanity against a double RMSNorm (gamma) with a tolerance */
		double worst = 0.0;
		struct nq c = n;

		c.flags = LLA_NQ_F_NORM | LLA_NQ_F_F32OUT;
		run_nq(&e, &c);
		for (uint32_t r = 0; r < c.m; r++) {
			const float *x = (const float *)((uint8_t *)P(&e, c.x) +
							 r * c.xs);
			const float *y = (const float *)((uint8_t *)P(&e, c.y) +
							 r * c.ys);
			const float *g = P(&e, c.gamma);
			double ss = 0.0, rr;

			for (uint32_t i = 0; i < c.k; i++)
				ss += (double)x[i] * x[i];
			rr = 1.0 / sqrt(ss / c.k + (double)c.eps);
			for (uint32_t i = 0; i < c.k; i++) {
				double d = fabs(y[i] - x[i] * rr * g[i]);

				if (d > worst)
					worst = d;
			}
		}
		tap_diag("worst |y - double rmsnorm| = %g", worst);
		tap_ok(worst < 1e-4, "norm: matches double RMSNorm within 1e-4");
	}
	{
		/* eps changes the result as the formula says */
		struct nq c = n;
		float *x = P(&e, c.x);
		const float *y;

		c.m = 1;
		c.k = 4;
		c.gamma = 0;
		c.eps = 3.0f;
		c.flags = LLA_NQ_F_NORM | LLA_NQ_F_F32OUT;
		x[0] = 1;
		x[1] = -1;
		x[2] = 1;
		x[3] = -1;
		run_nq(&e, &c);
		y = P(&e, c.y);
		/* 1 / sqrt(1 + 3) = 0.5 exactly */
		tap_ok(y[0] == 0.5f && y[1] == -0.5f,
		       "norm: eps 3 on a unit row gives exactly 0.5");
	}
	env_free(&e);
}

static void test_faults(void)
{
	struct env e;
	struct nq n;
	uint64_t end;

	env_init(&e, 1 << 20);
	end = MEM_BASE + e.flat.size;
	nq_setup(&e, &n, 2, 16);
	n.flags = LLA_NQ_F_NORM | LLA_NQ_F_QUANT;
	n.scale = end - 4;	/* row 0 fits, row 1 does not */
	memset(&e.res, 0, sizeof(e.res));
	tap_ok(run_nq(&e, &n) == LLA_ERR_MMU_FAULT && e.res.fault_write == 1 &&
	       e.res.fault_iova == end,
	       "norm_quant: scale [1] outside memory -> MMU fault (write)");
	nq_setup(&e, &n, 1, 16);
	n.flags = LLA_NQ_F_NORM | LLA_NQ_F_QUANT;
	n.gamma = end + 0x1000;
	memset(&e.res, 0, sizeof(e.res));
	tap_ok(run_nq(&e, &n) == LLA_ERR_MMU_FAULT && e.res.fault_write == 0 &&
	       e.res.fault_iova == end + 0x1000,
	       "norm_quant: gamma outside memory -> MMU fault (read)");
	env_free(&e);
}

int main(void)
{
	test_hand();
	test_zero_row();
	test_random();
	test_faults();
	check_valid_cmds();
	return tap_done();
}
