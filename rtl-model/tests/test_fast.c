// SPDX-License-Identifier: MIT
/*
 * Fast TLMM/QMM kernels against the scalar reference, on every
 * instruction-set path (kern.h: scalar, AVX2, AVX-VNNI, AVX-512 VNNI).
 *
 * 0. Path selection: lla_kern_set_isa() accepts exactly the paths the
 *    CPU has; LLA_ISA (read once per process) forces each of them, seen
 *    from a child process of this test.
 * 1. The kernels alone (kern.h) against a naive dot written here with
 *    its own weight decoding: int64 for T2/T5/I8, for 1..9 activation
 *    rows (the 4-row and 1-row kernels), odd K, invalid codes and
 *    extreme activations; QMM F16 against the contract's 16-lane order
 *    written out here (with its own fp16 decoding), with subnormal
 *    halves, overflow to infinity and signed zeros.  A sweep of fixed
 *    shapes hits every vector width's tails (M = 1, 3, 4, 5, 17; N odd
 *    and even; K around multiples of 32, 64, 128 and 160), and the
 *    avx-vnni kernels also run EVEX encoded where the CPU allows.
 * 2. Whole TLMM (T2, T5) and QMM (I8, F16) commands, the opcodes with a
 *    fast path: the same memory image is run through the scalar
 *    reference (lla_tlmm_run/lla_qmm_run with LLA_ENG_REF) and the fast
 *    engine, and the whole images (outputs, stride padding, everything)
 *    are compared with memcmp, as are the return codes and the byte
 *    counters.  Also through lla_execute with use_lut 0 and 1.
 * 3. A command whose weights run past the end of memory faults the same
 *    way (error, fault address) on every engine.
 *
 * 1 to 3 run once per path this CPU has; paths it lacks are reported
 * as "# SKIP" lines, one per test they would have run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "internal.h"
#include "kern.h"
#include "tap.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static uint32_t rnd_in(uint32_t lo, uint32_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static float rnd_f(float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnd() & 0xffffff) * 0x1p-24f;
}

/* K values with the edges of every block size in them. */
static uint32_t pick_k(uint32_t max)
{
	static const uint32_t edge[] = {
		1, 2, 3, 4, 5, 6, 7, 9, 31, 32, 33, 127, 128, 129, 159,
		160, 161, 255, 256, 257, 319, 320, 321, 639, 640, 641,
		1279, 1280, 1281, 2559, 2560, 2561, 2999, 3000,
	};
	uint32_t k;

	if (rnd() % 3 == 0) {
		k = edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
		if (k <= max)
			return k;
	}
	return rnd_in(1, max);
}

/* ---------------- test-local weight decoding ---------------- */

static int w_at(uint8_t f, const uint8_t *row, uint32_t i)
{
	if (f == LLA_WFMT_T2) {
		uint32_t c = (row[i / 4] >> (2 * (i % 4))) & 3u;

		return c == 3 ? 0 : (int)c - 1;
	}
	{
		uint32_t v = row[i / 5];

		if (v >= 243)
			return 0;
		for (uint32_t d = 0; d < i % 5; d++)
			v /= 3;
		return (int)(v % 3) - 1;
	}
}

static int64_t naive_dot(uint8_t f, const int8_t *x, const uint8_t *w,
			 uint32_t k)
{
	int64_t s = 0;

	for (uint32_t i = 0; i < k; i++)
		s += (int64_t)x[i] * (f == LLA_WFMT_I8 ? (int8_t)w[i] :
				      w_at(f, w, i));
	return s;
}

/* binary16 -> float from the definition: (1 + m / 1024) * 2^(e - 15). */
static float t_half(uint16_t h)
{
	int e = (h >> 10) & 0x1f, m = h & 0x3ff;
	float v;

	if (e == 0x1f)
		v = m ? NAN : INFINITY;
	else if (e == 0)
		v = ldexpf((float)m, -24);
	else
		v = ldexpf((float)(1024 + m), e - 25);
	return h & 0x8000 ? -v : v;
}

/*
 * The contract's QMM F16 order, written out: lane i % 16 accumulates
 * x[i] * w[i] in ascending i from +0, then lane j + h is added to lane
 * j for h = 8, 4, 2, 1 (j < h); lane 0 is the result.
 */
static float naive_f16(const float *x, const uint16_t *w, uint32_t k)
{
	float lane[16];

	for (int j = 0; j < 16; j++)
		lane[j] = 0.0f;
	for (uint32_t i = 0; i < k; i++) {
		float p = x[i] * t_half(w[i]);

		lane[i % 16] = lane[i % 16] + p;
	}
	for (int h = 8; h >= 1; h /= 2)
		for (int j = 0; j < h; j++)
			lane[j] = lane[j] + lane[j + h];
	return lane[0];
}

