// SPDX-License-Identifier: MIT
/*
 * llmaccel-bench: throughput and latency of an llmaccel device through
 * libaccel's public API, on either backend (the kernel driver, or the
 * simulator with LIBACCEL_BACKEND=sim):
 *   - the host's read bandwidth: a streaming read of a buffer much larger
 *     than the last-level cache, one thread, best of a few passes;
 *   - TLMM on the BitNet-2B layer shapes (K x N = 2560x2560, 2560x6912,
 *     6912x2560) at M = 1, 128 and 512, T2 and T5 weights, per thread
 *     count (--threads; the sim backend's LIBACCEL_SIM_THREADS, set by
 *     reopening the device); GOPS = 2*M*N*K / time; GEMV (M = 1) also
 *     with the weights
 *     cycled through copies much larger than the caches ("DRAM" rows),
 *     its weight-read rate as a fraction of the read bandwidth;
 *   - whole models (llmaccel-mkmodel presets bitnet-0.7b and bitnet-2b,
 *     written in-process): prefill and decode tokens/s, time to first
 *     token for prompts of 128, 512 and 1024 tokens, and the bytes of
 *     weights a decode step reads (accel_model_info) times decode tokens/s
 *     as a fraction of the read bandwidth; beside the figures of another
 *     run (--decode-ref: the host's, when this run is in the VM); the
 *     models run on the first thread count, and their prefill and decode
 *     again on every other one (the "threads" table, with the GEMV rows);
 *   - attention prefill and decode with a 2B-shaped head configuration
 *     (20 query heads, 5 KV heads, head_dim 128) at several contexts;
 *   - null-job latency: NOP jobs, submit -> fence, p50 / p99;
 *   - the model tokenizers ("llama" SentencePiece and "gpt2" BPE, the
 *     vocabularies of llmaccel-mkmodel's tiny model) on English-like
 *     prompts of 1 KB, 100 KB and 1 MB: MB/s and tokens/s on the host.
 * Each figure is given as host wall time (submit to fence) beside the
 * modeled device time (the job result's cycles at the cycle model's
 * clock).  Results of the TLMM jobs are spot-checked against host
 * arithmetic so a broken backend cannot report fast garbage.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "libaccel.h"
/* the tokenizer rows load a synthetic model written in-process */
#define MKMODEL_NO_MAIN
#include "llmaccel-mkmodel.c"

#define PROG		"llmaccel-bench"
#define MAX_CTX_LIST	8
#define MAX_TOK_LIST	4
#define MAX_TLMM_M	4
#define MAX_MODELS	3
#define MAX_TTFT	4
#define MAX_TLMM_ROWS	64

#define MAX_THREADS	4		/* thread counts in --threads */
#define MAX_THR_ROWS	(MAX_MODELS * MAX_THREADS)

/* The 2B-shaped attention head configuration. */
#define ATTN_HEADS	20
#define ATTN_KV_HEADS	5
#define ATTN_HEAD_DIM	128

#define SEC_TLMM	(1u << 0)
#define SEC_ATTN	(1u << 1)
#define SEC_LAT		(1u << 2)
#define SEC_TOK		(1u << 3)
#define SEC_BW		(1u << 4)
#define SEC_MODEL	(1u << 5)
#define SEC_TTFT	(1u << 6)
#define SEC_ALL		(SEC_TLMM | SEC_ATTN | SEC_LAT | SEC_TOK | SEC_BW | \
			 SEC_MODEL | SEC_TTFT)

struct cfg {
	const char *spec;
	uint32_t reps, warmup, lat_jobs, queue, sections;
	uint32_t wfmt;			/* of the models: the first of wfmts */
	uint32_t wfmts[2], nwfmt;	/* TLMM rows */
	uint32_t ctx[MAX_CTX_LIST], nctx;
	uint32_t tlmm_m[MAX_TLMM_M], ntlmm_m;
	uint32_t tok_bytes[MAX_TOK_LIST], ntok_bytes;
	const char *models[MAX_MODELS];	/* llmaccel-mkmodel presets */
	uint32_t nmodels;
	uint32_t ttft[MAX_TTFT], nttft;	/* prompt lengths in tokens */
	uint32_t prompt_len, decode_steps;
	uint32_t bw_mb, dram_mb;	/* 0: automatic / no DRAM rows */
	const char *decode_out, *decode_ref;
	const char *model_dir;		/* keep and reuse model files here */
	/* sim backend: LIBACCEL_SIM_THREADS of each pass; first: models */
	uint32_t threads[MAX_THREADS], nthreads;
	double timeout_s;
	bool json, quick;
};

/* Timing of one benchmark row over its repetitions. */
struct timing {
	uint32_t reps;
	double wall_med_s, wall_min_s;	/* host: submit -> fence */
	uint64_t cycles;		/* modeled device cycles (median) */
	double dev_s;			/* cycles at the modeled clock */
};

struct tlmm_row {
	uint32_t m, k, n, wfmt, threads;
	uint32_t copies;		/* > 1: weights cycled ("DRAM" row) */
	uint64_t wbytes;		/* weight bytes one TLMM reads */
	struct timing t;		/* per TLMM (a job's time / copies) */
	bool checked;
};

/* The host's read bandwidth: best of @passes streaming reads. */
struct bw_row {
	uint64_t bytes;
	uint32_t passes;
	double best_gbps, median_gbps;
};

/* One model: prefill and decode, and time to first token per length. */
struct ttft_row {
	uint32_t tokens;
	double wall_s, model_s;
};

struct model_row {
	char preset[24], wfmt[8], head[8];
	uint32_t n_layer, n_embd, n_ff, n_vocab, max_ctx, batch;
	uint64_t weight_bytes, decode_weight_bytes;
	double write_s, load_s;
	bool have_prefill, have_decode;
	uint32_t prefill_tokens;
	double prefill_wall_s, prefill_model_s;
	uint32_t decode_ctx, decode_steps;	/* position of the first step */
	double decode_wall_s, decode_med_s;	/* total, median step */
	double decode_model_s;			/* total */
	struct ttft_row ttft[MAX_TTFT];
	uint32_t nttft;
};

/* Figures of another run (--decode-ref), shown beside this run's. */
struct ref_decode {
	char preset[24];
	uint32_t ctx, steps;
	double wall_tok_s, model_tok_s;
	uint64_t decode_weight_bytes;
};

struct ref {
	bool have;
	char backend[16];
	double bw_gbps, lat_p50_us;	/* NAN if absent */
	struct ref_decode dec[MAX_MODELS];
	uint32_t ndec;
};

struct attn_row {
	const char *kind;		/* "prefill" or "decode" */
	uint32_t ctx, tokens;
	double flops;
	struct timing t;
};

struct lat_row {
	uint32_t jobs;
	double p50_us, p99_us, mean_us, min_us, max_us;
	uint64_t cycles;
	double dev_us;
};

struct tok_row {
	const char *kind;		/* "spm" or "bpe" */
	uint32_t vocab, bytes, reps;
	size_t tokens;
	double wall_s;			/* median */
};

/* A model's prefill and decode at one more thread count. */
struct thr_row {
	char preset[24];
	uint32_t threads;
	uint32_t prefill_tokens, decode_steps;
	double prefill_wall_s, decode_wall_s, decode_med_s;
	uint64_t decode_weight_bytes;
};

struct bench {
	struct cfg cfg;
	accel_device *dev;
	uint32_t dev_threads;		/* the device's: 0 unless sim */
	struct accel_caps caps;
	struct tlmm_row tlmm[MAX_TLMM_ROWS];
	uint32_t ntlmm;
	struct bw_row bw;
	bool have_bw;
	struct model_row model[MAX_MODELS];
	uint32_t nmodel;
	struct ref ref;
	struct attn_row attn[2 * MAX_CTX_LIST];
	uint32_t nattn;
	struct lat_row lat;
	bool have_lat;
	struct tok_row tok[2 * MAX_TOK_LIST];
	uint32_t ntok;
	struct thr_row thr[MAX_THR_ROWS];
	uint32_t nthr;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTIONS]\n"
"Measure an llmaccel device: the host's read bandwidth, TLMM throughput on\n"
"BitNet-2B layer shapes, attention prefill/decode, null-job submit latency,\n"
"the tokenizers, and whole models (prefill, decode, time to first token),\n"
"with host wall time beside the modeled device time.\n"
"\n"
"  -d, --device SPEC     device: an index, \"first\" (default), a path\n"
"                        (/dev/accel/accel0) or \"sim\" / \"sim:N\"\n"
"  -q, --quick           short run: 1 repetition, no warm-up, T2 and M = 1\n"
"                        only, context 256, 100 latency jobs, a 64 MiB\n"
"                        bandwidth buffer, no DRAM rows, the tiny model\n"
"                        (32-token prompt, 4 decode steps, TTFT of 128)\n"
"  -r, --reps N          timed repetitions per row (default 5)\n"
"  -w, --warmup N        untimed runs before each row (default 1)\n"
"  -n, --jobs N          NOP jobs for the latency figure (default 1000)\n"
"  -c, --ctx N[,N...]    attention contexts (default 512,1024)\n"
"  -m, --tlmm-m M[,M...] TLMM batch rows (default 1,128,512)\n"
"  -o, --only LIST       sections to run: bw,tlmm,attn,latency,tok,model,\n"
"                        ttft (default all)\n"
"      --tok-bytes N[,N] tokenizer prompt sizes in bytes (default\n"
"                        1024,102400,1048576; --quick 1024)\n"
"      --queue Q         submission queue (default 0)\n"
"      --wfmt t2|t5|all  TLMM weight formats (default all) and the models'\n"
"                        (t2 unless t5 alone)\n"
"      --model-dir DIR   keep the model files in DIR and reuse those found\n"
"                        there (default: temporary files, removed)\n"
"      --models LIST     llmaccel-mkmodel presets for the model and ttft\n"
"                        sections: tiny, bitnet-0.7b, bitnet-2b (default\n"
"                        bitnet-0.7b,bitnet-2b; --quick tiny); leave out\n"
"                        bitnet-2b for a quicker run\n"
"      --ttft N[,N...]   prompt lengths in tokens for time to first token\n"
"                        (default 128,512,1024; --quick 128)\n"
"      --prompt N        prompt tokens before the decode steps (default 128;\n"
"                        --quick 32)\n"
"      --decode N        timed decode steps per model (default 32; --quick 4)\n"
"      --bw-mb N         bandwidth buffer in MiB (default min(1024, RAM/4);\n"
"                        --quick 64)\n"
"      --dram-mb N       GEMV rows with the weights cycled through N MiB of\n"
"                        copies (default 256; 0: none, the --quick default)\n"
"      --decode-out FILE write this run's bandwidth, latency and decode\n"
"                        figures to FILE (for --decode-ref)\n"
"      --decode-ref FILE print the figures FILE holds (another run's, e.g.\n"
"                        the host's) beside this run's decode rows\n"
"      --threads N[,N]   sim backend: host threads per matmul of each pass\n"
"                        (LIBACCEL_SIM_THREADS, 1..64; default 1 and the\n"
"                        online CPUs; --quick 1); TLMM rows for each, the\n"
"                        models on the first and their prefill and decode\n"
"                        again on the others\n"
"      --timeout SEC     limit per job (default 600)\n"
"  -j, --json            print one JSON document instead of tables\n"
"  -h, --help            this text\n"
"\n"
"GOPS = 2*M*N*K / time for TLMM; attention GFLOPS count the QK^T and PV\n"
"products (4 * heads * head_dim per attended key).  Wall time is the\n"
"median over the repetitions, submit to fence on the host; modeled time\n"
"is the job's device cycles at the cycle model's clock.  Tokenizer rows\n"
"time accel_model_tokenize() on the host (median of the repetitions that\n"
"fit in about 0.3 s) with llmaccel-mkmodel's tiny vocabularies.  Model\n"
"rows run llmaccel-mkmodel models written to TMPDIR through accel_model_*\n"
"(greedy); the decode weight-read rate is accel_model_info()'s\n"
"decode_weight_bytes times decode tokens/s, as a fraction of the host's\n"
"read bandwidth (this run's, else --decode-ref's).  Threads (thr) are the\n"
"sim backend's host threads per matmul (same results for every count); on\n"
"the kernel backend the device decides (thr 0: the QEMU device's threads\n"
"property) and only the first count runs.\n"
"The backend is the kernel driver unless LIBACCEL_BACKEND=sim (or the\n"
"device spec \"sim\") selects the in-process simulator.\n"
"Exit status: 0 success, 1 a job failed or gave wrong results, 2 usage\n"
"error, 3 no device or driver.\n");
}

