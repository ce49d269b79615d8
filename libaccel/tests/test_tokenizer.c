// SPDX-License-Identifier: MIT
/*
 * test_tokenizer: tokenizers built from GGUF metadata.
 *
 *  - the "llama" (SentencePiece-style) vocabulary of llmaccel-mkmodel's
 *    tiny model: known tokenizations worked out by hand from the
 *    vocabulary (word merges through every prefix, U+2581 spaces, the
 *    space prefix, byte fallback for upper case, UTF-8 and control
 *    bytes), decode of known ids, streaming pieces;
 *  - the "gpt2" (byte-level BPE) vocabulary: GPT-2 pre-tokenization
 *    (leading-space words, contractions, digits, whitespace runs), merges;
 *  - round trips decode(encode(s)) == s for ASCII and UTF-8 text and
 *    2,000 random byte strings per tokenizer;
 *  - -ENOSPC contracts of encode and decode; metadata errors;
 *  - the heap encoders against the old quadratic ones (kept below as a
 *    reference): identical ids on random, UTF-8, invalid-UTF-8, word and
 *    long-run inputs, for the tiny vocabularies, the tie vocabularies and
 *    random vocabularies made to merge a lot (equal, signed-zero, -INF
 *    and NaN scores, duplicate tokens and merges, merges that are not
 *    tokens, missing byte tokens).
 */
#define MDL_API static __attribute__((unused))
#define MKMODEL_NO_MAIN
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gguf.c"
#include "tokenizer.c"
#include "../../tools/llmaccel-mkmodel.c"
#include "tap.h"

static char err[512];

/* ------------------------------------------------------------------ */
/* reference: the encoders of commit 30fc28f, before the heap, kept    */
/* only to compare with (quadratic: the inputs stay short)             */
/* ------------------------------------------------------------------ */

/* Emit symbol text as a token, else its bytes, else unknown. */
static void ref_emit_sym(const struct tokenizer *t, struct tok_out *o,
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
static size_t ref_utf8_len(unsigned char c)
{
	static const uint8_t lens[16] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4,
	};

	return lens[c >> 4];
}

struct ref_sym {
	size_t start, len;
	int64_t prev, next;
	float ps;		/* score of merging with next, -INF if none */
};

static float ref_spm_pair(const struct tokenizer *t, const char *buf,
			  const struct ref_sym *s, int64_t i)
{
	int64_t id;

	if (i < 0 || s[i].next < 0)
		return -INFINITY;
	id = tok_lookup(t, buf + s[i].start, s[i].len + s[s[i].next].len);
	return id < 0 ? -INFINITY : t->score[id];
}

static void ref_spm_sym(struct ref_sym *s, size_t *ns, char *buf, size_t *bl,
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

static int ref_encode_spm(const struct tokenizer *t, const char *text,
			  size_t len, struct tok_out *o)
{
	size_t cap = 3 * len + 3, bl = 0, ns = 0;
	struct ref_sym *s;
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
		ref_spm_sym(s, &ns, buf, &bl, TOK_SPACE, 3);
	for (size_t i = 0; i < len;) {
		size_t l = 1;

		if (text[i] == ' ') {
			ref_spm_sym(s, &ns, buf, &bl, TOK_SPACE, 3);
			i++;
			continue;
		}
		l = ref_utf8_len((unsigned char)text[i]);
		for (size_t k = 1; k < l; k++)
			if (i + k >= len || text[i + k] == ' ') {
				l = k;
				break;
			}
		ref_spm_sym(s, &ns, buf, &bl, text + i, l);
		i += l;
	}
	if (ns)
		s[ns - 1].next = -1;
	for (size_t i = 0; i < ns; i++)
		s[i].ps = ref_spm_pair(t, buf, s, (int64_t)i);
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
		s[best].ps = ref_spm_pair(t, buf, s, best);
		if (s[best].prev >= 0)
			s[s[best].prev].ps = ref_spm_pair(t, buf, s,
							  s[best].prev);
	}
	for (int64_t i = 0; i >= 0; i = s[i].next)
		ref_emit_sym(t, o, buf + s[i].start, s[i].len,
			     (const unsigned char *)buf + s[i].start,
			     s[i].len);
	free(buf);
	free(s);
	return 0;
}

/* ---- byte-level BPE ---- */

enum { REF_C_SPACE, REF_C_LETTER, REF_C_DIGIT, REF_C_OTHER };

static int ref_class(unsigned char c)
{
	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return REF_C_SPACE;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80)
		return REF_C_LETTER;
	if (c >= '0' && c <= '9')
		return REF_C_DIGIT;
	return REF_C_OTHER;
}

