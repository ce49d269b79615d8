// SPDX-License-Identifier: MIT
/*
 * test_gguf: the GGUF reader and the BitNet model loader.
 *
 *  - files written by llmaccel-mkmodel (every weight type, both
 *    tokenizers): every metadata value and tensor info read back; every
 *    ternary matrix decoded by an independent decoder written here from
 *    the block layouts (TQ1_0 through (byte * 243) >> 8 and base-3 digits,
 *    not the ggml multiply trick) and compared with the generator's codes,
 *    with the loader's device rows (unpacked) and gamma; F16 master
 *    weights against a naive absmean; norms, embedding and head;
 *  - a hand-built file with every metadata value type (arrays of strings
 *    included) read through the typed getters;
 *  - every class of malformed file rejected with the message naming it,
 *    including every truncation of a valid file;
 *  - model-level errors: missing tensor, bad shape, differing block
 *    scales (and the requantizing fallback), non-ternary codes, .scale.
 *
 * The implementation is compiled into this program (MDL_API static), so
 * it links against nothing but libaccel's public API and the rtl-model.
 */
#define MDL_API static __attribute__((unused))
#define MKMODEL_NO_MAIN
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gguf.c"
#include "model_load.c"
#include "../../tools/llmaccel-mkmodel.c"
#include "tap.h"

