// SPDX-License-Identifier: MIT
/*
 * Numerics shared by every implementation of the device: fp16
 * conversion, int8 absmax quantization, a portable expf, activations,
 * the counter-based RNG and the ternary weight formats.
 *
 * Everything here is bit-exact by construction: fp32 arithmetic only,
 * no libm transcendental function (they differ between libms), no
 * dependence on the rounding mode, a fixed evaluation order.  The file
 * is compiled with -ffp-contract=off so no multiply-add is fused.
 */
#include <math.h>
#include <string.h>
#include "internal.h"

/* ---------------- bit casts ---------------- */

float lla_bits_f32(uint32_t bits)
{
	return lla_f32_of(bits);
}

uint32_t lla_f32_bits(float f)
{
	return lla_bits_of(f);
}

/* ---------------- fp16 ---------------- */

/* Shift @m right by @shift (1..31) rounding to nearest, ties to even. */
static uint32_t shift_rne(uint32_t m, unsigned int shift)
{
	uint32_t q = m >> shift;
	uint32_t rem = m & ((1u << shift) - 1);
	uint32_t half = 1u << (shift - 1);

	if (rem > half || (rem == half && (q & 1)))
		q++;
	return q;
}

uint16_t lla_f32_to_f16(float f)
{
	uint32_t b = lla_bits_of(f);
	uint16_t sign = (uint16_t)((b >> 16) & 0x8000u);
	uint32_t a = b & 0x7fffffffu;
	uint32_t e = a >> 23;

	if (a > 0x7f800000u)		/* NaN: quiet, payload dropped */
		return sign | 0x7e00u;
	/*
	 * 65520 = 0x477ff000 is half way between the largest half (65504)
	 * and 2^16; the tie goes to the even neighbour, i.e. infinity.
	 */
	if (a >= 0x477ff000u)
		return sign | 0x7c00u;
	if (a >= 0x38800000u) {
		/*
		 * Normal half (>= 2^-14): re-bias the exponent (127 -> 15)
		 * and round the 23-bit mantissa to 10 bits.  A carry out of
		 * the mantissa correctly bumps the exponent.
		 */
		return sign | (uint16_t)shift_rne(a - 0x38000000u, 13);
	}
	/*
	 * Subnormal half: the result is round(|f| / 2^-24).  |f| is
	 * mant * 2^(e - 150), so the quotient is mant >> (126 - e).
	 * Below e = 102 (|f| < 2^-25) it rounds to zero; e = 102 is a
	 * shift of 24 and still handled exactly (2^-25 ties to 0).
	 * The largest results carry into the smallest normal, 0x0400.
	 */
	if (e < 102)
		return sign;
	return sign | (uint16_t)shift_rne((a & 0x7fffffu) | 0x800000u,
					  126 - e);
}

float lla_f16_to_f32(uint16_t h)
{
	return lla_h2f(h);
}

/* The QMM F16 dot product in the contract's lane order (see the header). */
float lla_dot_f16(const float *x, const uint16_t *w, uint32_t k)
{
	float s[LLA_F16_LANES] = { 0 };

	for (uint32_t i = 0; i < k; i++)
		s[i % LLA_F16_LANES] = s[i % LLA_F16_LANES] + x[i] * lla_h2f(w[i]);
	return lla_f16_lane_tree(s);
}

/*
 * NORM_QUANT's sum of squares (hw-spec section 7.5) in the lanes and
 * tree of lla_dot_f16: the contract names one lane structure for every
 * fp32 reduction of the element-wise units, so a SIMD kernel can
 * reproduce the bits.
 */
float lla_sumsq_f32(const float *x, uint32_t k)
{
	float s[LLA_F16_LANES] = { 0 };

	for (uint32_t i = 0; i < k; i++)
		s[i % LLA_F16_LANES] = s[i % LLA_F16_LANES] + x[i] * x[i];
	return lla_f16_lane_tree(s);
}

float lla_rms_scale(float ss, uint32_t k, float eps)
{
	/* sqrtf is correctly rounded (IEEE), so this stays bit-exact. */
	return 1.0f / sqrtf(ss / (float)k + eps);
}

void lla_rms_norm(const float *x, uint32_t k, float eps, const float *gamma,
		  float *y)
{
	float r = lla_rms_scale(lla_sumsq_f32(x, k), k, eps);

	for (uint32_t i = 0; i < k; i++)
		y[i] = x[i] * r;
	if (gamma)
		for (uint32_t i = 0; i < k; i++)
			y[i] = y[i] * gamma[i];
}

/* ---------------- int8 quantization ---------------- */

