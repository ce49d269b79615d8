// SPDX-License-Identifier: MIT
/*
 * BitNet model loading: hyper-parameters and tensors of a BitNet GGUF
 * (llama.cpp "bitnet", bitnet.cpp "bitnet-25" / "bitnet-b1.58", our
 * "llmaccel-bitnet"; docs/model-files.md) converted to the device formats
 * in host memory (see model.h for the conversion rules).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libaccel.h"
#include "llmaccel_model.h"
#include "model.h"

static int ml_nomem(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: out of memory", what);
	return -ENOMEM;
}

/* ------------------------------------------------------------------ */
/* hyper-parameters                                                    */
/* ------------------------------------------------------------------ */

/*
 * The architecture names the graph (docs/model-files.md): llama.cpp's
 * "bitnet" is SiLU; bitnet.cpp's "bitnet-25" and "bitnet-b1.58" (the names
 * Microsoft's relu^2 BitNet b1.58 files carry) are relu^2.  An untied
 * output head has no place in any of them, so llmaccel-mkmodel --untied
 * writes "llmaccel-bitnet", which names its activation in
 * llmaccel.ffn_activation and which no other reader opens.
 */
static const struct {
	const char *name;
	int act;	/* LLA_ACT_*, or -1: llmaccel.ffn_activation decides */
} ml_archs[] = {
	{ "bitnet", LLA_ACT_SILU },
	{ "bitnet-b1.58", LLA_ACT_RELU2 },
	{ "bitnet-25", LLA_ACT_RELU2 },
	{ MDL_ARCH_LLMACCEL, -1 },
};
#define ML_NARCHS (sizeof(ml_archs) / sizeof(ml_archs[0]))

static int ml_u32(const struct gguf_file *f, const char *arch,
		  const char *suffix, uint32_t *v, int required, char *err,
		  size_t errlen)
{
	char key[96];
	int e;

	snprintf(key, sizeof(key), "%s.%s", arch, suffix);
	e = gguf_get_u32(f, key, v, err, errlen);
	if (e == -ENOENT && required)
		return gguf_fail(err, errlen, "metadata '%s' is missing", key);
	if (e == -ENOENT)
		return 0;
	if (!e && *v == 0)
		return gguf_fail(err, errlen, "metadata '%s' is 0", key);
	return e;
}

static int ml_f32(const struct gguf_file *f, const char *arch,
		  const char *suffix, float *v, char *err, size_t errlen)
{
	char key[96];
	int e;

	snprintf(key, sizeof(key), "%s.%s", arch, suffix);
	e = gguf_get_f32(f, key, v, err, errlen);
	if (e == -ENOENT)
		return 0;
	if (!e && (!isfinite(*v) || *v <= 0))
		return gguf_fail(err, errlen, "metadata '%s' = %g must be finite and positive",
			       key, (double)*v);
	return e;
}

static void ml_copy_str(char *dst, size_t cap, struct gguf_str s)
{
	size_t n = s.len < cap - 1 ? (size_t)s.len : cap - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = s.p[i] >= 0x20 && s.p[i] < 0x7f ? s.p[i] : '?';
	dst[n] = 0;
}

static const char *ml_act_name(int act)
{
	return act == LLA_ACT_RELU2 ? "relu2" : "silu";
}

/*
 * An activation named by a key of the file: llmaccel.ffn_activation (ours)
 * or <arch>.hidden_activation (read by recent llama.cpp for "bitnet").
 * Neither may contradict the architecture: another reader would compute
 * another model from the same file.  -ENOENT if the key is absent.
 */
static int ml_act_key(const struct gguf_file *f, const char *key, int arch_act,
		      const char *arch, int *act, char *err, size_t errlen)
{
	struct gguf_str s = { NULL, 0 };
	int e = gguf_get_str(f, key, &s, err, errlen), v;

	if (e)
		return e;
	if (gguf_str_eq(s, "relu2"))
		v = LLA_ACT_RELU2;
	else if (gguf_str_eq(s, "silu") || gguf_str_eq(s, "swish") ||
		 gguf_str_eq(s, "swiglu"))
		v = LLA_ACT_SILU;
	else
		return gguf_fail(err, errlen,
			       "%s must be \"relu2\" or \"silu\"", key);
	if (arch_act >= 0 && v != arch_act)
		return gguf_fail(err, errlen,
			       "%s = %s contradicts architecture '%s', whose FFN is %s (llama.cpp's 'bitnet' is SiLU, bitnet.cpp's 'bitnet-25' and 'bitnet-b1.58' relu2: docs/model-files.md; llmaccel-mkmodel writes relu2 models as bitnet-25)",
			       key, ml_act_name(v), arch, ml_act_name(arch_act));
	*act = v;
	return 0;
}

