// SPDX-License-Identifier: MIT
/*
 * llmaccel-mkmodel: write a deterministic synthetic BitNet GGUF file.
 *
 * The layout is that of the BitNet readers (docs/model-files.md): the
 * architecture follows the FFN activation, as in the files llama.cpp and
 * bitnet.cpp read: "bitnet" (llama.cpp's graph, SiLU) or "bitnet-25"
 * (relu^2, Microsoft's BitNet b1.58 files), both with the head tied to
 * token_embd, since neither has an output tensor to hold another one.
 * --untied writes "llmaccel-bitnet", which only llmaccel reads.  Then the
 * <arch>.* hyper-parameters, general.file_type, tokenizer.ggml.* (a
 * SentencePiece-style "llama" vocabulary or a byte-level BPE "gpt2" one
 * with merges), and the tensors of the graph (token_embd, per layer
 * attn_norm, attn_q/k/v, attn_sub_norm, attn_output, ffn_norm,
 * ffn_gate/up, ffn_sub_norm, ffn_down; output_norm; output if untied).
 * The weights are random but fixed by --seed: ternary codes with one
 * scale d per matrix, stored as TQ2_0, TQ1_0, I2_S or as F16 values in
 * {-d, 0, +d} (what llama.cpp's converter writes), the same model in every
 * type; --latent F16 writes master weights around those values instead.
 * The vocabulary is byte tokens plus common English words, and the output
 * head favours the words, so sampled text is made of readable pieces.
 *
 * The test suites compile this file with MKMODEL_NO_MAIN and call
 * mk_write_model() directly.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libaccel.h"

#define MK_ALIGN	32u

enum mk_wtype { MK_TQ2_0 = 35, MK_TQ1_0 = 34, MK_F16 = 1, MK_I2_S = 36 };
enum mk_tok { MK_SPM = 0, MK_BPE = 1 };

struct mk_preset {
	const char *name;
	uint32_t n_layer, n_embd, n_ff, n_head, n_head_kv, n_vocab, n_ctx;
	float rope_theta, rms_eps;
	int relu2;		/* else silu */
	int tok;		/* enum mk_tok */
};

/*
 * Rows of every ternary matrix are multiples of 256 (TQ block size).
 * Heads are tied, as in every BitNet file llama.cpp and bitnet.cpp read.
 */
static const struct mk_preset mk_presets[] = {
	{ "tiny", 2, 256, 512, 4, 2, 400, 256, 10000.0f, 1e-5f, 1, MK_SPM },
	{ "bitnet-0.7b", 24, 1536, 4096, 16, 16, 32002, 2048, 10000.0f,
	  1e-6f, 0, MK_SPM },
	{ "bitnet-2b", 30, 2560, 6912, 20, 5, 128256, 4096, 500000.0f,
	  1e-5f, 1, MK_BPE },
	/* the smallest file with every tensor: seeds of the GGUF fuzzer */
	{ "micro", 1, 256, 256, 2, 1, 300, 64, 10000.0f, 1e-5f, 1, MK_SPM },
};

struct mk_opts {
	const char *preset;
	const char *out;
	uint32_t wtype;		/* enum mk_wtype */
	int tok;		/* -1: the preset's */
	int act;		/* -1: the preset's; 1 relu2, 0 silu */
	uint64_t seed;
	int quiet;
	int untied;		/* write output.weight (MK_ARCH_UNTIED) */
	int latent;		/* F16: master weights, not ternary values */
};

/* docs/model-files.md; the loader's MDL_ARCH_LLMACCEL */
#define MK_ARCH_SILU	"bitnet"
#define MK_ARCH_RELU2	"bitnet-25"
#define MK_ARCH_UNTIED	"llmaccel-bitnet"

/*
 * llama.cpp's LLAMA_FTYPE (include/llama.h): ALL_F32 0, MOSTLY_F16 1,
 * MOSTLY_TQ1_0 36, MOSTLY_TQ2_0 37.  I2_S is bitnet.cpp's own value,
 * LLAMA_FTYPE_MOSTLY_I2_S = 40 in its llama.cpp fork
 * (microsoft/BitNet 3rdparty/llama.cpp/include/llama.h; Microsoft's
 * BitNet-b1.58-2B-4T I2_S GGUF carries general.file_type 40).
 */
static uint32_t mk_file_type(uint32_t wtype)
{
	switch (wtype) {
	case MK_TQ1_0: return 36;
	case MK_TQ2_0: return 37;
	case MK_I2_S: return 40;
	}
	return 1;
}

/* The architecture of a file: the activation names it, an own head too. */
static const char *mk_arch(int relu2, int untied)
{
	return untied ? MK_ARCH_UNTIED : relu2 ? MK_ARCH_RELU2 : MK_ARCH_SILU;
}

/* ------------------------------------------------------------------ */
/* deterministic randomness                                            */
/* ------------------------------------------------------------------ */

