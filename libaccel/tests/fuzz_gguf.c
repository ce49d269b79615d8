// SPDX-License-Identifier: MIT
/*
 * fuzz_gguf: mutation fuzzing of the GGUF reader, the tokenizer loader
 * and the model loader.  Usage: fuzz_gguf [ITERATIONS] (default 3000, or
 * $FUZZ_GGUF_ITERS).
 *
 * Seeds: llmaccel-mkmodel "micro" files (TQ2_0, TQ1_0, I2_S and F16
 * weights, both tokenizers) and a file holding every metadata value type.
 * Each iteration copies a seed and applies 1 to 8 mutations, mostly in
 * the header (metadata and tensor infos): bit flips, interesting bytes,
 * 64-bit fields overwritten with huge or boundary counts, truncation,
 * extension, chunk duplication.  The result goes through gguf_parse(),
 * then tok_load() and mdl_load() when it parses.
 *
 * Checked (TAP): no crash (ASan/UBSan abort the run otherwise), every
 * rejection carries a message, the parser's heap stays under 8 x file
 * size + 4 KiB, and (when built with ASan) the heap held by a loaded
 * model stays under 64 x file size + 1 MiB and returns to its level
 * before the iteration (no leak).  Figures go to the TAP comments.
 */
#define MDL_API static __attribute__((unused))
#define MKMODEL_NO_MAIN
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "gguf.c"
#include "tokenizer.c"
#include "model_load.c"
#include "../../tools/llmaccel-mkmodel.c"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_HEAP_COUNTER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_HEAP_COUNTER 1
#endif
#endif
#ifdef HAVE_HEAP_COUNTER
/* from sanitizer/allocator_interface.h (not always installed) */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_now(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
static size_t heap_now(void)
{
	return 0;
}
#endif

struct seed {
	uint8_t *p;
	size_t len, hdr;	/* hdr: bytes before the data section */
};

static uint64_t rs = 0x5eed5eedull;

static uint64_t rnd(void)
{
	return mk_mix(&rs);
}

static int make_seed(struct seed *s, uint32_t wtype, int tok)
{
	struct mk_opts o = { "micro", NULL, wtype, tok, -1, 11, 1, 0, 0 };
	struct gguf_file *f = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return -1;
	mk_write_model(fp, &o);
	fclose(fp);
	s->p = (uint8_t *)buf;
	s->len = len;
	if (gguf_parse(buf, len, &f, NULL, 0))
		return -1;
	s->hdr = (size_t)f->data_offset;
	gguf_close(f);
	return 0;
}

static void make_types_seed(struct seed *s)
{
	struct mk_buf b = { 0 }, kv = { 0 };
	uint64_t n = 0;

	mk_kv_u32(&kv, &n, "general.alignment", 64);
	mk_kv_f32(&kv, &n, "f", 1.5f);
	mk_kv_bool(&kv, &n, "b", 1);
	mk_kv_str(&kv, &n, "tokenizer.ggml.model", "gpt2");
	mk_str(&kv, "tokenizer.ggml.tokens");
	mk_u32(&kv, MK_T_ARR);
	mk_u32(&kv, MK_T_STR);
	mk_u64(&kv, 4);
	mk_str(&kv, "a");
	mk_str(&kv, "b");
	mk_str(&kv, "ab");
	mk_str(&kv, "\xc4\xa0");
	n++;
	mk_str(&kv, "tokenizer.ggml.merges");
	mk_u32(&kv, MK_T_ARR);
	mk_u32(&kv, MK_T_STR);
	mk_u64(&kv, 1);
	mk_str(&kv, "a b");
	n++;
	mk_str(&kv, "arr.i64");
	mk_u32(&kv, MK_T_ARR);
	mk_u32(&kv, 11);
	mk_u64(&kv, 2);
	mk_u64(&kv, 1);
	mk_u64(&kv, 2);
	n++;
	mk_u32(&b, GGUF_MAGIC);
	mk_u32(&b, 3);
	mk_u64(&b, 2);
	mk_u64(&b, n);
	mk_put(&b, kv.p, kv.len);
	mk_str(&b, "x");
	mk_u32(&b, 2);
	mk_u64(&b, 256);
	mk_u64(&b, 2);
	mk_u32(&b, GGML_TYPE_TQ2_0);
	mk_u64(&b, 0);
	mk_str(&b, "y");
	mk_u32(&b, 1);
	mk_u64(&b, 3);
	mk_u32(&b, GGML_TYPE_F16);
	mk_u64(&b, 192);
	while (b.len % 64)
		mk_u8(&b, 0);
	s->hdr = b.len;
	for (int i = 0; i < 192 + 64; i++)
		mk_u8(&b, (uint8_t)(i * 37));
	s->p = b.p;
	s->len = b.len;
	free(kv.p);
}

static const uint64_t huge[] = {
	0, 1, 2, 3, 4, 31, 32, 33, 63, 64, 255, 256, 257, 0x7fffffffull,
	0x80000000ull, 0xffffffffull, 0x100000000ull, 1ull << 40,
	(1ull << 62), 0x7fffffffffffffffull, 0x8000000000000000ull,
	0xffffffffffffffffull, 0xfffffffffffffff0ull,
};

/* Mutate @b (length *@len, capacity @cap) in place. */
static void mutate(uint8_t *b, size_t *len, size_t cap, size_t hdr)
{
	/* half the files get one mutation: deeper stages see more of them */
	int n = rnd() % 2 ? 1 : 1 + (int)(rnd() % 8);

	for (int i = 0; i < n && *len; i++) {
		size_t span = rnd() % 10 ? (hdr < *len ? hdr : *len) : *len;
		size_t at = rnd() % span;
		uint64_t v;

		switch (rnd() % 8) {
		case 0:	/* bit flip */
		case 1:
			b[at] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 2: {	/* interesting byte */
			static const uint8_t ib[] = { 0, 1, 0x7f, 0x80, 0xff,
						      0x20, 9, 8 };

			b[at] = ib[rnd() % sizeof(ib)];
			break;
		}
		case 3:	/* huge or boundary 64-bit count */
		case 4:
			v = huge[rnd() % (sizeof(huge) / sizeof(huge[0]))];
			if (rnd() % 4 == 0)
				v = *len + (rnd() % 64) - 32;
			for (int k = 0; k < 8 && at + k < *len; k++)
				b[at + k] = (uint8_t)(v >> (8 * k));
			break;
		case 5:	/* truncate (a quarter of the time: it ends parsing) */
			if (rnd() % 4 == 0)
				*len = at;
			else
				b[at] = (uint8_t)rnd();
			break;
		case 6:	/* extend with random bytes */
			for (size_t k = rnd() % 64; k && *len < cap; k--)
				b[(*len)++] = (uint8_t)rnd();
			break;
		default: {	/* copy a chunk over another place */
			size_t from = rnd() % *len, l = 1 + rnd() % 32;

			if (from + l <= *len && at + l <= *len)
				memmove(b + at, b + from, l);
			break;
		}
		}
	}
}

int main(int argc, char **argv)
{
	const char *env = getenv("FUZZ_GGUF_ITERS");
	long iters = argc > 1 ? atol(argv[1]) : env ? atol(env) : 3000;
	struct seed seeds[6];
	size_t nseeds = 0, maxlen = 0;
	uint64_t parsed = 0, toks = 0, loaded = 0, nomsg = 0, overcap = 0;
	uint64_t overheap = 0, leaks = 0, total_bytes = 0;
	size_t peak_ratio_num = 0, peak_ratio_den = 1;
	char err[512];
	uint8_t *buf;
	time_t t0 = time(NULL);
	static const uint32_t wt[4] = { MK_TQ2_0, MK_TQ1_0, MK_I2_S, MK_F16 };

	for (int i = 0; i < 4; i++)
		if (!make_seed(&seeds[nseeds], wt[i], i & 1 ? MK_BPE : MK_SPM))
			nseeds++;
	make_types_seed(&seeds[nseeds++]);
	tap_ok(nseeds == 5, "%zu seeds built", nseeds);
	for (size_t i = 0; i < nseeds; i++)
		if (seeds[i].len > maxlen)
			maxlen = seeds[i].len;
	buf = malloc(maxlen + 64 * 8);
	for (long it = 0; it < iters; it++) {
		const struct seed *s = &seeds[rnd() % nseeds];
		struct gguf_file *f = NULL;
		struct tokenizer *t = NULL;
		struct mdl_desc *m = NULL;
		struct mdl_load_opts o = { (uint8_t)(rnd() % 2), -1,
					   (uint32_t)(rnd() % 4), NULL, NULL };
		size_t len = s->len, before = heap_now();
		int e;

		memcpy(buf, s->p, len);
		mutate(buf, &len, maxlen + 64 * 8, s->hdr);
		total_bytes += len;
		err[0] = 0;
		e = gguf_parse(buf, len, &f, err, sizeof(err));
		if (e) {
			if (!err[0])
				nomsg++;
		} else {
			parsed++;
			if (f->alloc_bytes > 8 * len + 4096)
				overcap++;
			err[0] = 0;
			e = tok_load(f, &t, err, sizeof(err));
			if (!e)
				toks++;
			else if (!err[0])
				nomsg++;
			err[0] = 0;
			e = mdl_load(f, &o, &m, err, sizeof(err));
			if (!e) {
				size_t used = heap_now() - before;

				loaded++;
				if (used > 64 * len + (1u << 20))
					overheap++;
				if (used * peak_ratio_den >
				    peak_ratio_num * (len ? len : 1)) {
					peak_ratio_num = used;
					peak_ratio_den = len ? len : 1;
				}
			} else if (!err[0]) {
				nomsg++;
			}
		}
		mdl_free(m);
		tok_free(t);
		gguf_close(f);
		if (heap_now() != before)
			leaks++;
	}
	free(buf);
	tap_diag("%ld mutated files (%.1f MB), %llu parsed, %llu tokenizers, %llu models loaded, %lds",
		 iters, (double)total_bytes / 1e6, (unsigned long long)parsed,
		 (unsigned long long)toks, (unsigned long long)loaded,
		 (long)(time(NULL) - t0));
	tap_ok(1, "%ld mutated files without a crash", iters);
	tap_ok(!nomsg, "every rejection carries a message (%llu without)",
	       (unsigned long long)nomsg);
	tap_ok(!overcap, "parser heap <= 8 x file size + 4 KiB (%llu over)",
	       (unsigned long long)overcap);
#ifdef HAVE_HEAP_COUNTER
	tap_diag("largest model heap / file size: %.2f",
		 (double)peak_ratio_num / (double)peak_ratio_den);
	tap_ok(!overheap, "model heap <= 64 x file size + 1 MiB (%llu over)",
	       (unsigned long long)overheap);
	tap_ok(!leaks, "heap back to its level after every iteration (%llu leaks)",
	       (unsigned long long)leaks);
#else
	(void)overheap;
	(void)leaks;
	(void)peak_ratio_num;
	tap_diag("heap figures need the ASan build");
#endif
	for (size_t i = 0; i < nseeds; i++)
		free(seeds[i].p);
	return tap_done();
}