static int ml_act(const struct gguf_file *f, const struct mdl_hparams *hp,
		  int arch_act, const struct mdl_load_opts *o, uint8_t *act,
		  char *err, size_t errlen)
{
	char key[96];
	int a = arch_act, e;

	e = ml_act_key(f, "llmaccel.ffn_activation", arch_act, hp->arch, &a,
		       err, errlen);
	if (e == -ENOENT && arch_act < 0)
		return gguf_fail(err, errlen,
			       "architecture '%s' needs llmaccel.ffn_activation",
			       hp->arch);
	if (e && e != -ENOENT)
		return e;
	snprintf(key, sizeof(key), "%s.hidden_activation", hp->arch);
	e = ml_act_key(f, key, a, hp->arch, &a, err, errlen);
	if (e && e != -ENOENT)
		return e;
	if (o && o->ffn_act >= 0) {
		if (o->ffn_act != LLA_ACT_RELU2 && o->ffn_act != LLA_ACT_SILU)
			return gguf_fail(err, errlen,
				       "ffn activation %d is not relu2 or silu",
				       o->ffn_act);
		a = o->ffn_act;
	}
	*act = (uint8_t)a;
	return 0;
}

static int ml_limits(const struct mdl_hparams *hp, char *err, size_t errlen)
{
	uint64_t qd = (uint64_t)hp->n_head * hp->head_dim;
	uint64_t kvd = (uint64_t)hp->n_head_kv * hp->head_dim;

	if (hp->n_head % hp->n_head_kv)
		return gguf_fail(err, errlen,
			       "head_count %u is not a multiple of head_count_kv %u",
			       hp->n_head, hp->n_head_kv);
	if (hp->head_dim % 2)
		return gguf_fail(err, errlen, "head dimension %u is odd",
			       hp->head_dim);
	if (hp->n_embd > LLA_MAX_K || hp->n_ff > LLA_MAX_K || qd > LLA_MAX_K)
		return gguf_fail(err, errlen,
			       "embedding_length %u, feed_forward_length %u or heads x head_dim %llu exceed the device limit %u",
			       hp->n_embd, hp->n_ff, (unsigned long long)qd,
			       LLA_MAX_K);
	if (hp->n_head > LLA_MAX_HEADS || hp->head_dim > LLA_MAX_HEAD_DIM ||
	    kvd > LLA_MAX_N)
		return gguf_fail(err, errlen,
			       "%u heads of dimension %u exceed the device limits (%u heads, %u)",
			       hp->n_head, hp->head_dim, LLA_MAX_HEADS,
			       LLA_MAX_HEAD_DIM);
	if (hp->n_vocab > LLA_MAX_N)
		return gguf_fail(err, errlen,
			       "vocabulary of %u tokens exceeds the device limit %u",
			       hp->n_vocab, LLA_MAX_N);
	return 0;
}

MDL_API int mdl_read_hparams(const struct gguf_file *f,
			     const struct mdl_load_opts *o,
			     struct mdl_hparams *hp, char *err, size_t errlen)
{
	const struct gguf_tensor *te;
	const struct gguf_kv *kv;
	struct gguf_str s = { NULL, 0 };
	uint32_t v = 0;
	size_t ai;
	int e;

