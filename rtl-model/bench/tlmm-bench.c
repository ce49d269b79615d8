// SPDX-License-Identifier: MIT
/*
 * tlmm-bench: throughput of the rtl-model's TLMM engines (scalar
 * reference, fast kernels, table lookup) on BitNet-2B layer shapes, with
 * the modeled device time of each command beside the host wall time,
 * then QMM I8 and the QMM F16 output head (reference vs fast).  All
 * engines run in this one process through the internal entry points
 * (kern.h) on the same data; the fast kernels run on lla_kern_isa()'s
 * path (LLA_ISA=scalar|avx2|avx-vnni|avx512-vnni forces one).  Prints
 * a table; figures are measured, never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "llmaccel_model.h"
#include "kern.h"

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

/*
 * Seconds per run of one TLMM or QMM command on engine @eng: best of
 * @reps after a warm-up.
 */
static double run(const struct lla_mem *mem, const void *cmd,
		  enum lla_mm_engine eng, int reps)
{
	const struct lla_cmd_hdr *h = cmd;
	struct lla_job_result res;
	struct lla_exec x;
	double best = 1e30;

	memset(&x, 0, sizeof(x));
	x.mem = mem;
	x.res = &res;
	x.uarch = lla_uarch_preset("default");
	for (int r = 0; r <= reps; r++) {
		double t0 = now_s(), dt;
		int err;

		memset(&res, 0, sizeof(res));
		err = lla_validate_cmd(h, h->size);
		if (!err)
			err = h->opcode == LLA_OP_TLMM ?
				lla_tlmm_run(&x, cmd, eng) :
				lla_qmm_run(&x, cmd, eng);
		if (err) {
			fprintf(stderr, "matmul failed: %s\n",
				lla_error_name(err));
			exit(1);
		}
		dt = now_s() - t0;
		if (r && dt < best)
			best = dt;
	}
	return best;
}

