// SPDX-License-Identifier: MIT
/*
 * Tokenizers from GGUF metadata: SentencePiece-style ("llama") and
 * byte-level BPE ("gpt2").  See tokenizer.h for the rules.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tokenizer.h"

#define TOK_SPACE	"\xe2\x96\x81"	/* U+2581 LOWER ONE EIGHTH BLOCK */

struct tok_map {		/* string -> index, open addressing */
	uint32_t *slots;	/* index + 1, 0 = empty */
	uint64_t cap;
};

struct tokenizer {
	uint32_t kind;
	uint32_t n;
	char *arena;		/* token texts, each NUL-terminated */
	uint64_t *off;
	uint32_t *len;
	float *score;
	uint8_t *type;
	struct tok_map map;
	int32_t byte_id[256];	/* byte -> token, -1 if none */
	char *marena;		/* BPE merges "a b", NUL-terminated */
	uint64_t *moff;
	uint32_t *mlen;
	uint32_t n_merges;
	struct tok_map mmap;
	/* No pair longer than these can be a token or a merge: no lookup. */
	uint32_t max_len, max_mlen;
	/*
	 * Bit a * 256 + b: some token has byte b right after byte a.  Where
	 * the text has two bytes that never do, no SPM merge crosses.
	 */
	uint8_t pairs[65536 / 8];
	int32_t bos, eos, unk;
	int add_bos, add_space_prefix;
	uint16_t b2u[256];	/* GPT-2 bytes_to_unicode */
	int16_t u2b[512];	/* inverse, -1 if none */
};

static uint64_t tok_hash(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

static int tok_map_init(struct tok_map *m, uint64_t n)
{
	m->cap = 16;
	while (m->cap <= 2 * n)
		m->cap <<= 1;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	return m->slots ? 0 : -ENOMEM;
}

/* Find @p/@len among strings (arena, off, len); -1 if absent. */
static int64_t tok_map_find(const struct tok_map *m, const char *arena,
			    const uint64_t *off, const uint32_t *lens,
			    const char *p, size_t len)
{
	uint64_t h = tok_hash(p, len) & (m->cap - 1);

	while (m->slots[h]) {
		uint32_t i = m->slots[h] - 1;

		if (lens[i] == len && !memcmp(arena + off[i], p, len))
			return i;
		h = (h + 1) & (m->cap - 1);
	}
	return -1;
}

/* Insert index @i unless its string is there already (first wins). */
static void tok_map_add(struct tok_map *m, const char *arena,
			const uint64_t *off, const uint32_t *lens, uint32_t i)
{
	uint64_t h = tok_hash(arena + off[i], lens[i]) & (m->cap - 1);

	while (m->slots[h]) {
		uint32_t o = m->slots[h] - 1;

		if (lens[o] == lens[i] &&
		    !memcmp(arena + off[o], arena + off[i], lens[i]))
			return;
		h = (h + 1) & (m->cap - 1);
	}
	m->slots[h] = i + 1;
}

/* Copy strings into one arena with offsets and lengths. */
static int tok_copy_strs(const struct gguf_kv *kv, char **arena,
			 uint64_t **off, uint32_t **lens, char *err,
			 size_t errlen, const char *what)
{
	uint64_t total = 0, at = 0;

	for (uint64_t i = 0; i < kv->n; i++) {
		if (kv->strs[i].len > UINT32_MAX / 2)
			return gguf_fail(err, errlen, "%s %llu is too long", what,
					(unsigned long long)i);
		total += kv->strs[i].len + 1;
	}
	*arena = malloc(total ? total : 1);
	*off = malloc((kv->n ? kv->n : 1) * sizeof(**off));
	*lens = malloc((kv->n ? kv->n : 1) * sizeof(**lens));
	if (!*arena || !*off || !*lens)
		return -ENOMEM;
	for (uint64_t i = 0; i < kv->n; i++) {
		memcpy(*arena + at, kv->strs[i].p, kv->strs[i].len);
		(*arena)[at + kv->strs[i].len] = 0;
		(*off)[i] = at;
		(*lens)[i] = (uint32_t)kv->strs[i].len;
		at += kv->strs[i].len + 1;
	}
	return 0;
}

static void tok_init_bytes_to_unicode(struct tokenizer *t)
{
	uint32_t n = 0;

	for (int i = 0; i < 512; i++)
		t->u2b[i] = -1;
	for (int b = 0; b < 256; b++) {
		int printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) ||
				(b >= 174 && b <= 255);

		t->b2u[b] = (uint16_t)(printable ? (uint32_t)b : 256 + n++);
		t->u2b[t->b2u[b]] = (int16_t)b;
	}
}

