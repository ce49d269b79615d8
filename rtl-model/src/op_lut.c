// SPDX-License-Identifier: MIT
/*
 * The table-lookup TLMM engine: the hardware's algorithm (TeLLMe's
 * TLMM).  For one int8 activation row, the activations are grouped as
 * the weights are packed (4 per T2 byte, 5 per T5 byte).  For each group
 * g a 256-entry table holds, for every possible weight byte b, the exact
 * integer partial sum of that group:
 *
 *   T2: table[g][b] = sum_{i<4} dec2((b >> 2i) & 3) * x[4g + i]
 *       with dec2 = {-1, 0, +1, 0} (code 3 is invalid and decodes as 0)
 *   T5: table[g][b] = sum_{i<5} (digit_i(b) - 1) * x[5g + i], b < 243
 *       table[g][b] = 0 for the invalid bytes 243..255
 *
 * with activations beyond k taken as 0.  A dot product with a weight row
 * is then one look-up per weight byte: sum_g table[g][wrow[g]].
 *
 * Why it equals the direct dot product for every input: all entries are
 * int32 sums of products of int8 activations with weights in {-1,0,1},
 * computed without rounding (|entry| <= 5 * 128), and integer addition
 * is associative, so regrouping the k products by byte changes nothing.
 * Padding weights beyond k meet activations that are 0 here and are
 * skipped by the direct engine, and invalid codes/bytes decode to 0 in
 * both engines.  Sums stay far from int32 overflow (k * 128 <= 2^23).
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Weight value of T2 code c: code 3 is invalid and weighs nothing. */
static const int32_t t2_dec[4] = { -1, 0, 1, 0 };

static int32_t act_at(const int8_t *xq, uint32_t k, uint64_t idx)
{
	return idx < k ? xq[idx] : 0;
}

/*
 * T2 table of one group, built online one activation at a time.  After
 * step i, entries [0, 4^(i+1)) hold the sums over activations 0..i for
 * every code combination, indexed like the packed byte (code of
 * activation i in bits 2i..2i+1).  Step i extends the 4^i-entry table of
 * activations 0..i-1: entry c * 4^i + j = old[j] + dec2(c) * a_i.  c runs
 * downwards so that the c = 0 block, which overwrites old[j] itself, is
 * written last.  4 + 16 + 64 + 256 additions instead of 256 * 4 MACs.
 */
static void build_t2_group(int32_t *t, const int32_t a[4])
{
	uint32_t size = 1;

	t[0] = 0;
	for (uint32_t i = 0; i < 4; i++) {
		for (uint32_t c = 4; c-- > 0;) {
			int32_t add = t2_dec[c] * a[i];

			for (uint32_t j = 0; j < size; j++)
				t[c * size + j] = t[j] + add;
		}
		size *= 4;
	}
}

/*
 * T5: the same construction in base 3.  After step i entries
 * [0, 3^(i+1)) hold the sums over activations 0..i, entry index =
 * sum digit_i * 3^i as in the packed byte; digit d weighs d - 1.
 * Bytes 243..255 are invalid and hold 0.
 */
static void build_t5_group(int32_t *t, const int32_t a[5])
{
	uint32_t size = 1;

	t[0] = 0;
	for (uint32_t i = 0; i < 5; i++) {
		for (uint32_t d = 3; d-- > 0;) {
			int32_t add = ((int32_t)d - 1) * a[i];

			for (uint32_t j = 0; j < size; j++)
				t[d * size + j] = t[j] + add;
		}
		size *= 3;
	}
	for (uint32_t b = 243; b < 256; b++)
		t[b] = 0;
}

int lla_lut_build(struct lla_lut *lut, uint8_t wfmt, const int8_t *xq,
		  uint32_t k)
{
	uint32_t per = wfmt == LLA_WFMT_T2 ? 4 : 5;

	memset(lut, 0, sizeof(*lut));
	if (wfmt != LLA_WFMT_T2 && wfmt != LLA_WFMT_T5)
		return LLA_ERR_BAD_FORMAT;
	lut->wfmt = wfmt;
	lut->k = k;
	lut->groups = lla_wfmt_row_bytes(wfmt, k);
	lut->table = lla_alloc((uint64_t)lut->groups, 256 * sizeof(int32_t));
	if (!lut->table)
		return LLA_ERR_NOMEM;
	for (uint32_t g = 0; g < lut->groups; g++) {
		int32_t a[5];

		for (uint32_t i = 0; i < per; i++)
			a[i] = act_at(xq, k, (uint64_t)g * per + i);
		if (wfmt == LLA_WFMT_T2)
			build_t2_group(lut->table + (size_t)g * 256, a);
		else
			build_t5_group(lut->table + (size_t)g * 256, a);
	}
	return LLA_OK;
}

int32_t lla_lut_dot(const struct lla_lut *lut, const uint8_t *wrow)
{
	const int32_t *t = lut->table;
	int32_t acc = 0;

	/* One look-up per weight byte: the weights are table indices. */
	for (uint32_t g = 0; g < lut->groups; g++, t += 256)
		acc += t[wrow[g]];
	return acc;
}

void lla_lut_free(struct lla_lut *lut)
{
	free(lut->table);
	lut->table = NULL;
	lut->groups = 0;
}