static char err[512];

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static uint8_t *write_model_opts(const struct mk_opts *o, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	if (!fp || mk_write_model(fp, o)) {
		if (fp)
			fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	return (uint8_t *)buf;
}

static uint8_t *write_model(const char *preset, uint32_t wtype, int tok,
			    uint64_t seed, size_t *len)
{
	struct mk_opts o = { preset, NULL, wtype, tok, -1, seed, 1, 0, 0 };
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	if (!fp || mk_write_model(fp, &o)) {
		if (fp)
			fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	return (uint8_t *)buf;
}

static int expect_fail(const uint8_t *p, size_t n, const char *needle,
		       const char *what)
{
	struct gguf_file *f = NULL;
	int e = gguf_parse(p, n, &f, err, sizeof(err));
	int ok = e == -EINVAL && !f && strstr(err, needle);

	if (!ok)
		tap_diag("%s: rc %d, message '%s'", what, e, err);
	gguf_close(f);
	return tap_ok(ok, "%s rejected: '%s'", what, needle);
}

static int expect_load_fail(const uint8_t *p, size_t n, uint32_t flags,
			    const char *needle, const char *what)
{
	struct mdl_load_opts o = { LLA_WFMT_T2, -1, flags, NULL, NULL };
	struct gguf_file *f = NULL;
	struct mdl_desc *m = NULL;
	int e = gguf_parse(p, n, &f, err, sizeof(err));

	if (!e)
		e = mdl_load(f, &o, &m, err, sizeof(err));
	if (e != -EINVAL || m || !strstr(err, needle))
		tap_diag("%s: rc %d, message '%s'", what, e, err);
	mdl_free(m);
	gguf_close(f);
	return tap_ok(e == -EINVAL && !m && strstr(err, needle),
		      "%s fails the load: '%s'", what, needle);
}

/* Offset in @p of the tensor info of @name (its n_dims field). */
static size_t tinfo_at(const struct gguf_file *f, const char *name)
{
	const struct gguf_tensor *t = gguf_find_tensor(f, name);

	return t ? (size_t)((const uint8_t *)t->name.p - f->base) +
		   t->name.len : 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* ------------------------------------------------------------------ */
/* independent decoders                                                */
/* ------------------------------------------------------------------ */

static float h2f(const uint8_t *p)
{
	/* IEEE half, by hand */
	uint16_t h = (uint16_t)(p[0] | p[1] << 8);
	int ex = (h >> 10) & 31, mant = h & 1023;
	double v = ex ? ldexp(1024 + mant, ex - 25) : ldexp(mant, -24);

	return (float)((h & 0x8000) ? -v : v);
}

/* TQ2_0: element e of a block: byte (e / 128) * 32 + e % 32, field (e / 32) % 4 */
static void ref_tq2(const uint8_t *blk, int8_t *out)
{
	for (int e = 0; e < 256; e++) {
		int byte = blk[(e / 128) * 32 + e % 32];

		out[e] = (int8_t)(((byte >> (2 * ((e / 32) % 4))) & 3) - 1);
	}
}

/* The 5 (or 4) trits of a TQ1_0 byte, most significant first. */
static void trits(uint8_t byte, int count, int *t)
{
	int q = (byte * 243) >> 8;	/* undo ceil(q * 256 / 243) */

	if (count == 4)
		q /= 3;			/* the 5th trit was a 0 */
	for (int i = count - 1; i >= 0; i--) {
		t[i] = q % 3;
		q /= 3;
	}
}

static void ref_tq1(const uint8_t *blk, int8_t *out)
{
	int t[5];

	for (int m = 0; m < 32; m++) {
		trits(blk[m], 5, t);
		for (int n = 0; n < 5; n++)
			out[n * 32 + m] = (int8_t)(t[n] - 1);
	}
	for (int m = 0; m < 16; m++) {
		trits(blk[32 + m], 5, t);
		for (int n = 0; n < 5; n++)
			out[160 + n * 16 + m] = (int8_t)(t[n] - 1);
	}
	for (int j = 0; j < 4; j++) {
		trits(blk[48 + j], 4, t);
		for (int n = 0; n < 4; n++)
			out[240 + n * 4 + j] = (int8_t)(t[n] - 1);
	}
}

/* Codes and the matrix scale of a ternary tensor, decoded here. */
static int ref_decode(const struct gguf_tensor *t, int8_t *codes, float *g)
{
	uint64_t n = t->n_elements;

	if (t->type == GGML_TYPE_TQ2_0 || t->type == GGML_TYPE_TQ1_0) {
		uint32_t bs = t->type == GGML_TYPE_TQ2_0 ? 66 : 54;

		for (uint64_t b = 0; b < n / 256; b++) {
			const uint8_t *blk = t->data + b * bs;

			if (t->type == GGML_TYPE_TQ2_0)
				ref_tq2(blk, codes + b * 256);
			else
				ref_tq1(blk, codes + b * 256);
			*g = h2f(blk + bs - 2);
		}
		return 0;
	}
	if (t->type == GGML_TYPE_I2_S) {
		for (uint64_t i = 0; i < n; i++) {
			uint64_t blk = i / 128, j = i % 128;
			int v = (t->data[blk * 32 + j % 32] >> (6 - 2 * (j / 32))) & 3;

			codes[i] = (int8_t)(v - 1);
		}
		memcpy(g, t->data + n / 4, 4);
		return 0;
	}
	return -1;
}

/* Naive absmean of fp16 master weights (double sum, fp32 division). */
static void ref_absmean(const struct gguf_tensor *t, int8_t *codes, float *g)
{
	double sum = 0;
	float mean;

	for (uint64_t i = 0; i < t->n_elements; i++)
		sum += fabs((double)h2f(t->data + 2 * i));
	mean = (float)(sum / (double)t->n_elements);
	*g = mean > 1e-5f ? mean : 1e-5f;
	for (uint64_t i = 0; i < t->n_elements; i++) {
		float q = h2f(t->data + 2 * i) / *g;

		codes[i] = q > 0.5f ? 1 : q < -0.5f ? -1 : 0;
	}
}

/*
 * An F16 matrix written as llama.cpp's converter does: every value 0 or
 * +-d, so the codes are the signs and gamma is |d| (by hand, from the bits).
 */
static void ref_f16_ternary(const struct gguf_tensor *t, int8_t *codes,
			    float *g)
{
	*g = 0;
	for (uint64_t i = 0; i < t->n_elements; i++) {
		float v = h2f(t->data + 2 * i);

		codes[i] = (int8_t)(v > 0 ? 1 : v < 0 ? -1 : 0);
		if (v != 0)
			*g = fabsf(v);
	}
}

/* The generator's own codes and gamma for tensor index @ti. */
static void gen_codes(uint64_t seed, uint32_t ti, uint64_t nel, int8_t *c,
		      float *g)
{
	uint64_t s = seed * 0x100000001b3ull + ti;

	*g = mk_gamma(&s);
	for (uint64_t i = 0; i < nel; i++)
		c[i] = mk_code(&s);
}

/* ------------------------------------------------------------------ */
/* mkmodel files                                                       */
/* ------------------------------------------------------------------ */

struct prog {
	uint64_t calls, last, total;
	int monotonic;
};

static void on_progress(void *ud, uint64_t done, uint64_t total,
			const char *what)
{
	struct prog *p = ud;

	(void)what;
	if (done < p->last || done > total)
		p->monotonic = 0;
	p->calls++;
	p->last = done;
	p->total = total;
}

static const char *const mat_names[7] = {
	"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up",
	"ffn_down",
};

static const struct mdl_matrix *layer_mat(const struct mdl_layer *L, int i)
{
	const struct mdl_matrix *m[7] = { &L->wq, &L->wk, &L->wv, &L->wo,
					  &L->wg, &L->wu, &L->wd };

	return m[i];
}

static uint32_t tensor_index(const struct gguf_file *f, const char *name)
{
	return (uint32_t)(gguf_find_tensor(f, name) - f->tensors);
}

static void check_metadata(const struct gguf_file *f, int bpe)
{
	const struct gguf_kv *kv;
	struct gguf_str s;
	uint32_t u = 0;
	float x = 0;
	int b = 0, ok;

	tap_ok(f->version == 3 && f->alignment == 32 && f->n_tensors == 24,
	       "header: version %u, alignment %u, %llu tensors", f->version,
	       f->alignment, (unsigned long long)f->n_tensors);
	/* tiny is relu^2: bitnet.cpp's architecture of relu^2 files */
	ok = !gguf_get_str(f, "general.architecture", &s, err, sizeof(err)) &&
	     gguf_str_eq(s, "bitnet-25") &&
	     !gguf_get_str(f, "general.name", &s, err, sizeof(err)) &&
	     gguf_str_eq(s, "tiny");
	tap_ok(ok, "general.architecture = bitnet-25, general.name = tiny");
	ok = !gguf_get_u32(f, "bitnet-25.block_count", &u, err, sizeof(err)) &&
	     u == 2 &&
	     !gguf_get_u32(f, "bitnet-25.embedding_length", &u, err, sizeof(err)) &&
	     u == 256 &&
	     !gguf_get_u32(f, "bitnet-25.feed_forward_length", &u, err,
			   sizeof(err)) && u == 512 &&
	     !gguf_get_u32(f, "bitnet-25.attention.head_count", &u, err,
			   sizeof(err)) && u == 4 &&
	     !gguf_get_u32(f, "bitnet-25.attention.head_count_kv", &u, err,
			   sizeof(err)) && u == 2 &&
	     !gguf_get_u32(f, "bitnet-25.context_length", &u, err, sizeof(err)) &&
	     u == 256 &&
	     !gguf_get_u32(f, "bitnet-25.vocab_size", &u, err, sizeof(err)) &&
	     u == 400 &&
	     !gguf_get_u32(f, "bitnet-25.rope.dimension_count", &u, err,
			   sizeof(err)) && u == 64;
	tap_ok(ok, "bitnet-25.* integer hyper-parameters");
	ok = !gguf_get_f32(f, "bitnet-25.rope.freq_base", &x, err, sizeof(err)) &&
	     x == 10000.0f &&
	     !gguf_get_f32(f, "bitnet-25.attention.layer_norm_rms_epsilon", &x,
			   err, sizeof(err)) && x == 1e-5f;
	tap_ok(ok, "bitnet-25.rope.freq_base and rms epsilon");
	tap_ok(gguf_get_str(f, "llmaccel.ffn_activation", &s, err,
			    sizeof(err)) == -ENOENT,
	       "no llmaccel.ffn_activation: the architecture names the activation");
	ok = !gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_T_STRING, &kv, err,
			   sizeof(err)) && kv->n == 400;
	if (ok && !bpe)
		ok = gguf_str_eq(kv->strs[0], "<unk>") &&
		     gguf_str_eq(kv->strs[3 + 'A'], "<0x41>") &&
		     gguf_str_eq(kv->strs[259], "\xe2\x96\x81");
	if (ok && bpe)
		ok = gguf_str_eq(kv->strs['A'], "A") &&
		     gguf_str_eq(kv->strs[' '], "\xc4\xa0");
	tap_ok(ok, "tokenizer.ggml.tokens: 400 strings, known entries");
	ok = !gguf_get_arr(f, "tokenizer.ggml.scores", GGUF_T_FLOAT32, &kv,
			   err, sizeof(err)) && kv->n == 400 &&
	     !gguf_get_arr(f, "tokenizer.ggml.token_type", GGUF_T_INT32, &kv,
			   err, sizeof(err)) && kv->n == 400 &&
	     gguf_arr_num(kv, bpe ? 399 : 3) == (bpe ? 3 : 6);
	tap_ok(ok, "tokenizer scores and token types");
	ok = !gguf_get_bool(f, "tokenizer.ggml.add_bos_token", &b, err,
			    sizeof(err)) && b == 1 &&
	     !gguf_get_str(f, "tokenizer.ggml.model", &s, err, sizeof(err)) &&
	     gguf_str_eq(s, bpe ? "gpt2" : "llama");
	tap_ok(ok, "tokenizer.ggml.model and add_bos_token");
	ok = bpe ? !gguf_get_arr(f, "tokenizer.ggml.merges", GGUF_T_STRING,
				 &kv, err, sizeof(err)) &&
		   gguf_str_eq(kv->strs[0], "\xc4\xa0 t") :
		   gguf_get_arr(f, "tokenizer.ggml.merges", GGUF_T_STRING, &kv,
				err, sizeof(err)) == -ENOENT;
	tap_ok(ok, "tokenizer.ggml.merges %s", bpe ? "present" : "absent");
}

static void check_tensor_infos(const struct gguf_file *f, uint32_t wtype)
{
	const struct gguf_tensor *t;
	uint64_t prev_end = 0;
	int ok = 1;

	for (uint64_t i = 0; i < f->n_tensors; i++) {
		t = &f->tensors[i];
		if (t->offset % 32 || t->offset < prev_end ||
		    f->data_offset + t->offset + t->nbytes > f->size)
			ok = 0;
		prev_end = t->offset + t->nbytes;
	}
	tap_ok(ok, "tensor data ordered, aligned and inside the file");
	t = gguf_find_tensor(f, "token_embd.weight");
	tap_ok(t && t->n_dims == 2 && t->ne[0] == 256 && t->ne[1] == 400 &&
	       t->type == GGML_TYPE_F16 && t->nbytes == 256 * 400 * 2,
	       "token_embd.weight: F16 [256, 400]");
	t = gguf_find_tensor(f, "blk.1.ffn_down.weight");
	tap_ok(t && t->n_dims == 2 && t->ne[0] == 512 && t->ne[1] == 256 &&
	       t->type == wtype && t->nbytes == mk_nbytes(wtype, 512 * 256),
	       "blk.1.ffn_down.weight: %s [512, 256], %llu bytes",
	       gguf_type_name(wtype), t ? (unsigned long long)t->nbytes : 0);
	t = gguf_find_tensor(f, "blk.0.attn_sub_norm.weight");
	tap_ok(t && t->n_dims == 1 && t->ne[0] == 256 &&
	       t->type == GGML_TYPE_F32, "blk.0.attn_sub_norm.weight: F32 [256]");
	tap_ok(!gguf_find_tensor(f, "output.weight") &&
	       gguf_find_tensor(f, "output_norm.weight"),
	       "tiny is tied: no output.weight");
}

static void check_conversion(const struct gguf_file *f,
			     const struct mdl_desc *m, uint32_t wtype,
			     int latent, uint8_t wfmt, uint64_t seed)
{
	int flags_ok = 1;
	int gen_ok = 1, dec_ok = 1, rows_ok = 1, gamma_ok = 1;
	char name[64];

	for (uint32_t l = 0; l < 2; l++)
		for (int mi = 0; mi < 7; mi++) {
			const struct mdl_matrix *mx = layer_mat(&m->layers[l], mi);
			const struct gguf_tensor *t;
			uint64_t nel;
			int8_t *gen, *ref, *dev;
			float gg, rg;

			snprintf(name, sizeof(name), "blk.%u.%s.weight", l,
				 mat_names[mi]);
			t = gguf_find_tensor(f, name);
			nel = t->n_elements;
			gen = malloc(nel);
			ref = malloc(nel);
			dev = malloc(nel);
			gen_codes(seed, tensor_index(f, name), nel, gen, &gg);
			if (latent) {
				ref_absmean(t, ref, &rg);
			} else if (wtype == MK_F16) {
				ref_f16_ternary(t, ref, &rg);
				if (memcmp(gen, ref, nel) || rg != gg)
					gen_ok = 0;
			} else {
				ref_decode(t, ref, &rg);
				if (memcmp(gen, ref, nel) || rg != gg)
					gen_ok = 0;
			}
			for (uint32_t r = 0; r < mx->n; r++)
				lla_unpack_row(wfmt, mx->rows +
					       (size_t)r * mx->row_bytes,
					       mx->k, dev + (size_t)r * mx->k);
			if (memcmp(dev, ref, nel))
				rows_ok = 0;
			if (!!(mx->flags & MDL_MAT_ABSMEAN) != latent)
				flags_ok = 0;
			if (mx->gamma != rg || mx->wfmt != wfmt ||
			    mx->n != t->ne[1] || mx->k != t->ne[0] ||
			    mx->row_bytes != lla_wfmt_row_bytes(wfmt, mx->k))
				gamma_ok = 0;
			if (wtype != MK_F16) {
				float d[2048];

				if (t->type == GGML_TYPE_I2_S || nel / 256 <= 2048) {
					mdl_decode_ternary(t, dev, d, err,
							   sizeof(err));
					if (memcmp(dev, ref, nel))
						dec_ok = 0;
				}
			}
			free(gen);
			free(ref);
			free(dev);
		}
	if (!latent)
		tap_ok(gen_ok, "%s: independent decode == generator's codes and scale",
		       gguf_type_name(wtype));
	if (wtype != MK_F16)
		tap_ok(dec_ok, "%s: mdl_decode_ternary == independent decode",
		       gguf_type_name(wtype));
	tap_ok(rows_ok, "%s -> %s: unpacked device rows == reference codes (14 matrices)",
	       gguf_type_name(wtype), wfmt == LLA_WFMT_T2 ? "T2" : "T5");
	tap_ok(gamma_ok, "%s: gamma, shape and row bytes of every matrix",
	       gguf_type_name(wtype));
	tap_ok(flags_ok && m->n_absmean == (latent ? 14u : 0u),
	       "%s%s: the loader says it ternarized %u matrices with absmean",
	       gguf_type_name(wtype), latent ? " latent" : "", m->n_absmean);
}

static void check_vectors(const struct gguf_file *f, const struct mdl_desc *m)
{
	const struct gguf_tensor *t = gguf_find_tensor(f, "token_embd.weight");
	const struct gguf_tensor *n = gguf_find_tensor(f,
						"blk.1.ffn_sub_norm.weight");
	int ok;

	tap_ok(m->embd_dtype == LLA_DTYPE_F16 &&
	       !memcmp(m->tok_embd, t->data, t->nbytes),
	       "token embedding kept as the file's fp16");
	tap_ok(m->head_tied && m->head_wfmt == LLA_WFMT_F16 &&
	       m->head_shared && m->head == m->tok_embd &&
	       !memcmp(m->head, t->data, t->nbytes),
	       "tied fp16 head shares the token_embd table");
	ok = !memcmp(m->layers[1].ffn_sub_norm, n->data, 512 * 4);
	n = gguf_find_tensor(f, "output_norm.weight");
	ok = ok && !memcmp(m->output_norm, n->data, 256 * 4);
	tap_ok(ok, "norm weights are the file's fp32");
	tap_ok(m->hp.n_layer == 2 && m->hp.n_embd == 256 && m->hp.n_ff == 512 &&
	       m->hp.n_head == 4 && m->hp.n_head_kv == 2 &&
	       m->hp.head_dim == 64 && m->hp.n_vocab == 400 &&
	       m->hp.n_ctx_train == 256 && m->hp.rope_theta == 10000.0f &&
	       m->hp.ffn_act == LLA_ACT_RELU2 && !strcmp(m->hp.arch, "bitnet-25"),
	       "hyper-parameters");
}

static void test_mkmodel_file(uint32_t wtype, int latent, int tok,
			      uint8_t wfmt)
{
	struct mdl_load_opts o = { wfmt, -1, 0, on_progress, NULL };
	struct prog pr = { 0, 0, 0, 1 };
	struct gguf_file *f = NULL;
	struct mdl_desc *m = NULL;
	uint64_t seed = 7 + wtype;
	struct mk_opts mo = { "tiny", NULL, wtype, tok, -1, seed, 1, 0, latent };
	size_t len = 0;
	uint8_t *buf = write_model_opts(&mo, &len);
	uint32_t ft = 0;
	int e;

	tap_diag("tiny, %s%s, %s tokenizer, %s rows, %zu bytes",
		 gguf_type_name(wtype), latent ? " latent" : "",
		 tok == MK_BPE ? "bpe" : "spm",
		 wfmt == LLA_WFMT_T2 ? "T2" : "T5", len);
	e = buf ? gguf_parse(buf, len, &f, err, sizeof(err)) : -1;
	if (!tap_ok(!e, "mkmodel output parses (%s)", err)) {
		free(buf);
		return;
	}
	check_metadata(f, tok == MK_BPE);
	check_tensor_infos(f, wtype);
	/* llama.cpp's LLAMA_FTYPE; I2_S: bitnet.cpp's MOSTLY_I2_S (40) */
	tap_ok(!gguf_get_u32(f, "general.file_type", &ft, err, sizeof(err)) &&
	       ft == (wtype == MK_TQ2_0 ? 37u : wtype == MK_TQ1_0 ? 36u :
		      wtype == MK_I2_S ? 40u : 1u),
	       "general.file_type %u for %s", ft, gguf_type_name(wtype));
	o.progress_ud = &pr;
	e = mdl_load(f, &o, &m, err, sizeof(err));
	if (tap_ok(!e, "model loads (%s)", err)) {
		check_conversion(f, m, wtype, latent, wfmt, seed);
		check_vectors(f, m);
		tap_ok(pr.calls >= 24 && pr.monotonic && pr.last == pr.total &&
		       pr.total > 0, "progress: %llu calls, monotonic, ends at total",
		       (unsigned long long)pr.calls);
	}
	mdl_free(m);
	gguf_close(f);
	free(buf);
}

/* The same bytes through a file and mmap. */
static void test_open_file(void)
{
	char path[] = "/tmp/test_gguf_XXXXXX";
	struct gguf_file *f = NULL;
	size_t len = 0;
	uint8_t *buf = write_model("tiny", MK_TQ2_0, MK_SPM, 3, &len);
	int fd = mkstemp(path), e;
	FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;

	if (fp) {
		fwrite(buf, 1, len, fp);
		fclose(fp);
	}
	e = gguf_open(path, &f, err, sizeof(err));
	tap_ok(!e && f && f->map && f->size == len && f->n_tensors == 24,
	       "gguf_open maps the file (%s)", err);
	gguf_close(f);
	f = NULL;
	e = gguf_open("/nonexistent/x.gguf", &f, err, sizeof(err));
	tap_ok(e == -ENOENT && !f && strstr(err, "/nonexistent/x.gguf"),
	       "missing file: -ENOENT naming the path (%s)", err);
	unlink(path);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* hand-built files                                                    */
/* ------------------------------------------------------------------ */

/* Metadata of every value type; returns the file in @b. */
static void build_all_types(struct mk_buf *b)
{
	struct mk_buf kv = { 0 };
	uint64_t n = 0;

	mk_str(&kv, "u8"); mk_u32(&kv, 0); mk_u8(&kv, 200); n++;
	mk_str(&kv, "i8"); mk_u32(&kv, 1); mk_u8(&kv, 0x80); n++;
	mk_str(&kv, "u16"); mk_u32(&kv, 2); mk_u8(&kv, 0x34); mk_u8(&kv, 0x12); n++;
	mk_str(&kv, "i16"); mk_u32(&kv, 3); mk_u8(&kv, 0xfe); mk_u8(&kv, 0xff); n++;
	mk_str(&kv, "u32"); mk_u32(&kv, 4); mk_u32(&kv, 4000000000u); n++;
	mk_str(&kv, "i32"); mk_u32(&kv, 5); mk_u32(&kv, (uint32_t)-7); n++;
	mk_str(&kv, "f32"); mk_u32(&kv, 6); mk_f32(&kv, 0.25f); n++;
	mk_str(&kv, "bool"); mk_u32(&kv, 7); mk_u8(&kv, 1); n++;
	mk_str(&kv, "str"); mk_u32(&kv, 8); mk_str(&kv, "h\xc3\xa9llo"); n++;
	mk_str(&kv, "u64"); mk_u32(&kv, 10); mk_u64(&kv, 1ull << 40); n++;
	mk_str(&kv, "i64"); mk_u32(&kv, 11); mk_u64(&kv, (uint64_t)-5); n++;
	mk_str(&kv, "f64"); mk_u32(&kv, 12);
	{
		double d = -1.5;
		uint64_t u;

		memcpy(&u, &d, 8);
		mk_u64(&kv, u);
	}
	n++;
	mk_str(&kv, "arr.str"); mk_u32(&kv, 9); mk_u32(&kv, 8); mk_u64(&kv, 3);
	mk_str(&kv, "a"); mk_str(&kv, ""); mk_str(&kv, "xyz"); n++;
	mk_str(&kv, "arr.i16"); mk_u32(&kv, 9); mk_u32(&kv, 3); mk_u64(&kv, 2);
	mk_u8(&kv, 0xff); mk_u8(&kv, 0xff); mk_u8(&kv, 5); mk_u8(&kv, 0); n++;
	mk_str(&kv, "arr.f32"); mk_u32(&kv, 9); mk_u32(&kv, 6); mk_u64(&kv, 2);
	mk_f32(&kv, 1.5f); mk_f32(&kv, -2.0f); n++;
	mk_str(&kv, "arr.empty"); mk_u32(&kv, 9); mk_u32(&kv, 4); mk_u64(&kv, 0);
	n++;
	mk_u32(b, GGUF_MAGIC);
	mk_u32(b, 2);
	mk_u64(b, 1);
	mk_u64(b, n);
	mk_put(b, kv.p, kv.len);
	/* one F32 tensor of 3 elements at offset 0 */
	mk_str(b, "t");
	mk_u32(b, 1);
	mk_u64(b, 3);
	mk_u32(b, 0);
	mk_u64(b, 0);
	while (b->len % 32)
		mk_u8(b, 0);
	mk_f32(b, 1);
	mk_f32(b, 2);
	mk_f32(b, 3);
	free(kv.p);
}

static void test_value_types(void)
{
	struct mk_buf b = { 0 };
	struct gguf_file *f = NULL;
	const struct gguf_kv *kv;
	struct gguf_str s;
	int64_t i64 = 0;
	uint32_t u = 0;
	float x = 0;
	int bo = 0, e, ok;

	build_all_types(&b);
	e = gguf_parse(b.p, b.len, &f, err, sizeof(err));
	if (!tap_ok(!e, "file with every value type parses (v2) (%s)", err)) {
		free(b.p);
		return;
	}
	ok = !gguf_get_u32(f, "u8", &u, err, sizeof(err)) && u == 200 &&
	     !gguf_get_i64(f, "i8", &i64, err, sizeof(err)) && i64 == -128 &&
	     !gguf_get_u32(f, "u16", &u, err, sizeof(err)) && u == 0x1234 &&
	     !gguf_get_i64(f, "i16", &i64, err, sizeof(err)) && i64 == -2 &&
	     !gguf_get_u32(f, "u32", &u, err, sizeof(err)) && u == 4000000000u &&
	     !gguf_get_i64(f, "i32", &i64, err, sizeof(err)) && i64 == -7 &&
	     !gguf_get_i64(f, "u64", &i64, err, sizeof(err)) &&
	     i64 == (1ll << 40) &&
	     !gguf_get_i64(f, "i64", &i64, err, sizeof(err)) && i64 == -5;
	tap_ok(ok, "integer scalars of all widths and signs");
	ok = !gguf_get_f32(f, "f32", &x, err, sizeof(err)) && x == 0.25f &&
	     !gguf_get_f32(f, "f64", &x, err, sizeof(err)) && x == -1.5f &&
	     !gguf_get_bool(f, "bool", &bo, err, sizeof(err)) && bo == 1 &&
	     !gguf_get_str(f, "str", &s, err, sizeof(err)) &&
	     gguf_str_eq(s, "h\xc3\xa9llo");
	tap_ok(ok, "float32, float64, bool and UTF-8 string scalars");
	ok = !gguf_get_arr(f, "arr.str", GGUF_T_STRING, &kv, err, sizeof(err)) &&
	     kv->n == 3 && gguf_str_eq(kv->strs[0], "a") &&
	     kv->strs[1].len == 0 && gguf_str_eq(kv->strs[2], "xyz");
	tap_ok(ok, "array of strings (with an empty one)");
	ok = !gguf_get_arr(f, "arr.i16", GGUF_T_INT16, &kv, err, sizeof(err)) &&
	     kv->n == 2 && gguf_arr_num(kv, 0) == -1 && gguf_arr_num(kv, 1) == 5 &&
	     !gguf_get_arr(f, "arr.f32", GGUF_T_FLOAT32, &kv, err, sizeof(err)) &&
	     gguf_arr_num(kv, 1) == -2.0 &&
	     !gguf_get_arr(f, "arr.empty", GGUF_T_UINT32, &kv, err, sizeof(err)) &&
	     kv->n == 0;
	tap_ok(ok, "numeric arrays and an empty array");
	tap_ok(gguf_get_u32(f, "i8", &u, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "out of range"), "negative value into u32: '%s'", err);
	tap_ok(gguf_get_f32(f, "str", &x, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "has type string (must be float32)"),
	       "type mismatch: '%s'", err);
	tap_ok(gguf_get_arr(f, "arr.str", GGUF_T_INT32, &kv, err, sizeof(err)) ==
	       -EINVAL && strstr(err, "array of string (must be array of int32)"),
	       "array element type mismatch: '%s'", err);
	tap_ok(gguf_get_u32(f, "nope", &u, err, sizeof(err)) == -ENOENT,
	       "absent key: -ENOENT");
	tap_ok(f->n_tensors == 1 && f->tensors[0].nbytes == 12 &&
	       f->data_offset % 32 == 0 && !memcmp(f->tensors[0].data,
	       "\0\0\x80\x3f", 4), "tensor data at the aligned data section");
	gguf_close(f);

	/* every truncation of this file is an error, never a crash */
	ok = 1;
	for (size_t n = 0; n < b.len; n++) {
		f = NULL;
		e = gguf_parse(b.p, n, &f, err, sizeof(err));
		if (e != -EINVAL || f || !err[0]) {
			tap_diag("truncated to %zu: rc %d '%s'", n, e, err);
			ok = 0;
		}
		gguf_close(f);
	}
	tap_ok(ok, "all %zu truncations rejected with a message", b.len);
	free(b.p);
}

/* A minimal file: header + given KV bytes + given tensor-info bytes. */
static uint8_t *craft(uint32_t version, uint64_t nt, uint64_t nkv,
		      const struct mk_buf *body, size_t data, size_t *len)
{
	struct mk_buf b = { 0 };

	mk_u32(&b, GGUF_MAGIC);
	mk_u32(&b, version);
	mk_u64(&b, nt);
	mk_u64(&b, nkv);
	if (body)
		mk_put(&b, body->p, body->len);
	while (b.len % 32)
		mk_u8(&b, 0);
	for (size_t i = 0; i < data; i++)
		mk_u8(&b, 0);
	*len = b.len;
	return b.p;
}

static void tinfo(struct mk_buf *b, const char *name, uint32_t nd,
		  const uint64_t *ne, uint32_t type, uint64_t off)
{
	mk_str(b, name);
	mk_u32(b, nd);
	for (uint32_t i = 0; i < nd; i++)
		mk_u64(b, ne[i]);
	mk_u32(b, type);
	mk_u64(b, off);
}

static void test_malformed(void)
{
	static const uint64_t ne4[] = { 4 }, ne0[] = { 0 }, ne100[] = { 100 };
	static const uint64_t big[] = { 1ull << 32, 1ull << 32 };
	struct mk_buf body = { 0 };
	uint8_t *p, hdr[24];
	size_t n;

	expect_fail((const uint8_t *)"", 0, "truncated file: magic", "empty file");
	expect_fail((const uint8_t *)"GGML\3\0\0\0", 8, "not a GGUF file", "bad magic");
	p = craft(1, 0, 0, NULL, 0, &n);
	expect_fail(p, n, "version 1 is not supported", "version 1");
	free(p);
	p = craft(4, 0, 0, NULL, 0, &n);
	expect_fail(p, n, "unsupported GGUF version 4", "version 4");
	free(p);
	p = craft(3u << 24, 0, 0, NULL, 0, &n);
	expect_fail(p, n, "big-endian", "big-endian file");
	free(p);
	put32(hdr, GGUF_MAGIC);
	put32(hdr + 4, 3);
	put64(hdr + 8, 0);
	put64(hdr + 16, UINT64_MAX);
	expect_fail(hdr, 24, "metadata entries cannot fit", "huge metadata count");
	put64(hdr + 8, 1ull << 62);
	put64(hdr + 16, 0);
	expect_fail(hdr, 24, "tensors cannot fit", "huge tensor count");

	body.len = 0;
	mk_str(&body, "k");
	mk_u32(&body, 8);
	mk_u64(&body, 1ull << 60);
	p = craft(3, 0, 1, &body, 0, &n);
	expect_fail(p, n, "string length 1152921504606846976", "huge string length");
	free(p);
	body.len = 0;
	mk_str(&body, "k");
	mk_u32(&body, 9);
	mk_u32(&body, 8);
	mk_u64(&body, 1ull << 40);
	p = craft(3, 0, 1, &body, 0, &n);
	expect_fail(p, n, "array of 1099511627776 string elements does not fit",
		    "huge array of strings");
	free(p);
	body.len = 0;
	mk_str(&body, "k");
	mk_u32(&body, 9);
	mk_u32(&body, 10);
	mk_u64(&body, UINT64_MAX / 4);
	p = craft(3, 0, 1, &body, 0, &n);
	expect_fail(p, n, "does not fit", "huge uint64 array (overflow of n * 8)");
	free(p);
	body.len = 0;
	mk_str(&body, "k");
	mk_u32(&body, 13);
	p = craft(3, 0, 1, &body, 0, &n);
	expect_fail(p, n, "unknown value type 13", "unknown value type");
	free(p);
	body.len = 0;
	mk_str(&body, "k");
	mk_u32(&body, 9);
	mk_u32(&body, 9);
	mk_u64(&body, 1);
	p = craft(3, 0, 1, &body, 0, &n);
	expect_fail(p, n, "arrays of arrays", "nested array");
	free(p);
	body.len = 0;
	mk_str(&body, "k");
	mk_u32(&body, 9);
	mk_u32(&body, 77);
	mk_u64(&body, 1);
	p = craft(3, 0, 1, &body, 0, &n);
	expect_fail(p, n, "unknown array element type 77", "unknown array type");
	free(p);
	body.len = 0;
	mk_kv_u32(&body, &(uint64_t){ 0 }, "dup", 1);
	mk_kv_u32(&body, &(uint64_t){ 0 }, "dup", 2);
	p = craft(3, 0, 2, &body, 0, &n);
	expect_fail(p, n, "duplicated name 'dup'", "duplicated key");
	free(p);
	body.len = 0;
	mk_kv_u32(&body, &(uint64_t){ 0 }, "", 1);
	p = craft(3, 0, 1, &body, 0, &n);
	expect_fail(p, n, "key is empty", "empty key");
	free(p);
	body.len = 0;
	mk_kv_u32(&body, &(uint64_t){ 0 }, "general.alignment", 48);
	p = craft(3, 0, 1, &body, 0, &n);
	expect_fail(p, n, "general.alignment is 48", "alignment not a power of two");
	free(p);
	body.len = 0;
	mk_kv_str(&body, &(uint64_t){ 0 }, "general.alignment", "32");
	p = craft(3, 0, 1, &body, 0, &n);
	expect_fail(p, n, "general.alignment has type string", "alignment of a wrong type");
	free(p);

	body.len = 0;
	tinfo(&body, "a", 1, ne4, 0, 0);
	tinfo(&body, "a", 1, ne4, 0, 32);
	p = craft(3, 2, 0, &body, 64, &n);
	expect_fail(p, n, "duplicated name 'a'", "duplicated tensor name");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 5, (const uint64_t[]){ 1, 1, 1, 1, 1 }, 0, 0);
	p = craft(3, 1, 0, &body, 32, &n);
	expect_fail(p, n, "5 dimensions", "5 dimensions");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 1, ne0, 0, 0);
	p = craft(3, 1, 0, &body, 32, &n);
	expect_fail(p, n, "dimension 0 is 0", "zero dimension");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 2, big, 0, 0);
	p = craft(3, 1, 0, &body, 32, &n);
	expect_fail(p, n, "overflows", "element count overflow");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 2, (const uint64_t[]){ 1ull << 40, 1ull << 21 }, 0, 0);
	p = craft(3, 1, 0, &body, 32, &n);
	expect_fail(p, n, "need more bytes than the file has",
		    "n_elements * type size beyond the file");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 2, (const uint64_t[]){ 1ull << 31, 1ull << 31 },
	      GGML_TYPE_F64, 0);
	p = craft(3, 1, 0, &body, 32, &n);
	expect_fail(p, n, "need more bytes than the file has",
		    "F64 tensor of 2^62 elements (n_elements * 8 overflows)");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 1, ne4, 99, 0);
	p = craft(3, 1, 0, &body, 32, &n);
	expect_fail(p, n, "unknown tensor type 99", "unknown tensor type");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 1, ne100, GGML_TYPE_TQ2_0, 0);
	p = craft(3, 1, 0, &body, 32, &n);
	expect_fail(p, n, "not a multiple of the TQ2_0 block size 256",
		    "TQ2_0 row not a multiple of 256");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 1, ne4, 0, 8);
	p = craft(3, 1, 0, &body, 64, &n);
	expect_fail(p, n, "offset 8 is not a multiple of the alignment 32",
		    "misaligned offset");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 1, ne4, 0, 32);
	p = craft(3, 1, 0, &body, 32, &n);
	expect_fail(p, n, "past the end of the data section", "data past the end");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 1, ne4, 0, UINT64_MAX - 31);
	p = craft(3, 1, 0, &body, 32, &n);
	expect_fail(p, n, "past the end", "offset near 2^64 (overflow)");
	free(p);
	body.len = 0;
	tinfo(&body, "a_very_long_tensor_name_that_goes_past_the_ggml_limit_of_63_bytes",
	      1, ne4, 0, 0);
	p = craft(3, 1, 0, &body, 32, &n);
	expect_fail(p, n, "longer than 63 bytes", "tensor name too long");
	free(p);
	body.len = 0;
	tinfo(&body, "a", 1, ne4, 0, 0);
	p = craft(3, 1, 0, &body, 0, &n);
	n = 49;		/* cut inside the offset of the tensor info */
	expect_fail(p, n, "truncated file", "truncated tensor info");
	free(p);
	free(body.p);
}

