/* SPDX-License-Identifier: MIT */
/*
 * The dot-product loops of kern_avx2.c, included there once per
 * instruction set: KT_VNNI 0 (AVX2: _mm256_maddubs_epi16 summed in int16
 * per block, widened with _mm256_madd_epi16) or 1 (AVX-VNNI:
 * _mm256_dpbusd_avx_epi32, which adds the four u8 x s8 products of a
 * lane into int32 without saturation; KT_DPBUSD is its VEX or, on CPUs
 * with AVX512-VNNI only, EVEX form).  KT_INLINE/KT_FN carry the target
 * attributes, KT(name) the per-ISA suffix.  Not a public header.
 */

/* One block of codes c[0..per) against one permuted activation row. */
KT_INLINE __m256i KT(block_dot)(__m256i acc, const __m256i c[5], int per,
				const int8_t *xr)
{
#if KT_VNNI
	/*
	 * Two short chains from zero per block, not one long chain on acc:
	 * dpbusd's latency would otherwise serialise the blocks.
	 */
	__m256i s[2];

#pragma GCC unroll 8
	for (int i = 0; i < 2; i++)
		s[i] = KT_DPBUSD(_mm256_setzero_si256(), c[i],
			_mm256_loadu_si256((const __m256i *)(xr + 32 * i)));
#pragma GCC unroll 8
	for (int i = 2; i < per; i++)
		s[i & 1] = KT_DPBUSD(s[i & 1], c[i],
			_mm256_loadu_si256((const __m256i *)(xr + 32 * i)));
	return _mm256_add_epi32(acc, _mm256_add_epi32(s[0], s[1]));
#else
	__m256i s = _mm256_maddubs_epi16(c[0],
		_mm256_loadu_si256((const __m256i *)xr));

#pragma GCC unroll 8
	for (int i = 1; i < per; i++)
		s = _mm256_add_epi16(s, _mm256_maddubs_epi16(c[i],
			_mm256_loadu_si256((const __m256i *)(xr + 32 * i))));
	return _mm256_add_epi32(acc, _mm256_madd_epi16(s,
				_mm256_set1_epi16(1)));
#endif
}

/* One block of weight bytes against @R permuted activation rows. */
KT_INLINE void KT(tern_block)(int t5, __m256i v, const int8_t *xp,
			      uint64_t xs, int R, __m256i acc[4])
{
	__m256i c[5];

	if (t5)
		t5_codes(v, c);
	else
		t2_codes(v, c);
#pragma GCC unroll 8
	for (int r = 0; r < R; r++)
		acc[r] = KT(block_dot)(acc[r], c, t5 ? 5 : 4,
				       xp + (size_t)r * xs);
}

/* Dots of one packed weight row with @R activation rows. */
KT_INLINE void KT(tern_dot)(int t5, const uint8_t *w, uint32_t rb,
			    const int8_t *xp, uint64_t xs,
			    const int32_t *xsum, int R, int32_t *out,
			    uint64_t ldd)
{
	uint32_t nfull = rb / LLA_KERN_WBLK, bx = t5 ? 160 : 128;
	__m256i acc[4];

#pragma GCC unroll 8
	for (int r = 0; r < 4; r++)
		acc[r] = _mm256_setzero_si256();
	for (uint32_t j = 0; j < nfull; j++)
		KT(tern_block)(t5, _mm256_loadu_si256((const __m256i *)
						      (w + 32 * (size_t)j)),
			       xp + (size_t)j * bx, xs, R, acc);
	if (rb % LLA_KERN_WBLK) {
		uint8_t tail[LLA_KERN_WBLK] = { 0 };

		memcpy(tail, w + 32 * (size_t)nfull, rb % LLA_KERN_WBLK);
		KT(tern_block)(t5, _mm256_loadu_si256((const __m256i *)tail),
			       xp + (size_t)nfull * bx, xs, R, acc);
	}
#pragma GCC unroll 8
	for (int r = 0; r < R; r++)
		out[(size_t)r * ldd] = hsum32(acc[r]) - xsum[r];
}

