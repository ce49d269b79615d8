// SPDX-License-Identifier: MIT
/*
 * ARGMAX, TOPK and SAMPLE against references written independently here:
 * naive scans, a qsort-based ranking and a straight transcription of the
 * documented sampling algorithm (with its own splitmix64 RNG).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../src/internal.h"
#include "tap.h"

#define TEST_SEED	0x243f6a8885a308d3ull
#include "test_env.h"

/* ---------------- references ---------------- */

static int32_t ref_argmax(const float *x, uint32_t n)
{
	int32_t best = -1;

	for (uint32_t i = 0; i < n; i++) {
		if (isnan(x[i]))
			continue;
		if (best < 0 || x[i] > x[best])
			best = (int32_t)i;
	}
	return best < 0 ? 0 : best;
}

static const float *sort_vals;

/* Rank by the key (is NaN, -value, index): qsort then ascends. */
static int ref_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	float va = sort_vals[a], vb = sort_vals[b];
	int na = isnan(va) ? 1 : 0, nb = isnan(vb) ? 1 : 0;

	if (na != nb)
		return na - nb;
	if (!na && va > vb)
		return -1;
	if (!na && va < vb)
		return 1;
	return a < b ? -1 : a > b;
}

/* Full ranking of x[n]: order[0] is the best. */
static uint32_t *ref_rank(const float *x, uint32_t n)
{
	uint32_t *o = malloc(n * sizeof(*o));

	for (uint32_t i = 0; i < n; i++)
		o[i] = i;
	sort_vals = x;
	qsort(o, n, sizeof(*o), ref_cmp);
	return o;
}

static float ref_uniform(uint64_t seed, uint64_t ctr)
{
	uint64_t z = seed + (ctr + 1) * 0x9E3779B97F4A7C15ull;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z = z ^ (z >> 31);
	return (float)((double)(z >> 40) / 16777216.0);
}

/* Multiplicative inverse of an odd number mod 2^64 (Newton). */
static uint64_t inv_odd(uint64_t c)
{
	uint64_t inv = c;

	for (int i = 0; i < 6; i++)
		inv *= 2 - c * inv;
	return inv;
}

/* A seed for which counter 0 yields exactly u = num / 2^24. */
static uint64_t seed_for_u(uint32_t num)
{
	uint64_t z = (uint64_t)num << 40;

	z = z ^ (z >> 31) ^ (z >> 62);
	z *= inv_odd(0x94D049BB133111EBull);
	z = z ^ (z >> 27) ^ (z >> 54);
	z *= inv_odd(0xBF58476D1CE4E5B9ull);
	z = z ^ (z >> 30) ^ (z >> 60);
	return z - 0x9E3779B97F4A7C15ull;
}

static int32_t ref_sample(const float *l, uint32_t n, uint64_t seed,
			  uint64_t ctr, float temp, uint32_t top_k,
			  float top_p)
{
	uint32_t kk, keep, *o;
	float *p, *cum, total = 0.0f, run = 0.0f, target;
	int32_t tok;

	if (temp == 0.0f)
		return ref_argmax(l, n);
	kk = top_k ? top_k : 256;
	if (kk > n)
		kk = n;
	o = ref_rank(l, n);
	p = malloc(kk * sizeof(*p));
	cum = malloc(kk * sizeof(*cum));
	for (uint32_t i = 0; i < kk; i++) {
		float li = l[o[i]];

		p[i] = isnan(li) ? 0.0f : lla_expf((li - l[o[0]]) / temp);
		total += p[i];
	}
	keep = kk;
	for (uint32_t i = 0; i < kk; i++) {
		run += p[i];
		cum[i] = run;
	}
	for (uint32_t i = 0; i < kk; i++)
		if (cum[i] >= top_p * total) {
			keep = i + 1;
			break;
		}
	target = ref_uniform(seed, ctr) * cum[keep - 1];
	tok = (int32_t)o[keep - 1];
	for (uint32_t i = 0; i < keep; i++)
		if (cum[i] > target) {
			tok = (int32_t)o[i];
			break;
		}
	free(o);
	free(p);
	free(cum);
	return tok;
}

/* ---------------- command helpers ---------------- */