static uint64_t mk_mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1) with 24 bits. */
static float mk_unif(uint64_t *s)
{
	return (float)(mk_mix(s) >> 40) / 8388608.0f - 1.0f;
}

/* ------------------------------------------------------------------ */
/* byte buffer                                                         */
/* ------------------------------------------------------------------ */

struct mk_buf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static void mk_put(struct mk_buf *b, const void *src, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void mk_u8(struct mk_buf *b, uint8_t v)
{
	mk_put(b, &v, 1);
}

static void mk_u32(struct mk_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	mk_put(b, x, 4);
}

static void mk_u64(struct mk_buf *b, uint64_t v)
{
	mk_u32(b, (uint32_t)v);
	mk_u32(b, (uint32_t)(v >> 32));
}

static void mk_f32(struct mk_buf *b, float f)
{
	uint32_t v;

	memcpy(&v, &f, 4);
	mk_u32(b, v);
}

static void mk_strn(struct mk_buf *b, const char *s, size_t n)
{
	mk_u64(b, n);
	mk_put(b, s, n);
}

static void mk_str(struct mk_buf *b, const char *s)
{
	mk_strn(b, s, strlen(s));
}

/* GGUF metadata value types */
enum { MK_T_U32 = 4, MK_T_I32 = 5, MK_T_F32 = 6, MK_T_BOOL = 7,
       MK_T_STR = 8, MK_T_ARR = 9 };

static void mk_kv_u32(struct mk_buf *b, uint64_t *n, const char *k,
		      uint32_t v)
{
	mk_str(b, k);
	mk_u32(b, MK_T_U32);
	mk_u32(b, v);
	(*n)++;
}

static void mk_kv_f32(struct mk_buf *b, uint64_t *n, const char *k, float v)
{
	mk_str(b, k);
	mk_u32(b, MK_T_F32);
	mk_f32(b, v);
	(*n)++;
}

static void mk_kv_bool(struct mk_buf *b, uint64_t *n, const char *k, int v)
{
	mk_str(b, k);
	mk_u32(b, MK_T_BOOL);
	mk_u8(b, v ? 1 : 0);
	(*n)++;
}

static void mk_kv_str(struct mk_buf *b, uint64_t *n, const char *k,
		      const char *v)
{
	mk_str(b, k);
	mk_u32(b, MK_T_STR);
	mk_str(b, v);
	(*n)++;
}

/* ------------------------------------------------------------------ */
/* vocabulary                                                          */
/* ------------------------------------------------------------------ */

static const char *const mk_words[] = {
	"the", "of", "and", "to", "a", "in", "is", "it", "you", "that", "he",
	"was", "for", "on", "are", "with", "as", "his", "they", "be", "at",
	"one", "have", "this", "from", "or", "had", "by", "hot", "but",
	"some", "what", "there", "we", "can", "out", "other", "were", "all",
	"your", "when", "up", "use", "word", "how", "said", "an", "each",
	"she", "which", "do", "their", "time", "if", "will", "way", "about",
	"many", "then", "them", "would", "write", "like", "so", "these",
	"her", "long", "make", "thing", "see", "him", "two", "has", "look",
	"more", "day", "could", "go", "come", "did", "my", "sound", "no",
	"most", "number", "who", "over", "know", "water", "than", "call",
	"first", "people", "may", "down", "side", "been", "now", "find",
	"any", "new", "work", "part", "take", "get", "place", "made", "live",
	"where", "after", "back", "little", "only", "round", "man", "year",
	"came", "show", "every", "good", "me", "give", "our", "under", "name",
	"very", "through", "just", "form", "much", "great", "think", "say",
	"help", "low", "line", "before", "turn", "cause", "same", "mean",
	"move", "right", "boy", "old", "too", "does", "tell", "set", "three",
	"want", "air", "well", "also", "play", "small", "end", "put", "home",
	"read", "hand", "large", "add", "even", "land", "here", "must", "big",
	"high", "such", "follow", "act", "why", "ask", "men", "change",
	"went", "light", "kind", "off", "need", "house", "try", "us",
	"again", "animal", "point", "mother", "world", "near", "build",
	"earth", "father", "head", "stand", "own", "page", "should",
	"country", "found", "answer", "school", "grow", "study", "still",
	"learn", "plant", "food", "sun", "four", "thought", "let", "keep",
	"eye", "never", "last", "door", "city", "tree", "hard", "start",
	"story", "far", "sea", "left", "late", "run", "while", "close",
	"night", "real", "life", "few", "stop", "open", "seem", "next",
	"white", "children", "begin", "walk", "paper", "always", "music",
	"book", "river", "car", "second", "group", "rain", "eat", "room",
	"friend", "idea", "fish", "mountain", "north", "hear", "horse",
};
#define MK_NWORDS (sizeof(mk_words) / sizeof(mk_words[0]))

struct mk_vocab {
	char **tok;
	float *score;
	int32_t *type;
	uint32_t n, cap;
	char **merges;
	uint32_t n_merges, cap_merges;
	uint32_t bos, eos, unk;
	int has_unk;
	int oom;
};

static int mk_find(const struct mk_vocab *v, const char *s)
{
	for (uint32_t i = 0; i < v->n; i++)
		if (!strcmp(v->tok[i], s))
			return (int)i;
	return -1;
}

static void mk_add(struct mk_vocab *v, const char *s, float score,
		   int32_t type)
{
	if (v->oom || v->n >= v->cap)
		return;
	v->tok[v->n] = strdup(s);
	if (!v->tok[v->n]) {
		v->oom = 1;
		return;
	}
	v->score[v->n] = score;
	v->type[v->n] = type;
	v->n++;
}

static void mk_add_merge(struct mk_vocab *v, const char *a, const char *b)
{
	char buf[128];

	if (v->oom)
		return;
	if (v->n_merges == v->cap_merges) {
		uint32_t cap = v->cap_merges ? 2 * v->cap_merges : 256;
		char **m = realloc(v->merges, cap * sizeof(*m));

		if (!m) {
			v->oom = 1;
			return;
		}
		v->merges = m;
		v->cap_merges = cap;
	}
	snprintf(buf, sizeof(buf), "%s %s", a, b);
	v->merges[v->n_merges] = strdup(buf);
	if (!v->merges[v->n_merges])
		v->oom = 1;
	else
		v->n_merges++;
}

/* SentencePiece-style: <unk> <s> </s>, 256 byte tokens, pieces. */
static void mk_vocab_spm(struct mk_vocab *v, uint32_t size)
{
	static const char *const punct[] = { ".", ",", "!", "?", "'" };
	char buf[96];

	mk_add(v, "<unk>", 0, 2);
	mk_add(v, "<s>", 0, 3);
	mk_add(v, "</s>", 0, 3);
	v->unk = 0;
	v->has_unk = 1;
	v->bos = 1;
	v->eos = 2;
	for (int b = 0; b < 256; b++) {
		snprintf(buf, sizeof(buf), "<0x%02X>", b);
		mk_add(v, buf, 0, 6);
	}
	mk_add(v, "\xe2\x96\x81", -1, 1);
	for (char c = 'a'; c <= 'z'; c++) {
		buf[0] = c;
		buf[1] = 0;
		mk_add(v, buf, -2, 1);
	}
	for (size_t i = 0; i < sizeof(punct) / sizeof(punct[0]); i++)
		mk_add(v, punct[i], -3, 1);
	/* "▁w", "▁wo", "▁wor", "▁word": every prefix is a token */
	for (size_t w = 0; w < MK_NWORDS && v->n < size; w++) {
		size_t l = strlen(mk_words[w]);

		for (size_t i = 1; i <= l && v->n < size; i++) {
			snprintf(buf, sizeof(buf), "\xe2\x96\x81%.*s", (int)i,
				 mk_words[w]);
			if (mk_find(v, buf) < 0)
				mk_add(v, buf, -(float)v->n, 1);
		}
	}
	for (uint32_t i = 0; v->n < size; i++) {
		snprintf(buf, sizeof(buf), "<unused%u>", i);
		mk_add(v, buf, -1e9f, 5);
	}
}

/* GPT-2 bytes_to_unicode of @b as UTF-8 into @o (NUL-terminated). */
static void mk_b2u(int b, char *o)
{
	int n = 0, cp = b;

	if (!((b >= 33 && b <= 126) || (b >= 161 && b <= 172) ||
	      (b >= 174 && b <= 255))) {
		for (int x = 0; x < b; x++)
			if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) ||
			      (x >= 174 && x <= 255)))
				n++;
		cp = 256 + n;
	}
	if (cp < 0x80) {
		o[0] = (char)cp;
		o[1] = 0;
	} else {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		o[2] = 0;
	}
}

