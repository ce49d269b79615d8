// SPDX-License-Identifier: MIT
/*
 * AVX2 (+ F16C) kernels of the element-wise units.  Why they give the
 * reference's bits:
 *
 *  - Per-element work (scale, gamma, ELTWISE, ROPE) is the same IEEE
 *    operations on the same operands in the same order, one vmulps /
 *    vaddps / vsubps / vdivps each (no FMA: the target has none and the
 *    file is built with -ffp-contract=off).
 *  - NaN payloads: when both operands of an operation are NaN, x86
 *    returns the first one, and neither C nor the intrinsics pin that
 *    order (the compiler may commute a + b and a * b, scalar or vector).
 *    So a kernel runs only where no operation can see two NaNs, and
 *    returns 0 (nothing written) otherwise: the caller then runs its
 *    reference loop, whose bits are the reference's by construction.
 *    Where one NaN meets a number, or a NaN is generated (inf - inf,
 *    0 * inf: the default NaN), the result is the same on every path.
 *  - The sum of squares holds the contract's 16 lanes in two registers
 *    (lanes 0..7, 8..15), so lane j sums x[j], x[j+16], ... in order; the
 *    last partial group is zero padded (a lane plus +0 is unchanged: a
 *    sum of squares from +0 is never -0), then the tree of section 7.4.
 *  - The absmax ignores NaN as the reference's "a > amax" does:
 *    vmaxps(a, m) returns its second operand m when a is NaN.  The max of
 *    the remaining values does not depend on the order.
 *  - Quantization: vroundps with an explicit round-to-nearest-even
 *    (MXCSR is not consulted) is lla_quant_one's truncate-and-fix on
 *    |v| < 128; NaN lanes are zeroed before the clamp (vminps/vmaxps
 *    would turn them into a bound), then the clamp to [-128, 127] covers
 *    v >= 127, v <= -128 and +-inf as the reference's early returns do.
 *  - vcvtps2ph with an explicit RNE is IEEE binary16 conversion
 *    (overflow to inf, subnormals rounded once); it keeps the top NaN
 *    payload bits where the contract drops them, so NaN lanes are
 *    replaced by sign | 0x7e00 afterwards.
 *  - vcvtph2ps is exact for every number, but it quiets a signalling
 *    NaN half where lla_h2f keeps the payload as it is, so the EMBED
 *    conversion rebuilds the NaN lanes from the half's bits.
 */
#include <math.h>
#include <string.h>
#include "kern.h"
#include "kern_attn.h"
#include "kern_misc.h"

#if defined(__x86_64__) && !defined(LLA_NO_SIMD)
#include <immintrin.h>

#define MISC_FN		__attribute__((target("avx2,f16c")))
#define MISC_INLINE	static inline __attribute__((target("avx2,f16c"), \
							    always_inline))

/* The lane tree of lla_f16_lane_tree on lanes 0..7 (@lo) and 8..15 (@hi). */
MISC_INLINE float lane_tree(__m256 lo, __m256 hi)
{
	__m256 t = _mm256_add_ps(lo, hi);
	__m128 u = _mm_add_ps(_mm256_castps256_ps128(t),
			      _mm256_extractf128_ps(t, 1));
	__m128 v = _mm_add_ps(u, _mm_movehl_ps(u, u));

	return _mm_cvtss_f32(_mm_add_ss(v, _mm_shuffle_ps(v, v, 1)));
}

/* Non-zero if one of @x[n] (or, with @both, @x[i] and @y[i] alike) is NaN. */
MISC_INLINE int nan_in(const float *x, const float *y, uint64_t n)
{
	__m256 acc = _mm256_setzero_ps();
	uint64_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256 a = _mm256_loadu_ps(x + i);
		__m256 u = _mm256_cmp_ps(a, a, _CMP_UNORD_Q);

		if (y) {
			__m256 b = _mm256_loadu_ps(y + i);

			u = _mm256_and_ps(u, _mm256_cmp_ps(b, b, _CMP_UNORD_Q));
		}
		acc = _mm256_or_ps(acc, u);
	}
	for (; i < n; i++)
		if (x[i] != x[i] && (!y || y[i] != y[i]))
			return 1;
	return !_mm256_testz_ps(acc, acc);
}

MISC_FN int lla_kmisc_any_nan(int isa, const float *x, uint64_t n)
{
	(void)isa;
	return nan_in(x, NULL, n);
}

