// SPDX-License-Identifier: MIT
/*
 * AVX-512 (F + BW + VL + VNNI) kernels for the integer dot products of
 * TLMM (T2, T5) and QMM I8, the LLA_ISA_AVX512VNNI path.  Same inputs,
 * layouts and int32 results as kern_avx2.c (read its header first):
 * codes c = w + 1 in {0, 1, 2} against the permuted activations, the
 * row's activation sum subtracted at the end; vpdpbusd adds the four
 * u8 x s8 products of a lane into int32 without saturation, so every
 * sum is exact and, integer addition being associative, equal to the
 * reference's bit for bit.
 *
 * Why the layouts fit 512-bit vectors without a new permutation:
 *
 * T2.  A 32-byte block is broadcast to both halves of a zmm and the
 * high half shifted two bits further (vpsrlvw), so one vector holds
 * codes 0 | 1 and another codes 2 | 3 of the block: exactly the 64 + 64
 * contiguous permuted activations of the block.
 *
 * T5.  The digits of two blocks are extracted at once (one 64-byte
 * load, as kern_avx2.c's t5_codes on twice the width); 128-bit lane
 * shuffles then pair digits 0 | 1 and 2 | 3 of each block, which meet
 * 64 contiguous activations each, and digit 4 of both blocks meets two
 * 32-byte activation pieces joined in one vector.  With four or more
 * activation rows the weight rows are decoded once into code bytes laid
 * out like the permuted activations, and the dot product of a code row
 * with an activation row is then one contiguous u8 x s8 dot.
 *
 * I8 as kern_avx2.c's AVX-VNNI kernel (weights offset by 128, 128 *
 * sum(x) taken off modulo 2^32), 64 bytes a step.
 *
 * Partial blocks and tails use zero-masked loads (bytes past the end
 * are neither read nor faulted on); zero weight bytes there meet zero
 * activations, because the permuted rows are zero padded to whole
 * blocks and the I8 activations are masked the same way.
 *
 * Register blocking: R activation rows x W weight rows per tile, two
 * accumulators per dot where one chain of vpdpbusd would otherwise
 * serialise on its latency.  GEMV (one row) takes several weight rows
 * so that independent chains hide the latency and the activation loads
 * are shared.
 *
 * Compiled with target attributes only, like kern_avx2.c: the build
 * needs no -mavx512 flag and the library runs on any x86-64; callers
 * reach these through lla_kern_tern / lla_kern_i8 only when
 * lla_kern_isa() says the CPU and OS have them.
 */
#include <string.h>
#include "kern.h"

#if defined(__x86_64__) && !defined(LLA_NO_SIMD)
#include <immintrin.h>

#define Z_TARGET	"avx512f,avx512bw,avx512vl,avx512vnni"
#define Z_FN		__attribute__((target(Z_TARGET)))
#define Z_INLINE	static inline __attribute__((target(Z_TARGET), \
							    always_inline))

/*
 * Sum of the 16 int32 lanes with vector adds only: the I8 totals wrap
 * modulo 2^32 on purpose, which scalar signed adds must not do.
 */
Z_INLINE int32_t zsum(__m512i v)
{
	__m256i h = _mm256_add_epi32(_mm512_castsi512_si256(v),
				     _mm512_extracti64x4_epi64(v, 1));
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(h),
				  _mm256_extracti128_si256(h, 1));

	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

/* The first @n (< 64) bytes. */
Z_INLINE __mmask64 zmask(uint32_t n)
{
	return n >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
}

/* ---------------- T2 ---------------- */

/*
 * Codes of one block of @n (<= 32) bytes: a = codes 0 | 1, b = codes
 * 2 | 3 (code 3 rewritten to 1 first, as kern_avx2.c's t2_codes).
 */
Z_INLINE void t2_block(const uint8_t *w, uint32_t n, __m512i *a, __m512i *b)
{
	const __m512i m3 = _mm512_set1_epi8(3);
	/* words 0..15 (low half) shift by 0, words 16..31 by 2 */
	const __m512i cnt = _mm512_inserti64x4(_mm512_setzero_si512(),
					       _mm256_set1_epi16(2), 1);
	__m256i v = n >= 32 ? _mm256_loadu_si256((const __m256i *)w) :
		    _mm256_maskz_loadu_epi8((__mmask32)zmask(n), w);
	__m512i z = _mm512_broadcast_i64x4(v);

	/* z ^ (z & z << 1 & 0xaa...): clears the high bit of code 3 */
	z = _mm512_ternarylogic_epi64(z, _mm512_slli_epi16(z, 1),
				      _mm512_set1_epi8((char)0xaa), 0x70);
	z = _mm512_srlv_epi16(z, cnt);
	*a = _mm512_and_si512(z, m3);
	*b = _mm512_and_si512(_mm512_srli_epi16(z, 4), m3);
}

