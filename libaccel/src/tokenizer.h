/* SPDX-License-Identifier: MIT */
/*
 * Tokenizer built from GGUF metadata (tokenizer.ggml.*).  Internal to
 * libaccel.
 *
 * Two models, as llama.cpp names them in tokenizer.ggml.model:
 *  - "llama": SentencePiece-style.  Spaces become U+2581 "▁", a "▁" is
 *    prepended (tokenizer.ggml.add_space_prefix, default true), UTF-8
 *    characters are merged pairwise, highest score first (ties: leftmost),
 *    as long as the merged text is a token; characters that are not
 *    tokens fall back to byte tokens <0xXX> (else unknown).
 *  - "gpt2": byte-level BPE.  The text is split into words with GPT-2's
 *    pre-tokenizer rules (contractions, letter runs, digit runs,
 *    punctuation runs, each with an optional leading space; whitespace),
 *    bytes are mapped to printable code points (GPT-2's bytes_to_unicode)
 *    and merged by the rank of tokenizer.ggml.merges.  Bytes >= 0x80 count
 *    as letters; the llama-3 pre-tokenizer variants are not distinguished.
 * Control tokens (type 3) decode to nothing.  Special-token text in the
 * input is tokenized as plain text.
 *
 * Every string is copied from the file, so the tokenizer outlives the
 * gguf_file it was loaded from.
 */
#ifndef ACCEL_TOKENIZER_H
#define ACCEL_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>
#include "gguf.h"

enum tok_kind {
	TOK_SPM = 1,	/* "llama" */
	TOK_BPE = 2,	/* "gpt2" */
};

/* llama.cpp token types (tokenizer.ggml.token_type) */
enum tok_type {
	TOK_T_UNDEFINED = 0,
	TOK_T_NORMAL = 1,
	TOK_T_UNKNOWN = 2,
	TOK_T_CONTROL = 3,
	TOK_T_USER_DEFINED = 4,
	TOK_T_UNUSED = 5,
	TOK_T_BYTE = 6,
};

struct tokenizer;

/* Load from the metadata of @f: 0 or -EINVAL/-ENOMEM with a message. */
MDL_API int tok_load(const struct gguf_file *f, struct tokenizer **out,
		     char *err, size_t errlen);
MDL_API void tok_free(struct tokenizer *t);

MDL_API uint32_t tok_kind(const struct tokenizer *t);
MDL_API uint32_t tok_n_vocab(const struct tokenizer *t);
MDL_API int32_t tok_bos(const struct tokenizer *t);	/* -1 if none */
MDL_API int32_t tok_eos(const struct tokenizer *t);	/* -1 if none */
/* tokenizer.ggml.add_bos_token (default true for "llama"). */
MDL_API int tok_add_bos(const struct tokenizer *t);
/* Text of token @id as stored in the vocabulary (NULL if out of range). */
MDL_API const char *tok_text(const struct tokenizer *t, int32_t id,
			     size_t *len);

/*
 * Encode @len bytes of @text (any bytes; not NUL-terminated), with the
 * BOS token first if @add_bos and the vocabulary has one.  Writes up to
 * @max ids and stores the number of tokens in *@n; returns -ENOSPC when
 * @max was too small (*@n then holds the number needed), -ENOMEM.
 */
MDL_API int tok_encode(const struct tokenizer *t, const char *text,
		       size_t len, int add_bos, int32_t *ids, size_t max,
		       size_t *n);

/*
 * Bytes token @id contributes to decoded text (byte tokens become their
 * byte, "▁" a space for "llama", BPE code points their bytes, control
 * tokens nothing).  Writes up to @cap bytes to @buf and returns the
 * length the piece has (which may exceed @cap), or -EINVAL for a bad id.
 * Streaming callers print pieces as they come; tok_decode() also drops
 * the space "llama" prefixes to the text.
 */
MDL_API int tok_piece(const struct tokenizer *t, int32_t id, char *buf,
		      size_t cap);

/*
 * Decode @n ids into @buf (@cap bytes, NUL-terminated when it fits) and
 * store the text length in *@len.  -ENOSPC if @cap <= length, -EINVAL
 * for an id out of range.
 */
MDL_API int tok_decode(const struct tokenizer *t, const int32_t *ids,
		       size_t n, char *buf, size_t cap, size_t *len);

#endif /* ACCEL_TOKENIZER_H */