MISC_FN float lla_kmisc_sumsq(int isa, const float *x, uint32_t k)
{
	__m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
	uint32_t i = 0;

	(void)isa;
	for (; i + 16 <= k; i += 16) {
		__m256 a = _mm256_loadu_ps(x + i);
		__m256 b = _mm256_loadu_ps(x + i + 8);

		lo = _mm256_add_ps(lo, _mm256_mul_ps(a, a));
		hi = _mm256_add_ps(hi, _mm256_mul_ps(b, b));
	}
	if (i < k) {
		float t[16] = { 0 };
		__m256 a, b;

		memcpy(t, x + i, (size_t)(k - i) * sizeof(float));
		a = _mm256_loadu_ps(t);
		b = _mm256_loadu_ps(t + 8);
		lo = _mm256_add_ps(lo, _mm256_mul_ps(a, a));
		hi = _mm256_add_ps(hi, _mm256_mul_ps(b, b));
	}
	return lane_tree(lo, hi);
}

MISC_FN void lla_kmisc_scale(int isa, const float *x, float r,
			     const float *gamma, float *y, uint32_t k)
{
	__m256 rv = _mm256_set1_ps(r);
	uint32_t i = 0;

	(void)isa;
	if (gamma) {
		for (; i + 8 <= k; i += 8) {
			__m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), rv);

			_mm256_storeu_ps(y + i, _mm256_mul_ps(v,
					 _mm256_loadu_ps(gamma + i)));
		}
		for (; i < k; i++) {
			float v = x[i] * r;

			y[i] = v * gamma[i];
		}
		return;
	}
	for (; i + 8 <= k; i += 8)
		_mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), rv));
	for (; i < k; i++)
		y[i] = x[i] * r;
}

MISC_FN int lla_kmisc_rms_norm(int isa, float *y, uint32_t k, float eps,
			       const float *gamma)
{
	float ss = lla_kmisc_sumsq(isa, y, k);

	/*
	 * A NaN sum means a NaN input: lanes may then meet two NaNs.  A
	 * number means none is NaN, and x * r can only generate NaNs; gamma
	 * is the caller's to check (lla_kmisc_any_nan, once per command).
	 */
	if (ss != ss)
		return 0;
	lla_kmisc_scale(isa, y, lla_rms_scale(ss, k, eps), gamma, y, k);
	return 1;
}

/* 8 values of lla_quant_one(v), as int32. */
MISC_INLINE __m256i quant8(__m256 v)
{
	__m256 r = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT |
				   _MM_FROUND_NO_EXC);

	r = _mm256_and_ps(r, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
	r = _mm256_max_ps(r, _mm256_set1_ps(-128.0f));
	r = _mm256_min_ps(r, _mm256_set1_ps(127.0f));
	return _mm256_cvtps_epi32(r);	/* integral already: exact */
}

MISC_FN void lla_kmisc_quant_scaled(int isa, const float *x, float s,
				    uint32_t k, int8_t *q)
{
	__m256 sv = _mm256_set1_ps(s);
	uint32_t i = 0;

	(void)isa;
	for (; i + 16 <= k; i += 16) {
		__m256i a = quant8(_mm256_mul_ps(_mm256_loadu_ps(x + i), sv));
		__m256i b = quant8(_mm256_mul_ps(_mm256_loadu_ps(x + i + 8),
						 sv));
		/* packs works per 128-bit half: put a0..7, b0..7 in order */
		__m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b),
						     0xd8);

		_mm_storeu_si128((__m128i *)(q + i),
				 _mm_packs_epi16(_mm256_castsi256_si128(p),
						 _mm256_extracti128_si256(p, 1)));
	}
	for (; i < k; i++)
		q[i] = lla_quant_one(x[i] * s);
}

MISC_FN float lla_kmisc_quant_row(int isa, const float *x, uint32_t k,
				  int8_t *q)
{
	const __m256 absm = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
	__m256 m = _mm256_setzero_ps();
	float amax, s;
	uint32_t i = 0;

	for (; i + 8 <= k; i += 8)
		m = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + i), absm), m);
	{
		__m128 u = _mm_max_ps(_mm256_castps256_ps128(m),
				      _mm256_extractf128_ps(m, 1));

		u = _mm_max_ps(u, _mm_movehl_ps(u, u));
		u = _mm_max_ss(u, _mm_shuffle_ps(u, u, 1));
		amax = _mm_cvtss_f32(u);
	}
	for (; i < k; i++) {
		float a = fabsf(x[i]);

		if (a > amax)
			amax = a;
	}
	s = 127.0f / (amax > 1e-5f ? amax : 1e-5f);
	lla_kmisc_quant_scaled(isa, x, s, k, q);
	return s;
}