/*
 * Dots of @W weight rows (@rb bytes apart) with @R permuted activation
 * rows (@xs bytes apart): out[r * ldd + q].
 */
Z_INLINE void t2_tile(const uint8_t *w, uint32_t rb, const int8_t *xp,
		      uint64_t xs, const int32_t *xsum, int R, int W,
		      int32_t *out, uint64_t ldd)
{
	uint32_t nblk = (rb + LLA_KERN_WBLK - 1) / LLA_KERN_WBLK;
	__m512i acc[4][4][2];

#pragma GCC unroll 16
	for (int r = 0; r < R; r++)
#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			acc[r][q][0] = acc[r][q][1] = _mm512_setzero_si512();
	for (uint32_t j = 0; j < nblk; j++) {
		uint32_t n = rb - 32 * j < 32 ? rb - 32 * j : 32;
		__m512i a[4], b[4];

#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			t2_block(w + (size_t)q * rb + 32 * (size_t)j, n,
				 &a[q], &b[q]);
#pragma GCC unroll 16
		for (int r = 0; r < R; r++) {
			const int8_t *xr = xp + (size_t)r * xs + 128 * (size_t)j;
			__m512i x0 = _mm512_loadu_si512(xr);
			__m512i x1 = _mm512_loadu_si512(xr + 64);

#pragma GCC unroll 16
			for (int q = 0; q < W; q++) {
				acc[r][q][0] = _mm512_dpbusd_epi32(
					acc[r][q][0], a[q], x0);
				acc[r][q][1] = _mm512_dpbusd_epi32(
					acc[r][q][1], b[q], x1);
			}
		}
	}
#pragma GCC unroll 16
	for (int r = 0; r < R; r++)
#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			out[(size_t)r * ldd + q] = zsum(_mm512_add_epi32(
				acc[r][q][0], acc[r][q][1])) - xsum[r];
}

/* ---------------- T5 ---------------- */

/*
 * Base-3 digits of @n (<= 64) bytes, two blocks: c[i] = digit i of
 * every byte (bytes >= 243 as 121, weight 0), in 16-bit lanes on the
 * even and odd bytes as kern_avx2.c's t5_codes.
 */
Z_INLINE void t5_digits(const uint8_t *w, uint32_t n, __m512i c[5])
{
	const __m512i lo8 = _mm512_set1_epi16(0xff);
	const __m512i third = _mm512_set1_epi16(21846);
	const __m512i three = _mm512_set1_epi16(3);
	__m512i v = n >= 64 ? _mm512_loadu_si512(w) :
		    _mm512_maskz_loadu_epi8(zmask(n), w);
	__m512i tl, th;

	v = _mm512_mask_mov_epi8(v, _mm512_cmpge_epu8_mask(v,
					_mm512_set1_epi8((char)243)),
				 _mm512_set1_epi8(121));
	tl = _mm512_and_si512(v, lo8);
	th = _mm512_srli_epi16(v, 8);
#pragma GCC unroll 8
	for (int i = 0; i < 4; i++) {
		__m512i ql = _mm512_mulhi_epu16(tl, third);
		__m512i qh = _mm512_mulhi_epu16(th, third);
		__m512i dl = _mm512_sub_epi16(tl, _mm512_mullo_epi16(ql, three));
		__m512i dh = _mm512_sub_epi16(th, _mm512_mullo_epi16(qh, three));

		c[i] = _mm512_or_si512(dl, _mm512_slli_epi16(dh, 8));
		tl = ql;
		th = qh;
	}
	c[4] = _mm512_or_si512(tl, _mm512_slli_epi16(th, 8));
}

/*
 * Dots of @W weight rows with @R activation rows, two blocks a step:
 * per block, digits 0 | 1 meet activations 0..63 of the block, 2 | 3
 * 64..127, digit 4 128..159.
 */