static void fill_x(int8_t *x, size_t len, int mode)
{
	for (size_t i = 0; i < len; i++) {
		switch (mode) {
		case 1:
			x[i] = -128;
			break;
		case 2:
			x[i] = 127;
			break;
		case 3:
			x[i] = (rnd() & 1) ? 127 : -128;
			break;
		case 4:
			x[i] = (int8_t)((int)(rnd() % 7) - 3);
			break;
		default:
			x[i] = (int8_t)rnd();
			break;
		}
	}
}

/* Mode 0 random bytes (invalid codes included), 1 valid codes only,
 * 2 all invalid, 3 all weights -1, 4 all weights +1. */
static void fill_w(uint8_t f, uint8_t *w, size_t len, int mode)
{
	static const uint8_t t2[5] = { 0, 0, 0xff, 0x00, 0xaa };
	static const uint8_t t5[5] = { 0, 0, 0xf3, 0, 242 };

	for (size_t i = 0; i < len; i++) {
		if (f == LLA_WFMT_I8)
			w[i] = mode == 3 ? 0x80 : mode == 4 ? 0x7f :
			       (uint8_t)rnd();
		else if (mode == 0)
			w[i] = (uint8_t)rnd();
		else if (mode == 1)
			w[i] = f == LLA_WFMT_T2 ?
			       (uint8_t)(rnd() % 3 | (rnd() % 3) << 2 |
					 (rnd() % 3) << 4 | (rnd() % 3) << 6) :
			       (uint8_t)(rnd() % 243);
		else
			w[i] = f == LLA_WFMT_T2 ? t2[mode] : t5[mode];
	}
}

/* ---------------- 1. kernels ---------------- */

/* One random kernel case; returns the number of wrong dots. */
static int kern_case(int isa, uint8_t f, uint32_t rows, uint32_t nw,
		     uint32_t k, int xmode, int wmode)
{
	uint32_t rb = f == LLA_WFMT_I8 ? k : lla_wfmt_row_bytes(f, k);
	uint64_t xpb = f == LLA_WFMT_I8 ? k : lla_kern_tern_xbytes(f, k);
	uint8_t *dec = malloc(LLA_KERN_DEC_ROWS * (size_t)xpb + 1);
	int8_t *x = malloc((size_t)rows * k + 1);
	int8_t *xp = malloc((size_t)rows * xpb + 1);
	int32_t *xsum = malloc(4 * (size_t)rows);
	uint8_t *w = malloc((size_t)nw * rb + 1);
	int32_t *dots = malloc(4 * (size_t)rows * (nw + 3));
	uint64_t ldd = nw + 3;
	int bad = 0;

	if (!x || !xp || !xsum || !w || !dots || !dec)
		abort();
	fill_x(x, (size_t)rows * k, xmode);
	fill_w(f, w, (size_t)nw * rb, wmode);
	if (f == LLA_WFMT_I8) {
		lla_kern_i8(isa, x, rows, (const int8_t *)w, nw, k, dots, ldd);
	} else {
		for (uint32_t r = 0; r < rows; r++)
			xsum[r] = lla_kern_tern_perm(f, x + (size_t)r * k, k,
						     xp + (size_t)r * xpb);
		/* Half the cases with the decode scratch (T5, rows >= 4). */
		lla_kern_tern(isa, f, xp, xpb, xsum, rows, w, rb, nw, dots,
			      ldd, rnd() & 1 ? dec : NULL);
	}
	for (uint32_t r = 0; r < rows; r++)
		for (uint32_t i = 0; i < nw; i++)
			bad += dots[r * ldd + i] !=
			       naive_dot(f, x + (size_t)r * k,
					 w + (size_t)i * rb, k);
	free(dec);
	free(x);
	free(xp);
	free(xsum);
	free(w);
	free(dots);
	return bad;
}

static const char *fmt_name(uint8_t f)
{
	return f == LLA_WFMT_T2 ? "T2" : f == LLA_WFMT_T5 ? "T5" :
	       f == LLA_WFMT_I8 ? "I8" : "F16";
}

/*
 * fp16 weights: mode 0 random finite values of every magnitude
 * (subnormals included), 1 uniform in [-1, 1], 2 +-65504 (with x up
 * to 1e35 products overflow to +-inf, and inf - inf gives the one
 * default NaN), 3 subnormal halves and signed zeros only.
 */