/* ------------------------------------------------------------------ */
/* model-level errors                                                  */
/* ------------------------------------------------------------------ */

/* Overwrite the first occurrence of @from (@l bytes) with @to. */
static int patch_n(uint8_t *p, size_t n, const char *from, const char *to,
		   size_t l)
{
	for (size_t i = 0; i + l <= n; i++)
		if (!memcmp(p + i, from, l)) {
			memcpy(p + i, to, l);
			return 1;
		}
	return 0;
}

/* Overwrite the first occurrence of @from in @p with @to (same length). */
static int patch(uint8_t *p, size_t n, const char *from, const char *to)
{
	size_t l = strlen(from);

	for (size_t i = 0; i + l <= n; i++)
		if (!memcmp(p + i, from, l)) {
			memcpy(p + i, to, l);
			return 1;
		}
	return 0;
}

static void test_scale_tensor(uint64_t n);

static void test_model_errors(void)
{
	struct mdl_load_opts o = { LLA_WFMT_T2, -1, 0, NULL, NULL };
	struct gguf_file *f = NULL;
	struct mdl_desc *m = NULL;
	const struct gguf_tensor *t;
	size_t len, at;
	uint8_t *base = write_model("tiny", MK_TQ2_0, MK_SPM, 5, &len);
	uint8_t *p = malloc(len);
	int8_t *codes;
	float g;
	int e;

	memcpy(p, base, len);
	patch(p, len, "blk.1.ffn_up.weight", "blk.1.ffn_uq.weight");
	expect_load_fail(p, len, 0, "tensor blk.1.ffn_up.weight is missing",
			 "missing tensor");
	memcpy(p, base, len);
	patch(p, len, "bitnet-25.block_count", "bitnet-25.block_cnunt");
	expect_load_fail(p, len, 0, "'bitnet-25.block_count' is missing",
			 "missing hyper-parameter");
	memcpy(p, base, len);
	patch_n(p, len, "\x09\0\0\0\0\0\0\0bitnet-25", "\x09\0\0\0\0\0\0\0llama!!!!", 17);
	expect_load_fail(p, len, 0, "unsupported architecture 'llama!!!!'",
			 "other architecture");

	/* tensor-level patches need the parsed positions */
	gguf_parse(base, len, &f, err, sizeof(err));
	memcpy(p, base, len);
	at = tinfo_at(f, "blk.0.attn_k.weight");
	put64(p + at + 4 + 8, 256);	/* ne[1] 128 -> 256 */
	expect_load_fail(p, len, 0, "blk.0.attn_k.weight has shape [256, 256",
			 "wrong matrix shape");
	memcpy(p, base, len);
	at = tinfo_at(f, "blk.0.attn_norm.weight");
	put32(p + at + 4 + 8, GGML_TYPE_Q8_0);	/* F32 -> Q8_0: 256/32*34 */
	expect_load_fail(p, len, 0, "blk.0.attn_norm.weight has type Q8_0",
			 "unsupported norm type");

	/* TQ2_0 block scales: make block 1 of blk.0.attn_q differ */
	t = gguf_find_tensor(f, "blk.0.attn_q.weight");
	memcpy(p, base, len);
	at = (size_t)(t->data - f->base);
	p[at + 66 + 64] ^= 0x01;	/* d of block 1: one ulp off */
	expect_load_fail(p, len, 0, "per-block scales differ", "differing TQ2_0 block scales");
	{
		struct gguf_file *f2 = NULL;
		int8_t *ref = malloc(t->n_elements);
		float *w = malloc(t->n_elements * sizeof(float));
		double sum = 0;
		float rg;

		o.flags = MDL_F_REQUANTIZE;
		e = gguf_parse(p, len, &f2, err, sizeof(err));
		if (!e)
			e = mdl_load(f2, &o, &m, err, sizeof(err));
		tap_ok(!e && (m->layers[0].wq.flags & MDL_MAT_REQUANTIZED),
		       "with MDL_F_REQUANTIZE the same file loads (%s)", err);
		/* naive absmean of code * d, computed here */
		ref_tq2(p + at, ref);
		for (uint64_t b = 0; b < t->n_elements / 256; b++) {
			int8_t c[256];

			ref_tq2(p + at + b * 66, c);
			for (int i = 0; i < 256; i++) {
				w[b * 256 + i] = (float)c[i] * h2f(p + at + b * 66 + 64);
				sum += fabs((double)w[b * 256 + i]);
			}
		}
		rg = (float)(sum / (double)t->n_elements);
		for (uint64_t i = 0; i < t->n_elements; i++) {
			float q = w[i] / rg;

			ref[i] = q > 0.5f ? 1 : q < -0.5f ? -1 : 0;
		}
		if (!e) {
			int8_t *dev = malloc(t->n_elements);
			const struct mdl_matrix *mx = &m->layers[0].wq;

			for (uint32_t r = 0; r < mx->n; r++)
				lla_unpack_row(LLA_WFMT_T2, mx->rows + r * mx->row_bytes,
					       mx->k, dev + (size_t)r * mx->k);
			tap_ok(mx->gamma == rg && !memcmp(dev, ref, t->n_elements),
			       "requantized: gamma %g == naive absmean %g, codes equal",
			       (double)mx->gamma, (double)rg);
			free(dev);
		}
		mdl_free(m);
		m = NULL;
		gguf_close(f2);
		free(ref);
		free(w);
		o.flags = 0;
	}

	/* an all-zero block with another scale does not count; sign flips */
	memcpy(p, base, len);
	memset(p + at + 66, 0x55, 64);		/* block 1: all codes 0 */
	p[at + 66 + 64] ^= 0x01;
	p[at + 2 * 66 + 65] ^= 0x80;		/* block 2: d negated */
	{
		struct gguf_file *f2 = NULL;

		e = gguf_parse(p, len, &f2, err, sizeof(err));
		if (!e)
			e = mdl_load(f2, &o, &m, err, sizeof(err));
		codes = malloc(t->n_elements);
		ref_decode(gguf_find_tensor(f2, "blk.0.attn_q.weight"), codes, &g);
		if (!e) {
			int8_t row[256];

			/* block 2 is row 0, elements 512..767 (k = 256: row 2) */
			lla_unpack_row(LLA_WFMT_T2, m->layers[0].wq.rows +
				       2 * m->layers[0].wq.row_bytes, 256, row);
			e = 0;
			for (int i = 0; i < 256; i++)
				if (row[i] != -codes[512 + i])
					e = 1;
			lla_unpack_row(LLA_WFMT_T2, m->layers[0].wq.rows +
				       m->layers[0].wq.row_bytes, 256, row);
			for (int i = 0; i < 256; i++)
				if (row[i])
					e = 1;
		}
		tap_ok(!e, "zero block ignored for the scale, negative d flips codes");
		mdl_free(m);
		m = NULL;
		gguf_close(f2);
		free(codes);
	}

	/* TQ2_0 code 3 */
	memcpy(p, base, len);
	p[at + 5] |= 0x03;
	expect_load_fail(p, len, 0, "holds the code 3", "non-ternary TQ2_0 code");

	gguf_close(f);
	free(p);
	free(base);
	test_scale_tensor(1);
	test_scale_tensor(2);
}