Z_INLINE void t5_tile(const uint8_t *w, uint32_t rb, const int8_t *xp,
		      uint64_t xs, const int32_t *xsum, int R, int W,
		      int32_t *out, uint64_t ldd)
{
	uint32_t nblk = (rb + LLA_KERN_WBLK - 1) / LLA_KERN_WBLK;
	__m512i acc[4][2][2];

#pragma GCC unroll 16
	for (int r = 0; r < R; r++)
#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			acc[r][q][0] = acc[r][q][1] = _mm512_setzero_si512();
	for (uint32_t j = 0; j < nblk; j += 2) {
		uint32_t n = rb - 32 * j < 64 ? rb - 32 * j : 64;
		int two = j + 1 < nblk;
		__m512i c[2][5];

#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			t5_digits(w + (size_t)q * rb + 32 * (size_t)j, n, c[q]);
#pragma GCC unroll 16
		for (int r = 0; r < R; r++) {
			const int8_t *xr = xp + (size_t)r * xs + 160 * (size_t)j;
			__m512i x0 = _mm512_loadu_si512(xr);
			__m512i x1 = _mm512_loadu_si512(xr + 64);
			__m512i x4;

			if (two)
				x4 = _mm512_inserti64x4(_mm512_castsi256_si512(
					_mm256_loadu_si256((const __m256i *)
							   (xr + 128))),
					_mm256_loadu_si256((const __m256i *)
							   (xr + 288)), 1);
			else	/* second block's lanes: zero activations */
				x4 = _mm512_maskz_loadu_epi8(zmask(32), xr + 128);
#pragma GCC unroll 16
			for (int q = 0; q < W; q++) {
				__m512i *a = acc[r][q];

				a[0] = _mm512_dpbusd_epi32(a[0],
					_mm512_shuffle_i64x2(c[q][0], c[q][1],
							     0x44), x0);
				a[1] = _mm512_dpbusd_epi32(a[1],
					_mm512_shuffle_i64x2(c[q][2], c[q][3],
							     0x44), x1);
				a[0] = _mm512_dpbusd_epi32(a[0], c[q][4], x4);
			}
			if (!two)
				continue;
			x0 = _mm512_loadu_si512(xr + 160);
			x1 = _mm512_loadu_si512(xr + 224);
#pragma GCC unroll 16
			for (int q = 0; q < W; q++) {
				__m512i *a = acc[r][q];

				a[1] = _mm512_dpbusd_epi32(a[1],
					_mm512_shuffle_i64x2(c[q][0], c[q][1],
							     0xee), x0);
				a[0] = _mm512_dpbusd_epi32(a[0],
					_mm512_shuffle_i64x2(c[q][2], c[q][3],
							     0xee), x1);
			}
		}
	}
#pragma GCC unroll 16
	for (int r = 0; r < R; r++)
#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			out[(size_t)r * ldd + q] = zsum(_mm512_add_epi32(
				acc[r][q][0], acc[r][q][1])) - xsum[r];
}

/* A weight row decoded into code bytes at the permuted activations' places. */
Z_INLINE void t5_decode_row(const uint8_t *w, uint32_t rb, uint8_t *codes)
{
	uint32_t nblk = (rb + LLA_KERN_WBLK - 1) / LLA_KERN_WBLK;

	for (uint32_t j = 0; j < nblk; j += 2) {
		uint32_t n = rb - 32 * j < 64 ? rb - 32 * j : 64;
		uint8_t *o = codes + 160 * (size_t)j;
		__m512i c[5];

		t5_digits(w + 32 * (size_t)j, n, c);
#pragma GCC unroll 8
		for (int i = 0; i < 5; i++) {
			_mm256_storeu_si256((__m256i *)(o + 32 * i),
					    _mm512_castsi512_si256(c[i]));
			if (j + 1 < nblk)
				_mm256_storeu_si256((__m256i *)(o + 160 +
								32 * i),
					_mm512_extracti64x4_epi64(c[i], 1));
		}
	}
}

/*
 * Contiguous u8 x s8 dots of @W code rows (@len bytes, a multiple of 32,
 * @cs apart) with @R activation rows (@xs apart).
 */