MISC_FN void lla_kmisc_f32_to_f16(int isa, const float *f, uint16_t *h,
				  uint64_t n)
{
	const __m128i sign = _mm_set1_epi16((short)0x8000);
	const __m128i qnan = _mm_set1_epi16(0x7e00);
	uint64_t i = 0;

	(void)isa;
	for (; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps(f + i);
		__m128i r = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT);
		__m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v,
							       _CMP_UNORD_Q));
		/* all-ones / zero int32 masks pack to int16 masks */
		__m128i n16 = _mm_packs_epi32(_mm256_castsi256_si128(nan),
					      _mm256_extracti128_si256(nan, 1));
		__m128i fix = _mm_or_si128(_mm_and_si128(r, sign), qnan);

		_mm_storeu_si128((__m128i *)(h + i),
				 _mm_blendv_epi8(r, fix, n16));
	}
	for (; i < n; i++)
		h[i] = lla_f32_to_f16(f[i]);
}

MISC_FN void lla_kmisc_h2f(int isa, const uint16_t *h, float *f, uint64_t n)
{
	const __m256i expo = _mm256_set1_epi32(0x7c00);
	uint64_t i = 0;

	(void)isa;
	for (; i + 8 <= n; i += 8) {
		__m128i hv = _mm_loadu_si128((const __m128i *)(h + i));
		__m256i w = _mm256_cvtepu16_epi32(hv);
		__m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(w,
					_mm256_set1_epi32(0x7fff)), expo);
		/* lla_h2f's NaN: sign, all-ones exponent, payload << 13 */
		__m256i fix = _mm256_or_si256(_mm256_or_si256(
			_mm256_slli_epi32(_mm256_and_si256(w,
				_mm256_set1_epi32(0x8000)), 16),
			_mm256_set1_epi32(0x7f800000)),
			_mm256_slli_epi32(_mm256_and_si256(w,
				_mm256_set1_epi32(0x3ff)), 13));
		__m256i r = _mm256_castps_si256(_mm256_cvtph_ps(hv));

		_mm256_storeu_si256((__m256i *)(f + i),
				    _mm256_blendv_epi8(r, fix, nan));
	}
	for (; i < n; i++)
		f[i] = lla_h2f(h[i]);
}

/* ELTWISE SILU on @n <= 64 elements: a / (1 + lla_expf(-a)). */
MISC_INLINE void silu_chunk(int isa, float *a, uint32_t n)
{
	const __m256 sgn = _mm256_set1_ps(-0.0f);
	const __m256 one = _mm256_set1_ps(1.0f);
	float e[64];
	uint32_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(e + i, _mm256_xor_ps(_mm256_loadu_ps(a + i),
						      sgn));
	for (; i < n; i++)
		e[i] = -a[i];
	lla_kern_attn_expf(isa, e, n);
	for (i = 0; i + 8 <= n; i += 8) {
		__m256 d = _mm256_add_ps(one, _mm256_loadu_ps(e + i));

		_mm256_storeu_ps(a + i, _mm256_div_ps(_mm256_loadu_ps(a + i), d));
	}
	for (; i < n; i++)
		a[i] = a[i] / (1.0f + e[i]);
}

MISC_FN int lla_kmisc_elt(int isa, uint8_t op, float imm, float *a,
			  const float *b, uint32_t n)
{
	const __m256 iv = _mm256_set1_ps(imm), zero = _mm256_setzero_ps();
	uint32_t i = 0;

	/* Where two NaNs could meet: NaN pairs, NaN imm, SILU's x / d. */
	if (((op == LLA_ELT_ADD || op == LLA_ELT_MUL) && nan_in(a, b, n)) ||
	    (op == LLA_ELT_SCALE && imm != imm) ||
	    (op == LLA_ELT_SILU && nan_in(a, NULL, n)))
		return 0;
	if (op == LLA_ELT_SILU) {
		for (; i < n; i += 64)
			silu_chunk(isa, a + i, n - i < 64 ? n - i : 64);
		return 1;
	}
	for (; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps(a + i);

		switch (op) {
		case LLA_ELT_ADD:
			v = _mm256_add_ps(v, _mm256_loadu_ps(b + i));
			break;
		case LLA_ELT_MUL:
			v = _mm256_mul_ps(v, _mm256_loadu_ps(b + i));
			break;
		case LLA_ELT_SCALE:
			v = _mm256_mul_ps(v, iv);
			break;
		case LLA_ELT_RELU:
			/* x > 0 ? x : +0, NaN -> +0 */
			v = _mm256_and_ps(v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ));
			break;
		default:	/* RELU2 */
			v = _mm256_and_ps(v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ));
			v = _mm256_mul_ps(v, v);
			break;
		}
		_mm256_storeu_ps(a + i, v);
	}
	if (i < n)
		lla_elt_ref(op, imm, a + i, b ? b + i : NULL, n - i);
	return 1;
}