/* UTF-8 of code point @cp (< 0x800) into @o; returns bytes. */
static int tok_put_cp(uint32_t cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	o[0] = (char)(0xc0 | (cp >> 6));
	o[1] = (char)(0x80 | (cp & 0x3f));
	return 2;
}

/* Parse "<0xXX>" (upper- or lower-case hex); -1 if not. */
static int tok_parse_byte(const char *s, uint32_t len)
{
	int v = 0;

	if (len != 6 || memcmp(s, "<0x", 3) || s[5] != '>')
		return -1;
	for (int i = 3; i < 5; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else
			return -1;
	}
	return v;
}

static int tok_special_id(const struct gguf_file *f, const char *key,
			  uint32_t n, int32_t *id, char *err, size_t errlen)
{
	uint32_t v = 0;
	int e = gguf_get_u32(f, key, &v, err, errlen);

	if (e == -ENOENT)
		return 0;
	if (e)
		return e;
	if (v >= n)
		return gguf_fail(err, errlen, "%s = %u is not below the vocabulary size %u",
				key, v, n);
	*id = (int32_t)v;
	return 0;
}

static int tok_load_meta(const struct gguf_file *f, struct tokenizer *t,
			 char *err, size_t errlen)
{
	const struct gguf_kv *kv = NULL;
	int e, b = 0;

	e = gguf_get_arr(f, "tokenizer.ggml.scores", GGUF_T_FLOAT32, &kv, err,
			 errlen);
	if (e && e != -ENOENT)
		return e;
	if (!e && kv->n != t->n)
		return gguf_fail(err, errlen,
				"tokenizer.ggml.scores has %llu entries for %u tokens",
				(unsigned long long)kv->n, t->n);
	for (uint32_t i = 0; i < t->n; i++) {
		t->score[i] = e ? 0.0f : (float)gguf_arr_num(kv, i);
		if (!isfinite(t->score[i]))
			t->score[i] = -INFINITY;
	}
	e = gguf_get_arr(f, "tokenizer.ggml.token_type", GGUF_T_INT32, &kv,
			 err, errlen);
	if (e && e != -ENOENT)
		return e;
	if (!e && kv->n != t->n)
		return gguf_fail(err, errlen,
				"tokenizer.ggml.token_type has %llu entries for %u tokens",
				(unsigned long long)kv->n, t->n);
	for (uint32_t i = 0; i < t->n; i++) {
		double v = e ? TOK_T_NORMAL : gguf_arr_num(kv, i);

		t->type[i] = v >= 0 && v <= TOK_T_BYTE ? (uint8_t)v :
			     TOK_T_UNDEFINED;
	}
	t->bos = t->eos = t->unk = -1;
	e = tok_special_id(f, "tokenizer.ggml.bos_token_id", t->n, &t->bos,
			   err, errlen);
	if (!e)
		e = tok_special_id(f, "tokenizer.ggml.eos_token_id", t->n,
				   &t->eos, err, errlen);
	if (!e)
		e = tok_special_id(f, "tokenizer.ggml.unknown_token_id", t->n,
				   &t->unk, err, errlen);
	if (e)
		return e;
	t->add_bos = t->kind == TOK_SPM;
	e = gguf_get_bool(f, "tokenizer.ggml.add_bos_token", &b, err, errlen);
	if (!e)
		t->add_bos = b;
	else if (e != -ENOENT)
		return e;
	t->add_space_prefix = t->kind == TOK_SPM;
	e = gguf_get_bool(f, "tokenizer.ggml.add_space_prefix", &b, err,
			  errlen);
	if (!e)
		t->add_space_prefix = b;
	else if (e != -ENOENT)
		return e;
	return 0;
}