/* Byte-level BPE: 256 byte tokens, "Ġword" merges, control tokens. */
static void mk_vocab_bpe(struct mk_vocab *v, uint32_t size)
{
	char sp[4], left[64], right[8], buf[96];
	uint32_t specials = 2, i;

	for (int b = 0; b < 256; b++) {
		mk_b2u(b, buf);
		mk_add(v, buf, 0, 1);
	}
	mk_b2u(' ', sp);
	for (size_t w = 0; w < MK_NWORDS && v->n + specials < size; w++) {
		size_t l = strlen(mk_words[w]);

		snprintf(left, sizeof(left), "%s", sp);
		for (size_t c = 0; c < l && v->n + specials < size; c++) {
			right[0] = mk_words[w][c];
			right[1] = 0;
			snprintf(buf, sizeof(buf), "%s%s", left, right);
			if (mk_find(v, buf) < 0) {
				mk_add_merge(v, left, right);
				mk_add(v, buf, 0, 1);
			}
			memcpy(left, buf, sizeof(left) - 1);
			left[sizeof(left) - 1] = 0;
		}
	}
	v->bos = v->n;
	mk_add(v, "<|begin_of_text|>", 0, 3);
	v->eos = v->n;
	mk_add(v, "<|end_of_text|>", 0, 3);
	for (i = 0; v->n < size; i++) {
		snprintf(buf, sizeof(buf), "<|reserved_special_token_%u|>", i);
		mk_add(v, buf, 0, 3);
	}
}