/* End of the pre-token starting at @i (GPT-2 pattern). */
static size_t ref_pretoken(const unsigned char *s, size_t len, size_t i)
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
	if (s[j] == ' ' && j + 1 < len && ref_class(s[j + 1]) != REF_C_SPACE)
		j++;
	c = ref_class(s[j]);
	if (c != REF_C_SPACE) {
		while (j < len && ref_class(s[j]) == c)
			j++;
		return j;
	}
	for (k = i; k < len && ref_class(s[k]) == REF_C_SPACE; k++)
		;
	/* \s+(?!\S): leave the last space to prefix the next word */
	if (k < len && k - i > 1)
		return k - 1;
	return k;
}

struct ref_bsym {
	size_t start, len;	/* in the mapped buffer */
	size_t rstart, rlen;	/* raw bytes */
};

static int64_t ref_rank(const struct tokenizer *t, const char *buf,
			const struct ref_bsym *a, const struct ref_bsym *b,
			char *key)
{
	memcpy(key, buf + a->start, a->len);
	key[a->len] = ' ';
	memcpy(key + a->len + 1, buf + b->start, b->len);
	return tok_map_find(&t->mmap, t->marena, t->moff, t->mlen, key,
			    a->len + 1 + b->len);
}

static void ref_bpe_word(const struct tokenizer *t, const unsigned char *w,
			 size_t wl, char *buf, struct ref_bsym *s, char *key,
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
			r = ref_rank(t, buf, &s[i], &s[i + 1], key);
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

static int ref_encode_bpe(const struct tokenizer *t, const char *text,
			  size_t len, struct tok_out *o)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, maxw = 0;
	struct ref_bsym *sym;
	char *buf, *key;

	/* the longest pre-token bounds the scratch buffers */
	for (i = 0; i < len;) {
		size_t e = ref_pretoken(s, len, i);

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
		size_t e = ref_pretoken(s, len, i);

		ref_bpe_word(t, s + i, e - i, buf, sym, key, o);
		i = e;
	}
	free(buf);
	free(key);
	free(sym);
	return 0;
}

static int ref_encode(const struct tokenizer *t, const char *text,
		      size_t len, int add_bos, int32_t *ids, size_t max,
		      size_t *n)
{
	struct tok_out o = { ids, ids ? max : 0, 0 };
	int e;

	if (add_bos && t->bos >= 0)
		tok_emit(&o, t->bos);
	e = t->kind == TOK_SPM ? ref_encode_spm(t, text, len, &o) :
				 ref_encode_bpe(t, text, len, &o);
	if (e)
		return e;
	*n = o.n;
	return o.n > o.max ? -ENOSPC : 0;
}


static struct tokenizer *load_tiny(int tok, struct gguf_file **fo,
				   uint8_t **bo)
{
	struct mk_opts o = { "tiny", NULL, MK_TQ2_0, tok, -1, 1, 1, 0, 0 };
	struct tokenizer *t = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return NULL;
	mk_write_model(fp, &o);
	fclose(fp);
	*bo = (uint8_t *)buf;
	if (gguf_parse(buf, len, fo, err, sizeof(err)) ||
	    tok_load(*fo, &t, err, sizeof(err)))
		tap_diag("load: %s", err);
	return t;
}

static int32_t id_of(const struct tokenizer *t, const char *text)
{
	for (uint32_t i = 0; i < tok_n_vocab(t); i++) {
		size_t l = 0;
		const char *s = tok_text(t, (int32_t)i, &l);

		if (l == strlen(text) && !memcmp(s, text, l))
			return (int32_t)i;
	}
	return -100;
}

/* @s with non-printable bytes as \xNN (for one-line TAP output). */
static const char *esc(const char *s)
{
	static char b[256];
	size_t at = 0;

	for (; *s && at + 5 < sizeof(b); s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			b[at++] = (char)c;
		else
			at += (size_t)snprintf(b + at, sizeof(b) - at, "\\x%02x", c);
	}
	b[at] = 0;
	return b;
}

/* Encode @text and compare with the token texts in @want (NULL-ended). */
static void expect_tokens(const struct tokenizer *t, const char *text,
			  int add_bos, const char *const *want)
{
	int32_t ids[64], exp[64];
	size_t n = 0, ne = 0;
	char got[512] = "";
	int e = tok_encode(t, text, strlen(text), add_bos, ids, 64, &n), ok;

	if (add_bos)
		exp[ne++] = tok_bos(t);
	for (; *want; want++)
		exp[ne++] = id_of(t, *want);
	ok = !e && n == ne && !memcmp(ids, exp, n * sizeof(*ids));
	for (size_t i = 0; i < n && i < 64 && !ok; i++) {
		size_t l = 0;
		const char *s = tok_text(t, ids[i], &l);

		snprintf(got + strlen(got), sizeof(got) - strlen(got),
			 "[%.*s]", (int)l, s);
	}
	if (!ok)
		tap_diag("got %zu tokens: %s", n, got);
	tap_ok(ok, "encode \"%s\" -> %zu tokens", esc(text), ne);
}