static int tok_load_merges(const struct gguf_file *f, struct tokenizer *t,
			   char *err, size_t errlen)
{
	const struct gguf_kv *kv;
	int e;

	e = gguf_get_arr(f, "tokenizer.ggml.merges", GGUF_T_STRING, &kv, err,
			 errlen);
	if (e == -ENOENT)
		return gguf_fail(err, errlen,
				"tokenizer.ggml.merges is missing (needed by the gpt2 tokenizer)");
	if (e)
		return e;
	if (kv->n > UINT32_MAX / 4)
		return gguf_fail(err, errlen, "tokenizer.ggml.merges is too long");
	t->n_merges = (uint32_t)kv->n;
	e = tok_copy_strs(kv, &t->marena, &t->moff, &t->mlen, err, errlen,
			  "merge");
	if (!e)
		e = tok_map_init(&t->mmap, t->n_merges);
	if (e)
		return e;
	for (uint32_t i = 0; i < t->n_merges; i++) {
		if (!memchr(t->marena + t->moff[i], ' ', t->mlen[i]))
			return gguf_fail(err, errlen,
					"tokenizer.ggml.merges entry %u has no space", i);
		tok_map_add(&t->mmap, t->marena, t->moff, t->mlen, i);
		if (t->mlen[i] > t->max_mlen)
			t->max_mlen = t->mlen[i];
	}
	return 0;
}

static void tok_find_bytes(struct tokenizer *t)
{
	char s[4];
	int64_t id;

	for (int b = 0; b < 256; b++)
		t->byte_id[b] = -1;
	if (t->kind == TOK_SPM) {
		for (uint32_t i = 0; i < t->n; i++) {
			int b = tok_parse_byte(t->arena + t->off[i], t->len[i]);

			if (b >= 0 && t->byte_id[b] < 0 &&
			    (t->type[i] == TOK_T_BYTE ||
			     t->type[i] == TOK_T_UNDEFINED))
				t->byte_id[b] = (int32_t)i;
		}
		return;
	}
	for (int b = 0; b < 256; b++) {
		int l = tok_put_cp(t->b2u[b], s);

		id = tok_map_find(&t->map, t->arena, t->off, t->len, s, l);
		t->byte_id[b] = (int32_t)id;
	}
}

MDL_API int tok_load(const struct gguf_file *f, struct tokenizer **out,
		     char *err, size_t errlen)
{
	const struct gguf_kv *kv;
	struct gguf_str model = { NULL, 0 };
	struct tokenizer *t;
	int e;

	if (err && errlen)
		err[0] = 0;
	*out = NULL;
	e = gguf_get_str(f, "tokenizer.ggml.model", &model, err, errlen);
	if (e == -ENOENT)
		return gguf_fail(err, errlen, "tokenizer.ggml.model is missing");
	if (e)
		return e;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (gguf_str_eq(model, "llama")) {
		t->kind = TOK_SPM;
	} else if (gguf_str_eq(model, "gpt2")) {
		t->kind = TOK_BPE;
	} else {
		e = gguf_fail(err, errlen,
			     "unsupported tokenizer.ggml.model (only \"llama\" and \"gpt2\")");
		goto fail;
	}
	tok_init_bytes_to_unicode(t);
	e = gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_T_STRING, &kv, err,
			 errlen);
	if (e == -ENOENT)
		e = gguf_fail(err, errlen, "tokenizer.ggml.tokens is missing");
	if (e)
		goto fail;
	if (kv->n == 0 || kv->n > INT32_MAX) {
		e = gguf_fail(err, errlen,
			     "tokenizer.ggml.tokens has %llu entries",
			     (unsigned long long)kv->n);
		goto fail;
	}
	t->n = (uint32_t)kv->n;
	e = tok_copy_strs(kv, &t->arena, &t->off, &t->len, err, errlen,
			  "token");
	if (e)
		goto fail;
	t->score = malloc(t->n * sizeof(*t->score));
	t->type = malloc(t->n);
	if (!t->score || !t->type || tok_map_init(&t->map, t->n)) {
		e = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < t->n; i++) {
		const unsigned char *p =
			(const unsigned char *)t->arena + t->off[i];

		tok_map_add(&t->map, t->arena, t->off, t->len, i);
		if (t->len[i] > t->max_len)
			t->max_len = t->len[i];
		for (uint32_t k = 1; k < t->len[i]; k++)
			t->pairs[(p[k - 1] << 5) | (p[k] >> 3)] |=
				(uint8_t)(1u << (p[k] & 7));
	}
	e = tok_load_meta(f, t, err, errlen);
	if (!e && t->kind == TOK_BPE)
		e = tok_load_merges(f, t, err, errlen);
	if (e)
		goto fail;
	tok_find_bytes(t);
	*out = t;
	return 0;