/* The tiny file plus a tensor blk.0.attn_q.scale of @n F32 elements. */
static void test_scale_tensor(uint64_t n)
{
	struct mdl_load_opts o = { LLA_WFMT_T2, -1, 0, NULL, NULL };
	const struct gguf_tensor *q;
	struct gguf_file *f = NULL, *f2 = NULL;
	struct mdl_desc *m = NULL;
	struct mk_buf b = { 0 };
	uint64_t data_off = 0;
	size_t len, kv1;
	uint8_t *base = write_model("tiny", MK_TQ2_0, MK_SPM, 5, &len);
	int8_t *codes;
	float g, s = 0.5f;
	int e;

	gguf_parse(base, len, &f, err, sizeof(err));
	q = gguf_find_tensor(f, "blk.0.attn_q.weight");
	mk_u32(&b, GGUF_MAGIC);
	mk_u32(&b, 3);
	mk_u64(&b, f->n_tensors + 1);
	mk_u64(&b, f->n_kv);
	/* the metadata bytes verbatim, then the tensor infos re-encoded */
	kv1 = (size_t)((const uint8_t *)f->tensors[0].name.p - f->base) - 8;
	mk_put(&b, base + 24, kv1 - 24);
	for (uint64_t i = 0; i < f->n_tensors; i++) {
		const struct gguf_tensor *x = &f->tensors[i];

		mk_strn(&b, x->name.p, x->name.len);
		mk_u32(&b, x->n_dims);
		for (uint32_t d = 0; d < x->n_dims; d++)
			mk_u64(&b, x->ne[d]);
		mk_u32(&b, x->type);
		mk_u64(&b, x->offset);
		data_off = x->offset + (x->nbytes + 31) / 32 * 32;
	}
	tinfo(&b, "blk.0.attn_q.scale", 1, &n, 0, data_off);
	while (b.len % 32)
		mk_u8(&b, 0);
	mk_put(&b, base + f->data_offset, len - f->data_offset);
	while (b.len % 32)
		mk_u8(&b, 0);
	for (uint64_t i = 0; i < n; i++)
		mk_f32(&b, s);
	e = gguf_parse(b.p, b.len, &f2, err, sizeof(err));
	if (!e)
		e = mdl_load(f2, &o, &m, err, sizeof(err));
	if (n == 1) {
		codes = malloc(q->n_elements);
		ref_decode(q, codes, &g);
		tap_ok(!e && m->layers[0].wq.gamma == g * s &&
		       (m->layers[0].wq.flags & MDL_MAT_SCALED) &&
		       !(m->layers[0].wk.flags & MDL_MAT_SCALED),
		       "blk.0.attn_q.scale multiplies gamma: %g * %g (%s)",
		       (double)g, (double)s, err);
		free(codes);
	} else {
		tap_ok(e == -EINVAL && strstr(err, "blk.0.attn_q.scale has 2 elements"),
		       "a .scale tensor of 2 elements is refused: '%s'", err);
	}
	mdl_free(m);
	gguf_close(f2);
	gguf_close(f);
	free(b.p);
	free(base);
}