static void mk_vocab_free(struct mk_vocab *v)
{
	for (uint32_t i = 0; i < v->n; i++)
		free(v->tok[i]);
	for (uint32_t i = 0; i < v->n_merges; i++)
		free(v->merges[i]);
	free(v->tok);
	free(v->score);
	free(v->type);
	free(v->merges);
}

static int mk_vocab_build(struct mk_vocab *v, int tok, uint32_t size)
{
	memset(v, 0, sizeof(*v));
	v->cap = size;
	v->tok = calloc(size, sizeof(*v->tok));
	v->score = calloc(size, sizeof(*v->score));
	v->type = calloc(size, sizeof(*v->type));
	if (!v->tok || !v->score || !v->type)
		return -ENOMEM;
	if (tok == MK_SPM)
		mk_vocab_spm(v, size);
	else
		mk_vocab_bpe(v, size);
	return v->oom ? -ENOMEM : 0;
}

/* ------------------------------------------------------------------ */
/* tensors                                                             */
/* ------------------------------------------------------------------ */

enum mk_kind { MK_K_EMBD, MK_K_NORM, MK_K_MAT, MK_K_HEAD };

struct mk_tensor {
	char name[64];
	uint64_t ne0, ne1;	/* ne1 = 0: vector */
	uint32_t type;		/* ggml type */
	uint32_t kind;
	uint64_t offset, nbytes;
};

static uint64_t mk_nbytes(uint32_t type, uint64_t n)
{
	switch (type) {
	case 0: return 4 * n;
	case MK_F16: return 2 * n;
	case MK_TQ2_0: return n / 256 * 66;
	case MK_TQ1_0: return n / 256 * 54;
	case MK_I2_S: return n / 4 + 32;
	}
	return 0;
}

static void mk_tensor_add(struct mk_tensor *t, uint32_t *nt, const char *name,
			  uint64_t ne0, uint64_t ne1, uint32_t type,
			  uint32_t kind)
{
	struct mk_tensor *x = &t[(*nt)++];

	snprintf(x->name, sizeof(x->name), "%s", name);
	x->ne0 = ne0;
	x->ne1 = ne1;
	x->type = type;
	x->kind = kind;
	x->nbytes = mk_nbytes(type, ne0 * (ne1 ? ne1 : 1));
}

static uint32_t mk_tensor_list(const struct mk_preset *p, uint32_t wtype,
			       int tied, struct mk_tensor *t)
{
	uint32_t hd = p->n_embd / p->n_head, nt = 0;
	uint64_t e = p->n_embd, qd = (uint64_t)p->n_head * hd;
	uint64_t kvd = (uint64_t)p->n_head_kv * hd, f = p->n_ff;
	char b[64];

	mk_tensor_add(t, &nt, "token_embd.weight", e, p->n_vocab, MK_F16,
		      MK_K_EMBD);
	for (uint32_t l = 0; l < p->n_layer; l++) {
#define MK_T(nm, a, c, type, kind)					\
	do {								\
		snprintf(b, sizeof(b), "blk.%u." nm ".weight", l);	\
		mk_tensor_add(t, &nt, b, a, c, type, kind);		\
	} while (0)
		MK_T("attn_norm", e, 0, 0, MK_K_NORM);
		MK_T("attn_q", e, qd, wtype, MK_K_MAT);
		MK_T("attn_k", e, kvd, wtype, MK_K_MAT);
		MK_T("attn_v", e, kvd, wtype, MK_K_MAT);
		MK_T("attn_sub_norm", qd, 0, 0, MK_K_NORM);
		MK_T("attn_output", qd, e, wtype, MK_K_MAT);
		MK_T("ffn_norm", e, 0, 0, MK_K_NORM);
		MK_T("ffn_gate", e, f, wtype, MK_K_MAT);
		MK_T("ffn_up", e, f, wtype, MK_K_MAT);
		MK_T("ffn_sub_norm", f, 0, 0, MK_K_NORM);
		MK_T("ffn_down", f, e, wtype, MK_K_MAT);
#undef MK_T
	}
	mk_tensor_add(t, &nt, "output_norm.weight", e, 0, 0, MK_K_NORM);
	if (!tied)
		mk_tensor_add(t, &nt, "output.weight", e, p->n_vocab, MK_F16,
			      MK_K_HEAD);
	return nt;
}

/* One scale per matrix, exactly representable in fp16. */
static float mk_gamma(uint64_t *s)
{
	uint64_t r = mk_mix(s);

	return (1.0f + (float)(r & 7) / 8.0f) / (float)(16u << ((r >> 3) & 3));
}

static int8_t mk_code(uint64_t *s)
{
	return (int8_t)(mk_mix(s) % 3) - 1;
}

