// SPDX-License-Identifier: MIT
/*
 * AVX2 + F16C kernels of the attention engines: fp16 tile conversion,
 * the score dots, lla_expf and the p * v accumulation, each bit-identical
 * to the scalar reference in op_attn.c / numerics.c.
 *
 * Why the bits agree:
 *  - vcvtph2ps is exact (subnormal halves included), like lla_h2f;
 *  - the score dot is the contract's 16-lane structure (hw-spec 7.12,
 *    7.4): lanes 0..7 and 8..15 are two ymm accumulators, so lane j
 *    sums d = j, j + 16, ... ascending by construction; the tree is the
 *    contract's; a partial last group is loaded masked (zeros), and
 *    lane + (0 * 0) = lane because a lane sum from +0 is never -0;
 *  - p * v and the rescale are independent per d: eight d per vector,
 *    the same mul and add per element in the same j order;
 *  - expf follows numerics.c step by step on the range where its only
 *    branch is the plain 2^n scaling; any other input falls back to
 *    the scalar function;
 *  - multiply and add stay separate instructions everywhere (no FMA:
 *    the target attributes do not enable it).
 *
 * Compiled with target attributes only, so the library runs on any
 * x86-64; op_attn.c checks lla_kern_isa() before calling.
 */
#include <string.h>
#include "kern.h"
#include "kern_attn.h"
#include "numerics_expf.h"

#if defined(__x86_64__) && !defined(LLA_NO_SIMD)
#include <immintrin.h>

#define ATT_FN		__attribute__((target("avx2,f16c")))
#define ATT_INLINE	static inline __attribute__((target("avx2,f16c"), \
							    always_inline))

static ATT_FN void h2f_avx2(const uint16_t *h, float *f, uint64_t n)
{
	uint64_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(f + i, _mm256_cvtph_ps(_mm_loadu_si128(
						(const __m128i *)(h + i))));
	for (; i < n; i++)
		f[i] = lla_h2f(h[i]);
}

/* The contract's lane tree: (j, j+8), (j, j+4), (j, j+2), (0, 1). */
ATT_INLINE float lane_tree(__m256 lo, __m256 hi)
{
	__m256 t = _mm256_add_ps(lo, hi);
	__m128 u = _mm_add_ps(_mm256_castps256_ps128(t),
			      _mm256_extractf128_ps(t, 1));
	__m128 v = _mm_add_ps(u, _mm_movehl_ps(u, u));

	return _mm_cvtss_f32(_mm_add_ss(v, _mm_shuffle_ps(v, v, 1)));
}

/* Load mask of the first @r (0..8) floats of a vector. */
ATT_INLINE __m256i first_mask(int r)
{
	const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);

	return _mm256_cmpgt_epi32(_mm256_set1_epi32(r), idx);
}

/*
 * Dots of q with @W (1 or 4) key rows: 2 * W independent add chains.
 * The last hd % 16 elements are loaded masked, never past the row.
 */
ATT_INLINE void dots_w(const float *q, const float *k, uint64_t ks, int W,
		       uint32_t hd, float *s)
{
	__m256 acc[8];
	uint32_t d = 0;
	int r = (int)(hd % 16);

#pragma GCC unroll 8
	for (int i = 0; i < 2 * W; i++)
		acc[i] = _mm256_setzero_ps();
	for (; d + 16 <= hd; d += 16) {
		__m256 q0 = _mm256_loadu_ps(q + d);
		__m256 q1 = _mm256_loadu_ps(q + d + 8);

#pragma GCC unroll 4
		for (int w = 0; w < W; w++) {
			const float *kr = k + (size_t)w * ks + d;

			acc[2 * w] = _mm256_add_ps(acc[2 * w], _mm256_mul_ps(q0,
						   _mm256_loadu_ps(kr)));
			acc[2 * w + 1] = _mm256_add_ps(acc[2 * w + 1],
					_mm256_mul_ps(q1, _mm256_loadu_ps(kr + 8)));
		}
	}
	if (r) {
		__m256i m0 = first_mask(r < 8 ? r : 8);
		__m256i m1 = first_mask(r > 8 ? r - 8 : 0);
		__m256 q0 = _mm256_maskload_ps(q + d, m0);
		__m256 q1 = _mm256_maskload_ps(q + d + 8, m1);

#pragma GCC unroll 4
		for (int w = 0; w < W; w++) {
			const float *kr = k + (size_t)w * ks + d;

			acc[2 * w] = _mm256_add_ps(acc[2 * w], _mm256_mul_ps(q0,
						   _mm256_maskload_ps(kr, m0)));
			acc[2 * w + 1] = _mm256_add_ps(acc[2 * w + 1],
					_mm256_mul_ps(q1,
						_mm256_maskload_ps(kr + 8, m1)));
		}
	}
#pragma GCC unroll 4
	for (int w = 0; w < W; w++)
		s[w] = lane_tree(acc[2 * w], acc[2 * w + 1]);
}