/* ------------------------------------------------------------------ */
/* Jobs                                                                */
/* ------------------------------------------------------------------ */
static int fail(const char *what, int err)
{
	fprintf(stderr, PROG ": %s: %s (%s)\n", what, accel_strerror(err),
		accel_last_error());
	return err;
}

/* Submit @cb once and wait: host wall time and the job's cycles. */
static int run_job(struct bench *b, accel_cmdbuf *cb, uint64_t *wall_ns,
		   uint64_t *cycles)
{
	struct accel_submit_opts o = { .queue = b->cfg.queue,
				       .priority = ACCEL_PRIO_NORMAL };
	struct accel_job_result res;
	accel_fence *f;
	uint64_t t0, t1;
	int err;

	t0 = tool_now_ns();
	err = accel_submit(cb, &o, &f);
	if (err)
		return fail("submit", err);
	err = accel_fence_wait(f, (int64_t)(b->cfg.timeout_s * 1e9));
	t1 = tool_now_ns();
	if (err) {
		fail("job", err);
		accel_fence_release(f);
		return err;
	}
	err = accel_fence_result(f, &res);
	accel_fence_release(f);
	if (err)
		return fail("job result", err);
	*wall_ns = t1 - t0;
	*cycles = res.cycles;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median of sorted @v (the lower middle for even counts). */
static uint64_t median(uint64_t *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(n - 1) / 2];
}

/* Warm-up, then b->cfg.reps timed runs of @cb. */
static int time_cmdbuf(struct bench *b, accel_cmdbuf *cb, struct timing *t)
{
	uint32_t reps = b->cfg.reps;
	uint64_t *wall = calloc(reps, sizeof(*wall));
	uint64_t *cyc = calloc(reps, sizeof(*cyc));
	uint64_t w, c;
	int err = 0;

	if (!wall || !cyc) {
		free(wall);
		free(cyc);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < b->cfg.warmup && !err; i++)
		err = run_job(b, cb, &w, &c);
	for (uint32_t i = 0; i < reps && !err; i++)
		err = run_job(b, cb, &wall[i], &cyc[i]);
	if (!err) {
		t->reps = reps;
		t->wall_med_s = (double)median(wall, reps) * 1e-9;
		t->wall_min_s = (double)wall[0] * 1e-9;
		t->cycles = median(cyc, reps);
		t->dev_s = (double)t->cycles / (b->caps.clock_khz * 1e3);
	}
	free(wall);
	free(cyc);
	return err;
}

static double per_s(double x, double s)
{
	return s > 0 ? x / s : NAN;
}

/* Deterministic xorshift, so every run measures the same data. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static int alloc_bos(accel_device *dev, uint32_t n, const uint64_t *sizes,
		     accel_bo **bos)
{
	for (uint32_t i = 0; i < n; i++) {
		int err = accel_bo_alloc(dev, sizes[i], 0, &bos[i]);

		if (err) {
			fail("buffer allocation", err);
			while (i--)
				accel_bo_free(bos[i]);
			return err;
		}
	}
	return 0;
}

static void free_bos(uint32_t n, accel_bo **bos)
{
	for (uint32_t i = 0; i < n; i++)
		accel_bo_free(bos[i]);
}

/* ------------------------------------------------------------------ */
/* TLMM                                                                */
/* ------------------------------------------------------------------ */
enum { T_X, T_XS, T_W, T_Y, T_NBO };

/*
 * Host reference of a few outputs: sum_k x*w as an exact integer, then
 * the contract's scaling.  The device's fp32 rounding differs by at most
 * a few ulps, so a relative tolerance separates right from wrong.
 */
static bool tlmm_check(const int8_t *x, const int8_t *codes,
		       const float *xs, float ws, const float *y,
		       uint32_t m, uint32_t n, uint32_t k)
{
	uint32_t rows[2] = { 0, m - 1 }, cols[3] = { 0, n / 2, n - 1 };

	for (int r = 0; r < 2; r++) {
		for (int c = 0; c < 3; c++) {
			uint32_t mi = rows[r], ni = cols[c];
			int64_t acc = 0;
			double ref, got = y[(uint64_t)mi * n + ni];

			for (uint32_t i = 0; i < k; i++)
				acc += x[(uint64_t)mi * k + i] *
				       codes[(uint64_t)ni * k + i];
			ref = (double)acc / xs[mi] * ws;
			if (fabs(got - ref) > 1e-4 * fabs(ref) + 1e-6) {
				fprintf(stderr, PROG ": TLMM %ux%ux%u: y[%u][%u]"
					" = %g, expected %g\n", m, n, k, mi,
					ni, got, ref);
				return false;
			}
		}
	}
	return true;
}

/*
 * Open the device with LIBACCEL_SIM_THREADS = @threads: the sim backend
 * reads it at open, so a new count is a new device (nothing outlives a
 * row or a model but the device itself).  The kernel backend ignores it.
 */
static int open_dev(struct bench *b, uint32_t threads, bool *no_dev)
{
	char v[16];
	int err;

	snprintf(v, sizeof(v), "%u", threads);
	setenv("LIBACCEL_SIM_THREADS", v, 1);
	err = accel_device_open(b->cfg.spec, 0, &b->dev);
	*no_dev = err != 0;
	if (err) {
		b->dev = NULL;
		return err;
	}
	err = accel_device_caps(b->dev, &b->caps);
	if (err) {
		fail("device capabilities", err);
		accel_device_close(b->dev);
		b->dev = NULL;
		return err;
	}
	if (!b->caps.clock_khz)
		b->caps.clock_khz = 1;	/* never divide by zero */
	b->dev_threads = b->caps.backend == ACCEL_BACKEND_SIM ? threads : 0;
	return 0;
}

/* The host thread count of the next rows (sim backend). */
static int set_threads(struct bench *b, uint32_t threads)
{
	bool no_dev;
	int err;

	if (b->caps.backend != ACCEL_BACKEND_SIM || b->dev_threads == threads)
		return 0;
	accel_device_close(b->dev);
	b->dev = NULL;
	err = open_dev(b, threads, &no_dev);
	if (err)
		fail("reopening the device", err);
	return err;
}

/* Thread counts to measure: the kernel backend has one, the device's. */
static uint32_t n_thread_passes(const struct bench *b)
{
	return b->caps.backend == ACCEL_BACKEND_SIM ? b->cfg.nthreads : 1;
}

/*
 * One TLMM row: M x K activations times N x K ternary weights in @wfmt.
 * @copies > 1: the job holds one TLMM per copy of the weights (all equal,
 * in distinct buffers' worth of memory), so the weights stream from DRAM
 * rather than the caches; the row's time is the job's / @copies.
 */
static int bench_tlmm(struct bench *b, uint32_t wfmt, uint32_t threads,
		      uint32_t m, uint32_t k, uint32_t n, uint32_t copies)
{
	struct tlmm_row *row = &b->tlmm[b->ntlmm];
	uint32_t wrow = accel_weight_row_bytes(wfmt, k);
	uint64_t wmat = (uint64_t)n * wrow;
	uint64_t sizes[T_NBO] = { (uint64_t)m * k, 4ull * m,
				  wmat * copies, 4ull * m * n };
	accel_bo *bo[T_NBO];
	int8_t *codes, *x;
	float *xs, *y, ws = 0.0123f;
	accel_cmdbuf *cb = NULL;
	uint8_t *wmap;
	int err;

	if (b->ntlmm == MAX_TLMM_ROWS)
		return 0;
	codes = malloc((size_t)n * k);
	if (!codes)
		return -ENOMEM;
	err = alloc_bos(b->dev, T_NBO, sizes, bo);
	if (err) {
		free(codes);
		return err;
	}
	accel_bo_map(bo[T_X], (void **)&x);
	accel_bo_map(bo[T_XS], (void **)&xs);
	accel_bo_map(bo[T_W], (void **)&wmap);
	accel_bo_map(bo[T_Y], (void **)&y);
	for (uint64_t i = 0; i < (uint64_t)m * k; i++)
		x[i] = (int8_t)(rnd() % 255 - 127);
	for (uint32_t i = 0; i < m; i++)
		xs[i] = 127.0f / (1.0f + (float)(rnd() % 1000) * 0.01f);
	for (uint64_t i = 0; i < (uint64_t)n * k; i++)
		codes[i] = (int8_t)(rnd() % 3) - 1;
	err = accel_ternary_pack(wfmt, codes, n, k, wmap, wrow);
	if (err) {
		fail("weight packing", err);
		goto out;
	}
	for (uint32_t c = 1; c < copies; c++)
		memcpy(wmap + c * wmat, wmap, wmat);
	err = accel_cmdbuf_create(b->dev, &cb);
	if (err) {
		fail("command buffer", err);
		goto out;
	}
	for (uint32_t c = 0; c < copies && !err; c++)
		err = accel_cmd_tlmm(cb, &(struct accel_tlmm){
			.x = accel_at(bo[T_X], 0),
			.x_scale = accel_at(bo[T_XS], 0),
			.w = accel_at(bo[T_W], c * wmat),
			.y = accel_at(bo[T_Y], 0),
			.m = m, .n = n, .k = k, .w_scale = ws,
			.wfmt = (uint8_t)wfmt,
			.epi = { .act = LLA_ACT_NONE,
				 .out_dtype = LLA_DTYPE_F32 } });
	if (err) {
		fail("TLMM command", err);
		goto out;
	}
	err = time_cmdbuf(b, cb, &row->t);
	if (err)
		goto out;
	row->t.wall_med_s /= copies;
	row->t.wall_min_s /= copies;
	row->t.dev_s /= copies;
	row->t.cycles /= copies;
	row->m = m;
	row->k = k;
	row->n = n;
	row->wfmt = wfmt;
	row->threads = b->dev_threads ? threads : 0;
	row->copies = copies;
	row->wbytes = wmat;
	row->checked = tlmm_check(x, codes, xs, ws, y, m, n, k);
	if (!row->checked)
		err = -EIO;
	b->ntlmm++;
out:
	accel_cmdbuf_destroy(cb);
	free_bos(T_NBO, bo);
	free(codes);
	return err;
}