static void mk_put_f16(struct mk_buf *b, float f)
{
	uint16_t h = accel_f32_to_f16(f);

	mk_u8(b, (uint8_t)h);
	mk_u8(b, (uint8_t)(h >> 8));
}

/* ggml's TQ2_0 block: 4 codes per byte, 32-byte groups, then fp16 d. */
static void mk_tq2_block(struct mk_buf *b, const int8_t *c, float d)
{
	for (int j = 0; j < 64; j += 32)
		for (int m = 0; m < 32; m++) {
			uint8_t q = 0;

			for (int l = 0; l < 4; l++)
				q |= (uint8_t)((c[j * 4 + l * 32 + m] + 1)
					       << (2 * l));
			mk_u8(b, q);
		}
	mk_put_f16(b, d);
}

/* ggml's TQ1_0 block: 5 trits per byte (ceil(q * 256 / 243)), 4 in qh. */
static void mk_tq1_block(struct mk_buf *b, const int8_t *c, float d)
{
	for (int m = 0; m < 32; m++) {
		uint16_t q = 0;

		for (int n = 0; n < 5; n++)
			q = (uint16_t)(q * 3 + (c[m + n * 32] + 1));
		mk_u8(b, (uint8_t)((q * 256 + 242) / 243));
	}
	for (int m = 0; m < 16; m++) {
		uint16_t q = 0;

		for (int n = 0; n < 5; n++)
			q = (uint16_t)(q * 3 + (c[160 + m + n * 16] + 1));
		mk_u8(b, (uint8_t)((q * 256 + 242) / 243));
	}
	for (int j = 0; j < 4; j++) {
		uint16_t q = 0;

		for (int m = 0; m < 4; m++)
			q = (uint16_t)(q * 3 + (c[240 + j + m * 4] + 1));
		q = (uint16_t)(q * 3);
		mk_u8(b, (uint8_t)((q * 256 + 242) / 243));
	}
	mk_put_f16(b, d);
}

/* Data of a ternary matrix of @n rows of @k in @wtype. */
static int mk_matrix(struct mk_buf *b, uint32_t wtype, int latent,
		     uint64_t n, uint64_t k, uint64_t *s)
{
	uint64_t nel = n * k;
	float gamma = mk_gamma(s);
	int8_t *c = malloc(nel);

	if (!c)
		return -ENOMEM;
	for (uint64_t i = 0; i < nel; i++)
		c[i] = mk_code(s);
	if (wtype == MK_TQ2_0 || wtype == MK_TQ1_0) {
		for (uint64_t blk = 0; blk < nel / 256; blk++)
			(wtype == MK_TQ2_0 ? mk_tq2_block :
			 mk_tq1_block)(b, c + blk * 256, gamma);
	} else if (wtype == MK_I2_S) {
		size_t at = b->len;

		for (uint64_t i = 0; i < nel / 4 + 32; i++)
			mk_u8(b, 0);
		if (!b->oom) {
			for (uint64_t i = 0; i < nel; i++) {
				uint64_t j = i % 128;

				b->p[at + i / 128 * 32 + j % 32] |=
					(uint8_t)((c[i] + 1) << (6 - 2 * (j / 32)));
			}
			memcpy(b->p + at + nel / 4, &gamma, 4);
		}
	} else if (latent) {
		/* fp16 master weights around gamma * code */
		for (uint64_t i = 0; i < nel; i++)
			mk_put_f16(b, gamma * ((float)c[i] + 0.3f * mk_unif(s)));
	} else {
		/* gamma is exact in fp16: the values are exactly +-gamma */
		for (uint64_t i = 0; i < nel; i++)
			mk_put_f16(b, gamma * (float)c[i]);
	}
	free(c);
	return b->oom ? -ENOMEM : 0;
}

/*
 * Is token @i one the head should disfavour: anything but a whole word
 * after its space marker (bytes, letters, word prefixes, control, unused)?
 */
static int mk_quiet_token(const struct mk_vocab *v, uint32_t i)
{
	const char *t;

	if (i >= v->n || v->type[i] != 1)
		return 1;
	t = v->tok[i];
	if (!strncmp(t, "\xe2\x96\x81", 3))		/* SentencePiece's U+2581 */
		t += 3;
	else if (!strncmp(t, "\xc4\xa0", 2))		/* GPT-2's U+0120 */
		t += 2;
	else
		return 1;
	for (size_t w = 0; w < MK_NWORDS; w++)
		if (!strcmp(t, mk_words[w]))
			return 0;
	return 1;
}

static int mk_flush(FILE *fp, struct mk_buf *b);