fail:
	if (e == -ENOMEM && err && errlen)
		snprintf(err, errlen, "tokenizer: out of memory");
	tok_free(t);
	return e;
}

MDL_API void tok_free(struct tokenizer *t)
{
	if (!t)
		return;
	free(t->arena);
	free(t->off);
	free(t->len);
	free(t->score);
	free(t->type);
	free(t->map.slots);
	free(t->marena);
	free(t->moff);
	free(t->mlen);
	free(t->mmap.slots);
	free(t);
}

MDL_API uint32_t tok_kind(const struct tokenizer *t)
{
	return t->kind;
}

MDL_API uint32_t tok_n_vocab(const struct tokenizer *t)
{
	return t->n;
}

MDL_API int32_t tok_bos(const struct tokenizer *t)
{
	return t->bos;
}

MDL_API int32_t tok_eos(const struct tokenizer *t)
{
	return t->eos;
}

MDL_API int tok_add_bos(const struct tokenizer *t)
{
	return t->add_bos;
}

MDL_API const char *tok_text(const struct tokenizer *t, int32_t id,
			     size_t *len)
{
	if (id < 0 || (uint32_t)id >= t->n)
		return NULL;
	if (len)
		*len = t->len[id];
	return t->arena + t->off[id];
}

/* ------------------------------------------------------------------ */
/* encoding                                                            */
/* ------------------------------------------------------------------ */

struct tok_out {
	int32_t *ids;
	size_t max, n;
};

static void tok_emit(struct tok_out *o, int32_t id)
{
	if (o->n < o->max)
		o->ids[o->n] = id;
	o->n++;
}

static int64_t tok_lookup(const struct tokenizer *t, const char *p, size_t l)
{
	return tok_map_find(&t->map, t->arena, t->off, t->len, p, l);
}

/* Emit symbol text as a token, else its bytes, else unknown. */
static void tok_emit_sym(const struct tokenizer *t, struct tok_out *o,
			 const char *p, size_t l, const unsigned char *raw,
			 size_t rawlen)
{
	int64_t id = tok_lookup(t, p, l);

	if (id >= 0) {
		tok_emit(o, (int32_t)id);
		return;
	}
	for (size_t i = 0; i < rawlen; i++) {
		if (t->byte_id[raw[i]] >= 0)
			tok_emit(o, t->byte_id[raw[i]]);
		else if (t->unk >= 0)
			tok_emit(o, t->unk);
	}
}

/* Length of the UTF-8 sequence starting with @c (llama.cpp's rule). */
static size_t tok_utf8_len(unsigned char c)
{
	static const uint8_t lens[16] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4,
	};

	return lens[c >> 4];
}

/*
 * Both encoders merge adjacent symbols of a doubly linked list, best pair
 * first, and keep every mergeable pair in a binary heap (llama.cpp's
 * llm_tokenizer_spm/bpe): O(n log n) where rescanning all pairs after each
 * merge was O(n^2).  A pair is not removed from the heap when a merge next
 * to it changes it; it is dropped when popped (tok_cand_live).
 */
struct tok_sym {
	size_t start, len;	/* bytes of the symbol buffer; len 0: merged */
	int64_t prev, next;	/* -1 at the ends */
};

struct tok_cand {
	double prio;		/* SPM score, or -rank for BPE: higher first */
	size_t left;		/* merge this symbol with the one after it */
	size_t size;		/* the pair's length when it was queued */
};

struct tok_heap {
	struct tok_cand *v;
	size_t n, cap;
};

/*
 * Highest priority first, then leftmost: the pair the whole-list scan
 * picked, so the merges (and the tokens) are the same.  Scores are
 * compared as numbers (-0 ties with +0), as that scan compared them.
 */
static int tok_cand_before(const struct tok_cand *a, const struct tok_cand *b)
{
	return a->prio > b->prio || (a->prio == b->prio && a->left < b->left);
}