static uint16_t rnd_half(int mode)
{
	uint16_t h;

	switch (mode) {
	case 1:
		return lla_f32_to_f16(rnd_f(-1.0f, 1.0f));
	case 2:
		return rnd() & 1 ? 0x7bff : 0xfbff;
	case 3:
		return (uint16_t)(rnd() & 0x83ff);
	default:
		do
			h = (uint16_t)rnd();
		while ((h & 0x7c00) == 0x7c00);	/* no inf / NaN */
		return h;
	}
}

/* One random F16 kernel case; returns the number of wrong dots. */
static int kern_f16_case(int isa, uint32_t rows, uint32_t nw, uint32_t k,
			 int mode)
{
	float *x = malloc(4 * (size_t)rows * k);
	uint16_t *w = malloc(2 * (size_t)nw * k);
	uint64_t ldo = nw + 5;
	float *out = malloc(4 * (size_t)rows * ldo);
	int bad = 0;

	if (!x || !w || !out)
		abort();
	for (size_t i = 0; i < (size_t)rows * k; i++)
		x[i] = mode == 2 ? rnd_f(1.0f, 1e35f) :
		       mode == 3 ? rnd_f(-1e-3f, 1e-3f) :
		       rnd_f(-8.0f, 8.0f);
	for (size_t i = 0; i < (size_t)nw * k; i++)
		w[i] = rnd_half(mode);
	lla_kern_f16(isa, x, rows, w, nw, k, out, ldo);
	for (uint32_t r = 0; r < rows; r++)
		for (uint32_t i = 0; i < nw; i++) {
			float want = naive_f16(x + (size_t)r * k,
					       w + (size_t)i * k, k);

			bad += memcmp(&want, out + r * ldo + i, 4) != 0;
		}
	free(x);
	free(w);
	free(out);
	return bad;
}

static void test_kernel_f16(int isa)
{
	const char *in = lla_kern_isa_name(isa);
	int bad = 0, cases = 150;

	for (int c = 0; c < cases; c++)
		bad += kern_f16_case(isa, rnd_in(1, 9), rnd_in(1, 11),
				     pick_k(700), (int)(rnd() % 4));
	for (uint32_t k = 1; k <= 40; k++)	/* every tail length, twice */
		bad += kern_f16_case(isa, 1 + k % 6, 5, k, (int)(k % 4));
	tap_ok(bad == 0, "%s F16 kernel == naive 16-lane fp32 dot on %d random cases (rows 1..9, K 1..700 and 1..40, subnormal halves, overflow to inf, signed zeros): %d wrong",
	       in, cases + 40, bad);
}

static int kern_shapes(int isa);

static void test_kernels(int isa)
{
	static const uint8_t fmts[] = { LLA_WFMT_T2, LLA_WFMT_T5, LLA_WFMT_I8 };
	const char *in = lla_kern_isa_name(isa);

	for (size_t fi = 0; fi < 3; fi++) {
		uint8_t f = fmts[fi];
		int bad = 0, cases = 120;

		for (int c = 0; c < cases; c++)
			bad += kern_case(isa, f, rnd_in(1, 9), rnd_in(1, 20),
					 pick_k(3000), (int)(rnd() % 5),
					 (int)(rnd() % 5));
		tap_ok(bad == 0, "%s %s kernel == naive int64 dot on %d random cases (rows 1..9, K 1..3000, invalid codes, extreme x): %d wrong",
		       in, fmt_name(f), cases, bad);
	}
	for (size_t fi = 0; fi < 3; fi++) {
		uint8_t f = fmts[fi];
		int bad = 0;

		/* The largest K: T2/T5 sums reach 2^23, I8 sums 2^30. */
		for (int xm = 1; xm <= 3; xm++)
			for (int wm = 2; wm <= 4; wm++)
				bad += kern_case(isa, f, 5, 2, LLA_MAX_K, xm,
						 wm);
		tap_ok(bad == 0, "%s %s kernel exact at K = 65536 with x in {-128, 127} and all-invalid / all -1 / all +1 (I8: -128 / 127) weights",
		       in, fmt_name(f));
	}
	tap_ok(kern_shapes(isa) == 0,
	       "%s T2/T5/I8 kernels on the tail shapes (M 1, 3, 4, 5, 17 x N 1..9 x K around 32/64/128/160 multiples)",
	       in);
}

/*
 * The fixed shapes: every M the 1- and 4-row tiles leave over, N odd
 * and even around the weight-row tiles (1, 2, 4), K with partial 32-,
 * 64-byte and two-block (T5) steps.  Returns the wrong dots.
 */
