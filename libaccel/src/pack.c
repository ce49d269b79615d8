// SPDX-License-Identifier: MIT
/*
 * Weight packing: float matrices -> ternary codes (BitNet b1.58 absmean,
 * one scale per matrix) -> T2/T5 device rows, and back.  The packed
 * layout is the rtl-model's (lla_pack_row), so there is one definition.
 * Also the host helpers with the device's numerics (fp16, activation
 * quantization, RoPE table), all delegating to the rtl-model.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "accel_priv.h"
#include "llmaccel_model.h"

uint32_t accel_weight_row_bytes(uint32_t wfmt, uint32_t k)
{
	if ((wfmt != LLA_WFMT_T2 && wfmt != LLA_WFMT_T5) || !k)
		return 0;
	return lla_wfmt_row_bytes((uint8_t)wfmt, k);
}

static int check_shape(const char *fn, uint32_t wfmt, uint32_t n, uint32_t k,
		       uint32_t stride, uint32_t *rb)
{
	if (wfmt != LLA_WFMT_T2 && wfmt != LLA_WFMT_T5)
		return accel_err(-EINVAL,
				 "%s: wfmt must be LLA_WFMT_T2 or LLA_WFMT_T5 (got %u)",
				 fn, wfmt);
	if (!n || n > LLA_MAX_N)
		return accel_err(-EINVAL, "%s: n must be between 1 and %u (got %u)",
				 fn, LLA_MAX_N, n);
	if (!k || k > LLA_MAX_K)
		return accel_err(-EINVAL, "%s: k must be between 1 and %u (got %u)",
				 fn, LLA_MAX_K, k);
	*rb = lla_wfmt_row_bytes((uint8_t)wfmt, k);
	if (stride && stride < *rb)
		return accel_err(-EINVAL,
				 "%s: stride %u is smaller than a packed row of %u bytes",
				 fn, stride, *rb);
	return 0;
}

int accel_ternary_quantize(const float *w, uint32_t n, uint32_t k,
			   uint32_t ld, int8_t *codes, float *gamma)
{
	const char *fn = "accel_ternary_quantize";
	double sum = 0;
	float mean, g;

	if (!w || !codes || !gamma)
		return accel_err(-EINVAL, "%s: %s is NULL", fn,
				 !w ? "w" : !codes ? "codes" : "gamma");
	if (!n || n > LLA_MAX_N || !k || k > LLA_MAX_K)
		return accel_err(-EINVAL,
				 "%s: %s must be between 1 and %u (got %u)", fn,
				 !n || n > LLA_MAX_N ? "n" : "k",
				 !n || n > LLA_MAX_N ? LLA_MAX_N : LLA_MAX_K,
				 !n || n > LLA_MAX_N ? n : k);
	if (!ld)
		ld = k;
	if (ld < k)
		return accel_err(-EINVAL, "%s: ld (%u) is smaller than k (%u)",
				 fn, ld, k);
	for (uint32_t r = 0; r < n; r++)
		for (uint32_t c = 0; c < k; c++) {
			float v = w[(size_t)r * ld + c];

			if (!isfinite(v))
				return accel_err(-EINVAL,
						 "%s: w[%u][%u] is not finite",
						 fn, r, c);
			sum += fabs((double)v);
		}
	mean = (float)(sum / ((double)n * (double)k));
	g = mean > ACCEL_ABSMEAN_EPS ? mean : ACCEL_ABSMEAN_EPS;
	for (uint32_t r = 0; r < n; r++)
		for (uint32_t c = 0; c < k; c++) {
			float q = w[(size_t)r * ld + c] / g;

			/* clamp(round_half_even(q), -1, 1) */
			codes[(size_t)r * k + c] = q > 0.5f ? 1 :
						   q < -0.5f ? -1 : 0;
		}
	*gamma = g;
	return 0;
}

int accel_ternary_pack(uint32_t wfmt, const int8_t *codes, uint32_t n,
		       uint32_t k, void *dst, uint32_t dst_stride)
{
	const char *fn = "accel_ternary_pack";
	uint32_t rb;
	int err;

	err = check_shape(fn, wfmt, n, k, dst_stride, &rb);
	if (err)
		return err;
	if (!codes || !dst)
		return accel_err(-EINVAL, "%s: %s is NULL", fn,
				 !codes ? "codes" : "dst");
	for (uint64_t i = 0; i < (uint64_t)n * k; i++)
		if (codes[i] < -1 || codes[i] > 1)
			return accel_err(-EINVAL,
					 "%s: codes[%llu] = %d is not -1, 0 or 1",
					 fn, (unsigned long long)i, codes[i]);
	if (!dst_stride)
		dst_stride = rb;
	for (uint32_t r = 0; r < n; r++)
		lla_pack_row((uint8_t)wfmt, codes + (size_t)r * k, k,
			     (uint8_t *)dst + (size_t)r * dst_stride);
	return 0;
}

