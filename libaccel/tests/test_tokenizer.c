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
 *  - -ENOSPC contracts of encode and decode; metadata errors.
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

int main(void)
{
	test_spm();
	test_spm_ties();
	test_bpe();
	test_errors();
	return tap_done();
}