static int run_argmax(struct env *e, uint64_t xi, uint64_t yi, uint32_t m,
		      uint32_t n, uint32_t stride)
{
	struct lla_cmd_argmax c = { 0 };

	c.hdr.opcode = LLA_OP_ARGMAX;
	c.hdr.size = sizeof(c);
	c.x_iova = xi;
	c.y_iova = yi;
	c.m = m;
	c.n = n;
	c.x_stride = stride;
	note_cmd(&c, sizeof(c));
	return lla_op_argmax(&e->x, &c);
}

static int argmax_of(struct env *e, const float *v, uint32_t n)
{
	uint64_t xi = env_alloc(e, n * 4), yi = env_alloc(e, 4);
	int32_t y = -7;

	memcpy(P(e, xi), v, n * 4);
	memcpy(P(e, yi), &y, 4);
	if (run_argmax(e, xi, yi, 1, n, n * 4))
		return -100;
	memcpy(&y, P(e, yi), 4);
	return y;
}

static int run_topk(struct env *e, uint64_t xi, uint64_t ii, uint64_t vi,
		    uint32_t n, uint32_t k)
{
	struct lla_cmd_topk c = { 0 };

	c.hdr.opcode = LLA_OP_TOPK;
	c.hdr.size = sizeof(c);
	c.x_iova = xi;
	c.idx_iova = ii;
	c.val_iova = vi;
	c.n = n;
	c.k = k;
	note_cmd(&c, sizeof(c));
	return lla_op_topk(&e->x, &c);
}

/* TOPK of v[n] vs the qsort ranking: indices and value bits. */
static int topk_matches(struct env *e, const float *v, uint32_t n,
			uint32_t k)
{
	uint64_t xi = env_alloc(e, (uint64_t)n * 4);
	uint64_t ii = env_alloc(e, k * 4), vi = env_alloc(e, k * 4);
	uint32_t *o = ref_rank(v, n);
	int ok;

	memcpy(P(e, xi), v, (uint64_t)n * 4);
	ok = run_topk(e, xi, ii, vi, n, k) == LLA_OK;
	for (uint32_t i = 0; ok && i < k; i++) {
		int32_t idx;
		float val;

		memcpy(&idx, (uint8_t *)P(e, ii) + 4 * i, 4);
		memcpy(&val, (uint8_t *)P(e, vi) + 4 * i, 4);
		if (idx != (int32_t)o[i] || memcmp(&val, &v[o[i]], 4)) {
			tap_diag("topk rank %u: got %d want %u", i, idx, o[i]);
			ok = 0;
		}
	}
	free(o);
	return ok;
}

struct samp {
	uint64_t logits, out, ctr_iova;
	uint64_t seed, counter;
	uint32_t n, top_k;
	float temp, top_p;
	uint16_t flags;
};

static int run_sample(struct env *e, const struct samp *s)
{
	struct lla_cmd_sample c = { 0 };

	c.hdr.opcode = LLA_OP_SAMPLE;
	c.hdr.size = sizeof(c);
	c.hdr.flags = s->flags;
	c.logits_iova = s->logits;
	c.out_iova = s->out;
	c.counter_iova = s->ctr_iova;
	c.seed = s->seed;
	c.counter = s->counter;
	c.n = s->n;
	c.top_k = s->top_k;
	c.temperature = lla_f32_bits(s->temp);
	c.top_p = lla_f32_bits(s->top_p);
	note_cmd(&c, sizeof(c));
	return lla_op_sample(&e->x, &c);
}

static int32_t sample_tok(struct env *e, const struct samp *s)
{
	int32_t t = -5;

	memcpy(P(e, s->out), &t, 4);
	if (run_sample(e, s))
		return -100;
	memcpy(&t, P(e, s->out), 4);
	return t;
}

/* ---------------- tests ---------------- */