static int kern_shapes(int isa)
{
	static const uint8_t fmts[] = { LLA_WFMT_T2, LLA_WFMT_T5, LLA_WFMT_I8 };
	static const uint32_t ms[] = { 1, 3, 4, 5, 17 };
	static const uint32_t ns[] = { 1, 2, 3, 5, 8, 9 };
	static const uint32_t ks[] = {
		1, 31, 63, 64, 65, 96, 127, 128, 129, 159, 160, 161, 191,
		255, 256, 257, 319, 320, 321, 383, 385, 481, 511, 513, 639,
		641,
	};
	int bad = 0;

	for (size_t fi = 0; fi < 3; fi++)
		for (size_t mi = 0; mi < sizeof(ms) / sizeof(ms[0]); mi++)
			for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++)
				for (size_t ki = 0;
				     ki < sizeof(ks) / sizeof(ks[0]); ki++)
					bad += kern_case(isa, fmts[fi], ms[mi],
							 ns[ni], ks[ki],
							 (int)(rnd() % 5),
							 (int)(rnd() % 5));
	return bad;
}

/*
 * The avx-vnni kernels EVEX encoded, as CPUs with AVX512-VNNI but no
 * AVX-VNNI run them; a SKIP where this CPU has no AVX512-VNNI.
 */
static void test_vnni_evex(void)
{
	int was = lla_kern_vnni_evex(), bad = 0;

	if (lla_kern_isa_cpu() < LLA_ISA_AVXVNNI ||
	    lla_kern_set_vnni_evex(1) != LLA_OK) {
		tap_skip("this CPU has no AVX512-VNNI",
			 "avx-vnni kernels, EVEX encoded");
		return;
	}
	for (int c = 0; c < 60; c++)
		bad += kern_case(LLA_ISA_AVXVNNI, (uint8_t[]){ LLA_WFMT_T2,
				 LLA_WFMT_T5, LLA_WFMT_I8 }[c % 3],
				 rnd_in(1, 9), rnd_in(1, 20), pick_k(3000),
				 (int)(rnd() % 5), (int)(rnd() % 5));
	bad += kern_shapes(LLA_ISA_AVXVNNI);
	lla_kern_set_vnni_evex(was);
	tap_ok(bad == 0, "avx-vnni T2/T5/I8 kernels EVEX encoded == naive dot (random cases and tail shapes): %d wrong",
	       bad);
}

/* ---------------- 2. whole commands ---------------- */

#define IMG_BASE	0x200000ull
#define IMG_SIZE	(2u << 20)

struct img {
	uint8_t *data;
	uint64_t top;
};

static uint64_t img_alloc(struct img *im, uint64_t len)
{
	uint64_t off = im->top;

	im->top = (off + len + 63) & ~63ull;
	if (im->top > IMG_SIZE)
		abort();
	return IMG_BASE + off;
}

static uint64_t img_fill_rand(struct img *im, uint64_t len)
{
	uint64_t iova = img_alloc(im, len);

	for (uint64_t i = 0; i < len; i++)
		im->data[iova - IMG_BASE + i] = (uint8_t)rnd();
	return iova;
}

static uint64_t img_floats(struct img *im, uint64_t count, float lo,
			   float hi)
{
	uint64_t iova = img_alloc(im, 4 * count);

	for (uint64_t i = 0; i < count; i++) {
		float v = rnd_f(lo, hi);

		memcpy(im->data + (iova - IMG_BASE) + 4 * i, &v, 4);
	}
	return iova;
}

static uint32_t out_size(uint8_t dt)
{
	return dt == LLA_DTYPE_F32 ? 4 : dt == LLA_DTYPE_F16 ? 2 : 1;
}

/* Random epilogue for an M x N output in @dt. */
static void rand_epi(struct img *im, struct lla_epilogue *e, uint32_t m,
		     uint32_t n, uint8_t dt)
{
	memset(e, 0, sizeof(*e));
	e->out_dtype = dt;
	e->act = (uint8_t)(rnd() % LLA_ACT_COUNT);
	if (rnd() & 1)
		e->bias_iova = img_floats(im, n, -2.0f, 2.0f);
	if (rnd() % 3 == 0) {
		e->gate_stride = 4 * n + 4 * (rnd() % 3);
		e->gate_iova = img_floats(im, (uint64_t)m * e->gate_stride / 4,
					  -3.0f, 3.0f);
	}
	if (rnd() % 3 == 0) {
		e->residual_stride = 4 * n + 4 * (rnd() % 3);
		e->residual_iova = img_floats(im, (uint64_t)m *
					      e->residual_stride / 4,
					      -50.0f, 50.0f);
	}
	if (dt == LLA_DTYPE_I8)
		e->y_scale_iova = img_alloc(im, 4ull * m);
}

