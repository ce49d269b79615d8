// SPDX-License-Identifier: MIT
/*
 * tlmm-bench: throughput of the rtl-model's TLMM engines (direct
 * reference and table-lookup) on BitNet-2B layer shapes, with the
 * modeled device time of each command beside the host wall time.
 * Prints a table; figures are measured, never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "llmaccel_model.h"

#define BASE	0x100000ull

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Seconds per run of one TLMM command: best of @reps after a warm-up. */
static double run(const struct lla_mem *mem, struct lla_cmd_tlmm *c,
		  int lut, int reps, uint64_t *cycles)
{
	struct lla_exec_opts o = { lla_uarch_preset("default"), 0, 0,
				   (uint32_t)lut };
	struct lla_job_result res;
	double best = 1e30;

	for (int r = 0; r <= reps; r++) {
		double t0 = now_s(), dt;

		if (lla_execute(c, sizeof(*c), mem, &o, &res) != LLA_OK) {
			fprintf(stderr, "TLMM failed: %s\n",
				lla_error_name((int)res.status));
			exit(1);
		}
		dt = now_s() - t0;
		if (r && dt < best)
			best = dt;
	}
	*cycles = res.cycles;
	return best;
}

int main(int argc, char **argv)
{
	static const uint32_t shapes[][2] = {	/* K, N */
		{ 2560, 2560 }, { 2560, 6912 }, { 6912, 2560 },
	};
	static const uint32_t ms[] = { 1, 16, 128 };
	int reps = 3;
	const struct lla_uarch *kv = lla_uarch_preset("tellme-kv260");
	struct lla_flat_mem flat;
	struct lla_mem mem;
	uint64_t size = 64ull << 20;

	if (argc > 2 || (argc == 2 && (sscanf(argv[1], "%d", &reps) != 1 ||
					reps < 1 || reps > 1000))) {
		fprintf(stderr, "usage: tlmm-bench [REPETITIONS (1..1000, default 3)]\n");
		return 2;
	}
	flat.base = BASE;
	flat.size = size;
	flat.data = malloc(size);
	if (!flat.data)
		return 1;
	for (uint64_t i = 0; i < size / 8; i++)
		((uint64_t *)flat.data)[i] = rnd();
	lla_flat_mem_init(&mem, &flat);

	printf("rtl-model TLMM throughput (T2 weights, fp32 out, 1 thread; "
	       "GOPS = 2*M*N*K / wall time)\n");
	printf("%-6s %-12s %10s %10s %10s %10s %7s %14s\n", "M", "KxN",
	       "direct ms", "GOPS", "lut ms", "GOPS", "lut/dir",
	       "kv260 model ms");
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		for (size_t mi = 0; mi < sizeof(ms) / sizeof(ms[0]); mi++) {
			uint32_t k = shapes[s][0], n = shapes[s][1], m = ms[mi];
			struct lla_cmd_tlmm c;
			uint64_t cyc, mcyc, x_scale = BASE + (48ull << 20);
			double td, tl, ops = 2.0 * m * n * k;
			float one = 1.0f;

			memset(&c, 0, sizeof(c));
			c.hdr.opcode = LLA_OP_TLMM;
			c.hdr.size = sizeof(c);
			c.x_iova = BASE;
			c.x_scale_iova = x_scale;
			c.w_iova = BASE + (1ull << 20);
			c.y_iova = BASE + (56ull << 20);
			c.m = m;
			c.n = n;
			c.k = k;
			c.x_stride = k;
			c.w_stride = lla_wfmt_row_bytes(LLA_WFMT_T2, k);
			c.y_stride = 4 * n;
			c.w_scale = lla_f32_bits(0.5f);
			c.wfmt = LLA_WFMT_T2;
			for (uint32_t i = 0; i < m; i++)
				memcpy(flat.data + (x_scale - BASE) + 4 * i,
				       &one, 4);
			td = run(&mem, &c, 0, reps, &cyc);
			tl = run(&mem, &c, 1, reps, &cyc);
			mcyc = lla_cmd_cycles(kv, &c.hdr, NULL);
			printf("%-6u %5ux%-6u %10.2f %10.2f %10.2f %10.2f %7.2f %14.3f\n",
			       m, k, n, td * 1e3, ops / td * 1e-9, tl * 1e3,
			       ops / tl * 1e-9, td / tl,
			       (double)mcyc / kv->clock_mhz * 1e-3);
		}
	}
	free(flat.data);
	return 0;
}