static void test_argmax(void)
{
	struct env e;
	float nan = NAN, inf = INFINITY;

	env_init(&e, 16 << 20);
	{
		float v[] = { 1, 5, 3, 5, 2 };

		tap_ok(argmax_of(&e, v, 5) == 1, "argmax: ties -> first");
	}
	{
		float v[] = { nan, 2, nan, 7, nan, 7 };

		tap_ok(argmax_of(&e, v, 6) == 3, "argmax: NaN skipped");
	}
	{
		float v[] = { nan, nan, nan };

		tap_ok(argmax_of(&e, v, 3) == 0, "argmax: all NaN -> 0");
	}
	{
		float v[] = { nan, -inf, -inf, nan };

		tap_ok(argmax_of(&e, v, 4) == 1,
		       "argmax: -inf beats NaN, first -inf wins");
	}
	{
		float v[] = { -inf, -3e38f, inf, 1e38f, inf };

		tap_ok(argmax_of(&e, v, 5) == 2, "argmax: +inf, first");
	}
	{
		float v[] = { -0.0f, 0.0f, -1.0f };

		tap_ok(argmax_of(&e, v, 3) == 0, "argmax: -0 == +0 tie");
	}
	{
		/* 5 rows of 1000 with a padded stride. */
		uint32_t m = 5, n = 1000, stride = 4 * n + 64;
		uint64_t xi = env_alloc(&e, (uint64_t)m * stride);
		uint64_t yi = env_alloc(&e, 4 * m);
		int ok;

		for (uint32_t r = 0; r < m; r++) {
			float *row = P(&e, xi + (uint64_t)r * stride);

			for (uint32_t i = 0; i < n; i++)
				row[i] = (float)(rnd() % 200) - 100.0f;
			/* junk in the padding must not be seen */
			for (uint32_t i = n; i < stride / 4; i++)
				row[i] = 1e30f;
		}
		ok = run_argmax(&e, xi, yi, m, n, stride) == LLA_OK;
		for (uint32_t r = 0; r < m; r++) {
			int32_t y;

			memcpy(&y, (uint8_t *)P(&e, yi) + 4 * r, 4);
			ok &= y == ref_argmax(P(&e, xi + (uint64_t)r * stride),
					      n);
		}
		tap_ok(ok, "argmax: 5 strided rows match the naive scan");
	}
	{
		uint64_t xi = env_alloc(&e, 64);

		memset(&e.res, 0, sizeof(e.res));
		tap_ok(run_argmax(&e, xi, MEM_BASE + e.flat.size + 4096, 1,
				  16, 64) == LLA_ERR_MMU_FAULT &&
		       e.res.fault_iova == MEM_BASE + e.flat.size + 4096 &&
		       e.res.fault_write == 1,
		       "argmax: output outside memory -> MMU fault (write)");
	}
	env_free(&e);
}

static void test_topk(void)
{
	struct env e;
	float nan = NAN, inf = INFINITY;

	env_init(&e, 64 << 20);
	{
		float v[] = { 3, 7, 7, 1, 7, 3 };
		uint64_t xi = env_alloc(&e, sizeof(v));
		uint64_t ii = env_alloc(&e, 16), vi = env_alloc(&e, 16);
		int32_t want_i[4] = { 1, 2, 4, 0 }, got_i[4];
		float want_v[4] = { 7, 7, 7, 3 }, got_v[4];

		memcpy(P(&e, xi), v, sizeof(v));
		tap_ok(run_topk(&e, xi, ii, vi, 6, 4) == LLA_OK, "topk: runs");
		memcpy(got_i, P(&e, ii), 16);
		memcpy(got_v, P(&e, vi), 16);
		tap_ok(!memcmp(got_i, want_i, 16) &&
		       !memcmp(got_v, want_v, 16),
		       "topk: hand-checked ties -> lower index first");
	}
	{
		float v[] = { nan, -inf, 2, nan, -1, -inf };
		uint64_t xi = env_alloc(&e, sizeof(v));
		uint64_t ii = env_alloc(&e, 24);
		int32_t want[6] = { 2, 4, 1, 5, 0, 3 }, got[6];

		memcpy(P(&e, xi), v, sizeof(v));
		run_topk(&e, xi, ii, 0, 6, 6);
		memcpy(got, P(&e, ii), 24);
		tap_ok(!memcmp(got, want, 24),
		       "topk: k = n, NaN below -inf, NaNs by index");
	}
	{
		/* val_iova = 0: nothing but the indices is written. */
		float v[] = { 1, 2, 3, 4 };
		uint64_t xi = env_alloc(&e, sizeof(v));
		uint64_t ii = env_alloc(&e, 8), guard = env_alloc(&e, 64);
		uint8_t zero[64] = { 0 };
		int32_t got[2];

		memcpy(P(&e, xi), v, sizeof(v));
		run_topk(&e, xi, ii, 0, 4, 2);
		memcpy(got, P(&e, ii), 8);
		tap_ok(got[0] == 3 && got[1] == 2 &&
		       !memcmp(P(&e, guard), zero, 64),
		       "topk: val_iova 0 writes only the indices");
	}
	{
		float v[37];

		for (int i = 0; i < 37; i++)
			v[i] = (float)(rnd() % 9);
		v[5] = nan;
		v[20] = -inf;
		tap_ok(topk_matches(&e, v, 37, 37),
		       "topk: k = n = 37 equals the full sort");
	}
	{
		uint32_t n = 200000;
		float *v = malloc(n * sizeof(*v));
		clock_t t0;
		double secs;
		int ok;

		for (uint32_t i = 0; i < n; i++) {
			uint64_t r = rnd();

			/* heavy duplicates so ties matter at the cut */
			v[i] = (float)(r % 5000) * 0.25f - 600.0f;
			if (r % 997 == 0)
				v[i] = nan;
			if (r % 991 == 0)
				v[i] = -inf;
		}
		t0 = clock();
		ok = topk_matches(&e, v, n, LLA_MAX_TOPK);
		secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		tap_ok(ok, "topk: n = 200000, k = 256 equals qsort ranking");
		tap_diag("topk n=200000 incl. reference sort: %.3f s", secs);
		/* all-NaN except a few: NaN region of the ranking */
		for (uint32_t i = 0; i < n; i++)
			v[i] = i % 50000 == 7 ? (float)i : nan;
		tap_ok(topk_matches(&e, v, n, 10),
		       "topk: n = 200000 mostly NaN: numbers then NaNs by index");
		free(v);
	}
	{
		uint64_t xi = env_alloc(&e, 64), ii = env_alloc(&e, 16);

		memset(&e.res, 0, sizeof(e.res));
		tap_ok(run_topk(&e, MEM_BASE + e.flat.size - 8, ii, 0, 16, 4) ==
		       LLA_ERR_MMU_FAULT && e.res.fault_write == 0 &&
		       e.res.fault_iova == MEM_BASE + e.flat.size,
		       "topk: input straddling the end -> MMU fault (read)");
		(void)xi;
	}
	env_free(&e);
}