/* Dots of one decoded T5 code row with four activation rows. */
KT_INLINE void KT(dec_dot4)(const uint8_t *codes, uint64_t nblk,
			    const int8_t *xp, uint64_t xs,
			    const int32_t *xsum, int32_t *out, uint64_t ldd)
{
	__m256i acc[4];

#pragma GCC unroll 8
	for (int r = 0; r < 4; r++)
		acc[r] = _mm256_setzero_si256();
	for (uint64_t j = 0; j < nblk; j++) {
		const uint8_t *cb = codes + 160 * j;
		__m256i c[5];

#pragma GCC unroll 8
		for (int i = 0; i < 5; i++)
			c[i] = _mm256_loadu_si256((const __m256i *)
						  (cb + 32 * i));
#pragma GCC unroll 8
		for (int r = 0; r < 4; r++)
			acc[r] = KT(block_dot)(acc[r], c, 5,
					       xp + (size_t)r * xs + 160 * j);
	}
#pragma GCC unroll 8
	for (int r = 0; r < 4; r++)
		out[(size_t)r * ldd] = hsum32(acc[r]) - xsum[r];
}

/*
 * T5 with four or more activation rows: decode LLA_KERN_DEC_ROWS weight
 * rows into @scratch, then every group of four activation rows (kept in
 * L1 across those weight rows) against them.
 */
static KT_FN void KT(t5_decoded)(const int8_t *xp, uint64_t xstride,
				 const int32_t *xsum, uint32_t rows,
				 const uint8_t *w, uint32_t rb, uint32_t nw,
				 int32_t *dots, uint64_t ldd,
				 uint8_t *scratch)
{
	uint64_t nblk = xstride / 160;

	for (uint32_t i0 = 0; i0 < nw; i0 += LLA_KERN_DEC_ROWS) {
		uint32_t ni = nw - i0 < LLA_KERN_DEC_ROWS ?
			      nw - i0 : LLA_KERN_DEC_ROWS;
		uint32_t r = 0;

		for (uint32_t i = 0; i < ni; i++)
			t5_decode_row(w + (size_t)(i0 + i) * rb, rb,
				      scratch + (size_t)i * xstride);
		for (; r + 4 <= rows; r += 4)
			for (uint32_t i = 0; i < ni; i++)
				KT(dec_dot4)(scratch + (size_t)i * xstride,
					     nblk, xp + (size_t)r * xstride,
					     xstride, xsum + r,
					     dots + (size_t)r * ldd + i0 + i,
					     ldd);
		for (; r < rows; r++)
			for (uint32_t i = 0; i < ni; i++)
				KT(tern_dot)(1, w + (size_t)(i0 + i) * rb, rb,
					     xp + (size_t)r * xstride,
					     xstride, xsum + r, 1,
					     dots + (size_t)r * ldd + i0 + i,
					     ldd);
	}
}

static KT_FN void KT(tern)(uint8_t wfmt, const int8_t *xp,
			   uint64_t xstride, const int32_t *xsum,
			   uint32_t rows, const uint8_t *w, uint32_t rb,
			   uint32_t nw, int32_t *dots, uint64_t ldd,
			   uint8_t *scratch)
{
	uint32_t r = 0;

	if (wfmt == LLA_WFMT_T5 && scratch && rows >= 4) {
		KT(t5_decoded)(xp, xstride, xsum, rows, w, rb, nw, dots, ldd,
			       scratch);
		return;
	}
	/* Activation rows outer: their 4 permuted rows stay in L1. */
	for (; r + 4 <= rows; r += 4) {
		const int8_t *xr = xp + (size_t)r * xstride;
		int32_t *d = dots + (size_t)r * ldd;

		for (uint32_t i = 0; i < nw; i++) {
			const uint8_t *wr = w + (size_t)i * rb;

			if (wfmt == LLA_WFMT_T5)
				KT(tern_dot)(1, wr, rb, xr, xstride, xsum + r,
					     4, d + i, ldd);
			else
				KT(tern_dot)(0, wr, rb, xr, xstride, xsum + r,
					     4, d + i, ldd);
		}
	}
	for (; r < rows; r++) {
		const int8_t *xr = xp + (size_t)r * xstride;
		int32_t *d = dots + (size_t)r * ldd;

		for (uint32_t i = 0; i < nw; i++) {
			const uint8_t *wr = w + (size_t)i * rb;

			if (wfmt == LLA_WFMT_T5)
				KT(tern_dot)(1, wr, rb, xr, xstride, xsum + r,
					     1, d + i, ldd);
			else
				KT(tern_dot)(0, wr, rb, xr, xstride, xsum + r,
					     1, d + i, ldd);
		}
	}
}