/* A separate output head (mkmodel --untied). */
static void test_untied(void)
{
	struct mk_opts mo = { "tiny", NULL, MK_TQ2_0, MK_SPM, 0, 4, 1, 1, 0 };
	struct gguf_str s = { NULL, 0 };
	const struct gguf_tensor *out, *emb;
	struct gguf_file *f = NULL;
	struct mdl_desc *m = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	int e;

	mk_write_model(fp, &mo);
	fclose(fp);
	e = gguf_parse(buf, len, &f, err, sizeof(err));
	if (!e)
		e = mdl_load(f, NULL, &m, err, sizeof(err));
	if (tap_ok(!e, "untied tiny (--untied --act silu) loads with default options (%s)",
		   err)) {
		out = gguf_find_tensor(f, "output.weight");
		emb = gguf_find_tensor(f, "token_embd.weight");
		tap_ok(!gguf_get_str(f, "general.architecture", &s, err,
				     sizeof(err)) &&
		       gguf_str_eq(s, MDL_ARCH_LLMACCEL) &&
		       !strcmp(m->hp.arch, MDL_ARCH_LLMACCEL) &&
		       !gguf_get_str(f, "llmaccel.ffn_activation", &s, err,
				     sizeof(err)) && gguf_str_eq(s, "silu"),
		       "an untied head is written under " MDL_ARCH_LLMACCEL
		       ", its activation in llmaccel.ffn_activation");
		tap_ok(out && f->n_tensors == 25 && !m->head_tied &&
		       !m->head_shared && m->head != m->tok_embd &&
		       !memcmp(m->head, out->data, out->nbytes) &&
		       memcmp(out->data, emb->data, out->nbytes) &&
		       m->hp.ffn_act == LLA_ACT_SILU,
		       "head is an fp16 copy of output.weight, not the embedding; silu from the file");
	}
	mdl_free(m);
	gguf_close(f);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* llama.cpp's "bitnet" layout                                         */
/* ------------------------------------------------------------------ */

/*
 * The KV keys of a llama.cpp "bitnet" file, with their GGUF types, as the
 * llama.cpp loader knows them (LLM_KV_NAMES in src/llama-arch.cpp of
 * ggml-org/llama.cpp; the loader requires block_count, context_length,
 * embedding_length, feed_forward_length, attention.head_count, and
 * llama_model_bitnet::load_arch_hparams in src/models/bitnet.cpp
 * attention.layer_norm_rms_epsilon).  A file mkmodel writes for
 * llama.cpp holds exactly these, nothing of ours.
 */
static const struct {
	const char *key;
	uint32_t type, arr;	/* GGUF_T_*; arr: element type of arrays */
	int tok;		/* -1 any tokenizer, else MK_SPM / MK_BPE */
} llama_keys[] = {
	{ "general.architecture", GGUF_T_STRING, 0, -1 },
	{ "general.name", GGUF_T_STRING, 0, -1 },
	{ "general.alignment", GGUF_T_UINT32, 0, -1 },
	{ "general.quantization_version", GGUF_T_UINT32, 0, -1 },
	{ "general.file_type", GGUF_T_UINT32, 0, -1 },
	{ "bitnet.context_length", GGUF_T_UINT32, 0, -1 },
	{ "bitnet.embedding_length", GGUF_T_UINT32, 0, -1 },
	{ "bitnet.block_count", GGUF_T_UINT32, 0, -1 },
	{ "bitnet.feed_forward_length", GGUF_T_UINT32, 0, -1 },
	{ "bitnet.attention.head_count", GGUF_T_UINT32, 0, -1 },
	{ "bitnet.attention.head_count_kv", GGUF_T_UINT32, 0, -1 },
	{ "bitnet.rope.freq_base", GGUF_T_FLOAT32, 0, -1 },
	{ "bitnet.rope.dimension_count", GGUF_T_UINT32, 0, -1 },
	{ "bitnet.attention.layer_norm_rms_epsilon", GGUF_T_FLOAT32, 0, -1 },
	{ "bitnet.vocab_size", GGUF_T_UINT32, 0, -1 },
	{ "tokenizer.ggml.model", GGUF_T_STRING, 0, -1 },
	{ "tokenizer.ggml.pre", GGUF_T_STRING, 0, -1 },
	{ "tokenizer.ggml.tokens", GGUF_T_ARRAY, GGUF_T_STRING, -1 },
	{ "tokenizer.ggml.scores", GGUF_T_ARRAY, GGUF_T_FLOAT32, -1 },
	{ "tokenizer.ggml.token_type", GGUF_T_ARRAY, GGUF_T_INT32, -1 },
	{ "tokenizer.ggml.merges", GGUF_T_ARRAY, GGUF_T_STRING, MK_BPE },
	{ "tokenizer.ggml.bos_token_id", GGUF_T_UINT32, 0, -1 },
	{ "tokenizer.ggml.eos_token_id", GGUF_T_UINT32, 0, -1 },
	{ "tokenizer.ggml.unknown_token_id", GGUF_T_UINT32, 0, MK_SPM },
	{ "tokenizer.ggml.add_bos_token", GGUF_T_BOOL, 0, -1 },
	{ "tokenizer.ggml.add_space_prefix", GGUF_T_BOOL, 0, MK_SPM },
};
#define N_LLAMA_KEYS (sizeof(llama_keys) / sizeof(llama_keys[0]))

struct lt {
	char name[64];
	uint32_t nd;
	uint64_t ne0, ne1;
};

/*
 * The tensors of llama.cpp's "bitnet" (llama_model_bitnet::load_arch_tensors
 * in src/models/bitnet.cpp of ggml-org/llama.cpp, the LLM_ARCH_BITNET list
 * of src/llama-arch.cpp): token_embd {n_embd, n_vocab}, output_norm
 * {n_embd}, per layer attn_norm and attn_sub_norm {n_embd}, attn_q
 * {n_embd, n_embd}, attn_k and attn_v {n_embd, n_embd_gqa}, attn_output
 * {n_embd, n_embd}, ffn_norm {n_embd}, ffn_sub_norm {n_ff}, ffn_gate and
 * ffn_up {n_embd, n_ff}, ffn_down {n_ff, n_embd}; the ".scale" tensors are
 * optional (mkmodel writes none).  No output tensor: the graph multiplies
 * by tok_embd, and the loader refuses a file with more tensors ("wrong
 * number of tensors").
 */
static uint32_t llama_tensors(uint32_t L, uint64_t e, uint64_t ff,
			      uint64_t gqa, uint64_t nv, struct lt *t)
{
	uint32_t n = 0;

#define LT(nd_, a, b, ...)						\
	do {								\
		snprintf(t[n].name, sizeof(t[n].name), __VA_ARGS__);	\
		t[n].nd = nd_;						\
		t[n].ne0 = a;						\
		t[n].ne1 = b;						\
		n++;							\
	} while (0)
	LT(2, e, nv, "token_embd.weight");
	LT(1, e, 1, "output_norm.weight");
	for (uint32_t i = 0; i < L; i++) {
		LT(1, e, 1, "blk.%u.attn_norm.weight", i);
		LT(1, e, 1, "blk.%u.attn_sub_norm.weight", i);
		LT(2, e, e, "blk.%u.attn_q.weight", i);
		LT(2, e, gqa, "blk.%u.attn_k.weight", i);
		LT(2, e, gqa, "blk.%u.attn_v.weight", i);
		LT(2, e, e, "blk.%u.attn_output.weight", i);
		LT(1, e, 1, "blk.%u.ffn_norm.weight", i);
		LT(1, ff, 1, "blk.%u.ffn_sub_norm.weight", i);
		LT(2, e, ff, "blk.%u.ffn_gate.weight", i);
		LT(2, ff, e, "blk.%u.ffn_down.weight", i);
		LT(2, e, ff, "blk.%u.ffn_up.weight", i);
	}
#undef LT
	return n;
}

/*
 * Does the file of @f (its tensors given as @have, @nh entries) hold
 * exactly llama.cpp's "bitnet" layout?  Reports one TAP line per aspect.
 */
static int check_llama_layout(const struct gguf_file *f, const struct lt *have,
			      uint64_t nh, const char *what)
{
	uint32_t L = 0, e = 0, ff = 0, nhd = 0, nkv = 0, nv = 0, n;
	const struct gguf_kv *kv;
	struct gguf_str s = { NULL, 0 };
	int tok, keys_ok = 1, shape_ok = 1, all = 1;
	struct lt *want;

	tap_ok(!gguf_get_str(f, "general.architecture", &s, err, sizeof(err)) &&
	       gguf_str_eq(s, "bitnet"), "%s: general.architecture = bitnet",
	       what);
	tok = !gguf_get_str(f, "tokenizer.ggml.model", &s, err, sizeof(err)) &&
	      gguf_str_eq(s, "gpt2") ? MK_BPE : MK_SPM;
	n = 0;
	for (size_t i = 0; i < N_LLAMA_KEYS; i++) {
		if (llama_keys[i].tok >= 0 && llama_keys[i].tok != tok)
			continue;
		n++;
		kv = gguf_find_kv(f, llama_keys[i].key);
		if (!kv || kv->type != llama_keys[i].type ||
		    (kv->type == GGUF_T_ARRAY &&
		     kv->arr_type != llama_keys[i].arr)) {
			tap_diag("%s: key %s missing or of another type", what,
				 llama_keys[i].key);
			keys_ok = 0;
		}
	}
	if (f->n_kv != n) {
		for (uint64_t i = 0; i < f->n_kv; i++) {
			size_t k;

			for (k = 0; k < N_LLAMA_KEYS; k++)
				if (gguf_str_eq(f->kv[i].key, llama_keys[k].key))
					break;
			if (k == N_LLAMA_KEYS)
				tap_diag("%s: key %.*s is not llama.cpp's", what,
					 (int)f->kv[i].key.len, f->kv[i].key.p);
		}
		keys_ok = 0;
	}
	all &= tap_ok(keys_ok, "%s: exactly the %u KV keys of llama.cpp's bitnet "
		      "layout (%s tokenizer), with their types", what, n,
		      tok == MK_BPE ? "gpt2" : "llama");
	gguf_get_u32(f, "bitnet.block_count", &L, err, sizeof(err));
	gguf_get_u32(f, "bitnet.embedding_length", &e, err, sizeof(err));
	gguf_get_u32(f, "bitnet.feed_forward_length", &ff, err, sizeof(err));
	gguf_get_u32(f, "bitnet.attention.head_count", &nhd, err, sizeof(err));
	gguf_get_u32(f, "bitnet.attention.head_count_kv", &nkv, err,
		     sizeof(err));
	gguf_get_u32(f, "bitnet.vocab_size", &nv, err, sizeof(err));
	if (!L || !e || !ff || !nhd || !nkv || !nv || L > 64)
		return tap_ok(0, "%s: hyper-parameters for the tensor list", what);
	want = calloc(2 + 11ull * L, sizeof(*want));
	n = llama_tensors(L, e, ff, (uint64_t)e / nhd * nkv, nv, want);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t j;

		for (j = 0; j < nh; j++)
			if (!strcmp(have[j].name, want[i].name))
				break;
		if (j == nh || have[j].nd != want[i].nd ||
		    have[j].ne0 != want[i].ne0 || have[j].ne1 != want[i].ne1) {
			tap_diag("%s: tensor %s missing or of another shape",
				 what, want[i].name);
			shape_ok = 0;
		}
	}
	all &= tap_ok(shape_ok && nh == n, "%s: exactly the %u tensors of "
		      "llama.cpp's bitnet layout (%llu in the file), no "
		      "output.weight", what, n, (unsigned long long)nh);
	free(want);
	return all;
}