/* ------------------------------------------------------------------ */
/* Attention                                                           */
/* ------------------------------------------------------------------ */
enum { A_Q, A_K, A_V, A_KC, A_VC, A_O, A_NBO };

/* QK^T and PV: 2 products of 2 flops per head_dim element per key. */
static double attn_flops(uint32_t pos, uint32_t m)
{
	double keys = 0;

	for (uint32_t i = 0; i < m; i++)
		keys += pos + i + 1;
	return 4.0 * ATTN_HEADS * ATTN_HEAD_DIM * keys;
}

static int attn_cmd(struct bench *b, accel_bo **bo, uint32_t m, uint32_t pos,
		    uint32_t ctx, bool decode, accel_cmdbuf **out)
{
	struct accel_attn a = {
		.q = accel_at(bo[A_Q], 0), .k = accel_at(bo[A_K], 0),
		.v = accel_at(bo[A_V], 0), .k_cache = accel_at(bo[A_KC], 0),
		.v_cache = accel_at(bo[A_VC], 0), .o = accel_at(bo[A_O], 0),
		.m = m, .n_head = ATTN_HEADS, .n_kv_head = ATTN_KV_HEADS,
		.head_dim = ATTN_HEAD_DIM, .max_ctx = ctx, .pos = pos,
	};
	int err = accel_cmdbuf_create(b->dev, out);

	if (err)
		return fail("command buffer", err);
	err = decode ? accel_cmd_attn_decode(*out, &a) :
		       accel_cmd_attn_prefill(*out, &a);
	if (err) {
		fail(decode ? "ATTN_DECODE command" : "ATTN_PREFILL command",
		     err);
		accel_cmdbuf_destroy(*out);
		*out = NULL;
	}
	return err;
}

