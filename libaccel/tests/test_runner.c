// SPDX-License-Identifier: MIT
/*
 * test_runner: the BitNet model runner on a device (sim or kernel
 * backend, whichever LIBACCEL_BACKEND selects) against the CPU reference
 * forward pass of cpu_ref.c, which computes the same graph as plain
 * loops over the model description with the contract's numerics.
 *
 *  - the tiny model (llmaccel-mkmodel preset "tiny", TQ2_0, written in
 *    memory): a tokenized prompt, then 40 decode steps with temperature,
 *    top-k and top-p sampling: the logits the device's output head wrote
 *    are memcmp-equal to the reference's at the prefill and at every step,
 *    and the token SAMPLE wrote on the device equals the reference's
 *    SAMPLE rule on the reference logits;
 *  - every decode step is exactly one submission: the runner's count and
 *    the device's job counter both move by one, and the decode command
 *    buffer is byte for byte the one built at the start;
 *  - the same with T5 weights, an int8 output head, greedy sampling, a
 *    prefill split into several passes of one submission, a second
 *    prompt in the same session, and the context limit (-ENOSPC); and
 *    with I2_S weights, an untied fp16 head and a hot sampler;
 *  - one model written as TQ2_0, TQ1_0, I2_S and llama.cpp's ternary F16
 *    (SiLU and relu^2): the same device matrices, and logits memcmp-equal
 *    across the four on the device and in the CPU reference;
 *  - bad model files give a clean error;
 *  - quantization error: a model with latent fp16 master weights (mkmodel
 *    --latent) run on the device (absmean-ternarized at load, which
 *    accel_model_info reports) against a double-precision
 *    forward pass with the unquantized weights; the figures are
 *    reported (diagnostics), only sanity is asserted.
 *
 * The implementation is compiled into this program (MDL_API/RUN_API
 * static), so it needs only libaccel's public API and the rtl-model, and
 * can look inside struct accel_model.  The runner's public functions are
 * exported by libaccel too (the plain build of this test links
 * libaccel.so, the ASan and VM builds its objects): the compiled-in copy
 * is renamed to tr_* below so that the two never meet.  The exported
 * ones are exercised by examples/generate.c and llmaccel-run
 * (runner-tests), which link the library.
 */
#define MDL_API static __attribute__((unused))
#define RUN_API static __attribute__((unused))
#define accel_model_load	tr_model_load
#define accel_model_free	tr_model_free
#define accel_model_info	tr_model_info
#define accel_model_start	tr_model_start
#define accel_model_prefill	tr_model_prefill
#define accel_model_decode	tr_model_decode
#define accel_model_logits	tr_model_logits
#define accel_model_stats	tr_model_stats
#define accel_model_tokenize	tr_model_tokenize
#define accel_model_token_piece	tr_model_token_piece
#define accel_model_eos		tr_model_eos
#define accel_model_add_bos	tr_model_add_bos
#define RUN_MSG_STDERR
#define MKMODEL_NO_MAIN
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gguf.c"
#include "tokenizer.c"
#include "model_load.c"
#include "runner.c"
#include "cpu_ref.c"
#include "../../tools/llmaccel-mkmodel.c"
#include "tap.h"

static char err[512];

