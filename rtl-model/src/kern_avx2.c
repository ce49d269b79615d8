// SPDX-License-Identifier: MIT
/*
 * AVX2 and AVX-VNNI kernels for TLMM (T2, T5) and QMM I8 integer dot
 * products, and the AVX2 + F16C kernel of QMM F16 (at the end).
 *
 * Ternary rows.  A block of 32 weight bytes is loaded as one vector and
 * split into its per-byte codes: T2 into 4 vectors (code i of byte j is
 * bits 2i..2i+1), T5 into 5 (base-3 digit i of byte j).  Code vector i
 * then meets 32 activations that were permuted once per activation row
 * so that byte j of that vector holds x[4j + i] (T2) or x[5j + i] (T5)
 * of the block (lla_kern_tern_perm).  Codes are unsigned, c = w + 1 in
 * {0, 1, 2}, which _mm256_maddubs_epi16 multiplies with the signed
 * activations; the activation sum of the row is subtracted at the end:
 *
 *   sum_k w_k x_k = sum_k c_k x_k - sum_k x_k.
 *
 * Invalid codes are first rewritten to the code of weight 0 (T2 code 3
 * -> 1; T5 bytes 243..255 -> 121 = digits 1,1,1,1,1), which gives the
 * reference's "invalid weighs nothing".  Weights beyond k meet zero
 * activations (the permuted row is zero padded; the partial last block
 * of a weight row is copied into a zeroed buffer), as the reference
 * skips them.
 *
 * Exactness: a maddubs lane is c0*x0 + c1*x1 with |.| <= 2*2*128 = 512
 * (never saturates), the 4 or 5 lanes of a block sum to <= 2560 in
 * int16, _mm256_madd_epi16 widens to int32, and the row totals are far
 * below 2^31 (k * 256 <= 2^24).  Integer addition is associative, so
 * the result equals the reference's ascending-k sum bit for bit.
 *
 * Register blocking: four activation rows share each decoded block, so
 * for M > 1 the decode cost is spread over four dot products; M % 4
 * leftover rows use the one-row kernel, which is also the GEMV kernel.
 * T5's digit extraction costs more, so with four or more rows its
 * weight rows are decoded once into a scratch buffer of code bytes
 * (t5_decode_row) and reused by every activation row.
 *
 * AVX-VNNI (kern_body.h is compiled three times: AVX2, AVX-VNNI and
 * the same EVEX encoded): _mm256_dpbusd_avx_epi32
 * replaces maddubs + int16 add + madd + add; it adds the four u8 x s8
 * products of a lane into int32 without saturation, so it is exact too.
 *
 * These functions are compiled for AVX2/AVX-VNNI with target attributes
 * only; the callers check lla_kern_isa() (kern_isa.c) first, so the
 * library runs on any x86-64 and builds without them elsewhere.
 */
#include <string.h>
#include "kern.h"

uint32_t lla_kern_tern_per(uint8_t wfmt)
{
	return wfmt == LLA_WFMT_T5 ? 5 : 4;
}

uint64_t lla_kern_tern_xbytes(uint8_t wfmt, uint32_t k)
{
	uint64_t rb = lla_wfmt_row_bytes(wfmt, k);
	uint64_t blocks = rb / LLA_KERN_WBLK + (rb % LLA_KERN_WBLK != 0);

	return (blocks ? blocks : 1) * LLA_KERN_WBLK * lla_kern_tern_per(wfmt);
}

/*
 * One block of @n activations: weight o of the block is code o % PER of
 * its byte o / PER.  PER is a constant in each caller, so no division
 * is left in the loop (the permutation runs once per activation row of
 * every matmul, and a decode step has a hundred of them).
 */
static inline __attribute__((always_inline)) void
perm_block(const int8_t *xq, uint32_t n, int8_t *xp, const uint32_t per)
{
	for (uint32_t o = 0; o < n; o++)
		xp[(o % per) * LLA_KERN_WBLK + o / per] = xq[o];
}

int32_t lla_kern_tern_perm(uint8_t wfmt, const int8_t *xq, uint32_t k,
			   int8_t *xp)
{
	uint32_t per = lla_kern_tern_per(wfmt);
	uint32_t bx = LLA_KERN_WBLK * per;	/* activations per block */
	int32_t sum = 0;

	memset(xp, 0, lla_kern_tern_xbytes(wfmt, k));
	for (uint32_t s = 0; s < k; s += bx) {
		uint32_t n = k - s < bx ? k - s : bx;

		if (per == 4)
			perm_block(xq + s, n, xp + s, 4);
		else
			perm_block(xq + s, n, xp + s, 5);
	}
	for (uint32_t kk = 0; kk < k; kk++)
		sum += xq[kk];
	return sum;
}