static int round_trip(const struct tokenizer *t, const char *s, size_t len)
{
	size_t n = 0, out = 0;
	int32_t *ids;
	char *buf;
	int ok;

	tok_encode(t, s, len, 1, NULL, 0, &n);
	ids = malloc((n + 1) * sizeof(*ids));
	buf = malloc(len + 1);
	ok = !tok_encode(t, s, len, 1, ids, n, &n) &&
	     !tok_decode(t, ids, n, buf, len + 1, &out) && out == len &&
	     !memcmp(buf, s, len);
	free(ids);
	free(buf);
	return ok;
}

static int has_marker(const char *s, size_t len)
{
	for (size_t i = 0; i + 3 <= len; i++)
		if (!memcmp(s + i, "\xe2\x96\x81", 3))
			return 1;
	return 0;
}

static void test_round_trips(const struct tokenizer *t, const char *name)
{
	static const char *const texts[] = {
		"", "a", " ", "  ", "hello world", " leading space",
		"trailing space ", "two  spaces\tand\ttabs\nnew line\n\n",
		"It's the way they'll do it, isn't it? 42 + 7 = 49!",
		/* café naïve 日本語 😀 привет */
		"caf\xc3\xa9 na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80 \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
		"The Quick Brown Fox; (JUMPS) over-the lazy_dog...",
	};
	uint64_t s = 99;
	int ok = 1, skipped = 0;
	char buf[80];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!round_trip(t, texts[i], strlen(texts[i]))) {
			tap_diag("%s: round trip of \"%s\" failed", name,
				 texts[i]);
			ok = 0;
		}
	tap_ok(ok, "%s: decode(encode(s)) == s for %zu ASCII/UTF-8 texts",
	       name, sizeof(texts) / sizeof(texts[0]));
	ok = 1;
	for (int i = 0; i < 2000; i++) {
		size_t len = mk_mix(&s) % sizeof(buf);

		for (size_t j = 0; j < len; j++)
			buf[j] = (char)mk_mix(&s);
		/* U+2581 in the input is the tokenizer's own space marker */
		if (has_marker(buf, len)) {
			skipped++;
			continue;
		}
		if (!round_trip(t, buf, len)) {
			tap_diag("%s: random string %d (%zu bytes) failed", name,
				 i, len);
			for (size_t j = 0; j < len; j++)
				printf("%02x", (unsigned char)buf[j]);
			printf("\n");
			ok = 0;
			break;
		}
	}
	tap_ok(ok, "%s: decode(encode(s)) == s for 2000 random byte strings (%d skipped)",
	       name, skipped);
}

static void test_spm(void)
{
	struct gguf_file *f = NULL;
	uint8_t *buf = NULL;
	struct tokenizer *t = load_tiny(MK_SPM, &f, &buf);
	int32_t ids[8];
	size_t n = 0;
	char out[64];
	int e;

	if (!tap_ok(t != NULL, "tiny spm tokenizer loads")) {
		gguf_close(f);
		free(buf);
		return;
	}
	tap_ok(tok_kind(t) == TOK_SPM && tok_n_vocab(t) == 400 &&
	       tok_bos(t) == 1 && tok_eos(t) == 2 && tok_add_bos(t),
	       "spm: 400 tokens, bos 1, eos 2, add_bos");
	expect_tokens(t, "the of and to", 1, (const char *const[]){
		"\xe2\x96\x81the", "\xe2\x96\x81of", "\xe2\x96\x81" "and",
		"\xe2\x96\x81to", NULL });
	expect_tokens(t, "he was", 0, (const char *const[]){
		"\xe2\x96\x81he", "\xe2\x96\x81was", NULL });
	/* "x" is a letter token, "▁x" is not: ▁ stays alone */
	expect_tokens(t, "x", 0, (const char *const[]){
		"\xe2\x96\x81", "x", NULL });
	/* no upper-case letters in the vocabulary: byte fallback */
	expect_tokens(t, "The", 0, (const char *const[]){
		"\xe2\x96\x81", "<0x54>", "h", "e", NULL });
	expect_tokens(t, "\xc3\xa9\n", 0, (const char *const[]){
		"\xe2\x96\x81", "<0xC3>", "<0xA9>", "<0x0A>", NULL });
	/* a run of spaces: each becomes ▁, merged with the word after it */
	expect_tokens(t, "a  the", 0, (const char *const[]){
		"\xe2\x96\x81" "a", "\xe2\x96\x81", "\xe2\x96\x81the", NULL });
	ids[0] = 1;
	ids[1] = id_of(t, "\xe2\x96\x81the");
	ids[2] = id_of(t, "<0x41>");
	ids[3] = id_of(t, "\xe2\x96\x81was");
	ids[4] = 2;
	e = tok_decode(t, ids, 5, out, sizeof(out), &n);
	tap_ok(!e && n == 8 && !strcmp(out, "theA was"),
	       "decode [bos ▁the <0x41> ▁was eos] -> \"%s\"", out);
	e = tok_piece(t, ids[1], out, sizeof(out));
	tap_ok(e == 4 && !memcmp(out, " the", 4),
	       "streaming piece of ▁the is \" the\"");
	e = tok_decode(t, ids, 5, out, 4, &n);
	tap_ok(e == -ENOSPC && n == 8, "decode into 4 bytes: -ENOSPC, length 8");
	e = tok_encode(t, "the of", 6, 1, ids, 2, &n);
	tap_ok(e == -ENOSPC && n == 3, "encode into 2 ids: -ENOSPC, 3 needed");
	ids[0] = 400;
	tap_ok(tok_decode(t, ids, 1, out, sizeof(out), &n) == -EINVAL &&
	       tok_piece(t, -1, out, 4) == -EINVAL, "out-of-range ids: -EINVAL");
	test_round_trips(t, "spm");
	tok_free(t);
	gguf_close(f);
	free(buf);
}