MISC_FN int lla_kmisc_rope_head(int isa, float *v, const float *t,
				uint32_t hd)
{
	uint32_t half = hd / 2, i = 0;

	(void)isa;
	/* products of two NaNs, and NaN differences and sums */
	if (nan_in(v, NULL, hd) || nan_in(t, NULL, hd))
		return 0;
	for (; i + 8 <= half; i += 8) {
		__m256 p = _mm256_loadu_ps(t + 2 * i);
		__m256 q = _mm256_loadu_ps(t + 2 * i + 8);
		/* {c, s} pairs -> c0..7 and s0..7 (per-half shuffle, then fix) */
		__m256 cs = _mm256_castpd_ps(_mm256_permute4x64_pd(
			_mm256_castps_pd(_mm256_shuffle_ps(p, q, 0x88)), 0xd8));
		__m256 sn = _mm256_castpd_ps(_mm256_permute4x64_pd(
			_mm256_castps_pd(_mm256_shuffle_ps(p, q, 0xdd)), 0xd8));
		__m256 x0 = _mm256_loadu_ps(v + i);
		__m256 x1 = _mm256_loadu_ps(v + i + half);

		_mm256_storeu_ps(v + i, _mm256_sub_ps(_mm256_mul_ps(cs, x0),
						      _mm256_mul_ps(sn, x1)));
		_mm256_storeu_ps(v + i + half,
				 _mm256_add_ps(_mm256_mul_ps(sn, x0),
					       _mm256_mul_ps(cs, x1)));
	}
	for (; i < half; i++) {
		float c = t[2 * i], s = t[2 * i + 1];
		float x0 = v[i], x1 = v[i + half];

		v[i] = x0 * c - x1 * s;
		v[i + half] = x0 * s + x1 * c;
	}
	return 1;
}

#else /* no vector kernels: lla_kern_isa() says so, callers never get here */

int lla_kmisc_any_nan(int isa, const float *x, uint64_t n)
{
	(void)isa, (void)x, (void)n;
	return 1;
}

float lla_kmisc_sumsq(int isa, const float *x, uint32_t k)
{
	(void)isa;
	return lla_sumsq_f32(x, k);
}

void lla_kmisc_scale(int isa, const float *x, float r, const float *gamma,
		     float *y, uint32_t k)
{
	(void)isa, (void)x, (void)r, (void)gamma, (void)y, (void)k;
}

int lla_kmisc_rms_norm(int isa, float *y, uint32_t k, float eps,
		       const float *gamma)
{
	(void)isa, (void)y, (void)k, (void)eps, (void)gamma;
	return 0;
}

float lla_kmisc_quant_row(int isa, const float *x, uint32_t k, int8_t *q)
{
	(void)isa;
	return lla_quant_row(x, k, q);
}

void lla_kmisc_quant_scaled(int isa, const float *x, float s, uint32_t k,
			    int8_t *q)
{
	(void)isa;
	for (uint32_t i = 0; i < k; i++)
		q[i] = lla_quant_one(x[i] * s);
}

void lla_kmisc_f32_to_f16(int isa, const float *f, uint16_t *h, uint64_t n)
{
	(void)isa;
	for (uint64_t i = 0; i < n; i++)
		h[i] = lla_f32_to_f16(f[i]);
}

void lla_kmisc_h2f(int isa, const uint16_t *h, float *f, uint64_t n)
{
	(void)isa;
	for (uint64_t i = 0; i < n; i++)
		f[i] = lla_h2f(h[i]);
}

int lla_kmisc_elt(int isa, uint8_t op, float imm, float *a, const float *b,
		  uint32_t n)
{
	(void)isa, (void)op, (void)imm, (void)a, (void)b, (void)n;
	return 0;
}

int lla_kmisc_rope_head(int isa, float *v, const float *t, uint32_t hd)
{
	(void)isa, (void)v, (void)t, (void)hd;
	return 0;
}

#endif