struct outcome {
	int rc;
	struct lla_job_result res;
};

/* Runs @cmd on a copy of @base: engine @eng, or lla_execute when >= 0. */
static struct outcome run_on(const uint8_t *base, uint8_t *copy,
			     const void *cmd, int eng, int exec_lut)
{
	const struct lla_cmd_hdr *h = cmd;
	struct lla_flat_mem flat = { copy, IMG_BASE, IMG_SIZE };
	struct lla_mem mem;
	struct outcome o;
	struct lla_exec x;

	memcpy(copy, base, IMG_SIZE);
	lla_flat_mem_init(&mem, &flat);
	memset(&o, 0, sizeof(o));
	if (exec_lut >= 0) {
		struct lla_exec_opts opts = { .use_lut = (uint32_t)exec_lut };

		o.rc = lla_execute(cmd, h->size, &mem, &opts, &o.res);
		return o;
	}
	memset(&x, 0, sizeof(x));
	x.mem = &mem;
	x.res = &o.res;
	o.rc = h->opcode == LLA_OP_TLMM ?
	       lla_tlmm_run(&x, cmd, (enum lla_mm_engine)eng) :
	       lla_qmm_run(&x, cmd, (enum lla_mm_engine)eng);
	return o;
}

static int same(const struct outcome *a, const uint8_t *ia,
		const struct outcome *b, const uint8_t *ib)
{
	return a->rc == b->rc && a->res.bytes_read == b->res.bytes_read &&
	       a->res.bytes_written == b->res.bytes_written &&
	       a->res.fault_iova == b->res.fault_iova &&
	       memcmp(ia, ib, IMG_SIZE) == 0;
}

struct tally {
	int cases, bad, exec_bad, exec_cases, lut_bad, lut_cases, rc_bad;
};

static void build_tlmm(struct img *im, struct lla_cmd_tlmm *c, uint8_t f,
		       uint8_t dt, uint32_t m, uint32_t n, uint32_t k)
{
	uint32_t rb = lla_wfmt_row_bytes(f, k);
	uint32_t ysz = out_size(dt);
	uint64_t xi;

	memset(c, 0, sizeof(*c));
	c->hdr.opcode = LLA_OP_TLMM;
	c->hdr.size = sizeof(*c);
	c->m = m;
	c->n = n;
	c->k = k;
	c->wfmt = f;
	c->x_stride = k + (rnd() % 4 == 0 ? rnd_in(1, 70) : 0);
	c->w_stride = rb + (rnd() % 4 == 0 ? rnd_in(1, 40) : 0);
	c->y_stride = n * ysz + ysz * (rnd() % 3);
	c->w_scale = lla_f32_bits(rnd_f(0.001f, 4.0f));
	c->x_iova = img_alloc(im, (uint64_t)m * c->x_stride);
	/* Activations in one mode per command, strides' padding random. */
	xi = c->x_iova - IMG_BASE;
	fill_x((int8_t *)im->data + xi, (size_t)m * c->x_stride,
	       (int)(rnd() % 5));
	c->x_scale_iova = img_floats(im, m, 0.01f, 300.0f);
	c->w_iova = img_alloc(im, (uint64_t)n * c->w_stride);
	fill_w(f, im->data + (c->w_iova - IMG_BASE), (size_t)n * c->w_stride,
	       rnd() % 4 ? 0 : (int)(rnd() % 5));
	c->y_iova = img_fill_rand(im, (uint64_t)m * c->y_stride);
	rand_epi(im, &c->epi, m, n, dt);
}

static void tlmm_case(struct tally *t, uint8_t *base, uint8_t **imgs,
		      uint8_t f, uint8_t dt, int with_lut)
{
	struct img im = { base, 0 };
	struct lla_cmd_tlmm c;
	struct outcome ref, fast, ex;

	memset(base, 0, IMG_SIZE);
	build_tlmm(&im, &c, f, dt, rnd_in(1, 40), rnd_in(1, 300),
		   pick_k(3000));
	if (lla_validate_cmd(&c.hdr, sizeof(c)) != LLA_OK)
		t->rc_bad++;
	ref = run_on(base, imgs[0], &c, LLA_ENG_REF, -1);
	fast = run_on(base, imgs[1], &c, LLA_ENG_FAST, -1);
	t->rc_bad += ref.rc != LLA_OK;
	t->cases++;
	t->bad += !same(&ref, imgs[0], &fast, imgs[1]);
	ex = run_on(base, imgs[1], &c, 0, 0);
	t->exec_cases++;
	t->exec_bad += ex.rc != LLA_OK || memcmp(imgs[0], imgs[1], IMG_SIZE);
	if (with_lut) {
		ex = run_on(base, imgs[1], &c, 0, 1);
		t->lut_cases++;
		t->lut_bad += ex.rc != LLA_OK ||
			      memcmp(imgs[0], imgs[1], IMG_SIZE);
	}
}