	memset(hp, 0, sizeof(*hp));
	e = gguf_get_str(f, "general.architecture", &s, err, errlen);
	if (e == -ENOENT)
		return gguf_fail(err, errlen, "general.architecture is missing");
	if (e)
		return e;
	for (ai = 0; ai < ML_NARCHS; ai++)
		if (gguf_str_eq(s, ml_archs[ai].name))
			break;
	if (ai == ML_NARCHS) {
		ml_copy_str(hp->arch, sizeof(hp->arch), s);
		return gguf_fail(err, errlen,
			       "unsupported architecture '%s' (bitnet, bitnet-b1.58, bitnet-25, "
			       MDL_ARCH_LLMACCEL ")", hp->arch);
	}
	snprintf(hp->arch, sizeof(hp->arch), "%s", ml_archs[ai].name);
	if (!gguf_get_str(f, "general.name", &s, NULL, 0))
		ml_copy_str(hp->name, sizeof(hp->name), s);
	e = ml_u32(f, hp->arch, "block_count", &hp->n_layer, 1, err, errlen);
	if (!e)
		e = ml_u32(f, hp->arch, "embedding_length", &hp->n_embd, 1,
			   err, errlen);
	if (!e)
		e = ml_u32(f, hp->arch, "feed_forward_length", &hp->n_ff, 1,
			   err, errlen);
	if (!e)
		e = ml_u32(f, hp->arch, "attention.head_count", &hp->n_head, 1,
			   err, errlen);
	if (e)
		return e;
	hp->n_head_kv = hp->n_head;
	hp->n_ctx_train = 4096;
	hp->rope_theta = 10000.0f;
	hp->rms_eps = 1e-5f;
	e = ml_u32(f, hp->arch, "attention.head_count_kv", &hp->n_head_kv, 0,
		   err, errlen);
	if (!e)
		e = ml_u32(f, hp->arch, "context_length", &hp->n_ctx_train, 0,
			   err, errlen);
	if (!e)
		e = ml_f32(f, hp->arch, "rope.freq_base", &hp->rope_theta, err,
			   errlen);
	if (!e)
		e = ml_f32(f, hp->arch, "attention.layer_norm_rms_epsilon",
			   &hp->rms_eps, err, errlen);
	if (e)
		return e;
	if (hp->n_embd % hp->n_head)
		return gguf_fail(err, errlen,
			       "embedding_length %u is not a multiple of head_count %u",
			       hp->n_embd, hp->n_head);
	hp->head_dim = hp->n_embd / hp->n_head;
	e = ml_u32(f, hp->arch, "attention.key_length", &hp->head_dim, 0, err,
		   errlen);
	if (!e) {
		v = hp->head_dim;
		e = ml_u32(f, hp->arch, "attention.value_length", &v, 0, err,
			   errlen);
	}
	if (!e && v != hp->head_dim)
		return gguf_fail(err, errlen,
			       "attention.value_length %u differs from key_length %u",
			       v, hp->head_dim);
	if (!e) {
		v = hp->head_dim;
		e = ml_u32(f, hp->arch, "rope.dimension_count", &v, 0, err,
			   errlen);
	}
	if (!e && v != hp->head_dim)
		return gguf_fail(err, errlen,
			       "rope.dimension_count %u differs from the head dimension %u (partial rotary is not supported)",
			       v, hp->head_dim);
	if (e)
		return e;
	/* vocabulary: <arch>.vocab_size, else the tokenizer, else the table */
	te = gguf_find_tensor(f, "token_embd.weight");
	if (!te)
		return gguf_fail(err, errlen, "tensor token_embd.weight is missing");
	e = ml_u32(f, hp->arch, "vocab_size", &hp->n_vocab, 0, err, errlen);
	if (e)
		return e;
	if (!hp->n_vocab && !gguf_get_arr(f, "tokenizer.ggml.tokens",
					  GGUF_T_STRING, &kv, NULL, 0))
		hp->n_vocab = kv->n > UINT32_MAX ? UINT32_MAX : (uint32_t)kv->n;
	if (!hp->n_vocab)
		hp->n_vocab = te->ne[1] > UINT32_MAX ? UINT32_MAX :
			      (uint32_t)te->ne[1];
	e = ml_limits(hp, err, errlen);
	if (!e)
		e = ml_act(f, hp, ml_archs[ai].act, o, &hp->ffn_act, err,
			   errlen);
	if (e)
		return e;
	/* each layer has at least 11 tensors: bounds allocations by the file */
	if (hp->n_layer > f->n_tensors / 11)
		return gguf_fail(err, errlen,
			       "block_count %u but the file has only %llu tensors",
			       hp->n_layer, (unsigned long long)f->n_tensors);
	return 0;
}

/* ------------------------------------------------------------------ */
/* tensors                                                             */
/* ------------------------------------------------------------------ */

struct ml_ctx {
	const struct gguf_file *f;
	const struct mdl_load_opts *o;
	struct mdl_desc *m;
	char *err;
	size_t errlen;
	uint64_t done, total;
};

static void ml_progress(struct ml_ctx *c, const struct gguf_tensor *t,
			const char *name)
{
	c->done += t->nbytes;
	if (c->o && c->o->progress)
		c->o->progress(c->o->progress_ud, c->done, c->total, name);
}

/* Find @name and check its shape: [ne0] or [ne0, ne1] (ne1 0: vector). */
static int ml_find(struct ml_ctx *c, const char *name, uint64_t ne0,
		   uint64_t ne1, const struct gguf_tensor **out)
{
	const struct gguf_tensor *t = gguf_find_tensor(c->f, name);
	uint64_t want1 = ne1 ? ne1 : 1;

	*out = t;
	if (!t)
		return gguf_fail(c->err, c->errlen, "tensor %s is missing", name);
	if (t->ne[0] != ne0 || t->ne[1] != want1 || t->ne[2] != 1 ||
	    t->ne[3] != 1)
		return gguf_fail(c->err, c->errlen,
			       "tensor %s has shape [%llu, %llu, %llu, %llu], expected [%llu, %llu]",
			       name, (unsigned long long)t->ne[0],
			       (unsigned long long)t->ne[1],
			       (unsigned long long)t->ne[2],
			       (unsigned long long)t->ne[3],
			       (unsigned long long)ne0,
			       (unsigned long long)want1);
	return 0;
}