/* LLA_NO_SIMD builds the scalar reference only (and tests the stubs). */
#if defined(__x86_64__) && !defined(LLA_NO_SIMD)
#include <immintrin.h>

/*
 * The row and code loops have constant trip counts after inlining; they
 * are unrolled so that the accumulators stay in registers.
 */
#define AVX2_FN		__attribute__((target("avx2")))
#define AVX2_INLINE	static inline __attribute__((target("avx2"), \
							    always_inline))

/* T2 codes of a block: code 3 -> 1, then c[i] = (byte >> 2i) & 3. */
AVX2_INLINE void t2_codes(__m256i v, __m256i c[5])
{
	const __m256i m3 = _mm256_set1_epi8(3);
	/* high bit of every pair whose low bit is set too: code 3 */
	__m256i both = _mm256_and_si256(_mm256_and_si256(v,
					_mm256_slli_epi16(v, 1)),
					_mm256_set1_epi8((char)0xaa));

	v = _mm256_xor_si256(v, both);
	c[0] = _mm256_and_si256(v, m3);
	c[1] = _mm256_and_si256(_mm256_srli_epi16(v, 2), m3);
	c[2] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m3);
	c[3] = _mm256_and_si256(_mm256_srli_epi16(v, 6), m3);
}

/*
 * T5 digits of a block, computed on the even and odd bytes in 16-bit
 * lanes: q = t / 3 as mulhi(t, 21846) (exact for t <= 255), digit =
 * t - 3q; the fifth digit is what is left (< 3 once bytes >= 243 are
 * replaced by 121).
 */
AVX2_INLINE void t5_codes(__m256i v, __m256i c[5])
{
	const __m256i lo8 = _mm256_set1_epi16(0xff);
	const __m256i third = _mm256_set1_epi16(21846);
	const __m256i three = _mm256_set1_epi16(3);
	__m256i bad = _mm256_cmpeq_epi8(_mm256_max_epu8(v,
					_mm256_set1_epi8((char)243)), v);
	__m256i tl, th;

	v = _mm256_blendv_epi8(v, _mm256_set1_epi8(121), bad);
	tl = _mm256_and_si256(v, lo8);
	th = _mm256_srli_epi16(v, 8);
	#pragma GCC unroll 8
	for (int i = 0; i < 4; i++) {
		__m256i ql = _mm256_mulhi_epu16(tl, third);
		__m256i qh = _mm256_mulhi_epu16(th, third);
		__m256i dl = _mm256_sub_epi16(tl, _mm256_mullo_epi16(ql, three));
		__m256i dh = _mm256_sub_epi16(th, _mm256_mullo_epi16(qh, three));

		c[i] = _mm256_or_si256(dl, _mm256_slli_epi16(dh, 8));
		tl = ql;
		th = qh;
	}
	c[4] = _mm256_or_si256(tl, _mm256_slli_epi16(th, 8));
}

/*
 * T5 rows decoded once into code bytes laid out like the permuted
 * activations (block j: digit vector i at j * 160 + 32 * i), for the
 * multi-row case where the digit extraction would otherwise be repeated
 * for every group of four activation rows.
 */
AVX2_INLINE void t5_decode_row(const uint8_t *w, uint32_t rb, uint8_t *codes)
{
	uint32_t nfull = rb / LLA_KERN_WBLK;
	__m256i c[5];

	for (uint32_t j = 0; j <= nfull; j++) {
		uint8_t tail[LLA_KERN_WBLK] = { 0 };
		const uint8_t *src = w + 32 * (size_t)j;

		if (j == nfull) {
			if (!(rb % LLA_KERN_WBLK))
				break;
			memcpy(tail, src, rb % LLA_KERN_WBLK);
			src = tail;
		}
		t5_codes(_mm256_loadu_si256((const __m256i *)src), c);
		#pragma GCC unroll 8
		for (int i = 0; i < 5; i++)
			_mm256_storeu_si256((__m256i *)(codes + 160 * (size_t)j +
							32 * i), c[i]);
	}
}

AVX2_INLINE int32_t hsum32(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v),
				  _mm256_extracti128_si256(v, 1));

	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

#define KT_CAT2(a, b)	a##_##b
#define KT_CAT(a, b)	KT_CAT2(a, b)
#define KT(name)	KT_CAT(name, KT_SUF)

#define KT_VNNI		0
#define KT_SUF		avx2
#define KT_FN		AVX2_FN
#define KT_INLINE	AVX2_INLINE
#include "kern_body.h"
#undef KT_VNNI
#undef KT_SUF
#undef KT_FN
#undef KT_INLINE