static void test_tlmm_commands(uint8_t *base, uint8_t **imgs,
			       const char *in)
{
	static const uint8_t fmts[] = { LLA_WFMT_T2, LLA_WFMT_T5 };
	static const char *const dts[] = { "f32", "f16", "i8" };

	for (size_t fi = 0; fi < 2; fi++) {
		for (uint8_t dt = 0; dt < LLA_DTYPE_COUNT; dt++) {
			struct tally t = { 0 };

			for (int i = 0; i < 55; i++)
				tlmm_case(&t, base, imgs, fmts[fi], dt,
					  i % 4 == 0);
			tap_ok(t.bad == 0 && t.rc_bad == 0,
			       "%s: TLMM %s out %s: fast engine memcmp-identical to the scalar reference on %d random commands (M 1..40, K 1..3000, N 1..300, strides, epilogues): %d differ, %d not OK",
			       in, fmt_name(fmts[fi]), dts[dt], t.cases, t.bad,
			       t.rc_bad);
			tap_ok(t.exec_bad == 0 && t.lut_bad == 0,
			       "%s: TLMM %s out %s: lla_execute use_lut=0 (%d commands) and use_lut=1 (%d) memcmp-identical to the reference: %d + %d differ",
			       in, fmt_name(fmts[fi]), dts[dt], t.exec_cases,
			       t.lut_cases, t.exec_bad, t.lut_bad);
		}
	}
}

static void qmm_case(struct tally *t, uint8_t *base, uint8_t **imgs,
		     uint8_t f, uint8_t dt)
{
	struct img im = { base, 0 };
	struct lla_cmd_qmm c;
	uint32_t m = rnd_in(1, 40), n = rnd_in(1, 200), k = pick_k(1500);
	uint32_t xsz = f == LLA_WFMT_I8 ? 1 : 4, wsz = f == LLA_WFMT_I8 ? 1 : 2;
	uint32_t ysz = out_size(dt);
	struct outcome ref, fast, ex;

	memset(base, 0, IMG_SIZE);
	memset(&c, 0, sizeof(c));
	c.hdr.opcode = LLA_OP_QMM;
	c.hdr.size = sizeof(c);
	c.m = m;
	c.n = n;
	c.k = k;
	c.wfmt = f;
	c.x_stride = k * xsz + xsz * (rnd() % 3);
	c.w_stride = k * wsz + wsz * (rnd() % 3);
	c.y_stride = n * ysz + ysz * (rnd() % 3);
	if (f == LLA_WFMT_I8) {
		c.x_iova = img_alloc(&im, (uint64_t)m * c.x_stride);
		fill_x((int8_t *)base + (c.x_iova - IMG_BASE),
		       (size_t)m * c.x_stride, (int)(rnd() % 5));
		c.w_iova = img_alloc(&im, (uint64_t)n * c.w_stride);
		fill_w(f, base + (c.w_iova - IMG_BASE),
		       (size_t)n * c.w_stride, (int)(rnd() % 5));
		c.x_scale_iova = img_floats(&im, m, 0.01f, 300.0f);
		c.w_scale_iova = img_floats(&im, n, 0.0001f, 0.1f);
	} else {
		c.x_iova = img_floats(&im, (uint64_t)m * c.x_stride / 4,
				      -4.0f, 4.0f);
		c.w_iova = img_alloc(&im, (uint64_t)n * c.w_stride);
		for (uint64_t i = 0; i < (uint64_t)n * c.w_stride / 2; i++) {
			uint16_t h = lla_f32_to_f16(rnd_f(-1.0f, 1.0f));

			memcpy(base + (c.w_iova - IMG_BASE) + 2 * i, &h, 2);
		}
	}
	c.y_iova = img_fill_rand(&im, (uint64_t)m * c.y_stride);
	rand_epi(&im, &c.epi, m, n, dt);
	if (lla_validate_cmd(&c.hdr, sizeof(c)) != LLA_OK)
		t->rc_bad++;
	ref = run_on(base, imgs[0], &c, LLA_ENG_REF, -1);
	fast = run_on(base, imgs[1], &c, LLA_ENG_FAST, -1);
	t->rc_bad += ref.rc != LLA_OK;
	t->cases++;
	t->bad += !same(&ref, imgs[0], &fast, imgs[1]);
	ex = run_on(base, imgs[1], &c, 0, 0);
	t->exec_cases++;
	t->exec_bad += ex.rc != LLA_OK || memcmp(imgs[0], imgs[1], IMG_SIZE);
}