static void fill_logits(float *l, uint32_t n, float scale)
{
	for (uint32_t i = 0; i < n; i++)
		l[i] = rndf(-scale, scale);
}

static void test_sample_basic(void)
{
	struct env e;
	uint32_t n = 1000;
	struct samp s = { 0 };
	float *l;
	int ok;

	env_init(&e, 16 << 20);
	s.logits = env_alloc(&e, n * 4);
	s.out = env_alloc(&e, 4);
	s.ctr_iova = 0;
	s.n = n;
	s.seed = 0x1234;
	s.top_p = 1.0f;
	l = P(&e, s.logits);
	fill_logits(l, n, 4.0f);

	ok = 1;
	for (int i = 0; i < 20; i++) {
		s.counter = rnd();
		s.temp = 0.0f;
		ok &= sample_tok(&e, &s) == ref_argmax(l, n);
	}
	tap_ok(ok, "sample: temperature 0 == argmax");

	s.temp = 1.0f;
	s.counter = 77;
	{
		int32_t a = sample_tok(&e, &s), b = sample_tok(&e, &s);

		tap_ok(a >= 0 && a == b, "sample: same seed+counter reproducible");
	}
	{
		/* flat logits: many counters must reach many tokens */
		uint8_t seen[1000] = { 0 };
		int distinct = 0;

		for (uint32_t i = 0; i < n; i++)
			l[i] = 0.0f;
		for (int c = 0; c < 300; c++) {
			int32_t t;

			s.counter = (uint64_t)c;
			t = sample_tok(&e, &s);
			if (t >= 0 && t < 1000 && !seen[t]) {
				seen[t] = 1;
				distinct++;
			}
		}
		tap_diag("300 counters over 256 equal candidates: %d distinct",
			 distinct);
		tap_ok(distinct > 150 && distinct <= 256,
		       "sample: different counters give varied tokens (%d)",
		       distinct);
		fill_logits(l, n, 4.0f);
	}
	ok = 1;
	s.top_k = 1;
	s.temp = 2.0f;
	for (int c = 0; c < 50; c++) {
		s.counter = (uint64_t)c;
		ok &= sample_tok(&e, &s) == ref_argmax(l, n);
	}
	tap_ok(ok, "sample: top_k = 1 always the argmax");
	ok = 1;
	s.top_k = 0;
	s.top_p = 1e-6f;
	for (int c = 0; c < 50; c++) {
		s.counter = (uint64_t)c;
		ok &= sample_tok(&e, &s) == ref_argmax(l, n);
	}
	tap_ok(ok, "sample: tiny top_p -> argmax");

	{
		/*
		 * top_p boundary: four equal logits, p = 1 each, total 4;
		 * top_p 0.5 -> threshold 2 == cum[1]: exactly tokens 0 and
		 * 1 are kept, and both must occur.
		 */
		float *l4 = P(&e, env_alloc(&e, 16));
		struct samp b = s;
		int seen[4] = { 0 };

		for (int i = 0; i < 4; i++)
			l4[i] = 0.5f;
		b.logits = (uint64_t)((uint8_t *)l4 - e.flat.data) + MEM_BASE;
		b.n = 4;
		b.top_k = 0;
		b.top_p = 0.5f;
		b.temp = 1.0f;
		for (int c = 0; c < 200; c++) {
			int32_t t;

			b.counter = (uint64_t)c;
			t = sample_tok(&e, &b);
			if (t >= 0 && t < 4)
				seen[t]++;
		}
		tap_ok(seen[0] > 50 && seen[1] > 50 && !seen[2] && !seen[3],
		       "sample: cum == top_p * total keeps exactly that prefix "
		       "(%d %d %d %d)", seen[0], seen[1], seen[2], seen[3]);
	}
	{
		/*
		 * target exactly on a cumulative sum: four equal logits,
		 * u = 0.25 and 0.5 (seeds solved by inverting splitmix64),
		 * target = u * 4 = cum[0] resp. cum[1]; "first cum > target"
		 * is strict, so tokens 1 and 2.
		 */
		struct samp b = s;
		uint64_t li = env_alloc(&e, 16);
		float *l4 = P(&e, li);
		int32_t t1, t2;

		for (int i = 0; i < 4; i++)
			l4[i] = -1.0f;
		b.logits = li;
		b.n = 4;
		b.top_k = 0;
		b.top_p = 1.0f;
		b.temp = 0.7f;
		b.counter = 0;
		b.seed = seed_for_u(1u << 22);
		t1 = sample_tok(&e, &b);
		b.seed = seed_for_u(1u << 23);
		t2 = sample_tok(&e, &b);
		tap_ok(ref_uniform(seed_for_u(1u << 22), 0) == 0.25f &&
		       t1 == 1 && t2 == 2,
		       "sample: target == cum[i] moves on (strict >): u 0.25 "
		       "-> 1, u 0.5 -> 2 (got %d %d)", t1, t2);
	}
	/* counter from memory and ADVANCE */
	s.top_p = 0.9f;
	s.ctr_iova = env_alloc(&e, 8);
	{
		uint64_t c0 = 0xfffffffffffffff0ull, c1;
		int32_t via_mem, via_imm;

		memcpy(P(&e, s.ctr_iova), &c0, 8);
		s.counter = 0;
		s.flags = LLA_SAMPLE_F_ADVANCE;
		via_mem = sample_tok(&e, &s);
		memcpy(&c1, P(&e, s.ctr_iova), 8);
		tap_ok(c1 == c0 + 1, "sample: ADVANCE writes counter + 1");
		s.ctr_iova = 0;
		s.flags = 0;
		s.counter = c0;
		via_imm = sample_tok(&e, &s);
		tap_ok(via_mem == via_imm && via_mem ==
		       ref_sample(l, n, s.seed, c0, s.temp, 0, 0.9f),
		       "sample: counter read from counter_iova");
	}
	{
		/* ADVANCE also at temperature 0, with u64 wrap. */
		uint64_t c0 = UINT64_MAX, c1;

		s.ctr_iova = env_alloc(&e, 8);
		s.counter = 0;
		memcpy(P(&e, s.ctr_iova), &c0, 8);
		s.flags = LLA_SAMPLE_F_ADVANCE;
		s.temp = 0.0f;
		sample_tok(&e, &s);
		memcpy(&c1, P(&e, s.ctr_iova), 8);
		tap_ok(c1 == 0, "sample: ADVANCE at temperature 0 wraps to 0");
		s.flags = 0;
		s.ctr_iova = 0;
	}
	{
		struct samp f = s;

		f.temp = 1.0f;
		f.out = MEM_BASE + e.flat.size;
		memset(&e.res, 0, sizeof(e.res));
		tap_ok(run_sample(&e, &f) == LLA_ERR_MMU_FAULT &&
		       e.res.fault_iova == f.out && e.res.fault_write == 1,
		       "sample: out outside memory -> MMU fault (write)");
		f.out = s.out;
		f.counter = 0;
		f.ctr_iova = 0x1000;	/* below the flat memory */
		memset(&e.res, 0, sizeof(e.res));
		tap_ok(run_sample(&e, &f) == LLA_ERR_MMU_FAULT &&
		       e.res.fault_iova == 0x1000 && e.res.fault_write == 0,
		       "sample: counter_iova unmapped -> MMU fault (read)");
	}
	env_free(&e);
}