static void test_bpe(void)
{
	struct gguf_file *f = NULL;
	uint8_t *buf = NULL;
	struct tokenizer *t = load_tiny(MK_BPE, &f, &buf);
	int32_t ids[8];
	size_t n = 0;
	char out[64];
	int e;

	if (!tap_ok(t != NULL, "tiny bpe tokenizer loads")) {
		gguf_close(f);
		free(buf);
		return;
	}
	tap_ok(tok_kind(t) == TOK_BPE && tok_n_vocab(t) == 400 &&
	       tok_bos(t) == id_of(t, "<|begin_of_text|>") &&
	       tok_eos(t) == id_of(t, "<|end_of_text|>"),
	       "bpe: 400 tokens, bos/eos are the control tokens");
	/* Ġ = U+0120 is the mapped space */
	expect_tokens(t, " the of and", 1, (const char *const[]){
		"\xc4\xa0the", "\xc4\xa0of", "\xc4\xa0" "and", NULL });
	/* no merges for bare words: one token per byte */
	expect_tokens(t, "the", 0, (const char *const[]){ "t", "h", "e", NULL });
	/* contractions split off; digits a separate pre-token */
	expect_tokens(t, "it's 42", 0, (const char *const[]){
		"i", "t", "'", "s", "\xc4\xa0", "4", "2", NULL });
	/* two spaces: the first alone (\s+(?!\S)), the second prefixes */
	expect_tokens(t, "a  the", 0, (const char *const[]){
		"a", "\xc4\xa0", "\xc4\xa0the", NULL });
	/* newline maps to U+010A, a byte > 0x7f to its own code point */
	expect_tokens(t, "\n\xff", 0, (const char *const[]){
		"\xc4\x8a", "\xc3\xbf", NULL });
	ids[0] = tok_bos(t);
	ids[1] = id_of(t, "\xc4\xa0the");
	ids[2] = id_of(t, "\xc4\x8a");
	e = tok_decode(t, ids, 3, out, sizeof(out), &n);
	tap_ok(!e && n == 5 && !strcmp(out, " the\n"),
	       "decode [bos Ġthe Ċ] -> \" the\\n\" (no prefix stripping)");
	test_round_trips(t, "bpe");
	tok_free(t);
	gguf_close(f);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* metadata errors                                                     */
/* ------------------------------------------------------------------ */

static void str_array(struct mk_buf *b, uint64_t *nkv, const char *key,
		      const char *const *v, uint64_t n)
{
	mk_str(b, key);
	mk_u32(b, MK_T_ARR);
	mk_u32(b, MK_T_STR);
	mk_u64(b, n);
	for (uint64_t i = 0; i < n; i++)
		mk_str(b, v[i]);
	(*nkv)++;
}

static const char *const toks3[] = { "<unk>", "a", "b" };

enum { E_NONE, E_MODEL, E_NOTOKENS, E_SCORES, E_BOS, E_MERGES, E_TYPE };

static int load_crafted(int what, const char *model)
{
	struct mk_buf kv = { 0 }, b = { 0 };
	struct gguf_file *f = NULL;
	struct tokenizer *t = NULL;
	uint64_t nkv = 0;
	int e;

	mk_kv_str(&kv, &nkv, "tokenizer.ggml.model", model);
	if (what != E_NOTOKENS)
		str_array(&kv, &nkv, "tokenizer.ggml.tokens", toks3, 3);
	if (what == E_SCORES) {
		mk_str(&kv, "tokenizer.ggml.scores");
		mk_u32(&kv, MK_T_ARR);
		mk_u32(&kv, MK_T_F32);
		mk_u64(&kv, 2);
		mk_f32(&kv, 0);
		mk_f32(&kv, 0);
		nkv++;
	}
	if (what == E_TYPE)
		mk_kv_str(&kv, &nkv, "tokenizer.ggml.token_type", "1");
	if (what == E_BOS)
		mk_kv_u32(&kv, &nkv, "tokenizer.ggml.bos_token_id", 3);
	if (!strcmp(model, "gpt2") && what != E_MERGES)
		str_array(&kv, &nkv, "tokenizer.ggml.merges",
			  (const char *const[]){ "a b" }, 1);
	mk_u32(&b, 0x46554747u);
	mk_u32(&b, 3);
	mk_u64(&b, 0);
	mk_u64(&b, nkv);
	mk_put(&b, kv.p, kv.len);
	e = gguf_parse(b.p, b.len, &f, err, sizeof(err));
	if (!e)
		e = tok_load(f, &t, err, sizeof(err));
	tok_free(t);
	gguf_close(f);
	free(kv.p);
	free(b.p);
	return e;
}

static void test_errors(void)
{
	tap_ok(load_crafted(E_NONE, "llama") == 0 &&
	       load_crafted(E_NONE, "gpt2") == 0,
	       "minimal llama and gpt2 vocabularies load");
	tap_ok(load_crafted(E_MODEL, "bert") == -EINVAL &&
	       strstr(err, "unsupported tokenizer.ggml.model"),
	       "unknown model: '%s'", err);
	tap_ok(load_crafted(E_NOTOKENS, "llama") == -EINVAL &&
	       strstr(err, "tokenizer.ggml.tokens is missing"),
	       "no tokens: '%s'", err);
	tap_ok(load_crafted(E_SCORES, "llama") == -EINVAL &&
	       strstr(err, "scores has 2 entries for 3 tokens"),
	       "score count mismatch: '%s'", err);
	tap_ok(load_crafted(E_BOS, "llama") == -EINVAL &&
	       strstr(err, "bos_token_id = 3 is not below the vocabulary size 3"),
	       "bos out of range: '%s'", err);
	tap_ok(load_crafted(E_MERGES, "gpt2") == -EINVAL &&
	       strstr(err, "merges is missing"), "gpt2 without merges: '%s'", err);
	tap_ok(load_crafted(E_TYPE, "llama") == -EINVAL &&
	       strstr(err, "token_type' has type string"),
	       "token_type of a wrong type: '%s'", err);
}

/* Equal scores: llama.cpp merges the leftmost pair first. */
static void test_spm_ties(void)
{
	static const char *const v[] = { "<unk>", "a", "aa" };
	struct mk_buf kv = { 0 }, b = { 0 };
	struct gguf_file *f = NULL;
	struct tokenizer *t = NULL;
	uint64_t nkv = 0;
	int32_t ids[4];
	size_t n = 0;
	int e;

	mk_kv_str(&kv, &nkv, "tokenizer.ggml.model", "llama");
	str_array(&kv, &nkv, "tokenizer.ggml.tokens", v, 3);
	mk_kv_bool(&kv, &nkv, "tokenizer.ggml.add_space_prefix", 0);
	mk_u32(&b, 0x46554747u);
	mk_u32(&b, 3);
	mk_u64(&b, 0);
	mk_u64(&b, nkv);
	mk_put(&b, kv.p, kv.len);
	e = gguf_parse(b.p, b.len, &f, err, sizeof(err));
	if (!e)
		e = tok_load(f, &t, err, sizeof(err));
	if (!e)
		e = tok_encode(t, "aaa", 3, 0, ids, 4, &n);
	tap_ok(!e && n == 2 && ids[0] == 2 && ids[1] == 1,
	       "equal scores merge leftmost first: aaa -> [aa][a]");
	if (!e)
		e = tok_encode(t, "aaaaa", 5, 0, ids, 4, &n);
	tap_ok(!e && n == 3 && ids[0] == 2 && ids[1] == 2 && ids[2] == 1,
	       "aaaaa -> [aa][aa][a] without a space prefix");
	tok_free(t);
	gguf_close(f);
	t = NULL;
	f = NULL;
	/* the same with byte-level BPE: equal ranks, leftmost first */
	kv.len = b.len = 0;
	nkv = 0;
	mk_kv_str(&kv, &nkv, "tokenizer.ggml.model", "gpt2");
	str_array(&kv, &nkv, "tokenizer.ggml.tokens",
		  (const char *const[]){ "a", "aa" }, 2);
	str_array(&kv, &nkv, "tokenizer.ggml.merges",
		  (const char *const[]){ "a a" }, 1);
	mk_u32(&b, 0x46554747u);
	mk_u32(&b, 3);
	mk_u64(&b, 0);
	mk_u64(&b, nkv);
	mk_put(&b, kv.p, kv.len);
	e = gguf_parse(b.p, b.len, &f, err, sizeof(err));
	if (!e)
		e = tok_load(f, &t, err, sizeof(err));
	if (!e)
		e = tok_encode(t, "aaa", 3, 0, ids, 4, &n);
	tap_ok(!e && n == 2 && ids[0] == 1 && ids[1] == 0,
	       "bpe: equal ranks merge leftmost first: aaa -> [aa][a]");
	tok_free(t);
	gguf_close(f);
	free(kv.p);
	free(b.p);
}

/* ------------------------------------------------------------------ */
/* heap encoders == the reference                                      */
/* ------------------------------------------------------------------ */

struct diff_stats {
	unsigned long inputs, bytes, tokens;
	int failed;
};

static void diff_one(const struct tokenizer *t, const char *name,
		     const char *s, size_t len, struct diff_stats *st)
{
	size_t cap = 4 * len + 8, n = 0, rn = 0;
	int32_t *ids = malloc(cap * sizeof(*ids));
	int32_t *rid = malloc(cap * sizeof(*rid));
	int add_bos = (int)(len & 1);
	int e, re;

	if (!ids || !rid) {
		st->failed = 1;
		goto out;
	}
	e = tok_encode(t, s, len, add_bos, ids, cap, &n);
	re = ref_encode(t, s, len, add_bos, rid, cap, &rn);
	if (!st->failed &&
	    (e != re || n != rn || (!e && memcmp(ids, rid, n * sizeof(*ids))))) {
		st->failed = 1;
		tap_diag("%s: input %lu (%zu bytes): %d/%zu tokens, reference %d/%zu",
			 name, st->inputs, len, e, n, re, rn);
		for (size_t i = 0; i < len && i < 200; i++)
			printf("%02x", (unsigned char)s[i]);
		printf("\n");
	}
	/* a short buffer: the same -ENOSPC and count */
	if (!st->failed && n > 1) {
		e = tok_encode(t, s, len, add_bos, ids, n / 2, &n);
		re = ref_encode(t, s, len, add_bos, rid, rn / 2, &rn);
		if (e != -ENOSPC || re != -ENOSPC || n != rn) {
			st->failed = 1;
			tap_diag("%s: input %lu into half the ids: %d/%zu, reference %d/%zu",
				 name, st->inputs, e, n, re, rn);
		}
	}
	st->inputs++;
	st->bytes += len;
	st->tokens += rn;
out:
	free(ids);
	free(rid);
}

/* Pieces inputs are made of: the tokenizer's own alphabet. */
static const char *const diff_pieces[] = {
	"a", "b", "aa", "ab", " ", "  ", "e", "t", "h", "the", " the", "he",
	"\xe2\x96\x81", "\xc3\xa9", "\xc3", "\xa9", "\xf0\x9f\x98\x80",
	"\xf0\x9f", "\xe6\x97\xa5", "\n", "\t", "\r\n", "'s", "'ll", "'",
	"1", "42", "A", "T", ".", ",", "!", "?", "\xff", "\x80", "\xc0\xaf",
	"\x00", "\xed\xa0\x80", "zz", "x",
};
#define DIFF_NPIECES (sizeof(diff_pieces) / sizeof(diff_pieces[0]))

/* Append @l bytes of @p to @b (capacity @cap) at *@at. */
static void diff_put(char *b, size_t cap, size_t *at, const char *p,
		     size_t l)
{
	if (*at + l > cap)
		l = cap - *at;
	memcpy(b + *at, p, l);
	*at += l;
}

/* One random input of kind @kind into @b; returns its length. */
static size_t diff_input(int kind, uint64_t *rs, char *b, size_t cap,
			 const char *const *alpha, size_t nalpha)
{
	size_t len = 0, n;

	switch (kind) {
	case 0:		/* any bytes */
		n = mk_mix(rs) % 160;
		for (size_t i = 0; i < n; i++)
			b[len++] = (char)mk_mix(rs);
		break;
	case 1:		/* pieces of UTF-8, truncated and invalid ones too */
		n = mk_mix(rs) % 60;
		for (size_t i = 0; i < n; i++) {
			const char *p = diff_pieces[mk_mix(rs) % DIFF_NPIECES];

			diff_put(b, cap, &len, p, *p ? strlen(p) : 1);
		}
		break;
	case 2:		/* words of the vocabulary, spaces, punctuation */
		n = mk_mix(rs) % 40;
		for (size_t i = 0; i < n; i++) {
			uint64_t r = mk_mix(rs);
			const char *w = mk_words[r % MK_NWORDS];

			diff_put(b, cap, &len, w, strlen(w));
			r >>= 16;
			diff_put(b, cap, &len, r % 7 ? " " : r % 2 ? "  " :
				 ", ", r % 7 ? 1 : 2);
		}
		break;
	case 3:		/* the vocabulary's own alphabet: merges everywhere */
		n = mk_mix(rs) % 120;
		for (size_t i = 0; i < n; i++) {
			const char *p = alpha[mk_mix(rs) % nalpha];

			diff_put(b, cap, &len, p, strlen(p));
		}
		break;
	default:	/* a run of one piece, with a tail */
		n = 1 + mk_mix(rs) % 200;
		{
			const char *p = mk_mix(rs) % 2 ?
					alpha[mk_mix(rs) % nalpha] :
					diff_pieces[mk_mix(rs) % DIFF_NPIECES];
			size_t l = *p ? strlen(p) : 1;

			for (size_t i = 0; i < n; i++)
				diff_put(b, cap, &len, p, l);
			diff_put(b, cap, &len, alpha[0], strlen(alpha[0]));
		}
		break;
	}
	return len;
}

enum { DIFF_RANDOM = 1200 };

/* @nrandom random inputs of every kind, then long runs. */
static void diff_vocab(const struct tokenizer *t, const char *name,
		       uint64_t seed, const char *const *alpha,
		       size_t nalpha, struct diff_stats *total)
{
	static const char *const runs[] = { "a", " ", "aa", "ab", "e", "\xe2\x96\x81",
					    "\xc3\xa9", "the ", "\xc3" };
	struct diff_stats st = { 0, 0, 0, 0 };
	size_t cap = 4096;
	char *b = malloc(cap);
	uint64_t rs = seed;

	if (!b) {
		tap_ok(0, "%s: out of memory", name);
		return;
	}
	for (int i = 0; i < DIFF_RANDOM && !st.failed; i++) {
		size_t len = diff_input(i % 5, &rs, b, cap, alpha, nalpha);

		diff_one(t, name, b, len, &st);
	}
	/* long runs: a list of up to 1,000 symbols, one long BPE word */
	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		size_t l = strlen(runs[r]), len = 0;

		while (len + l <= 1000) {
			memcpy(b + len, runs[r], l);
			len += l;
		}
		diff_one(t, name, b, len, &st);
	}
	tap_ok(!st.failed, "%s: %lu inputs (%lu bytes, %lu tokens) encode as the reference does",
	       name, st.inputs, st.bytes, st.tokens);
	total->inputs += st.inputs;
	total->bytes += st.bytes;
	total->tokens += st.tokens;
	total->failed |= st.failed;
	free(b);
}