static void test_qmm_commands(uint8_t *base, uint8_t **imgs, const char *in)
{
	static const uint8_t fmts[] = { LLA_WFMT_I8, LLA_WFMT_F16 };

	for (size_t fi = 0; fi < 2; fi++) {
		struct tally t = { 0 };
		int n = fi == 0 ? 90 : 45;

		for (int i = 0; i < n; i++)
			qmm_case(&t, base, imgs, fmts[fi],
				 (uint8_t)(i % LLA_DTYPE_COUNT));
		tap_ok(t.bad == 0 && t.rc_bad == 0 && t.exec_bad == 0,
		       "%s: QMM %s: fast engine and lla_execute memcmp-identical to the scalar reference on %d random commands (all out dtypes): %d + %d differ, %d not OK",
		       in, fi == 0 ? "I8" : "F16", t.cases, t.bad, t.exec_bad,
		       t.rc_bad);
	}
}

/* ---------------- 3. faults ---------------- */

static void test_fault(uint8_t *base, uint8_t **imgs, const char *in)
{
	int bad = 0;

	for (int i = 0; i < 8; i++) {
		struct img im = { base, 0 };
		struct lla_cmd_tlmm c;
		struct outcome o[3];
		uint8_t f = i & 1 ? LLA_WFMT_T5 : LLA_WFMT_T2;

		memset(base, 0, IMG_SIZE);
		build_tlmm(&im, &c, f, LLA_DTYPE_F32, rnd_in(1, 9),
			   rnd_in(100, 300), pick_k(3000));
		/* The weights' last rows lie beyond the memory's end. */
		c.w_iova = IMG_BASE + IMG_SIZE - (uint64_t)c.w_stride *
			   (c.n / 2);
		for (int e = 0; e < 3; e++)
			o[e] = run_on(base, imgs[e], &c, e, -1);
		bad += o[0].rc == LLA_OK ||
		       !same(&o[0], imgs[0], &o[1], imgs[1]) ||
		       !same(&o[0], imgs[0], &o[2], imgs[2]);
	}
	tap_ok(bad == 0, "%s: weights past the end of memory: reference, fast and LUT engines fail alike (error, fault address, byte counts, memory): %d differ",
	       in, bad);
}

/* ---------------- 0. path selection ---------------- */