static int mk_data(FILE *fp, struct mk_buf *b, const struct mk_tensor *t,
		   const struct mk_vocab *v, int latent, uint64_t *s)
{
	uint64_t n = t->ne1 ? t->ne1 : 1;

	switch (t->kind) {
	case MK_K_NORM:
		/*
		 * The head is the embedding: a token's logit would carry its
		 * own |e|^2 and every token would predict itself.  Signs
		 * mixed in the final norm cancel that term on average.
		 */
		for (uint64_t i = 0; i < t->ne0; i++) {
			float g = 1.0f + 0.25f * mk_unif(s);

			if (!strcmp(t->name, "output_norm.weight") &&
			    (mk_mix(s) & 1))
				g = -g;
			mk_f32(b, g);
		}
		break;
	case MK_K_EMBD:
	case MK_K_HEAD:
		for (uint64_t r = 0; r < n; r++) {
			float g = mk_quiet_token(v, (uint32_t)r) ? 0.25f : 1.0f;

			for (uint64_t i = 0; i < t->ne0; i++)
				mk_put_f16(b, g * mk_unif(s));
			/* big vocabularies: stream, keep the buffer small */
			if (b->len >= (1u << 20) && mk_flush(fp, b))
				return -EIO;
		}
		break;
	default:
		return mk_matrix(b, t->type, latent, n, t->ne0, s);
	}
	return b->oom ? -ENOMEM : 0;
}

/* ------------------------------------------------------------------ */
/* the file                                                            */
/* ------------------------------------------------------------------ */

static void mk_kv_arch_u32(struct mk_buf *b, uint64_t *n, const char *arch,
			   const char *k, uint32_t v)
{
	char key[96];

	snprintf(key, sizeof(key), "%s.%s", arch, k);
	mk_kv_u32(b, n, key, v);
}

static void mk_kv_arch_f32(struct mk_buf *b, uint64_t *n, const char *arch,
			   const char *k, float v)
{
	char key[96];

	snprintf(key, sizeof(key), "%s.%s", arch, k);
	mk_kv_f32(b, n, key, v);
}

/* Only keys llama.cpp knows, but for the activation of MK_ARCH_UNTIED. */
static void mk_meta(struct mk_buf *b, uint64_t *nkv,
		    const struct mk_preset *p, const struct mk_opts *o,
		    const struct mk_vocab *v, int tok, int relu2)
{
	uint32_t hd = p->n_embd / p->n_head;
	const char *arch = mk_arch(relu2, o->untied);

	mk_kv_str(b, nkv, "general.architecture", arch);
	mk_kv_str(b, nkv, "general.name", p->name);
	mk_kv_u32(b, nkv, "general.alignment", MK_ALIGN);
	mk_kv_u32(b, nkv, "general.quantization_version", 2);
	mk_kv_u32(b, nkv, "general.file_type", mk_file_type(o->wtype));
	mk_kv_arch_u32(b, nkv, arch, "context_length", p->n_ctx);
	mk_kv_arch_u32(b, nkv, arch, "embedding_length", p->n_embd);
	mk_kv_arch_u32(b, nkv, arch, "block_count", p->n_layer);
	mk_kv_arch_u32(b, nkv, arch, "feed_forward_length", p->n_ff);
	mk_kv_arch_u32(b, nkv, arch, "attention.head_count", p->n_head);
	mk_kv_arch_u32(b, nkv, arch, "attention.head_count_kv", p->n_head_kv);
	mk_kv_arch_f32(b, nkv, arch, "rope.freq_base", p->rope_theta);
	mk_kv_arch_u32(b, nkv, arch, "rope.dimension_count", hd);
	mk_kv_arch_f32(b, nkv, arch, "attention.layer_norm_rms_epsilon",
		       p->rms_eps);
	mk_kv_arch_u32(b, nkv, arch, "vocab_size", p->n_vocab);
	if (o->untied)
		mk_kv_str(b, nkv, "llmaccel.ffn_activation",
			  relu2 ? "relu2" : "silu");
	mk_kv_str(b, nkv, "tokenizer.ggml.model", tok == MK_SPM ? "llama" :
		  "gpt2");
	mk_kv_str(b, nkv, "tokenizer.ggml.pre", tok == MK_SPM ? "default" :
		  "gpt-2");
	mk_str(b, "tokenizer.ggml.tokens");
	mk_u32(b, MK_T_ARR);
	mk_u32(b, MK_T_STR);
	mk_u64(b, v->n);
	for (uint32_t i = 0; i < v->n; i++)
		mk_str(b, v->tok[i]);
	(*nkv)++;
	mk_str(b, "tokenizer.ggml.scores");
	mk_u32(b, MK_T_ARR);
	mk_u32(b, MK_T_F32);
	mk_u64(b, v->n);
	for (uint32_t i = 0; i < v->n; i++)
		mk_f32(b, v->score[i]);
	(*nkv)++;
	mk_str(b, "tokenizer.ggml.token_type");
	mk_u32(b, MK_T_ARR);
	mk_u32(b, MK_T_I32);
	mk_u64(b, v->n);
	for (uint32_t i = 0; i < v->n; i++)
		mk_u32(b, (uint32_t)v->type[i]);
	(*nkv)++;
	if (tok == MK_BPE) {
		mk_str(b, "tokenizer.ggml.merges");
		mk_u32(b, MK_T_ARR);
		mk_u32(b, MK_T_STR);
		mk_u64(b, v->n_merges);
		for (uint32_t i = 0; i < v->n_merges; i++)
			mk_str(b, v->merges[i]);
		(*nkv)++;
	}
	mk_kv_u32(b, nkv, "tokenizer.ggml.bos_token_id", v->bos);
	mk_kv_u32(b, nkv, "tokenizer.ggml.eos_token_id", v->eos);
	if (v->has_unk)
		mk_kv_u32(b, nkv, "tokenizer.ggml.unknown_token_id", v->unk);
	mk_kv_bool(b, nkv, "tokenizer.ggml.add_bos_token", 1);
	if (tok == MK_SPM)
		mk_kv_bool(b, nkv, "tokenizer.ggml.add_space_prefix", 1);
}