static void test_sample_distribution(void)
{
	struct env e;
	float lg[8] = { 1.0f, 0.5f, 0.0f, -0.5f, 2.0f, 1.5f, -1.0f, 0.25f };
	uint32_t n = 8, counts[8] = { 0 }, draws = 20000;
	double prob[8], z = 0.0, chi2 = 0.0;
	struct samp s = { 0 };
	int ok = 1;

	env_init(&e, 1 << 20);
	s.logits = env_alloc(&e, sizeof(lg));
	s.out = env_alloc(&e, 4);
	s.n = n;
	s.seed = 0xfeedfacecafebeefull;
	s.temp = 0.8f;
	s.top_p = 1.0f;
	memcpy(P(&e, s.logits), lg, sizeof(lg));
	for (uint32_t c = 0; c < draws; c++) {
		int32_t t;

		s.counter = c;
		t = sample_tok(&e, &s);
		if (t < 0 || t >= 8) {
			ok = 0;
			break;
		}
		counts[t]++;
	}
	for (int i = 0; i < 8; i++) {
		prob[i] = exp((double)lg[i] / 0.8);
		z += prob[i];
	}
	for (int i = 0; i < 8; i++) {
		double expct = draws * prob[i] / z;

		chi2 += (counts[i] - expct) * (counts[i] - expct) / expct;
	}
	tap_diag("chi-square over 8 tokens (7 dof): %.2f", chi2);
	/* 7 dof: P(chi2 > 30) ~ 1e-4; the draws are deterministic anyway. */
	tap_ok(ok && chi2 < 30.0,
	       "sample: 20000 counters follow softmax(l / T) (chi2 %.2f)",
	       chi2);
	env_free(&e);
}

