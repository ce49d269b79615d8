// SPDX-License-Identifier: MIT
/*
 * libaccel example: one BitNet linear layer, y = relu2(W . rmsnorm(x)),
 * with W a float matrix converted to ternary T2 weights.  Build with
 *   cc -std=c11 example.c $(pkg-config --cflags --libs libaccel) -lm
 * and run with LIBACCEL_BACKEND=sim on a machine without the device.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <libaccel.h>

#define M 4		/* tokens */
#define K 256		/* input features */
#define N 64		/* output features */

static int fail(const char *what, int err)
{
	fprintf(stderr, "example: %s: %s (%s)\n", what, accel_strerror(err),
		accel_last_error());
	return 1;
}

int main(void)
{
	static float w[N][K], x[M][K];
	static int8_t codes[N][K];
	accel_bo *xb, *qb, *sb, *wb, *yb;
	struct accel_job_result res;
	struct accel_caps caps;
	accel_device *dev;
	accel_cmdbuf *cb;
	accel_fence *fence;
	float gamma, *xf, *y, err_max = 0, ref_max = 0;
	uint32_t wrow = accel_weight_row_bytes(LLA_WFMT_T2, K);
	void *wmap;
	int err;

	/* Deterministic inputs. */
	for (int n = 0; n < N; n++)
		for (int k = 0; k < K; k++)
			w[n][k] = sinf((float)(n * K + k)) * 0.1f;
	for (int m = 0; m < M; m++)
		for (int k = 0; k < K; k++)
			x[m][k] = cosf((float)(m * 7 + k) * 0.37f);

	err = accel_device_open("first", 0, &dev);
	if (err)
		return fail("open", err);
	accel_device_caps(dev, &caps);
	printf("device %s (%s backend), %u queues, cycle model %s at %u MHz\n",
	       caps.path, accel_backend_name(caps.backend), caps.num_queues,
	       caps.preset_name, caps.clock_khz / 1000);

	/* Buffers: activations, their int8 form and scales, weights, output. */
	if ((err = accel_bo_alloc(dev, sizeof(x), 0, &xb)) ||
	    (err = accel_bo_alloc(dev, M * K, 0, &qb)) ||
	    (err = accel_bo_alloc(dev, M * sizeof(float), 0, &sb)) ||
	    (err = accel_bo_alloc(dev, (uint64_t)N * wrow, ACCEL_BO_DEVICE_RO,
				  &wb)) ||
	    (err = accel_bo_alloc(dev, M * N * sizeof(float), 0, &yb)))
		return fail("alloc", err);
	accel_bo_map(xb, (void **)&xf);
	for (int m = 0; m < M; m++)
		for (int k = 0; k < K; k++)
			xf[m * K + k] = x[m][k];

	/* Float weights -> ternary codes (absmean) -> T2 device rows. */
	accel_bo_map(wb, &wmap);
	err = accel_weights_pack(LLA_WFMT_T2, &w[0][0], N, K, 0, wmap, wrow,
				 &gamma);
	if (err)
		return fail("pack", err);

	/* RMSNorm + int8 quantization, then the ternary matmul. */
	accel_cmdbuf_create(dev, &cb);
	err = accel_cmd_norm_quant(cb, &(struct accel_norm_quant){
		.x = accel_at(xb, 0), .q = accel_at(qb, 0),
		.scale = accel_at(sb, 0), .m = M, .k = K, .eps = 1e-5f,
		.flags = LLA_NQ_F_NORM | LLA_NQ_F_QUANT });
	if (!err)
		err = accel_cmd_tlmm(cb, &(struct accel_tlmm){
			.x = accel_at(qb, 0), .x_scale = accel_at(sb, 0),
			.w = accel_at(wb, 0), .y = accel_at(yb, 0),
			.m = M, .n = N, .k = K, .w_scale = gamma,
			.wfmt = LLA_WFMT_T2,
			.epi = { .act = LLA_ACT_RELU2,
				 .out_dtype = LLA_DTYPE_F32 } });
	if (err)
		return fail("build", err);

	err = accel_submit(cb, NULL, &fence);
	if (err)
		return fail("submit", err);
	err = accel_fence_wait(fence, 10 * 1000000000ll);
	if (err)
		return fail("wait", err);
	accel_fence_result(fence, &res);
	printf("job: %u commands, %llu modeled cycles (%.2f us), %llu MACs\n",
	       res.cmd_index, (unsigned long long)res.cycles,
	       res.cycles * 1000.0 / caps.clock_khz,
	       (unsigned long long)res.macs);

	/* Compare with the float math on the same ternary weights. */
	accel_ternary_quantize(&w[0][0], N, K, 0, &codes[0][0], &gamma);
	accel_bo_map(yb, (void **)&y);
	for (int m = 0; m < M; m++) {
		double ss = 0;

		for (int k = 0; k < K; k++)
			ss += (double)x[m][k] * x[m][k];
		for (int n = 0; n < N; n++) {
			double acc = 0, r;

			for (int k = 0; k < K; k++)
				acc += x[m][k] / sqrt(ss / K + 1e-5) *
				       codes[n][k] * gamma;
			r = acc > 0 ? acc * acc : 0;
			ref_max = fmaxf(ref_max, (float)r);
			err_max = fmaxf(err_max, fabsf(y[m * N + n] - (float)r));
		}
	}
	printf("y[0][0..3] = %.5f %.5f %.5f %.5f\n", y[0], y[1], y[2], y[3]);
	printf("max |device - float| / max |float| = %.4f\n",
	       err_max / ref_max);

	accel_fence_release(fence);
	accel_cmdbuf_destroy(cb);
	accel_bo_free(xb);
	accel_bo_free(qb);
	accel_bo_free(sb);
	accel_bo_free(wb);
	accel_bo_free(yb);
	accel_device_close(dev);
	if (err_max / ref_max > 0.05f) {
		fprintf(stderr, "example: int8 activation error too large\n");
		return 1;
	}
	printf("example: ok\n");
	return 0;
}