int8_t lla_quant_one(float v)
{
	int32_t t;
	float frac;

	if (v != v)
		return 0;
	/*
	 * Clamp in float first: converting a huge float to an integer is
	 * UB.  Everything above 127 ends at 127 after rounding and
	 * clamping (127.5 would round to 128), likewise below -128.
	 */
	if (v >= 127.0f)
		return 127;
	if (v <= -128.0f)
		return -128;
	/*
	 * Round half to even without depending on the FP rounding mode:
	 * truncate (exact for |v| < 128), the fraction v - t is exact too.
	 */
	t = (int32_t)v;
	frac = v - (float)t;
	if (frac > 0.5f || (frac == 0.5f && (t & 1)))
		t++;
	else if (frac < -0.5f || (frac == -0.5f && (t & 1)))
		t--;
	if (t > 127)
		t = 127;
	if (t < -128)
		t = -128;
	return (int8_t)t;
}

float lla_quant_row(const float *x, uint32_t k, int8_t *q)
{
	float amax = 0.0f;
	float s;

	/* NaN compares false, so it never becomes the maximum. */
	for (uint32_t i = 0; i < k; i++) {
		float a = fabsf(x[i]);

		if (a > amax)
			amax = a;
	}
	s = 127.0f / (amax > 1e-5f ? amax : 1e-5f);
	for (uint32_t i = 0; i < k; i++)
		q[i] = lla_quant_one(x[i] * s);
	return s;
}

/* ---------------- expf ---------------- */

/* The constants are shared with the vector form (kern_attn_avx2.c). */
#include "numerics_expf.h"

/* 2^n as fp32 for -126 <= n <= 127, built from the exponent bits. */
static float pow2i(int32_t n)
{
	return lla_f32_of((uint32_t)(n + 127) << 23);
}

float lla_expf(float x)
{
	float fn, hi, r, p;
	int32_t n;

	if (x != x)
		return x + x;
	if (x > EXP_OVF)
		return lla_f32_of(0x7f800000u);
	if (x < EXP_UNF)
		return 0.0f;

	/*
	 * x = n * ln2 + r, |r| <= ln2/2 (a little more from rounding of
	 * n).  x - n * LN2_HI is exact (Sterbenz), so r carries only the
	 * rounding of the small LN2_LO term.
	 */
	fn = x * LOG2E;
	n = (int32_t)(fn + (fn < 0.0f ? -0.5f : 0.5f));
	fn = (float)n;
	hi = x - fn * LN2_HI;
	r = hi - fn * LN2_LO;

	/*
	 * e^r by its Taylor series to degree 7: the truncation error
	 * (0.35^8 / 8! ~ 5e-9) is far below half an ulp of 1.  Horner
	 * form, evaluated in this fixed order.
	 */
	p = 1.0f / 5040.0f;
	p = 1.0f / 720.0f + r * p;
	p = 1.0f / 120.0f + r * p;
	p = 1.0f / 24.0f + r * p;
	p = 1.0f / 6.0f + r * p;
	p = 0.5f + r * p;
	p = r * r * p;
	p = 1.0f + (r + p);

	/*
	 * Scale by 2^n.  n = 128 needs two steps to reach the top binade;
	 * for n < -126 the first step is exact and the second rounds once
	 * into the subnormal range.
	 */
	if (n > 127)
		return p * 2.0f * pow2i(n - 1);
	if (n < -126)
		return p * pow2i(n + 64) * pow2i(-64);
	return p * pow2i(n);
}

/* ---------------- activations ---------------- */

float lla_act(uint8_t act, float x)
{
	float r;

	switch (act) {
	case LLA_ACT_RELU:
		return x > 0.0f ? x : 0.0f;	/* NaN -> 0 */
	case LLA_ACT_RELU2:
		r = x > 0.0f ? x : 0.0f;
		return r * r;
	case LLA_ACT_SILU:
		return x / (1.0f + lla_expf(-x));
	case LLA_ACT_NONE:
	default:
		return x;
	}
}

/* ---------------- RNG ---------------- */

float lla_rng_uniform(uint64_t seed, uint64_t counter)
{
	uint64_t z = seed + (counter + 1) * 0x9E3779B97F4A7C15ull;

	/* splitmix64 finalizer: every counter gives an independent draw. */
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	/* 24 bits: exactly representable, so the result is < 1. */
	return (float)(z >> 40) * 0x1p-24f;
}

/* ---------------- weight formats ---------------- */