static struct lt *file_tensors(const struct gguf_file *f)
{
	struct lt *t = calloc(f->n_tensors + 1, sizeof(*t));

	for (uint64_t i = 0; t && i < f->n_tensors; i++) {
		const struct gguf_tensor *x = &f->tensors[i];

		snprintf(t[i].name, sizeof(t[i].name), "%.*s", (int)x->name.len,
			 x->name.p);
		t[i].nd = x->n_dims;
		t[i].ne0 = x->ne[0];
		t[i].ne1 = x->n_dims > 1 ? x->ne[1] : 1;
	}
	return t;
}

/*
 * mkmodel's SiLU presets (tied, as they all are) in every weight type:
 * llama.cpp's layout.  bitnet-0.7b is checked without its 0.4 GB of data:
 * its metadata in a file of no tensors, and mkmodel's tensor list.
 */
static void test_llama_layout(void)
{
	static const uint32_t types[] = { MK_TQ2_0, MK_TQ1_0, MK_I2_S, MK_F16 };
	const char *presets[] = { "tiny", "micro" };

	for (size_t pi = 0; pi < 2; pi++)
		for (size_t ti = 0; ti < 4; ti++) {
			struct mk_opts o = { presets[pi], NULL, types[ti],
					     ti == 2 ? MK_BPE : -1, 0, 2, 1, 0, 0 };
			struct gguf_file *f = NULL;
			struct mdl_desc *m = NULL;
			struct lt *t = NULL;
			char what[64];
			size_t len = 0;
			uint8_t *buf = write_model_opts(&o, &len);
			int e;

			snprintf(what, sizeof(what), "%s --act silu --type %s%s",
				 presets[pi], gguf_type_name(types[ti]),
				 ti == 2 ? " --tokenizer bpe" : "");
			e = buf ? gguf_parse(buf, len, &f, err, sizeof(err)) : -1;
			if (!e)
				t = file_tensors(f);
			if (!tap_ok(!e && t, "%s: parses (%s)", what, err)) {
				free(buf);
				continue;
			}
			check_llama_layout(f, t, f->n_tensors, what);
			e = mdl_load(f, NULL, &m, err, sizeof(err));
			tap_ok(!e && m->hp.ffn_act == LLA_ACT_SILU && m->head_tied,
			       "%s: loads as SiLU with the tied head (%s)", what,
			       err);
			mdl_free(m);
			free(t);
			gguf_close(f);
			free(buf);
		}
	{
		const struct mk_preset *p = mk_preset_find("bitnet-0.7b");
		struct mk_opts o = { "bitnet-0.7b", NULL, MK_TQ2_0, -1, -1, 1, 1,
				     0, 0 };
		struct mk_buf kv = { 0 }, b = { 0 };
		struct mk_tensor *mt = calloc(11ull * p->n_layer + 4, sizeof(*mt));
		struct lt *t = calloc(11ull * p->n_layer + 4, sizeof(*t));
		struct gguf_file *f = NULL;
		struct mk_vocab v;
		uint64_t nkv = 0;
		uint32_t nt;
		int e;

		e = mk_vocab_build(&v, p->tok, p->n_vocab);
		mk_meta(&kv, &nkv, p, &o, &v, p->tok, p->relu2);
		mk_u32(&b, GGUF_MAGIC);
		mk_u32(&b, 3);
		mk_u64(&b, 0);
		mk_u64(&b, nkv);
		mk_put(&b, kv.p, kv.len);
		if (!e)
			e = gguf_parse(b.p, b.len, &f, err, sizeof(err));
		nt = mk_tensor_list(p, o.wtype, !o.untied, mt);
		for (uint32_t i = 0; i < nt; i++) {
			snprintf(t[i].name, sizeof(t[i].name), "%s", mt[i].name);
			t[i].nd = mt[i].ne1 ? 2 : 1;
			t[i].ne0 = mt[i].ne0;
			t[i].ne1 = mt[i].ne1 ? mt[i].ne1 : 1;
		}
		if (tap_ok(!e, "bitnet-0.7b: metadata parses (%s)", err))
			check_llama_layout(f, t, nt, "bitnet-0.7b (SiLU preset)");
		gguf_close(f);
		mk_vocab_free(&v);
		free(kv.p);
		free(b.p);
		free(mt);
		free(t);
	}
}