static int tok_heap_push(struct tok_heap *h, double prio, size_t left,
			 size_t size)
{
	struct tok_cand c = { prio, left, size };
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct tok_cand *v;

		if (cap > SIZE_MAX / sizeof(*v))
			return -ENOMEM;
		v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	for (i = h->n++; i > 0; i = (i - 1) / 2) {
		if (!tok_cand_before(&c, &h->v[(i - 1) / 2]))
			break;
		h->v[i] = h->v[(i - 1) / 2];
	}
	h->v[i] = c;
	return 0;
}

static struct tok_cand tok_heap_pop(struct tok_heap *h)
{
	struct tok_cand top = h->v[0], last = h->v[--h->n];
	size_t i = 0;

	if (!h->n)
		return top;
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && tok_cand_before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!tok_cand_before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	h->v[i] = last;
	return top;
}

/*
 * Symbols only grow, and only by absorbing their right neighbour.  While
 * @left has absorbed nothing, its neighbour is the one queued, and the
 * sum is unchanged exactly when that neighbour is; once it has, the sum
 * is larger.  So an unchanged sum means the pair is the one queued.
 */
static int tok_cand_live(const struct tok_sym *s, const struct tok_cand *c)
{
	const struct tok_sym *l = &s[c->left];

	return l->len && l->next >= 0 && l->len + s[l->next].len == c->size;
}

static void tok_merge(struct tok_sym *s, int64_t l)
{
	int64_t r = s[l].next;

	s[l].len += s[r].len;
	s[r].len = 0;
	s[l].next = s[r].next;
	if (s[r].next >= 0)
		s[s[r].next].prev = l;
}

/* Queue symbol @i with its right neighbour if the pair is a token. */
static int tok_spm_queue(const struct tokenizer *t, const char *buf,
			 const struct tok_sym *s, int64_t i, struct tok_heap *h)
{
	size_t size;
	int64_t id;

	if (i < 0 || s[i].next < 0)
		return 0;
	size = s[i].len + s[s[i].next].len;
	if (size > t->max_len)
		return 0;
	id = tok_lookup(t, buf + s[i].start, size);
	/* a -INF (or non-finite) score marks a token never merged into */
	if (id < 0 || t->score[id] == -INFINITY)
		return 0;
	return tok_heap_push(h, t->score[id], (size_t)i, size);
}

/*
 * Merges never cross a boundary between two bytes no token has side by
 * side, and the pairs on either side of it keep their relative order in
 * the heap, so each run of symbols between such boundaries (a word, with
 * a usual vocabulary) is merged and emitted on its own, in buffers that
 * are reused and stay small.
 */
struct tok_spm_seg {
	char *buf;		/* symbol texts, spaces as U+2581 */
	struct tok_sym *sym;
	size_t bl, ns;		/* bytes and symbols in use */
	size_t bcap, scap;
	struct tok_heap heap;
};

static int tok_spm_flush(const struct tokenizer *t, struct tok_spm_seg *g,
			 struct tok_out *o)
{
	struct tok_sym *s = g->sym;
	int e = 0;

	if (!g->ns)
		return 0;
	s[g->ns - 1].next = -1;
	g->heap.n = 0;
	for (size_t i = 0; i < g->ns && !e; i++)
		e = tok_spm_queue(t, g->buf, s, (int64_t)i, &g->heap);
	while (!e && g->heap.n) {
		struct tok_cand c = tok_heap_pop(&g->heap);
		int64_t l = (int64_t)c.left;

		if (!tok_cand_live(s, &c))
			continue;
		tok_merge(s, l);
		e = tok_spm_queue(t, g->buf, s, s[l].prev, &g->heap);
		if (!e)
			e = tok_spm_queue(t, g->buf, s, l, &g->heap);
	}
	for (int64_t i = 0; !e && i >= 0; i = s[i].next)
		tok_emit_sym(t, o, g->buf + s[i].start, s[i].len,
			     (const unsigned char *)g->buf + s[i].start,
			     s[i].len);
	g->ns = g->bl = 0;
	return e;
}

/* Append one character symbol, first ending the segment if no merge can
 * join it to the previous one. */