#define KT_VNNI		1
#define KT_SUF		vnni
#define KT_DPBUSD	_mm256_dpbusd_avx_epi32
#define KT_FN		__attribute__((target("avx2,avxvnni")))
#define KT_INLINE	static inline __attribute__((target("avx2,avxvnni"), \
							    always_inline))
#include "kern_body.h"
#undef KT_SUF
#undef KT_DPBUSD
#undef KT_FN
#undef KT_INLINE

/*
 * The same kernels EVEX encoded, for the avx-vnni level on CPUs that
 * have AVX512-VNNI but not AVX-VNNI (lla_kern_vnni_evex).
 */
#define KT_SUF		vnniev
#define KT_DPBUSD	_mm256_dpbusd_epi32
#define KT_FN		__attribute__((target("avx2,avx512vl,avx512vnni")))
#define KT_INLINE	static inline __attribute__(( \
				target("avx2,avx512vl,avx512vnni"), \
				always_inline))
#include "kern_body.h"

void lla_kern_tern(int isa, uint8_t wfmt, const int8_t *xp,
		   uint64_t xstride, const int32_t *xsum, uint32_t rows,
		   const uint8_t *w, uint32_t rb, uint32_t nw, int32_t *dots,
		   uint64_t ldd, uint8_t *scratch)
{
	if (isa >= LLA_ISA_AVX512VNNI)
		lla_kern_tern_avx512(wfmt, xp, xstride, xsum, rows, w, rb, nw,
				     dots, ldd, scratch);
	else if (isa == LLA_ISA_AVXVNNI && lla_kern_vnni_evex())
		tern_vnniev(wfmt, xp, xstride, xsum, rows, w, rb, nw, dots,
			    ldd, scratch);
	else if (isa == LLA_ISA_AVXVNNI)
		tern_vnni(wfmt, xp, xstride, xsum, rows, w, rb, nw, dots, ldd,
			  scratch);
	else
		tern_avx2(wfmt, xp, xstride, xsum, rows, w, rb, nw, dots, ldd,
			  scratch);
}

void lla_kern_i8(int isa, const int8_t *x, uint32_t rows, const int8_t *w,
		 uint32_t nw, uint32_t k, int32_t *dots, uint64_t ldd)
{
	if (isa >= LLA_ISA_AVX512VNNI)
		lla_kern_i8_avx512(x, rows, w, nw, k, dots, ldd);
	else if (isa == LLA_ISA_AVXVNNI && lla_kern_vnni_evex())
		i8_vnniev(x, rows, w, nw, k, dots, ldd);
	else if (isa == LLA_ISA_AVXVNNI)
		i8_vnni(x, rows, w, nw, k, dots, ldd);
	else
		i8_avx2(x, rows, w, nw, k, dots, ldd);
}

/*
 * QMM F16 (AVX2 + F16C): the contract's L = 16 lanes are two ymm
 * accumulators per dot product, lanes 0..7 and 8..15.  Sixteen weights
 * are converted exactly with vcvtph2ps (subnormal halves included) and
 * multiplied and added with separate vmulps / vaddps: one rounding
 * each, as the reference (no FMA: the target has none).  The last
 * K % 16 elements go through zero-padded copies; a padding lane adds
 * 0 * 0 = +0, which leaves its sum unchanged (a lane sum starting at
 * +0 is never -0 under round to nearest), so it equals the reference
 * that skips them.  The lanes are then added in the contract's tree:
 * 8 pairs (j, j + 8), 4 pairs (j, j + 4), 2 pairs (j, j + 2), 1.
 */
#define F16_FN		__attribute__((target("avx2,f16c")))
#define F16_INLINE	static inline __attribute__((target("avx2,f16c"), \
							    always_inline))

F16_INLINE float f16_tree(__m256 lo, __m256 hi)
{
	__m256 t = _mm256_add_ps(lo, hi);
	__m128 u = _mm_add_ps(_mm256_castps256_ps128(t),
			      _mm256_extractf128_ps(t, 1));
	__m128 v = _mm_add_ps(u, _mm_movehl_ps(u, u));

	return _mm_cvtss_f32(_mm_add_ss(v, _mm_shuffle_ps(v, v, 1)));
}

/* One step of 16 k: @R x rows (@xs floats apart) times @W weight rows. */
F16_INLINE void f16_step(const float *x, uint64_t xs, int R,
			 const uint16_t *w, uint64_t ws, int W,
			 __m256 acc[8])
{
	__m256 wv[8];

#pragma GCC unroll 8
	for (int q = 0; q < W; q++) {
		wv[2 * q] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)
						(w + (size_t)q * ws)));
		wv[2 * q + 1] = _mm256_cvtph_ps(_mm_loadu_si128(
				(const __m128i *)(w + (size_t)q * ws + 8)));
	}
