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
	for (uint32_t i = 0; i < t->n; i++)
		tok_map_add(&t->map, t->arena, t->off, t->len, i);
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

struct tok_sym {
	size_t start, len;
	int64_t prev, next;
	float ps;		/* score of merging with next, -INF if none */
};

static float tok_spm_pair(const struct tokenizer *t, const char *buf,
			  const struct tok_sym *s, int64_t i)
{
	int64_t id;

	if (i < 0 || s[i].next < 0)
		return -INFINITY;
	id = tok_lookup(t, buf + s[i].start, s[i].len + s[s[i].next].len);
	return id < 0 ? -INFINITY : t->score[id];
}

static void tok_spm_sym(struct tok_sym *s, size_t *ns, char *buf, size_t *bl,
			const char *src, size_t l)
{
	memcpy(buf + *bl, src, l);
	s[*ns].start = *bl;
	s[*ns].len = l;
	s[*ns].prev = (int64_t)*ns - 1;
	s[*ns].next = (int64_t)*ns + 1;
	*bl += l;
	(*ns)++;
}

static int tok_encode_spm(const struct tokenizer *t, const char *text,
			  size_t len, struct tok_out *o)
{
	size_t cap = 3 * len + 3, bl = 0, ns = 0;
	struct tok_sym *s;
	char *buf;

	if (!len)
		return 0;
	buf = malloc(cap);
	s = malloc((len + 1) * sizeof(*s));
	if (!buf || !s) {
		free(buf);
		free(s);
		return -ENOMEM;
	}
	/*
	 * Symbols are the UTF-8 characters of the text; a space is always a
	 * symbol of its own (U+2581), so a truncated multi-byte sequence
	 * before it cannot swallow part of the marker.
	 */
	if (t->add_space_prefix)
		tok_spm_sym(s, &ns, buf, &bl, TOK_SPACE, 3);
	for (size_t i = 0; i < len;) {
		size_t l = 1;

		if (text[i] == ' ') {
			tok_spm_sym(s, &ns, buf, &bl, TOK_SPACE, 3);
			i++;
			continue;
		}
		l = tok_utf8_len((unsigned char)text[i]);
		for (size_t k = 1; k < l; k++)
			if (i + k >= len || text[i + k] == ' ') {
				l = k;
				break;
			}
		tok_spm_sym(s, &ns, buf, &bl, text + i, l);
		i += l;
	}
	if (ns)
		s[ns - 1].next = -1;
	for (size_t i = 0; i < ns; i++)
		s[i].ps = tok_spm_pair(t, buf, s, (int64_t)i);
	for (;;) {
		int64_t best = -1, nx;

		/* highest score, leftmost on ties (strict >) */
		for (int64_t i = 0; i >= 0; i = s[i].next)
			if (s[i].ps != -INFINITY &&
			    (best < 0 || s[i].ps > s[best].ps))
				best = i;
		if (best < 0)
			break;
		nx = s[best].next;
		s[best].len += s[nx].len;
		s[best].next = s[nx].next;
		if (s[nx].next >= 0)
			s[s[nx].next].prev = best;
		s[best].ps = tok_spm_pair(t, buf, s, best);
		if (s[best].prev >= 0)
			s[s[best].prev].ps = tok_spm_pair(t, buf, s,
							  s[best].prev);
	}
	for (int64_t i = 0; i >= 0; i = s[i].next)
		tok_emit_sym(t, o, buf + s[i].start, s[i].len,
			     (const unsigned char *)buf + s[i].start,
			     s[i].len);
	free(buf);
	free(s);
	return 0;
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

struct tok_bsym {
	size_t start, len;	/* in the mapped buffer */
	size_t rstart, rlen;	/* raw bytes */
};

static int64_t tok_rank(const struct tokenizer *t, const char *buf,
			const struct tok_bsym *a, const struct tok_bsym *b,
			char *key)
{
	memcpy(key, buf + a->start, a->len);
	key[a->len] = ' ';
	memcpy(key + a->len + 1, buf + b->start, b->len);
	return tok_map_find(&t->mmap, t->marena, t->moff, t->mlen, key,
			    a->len + 1 + b->len);
}

static void tok_bpe_word(const struct tokenizer *t, const unsigned char *w,
			 size_t wl, char *buf, struct tok_bsym *s, char *key,
			 struct tok_out *o)
{
	size_t n = 0, bl = 0;

	for (size_t i = 0; i < wl; i++, n++) {
		s[n].start = bl;
		s[n].len = (size_t)tok_put_cp(t->b2u[w[i]], buf + bl);
		s[n].rstart = i;
		s[n].rlen = 1;
		bl += s[n].len;
	}
	while (n > 1) {
		int64_t best = -1, r;
		size_t bi = 0;

		for (size_t i = 0; i + 1 < n; i++) {
			r = tok_rank(t, buf, &s[i], &s[i + 1], key);
			if (r >= 0 && (best < 0 || r < best)) {
				best = r;
				bi = i;
			}
		}
		if (best < 0)
			break;
		s[bi].len += s[bi + 1].len;
		s[bi].rlen += s[bi + 1].rlen;
		memmove(&s[bi + 1], &s[bi + 2], (n - bi - 2) * sizeof(*s));
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t id = tok_lookup(t, buf + s[i].start, s[i].len);

		if (id >= 0) {
			tok_emit(o, (int32_t)id);
			continue;
		}
		for (size_t b = 0; b < s[i].rlen; b++) {
			int32_t bid = t->byte_id[w[s[i].rstart + b]];

			if (bid >= 0)
				tok_emit(o, bid);
			else if (t->unk >= 0)
				tok_emit(o, t->unk);
		}
	}
}

static int tok_encode_bpe(const struct tokenizer *t, const char *text,
			  size_t len, struct tok_out *o)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, maxw = 0;
	struct tok_bsym *sym;
	char *buf, *key;

	/* the longest pre-token bounds the scratch buffers */
	for (i = 0; i < len;) {
		size_t e = tok_pretoken(s, len, i);

		if (e - i > maxw)
			maxw = e - i;
		i = e;
	}
	buf = malloc(2 * maxw + 1);
	key = malloc(4 * maxw + 2);
	sym = malloc((maxw + 1) * sizeof(*sym));
	if (!buf || !key || !sym) {
		free(buf);
		free(key);
		free(sym);
		return -ENOMEM;
	}
	for (i = 0; i < len;) {
		size_t e = tok_pretoken(s, len, i);

		tok_bpe_word(t, s + i, e - i, buf, sym, key, o);
		i = e;
	}
	free(buf);
	free(key);
	free(sym);
	return 0;
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