/*
 * QMM I8, AVX2: both operands sign-extended to int16 and multiplied
 * with _mm256_madd_epi16, exact for int8 inputs (pairs <= 2 * 128^2).
 * AVX-VNNI: dpbusd needs one unsigned operand, so the weights are
 * offset, w + 128 = w ^ 0x80 in [0, 255], and 128 * sum(x) is taken off
 * at the end; the vector sums wrap modulo 2^32, and the true result
 * fits in int32, so it comes out exact.  The k % 32 tail is scalar.
 */
KT_INLINE void KT(i8_dot)(const int8_t *x, uint32_t k, const int8_t *w,
			  const int32_t *xsum, int R, int32_t *out,
			  uint64_t ldd)
{
	__m256i acc[4];
	uint32_t j = 0;

#pragma GCC unroll 8
	for (int r = 0; r < 4; r++)
		acc[r] = _mm256_setzero_si256();
	for (; j + 32 <= k; j += 32) {
#if KT_VNNI
		__m256i wu = _mm256_xor_si256(_mm256_loadu_si256(
				(const __m256i *)(w + j)),
				_mm256_set1_epi8((char)0x80));

#pragma GCC unroll 8
		for (int r = 0; r < R; r++)	/* no chain through acc */
			acc[r] = _mm256_add_epi32(acc[r],
				KT_DPBUSD(_mm256_setzero_si256(),
					wu, _mm256_loadu_si256((const __m256i *)
						(x + (size_t)r * k + j))));
#else
		__m256i w0 = _mm256_cvtepi8_epi16(
			_mm_loadu_si128((const __m128i *)(w + j)));
		__m256i w1 = _mm256_cvtepi8_epi16(
			_mm_loadu_si128((const __m128i *)(w + j + 16)));

#pragma GCC unroll 8
		for (int r = 0; r < R; r++) {
			const int8_t *xr = x + (size_t)r * k + j;
			__m256i x0 = _mm256_cvtepi8_epi16(
				_mm_loadu_si128((const __m128i *)xr));
			__m256i x1 = _mm256_cvtepi8_epi16(
				_mm_loadu_si128((const __m128i *)(xr + 16)));

			acc[r] = _mm256_add_epi32(acc[r], _mm256_add_epi32(
					_mm256_madd_epi16(w0, x0),
					_mm256_madd_epi16(w1, x1)));
		}
#endif
	}
#pragma GCC unroll 8
	for (int r = 0; r < R; r++) {
		uint32_t s = (uint32_t)hsum32(acc[r]);

		/* The offset's share: 128 * sum of the vector part of x. */
		if (KT_VNNI)
			s -= 128u * (uint32_t)xsum[r];
		for (uint32_t t = j; t < k; t++)
			s += (uint32_t)((int32_t)x[(size_t)r * k + t] * w[t]);
		out[(size_t)r * ldd] = (int32_t)s;
	}
}

static KT_FN void KT(i8)(const int8_t *x, uint32_t rows, const int8_t *w,
			 uint32_t nw, uint32_t k, int32_t *dots, uint64_t ldd)
{
	uint32_t kv = k / 32 * 32;	/* the part the vectors cover */

	for (uint32_t r = 0; r < rows;) {
		uint32_t R = rows - r >= 4 ? 4 : 1;
		const int8_t *xr = x + (size_t)r * k;
		int32_t xsum[4] = { 0 };

		for (uint32_t q = 0; KT_VNNI && q < R; q++)
			for (uint32_t t = 0; t < kv; t++)
				xsum[q] += xr[(size_t)q * k + t];
		for (uint32_t i = 0; i < nw; i++) {
			if (R == 4)
				KT(i8_dot)(xr, k, w + (size_t)i * k, xsum, 4,
					   dots + (size_t)r * ldd + i, ldd);
			else
				KT(i8_dot)(xr, k, w + (size_t)i * k, xsum, 1,
					   dots + (size_t)r * ldd + i, ldd);
		}
		r += R;
	}
}
