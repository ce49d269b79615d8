// SPDX-License-Identifier: MIT
/*
 * The table-lookup TLMM engine must give exactly the integers of the
 * direct engine for every input: random shapes and contents, extreme
 * activations, invalid weight codes, the largest K; its tables must hold
 * the documented partial sums; and whole TLMM commands must produce
 * memcmp-identical outputs with either engine.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "tap.h"

static uint64_t rng_state = 0x1a2b3c4d;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

static float rnd_f(float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnd() & 0xffffff) * 0x1p-24f;
}

static uint32_t row_bytes(uint8_t f, uint32_t k)
{
	return f == LLA_WFMT_T2 ? (k + 3) / 4 : (k + 4) / 5;
}

/* Activations: mostly uniform int8, with runs of the extremes. */
static void fill_x(int8_t *x, uint32_t k, int mode)
{
	for (uint32_t i = 0; i < k; i++) {
		uint32_t r = rnd();

		switch (mode) {
		case 1:
			x[i] = -128;
			break;
		case 2:
			x[i] = 127;
			break;
		case 3:
			x[i] = (r & 1) ? 127 : -128;
			break;
		default:
			x[i] = (r & 15) == 0 ? -128 : (r & 15) == 1 ? 127 :
			       (int8_t)(r >> 8);
		}
	}
}

/*
 * Weights: random bytes (T2: a quarter of the codes are the invalid 3;
 * T5: about 5% of the bytes are the invalid 243..255), or valid only.
 */
static void fill_w(uint8_t *w, uint32_t nb, uint8_t f, int valid_only)
{
	for (uint32_t j = 0; j < nb; j++) {
		uint32_t r = rnd();

		if (!valid_only)
			w[j] = (uint8_t)r;
		else if (f == LLA_WFMT_T2)
			w[j] = (uint8_t)(((r % 3) << 0) | (((r >> 4) % 3) << 2) |
					 (((r >> 8) % 3) << 4) |
					 (((r >> 12) % 3) << 6));
		else
			w[j] = (uint8_t)(r % 243);
	}
}

/* Compare both engines on one activation row and @rows weight rows. */
static int engines_agree(uint8_t f, const int8_t *x, uint32_t k,
			 const uint8_t *w, uint32_t rows, int32_t *first)
{
	struct lla_lut lut;
	uint32_t nb = row_bytes(f, k);
	int ok = 1;

	if (lla_lut_build(&lut, f, x, k) != LLA_OK)
		return 0;
	ok = lut.groups == nb && lut.k == k && lut.wfmt == f;
	for (uint32_t r = 0; ok && r < rows; r++) {
		int32_t a = lla_tlmm_dot_direct(f, x, w + (size_t)r * nb, k);
		int32_t b = lla_lut_dot(&lut, w + (size_t)r * nb);

		if (first && r == 0)
			*first = b;
		if (a != b) {
			tap_diag("fmt %u k %u row %u: direct %d lut %d", f, k,
				 r, a, b);
			ok = 0;
		}
	}
	lla_lut_free(&lut);
	return ok;
}

static void test_random_dots(void)
{
	for (int fi = 0; fi < 2; fi++) {
		uint8_t f = fi ? LLA_WFMT_T5 : LLA_WFMT_T2;
		int bad = 0, shapes = 0;

		for (int s = 0; s < 250; s++, shapes++) {
			uint32_t k = s < 40 ? (uint32_t)s + 1 :
				     (s % 10 == 0) ? 1 + rnd() % 5000 :
				     1 + rnd() % 700;
			uint32_t rows = 1 + rnd() % 8;
			int8_t *x = malloc(k);
			uint8_t *w = malloc((size_t)rows * row_bytes(f, k));

			fill_x(x, k, s % 7 == 3 ? (int)(1 + rnd() % 3) : 0);
			fill_w(w, rows * row_bytes(f, k), f, s & 1);
			bad += !engines_agree(f, x, k, w, rows, NULL);
			free(x);
			free(w);
		}
		tap_ok(bad == 0, "%s: LUT dot == direct dot on %d random shapes (k 1..5000, valid and invalid codes)",
		       fi ? "T5" : "T2", shapes);
	}
}

static void test_extremes(void)
{
	static const uint32_t ks[] = { 1, 3, 4, 5, 6, 63, 4097, LLA_MAX_K };

	for (int fi = 0; fi < 2; fi++) {
		uint8_t f = fi ? LLA_WFMT_T5 : LLA_WFMT_T2;
		int bad = 0;

		for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
			uint32_t k = ks[i], nb = row_bytes(f, k);
			int8_t *x = malloc(k), *wt = malloc(k);
			uint8_t *w = malloc(2 * (size_t)nb);
			int32_t got_neg = 0, got_pos = 0;

			/* row 0 all -1, row 1 all +1 */
			memset(wt, -1, k);
			lla_pack_row(f, wt, k, w);
			memset(wt, 1, k);
			lla_pack_row(f, wt, k, w + nb);
			fill_x(x, k, 1);	/* all -128 */
			bad += !engines_agree(f, x, k, w, 2, &got_neg);
			bad += got_neg != 128 * (int32_t)k;
			fill_x(x, k, 2);	/* all 127 */
			bad += !engines_agree(f, x, k, w + nb, 1, &got_pos);
			bad += got_pos != 127 * (int32_t)k;
			fill_x(x, k, 3);
			bad += !engines_agree(f, x, k, w, 2, NULL);
			free(x);
			free(wt);
			free(w);
		}
		tap_ok(bad == 0, "%s: extreme activations (-128/127, k up to 65536): both engines give +-k*128 / k*127 exactly",
		       fi ? "T5" : "T2");
	}
}