static ATT_FN void dots_avx2(const float *q, const float *k, uint64_t ks,
			     uint32_t n, uint32_t hd, float *s)
{
	uint32_t j = 0;

	for (; j + 4 <= n; j += 4)
		dots_w(q, k + (size_t)j * ks, ks, 4, hd, s + j);
	for (; j < n; j++)
		dots_w(q, k + (size_t)j * ks, ks, 1, hd, s + j);
}

/*
 * lla_expf on eight lanes, the same operations in the same order:
 *   fn = x * LOG2E; n = trunc(fn +- 0.5); fn = n;
 *   r = (x - fn * LN2_HI) - fn * LN2_LO; Horner to degree 7;
 *   p = 1 + (r + r * r * p); result p * 2^n.
 * Valid when every lane is in [-87, 88]: then n is in [-126, 127] and
 * numerics.c takes neither its overflow/underflow exits nor the
 * two-step scaling.  (fn < 0 ? -0.5 : 0.5) is a compare and blend.
 */
ATT_INLINE __m256 expf8(__m256 x)
{
	const __m256 half = _mm256_set1_ps(0.5f);
	__m256 fn = _mm256_mul_ps(x, _mm256_set1_ps(LOG2E));
	__m256 neg = _mm256_cmp_ps(fn, _mm256_setzero_ps(), _CMP_LT_OQ);
	__m256 rnd = _mm256_blendv_ps(half, _mm256_set1_ps(-0.5f), neg);
	__m256i n = _mm256_cvttps_epi32(_mm256_add_ps(fn, rnd));
	__m256 hi, r, p;

	fn = _mm256_cvtepi32_ps(n);
	hi = _mm256_sub_ps(x, _mm256_mul_ps(fn, _mm256_set1_ps(LN2_HI)));
	r = _mm256_sub_ps(hi, _mm256_mul_ps(fn, _mm256_set1_ps(LN2_LO)));
	p = _mm256_set1_ps(1.0f / 5040.0f);
	p = _mm256_add_ps(_mm256_set1_ps(1.0f / 720.0f), _mm256_mul_ps(r, p));
	p = _mm256_add_ps(_mm256_set1_ps(1.0f / 120.0f), _mm256_mul_ps(r, p));
	p = _mm256_add_ps(_mm256_set1_ps(1.0f / 24.0f), _mm256_mul_ps(r, p));
	p = _mm256_add_ps(_mm256_set1_ps(1.0f / 6.0f), _mm256_mul_ps(r, p));
	p = _mm256_add_ps(half, _mm256_mul_ps(r, p));
	p = _mm256_mul_ps(_mm256_mul_ps(r, r), p);
	p = _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(r, p));
	n = _mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23);
	return _mm256_mul_ps(p, _mm256_castsi256_ps(n));
}

/* All eight lanes in [-87, 88] (NaN compares false: not in range). */
ATT_INLINE int expf8_ok(__m256 x)
{
	__m256 in = _mm256_and_ps(
		_mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_GE_OQ),
		_mm256_cmp_ps(x, _mm256_set1_ps(88.0f), _CMP_LE_OQ));

	return _mm256_movemask_ps(in) == 0xff;
}