static int tok_spm_sym(const struct tokenizer *t, struct tok_spm_seg *g,
		       const char *src, size_t l, struct tok_out *o)
{
	struct tok_sym *s;
	int e;

	if (g->bl) {
		unsigned char a = (unsigned char)g->buf[g->bl - 1];
		unsigned char b = (unsigned char)src[0];

		if (!(t->pairs[(a << 5) | (b >> 3)] & (1u << (b & 7)))) {
			e = tok_spm_flush(t, g, o);
			if (e)
				return e;
		}
	}
	if (g->bl + l > g->bcap) {
		size_t cap = 2 * g->bcap + l + 64;
		char *buf;

		if (cap < g->bcap)
			return -ENOMEM;
		buf = realloc(g->buf, cap);
		if (!buf)
			return -ENOMEM;
		g->buf = buf;
		g->bcap = cap;
	}
	if (g->ns == g->scap) {
		size_t cap = 2 * g->scap + 64;

		if (cap > SIZE_MAX / sizeof(*s))
			return -ENOMEM;
		s = realloc(g->sym, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		g->sym = s;
		g->scap = cap;
	}
	s = &g->sym[g->ns];
	memcpy(g->buf + g->bl, src, l);
	s->start = g->bl;
	s->len = l;
	s->prev = (int64_t)g->ns - 1;
	s->next = (int64_t)g->ns + 1;
	g->bl += l;
	g->ns++;
	return 0;
}

static int tok_encode_spm(const struct tokenizer *t, const char *text,
			  size_t len, struct tok_out *o)
{
	struct tok_spm_seg g = { NULL, NULL, 0, 0, 0, 0, { NULL, 0, 0 } };
	int e = 0;

	if (!len)
		return 0;
	/*
	 * Symbols are the UTF-8 characters of the text; a space is always a
	 * symbol of its own (U+2581), so a truncated multi-byte sequence
	 * before it cannot swallow part of the marker.
	 */
	if (t->add_space_prefix)
		e = tok_spm_sym(t, &g, TOK_SPACE, 3, o);
	for (size_t i = 0; i < len && !e;) {
		size_t l = 1;

		if (text[i] == ' ') {
			e = tok_spm_sym(t, &g, TOK_SPACE, 3, o);
			i++;
			continue;
		}
		l = tok_utf8_len((unsigned char)text[i]);
		for (size_t k = 1; k < l; k++)
			if (i + k >= len || text[i + k] == ' ') {
				l = k;
				break;
			}
		e = tok_spm_sym(t, &g, text + i, l, o);
		i += l;
	}
	if (!e)
		e = tok_spm_flush(t, &g, o);
	free(g.buf);
	free(g.sym);
	free(g.heap.v);
	return e;
}

/* ---- byte-level BPE ---- */

enum { TOK_C_SPACE, TOK_C_LETTER, TOK_C_DIGIT, TOK_C_OTHER };

static int tok_class(unsigned char c)
{
	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return TOK_C_SPACE;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80)
		return TOK_C_LETTER;
	if (c >= '0' && c <= '9')
		return TOK_C_DIGIT;
	return TOK_C_OTHER;
}

/* End of the pre-token starting at @i (GPT-2 pattern). */
static size_t tok_pretoken(const unsigned char *s, size_t len, size_t i)
{
	static const char *const contr[] = { "'s", "'t", "'re", "'ve", "'m",
					     "'ll", "'d" };
	size_t j = i, k;
	int c;

	if (s[i] == '\'')
		for (size_t n = 0; n < sizeof(contr) / sizeof(contr[0]); n++) {
			size_t l = strlen(contr[n]);

			if (l <= len - i && !memcmp(s + i, contr[n], l))
				return i + l;
		}
	if (s[j] == ' ' && j + 1 < len && tok_class(s[j + 1]) != TOK_C_SPACE)
		j++;
	c = tok_class(s[j]);
	if (c != TOK_C_SPACE) {
		while (j < len && tok_class(s[j]) == c)
			j++;
		return j;
	}
	for (k = i; k < len && tok_class(s[k]) == TOK_C_SPACE; k++)
		;
	/* \s+(?!\S): leave the last space to prefix the next word */
	if (k < len && k - i > 1)
		return k - 1;
	return k;
}