/* Bytes of one GGUF value of scalar type @t. */
static size_t vsize(uint32_t t)
{
	static const size_t sz[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };

	return t < sizeof(sz) / sizeof(sz[0]) ? sz[t] : 0;
}

/*
 * The file @p re-encoded under architecture @to: general.architecture and
 * every "<arch>." key renamed (other names have other lengths, so the
 * bytes cannot simply be patched), tensors as they are.  NULL on error.
 */
static uint8_t *rename_arch_kv(const uint8_t *p, size_t n, const char *to,
			       const char *xk, const char *xv, size_t *len)
{
	struct gguf_file *f = NULL;
	struct mk_buf b = { 0 };
	struct gguf_str arch = { NULL, 0 };

	if (gguf_parse(p, n, &f, err, sizeof(err)) ||
	    gguf_get_str(f, "general.architecture", &arch, err, sizeof(err))) {
		gguf_close(f);
		return NULL;
	}
	mk_u32(&b, GGUF_MAGIC);
	mk_u32(&b, 3);
	mk_u64(&b, f->n_tensors);
	mk_u64(&b, f->n_kv + (xk != NULL));
	if (xk) {
		char key[128];

		snprintf(key, sizeof(key), "%s.%s", to, xk);
		mk_kv_str(&b, &(uint64_t){ 0 }, key, xv);
	}
	for (uint64_t i = 0; i < f->n_kv; i++) {
		const struct gguf_kv *kv = &f->kv[i];
		struct gguf_str k = kv->key;

		if (k.len > arch.len && !memcmp(k.p, arch.p, arch.len) &&
		    k.p[arch.len] == '.') {
			char key[128];

			snprintf(key, sizeof(key), "%s%.*s", to,
				 (int)(k.len - arch.len), k.p + arch.len);
			mk_str(&b, key);
		} else {
			mk_strn(&b, k.p, k.len);
		}
		mk_u32(&b, kv->type);
		if (kv->type == GGUF_T_STRING) {
			if (gguf_str_eq(k, "general.architecture"))
				mk_str(&b, to);
			else
				mk_strn(&b, kv->strs[0].p, kv->strs[0].len);
		} else if (kv->type == GGUF_T_ARRAY) {
			mk_u32(&b, kv->arr_type);
			mk_u64(&b, kv->n);
			for (uint64_t j = 0; kv->arr_type == GGUF_T_STRING &&
			     j < kv->n; j++)
				mk_strn(&b, kv->strs[j].p, kv->strs[j].len);
			if (kv->arr_type != GGUF_T_STRING)
				mk_put(&b, kv->data, kv->n * vsize(kv->arr_type));
		} else {
			mk_put(&b, kv->data, vsize(kv->type));
		}
	}
	for (uint64_t i = 0; i < f->n_tensors; i++) {
		const struct gguf_tensor *x = &f->tensors[i];

		mk_strn(&b, x->name.p, x->name.len);
		mk_u32(&b, x->n_dims);
		for (uint32_t d = 0; d < x->n_dims; d++)
			mk_u64(&b, x->ne[d]);
		mk_u32(&b, x->type);
		mk_u64(&b, x->offset);
	}
	while (b.len % f->alignment)
		mk_u8(&b, 0);
	mk_put(&b, p + f->data_offset, n - f->data_offset);
	gguf_close(f);
	*len = b.len;
	if (b.oom)
		free(b.p);
	return b.oom ? NULL : b.p;
}

static uint8_t *rename_arch(const uint8_t *p, size_t n, const char *to,
			    size_t *len)
{
	return rename_arch_kv(p, n, to, NULL, NULL, len);
}

/* Load @p and check its architecture and activation, or the failure. */
static void arch_case(const uint8_t *p, size_t n, const char *arch, int act,
		      const char *fail, const char *what)
{
	struct gguf_file *f = NULL;
	struct mdl_desc *m = NULL;
	int e = p ? gguf_parse(p, n, &f, err, sizeof(err)) : -1;

	if (!e)
		e = mdl_load(f, NULL, &m, err, sizeof(err));
	if (fail)
		tap_ok(e == -EINVAL && !m && strstr(err, fail),
		       "%s: refused: '%s'", what, err);
	else
		tap_ok(!e && !strcmp(m->hp.arch, arch) && m->hp.ffn_act == act,
		       "%s: architecture %s, %s FFN (%s)", what, arch,
		       act == LLA_ACT_RELU2 ? "relu2" : "silu", err);
	mdl_free(m);
	gguf_close(f);
}

/*
 * The architecture names the activation, for mkmodel and the loader:
 * relu^2 files are "bitnet-25" (bitnet.cpp's "bitnet-b1.58" is the same
 * graph), SiLU files "bitnet", untied heads "llmaccel-bitnet" with the
 * activation in llmaccel.ffn_activation, which is refused wherever it
 * contradicts the architecture; so is llama.cpp's <arch>.hidden_activation.
 */