uint32_t lla_wfmt_row_bytes(uint8_t wfmt, uint32_t k)
{
	/* Written as quotient + remainder test: k + 3 could wrap. */
	switch (wfmt) {
	case LLA_WFMT_T2:
		return k / 4 + (k % 4 != 0);
	case LLA_WFMT_T5:
		return k / 5 + (k % 5 != 0);
	case LLA_WFMT_I8:
		return k;
	case LLA_WFMT_F16:
		/* 0 (unrepresentable) beyond 2^31 - 1 weights. */
		return k > UINT32_MAX / 2 ? 0 : 2 * k;
	default:
		return 0;
	}
}

/*
 * Ternary rows are packed as documented in llmaccel_hw.h (pad weights
 * are 0).  For completeness I8 rows are copied and F16 rows hold each
 * weight as a half (unpack rounds it back with lla_quant_one).  Unknown
 * formats are ignored.
 */

/* Code of a ternary weight: w + 1 for -1, 0, +1; any sign otherwise. */
/*
 * Code of a weight: sign + 1, so -1 -> 0, 0 -> 1, +1 -> 2.  Written with
 * comparisons rather than branches: random ternary weights defeat branch
 * prediction, and packing is most of a model's load time.
 */
static uint8_t trit_code(int8_t w)
{
	return (uint8_t)((w > 0) - (w < 0) + 1);
}

/* Byte j of a row: weights beyond @k are padding and weigh zero (code 1). */
static uint8_t pack_t2_byte(const int8_t *w, uint32_t n)
{
	uint8_t b = 0;

	for (uint32_t i = 0; i < 4; i++)
		b |= (uint8_t)((i < n ? trit_code(w[i]) : 1) << (2 * i));
	return b;
}

static uint8_t pack_t5_byte(const int8_t *w, uint32_t n)
{
	uint32_t v = 0;

	/* Horner from the last digit: digit i weighs 3^i. */
	for (uint32_t i = 5; i-- > 0;)
		v = v * 3 + (i < n ? trit_code(w[i]) : 1);
	return (uint8_t)v;
}

void lla_pack_row(uint8_t wfmt, const int8_t *w, uint32_t k, uint8_t *dst)
{
	uint32_t j;

	switch (wfmt) {
	case LLA_WFMT_T2:
		for (j = 0; j < k / 4; j++)
			dst[j] = pack_t2_byte(w + 4 * (size_t)j, 4);
		if (k % 4)
			dst[j] = pack_t2_byte(w + 4 * (size_t)j, k % 4);
		break;
	case LLA_WFMT_T5:
		for (j = 0; j < k / 5; j++)
			dst[j] = pack_t5_byte(w + 5 * (size_t)j, 5);
		if (k % 5)
			dst[j] = pack_t5_byte(w + 5 * (size_t)j, k % 5);
		break;
	case LLA_WFMT_I8:
		memcpy(dst, w, k);
		break;
	case LLA_WFMT_F16:
		for (j = 0; j < k; j++) {
			uint16_t h = lla_f32_to_f16((float)w[j]);

			memcpy(dst + 2 * (size_t)j, &h, 2);
		}
		break;
	default:
		break;
	}
}

void lla_unpack_row(uint8_t wfmt, const uint8_t *src, uint32_t k, int8_t *w)
{
	switch (wfmt) {
	case LLA_WFMT_T2:
		for (uint32_t j = 0; j < k; j++) {
			uint32_t c = (src[j / 4] >> (2 * (j % 4))) & 3u;

			w[j] = c == 3 ? 0 : (int8_t)((int)c - 1);
		}
		break;
	case LLA_WFMT_T5:
		for (uint32_t j = 0; j < k; j += 5) {
			uint32_t v = src[j / 5];

			for (uint32_t i = 0; i < 5 && j + i < k; i++) {
				w[j + i] = v >= 243 ? 0 :
					   (int8_t)((int)(v % 3) - 1);
				if (v < 243)
					v /= 3;
			}
		}
		break;
	case LLA_WFMT_I8:
		memcpy(w, src, k);
		break;
	case LLA_WFMT_F16:
		for (uint32_t j = 0; j < k; j++) {
			uint16_t h;

			memcpy(&h, src + 2 * (size_t)j, 2);
			w[j] = lla_quant_one(lla_f16_to_f32(h));
		}
		break;
	default:
		break;
	}
}

/* ---------------- RoPE table (host helper, double precision) ---------- */

void lla_rope_table(float *table, uint32_t len, uint32_t head_dim,
		    float theta)
{
	uint32_t half = head_dim / 2;

	for (uint32_t p = 0; p < len; p++) {
		for (uint32_t i = 0; i < half; i++) {
			double freq = pow((double)theta,
					  -2.0 * (double)i / (double)head_dim);
			double a = (double)p * freq;
			size_t idx = ((size_t)p * half + i) * 2;

			table[idx + 0] = (float)cos(a);
			table[idx + 1] = (float)sin(a);
		}
	}
}