/* Every invalid code or byte contributes nothing, in both engines. */
static void test_invalid(void)
{
	int8_t x[20];
	uint8_t w[5];
	int bad = 0;

	fill_x(x, 20, 0);
	memset(w, 0xff, sizeof(w));	/* T2: all codes 3 */
	bad += !engines_agree(LLA_WFMT_T2, x, 20, w, 1, NULL);
	bad += lla_tlmm_dot_direct(LLA_WFMT_T2, x, w, 20) != 0;
	/* 0xe4 = codes 0,1,2,3 -> -x0 + x2 */
	w[0] = 0xe4;
	bad += lla_tlmm_dot_direct(LLA_WFMT_T2, x, w, 4) != -x[0] + x[2];
	bad += !engines_agree(LLA_WFMT_T2, x, 4, w, 1, NULL);
	tap_ok(bad == 0, "T2: code 3 weighs 0 in both engines (0xff row -> 0, 0xe4 -> -x0 + x2)");

	bad = 0;
	for (uint32_t v = 243; v < 256; v++) {
		memset(w, (int)v, sizeof(w));
		bad += lla_tlmm_dot_direct(LLA_WFMT_T5, x, w, 20) != 0;
		bad += !engines_agree(LLA_WFMT_T5, x, 20, w, 1, NULL);
	}
	tap_ok(bad == 0, "T5: bytes 243..255 weigh 0 in both engines");
}

/* The tables hold exactly the documented partial sums. */
static void test_tables(void)
{
	int8_t x[10] = { 3, -7, 11, -128, 127, 5, -1, 100, -50, 9 };
	struct lla_lut lut;
	int bad = 0;

	/* T2, k = 6: group 1 has x4, x5 and two zero activations. */
	if (lla_lut_build(&lut, LLA_WFMT_T2, x, 6) != LLA_OK)
		bad++;
	for (uint32_t g = 0; !bad && g < 2; g++) {
		for (uint32_t b = 0; b < 256; b++) {
			int32_t want = 0;

			for (uint32_t i = 0; i < 4; i++) {
				uint32_t c = (b >> (2 * i)) & 3, kk = 4 * g + i;
				int w = c == 0 ? -1 : c == 2 ? 1 : 0;

				want += kk < 6 ? w * x[kk] : 0;
			}
			bad += lut.table[g * 256 + b] != want;
		}
	}
	tap_ok(bad == 0 && lut.groups == 2,
	       "T2 tables: entry b = sum_i dec(code_i(b)) * x[4g+i] for all 256 b, x beyond k = 0");
	lla_lut_free(&lut);

	bad = 0;
	if (lla_lut_build(&lut, LLA_WFMT_T5, x, 7) != LLA_OK)
		bad++;
	for (uint32_t g = 0; !bad && g < 2; g++) {
		for (uint32_t b = 0; b < 256; b++) {
			int32_t want = 0;
			uint32_t v = b;

			for (uint32_t i = 0; b < 243 && i < 5; i++, v /= 3) {
				uint32_t kk = 5 * g + i;

				want += kk < 7 ? ((int)(v % 3) - 1) * x[kk] : 0;
			}
			bad += lut.table[g * 256 + b] != want;
		}
	}
	tap_ok(bad == 0 && lut.groups == 2,
	       "T5 tables: entry b = sum_i (digit_i(b) - 1) * x[5g+i], 0 for b >= 243");
	lla_lut_free(&lut);
	tap_ok(lla_lut_build(&lut, LLA_WFMT_I8, x, 7) == LLA_ERR_BAD_FORMAT &&
	       lut.table == NULL,
	       "lut_build rejects a non-ternary format without allocating");
	lla_lut_free(&lut);
}

/* ---------------- whole TLMM commands, both engines ---------------- */

#define BASE	0x40000000ull

struct img {
	struct lla_flat_mem flat;
	struct lla_mem mem;
	uint64_t top;
};

static uint64_t img_put(struct img *im, const void *src, uint64_t len)
{
	uint64_t iova = BASE + im->top;

	if (src)
		memcpy(im->flat.data + im->top, src, len);
	else
		memset(im->flat.data + im->top, 0xcd, len);
	im->top = (im->top + len + 63) & ~63ull;
	return iova;
}

static float *rnd_floats(size_t n, float lo, float hi)
{
	float *f = malloc(n * 4 + 4);

	for (size_t i = 0; i < n; i++)
		f[i] = rnd_f(lo, hi);
	return f;
}

/*
 * One random TLMM command run with the direct and the LUT engine on
 * identical memory images; 1 if the images are identical afterwards.
 */