static void test_arch_rules(void)
{
	struct mk_opts o = { "micro", NULL, MK_TQ2_0, -1, -1, 3, 1, 0, 0 };
	size_t len = 0, l2 = 0;
	uint8_t *buf = write_model_opts(&o, &len), *b2;

	arch_case(buf, len, "bitnet-25", LLA_ACT_RELU2, NULL,
		  "micro (relu2 preset)");
	b2 = rename_arch(buf, len, "bitnet-b1.58", &l2);
	arch_case(b2, l2, "bitnet-b1.58", LLA_ACT_RELU2, NULL,
		  "the same file as bitnet-b1.58");
	free(b2);
	/* a relu^2 model under "bitnet" is what llama.cpp runs as SiLU */
	b2 = rename_arch(buf, len, "bitnet", &l2);
	arch_case(b2, l2, "bitnet", LLA_ACT_SILU, NULL,
		  "the relu2 weights renamed bitnet (llama.cpp's SiLU graph)");
	free(b2);
	b2 = rename_arch_kv(buf, len, "bitnet", "hidden_activation", "silu", &l2);
	arch_case(b2, l2, "bitnet", LLA_ACT_SILU, NULL,
		  "bitnet with bitnet.hidden_activation = silu");
	free(b2);
	/* llama.cpp's table has no relu2: it would fall back to SiLU */
	b2 = rename_arch_kv(buf, len, "bitnet", "hidden_activation", "relu2", &l2);
	arch_case(b2, l2, NULL, 0, "bitnet.hidden_activation = relu2 contradicts",
		  "bitnet with bitnet.hidden_activation = relu2");
	free(b2);
	b2 = rename_arch_kv(buf, len, "bitnet", "hidden_activation", "gelu", &l2);
	arch_case(b2, l2, NULL, 0, "must be \"relu2\" or \"silu\"",
		  "bitnet with bitnet.hidden_activation = gelu");
	free(b2);
	free(buf);

	o.act = 1;
	o.untied = 1;
	buf = write_model_opts(&o, &len);
	arch_case(buf, len, MDL_ARCH_LLMACCEL, LLA_ACT_RELU2, NULL,
		  "micro --untied (relu2)");
	b2 = rename_arch(buf, len, "bitnet", &l2);
	arch_case(b2, l2, NULL, 0, "llmaccel.ffn_activation = relu2 contradicts "
		  "architecture 'bitnet'",
		  "bitnet with llmaccel.ffn_activation = relu2 (old mkmodel files)");
	free(b2);
	b2 = rename_arch(buf, len, "bitnet-b1.58", &l2);
	arch_case(b2, l2, "bitnet-b1.58", LLA_ACT_RELU2, NULL,
		  "bitnet-b1.58 with an agreeing llmaccel.ffn_activation");
	free(b2);
	patch(buf, len, "llmaccel.ffn_activation", "llmaccel.ffn_activatioX");
	arch_case(buf, len, NULL, 0, "needs llmaccel.ffn_activation",
		  MDL_ARCH_LLMACCEL " without its activation key");
	free(buf);

	o.act = 0;
	buf = write_model_opts(&o, &len);
	b2 = rename_arch(buf, len, "bitnet", &l2);
	arch_case(b2, l2, "bitnet", LLA_ACT_SILU, NULL,
		  "bitnet with an agreeing llmaccel.ffn_activation = silu");
	free(b2);
	b2 = rename_arch(buf, len, "bitnet-25", &l2);
	arch_case(b2, l2, NULL, 0, "llmaccel.ffn_activation = silu contradicts "
		  "architecture 'bitnet-25'", "bitnet-25 with silu");
	free(b2);
	free(buf);
}

/*
 * Float matrices that are already ternary keep their codes and d; latent
 * ones are ternarized with absmean.  The rule on raw fp32 values (F32 and
 * BF16 files reach it as fp32 too).
 */
static void test_ternary_floats(void)
{
	const float d = 0.0371f, dh = lla_f16_to_f32(lla_f32_to_f16(d));
	float w[512], g = 0;
	int8_t c[512], want[512];
	uint64_t s = 5;
	int ok = 1;

	for (int i = 0; i < 512; i++) {
		want[i] = mk_code(&s);
		w[i] = d * want[i];
	}
	ok = ml_ternary_floats(w, 512, c, &g) && g == d && !memcmp(c, want, 512);
	tap_ok(ok, "fp32 values in {-d, 0, +d}: codes and d kept (d %g)", (double)g);
	/* magnitudes that differ below fp16 precision: d is their fp16 value */
	for (int i = 0; i < 512; i += 7)
		if (w[i] != 0)
			w[i] = nextafterf(w[i], 0);
	ok = ml_ternary_floats(w, 512, c, &g) && g == dh && dh != d &&
	     !memcmp(c, want, 512);
	tap_ok(ok, "magnitudes equal up to fp16 rounding: ternary, d = %g "
	       "(fp16 of %g)", (double)g, (double)d);
	/* one magnitude off by more than fp16 rounding: latent */
	for (int i = 0; i < 512; i++)
		if (w[i] != 0) {
			w[i] *= 1.01f;
			break;
		}
	tap_ok(!ml_ternary_floats(w, 512, c, &g),
	       "one magnitude 1%% off: latent, left to absmean");
	memset(w, 0, sizeof(w));
	ok = ml_ternary_floats(w, 512, c, &g) && g == 1.0f;
	for (int i = 0; i < 512; i++)
		ok = ok && c[i] == 0;
	tap_ok(ok, "an all-zero matrix: codes 0");
}

/* Options: T5 rows, int8 head, activation override. *//* Options: T5 rows, int8 head, activation override. */
static void test_options(void)
{
	struct mdl_load_opts o = { LLA_WFMT_T2, LLA_ACT_SILU, MDL_F_HEAD_I8,
				   NULL, NULL };
	struct gguf_file *f = NULL;
	struct mdl_desc *m = NULL;
	size_t len;
	uint8_t *buf = write_model("tiny", MK_TQ1_0, MK_SPM, 9, &len);
	int e = gguf_parse(buf, len, &f, err, sizeof(err)), ok = 1;

	if (!e)
		e = mdl_load(f, &o, &m, err, sizeof(err));
	if (!tap_ok(!e, "load with the int8 head and silu (%s)", err))
		goto out;
	tap_ok(m->hp.ffn_act == LLA_ACT_SILU, "ffn activation overridden to silu");
	/* naive int8 quantization of each head row */
	for (uint32_t r = 0; r < 400 && ok; r++) {
		const uint8_t *row = gguf_find_tensor(f, "token_embd.weight")->data +
				     (size_t)r * 512;
		float amax = 0, s, v;
		int q;

		for (int k = 0; k < 256; k++)
			amax = fmaxf(amax, fabsf(h2f(row + 2 * k)));
		s = 127.0f / fmaxf(amax, 1e-5f);
		for (int k = 0; k < 256 && ok; k++) {
			v = rintf(h2f(row + 2 * k) * s);
			q = v > 127 ? 127 : v < -128 ? -128 : (int)v;
			if (((int8_t *)m->head)[r * 256 + k] != q)
				ok = 0;
		}
		if (m->head_scale[r] != 1.0f / s)
			ok = 0;
	}
	tap_ok(ok && m->head_wfmt == LLA_WFMT_I8,
	       "int8 head: per-row absmax codes and scale 1/s of a naive quantizer");
	{
		struct lla_model_shape s;

		mdl_shape(m, 256, &s);
		tap_ok(lla_model_shape_check(&s) == LLA_OK && s.n_layer == 2 &&
		       s.head_wfmt == LLA_WFMT_I8 && s.embd_dtype == LLA_DTYPE_F16 &&
		       s.ffn_act == LLA_ACT_SILU,
		       "mdl_shape() gives a valid estimate shape");
	}
out:
	mdl_free(m);
	gguf_close(f);
	free(buf);
}

/* The T2/T5 layout written out digit by digit, independently of numerics.c. */
static void ref_pack(uint8_t wfmt, const int8_t *w, uint32_t k, uint8_t *dst)
{
	uint32_t per = wfmt == LLA_WFMT_T2 ? 4 : 5;

	for (uint32_t j = 0; j * per < k; j++) {
		uint32_t v = 0, weight = 1;

		for (uint32_t i = 0; i < per; i++) {
			uint32_t kk = j * per + i;
			uint32_t d = kk < k ? (uint32_t)(w[kk] + 1) : 1;

			v += wfmt == LLA_WFMT_T2 ? d << (2 * i) : d * weight;
			weight *= 3;
		}
		dst[j] = (uint8_t)v;
	}
}

/* The loader's packer (lla_pack_row) against the layout written out. */
static void test_pack(void)
{
	static const uint32_t ks[] = { 1, 3, 4, 5, 20, 255, 256, 260, 1000 };
	uint64_t s = 77;
	int ok = 1;

	for (int f = 0; f < 2; f++)
		for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
			uint8_t wfmt = f ? LLA_WFMT_T5 : LLA_WFMT_T2;
			uint32_t k = ks[i], rb = lla_wfmt_row_bytes(wfmt, k);
			int8_t w[1000];
			uint8_t a[256], b[256];

			for (uint32_t j = 0; j < k; j++)
				w[j] = mk_code(&s);
			memset(a, 0xa5, sizeof(a));
			memset(b, 0xa5, sizeof(b));
			ref_pack(wfmt, w, k, a);
			lla_pack_row(wfmt, w, k, b);
			if (memcmp(a, b, sizeof(a))) {
				tap_diag("wfmt %u k %u (%u bytes) differs", wfmt,
					 k, rb);
				ok = 0;
			}
		}
	tap_ok(ok, "lla_pack_row == the T2/T5 layout for 9 row lengths each");
}

/*
 * test_gguf --llama-layout FILE...: each file has exactly llama.cpp's
 * "bitnet" layout (mk/run.mk runs it on the default model of make run).
 */
static int check_files(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		struct gguf_file *f = NULL;
		struct lt *t = NULL;
		int e = gguf_open(argv[i], &f, err, sizeof(err));

		if (!e)
			t = file_tensors(f);
		if (tap_ok(!e && t, "%s opens (%s)", argv[i], err))
			check_llama_layout(f, t, f->n_tensors, argv[i]);
		free(t);
		gguf_close(f);
	}
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--llama-layout"))
		return check_files(argc, argv);
	test_pack();
	test_mkmodel_file(MK_TQ2_0, 0, MK_SPM, LLA_WFMT_T2);
	test_mkmodel_file(MK_TQ1_0, 0, MK_SPM, LLA_WFMT_T5);
	test_mkmodel_file(MK_I2_S, 0, MK_BPE, LLA_WFMT_T2);
	test_mkmodel_file(MK_F16, 0, MK_SPM, LLA_WFMT_T2);
	test_mkmodel_file(MK_F16, 1, MK_BPE, LLA_WFMT_T5);
	test_open_file();
	test_value_types();
	test_malformed();
	test_model_errors();
	test_options();
	test_untied();
	test_llama_layout();
	test_arch_rules();
	test_ternary_floats();
	return tap_done();
}