#pragma GCC unroll 8
	for (int r = 0; r < R; r++) {
		__m256 x0 = _mm256_loadu_ps(x + (size_t)r * xs);
		__m256 x1 = _mm256_loadu_ps(x + (size_t)r * xs + 8);

#pragma GCC unroll 8
		for (int q = 0; q < W; q++) {
			__m256 *a = acc + 2 * (r * W + q);

			a[0] = _mm256_add_ps(a[0], _mm256_mul_ps(x0,
							wv[2 * q]));
			a[1] = _mm256_add_ps(a[1], _mm256_mul_ps(x1,
							wv[2 * q + 1]));
		}
	}
}

/* Dots of @R x rows with @W weight rows (R * W <= 4). */
F16_INLINE void f16_dot(const float *x, int R, const uint16_t *w, int W,
			uint32_t k, float *out, uint64_t ldo)
{
	uint32_t j = 0, t = k % 16;
	__m256 acc[8];

#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		acc[i] = _mm256_setzero_ps();
	for (; j + 16 <= k; j += 16)
		f16_step(x + j, k, R, w + j, k, W, acc);
	if (t) {
		float xt[4 * 16] = { 0 };
		uint16_t wt[4 * 16] = { 0 };

		for (int r = 0; r < R; r++)
			memcpy(xt + 16 * r, x + (size_t)r * k + j, 4 * t);
		for (int q = 0; q < W; q++)
			memcpy(wt + 16 * q, w + (size_t)q * k + j, 2 * t);
		f16_step(xt, 16, R, wt, 16, W, acc);
	}
#pragma GCC unroll 8
	for (int r = 0; r < R; r++)
#pragma GCC unroll 8
		for (int q = 0; q < W; q++)
			out[(size_t)r * ldo + q] = f16_tree(acc[2 * (r * W + q)],
						acc[2 * (r * W + q) + 1]);
}

/*
 * Four x rows share each converted weight block; a single x row (GEMV)
 * takes four weight rows at a time instead, for eight independent add
 * chains either way.
 */
static F16_FN void f16_avx2(const float *x, uint32_t rows, const uint16_t *w,
			    uint32_t nw, uint32_t k, float *out, uint64_t ldo)
{
	uint32_t r = 0;

	for (; r + 4 <= rows; r += 4)
		for (uint32_t i = 0; i < nw; i++)
			f16_dot(x + (size_t)r * k, 4, w + (size_t)i * k, 1, k,
				out + (size_t)r * ldo + i, ldo);
	for (; r < rows; r++) {
		const float *xr = x + (size_t)r * k;
		float *o = out + (size_t)r * ldo;
		uint32_t i = 0;

		for (; i + 4 <= nw; i += 4)
			f16_dot(xr, 1, w + (size_t)i * k, 4, k, o + i, ldo);
		for (; i < nw; i++)
			f16_dot(xr, 1, w + (size_t)i * k, 1, k, o + i, ldo);
	}
}

void lla_kern_f16(int isa, const float *x, uint32_t rows, const uint16_t *w,
		  uint32_t nw, uint32_t k, float *out, uint64_t ldo)
{
	(void)isa;	/* every level from AVX2 up uses the same kernel */
	f16_avx2(x, rows, w, nw, k, out, ldo);
}
#else /* no vector kernels: lla_kern_isa() says so, callers never get here */

void lla_kern_tern(int isa, uint8_t wfmt, const int8_t *xp,
		   uint64_t xstride, const int32_t *xsum, uint32_t rows,
		   const uint8_t *w, uint32_t rb, uint32_t nw, int32_t *dots,
		   uint64_t ldd, uint8_t *scratch)
{
	(void)isa, (void)wfmt, (void)xp, (void)xstride, (void)xsum;
	(void)w, (void)rb, (void)scratch;
	for (uint32_t r = 0; r < rows; r++)
		memset(dots + (size_t)r * ldd, 0, 4 * (size_t)nw);
}

void lla_kern_i8(int isa, const int8_t *x, uint32_t rows, const int8_t *w,
		 uint32_t nw, uint32_t k, int32_t *dots, uint64_t ldd)
{
	(void)isa, (void)x, (void)w, (void)k;
	for (uint32_t r = 0; r < rows; r++)
		memset(dots + (size_t)r * ldd, 0, 4 * (size_t)nw);
}

void lla_kern_f16(int isa, const float *x, uint32_t rows, const uint16_t *w,
		  uint32_t nw, uint32_t k, float *out, uint64_t ldo)
{
	(void)isa, (void)x, (void)w, (void)k;
	for (uint32_t r = 0; r < rows; r++)
		memset(out + (size_t)r * ldo, 0, 4 * (size_t)nw);
}

#endif