static float ml_bf16(uint16_t h)
{
	uint32_t b = (uint32_t)h << 16;
	float f;

	memcpy(&f, &b, 4);
	return f;
}

/* Elements [first, first + n) of a float tensor as fp32. */
static int ml_floats(struct ml_ctx *c, const struct gguf_tensor *t,
		     const char *name, uint64_t first, uint64_t n, float *out)
{
	const uint8_t *p = t->data;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t j = first + i;
		uint32_t b;

		switch (t->type) {
		case GGML_TYPE_F32:
			b = gguf_le32(p + 4 * j);
			memcpy(&out[i], &b, 4);
			break;
		case GGML_TYPE_F16:
			out[i] = lla_f16_to_f32(gguf_le16(p + 2 * j));
			break;
		case GGML_TYPE_BF16:
			out[i] = ml_bf16(gguf_le16(p + 2 * j));
			break;
		default:
			return gguf_fail(c->err, c->errlen,
				       "tensor %s has type %s (F32, F16 or BF16 expected)",
				       name, gguf_type_name(t->type));
		}
		if (!isfinite(out[i]))
			return gguf_fail(c->err, c->errlen,
				       "tensor %s: element %llu is not finite",
				       name, (unsigned long long)j);
	}
	return 0;
}

static float *ml_vector(struct ml_ctx *c, const char *name, uint32_t dim,
			int *e)
{
	const struct gguf_tensor *t;
	float *v;

	*e = ml_find(c, name, dim, 0, &t);
	if (*e)
		return NULL;
	v = malloc((size_t)dim * sizeof(float));
	if (!v) {
		*e = ml_nomem(c->err, c->errlen, name);
		return NULL;
	}
	*e = ml_floats(c, t, name, 0, dim, v);
	if (*e) {
		free(v);
		return NULL;
	}
	c->m->host_bytes += (uint64_t)dim * sizeof(float);
	ml_progress(c, t, name);
	return v;
}

/* ---- ternary decoding ---- */

static int ml_tq2_block(const uint8_t *b, int8_t *out)
{
	for (int j = 0; j < 64; j += 32)
		for (int l = 0; l < 4; l++)
			for (int m = 0; m < 32; m++) {
				int q = (b[j + m] >> (2 * l)) & 3;

				if (q == 3)
					return -1;
				out[j * 4 + l * 32 + m] = (int8_t)(q - 1);
			}
	return 0;
}

static int8_t ml_trit(uint8_t byte, uint8_t pow3)
{
	uint8_t q = (uint8_t)(byte * pow3);	/* wraps: keeps the fraction */

	return (int8_t)((((uint16_t)q * 3) >> 8) - 1);
}

static void ml_tq1_block(const uint8_t *b, int8_t *out)
{
	static const uint8_t pow3[5] = { 1, 3, 9, 27, 81 };
	const uint8_t *qs = b, *qh = b + 48;
	int o = 0;

	for (int n = 0; n < 5; n++)
		for (int m = 0; m < 32; m++)
			out[o++] = ml_trit(qs[m], pow3[n]);
	for (int n = 0; n < 5; n++)
		for (int m = 0; m < 16; m++)
			out[o++] = ml_trit(qs[32 + m], pow3[n]);
	for (int n = 0; n < 4; n++)
		for (int j = 0; j < 4; j++)
			out[o++] = ml_trit(qh[j], pow3[n]);
}