static int tlmm_both(uint8_t f, uint8_t out)
{
	uint32_t m = 1 + rnd() % 6, n = 1 + rnd() % 40, k = 1 + rnd() % 300;
	uint32_t nb = row_bytes(f, k);
	uint32_t xst = k + rnd() % 9, wst = nb + rnd() % 5;
	uint32_t yrb = out == LLA_DTYPE_F32 ? 4 * n :
		       out == LLA_DTYPE_F16 ? 2 * n : n;
	uint32_t yst = yrb + 4 * (rnd() % 3), gst = 4 * n + 4 * (rnd() % 2);
	uint64_t size = (uint64_t)m * (xst + yst + 2 * gst) + (uint64_t)n * wst +
			(uint64_t)4 * (n + m) + 8 * 64;
	int8_t *x = malloc((size_t)m * xst);
	uint8_t *w = malloc((size_t)n * wst);
	float *xs = rnd_floats(m, 0.5f, 60.0f);
	float *bias = rnd_floats(n, -2.0f, 2.0f);
	float *gate = rnd_floats((size_t)m * gst / 4, -2.0f, 2.0f);
	float *resid = rnd_floats((size_t)m * gst / 4, -2.0f, 2.0f);
	struct img im[2];
	struct lla_job_result res[2];
	struct lla_cmd_tlmm c = { 0 };
	uint32_t e = rnd();
	int err[2], ok;

	fill_x(x, m * xst, rnd() % 5 == 0 ? 3 : 0);
	fill_w(w, n * wst, f, (int)(rnd() & 1));
	c.hdr.opcode = LLA_OP_TLMM;
	c.hdr.size = sizeof(c);
	c.m = m;
	c.n = n;
	c.k = k;
	c.x_stride = xst;
	c.w_stride = wst;
	c.y_stride = yst;
	c.w_scale = lla_f32_bits(rnd_f(0.01f, 3.0f));
	c.wfmt = f;
	c.epi.act = (uint8_t)(e % LLA_ACT_COUNT);
	c.epi.out_dtype = out;
	for (int i = 0; i < 2; i++) {
		struct lla_exec xc = { .mem = &im[i].mem, .res = &res[i],
				       .use_lut = (uint32_t)i };

		memset(&res[i], 0, sizeof(res[i]));
		im[i].flat.data = calloc(1, size);
		im[i].flat.base = BASE;
		im[i].flat.size = size;
		im[i].top = 0;
		lla_flat_mem_init(&im[i].mem, &im[i].flat);
		c.x_iova = img_put(&im[i], x, (uint64_t)m * xst);
		c.x_scale_iova = img_put(&im[i], xs, 4ull * m);
		c.w_iova = img_put(&im[i], w, (uint64_t)n * wst);
		c.y_iova = img_put(&im[i], NULL, (uint64_t)m * yst);
		c.epi.bias_iova = (e & 4) ? img_put(&im[i], bias, 4ull * n) : 0;
		c.epi.gate_iova = (e & 8) ? img_put(&im[i], gate,
						    (uint64_t)m * gst) : 0;
		c.epi.gate_stride = (e & 8) ? gst : 0;
		c.epi.residual_iova = (e & 16) ? img_put(&im[i], resid,
							(uint64_t)m * gst) : 0;
		c.epi.residual_stride = (e & 16) ? gst : 0;
		c.epi.y_scale_iova = out == LLA_DTYPE_I8 ?
				     img_put(&im[i], NULL, 4ull * m) : 0;
		err[i] = lla_op_tlmm(&xc, &c);
	}
	ok = err[0] == LLA_OK && err[1] == LLA_OK &&
	     !memcmp(im[0].flat.data, im[1].flat.data, size) &&
	     /* and the command did write y */
	     memcmp(im[0].flat.data + (c.y_iova - BASE),
		    (uint8_t[4]){ 0xcd, 0xcd, 0xcd, 0xcd }, yrb < 4 ? yrb : 4);
	if (!ok)
		tap_diag("fmt %u out %u m %u n %u k %u: err %d/%d", f, out, m,
			 n, k, err[0], err[1]);
	free(im[0].flat.data);
	free(im[1].flat.data);
	free(x);
	free(w);
	free(xs);
	free(bias);
	free(gate);
	free(resid);
	return ok;
}

static void test_tlmm_commands(void)
{
	for (int fi = 0; fi < 2; fi++) {
		for (uint8_t out = 0; out < LLA_DTYPE_COUNT; out++) {
			uint8_t f = fi ? LLA_WFMT_T5 : LLA_WFMT_T2;
			int bad = 0;

			for (int i = 0; i < 40; i++)
				bad += !tlmm_both(f, out);
			tap_ok(bad == 0, "%s out %s: 40 random TLMM commands memcmp-identical with use_lut 0 and 1",
			       fi ? "T5" : "T2",
			       out == 0 ? "F32" : out == 1 ? "F16" : "I8");
		}
	}
}

int main(void)
{
	test_tables();
	test_random_dots();
	test_extremes();
	test_invalid();
	test_tlmm_commands();
	return tap_done();
}