static void test_sample_random(void)
{
	struct env e;
	struct samp s = { 0 };
	int bad = 0;

	env_init(&e, 4 << 20);
	s.logits = env_alloc(&e, 600 * 4);
	s.out = env_alloc(&e, 4);
	for (int it = 0; it < 1000; it++) {
		float *l = P(&e, s.logits);
		uint64_t r = rnd();
		int32_t got, want;

		s.n = 1 + (uint32_t)(rnd() % 600);
		fill_logits(l, s.n, rndf(0.1f, 20.0f));
		if (r & 1)	/* duplicates */
			for (uint32_t i = 0; i < s.n; i += 3)
				l[i] = l[0];
		if (r & 2)
			l[rnd() % s.n] = NAN;
		if (r & 4)
			l[rnd() % s.n] = -INFINITY;
		switch ((r >> 3) % 4) {
		case 0:
			s.temp = 0.0f;
			break;
		case 1:
			s.temp = 1.0f;
			break;
		default:
			s.temp = rndf(0.05f, 3.0f);
			break;
		}
		switch ((r >> 5) % 3) {
		case 0:
			s.top_k = 0;
			break;
		case 1:
			s.top_k = 1 + (uint32_t)(rnd() % 40);
			break;
		default:
			s.top_k = 1 + (uint32_t)(rnd() % LLA_MAX_TOPK);
			break;
		}
		s.top_p = (r >> 7) % 2 ? 1.0f : rndf(0.01f, 1.0f);
		s.seed = rnd();
		s.counter = rnd();
		got = sample_tok(&e, &s);
		want = ref_sample(l, s.n, s.seed, s.counter, s.temp, s.top_k,
				  s.top_p);
		if (got != want && bad++ < 5)
			tap_diag("case %d: n %u T %g k %u p %g: got %d want %d",
				 it, s.n, (double)s.temp, s.top_k,
				 (double)s.top_p, got, want);
	}
	tap_ok(bad == 0, "sample: 1000 random cases equal the reference (%d bad)",
	       bad);
	env_free(&e);
}

int main(void)
{
	test_argmax();
	test_topk();
	test_sample_basic();
	test_sample_distribution();
	test_sample_random();
	check_valid_cmds();
	return tap_done();
}