/* lla_kern_isa() of a child of this test run with LLA_ISA=@val; -2 on error. */
static int child_isa(const char *self, const char *val)
{
	int fd[2], st;
	char buf[16] = { 0 };
	pid_t pid;
	ssize_t n;

	if (pipe(fd))
		return -2;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -2;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		setenv("LLA_ISA", val, 1);
		execl(self, self, "--print-isa", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	n = read(fd[0], buf, sizeof(buf) - 1);
	close(fd[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 || n <= 0)
		return -2;
	return atoi(buf);
}

static void test_select(const char *self)
{
	int cpu = lla_kern_isa_cpu(), ok = 1;
	int env = lla_kern_isa_parse(getenv("LLA_ISA"));

	/* This process's own LLA_ISA, if the caller set one. */
	env = env < 0 || env > cpu ? cpu : env;
	tap_ok(lla_kern_isa() == env,
	       "the fast engine starts on the CPU's best path or LLA_ISA's (%s)",
	       lla_kern_isa_name(env));
	for (int i = 0; i < LLA_ISA_COUNT; i++)
		ok &= lla_kern_isa_parse(lla_kern_isa_name(i)) == i;
	tap_ok(ok && lla_kern_isa_parse("avx512") < 0 &&
	       lla_kern_isa_parse(NULL) < 0 &&
	       lla_kern_set_isa(-1) == LLA_ERR_BAD_PARAM &&
	       lla_kern_set_isa(LLA_ISA_COUNT) == LLA_ERR_BAD_PARAM,
	       "path names round-trip; unknown names and numbers are refused");
	ok = 1;
	for (int i = 0; i < LLA_ISA_COUNT; i++) {
		ok &= lla_kern_set_isa(i) == (i <= cpu ? LLA_OK :
					      LLA_ERR_UNSUPPORTED);
		ok &= lla_kern_isa() == (i <= cpu ? i : cpu);
		if (i > cpu)
			lla_kern_set_isa(cpu);
	}
	lla_kern_set_isa(cpu);
	tap_ok(ok, "lla_kern_set_isa takes every path the CPU has and refuses the others (LLA_ERR_UNSUPPORTED)");
	for (int i = 0; i < LLA_ISA_COUNT; i++) {
		const char *name = lla_kern_isa_name(i);
		int got = child_isa(self, name);

		tap_ok(got == (i <= cpu ? i : cpu),
		       "LLA_ISA=%s: the child process runs on %s (got %d)", name,
		       i <= cpu ? name : "the CPU's best path, as documented",
		       got);
	}
	tap_ok(child_isa(self, "bogus") == cpu,
	       "LLA_ISA=bogus: the CPU's best path");
}

/* Every check of 1-3 on path @isa, or a SKIP line for each. */
static void test_path(int isa, uint8_t *base, uint8_t **imgs)
{
	const char *in = lla_kern_isa_name(isa);
	int kern = isa != LLA_ISA_NONE;
	/* kernels: 3 + 3 + shapes + F16; commands: 6 x 2 TLMM, 2 QMM; fault */
	int ntests = (kern ? 8 : 0) + 12 + 2 + 1;

	if (isa > lla_kern_isa_cpu()) {
		char why[64];

		snprintf(why, sizeof(why), "this CPU has no %s", in);
		tap_diag("path %s: not on this CPU, %d tests skipped", in,
			 ntests);
		for (int i = 0; i < ntests; i++)
			tap_skip(why, "%s: kernel and command equality test %d of %d",
				 in, i + 1, ntests);
		return;
	}
	if (lla_kern_set_isa(isa) != LLA_OK) {
		tap_ok(0, "%s: lla_kern_set_isa", in);
		return;
	}
	tap_diag("path %s: running (%s)", in,
		 kern ? "kernels and commands" :
		 "commands; the fast engine is the reference here");
	if (kern) {
		test_kernels(isa);
		test_kernel_f16(isa);
	}
	test_tlmm_commands(base, imgs, in);
	test_qmm_commands(base, imgs, in);
	test_fault(base, imgs, in);
}

/*
 * The contract's example (hw-spec section 7.4): K = 18, w = 1.0,
 * x[0] = 2^24, x[1] = x[17] = 1: lane 0 = 2^24, lane 1 = 2, the result
 * 2^24 + 2, where an ascending sequential sum would give 2^24.
 */
static void test_f16_example(void)
{
	float x[18] = { 0x1p24f, 1.0f }, want = 16777218.0f, got;
	uint16_t w[18];
	int ok = 1;

	x[17] = 1.0f;
	for (int i = 0; i < 18; i++)
		w[i] = 0x3c00;
	got = lla_dot_f16(x, w, 18);
	ok &= !memcmp(&got, &want, 4) && naive_f16(x, w, 18) == want;
	for (int isa = LLA_ISA_AVX2; isa <= lla_kern_isa_cpu(); isa++) {
		lla_kern_f16(isa, x, 1, w, 1, 18, &got, 1);
		ok &= !memcmp(&got, &want, 4);
	}
	tap_ok(ok, "QMM F16 lane order, the spec's example: 2^24 + 1 + 1 (k = 0, 1, 17) = 16777218, not 2^24");
}

int main(int argc, char **argv)
{
	uint8_t *base, *imgs[3];
	int cpu;

	if (argc == 2 && !strcmp(argv[1], "--print-isa")) {
		printf("%d\n", lla_kern_isa());
		return 0;
	}
	base = malloc(IMG_SIZE);
	for (int i = 0; i < 3; i++)
		imgs[i] = malloc(IMG_SIZE);
	if (!base || !imgs[0] || !imgs[1] || !imgs[2])
		return 2;
	cpu = lla_kern_isa_cpu();
	tap_diag("CPU paths: best %s; LLA_ISA %s", lla_kern_isa_name(cpu),
		 getenv("LLA_ISA") ? getenv("LLA_ISA") : "unset");
	test_select("/proc/self/exe");
	test_f16_example();
	for (int isa = 0; isa < LLA_ISA_COUNT; isa++)
		test_path(isa, base, imgs);
	test_vnni_evex();
	for (int isa = 0; isa < LLA_ISA_COUNT; isa++)
		tap_diag("path %s: %s", lla_kern_isa_name(isa),
			 isa <= cpu ? "tested" : "SKIPPED, not on this CPU");
	lla_kern_set_isa(cpu);
	free(base);
	for (int i = 0; i < 3; i++)
		free(imgs[i]);
	return tap_done();
}