/*
 * A vocabulary that merges a lot: strings over a small alphabet made by
 * joining random earlier ones; for "llama" scores from a small set (ties,
 * -0 and +0, -INF and NaN that never merge) and some duplicate tokens,
 * half the byte tokens; for "gpt2" merges of random earlier strings
 * (duplicates, results that are not always tokens) and a few byte tokens
 * left out.  Even seeds have no unknown token, so bytes may vanish.
 */
enum { RV_UNITS = 160, RV_MAX = 1024 };

struct rv {
	char *own[RV_MAX];	/* every string allocated here */
	uint32_t nown;
	const char *units[RV_UNITS], *toks[RV_MAX], *merges[RV_UNITS];
	uint32_t nu, nt, nm;
	float scores[RV_MAX];
	int32_t types[RV_MAX];
};

static const char *rv_dup(struct rv *v, const char *s)
{
	return v->nown < RV_MAX ? (v->own[v->nown++] = strdup(s)) : NULL;
}

static void rv_tok(struct rv *v, const char *s, float score, int32_t type)
{
	if (s && v->nt < RV_MAX) {
		v->toks[v->nt] = s;
		v->scores[v->nt] = score;
		v->types[v->nt++] = type;
	}
}

static struct tokenizer *diff_random_vocab(int bpe, uint64_t seed,
					   const char *const *alpha,
					   size_t nalpha)
{
	static const float sc[] = { 0.0f, -0.0f, -1.0f, -1.0f, -2.0f, 1.5f,
				    -INFINITY, NAN, -3.0f, -1e9f };
	struct mk_buf kv = { 0 }, b = { 0 };
	struct gguf_file *f = NULL;
	struct tokenizer *t = NULL;
	uint64_t nkv = 0, rs = seed;
	struct rv *v = calloc(1, sizeof(*v));
	char buf[256];

	if (!v)
		return NULL;
	if (bpe) {
		for (int c = 0; c < 256; c++) {
			mk_b2u(c, buf);
			if (c == 'a' || mk_mix(&rs) % 16)
				rv_tok(v, rv_dup(v, buf), 0, 1);
		}
	} else {
		rv_tok(v, "<unk>", 0, 2);
		rv_tok(v, "<s>", 0, 3);
		rv_tok(v, "</s>", 0, 3);
		for (int c = 0; c < 256; c += 2) {
			snprintf(buf, sizeof(buf), "<0x%02X>", c);
			rv_tok(v, rv_dup(v, buf), 0, 6);
		}
	}
	/* BPE symbols start as single bytes: merges grow from those */
	for (size_t i = 0; i < nalpha; i++) {
		if (!bpe) {
			v->units[v->nu++] = rv_dup(v, !strcmp(alpha[i], " ") ?
						   "\xe2\x96\x81" : alpha[i]);
			continue;
		}
		for (const char *p = alpha[i]; *p; p++) {
			uint32_t k;

			mk_b2u((unsigned char)*p, buf);
			for (k = 0; k < v->nu && strcmp(v->units[k], buf); k++)
				;
			if (k == v->nu)
				v->units[v->nu++] = rv_dup(v, buf);
		}
	}
	while (v->nu < RV_UNITS) {
		/* short units more often: long chains of merges that apply */
		uint64_t i = mk_mix(&rs) % v->nu, j = mk_mix(&rs) % v->nu;
		const char *x = v->units[i * (mk_mix(&rs) % v->nu) / v->nu];
		const char *y = v->units[j * (mk_mix(&rs) % v->nu) / v->nu];

		if (!x || !y || strlen(x) + strlen(y) + 2 > sizeof(buf))
			continue;
		/* (the length was checked above) */
		memcpy(buf, x, strlen(x));
		buf[strlen(x)] = ' ';
		memcpy(buf + strlen(x) + 1, y, strlen(y) + 1);
		if (bpe)
			v->merges[v->nm++] = rv_dup(v, buf);
		memmove(buf + strlen(x), buf + strlen(x) + 1, strlen(y) + 1);
		v->units[v->nu++] = rv_dup(v, buf);
	}
	for (uint32_t i = 0; i < v->nu; i++) {
		uint64_t r = mk_mix(&rs);

		if (r % 8 == 0)
			continue;
		if (bpe) {
			rv_tok(v, v->units[i], 0, 1);
			continue;
		}
		rv_tok(v, v->units[i], sc[(r >> 8) % (sizeof(sc) / sizeof(sc[0]))], 1);
		if ((r >> 16) % 16 == 0)
			rv_tok(v, v->units[i], 5.0f, 1);	/* first wins */
	}
	mk_kv_str(&kv, &nkv, "tokenizer.ggml.model", bpe ? "gpt2" : "llama");
	str_array(&kv, &nkv, "tokenizer.ggml.tokens", v->toks, v->nt);
	mk_str(&kv, "tokenizer.ggml.scores");
	mk_u32(&kv, MK_T_ARR);
	mk_u32(&kv, MK_T_F32);
	mk_u64(&kv, v->nt);
	for (uint32_t i = 0; i < v->nt; i++)
		mk_f32(&kv, v->scores[i]);
	nkv++;
	mk_str(&kv, "tokenizer.ggml.token_type");
	mk_u32(&kv, MK_T_ARR);
	mk_u32(&kv, MK_T_I32);
	mk_u64(&kv, v->nt);
	for (uint32_t i = 0; i < v->nt; i++)
		mk_u32(&kv, (uint32_t)v->types[i]);
	nkv++;
	if (bpe)
		str_array(&kv, &nkv, "tokenizer.ggml.merges", v->merges,
			  v->nm);
	else
		mk_kv_bool(&kv, &nkv, "tokenizer.ggml.add_space_prefix",
			   (int)(seed & 1));
	if (seed & 1)
		mk_kv_u32(&kv, &nkv, "tokenizer.ggml.unknown_token_id", 0);
	mk_u32(&b, 0x46554747u);
	mk_u32(&b, 3);
	mk_u64(&b, 0);
	mk_u64(&b, nkv);
	mk_put(&b, kv.p, kv.len);
	if (gguf_parse(b.p, b.len, &f, err, sizeof(err)) ||
	    tok_load(f, &t, err, sizeof(err)))
		tap_diag("random vocabulary %llu: %s",
			 (unsigned long long)seed, err);
	gguf_close(f);
	free(kv.p);
	free(b.p);
	for (uint32_t i = 0; i < v->nown; i++)
		free(v->own[i]);
	free(v);
	return t;
}