/* Prefill of @ctx tokens from position 0, then decode at ctx - 1. */
static int bench_attn(struct bench *b, uint32_t ctx)
{
	uint64_t qrow = 4ull * ATTN_HEADS * ATTN_HEAD_DIM;
	uint64_t kvrow = 4ull * ATTN_KV_HEADS * ATTN_HEAD_DIM;
	uint64_t cache = 2ull * ctx * ATTN_KV_HEADS * ATTN_HEAD_DIM;
	uint64_t sizes[A_NBO] = { qrow * ctx, kvrow * ctx, kvrow * ctx,
				  cache, cache, qrow * ctx };
	struct attn_row *pre = &b->attn[b->nattn], *dec = pre + 1;
	accel_cmdbuf *cb = NULL;
	accel_bo *bo[A_NBO];
	int err;

	err = alloc_bos(b->dev, A_NBO, sizes, bo);
	if (err)
		return err;
	for (int i = A_Q; i <= A_V; i++) {
		float *p;

		accel_bo_map(bo[i], (void **)&p);
		for (uint64_t e = 0; e < sizes[i] / 4; e++)
			p[e] = (float)((int32_t)(rnd() % 2001) - 1000) * 1e-3f;
	}
	err = attn_cmd(b, bo, ctx, 0, ctx, false, &cb);
	if (!err)
		err = time_cmdbuf(b, cb, &pre->t);
	accel_cmdbuf_destroy(cb);
	cb = NULL;
	if (!err)
		err = attn_cmd(b, bo, 1, ctx - 1, ctx, true, &cb);
	if (!err)
		err = time_cmdbuf(b, cb, &dec->t);
	accel_cmdbuf_destroy(cb);
	free_bos(A_NBO, bo);
	if (err)
		return err;
	*pre = (struct attn_row){ "prefill", ctx, ctx, attn_flops(0, ctx),
				  pre->t };
	*dec = (struct attn_row){ "decode", ctx, 1, attn_flops(ctx - 1, 1),
				  dec->t };
	b->nattn += 2;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Null-job latency                                                    */
/* ------------------------------------------------------------------ */
static int bench_latency(struct bench *b)
{
	uint32_t n = b->cfg.lat_jobs;
	uint64_t *wall = calloc(n, sizeof(*wall)), w, c = 0, sum = 0;
	accel_cmdbuf *cb = NULL;
	int err;

	if (!wall)
		return -ENOMEM;
	err = accel_cmdbuf_create(b->dev, &cb);
	if (!err)
		err = accel_cmd_nop(cb);
	if (err) {
		fail("NOP command", err);
		goto out;
	}
	/* A few untimed jobs: first-use costs are not latency. */
	for (uint32_t i = 0; i < 10 && !err; i++)
		err = run_job(b, cb, &w, &c);
	for (uint32_t i = 0; i < n && !err; i++)
		err = run_job(b, cb, &wall[i], &c);
	if (err)
		goto out;
	qsort(wall, n, sizeof(*wall), cmp_u64);
	for (uint32_t i = 0; i < n; i++)
		sum += wall[i];
	b->lat = (struct lat_row){
		.jobs = n,
		.p50_us = wall[(n - 1) / 2] * 1e-3,
		.p99_us = wall[(uint32_t)ceil(0.99 * n) - 1] * 1e-3,
		.mean_us = (double)sum / n * 1e-3,
		.min_us = wall[0] * 1e-3,
		.max_us = wall[n - 1] * 1e-3,
		.cycles = c,
		.dev_us = (double)c / (b->caps.clock_khz * 1e-3),
	};
	b->have_lat = true;
out:
	accel_cmdbuf_destroy(cb);
	free(wall);
	return err;
}

/* ------------------------------------------------------------------ */
/* Tokenizer                                                           */
/* ------------------------------------------------------------------ */
/*
 * English-like text from the vocabulary's words, with what a prompt also
 * has: capitals (byte fallback in "llama"), punctuation, digits, line
 * breaks, double spaces.
 */
static void tok_prompt(char *p, uint32_t len)
{
	uint32_t at = 0;

	while (at < len) {
		uint32_t r = rnd();
		const char *w = mk_words[r % MK_NWORDS];
		char word[32];
		size_t l = strlen(w);

		memcpy(word, w, l);
		if ((r >> 8) % 11 == 0)
			word[0] = (char)(word[0] - 'a' + 'A');
		if ((r >> 12) % 13 == 0)
			l += (size_t)snprintf(word + l, sizeof(word) - l, "%u",
					      (r >> 16) % 1000);
		if ((r >> 20) % 9 == 0)
			word[l++] = ",.!?'"[(r >> 24) % 5];
		word[l++] = (r >> 27) % 17 == 0 ? '\n' :
			    (r >> 27) % 19 == 1 ? '\t' : ' ';
		for (size_t i = 0; i < l && at < len; i++)
			p[at++] = word[i];
	}
}

/* The tiny preset's model with tokenizer @tok (enum mk_tok), loaded. */
static int tok_model(struct bench *b, int tok, accel_model **m)
{
	struct mk_opts o = { "tiny", NULL, MK_TQ2_0, tok, -1, 1, 1, 0, 0 };
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *fp;
	int fd, err;

	snprintf(path, sizeof(path), "%s/llmaccel-bench-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return fail("temporary model file", -errno);
	fp = fdopen(fd, "wb");
	if (!fp) {
		close(fd);
		unlink(path);
		return fail("temporary model file", -errno);
	}
	err = mk_write_model(fp, &o);
	if (fclose(fp) && !err)
		err = -EIO;
	if (!err)
		err = accel_model_load(b->dev, path, NULL, m);
	unlink(path);
	return err ? fail("tokenizer model", err) : 0;
}

/* Warm-up, then repetitions until about 0.3 s (at least one). */
static int bench_tok_row(accel_model *m, const char *text, uint32_t len,
			 int32_t *ids, struct tok_row *row)
{
	uint64_t wall[64], total = 0, t0;
	uint32_t n = 0;
	size_t nt = 0;
	int err;

	err = accel_model_tokenize(m, text, len, 0, ids, (size_t)len + 1, &nt);
	while (!err && n < 64 && (n == 0 || total < 300000000ull)) {
		t0 = tool_now_ns();
		err = accel_model_tokenize(m, text, len, 0, ids,
					   (size_t)len + 1, &nt);
		wall[n] = tool_now_ns() - t0;
		total += wall[n++];
	}
	if (err)
		return fail("tokenize", err);
	row->bytes = len;
	row->tokens = nt;
	row->reps = n;
	row->wall_s = (double)median(wall, n) * 1e-9;
	return 0;
}

static int bench_tok(struct bench *b)
{
	uint32_t maxb = 0;
	int32_t *ids;
	char *text;
	int err = 0;

	for (uint32_t i = 0; i < b->cfg.ntok_bytes; i++)
		if (b->cfg.tok_bytes[i] > maxb)
			maxb = b->cfg.tok_bytes[i];
	text = malloc(maxb);
	ids = malloc(((size_t)maxb + 1) * sizeof(*ids));
	if (!text || !ids) {
		free(text);
		free(ids);
		return -ENOMEM;
	}
	tok_prompt(text, maxb);
	for (int k = 0; k < 2 && !err; k++) {
		struct accel_model_info info;
		accel_model *m = NULL;

		err = tok_model(b, k ? MK_BPE : MK_SPM, &m);
		if (!err)
			err = accel_model_info(m, &info);
		for (uint32_t i = 0; i < b->cfg.ntok_bytes && !err; i++) {
			struct tok_row *r = &b->tok[b->ntok];

			/* a prefix: the rows differ only in length */
			err = bench_tok_row(m, text, b->cfg.tok_bytes[i], ids,
					    r);
			if (!err) {
				r->kind = k ? "bpe" : "spm";
				r->vocab = info.n_vocab;
				b->ntok++;
			}
		}
		accel_model_free(m);
	}
	free(text);
	free(ids);
	return err;
}

/* ------------------------------------------------------------------ */
/* Host read bandwidth                                                 */
/* ------------------------------------------------------------------ */
/* 32-byte lanes: the compiler makes them the widest loads it may use. */
typedef uint64_t bw_vec __attribute__((vector_size(32)));

static volatile uint64_t bw_sink;

/* Sum of @n lanes (a multiple of 8): a read of every byte, 8 streams. */
static uint64_t bw_read(const bw_vec *p, size_t n)
{
	bw_vec a0 = { 0 }, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
	       a6 = a0, a7 = a0;

	for (size_t i = 0; i < n; i += 8) {
		a0 += p[i];
		a1 += p[i + 1];
		a2 += p[i + 2];
		a3 += p[i + 3];
		a4 += p[i + 4];
		a5 += p[i + 5];
		a6 += p[i + 6];
		a7 += p[i + 7];
	}
	a0 += a1 + a2 + a3 + a4 + a5 + a6 + a7;
	return a0[0] + a0[1] + a0[2] + a0[3];
}

/*
 * One thread reads a buffer of cfg.bw_mb MiB (default min(1 GiB, RAM/4):
 * far beyond any last-level cache) from start to end, cfg.reps + 2
 * passes after one that is not counted; GB/s of the best and the median
 * pass.
 */
static int bench_bw(struct bench *b)
{
	uint64_t bytes = (uint64_t)b->cfg.bw_mb << 20, t[64];
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	uint32_t passes = b->cfg.reps + 2;
	bw_vec *buf;

	if (!bytes) {
		bytes = 1ull << 30;
		if (pages > 0 && psz > 0 &&
		    (uint64_t)pages * (uint64_t)psz / 4 < bytes)
			bytes = (uint64_t)pages * (uint64_t)psz / 4;
	}
	bytes &= ~255ull;
	if (passes > 64)
		passes = 64;
	buf = aligned_alloc(64, bytes);
	if (!buf)
		return fail("bandwidth buffer", -ENOMEM);
	/* touched, so no pass pays the page faults; not all zero pages */
	for (uint64_t i = 0; i < bytes / sizeof(uint64_t); i += 512)
		((uint64_t *)(void *)buf)[i] = i;
	memset((uint8_t *)buf + 8, 1, bytes - 8);
	bw_sink += bw_read(buf, bytes / sizeof(bw_vec));
	for (uint32_t i = 0; i < passes; i++) {
		uint64_t t0 = tool_now_ns();

		bw_sink += bw_read(buf, bytes / sizeof(bw_vec));
		t[i] = tool_now_ns() - t0;
	}
	free(buf);
	b->bw.bytes = bytes;
	b->bw.passes = passes;
	b->bw.median_gbps = bytes / (double)median(t, passes);
	b->bw.best_gbps = bytes / (double)t[0];	/* sorted by median() */
	b->have_bw = true;
	return 0;
}

/* The bandwidth the decode and GEMV rates are compared with. */
static double ref_bw(const struct bench *b)
{
	if (b->have_bw)
		return b->bw.best_gbps;
	if (b->ref.have)
		return b->ref.bw_gbps;
	return NAN;
}

/* ------------------------------------------------------------------ */
/* Whole models                                                        */
/* ------------------------------------------------------------------ */
/*
 * The model file of @preset in @dir (written there first when it is not
 * yet): a guest reuses what the host wrote instead of generating it under
 * the emulator.  Written to a temporary name and renamed, so a file found
 * is always whole.
 */
static int dir_model(const char *dir, const char *preset, char *path,
		     size_t cap)
{
	struct mk_opts o = { preset, NULL, MK_TQ2_0, -1, -1, 1, 1, 0, 0 };
	char tmp[4096];
	FILE *fp;
	int err;

	if (snprintf(path, cap, "%s/%s-tq2_0-seed1.gguf", dir, preset) >=
	    (int)cap ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return fail(dir, -ENAMETOOLONG);
	if (access(path, R_OK) == 0)
		return 0;
	fp = fopen(tmp, "wb");
	if (!fp)
		return fail(tmp, -errno);
	err = mk_write_model(fp, &o);
	if (fclose(fp) && !err)
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return fail("writing the model file", err);
	}
	return 0;
}

/* Write llmaccel-mkmodel's @preset (TQ2_0, seed 1) to a temporary file. */
static int write_model(const char *preset, int tok, char *path, size_t cap)
{
	struct mk_opts o = { preset, NULL, MK_TQ2_0, tok, -1, 1, 1, 0, 0 };
	const char *dir = getenv("TMPDIR");
	FILE *fp;
	int fd, err;

	snprintf(path, cap, "%s/llmaccel-bench-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return fail("temporary model file", -errno);
	fp = fdopen(fd, "wb");
	if (!fp) {
		err = -errno;
		close(fd);
		unlink(path);
		return fail("temporary model file", err);
	}
	err = mk_write_model(fp, &o);
	if (fclose(fp) && !err)
		err = -EIO;
	if (err) {
		unlink(path);
		return fail("writing the model file", err);
	}
	return 0;
}

/*
 * At least @n token ids of English-like text (BOS first if the model
 * wants it), in *@ids (malloc'd).
 */
static int prompt_ids(accel_model *m, uint32_t n, int32_t **ids)
{
	size_t len = 8 * (size_t)n + 64, got = 0;
	int err = 0;

	*ids = NULL;
	for (int tries = 0; tries < 8; tries++, len *= 2) {
		char *text = malloc(len);
		int32_t *v = malloc((len + 1) * sizeof(*v));

		if (!text || !v) {
			free(text);
			free(v);
			return -ENOMEM;
		}
		tok_prompt(text, (uint32_t)len);
		err = accel_model_tokenize(m, text, len,
					   accel_model_add_bos(m), v, len + 1,
					   &got);
		free(text);
		if (!err && got >= n) {
			*ids = v;
			return 0;
		}
		free(v);
		if (err)
			break;
	}
	return fail("tokenizing the prompt", err ? err : -EINVAL);
}

/* A session, then @n prompt tokens: wall and modeled time of the prefill. */
static int timed_prefill(struct bench *b, accel_model *m, const int32_t *ids,
			 uint32_t n, double *wall_s, double *model_s)
{
	struct accel_model_stats st;
	uint64_t t0;
	int32_t next;
	int err;

	err = accel_model_start(m, NULL);
	if (err)
		return fail("accel_model_start", err);
	t0 = tool_now_ns();
	err = accel_model_prefill(m, ids, n, &next);
	*wall_s = (double)(tool_now_ns() - t0) * 1e-9;
	if (err)
		return fail("accel_model_prefill", err);
	accel_model_stats(m, &st);
	*model_s = (double)st.prefill_cycles / (b->caps.clock_khz * 1e3);
	return 0;
}

/* Index of @n in --ttft (nttft if absent). */
static uint32_t ttft_pos(const struct cfg *c, uint32_t n)
{
	uint32_t i = 0;

	while (i < c->nttft && c->ttft[i] != n)
		i++;
	return i;
}

static bool has_ttft(const struct cfg *c, uint32_t n)
{
	return (c->sections & SEC_TTFT) && ttft_pos(c, n) < c->nttft;
}

static int run_model(struct bench *b, accel_model *m, struct model_row *r,
		     bool with_ttft)
{
	struct cfg cfg = b->cfg;
	const struct cfg *c = &cfg;
	uint32_t maxn = c->prompt_len;
	struct accel_model_stats st;
	uint64_t *steps = NULL;
	int32_t *ids = NULL, next;
	int err;

	if (!with_ttft)
		cfg.sections &= ~SEC_TTFT;
	for (uint32_t i = 0; i < c->nttft; i++)
		if (c->ttft[i] > maxn)
			maxn = c->ttft[i];
	err = prompt_ids(m, maxn, &ids);
	if (err)
		return err;
	/* warm-up: a short prefill and two steps, untimed */
	err = accel_model_start(m, NULL);
	if (!err)
		err = accel_model_prefill(m, ids, 8, &next);
	for (int i = 0; i < 2 && !err; i++)
		err = accel_model_decode(m, &next);
	if (err) {
		fail("model warm-up", err);
		goto out;
	}
	/*
	 * Time to first token of each length; the one of --prompt's length
	 * last, its session continues with the decode steps.
	 */
	for (uint32_t i = 0; i < c->nttft && !err; i++) {
		struct ttft_row *t = &r->ttft[r->nttft];

		if (!(c->sections & SEC_TTFT) || c->ttft[i] == c->prompt_len)
			continue;
		t->tokens = c->ttft[i];
		err = timed_prefill(b, m, ids, t->tokens, &t->wall_s,
				    &t->model_s);
		if (!err)
			r->nttft++;
	}
	if (!err && ((c->sections & SEC_MODEL) || has_ttft(c, c->prompt_len))) {
		err = timed_prefill(b, m, ids, c->prompt_len,
				    &r->prefill_wall_s, &r->prefill_model_s);
		if (!err && has_ttft(c, c->prompt_len))
			r->ttft[r->nttft++] = (struct ttft_row){
				c->prompt_len, r->prefill_wall_s,
				r->prefill_model_s };
	}
	/* in the order of --ttft */
	for (uint32_t i = 1; i < r->nttft; i++)
		for (uint32_t j = i; j > 0 && ttft_pos(c, r->ttft[j].tokens) <
				     ttft_pos(c, r->ttft[j - 1].tokens); j--) {
			struct ttft_row x = r->ttft[j];

			r->ttft[j] = r->ttft[j - 1];
			r->ttft[j - 1] = x;
		}
	if (err || !(c->sections & SEC_MODEL))
		goto out;
	r->prefill_tokens = c->prompt_len;
	r->have_prefill = true;
	steps = calloc(c->decode_steps, sizeof(*steps));
	if (!steps) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < c->decode_steps && !err; i++) {
		uint64_t t0 = tool_now_ns();

		err = accel_model_decode(m, &next);
		steps[i] = tool_now_ns() - t0;
		r->decode_wall_s += (double)steps[i] * 1e-9;
	}
	if (err) {
		fail("accel_model_decode", err);
		goto out;
	}
	accel_model_stats(m, &st);
	r->decode_ctx = c->prompt_len;
	r->decode_steps = c->decode_steps;
	r->decode_med_s = (double)median(steps, c->decode_steps) * 1e-9;
	r->decode_model_s = (double)st.decode_cycles /
			    (b->caps.clock_khz * 1e3);
	r->have_decode = true;
out:
	free(steps);
	free(ids);
	return err;
}

static int bench_model(struct bench *b, const char *preset)
{
	struct model_row *r = &b->model[b->nmodel];
	const struct cfg *c = &b->cfg;
	struct accel_model_opts o = { 0 };
	struct accel_model_info info;
	accel_model *m = NULL;
	uint32_t maxn = c->prompt_len + c->decode_steps + 16;
	char path[4096];
	uint64_t t0;
	int err;

	for (uint32_t i = 0; i < c->nttft; i++)
		if (c->ttft[i] + 16 > maxn)
			maxn = c->ttft[i] + 16;
	err = set_threads(b, c->threads[0]);
	if (err)
		return err;
	memset(r, 0, sizeof(*r));
	tool_strlcpy(r->preset, preset, sizeof(r->preset));
	if (!c->json)
		fprintf(stderr, PROG ": model %s: writing, loading, running\n",
			preset);
	t0 = tool_now_ns();
	if (c->model_dir)
		err = dir_model(c->model_dir, preset, path, sizeof(path));
	else
		err = write_model(preset, -1, path, sizeof(path));
	if (err)
		return err;
	r->write_s = (double)(tool_now_ns() - t0) * 1e-9;
	o.max_ctx = maxn;
	o.wfmt = (uint8_t)c->wfmt;
	t0 = tool_now_ns();
	err = accel_model_load(b->dev, path, &o, &m);
	r->load_s = (double)(tool_now_ns() - t0) * 1e-9;
	if (err && !c->model_dir)
		unlink(path);
	if (err) {
		fail(preset, err);
		if (err == -ENOSPC)
			fprintf(stderr, PROG ": %s needs more device memory "
				"(sim backend: LIBACCEL_SIM_MEM_MB; VM: guest "
				"RAM), or leave it out of --models\n", preset);
		return err;
	}
	accel_model_info(m, &info);
	r->n_layer = info.n_layer;
	r->n_embd = info.n_embd;
	r->n_ff = info.n_ff;
	r->n_vocab = info.n_vocab;
	r->max_ctx = info.max_ctx;
	r->batch = info.batch;
	r->weight_bytes = info.weight_bytes;
	r->decode_weight_bytes = info.decode_weight_bytes;
	tool_strlcpy(r->wfmt, tool_wfmt_name(info.wfmt), sizeof(r->wfmt));
	tool_strlcpy(r->head, tool_wfmt_name(info.head_wfmt), sizeof(r->head));
	b->nmodel++;
	err = run_model(b, m, r, true);
	accel_model_free(m);
	/* The same model's prefill and decode on the other thread counts. */
	for (uint32_t t = 1; !err && (c->sections & SEC_MODEL) &&
	     t < n_thread_passes(b) && b->nthr < MAX_THR_ROWS; t++) {
		struct thr_row *tr = &b->thr[b->nthr];
		struct model_row mr;

		err = set_threads(b, c->threads[t]);
		if (!err)
			err = accel_model_load(b->dev, path, &o, &m);
		if (err) {
			fail(preset, err);
			break;
		}
		memset(&mr, 0, sizeof(mr));
		err = run_model(b, m, &mr, false);
		accel_model_free(m);
		if (err)
			break;
		*tr = (struct thr_row){ .threads = c->threads[t],
			.prefill_tokens = mr.prefill_tokens,
			.decode_steps = mr.decode_steps,
			.prefill_wall_s = mr.prefill_wall_s,
			.decode_wall_s = mr.decode_wall_s,
			.decode_med_s = mr.decode_med_s,
			.decode_weight_bytes = r->decode_weight_bytes };
		tool_strlcpy(tr->preset, preset, sizeof(tr->preset));
		b->nthr++;
	}
	if (!c->model_dir)
		unlink(path);
	return err;
}

/* ------------------------------------------------------------------ */
/* Figures of another run: --decode-out writes them, --decode-ref reads */
/* ------------------------------------------------------------------ */
#define REF_MAGIC	"llmaccel-bench decode figures v1"

static int write_ref(const struct bench *b, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "# " REF_MAGIC "\n");
	fprintf(f, "backend %s\n", accel_backend_name(b->caps.backend));
	if (b->have_bw)
		fprintf(f, "bw_gbps %.6f\n", b->bw.best_gbps);
	if (b->have_lat)
		fprintf(f, "latency_p50_us %.6f\n", b->lat.p50_us);
	for (uint32_t i = 0; i < b->nmodel; i++) {
		const struct model_row *r = &b->model[i];

		if (!r->have_decode)
			continue;
		fprintf(f, "decode %s %u %u %.6f %.6f %llu\n", r->preset,
			r->decode_ctx, r->decode_steps,
			per_s(r->decode_steps, r->decode_wall_s),
			per_s(r->decode_steps, r->decode_model_s),
			(unsigned long long)r->decode_weight_bytes);
	}
	if (fclose(f)) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

static int read_ref(struct ref *rf, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	bool magic = false;

	memset(rf, 0, sizeof(*rf));
	rf->bw_gbps = rf->lat_p50_us = NAN;
	if (!f) {
		fprintf(stderr, PROG ": --decode-ref %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		struct ref_decode *d = &rf->dec[rf->ndec];
		unsigned long long wb;

		if (strstr(line, REF_MAGIC))
			magic = true;
		else if (sscanf(line, "backend %15s", rf->backend) == 1)
			;
		else if (sscanf(line, "bw_gbps %lf", &rf->bw_gbps) == 1)
			;
		else if (sscanf(line, "latency_p50_us %lf",
				&rf->lat_p50_us) == 1)
			;
		else if (rf->ndec < MAX_MODELS &&
			 sscanf(line, "decode %23s %u %u %lf %lf %llu",
				d->preset, &d->ctx, &d->steps, &d->wall_tok_s,
				&d->model_tok_s, &wb) == 6) {
			d->decode_weight_bytes = wb;
			rf->ndec++;
		}
	}
	fclose(f);
	if (!magic) {
		fprintf(stderr, PROG ": --decode-ref %s: not a file of "
			"--decode-out\n", path);
		return -EINVAL;
	}
	rf->have = true;
	return 0;
}

static const struct ref_decode *ref_find(const struct bench *b,
					 const char *preset)
{
	for (uint32_t i = 0; b->ref.have && i < b->ref.ndec; i++)
		if (!strcmp(b->ref.dec[i].preset, preset))
			return &b->ref.dec[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */
static void print_models(const struct bench *b)
{
	double bw = ref_bw(b);
	bool pre = false, dec = false, ttft = false;

	for (uint32_t i = 0; i < b->nmodel; i++) {
		pre |= b->model[i].have_prefill;
		dec |= b->model[i].have_decode;
		ttft |= b->model[i].nttft > 0;
	}
	if (!b->nmodel)
		return;
	printf("\nmodels (llmaccel-mkmodel presets, TQ2_0 files, written and "
	       "loaded by this run; decode MB: the weights one decode step "
	       "reads)\n");
	printf("%-12s %6s %5s %5s %7s %4s %4s %7s %10s %9s %8s %7s\n",
	       "model", "layers", "embd", "ff", "vocab", "fmt", "head",
	       "max_ctx", "weights MB", "decode MB", "write s", "load s");
	for (uint32_t i = 0; i < b->nmodel; i++) {
		const struct model_row *r = &b->model[i];

		printf("%-12s %6u %5u %5u %7u %4s %4s %7u %10.1f %9.1f %8.2f "
		       "%7.2f\n", r->preset, r->n_layer, r->n_embd, r->n_ff,
		       r->n_vocab, r->wfmt, r->head, r->max_ctx,
		       r->weight_bytes / 1048576.0,
		       r->decode_weight_bytes / 1048576.0, r->write_s,
		       r->load_s);
	}
	if (pre) {
		printf("\nprefill (the prompt in one submission)%16s%s\n", "",
		       "wall          modeled");
		printf("%-12s %6s %11s %9s %11s %9s\n", "model", "tokens",
		       "ms", "tok/s", "ms", "tok/s");
		for (uint32_t i = 0; i < b->nmodel; i++) {
			const struct model_row *r = &b->model[i];

			if (!r->have_prefill)
				continue;
			printf("%-12s %6u %11.1f %9.1f %11.3f %9.1f\n",
			       r->preset, r->prefill_tokens,
			       r->prefill_wall_s * 1e3,
			       per_s(r->prefill_tokens, r->prefill_wall_s),
			       r->prefill_model_s * 1e3,
			       per_s(r->prefill_tokens, r->prefill_model_s));
		}
	}
	if (dec) {
		printf("\ndecode (one submission per token, greedy, after the "
		       "prompt; thr %u)\n%27s%s%13s%s%12s%s\n",
		       b->cfg.threads[0], "", "wall", "",
		       "modeled", "", "weight reads at the wall rate");
		printf("%-12s %5s %5s %8s %8s %9s %8s %8s %8s %9s\n", "model",
		       "ctx", "steps", "tok/s", "med ms", "tok/s", "ms/tok",
		       "MB/tok", "GB/s", "of bw");
		for (uint32_t i = 0; i < b->nmodel; i++) {
			const struct model_row *r = &b->model[i];
			double tps = per_s(r->decode_steps, r->decode_wall_s);
			double gbs = tps * r->decode_weight_bytes * 1e-9;

			if (!r->have_decode)
				continue;
			printf("%-12s %5u %5u %8.2f %8.2f %9.1f %8.3f %8.1f "
			       "%8.2f %8.1f%%\n", r->preset, r->decode_ctx,
			       r->decode_steps, tps, r->decode_med_s * 1e3,
			       per_s(r->decode_steps, r->decode_model_s),
			       r->decode_model_s * 1e3 / r->decode_steps,
			       r->decode_weight_bytes / 1048576.0, gbs,
			       100 * gbs / bw);
		}
		printf("(of bw: of the host's read bandwidth, %.2f GB/s%s)\n",
		       bw, b->have_bw ? ", measured above" :
		       b->ref.have ? ", from --decode-ref" : ": not measured");
	}
	if (ttft) {
		printf("\ntime to first token (prefill of the prompt, one "
		       "submission)\n");
		printf("%-12s %6s %11s %11s %9s %9s\n", "model", "tokens",
		       "wall ms", "model ms", "wall x", "tokens x");
		for (uint32_t i = 0; i < b->nmodel; i++) {
			const struct model_row *r = &b->model[i];

			for (uint32_t t = 0; t < r->nttft; t++)
				printf("%-12s %6u %11.1f %11.3f %9.2f %9.2f\n",
				       t ? "" : r->preset, r->ttft[t].tokens,
				       r->ttft[t].wall_s * 1e3,
				       r->ttft[t].model_s * 1e3,
				       r->ttft[t].wall_s / r->ttft[0].wall_s,
				       (double)r->ttft[t].tokens /
				       r->ttft[0].tokens);
		}
		printf("(wall x, tokens x: relative to the first length)\n");
	}
	if (dec && b->ref.have) {
		printf("\ndecode here (%s backend) beside --decode-ref (%s "
		       "backend)\n", accel_backend_name(b->caps.backend),
		       b->ref.backend[0] ? b->ref.backend : "?");
		printf("%-12s %5s %11s %10s %8s %11s %10s %8s %9s\n", "model",
		       "ctx", "here tok/s", "ref tok/s", "here/ref",
		       "model tok/s", "ref model", "GB/s", "of bw");
		for (uint32_t i = 0; i < b->nmodel; i++) {
			const struct model_row *r = &b->model[i];
			const struct ref_decode *d = ref_find(b, r->preset);
			double tps = per_s(r->decode_steps, r->decode_wall_s);
			double gbs = tps * r->decode_weight_bytes * 1e-9;

			if (!r->have_decode)
				continue;
			printf("%-12s %5u %11.2f %10.2f %8.2f %11.1f %10.1f "
			       "%8.2f %8.1f%%\n", r->preset, r->decode_ctx, tps,
			       d ? d->wall_tok_s : NAN,
			       d ? tps / d->wall_tok_s : NAN,
			       per_s(r->decode_steps, r->decode_model_s),
			       d ? d->model_tok_s : NAN, gbs, 100 * gbs / bw);
		}
		if (b->have_lat && isfinite(b->ref.lat_p50_us))
			printf("null-job p50: %.1f us here, %.1f us ref "
			       "(%.1fx)\n", b->lat.p50_us, b->ref.lat_p50_us,
			       b->lat.p50_us / b->ref.lat_p50_us);
	}
}

/*
 * The thread counts side by side: GEMV (M = 1) GOPS and the models'
 * prefill and decode tokens/s, x = over the first count's figure.
 */
static void print_threads(const struct bench *b)
{
	uint32_t t0 = b->cfg.threads[0];
	bool any = false;

	for (uint32_t i = 0; i < b->ntlmm; i++)
		any |= b->tlmm[i].threads && b->tlmm[i].threads != t0;
	if (!any && !b->nthr)
		return;
	printf("\nthreads (sim backend: host threads per matmul, "
	       "LIBACCEL_SIM_THREADS; x: over thr %u)\n", t0);
	printf("%-30s %3s %10s %-6s %6s\n", "what", "thr", "figure", "unit",
	       "x");
	for (uint32_t i = 0; i < b->ntlmm; i++) {
		const struct tlmm_row *r = &b->tlmm[i];
		double base = NAN, g;
		char what[64];

		if (r->m != 1)
			continue;
		g = per_s(2.0 * r->n * r->k * 1e-9, r->t.wall_med_s);
		for (uint32_t j = 0; j < b->ntlmm; j++) {
			const struct tlmm_row *q = &b->tlmm[j];

			if (q->m == 1 && q->k == r->k && q->n == r->n &&
			    q->wfmt == r->wfmt && q->copies == r->copies &&
			    q->threads == t0)
				base = per_s(2.0 * q->n * q->k * 1e-9,
					     q->t.wall_med_s);
		}
		snprintf(what, sizeof(what), "GEMV %s %ux%u %s",
			 tool_wfmt_name(r->wfmt), r->k, r->n,
			 r->copies > 1 ? "DRAM" : "hot");
		printf("%-30s %3u %10.2f %-6s %6.2f\n", what, r->threads, g,
		       "GOPS", g / base);
	}
	for (uint32_t i = 0; i < b->nmodel; i++) {
		const struct model_row *r = &b->model[i];
		double pre0 = per_s(r->prefill_tokens, r->prefill_wall_s);
		double dec0 = per_s(r->decode_steps, r->decode_wall_s);
		char what[64];

		if (!r->have_decode)
			continue;
		snprintf(what, sizeof(what), "prefill %s (%u tok)", r->preset,
			 r->prefill_tokens);
		printf("%-30s %3u %10.2f %-6s %6.2f\n", what, t0, pre0,
		       "tok/s", 1.0);
		for (uint32_t j = 0; j < b->nthr; j++)
			if (!strcmp(b->thr[j].preset, r->preset)) {
				double v = per_s(b->thr[j].prefill_tokens,
						 b->thr[j].prefill_wall_s);

				printf("%-30s %3u %10.2f %-6s %6.2f\n", what,
				       b->thr[j].threads, v, "tok/s",
				       v / pre0);
			}
		snprintf(what, sizeof(what), "decode %s", r->preset);
		printf("%-30s %3u %10.2f %-6s %6.2f\n", what, t0, dec0,
		       "tok/s", 1.0);
		for (uint32_t j = 0; j < b->nthr; j++)
			if (!strcmp(b->thr[j].preset, r->preset)) {
				double v = per_s(b->thr[j].decode_steps,
						 b->thr[j].decode_wall_s);

				printf("%-30s %3u %10.2f %-6s %6.2f\n", what,
				       b->thr[j].threads, v, "tok/s",
				       v / dec0);
			}
	}
}

static void print_tables(const struct bench *b)
{
	const struct accel_caps *c = &b->caps;

	printf("llmaccel-bench: %s (%s backend), cycle model %s at %.0f MHz, "
	       "%u queues; %u rep%s + %u warm-up, median wall time\n",
	       c->path, accel_backend_name(c->backend), c->preset_name,
	       c->clock_khz / 1e3, c->num_queues, b->cfg.reps,
	       b->cfg.reps == 1 ? "" : "s", b->cfg.warmup);
	if (b->have_bw)
		printf("\nhost read bandwidth: %llu MiB buffer, 1 thread, "
		       "%u passes: best %.2f GB/s, median %.2f GB/s\n",
		       (unsigned long long)(b->bw.bytes >> 20), b->bw.passes,
		       b->bw.best_gbps, b->bw.median_gbps);
	if (b->ntlmm) {
		printf("\nTLMM (int8 x, fp32 y; thr: host threads; weights hot "
		       "in the caches, or cycled through DRAM-sized copies)\n"
		       "%38s %s%43s\n", "", "host wall time",
		       "modeled device time");
		printf("%5s %11s %4s %3s %9s %9s %9s %8s %7s %5s %11s %9s "
		       "%8s\n", "M", "KxN", "fmt", "thr", "weights", "GOP/job",
		       "ms", "GOPS", "wGB/s", "%bw", "cycles", "ms", "GOPS");
		for (uint32_t i = 0; i < b->ntlmm; i++) {
			const struct tlmm_row *r = &b->tlmm[i];
			double ops = 2.0 * r->m * r->n * r->k;
			double wgb = per_s(r->wbytes * 1e-9, r->t.wall_med_s);
			char shape[32], wsrc[24];

			snprintf(shape, sizeof(shape), "%ux%u", r->k, r->n);
			if (r->copies > 1)
				snprintf(wsrc, sizeof(wsrc), "DRAM%lluM",
					 (unsigned long long)((r->wbytes *
					 r->copies) >> 20));
			else
				snprintf(wsrc, sizeof(wsrc), "hot");
			printf("%5u %11s %4s %3u %9s %9.4f %9.3f %8.2f %7.2f "
			       "%4.0f%% %11llu %9.3f %8.2f\n", r->m, shape,
			       tool_wfmt_name(r->wfmt), r->threads, wsrc,
			       ops * 1e-9, r->t.wall_med_s * 1e3,
			       per_s(ops * 1e-9, r->t.wall_med_s), wgb,
			       100 * wgb / ref_bw(b),
			       (unsigned long long)r->t.cycles,
			       r->t.dev_s * 1e3, per_s(ops * 1e-9, r->t.dev_s));
		}
	}
	if (b->nattn) {
		printf("\nattention (%u heads, %u KV heads, head_dim %u, fp16 "
		       "KV cache)\n", ATTN_HEADS, ATTN_KV_HEADS,
		       ATTN_HEAD_DIM);
		printf("%-8s %6s %6s %10s %10s %8s %12s %10s %10s %8s\n",
		       "kind", "ctx", "tokens", "wall ms", "tok/s", "GFLOPS",
		       "cycles", "model ms", "tok/s", "GFLOPS");
		for (uint32_t i = 0; i < b->nattn; i++) {
			const struct attn_row *r = &b->attn[i];

			printf("%-8s %6u %6u %10.3f %10.1f %8.2f %12llu %10.3f "
			       "%10.1f %8.2f\n", r->kind, r->ctx, r->tokens,
			       r->t.wall_med_s * 1e3,
			       per_s(r->tokens, r->t.wall_med_s),
			       per_s(r->flops * 1e-9, r->t.wall_med_s),
			       (unsigned long long)r->t.cycles,
			       r->t.dev_s * 1e3, per_s(r->tokens, r->t.dev_s),
			       per_s(r->flops * 1e-9, r->t.dev_s));
		}
	}
	if (b->have_lat) {
		const struct lat_row *l = &b->lat;

		printf("\nnull-job latency (NOP, submit -> fence, %u jobs, "
		       "queue %u)\n", l->jobs, b->cfg.queue);
		printf("%10s %10s %10s %10s %10s %12s %12s\n", "p50 us",
		       "p99 us", "mean us", "min us", "max us",
		       "model cyc", "model us");
		printf("%10.1f %10.1f %10.1f %10.1f %10.1f %12llu %12.3f\n",
		       l->p50_us, l->p99_us, l->mean_us, l->min_us, l->max_us,
		       (unsigned long long)l->cycles, l->dev_us);
	}
	if (b->ntok) {
		printf("\ntokenizer (accel_model_tokenize on the host, "
		       "English-like prompt)\n");
		printf("%-5s %6s %9s %9s %5s %10s %9s %11s\n", "kind",
		       "vocab", "bytes", "tokens", "reps", "ms", "MB/s",
		       "tokens/s");
		for (uint32_t i = 0; i < b->ntok; i++) {
			const struct tok_row *r = &b->tok[i];

			printf("%-5s %6u %9u %9zu %5u %10.3f %9.2f %11.0f\n",
			       r->kind, r->vocab, r->bytes, r->tokens, r->reps,
			       r->wall_s * 1e3, per_s(r->bytes * 1e-6, r->wall_s),
			       per_s((double)r->tokens, r->wall_s));
		}
	}
	print_models(b);
	print_threads(b);
}

static void json_timing(struct json *j, const struct timing *t, double ops,
			const char *unit)
{
	char key[32];

	json_u64(j, "reps", t->reps);
	json_dbl(j, "wall_ms", t->wall_med_s * 1e3);
	json_dbl(j, "wall_min_ms", t->wall_min_s * 1e3);
	snprintf(key, sizeof(key), "wall_%s", unit);
	json_dbl(j, key, per_s(ops * 1e-9, t->wall_med_s));
	json_u64(j, "cycles", t->cycles);
	json_dbl(j, "model_ms", t->dev_s * 1e3);
	snprintf(key, sizeof(key), "model_%s", unit);
	json_dbl(j, key, per_s(ops * 1e-9, t->dev_s));
}

static void json_models(struct json *j, const struct bench *b)
{
	double bw = ref_bw(b);

	json_arr_begin(j, "models");
	for (uint32_t i = 0; i < b->nmodel; i++) {
		const struct model_row *r = &b->model[i];
		const struct ref_decode *d = ref_find(b, r->preset);

		json_obj_begin(j, NULL);
		json_str(j, "preset", r->preset);
		json_u64(j, "n_layer", r->n_layer);
		json_u64(j, "n_embd", r->n_embd);
		json_u64(j, "n_ff", r->n_ff);
		json_u64(j, "n_vocab", r->n_vocab);
		json_str(j, "wfmt", r->wfmt);
		json_str(j, "head", r->head);
		json_u64(j, "max_ctx", r->max_ctx);
		json_u64(j, "batch", r->batch);
		json_u64(j, "weight_bytes", r->weight_bytes);
		json_u64(j, "decode_weight_bytes", r->decode_weight_bytes);
		json_dbl(j, "write_s", r->write_s);
		json_dbl(j, "load_s", r->load_s);
		if (r->have_prefill) {
			json_obj_begin(j, "prefill");
			json_u64(j, "tokens", r->prefill_tokens);
			json_dbl(j, "wall_ms", r->prefill_wall_s * 1e3);
			json_dbl(j, "wall_tokens_per_s",
				 per_s(r->prefill_tokens, r->prefill_wall_s));
			json_dbl(j, "model_ms", r->prefill_model_s * 1e3);
			json_dbl(j, "model_tokens_per_s",
				 per_s(r->prefill_tokens, r->prefill_model_s));
			json_obj_end(j);
		}
		if (r->have_decode) {
			double tps = per_s(r->decode_steps, r->decode_wall_s);
			double gbs = tps * r->decode_weight_bytes * 1e-9;

			json_obj_begin(j, "decode");
			json_u64(j, "ctx", r->decode_ctx);
			json_u64(j, "steps", r->decode_steps);
			json_u64(j, "threads", b->cfg.threads[0]);
			json_dbl(j, "wall_ms", r->decode_wall_s * 1e3);
			json_dbl(j, "wall_median_step_ms", r->decode_med_s * 1e3);
			json_dbl(j, "wall_tokens_per_s", tps);
			json_dbl(j, "model_ms", r->decode_model_s * 1e3);
			json_dbl(j, "model_tokens_per_s",
				 per_s(r->decode_steps, r->decode_model_s));
			json_dbl(j, "weight_gbps", gbs);
			json_dbl(j, "bw_gbps", bw);
			json_dbl(j, "bw_fraction", gbs / bw);
			if (d) {
				json_obj_begin(j, "ref");
				json_str(j, "backend", b->ref.backend);
				json_u64(j, "ctx", d->ctx);
				json_u64(j, "steps", d->steps);
				json_dbl(j, "wall_tokens_per_s", d->wall_tok_s);
				json_dbl(j, "model_tokens_per_s",
					 d->model_tok_s);
				json_dbl(j, "ratio", tps / d->wall_tok_s);
				json_obj_end(j);
			}
			json_obj_end(j);
		}
		json_arr_begin(j, "ttft");
		for (uint32_t t = 0; t < r->nttft; t++) {
			json_obj_begin(j, NULL);
			json_u64(j, "tokens", r->ttft[t].tokens);
			json_dbl(j, "wall_ms", r->ttft[t].wall_s * 1e3);
			json_dbl(j, "model_ms", r->ttft[t].model_s * 1e3);
			json_dbl(j, "wall_ratio",
				 r->ttft[t].wall_s / r->ttft[0].wall_s);
			json_obj_end(j);
		}
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	if (b->ref.have) {
		json_obj_begin(j, "ref");
		json_str(j, "backend", b->ref.backend);
		json_dbl(j, "bw_gbps", b->ref.bw_gbps);
		json_dbl(j, "latency_p50_us", b->ref.lat_p50_us);
		json_obj_end(j);
	}
}

static void print_json(const struct bench *b)
{
	const struct accel_caps *c = &b->caps;
	struct json j;

	json_init(&j, stdout, true);
	json_obj_begin(&j, NULL);
	json_str(&j, "tool", PROG);
	json_obj_begin(&j, "device");
	json_str(&j, "path", c->path);
	json_str(&j, "name", c->name);
	json_str(&j, "backend", accel_backend_name(c->backend));
	json_str(&j, "preset", c->preset_name);
	json_u64(&j, "clock_khz", c->clock_khz);
	json_u64(&j, "num_queues", c->num_queues);
	json_obj_end(&j);
	json_obj_begin(&j, "config");
	json_u64(&j, "reps", b->cfg.reps);
	json_u64(&j, "warmup", b->cfg.warmup);
	json_u64(&j, "queue", b->cfg.queue);
	json_bool(&j, "quick", b->cfg.quick);
	json_str(&j, "wfmt", b->cfg.nwfmt > 1 ? "T2,T5" :
		 tool_wfmt_name(b->cfg.wfmts[0]));
	json_arr_begin(&j, "threads");
	for (uint32_t i = 0; i < n_thread_passes(b); i++)
		json_u64(&j, NULL, b->caps.backend == ACCEL_BACKEND_SIM ?
			 b->cfg.threads[i] : 0);
	json_arr_end(&j);
	json_arr_begin(&j, "models");
	for (uint32_t i = 0; i < b->cfg.nmodels; i++)
		json_str(&j, NULL, b->cfg.models[i]);
	json_arr_end(&j);
	json_arr_begin(&j, "ttft_tokens");
	for (uint32_t i = 0; i < b->cfg.nttft; i++)
		json_u64(&j, NULL, b->cfg.ttft[i]);
	json_arr_end(&j);
	json_u64(&j, "prompt_tokens", b->cfg.prompt_len);
	json_u64(&j, "decode_steps", b->cfg.decode_steps);
	json_obj_end(&j);

	if (b->have_bw) {
		json_obj_begin(&j, "bandwidth");
		json_u64(&j, "bytes", b->bw.bytes);
		json_u64(&j, "passes", b->bw.passes);
		json_u64(&j, "threads", 1);
		json_dbl(&j, "best_gbps", b->bw.best_gbps);
		json_dbl(&j, "median_gbps", b->bw.median_gbps);
		json_obj_end(&j);
	}

	json_arr_begin(&j, "tlmm");
	for (uint32_t i = 0; i < b->ntlmm; i++) {
		const struct tlmm_row *r = &b->tlmm[i];

		double wgb = per_s(r->wbytes * 1e-9, r->t.wall_med_s);

		json_obj_begin(&j, NULL);
		json_u64(&j, "m", r->m);
		json_u64(&j, "k", r->k);
		json_u64(&j, "n", r->n);
		json_str(&j, "wfmt", tool_wfmt_name(r->wfmt));
		json_u64(&j, "threads", r->threads);
		json_u64(&j, "weight_copies", r->copies);
		json_u64(&j, "weight_bytes", r->wbytes);
		json_dbl(&j, "gop", 2.0 * r->m * r->n * r->k * 1e-9);
		json_timing(&j, &r->t, 2.0 * r->m * r->n * r->k, "gops");
		json_dbl(&j, "wall_weight_gbps", wgb);
		json_dbl(&j, "bw_fraction", wgb / ref_bw(b));
		json_bool(&j, "checked", r->checked);
		json_obj_end(&j);
	}
	json_arr_end(&j);

	json_obj_begin(&j, "attention_config");
	json_u64(&j, "n_head", ATTN_HEADS);
	json_u64(&j, "n_kv_head", ATTN_KV_HEADS);
	json_u64(&j, "head_dim", ATTN_HEAD_DIM);
	json_obj_end(&j);
	json_arr_begin(&j, "attention");
	for (uint32_t i = 0; i < b->nattn; i++) {
		const struct attn_row *r = &b->attn[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "kind", r->kind);
		json_u64(&j, "ctx", r->ctx);
		json_u64(&j, "tokens", r->tokens);
		json_dbl(&j, "gflop", r->flops * 1e-9);
		json_timing(&j, &r->t, r->flops, "gflops");
		json_dbl(&j, "wall_tokens_per_s",
			 per_s(r->tokens, r->t.wall_med_s));
		json_dbl(&j, "model_tokens_per_s", per_s(r->tokens, r->t.dev_s));
		json_obj_end(&j);
	}
	json_arr_end(&j);

	json_arr_begin(&j, "tokenizer");
	for (uint32_t i = 0; i < b->ntok; i++) {
		const struct tok_row *r = &b->tok[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "kind", r->kind);
		json_u64(&j, "vocab", r->vocab);
		json_u64(&j, "bytes", r->bytes);
		json_u64(&j, "tokens", r->tokens);
		json_u64(&j, "reps", r->reps);
		json_dbl(&j, "wall_ms", r->wall_s * 1e3);
		json_dbl(&j, "mb_per_s", per_s(r->bytes * 1e-6, r->wall_s));
		json_dbl(&j, "tokens_per_s", per_s((double)r->tokens, r->wall_s));
		json_obj_end(&j);
	}
	json_arr_end(&j);

	json_models(&j, b);
	json_arr_begin(&j, "model_threads");
	for (uint32_t i = 0; i < b->nthr; i++) {
		const struct thr_row *r = &b->thr[i];
		double tps = per_s(r->decode_steps, r->decode_wall_s);

		json_obj_begin(&j, NULL);
		json_str(&j, "preset", r->preset);
		json_u64(&j, "threads", r->threads);
		json_u64(&j, "prefill_tokens", r->prefill_tokens);
		json_dbl(&j, "prefill_wall_tokens_per_s",
			 per_s(r->prefill_tokens, r->prefill_wall_s));
		json_u64(&j, "decode_steps", r->decode_steps);
		json_dbl(&j, "decode_wall_tokens_per_s", tps);
		json_dbl(&j, "decode_wall_median_step_ms", r->decode_med_s * 1e3);
		json_dbl(&j, "decode_weight_gbps",
			 tps * r->decode_weight_bytes * 1e-9);
		json_obj_end(&j);
	}
	json_arr_end(&j);

	if (b->have_lat) {
		json_obj_begin(&j, "latency");
		json_u64(&j, "jobs", b->lat.jobs);
		json_dbl(&j, "p50_us", b->lat.p50_us);
		json_dbl(&j, "p99_us", b->lat.p99_us);
		json_dbl(&j, "mean_us", b->lat.mean_us);
		json_dbl(&j, "min_us", b->lat.min_us);
		json_dbl(&j, "max_us", b->lat.max_us);
		json_u64(&j, "model_cycles", b->lat.cycles);
		json_dbl(&j, "model_us", b->lat.dev_us);
		json_obj_end(&j);
	}
	json_obj_end(&j);
	json_finish(&j);
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */
/* ------------------------------------------------------------------ */
/* "a,b,c" of numbers in [min, max] into @v (at most @max_n). */
static bool parse_list(const char *s, uint32_t min, uint32_t max,
		       uint32_t *v, uint32_t max_n, uint32_t *n)
{
	char buf[256], *tok, *save;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == max_n || !tool_parse_u32(tok, min, max, &v[*n]))
			return false;
		(*n)++;
	}
	return *n > 0;
}

static bool parse_sections(const char *s, uint32_t *mask)
{
	char buf[128], *tok, *save;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "tlmm"))
			*mask |= SEC_TLMM;
		else if (!strcmp(tok, "attn") || !strcmp(tok, "attention"))
			*mask |= SEC_ATTN;
		else if (!strcmp(tok, "latency") || !strcmp(tok, "lat"))
			*mask |= SEC_LAT;
		else if (!strcmp(tok, "tok") || !strcmp(tok, "tokenizer"))
			*mask |= SEC_TOK;
		else if (!strcmp(tok, "bw") || !strcmp(tok, "bandwidth"))
			*mask |= SEC_BW;
		else if (!strcmp(tok, "model") || !strcmp(tok, "models"))
			*mask |= SEC_MODEL;
		else if (!strcmp(tok, "ttft"))
			*mask |= SEC_TTFT;
		else
			return false;
	}
	return *mask != 0;
}

/* "tiny,bitnet-0.7b,..." (also 0.7b, 2b) into @c->models. */
static bool parse_models(char *buf, size_t cap, const char *s, struct cfg *c)
{
	static const char *const names[][2] = {
		{ "tiny", "tiny" }, { "bitnet-0.7b", "0.7b" },
		{ "bitnet-2b", "2b" },
	};
	char *tok, *save;

	if (strlen(s) >= cap)
		return false;
	strcpy(buf, s);
	c->nmodels = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i = 0;

		while (i < 3 && strcmp(tok, names[i][0]) &&
		       strcmp(tok, names[i][1]))
			i++;
		if (i == 3 || c->nmodels == MAX_MODELS)
			return false;
		c->models[c->nmodels++] = names[i][0];
	}
	return c->nmodels > 0;
}

static int bad_arg(const char *opt, const char *val)
{
	fprintf(stderr, PROG ": invalid %s '%s' (see --help)\n", opt, val);
	return TOOL_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct cfg *c)
{
	enum { OPT_QUEUE = 256, OPT_WFMT, OPT_TIMEOUT, OPT_TOK_BYTES,
	       OPT_MODELS, OPT_TTFT, OPT_PROMPT, OPT_DECODE, OPT_BW_MB,
	       OPT_DRAM_MB, OPT_DECODE_OUT, OPT_DECODE_REF, OPT_MODEL_DIR,
	       OPT_THREADS };
	static char models_buf[128];
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "jobs", required_argument, NULL, 'n' },
		{ "ctx", required_argument, NULL, 'c' },
		{ "tlmm-m", required_argument, NULL, 'm' },
		{ "only", required_argument, NULL, 'o' },
		{ "queue", required_argument, NULL, OPT_QUEUE },
		{ "wfmt", required_argument, NULL, OPT_WFMT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "tok-bytes", required_argument, NULL, OPT_TOK_BYTES },
		{ "models", required_argument, NULL, OPT_MODELS },
		{ "ttft", required_argument, NULL, OPT_TTFT },
		{ "prompt", required_argument, NULL, OPT_PROMPT },
		{ "decode", required_argument, NULL, OPT_DECODE },
		{ "bw-mb", required_argument, NULL, OPT_BW_MB },
		{ "dram-mb", required_argument, NULL, OPT_DRAM_MB },
		{ "decode-out", required_argument, NULL, OPT_DECODE_OUT },
		{ "decode-ref", required_argument, NULL, OPT_DECODE_REF },
		{ "model-dir", required_argument, NULL, OPT_MODEL_DIR },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool reps = false, warm = false, jobs = false, ctx = false, tm = false;
	bool tb = false, wf = false, mo = false, tt = false, pr = false;
	bool de = false, bm = false, dm = false, th = false;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int o;

	*c = (struct cfg){ .reps = 5, .warmup = 1, .lat_jobs = 1000,
			   .wfmt = LLA_WFMT_T2, .timeout_s = 600,
			   .wfmts = { LLA_WFMT_T2, LLA_WFMT_T5 }, .nwfmt = 2,
			   .sections = SEC_ALL,
			   .ctx = { 512, 1024 }, .nctx = 2,
			   .tlmm_m = { 1, 128, 512 }, .ntlmm_m = 3,
			   .tok_bytes = { 1024, 102400, 1048576 },
			   .ntok_bytes = 3,
			   .models = { "bitnet-0.7b", "bitnet-2b" },
			   .nmodels = 2,
			   .ttft = { 128, 512, 1024 }, .nttft = 3,
			   .prompt_len = 128, .decode_steps = 32,
			   .bw_mb = 0, .dram_mb = 256,
			   .threads = { 1, cpus > 1 ? (uint32_t)(cpus < 64 ?
							   cpus : 64) : 1 },
			   .nthreads = cpus > 1 ? 2 : 1 };
	while ((o = getopt_long(argc, argv, "d:qr:w:n:c:m:o:jh", opts,
				NULL)) != -1) {
		switch (o) {
		case 'd': c->spec = optarg; break;
		case 'q': c->quick = true; break;
		case 'r':
			if (!tool_parse_u32(optarg, 1, 100000, &c->reps))
				return bad_arg("--reps", optarg);
			reps = true;
			break;
		case 'w':
			if (!tool_parse_u32(optarg, 0, 100000, &c->warmup))
				return bad_arg("--warmup", optarg);
			warm = true;
			break;
		case 'n':
			if (!tool_parse_u32(optarg, 1, 10000000, &c->lat_jobs))
				return bad_arg("--jobs", optarg);
			jobs = true;
			break;
		case 'c':
			if (!parse_list(optarg, 1, LLA_MAX_M, c->ctx,
					MAX_CTX_LIST, &c->nctx))
				return bad_arg("--ctx", optarg);
			ctx = true;
			break;
		case 'm':
			if (!parse_list(optarg, 1, LLA_MAX_M, c->tlmm_m,
					MAX_TLMM_M, &c->ntlmm_m))
				return bad_arg("--tlmm-m", optarg);
			tm = true;
			break;
		case 'o':
			if (!parse_sections(optarg, &c->sections))
				return bad_arg("--only", optarg);
			break;
		case OPT_QUEUE:
			if (!tool_parse_u32(optarg, 0, LLA_MAX_QUEUES - 1,
					    &c->queue))
				return bad_arg("--queue", optarg);
			break;
		case OPT_WFMT:
			c->nwfmt = 1;
			if (!strcmp(optarg, "t2") || !strcmp(optarg, "T2"))
				c->wfmts[0] = LLA_WFMT_T2;
			else if (!strcmp(optarg, "t5") || !strcmp(optarg, "T5"))
				c->wfmts[0] = LLA_WFMT_T5;
			else if (!strcmp(optarg, "all"))
				c->nwfmt = 2;
			else
				return bad_arg("--wfmt", optarg);
			c->wfmt = c->nwfmt == 1 ? c->wfmts[0] : LLA_WFMT_T2;
			wf = true;
			break;
		case OPT_MODELS:
			if (!parse_models(models_buf, sizeof(models_buf),
					  optarg, c))
				return bad_arg("--models", optarg);
			mo = true;
			break;
		case OPT_TTFT:
			if (!parse_list(optarg, 1, LLA_MAX_CTX / 2, c->ttft,
					MAX_TTFT, &c->nttft))
				return bad_arg("--ttft", optarg);
			tt = true;
			break;
		case OPT_PROMPT:
			if (!tool_parse_u32(optarg, 8, LLA_MAX_CTX / 2,
					    &c->prompt_len))
				return bad_arg("--prompt", optarg);
			pr = true;
			break;
		case OPT_DECODE:
			if (!tool_parse_u32(optarg, 1, 100000,
					    &c->decode_steps))
				return bad_arg("--decode", optarg);
			de = true;
			break;
		case OPT_BW_MB:
			if (!tool_parse_u32(optarg, 1, 1u << 20, &c->bw_mb))
				return bad_arg("--bw-mb", optarg);
			bm = true;
			break;
		case OPT_DRAM_MB:
			if (!tool_parse_u32(optarg, 0, 1u << 16, &c->dram_mb))
				return bad_arg("--dram-mb", optarg);
			dm = true;
			break;
		case OPT_DECODE_OUT:
			c->decode_out = optarg;
			break;
		case OPT_THREADS:
			if (!parse_list(optarg, 1, 64, c->threads,
					MAX_THREADS, &c->nthreads))
				return bad_arg("--threads", optarg);
			th = true;
			break;
		case OPT_MODEL_DIR:
			c->model_dir = optarg;
			break;
		case OPT_DECODE_REF:
			c->decode_ref = optarg;
			break;
		case OPT_TIMEOUT:
			if (!tool_parse_double(optarg, 0.001, 1e6,
					       &c->timeout_s))
				return bad_arg("--timeout", optarg);
			break;
		case OPT_TOK_BYTES:
			if (!parse_list(optarg, 1, 1u << 30, c->tok_bytes,
					MAX_TOK_LIST, &c->ntok_bytes))
				return bad_arg("--tok-bytes", optarg);
			tb = true;
			break;
		case 'j': c->json = true; break;
		case 'h': usage(stdout); exit(TOOL_EXIT_OK);
		default: usage(stderr); return TOOL_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return bad_arg("argument", argv[optind]);
	/* --quick sets short defaults; explicit options still win. */
	if (c->quick) {
		if (!reps)
			c->reps = 1;
		if (!warm)
			c->warmup = 0;
		if (!jobs)
			c->lat_jobs = 100;
		if (!ctx) {
			c->ctx[0] = 256;
			c->nctx = 1;
		}
		if (!tm) {
			c->tlmm_m[0] = 1;
			c->ntlmm_m = 1;
		}
		if (!tb) {
			c->tok_bytes[0] = 1024;
			c->ntok_bytes = 1;
		}
		if (!wf)
			c->nwfmt = 1;
		if (!mo) {
			c->models[0] = "tiny";
			c->nmodels = 1;
		}
		if (!tt) {
			c->ttft[0] = 128;
			c->nttft = 1;
		}
		if (!pr)
			c->prompt_len = 32;
		if (!de)
			c->decode_steps = 4;
		if (!bm)
			c->bw_mb = 64;
		if (!dm)
			c->dram_mb = 0;
		if (!th)
			c->nthreads = 1;
	}
	return 0;
}

static int run_all(struct bench *b)
{
	static const uint32_t shapes[3][2] = {	/* K, N */
		{ 2560, 2560 }, { 2560, 6912 }, { 6912, 2560 },
	};
	const struct cfg *c = &b->cfg;
	int err;

	if (c->queue >= b->caps.num_queues) {
		fprintf(stderr, PROG ": --queue %u: the device has %u queues\n",
			c->queue, b->caps.num_queues);
		return -EINVAL;
	}
	/* first: the TLMM and decode rows are compared with it */
	if (c->sections & SEC_BW) {
		err = bench_bw(b);
		if (err)
			return err;
	}
	for (uint32_t t = 0; t < n_thread_passes(b) && (c->sections & SEC_TLMM);
	     t++) {
		err = set_threads(b, c->threads[t]);
		for (uint32_t f = 0; f < c->nwfmt && !err; f++) {
			for (uint32_t mi = 0; mi < c->ntlmm_m && !err; mi++)
				for (int s = 0; s < 3 && !err; s++)
					err = bench_tlmm(b, c->wfmts[f],
							 c->threads[t],
							 c->tlmm_m[mi],
							 shapes[s][0],
							 shapes[s][1], 1);
			/* GEMV with the weights streaming from DRAM */
			for (int s = 0; s < 3 && !err && c->dram_mb; s++) {
				uint64_t w = (uint64_t)shapes[s][1] *
					accel_weight_row_bytes(c->wfmts[f],
							       shapes[s][0]);
				uint64_t n = (((uint64_t)c->dram_mb << 20) +
					      w - 1) / w;

				err = bench_tlmm(b, c->wfmts[f],
						 c->threads[t], 1,
						 shapes[s][0], shapes[s][1],
						 (uint32_t)(n < 2 ? 2 : n));
			}
		}
		if (err)
			return err;
	}
	if (c->sections & SEC_ATTN) {
		for (uint32_t i = 0; i < c->nctx; i++) {
			err = bench_attn(b, c->ctx[i]);
			if (err)
				return err;
		}
	}
	if (c->sections & SEC_LAT) {
		err = bench_latency(b);
		if (err)
			return err;
	}
	/* after the rows above: they keep the random data they always had */
	if (c->sections & SEC_TOK) {
		err = bench_tok(b);
		if (err)
			return err;
	}
	if (c->sections & (SEC_MODEL | SEC_TTFT)) {
		for (uint32_t i = 0; i < c->nmodels; i++) {
			err = bench_model(b, c->models[i]);
			if (err)
				return err;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	bool no_dev;
	int err;

	err = parse_args(argc, argv, &b.cfg);
	if (err)
		return err;
	if (b.cfg.decode_ref && read_ref(&b.ref, b.cfg.decode_ref))
		return TOOL_EXIT_USAGE;
	/*
	 * The sim backend's arena is committed lazily: room for bitnet-2b
	 * (about 1.2 GB of weights) costs nothing until used.  An explicit
	 * LIBACCEL_SIM_MEM_MB wins.
	 */
	if (b.cfg.sections & (SEC_MODEL | SEC_TTFT))
		setenv("LIBACCEL_SIM_MEM_MB", "4096", 0);
	err = open_dev(&b, b.cfg.threads[0], &no_dev);
	if (err) {
		if (!no_dev)
			return TOOL_EXIT_FAIL;
		tool_no_device(PROG, err, accel_last_error());
		return TOOL_EXIT_NODEV;
	}
	err = run_all(&b);
	if (b.dev)
		accel_device_close(b.dev);
	if (b.cfg.decode_out) {
		int e = write_ref(&b, b.cfg.decode_out);

		err = err ? err : e;
	}
	/* What was measured is printed even when a later row failed. */
	if (b.cfg.json)
		print_json(&b);
	else
		print_tables(&b);
	return err ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}