Z_INLINE void u8_tile(const uint8_t *cr, uint64_t cs, uint64_t len,
		      const int8_t *xp, uint64_t xs, const int32_t *xsum,
		      int R, int W, int32_t *out, uint64_t ldd)
{
	__m512i acc[4][2];
	uint64_t j = 0;

#pragma GCC unroll 16
	for (int r = 0; r < R; r++)
#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			acc[r][q] = _mm512_setzero_si512();
	for (; j < len; j += 64) {
		__mmask64 m = zmask((uint32_t)(len - j < 64 ? len - j : 64));
		__m512i c[2];

#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			c[q] = _mm512_maskz_loadu_epi8(m, cr + (size_t)q * cs + j);
#pragma GCC unroll 16
		for (int r = 0; r < R; r++) {
			__m512i x = _mm512_maskz_loadu_epi8(m, xp +
							    (size_t)r * xs + j);

#pragma GCC unroll 16
			for (int q = 0; q < W; q++)
				acc[r][q] = _mm512_dpbusd_epi32(acc[r][q],
								c[q], x);
		}
	}
#pragma GCC unroll 16
	for (int r = 0; r < R; r++)
#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			out[(size_t)r * ldd + q] = zsum(acc[r][q]) - xsum[r];
}

/*
 * T5, four or more activation rows: LLA_KERN_DEC_ROWS weight rows
 * decoded into @scratch, then four activation rows (in L1 across those
 * weight rows) against two code rows at a time.
 */
static Z_FN void t5_decoded(const int8_t *xp, uint64_t xstride,
			    const int32_t *xsum, uint32_t rows,
			    const uint8_t *w, uint32_t rb, uint32_t nw,
			    int32_t *dots, uint64_t ldd, uint8_t *scratch)
{
	for (uint32_t i0 = 0; i0 < nw; i0 += LLA_KERN_DEC_ROWS) {
		uint32_t ni = nw - i0 < LLA_KERN_DEC_ROWS ?
			      nw - i0 : LLA_KERN_DEC_ROWS;
		uint32_t r = 0;

		for (uint32_t i = 0; i < ni; i++)
			t5_decode_row(w + (size_t)(i0 + i) * rb, rb,
				      scratch + (size_t)i * xstride);
		for (; r + 4 <= rows; r += 4) {
			const int8_t *xr = xp + (size_t)r * xstride;
			int32_t *d = dots + (size_t)r * ldd + i0;
			uint32_t i = 0;

			for (; i + 2 <= ni; i += 2)
				u8_tile(scratch + (size_t)i * xstride, xstride,
					xstride, xr, xstride, xsum + r, 4, 2,
					d + i, ldd);
			for (; i < ni; i++)
				u8_tile(scratch + (size_t)i * xstride, xstride,
					xstride, xr, xstride, xsum + r, 4, 1,
					d + i, ldd);
		}
		for (; r < rows; r++)
			for (uint32_t i = 0; i < ni; i++)
				u8_tile(scratch + (size_t)i * xstride, xstride,
					xstride, xp + (size_t)r * xstride,
					xstride, xsum + r, 1, 1,
					dots + (size_t)r * ldd + i0 + i, ldd);
	}
}

/*
 * Activation rows in groups of four (their permuted rows stay in L1)
 * against weight-row tiles; one leftover row at a time against @WG
 * weight rows.  T2 GEMV takes one weight row at a time: with the rows
 * interleaved the weights come from DRAM as two to four short streams
 * the hardware prefetchers do not follow (8 instead of 18 GB/s on one
 * Zen 4 thread, no faster in cache); T5 decodes in registers and is
 * compute-bound, so two rows share each activation load.
 */
#define TILES(tile, WG)							\
	do {								\
		uint32_t r = 0, i;					\
									\
		for (; r + 4 <= rows; r += 4) {				\
			const int8_t *xr = xp + (size_t)r * xstride;	\
			int32_t *d = dots + (size_t)r * ldd;		\
									\
			for (i = 0; i + 2 <= nw; i += 2)		\
				tile(w + (size_t)i * rb, rb, xr, xstride, \
				     xsum + r, 4, 2, d + i, ldd);	\
			for (; i < nw; i++)				\
				tile(w + (size_t)i * rb, rb, xr, xstride, \
				     xsum + r, 4, 1, d + i, ldd);	\
		}							\
		for (; r < rows; r++) {					\
			const int8_t *xr = xp + (size_t)r * xstride;	\
			int32_t *d = dots + (size_t)r * ldd;		\
									\
			for (i = 0; i + WG <= nw; i += WG)		\
				tile(w + (size_t)i * rb, rb, xr, xstride, \
				     xsum + r, 1, WG, d + i, ldd);	\
			for (; i < nw; i++)				\
				tile(w + (size_t)i * rb, rb, xr, xstride, \
				     xsum + r, 1, 1, d + i, ldd);	\
		}							\
	} while (0)