static uint8_t *write_model(const char *preset, uint32_t wtype, uint64_t seed,
			    int untied, int latent, size_t *len)
{
	struct mk_opts o;

	memset(&o, 0, sizeof(o));
	o.preset = preset;
	o.wtype = wtype;
	o.tok = -1;
	o.act = -1;
	o.seed = seed;
	o.quiet = 1;
	o.untied = untied;
	o.latent = latent;
	char *buf = NULL;
	FILE *fp;

	fp = open_memstream(&buf, len);
	if (!fp || mk_write_model(fp, &o)) {
		if (fp)
			fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	return (uint8_t *)buf;
}

struct loaded {
	uint8_t *file;
	size_t len;
	struct gguf_file *f;
	struct mdl_desc *d;
	accel_model *m;
	struct cpu_ref *ref;
};

static void unload(struct loaded *L)
{
	accel_model_free(L->m);
	cpu_ref_free(L->ref);
	mdl_free(L->d);
	gguf_close(L->f);
	free(L->file);
	memset(L, 0, sizeof(*L));
}

static int load(accel_device *dev, uint32_t wtype, uint64_t seed, int untied,
		int latent, const struct accel_model_opts *o, struct loaded *L)
{
	struct mdl_load_opts lo;
	struct tokenizer *tok = NULL;
	struct accel_model_info info;
	int e;

	memset(&lo, 0, sizeof(lo));
	lo.wfmt = o->wfmt;
	lo.ffn_act = -1;
	lo.flags = o->flags;
	memset(L, 0, sizeof(*L));
	L->file = write_model("tiny", wtype, seed, untied, latent, &L->len);
	if (!L->file)
		return -ENOMEM;
	e = gguf_parse(L->file, L->len, &L->f, err, sizeof(err));
	if (!e)
		e = mdl_load(L->f, &lo, &L->d, err, sizeof(err));
	if (!e)
		e = tok_load(L->f, &tok, err, sizeof(err));
	if (!e) {
		e = accel_model_create(dev, L->d, tok, o, &L->m);
		if (e) {
			snprintf(err, sizeof(err), "%s", accel_last_error());
			tok_free(tok);
		}
	}
	if (!e)
		e = accel_model_info(L->m, &info);
	if (!e)
		e = cpu_ref_create(L->d, info.max_ctx, &L->ref);
	if (e) {
		tap_diag("load: %s", err);
		unload(L);
	}
	return e;
}

static uint64_t dev_jobs(accel_device *dev)
{
	struct accel_counters c;

	if (accel_device_counters(dev, &c))
		return UINT64_MAX;
	return c.total.jobs;
}

struct run_cfg {
	const char *name;
	struct accel_sampling s;
	const char *prompt;
	const char *prompt2;	/* second prompt after half the steps */
	uint32_t steps;
	int to_the_limit;	/* decode until -ENOSPC at the end */
};

/* Prefill + decode on the device and on the reference, step by step. */
static void run_case(accel_device *dev, struct loaded *L,
		     const struct run_cfg *c)
{
	uint32_t nv = L->d->hp.n_vocab, pos = 0, bad_logits = 0;
	uint32_t bad_tok = 0, bad_sub = 0, bad_jobs = 0, steps = 0;
	uint32_t bad_greedy = 0;
	float *ref = malloc(nv * sizeof(float));
	int32_t ids[256], tok = -1, rtok;
	uint64_t counter = 0;
	size_t n = 0;
	struct accel_model_info info;
	struct accel_model_stats st;
	void *snap = NULL;
	uint32_t snap_len;
	int e;

	memset(&st, 0, sizeof(st));
	accel_model_info(L->m, &info);
	e = accel_model_start(L->m, &c->s);
	tap_ok(e == 0, "%s: session started", c->name);
	accel_model_info(L->m, &info);
	snap_len = accel_cmdbuf_bytes(L->m->decode_cb);
	snap = malloc(snap_len);
	memcpy(snap, accel_cmdbuf_data(L->m->decode_cb), snap_len);
	tap_ok(info.decode_commands == 1 + 14 * L->d->hp.n_layer + 3 + 1,
	       "%s: decode buffer holds the whole pass: %u commands "
	       "(embed, 14 per layer x %u, norm, head, sample, sem)", c->name,
	       info.decode_commands, L->d->hp.n_layer);

	{
		/*
		 * Decode reads all the weights but the embedding rows and RoPE
		 * rows of other tokens and positions; a tied head is the
		 * embedding, read whole by the head and one row by EMBED.
		 * Besides that only alignment padding (RL_ALIGN per tensor).
		 */
		uint64_t esz = info.embd_dtype == LLA_DTYPE_F16 ? 2 : 4;
		uint64_t ve = (uint64_t)info.n_vocab * info.n_embd;
		int64_t unread = (int64_t)(L->m->head_shared ?
				 0 - (int64_t)(info.n_embd * esz) :
				 (int64_t)((ve - info.n_embd) * esz)) +
				 (int64_t)(info.max_ctx - 1) * info.head_dim * 4;
		int64_t slack = (int64_t)info.weight_bytes -
				(int64_t)info.decode_weight_bytes - unread;

		tap_ok(info.decode_weight_bytes > 0 && slack >= 0 &&
		       slack < 8 * (int64_t)RL_ALIGN,
		       "%s: decode_weight_bytes %llu = weight_bytes %llu less "
		       "the rows decode does not read (%lld) and %lld bytes "
		       "of alignment", c->name,
		       (unsigned long long)info.decode_weight_bytes,
		       (unsigned long long)info.weight_bytes,
		       (long long)unread, (long long)slack);
	}
	e = accel_model_tokenize(L->m, c->prompt, strlen(c->prompt),
				 accel_model_add_bos(L->m), ids, 256, &n);
	tap_ok(e == 0 && n > 1, "%s: prompt tokenized (%zu tokens)", c->name,
	       n);

	for (uint32_t phase = 0; phase < 2; phase++) {
		uint64_t j0 = dev_jobs(dev), s0;
		uint32_t todo = c->prompt2 ? c->steps / 2 : c->steps;
		const float *dl;

		if (phase == 1) {
			if (!c->prompt2)
				break;
			e = accel_model_tokenize(L->m, c->prompt2,
						 strlen(c->prompt2), 0, ids,
						 256, &n);
			todo = c->steps - c->steps / 2;
		}
		accel_model_stats(L->m, &st);
		s0 = st.submissions;
		e = e ? e : accel_model_prefill(L->m, ids, (uint32_t)n, &tok);
		accel_model_stats(L->m, &st);
		tap_ok(e == 0 && st.submissions == s0 + 1 &&
		       dev_jobs(dev) == j0 + 1,
		       "%s: prefill %u of %zu tokens at %u is one submission "
		       "(%d)", c->name, phase, n, pos, e);
		if (e)
			goto out;
		cpu_ref_forward(L->ref, ids, (uint32_t)n, pos, ref);
		pos += (uint32_t)n;
		dl = accel_model_logits(L->m);
		rtok = cpu_ref_sample(ref, nv, c->s.temperature, c->s.top_k,
				      c->s.top_p ? c->s.top_p : 1.0f,
				      c->s.seed, counter++);
		tap_ok(memcmp(dl, ref, nv * sizeof(float)) == 0,
		       "%s: prefill %u logits bit-exact vs CPU reference",
		       c->name, phase);
		tap_ok(tok == rtok, "%s: prefill %u sampled token %d == %d",
		       c->name, phase, tok, rtok);
		for (uint32_t i = 0; i < todo; i++) {
			int32_t in = tok;

			j0 = dev_jobs(dev);
			e = accel_model_decode(L->m, &tok);
			if (e) {
				tap_diag("decode step %u: %d %s", i, e,
					 accel_last_error());
				break;
			}
			accel_model_stats(L->m, &st);
			bad_sub += st.last_step_submissions != 1;
			bad_jobs += dev_jobs(dev) != j0 + 1;
			cpu_ref_forward(L->ref, &in, 1, pos++, ref);
			rtok = cpu_ref_sample(ref, nv, c->s.temperature,
					      c->s.top_k,
					      c->s.top_p ? c->s.top_p : 1.0f,
					      c->s.seed, counter++);
			if (memcmp(dl, ref, nv * sizeof(float))) {
				if (!bad_logits)
					tap_diag("first logits mismatch at step %u",
						 steps);
				bad_logits++;
			}
			bad_tok += tok != rtok;
			if (c->s.temperature == 0.0f)
				bad_greedy += tok != cpu_ref_sample(dl, nv, 0,
								    0, 1, 0, 0);
			steps++;
		}
	}
	accel_model_stats(L->m, &st);
	tap_ok(steps == c->steps, "%s: %u decode steps ran", c->name, steps);
	tap_ok(bad_logits == 0, "%s: logits bit-exact at every decode step "
	       "(%u of %u differ)", c->name, bad_logits, steps);
	tap_ok(bad_tok == 0, "%s: device-sampled tokens equal the reference's "
	       "(%u of %u differ)", c->name, bad_tok, steps);
	tap_ok(bad_sub == 0 && st.decode_submissions == st.decode_steps,
	       "%s: one submission per decode step (runner count %llu for "
	       "%llu steps)", c->name,
	       (unsigned long long)st.decode_submissions,
	       (unsigned long long)st.decode_steps);
	tap_ok(bad_jobs == 0, "%s: device job counter +1 per decode step "
	       "(%u steps differ)", c->name, bad_jobs);
	tap_ok(accel_cmdbuf_bytes(L->m->decode_cb) == snap_len &&
	       !memcmp(snap, accel_cmdbuf_data(L->m->decode_cb), snap_len),
	       "%s: decode command buffer re-submitted as built (%u bytes)",
	       c->name, snap_len);
	tap_ok(st.pos == pos, "%s: the device advanced the position to %u "
	       "(step args %u)", c->name, pos, st.pos);
	if (c->s.temperature == 0.0f)
		tap_ok(bad_greedy == 0, "%s: greedy tokens are the argmax of "
		       "the device logits", c->name);
	if (c->to_the_limit) {
		uint32_t more = 0;

		while ((e = accel_model_decode(L->m, &tok)) == 0)
			more++;
		accel_model_stats(L->m, &st);
		tap_ok(e == -ENOSPC && st.pos == info.max_ctx,
		       "%s: decoding stops with -ENOSPC at max_ctx %u "
		       "(after %u more, pos %u)", c->name, info.max_ctx, more,
		       st.pos);
		e = accel_model_prefill(L->m, ids, 1, &tok);
		tap_ok(e == -ENOSPC, "%s: prefill past the context is -ENOSPC",
		       c->name);
	}
	tap_diag("%s: %llu decode steps, %.0f modeled cycles/step, "
		 "wall %.3f ms/step", c->name,
		 (unsigned long long)st.decode_steps,
		 st.decode_steps ? (double)st.decode_cycles / st.decode_steps : 0,
		 st.decode_steps ? st.decode_wall_ns / 1e6 / st.decode_steps : 0);
out:
	free(snap);
	free(ref);
}

/* ------------------------------------------------------------------ */
/* one model, four weight types                                        */
/* ------------------------------------------------------------------ */

static int same_matrix(const struct mdl_matrix *a, const struct mdl_matrix *b)
{
	return a->n == b->n && a->k == b->k && a->gamma == b->gamma &&
	       a->row_bytes == b->row_bytes && a->flags == b->flags &&
	       !memcmp(a->rows, b->rows, (size_t)a->n * a->row_bytes);
}

/*
 * The same model (mkmodel: codes and d depend on the seed only) written as
 * TQ2_0, TQ1_0, I2_S and as llama.cpp's ternary F16: the loader makes the
 * same device matrices of all four, and the logits are memcmp-equal across
 * the types, on the device and in the CPU reference, at the prefill and at
 * every decode step.  The TQ2_0 / F16 agreement is also reported as the
 * figures a tolerance comparison would give.
 */
static void same_model_types(accel_device *dev, int act)
{
	static const uint32_t types[] = { MK_TQ2_0, MK_TQ1_0, MK_I2_S, MK_F16 };
	enum { NT = 4, STEPS = 24 };
	struct accel_model_opts o = { 64, 0, LLA_WFMT_T2, 0, NULL, NULL };
	struct accel_sampling s = { 0.0f, 0, 1.0f, 0 };
	const char *prompt = "the quick brown fox";
	const char *an = act ? "relu2" : "silu";
	struct loaded L[NT];
	float *dl[NT], *rl[NT];
	uint32_t nv = 0, rows_ok = 1, n_ok = 0, dev_ok = 1, ref_ok = 1;
	uint32_t devref_ok = 1, absmean = 0, top1 = 0;
	double cmin = 1, dmax = 0;
	int32_t ids[64];
	size_t n = 0;

	memset(L, 0, sizeof(L));
	for (int t = 0; t < NT; t++) {
		struct mk_opts mo;
		struct mdl_load_opts lo = { LLA_WFMT_T2, -1, 0, NULL, NULL };
		struct tokenizer *tok = NULL;
		int e;

		dl[t] = rl[t] = NULL;
		memset(&mo, 0, sizeof(mo));
		mo.preset = "tiny";
		mo.wtype = types[t];
		mo.tok = -1;
		mo.act = act;
		mo.seed = 11;
		mo.quiet = 1;
		{
			char *buf = NULL;
			FILE *fp = open_memstream(&buf, &L[t].len);

			e = fp ? mk_write_model(fp, &mo) : -ENOMEM;
			if (fp)
				fclose(fp);
			L[t].file = (uint8_t *)buf;
		}
		if (!e)
			e = gguf_parse(L[t].file, L[t].len, &L[t].f, err,
				       sizeof(err));
		if (!e)
			e = mdl_load(L[t].f, &lo, &L[t].d, err, sizeof(err));
		if (!e)
			e = tok_load(L[t].f, &tok, err, sizeof(err));
		if (!e) {
			e = accel_model_create(dev, L[t].d, tok, &o, &L[t].m);
			if (e)
				tok_free(tok);
		}
		if (!e)
			e = cpu_ref_create(L[t].d, 64, &L[t].ref);
		if (e) {
			tap_diag("%s %s: %d %s", an, gguf_type_name(types[t]), e,
				 err);
			continue;
		}
		n_ok++;
		nv = L[t].d->hp.n_vocab;
		dl[t] = malloc((size_t)(STEPS + 1) * nv * sizeof(float));
		rl[t] = malloc((size_t)(STEPS + 1) * nv * sizeof(float));
		{
			struct accel_model_info info;

			accel_model_info(L[t].m, &info);
			absmean += info.absmean_matrices;
		}
	}
	if (!tap_ok(n_ok == NT, "%s: the model as TQ2_0, TQ1_0, I2_S and "
		    "ternary F16 loads", an))
		goto out;
	for (int t = 1; t < NT; t++)
		for (uint32_t l = 0; l < L[0].d->hp.n_layer; l++) {
			const struct mdl_layer *a = &L[0].d->layers[l];
			const struct mdl_layer *b = &L[t].d->layers[l];

			rows_ok &= same_matrix(&a->wq, &b->wq) &&
				   same_matrix(&a->wk, &b->wk) &&
				   same_matrix(&a->wv, &b->wv) &&
				   same_matrix(&a->wo, &b->wo) &&
				   same_matrix(&a->wg, &b->wg) &&
				   same_matrix(&a->wu, &b->wu) &&
				   same_matrix(&a->wd, &b->wd);
		}
	tap_ok(rows_ok && absmean == 0, "%s: the four files give the same "
	       "device rows and gammas; none was ternarized again (%u)", an,
	       absmean);
	accel_model_tokenize(L[0].m, prompt, strlen(prompt), 1, ids, 64, &n);
	for (int t = 0; t < NT; t++) {
		int32_t tok = -1, in;
		int e = accel_model_start(L[t].m, &s);

		if (!e)
			e = accel_model_prefill(L[t].m, ids, (uint32_t)n, &tok);
		if (!e) {
			memcpy(dl[t], accel_model_logits(L[t].m), nv * sizeof(float));
			e = cpu_ref_forward(L[t].ref, ids, (uint32_t)n, 0, rl[t]);
		}
		for (uint32_t st = 1; !e && st <= STEPS; st++) {
			in = tok;
			e = accel_model_decode(L[t].m, &tok);
			if (!e) {
				memcpy(dl[t] + (size_t)st * nv,
				       accel_model_logits(L[t].m),
				       nv * sizeof(float));
				e = cpu_ref_forward(L[t].ref, &in, 1,
						    (uint32_t)n + st - 1,
						    rl[t] + (size_t)st * nv);
			}
		}
		if (e) {
			tap_diag("%s %s: run failed %d", an,
				 gguf_type_name(types[t]), e);
			dev_ok = ref_ok = 0;
		}
		devref_ok &= !memcmp(dl[t], rl[t],
				     (size_t)(STEPS + 1) * nv * sizeof(float));
		if (t > 0) {
			dev_ok &= !memcmp(dl[0], dl[t], (size_t)(STEPS + 1) * nv *
					  sizeof(float));
			ref_ok &= !memcmp(rl[0], rl[t], (size_t)(STEPS + 1) * nv *
					  sizeof(float));
		}
	}
	tap_ok(dev_ok, "%s: device logits memcmp-equal across TQ2_0, TQ1_0, "
	       "I2_S and F16 (prefill + %d greedy steps)", an, STEPS);
	tap_ok(ref_ok, "%s: CPU reference logits memcmp-equal across the four "
	       "types", an);
	tap_ok(devref_ok, "%s: device == CPU reference for every type", an);
	for (uint32_t st = 0; st <= STEPS; st++) {
		const float *a = dl[0] + (size_t)st * nv;
		const float *b = dl[NT - 1] + (size_t)st * nv;
		double ab = 0, aa = 0, bb = 0;
		uint32_t ia = 0, ib = 0;

		for (uint32_t i = 0; i < nv; i++) {
			ab += (double)a[i] * b[i];
			aa += (double)a[i] * a[i];
			bb += (double)b[i] * b[i];
			dmax = fmax(dmax, fabs((double)a[i] - b[i]));
			ia = a[i] > a[ia] ? i : ia;
			ib = b[i] > b[ib] ? i : ib;
		}
		cmin = fmin(cmin, ab / sqrt(aa * bb));
		top1 += ia == ib;
	}
	tap_diag("%s: TQ2_0 vs ternary F16 logits over %d positions: cosine "
		 "min %.9f, max |diff| %g, top-1 agreement %u/%d", an,
		 STEPS + 1, cmin, dmax, top1, STEPS + 1);
out:
	for (int t = 0; t < NT; t++) {
		free(dl[t]);
		free(rl[t]);
		unload(&L[t]);
	}
}

/* ------------------------------------------------------------------ */
/* bad files                                                           */
/* ------------------------------------------------------------------ */

static void bad_files(accel_device *dev)
{
	char path[] = "/tmp/test_runner_XXXXXX";
	size_t len;
	uint8_t *f = write_model("micro", MK_TQ2_0, 1, 0, 0, &len);
	accel_model *m = NULL;
	FILE *fp;
	int fd, e;

	fd = mkstemp(path);
	if (fd < 0 || !f) {
		tap_ok(0, "bad files: temporary file");
		free(f);
		return;
	}
	close(fd);
	fp = fopen(path, "wb");
	fwrite(f, 1, len / 2, fp);
	fclose(fp);
	fprintf(stderr, "(expected errors follow)\n");
	e = accel_model_load(dev, path, NULL, &m);
	tap_ok(e == -EINVAL && !m, "truncated model file: -EINVAL (%d)", e);
	fp = fopen(path, "wb");
	fwrite("GGUF\3\0\0\0garbage", 1, 15, fp);
	fclose(fp);
	e = accel_model_load(dev, path, NULL, &m);
	tap_ok(e == -EINVAL && !m, "garbage model file: -EINVAL (%d)", e);
	remove(path);
	e = accel_model_load(dev, path, NULL, &m);
	tap_ok(e < 0 && !m, "missing model file: error (%d)", e);
	/* the whole file through the path loader works */
	fp = fopen(path, "wb");
	fwrite(f, 1, len, fp);
	fclose(fp);
	e = accel_model_load(dev, path, NULL, &m);
	tap_ok(e == 0 && m, "the same file complete loads (%d)", e);
	if (m) {
		struct accel_model_info info;
		struct gguf_file *gf = NULL;
		struct mdl_hparams hp;

		memset(&hp, 0, sizeof(hp));
		e = accel_model_info(m, &info);
		if (!e)
			e = gguf_parse(f, len, &gf, err, sizeof(err));
		if (!e)
			e = mdl_read_hparams(gf, NULL, &hp, err, sizeof(err));
		tap_ok(e == 0 && !strcmp(info.arch, hp.arch) &&
		       !strcmp(info.name, hp.name) &&
		       info.n_layer == hp.n_layer && info.n_embd == hp.n_embd &&
		       info.n_ff == hp.n_ff && info.n_head == hp.n_head &&
		       info.n_head_kv == hp.n_head_kv &&
		       info.head_dim == hp.head_dim &&
		       info.n_vocab == hp.n_vocab &&
		       info.n_ctx_train == hp.n_ctx_train &&
		       info.rope_theta == hp.rope_theta &&
		       info.rms_eps == hp.rms_eps && info.ffn_act == hp.ffn_act &&
		       info.wfmt == LLA_WFMT_T2 && info.head_wfmt == LLA_WFMT_F16 &&
		       info.decode_commands == 0,
		       "accel_model_info: the file's hyper-parameters (%s, %u "
		       "layers, vocab %u), T2, fp16 head, no session yet",
		       info.arch, info.n_layer, info.n_vocab);
		gguf_close(gf);
	}
	accel_model_free(m);
	m = NULL;
	{
		struct accel_model_opts o = { 0, 0, LLA_WFMT_I8, 0, NULL, NULL };

		e = accel_model_load(dev, path, &o, &m);
		tap_ok(e == -EINVAL && !m, "wfmt I8 for the matrices: -EINVAL");
		o.wfmt = LLA_WFMT_T2;
		o.flags = 1u << 7;
		e = accel_model_load(dev, path, &o, &m);
		tap_ok(e == -EINVAL && !m, "an unknown flag: -EINVAL");
	}
	remove(path);
	free(f);
}

/* ------------------------------------------------------------------ */
/* quantization error: double forward pass on the master weights       */
/* ------------------------------------------------------------------ */

struct fmodel {
	uint32_t L, e, f, nh, nkv, hd, nv;
	double eps, theta;
	int act;
	double *embd, *out_norm, *head;
	struct flayer {
		double *an, *sn, *fn, *fsn, *q, *k, *v, *o, *g, *u, *d;
	} *l;
	double *kc, *vc;	/* [L][ctx][nkv*hd] */
	uint32_t ctx;
};

static double *ften(const struct gguf_file *f, const char *name, uint64_t n)
{
	const struct gguf_tensor *t = gguf_find_tensor(f, name);
	double *o;

	if (!t || t->n_elements != n)
		return NULL;
	o = malloc(n * sizeof(double));
	if (!o)
		return NULL;
	for (uint64_t i = 0; i < n; i++) {
		if (t->type == GGML_TYPE_F16) {
			o[i] = accel_f16_to_f32(gguf_le16(t->data + 2 * i));
		} else {
			uint32_t b = gguf_le32(t->data + 4 * i);
			float x;

			memcpy(&x, &b, 4);
			o[i] = x;
		}
	}
	return o;
}

static void fmodel_free(struct fmodel *m)
{
	for (uint32_t i = 0; m->l && i < m->L; i++) {
		struct flayer *y = &m->l[i];

		free(y->an); free(y->sn); free(y->fn); free(y->fsn);
		free(y->q); free(y->k); free(y->v); free(y->o);
		free(y->g); free(y->u); free(y->d);
	}
	free(m->l);
	free(m->embd);
	free(m->out_norm);
	free(m->head);
	free(m->kc);
	free(m->vc);
}

static int fmodel_load(const struct gguf_file *f, const struct mdl_hparams *hp,
		       uint32_t ctx, struct fmodel *m)
{
	uint64_t e = hp->n_embd, ff = hp->n_ff, qd, kvd;
	char b[96];
	int ok;

	memset(m, 0, sizeof(*m));
	m->L = hp->n_layer; m->e = hp->n_embd; m->f = hp->n_ff;
	m->nh = hp->n_head; m->nkv = hp->n_head_kv; m->hd = hp->head_dim;
	m->nv = hp->n_vocab; m->eps = hp->rms_eps; m->theta = hp->rope_theta;
	m->act = hp->ffn_act; m->ctx = ctx;
	qd = (uint64_t)m->nh * m->hd;
	kvd = (uint64_t)m->nkv * m->hd;
	m->embd = ften(f, "token_embd.weight", e * m->nv);
	m->out_norm = ften(f, "output_norm.weight", e);
	m->head = gguf_find_tensor(f, "output.weight") ?
		  ften(f, "output.weight", e * m->nv) :
		  ften(f, "token_embd.weight", e * m->nv);
	m->l = calloc(m->L, sizeof(*m->l));
	m->kc = calloc((size_t)m->L * ctx * kvd, sizeof(double));
	m->vc = calloc((size_t)m->L * ctx * kvd, sizeof(double));
	ok = m->embd && m->out_norm && m->head && m->l && m->kc && m->vc;
	for (uint32_t i = 0; ok && i < m->L; i++) {
		struct flayer *y = &m->l[i];
#define FT(field, nm, cnt) \
	(snprintf(b, sizeof(b), "blk.%u." nm ".weight", i), \
	 y->field = ften(f, b, cnt))
		FT(an, "attn_norm", e); FT(sn, "attn_sub_norm", qd);
		FT(fn, "ffn_norm", e); FT(fsn, "ffn_sub_norm", ff);
		FT(q, "attn_q", e * qd); FT(k, "attn_k", e * kvd);
		FT(v, "attn_v", e * kvd); FT(o, "attn_output", qd * e);
		FT(g, "ffn_gate", e * ff); FT(u, "ffn_up", e * ff);
		FT(d, "ffn_down", ff * e);
#undef FT
		ok = y->an && y->sn && y->fn && y->fsn && y->q && y->k &&
		     y->v && y->o && y->g && y->u && y->d;
	}
	if (!ok)
		fmodel_free(m);
	return ok ? 0 : -EINVAL;
}

static void f_rms(const double *x, uint32_t k, const double *g, double eps,
		  double *y)
{
	double ss = 0;

	for (uint32_t i = 0; i < k; i++)
		ss += x[i] * x[i];
	ss = 1.0 / sqrt(ss / k + eps);
	for (uint32_t i = 0; i < k; i++)
		y[i] = x[i] * ss * g[i];
}

/* y[n] = W[n][k] . x */
static void f_mv(const double *w, const double *x, uint32_t n, uint32_t k,
		 double *y)
{
	for (uint32_t r = 0; r < n; r++) {
		double a = 0;

		for (uint32_t i = 0; i < k; i++)
			a += w[(size_t)r * k + i] * x[i];
		y[r] = a;
	}
}

static void f_rope(double *x, uint32_t heads, uint32_t hd, uint32_t pos,
		   double theta)
{
	for (uint32_t h = 0; h < heads; h++)
		for (uint32_t i = 0; i < hd / 2; i++) {
			double a = pos * pow(theta, -2.0 * i / hd);
			double x0 = x[h * hd + i], x1 = x[h * hd + i + hd / 2];

			x[h * hd + i] = x0 * cos(a) - x1 * sin(a);
			x[h * hd + i + hd / 2] = x0 * sin(a) + x1 * cos(a);
		}
}

/* One token at @pos: logits [nv]. */
static void f_forward(struct fmodel *m, int32_t id, uint32_t pos,
		      double *logits)
{
	uint32_t e = m->e, ff = m->f, hd = m->hd, qd = m->nh * hd;
	uint32_t kvd = m->nkv * hd, grp = m->nh / m->nkv;
	size_t big = qd > ff ? qd : ff;
	double *x = malloc(e * 8), *t = malloc((big > e ? big : e) * 8);
	double *q = malloc(qd * 8), *o = malloc(qd * 8), *g = malloc(ff * 8);
	double *u = malloc(ff * 8), *sc = malloc((pos + 1) * 8);
	double *y = malloc(e * 8);

	for (uint32_t i = 0; i < e; i++)
		x[i] = m->embd[(size_t)id * e + i];
	for (uint32_t l = 0; l < m->L; l++) {
		struct flayer *L = &m->l[l];
		double *kc = m->kc + (size_t)l * m->ctx * kvd;
		double *vc = m->vc + (size_t)l * m->ctx * kvd;

		f_rms(x, e, L->an, m->eps, t);
		f_mv(L->q, t, qd, e, q);
		f_mv(L->k, t, kvd, e, kc + (size_t)pos * kvd);
		f_mv(L->v, t, kvd, e, vc + (size_t)pos * kvd);
		f_rope(q, m->nh, hd, pos, m->theta);
		f_rope(kc + (size_t)pos * kvd, m->nkv, hd, pos, m->theta);
		for (uint32_t h = 0; h < m->nh; h++) {
			double mx = -INFINITY, sum = 0;
			size_t ko = (size_t)(h / grp) * hd;

			for (uint32_t j = 0; j <= pos; j++) {
				double s = 0;

				for (uint32_t d = 0; d < hd; d++)
					s += q[h * hd + d] * kc[(size_t)j * kvd + ko + d];
				sc[j] = s / sqrt((double)hd);
				mx = sc[j] > mx ? sc[j] : mx;
			}
			for (uint32_t d = 0; d < hd; d++)
				o[h * hd + d] = 0;
			for (uint32_t j = 0; j <= pos; j++) {
				double p = exp(sc[j] - mx);

				sum += p;
				for (uint32_t d = 0; d < hd; d++)
					o[h * hd + d] += p * vc[(size_t)j * kvd + ko + d];
			}
			for (uint32_t d = 0; d < hd; d++)
				o[h * hd + d] /= sum;
		}
		f_rms(o, qd, L->sn, m->eps, t);
		f_mv(L->o, t, e, qd, y);
		for (uint32_t i = 0; i < e; i++)
			x[i] += y[i];
		f_rms(x, e, L->fn, m->eps, t);
		f_mv(L->g, t, ff, e, g);
		f_mv(L->u, t, ff, e, u);
		for (uint32_t i = 0; i < ff; i++) {
			double a = g[i];

			a = m->act == LLA_ACT_RELU2 ? (a > 0 ? a * a : 0) :
			    a / (1 + exp(-a));
			u[i] *= a;
		}
		f_rms(u, ff, L->fsn, m->eps, t);
		f_mv(L->d, t, e, ff, y);
		for (uint32_t i = 0; i < e; i++)
			x[i] += y[i];
	}
	f_rms(x, e, m->out_norm, m->eps, t);
	f_mv(m->head, t, m->nv, e, logits);
	free(x); free(t); free(q); free(o); free(g); free(u); free(sc);
	free(y);
}

static void quant_error(accel_device *dev)
{
	struct accel_model_opts o = { 64, 0, LLA_WFMT_T2, 0, NULL, NULL };
	struct accel_sampling s = { 0.0f, 0, 1.0f, 0 };
	const char *prompt = "the quick brown fox";
	struct loaded L;
	struct fmodel fm;
	int32_t ids[64], tok;
	size_t n = 0;
	double *fl = NULL, max_rel = 0, sum_rel = 0;
	uint32_t steps = 0, top1 = 0, nv;
	int e, finite = 1;

	if (load(dev, MK_F16, 7, 0, 1, &o, &L)) {
		tap_ok(0, "quant: F16 master-weight model loads");
		return;
	}
	nv = L.d->hp.n_vocab;
	{
		struct accel_model_info info;

		accel_model_info(L.m, &info);
		tap_ok(info.absmean_matrices == 7 * L.d->hp.n_layer,
		       "quant: accel_model_info says the loader ternarized the "
		       "%u latent matrices with absmean (%u)",
		       7 * L.d->hp.n_layer, info.absmean_matrices);
	}
	e = fmodel_load(L.f, &L.d->hp, 64, &fm);
	tap_ok(e == 0, "quant: double-precision model from the F16 tensors");
	if (e)
		goto out;
	fl = malloc(nv * sizeof(double));
	accel_model_start(L.m, &s);
	accel_model_tokenize(L.m, prompt, strlen(prompt), 1, ids, 64, &n);
	for (size_t i = 0; i + 1 < n; i++)
		f_forward(&fm, ids[i], (uint32_t)i, fl);
	e = accel_model_prefill(L.m, ids, (uint32_t)n, &tok);
	for (uint32_t st = 0; !e && st <= 32; st++) {
		const float *dl = accel_model_logits(L.m);
		double amax = 0, dmax = 0;
		uint32_t ad = 0, af = 0;
		int32_t in = st == 0 ? ids[n - 1] : tok;

		if (st > 0)
			e = accel_model_decode(L.m, &tok);
		if (e)
			break;
		f_forward(&fm, in, (uint32_t)(n - 1 + st), fl);
		for (uint32_t i = 0; i < nv; i++) {
			double d = fabs((double)dl[i] - fl[i]);

			finite &= isfinite(dl[i]) != 0;
			amax = fabs(fl[i]) > amax ? fabs(fl[i]) : amax;
			dmax = d > dmax ? d : dmax;
			if (dl[i] > dl[ad])
				ad = i;
			if (fl[i] > fl[af])
				af = i;
		}
		dmax = amax > 0 ? dmax / amax : dmax;
		max_rel = dmax > max_rel ? dmax : max_rel;
		sum_rel += dmax;
		top1 += ad == af;
		steps++;
	}
	tap_ok(e == 0 && steps == 33 && finite,
	       "quant: prefill + 32 decode steps of the ternarized model, "
	       "finite logits");
	tap_diag("quantization error (device W1.58A8 + fp16 KV vs double "
		 "with fp16 master weights, %u positions): relative logit "
		 "error max %.4f mean %.4f (|diff| / max |logit|), top-1 "
		 "agreement %u/%u", steps, max_rel,
		 steps ? sum_rel / steps : 0, top1, steps);
	tap_ok(steps && sum_rel / steps < 1.0,
	       "quant: mean relative logit error below 1 (%.4f)",
	       steps ? sum_rel / steps : 0);
	fmodel_free(&fm);
out:
	free(fl);
	unload(&L);
}

int main(void)
{
	accel_device *dev = NULL;
	struct accel_caps caps;
	struct loaded L;
	int e;

	e = accel_device_open(NULL, 0, &dev);
	tap_ok(e == 0, "device opened (%s)", e ? accel_last_error() : "ok");
	if (e)
		return tap_done();
	accel_device_caps(dev, &caps);
	tap_diag("device %s, %s backend", caps.path,
		 accel_backend_name(caps.backend));

	{
		struct accel_model_opts o = { 0, 0, LLA_WFMT_T2, 0, NULL, NULL };
		struct run_cfg c = {
			"tiny-t2-sampled", { 0.8f, 40, 0.95f, 1234 },
			"The quick brown fox jumps over the lazy dog", NULL,
			40, 0,
		};

		e = load(dev, MK_TQ2_0, 1, 0, 0, &o, &L);
		tap_ok(e == 0 && L.m->head_shared,
		       "tiny TQ2_0 model converted and uploaded (tied head "
		       "reads the embedding)");
		if (!e) {
			run_case(dev, &L, &c);
			unload(&L);
		}
	}
	{
		/* T5, int8 head, passes of 4 rows, 64 positions */
		struct accel_model_opts o = { 64, 4, LLA_WFMT_T5,
					      ACCEL_MODEL_HEAD_I8, NULL, NULL };
		struct run_cfg c = {
			"tiny-t5-i8head-greedy", { 0.0f, 0, 1.0f, 0 },
			"once upon a time there was", " and then",
			34, 1,
		};

		e = load(dev, MK_TQ1_0, 2, 0, 0, &o, &L);
		tap_ok(e == 0, "tiny TQ1_0 model as T5 with an int8 head");
		if (!e) {
			run_case(dev, &L, &c);
			unload(&L);
		}
	}
	{
		/* high temperature, top-p only: long tails of the sampler */
		struct accel_model_opts o = { 96, 0, LLA_WFMT_T2, 0, NULL, NULL };
		struct run_cfg c = {
			"tiny-i2s-hot", { 1.7f, 0, 0.9f, 99 },
			"hello world", NULL, 32, 0,
		};

		e = load(dev, MK_I2_S, 3, 1, 0, &o, &L);
		tap_ok(e == 0 && !L.m->head_shared && !L.d->head_tied,
		       "tiny I2_S model with its own fp16 output head");
		if (!e) {
			run_case(dev, &L, &c);
			unload(&L);
		}
	}
	same_model_types(dev, 0);
	same_model_types(dev, 1);
	bad_files(dev);
	quant_error(dev);
	accel_device_close(dev);
	return tap_done();
}
