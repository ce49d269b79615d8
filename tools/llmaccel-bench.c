// SPDX-License-Identifier: MIT
/*
 * llmaccel-bench: throughput and latency of an llmaccel device through
 * libaccel's public API, on either backend (the kernel driver, or the
 * simulator with LIBACCEL_BACKEND=sim):
 *   - TLMM on the BitNet-2B layer shapes (K x N = 2560x2560, 2560x6912,
 *     6912x2560) at M = 1 and M = 128; GOPS = 2*M*N*K / time;
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

/* The 2B-shaped attention head configuration. */
#define ATTN_HEADS	20
#define ATTN_KV_HEADS	5
#define ATTN_HEAD_DIM	128

#define SEC_TLMM	(1u << 0)
#define SEC_ATTN	(1u << 1)
#define SEC_LAT		(1u << 2)
#define SEC_TOK		(1u << 3)

struct cfg {
	const char *spec;
	uint32_t reps, warmup, lat_jobs, queue, wfmt, sections;
	uint32_t ctx[MAX_CTX_LIST], nctx;
	uint32_t tlmm_m[2], ntlmm_m;
	uint32_t tok_bytes[MAX_TOK_LIST], ntok_bytes;
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
	uint32_t m, k, n;
	struct timing t;
	bool checked;
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

struct bench {
	struct cfg cfg;
	accel_device *dev;
	struct accel_caps caps;
	struct tlmm_row tlmm[8];
	uint32_t ntlmm;
	struct attn_row attn[2 * MAX_CTX_LIST];
	uint32_t nattn;
	struct lat_row lat;
	bool have_lat;
	struct tok_row tok[2 * MAX_TOK_LIST];
	uint32_t ntok;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTIONS]\n"
"Measure an llmaccel device: TLMM throughput on BitNet-2B layer shapes,\n"
"attention prefill/decode throughput and null-job submit latency, with\n"
"host wall time beside the modeled device time.\n"
"\n"
"  -d, --device SPEC     device: an index, \"first\" (default), a path\n"
"                        (/dev/accel/accel0) or \"sim\" / \"sim:N\"\n"
"  -q, --quick           short run: 1 repetition, no warm-up, M = 1 only,\n"
"                        context 256, 100 latency jobs\n"
"  -r, --reps N          timed repetitions per row (default 5)\n"
"  -w, --warmup N        untimed runs before each row (default 1)\n"
"  -n, --jobs N          NOP jobs for the latency figure (default 1000)\n"
"  -c, --ctx N[,N...]    attention contexts (default 512,1024)\n"
"  -m, --tlmm-m M[,M]    TLMM batch rows (default 1,128)\n"
"  -o, --only LIST       sections to run: tlmm,attn,latency,tok (default\n"
"                        all)\n"
"      --tok-bytes N[,N] tokenizer prompt sizes in bytes (default\n"
"                        1024,102400,1048576; --quick 1024)\n"
"      --queue Q         submission queue (default 0)\n"
"      --wfmt t2|t5      TLMM weight format (default t2)\n"
"      --timeout SEC     limit per job (default 600)\n"
"  -j, --json            print one JSON document instead of tables\n"
"  -h, --help            this text\n"
"\n"
"GOPS = 2*M*N*K / time for TLMM; attention GFLOPS count the QK^T and PV\n"
"products (4 * heads * head_dim per attended key).  Wall time is the\n"
"median over the repetitions, submit to fence on the host; modeled time\n"
"is the job's device cycles at the cycle model's clock.  Tokenizer rows\n"
"time accel_model_tokenize() on the host (median of the repetitions that\n"
"fit in about 0.3 s) with llmaccel-mkmodel's tiny vocabularies.\n"
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

static int bench_tlmm(struct bench *b, uint32_t m, uint32_t k, uint32_t n)
{
	struct tlmm_row *row = &b->tlmm[b->ntlmm];
	uint32_t wrow = accel_weight_row_bytes(b->cfg.wfmt, k);
	uint64_t sizes[T_NBO] = { (uint64_t)m * k, 4ull * m,
				  (uint64_t)n * wrow, 4ull * m * n };
	accel_bo *bo[T_NBO];
	int8_t *codes = malloc((size_t)n * k), *x;
	float *xs, *y, ws = 0.0123f;
	accel_cmdbuf *cb = NULL;
	void *wmap;
	int err;

	if (!codes)
		return -ENOMEM;
	err = alloc_bos(b->dev, T_NBO, sizes, bo);
	if (err) {
		free(codes);
		return err;
	}
	accel_bo_map(bo[T_X], (void **)&x);
	accel_bo_map(bo[T_XS], (void **)&xs);
	accel_bo_map(bo[T_W], &wmap);
	accel_bo_map(bo[T_Y], (void **)&y);
	for (uint64_t i = 0; i < (uint64_t)m * k; i++)
		x[i] = (int8_t)(rnd() % 255 - 127);
	for (uint32_t i = 0; i < m; i++)
		xs[i] = 127.0f / (1.0f + (float)(rnd() % 1000) * 0.01f);
	for (uint64_t i = 0; i < (uint64_t)n * k; i++)
		codes[i] = (int8_t)(rnd() % 3) - 1;
	err = accel_ternary_pack(b->cfg.wfmt, codes, n, k, wmap, wrow);
	if (err) {
		fail("weight packing", err);
		goto out;
	}
	err = accel_cmdbuf_create(b->dev, &cb);
	if (err) {
		fail("command buffer", err);
		goto out;
	}
	err = accel_cmd_tlmm(cb, &(struct accel_tlmm){
		.x = accel_at(bo[T_X], 0), .x_scale = accel_at(bo[T_XS], 0),
		.w = accel_at(bo[T_W], 0), .y = accel_at(bo[T_Y], 0),
		.m = m, .n = n, .k = k, .w_scale = ws,
		.wfmt = (uint8_t)b->cfg.wfmt,
		.epi = { .act = LLA_ACT_NONE, .out_dtype = LLA_DTYPE_F32 } });
	if (err) {
		fail("TLMM command", err);
		goto out;
	}
	err = time_cmdbuf(b, cb, &row->t);
	if (err)
		goto out;
	row->m = m;
	row->k = k;
	row->n = n;
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
/* Output                                                              */
/* ------------------------------------------------------------------ */
static double per_s(double x, double s)
{
	return s > 0 ? x / s : NAN;
}

static void print_tables(const struct bench *b)
{
	const struct accel_caps *c = &b->caps;

	printf("llmaccel-bench: %s (%s backend), cycle model %s at %.0f MHz, "
	       "%u queues; %u rep%s + %u warm-up, median wall time\n",
	       c->path, accel_backend_name(c->backend), c->preset_name,
	       c->clock_khz / 1e3, c->num_queues, b->cfg.reps,
	       b->cfg.reps == 1 ? "" : "s", b->cfg.warmup);
	if (b->ntlmm) {
		printf("\nTLMM (%s weights, int8 x, fp32 y)   host wall time"
		       "            modeled device time\n",
		       tool_wfmt_name(b->cfg.wfmt));
		printf("%5s %11s %11s %10s %10s %12s %10s %10s\n", "M",
		       "KxN", "GOP/job", "ms", "GOPS", "cycles", "ms",
		       "GOPS");
		for (uint32_t i = 0; i < b->ntlmm; i++) {
			const struct tlmm_row *r = &b->tlmm[i];
			double ops = 2.0 * r->m * r->n * r->k;
			char shape[32];

			snprintf(shape, sizeof(shape), "%ux%u", r->k, r->n);
			printf("%5u %11s %11.4f %10.3f %10.2f %12llu %10.3f "
			       "%10.2f\n", r->m, shape, ops * 1e-9,
			       r->t.wall_med_s * 1e3,
			       per_s(ops * 1e-9, r->t.wall_med_s),
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
	json_str(&j, "wfmt", tool_wfmt_name(b->cfg.wfmt));
	json_obj_end(&j);

	json_arr_begin(&j, "tlmm");
	for (uint32_t i = 0; i < b->ntlmm; i++) {
		const struct tlmm_row *r = &b->tlmm[i];

		json_obj_begin(&j, NULL);
		json_u64(&j, "m", r->m);
		json_u64(&j, "k", r->k);
		json_u64(&j, "n", r->n);
		json_dbl(&j, "gop", 2.0 * r->m * r->n * r->k * 1e-9);
		json_timing(&j, &r->t, 2.0 * r->m * r->n * r->k, "gops");
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
		else
			return false;
	}
	return *mask != 0;
}

static int bad_arg(const char *opt, const char *val)
{
	fprintf(stderr, PROG ": invalid %s '%s' (see --help)\n", opt, val);
	return TOOL_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct cfg *c)
{
	enum { OPT_QUEUE = 256, OPT_WFMT, OPT_TIMEOUT, OPT_TOK_BYTES };
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
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool reps = false, warm = false, jobs = false, ctx = false, tm = false;
	bool tb = false;
	int o;

	*c = (struct cfg){ .reps = 5, .warmup = 1, .lat_jobs = 1000,
			   .wfmt = LLA_WFMT_T2, .timeout_s = 600,
			   .sections = SEC_TLMM | SEC_ATTN | SEC_LAT | SEC_TOK,
			   .ctx = { 512, 1024 }, .nctx = 2,
			   .tlmm_m = { 1, 128 }, .ntlmm_m = 2,
			   .tok_bytes = { 1024, 102400, 1048576 },
			   .ntok_bytes = 3 };
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
			if (!parse_list(optarg, 1, LLA_MAX_M, c->tlmm_m, 2,
					&c->ntlmm_m))
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
			if (!strcmp(optarg, "t2") || !strcmp(optarg, "T2"))
				c->wfmt = LLA_WFMT_T2;
			else if (!strcmp(optarg, "t5") || !strcmp(optarg, "T5"))
				c->wfmt = LLA_WFMT_T5;
			else
				return bad_arg("--wfmt", optarg);
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
	}
	return 0;
}

static int run_all(struct bench *b)
{
	static const uint32_t shapes[3][2] = {	/* K, N */
		{ 2560, 2560 }, { 2560, 6912 }, { 6912, 2560 },
	};
	int err;

	if (b->cfg.queue >= b->caps.num_queues) {
		fprintf(stderr, PROG ": --queue %u: the device has %u queues\n",
			b->cfg.queue, b->caps.num_queues);
		return -EINVAL;
	}
	if (b->cfg.sections & SEC_TLMM) {
		for (uint32_t mi = 0; mi < b->cfg.ntlmm_m; mi++) {
			for (int s = 0; s < 3; s++) {
				err = bench_tlmm(b, b->cfg.tlmm_m[mi],
						 shapes[s][0], shapes[s][1]);
				if (err)
					return err;
			}
		}
	}
	if (b->cfg.sections & SEC_ATTN) {
		for (uint32_t i = 0; i < b->cfg.nctx; i++) {
			err = bench_attn(b, b->cfg.ctx[i]);
			if (err)
				return err;
		}
	}
	if (b->cfg.sections & SEC_LAT) {
		err = bench_latency(b);
		if (err)
			return err;
	}
	/* last: the rows above keep the random data they always had */
	if (b->cfg.sections & SEC_TOK) {
		err = bench_tok(b);
		if (err)
			return err;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	int err;

	err = parse_args(argc, argv, &b.cfg);
	if (err)
		return err;
	err = accel_device_open(b.cfg.spec, 0, &b.dev);
	if (err) {
		tool_no_device(PROG, err, accel_last_error());
		return TOOL_EXIT_NODEV;
	}
	err = accel_device_caps(b.dev, &b.caps);
	if (err) {
		fail("device capabilities", err);
		accel_device_close(b.dev);
		return TOOL_EXIT_FAIL;
	}
	if (!b.caps.clock_khz)
		b.caps.clock_khz = 1;	/* never divide by zero */
	err = run_all(&b);
	accel_device_close(b.dev);
	/* What was measured is printed even when a later row failed. */
	if (b.cfg.json)
		print_json(&b);
	else
		print_tables(&b);
	return err ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}