int accel_ternary_unpack(uint32_t wfmt, const void *src, uint32_t n,
			 uint32_t k, uint32_t src_stride, int8_t *codes)
{
	const char *fn = "accel_ternary_unpack";
	uint32_t rb;
	int err;

	err = check_shape(fn, wfmt, n, k, src_stride, &rb);
	if (err)
		return err;
	if (!codes || !src)
		return accel_err(-EINVAL, "%s: %s is NULL", fn,
				 !codes ? "codes" : "src");
	if (!src_stride)
		src_stride = rb;
	for (uint32_t r = 0; r < n; r++)
		lla_unpack_row((uint8_t)wfmt,
			       (const uint8_t *)src + (size_t)r * src_stride, k,
			       codes + (size_t)r * k);
	return 0;
}

int accel_weights_pack(uint32_t wfmt, const float *w, uint32_t n,
		       uint32_t k, uint32_t ld, void *dst,
		       uint32_t dst_stride, float *gamma)
{
	const char *fn = "accel_weights_pack";
	int8_t *codes;
	uint32_t rb;
	int err;

	err = check_shape(fn, wfmt, n, k, dst_stride, &rb);
	if (err)
		return err;
	if (!dst)
		return accel_err(-EINVAL, "%s: dst is NULL", fn);
	codes = malloc((size_t)n * k);
	if (!codes)
		return accel_err(-ENOMEM, "%s: out of memory", fn);
	err = accel_ternary_quantize(w, n, k, ld, codes, gamma);
	if (!err)
		err = accel_ternary_pack(wfmt, codes, n, k, dst, dst_stride);
	free(codes);
	return err;
}

uint16_t accel_f32_to_f16(float f)
{
	return lla_f32_to_f16(f);
}

float accel_f16_to_f32(uint16_t h)
{
	return lla_f16_to_f32(h);
}

int accel_quantize_rows(const float *x, uint32_t m, uint32_t k, uint32_t ld,
			int8_t *q, float *s)
{
	const char *fn = "accel_quantize_rows";

	if (!x || !q || !s)
		return accel_err(-EINVAL, "%s: %s is NULL", fn,
				 !x ? "x" : !q ? "q" : "s");
	if (!m || m > LLA_MAX_M)
		return accel_err(-EINVAL, "%s: m must be between 1 and %u (got %u)",
				 fn, LLA_MAX_M, m);
	if (!k || k > LLA_MAX_K)
		return accel_err(-EINVAL, "%s: k must be between 1 and %u (got %u)",
				 fn, LLA_MAX_K, k);
	if (!ld)
		ld = k;
	if (ld < k)
		return accel_err(-EINVAL, "%s: ld (%u) is smaller than k (%u)",
				 fn, ld, k);
	for (uint32_t r = 0; r < m; r++)
		s[r] = lla_quant_row(x + (size_t)r * ld, k, q + (size_t)r * k);
	return 0;
}

int accel_rope_table(float *table, uint32_t len, uint32_t head_dim,
		     float theta)
{
	const char *fn = "accel_rope_table";

	if (!table)
		return accel_err(-EINVAL, "%s: table is NULL", fn);
	if (!len || len > LLA_MAX_CTX)
		return accel_err(-EINVAL, "%s: len must be between 1 and %u (got %u)",
				 fn, LLA_MAX_CTX, len);
	if (!head_dim || head_dim > LLA_MAX_HEAD_DIM || head_dim % 2)
		return accel_err(-EINVAL,
				 "%s: head_dim must be even and between 2 and %u (got %u)",
				 fn, LLA_MAX_HEAD_DIM, head_dim);
	if (!isfinite(theta) || !(theta > 0))
		return accel_err(-EINVAL, "%s: theta must be finite and > 0 (got %g)",
				 fn, (double)theta);
	lla_rope_table(table, len, head_dim, theta);
	return 0;
}