static void test_differential(void)
{
	static const char *const words[] = { "the", " ", "of", "and", "a",
					     "he", "was", "x", "The" };
	static const char *const ab[] = { "a", "b", " ", "\xc3\xa9", "aa",
					  "ab" };
	struct diff_stats total = { 0, 0, 0, 0 };
	struct gguf_file *f = NULL;
	uint8_t *buf = NULL;
	struct tokenizer *t;
	char name[64];
	int nv = 0;

	for (int k = 0; k < 2; k++) {
		t = load_tiny(k ? MK_BPE : MK_SPM, &f, &buf);
		if (t)
			diff_vocab(t, k ? "tiny bpe" : "tiny spm", 11 + k, words,
				   sizeof(words) / sizeof(words[0]), &total);
		else
			tap_ok(0, "tiny vocabulary loads");
		nv++;
		tok_free(t);
		gguf_close(f);
		free(buf);
	}
	for (uint64_t seed = 1; seed <= 12; seed++) {
		int bpe = seed > 6;

		t = diff_random_vocab(bpe, seed, ab, sizeof(ab) / sizeof(ab[0]));
		snprintf(name, sizeof(name), "random %s vocabulary %llu (%u tokens)",
			 bpe ? "bpe" : "spm", (unsigned long long)seed,
			 t ? tok_n_vocab(t) : 0);
		if (t)
			diff_vocab(t, name, 100 + seed, ab,
				   sizeof(ab) / sizeof(ab[0]), &total);
		else
			tap_ok(0, "%s loads", name);
		nv++;
		tok_free(t);
	}
	tap_diag("differential: %lu inputs, %lu bytes, %lu tokens, %d vocabularies",
		 total.inputs, total.bytes, total.tokens, nv);
}

int main(void)
{
	test_spm();
	test_spm_ties();
	test_bpe();
	test_errors();
	test_differential();
	return tap_done();
}