static Z_FN void t2_all(const int8_t *xp, uint64_t xstride,
			const int32_t *xsum, uint32_t rows, const uint8_t *w,
			uint32_t rb, uint32_t nw, int32_t *dots, uint64_t ldd)
{
	TILES(t2_tile, 1);
}

static Z_FN void t5_all(const int8_t *xp, uint64_t xstride,
			const int32_t *xsum, uint32_t rows, const uint8_t *w,
			uint32_t rb, uint32_t nw, int32_t *dots, uint64_t ldd)
{
	TILES(t5_tile, 2);
}

void lla_kern_tern_avx512(uint8_t wfmt, const int8_t *xp, uint64_t xstride,
			  const int32_t *xsum, uint32_t rows,
			  const uint8_t *w, uint32_t rb, uint32_t nw,
			  int32_t *dots, uint64_t ldd, uint8_t *scratch)
{
	if (wfmt != LLA_WFMT_T5)
		t2_all(xp, xstride, xsum, rows, w, rb, nw, dots, ldd);
	else if (scratch && rows >= 4)
		t5_decoded(xp, xstride, xsum, rows, w, rb, nw, dots, ldd,
			   scratch);
	else
		t5_all(xp, xstride, xsum, rows, w, rb, nw, dots, ldd);
}

/* ---------------- QMM I8 ---------------- */

/* @W weight rows (@k apart) with @R activation rows (@k apart). */
Z_INLINE void i8_tile(const int8_t *x, const int8_t *w, uint32_t k,
		      const uint32_t *xsum, int R, int W, int32_t *out,
		      uint64_t ldd)
{
	const __m512i off = _mm512_set1_epi8((char)0x80);
	__m512i acc[4][4];

#pragma GCC unroll 16
	for (int r = 0; r < R; r++)
#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			acc[r][q] = _mm512_setzero_si512();
	for (uint32_t j = 0; j < k; j += 64) {
		__mmask64 m = zmask(k - j);
		__m512i wu[4];

		/* masked weight bytes become 128 but meet masked x = 0 */
#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			wu[q] = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m,
					w + (size_t)q * k + j), off);
#pragma GCC unroll 16
		for (int r = 0; r < R; r++) {
			__m512i xv = _mm512_maskz_loadu_epi8(m,
						x + (size_t)r * k + j);

#pragma GCC unroll 16
			for (int q = 0; q < W; q++)
				acc[r][q] = _mm512_dpbusd_epi32(acc[r][q],
								wu[q], xv);
		}
	}
#pragma GCC unroll 16
	for (int r = 0; r < R; r++)
#pragma GCC unroll 16
		for (int q = 0; q < W; q++)
			out[(size_t)r * ldd + q] = (int32_t)(
				(uint32_t)zsum(acc[r][q]) - 128u * xsum[r]);
}

static Z_FN void i8_all(const int8_t *x, uint32_t rows, const int8_t *w,
			uint32_t nw, uint32_t k, int32_t *dots, uint64_t ldd)
{
	for (uint32_t r = 0; r < rows;) {
		uint32_t R = rows - r >= 4 ? 4 : 1, i = 0;
		const int8_t *xr = x + (size_t)r * k;
		int32_t *d = dots + (size_t)r * ldd;
		uint32_t xsum[4] = { 0 };

		for (uint32_t q = 0; q < R; q++)
			for (uint32_t t = 0; t < k; t++)
				xsum[q] += (uint32_t)(int32_t)xr[(size_t)q * k + t];
		if (R == 4) {
			for (; i + 2 <= nw; i += 2)
				i8_tile(xr, w + (size_t)i * k, k, xsum, 4, 2,
					d + i, ldd);
			for (; i < nw; i++)
				i8_tile(xr, w + (size_t)i * k, k, xsum, 4, 1,
					d + i, ldd);
		} else {
			for (; i + 4 <= nw; i += 4)
				i8_tile(xr, w + (size_t)i * k, k, xsum, 1, 4,
					d + i, ldd);
			for (; i < nw; i++)
				i8_tile(xr, w + (size_t)i * k, k, xsum, 1, 1,
					d + i, ldd);
		}
		r += R;
	}
}

void lla_kern_i8_avx512(const int8_t *x, uint32_t rows, const int8_t *w,
			uint32_t nw, uint32_t k, int32_t *dots, uint64_t ldd)
{
	i8_all(x, rows, w, nw, k, dots, ldd);
}

#endif /* x86-64 vector kernels */