/* QMM I8 or F16 on one K x N shape: reference vs fast. */
static void bench_qmm(const struct lla_mem *mem, uint8_t *data, uint32_t k,
		      uint32_t n, uint32_t m, int f16, int reps)
{
	uint64_t x_scale = BASE + (48ull << 20), w_scale = x_scale + (1 << 20);
	struct lla_cmd_qmm c;
	double tr, tf, ops = 2.0 * m * n * k;
	float one = 1.0f;

	memset(&c, 0, sizeof(c));
	c.hdr.opcode = LLA_OP_QMM;
	c.hdr.size = sizeof(c);
	c.x_iova = BASE;
	c.x_scale_iova = f16 ? 0 : x_scale;
	c.w_iova = BASE + (1ull << 20);
	c.w_scale_iova = f16 ? 0 : w_scale;
	c.y_iova = BASE + (56ull << 20);
	c.m = m;
	c.n = n;
	c.k = k;
	c.x_stride = f16 ? 4 * k : k;
	c.w_stride = f16 ? 2 * k : k;
	c.y_stride = 4 * n;
	c.wfmt = f16 ? LLA_WFMT_F16 : LLA_WFMT_I8;
	if (f16) {
		/* Finite activations and weights in [-1, 1). */
		for (uint64_t i = 0; i < (uint64_t)m * k; i++) {
			float v = (float)(rnd() % 2048) / 1024.0f - 1.0f;

			memcpy(data + 4 * i, &v, 4);
		}
		for (uint64_t i = 0; i < (uint64_t)n * k; i++) {
			uint16_t h = (uint16_t)(rnd() % 0x3c00) |
				     (uint16_t)(rnd() & 0x8000);

			memcpy(data + (1 << 20) + 2 * i, &h, 2);
		}
	}
	for (uint32_t i = 0; !f16 && i < m; i++)
		memcpy(data + (x_scale - BASE) + 4 * i, &one, 4);
	for (uint32_t i = 0; !f16 && i < n; i++)
		memcpy(data + (w_scale - BASE) + 4 * i, &one, 4);
	tr = run(mem, &c, LLA_ENG_REF, reps);
	tf = run(mem, &c, LLA_ENG_FAST, reps);
	printf("%-6u %5ux%-6u %10.2f %10.2f %10.2f %10.2f %7.2f\n", m, k, n,
	       tr * 1e3, ops / tr * 1e-9, tf * 1e3, ops / tf * 1e-9, tr / tf);
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

	printf("rtl-model TLMM throughput (fp32 out, 1 thread; GOPS = "
	       "2*M*N*K / wall time; fast kernels: %s%s; CPU best: %s)\n",
	       lla_kern_isa_name(lla_kern_isa()),
	       lla_kern_isa() == LLA_ISA_NONE ? ", fast = reference" : "",
	       lla_kern_isa_name(lla_kern_isa_cpu()));
	printf("%-3s %-5s %-11s %8s %7s %8s %7s %8s %7s %8s %10s\n", "fmt",
	       "M", "KxN", "ref ms", "GOPS", "fast ms", "GOPS", "lut ms",
	       "GOPS", "fast/ref", "kv260 ms");
	for (size_t s = 0; s < 2 * sizeof(shapes) / sizeof(shapes[0]); s++) {
		for (size_t mi = 0; mi < sizeof(ms) / sizeof(ms[0]); mi++) {
			size_t si = s % 3;
			uint8_t f = s < 3 ? LLA_WFMT_T2 : LLA_WFMT_T5;
			uint32_t k = shapes[si][0], n = shapes[si][1];
			uint32_t m = ms[mi];
			struct lla_cmd_tlmm c;
			uint64_t mcyc, x_scale = BASE + (48ull << 20);
			double tr, tf, tl, ops = 2.0 * m * n * k;
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
			c.w_stride = lla_wfmt_row_bytes(f, k);
			c.y_stride = 4 * n;
			c.w_scale = lla_f32_bits(0.5f);
			c.wfmt = f;
			for (uint32_t i = 0; i < m; i++)
				memcpy(flat.data + (x_scale - BASE) + 4 * i,
				       &one, 4);
			tr = run(&mem, &c, LLA_ENG_REF, reps);
			tf = run(&mem, &c, LLA_ENG_FAST, reps);
			tl = run(&mem, &c, LLA_ENG_LUT, reps);
			mcyc = lla_cmd_cycles(kv, &c.hdr, NULL);
			printf("%-3s %-5u %5ux%-5u %8.2f %7.2f %8.2f %7.2f %8.2f %7.2f %8.2f %10.3f\n",
			       f == LLA_WFMT_T2 ? "T2" : "T5", m, k, n,
			       tr * 1e3, ops / tr * 1e-9, tf * 1e3,
			       ops / tf * 1e-9, tl * 1e3, ops / tl * 1e-9,
			       tr / tf, (double)mcyc / kv->clock_mhz * 1e-3);
		}
	}
	printf("\nrtl-model QMM I8 throughput (fp32 out, 1 thread)\n");
	printf("%-6s %-12s %10s %10s %10s %10s %7s\n", "M", "KxN", "ref ms",
	       "GOPS", "fast ms", "GOPS", "fast/ref");
	for (size_t mi = 0; mi < sizeof(ms) / sizeof(ms[0]); mi++)
		bench_qmm(&mem, flat.data, 2560, 2560, ms[mi], 0, reps);
	/* 42 MB of fp16 weights: larger than the caches, as a head is. */
	printf("\nrtl-model QMM F16 output head (fp32 in and out, 1 thread)\n");
	printf("%-6s %-12s %10s %10s %10s %10s %7s\n", "M", "KxN", "ref ms",
	       "GOPS", "fast ms", "GOPS", "fast/ref");
	bench_qmm(&mem, flat.data, 2560, 8192, 1, 1, reps);
	bench_qmm(&mem, flat.data, 2560, 8192, 16, 1, reps);
	free(flat.data);
	return 0;
}