static int mk_flush(FILE *fp, struct mk_buf *b)
{
	if (b->oom)
		return -ENOMEM;
	if (b->len && fwrite(b->p, 1, b->len, fp) != b->len)
		return -EIO;
	b->len = 0;
	return 0;
}

static int mk_pad(struct mk_buf *b)
{
	while (b->len % MK_ALIGN)
		mk_u8(b, 0);
	return b->oom ? -ENOMEM : 0;
}

static const struct mk_preset *mk_preset_find(const char *name)
{
	for (size_t i = 0; i < sizeof(mk_presets) / sizeof(mk_presets[0]); i++)
		if (!strcmp(mk_presets[i].name, name))
			return &mk_presets[i];
	return NULL;
}

/* Write the model of @o to @fp; 0 or a negative errno. */
static int mk_write_model(FILE *fp, const struct mk_opts *o)
{
	const struct mk_preset *p = mk_preset_find(o->preset);
	struct mk_buf head = { 0 }, kv = { 0 }, data = { 0 };
	struct mk_tensor *t = NULL;
	struct mk_vocab v;
	uint64_t nkv = 0, off = 0, at;
	uint32_t nt;
	int tok, relu2, e;

	memset(&v, 0, sizeof(v));
	if (!p || (o->latent && o->wtype != MK_F16))
		return -EINVAL;
	tok = o->tok >= 0 ? o->tok : p->tok;
	relu2 = o->act >= 0 ? o->act : p->relu2;
	e = mk_vocab_build(&v, tok, p->n_vocab);
	if (e)
		goto out;
	t = calloc(11ull * p->n_layer + 4, sizeof(*t));
	if (!t) {
		e = -ENOMEM;
		goto out;
	}
	nt = mk_tensor_list(p, o->wtype, !o->untied, t);
	mk_meta(&kv, &nkv, p, o, &v, tok, relu2);
	mk_u32(&head, 0x46554747u);
	mk_u32(&head, 3);
	mk_u64(&head, nt);
	mk_u64(&head, nkv);
	mk_put(&head, kv.p, kv.len);
	for (uint32_t i = 0; i < nt; i++) {
		t[i].offset = off;
		off += (t[i].nbytes + MK_ALIGN - 1) / MK_ALIGN * MK_ALIGN;
		mk_str(&head, t[i].name);
		mk_u32(&head, t[i].ne1 ? 2 : 1);
		mk_u64(&head, t[i].ne0);
		if (t[i].ne1)
			mk_u64(&head, t[i].ne1);
		mk_u32(&head, t[i].type);
		mk_u64(&head, t[i].offset);
	}
	e = mk_pad(&head);
	at = head.len;
	if (!e)
		e = mk_flush(fp, &head);
	for (uint32_t i = 0; !e && i < nt; i++) {
		uint64_t s = o->seed * 0x100000001b3ull + i;

		e = mk_data(fp, &data, &t[i], &v, o->latent, &s);
		/* tensors start aligned: pad after each to the next boundary */
		for (uint64_t z = t[i].nbytes; !e && z % MK_ALIGN; z++)
			mk_u8(&data, 0);
		at += (t[i].nbytes + MK_ALIGN - 1) / MK_ALIGN * MK_ALIGN;
		if (!e)
			e = mk_flush(fp, &data);
		if (!o->quiet && nt > 100 && i % 50 == 49)
			fprintf(stderr, "llmaccel-mkmodel: %u/%u tensors, %.1f MB\n",
				i + 1, nt, (double)at / 1e6);
	}
out:
	free(head.p);
	free(kv.p);
	free(data.p);
	free(t);
	mk_vocab_free(&v);
	return e;
}