/*
 * Buffers reused from word to word, grown to the longest word so far.
 * Symbol i starts as byte i of the word, and a merged symbol keeps the
 * index of its first byte, so its raw bytes run up to its successor's
 * index: they need not be stored.
 */
struct tok_bpe_scratch {
	char *buf;		/* the word's bytes as GPT-2 code points */
	struct tok_sym *sym;
	size_t cap;		/* bytes of word the two above hold */
	char *key;		/* "left right", as merges are stored */
	struct tok_heap heap;
};

/* Queue symbol @i with its right neighbour if the pair is a merge. */
static int tok_bpe_queue(const struct tokenizer *t,
			 struct tok_bpe_scratch *sc, int64_t i)
{
	const struct tok_sym *s = sc->sym, *a, *b;
	size_t kl;
	int64_t rank;

	if (i < 0 || s[i].next < 0)
		return 0;
	a = &s[i];
	b = &s[a->next];
	kl = a->len + 1 + b->len;
	if (kl > t->max_mlen)
		return 0;
	memcpy(sc->key, sc->buf + a->start, a->len);
	sc->key[a->len] = ' ';
	memcpy(sc->key + a->len + 1, sc->buf + b->start, b->len);
	rank = tok_map_find(&t->mmap, t->marena, t->moff, t->mlen, sc->key,
			    kl);
	if (rank < 0)
		return 0;
	return tok_heap_push(&sc->heap, -(double)rank, (size_t)i,
			     a->len + b->len);
}

static int tok_bpe_word(const struct tokenizer *t, const unsigned char *w,
			size_t wl, struct tok_bpe_scratch *sc,
			struct tok_out *o)
{
	struct tok_sym *s;
	size_t bl = 0;
	int e = 0;