static ATT_FN void expf_avx2(float *x, uint32_t n)
{
	uint32_t j = 0;

	for (; j + 8 <= n; j += 8) {
		__m256 v = _mm256_loadu_ps(x + j);

		if (expf8_ok(v)) {
			_mm256_storeu_ps(x + j, expf8(v));
			continue;
		}
		for (uint32_t i = j; i < j + 8; i++)
			x[i] = lla_expf(x[i]);
	}
	for (; j < n; j++)
		x[j] = lla_expf(x[j]);
}

/*
 * @W vectors of acc (8 * W consecutive d): rescale, then all n keys in
 * ascending order while the sums stay in registers.
 */
ATT_INLINE void pv_w(float *acc, __m256 corr, const float *p, const float *v,
		     uint64_t vs, uint32_t n, int W)
{
	__m256 a[8];

#pragma GCC unroll 8
	for (int i = 0; i < W; i++)
		a[i] = _mm256_mul_ps(_mm256_loadu_ps(acc + 8 * i), corr);
	for (uint32_t j = 0; j < n; j++) {
		__m256 pj = _mm256_broadcast_ss(p + j);
		const float *vr = v + (size_t)j * vs;

#pragma GCC unroll 8
		for (int i = 0; i < W; i++)
			a[i] = _mm256_add_ps(a[i], _mm256_mul_ps(pj,
						_mm256_loadu_ps(vr + 8 * i)));
	}
#pragma GCC unroll 8
	for (int i = 0; i < W; i++)
		_mm256_storeu_ps(acc + 8 * i, a[i]);
}

static ATT_FN void pv_avx2(float *acc, float corr, const float *p,
			   const float *v, uint64_t vs, uint32_t n,
			   uint32_t hd)
{
	__m256 c = _mm256_set1_ps(corr);
	uint32_t d = 0;

	for (; d + 64 <= hd; d += 64)
		pv_w(acc + d, c, p, v + d, vs, n, 8);
	for (; d + 8 <= hd; d += 8)
		pv_w(acc + d, c, p, v + d, vs, n, 1);
	for (; d < hd; d++) {
		float s = acc[d] * corr;

		for (uint32_t j = 0; j < n; j++)
			s = s + p[j] * v[(size_t)j * vs + d];
		acc[d] = s;
	}
}

void lla_kern_attn_h2f(int isa, const uint16_t *h, float *f, uint64_t n)
{
	(void)isa;	/* every level from AVX2 up uses the same kernel */
	h2f_avx2(h, f, n);
}

void lla_kern_attn_dots(int isa, const float *q, const float *k, uint64_t ks,
			uint32_t n, uint32_t hd, float *s)
{
	(void)isa;
	dots_avx2(q, k, ks, n, hd, s);
}

void lla_kern_attn_expf(int isa, float *x, uint32_t n)
{
	(void)isa;
	expf_avx2(x, n);
}

void lla_kern_attn_pv(int isa, float *acc, float corr, const float *p,
		      const float *v, uint64_t vs, uint32_t n, uint32_t hd)
{
	(void)isa;
	pv_avx2(acc, corr, p, v, vs, n, hd);
}

#else /* no vector kernels: lla_kern_isa() says so, callers never get here */

void lla_kern_attn_h2f(int isa, const uint16_t *h, float *f, uint64_t n)
{
	(void)isa, (void)h;
	memset(f, 0, n * sizeof(float));
}

void lla_kern_attn_dots(int isa, const float *q, const float *k, uint64_t ks,
			uint32_t n, uint32_t hd, float *s)
{
	(void)isa, (void)q, (void)k, (void)ks, (void)hd;
	memset(s, 0, (size_t)n * sizeof(float));
}

void lla_kern_attn_expf(int isa, float *x, uint32_t n)
{
	(void)isa, (void)x, (void)n;
}

void lla_kern_attn_pv(int isa, float *acc, float corr, const float *p,
		      const float *v, uint64_t vs, uint32_t n, uint32_t hd)
{
	(void)isa, (void)acc, (void)corr, (void)p, (void)v, (void)vs;
	(void)n, (void)hd;
}

#endif