MDL_API int mdl_decode_ternary(const struct gguf_tensor *t, int8_t *codes,
			       float *d, char *err, size_t errlen)
{
	uint64_t n = t->n_elements;
	char nm[80];

	snprintf(nm, sizeof(nm), "%.*s", (int)(t->name.len < 64 ?
		 t->name.len : 64), t->name.p);
	if (t->type == GGML_TYPE_TQ2_0 || t->type == GGML_TYPE_TQ1_0) {
		uint32_t bs = t->type == GGML_TYPE_TQ2_0 ? GGML_TQ2_0_BYTES :
			      GGML_TQ1_0_BYTES;

		for (uint64_t b = 0; b < n / GGML_QK_K; b++) {
			const uint8_t *blk = t->data + b * bs;

			if (t->type == GGML_TYPE_TQ1_0)
				ml_tq1_block(blk, codes + b * GGML_QK_K);
			else if (ml_tq2_block(blk, codes + b * GGML_QK_K))
				return gguf_fail(err, errlen,
					       "tensor %s: block %llu holds the code 3, which is not ternary",
					       nm, (unsigned long long)b);
			d[b] = lla_f16_to_f32(gguf_le16(blk + bs - 2));
		}
		return 0;
	}
	if (t->type != GGML_TYPE_I2_S)
		return gguf_fail(err, errlen, "tensor %s: type %s is not ternary",
			       nm, gguf_type_name(t->type));
	if (n % GGML_I2S_BLOCK)
		return gguf_fail(err, errlen,
			       "tensor %s: I2_S needs a multiple of %u weights (has %llu)",
			       nm, GGML_I2S_BLOCK, (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t j = i % GGML_I2S_BLOCK;
		uint8_t byte = t->data[i / GGML_I2S_BLOCK * 32 + j % 32];
		int q = (byte >> (6 - 2 * (j / 32))) & 3;

		if (q == 3)
			return gguf_fail(err, errlen,
				       "tensor %s: weight %llu has the code 3, which is not ternary",
				       nm, (unsigned long long)i);
		codes[i] = (int8_t)(q - 1);
	}
	{
		uint32_t b = gguf_le32(t->data + n / 4);

		memcpy(&d[0], &b, 4);
	}
	return 0;
}

/*
 * The TQ rule of model.h: one common |d| over the blocks with a non-zero
 * code.  Returns 1 if the scales differ (codes untouched), else applies
 * the signs and zero scales to the codes and sets *gamma.
 */
static int ml_common_scale(int8_t *codes, const float *d, uint64_t nb,
			   float *gamma, uint64_t *bad, float *first)
{
	float ref = 0;
	int have = 0;

	for (uint64_t b = 0; b < nb; b++) {
		const int8_t *c = codes + b * GGML_QK_K;
		int nz = 0;

		for (uint32_t i = 0; i < GGML_QK_K && !nz; i++)
			nz = c[i] != 0;
		if (!nz || d[b] == 0)
			continue;
		if (!have) {
			ref = fabsf(d[b]);
			have = 1;
		} else if (fabsf(d[b]) != ref) {
			*bad = b;
			*first = ref;
			return 1;
		}
	}
	for (uint64_t b = 0; b < nb; b++) {
		int8_t *c = codes + b * GGML_QK_K;

		if (d[b] == 0)
			memset(c, 0, GGML_QK_K);
		else if (d[b] < 0)
			for (uint32_t i = 0; i < GGML_QK_K; i++)
				c[i] = (int8_t)-c[i];
	}
	*gamma = have ? ref : 1.0f;
	return 0;
}

static int ml_tq_codes(struct ml_ctx *c, const struct gguf_tensor *t,
		       const char *name, int8_t *codes, struct mdl_matrix *mx)
{
	uint64_t nel = t->n_elements, nb, bad = 0;
	float *d, *w, first = 0;
	int e;

	nb = t->type == GGML_TYPE_I2_S ? 1 : nel / GGML_QK_K;
	d = malloc(nb * sizeof(float));
	if (!d)
		return ml_nomem(c->err, c->errlen, name);
	e = mdl_decode_ternary(t, codes, d, c->err, c->errlen);
	if (e)
		goto out;
	for (uint64_t b = 0; b < nb; b++)
		if (!isfinite(d[b])) {
			e = gguf_fail(c->err, c->errlen,
				    "tensor %s: scale of block %llu is not finite",
				    name, (unsigned long long)b);
			goto out;
		}
	if (t->type == GGML_TYPE_I2_S) {
		if (d[0] < 0) {
			for (uint64_t i = 0; i < nel; i++)
				codes[i] = (int8_t)-codes[i];
		}
		mx->gamma = d[0] == 0 ? 1.0f : fabsf(d[0]);
		if (d[0] == 0)
			memset(codes, 0, nel);
		goto out;
	}
	if (!ml_common_scale(codes, d, nb, &mx->gamma, &bad, &first))
		goto out;
	if (!(c->o && (c->o->flags & MDL_F_REQUANTIZE))) {
		e = gguf_fail(c->err, c->errlen,
			    "tensor %s: unsupported: per-block scales differ (block %llu has |d| %g, earlier blocks %g); load with requantization to convert it with absmean",
			    name, (unsigned long long)bad, (double)fabsf(d[bad]),
			    (double)first);
		goto out;
	}
	w = malloc(nel * sizeof(float));
	if (!w) {
		e = ml_nomem(c->err, c->errlen, name);
		goto out;
	}
	for (uint64_t i = 0; i < nel; i++)
		w[i] = (float)codes[i] * d[i / GGML_QK_K];
	e = accel_ternary_quantize(w, mx->n, mx->k, 0, codes, &mx->gamma);
	if (e)
		gguf_fail(c->err, c->errlen, "tensor %s: %s", name,
			accel_last_error());
	mx->flags |= MDL_MAT_REQUANTIZED;
	free(w);
out:
	free(d);
	return e;
}

/*
 * Is @w already ternary, i.e. every element 0 or +-d?  That is what
 * llama.cpp's BitNet converter writes as F16 (codes times d = mean |W| of
 * the latent weights).  absmean again would give d times the share of
 * non-zero weights and shrink every projection, so such a matrix keeps
 * its codes and its d.  The magnitudes may differ by the rounding of d to
 * fp16 (a converter that computed d in another precision): d is then
 * their common fp16 value, the one a TQ2_0 copy of the matrix stores.
 */
static int ml_ternary_floats(const float *w, uint64_t n, int8_t *codes,
			     float *gamma)
{
	float ref = 0;
	uint16_t h = 0;
	int exact = 1;

	for (uint64_t i = 0; i < n; i++) {
		float a = fabsf(w[i]);

		if (a == 0)
			continue;
		if (ref == 0) {
			ref = a;
			h = lla_f32_to_f16(a);
		} else if (a != ref) {
			if (lla_f32_to_f16(a) != h)
				return 0;
			exact = 0;
		}
	}
	for (uint64_t i = 0; i < n; i++)
		codes[i] = (int8_t)(w[i] > 0 ? 1 : w[i] < 0 ? -1 : 0);
	/* all zero: any scale gives the same zero outputs */
	*gamma = ref == 0 ? 1.0f : exact ? ref : lla_f16_to_f32(h);
	return 1;
}

static int ml_float_codes(struct ml_ctx *c, const struct gguf_tensor *t,
			  const char *name, int8_t *codes,
			  struct mdl_matrix *mx)
{
	float *w = malloc(t->n_elements * sizeof(float));
	int e;

	if (!w)
		return ml_nomem(c->err, c->errlen, name);
	e = ml_floats(c, t, name, 0, t->n_elements, w);
	if (!e && !ml_ternary_floats(w, t->n_elements, codes, &mx->gamma)) {
		e = accel_ternary_quantize(w, mx->n, mx->k, 0, codes,
					   &mx->gamma);
		if (e)
			gguf_fail(c->err, c->errlen, "tensor %s: %s", name,
				accel_last_error());
		mx->flags |= MDL_MAT_ABSMEAN;
	}
	free(w);
	return e;
}

/* Optional "<base>.scale": one element multiplying gamma. */
static int ml_scale(struct ml_ctx *c, const char *base, struct mdl_matrix *mx)
{
	const struct gguf_tensor *t;
	char name[96];
	float s;
	int e;

	snprintf(name, sizeof(name), "%s.scale", base);
	t = gguf_find_tensor(c->f, name);
	if (!t)
		return 0;
	if (t->n_elements != 1)
		return gguf_fail(c->err, c->errlen,
			       "tensor %s has %llu elements (1 expected)", name,
			       (unsigned long long)t->n_elements);
	e = ml_floats(c, t, name, 0, 1, &s);
	if (e)
		return e;
	mx->gamma *= s;
	mx->flags |= MDL_MAT_SCALED;
	if (!isfinite(mx->gamma))
		return gguf_fail(c->err, c->errlen,
			       "tensor %s: scaled gamma is not finite", name);
	ml_progress(c, t, name);
	return 0;
}

static int ml_matrix(struct ml_ctx *c, const char *base, uint32_t n,
		     uint32_t k, struct mdl_matrix *mx)
{
	const struct gguf_tensor *t;
	uint8_t wfmt = c->o ? c->o->wfmt : LLA_WFMT_T2;
	char name[96];
	int8_t *codes;
	int e;

	snprintf(name, sizeof(name), "%s.weight", base);
	e = ml_find(c, name, k, n, &t);
	if (e)
		return e;
	mx->n = n;
	mx->k = k;
	mx->wfmt = wfmt;
	mx->src_type = t->type;
	mx->row_bytes = lla_wfmt_row_bytes(wfmt, k);
	codes = malloc((size_t)n * k);
	mx->rows = malloc((size_t)n * mx->row_bytes);
	if (!codes || !mx->rows) {
		free(codes);
		return ml_nomem(c->err, c->errlen, name);
	}
	c->m->host_bytes += (uint64_t)n * mx->row_bytes;
	switch (t->type) {
	case GGML_TYPE_TQ1_0:
	case GGML_TYPE_TQ2_0:
	case GGML_TYPE_I2_S:
		e = ml_tq_codes(c, t, name, codes, mx);
		break;
	case GGML_TYPE_F32:
	case GGML_TYPE_F16:
	case GGML_TYPE_BF16:
		e = ml_float_codes(c, t, name, codes, mx);
		break;
	default:
		e = gguf_fail(c->err, c->errlen,
			    "tensor %s has type %s (TQ1_0, TQ2_0, I2_S, F16, BF16 or F32 expected)",
			    name, gguf_type_name(t->type));
	}
	if (!e) {
		if (mx->flags & (MDL_MAT_ABSMEAN | MDL_MAT_REQUANTIZED))
			c->m->n_absmean++;
		for (uint32_t r = 0; r < n; r++)
			lla_pack_row(wfmt, codes + (size_t)r * k, k,
				    mx->rows + (size_t)r * mx->row_bytes);
		ml_progress(c, t, name);
		e = ml_scale(c, base, mx);
	}
	free(codes);
	return e;
}

static int ml_layer(struct ml_ctx *c, uint32_t il, struct mdl_layer *L)
{
	const struct mdl_hparams *hp = &c->m->hp;
	uint32_t e = hp->n_embd, ff = hp->n_ff;
	uint32_t qd = hp->n_head * hp->head_dim;
	uint32_t kvd = hp->n_head_kv * hp->head_dim;
	char b[64];
	int err = 0;

#define ML_VEC(field, nm, dim)						\
	do {								\
		snprintf(b, sizeof(b), "blk.%u." nm ".weight", il);	\
		L->field = ml_vector(c, b, dim, &err);			\
		if (err)						\
			return err;					\
	} while (0)
#define ML_MAT(field, nm, n, k)						\
	do {								\
		snprintf(b, sizeof(b), "blk.%u." nm, il);		\
		err = ml_matrix(c, b, n, k, &L->field);			\
		if (err)						\
			return err;					\
	} while (0)
	ML_VEC(attn_norm, "attn_norm", e);
	ML_MAT(wq, "attn_q", qd, e);
	ML_MAT(wk, "attn_k", kvd, e);
	ML_MAT(wv, "attn_v", kvd, e);
	ML_VEC(attn_sub_norm, "attn_sub_norm", qd);
	ML_MAT(wo, "attn_output", e, qd);
	ML_VEC(ffn_norm, "ffn_norm", e);
	ML_MAT(wg, "ffn_gate", ff, e);
	ML_MAT(wu, "ffn_up", ff, e);
	ML_VEC(ffn_sub_norm, "ffn_sub_norm", ff);
	ML_MAT(wd, "ffn_down", e, ff);
#undef ML_VEC
#undef ML_MAT
	return 0;
}

static int ml_embd(struct ml_ctx *c)
{
	struct mdl_desc *m = c->m;
	const struct gguf_tensor *t;
	uint64_t nel = (uint64_t)m->hp.n_vocab * m->hp.n_embd;
	int e;

	e = ml_find(c, "token_embd.weight", m->hp.n_embd, m->hp.n_vocab, &t);
	if (e)
		return e;
	m->embd_dtype = t->type == GGML_TYPE_F16 ? LLA_DTYPE_F16 :
			LLA_DTYPE_F32;
	m->tok_embd = malloc(nel * (m->embd_dtype == LLA_DTYPE_F16 ? 2 : 4));
	if (!m->tok_embd)
		return ml_nomem(c->err, c->errlen, "token_embd.weight");
	m->host_bytes += nel * (m->embd_dtype == LLA_DTYPE_F16 ? 2 : 4);
	if (m->embd_dtype == LLA_DTYPE_F16) {
		uint16_t *h = m->tok_embd;

		for (uint64_t i = 0; i < nel; i++) {
			h[i] = gguf_le16(t->data + 2 * i);
			if ((h[i] & 0x7c00) == 0x7c00)
				return gguf_fail(c->err, c->errlen,
					       "tensor token_embd.weight: element %llu is not finite",
					       (unsigned long long)i);
		}
	} else {
		e = ml_floats(c, t, "token_embd.weight", 0, nel, m->tok_embd);
		if (e)
			return e;
	}
	ml_progress(c, t, "token_embd.weight");
	return 0;
}

static int ml_head(struct ml_ctx *c)
{
	struct mdl_desc *m = c->m;
	const struct gguf_tensor *t = gguf_find_tensor(c->f, "output.weight");
	const char *name = t ? "output.weight" : "token_embd.weight";
	uint32_t n = m->hp.n_vocab, k = m->hp.n_embd;
	int i8 = c->o && (c->o->flags & MDL_F_HEAD_I8);
	float *row;
	int e;

	m->head_tied = !t;
	e = ml_find(c, name, k, n, &t);
	if (e)
		return e;
	m->head_wfmt = i8 ? LLA_WFMT_I8 : LLA_WFMT_F16;
	/* tied fp16 head: the embedding table is the head, no second copy */
	if (m->head_tied && !i8 && m->embd_dtype == LLA_DTYPE_F16) {
		m->head = m->tok_embd;
		m->head_shared = true;
		return 0;
	}
	m->head = malloc((size_t)n * k * (i8 ? 1 : 2));
	m->head_scale = i8 ? malloc((size_t)n * sizeof(float)) : NULL;
	row = malloc((size_t)k * sizeof(float));
	if (!m->head || (i8 && !m->head_scale) || !row) {
		free(row);
		return ml_nomem(c->err, c->errlen, name);
	}
	m->host_bytes += (uint64_t)n * k * (i8 ? 1 : 2) + (i8 ? 4ull * n : 0);
	for (uint32_t r = 0; r < n && !e; r++) {
		e = ml_floats(c, t, name, (uint64_t)r * k, k, row);
		if (e)
			break;
		if (i8) {
			float s = lla_quant_row(row, k,
						(int8_t *)m->head + (size_t)r * k);

			m->head_scale[r] = 1.0f / s;
		} else {
			uint16_t *h = (uint16_t *)m->head + (size_t)r * k;

			for (uint32_t j = 0; j < k; j++)
				h[j] = lla_f32_to_f16(row[j]);
		}
	}
	free(row);
	if (!e && !m->head_tied)
		ml_progress(c, t, name);
	return e;
}

MDL_API void mdl_free(struct mdl_desc *m)
{
	if (!m)
		return;
	if (m->layers)
		for (uint32_t i = 0; i < m->hp.n_layer; i++) {
			struct mdl_layer *L = &m->layers[i];

			free(L->attn_norm);
			free(L->attn_sub_norm);
			free(L->ffn_norm);
			free(L->ffn_sub_norm);
			free(L->wq.rows);
			free(L->wk.rows);
			free(L->wv.rows);
			free(L->wo.rows);
			free(L->wg.rows);
			free(L->wu.rows);
			free(L->wd.rows);
		}
	free(m->layers);
	free(m->tok_embd);
	free(m->output_norm);
	if (!m->head_shared)
		free(m->head);
	free(m->head_scale);
	free(m);
}

MDL_API int mdl_load(const struct gguf_file *f, const struct mdl_load_opts *o,
		     struct mdl_desc **out, char *err, size_t errlen)
{
	struct ml_ctx c = { f, o, NULL, err, errlen, 0, 0 };
	int e;

	if (err && errlen)
		err[0] = 0;
	if (!f || !out)
		return gguf_fail(err, errlen, "mdl_load: bad arguments");
	*out = NULL;
	if (o && o->wfmt != LLA_WFMT_T2 && o->wfmt != LLA_WFMT_T5)
		return gguf_fail(err, errlen,
			       "weight format %u is not T2 or T5", o->wfmt);
	c.m = calloc(1, sizeof(*c.m));
	if (!c.m)
		return ml_nomem(err, errlen, "model");
	e = mdl_read_hparams(f, o, &c.m->hp, err, errlen);
	if (e)
		goto fail;
	c.m->layers = calloc(c.m->hp.n_layer, sizeof(*c.m->layers));
	if (!c.m->layers) {
		e = ml_nomem(err, errlen, "layers");
		goto fail;
	}
	for (uint64_t i = 0; i < f->n_tensors; i++)
		c.total += f->tensors[i].nbytes;
	e = ml_embd(&c);
	for (uint32_t il = 0; !e && il < c.m->hp.n_layer; il++)
		e = ml_layer(&c, il, &c.m->layers[il]);
	if (!e)
		c.m->output_norm = ml_vector(&c, "output_norm.weight",
					     c.m->hp.n_embd, &e);
	if (!e)
		e = ml_head(&c);
	if (e)
		goto fail;
	if (o && o->progress)
		o->progress(o->progress_ud, c.total, c.total, "done");
	*out = c.m;
	return 0;
fail:
	mdl_free(c.m);
	return e;
}

MDL_API void mdl_shape(const struct mdl_desc *m, uint32_t max_ctx,
		       struct lla_model_shape *s)
{
	memset(s, 0, sizeof(*s));
	s->name = m->hp.name[0] ? m->hp.name : m->hp.arch;
	s->n_layer = m->hp.n_layer;
	s->n_embd = m->hp.n_embd;
	s->n_ff = m->hp.n_ff;
	s->n_head = m->hp.n_head;
	s->n_head_kv = m->hp.n_head_kv;
	s->head_dim = m->hp.head_dim;
	s->n_vocab = m->hp.n_vocab;
	s->max_ctx = max_ctx;
	s->wfmt = m->layers ? m->layers[0].wq.wfmt : LLA_WFMT_T2;
	s->head_wfmt = m->head_wfmt;
	s->embd_dtype = m->embd_dtype;
	s->ffn_act = m->hp.ffn_act;
}