	if (wl > sc->cap) {
		size_t cap = wl > 2 * sc->cap ? wl : 2 * sc->cap;
		char *buf;

		if (cap > SIZE_MAX / 2 / sizeof(*s))
			return -ENOMEM;
		buf = realloc(sc->buf, 2 * cap);
		if (!buf)
			return -ENOMEM;
		sc->buf = buf;
		s = realloc(sc->sym, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		sc->sym = s;
		sc->cap = cap;
	}
	s = sc->sym;
	for (size_t i = 0; i < wl; i++) {
		s[i].start = bl;
		s[i].len = (size_t)tok_put_cp(t->b2u[w[i]], sc->buf + bl);
		s[i].prev = (int64_t)i - 1;
		s[i].next = i + 1 < wl ? (int64_t)i + 1 : -1;
		bl += s[i].len;
	}
	sc->heap.n = 0;
	for (size_t i = 0; i + 1 < wl && !e; i++)
		e = tok_bpe_queue(t, sc, (int64_t)i);
	while (!e && sc->heap.n) {
		struct tok_cand c = tok_heap_pop(&sc->heap);
		int64_t l = (int64_t)c.left;

		if (!tok_cand_live(s, &c))
			continue;
		tok_merge(s, l);
		e = tok_bpe_queue(t, sc, s[l].prev);
		if (!e)
			e = tok_bpe_queue(t, sc, l);
	}
	for (int64_t i = 0; !e && i >= 0; i = s[i].next) {
		size_t end = s[i].next >= 0 ? (size_t)s[i].next : wl;
		int64_t id = s[i].len <= t->max_len ?
			     tok_lookup(t, sc->buf + s[i].start, s[i].len) : -1;

		if (id >= 0) {
			tok_emit(o, (int32_t)id);
			continue;
		}
		for (size_t b = (size_t)i; b < end; b++) {
			int32_t bid = t->byte_id[w[b]];

			if (bid >= 0)
				tok_emit(o, bid);
			else if (t->unk >= 0)
				tok_emit(o, t->unk);
		}
	}
	return e;
}

static int tok_encode_bpe(const struct tokenizer *t, const char *text,
			  size_t len, struct tok_out *o)
{
	const unsigned char *s = (const unsigned char *)text;
	struct tok_bpe_scratch sc = { NULL, NULL, 0, NULL, { NULL, 0, 0 } };
	int e = 0;

	sc.key = malloc((size_t)t->max_mlen + 1);
	if (!sc.key)
		return -ENOMEM;
	for (size_t i = 0; i < len && !e;) {
		size_t end = tok_pretoken(s, len, i);

		e = tok_bpe_word(t, s + i, end - i, &sc, o);
		i = end;
	}
	free(sc.buf);
	free(sc.sym);
	free(sc.key);
	free(sc.heap.v);
	return e;
}

MDL_API int tok_encode(const struct tokenizer *t, const char *text,
		       size_t len, int add_bos, int32_t *ids, size_t max,
		       size_t *n)
{
	struct tok_out o = { ids, ids ? max : 0, 0 };
	int e;

	if (!t || (!text && len) || !n)
		return -EINVAL;
	if (add_bos && t->bos >= 0)
		tok_emit(&o, t->bos);
	e = t->kind == TOK_SPM ? tok_encode_spm(t, text, len, &o) :
				 tok_encode_bpe(t, text, len, &o);
	if (e)
		return e;
	*n = o.n;
	return o.n > o.max ? -ENOSPC : 0;
}

/* ------------------------------------------------------------------ */
/* decoding                                                            */
/* ------------------------------------------------------------------ */

static void tok_put(char *buf, size_t cap, size_t *at, char c)
{
	if (*at < cap)
		buf[*at] = c;
	(*at)++;
}

MDL_API int tok_piece(const struct tokenizer *t, int32_t id, char *buf,
		      size_t cap)
{
	const unsigned char *p;
	size_t at = 0, l;

	if (!t || id < 0 || (uint32_t)id >= t->n)
		return -EINVAL;
	p = (const unsigned char *)t->arena + t->off[id];
	l = t->len[id];
	if (t->type[id] == TOK_T_CONTROL)
		return 0;
	if (t->kind == TOK_SPM) {
		int b = t->type[id] == TOK_T_BYTE ||
			t->type[id] == TOK_T_UNDEFINED ?
			tok_parse_byte((const char *)p, (uint32_t)l) : -1;

		if (b >= 0) {
			tok_put(buf, cap, &at, (char)b);
			return (int)at;
		}
		for (size_t i = 0; i < l; i++) {
			if (i + 3 <= l && !memcmp(p + i, TOK_SPACE, 3)) {
				tok_put(buf, cap, &at, ' ');
				i += 2;
			} else {
				tok_put(buf, cap, &at, (char)p[i]);
			}
		}
		return (int)at;
	}
	if (t->type[id] == TOK_T_USER_DEFINED) {
		for (size_t i = 0; i < l; i++)
			tok_put(buf, cap, &at, (char)p[i]);
		return (int)at;
	}
	for (size_t i = 0; i < l;) {
		uint32_t cp = p[i];
		size_t n = 1;

		if ((cp & 0xe0) == 0xc0 && i + 1 < l &&
		    (p[i + 1] & 0xc0) == 0x80) {
			cp = (cp & 0x1f) << 6 | (p[i + 1] & 0x3f);
			n = 2;
		}
		if (cp < 512 && t->u2b[cp] >= 0 && (n == 2 || cp < 0x80)) {
			tok_put(buf, cap, &at, (char)t->u2b[cp]);
		} else {
			for (size_t k = 0; k < n; k++)
				tok_put(buf, cap, &at, (char)p[i + k]);
		}
		i += n;
	}
	return (int)at;
}

MDL_API int tok_decode(const struct tokenizer *t, const int32_t *ids,
		       size_t n, char *buf, size_t cap, size_t *len)
{
	size_t at = 0, skip = 0;

	if (!t || (!ids && n) || !len || (!buf && cap))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int l = tok_piece(t, ids[i], at < cap ? buf + at : NULL,
				  at < cap ? cap - at : 0);

		if (l < 0)
			return l;
		/* the space the "llama" encoder prepended */
		if (t->kind == TOK_SPM && t->add_space_prefix && at == 0 &&
		    !skip && l > 0) {
			skip = 1;
			if (cap && buf[0] == ' ') {
				memmove(buf, buf + 1,
					(size_t)l - 1 < cap ? (size_t)l - 1 :
					cap - 1);
				l--;
			} else if (!cap) {
				char c;

				if (tok_piece(t, ids[i], &c, 1) > 0 && c == ' ')
					l--;
			}
		}
		at += (size_t)l;
	}
	*len = at;
	if (at >= cap)
		return -ENOSPC;
	buf[at] = 0;
	return 0;
}