#ifndef MKMODEL_NO_MAIN
static void mk_usage(FILE *f)
{
	fprintf(f,
		"usage: llmaccel-mkmodel [--preset NAME] [--type TYPE] [--seed N]\n"
		"                        [--tokenizer spm|bpe] [--act relu2|silu]\n"
		"                        [--untied] [--latent] [--quiet] --out FILE\n"
		"Write a deterministic synthetic BitNet GGUF model.\n"
		"  --preset NAME   tiny (default), bitnet-0.7b, bitnet-2b, micro\n"
		"  --type TYPE     weight type of the linear layers: tq2_0 (default),\n"
		"                  tq1_0, i2_s, f16 (values in {-d, 0, +d}, as llama.cpp's\n"
		"                  converter writes them)\n"
		"  --seed N        random seed (default 1)\n"
		"  --tokenizer T   spm (\"llama\") or bpe (\"gpt2\"); default: the preset's\n"
		"  --act A         FFN activation relu2 or silu; default: the preset's\n"
		"  --out FILE      output file\n"
		"  --untied        write a separate output.weight; the file then has the\n"
		"                  architecture llmaccel-bitnet, which only llmaccel reads\n"
		"  --latent        with --type f16: latent master weights around the\n"
		"                  ternary values (a loader ternarizes them with absmean)\n"
		"  --quiet         no progress on stderr\n"
		"  --help          this text\n");
}

int main(int argc, char **argv)
{
	struct mk_opts o = { "tiny", NULL, MK_TQ2_0, -1, -1, 1, 0, 0, 0 };
	FILE *fp;
	int e;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			mk_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o.quiet = 1;
			continue;
		} else if (!strcmp(a, "--untied")) {
			o.untied = 1;
			continue;
		} else if (!strcmp(a, "--latent")) {
			o.latent = 1;
			continue;
		}
		if (!val) {
			fprintf(stderr, "llmaccel-mkmodel: unknown option or missing value: %s\n", a);
			mk_usage(stderr);
			return 2;
		}
		i++;
		if (!strcmp(a, "--preset") || !strcmp(a, "-p")) {
			o.preset = val;
		} else if (!strcmp(a, "--out") || !strcmp(a, "-o")) {
			o.out = val;
		} else if (!strcmp(a, "--seed") || !strcmp(a, "-s")) {
			char *end;

			errno = 0;
			o.seed = strtoull(val, &end, 0);
			if (errno || *end || !*val) {
				fprintf(stderr, "llmaccel-mkmodel: bad seed '%s'\n", val);
				return 2;
			}
		} else if (!strcmp(a, "--type") || !strcmp(a, "-t")) {
			if (!strcmp(val, "tq2_0"))
				o.wtype = MK_TQ2_0;
			else if (!strcmp(val, "tq1_0"))
				o.wtype = MK_TQ1_0;
			else if (!strcmp(val, "i2_s"))
				o.wtype = MK_I2_S;
			else if (!strcmp(val, "f16"))
				o.wtype = MK_F16;
			else {
				fprintf(stderr, "llmaccel-mkmodel: unknown type '%s' (tq2_0, tq1_0, i2_s, f16)\n", val);
				return 2;
			}
		} else if (!strcmp(a, "--tokenizer")) {
			if (!strcmp(val, "spm"))
				o.tok = MK_SPM;
			else if (!strcmp(val, "bpe"))
				o.tok = MK_BPE;
			else {
				fprintf(stderr, "llmaccel-mkmodel: unknown tokenizer '%s' (spm, bpe)\n", val);
				return 2;
			}
		} else if (!strcmp(a, "--act")) {
			if (!strcmp(val, "relu2"))
				o.act = 1;
			else if (!strcmp(val, "silu"))
				o.act = 0;
			else {
				fprintf(stderr, "llmaccel-mkmodel: unknown activation '%s' (relu2, silu)\n", val);
				return 2;
			}
		} else {
			fprintf(stderr, "llmaccel-mkmodel: unknown option %s\n", a);
			mk_usage(stderr);
			return 2;
		}
	}
	if (!mk_preset_find(o.preset)) {
		fprintf(stderr, "llmaccel-mkmodel: unknown preset '%s' (tiny, bitnet-0.7b, bitnet-2b, micro)\n",
			o.preset);
		return 2;
	}
	if (o.latent && o.wtype != MK_F16) {
		fprintf(stderr, "llmaccel-mkmodel: --latent needs --type f16\n");
		return 2;
	}
	if (!o.out) {
		fprintf(stderr, "llmaccel-mkmodel: --out FILE is required\n");
		mk_usage(stderr);
		return 2;
	}
	fp = fopen(o.out, "wb");
	if (!fp) {
		fprintf(stderr, "llmaccel-mkmodel: %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	e = mk_write_model(fp, &o);
	if (fclose(fp) && !e)
		e = -EIO;
	if (e) {
		fprintf(stderr, "llmaccel-mkmodel: writing %s: %s\n", o.out,
			strerror(-e));
		remove(o.out);
		return 1;
	}
	if (!o.quiet)
		fprintf(stderr, "llmaccel-mkmodel: wrote %s (preset %s, seed %" PRIu64
			", architecture %s%s)\n", o.out, o.preset, o.seed,
			mk_arch(o.act >= 0 ? o.act : mk_preset_find(o.preset)->relu2,
				o.untied),
			o.untied ? ": llama.cpp and bitnet.cpp do not read it" : "");
	return 0;
}
#endif
